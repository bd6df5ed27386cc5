//! What every generated Application shares, whichever the strategy: the names of its
//! tree (one tree, or one per independent environment), its destination and sources in
//! Argo CD's field names, and its `syncPolicy`.

use crate::analyze::application_patch::added_fields;
use crate::analyze::model::{AppSettings, Carrier, Component, Destination, Environment, Model};
use crate::load::spec::{Sync, Topology};

/// The names one output tree uses: one tree for sequential environments, one per
/// environment (names suffixed with it) when independent.
pub(super) struct Tree {
    pub(super) independent: bool,
    /// The AppProject of the tree's Applications.
    pub(super) project: String,
    pub(super) env_names: Vec<String>,
}

impl Tree {
    pub(super) fn of(model: &Model, envs: &[usize]) -> Tree {
        let project = if model.argocd.emit_project {
            Tree::suffix(model, envs, &model.argocd.project)
        } else {
            model.argocd.project.clone()
        };
        Tree {
            independent: model.rollout.topology == Topology::Independent,
            project,
            env_names: envs
                .iter()
                .map(|&e| model.environments[e].name.clone())
                .collect(),
        }
    }

    /// `base`, or `base-<env>` in an independent environment's tree.
    pub(super) fn suffix(model: &Model, envs: &[usize], base: &str) -> String {
        if model.rollout.topology == Topology::Independent {
            format!("{base}-{}", model.environments[envs[0]].name)
        } else {
            base.to_owned()
        }
    }
}

/// An Application destination cluster: `server` or `name`.
#[derive(serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum DestinationOut<'a> {
    Server(&'a str),
    Name(&'a str),
}

impl<'a> From<&'a Destination> for DestinationOut<'a> {
    fn from(d: &'a Destination) -> Self {
        match d {
            Destination::Server(s) => DestinationOut::Server(s),
            Destination::Name(n) => DestinationOut::Name(n),
        }
    }
}

/// A source in Argo CD's own field names, so `toJson` yields an Application source.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SourceOut<'a> {
    #[serde(rename = "repoURL")]
    pub(super) repo_url: &'a str,
    pub(super) target_revision: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) chart: Option<&'a str>,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub(super) reference: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) tag_prefix: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) helm: Option<HelmOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) kustomize: Option<KustomizeOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) directory: Option<&'a serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) plugin: Option<&'a serde_json::Value>,
}

/// `spec.source.kustomize`: `images`, each `<image_name>:<image_tag>` (the Application
/// CRD's `KustomizeImage`), and `commonAnnotations` (a gate's rollout digest), which
/// Argo CD applies as `kustomize edit set image` and `kustomize edit add annotation`
/// before building the overlay.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct KustomizeOut<'a> {
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub(super) images: &'a [String],
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub(super) common_annotations: serde_json::Map<String, serde_json::Value>,
    /// The spec's other kustomize settings (`namePrefix`, `patches`, …).
    #[serde(flatten)]
    pub(super) extra: &'a serde_json::Map<String, serde_json::Value>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct HelmOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) release_name: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub(super) value_files: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) parameters: Vec<ParameterOut<'a>>,
    /// The spec's other Helm settings (`values`, `valuesObject`, …).
    #[serde(flatten)]
    pub(super) extra: &'a serde_json::Map<String, serde_json::Value>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ParameterOut<'a> {
    pub(super) name: &'a str,
    pub(super) value: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(super) force_string: bool,
}

impl<'a> From<&'a crate::analyze::model::Source> for SourceOut<'a> {
    fn from(s: &'a crate::analyze::model::Source) -> Self {
        let helm = (!s.value_files.is_empty()
            || s.release_name.is_some()
            || !s.parameters.is_empty()
            || !s.helm_extra.is_empty())
        .then(|| HelmOut {
            release_name: s.release_name.as_deref(),
            value_files: &s.value_files,
            parameters: s
                .parameters
                .iter()
                .map(|p| ParameterOut {
                    name: &p.name,
                    value: &p.value,
                    force_string: p.force_string,
                })
                .collect(),
            extra: &s.helm_extra,
        });
        SourceOut {
            repo_url: &s.repo_url,
            target_revision: &s.target_revision,
            path: s.path.as_deref(),
            chart: s.chart.as_deref(),
            reference: s.reference.as_deref(),
            name: s.name.as_deref(),
            tag_prefix: s.tag_prefix.as_deref(),
            helm,
            directory: s.directory.as_ref(),
            plugin: s.plugin.as_ref(),
            kustomize: (!s.kustomize_images.is_empty()
                || !s.common_annotations.is_empty()
                || !s.kustomize_extra.is_empty())
            .then(|| KustomizeOut {
                images: &s.kustomize_images,
                common_annotations: s
                    .common_annotations
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                    .collect(),
                extra: &s.kustomize_extra,
            }),
        }
    }
}

