//! Rollout time estimates: how long each environment's ladder takes.
//!
//! RollingSync starts a step only when every Application of the step before it is
//! healthy, and inside a step runs at most `maxUpdate` syncs at once as a sliding
//! window: when one Application turns healthy the next waiting one starts (Argo CD
//! promotes them in Application name order from 3.2). So a step takes as long as
//! scheduling its durations, in name order, on `maxUpdate` parallel slots, and an
//! environment takes the sum of its steps. The critical path is the dependency
//! chain with the largest total duration: no ladder can be faster than it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::Write as _;

use crate::analyze::model::Model;
use crate::plan::Plan;
use crate::plan::policy::window;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    /// One per environment, in plan order.
    pub environments: Vec<EnvEstimate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvEstimate {
    pub env: usize,
    /// Seconds per step, in step order.
    pub steps: Vec<StepEstimate>,
    /// Seconds for the whole environment: the sum of its steps.
    pub total: u64,
    /// The dependency chain with the largest total duration, first to last.
    pub critical_path: Vec<usize>,
    pub critical_seconds: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepEstimate {
    pub seconds: u64,
    /// Syncs running at once (maxUpdate resolved against the step's size).
    pub window: usize,
    /// The step waits for an operator (`maxUpdate: 0`); the time assumes they sync all at once.
    pub manual: bool,
}

/// Estimates every environment of a plan.
pub fn estimate(model: &Model, plan: &Plan) -> Estimate {
    let environments = plan
        .environments
        .iter()
        .map(|env_plan| {
            let steps: Vec<StepEstimate> = env_plan
                .steps
                .iter()
                .map(|step| {
                    // Application names are `<component>-<env>`; components are sorted by
                    // name already, which is the order Argo CD promotes them in.
                    let durations: Vec<u64> = step
                        .components
                        .iter()
                        .map(|&c| model.components[c].duration)
                        .collect();
                    let manual = step.max_update.is_zero();
                    let window = if manual {
                        durations.len()
                    } else {
                        window(step.max_update, durations.len())
                    };
                    StepEstimate {
                        seconds: makespan(&durations, window),
                        window,
                        manual,
                    }
                })
                .collect();
            let (critical_path, critical_seconds) = critical_path(model, plan, env_plan.env);
            EnvEstimate {
                env: env_plan.env,
                total: steps.iter().fold(0u64, |t, s| t.saturating_add(s.seconds)),
                steps,
                critical_path,
                critical_seconds,
            }
        })
        .collect();
    Estimate { environments }
}

/// Time to run `durations` in order on `slots` parallel slots, each starting as soon as a
/// slot frees up.
pub fn makespan(durations: &[u64], slots: usize) -> u64 {
    let mut running: BinaryHeap<Reverse<u64>> = BinaryHeap::new();
    let mut end = 0;
    for &d in durations {
        let start = if running.len() < slots.max(1) {
            0
        } else {
            running.pop().map_or(0, |Reverse(t)| t)
        };
        let finish = start.saturating_add(d);
        end = end.max(finish);
        running.push(Reverse(finish));
    }
    end
}

/// The enabled dependency chain with the largest total duration (ties: smaller names).
fn critical_path(model: &Model, plan: &Plan, env: usize) -> (Vec<usize>, u64) {
    let n = model.components.len();
    // Components in phase order: every dependency comes before its dependents.
    let mut order: Vec<usize> = (0..n).filter(|&c| model.enabled(c, env)).collect();
    order.sort_by_key(|&c| (plan.phases[c], c));
    let mut best = vec![0u64; n];
    let mut via: Vec<Option<usize>> = vec![None; n];
    for &c in &order {
        let mut from: Option<usize> = None;
        for d in model.components[c].waits_for() {
            if !model.enabled(d, env) {
                continue; // an `after` target disabled here is not waited for
            }
            if from.is_none_or(|f| best[d] > best[f]) {
                from = Some(d);
            }
        }
        best[c] = model.components[c]
            .duration
            .saturating_add(from.map_or(0, |f| best[f]));
        via[c] = from;
    }
    let Some(&last) = order
        .iter()
        .max_by(|&&a, &&b| best[a].cmp(&best[b]).then(b.cmp(&a)))
    else {
        return (Vec::new(), 0);
    };
    let mut path = vec![last];
    let mut at = last;
    while let Some(prev) = via[at] {
        path.push(prev);
        at = prev;
    }
    path.reverse();
    (path, best[last])
}

/// `1h2m5s`, `5m`, `45s`, `0s`.
pub fn human(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut out = String::new();
    if h > 0 {
        let _ = write!(out, "{h}h");
    }
    if m > 0 {
        let _ = write!(out, "{m}m");
    }
    if s > 0 || out.is_empty() {
        let _ = write!(out, "{s}s");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::model::MaxUpdate;

    #[test]
    fn sliding_window_starts_the_next_sync_when_one_finishes() {
        // Two slots: 10 and 30 start at 0; 20 starts at 10 and ends at 30; 5 starts at 30.
        assert_eq!(makespan(&[10, 30, 20, 5], 2), 35);
        assert_eq!(makespan(&[10, 30, 20, 5], 1), 65);
        assert_eq!(makespan(&[10, 30, 20, 5], 9), 30);
        assert_eq!(makespan(&[], 3), 0);
    }

    #[test]
    fn percentages_round_down_but_allow_one() {
        assert_eq!(window(MaxUpdate::Percent(25), 10), 2);
        assert_eq!(window(MaxUpdate::Percent(10), 3), 1);
        assert_eq!(window(MaxUpdate::Percent(100), 7), 7);
        assert_eq!(window(MaxUpdate::Count(5), 2), 2);
    }

    #[test]
    fn durations_read_like_go() {
        assert_eq!(human(3725), "1h2m5s");
        assert_eq!(human(300), "5m");
        assert_eq!(human(0), "0s");
        assert_eq!(
            crate::analyze::durations::parse_duration("1h30m"),
            Some(5400)
        );
        assert_eq!(crate::analyze::durations::parse_duration("90s"), Some(90));
        assert_eq!(crate::analyze::durations::parse_duration("5m1h"), None);
        assert_eq!(crate::analyze::durations::parse_duration("5"), None);
        assert_eq!(crate::analyze::durations::parse_duration(""), None);
    }
}
