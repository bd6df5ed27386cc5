//! The generated AppProject permits what the spec needs, in the fields the target Argo CD
//! version has: `clusterResourceWhitelist` with `Namespace` where an environment syncs
//! with CreateNamespace=true and the kinds components declare, and entry `name`s only
//! from Argo CD 3.3 (the AppProject CRD before 3.3 has no `name`).

use crate::support::root;

/// The cluster-resources case built for `version` (before 3.3 without the names its
/// components declare, which those versions refuse), its AppProject texts (path, text).
fn projects(version: &str, named: bool) -> Vec<(String, String)> {
    let spec = std::fs::read_to_string(root().join("tests/golden/cluster-resources/ladder.yaml"))
        .unwrap()
        .replace("version: \"3.5\"", &format!("version: \"{version}\""));
    let spec: String = spec
        .lines()
        .map(|line| match line.split_once(", name: ") {
            Some((head, _)) if !named => format!("{head}}}\n"),
            _ => format!("{line}\n"),
        })
        .collect();
    let compiled = ladder::Request::new("ladder.yaml", spec.as_bytes())
        .compile()
        .unwrap_or_else(|d| panic!("{version}: {}", ladder::diagnostic::render(&d, None)));
    compiled
        .files
        .iter()
        .filter(|(path, _)| path.ends_with("appproject.yaml"))
        .map(|(path, bytes)| (path.clone(), String::from_utf8(bytes.clone()).unwrap()))
        .collect()
}

#[test]
fn every_version_gets_a_project_its_crd_accepts() {
    let (Some(old), Some(new)) = (
        crate::support::crds_dir(Some("v2.10.0")),
        crate::support::crds_dir(None),
    ) else {
        return;
    };
    let (old, new) = (
        crate::support::load_crds(&old),
        crate::support::load_crds(&new),
    );
    for version in [
        "2.10", "2.11", "2.12", "2.13", "2.14", "3.0", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6",
    ] {
        let parsed = ladder::analyze::argocd::parse_version(version).unwrap();
        let named = parsed.at_least(3, 3);
        let files = projects(version, named);
        assert_eq!(files.len(), 1, "{version}");
        let text = &files[0].1;
        assert!(text.contains("kind: Namespace"), "{version}:\n{text}");
        assert!(
            text.contains("kind: CustomResourceDefinition"),
            "{version}:\n{text}"
        );
        assert_eq!(
            text.contains("      name: "),
            named,
            "{version}: entry names only from 3.3:\n{text}"
        );
        // Before 3.3 the output must fit the oldest CRD (v2.10.0, without `name`); from
        // 3.3 the newest (v3.5.1).
        let crds = if named { new } else { old };
        let report = ladder::validate::validate(crds, &files);
        assert!(
            report.diagnostics.is_empty(),
            "{version}: {}",
            ladder::diagnostic::render(&report.diagnostics, Some(text))
        );
        if named {
            // What the version gate prevents: names are unknown to the 2.x CRD.
            assert!(
                !ladder::validate::validate(old, &files)
                    .diagnostics
                    .is_empty()
            );
        }
    }
}

#[test]
fn the_blunt_option_permits_every_kind_and_nothing_else() {
    let spec = std::fs::read_to_string(root().join("tests/golden/cluster-resources/ladder.yaml"))
        .unwrap()
        .replace(
            "argocd:\n  version: \"3.5\"",
            "argocd:\n  version: \"3.5\"\n  clusterResources: true",
        );
    let compiled = ladder::Request::new("ladder.yaml", spec.as_bytes())
        .compile()
        .unwrap();
    let text = String::from_utf8(compiled.files["appproject.yaml"].clone()).unwrap();
    let whitelist = text
        .split("clusterResourceWhitelist:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        whitelist.starts_with("    - group: \"*\"\n      kind: \"*\"\n"),
        "{text}"
    );
    assert!(!text.contains("kind: Namespace"), "{text}");
}
