//! The schema checker against small schemas, and the spec's own.

use serde_json::json;

use super::*;
use crate::load::yaml;

fn run(text: &str, schema: &Json) -> Vec<Issue> {
    let node = yaml::parse("t.yaml", text).unwrap();
    check(&node, schema, schema)
}

/// A draft-07 schema shaped like the one schemars emits for the spec.
fn spec_schema() -> Json {
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "name": { "type": "string" },
            "components": { "type": "array", "items": { "$ref": "#/definitions/Component" } },
            "environments": { "type": "array", "items": { "$ref": "#/definitions/Environment" } },
            "maxUpdate": { "default": "100%", "allOf": [{ "$ref": "#/definitions/MaxUpdate" }] }
        },
        "additionalProperties": false,
        "required": ["name"],
        "definitions": {
            "Component": {
                "type": "object",
                "properties": {
                    "name": { "type": "string" },
                    "dependsOn": { "type": "array", "items": { "type": "string" }, "default": [] },
                    "enabled": {
                        "anyOf": [{ "$ref": "#/definitions/Enabled" }, { "type": "null" }],
                        "default": null
                    }
                },
                "additionalProperties": false,
                "required": ["name"]
            },
            "Environment": {
                "type": "object",
                "properties": {
                    "name": { "type": "string" },
                    "sync": { "default": "auto", "allOf": [{ "$ref": "#/definitions/Sync" }] },
                    "order": { "oneOf": [
                        { "type": "string", "const": "Reverse" },
                        { "type": "string", "const": "AllAtOnce" }
                    ] }
                },
                "additionalProperties": false,
                "required": ["name"]
            },
            "Sync": { "type": "string", "enum": ["auto", "manual"] },
            "MaxUpdate": { "anyOf": [{ "type": "integer", "format": "int64" }, { "type": "string" }] },
            "Enabled": {
                "anyOf": [
                    { "type": "boolean" },
                    { "type": "object", "additionalProperties": { "type": "boolean" } }
                ]
            }
        }
    })
}

#[test]
fn unknown_field_points_at_the_key_with_a_suggestion() {
    let text = "name: shop\ncomponents:\n  - name: api\n    dependOn: [db]\n";
    let issues = run(text, &spec_schema());
    assert_eq!(issues.len(), 1, "{issues:?}");
    let i = &issues[0];
    assert_eq!((i.pos.line, i.pos.column, i.pos.len), (4, 5, 8));
    assert_eq!(i.path, "components[0].dependOn");
    assert_eq!(i.message, "unknown field `dependOn` in `components[0]`");
    assert_eq!(i.help.as_deref(), Some("did you mean `dependsOn`?"));
}

#[test]
fn unknown_field_without_a_close_name_lists_the_known_ones() {
    let issues = run("name: shop\nzzz: 1\n", &spec_schema());
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].message, "unknown field `zzz` at the top level");
    assert_eq!(
        issues[0].help.as_deref(),
        Some("expected one of `name`, `components`, `environments`, `maxUpdate`")
    );
}

#[test]
fn every_problem_is_reported_in_one_pass() {
    let text = "\
components:
  - name: api
    dependsOn: db
  - nmae: web
environments:
  - name: dev
    sync: automatic
  - name: prod
    order: reverse
maxUpdate: [1]
";
    let issues = run(text, &spec_schema());
    let got: Vec<(u32, u32, &str)> = issues
        .iter()
        .map(|i| (i.pos.line, i.pos.column, i.message.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                3,
                16,
                "`components[0].dependsOn` must be a list, found a string"
            ),
            (4, 5, "unknown field `nmae` in `components[1]`"),
            (4, 5, "missing required field `name` in `components[1]`"),
            (
                7,
                11,
                "`environments[0].sync` must be one of `auto`, `manual`, found `automatic`"
            ),
            (
                9,
                12,
                "`environments[1].order` must be one of `Reverse`, `AllAtOnce`, found `reverse`"
            ),
            (
                10,
                12,
                "`maxUpdate` must be an integer or a string, found a list"
            ),
            (1, 1, "missing required field `name` at the top level"),
        ],
        "{issues:#?}"
    );
    assert_eq!(issues[1].help.as_deref(), Some("did you mean `name`?"));
    assert_eq!(issues[3].help.as_deref(), Some("did you mean `auto`?"));
    assert_eq!(issues[4].help.as_deref(), Some("did you mean `Reverse`?"));
}

#[test]
fn required_field_is_reported_at_the_mapping() {
    let issues = run(
        "name: x\nenvironments:\n  - name: dev\n  - sync: auto\n",
        &spec_schema(),
    );
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(
        issues[0].message,
        "missing required field `name` in `environments[1]`"
    );
    assert_eq!(issues[0].path, "environments[1]");
    assert_eq!(issues[0].pos.line, 4);
}

#[test]
fn enum_accepts_listed_values_only() {
    let schema = json!({ "type": "string", "enum": ["auto", "manual"] });
    assert!(run("manual\n", &schema).is_empty());
    let issues = run("automatic\n", &schema);
    assert_eq!(
        issues[0].message,
        "the top level must be one of `auto`, `manual`, found `automatic`"
    );
    // A value of the wrong type hears what is allowed, not only the type.
    let issues = run("3\n", &schema);
    assert_eq!(
        issues[0].message,
        "the top level must be one of `auto`, `manual`, found `3`"
    );
}

