//! Per-environment sync settings: `prune`, `selfHeal`, `syncOptions` and `syncWindows`,
//! checked and resolved for the model.
//!
//! What Argo CD reads of them decides what is accepted (argocd-semantics.md §1.5, §1.6):
//! under RollingSync only `automated.prune` is read from the automated block, so
//! `selfHeal: true` (ignored) and `prune` on a `sync: manual` environment (which has no
//! automated block) are refused rather than emitted for nothing. With the app-of-apps
//! strategy there is no RollingSync: `selfHeal` is honoured (default `true`). Sync windows live in
//! the AppProject, so they need a project ladder emits.

use crate::model::Version;
use crate::spec::{self, Sync, SyncOptions, Topology};
use crate::windows::{self, WindowOut};
use crate::yaml::PathSeg::{self, Index, Key};

/// One environment's resolved settings, and every problem found resolving them.
#[derive(Debug, Clone)]
pub struct Settings {
    pub prune: bool,
    /// `automated.selfHeal` of the app-of-apps strategy's children (default `true`);
    /// RollingSync ignores it, so there it is refused and `false`.
    pub self_heal: bool,
    pub sync_options: Vec<String>,
    pub sync_windows: Vec<WindowOut>,
    pub problems: Vec<Problem>,
}

/// A problem at a path of the spec (also `crate::health`'s).
#[derive(Debug, Clone)]
pub struct Problem {
    pub path: Vec<PathSeg<'static>>,
    pub message: String,
    pub help: String,
}

/// Resolves environment `index` of `spec` for Argo CD `version` (the newest ladder
/// supports when the spec's own version is invalid, already reported).
pub fn settings(spec: &spec::Spec, index: usize, version: Option<Version>) -> Settings {
    let env = &spec.environments[index];
    let version = version.unwrap_or(crate::analyze::NEWEST);
    let at = |tail: &[PathSeg<'static>]| {
        let mut path = vec![Key("environments"), Index(index)];
        path.extend_from_slice(tail);
        path
    };
    let mut problems = Vec::new();
    let app_of_apps = spec.rollout.strategy == spec::Strategy::AppOfApps;
    if env.sync == Sync::Manual && app_of_apps && env.self_heal.is_some() {
        problems.push(Problem {
            path: at(&[Key("selfHeal")]),
            message: format!(
                "environment `{}` is `sync: manual`, so its Applications have no automated block for `selfHeal` to go in",
                env.name
            ),
            help: "remove `selfHeal`, or make the environment `sync: auto`".into(),
        });
    }
    if env.self_heal == Some(true) && !app_of_apps {
        problems.push(Problem {
            path: at(&[Key("selfHeal")]),
            message: format!(
                "environment `{}` sets `selfHeal: true`, which RollingSync ignores: it turns automated sync off on every Application it manages and only reads `prune`",
                env.name
            ),
            help: "remove `selfHeal`; drift is corrected by the next RollingSync sync or by hand".into(),
        });
    }
    if env.sync == Sync::Manual && env.prune.is_some() {
        problems.push(Problem {
            path: at(&[Key("prune")]),
            message: format!(
                "environment `{}` is `sync: manual`, so its Applications have no automated block for `prune` to go in",
                env.name
            ),
            help: "remove `prune` (an operator chooses pruning when syncing by hand), or make the environment `sync: auto`".into(),
        });
    }
    if !env.sync_windows.is_empty() && spec.argocd.project.as_deref() == Some("default") {
        problems.push(Problem {
            path: at(&[Key("syncWindows")]),
            message: format!(
                "environment `{}` has sync windows, which live in the AppProject, but ladder does not emit Argo CD's built-in `default` project",
                env.name
            ),
            help: "set `argocd.project` to a project of the spec's own (or leave it out: it defaults to the spec's name)".into(),
        });
    }
    let sequential = spec.rollout.environments == Topology::Sequential;
    for (j, window) in env.sync_windows.iter().enumerate() {
        for problem in windows::check(window, version) {
            let mut path = at(&[Key("syncWindows"), Index(j)]);
            path.extend(problem.field.map(Key));
            problems.push(Problem {
                path,
                message: problem.message,
                help: problem.help,
            });
        }
        if sequential
            && (!window.applications.is_empty()
                || !window.namespaces.is_empty()
                || !window.clusters.is_empty())
        {
            let field = if !window.applications.is_empty() {
                "applications"
            } else if !window.namespaces.is_empty() {
                "namespaces"
            } else {
                "clusters"
            };
            problems.push(Problem {
                path: at(&[Key("syncWindows"), Index(j), Key(field)]),
                message: format!(
                    "with `rollout.environments: sequential` one AppProject holds every environment, and ladder scopes `{}`'s windows to its Applications itself",
                    env.name
                ),
                help: format!("remove `{field}`, or use `rollout.environments: independent` for a project per environment"),
            });
        }
    }
    Settings {
        prune: env.prune.unwrap_or(true),
        // Under app-of-apps nothing turns automated sync off, so children heal drift
        // unless the environment says otherwise.
        self_heal: app_of_apps && env.self_heal.unwrap_or(true),
        sync_options: sync_options(
            spec.defaults.sync_options.as_ref(),
            env.sync_options.as_ref(),
        ),
        sync_windows: env.sync_windows.iter().map(WindowOut::new).collect(),
        problems,
    }
}

