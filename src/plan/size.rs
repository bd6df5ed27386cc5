//! How much of etcd's object limit each RollingSync ApplicationSet takes once Argo CD
//! runs it: its spec as stored, plus the status the ApplicationSet controller writes for
//! every Application it generates.
//!
//! Kubernetes stores a custom resource as one JSON object, spec and status together, and
//! etcd refuses a write over its request limit (`--max-request-bytes`, default
//! 1,572,864 bytes). Once the ApplicationSet controller cannot write the status, the
//! reconcile fails before any Application is created or updated: the whole rollout stops
//! (Argo CD v3.5.1 `applicationset/progressivesync/progressive_sync.go:105-110`, returned by
//! `applicationset/controllers/applicationset_controller.go:258-261`).
//!
//! `ladder plan` estimates the spec from the model ([`estimate`]); `ladder build`
//! measures the rendered ApplicationSet as compact JSON and adds the same status
//! ([`status_bytes`]). The two agree within [`TOLERANCE_BYTES`] plus [`TOLERANCE_PERCENT`]
//! (tested on every example and on a generated fleet).

use serde_json::Value as Json;

pub(crate) use super::json_len::{digits, json_str};
use super::json_len::{json_len, key, list, object, string_map_len};
use crate::analyze::application_patch::added_fields;
use crate::analyze::model::{AppSettings, MaxUpdate, Model, Source, Version};
use crate::load::spec::{DeletionOrder, Strategy, Sync, Topology};

use super::Plan;

/// etcd's default request limit (`--max-request-bytes`, 1.5 MiB): the largest object,
/// as JSON, the Kubernetes API server can store.
pub const ETCD_LIMIT: u64 = 1_572_864;

/// How far `ladder plan`'s estimate of the spec may be from the size `ladder build`
/// measures: this many bytes plus [`TOLERANCE_PERCENT`] of the measured size.
pub const TOLERANCE_BYTES: u64 = 512;
/// See [`TOLERANCE_BYTES`].
pub const TOLERANCE_PERCENT: u64 = 1;

/// What the API server and Argo CD add besides the per-Application entries, at most:
/// `status.conditions` (four conditions of about 200 bytes: ErrorOccurred,
/// ParametersGenerated, ResourcesUpToDate, RolloutProgressing), `status.health` and
/// `status.resourcesCount`, and the metadata the API server adds (uid, resourceVersion,
/// generation, creationTimestamp, and managedFields for the root's server-side apply and
/// the controller's status updates) with Argo CD's tracking annotation.
pub const FIXED_STATUS_BYTES: u64 = 4096;

/// One RollingSync tree's ApplicationSet and what it takes of [`ETCD_LIMIT`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSetSize {
    /// The ApplicationSet's name.
    pub name: String,
    /// Its file in the output (`applicationset.yaml`, `<env>/applicationset.yaml`).
    pub file: String,
    /// The environments it rolls out (model indexes).
    pub envs: Vec<usize>,
    /// The Applications it generates.
    pub applications: usize,
    /// The object as stored before the controller writes status: metadata and spec.
    pub spec: u64,
    /// What the controller and the API server add: [`status_bytes`].
    pub status: u64,
}

impl AppSetSize {
    pub fn total(&self) -> u64 {
        self.spec.saturating_add(self.status)
    }

    /// The share of [`ETCD_LIMIT`], in whole percent (rounded down).
    pub fn percent(&self) -> u64 {
        self.total().saturating_mul(100) / ETCD_LIMIT
    }
}

/// The environments of each RollingSync ApplicationSet: all of them in one
/// (`sequential`), or one each (`independent`). None for the app-of-apps strategy.
pub fn trees(model: &Model) -> Vec<Vec<usize>> {
    if model.rollout.strategy != Strategy::RollingSync {
        return Vec::new();
    }
    let all = 0..model.environments.len();
    match model.rollout.topology {
        Topology::Sequential => vec![all.collect()],
        Topology::Independent => all.map(|e| vec![e]).collect(),
    }
}

