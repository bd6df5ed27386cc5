//! Structural validation of a YAML node tree against a schema.
//!
//! This module owns one job: given a [`Node`] tree (which knows the line and
//! column of every value and key) and a schema, list *every* place where the
//! tree does not fit the schema, each at the position of the offending node.
//! It exists because off-the-shelf validators work on JSON values without
//! positions and stop early or report JSON pointers; ladder wants rustc-style
//! errors that point at the misspelt key in the user's file.
//!
//! The supported keywords are the subset shared by the draft-07 schemas that
//! schemars emits for the spec and by Kubernetes CRD `openAPIV3Schema`s:
//! `type`, `properties`, `additionalProperties`, `required`, `items`, `enum`,
//! `const`, `$ref` (local pointers such as `#/definitions/X` or `#/$defs/X`),
//! `allOf`, `anyOf`, `oneOf`, `minimum`, `maximum`, `minItems`, `nullable`,
//! `format` (only `int32`/`int64`, which demand integers),
//! `x-kubernetes-int-or-string` and `x-kubernetes-preserve-unknown-fields`.
//! Other keywords (`pattern`, `minLength`, `description`, `default`, other
//! `x-kubernetes-*`) are ignored.
//!
//! Unknown keys follow the Kubernetes rule (strict field validation): a
//! mapping whose schema lists `properties` rejects keys it does not list,
//! unless `additionalProperties` allows them or
//! `x-kubernetes-preserve-unknown-fields` is set. A schema without
//! `properties` and without `additionalProperties` accepts any keys.
//!
//! `oneOf` is treated like `anyOf` (a value must fit at least one branch; that
//! it fits exactly one is not checked). To stay linear in the size of the
//! input, `anyOf` branches are first filtered by a cheap check of the value
//! itself (its type, `const`, `enum`); only branches that pass it are checked
//! in depth, and in the schemas ladder deals with that is almost always one.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{Map, Value as Json};

use crate::diagnostic::{Pos, closest, did_you_mean};
use crate::load::yaml::{Node, Value};

/// How many `$ref`, `allOf` or `anyOf` steps may be taken at one node before the
/// schema is deemed cyclic.
const MAX_HOPS: usize = 64;

/// One place where a node tree does not fit its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Where the offending node (or, for an unknown field, its key) is.
    pub pos: Pos,
    /// Dot-separated path with `[i]` for list items, e.g. `components[2].dependsOn`;
    /// empty for the top level.
    pub path: String,
    pub message: String,
    /// The likely fix, e.g. "did you mean `dependsOn`?".
    pub help: Option<String>,
}

/// Checks `node` against `schema` and returns every problem found, in document order.
///
/// `root` is the document `$ref`s are resolved in (usually the schema itself).
pub fn check(node: &Node, schema: &Json, root: &Json) -> Vec<Issue> {
    let checker = Checker { root };
    let mut issues = Vec::new();
    let mut path = String::new();
    checker.node(node, schema, &mut path, 0, &mut issues);
    // `allOf` members may report the same problem twice.
    let mut seen = BTreeSet::new();
    issues.retain(|issue| seen.insert((issue.pos, issue.message.clone())));
    issues
}

struct Checker<'a> {
    root: &'a Json,
}

/// What a schema accepts at one node, for "must be …" messages.
#[derive(Default)]
struct Expected {
    /// Values from `const` and `enum`.
    values: Vec<Json>,
    /// Type descriptions such as "a string" or "null".
    kinds: Vec<&'static str>,
}

