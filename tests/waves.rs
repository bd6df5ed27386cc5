//! Resource sync-waves end to end: the kustomize Component `ladder build` emits, run
//! through a real kustomize, gives the same waves as `ladder waves` does on the raw
//! manifests, and those are seed 000's: Postgres 0, migration 1, Next.js 2, Ingress 3.

use std::collections::BTreeMap;
use std::process::Command;

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

/// `kubectl kustomize` or `kustomize build`, whichever is on PATH and new enough for
/// kustomize Components (kustomize 3.7; kubectl 1.21 embeds kustomize 4, while Debian 12's
/// kubernetes-client 1.20 embeds 2.0.3, which lacks them).
fn kustomize() -> Option<Command> {
    let version_text = |program: &str, args: &[&str]| -> Option<String> {
        let output = Command::new(program).args(args).output().ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    };
    if let Some(text) = version_text("kustomize", &["version"])
        && supports_components(&text)
    {
        let mut c = Command::new("kustomize");
        c.arg("build");
        return Some(c);
    }
    if let Some(text) = version_text("kubectl", &["version", "--client"])
        && let Some(line) = text.lines().find(|l| l.starts_with("Kustomize Version"))
        && supports_components(line)
    {
        let mut c = Command::new("kubectl");
        c.arg("kustomize");
        return Some(c);
    }
    None
}

/// Whether the first `vMAJOR.MINOR` in a version text is kustomize 3.7 or later.
fn supports_components(text: &str) -> bool {
    let Some(at) = text
        .char_indices()
        .find(|&(i, c)| c == 'v' && text[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
        .map(|(i, _)| i)
    else {
        return false;
    };
    let mut numbers = text[at + 1..]
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse::<u32>().ok());
    let major = numbers.next().unwrap_or(0);
    let minor = numbers.next().unwrap_or(0);
    (major, minor) >= (3, 7)
}

#[test]
fn kustomize_versions_with_components_are_recognised() {
    assert!(supports_components("Kustomize Version: v5.5.0"));
    assert!(supports_components(
        "{Version:kustomize/v4.5.7 GitCommit:abc}"
    ));
    assert!(supports_components("v3.8.1"));
    assert!(!supports_components("Kustomize Version: v2.0.3"));
    assert!(!supports_components("v3.6.0"));
}

#[test]
fn kustomize_build_of_the_nextjs_shop_overlay_applies_the_generated_waves() {
    let Some(mut kustomize) = kustomize() else {
        eprintln!("skipped: no kustomize (3.7+) nor kubectl (1.21+) on PATH");
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