/// The ApplicationSet name and output file of the tree holding `envs` (as rendered).
pub fn tree_names(model: &Model, envs: &[usize], topology: Topology) -> (String, String) {
    match topology {
        Topology::Independent => {
            let env = &model.environments[envs[0]].name;
            (
                format!("{}-{env}", model.name),
                format!("{env}/applicationset.yaml"),
            )
        }
        Topology::Sequential => (model.name.clone(), "applicationset.yaml".into()),
    }
}

/// Every RollingSync ApplicationSet with its estimated size, the spec estimated from the
/// model (what `ladder plan` shows; `ladder build` measures the spec instead).
pub fn estimate(model: &Model, plan: &Plan) -> Vec<AppSetSize> {
    trees(model)
        .into_iter()
        .map(|envs| tree_estimate(model, plan, envs, model.rollout.topology))
        .collect()
}

/// The ApplicationSets `rollout.environments: independent` would give: one per
/// environment.
pub fn independent(model: &Model, plan: &Plan) -> Vec<AppSetSize> {
    (0..model.environments.len())
        .map(|e| tree_estimate(model, plan, vec![e], Topology::Independent))
        .collect()
}

fn tree_estimate(model: &Model, plan: &Plan, envs: Vec<usize>, topology: Topology) -> AppSetSize {
    let (name, file) = tree_names(model, &envs, topology);
    AppSetSize {
        applications: applications(model, &envs),
        spec: spec_estimate(model, plan, &envs, &name, topology),
        status: status_bytes(model, plan, &envs),
        name,
        file,
        envs,
    }
}

/// The Applications of the tree holding `envs`.
pub fn applications(model: &Model, envs: &[usize]) -> usize {
    envs.iter()
        .map(|&e| {
            model
                .components
                .iter()
                .filter(|c| c.instances[e].is_some())
                .count()
        })
        .sum()
}

/// The status the ApplicationSet controller writes for the tree holding `envs`, at its
/// largest (during a rollout), plus [`FIXED_STATUS_BYTES`].
///
/// Per Application, as Go's `encoding/json` writes the Argo CD types:
///
/// - `status.applicationStatus[]` (`ApplicationSetApplicationStatus`, v3.5.1
///   `pkg/apis/application/v1alpha1/applicationset_types.go:902-915`): the Application's
///   name, `lastTransitionTime` (RFC 3339, 20 characters), `message` (the longest the
///   controller writes is 96 characters before 3.3 and 95 from 3.3: "Application resource
///   completed a sync successfully, updating status from Pending to Progressing",
///   `progressive_sync.go:477`), `status` (at most `Progressing`), `step` (the step's
///   number) and, from 2.12, `targetRevisions` (one revision per source, counted as a
///   40-character commit SHA; added in v2.12.0). About 275–300 bytes; about 210 before
///   2.12 (v2.10.0 `applicationset_types.go:824-835`).
/// - from 2.12, `status.resources[]` (`ResourceStatus`, v3.5.1
///   `pkg/apis/application/v1alpha1/types.go:2231-2255`, filled by
///   `applicationset/status/resource_status.go:7-27`): group `argoproj.io`, version
///   `v1alpha1`, kind `Application`, its namespace and name, sync status (at most
///   `OutOfSync`) and health (at most `Progressing`): about 170 bytes. From 3.4 the
///   controller keeps at most 5,000 of them (`--max-resources-status-count`, default
///   5000 from v3.4.0 `cmd/argocd-applicationset-controller/commands/applicationset_controller.go:304`).
pub fn status_bytes(model: &Model, plan: &Plan, envs: &[usize]) -> u64 {
    let version = model.argocd.version;
    let revisions = version.at_least(2, 12);
    let namespace = json_str(&model.argocd.namespace);
    let mut total = FIXED_STATUS_BYTES;
    let mut resources = 0u64;
    let mut step = 0u64;
    for &e in envs {
        for s in &plan.environments[e].steps {
            step += 1;
            for &c in &s.components {
                let Some(instance) = &model.components[c].instances[e] else {
                    continue;
                };
                let name = json_str(&instance.app);
                let sources = revisions.then_some(instance.sources.len() as u64);
                total += application_status_entry(version, name, digits(step), sources);
                if revisions && (!version.at_least(3, 4) || resources < MAX_RESOURCES_STATUS_COUNT)
                {
                    resources += 1;
                    total += resource_entry(namespace, name);
                }
            }
        }
    }
    total
}

