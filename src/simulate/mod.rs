//! `ladder simulate`: a rollout replayed under Argo CD's rules, from the manifests
//! themselves (not ladder's plan), so that what the output really does can be seen and
//! tested: when each Application starts and turns healthy, what a failure blocks, and
//! how long it all takes.
//!
//! [`read`] finds the Applications, ApplicationSets and app-of-apps roots of a tree;
//! [`rolling`] runs an ApplicationSet's RollingSync steps with the controller's rules
//! ([`crate::generate::steps`]: step selection, `maxUpdate`); [`waves`] runs each root's sync-waves and
//! applies what nothing applies at the start; [`report`] prints the [`Timeline`].
//! Every rule cites the Argo CD source it follows; the version in the [`Scenario`]
//! picks the rules that changed.
//!
//! May import: `generate` (the Applications an ApplicationSet makes), `analyze` (the
//! version, ladder's annotation names), `plan` (durations as text), `load`, layer 0.

pub mod read;
pub mod report;
mod rolling;
pub mod scenario;
pub mod svg;
pub mod timeline;
mod waves;

pub use scenario::{Facts, Outcome, Scenario};
pub use timeline::{Lane, Place, State, Timeline};

/// Simulates one rollout of the tree `files` (path relative to the tree, text).
pub fn simulate(files: &[(String, String)], scenario: &Scenario) -> Timeline {
    run(&read::read(files), scenario)
}

/// Simulates one rollout of a tree already read.
pub fn run(read: &read::Read, scenario: &Scenario) -> Timeline {
    let mut timeline = Timeline::default();
    waves::Roots::new(read, scenario).run(&mut timeline.lanes);
    timeline.notes = notes(read, scenario, &timeline);
    timeline.finish();
    timeline
}

/// What the reader should know about how far the simulation goes.
fn notes(read: &read::Read, scenario: &Scenario, timeline: &Timeline) -> Vec<String> {
    let mut notes: Vec<String> = read
        .skipped
        .iter()
        .map(|(file, why)| format!("{file}: {why}; not simulated"))
        .collect();
    if timeline.lanes.is_empty() {
        notes.push(
            "no Application or ApplicationSet was found that generates Applications: \
             nothing to roll out"
                .to_owned(),
        );
    }
    let rolling = read
        .manifests
        .iter()
        .any(|m| matches!(&m.kind, read::Kind::Set(s) if !s.steps.is_empty()));
    if rolling && !scenario.version.at_least(3, 2) {
        notes.push(format!(
            "Argo CD {} promotes the Applications of a step in the informer cache's order, \
             which is unspecified (name order from 3.2); shown in name order",
            scenario.version
        ));
    }
    let waved = timeline
        .lanes
        .iter()
        .any(|l| matches!(l.place, Place::Wave(_)));
    if waved && !read.application_health {
        notes.push(
            "no argocd-cm among the files gives Applications a health check: each wave \
             counts its Applications done as soon as they are applied, and the next wave \
             starts 2 s later, healthy or not"
                .to_owned(),
        );
    }
    if timeline.lanes.iter().any(|l| l.operator) {
        notes.push(
            "operator syncs (maxUpdate 0, no automated sync) are taken to start as soon as \
             their step or wave is reached"
                .to_owned(),
        );
    }
    if timeline.lanes.iter().any(|l| l.state == State::NeverSynced) {
        notes.push(
            "Applications in no RollingSync step are never synced by the ApplicationSet \
             controller: they need a manual sync"
                .to_owned(),
        );
    }
    notes
}

#[cfg(test)]
mod tests;
