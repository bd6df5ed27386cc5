//! `ladder compare A B`: whether two trees of Argo CD manifests make the same
//! Applications, rolled out in the same order. It reads what Argo CD would create:
//! Application manifests, and the Applications ApplicationSets generate (their
//! templates and `templatePatch` rendered with each parameter set,
//! [`crate::generate::applications`]), not ladder's model, so it can hold an imported
//! spec's output against the hand-written tree it came from.
//!
//! Compared per Application name: its namespace, the project, sources, destination,
//! sync policy, ignored differences, info, revision history limit, finalizers, and the
//! labels and annotations other than ladder's own and the labels its ApplicationSet's
//! RollingSync steps select on (ordering machinery, compared as order). A label an
//! Application ladder made has and the other side's lacks is one ladder adds on purpose
//! (its environment and phase). Under RollingSync `selfHeal` is left out: the controller
//! ignores it there. What either tree cannot be evaluated in keeps the two from being
//! called the same.
//!
//! Generated Applications carry the resources finalizer the ApplicationSet controller
//! gives them (unless `preserveResourcesOnDeletion` or finalizers of their own), their
//! RollingSync step's `maxUpdate` and their ApplicationSet's `syncPolicy`
//! (`applicationSet.…` fields), so a change of how they roll out or are kept shows.
//!
//! Order: each Application's key is (sync-wave of its manifest or of its
//! ApplicationSet, RollingSync step), compared lexicographically among the Applications
//! of one group: the folder of their manifests (one app-of-apps' children), or one
//! ApplicationSet, as an app-of-apps' waves wait only until an ApplicationSet has
//! generated its Applications, not until they are healthy.
//! Two Applications that share a group on both sides must come in the same order
//! (before, together, after) on both.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::diagnostic::{Diagnostic, Pos};

use crate::generate::tree::{Made, RESOURCES_FINALIZER, SYNC_WAVE, string_map};

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
    /// Whether ladder made it (`app.kubernetes.io/managed-by: ladder`): the labels it
    /// adds that the other side lacks (its environment and phase labels) are no
    /// difference.
    ladder: bool,
    /// Where it comes, for messages: "wave 1", "wave 0, step 3".
    at: String,
    /// The label fields its ApplicationSet's steps select on: how each tree orders, not
    /// what it deploys, so compared on neither side.
    step_labels: Vec<String>,
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

/// Reads the Applications of `files` (path, text) ([`crate::generate::tree`]). Files
/// that are not YAML are errors.
pub fn read(
    files: &[(String, String)],
    checkouts: &[crate::generate::Checkout<'_>],
) -> Result<Side, Vec<Diagnostic>> {
    let tree = crate::generate::tree::read(files, checkouts)?;
    let mut side = Side {
        not_evaluated: tree.not_evaluated.clone(),
        ..Side::default()
    };
    for made in &tree.apps {
        let mut app = app(made);
        for (k, v) in &made.labels {
            if !LADDERS.contains(&k.as_str()) {
                app.fields
                    .insert(key_path("metadata.labels", k), Json::String(v.clone()));
            }
        }
        app.step_labels = made
            .step_keys
            .iter()
            .map(|k| key_path("metadata.labels", k))
            .collect();
        if side.apps.contains_key(&app.name) {
            side.duplicates
                .push((app.name.clone(), app.file.clone(), app.pos));
        } else {
            side.apps.insert(app.name.clone(), app);
        }
    }
    Ok(side)
}

/// The compared fields of one Application (its labels are added by [`read`], once
/// every step label is known).
fn app(made: &Made) -> App {
    let node = &made.node;
    let metadata = node.get("metadata");
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
        if made.rolling_sync
            && let Some(automated) = policy.get_mut("automated").and_then(Json::as_object_mut)
        {
            automated.remove("selfHeal");
        }
        // `automated: {enabled: false}` (Argo CD 3.x) is no automated sync at all.
        if let Some(p) = policy.as_object_mut()
            && p.get("automated").and_then(|a| a.get("enabled")) == Some(&Json::Bool(false))
        {
            p.remove("automated");
        }
        flatten("spec.syncPolicy", &policy, &mut fields);
    }
    if let Some(namespace) = &made.namespace {
        fields.insert("metadata.namespace".into(), Json::String(namespace.clone()));
    }
    if let Some(finalizers) = metadata.and_then(|m| m.get("finalizers")) {
        let mut list = finalizers.to_json();
        if let Some(items) = list.as_array_mut() {
            items.sort_by_key(Json::to_string);
        }
        fields.insert("metadata.finalizers".into(), list);
    } else if made.implied_finalizer {
        fields.insert(
            "metadata.finalizers".into(),
            Json::Array(vec![Json::String(RESOURCES_FINALIZER.into())]),
        );
    }
    // How its ApplicationSet rolls it out and keeps it: the step's `maxUpdate` (all at
    // once, `100%`, unless set) and the ApplicationSet's sync policy.
    if let Some(max) = &made.max_update
        && max.as_str() != Some("100%")
    {
        fields.insert("applicationSet.step.maxUpdate".into(), max.clone());
    }
    if let Some(policy) = &made.appset_policy {
        flatten("applicationSet.syncPolicy", policy, &mut fields);
    }
    for (k, v) in string_map(metadata.and_then(|m| m.get("annotations"))) {
        if k != SYNC_WAVE && !k.starts_with("ladder.dev/") && !LADDERS.contains(&k.as_str()) {
            fields.insert(key_path("metadata.annotations", &k), Json::String(v));
        }
    }
    App {
        name: made.name.clone(),
        file: made.file.clone(),
        pos: made.pos,
        fields,
        // An ApplicationSet's Applications are ordered by its steps only: the waves of
        // an app-of-apps wait just until an ApplicationSet has generated them
        // (argocd-semantics.md §3).
        group: match &made.appset {
            Some(appset) => format!("{} (ApplicationSet `{appset}`)", made.group),
            None => made.group.clone(),
        },
        key: made.key,
        ladder: made.labels.get(LADDERS[0]).is_some_and(|v| v == "ladder"),
        at: made.at.clone(),
        step_labels: Vec::new(),
    }
}

