//! Which component and environment an Application is: the environment's name from a
//! label or from the end of the Application's name, in a vocabulary of environment
//! names or by the shape of the names (components that share several suffixes).

use std::collections::{BTreeMap, BTreeSet};

use crate::generate::tree::Made;

/// Names that read as environments when they end an Application's name, in rollout
/// order (the order for environments whose Applications do not order them).
pub(super) const ENVIRONMENTS: [&str; 14] = [
    "dev",
    "development",
    "sandbox",
    "test",
    "qa",
    "int",
    "uat",
    "stage",
    "staging",
    "preprod",
    "perf",
    "demo",
    "prod",
    "production",
];

/// One Application placed as a component's instance in an environment.
pub(super) struct Instance<'a> {
    /// Its index among the tree's Applications.
    pub(super) index: usize,
    pub(super) made: &'a Made,
    pub(super) component: String,
    pub(super) env: String,
}

/// The `env` (or `environment`) label: its key and value.
pub(super) fn env_label(m: &Made) -> Option<(&'static str, String)> {
    ["env", "environment"]
        .into_iter()
        .find_map(|k| m.labels.get(k).map(|v| (k, v.clone())))
}

/// The name suffixes (the last `-part`) that read as environments: the names in
/// [`ENVIRONMENTS`], and the others by the shape of the names: suffixes linked by a
/// component they share (`api-eu1`, `api-us1`) form a group, and a group of several
/// suffixes, one of them on several components, is a set of environments (`web-eu1`
/// need not have `web-us1`). `manager` in `cert-manager` and `trust-manager` is no
/// environment: no component has another suffix.
pub(super) fn suffix_environments<'a>(names: impl Iterator<Item = &'a str>) -> BTreeSet<&'a str> {
    let mut by_suffix: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut by_component: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for name in names {
        if let Some((component, suffix)) = name.rsplit_once('-')
            && !component.is_empty()
        {
            by_suffix.entry(suffix).or_default().insert(component);
            by_component.entry(component).or_default().push(suffix);
        }
    }
    // Groups of suffixes linked through components, found by walking the links.
    let mut group: BTreeMap<&str, usize> = BTreeMap::new();
    let mut groups: Vec<Vec<&str>> = Vec::new();
    for start in by_suffix.keys() {
        if group.contains_key(start) {
            continue;
        }
        let id = groups.len();
        let mut members = Vec::new();
        let mut stack = vec![*start];
        group.insert(start, id);
        while let Some(s) = stack.pop() {
            members.push(s);
            for component in &by_suffix[s] {
                for other in &by_component[component] {
                    if !group.contains_key(other) {
                        group.insert(other, id);
                        stack.push(other);
                    }
                }
            }
        }
        groups.push(members);
    }
    let mut out: BTreeSet<&str> = by_suffix
        .keys()
        .copied()
        .filter(|s| ENVIRONMENTS.contains(s))
        .collect();
    for members in &groups {
        if members.len() > 1 && members.iter().any(|s| by_suffix[s].len() > 1) {
            out.extend(members.iter().copied());
        }
    }
    out
}
