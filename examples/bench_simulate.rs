//! Times the two parts of `ladder simulate --tree DIR` in one process: reading the
//! tree's YAML (`simulate::read::read_on`, on every core, as the CLI reads it) and simulating the rollout (`simulate::run`),
//! for `bench/simulate.py`.
//!
//! `cargo run --release --example bench_simulate -- DIR [RUNS]`
//!
//! Prints one JSON object: files, bytes, Applications, the simulated total in seconds,
//! and the median wall time of each part over RUNS runs (default 5).

use std::path::{Path, PathBuf};
use std::time::Instant;

use ladder::analyze::model::Version;
use ladder::simulate::{Scenario, read, run};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("a readable folder entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: bench_simulate DIR [RUNS]"));
    let runs: usize = args
        .next()
        .map_or(5, |r| r.parse().expect("RUNS is a number"));
    let mut paths = Vec::new();
    yaml_files(&dir, &mut paths);
    let files: Vec<(String, String)> = paths
        .iter()
        .map(|p| {
            let relative = p.strip_prefix(&dir).expect("below DIR");
            let text = std::fs::read_to_string(p).expect("UTF-8 text");
            (relative.to_string_lossy().into_owned(), text)
        })
        .collect();
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let version = Version { major: 3, minor: 5 };
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let (mut reads, mut sims) = (Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let tree = read::read_on(&files, threads);
        reads.push(t.elapsed().as_secs_f64());
        let scenario = Scenario::for_tree(&tree, version);
        let t = Instant::now();
        let timeline = run(&tree, &scenario);
        sims.push(t.elapsed().as_secs_f64());
        last = Some(timeline);
    }
    let timeline = last.expect("one run");
    println!(
        "{}",
        serde_json::json!({
            "files": files.len(),
            "bytes": bytes,
            "applications": timeline.lanes.len(),
            "simulatedSeconds": timeline.total,
            "readSeconds": median(reads),
            "simulateSeconds": median(sims),
        })
    );
}
