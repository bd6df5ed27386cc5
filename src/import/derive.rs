//! Environments and components decided from their Applications: what an environment's
//! Applications all agree on is the environment's; a component's sources and
//! namespace are unified across its environments ([`super::unify`]); its other
//! settings are placed as the component's or one environment's override
//! ([`super::fields`]). Everything that cannot be carried over is a report line.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::fields::{self, Placed};
use super::unify::{self, unify};
use super::write::{Component, Env, Line, line};
use crate::analyze::names::{COMPONENT_LABEL, MANAGED_BY, PART_OF, SYNC_WAVE};
use crate::generate::tree::Made;
use crate::load::yaml::{Node, Value};

fn spec_of(made: &Made) -> Option<&Node> {
    made.node.get("spec")
}

fn policy(m: &Made) -> Option<Json> {
    spec_of(m)
        .and_then(|s| s.get("syncPolicy"))
        .map(Node::to_json)
}

/// The `automated` block that makes `m` sync by itself: present, not null, and not
/// `enabled: false` (Argo CD 3.x).
fn automated(m: &Made) -> Option<Json> {
    policy(m)
        .and_then(|p| p.get("automated").cloned())
        .filter(|a| !a.is_null())
        .filter(|a| a.get("enabled") != Some(&Json::Bool(false)))
}

/// An Application's destination cluster: `{server: …}` or `{name: …}`.
fn cluster(m: &Made) -> Option<Json> {
    let d = spec_of(m)?.get("destination")?;
    ["server", "name"].iter().find_map(|key| {
        let v = d.get(key)?.scalar_text()?;
        let mut map = Map::new();
        map.insert((*key).to_owned(), Json::String(v));
        Some(Json::Object(map))
    })
}

/// An environment from its Applications (in rollout order).
pub(super) fn environment(name: &str, apps: &[&Made], report: &mut Vec<Line>) -> Env {
    // The destination most of its Applications use; the others are components' own.
    let mut counts: Vec<(Json, usize)> = Vec::new();
    for m in apps {
        if let Some(c) = cluster(m) {
            match counts.iter_mut().find(|(d, _)| *d == c) {
                Some((_, n)) => *n += 1,
                None => counts.push((c, 1)),
            }
        }
    }
    let most = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let destination = counts
        .iter()
        .find(|(_, n)| *n == most)
        .map(|(d, _)| d.clone());
    let auto_apps: Vec<Json> = apps.iter().filter_map(|m| automated(m)).collect();
    let auto = auto_apps.len() == apps.len() && !apps.is_empty();
    if !auto_apps.is_empty() && !auto {
        report.push(line(
            apps[0],
            &format!("{} of the {} Applications of `{name}` sync automatically; ladder syncs an environment one way, so `{name}` is `sync: manual`", auto_apps.len(), apps.len()),
        ));
    }
    let mut flag = |key: &str| {
        if !auto {
            return false;
        }
        let values: Vec<bool> = auto_apps
            .iter()
            .map(|a| a.get(key).and_then(Json::as_bool).unwrap_or(false))
            .collect();
        let all = values.iter().all(|v| *v);
        if !all && values.iter().any(|v| *v) {
            report.push(line(
                apps[0],
                &format!("only some Applications of `{name}` set `automated.{key}`; `{name}` gets `{key}: false`"),
            ));
        }
        all
    };
    let prune = flag("prune");
    let self_heal = flag("selfHeal");
    if self_heal && apps.iter().all(|m| m.rolling_sync) {
        report.push(line(
            apps[0],
            &format!("`automated.selfHeal` is not imported for `{name}`: RollingSync turns automated sync off and ignores it (ladder refuses it there)"),
        ));
    }
    for m in apps {
        if let Some(a) = automated(m)
            && a.get("allowEmpty").and_then(Json::as_bool) == Some(true)
        {
            report.push(line(
                m,
                "`automated.allowEmpty` is not imported: ladder's spec has no place for it",
            ));
        }
    }
    // The sync options every Application of the environment sets alike.
    let options: Vec<Map<String, Json>> = apps
        .iter()
        .map(|m| fields::sync_options(policy(m).as_ref().and_then(|p| p.get("syncOptions"))).0)
        .collect();
    let mut sync_options = options.first().cloned().unwrap_or_default();
    sync_options.retain(|k, v| options.iter().all(|o| o.get(k) == Some(v)));
    Env {
        name: name.to_owned(),
        destination,
        auto,
        prune,
        self_heal,
        sync_options,
        sync_windows: Vec::new(),
    }
}

