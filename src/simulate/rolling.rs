//! One ApplicationSet's rollout under RollingSync, event by event.
//!
//! The controller's loop, reduced to the decisions that set the timeline (v3.5.1
//! `applicationset/progressivesync/progressive_sync.go`; v2.10.0
//! `applicationset/controllers/applicationset_controller.go`; argocd-semantics.md §1.4):
//!
//! - **Allowed steps.** Steps are walked in order; every Application of a step is
//!   allowed, and the walk goes on only while every Application of the step is done
//!   (`getAppsToSync`, `:525-569`). An Application in several steps must be done for
//!   each.
//! - **Done.** Up to 3.2: Healthy now (a later Degraded blocks the steps after it
//!   again, v2.10.0 `:1089-1118`). From 3.3: its status entry turned Healthy once
//!   (Healthy and Synced) and stays so (`:453-503`).
//! - **Only OutOfSync Applications sync.** An unchanged Application is Synced and
//!   Healthy from the start and passes its step.
//! - **maxUpdate.** A Waiting Application of an allowed step turns Pending while fewer
//!   than the window of its recorded step (its first) are Pending or Progressing
//!   ([`crate::generate::steps::window`], `:599-678`); an Application that fails stays
//!   Progressing and keeps its slot. Waiting Applications are promoted in the order of
//!   `status.applicationStatus`, sorted by name from 3.2 (v3.2.0
//!   `applicationset_controller.go:1495`).
//! - **`maxUpdate: 0`** syncs nothing: the simulation has an operator sync the step's
//!   changed Applications all at once when the step is reached, and marks them.
//! - Applications in **no step** are never synced; they count towards the first
//!   step's total (the map default of `appStepMap`).
//!
//! Reconciles are taken as instant: a step starts the moment the last Application of
//! the step before it is done.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use super::read::Set;
use super::scenario::{Outcome, Scenario};
use super::timeline::{Lane, Place, State};
use crate::generate::steps::{membership, window};

/// How a rollout (an ApplicationSet's, an Application's, a root's waves) ended, for
/// the wave that applied it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Finish {
    /// When everything it synced was healthy; `None` when something never was.
    pub done: Option<u64>,
    /// Something it synced failed.
    pub failed: bool,
    /// The lane that finished last, for the critical path.
    pub last: Option<usize>,
    /// Whether it changed anything.
    pub changed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// The sync of an Application ends.
    Ends,
    /// A healthy Application turns Degraded.
    Degrades,
}

/// Simulates `set` from `start` (when its wave applies it; `cause` is the lane that
/// released that wave), adding a lane per generated Application to `lanes`.
pub(super) fn rollout(
    set: &Set,
    scenario: &Scenario,
    start: u64,
    cause: Option<usize>,
    lanes: &mut Vec<Lane>,
) -> Finish {
    let first = lanes.len();
    let n = set.apps.len();
    let steps = &set.steps;
    let members: Vec<Vec<usize>> = set
        .apps
        .iter()
        .map(|a| membership(steps, &a.labels))
        .collect();
    let facts: Vec<_> = set
        .apps
        .iter()
        .map(|a| scenario.facts_of(&a.name, &a.labels))
        .collect();
    // Apps in no step count towards the first step's total.
    let mut total = vec![0usize; steps.len()];
    for m in &members {
        if let Some(s) = m.first().copied().or((!steps.is_empty()).then_some(0)) {
            total[s] += 1;
        }
    }
    let windows: Vec<Option<usize>> = steps
        .iter()
        .zip(&total)
        .map(|(s, &t)| window(&s.max_update, t))
        .collect();
    let mut not_done = vec![0usize; steps.len()];
    let mut queue: Vec<VecDeque<usize>> = vec![VecDeque::new(); steps.len()];
    for (i, app) in set.apps.iter().enumerate() {
        let f = &facts[i];
        let (place, state) = match members[i].first() {
            _ if steps.is_empty() => (Place::Direct, State::Unchanged),
            Some(&s) => (Place::Step(s + 1), State::Unchanged),
            None if f.changed => (Place::NoStep, State::NeverSynced),
            None => (Place::NoStep, State::Unchanged),
        };
        if f.changed && !members[i].is_empty() {
            for &s in &members[i] {
                not_done[s] += 1;
            }
            queue[members[i][0]].push_back(i);
        }
        lanes.push(Lane {
            app: app.name.clone(),
            component: f.component.clone(),
            env: f.env.clone(),
            rollout: set.name.clone(),
            place,
            state: if f.changed && state == State::Unchanged && !steps.is_empty() {
                State::Blocked { by: None }
            } else {
                state
            },
            operator: false,
            after: cause,
        });
    }
    let mut finish = Finish {
        changed: facts.iter().any(|f| f.changed),
        ..Finish::default()
    };
    if steps.is_empty() {
        // No RollingSync: every changed Application syncs as soon as it is generated,
        // by itself, or by an operator where it has no automated sync.
        let mut done = Some(start);
        for (i, app) in set.apps.iter().enumerate() {
            if facts[i].changed {
                let lane = &mut lanes[first + i];
                lane.operator = !app.automated;
                let end = begin(lane, &facts[i].outcome, facts[i].duration, start);
                record(&mut finish, &mut done, first + i, Some(end), lane.state);
            }
        }
        finish.done = done;
        return finish;
    }
    let mut sim = Sim {
        first,
        windows,
        updating: vec![0; steps.len()],
        queue,
        not_done,
        frontier: 0,
        events: BinaryHeap::new(),
        healthy: vec![false; n],
    };
    sim.advance();
    for s in 0..steps.len().min(sim.frontier + 1) {
        sim.promote(s, start, cause, &facts, lanes);
    }
    let sticky = scenario.version.at_least(3, 3);
    while let Some(Reverse((t, _, _))) = sim.events.peek().copied() {
        let before = sim.frontier;
        let mut touched = Vec::new();
        let mut released = cause;
        while let Some(&Reverse((at, i, event))) = sim.events.peek() {
            if at != t {
                break;
            }
            sim.events.pop();
            let recorded = members[i][0];
            match event {
                Event::Ends => {
                    if let State::Healthy { .. } = lanes[first + i].state {
                        sim.updating[recorded] -= 1;
                        sim.healthy[i] = true;
                        for &s in &members[i] {
                            sim.not_done[s] -= 1;
                        }
                        released = Some(first + i);
                        touched.push((recorded, first + i));
                        if let Outcome::DegradesAfter(d) = facts[i].outcome {
                            sim.events
                                .push(Reverse((t.saturating_add(d), i, Event::Degrades)));
                        }
                    }
                }
                Event::Degrades => {
                    if let State::Healthy { start, healthy } = lanes[first + i].state {
                        lanes[first + i].state = State::Degraded {
                            start,
                            healthy,
                            at: t,
                        };
                    }
                    if !sticky && std::mem::replace(&mut sim.healthy[i], false) {
                        for &s in &members[i] {
                            sim.not_done[s] += 1;
                            sim.frontier = sim.frontier.min(s);
                        }
                    }
                }
            }
        }
        sim.advance();
        for (s, by) in touched {
            sim.promote(s, t, Some(by), &facts, lanes);
        }
        for s in before..steps.len().min(sim.frontier + 1) {
            sim.promote(s, t, released, &facts, lanes);
        }
    }
    // What never started waits for a step that never finished.
    let blocker = (first..lanes.len()).find(|&l| {
        matches!(
            lanes[l].state,
            State::Failed { .. } | State::Degraded { .. }
        )
    });
    let mut done = Some(start);
    for (i, f) in facts.iter().enumerate() {
        let lane = &mut lanes[first + i];
        match lane.state {
            State::Blocked { .. } => {
                lane.state = State::Blocked { by: blocker };
                done = None;
            }
            State::NeverSynced => {}
            state if f.changed => {
                let end = state.end();
                record(&mut finish, &mut done, first + i, end, state);
            }
            _ => {}
        }
    }
    finish.done = done;
    finish
}

