//! Resource sync-waves end to end: the kustomize Component `ladder build` emits, run
//! through a real kustomize, gives the same waves as `ladder waves` does on the raw
//! manifests, and those are seed 000's: Postgres 0, migration 1, Next.js 2, Ingress 3.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use ladder::edit::annotate::Input;

use crate::support::root;

/// (kind/name) → sync-wave of every document of a YAML stream.
fn waves_of(text: &str) -> BTreeMap<String, String> {
    ladder::load::yaml::parse_all("out.yaml", text)
        .unwrap()
        .iter()
        .map(|doc| {
            let kind = doc.get("kind").and_then(|k| k.as_str()).unwrap();
            let meta = doc.get("metadata").unwrap();
            let name = meta.get("name").and_then(|n| n.as_str()).unwrap();
            let wave = meta
                .get("annotations")
                .and_then(|a| a.get(ladder::analyze::names::SYNC_WAVE))
                .and_then(|w| w.as_str())
                .unwrap_or("none");
            (format!("{kind}/{name}"), wave.to_owned())
        })
        .collect()
}

fn seed_000() -> BTreeMap<String, String> {
    [
        ("Deployment/postgres", "0"),
        ("Service/postgres", "0"),
        ("Job/nextjs-shop-migrate", "1"),
        ("Deployment/nextjs-shop", "2"),
        ("Service/nextjs-shop", "2"),
        ("Ingress/nextjs-shop", "3"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn overlay() -> std::path::PathBuf {
    root().join("examples/nextjs-shop/overlays/dev")
}

#[test]
fn ladder_waves_gives_the_nextjs_shop_overlay_seed_000s_waves() {
    let path = root().join("examples/nextjs-shop/ladder.yaml");
    let spec = std::fs::read(&path).unwrap();
    let inputs = crate::support::inputs(&path, &spec);
    let model = ladder::Request::new("ladder.yaml", &spec)
        .inputs(&inputs)
        .plan()
        .unwrap()
        .model;
    let component = &model.components[0];
    let mut inputs = Vec::new();
    for entry in std::fs::read_dir(overlay()).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() != "kustomization.yaml" {
            inputs.push(Input {
                name: path.display().to_string(),
                text: std::fs::read_to_string(&path).unwrap(),
            });
        }
    }
    inputs.sort_by(|a, b| a.name.cmp(&b.name));
    let namespace = &component.instances[0].as_ref().unwrap().namespace;
    let waves = component.waves.as_ref().unwrap();
    let annotated = ladder::edit::annotate::annotate(waves, namespace, &inputs, false).unwrap();
    assert_eq!(waves_of(&annotated.text), seed_000());
    assert!(annotated.notes.is_empty(), "{:?}", annotated.notes);
}

#[test]
fn kustomize_build_of_the_nextjs_shop_overlay_applies_the_generated_waves() {
    let Some(mut kustomize) = crate::support::kustomize() else {
        return;
    };
    // The overlay lists ../../argocd/waves/nextjs-shop/dev, where `ladder build` writes
    // the Component (`output.path` is `argocd`); the golden tree, which the golden test
    // keeps equal to what `ladder build` emits, stands in for it.
    let tmp = tempfile::tempdir().unwrap();
    crate::support::copy_tree(&overlay(), &tmp.path().join("overlays/dev"));
    crate::support::copy_tree(
        &root().join("golden/nextjs-shop"),
        &tmp.path().join("argocd"),
    );
    let output = kustomize
        .arg(tmp.path().join("overlays/dev"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(waves_of(&text), seed_000());
}

/// Regression: kustomize reads a patch target's kind, name and namespace as regular
/// expressions, and only `.` was escaped: `web|db` patched `web` and `db`, `x+` matched
/// nothing, `a(b` made kustomize fail. Both paths must select the same resources.
#[test]
fn kustomize_and_ladder_waves_select_the_same_resources_for_names_with_regex_characters() {
    let Some(mut kustomize) = crate::support::kustomize() else {
        return;
    };
    let spec = r#"name: shop
defaults:
  source: {repoURL: https://github.com/example/shop.git, targetRevision: main}
output: {path: out}
environments: [{name: dev}]
components:
  - name: shop
    source: {path: shop}
    namespace: shop
    resources:
      - name: first
        match: [{name: "web|db"}]
      - name: second
        match: [{kind: ConfigMap, name: "a.b"}, {name: "a(b"}]
        dependsOn: [first]
      - name: third
        match: [{kind: "Secret|ConfigMap", name: "x+"}]
        dependsOn: [second]
"#;
    let names = ["web", "db", "web|db", "a.b", "aXb", "x+", "a(b", "xx"];
    let mut manifests = String::new();
    for name in names {
        let kind = if name == "xx" { "Secret" } else { "ConfigMap" };
        let _ = writeln!(
            manifests,
            "---\napiVersion: v1\nkind: {kind}\nmetadata: {{name: \"{name}\"}}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let compiled = ladder::Request::new("ladder.yaml", spec.as_bytes())
        .compile()
        .unwrap();
    for (path, bytes) in &compiled.files {
        let target = dir.path().join("out").join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("base")).unwrap();
    std::fs::create_dir_all(dir.path().join("overlay")).unwrap();
    std::fs::write(dir.path().join("base/manifests.yaml"), &manifests).unwrap();
    std::fs::write(
        dir.path().join("base/kustomization.yaml"),
        "resources: [manifests.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("overlay/kustomization.yaml"),
        "resources: [../base]\ncomponents: [../out/waves/shop/dev]\n",
    )
    .unwrap();
    let output = kustomize.arg(dir.path().join("overlay")).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let by_kustomize = waves_of(&String::from_utf8(output.stdout).unwrap());
    let component = &compiled.model.components[0];
    let annotated = ladder::edit::annotate::annotate(
        component.waves.as_ref().unwrap(),
        "shop",
        &[Input {
            name: "manifests.yaml".into(),
            text: manifests,
        }],
        false,
    )
    .unwrap();
    let by_ladder = waves_of(&annotated.text);
    assert_eq!(by_kustomize, by_ladder);
    assert_eq!(by_ladder["ConfigMap/web|db"], "0");
    assert_eq!(by_ladder["ConfigMap/web"], "none");
    assert_eq!(by_ladder["ConfigMap/a(b"], "1");
    // No resource has the kind `Secret|ConfigMap`.
    assert_eq!(by_ladder["ConfigMap/x+"], "none");
}
