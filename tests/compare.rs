//! `ladder compare` on hand-written trees and the output of a spec that reproduces
//! them: each folder under `tests/compare/` holds a hand-written tree (`tree/`) and a
//! spec (`ladder.yaml`); the spec is built and compared with the tree, and what compare
//! prints (with its exit code) is held against the folder's `compare.stdout`.

use std::fmt::Write as _;
use std::path::Path;

use crate::support::{assert_file, case_dirs, copy_tree, ladder};

#[test]
fn hand_written_trees_compare_with_the_specs_that_reproduce_them() {
    let names = case_dirs("compare");
    assert!(!names.is_empty());
    for case in names {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&case, dir.path());
        let text = build_and_compare(dir.path(), &case, &["build", "-o", "built"], &[]);
        assert_file(&case.join("compare.stdout"), &text);
    }
}

/// Builds the spec in `dir` with `build` (the arguments of `ladder build`) into `built`,
/// and what `ladder compare tree built` (with `extra` arguments) prints, with its exit
/// code.
pub(crate) fn build_and_compare(dir: &Path, case: &Path, build: &[&str], extra: &[&str]) -> String {
    let built = ladder(dir, build);
    assert_eq!(
        built.status.code(),
        Some(0),
        "{}: {}",
        case.display(),
        String::from_utf8_lossy(&built.stderr)
    );
    let mut args = vec!["compare", "tree", "built"];
    args.extend(extra);
    let out = ladder(dir, &args);
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    writeln!(text, "exit {}", out.status.code().unwrap_or(-1)).unwrap();
    text
}
