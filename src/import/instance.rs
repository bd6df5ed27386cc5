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
/// [`ENVIRONMENTS`], and others that several names end in where some of those names'
/// components also end in another such suffix (`api-eu1`, `api-us1`), so `manager` in
/// `cert-manager` and `trust-manager` is not one.
pub(super) fn suffix_environments<'a>(names: impl Iterator<Item = &'a str>) -> BTreeSet<&'a str> {
    let mut by_suffix: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for name in names {
        if let Some((component, suffix)) = name.rsplit_once('-')
            && !component.is_empty()
        {
            by_suffix.entry(suffix).or_default().insert(component);
        }
    }
    let shared: Vec<&str> = by_suffix
        .iter()
        .filter(|(s, c)| ENVIRONMENTS.contains(s) || c.len() > 1)
        .map(|(s, _)| *s)
        .collect();
    shared
        .iter()
        .copied()
        .filter(|s| {
            ENVIRONMENTS.contains(s)
                || by_suffix[s].iter().any(|component| {
                    shared
                        .iter()
                        .any(|other| other != s && by_suffix[other].contains(component))
                })
        })
        .collect()
}
