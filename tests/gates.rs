//! Gates that run before every rollout, checked with the engines Argo CD renders with.
//!
//! RollingSync syncs only Applications that are OutOfSync, and an Application is
//! OutOfSync only when what its source renders differs from the cluster: a change to the
//! Application's spec alone is not enough. So this test renders a gate's source the way
//! Argo CD's repo-server does, with real kustomize and Helm, from the Applications
//! `ladder build` emits for `tests/golden/gate-digest`, before and after a change to
//! another component of one environment, and checks the gate's manifests change there
//! (and only there).
//!
//! - kustomize: Argo CD runs `kustomize edit add annotation key:value` for the source's
//!   `kustomize.commonAnnotations`, then `kustomize build` (v3.5.1
//!   `util/kustomize/kustomize.go:247-268`). With a standalone kustomize this test runs
//!   that command; with only kubectl it writes the same `commonAnnotations` entry into the
//!   copy of the kustomization, which is what the command does.
//! - Helm: Argo CD passes a parameter with `forceString` as `--set-string name=value`,
//!   others as `--set` (v3.5.1 `util/helm/cmd.go:444-449`).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::root;

const SPEC: &str = "tests/golden/gate-digest/ladder.yaml";

/// The emitted Application `app`, after the dev version file's web tag is set to `tag`.
fn application(tag: &str, app: &str) -> Value {
    let path = root().join(SPEC);
    let bytes = std::fs::read(&path).unwrap();
    let mut inputs = crate::support::inputs(&path, &bytes);
    let dev = inputs.files.get_mut("versions/dev.yaml").unwrap();
    assert!(dev.contains("\"1.5.0\""));
    *dev = dev.replace("\"1.5.0\"", &format!("\"{tag}\""));
    let files = ladder::Request::new("ladder.yaml", &bytes)
        .inputs(&inputs)
        .compile()
        .unwrap()
        .files;
    let text = std::str::from_utf8(&files[&format!("apps/{app}.yaml")]).unwrap();
    serde_saphyr::from_str(text).unwrap()
}

fn run(mut command: Command) -> String {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

/// What Argo CD renders for the `backup` gate's kustomization source.
fn render_kustomization(mut build: Command, source: &Value) -> String {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("tests/gates/backup"), dir.path());
    let annotations = source["kustomize"]["commonAnnotations"]
        .as_object()
        .expect("the gate's source has kustomize.commonAnnotations");
    let standalone = Command::new("kustomize")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if standalone {
        let mut edit = Command::new("kustomize");
        edit.current_dir(dir.path())
            .args(["edit", "add", "annotation"]);
        for (key, value) in annotations {
            edit.arg(format!("{key}:{}", value.as_str().unwrap()));
        }
        run(edit);
    } else {
        let file = dir.path().join("kustomization.yaml");
        let mut text = std::fs::read_to_string(&file).unwrap();
        text.push_str("commonAnnotations:\n");
        for (key, value) in annotations {
            let _ = writeln!(text, "  {key}: {value}");
        }
        std::fs::write(&file, text).unwrap();
    }
    build.arg(dir.path());
    run(build)
}

/// What Argo CD renders for the `snapshot` gate's chart source.
fn render_chart(mut template: Command, source: &Value) -> String {
    template
        .arg("snapshot")
        .arg(root().join("tests/gates/volume-snapshot"));
    for p in source["helm"]["parameters"].as_array().unwrap() {
        let flag = if p["forceString"] == Value::Bool(true) {
            "--set-string"
        } else {
            "--set"
        };
        let (name, value) = (p["name"].as_str().unwrap(), p["value"].as_str().unwrap());
        template.arg(flag).arg(format!("{name}={value}"));
    }
    run(template)
}

#[test]
fn a_kustomize_gate_renders_differently_when_its_environment_changes() {
    let Some(_) = crate::support::kustomize() else {
        return;
    };
    let render = |tag: &str, app: &str| {
        let source = &application(tag, app)["spec"]["source"];
        let text = render_kustomization(crate::support::kustomize().unwrap(), source);
        let digest = source["kustomize"]["commonAnnotations"]["ladder.dev/rollout-digest"]
            .as_str()
            .unwrap()
            .to_owned();
        (text, digest)
    };
    let (before, digest) = render("1.5.0", "backup-dev");
    let (after, _) = render("1.6.0", "backup-dev");
    assert_ne!(before, after, "web's new tag leaves dev's backup Synced");
    // The PreSync Job itself carries the digest, so the hook's own manifest changes.
    assert!(before.contains("kind: Job"));
    assert!(before.contains(&format!("ladder.dev/rollout-digest: {digest}")));
    // The same spec renders the same gate, and another environment is untouched.
    assert_eq!(before, render("1.5.0", "backup-dev").0);
    assert_eq!(
        render("1.5.0", "backup-prod").0,
        render("1.6.0", "backup-prod").0
    );
}

#[test]
fn a_helm_gate_renders_differently_when_its_environment_changes() {
    let Some(_) = crate::support::helm_template() else {
        return;
    };
    let render = |tag: &str, app: &str| {
        let source = &application(tag, app)["spec"]["source"];
        render_chart(crate::support::helm_template().unwrap(), source)
    };
    let before = render("1.5.0", "snapshot-dev");
    let after = render("1.6.0", "snapshot-dev");
    assert_ne!(before, after, "web's new tag leaves dev's snapshot Synced");
    let digest =
        application("1.5.0", "snapshot-dev")["spec"]["source"]["helm"]["parameters"][0]["value"]
            .as_str()
            .unwrap()
            .to_owned();
    assert!(before.contains(&format!("ladder.dev/rollout-digest: \"{digest}\"")));
    assert_eq!(before, render("1.5.0", "snapshot-dev"));
    assert_eq!(
        render("1.5.0", "snapshot-prod"),
        render("1.6.0", "snapshot-prod")
    );
}