/// From 3.4 the controller stores at most this many `status.resources` entries.
const MAX_RESOURCES_STATUS_COUNT: u64 = 5000;

/// One `status.applicationStatus` entry with its separating comma; `revisions`, from
/// 2.12, is the number of `targetRevisions`.
fn application_status_entry(
    version: Version,
    name: u64,
    step_digits: u64,
    revisions: Option<u64>,
) -> u64 {
    let message: u64 = if version.at_least(3, 3) { 95 } else { 96 };
    // {"application":N,"lastTransitionTime":"2006-01-02T15:04:05Z","message":M,
    //  "status":"Progressing","step":"S"[,"targetRevisions":["<sha>",…]]},
    let mut len = 1 + key("application") + name;
    len += 1 + key("lastTransitionTime") + 22;
    len += 1 + key("message") + message + 2;
    len += 1 + key("status") + 13;
    len += 1 + key("step") + step_digits + 2;
    if let Some(n) = revisions {
        len += 1 + key("targetRevisions") + 2 + n * 42 + n.saturating_sub(1);
    }
    len + 1 + 1
}

/// One `status.resources` entry with its separating comma.
fn resource_entry(namespace: u64, name: u64) -> u64 {
    // {"group":"argoproj.io","version":"v1alpha1","kind":"Application","namespace":NS,
    //  "name":N,"status":"OutOfSync","health":{"status":"Progressing"}},
    let fields = [
        key("group") + 13,
        key("version") + 10,
        key("kind") + 13,
        key("namespace") + namespace,
        key("name") + name,
        key("status") + 11,
        key("health") + 2 + key("status") + 13,
    ];
    2 + fields.iter().sum::<u64>() + (fields.len() as u64 - 1) + 1
}

