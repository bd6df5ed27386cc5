//! What the ApplicationSets' own settings become in `rollout`: each RollingSync step's
//! `maxUpdate` as its phase's (or every phase's, where all agree), and the sync policy
//! of the ApplicationSets (`preserveResourcesOnDeletion`, `applicationsSync`) as the
//! generated ApplicationSet's, where they all agree.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::instance::Instance;
use super::write::{Line, line};

/// The ApplicationSet sync policy keys ladder's spec has
/// (`rollout.applicationSet`).
const POLICY: [&str; 2] = ["preserveResourcesOnDeletion", "applicationsSync"];

/// The `rollout` entries for the Applications the ApplicationSets generate; what
/// cannot be carried over is reported.
pub(super) fn settings(
    instances: &[Instance<'_>],
    phase_of: &BTreeMap<&str, i64>,
    report: &mut Vec<Line>,
) -> Vec<(&'static str, Json)> {
    let generated: Vec<&Instance<'_>> = instances
        .iter()
        .filter(|i| i.made.appset.is_some())
        .collect();
    let mut out = Vec::new();
    // maxUpdate: all at once (`100%`) unless the step says otherwise.
    let mut by_phase: BTreeMap<i64, Vec<(Json, &Instance<'_>)>> = BTreeMap::new();
    for i in generated.iter().filter(|i| i.made.rolling_sync) {
        let value = i
            .made
            .max_update
            .clone()
            .unwrap_or_else(|| Json::String("100%".into()));
        if let Some(phase) = phase_of.get(i.component.as_str()) {
            by_phase.entry(*phase).or_default().push((value, i));
        }
    }
    let mut chosen: BTreeMap<i64, Json> = BTreeMap::new();
    for (phase, values) in &by_phase {
        let first = &values[0];
        if let Some((other, at)) = values.iter().find(|(v, _)| *v != first.0) {
            report.push(line(
                at.made,
                &format!(
                    "its step's `maxUpdate` is {other}, but `{}`'s, at the same phase {phase}, is {}: phase {phase} gets {}",
                    first.1.made.name, first.0, first.0
                ),
            ));
        }
        chosen.insert(*phase, first.0.clone());
    }
    let all = Json::String("100%".into());
    let first = chosen.values().next().cloned();
    match first {
        Some(v) if chosen.values().all(|c| *c == v) && v != all => out.push(("maxUpdate", v)),
        Some(v) if chosen.values().all(|c| *c == v) => {}
        Some(_) => {
            let mut phases = Map::new();
            for (phase, v) in &chosen {
                if *v != all {
                    phases.insert(phase.to_string(), serde_json::json!({ "maxUpdate": v }));
                }
            }
            if !phases.is_empty() {
                out.push(("phases", Json::Object(phases)));
            }
        }
        None => {}
    }
    // The ApplicationSets' sync policy, where they all agree.
    let mut application_set = Map::new();
    for key in POLICY {
        let values: Vec<Option<Json>> = generated
            .iter()
            .map(|i| {
                i.made
                    .appset_policy
                    .as_ref()
                    .and_then(|p| p.get(key))
                    .filter(|v| !v.is_null() && **v != Json::Bool(false))
                    .cloned()
            })
            .collect();
        match values.first() {
            Some(first) if values.iter().all(|v| v == first) => {
                if let Some(v) = first {
                    application_set.insert(key.to_owned(), v.clone());
                }
            }
            Some(_) => report.push(Line {
                file: String::new(),
                pos: crate::diagnostic::Pos::default(),
                what: format!("the ApplicationSets differ in `syncPolicy.{key}`; ladder's one ApplicationSet has one, so it is left out"),
            }),
            None => {}
        }
    }
    for i in &generated {
        if let Some(Json::Object(policy)) = &i.made.appset_policy {
            for key in policy.keys().filter(|k| !POLICY.contains(&k.as_str())) {
                report.push(Line {
                    file: i.made.file.clone(),
                    pos: i.made.pos,
                    what: format!(
                        "ApplicationSet `{}`: `syncPolicy.{key}` is not imported: ladder's spec has no place for it",
                        i.made.appset.as_deref().unwrap_or_default()
                    ),
                });
            }
        }
    }
    if !application_set.is_empty() {
        out.push(("applicationSet", Json::Object(application_set)));
    }
    out
}
