//! App-of-apps roots: each root applies the manifests of its folder wave by wave, and
//! what nothing applies is applied at the start.
//!
//! The rules (argocd-semantics.md §2–3 and §7):
//!
//! - Waves run in ascending order; a wave where nothing changed is skipped (Argo CD
//!   applies "the first wave where any resource is out-of-sync or unhealthy").
//! - The next wave starts `ARGOCD_SYNC_WAVE_DELAY` (2 s) after the wave before it is
//!   done, and there is no delay after the last (v3.5.1 `controller/sync.go`
//!   `delayBetweenSyncWaves`).
//! - An Application child counts as done as soon as it is applied, unless an
//!   `argocd-cm` among the files gives Applications a health check: then the wave
//!   waits until it is healthy, except for a child marked `ladder.dev/sync: manual`,
//!   which ladder's guarded check passes.
//! - A Degraded child fails the root's sync: later waves are not applied.
//! - An ApplicationSet child is done once applied, except from 3.2 under RollingSync,
//!   where its built-in health check reports Progressing until the rollout completes
//!   (`resource_customizations/argoproj.io/ApplicationSet/health.lua`, PR #23506).
//! - A changed child without automated sync is synced by an operator when its wave is
//!   applied.

use std::collections::BTreeMap;

use super::read::{Kind, Manifest, Read, Root};
use super::rolling::{Finish, begin, record};
use super::scenario::Scenario;
use super::timeline::{Lane, Place, State};

/// How deep roots inside roots are followed.
const MAX_DEPTH: usize = 16;

/// A tree read for simulation, with each root's children.
pub(super) struct Roots<'a> {
    read: &'a Read,
    scenario: &'a Scenario,
    /// Per manifest: the manifests its directory source applies, when it is a root.
    children: Vec<Vec<usize>>,
    /// Whether some root applies the manifest.
    applied: Vec<bool>,
}

impl<'a> Roots<'a> {
    pub(super) fn new(read: &'a Read, scenario: &'a Scenario) -> Self {
        let all = &read.manifests;
        let mut by_folder: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (j, m) in all.iter().enumerate() {
            by_folder.entry(m.folder.as_str()).or_default().push(j);
        }
        let mut children = vec![Vec::new(); all.len()];
        let mut applied = vec![false; all.len()];
        for (i, m) in all.iter().enumerate() {
            let Kind::App(app) = &m.kind else { continue };
            let Some(source) = &app.root_of else {
                continue;
            };
            let Some(folder) = folder_read(scenario.base.as_deref(), m, source, &by_folder) else {
                continue;
            };
            let inside = folder_manifests(&by_folder, &folder, source.recurse);
            for j in inside {
                // A root's own file is left out of its folder (ladder's `exclude`).
                if j != i && all[j].file != m.file {
                    children[i].push(j);
                    applied[j] = true;
                }
            }
        }
        Roots {
            read,
            scenario,
            children,
            applied,
        }
    }

    /// Simulates every manifest nothing applies, from the start.
    pub(super) fn run(&self, lanes: &mut Vec<Lane>) {
        let mut active = vec![false; self.read.manifests.len()];
        for i in 0..self.read.manifests.len() {
            if !self.applied[i] {
                self.apply(i, 0, None, ("", Place::Direct), &mut active, lanes);
                debug_assert!(active.iter().all(|a| !a));
            }
        }
    }

    /// Applies manifest `i` at `at`, released by lane `cause`; returns how it ended and
    /// whether its wave waits for it.
    fn apply(
        &self,
        i: usize,
        at: u64,
        cause: Option<usize>,
        (rollout, place): (&str, Place),
        active: &mut [bool],
        lanes: &mut Vec<Lane>,
    ) -> (Finish, bool) {
        let manifest = &self.read.manifests[i];
        match &manifest.kind {
            Kind::Set(set) => {
                let finish = super::rolling::rollout(set, self.scenario, at, cause, lanes);
                let gates = !set.steps.is_empty() && self.scenario.version.at_least(3, 2);
                (finish, gates)
            }
            Kind::App(app) if app.root_of.is_some() && !self.children[i].is_empty() => {
                let depth = active.iter().filter(|a| **a).count();
                if active[i] || depth >= MAX_DEPTH {
                    // A root inside its own folder, or too deep to follow.
                    return (Finish::default(), false);
                }
                active[i] = true;
                let finish = self.waves(i, at, cause, active, lanes);
                active[i] = false;
                (finish, self.read.application_health)
            }
            Kind::App(app) => {
                let facts = self.scenario.facts_of(&app.name, &app.labels);
                let mut lane = Lane {
                    app: app.name.clone(),
                    component: facts.component.clone(),
                    env: facts.env.clone(),
                    rollout: rollout.to_owned(),
                    place,
                    state: State::Unchanged,
                    operator: false,
                    after: cause,
                };
                let mut finish = Finish {
                    done: Some(at),
                    changed: facts.changed,
                    ..Finish::default()
                };
                if facts.changed {
                    lane.operator = !app.automated;
                    let end = begin(&mut lane, &facts.outcome, facts.duration, at);
                    let mut done = Some(at);
                    record(&mut finish, &mut done, lanes.len(), Some(end), lane.state);
                    finish.done = done;
                }
                lanes.push(lane);
                // The guarded check passes a child marked manual.
                let gates = self.read.application_health && !app.marked_manual;
                (finish, gates)
            }
        }
    }