/// `Name=value` strings of the options set in `env` or else in `defaults`.
fn sync_options(defaults: Option<&SyncOptions>, env: Option<&SyncOptions>) -> Vec<String> {
    let none = SyncOptions::default();
    let (d, e) = (defaults.unwrap_or(&none), env.unwrap_or(&none));
    [
        ("CreateNamespace", e.create_namespace.or(d.create_namespace)),
        (
            "ServerSideApply",
            e.server_side_apply.or(d.server_side_apply),
        ),
        (
            "SkipDryRunOnMissingResource",
            e.skip_dry_run_on_missing_resource
                .or(d.skip_dry_run_on_missing_resource),
        ),
        (
            "RespectIgnoreDifferences",
            e.respect_ignore_differences
                .or(d.respect_ignore_differences),
        ),
        ("PruneLast", e.prune_last.or(d.prune_last)),
        (
            "ApplyOutOfSyncOnly",
            e.apply_out_of_sync_only.or(d.apply_out_of_sync_only),
        ),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|v| format!("{name}={v}")))
    .collect()
}

/// The `spec.syncPolicy` of an environment's Applications, or `None` for none:
/// `automated.prune` for `sync: auto` (the one field RollingSync reads, §1.5) and the
/// sync options.
pub fn sync_policy(env: &crate::model::Environment) -> Option<serde_json::Value> {
    let mut policy = serde_json::Map::new();
    if env.sync == Sync::Auto {
        policy.insert(
            "automated".into(),
            serde_json::json!({ "prune": env.prune }),
        );
    }
    if !env.sync_options.is_empty() {
        policy.insert("syncOptions".into(), serde_json::json!(env.sync_options));
    }
    (!policy.is_empty()).then_some(serde_json::Value::Object(policy))
}

/// The sync windows of the AppProject holding environments `envs`. With one project for
/// several environments (`sequential`), each window is scoped to its environment by
/// listing that environment's Application names (sorted), since the windows of one
/// environment must not stop another's steps.
pub fn project_windows(model: &crate::model::Model, envs: &[usize]) -> Vec<WindowOut> {
    let scoped = envs.len() > 1;
    let mut out = Vec::new();
    for &e in envs {
        let mut apps: Vec<&str> = model
            .components
            .iter()
            .filter_map(|c| c.instances[e].as_ref().map(|i| i.app.as_str()))
            .collect();
        apps.sort_unstable();
        for window in &model.environments[e].sync_windows {
            let mut window = window.clone();
            if scoped {
                window.applications = apps.iter().map(|&a| a.to_owned()).collect();
            }
            out.push(window);
        }
    }
    out
}
