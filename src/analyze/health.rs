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

/// The health check ladder emits for Argo CD's own `Application` kind, for an app-of-apps
/// root's sync waves. Argo CD dropped Application health in 1.8 (argoproj/argo-cd#3781)
/// and documents a check (health.md, "Argocd App") that returns the child's last health;
/// right after the root updates a child that health is stale, so the next wave starts
/// about 2 s later (#4577, #8778, PR #29649). This one returns:
///
/// - Progressing while an operation is requested (`operation`) or running
///   (`status.operationState.phase` Running or Terminating);
/// - for a manual child (the `ladder.dev/sync: manual` annotation,
///   [`crate::analyze::names::SYNC_ANNOTATION`], or no automated sync, which Argo CD never
///   syncs by itself: v3.5.1 `controller/appcontroller.go` autoSync), Degraded if it is
///   Degraded and Healthy otherwise, so a never-synced (Missing) or OutOfSync manual child
///   does not hold the root's sync;
/// - Progressing while `status.sync.comparedTo` differs from the spec's `source`/`sources`
///   (targetRevision included), i.e. the controller has not compared the new spec yet
///   (v2.10.0 `controller/state.go:769-786`, v3.5.1 `controller/state.go:639-651`);
/// - when not Synced: Progressing until automated sync has tried this spec and revision,
///   mirroring `alreadyAttemptedSync` (v3.5.1 `controller/appcontroller.go:2476`, v2.10.0
///   the same name), which compares `operationState.syncResult` with the spec's sources
///   and `status.sync.revision(s)`; Degraded when that try did not succeed (automated sync
///   does not retry it); the child's own health after a successful try (drift that
///   automated sync leaves alone) or when only pruning is left and automated prune is off
///   (autoSync's `requirePruneOnly`);
/// - otherwise the child's `status.health.status` (Unknown for a value Argo CD does not
///   know), with its message only when that is a string (anything else makes the result
///   invalid: v3.5.1 `util/lua/lua.go` ExecuteHealthLua).
///
/// Zero values compare as absent, as Go's `reflect.DeepEqual` on the typed sources does
/// after `omitempty`. The script uses only Lua's base and table libraries: Argo CD runs
/// `argocd-cm` checks without the string library (`SkipOpenLibs`, v3.5.1
/// `util/lua/lua.go:133-150`). `tests/conformance/health/` holds the object states it is
/// run against, in gopher-lua, by `tests/conformance.rs`.
pub const APPLICATION_LUA: &str = include_str!("application_health.lua");

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
                    help: "remove it: `patches/argocd-cm.yaml` already has ladder's Application health check for app-of-apps waves".into(),
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

#[cfg(test)]
mod tests {
    use super::APPLICATION_LUA;
    use crate::analyze::names::{SYNC_ANNOTATION, SYNC_MANUAL};

    /// The check reads the annotation the app-of-apps renderer writes on manual children.
    #[test]
    fn application_check_reads_the_manual_annotation() {
        let test = format!("annotations[\"{SYNC_ANNOTATION}\"] == \"{SYNC_MANUAL}\"");
        assert!(APPLICATION_LUA.contains(&test), "{test} not in the Lua");
    }

    /// Argo CD runs `argocd-cm` checks without Lua's string library (the conformance
    /// suite runs every path of the check that way too).
    #[test]
    fn application_check_needs_no_string_library() {
        let code: String = APPLICATION_LUA
            .lines()
            .map(|l| l.split("--").next().unwrap())
            .collect();
        assert!(!code.contains("string."), "uses the string library");
    }
}