/// The metadata and spec of the tree's ApplicationSet as JSON, estimated from the model:
/// the list generator's elements field by field, the steps, and a measured allowance for
/// the rest of the template.
fn spec_estimate(
    model: &Model,
    plan: &Plan,
    envs: &[usize],
    name: &str,
    topology: Topology,
) -> u64 {
    // The template's fixed fields (apiVersion, kind, goTemplate, the Application
    // template's labels and names, the strategy's type), measured on the examples.
    const TEMPLATE: u64 = 542;
    let sequential = topology == Topology::Sequential;
    let project = if model.argocd.emit_project && !sequential {
        json_str(&format!(
            "{}-{}",
            model.argocd.project, model.environments[envs[0]].name
        ))
    } else {
        json_str(&model.argocd.project)
    };
    let namespace = json_str(&model.argocd.namespace);
    let mut len = TEMPLATE + json_str(name) + 2 * namespace + project + json_str(&model.name);
    len += json_str(&model.rollout.environment_label) + json_str(&model.rollout.label);
    let reverse = match model.rollout.deletion_order {
        Some(DeletionOrder::Reverse) => true,
        Some(DeletionOrder::AllAtOnce) => false,
        None => model.argocd.version.at_least(3, 2),
    };
    if reverse {
        // "finalizers":["resources-finalizer.argocd.argoproj.io"] and "deletionOrder":"Reverse"
        len += 55 + 26;
    } else if model.rollout.deletion_order.is_some() {
        len += 28;
    }

    // The ApplicationSet's own syncPolicy and ignoreApplicationDifferences.
    let own = &model.rollout.application_set;
    let mut policy = Vec::new();
    if own.preserve_resources_on_deletion {
        policy.push(key("preserveResourcesOnDeletion") + 4);
    }
    if let Some(sync) = own.applications_sync {
        policy.push(key("applicationsSync") + json_str(sync));
    }
    if !policy.is_empty() {
        len += 1 + key("syncPolicy") + object(&policy);
    }
    if let Some(list) = &own.ignore_application_differences {
        len += 1 + key("ignoreApplicationDifferences") + json_len(list);
    }

    // How the elements are shaped (as `render::rolling_sync` decides).
    let instances = || model.instances_in(envs);
    let policies: Vec<Option<u64>> = instances()
        .map(|(e, i)| sync_policy_len(&model.environments[e], &i.settings))
        .collect();
    let keys: Vec<PolicyKey<'_>> = instances()
        .map(|(e, i)| PolicyKey::of(&model.environments[e], &i.settings))
        .collect();
    // Retries and namespace metadata never go into the template (user strings there would
    // be evaluated as Go templates): with them, every element carries its policy.
    let user_strings = instances().any(|(_, i)| {
        i.settings.retry.is_some() || i.settings.managed_namespace_metadata.is_some()
    });
    let uniform = !user_strings && keys.windows(2).all(|w| w[0] == w[1]);
    let plain = keys.iter().all(PolicyKey::is_plain);
    let policy_patch = !uniform && !plain;
    let mixed_sync = !uniform && plain;
    let any_labels = instances().any(|(_, i)| !i.settings.labels.is_empty());
    // The `application` patches' fields, each under its own name in the elements; with
    // any in `metadata`, every element carries `annotations`.
    let added = |part: &'static str| -> std::collections::BTreeSet<&str> {
        instances()
            .flat_map(|(_, i)| {
                added_fields(i.settings.patch.as_ref(), part).map(|(k, _)| k.as_str())
            })
            .collect()
    };
    let (metadata_added, spec_added) = (added("metadata"), added("spec"));
    let any_annotations =
        instances().any(|(_, i)| !i.settings.annotations.is_empty()) || !metadata_added.is_empty();
    if uniform && let Some(p) = policies.first().copied().flatten() {
        // "syncPolicy":{"automated":{"prune":true}[,"syncOptions":[…]]…}
        len += 1 + key("syncPolicy") + p;
    }
    // templatePatch: the destination and source lines, and those of labels, annotations,
    // the spec fields and the per-element syncPolicy where present.
    len += 1 + key("templatePatch") + 85;
    if any_labels {
        len += 43;
    }
    if any_annotations {
        len += 48;
    }
    for field in SPEC_FIELDS {
        if instances().any(|(_, i)| spec_field_len(&i.settings, field).is_some()) {
            // {{- if hasKey . "F" }}\n F: {{ toJson .F }}\n {{- end }}\n, with indents
            len += 70 + 3 * field.len() as u64;
        }
    }
    for field in metadata_added.iter().chain(&spec_added) {
        len += 70 + 3 * field.len() as u64;
    }
    let auto = envs
        .iter()
        .filter(|&&e| model.environments[e].sync == Sync::Auto)
        .count();
    if policy_patch || (auto > 0 && auto < envs.len()) {
        len += 95;
    }

    let mut single = false;
    let mut multi = false;
    let mut elements = 0u64;
    let mut count = 0u64;
    let mut policy = policies.iter();
    for &e in envs {
        let env = &model.environments[e];
        let env_name = json_str(&env.name);
        for (c, component) in model.components.iter().enumerate() {
            let Some(instance) = &component.instances[e] else {
                continue;
            };
            count += 1;
            // {"app":…,"component":…,"env":…,"phase":…,"namespace":…,"destination":{…}
            let phase = json_str(&plan.phase_label(plan.environments[e].phases[c]));
            let mut element = 2
                + key("app")
                + json_str(&instance.app)
                + 1
                + key("component")
                + json_str(&component.name)
                + 1
                + key("env")
                + env_name
                + 1
                + key("phase")
                + phase
                + 1
                + key("namespace")
                + json_str(&instance.namespace)
                + 1
                + key("destination")
                + destination_len(&instance.destination);
            let settings = &instance.settings;
            if any_labels {
                element += 1 + key("labels") + string_map_len(&settings.labels);
            }
            if any_annotations {
                element += 1 + key("annotations") + string_map_len(&settings.annotations);
            }
            if mixed_sync {
                element += 1 + key("sync") + if env.sync == Sync::Auto { 6 } else { 8 };
            }
            if policy_patch {
                element += policy
                    .next()
                    .copied()
                    .flatten()
                    .map_or(0, |p| 1 + key("syncPolicy") + p);
            }
            for field in SPEC_FIELDS {
                element += spec_field_len(settings, field).map_or(0, |v| 1 + key(field) + v);
            }
            for part in ["metadata", "spec"] {
                for (k, v) in added_fields(settings.patch.as_ref(), part) {
                    element += 1 + key(k) + json_len(v);
                }
            }
            let sources: Vec<u64> = instance.sources.iter().map(source_len).collect();
            if instance.multi_source {
                multi = true;
                element += 1
                    + key("sources")
                    + 2
                    + sources.iter().sum::<u64>()
                    + (sources.len() as u64).saturating_sub(1);
            } else {
                single = true;
                element += 1 + key("source") + sources.first().copied().unwrap_or(2);
            }
            elements += element;
        }
    }
    if single && multi {
        len += 97;
    }
    // "generators":[{"list":{"elements":[…]}}], elements separated by commas
    len += elements + count.saturating_sub(1);

    for &e in envs {
        let env_name = json_str(&model.environments[e].name);
        for step in &plan.environments[e].steps {
            // {"matchExpressions":[{"key":L,"operator":"In","values":[V]}…],"maxUpdate":M},
            let expression = |label: &str, value: u64| {
                2 + key("key")
                    + json_str(label)
                    + 1
                    + key("operator")
                    + 4
                    + 1
                    + key("values")
                    + 2
                    + value
            };
            let mut step_len = 2 + key("matchExpressions") + 2;
            step_len += expression(
                &model.rollout.label,
                json_str(&plan.phase_label(step.phase)),
            );
            if sequential {
                step_len += 1 + expression(&model.rollout.environment_label, env_name);
            }
            step_len += 1
                + key("maxUpdate")
                + match step.max_update {
                    MaxUpdate::Count(n) => digits(u64::from(n)),
                    MaxUpdate::Percent(p) => digits(u64::from(p)) + 3,
                };
            len += step_len + 1;
        }
    }
    len
}