impl<'a> Checker<'a> {
    /// Resolves a `$ref` within `root`; `None` for anything but a local JSON pointer.
    fn resolve(&self, reference: &Json) -> Option<&'a Json> {
        let pointer = reference.as_str()?.strip_prefix('#')?;
        self.root.pointer(pointer)
    }

    /// Checks `node` against `schema`, pushing problems to `out`. `hops` counts the
    /// schema indirections taken at this node, to stop on cyclic `$ref`s.
    fn node(
        &self,
        node: &Node,
        schema: &'a Json,
        path: &mut String,
        hops: usize,
        out: &mut Vec<Issue>,
    ) {
        let obj = match schema {
            Json::Object(obj) => obj,
            Json::Bool(false) => {
                let message = format!("{} is not allowed here", subject(path));
                out.push(issue(node.pos, path, message, None));
                return;
            }
            _ => return,
        };
        if hops > MAX_HOPS {
            let message = format!(
                "the schema for {} nests too deeply (cyclic `$ref`?)",
                subject(path)
            );
            out.push(issue(node.pos, path, message, None));
            return;
        }
        if let Some(reference) = obj.get("$ref") {
            // Draft-07: keywords beside `$ref` are ignored.
            if let Some(target) = self.resolve(reference) {
                self.node(node, target, path, hops + 1, out);
            } else {
                let message = format!(
                    "the schema for {} has an unsupported `$ref` {reference}",
                    subject(path)
                );
                out.push(issue(node.pos, path, message, None));
            }
            return;
        }
        if node.value == Value::Null && is_true(obj, "nullable") {
            return;
        }
        if let Err(kinds) = type_fits(node, obj) {
            let message = format!(
                "{} must be {}, found {}",
                subject(path),
                either(&kinds),
                node.value.kind()
            );
            let expected = Expected {
                kinds: kinds.clone(),
                ..Expected::default()
            };
            out.push(issue(node.pos, path, message, quote_hint(node, &expected)));
            return;
        }
        if !value_fits(node, obj) {
            let mut expected = Expected::default();
            self.expected(schema, hops, &mut expected);
            out.push(mismatch(node, path, &expected));
            return;
        }
        bounds(node, obj, path, out);
        if let Some(Json::Array(members)) = obj.get("allOf") {
            for member in members {
                self.node(node, member, path, hops + 1, out);
            }
        }
        for keyword in ["anyOf", "oneOf"] {
            if let Some(Json::Array(branches)) = obj.get(keyword) {
                self.any_of(node, branches, path, hops, out);
            }
        }
        match &node.value {
            Value::Map(entries) => self.mapping(node, entries, obj, path, out),
            Value::Seq(items) => self.list(node, items, obj, path, out),
            _ => {}
        }
    }

    /// `anyOf`/`oneOf`: fine if one branch fits; otherwise the problems of the branch
    /// that fits best, or one "must be …" message when no branch fits the value itself.
    fn any_of(
        &self,
        node: &Node,
        branches: &'a [Json],
        path: &mut String,
        hops: usize,
        out: &mut Vec<Issue>,
    ) {
        let mut best: Option<Vec<Issue>> = None;
        for branch in branches.iter().filter(|b| self.fits(node, b, hops + 1)) {
            let mut found = Vec::new();
            self.node(node, branch, path, hops + 1, &mut found);
            if found.is_empty() {
                return;
            }
            if best.as_ref().is_none_or(|b| found.len() < b.len()) {
                best = Some(found);
            }
        }
        if let Some(found) = best {
            out.extend(found);
        } else {
            let mut expected = Expected::default();
            for branch in branches {
                self.expected(branch, hops + 1, &mut expected);
            }
            out.push(mismatch(node, path, &expected));
        }
    }

    /// A cheap, shallow check: does the value itself (not its children) fit `schema`?
    fn fits(&self, node: &Node, schema: &'a Json, hops: usize) -> bool {
        let obj = match schema {
            Json::Object(obj) => obj,
            other => return *other != Json::Bool(false),
        };
        if hops > MAX_HOPS {
            return false;
        }
        if let Some(reference) = obj.get("$ref") {
            return self
                .resolve(reference)
                .is_some_and(|target| self.fits(node, target, hops + 1));
        }
        if node.value == Value::Null && is_true(obj, "nullable") {
            return true;
        }
        if type_fits(node, obj).is_err() || !value_fits(node, obj) {
            return false;
        }
        if let Some(Json::Array(members)) = obj.get("allOf")
            && !members.iter().all(|m| self.fits(node, m, hops + 1))
        {
            return false;
        }
        ["anyOf", "oneOf"]
            .iter()
            .all(|keyword| match obj.get(*keyword) {
                Some(Json::Array(branches)) => {
                    branches.iter().any(|b| self.fits(node, b, hops + 1))
                }
                _ => true,
            })
    }

    /// Collects what `schema` accepts, for messages.
    fn expected(&self, schema: &'a Json, hops: usize, acc: &mut Expected) {
        let Json::Object(obj) = schema else {
            return;
        };
        if hops > MAX_HOPS {
            return;
        }
        if let Some(reference) = obj.get("$ref") {
            if let Some(target) = self.resolve(reference) {
                self.expected(target, hops + 1, acc);
            }
            return;
        }
        if let Some(value) = obj.get("const") {
            acc.values.push(value.clone());
        } else if let Some(Json::Array(values)) = obj.get("enum") {
            acc.values.extend(values.iter().cloned());
        } else if let Some(kinds) = accepted_kinds(obj) {
            acc.kinds.extend(kinds);
        } else {
            for keyword in ["allOf", "anyOf", "oneOf"] {
                if let Some(Json::Array(members)) = obj.get(keyword) {
                    for member in members {
                        self.expected(member, hops + 1, acc);
                    }
                }
            }
        }
        if is_true(obj, "nullable") {
            acc.kinds.push("null");
        }
    }

    fn mapping(
        &self,
        node: &Node,
        entries: &[(Node, Node)],
        obj: &'a Map<String, Json>,
        path: &mut String,
        out: &mut Vec<Issue>,
    ) {
        let properties = obj.get("properties").and_then(Json::as_object);
        let additional = obj.get("additionalProperties");
        let preserve = is_true(obj, "x-kubernetes-preserve-unknown-fields");
        for (key, value) in entries {
            let Some(name) = key.key_text() else {
                let message = format!("{} has a key that is not a scalar", subject(path));
                out.push(issue(key.pos, path, message, None));
                continue;
            };
            let parent = path.len();
            push_key(path, &name);
            if let Some(sub) = properties.and_then(|p| p.get(&name)) {
                self.node(value, sub, path, 0, out);
            } else {
                match additional {
                    Some(Json::Bool(false)) => {
                        out.push(unknown(key, &name, path, parent, properties));
                    }
                    Some(sub @ Json::Object(_)) => self.node(value, sub, path, 0, out),
                    None if properties.is_some() && !preserve => {
                        out.push(unknown(key, &name, path, parent, properties));
                    }
                    // `additionalProperties: true`, or no `properties` to be strict about.
                    Some(_) | None => {}
                }
            }
            path.truncate(parent);
        }
        if let Some(Json::Array(required)) = obj.get("required") {
            for name in required.iter().filter_map(Json::as_str) {
                if node.entry(name).is_none() {
                    let message = format!("missing required field `{name}` {}", place(path));
                    out.push(issue(node.pos, path, message, None));
                }
            }
        }
    }

    fn list(
        &self,
        node: &Node,
        items: &[Node],
        obj: &'a Map<String, Json>,
        path: &mut String,
        out: &mut Vec<Issue>,
    ) {
        if let Some(min) = obj.get("minItems").and_then(Json::as_u64)
            && u64::try_from(items.len()).unwrap_or(u64::MAX) < min
        {
            let message = format!(
                "{} must have at least {min} item{}, found {}",
                subject(path),
                if min == 1 { "" } else { "s" },
                items.len()
            );
            out.push(issue(node.pos, path, message, None));
        }
        let schemas: &[Json] = match obj.get("items") {
            None => return,
            Some(Json::Array(tuple)) => tuple,
            Some(single) => std::slice::from_ref(single),
        };
        let tuple = matches!(obj.get("items"), Some(Json::Array(_)));
        for (i, item) in items.iter().enumerate() {
            let schema = if tuple {
                schemas.get(i)
            } else {
                schemas.first()
            };
            let Some(schema) = schema else {
                break;
            };
            let parent = path.len();
            let _ = write!(path, "[{i}]");
            self.node(item, schema, path, 0, out);
            path.truncate(parent);
        }
    }
}

