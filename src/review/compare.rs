//! `ladder compare A B`: whether two trees of Argo CD manifests make the same
//! Applications, rolled out in the same order. It reads what Argo CD would create:
//! Application manifests, and the Applications ApplicationSets generate (their
//! templates and `templatePatch` rendered with each parameter set,
//! [`crate::generate::applications`]), not ladder's model, so it can hold an imported
//! spec's output against the hand-written tree it came from.
//!
//! Compared per Application name: the project, sources, destination, sync policy,
//! ignored differences, info, revision history limit, finalizers, and the labels and
//! annotations other than ladder's own and the labels RollingSync steps select on
//! (ordering machinery, compared as order). Under RollingSync `selfHeal` is left out:
//! the controller ignores it there.
//!
//! Order: each Application's key is (sync-wave of its manifest or of its
//! ApplicationSet, RollingSync step), compared lexicographically among the Applications
//! of one group (one ApplicationSet's folder, or one folder of Application manifests).
//! Two Applications that share a group on both sides must come in the same order
//! (before, together, after) on both.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::diagnostic::{Diagnostic, Pos};
use crate::load::yaml::{Node, Value};

const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";

/// The label and annotation keys ladder writes on purpose, not compared.
const LADDERS: [&str; 3] = [
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/name",
];

/// One Application as Argo CD would create it.
#[derive(Debug, Clone)]
pub struct App {
    pub name: String,
    pub file: String,
    pub pos: Pos,
    /// The compared fields, flattened (`spec.destination.namespace` → value).
    fields: BTreeMap<String, Json>,
    group: String,
    key: (i64, i64),
    /// Where it comes, for messages: "wave 1", "wave 0, step 3".
    at: String,
}

/// The Applications of one tree, and what could not be read or evaluated.
#[derive(Debug, Clone, Default)]
pub struct Side {
    pub apps: BTreeMap<String, App>,
    /// Place and why, for each ApplicationSet ladder could not evaluate.
    pub not_evaluated: Vec<(String, Pos, String)>,
    /// Applications defined twice (file and position of the second).
    pub duplicates: Vec<(String, String, Pos)>,
}

