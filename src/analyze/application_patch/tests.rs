use serde_json::{Value as Json, json};

use super::fields::{APPLICATION, Field, Role};
use super::merge;
use crate::analyze::model::Version;
use crate::load::yaml::{self, Node, Value};

/// The Application CRD's `openAPIV3Schema` of one Argo CD version, from the conformance
/// data beside the project; `None` (with a printed reason) where it is absent.
fn crd(version: &str) -> Option<Json> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/argo-cd-crds");
    let file = match version {
        "v2.10.0" => dir.join("v2.10.0/application-crd.yaml"),
        _ => dir.join("application-crd.yaml"),
    };
    let Ok(text) = std::fs::read_to_string(&file) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs the Argo CD CRDs at {}",
            file.display()
        );
        eprintln!(
            "skipped: no {} (the Argo CD CRDs beside the project)",
            file.display()
        );
        return None;
    };
    let docs = yaml::parse_all("application-crd.yaml", &text).unwrap();
    let doc: &Node = docs
        .iter()
        .find(|d| d.get("kind").and_then(Node::as_str) == Some("CustomResourceDefinition"))
        .unwrap();
    let Some(Node {
        value: Value::Seq(versions),
        ..
    }) = doc.get("spec").and_then(|s| s.get("versions"))
    else {
        panic!("no versions");
    };
    Some(
        versions[0]
            .get("schema")
            .unwrap()
            .get("openAPIV3Schema")
            .unwrap()
            .to_json(),
    )
}

/// Compares the fields of one object of the model with the CRD's properties there, and
/// goes down into the objects ladder writes part of.
fn compare(
    fields: &[Field],
    schema: &Json,
    at: &str,
    version: Version,
    problems: &mut Vec<String>,
) {
    let properties = schema["properties"].as_object();
    let mut crd_names: Vec<&str> = properties
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    crd_names.sort_unstable();
    let mut model_names: Vec<&str> = fields
        .iter()
        .filter(|f| f.exists_in(version))
        .map(|f| f.name)
        .collect();
    model_names.sort_unstable();
    if crd_names != model_names {
        problems.push(format!(
            "{at}: the CRD has {crd_names:?}, the model {model_names:?}"
        ));
    }
    for f in fields.iter().filter(|f| f.exists_in(version)) {
        let Some(sub) = properties.and_then(|p| p.get(f.name)) else {
            continue;
        };
        let here = format!("{at}.{}", f.name);
        match f.role {
            Role::Within(inner) | Role::Automated(inner) => {
                compare(inner, sub, &here, version, problems);
            }
            Role::Open(shape) => {
                let (ty, items) = shape.crd_type();
                if sub["type"] != ty || items.is_some_and(|t| sub["items"]["type"] != t) {
                    problems.push(format!("{here}: the CRD says {sub}, the model {shape:?}"));
                }
            }
            _ => {}
        }
    }
}

#[test]
fn the_model_classifies_every_field_of_the_application_crd_of_both_versions() {
    for (tag, version) in [
        ("v3.5.1", Version { major: 3, minor: 5 }),
        (
            "v2.10.0",
            Version {
                major: 2,
                minor: 10,
            },
        ),
    ] {
        let Some(schema) = crd(tag) else { return };
        let mut problems = Vec::new();
        // `metadata` is `type: object` in the CRD (the API server checks ObjectMeta).
        let top: Vec<Field> = APPLICATION
            .iter()
            .copied()
            .filter(|f| f.name != "metadata")
            .collect();
        let mut schema_top = schema.clone();
        schema_top["properties"]
            .as_object_mut()
            .unwrap()
            .remove("metadata");
        compare(&top, &schema_top, tag, version, &mut problems);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}

#[test]
fn an_override_merges_over_the_component_patch_objects_merge_lists_replace_null_removes() {
    let mut base = json!({"metadata": {"finalizers": ["a"], "x": 1}, "spec": {"k": {"a": 1}}});
    merge(
        &mut base,
        &json!({"metadata": {"finalizers": ["b", "c"], "x": null}, "spec": {"k": {"b": 2}, "n": {"z": null, "y": 1}}}),
    );
    assert_eq!(
        base,
        json!({"metadata": {"finalizers": ["b", "c"]}, "spec": {"k": {"a": 1, "b": 2}, "n": {"y": 1}}})
    );
}
