//! Template overrides: a user's template replaces ladder's, in the same sandbox.

use crate::support::root;

#[test]
fn an_overridden_template_is_used_and_keeps_the_header() {
    let spec = root().join("examples/nextjs-shop/ladder.yaml");
    let bytes = std::fs::read(&spec).unwrap();
    let inputs = crate::support::inputs(&spec, &bytes);
    let request = ladder::Request::new("spec", &bytes)
        .inputs(&inputs)
        .spec_ref("../ladder.yaml");
    let mut templates = ladder::Templates {
        dir: "tpl".into(),
        ..ladder::Templates::default()
    };
    let embedded = ladder::render::templates::TEMPLATES
        .iter()
        .find(|(name, _)| *name == "root.yaml.j2")
        .unwrap()
        .1;
    let custom = embedded.replace(
        "  name: {{ name | yaml }}\n",
        "  name: {{ name | yaml }}\n  labels:\n    team: platform\n",
    );
    assert_ne!(embedded, custom);
    templates.files.insert("root.yaml.j2".into(), custom);
    let files = request.templates(Some(&templates)).compile().unwrap().files;
    let root_yaml = String::from_utf8(files["root.yaml"].clone()).unwrap();
    assert!(
        root_yaml.starts_with(ladder::emit::HEADER_PREFIX),
        "{root_yaml}"
    );
    assert!(
        root_yaml.contains("  labels:\n    team: platform\n"),
        "{root_yaml}"
    );
    // The other files are ladder's own.
    let plain = request.compile().unwrap().files;
    assert_eq!(files["applicationset.yaml"], plain["applicationset.yaml"]);
}