/// The `spec`, `syncPolicy` and `metadata` fields [`component`] reads; the others are
/// reported.
const SPEC: [&str; 8] = [
    "project",
    "source",
    "sources",
    "destination",
    "syncPolicy",
    "ignoreDifferences",
    "info",
    "revisionHistoryLimit",
];
const SYNC_POLICY: [&str; 4] = [
    "automated",
    "syncOptions",
    "retry",
    "managedNamespaceMetadata",
];

/// Label and annotation keys ladder writes itself, or that order the existing tree:
/// left to ladder, or reported where the value is not the one ladder writes.
struct Own<'a> {
    component: &'a str,
    env: &'a str,
    env_label: &'a str,
    step_keys: &'a [String],
}

/// What becomes of a label.
enum Label {
    /// A label of the component.
    Keep,
    /// Ladder's own, with the value ladder writes, or said elsewhere.
    Drop,
    /// Ladder's own key with another value: not imported, for this reason.
    Refuse(String),
}

impl Own<'_> {
    fn label(&self, key: &str, value: &str) -> Label {
        let mine = match key {
            k if k == COMPONENT_LABEL => Some(self.component),
            k if k == self.env_label => Some(self.env),
            MANAGED_BY => Some("ladder"),
            PART_OF | "rollout-phase" => None,
            // Said once for its ApplicationSet, by `component`.
            k if self.step_keys.iter().any(|s| s == k) => return Label::Drop,
            _ => return Label::Keep,
        };
        match mine {
            Some(v) if v == value => Label::Drop,
            _ => Label::Refuse(format!(
                "the label `{key}: {value}` is one ladder writes itself (with its own value), so it is not imported"
            )),
        }
    }
}

