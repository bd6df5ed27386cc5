//! The simulator as the proof of ladder's output: random ladders (the three layouts,
//! `dependsOn` and `after` edges, smokes, a partly disabled `prod`) compiled for both
//! strategies and both topologies, and their manifests replayed under Argo CD's rules
//! (`ladder::simulate`). No Application starts before everything it waits for is
//! healthy, in every environment; a failure blocks everything that waits for it,
//! directly or through the steps, and leaves the other environments of an independent
//! topology exactly as they were; the total is never below the critical path.

use std::collections::BTreeMap;

use ladder::simulate::{Outcome, Scenario, State, Timeline, simulate};
use proptest::prelude::*;

use crate::properties::{Ladder, ladder_strategy, ladder_text};

const STRATEGIES: [&str; 2] = ["rollingSync", "appOfApps"];
const TOPOLOGIES: [&str; 2] = ["sequential", "independent"];

/// The ladder's spec with a strategy, a topology and a duration per component.
fn spec(l: &Ladder, strategy: &str, topology: &str, durations: &[u64]) -> String {
    let mut text = ladder_text(l, &(0..l.n).collect::<Vec<_>>()).replace(
        "rollout:\n",
        &format!("rollout:\n  strategy: {strategy}\n  environments: {topology}\n"),
    );
    for (i, name) in l.names.iter().enumerate() {
        text = text.replace(
            &format!("  - name: {name}\n"),
            &format!("  - name: {name}\n    duration: {}s\n", durations[i]),
        );
    }
    text
}

fn files(compiled: &ladder::Compilation) -> Vec<(String, String)> {
    compiled
        .files
        .iter()
        .map(|(p, b)| (p.clone(), String::from_utf8(b.clone()).unwrap()))
        .collect()
}

/// Each lane's state by (component, environment).
fn states(timeline: &Timeline) -> BTreeMap<(String, String), State> {
    timeline
        .lanes
        .iter()
        .filter_map(|l| Some(((l.component.clone()?, l.env.clone()?), l.state)))
        .collect()
}

/// Everything that waits for component `x`, directly or not, and `x`.
fn dependents_of(l: &Ladder, x: usize) -> Vec<bool> {
    let mut hit = vec![false; l.n];
    hit[x] = true;
    // Edges go from a higher index to a lower one, so one pass in index order suffices.
    for i in 0..l.n {
        if l.edges.iter().any(|&(a, b, _)| a == i && hit[b]) {
            hit[i] = true;
        }
    }
    hit
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn no_application_starts_before_what_it_waits_for_is_healthy(
        l in ladder_strategy(),
        durations in proptest::collection::vec(1u64..600, 80),
        fail in any::<proptest::sample::Index>(),
    ) {
        for strategy in STRATEGIES {
            for topology in TOPOLOGIES {
                let text = spec(&l, strategy, topology, &durations);
                let compiled = ladder::Request::new("p.yaml", text.as_bytes())
                    .spec_ref("x")
                    .compile()
                    .map_err(|d| TestCaseError::fail(format!("{d:?}\n{text}")))?;
                let model = &compiled.model;
                let tree = files(&compiled);
                let scenario = Scenario::for_model(model);
                let timeline = simulate(&tree, &scenario);
                let all = states(&timeline);
                let envs = ["dev", "prod"];
                let name = |i: usize, e: usize| (l.names[i].clone(), envs[e].to_owned());
                let enabled = |i: usize, e: usize| e == 0 || !l.off_in_prod[i];
                let at = |i: usize, e: usize| all.get(&name(i, e)).copied();
                // Every Application syncs and turns healthy; none is in no step.
                for e in 0..2 {
                    for i in (0..l.n).filter(|&i| enabled(i, e)) {
                        let state = at(i, e);
                        let healthy = matches!(state, Some(State::Healthy { .. }));
                        prop_assert!(healthy, "{strategy}/{topology}: {:?} is {state:?}", name(i, e));
                    }
                }
                for e in 0..2 {
                    for &(a, b, _) in &l.edges {
                        if !enabled(a, e) || !enabled(b, e) {
                            continue;
                        }
                        let start = at(a, e).and_then(State::start).unwrap();
                        let healthy = at(b, e).and_then(State::end).unwrap();
                        prop_assert!(start >= healthy,
                            "{strategy}/{topology}: {:?} starts at {start}, before {:?} is healthy at {healthy}",
                            name(a, e), name(b, e));
                    }
                }
                // The critical path (the longest chain of durations) is a lower bound.
                let mut chain = vec![0u64; l.n];
                let mut bound = 0;
                for e in 0..2 {
                    for i in (0..l.n).filter(|&i| enabled(i, e)) {
                        chain[i] = durations[i] + l.edges.iter()
                            .filter(|x| x.0 == i && enabled(x.1, e))
                            .map(|x| chain[x.1])
                            .max()
                            .unwrap_or(0);
                        bound = bound.max(chain[i]);
                    }
                }
                prop_assert!(timeline.total >= bound, "total {} below the critical path {bound}", timeline.total);

                // One component fails in dev.
                let x = fail.index(l.n);
                let mut failing = scenario.clone();
                let c = model.components.binary_search_by(|c| c.name.as_str().cmp(&l.names[x])).unwrap();
                failing.update(model, c, Some(0), |f| f.outcome = Outcome::Fails);
                let failed = states(&simulate(&tree, &failing));
                let waits = dependents_of(&l, x);
                let state = |i: usize, e: usize| failed.get(&name(i, e)).copied();
                let x_failed = matches!(state(x, 0), Some(State::Failed { .. }));
                prop_assert!(x_failed);
                for i in (0..l.n).filter(|&i| waits[i] && i != x) {
                    let blocked = matches!(state(i, 0), Some(State::Blocked { .. }));
                    prop_assert!(blocked,
                        "{strategy}/{topology}: {}-dev waits for the failed {}-dev but is {:?}",
                        l.names[i], l.names[x], state(i, 0));
                }
                for i in (0..l.n).filter(|&i| enabled(i, 1)) {
                    if topology == "independent" {
                        prop_assert_eq!(state(i, 1), at(i, 1), "prod is affected by a failure in dev");
                    } else {
                        let blocked = matches!(state(i, 1), Some(State::Blocked { .. }));
                        prop_assert!(blocked,
                            "{}-prod starts after a failure in dev", l.names[i]);
                    }
                }
            }
        }
    }
}
