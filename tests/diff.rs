//! `ladder diff --base REV` on real git repositories made for the test.

use crate::support::{copy_tree, git, ladder, root};

fn repo_with_platform() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let spec = std::fs::read_to_string(root().join("examples/platform/ladder.yaml")).unwrap();
    std::fs::write(repo.path().join("ladder.yaml"), spec).unwrap();
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "ladder.yaml"]);
    git(repo.path(), &["commit", "-q", "-m", "platform"]);
    repo
}

#[test]
fn an_added_dependency_shows_moved_components_steps_and_changed_environments() {
    let repo = repo_with_platform();
    let dir = repo.path();
    git(dir, &["checkout", "-q", "-b", "loki-needs-secrets"]);
    // Loki now waits for the observability secrets: it moves from phase 2 to phase 7.
    let spec = std::fs::read_to_string(dir.join("ladder.yaml")).unwrap();
    let changed = spec.replace(
        "  - name: platform-loki\n    dependsOn: [foundation-namespaces]\n",
        "  - name: platform-loki\n    dependsOn: [foundation-namespaces, foundation-vault-secrets-observability]\n",
    );
    assert_ne!(spec, changed);
    std::fs::write(dir.join("ladder.yaml"), changed).unwrap();

    let out = ladder(dir, &["diff", "--base", "main"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("`platform-loki` 2 → 7") || stdout.contains("platform-loki 2 → 7"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "dependencies added (1): platform-loki → foundation-vault-secrets-observability"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("dev            11"), "{stdout}");
    assert!(stdout.contains("changes"), "{stdout}");
    assert!(stdout.contains("+++ b/applicationset.yaml"), "{stdout}");

    let md = ladder(dir, &["diff", "--base", "main", "--format", "markdown"]);
    let markdown = String::from_utf8_lossy(&md.stdout);
    assert_eq!(md.status.code(), Some(1));
    assert!(
        markdown.starts_with("### ladder: `platform` against `main`\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| environment | steps | longest chain | rollout |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| dev | 11 | 11 | **changes** |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("<details><summary><code>applicationset.yaml</code>"),
        "{markdown}"
    );
    assert!(markdown.contains("```diff\n"), "{markdown}");
}

#[test]
fn a_longer_chain_shows_the_new_step_count() {
    let repo = repo_with_platform();
    let dir = repo.path();
    // The observability smoke now also waits for the apps smoke, the last phase: the
    // ladder gets one step longer in every environment.
    let spec = std::fs::read_to_string(dir.join("ladder.yaml")).unwrap();
    let changed = spec.replace(
        "  - name: platform-observability-smoke\n    dependsOn:\n",
        "  - name: platform-observability-smoke\n    dependsOn:\n      - apps-platform-smoke\n",
    );
    assert_ne!(spec, changed);
    std::fs::write(dir.join("ladder.yaml"), changed).unwrap();
    let out = ladder(dir, &["diff", "--base", "HEAD"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("`platform-observability-smoke` 10 → 12")
            || stdout.contains("platform-observability-smoke 10 → 12"),
        "{stdout}"
    );
    for env in ["dev", "staging", "prod"] {
        assert!(
            stdout.contains(&format!("{env:<14} 11 → 12    11 → 12        changes")),
            "{stdout}"
        );
    }
}

#[test]
fn no_change_exits_0_and_a_new_spec_is_all_added() {
    let repo = repo_with_platform();
    let dir = repo.path();
    let same = ladder(dir, &["diff", "--base", "HEAD"]);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stdout)
    );
    assert_eq!(
        String::from_utf8_lossy(&same.stdout),
        "no changes against HEAD\n"
    );

    std::fs::create_dir(dir.join("team")).unwrap();
    for file in [
        "ladder.yaml",
        "versions/dev.yaml",
        "versions/staging.yaml",
        "versions/prod.yaml",
    ] {
        std::fs::create_dir_all(dir.join("team/versions")).unwrap();
        std::fs::copy(
            root().join("examples/nextjs-shop").join(file),
            dir.join("team").join(file),
        )
        .unwrap();
    }
    let new = ladder(dir, &["diff", "-f", "team", "--base", "HEAD"]);
    let stdout = String::from_utf8_lossy(&new.stdout);
    assert_eq!(new.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("added (1): nextjs-shop"), "{stdout}");
    assert!(stdout.contains("dev            – → 1"), "{stdout}");
    assert!(String::from_utf8_lossy(&new.stderr).contains("did not exist at HEAD"));

    let bad = ladder(dir, &["diff", "--base", "no-such-branch"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`no-such-branch` is not a revision"));
}

#[test]
fn an_added_after_edge_is_shown_with_its_own_arrow() {
    let repo = repo_with_platform();
    let dir = repo.path();
    git(dir, &["checkout", "-q", "-b", "loki-after-secrets"]);
    let spec = std::fs::read_to_string(dir.join("ladder.yaml")).unwrap();
    let changed = spec.replace(
        "  - name: platform-loki\n    dependsOn: [foundation-namespaces]\n",
        "  - name: platform-loki\n    dependsOn: [foundation-namespaces]\n    after: [foundation-vault-secrets-observability]\n",
    );
    assert_ne!(spec, changed);
    std::fs::write(dir.join("ladder.yaml"), changed).unwrap();
    let out = ladder(dir, &["diff", "--base", "main"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "dependencies added (1): platform-loki ⇢ foundation-vault-secrets-observability"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("platform-loki 2 → 7"), "{stdout}");
}

/// Regression: the base of a diff was built without its version files and fleet
/// folders, so a spec using them "did not build" at the base and everything looked new.
/// A promotion (one version file changed) must show as exactly the changed revisions.
#[test]
fn a_promotion_diffs_against_the_base_versions_and_fleet_folders() {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    copy_tree(&root().join("examples/dlt-network"), dir);
    git(dir, &["init", "-q"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "dlt"]);

    let out = ladder(
        dir,
        &[
            "promote", "--from", "qa", "--to", "preprod", "--only", "backend",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let out = ladder(dir, &["diff", "--base", "main"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(!stderr.contains("does not build"), "{stderr}");
    assert!(!stdout.contains("added ("), "{stdout}");
    let changed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    // The two promoted charts, and the backup gate's rollout digest, which changes with
    // them so that the backup runs first.
    assert_eq!(changed.len(), 3, "{stdout}");
    assert!(
        changed[0].starts_with("+                  value: "),
        "{stdout}"
    );
    assert_eq!(
        changed[1..],
        [
            "+              targetRevision: \"3.1.0\"",
            "+              targetRevision: \"3.1.0\""
        ],
        "{stdout}"
    );
}

/// A small spec in a fresh repository, committed on `main`; the test then edits it.
fn repo_with(spec: &str) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    std::fs::write(repo.path().join("ladder.yaml"), spec).unwrap();
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "ladder.yaml"]);
    git(repo.path(), &["commit", "-q", "-m", "base"]);
    repo
}

const SHOP: &str = r#"name: shop
defaults:
  source: {repoURL: https://github.com/example/shop.git, targetRevision: main}
  namespace: "shop-{{ env }}"
output: {path: argocd}
environments:
  - {name: dev, prune: false}
  - {name: prod, sync: manual}
components:
  - {name: postgres, source: {path: "postgres/{{ env }}"}}
  - {name: api, dependsOn: [postgres], source: {path: "api/{{ env }}"}}
"#;

/// `ladder diff` after changing `SHOP` with `edit`: its exit code, text and markdown.
fn diff_after(edit: impl Fn(&str) -> String) -> (Option<i32>, String, String) {
    let repo = repo_with(SHOP);
    let dir = repo.path();
    let changed = edit(SHOP);
    assert_ne!(changed, SHOP);
    std::fs::write(dir.join("ladder.yaml"), changed).unwrap();
    let out = ladder(dir, &["diff", "--base", "main"]);
    let md = ladder(dir, &["diff", "--base", "main", "--format", "markdown"]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&md.stdout).into_owned(),
    )
}

/// Regression: renaming a component deletes and re-creates its Applications (with their
/// resources, under RollingSync), and `ladder diff` said only "added" and "removed".
#[test]
fn a_component_rename_leads_the_diff_as_a_delete_and_create() {
    let (code, text, md) =
        diff_after(|s| s.replace("name: api, dependsOn", "name: backend, dependsOn"));
    assert_eq!(code, Some(1), "{text}");
    assert!(text.starts_with("Deletes or replaces:\n  - `api` is renamed `backend` (in `dev`, `prod`): Argo CD deletes the old Application and creates a new one: the old one's resources are deleted with it (the resources finalizer), then created again; `prod` is manual, but this does not wait for an operator\n"), "{text}");
    assert!(
        md.contains("#### Deletes or replaces\n\n- `api` is renamed `backend`"),
        "{md}"
    );
    assert!(
        md.find("#### Deletes or replaces") < md.find("| environment |"),
        "{md}"
    );
}

#[test]
fn a_spec_rename_says_every_application_is_re_created() {
    let (code, text, _) = diff_after(|s| s.replacen("name: shop", "name: storefront", 1));
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.starts_with("Deletes or replaces:\n  - the spec is renamed `shop` → `storefront`"),
        "{text}"
    );
    assert!(
        text.contains(
            "the root prunes the old ApplicationSet, which deletes every Application it generated"
        ),
        "{text}"
    );
}

#[test]
fn a_destination_change_and_prune_turned_on_are_listed_first() {
    let (code, text, _) = diff_after(|s| {
        s.replace(
            "namespace: \"shop-{{ env }}\"",
            "namespace: \"store-{{ env }}\"",
        )
        .replace(
            "{name: dev, prune: false}",
            "{name: dev, prune: true, destination: {name: dev-cluster}}",
        )
    });
    assert_eq!(code, Some(1), "{text}");
    assert!(text.starts_with("Deletes or replaces:\n"), "{text}");
    for line in [
        "  - environment `dev` moves from server `https://kubernetes.default.svc` to cluster `dev-cluster` (in `dev`): its Applications create their resources on the new cluster",
        "  - prune turns on in `dev` (in `dev`): the next sync deletes every resource of its Applications that is no longer in git",
        "  - `api` moves to another namespace: `shop-prod` → `store-prod` in `prod`: its resources are created in the new namespace at its next sync; the old ones are left running in `prod` (no automated prune there)\n",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
}

/// A component given a cluster of its own (and one overridden in prod) moves there, in
/// the environments it moves in; the environment's own cluster is unchanged.
#[test]
fn a_component_moved_to_another_cluster_is_listed_first() {
    let (code, text, _) = diff_after(|s| {
        s.replace(
            "{name: postgres, source: {path: \"postgres/{{ env }}\"}}",
            "{name: postgres, destination: {name: data-cluster}, overrides: {prod: {destination: {server: \"https://prod-data.example.com\"}}}, source: {path: \"postgres/{{ env }}\"}}",
        )
    });
    assert_eq!(code, Some(1), "{text}");
    assert!(text.starts_with("Deletes or replaces:\n"), "{text}");
    for line in [
        "  - `postgres` moves from server `https://kubernetes.default.svc` to cluster `data-cluster` (in `dev`): its Application creates its resources on the new cluster",
        "  - `postgres` moves from server `https://kubernetes.default.svc` to server `https://prod-data.example.com` (in `prod`)",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert!(!text.contains("environment `dev` moves"), "{text}");
}

/// With `preserveResourcesOnDeletion` a rename re-creates the Application but leaves its
/// resources; with `create-update` a removed component's Application stays.
#[test]
fn the_application_set_policy_decides_what_a_rename_or_removal_deletes() {
    let with = |settings: &str, edit: &dyn Fn(&str) -> String| {
        let spec = SHOP.replace(
            "output: {path: argocd}\n",
            &format!("output: {{path: argocd}}\nrollout: {{applicationSet: {settings}}}\n"),
        );
        let repo = repo_with(&spec);
        std::fs::write(repo.path().join("ladder.yaml"), edit(&spec)).unwrap();
        let out = ladder(repo.path(), &["diff", "--base", "main"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = with("{preserveResourcesOnDeletion: true}", &|s| {
        s.replace("name: api, dependsOn", "name: backend, dependsOn")
    });
    assert!(text.contains("- `api` is renamed `backend` (in `dev`, `prod`): Argo CD deletes the old Application and creates a new one: the old one's resources are left running (`preserveResourcesOnDeletion`)"), "{text}");
    let text = with("{applicationsSync: create-update}", &|s| {
        s.replace(
            "  - {name: api, dependsOn: [postgres], source: {path: \"api/{{ env }}\"}}\n",
            "",
        )
    });
    assert!(text.contains("- `api` is removed (in `dev`, `prod`): the ApplicationSet controller leaves its Application in place (`applicationsSync: create-update`)"), "{text}");
}

/// Under `preserveResourcesOnDeletion` an `application` patch's finalizers decide what
/// deleting its Application deletes: a component whose patch gives it the resources
/// finalizer is deleted with its resources, the others keep theirs.
#[test]
fn an_application_patch_with_finalizers_decides_what_a_removal_deletes() {
    let spec = SHOP
        .replace(
            "output: {path: argocd}\n",
            "output: {path: argocd}\nrollout: {applicationSet: {preserveResourcesOnDeletion: true}}\n",
        )
        .replace(
            "{name: postgres, source: {path: \"postgres/{{ env }}\"}}",
            "{name: postgres, application: {metadata: {finalizers: []}}, overrides: {dev: {application: {metadata: {finalizers: [resources-finalizer.argocd.argoproj.io/background]}}}}, source: {path: \"postgres/{{ env }}\"}}",
        );
    let repo = repo_with(&spec);
    let removed = spec
        .replace(
            "  - {name: postgres, application",
            "  - {name: database, application",
        )
        .replace("dependsOn: [postgres]", "dependsOn: [database]");
    std::fs::write(repo.path().join("ladder.yaml"), &removed).unwrap();
    let out = ladder(repo.path(), &["diff", "--base", "main"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    for line in [
        "- `postgres` is renamed `database` (in `dev`): Argo CD deletes the old Application and creates a new one: the old one's resources are deleted with it (the resources finalizer its `application` patch sets), then created again",
        "- `postgres` is renamed `database` (in `prod`): Argo CD deletes the old Application and creates a new one: the old one's resources are left running (its `application` patch sets no resources finalizer)",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    // Removing an environment splits its Applications by what their deletion deletes.
    let repo = repo_with(&spec);
    let without_dev = spec
        .replace("  - {name: dev, prune: false}\n", "")
        .replace(", overrides: {dev: {application: {metadata: {finalizers: [resources-finalizer.argocd.argoproj.io/background]}}}}", "");
    std::fs::write(repo.path().join("ladder.yaml"), &without_dev).unwrap();
    let out = ladder(repo.path(), &["diff", "--base", "main"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("- environment `dev` is removed (in `dev`): the ApplicationSet controller deletes the Applications of `api`; the resources are left running (`preserveResourcesOnDeletion`), no longer managed by Argo CD (delete them by hand if they should go); the ApplicationSet controller deletes the Applications of `postgres`, with the resources (the resources finalizer its `application` patch sets)"), "{text}");
    // In prod, neither deletes its resources, each for its own reason.
    let repo = repo_with(&spec);
    let without_prod = spec.replace("  - {name: prod, sync: manual}\n", "");
    std::fs::write(repo.path().join("ladder.yaml"), &without_prod).unwrap();
    let out = ladder(repo.path(), &["diff", "--base", "main"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("- environment `prod` is removed (in `prod`): the ApplicationSet controller deletes its Applications; the resources are left running (`preserveResourcesOnDeletion`; its `application` patch sets no resources finalizer)"), "{text}");
}

#[test]
fn a_change_that_deletes_nothing_has_no_deletions_section() {
    let (_, text, _) = diff_after(|s| {
        s.replace(
            "{name: postgres, source",
            "{name: postgres, duration: 2m, source",
        )
    });
    assert!(!text.contains("Deletes or replaces"), "{text}");
}

/// Regression: `ladder diff` built the spec without a word about its warnings, which
/// `build` prints (a spec without `name` here).
#[test]
fn diff_prints_the_warnings_build_prints() {
    let (_, text, md) = diff_after(|s| s.replacen("name: shop\n", "", 1));
    assert!(text.contains("warning[name-from-folder]"), "{text}");
    assert!(!md.contains("warning["), "{md}");
}
