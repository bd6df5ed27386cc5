//! `ladder import` on repository-shaped trees: each folder under `tests/import/` holds a
//! hand-written tree (`tree/`, the spec's name in `name` where no ApplicationSet names
//! it, in `args` arguments for both import and compare, one a line, and in
//! `import-args` those for import alone). The tree is imported, the spec built, and the build compared with the
//! tree: the imported spec (`ladder.yaml`), the report (`ladder-import.txt`) and what
//! compare prints (`compare.stdout`) are held against the folder's files, so the first
//! build of an imported spec is seen to change nothing but what ladder adds on purpose.
//! The same import with `--split` (each component in its own file) builds byte for
//! byte alike.

use crate::support::{assert_file, case_dirs, copy_tree, ladder, read_dir_files};

#[test]
fn imported_trees_build_to_the_same_applications_in_the_same_order() {
    let names = case_dirs("import");
    assert!(names.len() >= 3);
    for case in names {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&case.join("tree"), &dir.path().join("tree"));
        let mut args = vec!["import", "tree", "-o", "spec"];
        let name = std::fs::read_to_string(case.join("name")).unwrap_or_default();
        if !name.trim().is_empty() {
            args.extend(["--name", name.trim()]);
        }
        // Arguments for import and compare both, one a line (`--repository`, `URL=DIR`).
        let extra = std::fs::read_to_string(case.join("args")).unwrap_or_default();
        let extra: Vec<&str> = extra.lines().filter(|l| !l.is_empty()).collect();
        args.extend(&extra);
        // And for import only (`--rendered`).
        let own = std::fs::read_to_string(case.join("import-args")).unwrap_or_default();
        args.extend(own.lines().filter(|l| !l.is_empty()));
        let imported = ladder(dir.path(), &args);
        assert_eq!(
            imported.status.code(),
            Some(0),
            "{}: {}{}",
            case.display(),
            String::from_utf8_lossy(&imported.stdout),
            String::from_utf8_lossy(&imported.stderr)
        );
        let read = |p: &str| std::fs::read_to_string(dir.path().join(p)).unwrap();
        assert_file(&case.join("ladder.yaml"), &read("spec/ladder.yaml"));
        assert_file(
            &case.join("ladder-import.txt"),
            &read("spec/ladder-import.txt"),
        );
        // Never over an existing spec without --force.
        let again = ladder(dir.path(), &args);
        assert_eq!(again.status.code(), Some(2), "{}", case.display());
        let text = crate::compare::build_and_compare(
            dir.path(),
            &case,
            &["build", "-f", "spec", "-o", "built"],
            &extra,
        );
        assert_file(&case.join("compare.stdout"), &text);
        // `--split`: each component in its own file, built byte for byte alike.
        let split = tempfile::tempdir().unwrap();
        copy_tree(&case.join("tree"), &split.path().join("tree"));
        let mut split_args = args.clone();
        split_args.push("--split");
        let imported = ladder(split.path(), &split_args);
        assert_eq!(imported.status.code(), Some(0), "{}", case.display());
        let components = read_dir_files(&split.path().join("spec/components"));
        assert!(!components.is_empty(), "{}", case.display());
        assert!(
            components.keys().all(|k| k.ends_with("/component.yaml")),
            "{components:?}"
        );
        let built = ladder(split.path(), &["build", "-f", "spec", "-o", "built"]);
        assert_eq!(
            built.status.code(),
            Some(0),
            "{}: {}",
            case.display(),
            String::from_utf8_lossy(&built.stderr)
        );
        assert_eq!(
            read_dir_files(&split.path().join("built")),
            read_dir_files(&dir.path().join("built")),
            "{}: the split spec builds otherwise",
            case.display()
        );
    }
}
