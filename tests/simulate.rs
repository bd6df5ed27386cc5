//! The simulator as the proof of ladder's output: random ladders (the three layouts,
//! `dependsOn` and `after` edges, smokes, a partly disabled `prod`) compiled for both
//! strategies and both topologies, and their manifests replayed under Argo CD's rules
//! (`ladder::simulate`). No Application starts before everything it waits for is
//! healthy, in every environment; a failure blocks everything that waits for it,
//! directly or through the steps, and leaves the other environments of an independent
//! topology exactly as they were; the total is never below the critical path. And the
//! timelines of the examples, committed as text and SVG, with the SVG rendered by
//! Chromium where it is installed.

use std::collections::BTreeMap;

use ladder::simulate::{Outcome, Scenario, State, Timeline, simulate};
use proptest::prelude::*;

use crate::properties::{Ladder, ladder_strategy, ladder_text};
use crate::support::{assert_file, ladder, root};

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

/// The timelines committed under `docs/timelines/`: every example's full rollout, as
/// text and SVG, and the failure the README shows.
fn timelines() -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = crate::golden::examples()
        .into_iter()
        .map(|name| {
            let spec = format!("examples/{name}/ladder.yaml");
            (name, vec!["-f".to_owned(), spec])
        })
        .collect();
    out.push((
        "dlt-network-shared-services-fails-in-preprod".to_owned(),
        [
            "-f",
            "examples/dlt-network/ladder.yaml",
            "--fail",
            "shared-services@preprod",
        ]
        .map(str::to_owned)
        .to_vec(),
    ));
    out
}

fn simulate_cli(args: &[String], format: &str) -> String {
    let mut argv: Vec<&str> = vec!["simulate", "--format", format];
    argv.extend(args.iter().map(String::as_str));
    let output = ladder(&root(), &argv);
    assert!(
        output.status.success(),
        "ladder {argv:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The SVG is well-formed XML with a lane (`<g>` with a `<title>`) per changed
/// Application the text shows, and its size in its attributes.
fn check_svg(name: &str, svg: &str, text: &str) -> (u32, u32) {
    let doc = roxmltree::Document::parse(svg)
        .unwrap_or_else(|e| panic!("{name}.svg is not well-formed: {e}"));
    let root_svg = doc.root_element();
    assert_eq!(root_svg.tag_name().name(), "svg");
    let size = |a: &str| {
        root_svg
            .attribute(a)
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap()
    };
    let lanes = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("g")
                && n.first_element_child()
                    .is_some_and(|c| c.has_tag_name("title"))
        })
        .count();
    let text_lanes = text
        .lines()
        .filter(|l| l.starts_with("    ") && l.contains('|'))
        .count();
    assert_eq!(
        lanes, text_lanes,
        "{name}: the SVG and the text show different Applications"
    );
    (size("width"), size("height"))
}

#[test]
fn timelines_of_the_examples_match_the_committed_ones() {
    for (name, args) in timelines() {
        let text = simulate_cli(&args, "text");
        let svg = simulate_cli(&args, "svg");
        check_svg(&name, &svg, &text);
        assert_file(&root().join(format!("docs/timelines/{name}.txt")), &text);
        assert_file(&root().join(format!("docs/timelines/{name}.svg")), &svg);
        let html = simulate_cli(&args, "html");
        assert!(
            html.starts_with("<!DOCTYPE html>") && html.contains(&svg),
            "{name}: the page holds the chart"
        );
    }
}

/// Regression guard for the picture in the README: the failure's chart renders in a
/// browser, at its size, with the failed bar red, automated syncs green, operator syncs
/// blue and the blocked lanes hatched.
#[test]
fn the_svg_timeline_renders_in_chromium() {
    let Some(mut chromium) = crate::support::chromium() else {
        return;
    };
    let (name, args) = timelines().pop().unwrap();
    let text = simulate_cli(&args, "text");
    let svg = simulate_cli(&args, "svg");
    let (width, height) = check_svg(&name, &svg, &text);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("timeline.svg");
    std::fs::write(&file, &svg).unwrap();
    let png = dir.path().join("timeline.png");
    let output = chromium
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("file://{}", file.display()))
        .output()
        .unwrap();
    assert!(
        png.is_file(),
        "chromium wrote no screenshot: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (width, height));
    let channels = info.line_size / info.width as usize;
    let count = |rgb: [u8; 3]| {
        pixels[..info.buffer_size()]
            .chunks(channels)
            .filter(|p| p[..3].iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= 8))
            .count()
    };
    // The colours of svg.rs's style: a bar is at least 2 × 12 px.
    for (what, rgb) in [
        ("a failed bar", [0xcf, 0x22, 0x2e]),
        ("an automated sync", [0x2d, 0xa4, 0x4e]),
        ("an operator sync", [0x09, 0x69, 0xda]),
        ("a blocked lane's hatching", [0xff, 0x81, 0x82]),
    ] {
        assert!(count(rgb) >= 24, "{name}: no {what} in the screenshot");
    }
}
