//! What the schema checker reports: an [`Issue`] per place that does not fit, with a
//! message that says what was found and what the schema expects, and the likely fix
//! (a did-you-mean for a misspelt key, quoting for a value YAML read as another type).

use serde_json::{Map, Value as Json};

use crate::diagnostic::{Pos, closest, did_you_mean};
use crate::load::yaml::{Node, Value};

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

/// What a schema accepts at one node, for "must be …" messages.
#[derive(Default)]
pub(super) struct Expected {
    /// Values from `const` and `enum`.
    pub(super) values: Vec<Json>,
    /// Type descriptions such as "a string" or "null".
    pub(super) kinds: Vec<&'static str>,
}

/// `minimum` and `maximum`.
pub(super) fn bounds(node: &Node, obj: &Map<String, Json>, path: &str, out: &mut Vec<Issue>) {
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

pub(super) fn issue(pos: Pos, path: &str, message: String, help: Option<String>) -> Issue {
    Issue {
        pos,
        path: path.to_owned(),
        message,
        help,
    }
}

/// "unknown field `x` in `parent`", pointing at the key.
pub(super) fn unknown(
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
pub(super) fn mismatch(node: &Node, path: &str, expected: &Expected) -> Issue {
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
pub(super) fn quote_hint(node: &Node, expected: &Expected) -> Option<String> {
    let scalar = matches!(node.value, Value::Int(_) | Value::Float(_) | Value::Bool(_));
    let text = node.key_text().unwrap_or_default();
    let strings: Vec<&str> = expected.values.iter().filter_map(Json::as_str).collect();
    // Quoting helps only where the quoted text is allowed: a free string, or one of the
    // listed values. Otherwise say what is allowed (`sync: true` is neither).
    if scalar && !strings.is_empty() {
        // Not allowed even quoted: the message lists what is.
        return strings
            .contains(&text.as_str())
            .then(|| format!("quote the value so YAML reads it as text: \"{text}\""));
    }
    if scalar && expected.kinds.iter().any(|k| k.contains("string")) {
        return Some(format!(
            "quote the value so YAML reads it as text: \"{text}\""
        ));
    }
    // One value where a list goes (`dependsOn: postgres`).
    if expected.kinds.contains(&"a list")
        && !matches!(node.value, Value::Seq(_) | Value::Map(_) | Value::Null)
    {
        return Some(format!("write a list: `[{text}]`"));
    }
    None
}

/// Checks `type`, `x-kubernetes-int-or-string` and integer `format`s; on mismatch,
/// returns what was expected.
pub(super) fn type_fits(node: &Node, obj: &Map<String, Json>) -> Result<(), Vec<&'static str>> {
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
pub(super) fn type_names(obj: &Map<String, Json>) -> Vec<&str> {
    match obj.get("type") {
        Some(Json::String(name)) => vec![name.as_str()],
        Some(Json::Array(names)) => names.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Descriptions of the types a schema accepts ("a string", "null"), or `None` when
/// it does not restrict the type.
pub(super) fn accepted_kinds(obj: &Map<String, Json>) -> Option<Vec<&'static str>> {
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
pub(super) fn value_fits(node: &Node, obj: &Map<String, Json>) -> bool {
    let constant = obj.get("const");
    let choices = obj.get("enum").and_then(Json::as_array);
    if constant.is_none() && choices.is_none() {
        return true;
    }
    let value = node.to_json();
    constant.is_none_or(|c| *c == value) && choices.is_none_or(|c| c.contains(&value))
}

pub(super) fn is_true(obj: &Map<String, Json>, keyword: &str) -> bool {
    obj.get(keyword) == Some(&Json::Bool(true))
}

#[allow(
    clippy::cast_precision_loss,
    reason = "bounds in schemas are small; f64 is precise enough"
)]
pub(super) fn number(node: &Node) -> Option<f64> {
    match node.value {
        Value::Int(i) => Some(i as f64),
        Value::Float(f) => Some(f),
        _ => None,
    }
}

pub(super) fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

/// The path as the subject of a sentence.
pub(super) fn subject(path: &str) -> String {
    if path.is_empty() {
        "the top level".to_owned()
    } else {
        format!("`{path}`")
    }
}

/// The path as a place: "in `x`" or "at the top level".
pub(super) fn place(path: &str) -> String {
    if path.is_empty() {
        "at the top level".to_owned()
    } else {
        format!("in `{path}`")
    }
}

/// How a found value reads in a message: scalars as themselves, collections by kind.
pub(super) fn found(node: &Node) -> String {
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

pub(super) fn show(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// "`a`, `b`, `c`".
pub(super) fn ticked<'s>(names: impl Iterator<Item = &'s str>) -> String {
    names
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "a", "a or b", "a, b or c".
pub(super) fn either(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The help of a missing required field `name` in `path`: what the field is for (the
/// first sentence of its description in the schema, `property`) and an example.
pub(super) fn missing_help(path: &str, name: &str, property: Option<&Json>) -> String {
    let purpose = property
        .and_then(|p| p.get("description"))
        .and_then(Json::as_str)
        .map(|d| {
            let d = d.replace('\n', " ");
            // The first sentence: up to a `. ` that does not end `e.g.` or `i.e.`.
            let end = d
                .match_indices(". ")
                .map(|(i, _)| i)
                .find(|&i| !d[..i].ends_with("e.g") && !d[..i].ends_with("i.e"))
                .unwrap_or(d.len());
            let first = d[..end].trim_end_matches('.');
            let mut chars = first.chars();
            let lowered: String = chars
                .next()
                .map(|c| c.to_lowercase().chain(chars).collect())
                .unwrap_or_default();
            lowered
        });
    // The list or mapping the field's object sits in: `components[2]` → `components`.
    let parent = path
        .rsplit('.')
        .next()
        .unwrap_or("")
        .split('[')
        .next()
        .unwrap_or("");
    let example = match (parent, name) {
        ("", "name") => Some("name: shop"),
        ("", "environments") => Some("environments: [{name: dev}, {name: prod}]"),
        ("", "components") => {
            Some("components: [{name: api, source: {path: \"apps/api/{{ env }}\"}}]")
        }
        ("", "output") | ("output", "path") => Some("output: {path: argocd}"),
        ("environments", "name") => Some("name: dev"),
        ("components", "name") => Some("name: postgres"),
        ("syncWindows", "kind") => Some("kind: deny"),
        ("syncWindows", "schedule") => Some("schedule: \"0 22 * * *\""),
        ("syncWindows", "duration") => Some("duration: 8h"),
        ("healthChecks", "kind") => Some("kind: Certificate"),
        ("healthChecks", "lua") => Some("lua: 'return {status = \"Healthy\", message = \"\"}'"),
        ("clusterResources", "kind") => Some("kind: CustomResourceDefinition"),
        (_, "folders") => Some("folders: \"fleets/{{ env }}\""),
        _ => None,
    };
    match (purpose, example) {
        (Some(p), Some(e)) => format!("add `{name}` ({p}), for example `{e}`"),
        (Some(p), None) => format!("add `{name}` ({p})"),
        (None, Some(e)) => format!("add `{name}`, for example `{e}`"),
        (None, None) => format!("add `{name}`"),
    }
}
