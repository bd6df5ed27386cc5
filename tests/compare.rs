//! `ladder compare` on hand-written trees and the output of a spec that reproduces
//! them: each folder under `tests/compare/` holds a hand-written tree (`tree/`) and a
//! spec (`ladder.yaml`); the spec is built and compared with the tree, and what compare
//! prints (with its exit code) is held against the folder's `compare.stdout`.

use std::fmt::Write as _;

use crate::support::{assert_file, copy_tree, ladder, root};

#[test]
fn hand_written_trees_compare_with_the_specs_that_reproduce_them() {
    let cases = root().join("tests/compare");
    let mut names: Vec<_> = std::fs::read_dir(&cases)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for case in names {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&case, dir.path());
        let built = ladder(dir.path(), &["build", "-o", "built"]);
        assert_eq!(
            built.status.code(),
            Some(0),
            "{}: {}",
            case.display(),
            String::from_utf8_lossy(&built.stderr)
        );
        let out = ladder(dir.path(), &["compare", "tree", "built"]);
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        writeln!(text, "exit {}", out.status.code().unwrap_or(-1)).unwrap();
        assert_file(&case.join("compare.stdout"), &text);
    }
}
