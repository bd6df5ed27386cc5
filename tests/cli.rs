//! Data-driven CLI tests. Each folder under `tests/cli/` is one case:
//!
//! - `cmd`: the arguments, one line, split on spaces (`ladder` is implied); `{root}` is
//!   the checkout, `{crds}` the official Argo CD CRDs (a case that names them is skipped,
//!   with a reason, where they are absent: `support::crds_dir`);
//! - any other input files (e.g. `ladder.yaml`), copied into a scratch folder that is
//!   the working directory;
//! - `stdin` (optional): what the command reads on standard input (else nothing);
//! - `stdout`, `stderr`, `status`: what the command must print and exit with.
//!
//! A case that exits non-zero must leave the scratch folder exactly as it was: a failed
//! command writes nothing. `LADDER_BLESS=1 cargo test` rewrites the expected files.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{assert_file, read_dir_files, root};

const EXPECTED: [&str; 5] = ["cmd", "stdin", "stdout", "stderr", "status"];

fn copy_inputs(from: &Path, to: &Path) {
    for (rel, bytes) in read_dir_files(from) {
        if EXPECTED.contains(&rel.as_str()) {
            continue;
        }
        let path = to.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

fn run_case(case: &Path) {
    let cmd = std::fs::read_to_string(case.join("cmd")).unwrap();
    let crds = if cmd.contains("{crds}") {
        let Some(dir) = crate::support::crds_dir(None) else {
            eprintln!("skipped case {}", case.display());
            return;
        };
        dir.to_string_lossy().into_owned()
    } else {
        String::new()
    };
    let args: Vec<String> = cmd
        .split_whitespace()
        .map(|a| {
            a.replace("{root}", root().to_str().unwrap())
                .replace("{crds}", &crds)
        })
        .collect();
    let scratch = tempfile::tempdir().unwrap();
    copy_inputs(case, scratch.path());
    let before = read_dir_files(scratch.path());
    let stdin = std::fs::read(case.join("stdin")).unwrap_or_default();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ladder"))
        .args(&args)
        .current_dir(scratch.path())
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Written from a thread, so a command that prints before reading all of it cannot
    // deadlock the test.
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&stdin);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let status = output.status.code().unwrap_or(-1);
    let name = case.file_name().unwrap().to_string_lossy();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let root_text = root().to_string_lossy().into_owned();
    let placeholders = |text: &str| {
        let text = if crds.is_empty() {
            text.to_owned()
        } else {
            text.replace(&crds, "{crds}")
        };
        text.replace(&root_text, "{root}")
    };
    assert_file(&case.join("stdout"), &placeholders(&stdout));
    assert_file(&case.join("stderr"), &placeholders(&stderr));
    assert_file(&case.join("status"), &format!("{status}\n"));
    if status != 0 {
        assert_eq!(
            before,
            read_dir_files(scratch.path()),
            "case {name}: a command that failed changed files"
        );
    }
}

#[test]
fn cli_cases() {
    let mut cases: Vec<_> = std::fs::read_dir(root().join("tests/cli"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("cmd").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in &cases {
        let result = std::panic::catch_unwind(|| run_case(case));
        if let Err(e) = result {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failures.push(format!("--- {}:\n{msg}", case.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} CLI cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Every lint rule is triggered by at least one CLI case, and every rule a case prints
/// is in the rule table (so `--list-rules` documents it).
#[test]
fn every_lint_rule_has_a_case_and_every_finding_a_rule() {
    let mut seen = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(root().join("tests/cli")).unwrap() {
        let Ok(stdout) = std::fs::read_to_string(entry.unwrap().path().join("stdout")) else {
            continue;
        };
        for line in stdout.lines() {
            let Some((heading, _)) = line.split_once("]: ") else {
                continue;
            };
            let Some((severity, rule)) = heading.split_once('[') else {
                continue;
            };
            if ["error", "warning", "note"].contains(&severity) {
                assert!(
                    ladder::lint::rules::rule(rule).is_some(),
                    "`{rule}` is printed but not in the rule table"
                );
                seen.insert(rule.to_owned());
            }
        }
    }
    let missing: Vec<&str> = ladder::lint::rules::RULES
        .iter()
        .map(|r| r.name)
        .filter(|n| !seen.contains(*n))
        .collect();
    assert!(
        missing.is_empty(),
        "rules no CLI case triggers: {missing:?}"
    );
}
