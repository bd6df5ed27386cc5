//! The imported spec: its environments and components as ladder's spec writes them,
//! decided from the Applications of each, and its text.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value as Json};

use crate::diagnostic::Pos;
use crate::generate::tree::Made;
use crate::load::yaml::scalar;

/// One thing the import could not carry over, or had to decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub file: String,
    pub pos: Pos,
    pub what: String,
}

/// The value every item has, if they all have the same one.
pub(super) fn common(mut items: impl Iterator<Item = String>) -> Option<String> {
    let first = items.next()?;
    items.all(|i| i == first).then_some(first)
}

/// The spec being written.
pub(super) struct Spec {
    name: String,
    /// Whether the Applications come from RollingSync (else from waves: app-of-apps).
    pub(super) rolling_sync: bool,
    pub(super) project: Option<String>,
    /// Where the Applications are created, when not `argocd`.
    pub(super) namespace: Option<String>,
    /// The environment's label, when not ladder's `env`.
    pub(super) environment_label: Option<String>,
    /// More of `rollout` (`maxUpdate`, `phases`, `applicationSet`), in order.
    pub(super) rollout: Vec<(&'static str, Json)>,
    pub(super) environments: Vec<Env>,
    pub(super) components: Vec<Component>,
}

pub(super) struct Env {
    pub(super) name: String,
    /// `{server: …}` or `{name: …}`.
    pub(super) destination: Option<Json>,
    pub(super) auto: bool,
    pub(super) prune: bool,
    pub(super) self_heal: bool,
    pub(super) sync_options: Map<String, Json>,
    /// From the AppProject's windows that cover all of its Applications.
    pub(super) sync_windows: Vec<Json>,
}

pub(super) struct Component {
    pub(super) name: String,
    pub(super) phase: i64,
    /// The spec's fields of the component, in the order written.
    pub(super) fields: Vec<(&'static str, Json)>,
    /// Per environment, in rollout order: its override's fields.
    pub(super) overrides: Vec<(String, Vec<(&'static str, Json)>)>,
    /// Environments it has no Application in.
    pub(super) disabled: Vec<String>,
    /// `dependsOn` edges its manifests imply: (dependency, why), written commented.
    pub(super) suggested: Vec<(String, String)>,
}

/// A report line at an Application.
pub(super) fn line(made: &Made, what: &str) -> Line {
    Line {
        file: made.file.clone(),
        pos: made.pos,
        what: format!("`{}`: {what}", made.name),
    }
}

impl Spec {
    pub(super) fn new(name: &str) -> Self {
        Spec {
            name: name.to_owned(),
            rolling_sync: true,
            project: None,
            namespace: None,
            environment_label: None,
            rollout: Vec::new(),
            environments: Vec::new(),
            components: Vec::new(),
        }
    }

    /// The spec's files (`ladder.yaml` first): environments in rollout order,
    /// components by phase then name, in the spec or, `split`, each in its own file.
    pub(super) fn files(&mut self, split: bool) -> Vec<(String, String)> {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Written by `ladder import`; the report beside it says what it could not map."
        );
        let _ = writeln!(out, "name: {}", scalar(&self.name));
        if self.project.is_some() || self.namespace.is_some() {
            let _ = writeln!(out, "argocd:");
            if let Some(namespace) = &self.namespace {
                let _ = writeln!(out, "  namespace: {}", scalar(namespace));
            }
            if let Some(project) = &self.project {
                let _ = writeln!(out, "  project: {}", scalar(project));
            }
        }
        // The generated tree's repository: the one most components use.
        let mut repos: BTreeMap<(String, String), usize> = BTreeMap::new();
        for c in &self.components {
            let first = c.fields.iter().find_map(|(k, v)| match (*k, v) {
                ("sources", Json::Array(items)) => items.first(),
                ("source", source) => Some(source),
                _ => None,
            });
            if let Some(source) = first {
                let field = |k: &str| {
                    source
                        .get(k)
                        .and_then(Json::as_str)
                        .filter(|v| !v.contains("{{") && !v.contains("{%"))
                        .unwrap_or("")
                        .to_owned()
                };
                if !field("repoURL").is_empty() {
                    *repos
                        .entry((field("repoURL"), field("targetRevision")))
                        .or_default() += 1;
                }
            }
        }
        if let Some(((url, rev), _)) = repos
            .iter()
            .max_by_key(|(k, n)| (**n, std::cmp::Reverse((*k).clone())))
        {
            let _ = writeln!(out, "output:\n  path: argocd\n  repoURL: {}", scalar(url));
            if !rev.is_empty() {
                let _ = writeln!(out, "  targetRevision: {}", scalar(rev));
            }
        }
        let _ = writeln!(
            out,
            "# The existing order, kept: each phase is a place in it."
        );
        let _ = writeln!(out, "rollout:\n  layout: pinned");
        if !self.rolling_sync {
            let _ = writeln!(out, "  strategy: appOfApps");
        }
        if let Some(label) = &self.environment_label {
            let _ = writeln!(out, "  environmentLabel: {}", scalar(label));
        }
        for (key, value) in &self.rollout {
            let _ = write!(out, "  {key}:");
            block(&mut out, value, 4);
        }
        let _ = writeln!(out, "environments:");
        for e in &self.environments {
            let _ = writeln!(out, "  - name: {}", scalar(&e.name));
            if let Some(destination) = &e.destination {
                let _ = write!(out, "    destination:");
                block(&mut out, destination, 6);
            }
            let _ = writeln!(out, "    sync: {}", if e.auto { "auto" } else { "manual" });
            // prune and selfHeal are settings of automated sync; RollingSync ignores
            // selfHeal, and ladder refuses it there.
            if e.auto {
                let _ = writeln!(out, "    prune: {}", e.prune);
                if !self.rolling_sync {
                    let _ = writeln!(out, "    selfHeal: {}", e.self_heal);
                }
            }
            if !e.sync_options.is_empty() {
                let _ = write!(out, "    syncOptions:");
                block(&mut out, &Json::Object(e.sync_options.clone()), 6);
            }
            if !e.sync_windows.is_empty() {
                let _ = write!(out, "    syncWindows:");
                block(&mut out, &Json::Array(e.sync_windows.clone()), 6);
            }
        }
        self.components
            .sort_by(|a, b| (a.phase, &a.name).cmp(&(b.phase, &b.name)));
        let mut files = Vec::new();
        if split {
            let _ = writeln!(
                out,
                "# Each component in its own file, so each team owns its folder."
            );
            let _ = writeln!(out, "include:\n  - {}", scalar(SPLIT));
            for c in &self.components {
                let mut text = String::new();
                component(&mut text, c, "");
                files.push((SPLIT.replace('*', &c.name), text));
            }
        } else {
            let _ = writeln!(out, "components:");
            for c in &self.components {
                let _ = write!(out, "  - ");
                component(&mut out, c, "    ");
            }
        }
        files.insert(0, ("ladder.yaml".to_owned(), out));
        files
    }
}

/// Where `--split` writes each component, the spec's `include`.
const SPLIT: &str = "components/*/component.yaml";

/// A component's mapping, its first line already begun; `pad` indents the others.
fn component(out: &mut String, c: &Component, pad: &str) {
    let _ = writeln!(out, "name: {}", scalar(&c.name));
    let _ = writeln!(out, "{pad}phase: {}", c.phase);
    let width = pad.len();
    for (key, value) in &c.fields {
        let _ = write!(out, "{pad}{key}:");
        block(out, value, width + 2);
    }
    if !c.overrides.is_empty() {
        let _ = writeln!(out, "{pad}overrides:");
        for (env, fields) in &c.overrides {
            let _ = writeln!(out, "{pad}  {}:", scalar(env));
            for (key, value) in fields {
                let _ = write!(out, "{pad}    {key}:");
                block(out, value, width + 6);
            }
        }
    }
    if !c.disabled.is_empty() {
        let _ = writeln!(out, "{pad}enabled:");
        for env in &c.disabled {
            let _ = writeln!(out, "{pad}  {}: false", scalar(env));
        }
    }
    if !c.suggested.is_empty() {
        let _ = writeln!(
            out,
            "{pad}# What its manifests need (see ladder-import.txt); uncomment once checked:"
        );
        let _ = writeln!(out, "{pad}# dependsOn:");
        for (dependency, why) in &c.suggested {
            let _ = writeln!(
                out,
                "{pad}#   - {}  # {}",
                scalar(dependency),
                why.replace('\n', " ")
            );
        }
    }
}

fn json_scalar(v: &Json) -> String {
    match v {
        Json::String(s) => scalar(s),
        Json::Null => "null".into(),
        other => other.to_string(),
    }
}

/// `value` as a YAML block after a key (`key:` already written), indented `indent`.
fn block(out: &mut String, value: &Json, indent: usize) {
    let pad = " ".repeat(indent);
    match value {
        Json::Object(map) if !map.is_empty() => {
            out.push('\n');
            for (k, v) in map {
                let _ = write!(out, "{pad}{}:", scalar(k));
                block(out, v, indent + 2);
            }
        }
        Json::Array(items) if !items.is_empty() => {
            out.push('\n');
            for item in items {
                let _ = write!(out, "{pad}-");
                match item {
                    Json::Object(map) if !map.is_empty() => {
                        // The first key on the dash's line, the others under it.
                        let mut first = true;
                        for (k, v) in map {
                            if first {
                                let _ = write!(out, " {}:", scalar(k));
                                first = false;
                            } else {
                                let _ = write!(out, "{pad}  {}:", scalar(k));
                            }
                            block(out, v, indent + 4);
                        }
                    }
                    other => block(out, other, indent + 2),
                }
            }
        }
        Json::Object(_) => out.push_str(" {}\n"),
        Json::Array(_) => out.push_str(" []\n"),
        other => {
            let _ = writeln!(out, " {}", json_scalar(other));
        }
    }
}