/// Starts a lane's sync at `at` and returns when it ends; sets its state.
pub(super) fn begin(lane: &mut Lane, outcome: &Outcome, duration: u64, at: u64) -> u64 {
    let end = at.saturating_add(duration);
    lane.state = match outcome {
        Outcome::Fails => State::Failed { start: at, at: end },
        Outcome::Healthy | Outcome::DegradesAfter(_) => State::Healthy {
            start: at,
            healthy: end,
        },
    };
    end
}

/// Adds one synced lane's end to a rollout's finish.
pub(super) fn record(
    finish: &mut Finish,
    done: &mut Option<u64>,
    lane: usize,
    end: Option<u64>,
    state: State,
) {
    if matches!(state, State::Failed { .. }) {
        finish.failed = true;
        *done = None;
        return;
    }
    if let (Some(d), Some(e)) = (*done, end) {
        if e >= d {
            finish.last = Some(lane);
        }
        *done = Some(d.max(e));
    }
}

/// The controller's state for one ApplicationSet.
struct Sim {
    /// The lane of the set's first Application.
    first: usize,
    windows: Vec<Option<usize>>,
    /// Pending or Progressing, per recorded step.
    updating: Vec<usize>,
    /// Waiting, per recorded step, in promotion order.
    queue: Vec<VecDeque<usize>>,
    /// Members not done, per step.
    not_done: Vec<usize>,
    /// The first step not done (all before it are): steps up to it are allowed.
    frontier: usize,
    events: BinaryHeap<Reverse<(u64, usize, Event)>>,
    healthy: Vec<bool>,
}

impl Sim {
    fn advance(&mut self) {
        while self.frontier < self.not_done.len() && self.not_done[self.frontier] == 0 {
            self.frontier += 1;
        }
    }

    /// Promotes the Waiting Applications of recorded step `s`, if it is allowed, as far
    /// as its window lets.
    fn promote(
        &mut self,
        s: usize,
        at: u64,
        cause: Option<usize>,
        facts: &[super::scenario::Facts],
        lanes: &mut [Lane],
    ) {
        if s > self.frontier {
            return;
        }
        let operator = self.windows[s] == Some(0);
        while let Some(&i) = self.queue[s].front() {
            if !operator && self.windows[s].is_some_and(|w| self.updating[s] >= w) {
                break;
            }
            self.queue[s].pop_front();
            self.updating[s] += 1;
            let lane = &mut lanes[self.first + i];
            lane.operator = operator;
            lane.after = cause;
            let end = begin(lane, &facts[i].outcome, facts[i].duration, at);
            self.events.push(Reverse((end, i, Event::Ends)));
        }
    }
}