/// `minimum` and `maximum`.
fn bounds(node: &Node, obj: &Map<String, Json>, path: &str, out: &mut Vec<Issue>) {
    let Some(value) = number(node) else {
        return;
    };
    if let Some(min) = obj.get("minimum").and_then(Json::as_f64)
        && value < min
    {
        let message = format!(
            "{} must be at least {}, found {}",
            subject(path),
            obj["minimum"],
            found(node)
        );
        out.push(issue(node.pos, path, message, None));
    }
    if let Some(max) = obj.get("maximum").and_then(Json::as_f64)
        && value > max
    {
        let message = format!(
            "{} must be at most {}, found {}",
            subject(path),
            obj["maximum"],
            found(node)
        );
        out.push(issue(node.pos, path, message, None));
    }
}

fn issue(pos: Pos, path: &str, message: String, help: Option<String>) -> Issue {
    Issue {
        pos,
        path: path.to_owned(),
        message,
        help,
    }
}

/// "unknown field `x` in `parent`", pointing at the key.
fn unknown(
    key: &Node,
    name: &str,
    path: &str,
    parent: usize,
    properties: Option<&Map<String, Json>>,
) -> Issue {
    let known = properties
        .map(|p| p.keys().map(String::as_str).collect::<Vec<_>>())
        .unwrap_or_default();
    let help = did_you_mean(name, known.iter().copied()).or_else(|| {
        (!known.is_empty()).then(|| format!("expected one of {}", ticked(known.iter().copied())))
    });
    let pos = if key.pos.len == 0 {
        key.pos.with_len(name.chars().count())
    } else {
        key.pos
    };
    let message = format!("unknown field `{name}` {}", place(&path[..parent]));
    issue(pos, path, message, help)
}

