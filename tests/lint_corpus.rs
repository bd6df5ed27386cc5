//! `ladder lint` on repository-shaped trees (`tests/lint-corpus/<tree>/`): Helm
//! templates beside plain manifests, kustomize Components, Argo CD's settings in chart
//! values, kustomize patches and generators and the Operator's resource, a remote base,
//! generators over folders, a chart of Applications rendered with helm. Each tree's text
//! report is committed beside it (`<tree>.stdout`, with the exit code on its last line);
//! lint never exits 2 on one, and its SARIF has the structure SARIF 2.1.0 requires.

use crate::lint_formats::check_sarif;
use crate::support::{assert_file, ladder, root};

fn trees() -> Vec<String> {
    let dir = root().join("tests/lint-corpus");
    let mut trees: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    trees.sort();
    assert!(trees.len() >= 6, "{trees:?}");
    trees
}

/// Whether a tree holds a chart that templates Argo CD resources, which lint renders
/// with `helm template`, or kustomizations (`kustomize-*`) lint builds, and the tool is
/// absent: such a tree is skipped (CI has both).
fn skipped_without_helm(tree: &str) -> bool {
    fn charts_with_applications(dir: &std::path::Path) -> bool {
        std::fs::read_dir(dir).unwrap().any(|e| {
            let path = e.unwrap().path();
            if path.is_dir() {
                return charts_with_applications(&path);
            }
            path.parent().is_some_and(|p| p.ends_with("templates"))
                && std::fs::read_to_string(&path).is_ok_and(|t| t.contains("argoproj.io"))
        })
    }
    let dir = root().join("tests/lint-corpus").join(tree);
    charts_with_applications(&dir) && crate::support::helm_template().is_none()
        || tree.starts_with("kustomize-") && crate::support::kustomize().is_none()
}

