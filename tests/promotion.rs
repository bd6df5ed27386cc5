//! Issue 4's "done means", tried as a new user would, with the built binary on a copy of
//! an example in a fresh git repository: `ladder new-env` adds an environment,
//! `ladder promote` moves version pins, `ladder build --check` shows exactly the
//! expected change, `ladder build` writes it, and the tree validates against the
//! official Argo CD CRDs.

use std::path::Path;

use crate::support::{copy_tree, git, ladder, read_dir_files, root};

/// A git repository holding `examples/<example>` and its built tree (`argocd/`),
/// committed, as a team would have it. The tree is the example's golden output but for
/// the spec's path in each generated file's header line.
fn repo_with(example: &str) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    copy_tree(&root().join("examples").join(example), dir);
    let out = ladder(dir, &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let golden = read_dir_files(&root().join("golden").join(example));
    let built = read_dir_files(&dir.join("argocd"));
    assert_eq!(
        built.keys().collect::<Vec<_>>(),
        golden.keys().collect::<Vec<_>>()
    );
    let spec_ref = format!("examples/{example}/ladder.yaml");
    let body = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let (header, rest) = text.split_once('\n').unwrap();
        (header.to_owned(), rest.to_owned())
    };
    for (file, text) in &golden {
        let (header, golden_body) = body(text);
        assert!(header.contains(&spec_ref), "{file}: {header}");
        assert_eq!(body(&built[file]).1, golden_body, "{file}");
    }
    git(dir, &["init", "-q"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", example]);
    repo
}

/// `argocd/<file>` as committed.
fn committed(dir: &Path, file: &str) -> String {
    let out = std::process::Command::new("git")
        .args(["show", &format!("HEAD:argocd/{file}")])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{file}");
    String::from_utf8(out.stdout).unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `git status --porcelain` (untracked files listed one by one), sorted.
fn changed_paths(dir: &Path) -> Vec<String> {
    let out = std::process::Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=all"])
        .current_dir(dir)
        .output()
        .unwrap();
    let mut lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

/// The `-`/`+` lines of one file's section of a unified diff (`--- a/<file>`).
fn changed_lines<'a>(diff: &'a str, file: &str) -> Vec<&'a str> {
    let header = format!("--- a/{file}");
    diff.lines()
        .skip_while(|l| *l != header)
        .skip(2)
        .take_while(|l| !l.starts_with("--- "))
        .filter(|l| l.starts_with('-') || l.starts_with('+'))
        .collect()
}

/// Every manifest of `argocd/` against the official CRDs (v3.5.1), 0 errors; skipped
/// with a reason where the CRDs are absent.
fn assert_validates(dir: &Path) {
    let Some(crds) = crate::support::crds_dir(None) else {
        return;
    };
    let out = ladder(
        dir,
        &["validate", "--crds", crds.to_str().unwrap(), "argocd"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{}{stderr}", stdout(&out));
    assert!(stderr.contains(": 0 errors,"), "{stderr}");
}

#[test]
fn dlt_network_gets_a_fourth_environment_and_a_promotion_qa_to_preprod() {
    let repo = repo_with("dlt-network");
    let dir = repo.path();

    // new-env: preprod's values folders (its two nodes) and pins, copied for uat.
    let out = ladder(dir, &["new-env", "uat", "--from", "preprod"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let created = [
        "envs/uat/backup/values.yaml",
        "envs/uat/common-node-values.yaml",
        "envs/uat/nodes/node-alpha/values-backend.yaml",
        "envs/uat/nodes/node-alpha/values-frontend.yaml",
        "envs/uat/nodes/node-alpha/values-namespace.yaml",
        "envs/uat/nodes/node-alpha/values-vault.yaml",
        "envs/uat/nodes/node-delta/values-backend.yaml",
        "envs/uat/nodes/node-delta/values-frontend.yaml",
        "envs/uat/nodes/node-delta/values-namespace.yaml",
        "envs/uat/nodes/node-delta/values-vault.yaml",
        "envs/uat/shared-services/values.yaml",
        "versions/uat.yaml",
    ];
    let text = stdout(&out);
    let listed: Vec<&str> = text
        .lines()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.strip_prefix("created "))
        .collect();
    assert_eq!(listed, created, "{text}");
    assert!(text.contains("12 files created, 0 kept"), "{text}");
    for file in created {
        let from = file.replacen("uat", "preprod", 1);
        assert_eq!(
            std::fs::read(dir.join(file)).unwrap(),
            std::fs::read(dir.join(&from)).unwrap(),
            "{file} is a copy of {from}"
        );
    }
    assert_eq!(
        changed_paths(dir),
        created.map(|f| format!("?? {f}")),
        "new-env touched nothing else (the spec neither)"
    );

    // Never overwrites: a file edited since is kept, byte for byte.
    let edited = dir.join("envs/uat/common-node-values.yaml");
    std::fs::write(&edited, "# uat's own\n").unwrap();
    let again = ladder(dir, &["new-env", "uat", "--from", "preprod"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        stdout(&again).contains("0 files created, 12 kept"),
        "{}",
        stdout(&again)
    );
    assert!(stdout(&again).contains("kept    envs/uat/common-node-values.yaml (exists)"));
    assert_eq!(std::fs::read_to_string(&edited).unwrap(), "# uat's own\n");
    std::fs::copy(dir.join("envs/preprod/common-node-values.yaml"), &edited).unwrap();

    // The printed snippet, added to the spec after the last environment.
    let snippet: String = text
        .lines()
        .skip_while(|l| !l.starts_with("Add `uat` to `environments`"))
        .skip(1)
        .filter(|l| l.starts_with("  "))
        .flat_map(|l| [l, "\n"])
        .collect();
    assert_eq!(snippet, "  - name: uat\n    sync: manual\n");
    let spec_path = dir.join("ladder.yaml");
    let spec = std::fs::read_to_string(&spec_path).unwrap();
    let anchor = "# Each environment's nodes are the folders";
    assert!(spec.contains(anchor));
    std::fs::write(
        &spec_path,
        spec.replacen(anchor, &format!("{snippet}{anchor}"), 1),
    )
    .unwrap();

    // promote: qa's newer backend and frontend pins, in place in versions/preprod.yaml.
    let out = ladder(dir, &["promote", "--from", "qa", "--to", "preprod"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        stdout(&out),
        "promoted qa → preprod: 4 pins in versions/preprod.yaml\n  \
         dlt-node.backend.chartVersion: 3.0.2 → 3.1.0\n  \
         dlt-node.backend.imageTag: v2.0.4 → v2.1.0\n  \
         dlt-node.frontend.chartVersion: 2.3.0 → 2.3.1\n  \
         dlt-node.frontend.imageTag: v1.4.2 → v1.5.0\n\
         run `ladder build` to write them into the manifests\n"
    );
    let before = std::fs::read_to_string(dir.join("versions/uat.yaml")).unwrap();
    let after = std::fs::read_to_string(dir.join("versions/preprod.yaml")).unwrap();
    let pins: Vec<(&str, &str)> = before
        .lines()
        .zip(after.lines())
        .filter(|(b, a)| b != a)
        .collect();
    assert_eq!(
        pins,
        [
            ("    chartVersion: \"3.0.2\"", "    chartVersion: \"3.1.0\""),
            ("    imageTag: \"v2.0.4\"", "    imageTag: \"v2.1.0\""),
            ("    chartVersion: \"2.3.0\"", "    chartVersion: \"2.3.1\""),
            ("    imageTag: \"v1.4.2\"", "    imageTag: \"v1.5.0\""),
        ],
        "only the four pins changed; comments, order and quoting kept"
    );

    // build --check: preprod's four chart Applications move to the new chart versions
    // (the image tags reach the charts through the $values/versions/preprod.yaml value
    // file, so they change no manifest), and uat's tree is created. Nothing else.
    let check = ladder(dir, &["build", "--check"]);
    let diff = stdout(&check);
    assert_eq!(check.status.code(), Some(1), "{diff}");
    assert_eq!(
        String::from_utf8_lossy(&check.stderr),
        "argocd is stale: 5 to create, 1 to update, 0 to delete; run `ladder build` to update it\n"
    );
    let files: Vec<&str> = diff.lines().filter(|l| l.starts_with("+++ ")).collect();
    assert_eq!(
        files,
        [
            "+++ b/preprod/applicationset.yaml",
            "+++ b/uat/applicationset.yaml",
            "+++ b/uat/appproject.yaml",
            "+++ b/uat/patches/argocd-cm.yaml",
            "+++ b/uat/patches/argocd-cmd-params-cm.yaml",
            "+++ b/uat/root.yaml",
        ],
        "{diff}"
    );
    // The backup gate's rollout digest changes with them, so RollingSync syncs the
    // backup (and its PreSync hook runs) before the promoted charts.
    let changed = changed_lines(&diff, "preprod/applicationset.yaml");
    assert!(
        changed[0].starts_with("-                  value: ")
            && changed[1].starts_with("+                  value: ")
            && changed[0][25..] != changed[1][25..],
        "{diff}"
    );
    assert_eq!(
        changed[2..],
        [
            "-              targetRevision: \"3.0.2\"",
            "+              targetRevision: \"3.1.0\"",
            "-              targetRevision: \"2.3.0\"",
            "+              targetRevision: \"2.3.1\"",
            "-              targetRevision: \"3.0.2\"",
            "+              targetRevision: \"3.1.0\"",
            "-              targetRevision: \"2.3.0\"",
            "+              targetRevision: \"2.3.1\"",
        ],
        "{diff}"
    );

    let out = ladder(dir, &["build"]);
    assert_eq!(out.status.code(), Some(0));
    // uat is preprod as it was before the promotion (same nodes, same pins), renamed;
    // only the backup gate's rollout digest differs, as it covers the Application names.
    let digest = |text: String| -> String {
        let mut lines: Vec<&str> = text.lines().collect();
        for i in 1..lines.len() {
            if lines[i - 1].ends_with("- name: rolloutDigest") {
                lines[i] = "                  value: <digest>";
            }
        }
        lines.join("\n")
    };
    for file in [
        "applicationset.yaml",
        "appproject.yaml",
        "patches/argocd-cm.yaml",
        "patches/argocd-cmd-params-cm.yaml",
        "root.yaml",
    ] {
        assert_eq!(
            digest(std::fs::read_to_string(dir.join("argocd/uat").join(file)).unwrap()),
            digest(committed(dir, &format!("preprod/{file}")).replace("preprod", "uat")),
            "argocd/uat/{file}"
        );
    }
    let mut expected: Vec<String> = created.map(|f| format!("?? {f}")).to_vec();
    expected.extend(
        [
            "applicationset.yaml",
            "appproject.yaml",
            "patches/argocd-cm.yaml",
            "patches/argocd-cmd-params-cm.yaml",
            "root.yaml",
        ]
        .map(|f| format!("?? argocd/uat/{f}")),
    );
    expected.extend(
        [
            "argocd/preprod/applicationset.yaml",
            "ladder.yaml",
            "versions/preprod.yaml",
        ]
        .map(|f| format!(" M {f}")),
    );
    expected.sort();
    assert_eq!(changed_paths(dir), expected);
    assert_eq!(ladder(dir, &["build", "--check"]).status.code(), Some(0));
    assert_validates(dir);
}

#[test]
fn nextjs_shop_promotes_its_image_tags_dev_to_staging() {
    let repo = repo_with("nextjs-shop");
    let dir = repo.path();

    let out = ladder(dir, &["promote", "--from", "dev", "--to", "staging"]);
    assert_eq!(
        stdout(&out),
        "promoted dev → staging: 2 pins in versions/staging.yaml\n  \
         nextjs-shop.imageTag: sha-abcdef0 → sha-4f2c9e1\n  \
         nextjs-shop.migrationImageTag: sha-abcdef0 → sha-4f2c9e1\n\
         run `ladder build` to write them into the manifests\n"
    );
    assert_eq!(out.status.code(), Some(0));

    let check = ladder(dir, &["build", "--check"]);
    let diff = stdout(&check);
    assert_eq!(check.status.code(), Some(1), "{diff}");
    let files: Vec<&str> = diff.lines().filter(|l| l.starts_with("+++ ")).collect();
    assert_eq!(files, ["+++ b/applicationset.yaml"], "{diff}");
    assert_eq!(
        changed_lines(&diff, "applicationset.yaml"),
        [
            "-                - your-registry/nextjs-shop:sha-abcdef0",
            "-                - your-registry/nextjs-shop-migrations:sha-abcdef0",
            "+                - your-registry/nextjs-shop:sha-4f2c9e1",
            "+                - your-registry/nextjs-shop-migrations:sha-4f2c9e1",
        ],
        "{diff}"
    );
    let hunk = diff.lines().find(|l| l.starts_with("@@")).unwrap();
    let staging = diff
        .lines()
        .skip_while(|l| !l.starts_with("@@"))
        .any(|l| l.contains("path: overlays/staging"));
    assert!(staging, "the change is staging's element: {hunk}\n{diff}");

    assert_eq!(ladder(dir, &["build"]).status.code(), Some(0));
    assert_eq!(
        changed_paths(dir),
        [" M argocd/applicationset.yaml", " M versions/staging.yaml"]
    );
    assert_validates(dir);
}