/// "`x` must be one of `a`, `b`, found `c`" and friends.
fn mismatch(node: &Node, path: &str, expected: &Expected) -> Issue {
    let values: Vec<String> = expected.values.iter().map(show).collect();
    let help = node
        .as_str()
        .and_then(|s| {
            let strings = expected.values.iter().filter_map(Json::as_str);
            closest(s, strings).map(|name| format!("did you mean `{name}`?"))
        })
        .or_else(|| quote_hint(node, expected));
    let message = if expected.kinds.is_empty() && values.len() > 1 {
        format!(
            "{} must be one of {}, found {}",
            subject(path),
            ticked(values.iter().map(String::as_str)),
            found(node)
        )
    } else {
        let mut all: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
        for kind in &expected.kinds {
            if !all.iter().any(|k| k == kind) {
                all.push((*kind).to_owned());
            }
        }
        if all.is_empty() {
            format!(
                "{} does not fit its schema, found {}",
                subject(path),
                found(node)
            )
        } else {
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            format!(
                "{} must be {}, found {}",
                subject(path),
                either(&refs),
                found(node)
            )
        }
    };
    issue(node.pos, path, message, help)
}

/// A number or boolean where a string is wanted (`version: 3.5`, `tag: 1.10`): YAML read
/// it as a number, so suggest the quotes that keep it text.
fn quote_hint(node: &Node, expected: &Expected) -> Option<String> {
    let scalar = matches!(node.value, Value::Int(_) | Value::Float(_) | Value::Bool(_));
    let wants_string = expected.kinds.iter().any(|k| k.contains("string"));
    let text = node.key_text().unwrap_or_default();
    (scalar && wants_string)
        .then(|| format!("quote the value so YAML reads it as text: \"{text}\""))
}

/// Checks `type`, `x-kubernetes-int-or-string` and integer `format`s; on mismatch,
/// returns what was expected.
fn type_fits(node: &Node, obj: &Map<String, Json>) -> Result<(), Vec<&'static str>> {
    let Some(kinds) = accepted_kinds(obj) else {
        return Ok(());
    };
    let integer_only = matches!(
        obj.get("format").and_then(Json::as_str),
        Some("int32" | "int64")
    );
    let names: Vec<&str> = if is_true(obj, "x-kubernetes-int-or-string") {
        vec!["integer", "string"]
    } else {
        type_names(obj)
    };
    let fits = names.iter().any(|name| match (*name, &node.value) {
        ("null", Value::Null)
        | ("boolean", Value::Bool(_))
        | ("integer" | "number", Value::Int(_))
        | ("string", Value::Str(_))
        | ("array", Value::Seq(_))
        | ("object", Value::Map(_)) => true,
        ("number", Value::Float(_)) => !integer_only,
        _ => false,
    });
    if fits { Ok(()) } else { Err(kinds) }
}

