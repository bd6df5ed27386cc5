//! Per-environment sync settings: `prune`, `selfHeal`, `syncOptions` and `syncWindows`,
//! checked and resolved for the model.
//!
//! What Argo CD reads of them decides what is accepted: under RollingSync only
//! `automated.prune` is read from the automated block (v3.5.1
//! applicationset/progressivesync/progressive_sync.go:752), so
//! `selfHeal: true` (ignored) and `prune` on a `sync: manual` environment (which has no
//! automated block) are refused rather than emitted for nothing. With the app-of-apps
//! strategy there is no RollingSync: `selfHeal` is honoured (default `true`). Sync windows live in
//! the AppProject, so they need a project ladder emits, and before Argo CD 2.11 they do not
//! hold RollingSync's syncs, so an auto environment's windows are refused there.

use std::collections::BTreeMap;

use super::context::{Cx, Problem};
use super::names::{dns_help, is_dns1123_label};
use crate::analyze::model::WindowOut;
use crate::analyze::model::{Destination, Environment, Version};
use crate::analyze::windows;
use crate::load::spec::{self, Sync, Topology};
use crate::load::yaml::PathSeg::{self, Index, Key};

/// One environment's resolved settings, and every problem found resolving them.
#[derive(Debug, Clone)]
pub struct Settings {
    pub prune: bool,
    /// `automated.selfHeal` of the app-of-apps strategy's children (default `true`);
    /// RollingSync ignores it, so there it is refused and `false`.
    pub self_heal: bool,
    pub sync_windows: Vec<WindowOut>,
    pub(super) problems: Vec<Problem>,
}

/// Resolves environment `index` of `spec` for Argo CD `version` (the newest ladder
/// supports when the spec's own version is invalid, already reported).
pub fn settings(spec: &spec::Spec, index: usize, version: Option<Version>) -> Settings {
    let env = &spec.environments[index];
    let version = version.unwrap_or(crate::analyze::argocd::NEWEST);
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
    // Before 2.11 RollingSync's syncs skip the sync windows: the application controller
    // checked windows only before an auto-sync (v2.10.20 controller/appcontroller.go:1603)
    // and argocd-server before a manual sync (v2.10.20 server/application/application.go:1748);
    // the check for operations the ApplicationSet controller starts arrived in 2.11.0
    // (argoproj/argo-cd#16492, `syncWindowPreventsSync` in controller/sync.go). A `sync:
    // manual` environment's steps have maxUpdate 0, so RollingSync never syncs them and its
    // windows hold the operator's syncs as on any version; an auto environment's windows
    // would silently not hold its rollout. Under app-of-apps children auto-sync, which
    // checks windows on 2.10 too.
    if !env.sync_windows.is_empty()
        && !app_of_apps
        && env.sync == Sync::Auto
        && !version.at_least(2, 11)
    {
        problems.push(Problem {
            path: at(&[Key("syncWindows")]),
            message: format!(
                "environment `{}` is `sync: auto` and has sync windows, but Argo CD {version} does not check sync windows for RollingSync's syncs (the check arrived in 2.11, argoproj/argo-cd#16492): RollingSync would sync its Applications inside a deny window and outside every allow window. On {version} windows hold only manual syncs and auto-sync, which RollingSync turns off",
                env.name
            ),
            help: format!(
                "raise `argocd.version` to \"2.11\" or later if your Argo CD runs it, or remove `{}`'s `syncWindows` (a `sync: manual` environment may keep them: RollingSync never syncs it, and its windows hold the operator's syncs)",
                env.name
            ),
        });
    }
    if let Some(options) = &env.sync_options {
        for p in super::app_settings::sync_option_problems(options, version) {
            problems.push(Problem {
                path: at(&[Key("syncOptions"), PathSeg::KeyOf(p.option)]),
                message: p.message,
                help: p.help,
            });
        }
    }
    let sequential = spec.rollout.environments == Topology::Sequential;
    for (j, window) in env.sync_windows.iter().enumerate() {
        for problem in windows::check(window, version) {
            let mut path = at(&[Key("syncWindows"), Index(j)]);
            path.extend(problem.field.map(Key));
            path.extend(problem.index.map(Index));
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
        sync_windows: env.sync_windows.iter().map(WindowOut::new).collect(),
        problems,
    }
}

pub(super) fn environments(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
    version: Option<Version>,
) -> Vec<Environment> {
    use PathSeg::{Index, Key};
    if spec.environments.is_empty() {
        cx.error(&[Key("environments")], "the spec has no environments");
    }
    if let Some(options) = &spec.defaults.sync_options {
        let version = version.unwrap_or(crate::analyze::argocd::NEWEST);
        for p in super::app_settings::sync_option_problems(options, version) {
            cx.error(
                &[
                    Key("defaults"),
                    Key("syncOptions"),
                    PathSeg::KeyOf(p.option),
                ],
                p.message,
            )
            .help = Some(p.help);
        }
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, e) in spec.environments.iter().enumerate() {
        let at = [Key("environments"), Index(i), Key("name")];
        if let Some(&first) = seen.get(e.name.as_str()) {
            let first_pos = cx.pos(&[Key("environments"), Index(first), Key("name")]);
            cx.error(&at, format!("duplicate environment `{}`", e.name))
                .add_note(first_pos, "first defined here");
        } else {
            seen.insert(&e.name, i);
        }
        if !is_dns1123_label(&e.name) {
            cx.error(
                &at,
                format!(
                    "environment name `{}` is not a valid Kubernetes name",
                    e.name
                ),
            )
            .help = Some(dns_help());
        }
        let destination = match e
            .destination
            .as_ref()
            .or(spec.defaults.destination.as_ref())
        {
            None => Destination::Server(spec.argocd.server.clone()),
            Some(d) => match (&d.server, &d.name) {
                (Some(server), None) => Destination::Server(server.clone()),
                (None, Some(name)) => Destination::Name(name.clone()),
                _ => {
                    let path: Vec<PathSeg<'_>> = if e.destination.is_some() {
                        vec![Key("environments"), Index(i), Key("destination")]
                    } else {
                        vec![Key("defaults"), Key("destination")]
                    };
                    cx.error(&path, "a destination names its cluster by `server` or by `name`, exactly one of them");
                    Destination::Server(String::new())
                }
            },
        };
        let settings = settings(spec, i, version);
        for problem in settings.problems {
            cx.error(&problem.path, problem.message).help = Some(problem.help);
        }
        out.push(Environment {
            name: e.name.clone(),
            destination,
            sync: e.sync,
            prune: settings.prune,
            self_heal: settings.self_heal,
            sync_windows: settings.sync_windows,
        });
    }
    out
}