/// A component from its Application in each environment, in rollout order; `rolling`
/// when the spec rolls out by RollingSync (ladder's Applications then generated).
pub(super) fn component(
    name: &str,
    phase: i64,
    per_env: &[(&str, &Made)],
    environments: &[Env],
    env_label: &str,
    rolling: bool,
    report: &mut Vec<Line>,
) -> Component {
    let (first_env, first) = per_env[0];
    let mut fields: Vec<(&'static str, Json)> = Vec::new();
    let mut overrides: BTreeMap<String, Vec<(&'static str, Json)>> = BTreeMap::new();
    // Sources: one `source` or `sources` for every environment.
    let sources: Vec<(&str, Option<(&'static str, Json)>)> = per_env
        .iter()
        .map(|(env, m)| {
            let spec = spec_of(m);
            let s = spec
                .and_then(|s| s.get("sources"))
                .map(|s| ("sources", s.to_json()))
                .or_else(|| {
                    spec.and_then(|s| s.get("source"))
                        .map(|s| ("source", s.to_json()))
                });
            (*env, s)
        })
        .collect();
    // The kind of the first environment that has a source.
    let from = sources
        .iter()
        .find_map(|(env, s)| s.as_ref().map(|(k, _)| (*env, *k)));
    if let Some((from_env, kind)) = from {
        let lacking: Vec<String> = sources
            .iter()
            .filter(|(_, s)| s.as_ref().map(|(k, _)| *k) != Some(kind))
            .map(|(env, _)| format!("`{env}`"))
            .collect();
        if !lacking.is_empty() {
            report.push(line(
                first,
                &format!("the Applications of {} have no `{kind}` as `{from_env}`'s has; `{name}` gets `{from_env}`'s everywhere", lacking.join(", ")),
            ));
        }
        let same: Vec<(&str, &Json)> = sources
            .iter()
            .filter_map(|(env, s)| {
                s.as_ref()
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, v)| (*env, v))
            })
            .collect();
        let substituted: &dyn Fn(&str) -> bool = if kind == "sources" {
            &|p: &str| p.strip_prefix("[].").is_some_and(unify::in_source)
        } else {
            &unify::in_source
        };
        let u = unify(&same, substituted);
        differs(first, name, first_env, kind, &u.differs, report);
        fields.push((kind, u.value));
    }
    // Namespace: substituted, with no override.
    let namespaces: Vec<(&str, Json)> = per_env
        .iter()
        .filter_map(|(env, m)| {
            let ns = spec_of(m)?
                .get("destination")?
                .get("namespace")?
                .scalar_text()?;
            Some((*env, Json::String(ns)))
        })
        .collect();
    if !namespaces.is_empty() {
        let refs: Vec<(&str, &Json)> = namespaces.iter().map(|(e, v)| (*e, v)).collect();
        let u = unify(&refs, &|_| true);
        if !u.differs.is_empty() || namespaces.len() != per_env.len() {
            report.push(line(
                first,
                &format!("its namespace differs between environments beyond the environment's name; `{name}` gets `{first_env}`'s (`{}`), as ladder has no per-environment namespace", u.value.as_str().unwrap_or_default()),
            ));
        }
        fields.push(("namespace", u.value));
    }
    let env_of = |env: &str| environments.iter().find(|e| e.name == env);
    let mut put = |field: &'static str, placed: Placed, report: &mut Vec<Line>| {
        if let Some(v) = placed.component {
            fields.push((field, v));
        }
        for (env, v) in placed.overrides {
            overrides.entry(env).or_default().push((field, v));
        }
        if !placed.unset.is_empty() {
            report.push(line(
                first,
                &format!("`{field}` is set for some environments but not {}; ladder cannot unset it there", placed.unset.join(", ")),
            ));
        }
    };
    // Destination: where it is not its environment's.
    let clusters: Vec<(&str, Option<Json>)> =
        per_env.iter().map(|(e, m)| (*e, cluster(m))).collect();
    put(
        "destination",
        fields::place(&clusters, &|env| {
            env_of(env).and_then(|e| e.destination.clone())
        }),
        report,
    );
    // Sync options over the environment's, option by option.
    let mut options = Vec::new();
    for (env, m) in per_env {
        let (map, not) =
            fields::sync_options(policy(m).as_ref().and_then(|p| p.get("syncOptions")));
        for o in not {
            report.push(line(
                m,
                &format!(
                    "the sync option `{o}` is not imported: ladder's spec names no such option"
                ),
            ));
        }
        options.push((*env, map));
    }
    put(
        "syncOptions",
        fields::place_map(&options, &|env, key| {
            env_of(env).and_then(|e| e.sync_options.get(key).cloned())
        }),
        report,
    );
    // The rest, whole.
    let whole = |f: &dyn Fn(&Made) -> Option<Json>| -> Vec<(&str, Option<Json>)> {
        per_env.iter().map(|(e, m)| (*e, f(m))).collect()
    };
    for key in ["retry", "managedNamespaceMetadata"] {
        let values = whole(&|m| {
            policy(m)
                .and_then(|p| p.get(key).cloned())
                .filter(|v| !v.is_null())
        });
        put(key, fields::place(&values, &|_| None), report);
    }
    for key in ["ignoreDifferences", "info", "revisionHistoryLimit"] {
        let values = whole(&|m| {
            spec_of(m)
                .and_then(|s| s.get(key))
                .map(Node::to_json)
                .filter(|v| !v.is_null())
        });
        put(key, fields::place(&values, &|_| None), report);
    }
    for (_, m) in per_env {
        if let Some(appset) = &m.appset
            && m.step_keys.iter().any(|k| k != env_label)
        {
            let keys: Vec<String> = m
                .step_keys
                .iter()
                .filter(|k| *k != env_label)
                .map(|k| format!("`{k}`"))
                .collect();
            report.push(Line {
                file: m.file.clone(),
                pos: m.pos,
                what: format!("ApplicationSet `{appset}`: its RollingSync steps select on the labels {}; ladder's steps select on its own (`rollout.label`, `rollout.environmentLabel`), so those labels are not imported", keys.join(", ")),
            });
        }
    }
    // Labels and annotations other than ladder's own, key by key.
    let mut labels = Vec::new();
    let mut annotations = Vec::new();
    for (env, m) in per_env {
        let own = Own {
            component: name,
            env,
            env_label,
            step_keys: &m.step_keys,
        };
        let metadata = m.node.get("metadata");
        let mut map = Map::new();
        for (k, v) in crate::generate::tree::string_map(metadata.and_then(|md| md.get("labels"))) {
            match own.label(&k, &v) {
                Label::Refuse(why) => report.push(line(m, &why)),
                Label::Drop => {}
                Label::Keep => {
                    map.insert(k, Json::String(v));
                }
            }
        }
        labels.push((*env, map));
        let mut map = Map::new();
        for (k, v) in
            crate::generate::tree::string_map(metadata.and_then(|md| md.get("annotations")))
        {
            if k == SYNC_WAVE {
                continue;
            }
            if k.starts_with("ladder.dev/") {
                report.push(line(
                    m,
                    &format!("the annotation `{k}` is ladder's own, so it is not imported"),
                ));
                continue;
            }
            map.insert(k, Json::String(v));
        }
        annotations.push((*env, map));
    }
    put("labels", fields::place_map(&labels, &|_, _| None), report);
    put(
        "annotations",
        fields::place_map(&annotations, &|_, _| None),
        report,
    );
    // Finalizers: the patch ladder merges into its Application.
    // The finalizer an ApplicationSet implies, ladder's implies too; Applications
    // ladder writes as manifests (app-of-apps) carry it written.
    let finalizers = whole(&|m| {
        m.node
            .get("metadata")
            .and_then(|md| md.get("finalizers"))
            .map(Node::to_json)
            .or_else(|| {
                (m.implied_finalizer && !rolling)
                    .then(|| serde_json::json!([crate::generate::tree::RESOURCES_FINALIZER]))
            })
            .filter(|f| f.as_array().is_some_and(|a| !a.is_empty()))
            .map(|f| serde_json::json!({"metadata": {"finalizers": f}}))
    });
    put("application", fields::place(&finalizers, &|_| None), report);
    for (_, m) in per_env {
        if spec_of(m).is_some_and(|s| !matches!(s.value, Value::Map(_))) {
            report.push(line(
                m,
                "its `spec` is not a mapping: nothing of it is imported",
            ));
        }
        if let Some(Node {
            value: Value::Map(entries),
            ..
        }) = spec_of(m)
        {
            for (k, _) in entries {
                let key = k.key_text().unwrap_or_default();
                if !SPEC.contains(&key.as_str()) {
                    report.push(line(
                        m,
                        &format!("`spec.{key}` is not imported: ladder's spec has no place for it"),
                    ));
                }
            }
        }
        if let Some(p) = policy(m).as_ref().and_then(Json::as_object) {
            for k in p.keys() {
                if !SYNC_POLICY.contains(&k.as_str()) {
                    report.push(line(m, &format!("`spec.syncPolicy.{k}` is not imported: ladder's spec has no place for it")));
                }
            }
        }
    }
    let disabled = environments
        .iter()
        .filter(|e| !per_env.iter().any(|(env, _)| *env == e.name))
        .map(|e| e.name.clone())
        .collect();
    Component {
        name: name.to_owned(),
        phase,
        fields,
        overrides: environments
            .iter()
            .filter_map(|e| overrides.remove(&e.name).map(|f| (e.name.clone(), f)))
            .collect(),
        disabled,
        suggested: Vec::new(),
    }
}

/// Reports the paths of a component's sources that still differ between environments.
fn differs(
    first: &Made,
    name: &str,
    first_env: &str,
    kind: &str,
    paths: &[String],
    report: &mut Vec<Line>,
) {
    if paths.is_empty() {
        return;
    }
    let list: Vec<String> = paths.iter().map(|p| format!("`{kind}.{p}`")).collect();
    report.push(line(
        first,
        &format!(
            "{} differ between environments beyond the environment's name (or where ladder does not substitute `{{{{ env }}}}`); `{name}` gets `{first_env}`'s, so the others change",
            list.join(", ")
        ),
    ));
}