#[test]
fn every_tree_of_the_corpus_lints_as_committed_and_never_exits_2() {
    let dir = root().join("tests/lint-corpus");
    for tree in trees() {
        if skipped_without_helm(&tree) {
            eprintln!("skipped {tree}: it needs helm or kustomize");
            continue;
        }
        let out = ladder(&dir, &["lint", &tree]);
        let code = out.status.code().expect("an exit code");
        assert!(
            code == 0 || code == 1,
            "{tree}: exit {code}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{tree}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report = format!("{}exit {code}\n", String::from_utf8(out.stdout).unwrap());
        assert_file(&dir.join(format!("{tree}.stdout")), &report);
    }
}

#[test]
fn every_tree_of_the_corpus_has_a_valid_sarif_report_with_the_same_exit_code() {
    let dir = root().join("tests/lint-corpus");
    for tree in trees() {
        if skipped_without_helm(&tree) {
            eprintln!("skipped {tree}: it needs helm or kustomize");
            continue;
        }
        let text = ladder(&dir, &["lint", &tree]);
        let out = ladder(&dir, &["lint", "--format", "sarif", &tree]);
        assert_eq!(out.status.code(), text.status.code(), "{tree}");
        let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        check_sarif(&sarif);
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        let findings = String::from_utf8(text.stdout)
            .unwrap()
            .lines()
            .filter(|l| {
                l.starts_with("error[") || l.starts_with("warning[") || l.starts_with("note[")
            })
            .count();
        assert_eq!(results.len(), findings, "{tree}: one result per finding");
    }
}

/// A repository's own checkout needs no configuration: the git repository the linted
/// path is in is found, and known by its remote's URL (SSH here, HTTPS in the
/// ApplicationSet); its files are what git would commit (`.gitignore`d folders are not).
#[test]
fn git_generators_read_the_checkout_the_linted_path_is_in() {
    let git = |dir: &std::path::Path, args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
    };
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    if git(dir, &["init", "-q"]).is_err() {
        eprintln!("skipped: git is not installed");
        return;
    }
    git(
        dir,
        &[
            "remote",
            "add",
            "origin",
            "git@git.example.com:acme/deploy.git",
        ],
    )
    .unwrap();
    for (path, text) in [
        ("apps/web/kustomization.yaml", "resources: []\n"),
        ("apps/api/kustomization.yaml", "resources: []\n"),
        ("apps/vendor/kustomization.yaml", "resources: []\n"),
        (".gitignore", "apps/vendor/\n"),
        (
            "argocd/apps.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: apps, namespace: argocd}\nspec:\n  goTemplate: true\n  generators:\n    - git:\n        repoURL: https://git.example.com/acme/deploy.git\n        revision: HEAD\n        directories: [{path: 'apps/*'}]\n  strategy:\n    type: RollingSync\n    rollingSync:\n      steps:\n        - matchExpressions: [{key: app, operator: In, values: [api]}]\n  template:\n    metadata:\n      name: '{{.path.basename}}'\n      labels: {app: '{{.path.basename}}'}\n    spec:\n      project: default\n      source: {repoURL: https://git.example.com/acme/deploy.git, targetRevision: HEAD, path: '{{.path.path}}'}\n      destination: {server: https://kubernetes.default.svc, namespace: '{{.path.basename}}'}\n",
        ),
    ] {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    let out = ladder(&dir.join("argocd"), &["lint", "."]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("error[app-in-no-step]: Application `web` of ApplicationSet `apps` (for folder `apps/web`)"),
        "{stdout}"
    );
    assert!(!stdout.contains("`vendor`"), "{stdout}");
    assert!(!stdout.contains("generator-not-evaluated"), "{stdout}");
    assert_eq!(out.status.code(), Some(1), "{stdout}");
}

/// Regression: lint ran `git ls-files` with the linted repository's own config, so a
/// `core.fsmonitor` command in its `.git/config` ran on the linting machine. Also: the
/// checkout is what Argo CD clones (a submodule's folders are there), and a generator
/// that reads another revision than the one checked out is only a note.
#[test]
fn a_linted_checkout_runs_none_of_its_commands_and_is_read_as_argo_cd_clones_it() {
    let git = |dir: &std::path::Path, args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
            .args([
                "-c",
                "protocol.file.allow=always",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .output()
    };
    let scratch = tempfile::tempdir().unwrap();
    let (dir, sub) = (scratch.path().join("deploy"), scratch.path().join("shared"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(sub.join("addons/dns")).unwrap();
    if git(&sub, &["init", "-q"]).is_err() {
        eprintln!("skipped: git is not installed");
        return;
    }
    std::fs::write(sub.join("addons/dns/kustomization.yaml"), "resources: []\n").unwrap();
    git(&sub, &["add", "."]).unwrap();
    git(&sub, &["commit", "-q", "-m", "dns"]).unwrap();
    git(&dir, &["init", "-q"]).unwrap();
    git(
        &dir,
        &[
            "remote",
            "add",
            "origin",
            "https://git.example.com/acme/deploy.git",
        ],
    )
    .unwrap();
    let shared = sub.display().to_string();
    let added = git(&dir, &["submodule", "add", "-q", &shared, "vendor"]).unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let appset = |name: &str, revision: &str, path: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: {name}, namespace: argocd}}\nspec:\n  goTemplate: true\n  generators:\n    - git:\n        repoURL: https://git.example.com/acme/deploy.git\n        revision: {revision}\n        directories: [{{path: '{path}'}}]\n  template:\n    metadata:\n      name: '{{{{.path.basename}}}}'\n    spec:\n      project: default\n      source: {{repoURL: https://git.example.com/acme/deploy.git, targetRevision: {revision}, path: '{{{{.path.path}}}}'}}\n      destination: {{server: https://kubernetes.default.svc, namespace: '{{{{.path.basename}}}}'}}\n---\n"
        )
    };
    let text = appset("vendored", "main", "vendor/addons/*")
        + &appset("pinned", "v1", "old/*")
        + &appset("missing", "HEAD", "gone/*");
    std::fs::write(dir.join("apps.yaml"), text).unwrap();
    git(&dir, &["add", "."]).unwrap();
    git(&dir, &["commit", "-q", "-m", "apps"]).unwrap();
    git(&dir, &["tag", "v1", "HEAD"]).unwrap();
    std::fs::write(dir.join("next.txt"), "after the tag\n").unwrap();
    git(&dir, &["add", "."]).unwrap();
    git(&dir, &["commit", "-q", "-m", "next"]).unwrap();
    let marker = scratch.path().join("fsmonitor-ran");
    let hook = scratch.path().join("hook.sh");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\ntouch '{}'\nexit 1\n", marker.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    git(
        &dir,
        &["config", "core.fsmonitor", &hook.display().to_string()],
    )
    .unwrap();

    let out = ladder(&dir, &["lint", "."]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!marker.exists(), "the checkout's core.fsmonitor ran");
    assert!(!stdout.contains("`vendored`"), "{stdout}");
    assert!(
        stdout.contains("note[generator-empty]: ApplicationSet `pinned`")
            && stdout.contains("not the revision `v1` the generator reads"),
        "{stdout}"
    );
    assert!(
        stdout.contains("warning[generator-empty]: ApplicationSet `missing`"),
        "{stdout}"
    );
}

/// `ladder lint TREE` with nothing on PATH (no helm, kustomize, kubectl or git).
fn lint_without_tools(tree: &str) -> (String, std::process::Output) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ladder"))
        .args(["lint", tree])
        .current_dir(root().join("tests/lint-corpus"))
        .env("PATH", "")
        .output()
        .unwrap();
    (String::from_utf8(out.stdout.clone()).unwrap(), out)
}

/// Without `helm` on PATH a chart that templates Applications is not guessed at: its
/// templates are skipped, each with the reason, and the rest is linted.
#[test]
fn a_chart_of_applications_without_helm_is_skipped_with_the_reason() {
    let (stdout, out) = lint_without_tools("helm-app-of-apps");
    assert!(
        stdout.contains("skipped helm-app-of-apps/charts/platform/templates/applications.yaml: a Helm template, not linted: `helm` is not on PATH"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "charts/platform/Chart.yaml: a Helm chart that makes Argo CD resources, not rendered"
        ),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}");
}

/// Without kustomize or kubectl, a kustomization that changes Argo CD resources says
/// so, and the files it includes are linted as written (here: no finding, where the
/// build has one).
#[test]
fn a_kustomization_without_kustomize_is_linted_as_written_with_the_reason() {
    let (stdout, out) = lint_without_tools("kustomize-overlays");
    assert!(
        stdout.contains("overlays/prod/kustomization.yaml: a kustomization that changes Argo CD resources, not built: neither kustomize nor kubectl is on PATH; 1 file it includes is linted as written"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}");
}