/// What decides an element's syncPolicy, compared the way `render::rolling_sync` compares
/// the policies it renders.
#[derive(PartialEq)]
struct PolicyKey<'a> {
    automated: Option<bool>,
    settings: (&'a [String], Option<&'a Json>, Option<&'a Json>),
}

impl<'a> PolicyKey<'a> {
    fn of(env: &crate::analyze::model::Environment, settings: &'a AppSettings) -> Self {
        PolicyKey {
            automated: (env.sync == Sync::Auto).then_some(env.prune),
            settings: (
                &settings.sync_options,
                settings.retry.as_ref(),
                settings.managed_namespace_metadata.as_ref(),
            ),
        }
    }

    /// No syncPolicy, or only `automated.prune: true`.
    fn is_plain(&self) -> bool {
        matches!(self.automated, None | Some(true)) && self.settings == (&[][..], None, None)
    }
}

/// `{"automated":{"prune":B},"syncOptions":[…],"retry":…,"managedNamespaceMetadata":…}`
/// of an Application, or `None` for no syncPolicy (as `render::application::sync_policy`).
fn sync_policy_len(
    env: &crate::analyze::model::Environment,
    settings: &AppSettings,
) -> Option<u64> {
    let mut fields = Vec::new();
    if env.sync == Sync::Auto {
        fields.push(key("automated") + 2 + key("prune") + if env.prune { 4 } else { 5 });
    }
    if !settings.sync_options.is_empty() {
        fields.push(key("syncOptions") + list(settings.sync_options.iter().map(|o| json_str(o))));
    }
    if let Some(retry) = &settings.retry {
        fields.push(key("retry") + json_len(retry));
    }
    if let Some(metadata) = &settings.managed_namespace_metadata {
        fields.push(key("managedNamespaceMetadata") + json_len(metadata));
    }
    (!fields.is_empty()).then(|| object(&fields))
}

/// The spec fields an element may carry (as `render::application::spec_fields`).
const SPEC_FIELDS: [&str; 3] = ["ignoreDifferences", "info", "revisionHistoryLimit"];

