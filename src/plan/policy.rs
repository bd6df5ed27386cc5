//! The `maxUpdate` of a RollingSync step (with the app-of-apps strategy, a sync wave,
//! which applies all of its children at once: always 100%), resolved from the spec's policy: the phase's
//! own value (`rollout.phases`) if it has one, else the most conservative value among the
//! roles of the step's components (`rollout.roleMaxUpdate`), falling back to
//! `rollout.maxUpdate` for components without a role value.
//!
//! "Most conservative" means the fewest syncs at once for this step's size, as Argo CD
//! computes it (a count as is, a percentage of the step rounded down, at least one;
//! argocd-semantics §1.4), so `1` beats `"50%"` of four Applications, and `"10%"` of
//! four (one) beats `3`.

use crate::analyze::model::{MaxUpdate, Model};

/// The `maxUpdate` of the step of `phase` holding `components` (an auto environment).
pub fn step_max_update(model: &Model, phase: u32, components: &[usize]) -> MaxUpdate {
    let rollout = &model.rollout;
    if rollout.strategy == crate::load::spec::Strategy::AppOfApps {
        // A sync wave applies all of its children at once (argocd-semantics §3).
        return MaxUpdate::Percent(100);
    }
    if let Some(&m) = rollout.phase_max_update.get(&phase) {
        return m;
    }
    let total = components.len();
    components
        .iter()
        .map(|&c| role_max_update(model, model.components[c].role.as_deref()))
        .min_by(|a, b| {
            window(*a, total)
                .cmp(&window(*b, total))
                .then_with(|| a.to_string().cmp(&b.to_string()))
        })
        .unwrap_or(rollout.max_update)
}

/// A role's `maxUpdate` (`smoke` and `smokes` are one role), else the default.
pub fn role_max_update(model: &Model, role: Option<&str>) -> MaxUpdate {
    let rollout = &model.rollout;
    let Some(role) = role else {
        return rollout.max_update;
    };
    let alias = match role {
        "smoke" => "smokes",
        "smokes" => "smoke",
        other => other,
    };
    rollout
        .role_max_update
        .get(role)
        .or_else(|| rollout.role_max_update.get(alias))
        .copied()
        .unwrap_or(rollout.max_update)
}

/// How many syncs RollingSync runs at once in a step of `total` Applications: a count as
/// is, a percentage rounded down but at least one (Argo CD's `GetScaledValueFromIntOrPercent`
/// with its floor of 1 for percentages above 0).
pub fn window(max_update: MaxUpdate, total: usize) -> usize {
    let n = match max_update {
        MaxUpdate::Count(n) => n as usize,
        MaxUpdate::Percent(p) => (p as usize * total / 100).max(1),
    };
    n.clamp(1, total.max(1))
}
