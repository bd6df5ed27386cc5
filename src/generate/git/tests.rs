//! Unit tests of `git`.

use super::*;

#[test]
fn urls_of_one_repository_are_one_identity() {
    for url in [
        "https://github.com/Acme/Platform.git",
        "git@github.com:acme/platform.git",
        "ssh://git@github.com/acme/platform",
        "https://token@github.com/acme/platform/",
        "ssh://git@github.com:22/acme/platform.git",
        "https://github.com:443/acme/platform",
    ] {
        assert_eq!(identity(url), "github.com/acme/platform", "{url}");
    }
    assert_ne!(
        identity("https://github.com/acme/platform-x"),
        identity("https://github.com/acme/platform")
    );
}

#[test]
fn a_folder_pattern_that_matches_nothing_gets_the_closest_folder() {
    let dirs: Vec<String> = ["addons", "addons/metrics", "clusters", "clusters/dev"]
        .map(String::from)
        .to_vec();
    assert_eq!(suggest("addon/*", &dirs).as_deref(), Some("addons/*"));
    assert_eq!(
        suggest("clusters/devv", &dirs).as_deref(),
        Some("clusters/dev")
    );
    assert_eq!(suggest("zzz/*", &dirs), None);
    assert_eq!(suggest("*/x", &dirs), None);
}

#[test]
fn names_are_sanitized_as_argo_cd_does() {
    assert_eq!(sanitize("My_App.v2"), "my-app.v2");
    assert_eq!(sanitize("-._x_-"), "x");
    assert_eq!(sanitize(&"a".repeat(300)).len(), 253);
    assert_eq!(sanitize("ü-app"), "app");
}

#[test]
fn pathspecs_match_as_git_ls_files_does() {
    assert!(pathspec("apps/*/config.json", "apps/a/b/config.json"));
    assert!(pathspec("apps", "apps/a/config.json"));
    assert!(!pathspec("apps", "apps-old/config.json"));
    assert!(pathspec("apps/a/config.json", "apps/a/config.json"));
    assert!(!pathspec("apps/*.json", "other/apps/x.json"));
}
