//! Planning: phases and RollingSync steps from the dependency graph.
//!
//! The compact layout puts every component at 1 + the highest phase of its
//! dependencies (0 dependencies: phase 1). That makes the number of
//! health-gated steps equal to the longest dependency chain, the fewest any
//! correct ladder can have. Phases are a property of the graph alone, so the
//! order of the spec cannot change them; within a phase, components are
//! listed by name.
//!
//! Owns phases and steps ([`plan`], [`compact`]), each step's `maxUpdate` ([`policy`]),
//! time estimates ([`estimate`]), the checks that need the plan ([`checks`]) and
//! `ladder plan`'s output ([`report`]).
//!
//! May import: `load`, `analyze`, `diagnostic`, `dag`.

pub mod checks;
pub mod estimate;
mod json_len;
pub mod policy;
pub mod report;
pub mod size;

use crate::analyze::model::{MaxUpdate, Model, Smoke};
use crate::load::spec::{Layout, Sync};

/// The rollout plan: a phase per component, and the steps of each environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Phase of each component (same order as `Model::components`), from 1.
    pub phases: Vec<u32>,
    /// One entry per environment, in spec order.
    pub environments: Vec<EnvPlan>,
    /// Digits of the phase labels: pinned phases are zero-padded so labels sort (`05`, `15`).
    pub label_width: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvPlan {
    pub env: usize,
    pub steps: Vec<Step>,
    /// The longest dependency chain among the components enabled here, first to last.
    pub longest_chain: Vec<usize>,
    /// Phase of each component in this environment (same order as `Model::components`).
    pub phases: Vec<u32>,
}

/// One RollingSync step: the components of one phase in one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub phase: u32,
    /// Component indexes, by name.
    pub components: Vec<usize>,
    pub max_update: MaxUpdate,
}

/// Plans a checked model with its layout. Analysis has ruled out cycles and, for pinned
/// layouts, dependencies that do not come first, so this cannot fail.
pub fn plan(model: &Model) -> Plan {
    match model.rollout.layout {
        Layout::Compact => compact(model),
        Layout::Pinned | Layout::Banded => {
            let phases: Vec<u32> = model
                .components
                .iter()
                .map(|c| c.pinned.unwrap_or(0))
                .collect();
            let chains = chain_phases(model);
            let per_env = chains
                .into_iter()
                .enumerate()
                .map(|(e, chain)| (last_step_smokes(model, phases.clone(), Some(e)), chain))
                .collect();
            let phases = last_step_smokes(model, phases, None);
            let width = phases
                .iter()
                .max()
                .map_or(2, |m| m.to_string().len().max(2));
            with_phases(model, phases, per_env, width)
        }
    }
}

/// The compact plan of a model whatever its layout, to compare a pinned ladder with.
///
/// Phases are computed per environment: an `after` target disabled in an environment is
/// not waited for there, so a component may sit earlier there than elsewhere, and every
/// environment keeps as many steps as its longest chain. `Plan::phases` holds the phases
/// with every edge counted (what `explain` and `graph` show without an environment).
pub fn compact(model: &Model) -> Plan {
    let phases = last_step_smokes(model, compact_phases(model, None), None);
    let per_env = chain_phases(model)
        .into_iter()
        .enumerate()
        .map(|(e, raw)| (last_step_smokes(model, raw.clone(), Some(e)), raw))
        .collect();
    with_phases(model, phases, per_env, 1)
}

/// The compact phases of each environment, which its longest chain is read from. Without
/// `after` edges they are the same everywhere (a dependency is enabled wherever its
/// dependent is), so they are computed once.
fn chain_phases(model: &Model) -> Vec<Vec<u32>> {
    let envs = model.environments.len();
    if model.components.iter().all(|c| c.after.is_empty()) {
        vec![compact_phases(model, None); envs]
    } else {
        (0..envs).map(|e| compact_phases(model, Some(e))).collect()
    }
}

/// Moves non-gating smokes to the last step. RollingSync has no step that does not gate
/// the next (argocd-semantics §1.4), so the only place where nothing waits on a smoke is
/// the end: the highest phase of the gating components when everything the smokes test is
/// earlier, else one phase past it. Either way it is the last step of every environment
/// (with `env`, of that environment), and no other component's path grows.
fn last_step_smokes(model: &Model, mut phases: Vec<u32>, env: Option<usize>) -> Vec<u32> {
    let gating = |i: usize| {
        model.components[i].smoke != Smoke::NonGating && env.is_none_or(|e| model.enabled(i, e))
    };
    let Some(last) = (0..phases.len())
        .filter(|&i| gating(i))
        .map(|i| phases[i])
        .max()
    else {
        return phases;
    };
    // All of them share one step, so none waits on another.
    let smokes: Vec<usize> = (0..phases.len())
        .filter(|&i| model.components[i].smoke == Smoke::NonGating)
        .collect();
    let tested = smokes
        .iter()
        .flat_map(|&i| model.components[i].waits_for())
        .filter(|&d| env.is_none_or(|e| model.enabled(d, e)))
        .map(|d| phases[d])
        .max()
        .unwrap_or(0);
    let end = if tested < last {
        last
    } else {
        last.saturating_add(1)
    };
    for i in smokes {
        phases[i] = end;
    }
    phases
}