fn spec_field_len(settings: &AppSettings, field: &str) -> Option<u64> {
    match field {
        "ignoreDifferences" => settings.ignore_differences.as_ref().map(json_len),
        "info" => settings.info.as_ref().map(json_len),
        _ => settings
            .revision_history_limit
            .map(|n| digits(n.unsigned_abs()) + u64::from(n < 0)),
    }
}

fn destination_len(d: &crate::analyze::model::Destination) -> u64 {
    use crate::analyze::model::Destination;
    match d {
        Destination::Server(s) => 2 + key("server") + json_str(s),
        Destination::Name(n) => 2 + key("name") + json_str(n),
    }
}

/// A source as `render::application::SourceOut` writes it.
fn source_len(s: &Source) -> u64 {
    let mut fields = vec![
        key("repoURL") + json_str(&s.repo_url),
        key("targetRevision") + json_str(&s.target_revision),
    ];
    for (name, value) in [
        ("path", &s.path),
        ("chart", &s.chart),
        ("ref", &s.reference),
    ] {
        if let Some(v) = value {
            fields.push(key(name) + json_str(v));
        }
    }
    if let Some(name) = &s.name {
        fields.push(key("name") + json_str(name));
    }
    if let Some(prefix) = &s.tag_prefix {
        fields.push(key("tagPrefix") + json_str(prefix));
    }
    if !s.value_files.is_empty()
        || s.release_name.is_some()
        || !s.parameters.is_empty()
        || !s.helm_extra.is_empty()
    {
        let mut helm = Vec::new();
        if let Some(r) = &s.release_name {
            helm.push(key("releaseName") + json_str(r));
        }
        if !s.value_files.is_empty() {
            helm.push(key("valueFiles") + list(s.value_files.iter().map(|f| json_str(f))));
        }
        if !s.parameters.is_empty() {
            let parameters = s.parameters.iter().map(|p| {
                let mut fields = vec![
                    key("name") + json_str(&p.name),
                    key("value") + json_str(&p.value),
                ];
                if p.force_string {
                    fields.push(key("forceString") + 4);
                }
                object(&fields)
            });
            helm.push(key("parameters") + list(parameters));
        }
        helm.extend(s.helm_extra.iter().map(|(k, v)| key(k) + json_len(v)));
        fields.push(key("helm") + object(&helm));
    }
    for (name, tool) in [("directory", &s.directory), ("plugin", &s.plugin)] {
        if let Some(tool) = tool {
            fields.push(key(name) + json_len(tool));
        }
    }
    if !s.kustomize_images.is_empty()
        || !s.common_annotations.is_empty()
        || !s.kustomize_extra.is_empty()
    {
        let mut kustomize = Vec::new();
        if !s.kustomize_images.is_empty() {
            kustomize.push(key("images") + list(s.kustomize_images.iter().map(|i| json_str(i))));
        }
        if !s.common_annotations.is_empty() {
            let annotations: Vec<u64> = s
                .common_annotations
                .iter()
                .map(|(k, v)| key(k) + json_str(v))
                .collect();
            kustomize.push(key("commonAnnotations") + object(&annotations));
        }
        kustomize.extend(s.kustomize_extra.iter().map(|(k, v)| key(k) + json_len(v)));
        fields.push(key("kustomize") + object(&kustomize));
    }
    object(&fields)
}

/// `1.52 MiB`, `412 KiB`, `870 B`.
pub fn human_bytes(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        let hundredths = (bytes.saturating_mul(100) + MIB / 2) / MIB;
        format!("{}.{:02} MiB", hundredths / 100, hundredths % 100)
    } else if bytes >= KIB {
        format!("{} KiB", (bytes + KIB / 2) / KIB)
    } else {
        format!("{bytes} B")
    }
}

/// `1,572,864`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(grouped(1_572_864), "1,572,864");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(human_bytes(ETCD_LIMIT), "1.50 MiB");
        assert_eq!(human_bytes(421_888), "412 KiB");
        assert_eq!(human_bytes(870), "870 B");
    }
}