    /// Runs the waves of root `root` from `at`.
    fn waves(
        &self,
        root: usize,
        at: u64,
        cause: Option<usize>,
        active: &mut [bool],
        lanes: &mut Vec<Lane>,
    ) -> Finish {
        let manifests = &self.read.manifests;
        let name = match &manifests[root].kind {
            Kind::App(app) => app.name.as_str(),
            Kind::Set(_) => "",
        };
        let mut children = self.children[root].clone();
        children.sort_by_key(|&j| manifests[j].wave);
        let mut finish = Finish::default();
        let mut clock = at;
        let mut released = cause;
        // Set once a wave never completes: the failed lane that stopped it, if any.
        let mut stopped: Option<Option<usize>> = None;
        for group in children.chunk_by(|&a, &b| manifests[a].wave == manifests[b].wave) {
            let place = Place::Wave(manifests[group[0]].wave);
            let from = lanes.len();
            if let Some(by) = stopped {
                for &j in group {
                    self.apply(j, clock, released, (name, place), active, lanes);
                }
                block(&mut lanes[from..], by);
                continue;
            }
            if !group.iter().any(|&j| self.changes(j, 0)) {
                // Nothing to sync: the wave is skipped, with no delay.
                for &j in group {
                    self.apply(j, clock, released, (name, place), active, lanes);
                }
                continue;
            }
            let start = if finish.changed {
                clock.saturating_add(self.scenario.wave_delay)
            } else {
                clock
            };
            finish.changed = true;
            let mut done = Some(start);
            let mut last = released;
            for &j in group {
                let (result, gates) = self.apply(j, start, released, (name, place), active, lanes);
                if !gates || !result.changed {
                    continue;
                }
                finish.failed |= result.failed;
                if let (Some(d), Some(r), false) = (done, result.done, result.failed) {
                    if r >= d {
                        last = result.last.or(last);
                    }
                    done = Some(d.max(r));
                } else {
                    done = None;
                }
            }
            if let Some(d) = done {
                clock = d;
                released = last;
            } else {
                let failed = (from..lanes.len())
                    .rev()
                    .find(|&l| matches!(lanes[l].state, State::Failed { .. }));
                stopped = Some(failed);
            }
        }
        finish.last = released;
        finish.done = if stopped.is_some() { None } else { Some(clock) };
        finish
    }

    /// Whether anything manifest `i` makes changes (a root: what it applies, roots
    /// inside it followed `depth` levels deep at most).
    fn changes(&self, i: usize, depth: usize) -> bool {
        match &self.read.manifests[i].kind {
            Kind::Set(set) => set
                .apps
                .iter()
                .any(|a| self.scenario.facts_of(&a.name, &a.labels).changed),
            Kind::App(_) if !self.children[i].is_empty() => {
                depth < MAX_DEPTH && self.children[i].iter().any(|&j| self.changes(j, depth + 1))
            }
            Kind::App(app) => self.scenario.facts_of(&app.name, &app.labels).changed,
        }
    }
}

/// The lanes of a wave that is never applied: what would have synced is blocked.
fn block(lanes: &mut [Lane], by: Option<usize>) {
    for lane in lanes {
        if lane.state != State::Unchanged && lane.state != State::NeverSynced {
            lane.state = State::Blocked { by };
            lane.operator = false;
        }
    }
}

/// The manifests in `folder`, and with `recurse` in the folders below it: a range of
/// the sorted map, since the folders below `f` sort right after `f/`.
fn folder_manifests(
    by_folder: &BTreeMap<&str, Vec<usize>>,
    folder: &str,
    recurse: bool,
) -> Vec<usize> {
    let own = by_folder.get(folder).into_iter().flatten().copied();
    if !recurse {
        return own.collect();
    }
    if folder == "." {
        return by_folder.values().flatten().copied().collect();
    }
    let below = format!("{folder}/");
    let deeper = by_folder
        .range::<str, _>((
            std::ops::Bound::Included(below.as_str()),
            std::ops::Bound::Unbounded,
        ))
        .take_while(|(f, _)| f.starts_with(&below))
        .flat_map(|(_, js)| js.iter().copied());
    own.chain(deeper).collect()
}

/// The folder of the tree a root's source reads: its path relative to `base` (the
/// tree's repository folder). Without a base: the deepest folder of the tree the path
/// ends with, else the folder of the root's own file when its `directory.exclude` names
/// that file (as ladder's roots do).
fn folder_read(
    base: Option<&str>,
    root: &Manifest,
    source: &Root,
    folders: &BTreeMap<&str, Vec<usize>>,
) -> Option<String> {
    let path = source.path.as_str();
    if let Some(base) = base {
        let base = base.trim_matches('/');
        return if path == base {
            Some(".".to_owned())
        } else {
            Some(path.strip_prefix(base)?.strip_prefix('/')?.to_owned())
        };
    }
    // The path itself, then each shorter tail at a `/`: the first that is a folder of the
    // tree is the deepest, found in time linear in the path's depth, not in the tree's
    // number of folders (every Application with a path is looked up).
    let found = std::iter::once(path)
        .chain(path.match_indices('/').map(|(i, _)| &path[i + 1..]))
        .find(|tail| !tail.is_empty() && *tail != "." && folders.contains_key(tail));
    let own = root.file.rsplit('/').next().unwrap_or(&root.file);
    match found {
        Some(f) => Some(f.to_owned()),
        None if source.excludes.as_deref().is_some_and(|e| e.contains(own)) => {
            Some(root.folder.clone())
        }
        None => None,
    }
}