/// `per_env`: each environment's phases, and the compact phases its longest chain is
/// read from.
fn with_phases(
    model: &Model,
    phases: Vec<u32>,
    per_env: Vec<(Vec<u32>, Vec<u32>)>,
    label_width: usize,
) -> Plan {
    let environments = per_env
        .into_iter()
        .enumerate()
        .map(|(env, (env_phases, chain))| env_plan(model, env_phases, &chain, env))
        .collect();
    Plan {
        phases,
        environments,
        label_width,
    }
}

/// Compact phases: 1 + the highest phase of what a component waits for. In one
/// environment (`Some(env)`), an `after` target disabled there does not count.
fn compact_phases(model: &Model, env: Option<usize>) -> Vec<u32> {
    let counts = |d: &usize| env.is_none_or(|e| model.enabled(*d, e));
    let deps: Vec<Vec<usize>> = model
        .components
        .iter()
        .map(|c| c.waits_for().into_iter().filter(counts).collect())
        .collect();
    crate::dag::levels(&deps)
        .into_iter()
        .map(|l| l + 1)
        .collect()
}

fn env_plan(model: &Model, phases: Vec<u32>, chain: &[u32], env: usize) -> EnvPlan {
    // Under RollingSync a manual environment's steps hold at maxUpdate 0; an app-of-apps
    // wave has no such knob (and does not wait for a manual child's sync).
    let manual = model.environments[env].sync == Sync::Manual
        && model.rollout.strategy != crate::load::spec::Strategy::AppOfApps;
    let mut by_phase: std::collections::BTreeMap<u32, Vec<usize>> =
        std::collections::BTreeMap::new();
    for (i, _) in model.components.iter().enumerate() {
        if model.enabled(i, env) {
            by_phase.entry(phases[i]).or_default().push(i);
        }
    }
    let steps = by_phase
        .into_iter()
        .map(|(phase, components)| Step {
            max_update: if manual {
                MaxUpdate::Count(0)
            } else {
                policy::step_max_update(model, phase, &components)
            },
            phase,
            components,
        })
        .collect();
    EnvPlan {
        env,
        steps,
        longest_chain: longest_chain(model, chain, env),
        phases,
    }
}

/// The chain ending at the highest-phase component (smallest name on ties), walking back
/// through a dependency one phase lower each time (smallest name on ties).
fn longest_chain(model: &Model, phases: &[u32], env: usize) -> Vec<usize> {
    // Non-gating smokes wait for what they test but nothing waits for them: they end no
    // chain that holds the ladder up.
    let enabled = |i: usize| model.enabled(i, env) && model.components[i].smoke != Smoke::NonGating;
    let Some(mut at) = (0..model.components.len())
        .filter(|&i| enabled(i))
        .max_by(|&a, &b| phases[a].cmp(&phases[b]).then(b.cmp(&a)))
    else {
        return Vec::new();
    };
    let mut chain = vec![at];
    while phases[at] > 1 {
        let Some(&prev) = model.components[at]
            .waits_for()
            .iter()
            .find(|&&d| model.enabled(d, env) && phases[d] + 1 == phases[at])
        else {
            break;
        };
        chain.push(prev);
        at = prev;
    }
    chain.reverse();
    chain
}

impl Plan {
    /// The label value of a phase (`rollout-phase: "05"`).
    pub fn phase_label(&self, phase: u32) -> String {
        format!("{phase:0width$}", width = self.label_width)
    }

    /// Adjacent steps of an environment that could be one step: no component of the
    /// later one depends on a component of the earlier one.
    pub fn mergeable(&self, model: &Model, env: usize) -> Vec<(u32, u32)> {
        self.environments[env]
            .steps
            .windows(2)
            .filter(|w| {
                !w[1].components.iter().any(|&c| {
                    model.components[c]
                        .waits_for()
                        .iter()
                        .any(|d| w[0].components.contains(d))
                })
            })
            .map(|w| (w[0].phase, w[1].phase))
            .collect()
    }

    /// Total RollingSync steps of the ladder(s): all environments' steps.
    pub fn step_count(&self) -> usize {
        self.environments.iter().map(|e| e.steps.len()).sum()
    }
}

/// The wave offset between environments: the power of ten above the highest phase.
pub fn wave_stride(plan: &Plan) -> u64 {
    let highest = plan
        .environments
        .iter()
        .flat_map(|e| e.steps.iter().map(|s| s.phase))
        .max()
        .unwrap_or(0);
    let mut stride = 10u64;
    while stride <= u64::from(highest) {
        stride *= 10;
    }
    stride
}
