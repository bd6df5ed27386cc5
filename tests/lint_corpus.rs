//! `ladder lint` on repository-shaped trees (`tests/lint-corpus/<tree>/`): Helm
//! templates beside plain manifests, kustomize Components, Argo CD's settings in chart
//! values, kustomize patches and generators and the Operator's resource, a remote base,
//! generators over folders. Each tree's text report is committed beside it
//! (`<tree>.stdout`, with the exit code on its last line); lint never exits 2 on one,
//! and its SARIF has the structure SARIF 2.1.0 requires.

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

#[test]
fn every_tree_of_the_corpus_lints_as_committed_and_never_exits_2() {
    let dir = root().join("tests/lint-corpus");
    for tree in trees() {
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
