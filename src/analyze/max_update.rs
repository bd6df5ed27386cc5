//! The `maxUpdate` policy: a default (`rollout.maxUpdate`), values by role
//! (`rollout.roleMaxUpdate`, built in: CRDs and operators one at a time) and by phase
//! (`rollout.phases`). Planning resolves each step from them (`crate::plan::policy`).
//!
//! `0` and `"0%"` make Argo CD wait for someone to sync the step by hand, and a string
//! that is not a whole percentage is silently treated as 1 (argocd-semantics §1.4), so
//! both are refused; a phase may opt in to `0` with `allowUnsafeMaxUpdate: true`.

use std::collections::BTreeMap;

use super::context::Cx;
use crate::analyze::model::MaxUpdate;
use crate::diagnostic::did_you_mean;
use crate::load::spec::{self, Layout};
use crate::load::yaml::PathSeg;

const HELP: &str = "use a count such as 2, or a percentage such as \"25%\"";

/// The checked role and phase values.
pub(super) fn policy(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
) -> (BTreeMap<String, MaxUpdate>, BTreeMap<u32, MaxUpdate>) {
    use PathSeg::{Key, KeyOf};
    let r = &spec.rollout;
    // Built in: CRDs and operators one at a time; the spec's values win.
    let mut roles: BTreeMap<String, MaxUpdate> = [("crds", 1), ("operators", 1)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), MaxUpdate::Count(v)))
        .collect();
    for (role, value) in &r.role_max_update {
        let path = [Key("rollout"), Key("roleMaxUpdate"), Key(role)];
        if r.layout == Layout::Banded
            && !r
                .slots
                .contains_key(super::edges::slot_name(role, &r.slots))
        {
            let help = did_you_mean(role, r.slots.keys().map(String::as_str));
            cx.error(
                &[Key("rollout"), Key("roleMaxUpdate"), KeyOf(role)],
                format!("`{role}` is not a role of `rollout.slots`"),
            )
            .help = help;
        }
        match parse_max_update(value) {
            Ok(m) => {
                roles.insert(role.clone(), m);
            }
            Err(why) => {
                let diagnostic = cx.error(&path, why);
                diagnostic.rule = Some(max_update_rule(value));
                diagnostic.help = Some(HELP.into());
            }
        }
    }
    let in_use: Option<std::collections::BTreeSet<u32>> = match r.layout {
        Layout::Compact => None,
        Layout::Pinned => Some(spec.components.iter().filter_map(|c| c.phase).collect()),
        Layout::Banded => Some(
            spec.components
                .iter()
                .filter_map(|c| {
                    let band = r.bands.get(c.domain.as_deref()?)?;
                    let slot = r
                        .slots
                        .get(super::edges::slot_name(c.role.as_deref()?, &r.slots))?;
                    Some(band.saturating_add(*slot))
                })
                .collect(),
        ),
    };
    let mut phases = BTreeMap::new();
    for (key, p) in &r.phases {
        let at = [Key("rollout"), Key("phases"), KeyOf(key)];
        let Ok(phase) = key.parse::<u32>() else {
            cx.error(&at, format!("`{key}` is not a phase number"));
            continue;
        };
        if let Some(in_use) = &in_use
            && !in_use.contains(&phase)
        {
            let names: Vec<String> = in_use.iter().map(u32::to_string).collect();
            let help = did_you_mean(key, names.iter().map(String::as_str));
            cx.error(&at, format!("no component is in phase {key}"))
                .help = help;
        }
        let Some(value) = &p.max_update else {
            if p.allow_unsafe_max_update {
                cx.error(
                    &[
                        Key("rollout"),
                        Key("phases"),
                        Key(key),
                        Key("allowUnsafeMaxUpdate"),
                    ],
                    format!("phase {key} allows an unsafe `maxUpdate` but sets none"),
                );
            }
            continue;
        };
        let path = [Key("rollout"), Key("phases"), Key(key), Key("maxUpdate")];
        let zero = matches!(value, spec::MaxUpdate::Count(0))
            || matches!(value, spec::MaxUpdate::Percent(t) if t == "0%");
        match parse_max_update(value) {
            Ok(m) => {
                phases.insert(phase, m);
            }
            Err(_) if zero && p.allow_unsafe_max_update => {
                phases.insert(phase, MaxUpdate::Count(0));
            }
            Err(why) => {
                let diagnostic = cx.error(&path, why);
                diagnostic.rule = Some(max_update_rule(value));
                diagnostic.help = Some(if zero {
                    format!(
                        "to hold phase {key} for a manual sync on purpose, add `allowUnsafeMaxUpdate: true` to it"
                    )
                } else {
                    format!(
                        "{HELP} (ladder never emits a malformed value: it would only ever mean 1)"
                    )
                });
            }
        }
    }
    (roles, phases)
}

/// The `ladder lint` rule of a refused `maxUpdate`: zero, or malformed.
pub fn max_update_rule(value: &spec::MaxUpdate) -> &'static &'static str {
    let zero = match value {
        spec::MaxUpdate::Count(n) => *n < 1,
        spec::MaxUpdate::Percent(t) => {
            t.strip_suffix('%').and_then(|d| d.parse::<u32>().ok()) == Some(0)
        }
    };
    if zero {
        &"max-update-zero"
    } else {
        &"max-update-malformed"
    }
}

/// Parses a `maxUpdate`. Zero is refused: it makes Argo CD wait for a manual sync
/// (ladder uses it deliberately only for `sync: manual` environments). A string that
/// is not a whole percentage is refused: Argo CD silently treats it as 1.
pub fn parse_max_update(value: &spec::MaxUpdate) -> Result<MaxUpdate, String> {
    match value {
        spec::MaxUpdate::Count(n) if *n >= 1 => u32::try_from(*n)
            .map(MaxUpdate::Count)
            .map_err(|_| format!("maxUpdate {n} is too large")),
        spec::MaxUpdate::Count(n) => Err(format!(
            "maxUpdate {n} would stop RollingSync from syncing anything by itself (Argo CD waits for a manual sync)"
        )),
        spec::MaxUpdate::Percent(text) => {
            let Some(digits) = text.strip_suffix('%') else {
                return Err(format!(
                    "maxUpdate `{text}` is neither a count nor a percentage (Argo CD would silently treat it as 1)"
                ));
            };
            match digits.parse::<u32>() {
                Ok(p) if (1..=100).contains(&p) && !digits.starts_with('+') => {
                    Ok(MaxUpdate::Percent(p))
                }
                Ok(p) if p > 100 && !digits.starts_with('+') => Err(format!(
                    "maxUpdate `{text}` is more than all of a step's Applications; write `100%`"
                )),
                Ok(0) => Err(format!(
                    "maxUpdate `{text}` would stop RollingSync from syncing anything by itself (Argo CD waits for a manual sync)"
                )),
                _ => Err(format!(
                    "maxUpdate `{text}` is not a whole percentage from 1% to 100% (Argo CD would silently treat it as 1)"
                )),
            }
        }
    }
}
