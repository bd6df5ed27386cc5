//! Version files: pins, fleet members' own pins, and the grammar of image names and tags.

use super::pin::{is_image_name, is_image_tag};

const FLEET: &str = r#"name: dlt
output: {path: out}
defaults:
  source: {repoURL: https://example.com/dlt.git}
  namespace: dlt
versions: {path: "versions/{{ env }}.yaml"}
environments:
  - name: qa
    fleets: {nodes: [alpha, beta]}
components:
  - name: vault
    fleet: nodes
    version: dlt-node.vault
    imageParameter: image.tag
    source: {repoURL: https://charts.example.com, chart: vault}
"#;

fn plan(versions: &str) -> Result<crate::Planned, Vec<crate::diagnostic::Diagnostic>> {
    let inputs = crate::Inputs {
        files: [("versions/qa.yaml".to_owned(), versions.to_owned())].into(),
        ..crate::Inputs::default()
    };
    crate::Request::new("ladder.yaml", FLEET.as_bytes())
        .inputs(&inputs)
        .plan()
}

#[test]
fn a_fleet_member_takes_its_own_pins_over_the_shared_entry() {
    let planned = plan(
        "dlt-node:\n  vault:\n    chartVersion: \"1.2.0\"\n    imageTag: v1.2.0\n    members:\n      alpha: {chartVersion: \"1.3.0-rc.1\"}\n",
    )
    .unwrap();
    let pins: Vec<(String, String, String)> = planned
        .model
        .components
        .iter()
        .map(|c| {
            let s = &c.instances[0].as_ref().unwrap().sources[0];
            (
                c.name.clone(),
                s.target_revision.clone(),
                s.parameters[0].value.clone(),
            )
        })
        .collect();
    assert_eq!(
        pins,
        [
            ("alpha-vault".into(), "1.3.0-rc.1".into(), "v1.2.0".into()),
            ("beta-vault".into(), "1.2.0".into(), "v1.2.0".into()),
        ]
    );
}

#[test]
fn a_members_key_that_is_no_member_is_an_error_without_its_text() {
    let problems = plan(
        "dlt-node:\n  vault:\n    chartVersion: \"1.2.0\"\n    imageTag: v1\n    members:\n      alpah: {chartVersion: \"2\"}\n",
    )
    .unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].message.starts_with("versions/qa.yaml:6:7: this key of `dlt-node.vault.members` is not a member of the fleet in `qa`"), "{}", problems[0].message);
    assert!(!problems[0].message.contains("alpah"));
    assert_eq!(problems[0].help.as_deref(), Some("did you mean `alpha`?"));
}

#[test]
fn image_tags_follow_the_oci_grammar() {
    assert!(is_image_tag("v1.2.0"));
    assert!(is_image_tag("_build-7"));
    assert!(is_image_tag(&"a".repeat(128)));
    assert!(!is_image_tag(&"a".repeat(129)));
    assert!(!is_image_tag(""));
    assert!(!is_image_tag(".hidden"));
    assert!(!is_image_tag("-dash"));
    assert!(!is_image_tag("1.0 beta"));
    assert!(!is_image_tag("sha256:abc"));
}

#[test]
fn image_names_carry_no_tag_digest_or_rename() {
    assert!(is_image_name("nginx"));
    assert!(is_image_name("ghcr.io/org/app"));
    assert!(is_image_name("registry.example.com:5000/org/app"));
    assert!(!is_image_name(""));
    assert!(!is_image_name("org/app:v1"));
    assert!(!is_image_name("org/app@sha256:abc"));
    assert!(!is_image_name("old=new"));
    assert!(!is_image_name("/app"));
    assert!(!is_image_name("org//app"));
}

#[test]
fn a_members_pin_that_is_not_a_mapping_is_an_error() {
    let problems = plan(
        "dlt-node:\n  vault:\n    chartVersion: \"1.2.0\"\n    imageTag: v1\n    members:\n      alpha: \"1.3.0\"\n",
    )
    .unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .message
            .ends_with("`dlt-node.vault.members.alpha` must be a mapping of pins"),
        "{}",
        problems[0].message
    );
}