/// `value` as leaves under `path`: objects key by key (a key with a `.` as `["k"]`,
/// so two shapes never flatten alike), lists item by item, and empty values (null,
/// "", [], {}, and `false` but for `enabled`) left out, as Argo CD reads them as unset; but `automated`, `retry` and
/// `managedNamespaceMetadata` are recorded as there (as `{}`) whenever they are
/// objects, as their presence is the setting (`automated: {}` syncs automatically),
/// and a null one as not there.
fn flatten(path: &str, value: &Json, out: &mut BTreeMap<String, Json>) {
    match value {
        Json::Null => {}
        Json::String(s) if s.is_empty() => {}
        // Every boolean of an Application defaults to false (Go's zero value, omitted
        // by `omitempty`), but `automated.enabled`, which defaults to true.
        Json::Bool(false) if !path.ends_with(".enabled") => {}
        Json::Object(map) => {
            // The setting is there, whatever it holds (`automated: {}` syncs).
            if PRESENCE.iter().any(|p| path.ends_with(&format!(".{p}"))) {
                out.insert(path.to_owned(), Json::Object(serde_json::Map::new()));
            }
            for (k, v) in map {
                flatten(&key_path(path, k), v, out);
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

/// `path.key`, or `path["key"]` for a key with a `.` (every label key with a prefix).
fn key_path(path: &str, key: &str) -> String {
    if key.contains(['.', '[', '"']) {
        format!("{path}[{}]", Json::String(key.to_owned()))
    } else {
        format!("{path}.{key}")
    }
}

/// Settings whose presence, empty, means something.
const PRESENCE: [&str; 3] = ["automated", "retry", "managedNamespaceMetadata"];

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
    /// Pairs in one group on one side and in two on the other, whose order is not
    /// compared.
    pub uncompared: usize,
    /// What either side could not evaluate, or holds twice: the trees may differ there.
    pub unknown: usize,
}

impl Comparison {
    pub fn is_empty(&self) -> bool {
        self.only_a.is_empty()
            && self.only_b.is_empty()
            && self.fields.is_empty()
            && self.order_total == 0
            && self.unknown == 0
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
            let added_by_ladder = key.starts_with("metadata.labels")
                && ((x.is_none() && other.ladder) || (y.is_none() && app.ladder));
            let steps = app.step_labels.contains(key) || other.step_labels.contains(key);
            if x != y && !added_by_ladder && !steps {
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
    // Pairs that share a group on one side only: counted, not compared.
    let pairs_of = |n: usize| n * n.saturating_sub(1) / 2;
    let mut in_a: BTreeMap<&str, usize> = BTreeMap::new();
    let mut in_b: BTreeMap<&str, usize> = BTreeMap::new();
    for ((ga, gb), pairs) in &groups {
        *in_a.entry(ga).or_default() += pairs.len();
        *in_b.entry(gb).or_default() += pairs.len();
    }
    let both: usize = groups.values().map(|p| pairs_of(p.len())).sum();
    let one_side = |counts: &BTreeMap<&str, usize>| {
        counts.values().map(|n| pairs_of(*n)).sum::<usize>() - both
    };
    out.uncompared = one_side(&in_a) + one_side(&in_b);
    out.unknown =
        a.not_evaluated.len() + a.duplicates.len() + b.not_evaluated.len() + b.duplicates.len();
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
    if c.uncompared > 0 {
        let _ = writeln!(
            out,
            "note: {} pairs are ordered together on one side only (one folder or ApplicationSet there, separate ones on the other); their order is not compared",
            c.uncompared
        );
    }
    if c.unknown > 0 {
        let _ = writeln!(
            out,
            "cannot tell whether the trees are the same: {} ApplicationSets or Applications above are not evaluated or are defined twice",
            c.unknown
        );
    } else if c.is_empty() {
        let _ = writeln!(out, "the same Applications, in the same order");
    }
    out
}

#[cfg(test)]
mod tests;