/// The type names of `type` (a string or a list of strings).
fn type_names(obj: &Map<String, Json>) -> Vec<&str> {
    match obj.get("type") {
        Some(Json::String(name)) => vec![name.as_str()],
        Some(Json::Array(names)) => names.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Descriptions of the types a schema accepts ("a string", "null"), or `None` when
/// it does not restrict the type.
fn accepted_kinds(obj: &Map<String, Json>) -> Option<Vec<&'static str>> {
    if is_true(obj, "x-kubernetes-int-or-string") {
        return Some(vec!["an integer", "a string"]);
    }
    obj.get("type")?;
    let integer_only = matches!(
        obj.get("format").and_then(Json::as_str),
        Some("int32" | "int64")
    );
    let kinds = type_names(obj)
        .into_iter()
        .map(|name| match name {
            "null" => "null",
            "boolean" => "a boolean",
            "integer" => "an integer",
            "number" if integer_only => "an integer",
            "number" => "a number",
            "string" => "a string",
            "array" => "a list",
            "object" => "a mapping",
            _ => "a value of an unknown type",
        })
        .collect();
    Some(kinds)
}

/// Checks `const` and `enum` against the value.
fn value_fits(node: &Node, obj: &Map<String, Json>) -> bool {
    let constant = obj.get("const");
    let choices = obj.get("enum").and_then(Json::as_array);
    if constant.is_none() && choices.is_none() {
        return true;
    }
    let value = node.to_json();
    constant.is_none_or(|c| *c == value) && choices.is_none_or(|c| c.contains(&value))
}

fn is_true(obj: &Map<String, Json>, keyword: &str) -> bool {
    obj.get(keyword) == Some(&Json::Bool(true))
}

#[allow(
    clippy::cast_precision_loss,
    reason = "bounds in schemas are small; f64 is precise enough"
)]
fn number(node: &Node) -> Option<f64> {
    match node.value {
        Value::Int(i) => Some(i as f64),
        Value::Float(f) => Some(f),
        _ => None,
    }
}

fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

/// The path as the subject of a sentence.
fn subject(path: &str) -> String {
    if path.is_empty() {
        "the top level".to_owned()
    } else {
        format!("`{path}`")
    }
}

/// The path as a place: "in `x`" or "at the top level".
fn place(path: &str) -> String {
    if path.is_empty() {
        "at the top level".to_owned()
    } else {
        format!("in `{path}`")
    }
}

/// How a found value reads in a message: scalars as themselves, collections by kind.
fn found(node: &Node) -> String {
    let text = match &node.value {
        Value::Str(s) if s.is_empty() => return "an empty string".to_owned(),
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null | Value::Seq(_) | Value::Map(_) => return node.value.kind().to_owned(),
    };
    if text.chars().count() > 60 {
        let short: String = text.chars().take(57).collect();
        format!("`{short}…`")
    } else {
        format!("`{text}`")
    }
}

fn show(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// "`a`, `b`, `c`".
fn ticked<'s>(names: impl Iterator<Item = &'s str>) -> String {
    names
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "a", "a or b", "a, b or c".
fn either(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
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
        let issues = run("3\n", &schema);
        assert_eq!(
            issues[0].message,
            "the top level must be a string, found an integer"
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
        let schema = json!({ "definitions": { "A": { "$ref": "#/definitions/A" } }, "$ref": "#/definitions/A" });
        let issues = run("x: 1\n", &schema);
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert!(issues[0].message.contains("cyclic"), "{issues:?}");
        let schema = json!({ "$defs": { "A": { "anyOf": [{ "$ref": "#/$defs/A" }] } }, "$ref": "#/$defs/A" });
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
}
