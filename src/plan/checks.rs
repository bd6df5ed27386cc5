//! Checks of the spec that need the plan: they run in the plan stage, after the phases
//! are known.

use std::collections::BTreeSet;

use super::Plan;
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::load::Loaded;
use crate::load::spec::Layout;
use crate::load::yaml::PathSeg;

/// With the compact layout, phases are only known once planned: a key of
/// `rollout.phases` that names no phase of any environment is an error, not a setting
/// that silently applies to nothing. (Pinned and banded keys are checked by analysis, `crate::analyze::max_update`.)
pub fn check_compact_phase_keys(loaded: &Loaded, plan: &Plan) -> Result<(), Vec<Diagnostic>> {
    use PathSeg::{Key, KeyOf};
    if loaded.spec.rollout.layout != Layout::Compact {
        return Ok(());
    }
    let in_use: BTreeSet<u32> = plan
        .environments
        .iter()
        .flat_map(|e| e.steps.iter().map(|s| s.phase))
        .collect();
    let names: Vec<String> = in_use.iter().map(u32::to_string).collect();
    let diagnostics: Vec<Diagnostic> = loaded
        .spec
        .rollout
        .phases
        .keys()
        .filter(|key| key.parse::<u32>().is_ok_and(|p| !in_use.contains(&p)))
        .map(|key| {
            let pos = loaded
                .tree
                .lookup(&[Key("rollout"), Key("phases"), KeyOf(key)])
                .pos;
            let mut d =
                Diagnostic::new(&loaded.file, pos, format!("no component is in phase {key}"));
            d.help = did_you_mean(key, names.iter().map(String::as_str)).or_else(|| {
                Some(format!(
                    "the compact ladder has phases {}",
                    names.join(", ")
                ))
            });
            d
        })
        .collect();
    if diagnostics.is_empty() {
        Ok(())
    } else {
        Err(diagnostics)
    }
}
