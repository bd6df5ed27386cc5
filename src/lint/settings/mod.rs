//! The Argo CD settings lint's rules depend on, found where teams really keep them: the
//! custom health checks (above all the Application health check an app-of-apps ordered
//! by sync-wave needs, §3) and the progressive syncs switch RollingSync needs (§1.1).
//!
//! Argo CD reads them from its `argocd-cm` and `argocd-cmd-params-cm` ConfigMaps and the
//! ApplicationSet controller's flags and environment, but a repository writes them in
//! many shapes, all read here:
//! - the ConfigMaps themselves, whole or as a patch;
//! - a kustomization's `configMapGenerator`, its `patches` (strategic merge or JSON 6902,
//!   inline or in a file), `patchesStrategicMerge`, `patchesJson6902` and the inline values
//!   of its `helmCharts`;
//! - the argo-cd Helm chart's values: `configs.cm`, `configs.params`,
//!   `applicationSet.extraArgs` (at the top of a values file or one level down, under an
//!   umbrella chart's dependency key), also inline in an Application's `helm.values` or
//!   `helm.valuesObject`;
//! - the Argo CD Operator's `ArgoCD` resource: `spec.resourceHealthChecks`,
//!   `spec.extraConfig`, `spec.resourceCustomizations`, and `spec.applicationSet`'s
//!   `extraCommandArgs` and `env` (argoproj-labs/argocd-operator `api/v1beta1`
//!   `ArgoCDApplicationSet`; the progressive syncs flag there is the operator's documented
//!   way, argocd-operator PR #845);
//! - the `argocd-applicationset-controller` Deployment's `--enable-progressive-syncs` flag
//!   and `ARGOCD_APPLICATIONSET_CONTROLLER_ENABLE_PROGRESSIVE_SYNCS` variable (Argo CD's
//!   Progressive-Syncs.md, "Enabling Progressive Syncs").
//!
//! A remote kustomize resource (a URL) may hold any of them and cannot be read: it is kept
//! so a rule can say so instead of claiming the setting is missing.

use std::collections::{BTreeMap, BTreeSet};

use crate::load::yaml::Node;
use kustomize::{is_kustomization, join, kustomization, normalize, patch_paths};
use sources::{chart_values, config_map, env, flags, inline, items, operator};

pub(super) use found::{APP_HEALTH_KEY, PROGRESSIVE_KEY, Place, Settings};
pub use kustomize::normalize as normalize_name;

mod found;
mod kustomize;
mod sources;
#[cfg(test)]
mod tests;

/// Reads the settings of parsed files (name, documents). Names are as the CLI gives
/// them; a kustomization's `path:` entries are resolved against its folder.
pub(super) fn scan(files: &[(&str, &str, &[Node])]) -> Settings {
    let by_name: BTreeMap<String, &[Node]> = files
        .iter()
        .map(|(name, _, docs)| (normalize(name), *docs))
        .collect();
    // ConfigMaps in files a kustomization patches with are partial: a missing key there
    // says nothing.
    let mut patch_files = BTreeSet::new();
    for (file, _, docs) in files {
        for doc in docs.iter().filter(|d| is_kustomization(file, d)) {
            for path in patch_paths(doc) {
                patch_files.insert(join(file, path));
            }
        }
    }
    let mut settings = Settings {
        patch_files: patch_files.clone(),
        ..Settings::default()
    };
    for (file, text, docs) in files {
        let patch = patch_files.contains(&normalize(file)) || is_ladder_patch(file, text);
        for doc in *docs {
            if is_kustomization(file, doc) {
                kustomization(&mut settings, file, doc, &by_name);
            } else {
                let argo_cd = argo_cd_chart_beside(file, &by_name);
                document(&mut settings, file, doc, patch, argo_cd);
            }
        }
    }
    settings
}

/// ladder's own `patches/` files (its header first) are patches for the ConfigMaps, not
/// whole ones.
fn is_ladder_patch(file: &str, text: &str) -> bool {
    text.starts_with(crate::emit::HEADER_PREFIX)
        && normalize(file).split('/').any(|s| s == "patches")
}

/// Whether a `Chart.yaml` beside `file` is the argo-cd chart or depends on it.
fn argo_cd_chart_beside(file: &str, by_name: &BTreeMap<String, &[Node]>) -> bool {
    let chart = join(file, "Chart.yaml");
    let Some(docs) = by_name.get(&chart) else {
        return false;
    };
    docs.iter().any(|d| {
        d.get("name").and_then(Node::as_str) == Some("argo-cd")
            || items(d.get("dependencies"))
                .any(|dep| dep.get("name").and_then(Node::as_str) == Some("argo-cd"))
    })
}

/// One document that is not a kustomization; `argo_cd`: the argo-cd chart (or one that
/// depends on it) is beside the file.
fn document(settings: &mut Settings, file: &str, doc: &Node, patch: bool, argo_cd: bool) {
    fn text(n: Option<&Node>) -> Option<&str> {
        n.and_then(Node::as_str)
    }
    let api = text(doc.get("apiVersion"));
    let kind = text(doc.get("kind"));
    let name = text(doc.get("metadata").and_then(|m| m.get("name"))).unwrap_or_default();
    match (api, kind) {
        (Some(_), Some("ConfigMap")) => config_map(settings, file, doc, name, patch, ""),
        (Some(api), Some("ArgoCD")) if api.starts_with("argoproj.io/") => {
            operator(settings, file, doc, name);
        }
        (Some(_), Some("Deployment")) if name == "argocd-applicationset-controller" => {
            let containers = doc
                .get("spec")
                .and_then(|s| s.get("template"))
                .and_then(|t| t.get("spec"))
                .and_then(|s| s.get("containers"));
            for c in items(containers) {
                let how = format!("the `{name}` Deployment");
                flags(settings, file, c.get("args"), &how);
                flags(settings, file, c.get("command"), &how);
                env(settings, file, c.get("env"), &how);
            }
        }
        (Some(api), Some("Application" | "ApplicationSet")) if api.starts_with("argoproj.io/") => {
            let spec = doc.get("spec");
            let spec = if kind == Some("ApplicationSet") {
                spec.and_then(|s| s.get("template"))
                    .and_then(|t| t.get("spec"))
            } else {
                spec
            };
            let Some(spec) = spec else { return };
            let sources = spec
                .get("source")
                .into_iter()
                .chain(items(spec.get("sources")));
            for source in sources {
                let Some(helm) = source.get("helm") else {
                    continue;
                };
                let argo_cd = source.get("chart").and_then(Node::as_str) == Some("argo-cd");
                let how = format!("the Helm values of {} `{name}`", kind.unwrap_or_default());
                if let Some(values) = helm.get("valuesObject") {
                    chart_values(settings, file, values, &how, argo_cd);
                }
                if let Some(values) = helm.get("values") {
                    for v in inline(file, values) {
                        chart_values(settings, file, &v, &how, argo_cd);
                    }
                }
            }
        }
        (None, None) => chart_values(settings, file, doc, "the Helm values", argo_cd),
        _ => {}
    }
}