/// The `spec.syncPolicy` of an Application in `env` with `settings`, or `None` for none:
/// `automated.prune` for `sync: auto` (the one field of the block RollingSync reads, §1.5),
/// the sync options, `retry` (which RollingSync copies into the syncs it starts: v3.5.1
/// applicationset/progressivesync/progressive_sync.go:794) and the managed namespace's
/// metadata.
pub(super) fn sync_policy(env: &Environment, settings: &AppSettings) -> Option<serde_json::Value> {
    let mut policy = serde_json::Map::new();
    if env.sync == Sync::Auto {
        policy.insert(
            "automated".into(),
            serde_json::json!({ "prune": env.prune }),
        );
    }
    if !settings.sync_options.is_empty() {
        policy.insert(
            "syncOptions".into(),
            serde_json::json!(settings.sync_options),
        );
    }
    if let Some(retry) = &settings.retry {
        policy.insert("retry".into(), retry.clone());
    }
    if let Some(metadata) = &settings.managed_namespace_metadata {
        policy.insert("managedNamespaceMetadata".into(), metadata.clone());
    }
    let mut policy = serde_json::Value::Object(policy);
    if let Some(patch) = patched(settings, &["spec", "syncPolicy"]) {
        crate::analyze::application_patch::merge(&mut policy, patch);
    }
    policy
        .as_object()
        .is_some_and(|p| !p.is_empty())
        .then_some(policy)
}

/// The part of the `application` patch at `path` (`["spec", "syncPolicy"]`, say).
fn patched<'a>(settings: &'a AppSettings, path: &[&str]) -> Option<&'a serde_json::Value> {
    crate::analyze::application_patch::lookup(settings.patch.as_ref()?.as_object()?, path)
}

/// The `metadata` fields of the `application` patch (its `finalizers`): ladder writes
/// none of them, so they are added as they are.
pub(super) fn metadata_fields(
    settings: &AppSettings,
) -> serde_json::Map<String, serde_json::Value> {
    added_fields(settings.patch.as_ref(), "metadata")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The `spec` fields besides the project, destination, sources and `syncPolicy`, in the
/// order Argo CD's CRD lists them: `ignoreDifferences`, `info`, `revisionHistoryLimit`.
pub(super) fn spec_fields(settings: &AppSettings) -> serde_json::Map<String, serde_json::Value> {
    let mut fields = serde_json::Map::new();
    if let Some(v) = &settings.ignore_differences {
        fields.insert(IGNORE_DIFFERENCES.into(), v.clone());
    }
    if let Some(v) = &settings.info {
        fields.insert(INFO.into(), v.clone());
    }
    if let Some(v) = settings.revision_history_limit {
        fields.insert(REVISION_HISTORY_LIMIT.into(), v.into());
    }
    fields.extend(patch_spec_fields(settings));
    fields
}

/// The `spec` fields of the `application` patch beside `syncPolicy` (none of which
/// ladder writes).
pub(super) fn patch_spec_fields(
    settings: &AppSettings,
) -> impl Iterator<Item = (String, serde_json::Value)> + '_ {
    added_fields(settings.patch.as_ref(), "spec").map(|(k, v)| (k.clone(), v.clone()))
}

/// Whether [`spec_fields`] of `settings` has `field`.
pub(super) fn has_spec_field(settings: &AppSettings, field: &str) -> bool {
    match field {
        IGNORE_DIFFERENCES => settings.ignore_differences.is_some(),
        INFO => settings.info.is_some(),
        _ => settings.revision_history_limit.is_some(),
    }
}

pub(super) const IGNORE_DIFFERENCES: &str = "ignoreDifferences";
pub(super) const INFO: &str = "info";
pub(super) const REVISION_HISTORY_LIMIT: &str = "revisionHistoryLimit";

/// What a gate's header comment says about its rollout digest (`None` for a component
/// that is not a gate): where the digest goes, or that there is none.
pub(super) fn gate_note(component: &Component) -> Option<serde_json::Value> {
    let carrier = match component.gate.as_ref()? {
        Carrier::Nothing => None,
        Carrier::Kustomize(_) => Some(format!(
            "kustomize.commonAnnotations {}",
            crate::analyze::gates::DIGEST_ANNOTATION
        )),
        Carrier::Helm(_, parameter) => Some(format!("Helm parameter {parameter}")),
    };
    Some(serde_json::json!({ "name": component.name, "carrier": carrier }))
}
