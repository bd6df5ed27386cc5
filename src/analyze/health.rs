//! Custom health checks: the Lua checks components ask for, checked and merged by
//! resource kind, for the `argocd-cm` patch ladder emits.
//!
//! Argo CD reads a custom health check from `argocd-cm` under
//! `resource.customizations.health.<group>_<kind>`, or `…health.<kind>` for the core
//! group (the underscore form with an empty group is not read: argoproj-labs/argocd-operator#936).
//! ConfigMap keys allow only `[-._a-zA-Z0-9]`, so no wildcards. Seed 004 needs one: a
//! sync wave (or RollingSync step) waits for health, and a custom resource with no
//! health check is healthy as soon as it is applied, so the next step would start
//! before the namespace it provisions exists.

use std::collections::BTreeMap;

use super::context::Problem;
use crate::analyze::model::HealthCheck as Check;
use crate::load::spec::Spec;
use crate::load::yaml::PathSeg::{Index, Key};

/// The `argocd-cm` key of the health check for Argo CD's own `Application` kind.
pub const APPLICATION_KEY: &str = "resource.customizations.health.argoproj.io_Application";

/// The `Application` health check Argo CD dropped in 1.8 (argoproj/argo-cd#3781) and
/// documents for app-of-apps roots that order children by sync-wave (health.md,
/// "Argocd App"; argocd-semantics §3): a child is as healthy as it reports itself.
pub const APPLICATION_LUA: &str = r#"hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil then
  if obj.status.health ~= nil then
    hs.status = obj.status.health.status
    if obj.status.health.message ~= nil then
      hs.message = obj.status.health.message
    end
  end
end
return hs
"#;

/// The checks, sorted by key, and every problem with them.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    pub checks: Vec<Check>,
    pub(super) problems: Vec<Problem>,
}

/// Collects the health checks of `spec`'s components; `order[i]` is the spec index of
/// model component `i`. The same kind may be asked for by several components (every
/// member of a fleet does) if they give the same Lua.
pub fn resolve(spec: &Spec, order: &[usize]) -> Resolved {
    let mut out = Resolved::default();
    let mut by_key: BTreeMap<String, Check> = BTreeMap::new();
    for (model_index, &spec_index) in order.iter().enumerate() {
        let c = &spec.components[spec_index];
        for (j, hc) in c.health_checks.iter().enumerate() {
            let at = |field: &'static str| {
                vec![
                    Key("components"),
                    Index(spec_index),
                    Key("healthChecks"),
                    Index(j),
                    Key(field),
                ]
            };
            let mut ok = true;
            if !hc.group.is_empty() && !crate::analyze::names::is_dns1123_subdomain(&hc.group) {
                out.problems.push(Problem {
                    path: at("group"),
                    message: format!("`{}` is not an API group", hc.group),
                    help: "write the group of the resource's apiVersion (`example.com` for `example.com/v1`), or leave it empty for the core group".into(),
                });
                ok = false;
            }
            if !is_kind(&hc.kind) {
                out.problems.push(Problem {
                    path: at("kind"),
                    message: format!("`{}` is not a resource kind", hc.kind),
                    help: "write the kind as in the manifest: a capital letter, then letters and digits (`ProjectApplicationTemplate`)".into(),
                });
                ok = false;
            }
            if hc.lua.trim().is_empty() {
                out.problems.push(Problem {
                    path: at("lua"),
                    message: format!("the health check for `{}` has no Lua", hc.kind),
                    help: "give the script: it reads `obj` and returns a table with `status` and `message`".into(),
                });
                ok = false;
            }
            if !ok {
                continue;
            }
            let key = if hc.group.is_empty() {
                format!("resource.customizations.health.{}", hc.kind)
            } else {
                format!("resource.customizations.health.{}_{}", hc.group, hc.kind)
            };
            if key == APPLICATION_KEY
                && spec.rollout.strategy == crate::load::spec::Strategy::AppOfApps
            {
                out.problems.push(Problem {
                    path: at("kind"),
                    message: format!(
                        "`{}` gives a health check for Argo CD's `Application`, which the app-of-apps strategy emits itself",
                        c.name
                    ),
                    help: "remove it: `patches/argocd-cm.yaml` already has the check Argo CD documents for app-of-apps waves".into(),
                });
                continue;
            }
            let lua = format!("{}\n", hc.lua.trim_end());
            match by_key.get_mut(&key) {
                Some(existing) if existing.lua != lua => out.problems.push(Problem {
                    path: at("lua"),
                    message: format!(
                        "`{}` gives a different health check for `{}` than `{}` does; Argo CD has one per kind",
                        c.name,
                        hc.kind,
                        spec.components[order[existing.components[0]]].name
                    ),
                    help: "give the same Lua in both, or keep it on one component only".into(),
                }),
                Some(existing) => {
                    if !existing.components.contains(&model_index) {
                        existing.components.push(model_index);
                    }
                }
                None => {
                    by_key.insert(
                        key.clone(),
                        Check {
                            key,
                            lua,
                            components: vec![model_index],
                        },
                    );
                }
            }
        }
    }
    out.checks = by_key.into_values().collect();
    out
}

/// A Kubernetes kind: an ASCII capital letter, then letters and digits.
fn is_kind(kind: &str) -> bool {
    kind.starts_with(|c: char| c.is_ascii_uppercase())
        && kind.chars().all(|c| c.is_ascii_alphanumeric())
        && kind.len() <= 63
}