/// Reads the Applications of `files` (path, text). Files that are not YAML are errors.
pub fn read(files: &[(String, String)]) -> Result<Side, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut side = Side::default();
    // The step-selected label keys of every RollingSync, to leave out of the labels.
    let mut made: Vec<(App, BTreeMap<String, String>)> = Vec::new();
    let mut step_keys: Vec<String> = Vec::new();
    for (file, text) in files {
        let docs = match crate::load::yaml::parse_all(file, text) {
            Ok(docs) => docs,
            Err(d) => {
                problems.push(d);
                continue;
            }
        };
        let group = file.rfind('/').map_or(".", |i| &file[..i]).to_owned();
        for doc in &docs {
            let kind = doc.get("kind").and_then(Node::as_str);
            let argo = doc
                .get("apiVersion")
                .and_then(Node::as_str)
                .is_some_and(|v| v.starts_with("argoproj.io/"));
            if !argo {
                continue;
            }
            match kind {
                Some("Application") => {
                    let wave = wave(doc);
                    let at = format!("wave {wave}");
                    made.push(app(doc, file, doc.pos, &group, (wave, 0), at, false));
                }
                Some("ApplicationSet") => {
                    let name = doc
                        .get("metadata")
                        .and_then(|m| m.get("name"))
                        .and_then(Node::as_str)
                        .unwrap_or("");
                    let generated = match crate::generate::applications(doc, &[]) {
                        Ok(apps) => apps,
                        Err((pos, why)) => {
                            side.not_evaluated.push((
                                file.clone(),
                                pos,
                                format!("ApplicationSet `{name}`: {why}"),
                            ));
                            continue;
                        }
                    };
                    let steps = steps(doc);
                    for s in &steps {
                        step_keys.extend(s.iter().map(|(k, _, _)| k.clone()));
                    }
                    let wave = wave(doc);
                    let group = format!("{group} (ApplicationSet `{name}`)");
                    for generated in &generated {
                        let labels =
                            string_map(generated.get("metadata").and_then(|m| m.get("labels")));
                        let step = steps.iter().position(|s| selects(s, &labels));
                        // An ApplicationSet's wave is worth saying only where it is set.
                        let waved = |what: String| {
                            if wave == 0 {
                                what
                            } else {
                                format!("wave {wave}, {what}")
                            }
                        };
                        let (step, at) = match step {
                            Some(i) => (
                                i64::try_from(i).unwrap_or(i64::MAX) + 1,
                                waved(format!("step {}", i + 1)),
                            ),
                            None if steps.is_empty() => (0, format!("wave {wave}")),
                            None => (i64::MAX, waved("in no step".into())),
                        };
                        made.push(app(
                            generated,
                            file,
                            doc.pos,
                            &group,
                            (wave, step),
                            at,
                            !steps.is_empty(),
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    step_keys.sort();
    step_keys.dedup();
    for (mut app, labels) in made {
        for (k, v) in labels {
            if !LADDERS.contains(&k.as_str()) && !step_keys.contains(&k) {
                app.fields
                    .insert(format!("metadata.labels.{k}"), Json::String(v));
            }
        }
        if side.apps.contains_key(&app.name) {
            side.duplicates
                .push((app.name.clone(), app.file.clone(), app.pos));
        } else {
            side.apps.insert(app.name.clone(), app);
        }
    }
    Ok(side)
}

/// The compared fields of one Application (labels are added once every step label is
/// known).
fn app(
    node: &Node,
    file: &str,
    pos: Pos,
    group: &str,
    key: (i64, i64),
    at: String,
    rolling_sync: bool,
) -> (App, BTreeMap<String, String>) {
    let metadata = node.get("metadata");
    let name = metadata
        .and_then(|m| m.get("name"))
        .and_then(Node::scalar_text)
        .unwrap_or_default();
    let mut fields = BTreeMap::new();
    let spec = node.get("spec");
    for key in [
        "project",
        "destination",
        "ignoreDifferences",
        "info",
        "revisionHistoryLimit",
    ] {
        if let Some(v) = spec.and_then(|s| s.get(key)) {
            flatten(&format!("spec.{key}"), &v.to_json(), &mut fields);
        }
    }
    let sources = crate::generate::sources(spec);
    let sources = Json::Array(sources.iter().map(|s| s.to_json()).collect());
    flatten("spec.sources", &sources, &mut fields);
    if let Some(policy) = spec.and_then(|s| s.get("syncPolicy")) {
        let mut policy = policy.to_json();
        if let Some(options) = policy.get_mut("syncOptions").and_then(Json::as_array_mut) {
            options.sort_by_key(Json::to_string);
        }
        if rolling_sync
            && let Some(automated) = policy.get_mut("automated").and_then(Json::as_object_mut)
        {
            automated.remove("selfHeal");
        }
        flatten("spec.syncPolicy", &policy, &mut fields);
    }
    if let Some(finalizers) = metadata.and_then(|m| m.get("finalizers")) {
        let mut list = finalizers.to_json();
        if let Some(items) = list.as_array_mut() {
            items.sort_by_key(Json::to_string);
        }
        fields.insert("metadata.finalizers".into(), list);
    }
    for (k, v) in string_map(metadata.and_then(|m| m.get("annotations"))) {
        if k != SYNC_WAVE && !k.starts_with("ladder.dev/") && !LADDERS.contains(&k.as_str()) {
            fields.insert(format!("metadata.annotations.{k}"), Json::String(v));
        }
    }
    let labels = string_map(metadata.and_then(|m| m.get("labels")));
    (
        App {
            name,
            file: file.to_owned(),
            pos,
            fields,
            group: group.to_owned(),
            key,
            at,
        },
        labels,
    )
}

/// `value` as leaves under `path`: objects key by key, lists item by item, and empty
/// values (null, "", {}, []) left out, as Argo CD reads them as unset.
fn flatten(path: &str, value: &Json, out: &mut BTreeMap<String, Json>) {
    match value {
        Json::Null => {}
        Json::String(s) if s.is_empty() => {}
        Json::Object(map) => {
            for (k, v) in map {
                flatten(&format!("{path}.{k}"), v, out);
            }
        }
        Json::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{path}[{i}]"), v, out);
            }
        }
        other => {
            out.insert(path.to_owned(), other.clone());
        }
    }
}

/// A mapping of scalars as strings (labels, annotations).
fn string_map(node: Option<&Node>) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    if let Some(Node {
        value: Value::Map(entries),
        ..
    }) = node
    {
        for (k, v) in entries {
            if let (Some(k), Some(v)) = (k.key_text(), v.scalar_text()) {
                map.insert(k, v);
            }
        }
    }
    map
}

/// A manifest's sync-wave (0 when unset or not an integer).
fn wave(doc: &Node) -> i64 {
    string_map(doc.get("metadata").and_then(|m| m.get("annotations")))
        .get(SYNC_WAVE)
        .and_then(|w| w.trim().parse().ok())
        .unwrap_or(0)
}

/// Each RollingSync step's match expressions: (key, `In` or not, values).
type Step = Vec<(String, bool, Vec<String>)>;

fn steps(appset: &Node) -> Vec<Step> {
    let strategy = appset.get("spec").and_then(|s| s.get("strategy"));
    if strategy.and_then(|s| s.get("type")).and_then(Node::as_str) != Some("RollingSync") {
        return Vec::new();
    }
    let Some(Value::Seq(steps)) = strategy
        .and_then(|s| s.get("rollingSync"))
        .and_then(|r| r.get("steps"))
        .map(|s| &s.value)
    else {
        return Vec::new();
    };
    steps
        .iter()
        .map(|step| {
            let Some(Value::Seq(exprs)) = step.get("matchExpressions").map(|m| &m.value) else {
                return Vec::new();
            };
            exprs
                .iter()
                .filter_map(|e| {
                    let key = e.get("key")?.scalar_text()?;
                    let op = e.get("operator")?.as_str()?;
                    let values = match e.get("values").map(|v| &v.value) {
                        Some(Value::Seq(vs)) => vs.iter().filter_map(Node::scalar_text).collect(),
                        _ => Vec::new(),
                    };
                    Some((key, op == "In", values))
                })
                .collect()
        })
        .collect()
}

/// Whether a step selects an Application with these labels (every expression holds;
/// v3.5.1 `applicationset/controllers/applicationset_controller.go` `buildAppDependencyList`).
fn selects(step: &Step, labels: &BTreeMap<String, String>) -> bool {
    step.iter().all(|(key, is_in, values)| {
        let found = labels.get(key).is_some_and(|v| values.contains(v));
        found == *is_in
    })
}

/// What differs between two trees.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    pub only_a: Vec<String>,
    pub only_b: Vec<String>,
    /// Application, field, A's value, B's value (`None`: unset).
    pub fields: Vec<(String, String, Option<Json>, Option<Json>)>,
    /// Two Applications ordered differently: each one's place on both sides.
    pub order: Vec<String>,
    pub order_total: usize,
}

impl Comparison {
    pub fn is_empty(&self) -> bool {
        self.only_a.is_empty()
            && self.only_b.is_empty()
            && self.fields.is_empty()
            && self.order_total == 0
    }
}

/// How many order differences are shown.
const ORDER_SHOWN: usize = 20;

pub fn compare(a: &Side, b: &Side) -> Comparison {
    let mut out = Comparison::default();
    for (name, app) in &a.apps {
        let Some(other) = b.apps.get(name) else {
            out.only_a.push(name.clone());
            continue;
        };
        let keys: std::collections::BTreeSet<&String> =
            app.fields.keys().chain(other.fields.keys()).collect();
        for key in keys {
            let (x, y) = (app.fields.get(key), other.fields.get(key));
            if x != y {
                out.fields
                    .push((name.clone(), key.clone(), x.cloned(), y.cloned()));
            }
        }
    }
    out.only_b = b
        .apps
        .keys()
        .filter(|n| !a.apps.contains_key(*n))
        .cloned()
        .collect();
    // Pairs in one group on both sides, group by group.
    let mut groups: BTreeMap<(&str, &str), Vec<(&App, &App)>> = BTreeMap::new();
    for (name, x) in &a.apps {
        if let Some(y) = b.apps.get(name) {
            groups.entry((&x.group, &y.group)).or_default().push((x, y));
        }
    }
    for pairs in groups.values() {
        for (i, (x1, y1)) in pairs.iter().enumerate() {
            for (x2, y2) in &pairs[i + 1..] {
                let (in_a, in_b) = (x1.key.cmp(&x2.key), y1.key.cmp(&y2.key));
                if in_a != in_b {
                    out.order_total += 1;
                    if out.order.len() < ORDER_SHOWN {
                        out.order.push(format!(
                            "`{}` comes {} `{}` in A ({} and {}), {} it in B ({} and {})",
                            x1.name,
                            relation(in_a),
                            x2.name,
                            x1.at,
                            x2.at,
                            relation(in_b),
                            y1.at,
                            y2.at
                        ));
                    }
                }
            }
        }
    }
    out
}

fn relation(order: std::cmp::Ordering) -> &'static str {
    match order {
        std::cmp::Ordering::Less => "before",
        std::cmp::Ordering::Equal => "with",
        std::cmp::Ordering::Greater => "after",
    }
}

/// The comparison as text, `a` and `b` naming the two trees.
pub fn text(a: &Side, b: &Side, c: &Comparison, a_name: &str, b_name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "A: {a_name}: {} Applications", a.apps.len());
    let _ = writeln!(out, "B: {b_name}: {} Applications", b.apps.len());
    for (side, s) in [("A", a), ("B", b)] {
        for (file, pos, why) in &s.not_evaluated {
            let _ = writeln!(
                out,
                "note: {side}: {file}:{}:{}: not evaluated: {why}",
                pos.line, pos.column
            );
        }
        for (name, file, pos) in &s.duplicates {
            let _ = writeln!(
                out,
                "note: {side}: {file}:{}:{}: `{name}` again; the first is compared",
                pos.line, pos.column
            );
        }
    }
    let list = |out: &mut String, what: &str, names: &[String]| {
        if !names.is_empty() {
            let _ = writeln!(out, "{what} ({}): {}", names.len(), names.join(", "));
        }
    };
    list(&mut out, "only in A", &c.only_a);
    list(&mut out, "only in B", &c.only_b);
    if !c.fields.is_empty() {
        let _ = writeln!(out, "fields that differ ({}):", c.fields.len());
        let shown = |v: &Option<Json>| {
            v.as_ref()
                .map_or_else(|| "unset".to_owned(), Json::to_string)
        };
        for (name, field, x, y) in &c.fields {
            let _ = writeln!(
                out,
                "  {name}: {field}: {} in A, {} in B",
                shown(x),
                shown(y)
            );
        }
    }
    if c.order_total > 0 {
        let _ = writeln!(out, "ordered differently ({} pairs):", c.order_total);
        for line in &c.order {
            let _ = writeln!(out, "  {line}");
        }
        if c.order_total > c.order.len() {
            let _ = writeln!(out, "  and {} more", c.order_total - c.order.len());
        }
    }
    if c.is_empty() {
        let _ = writeln!(out, "the same Applications, in the same order");
    }
    out
}

#[cfg(test)]
mod tests;