#[test]
fn int_or_string() {
    let schema = json!({ "type": "object", "properties": { "maxUpdate": {
            "anyOf": [{ "type": "integer" }, { "type": "string" }],
            "x-kubernetes-int-or-string": true
        } } });
    assert!(run("maxUpdate: 3\n", &schema).is_empty());
    assert!(run("maxUpdate: \"25%\"\n", &schema).is_empty());
    for (text, found) in [
        ("maxUpdate: [3]\n", "a list"),
        ("maxUpdate: 2.5\n", "a number"),
    ] {
        let issues = run(text, &schema);
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(
            issues[0].message,
            format!("`maxUpdate` must be an integer or a string, found {found}")
        );
    }
    // An integral float is still not an integer.
    let int = json!({ "type": "integer" });
    assert_eq!(
        run("3.0\n", &int)[0].message,
        "the top level must be an integer, found a number"
    );
    assert!(run("3\n", &json!({ "type": "number" })).is_empty());
    assert!(!run("3.5\n", &json!({ "type": "number", "format": "int64" })).is_empty());
}

#[test]
fn preserve_unknown_fields() {
    let schema = json!({ "type": "object", "properties": {
            "elements": { "type": "array", "items": { "x-kubernetes-preserve-unknown-fields": true } },
            "open": {
                "type": "object",
                "properties": { "known": { "type": "string" } },
                "x-kubernetes-preserve-unknown-fields": true
            },
            "closed": { "type": "object", "properties": { "known": { "type": "string" } } },
            "free": { "type": "object" }
        } });
    let text = "\
elements:
  - cluster: dev
    nested: { a: [1, 2] }
  - 3
open: { known: x, other: 1 }
free: { anything: [1] }
";
    assert_eq!(run(text, &schema), vec![]);
    let issues = run(
        "open: { known: 1 }\nclosed: { known: x, other: 1 }\n",
        &schema,
    );
    let messages: Vec<&str> = issues.iter().map(|i| i.message.as_str()).collect();
    assert_eq!(
        messages,
        vec![
            "`open.known` must be a string, found an integer",
            "unknown field `other` in `closed`"
        ]
    );
}

#[test]
fn additional_properties_schema_checks_map_values() {
    let schema = json!({ "type": "object", "additionalProperties": { "type": "string" } });
    assert!(run("a: x\nb: y\n", &schema).is_empty());
    let issues = run("a: x\nb: [y]\n", &schema);
    assert_eq!(issues[0].message, "`b` must be a string, found a list");
    assert_eq!((issues[0].pos.line, issues[0].pos.column), (2, 4));
}

#[test]
fn any_of_bool_or_map() {
    let schema = spec_schema();
    let ok = "name: x\ncomponents:\n  - { name: a, enabled: false }\n  - { name: b, enabled: { prod: false } }\n  - { name: c, enabled: null }\n";
    assert_eq!(run(ok, &schema), vec![]);
    // The value fits the mapping branch: report that branch's problem.
    let issues = run(
        "name: x\ncomponents:\n  - name: a\n    enabled: { prod: \"no\" }\n",
        &schema,
    );
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(
        issues[0].message,
        "`components[0].enabled.prod` must be a boolean, found a string"
    );
    // The value fits no branch: one message listing them.
    let issues = run(
        "name: x\ncomponents:\n  - name: a\n    enabled: \"no\"\n",
        &schema,
    );
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(
        issues[0].message,
        "`components[0].enabled` must be a boolean, a mapping or null, found `no`"
    );
}

#[test]
fn cyclic_refs_stop() {
    let schema =
        json!({ "definitions": { "A": { "$ref": "#/definitions/A" } }, "$ref": "#/definitions/A" });
    let issues = run("x: 1\n", &schema);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert!(issues[0].message.contains("cyclic"), "{issues:?}");
    let schema =
        json!({ "$defs": { "A": { "anyOf": [{ "$ref": "#/$defs/A" }] } }, "$ref": "#/$defs/A" });
    assert_eq!(run("x: 1\n", &schema).len(), 1);
}

#[test]
fn min_items_and_bounds() {
    let schema = json!({ "type": "array", "minItems": 2, "items": { "type": "integer", "minimum": 0, "maximum": 9 } });
    let issues = run("[-1]\n", &schema);
    let messages: Vec<&str> = issues.iter().map(|i| i.message.as_str()).collect();
    assert_eq!(
        messages,
        vec![
            "the top level must have at least 2 items, found 1",
            "`[0]` must be at least 0, found `-1`"
        ]
    );
}

/// Regression: two `$ref`s to one schema under an `anyOf` made the check exponential in
/// the depth of the document (depth 20: 40 s; 30: hours). The work is now bounded.
#[test]
fn branching_refs_are_checked_in_bounded_work() {
    let schema = json!({
        "$ref": "#/definitions/node",
        "definitions": {"node": {
            "type": "object",
            "properties": {
                "leaf": {"type": "integer"},
                "child": {"anyOf": [{"$ref": "#/definitions/node"}, {"$ref": "#/definitions/node"}]}
            }
        }}
    });
    let mut text = String::new();
    for _ in 0..40 {
        text.push_str("{child: ");
    }
    text.push_str("{leaf: x}");
    text.push_str(&"}".repeat(40));
    let node = yaml::parse("t.yaml", &text).unwrap();
    let issues = check(&node, &schema, &schema);
    assert!(!issues.is_empty());
    assert!(
        issues
            .iter()
            .any(|i| i.message.contains("must be an integer") || i.message.contains("too complex")),
        "{:?}",
        issues.iter().map(|i| &i.message).collect::<Vec<_>>()
    );
}
