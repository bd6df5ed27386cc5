//! `ladder lint --format sarif|gitlab|json` on a repository-shaped tree: the structure
//! SARIF 2.1.0 requires (checked here field by field, as GitHub code scanning reads it)
//! and GitLab's code quality report, with fingerprints that are unique and do not change
//! when a finding only moves.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value as Json;

use crate::support::{copy_tree, ladder, root};

/// The tree of the CLI case that mixes Argo CD manifests with files lint skips.
/// With a second rule's finding (`empty-step`, a warning) and a second file with the
/// same finding, so rule indexes and fingerprints have more than one to tell apart.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    copy_tree(
        &root().join("tests/cli/lint-repository-one-bad-file-hides-nothing/repo"),
        &repo,
    );
    std::fs::copy(
        root().join("tests/cli/lint-empty-step/appset.yaml"),
        repo.join("argocd/steps.yaml"),
    )
    .unwrap();
    std::fs::copy(
        repo.join("argocd/appsets.yaml"),
        repo.join("argocd/copy.yaml"),
    )
    .unwrap();
    dir
}

fn lint(dir: &Path, format: &str) -> (Option<i32>, Json) {
    let out = ladder(dir, &["lint", "--format", format, "repo"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (out.status.code(), json)
}

/// The structure SARIF 2.1.0 requires, as GitHub code scanning reads it: the version and
/// schema, one run with its driver's rules (id, descriptions, level), results whose
/// `ruleIndex` points at their rule, locations with relative URIs and 1-based regions,
/// and fingerprints unique across the run.
pub(crate) fn check_sarif(sarif: &Json) {
    assert_eq!(sarif["version"], "2.1.0");
    assert!(text(&sarif["$schema"], "$schema").contains("sarif-2.1.0"));
    let runs = sarif["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "ladder");
    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().map(|r| text(&r["id"], "rule id")).collect();
    for r in rules {
        text(&r["shortDescription"]["text"], "shortDescription");
        text(&r["help"]["text"], "help");
        assert!(
            ["error", "warning", "note"]
                .contains(&text(&r["defaultConfiguration"]["level"], "level"))
        );
    }
    let results = run["results"].as_array().expect("results");
    let mut fingerprints = BTreeSet::new();
    for r in results {
        let id = text(&r["ruleId"], "ruleId");
        let index = usize::try_from(r["ruleIndex"].as_u64().expect("ruleIndex")).unwrap();
        assert_eq!(ids[index], id, "ruleIndex points at its rule");
        assert!(["error", "warning", "note", "none"].contains(&text(&r["level"], "level")));
        assert!(!text(&r["message"]["text"], "message").is_empty());
        for l in r["locations"].as_array().expect("locations") {
            let p = &l["physicalLocation"];
            let uri = text(&p["artifactLocation"]["uri"], "uri");
            assert!(
                !uri.starts_with('/') && !uri.contains(' ') && !uri.contains('\\'),
                "{uri}"
            );
            assert!(p["region"]["startLine"].as_u64().unwrap() >= 1);
            assert!(p["region"]["startColumn"].as_u64().unwrap() >= 1);
        }
        for (_, v) in r["partialFingerprints"].as_object().expect("fingerprints") {
            assert!(
                fingerprints.insert(text(v, "fingerprint").to_owned()),
                "unique"
            );
        }
    }
    assert!(run["invocations"][0]["executionSuccessful"].is_boolean());
}

fn text<'a>(v: &'a Json, what: &str) -> &'a str {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"))
}

#[test]
fn sarif_output_has_the_structure_sarif_2_1_0_requires() {
    let dir = tree();
    let (code, sarif) = lint(dir.path(), "sarif");
    assert_eq!(code, Some(1), "the same exit code as text");
    check_sarif(&sarif);
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().expect("results");
    assert!(results.len() >= 3, "{results:?}");
    assert!(
        run["tool"]["driver"]["rules"].as_array().unwrap().len() >= 2,
        "two rules"
    );
    // The skipped files, as notifications of the run.
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 6, "{notes:?}");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn gitlab_output_is_a_code_quality_report() {
    let dir = tree();
    let (code, report) = lint(dir.path(), "gitlab");
    assert_eq!(code, Some(1));
    let issues = report.as_array().expect("an array");
    assert!(!issues.is_empty());
    let mut fingerprints = BTreeSet::new();
    for i in issues {
        text(&i["description"], "description");
        text(&i["check_name"], "check_name");
        assert!(fingerprints.insert(text(&i["fingerprint"], "fingerprint").to_owned()));
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&text(&i["severity"], "severity"))
        );
        assert!(text(&i["location"]["path"], "path").starts_with("repo/"));
        assert!(i["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
    }
}

/// A finding that only moves (lines added above it) keeps its fingerprint.
#[test]
fn fingerprints_do_not_change_when_a_finding_only_moves() {
    let dir = tree();
    let (_, before) = lint(dir.path(), "json");
    // Two lines above it, and its value further right.
    let file = dir.path().join("repo/argocd/appsets.yaml");
    let text_before = std::fs::read_to_string(&file).unwrap();
    let moved = text_before.replacen("sync-wave: \"0\"", "sync-wave:    \"0\"", 1);
    assert_ne!(moved, text_before);
    std::fs::write(&file, format!("# a comment\n# and another\n{moved}")).unwrap();
    let (_, after) = lint(dir.path(), "json");
    let prints = |v: &Json| -> Vec<(String, u64)> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["fingerprint"].as_str().unwrap().to_owned(),
                    f["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let (b, a) = (prints(&before), prints(&after));
    assert_eq!(b.len(), a.len());
    let unique: BTreeSet<&String> = b.iter().map(|(f, _)| f).collect();
    assert_eq!(unique.len(), b.len(), "fingerprints are unique");
    let moved_file = |v: &Json, i: usize| v["findings"][i]["file"] == "repo/argocd/appsets.yaml";
    for (i, ((fb, lb), (fa, la))) in b.iter().zip(&a).enumerate() {
        assert_eq!(fb, fa, "finding {i} kept its fingerprint");
        if moved_file(&before, i) {
            assert_eq!(lb + 2, *la);
        }
    }
    assert_eq!(before["skipped"].as_array().unwrap().len(), 6);
}

/// Input lint cannot read still gives the upload step a valid SARIF log (and GitLab an
/// empty report), with exit 2.
#[test]
fn unreadable_input_still_prints_a_valid_report() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.yaml"), "a: [\n").unwrap();
    let out = ladder(dir.path(), &["lint", "--format", "sarif", "bad.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let sarif: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
    let out = ladder(dir.path(), &["lint", "--format", "gitlab", "bad.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[]\n");
}
