//! The ApplicationSet's size as etcd stores it: `ladder plan`'s estimate agrees with what
//! `ladder build` measures, and a build whose ApplicationSet etcd could not store once
//! Argo CD writes its status fails with the size, the limit and the fix, writing nothing.

use std::fmt::Write as _;
use std::path::Path;

use ladder::emit::size::{Measured, json_bytes};
use ladder::plan::size::{TOLERANCE_BYTES, TOLERANCE_PERCENT};

use crate::support::{ladder, root};

/// A fleet of `n` components: every third multi-source (a chart plus a values
/// repository), labels on some, and with `envs` environments (dev auto, the others
/// manual, one with sync options).
fn fleet_spec(n: usize, envs: &[&str], extra: &str) -> String {
    let mut spec = format!(
        "name: fleet\n{extra}defaults:\n  source: {{repoURL: https://git.example.com/platform/fleet.git, targetRevision: main}}\n  namespace: \"{{{{ env }}}}-apps\"\noutput: {{path: out}}\nenvironments:\n"
    );
    for (i, env) in envs.iter().enumerate() {
        let _ = match i {
            0 => writeln!(spec, "  - name: {env}"),
            1 => writeln!(
                spec,
                "  - {{name: {env}, sync: manual, syncOptions: {{CreateNamespace: true}}}}"
            ),
            _ => writeln!(spec, "  - {{name: {env}, sync: manual}}"),
        };
    }
    spec.push_str("components:\n");
    for i in 0..n {
        let _ = writeln!(spec, "  - name: svc-{i:05}");
        if i > 0 {
            let _ = writeln!(spec, "    dependsOn: [svc-{:05}]", i / 2);
        }
        if i % 3 == 0 {
            let _ = writeln!(
                spec,
                "    sources:\n      - {{repoURL: https://charts.example.com, chart: svc, targetRevision: 1.2.{i}, helm: {{valueFiles: [\"$values/svc-{i:05}/{{{{ env }}}}.yaml\"]}}}}\n      - {{ref: values}}"
            );
        } else {
            let _ = writeln!(
                spec,
                "    source: {{path: \"svc-{i:05}/overlays/{{{{ env }}}}\"}}"
            );
        }
        if i % 5 == 0 {
            let _ = writeln!(spec, "    labels: {{team: team-{}}}", i % 7);
        }
    }
    spec
}

/// Checks that every ApplicationSet's estimated spec size is within the tolerance of the
/// size measured on the rendered file; returns the largest difference seen.
fn assert_estimates_agree(what: &str, display: &str, bytes: &[u8], inputs: &ladder::Inputs) -> u64 {
    let request = ladder::Request::new(display, bytes).inputs(inputs);
    let planned = request
        .plan()
        .unwrap_or_else(|d| panic!("{what}: {}", ladder::diagnostic::render(&d, None)));
    let estimates = ladder::plan::size::estimate(&planned.model, &planned.plan);
    let model = planned.model.clone();
    let plan = planned.plan.clone();
    let files = request
        .render(planned)
        .unwrap_or_else(|d| panic!("{what}: {}", ladder::diagnostic::render(&d, None)))
        .files;
    let mut worst = 0;
    for estimate in &estimates {
        let text = String::from_utf8(files[&estimate.file].clone()).unwrap();
        let Ok(Measured::Exact(measured)) = json_bytes(&text, u64::MAX) else {
            panic!("{what}: {} not measured", estimate.file);
        };
        let diff = estimate.spec.abs_diff(measured);
        let allowed = TOLERANCE_BYTES + measured * TOLERANCE_PERCENT / 100;
        assert!(
            diff <= allowed,
            "{what} {}: plan estimates {} bytes of spec, the build measures {measured} (difference {diff}, allowed {allowed})",
            estimate.file,
            estimate.spec
        );
        // The status is the same figure on both sides.
        assert_eq!(
            estimate.status,
            ladder::plan::size::status_bytes(&model, &plan, &estimate.envs)
        );
        worst = worst.max(diff);
    }
    worst
}

