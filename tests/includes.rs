//! Components in their own files (`include`): every example split into one file per
//! component builds byte for byte what the one-file spec builds, whatever the files'
//! order, and `ladder diff --base` reads the component files as they were at the base.

use std::path::Path;

use crate::support::{copy_tree, git, ladder, root};

/// The example's spec with its `components` moved into `team-components/<n>/component.yaml`
/// (each a list of one component, as written), numbered so that the files' order is the
/// reverse of the spec's; the spec gets `include` in their place.
fn split(spec: &str) -> (String, Vec<(String, String)>) {
    let lines: Vec<&str> = spec.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == "components:")
        .expect("a top-level `components:`");
    // The list ends at the next top-level key.
    let end = lines[start + 1..]
        .iter()
        .position(|l| !l.is_empty() && !l.starts_with([' ', '#', '-']))
        .map_or(lines.len(), |i| start + 1 + i);
    let mut items: Vec<Vec<&str>> = Vec::new();
    let mut pending: Vec<&str> = Vec::new();
    for line in &lines[start + 1..end] {
        if line.starts_with("  - ") {
            let mut item = std::mem::take(&mut pending);
            item.push(line);
            items.push(item);
        } else if line.trim_start().starts_with('#') || line.trim().is_empty() {
            pending.push(line);
        } else {
            items.last_mut().expect("an item").push(line);
        }
    }
    let count = items.len();
    let files = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let mut text = String::new();
            for line in item {
                text.push_str(line.strip_prefix("  ").unwrap_or(line));
                text.push('\n');
            }
            (
                format!("team-components/{:03}/component.yaml", count - i),
                text,
            )
        })
        .collect();
    let mut rest: Vec<&str> = lines[..start].to_vec();
    rest.push("include: [\"team-components/**/component.yaml\"]");
    rest.extend(&lines[end..]);
    (rest.join("\n") + "\n", files)
}

fn build(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let out = ladder(dir, &["build", "-o", "out"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    crate::support::read_dir_files(&dir.join("out"))
}

#[test]
fn every_example_split_into_component_files_builds_byte_identically() {
    for example in [
        "platform",
        "platform-ladder",
        "platform-pinned",
        "nextjs-shop",
        "laravel",
        "dlt-network",
    ] {
        let from = root().join("examples").join(example);
        let whole = tempfile::tempdir().unwrap();
        copy_tree(&from, whole.path());
        let expected = build(whole.path());

        let parts = tempfile::tempdir().unwrap();
        copy_tree(&from, parts.path());
        let spec = std::fs::read_to_string(from.join("ladder.yaml")).unwrap();
        let (spec, files) = split(&spec);
        assert!(!files.is_empty(), "{example}");
        std::fs::write(parts.path().join("ladder.yaml"), spec).unwrap();
        for (path, text) in &files {
            let at = parts.path().join(path);
            std::fs::create_dir_all(at.parent().unwrap()).unwrap();
            std::fs::write(at, text).unwrap();
        }
        let got = build(parts.path());
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "{example}"
        );
        for (path, bytes) in &expected {
            assert!(got[path] == *bytes, "{example}: {path} differs");
        }
    }
}

/// One component per file, in the other order of paths: the same output.
#[test]
fn the_order_of_component_files_does_not_change_the_output() {
    let spec = "name: shop\noutput: {path: out}\ndefaults:\n  source: {repoURL: https://example.com/shop.git, targetRevision: main}\n  namespace: shop\nenvironments: [{name: dev}, {name: prod}]\ninclude: [\"c/*.yaml\"]\n";
    let components = [
        ("postgres", "name: postgres\nsource: {path: postgres}\n"),
        (
            "api",
            "name: api\ndependsOn: [postgres]\nsource: {path: api}\n",
        ),
        ("web", "name: web\ndependsOn: [api]\nsource: {path: web}\n"),
    ];
    let mut outputs = Vec::new();
    for reversed in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ladder.yaml"), spec).unwrap();
        std::fs::create_dir(dir.path().join("c")).unwrap();
        for (i, (_, text)) in components.iter().enumerate() {
            let n = if reversed { components.len() - i } else { i };
            std::fs::write(dir.path().join(format!("c/{n}.yaml")), text).unwrap();
        }
        outputs.push(build(dir.path()));
    }
    assert_eq!(outputs[0], outputs[1]);
}

/// `ladder diff --base` builds the base from the component files as they were there: a
/// dependency added in one component's own file moves it, and nothing is "added".
#[test]
fn diff_reads_the_component_files_at_the_base_revision() {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    std::fs::write(
        dir.join("ladder.yaml"),
        "name: shop\ndefaults:\n  source: {repoURL: https://example.com/shop.git, targetRevision: main}\n  namespace: shop\nenvironments: [{name: dev}]\ninclude: [\"teams/**/component.yaml\"]\n",
    )
    .unwrap();
    for (team, text) in [
        ("data", "name: postgres\nsource: {path: postgres}\n"),
        ("web", "name: web\nsource: {path: web}\n"),
    ] {
        std::fs::create_dir_all(dir.join("teams").join(team)).unwrap();
        std::fs::write(dir.join("teams").join(team).join("component.yaml"), text).unwrap();
    }
    git(dir, &["init", "-q"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "base"]);
    std::fs::write(
        dir.join("teams/web/component.yaml"),
        "name: web\ndependsOn: [postgres]\nsource: {path: web}\n",
    )
    .unwrap();
    let out = ladder(dir, &["diff", "--base", "main"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(!stderr.contains("does not build"), "{stderr}");
    assert!(!stdout.contains("\n  added ("), "{stdout}");
    assert!(stdout.contains("moved (1): web 1 → 2"), "{stdout}");
    // Unchanged, it is no difference at all.
    git(dir, &["checkout", "-q", "--", "."]);
    let out = ladder(dir, &["diff", "--base", "main"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A component file that is a symbolic link is not read, and the spec says so.
#[cfg(unix)]
#[test]
fn a_component_file_through_a_link_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("component.yaml"),
        "name: web\nsource: {path: web}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("ladder.yaml"),
        "name: shop\ndefaults:\n  source: {repoURL: https://example.com/shop.git, targetRevision: main}\n  namespace: shop\nenvironments: [{name: dev}]\ninclude: [\"teams/*.yaml\"]\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("teams")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("component.yaml"),
        dir.path().join("teams/web.yaml"),
    )
    .unwrap();
    let out = ladder(dir.path(), &["build", "-o", "out"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the component file `teams/web.yaml` was not read: it is a symbolic link"),
        "{stderr}"
    );
    assert!(!dir.path().join("out").exists());
}
