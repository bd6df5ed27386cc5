//! A component's Application settings, placed where ladder's spec layers them: an
//! environment's value (its `environments[]` entry), the component's own (the same in
//! every environment), or one environment's override (`overrides.<env>`). Maps
//! (labels, annotations, sync options) are placed key by key, so a label only prod sets
//! is prod's override and the rest is the component's.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

/// Where a field's values go: the component's value and each environment's override;
/// `unset` names environments that lack a value the others have (ladder cannot unset
/// one in an override).
#[derive(Debug, Default)]
pub(super) struct Placed {
    pub(super) component: Option<Json>,
    pub(super) overrides: Vec<(String, Json)>,
    pub(super) unset: Vec<String>,
}

/// Places one field: `values` (environment, its Application's value), `defaults` the
/// value each environment gives already (none but for the destination).
pub(super) fn place(
    values: &[(&str, Option<Json>)],
    defaults: &dyn Fn(&str) -> Option<Json>,
) -> Placed {
    let needed: Vec<&(&str, Option<Json>)> = values
        .iter()
        .filter(|(env, v)| *v != defaults(env))
        .collect();
    if needed.is_empty() {
        return Placed::default();
    }
    let first = &values[0].1;
    if first.is_some() && values.iter().all(|(_, v)| v == first) {
        return Placed {
            component: first.clone(),
            ..Placed::default()
        };
    }
    let mut placed = Placed::default();
    for (env, v) in needed {
        match v {
            Some(v) => placed.overrides.push(((*env).to_owned(), v.clone())),
            None => placed.unset.push((*env).to_owned()),
        }
    }
    placed
}

/// Places a map key by key; `defaults` gives each environment's value of a key.
pub(super) fn place_map(
    values: &[(&str, Map<String, Json>)],
    defaults: &dyn Fn(&str, &str) -> Option<Json>,
) -> Placed {
    let mut keys: Vec<&String> = values.iter().flat_map(|(_, m)| m.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut component = Map::new();
    let mut overrides: BTreeMap<usize, Map<String, Json>> = BTreeMap::new();
    let mut unset = Vec::new();
    for key in keys {
        let per_env: Vec<(&str, Option<Json>)> = values
            .iter()
            .map(|(env, m)| (*env, m.get(key).cloned()))
            .collect();
        let p = place(&per_env, &|env| defaults(env, key));
        if let Some(v) = p.component {
            component.insert(key.clone(), v);
        }
        for (env, v) in p.overrides {
            let at = values.iter().position(|(e, _)| *e == env).unwrap_or(0);
            overrides.entry(at).or_default().insert(key.clone(), v);
        }
        for env in p.unset {
            unset.push(format!("{env} (`{key}`)"));
        }
    }
    Placed {
        component: (!component.is_empty()).then_some(Json::Object(component)),
        overrides: overrides
            .into_iter()
            .map(|(at, m)| (values[at].0.to_owned(), Json::Object(m)))
            .collect(),
        unset,
    }
}

/// The sync options ladder's spec names (`SyncOptions` of `load/spec/environment.rs`),
/// as Argo CD writes them.
pub(super) const SYNC_OPTIONS: [&str; 13] = [
    "CreateNamespace",
    "ServerSideApply",
    "SkipDryRunOnMissingResource",
    "RespectIgnoreDifferences",
    "PruneLast",
    "ApplyOutOfSyncOnly",
    "Validate",
    "Replace",
    "PrunePropagationPolicy",
    "FailOnSharedResource",
    "ClientSideApplyMigration",
    "Prune",
    "Delete",
];

/// An Application's sync options as the spec's map, and the entries it has no place
/// for (not `Key=value`, or an option ladder does not name).
pub(super) fn sync_options(list: Option<&Json>) -> (Map<String, Json>, Vec<String>) {
    let mut map = Map::new();
    let mut not = Vec::new();
    for item in list.and_then(Json::as_array).into_iter().flatten() {
        let text = item
            .as_str()
            .map_or_else(|| item.to_string(), str::to_owned);
        let Some((key, value)) = text.split_once('=') else {
            not.push(text);
            continue;
        };
        if !SYNC_OPTIONS.contains(&key) {
            not.push(text);
            continue;
        }
        let value = match value {
            "true" => Json::Bool(true),
            "false" => Json::Bool(false),
            other => Json::String(other.to_owned()),
        };
        map.insert(key.to_owned(), value);
    }
    (map, not)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: &Json) -> Map<String, Json> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn what_every_environment_shares_is_the_components_and_the_rest_overrides() {
        let none = |_: &str, _: &str| None;
        let p = place_map(
            &[
                ("dev", map(&json!({"team": "a", "tier": "1"}))),
                (
                    "prod",
                    map(&json!({"team": "a", "tier": "2", "pager": "yes"})),
                ),
            ],
            &none,
        );
        assert_eq!(p.component, Some(json!({"team": "a"})));
        assert_eq!(
            p.overrides,
            [
                ("dev".to_owned(), json!({"tier": "1"})),
                ("prod".to_owned(), json!({"tier": "2", "pager": "yes"}))
            ]
        );
        assert!(p.unset.is_empty());
    }

    #[test]
    fn an_environments_own_value_is_not_repeated_and_an_unset_one_is_named() {
        let env = |env: &str| (env == "dev").then(|| json!({"server": "a"}));
        let p = place(
            &[("dev", Some(json!({"server": "a"}))), ("prod", None)],
            &env,
        );
        assert!(p.component.is_none() && p.overrides.is_empty());
        let p = place(&[("dev", Some(json!(5))), ("prod", None)], &|_| None);
        assert_eq!(p.overrides, [("dev".to_owned(), json!(5))]);
        assert_eq!(p.unset, Vec::<String>::new());
        let p = place(&[("dev", None), ("prod", Some(json!(5)))], &|_| None);
        assert_eq!(p.overrides, [("prod".to_owned(), json!(5))]);
    }

    #[test]
    fn sync_options_ladder_does_not_name_are_set_apart() {
        let (m, not) = sync_options(Some(&json!(["CreateNamespace=true", "Foo=bar", "Prune"])));
        assert_eq!(m, map(&json!({"CreateNamespace": true})));
        assert_eq!(not, ["Foo=bar", "Prune"]);
    }
}
