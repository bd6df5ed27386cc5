//! AppProjects and `argocd-cm` among the imported files. ladder writes its own
//! AppProject (from what its components use) and its own `argocd-cm` patch (its
//! components' health checks), so neither is taken over whole: a project's sync windows
//! become the environments' they apply to, and everything else is a report line.

use serde_json::{Map, Value as Json};

use super::instance::Instance;
use super::write::Line;
use crate::glob::glob;
use crate::load::yaml::{Node, Value};

/// The sync window fields the spec's `environments[].syncWindows[]` has, but the
/// selectors (ladder scopes a window to its environment's Applications itself).
const WINDOW: [&str; 8] = [
    "kind",
    "schedule",
    "duration",
    "timeZone",
    "manualSync",
    "andOperator",
    "description",
    "syncOverrun",
];

/// Whether a window applies to an Application, as Argo CD matches one: its name, its
/// destination namespace or its destination cluster against the window's globs, any of
/// them, or all that are set with `andOperator`.
fn applies(window: &Json, i: &Instance<'_>) -> bool {
    let spec = i.made.node.get("spec");
    let destination = spec.and_then(|s| s.get("destination"));
    let text = |k: &str| {
        destination
            .and_then(|d| d.get(k))
            .and_then(Node::scalar_text)
    };
    let globs = |k: &str| -> Vec<&str> {
        window
            .get(k)
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default()
    };
    let tests: Vec<bool> = [
        ("applications", Some(i.made.name.clone())),
        ("namespaces", text("namespace")),
        ("clusters", text("server").or_else(|| text("name"))),
    ]
    .into_iter()
    .filter(|(k, _)| !globs(k).is_empty())
    .map(|(k, value)| value.is_some_and(|v| globs(k).iter().any(|g| glob(g, &v))))
    .collect();
    if window.get("andOperator").and_then(Json::as_bool) == Some(true) {
        !tests.is_empty() && tests.iter().all(|t| *t)
    } else {
        tests.iter().any(|t| *t)
    }
}

/// Each environment's sync windows (by index of `environments`), from the projects of
/// `project` (the spec's); what cannot be mapped is reported.
pub(super) fn windows(
    projects: &[(String, Node)],
    project: Option<&str>,
    instances: &[Instance<'_>],
    environments: &[String],
    report: &mut Vec<Line>,
) -> Vec<Vec<Json>> {
    let mut out = vec![Vec::new(); environments.len()];
    for (file, doc) in projects {
        let name = doc
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        let at = |what: String| Line {
            file: file.clone(),
            pos: doc.pos,
            what: format!("AppProject `{name}`: {what}"),
        };
        let used = project.is_some_and(|p| p == name);
        let mine: Vec<&Instance<'_>> = instances
            .iter()
            .filter(|i| {
                i.made
                    .node
                    .get("spec")
                    .and_then(|s| s.get("project"))
                    .and_then(Node::scalar_text)
                    .unwrap_or_else(|| "default".into())
                    == name
            })
            .collect();
        let mut others: Vec<String> = Vec::new();
        if let Some(Node {
            value: Value::Map(entries),
            ..
        }) = doc.get("spec")
        {
            for (k, _) in entries {
                let key = k.key_text().unwrap_or_default();
                if key != "syncWindows" {
                    others.push(format!("`{key}`"));
                }
            }
        }
        if !others.is_empty() {
            report.push(at(format!(
                "ladder writes its own AppProject (`argocd.project`) with the sources and destinations its components use, so its {} are not imported",
                others.join(", ")
            )));
        }
        let windows = doc
            .get("spec")
            .and_then(|s| s.get("syncWindows"))
            .map(Node::to_json)
            .and_then(|w| w.as_array().cloned())
            .unwrap_or_default();
        for (n, window) in windows.iter().enumerate() {
            let said = window.get("schedule").and_then(Json::as_str).unwrap_or("?");
            if !used || mine.is_empty() {
                report.push(at(format!(
                    "its sync window {} (`{said}`) is not imported: no imported Application is in it",
                    n + 1
                )));
                continue;
            }
            // The environments whose Applications the window covers: all or none each.
            let mut whole = Vec::new();
            let mut partial = false;
            for (e, env) in environments.iter().enumerate() {
                let apps: Vec<&&Instance<'_>> = mine.iter().filter(|i| &i.env == env).collect();
                let covered = apps.iter().filter(|i| applies(window, i)).count();
                if covered == apps.len() && covered > 0 {
                    whole.push(e);
                } else if covered > 0 {
                    partial = true;
                }
            }
            if partial || whole.is_empty() {
                report.push(at(format!(
                    "its sync window {} (`{said}`) covers {} of an environment's Applications; ladder gives a window to whole environments, so it is not imported",
                    n + 1,
                    if partial { "some" } else { "none" }
                )));
                continue;
            }
            let mut kept = Map::new();
            for key in WINDOW {
                if let Some(v) = window.get(key) {
                    kept.insert(key.to_owned(), v.clone());
                }
            }
            kept.remove("andOperator");
            for e in whole {
                out[e].push(Json::Object(kept.clone()));
            }
        }
    }
    out
}

/// The `argocd-cm` settings, all reported: ladder writes its own patch with the health
/// checks of its components and of Applications.
pub(super) fn settings(settings: &[(String, Node)], report: &mut Vec<Line>) {
    for (file, doc) in settings {
        if let Some(Node {
            value: Value::Map(entries),
            ..
        }) = doc.get("data")
        {
            for (k, v) in entries {
                let key = k.key_text().unwrap_or_default();
                let what = if key == "resource.customizations.health.argoproj.io_Application" {
                    "is the Application health check, which ladder's tree writes itself (`patches/argocd-cm.yaml`)".to_owned()
                } else if let Some(kind) = key.strip_prefix("resource.customizations.health.") {
                    format!(
                        "is a health check for `{kind}`; not imported: give it to the component whose resources need it (`components[].healthChecks`)"
                    )
                } else {
                    "is an Argo CD setting, not part of a spec: not imported (keep it where it is)"
                        .to_owned()
                };
                report.push(Line {
                    file: file.clone(),
                    pos: v.pos,
                    what: format!("`argocd-cm` `{key}` {what}"),
                });
            }
        }
    }
}
