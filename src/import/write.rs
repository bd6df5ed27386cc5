//! The imported spec: its environments and components as ladder's spec writes them,
//! decided from the Applications of each, and its text.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::diagnostic::Pos;
use crate::generate::tree::Made;
use crate::load::yaml::{Node, scalar};

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

/// `value` with every occurrence of `env` in its strings made `{{ env }}`.
fn templated(value: &Json, env: &str) -> Json {
    match value {
        Json::String(s) => Json::String(s.replace(env, "{{ env }}")),
        Json::Array(items) => Json::Array(items.iter().map(|v| templated(v, env)).collect()),
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), templated(v, env)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The spec being written.
pub(super) struct Spec {
    name: String,
    /// Whether the Applications come from RollingSync (else from waves: app-of-apps).
    pub(super) rolling_sync: bool,
    pub(super) project: Option<String>,
    pub(super) environments: Vec<Env>,
    pub(super) components: Vec<Component>,
}

pub(super) struct Env {
    name: String,
    /// `server` or `name`, and its value.
    destination: Option<(String, String)>,
    auto: bool,
    prune: bool,
    self_heal: bool,
    sync_options: BTreeMap<String, Json>,
}

pub(super) struct Component {
    name: String,
    phase: i64,
    /// `source` or `sources`, as ladder's spec writes them.
    sources: Option<(&'static str, Json)>,
    namespace: Option<String>,
    /// Environments it has no Application in.
    disabled: Vec<String>,
}

/// A report line at an Application.
pub(super) fn line(made: &Made, what: &str) -> Line {
    Line {
        file: made.file.clone(),
        pos: made.pos,
        what: format!("`{}`: {what}", made.name),
    }
}

fn spec_of(made: &Made) -> Option<&Node> {
    made.node.get("spec")
}

/// An environment from its Applications: what they all agree on.
pub(super) fn environment(name: &str, apps: &[&Made], report: &mut Vec<Line>) -> Env {
    let destination = ["server", "name"].iter().find_map(|key| {
        let values: Vec<String> = apps
            .iter()
            .filter_map(|m| spec_of(m)?.get("destination")?.get(key)?.scalar_text())
            .collect();
        (values.len() == apps.len())
            .then(|| common(values.into_iter()))
            .flatten()
            .map(|v| ((*key).to_owned(), v))
    });
    if destination.is_none()
        && let Some(first) = apps.first()
    {
        report.push(line(
            first,
            &format!("the Applications of `{name}` go to several clusters; ladder gives an environment one (`environments[].destination`), so none is written and Argo CD's own cluster is assumed"),
        ));
    }
    let policy = |m: &Made| {
        spec_of(m)
            .and_then(|s| s.get("syncPolicy"))
            .map(Node::to_json)
    };
    let automated: Vec<Option<Json>> = apps
        .iter()
        .map(|m| policy(m).and_then(|p| p.get("automated").cloned()))
        .filter(
            |a| !matches!(a, Some(Json::Object(o)) if o.get("enabled") == Some(&Json::Bool(false))),
        )
        .collect();
    let auto_count = automated.iter().filter(|a| a.is_some()).count();
    let auto = auto_count == apps.len() && !apps.is_empty();
    if auto_count > 0 && !auto {
        report.push(line(
            apps[0],
            &format!("{auto_count} of the {} Applications of `{name}` sync automatically; ladder syncs an environment one way, so `{name}` is `sync: manual`", apps.len()),
        ));
    }
    let mut flag = |key: &str| {
        let values: Vec<bool> = automated
            .iter()
            .map(|a| {
                a.as_ref()
                    .and_then(|a| a.get(key))
                    .and_then(Json::as_bool)
                    .unwrap_or(false)
            })
            .collect();
        let all = values.iter().all(|v| *v);
        if !all && values.iter().any(|v| *v) {
            report.push(line(
            apps[0],
            &format!("only some Applications of `{name}` set `automated.{key}`; `{name}` gets `{key}: false`"),
            ));
        }
        all && !values.is_empty()
    };
    let prune = flag("prune");
    let self_heal = flag("selfHeal");
    if self_heal && apps.iter().all(|m| m.rolling_sync) {
        report.push(line(
            apps[0],
            &format!("`automated.selfHeal` is not imported for `{name}`: RollingSync turns automated sync off and ignores it (ladder refuses it there)"),
        ));
    }
    let options: Vec<BTreeMap<String, Json>> = apps
        .iter()
        .map(|m| {
            policy(m)
                .and_then(|p| p.get("syncOptions").cloned())
                .and_then(|o| o.as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|o| {
                    let (k, v) = o.as_str()?.split_once('=')?;
                    let v = match v {
                        "true" => Json::Bool(true),
                        "false" => Json::Bool(false),
                        other => Json::String(other.to_owned()),
                    };
                    Some((k.to_owned(), v))
                })
                .collect()
        })
        .collect();
    let sync_options = options.first().cloned().unwrap_or_default();
    if options.iter().any(|o| *o != sync_options) {
        report.push(line(
            apps[0],
            &format!(
                "the Applications of `{name}` differ in `syncOptions`; `{name}` gets those of `{}`",
                apps[0].name
            ),
        ));
    }
    Env {
        name: name.to_owned(),
        destination,
        auto,
        prune,
        self_heal,
        sync_options,
    }
}

/// The `spec` and `metadata` fields [`component`] carries over; the others are
/// reported.
const MAPPED: [&str; 5] = ["project", "source", "sources", "destination", "syncPolicy"];

/// A component from its Application in each environment.
pub(super) fn component(
    name: &str,
    phase: i64,
    per_env: &[(&str, &Made)],
    environments: &[String],
    report: &mut Vec<Line>,
) -> Component {
    let (first_env, first) = per_env[0];
    let sources_of = |env: &str, m: &Made| -> Option<(&'static str, Json)> {
        let spec = spec_of(m)?;
        if let Some(list) = spec.get("sources") {
            return Some(("sources", templated(&list.to_json(), env)));
        }
        spec.get("source")
            .map(|s| ("source", templated(&s.to_json(), env)))
    };
    let sources = sources_of(first_env, first);
    for (env, m) in &per_env[1..] {
        if sources_of(env, m) != sources {
            report.push(line(
            m,
            &format!("its sources differ from `{}`'s beyond the environment's name; `{name}` gets those of `{first_env}` (with `{{{{ env }}}}`), so `{env}`'s change", first.name),
            ));
        }
    }
    let namespace_of = |env: &str, m: &Made| {
        spec_of(m)?
            .get("destination")?
            .get("namespace")?
            .scalar_text()
            .map(|n| n.replace(env, "{{ env }}"))
    };
    let namespace = namespace_of(first_env, first);
    for (env, m) in &per_env[1..] {
        if namespace_of(env, m) != namespace {
            report.push(line(
            m,
            &format!("its namespace differs from `{}`'s beyond the environment's name; `{name}` gets `{}`", first.name, namespace.as_deref().unwrap_or("none")),
            ));
        }
    }
    for (_, m) in per_env {
        if let Some(spec) = spec_of(m)
            && let crate::load::yaml::Value::Map(entries) = &spec.value
        {
            for (k, _) in entries {
                let key = k.key_text().unwrap_or_default();
                if !MAPPED.contains(&key.as_str()) {
                    report.push(line(m, &format!("`spec.{key}` is not imported yet")));
                }
            }
        }
        if m.node
            .get("metadata")
            .and_then(|md| md.get("finalizers"))
            .is_some()
        {
            report.push(line(m, "`metadata.finalizers` is not imported yet"));
        }
    }
    let disabled = environments
        .iter()
        .filter(|e| !per_env.iter().any(|(env, _)| env == e))
        .cloned()
        .collect();
    Component {
        name: name.to_owned(),
        phase,
        sources,
        namespace,
        disabled,
    }
}

impl Spec {
    pub(super) fn new(name: &str) -> Self {
        Spec {
            name: name.to_owned(),
            rolling_sync: true,
            project: None,
            environments: Vec::new(),
            components: Vec::new(),
        }
    }

    /// The spec's text: environments in rollout order, components by phase then name.
    pub(super) fn text(mut self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Written by `ladder import`; the report beside it says what it could not map."
        );
        let _ = writeln!(out, "name: {}", scalar(&self.name));
        if let Some(project) = &self.project {
            let _ = writeln!(out, "argocd:\n  project: {}", scalar(project));
        }
        // The generated tree's repository: the one most components use.
        let mut repos: BTreeMap<(String, String), usize> = BTreeMap::new();
        for c in &self.components {
            let first = match &c.sources {
                Some(("sources", Json::Array(items))) => items.first(),
                Some((_, source)) => Some(source),
                None => None,
            };
            if let Some(source) = first {
                let field = |k: &str| {
                    source
                        .get(k)
                        .and_then(Json::as_str)
                        .unwrap_or("")
                        .to_owned()
                };
                *repos
                    .entry((field("repoURL"), field("targetRevision")))
                    .or_default() += 1;
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
        let _ = writeln!(out, "environments:");
        for e in &self.environments {
            let _ = writeln!(out, "  - name: {}", scalar(&e.name));
            if let Some((key, value)) = &e.destination {
                let _ = writeln!(out, "    destination:\n      {key}: {}", scalar(value));
            }
            let _ = writeln!(out, "    sync: {}", if e.auto { "auto" } else { "manual" });
            let _ = writeln!(out, "    prune: {}", e.prune);
            // RollingSync ignores selfHeal, and ladder refuses it there.
            if !self.rolling_sync {
                let _ = writeln!(out, "    selfHeal: {}", e.self_heal);
            }
            if !e.sync_options.is_empty() {
                let _ = writeln!(out, "    syncOptions:");
                for (k, v) in &e.sync_options {
                    let _ = writeln!(out, "      {}: {}", scalar(k), json_scalar(v));
                }
            }
        }
        self.components
            .sort_by(|a, b| (a.phase, &a.name).cmp(&(b.phase, &b.name)));
        let _ = writeln!(out, "components:");
        for c in &self.components {
            let _ = writeln!(out, "  - name: {}", scalar(&c.name));
            let _ = writeln!(out, "    phase: {}", c.phase);
            if let Some((key, value)) = &c.sources {
                let _ = write!(out, "    {key}:");
                block(&mut out, value, 6);
            }
            if let Some(namespace) = &c.namespace {
                let _ = writeln!(out, "    namespace: {}", scalar(namespace));
            }
            if !c.disabled.is_empty() {
                let _ = writeln!(out, "    enabled:");
                for env in &c.disabled {
                    let _ = writeln!(out, "      {}: false", scalar(env));
                }
            }
        }
        out
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
