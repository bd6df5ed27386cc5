//! Resource sync-waves end to end: the kustomize Component `ladder build` emits, run
//! through a real kustomize, gives the same waves as `ladder waves` does on the raw
//! manifests, and those are seed 000's: Postgres 0, migration 1, Next.js 2, Ingress 3.

use std::collections::BTreeMap;

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
    // The overlay lists golden/nextjs-shop/waves/nextjs-shop/dev, which the golden test
    // keeps equal to what `ladder build` emits.
    let output = kustomize.arg(overlay()).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(waves_of(&text), seed_000());
}