#[test]
fn plan_estimate_agrees_with_the_built_size_on_every_example() {
    let mut specs: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["examples", "tests/golden"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let spec = entry.unwrap().path().join("ladder.yaml");
            if spec.is_file() {
                specs.push(spec);
            }
        }
    }
    specs.sort();
    assert!(specs.len() > 10);
    for spec in specs {
        let bytes = std::fs::read(&spec).unwrap();
        let inputs = crate::support::inputs(&spec, &bytes);
        let what = spec.strip_prefix(root()).unwrap().display().to_string();
        let worst = assert_estimates_agree(&what, &what, &bytes, &inputs);
        eprintln!("{what}: estimate within {worst} bytes");
    }
}

#[test]
fn plan_estimate_agrees_with_the_built_size_on_a_large_fleet() {
    // 700 components in three independent environments: about 1 MiB each, under the limit.
    let spec = fleet_spec(
        700,
        &["dev", "staging", "prod"],
        "rollout: {environments: independent}\n",
    );
    let worst = assert_estimates_agree(
        "a 700-component fleet",
        "fleet.yaml",
        spec.as_bytes(),
        &ladder::Inputs::default(),
    );
    eprintln!("fleet: estimate within {worst} bytes");
}

fn build(dir: &Path, spec: &str) -> (Option<i32>, String) {
    std::fs::write(dir.join("ladder.yaml"), spec).unwrap();
    let out = ladder(dir, &["build"]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_application_set_etcd_cannot_store_is_an_error_and_nothing_is_written() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    // Three environments of 700 components in one ApplicationSet: 2,100 Applications.
    let (status, stderr) = build(dir, &fleet_spec(700, &["dev", "staging", "prod"], ""));
    assert_eq!(status, Some(2), "{stderr}");
    assert!(
        stderr.contains("error: the ApplicationSet `fleet` (applicationset.yaml) would take about")
            && stderr.contains("over etcd's default limit of 1,572,864 bytes (1.5 MiB)")
            && stderr.contains("of status for 2,100 Applications)")
            && stderr.contains("the whole rollout would stop")
            && stderr.contains("--> ladder.yaml:")
            && stderr.contains("= help: set `rollout.environments: independent`"),
        "{stderr}"
    );
    assert!(!dir.join("out").exists(), "a refused build wrote files");
    // `ladder plan` says so too, before anything is rendered.
    let plan = ladder(dir, &["plan"]);
    let stdout = String::from_utf8_lossy(&plan.stdout);
    assert!(
        stdout.contains("ApplicationSet `fleet` stored size ≈ 1.68 MiB of 1.5 MiB (112%)")
            && stdout.contains("over etcd's limit, so `ladder build` refuses it"),
        "{stdout}"
    );

    // One environment of 2,100 components: independent environments do not help.
    let (status, stderr) = build(dir, &fleet_spec(2100, &["dev"], ""));
    assert_eq!(status, Some(2), "{stderr}");
    assert!(
        stderr.contains("= help: split the components over several specs"),
        "{stderr}"
    );
    assert!(!dir.join("out").exists(), "a refused build wrote files");

    // The same 2,100 Applications as three ApplicationSets fit.
    let (status, stderr) = build(
        dir,
        &fleet_spec(
            700,
            &["dev", "staging", "prod"],
            "rollout: {environments: independent}\n",
        ),
    );
    assert_eq!(status, Some(0), "{stderr}");
}

/// The status the controller writes per Application, by Argo CD version.
#[test]
fn status_grows_with_the_version_as_the_controller_writes_more() {
    let spec = fleet_spec(500, &["dev"], "");
    let mut totals = Vec::new();
    for version in ["2.10", "2.12", "3.5"] {
        let spec = spec.replace(
            "name: fleet\n",
            &format!("name: fleet\nargocd: {{version: \"{version}\"}}\n"),
        );
        let planned = ladder::Request::new("fleet.yaml", spec.as_bytes())
            .plan()
            .unwrap();
        let sizes = ladder::plan::size::estimate(&planned.model, &planned.plan);
        let per_app = (sizes[0].status - ladder::plan::size::FIXED_STATUS_BYTES) / 500;
        eprintln!("{version}: {per_app} bytes of status per Application");
        totals.push(per_app);
    }
    // Before 2.12 only applicationStatus (about 210 bytes); from 2.12 targetRevisions and
    // status.resources too (about 300 + 170).
    assert!((190..=240).contains(&totals[0]), "{totals:?}");
    assert!((420..=520).contains(&totals[1]), "{totals:?}");
    assert!(totals[2] < totals[1], "3.3+ messages are a byte shorter");
}
