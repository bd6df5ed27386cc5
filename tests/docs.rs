//! Reference docs: `docs/spec.md`, generated from the committed JSON Schema, and
//! `docs/cli.md`, generated from the CLI's help. Each test regenerates its file and
//! compares it byte for byte with the committed one; `LADDER_BLESS=1` rewrites it.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{blessing, root};

const REGENERATE: &str = "LADDER_BLESS=1 cargo test --locked docs";

#[test]
fn spec_reference_matches_the_schema() {
    let text = std::fs::read_to_string(root().join("schema/ladder.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    check("docs/spec.md", &spec_md(&schema));
}

#[test]
fn cli_reference_matches_the_help() {
    check("docs/cli.md", &cli_md());
}

/// Compares `actual` with the committed file `rel`, or rewrites it when blessing.
fn check(rel: &str, actual: &str) {
    const SHOWN: usize = 40;
    let path = root().join(rel);
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected == actual {
        return;
    }
    if blessing() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let diff = similar::TextDiff::from_lines(&expected, actual)
        .unified_diff()
        .context_radius(2)
        .header(&format!("{rel} (committed)"), &format!("{rel} (generated)"))
        .to_string();
    let lines: Vec<&str> = diff.lines().collect();
    let mut shown = lines[..lines.len().min(SHOWN)].join("\n");
    if lines.len() > SHOWN {
        write!(shown, "\n… {} more lines of diff", lines.len() - SHOWN).unwrap();
    }
    panic!("{rel} is stale; run `{REGENERATE}` to regenerate it.\n{shown}");
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to `-`.
fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// Markdown being written, with the anchors of its headings so far.
#[derive(Default)]
struct Doc {
    text: String,
    anchors: HashSet<String>,
}

impl Doc {
    fn heading(&mut self, level: usize, title: &str) {
        let fresh = self.anchors.insert(slug(title));
        assert!(fresh, "two headings share the anchor of {title:?}");
        writeln!(self.text, "{} {title}\n", "#".repeat(level)).unwrap();
    }
}

/// An object type of the spec and the paths it appears at (the first names its fields).
struct Section<'a> {
    name: &'a str,
    paths: Vec<String>,
    schema: &'a Value,
}

impl Section<'_> {
    fn title(&self) -> String {
        if self.paths == [""] {
            return "Top level".to_owned();
        }
        let paths: Vec<String> = self.paths.iter().map(|p| format!("`{p}`")).collect();
        format!("{} ({})", self.name, paths.join(", "))
    }
}

fn properties(schema: &Value) -> impl Iterator<Item = (&String, &Value)> {
    let map = schema.get("properties").and_then(Value::as_object);
    map.into_iter().flatten()
}

fn text<'a>(schema: &'a Value, key: &str) -> Option<&'a str> {
    schema.get(key).and_then(Value::as_str)
}

/// `a.b` from `a` and `b`; just `b` at the top level.
fn join(path: &str, field: &str) -> String {
    format!("{path}{}{field}", if path.is_empty() { "" } else { "." })
}

/// The value schema of a map (`additionalProperties: {...}`).
fn map_values(schema: &Value) -> Option<&Value> {
    schema.get("additionalProperties").filter(|v| v.is_object())
}

/// Looks through `allOf: [X]` and `anyOf`/`oneOf: [X, null]` (an optional X).
fn strip(schema: &Value) -> &Value {
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = schema.get(key) {
            let rest: Vec<&Value> = alts
                .iter()
                .filter(|a| text(a, "type") != Some("null"))
                .collect();
            if rest.len() == 1 && (key == "allOf" || rest.len() < alts.len()) {
                return strip(rest[0]);
            }
        }
    }
    schema
}

/// Parenthesised when it is a union, so `list of (integer or string)` reads right.
fn group(text: String) -> String {
    let union = text.contains(" or ");
    if union { format!("({text})") } else { text }
}

/// A value as it is written in YAML: strings quoted, maps in flow style (`{a: 1, b: 2}`).
fn inline(value: &Value) -> String {
    let Value::Object(map) = value else {
        return value.to_string();
    };
    let items: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{k}: {}", inline(v)))
        .collect();
    format!("{{{}}}", items.join(", "))
}

/// An allowed value, unquoted: `compact`.
fn code(value: &Value) -> String {
    format!("`{}`", value.as_str().unwrap_or(&value.to_string()))
}

struct Spec<'a> {
    root: &'a Value,
    sections: Vec<Section<'a>>,
}

impl<'a> Spec<'a> {
    /// The definition a `$ref` such as `#/definitions/Source` (or `#/$defs/Source`) names.
    fn resolve(&self, reference: &'a str) -> (&'a str, &'a Value) {
        let name = reference.rsplit('/').next().unwrap();
        let Some(def) = self.root.pointer(reference.trim_start_matches('#')) else {
            panic!("unresolved $ref {reference}");
        };
        (name, def)
    }

    /// The object type a field holds, directly or as list items or map values, with
    /// the path suffix that reaches it (`[]`, `.<name>`).
    fn object_in(&self, schema: &'a Value) -> Option<(String, &'a str, &'a Value)> {
        let schema = strip(schema);
        if let Some(reference) = text(schema, "$ref") {
            let (name, def) = self.resolve(reference);
            if def.get("properties").is_some() {
                return Some((String::new(), name, def));
            }
            // `true` or an object (`gate`): the object's section.
            return self.object_in(def);
        }
        if let Some(Value::Array(alts)) = schema.get("anyOf").or_else(|| schema.get("oneOf")) {
            return alts.iter().find_map(|a| self.object_in(a));
        }
        let (suffix, inner) = match schema.get("items") {
            Some(items) => ("[]", items),
            None => (".<name>", map_values(schema)?),
        };
        let (rest, name, def) = self.object_in(inner)?;
        Some((format!("{suffix}{rest}"), name, def))
    }

    /// Adds the section of object type `name` at `path`, then those of its fields' types.
    fn collect(&mut self, name: &'a str, path: String, schema: &'a Value) {
        if let Some(section) = self.sections.iter_mut().find(|s| s.name == name) {
            section.paths.push(path);
            return;
        }
        self.sections.push(Section {
            name,
            paths: vec![path.clone()],
            schema,
        });
        for (field, prop) in properties(schema) {
            if let Some((suffix, name, def)) = self.object_in(prop) {
                self.collect(name, join(&path, field) + &suffix, def);
            }
        }
    }

    /// The type of a field in words, linking object types to their sections.
    fn type_text(&self, schema: &'a Value) -> String {
        let schema = strip(schema);
        if let Some(reference) = text(schema, "$ref") {
            let (name, def) = self.resolve(reference);
            let Some(section) = self.sections.iter().find(|s| s.name == name) else {
                return self.type_text(def);
            };
            return format!("[{name}](#{})", slug(&section.title()));
        }
        if let Some(Value::Array(alts)) = schema.get("anyOf").or_else(|| schema.get("oneOf")) {
            let mut texts: Vec<String> = alts.iter().map(|a| self.type_text(a)).collect();
            texts.dedup();
            return texts.join(" or ");
        }
        let name = match schema.get("type") {
            Some(Value::Array(types)) => types
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null"),
            other => other.and_then(Value::as_str),
        };
        match (name, map_values(schema)) {
            (Some("array"), _) => format!("list of {}", group(self.type_text(&schema["items"]))),
            (Some("object"), Some(values)) => {
                format!("map of name → {}", group(self.type_text(values)))
            }
            (Some("integer"), _) if schema.get("minimum") == Some(&Value::from(0)) => {
                "integer ≥ 0".to_owned()
            }
            (Some(name), _) => name.to_owned(),
            (None, _) => "any".to_owned(),
        }
    }

    /// The allowed values a field's type lists (`const` alternatives or `enum`), each with
    /// its description if it has one.
    fn values(&self, schema: &'a Value) -> Vec<(String, Option<&'a str>)> {
        let schema = strip(schema);
        if let Some(reference) = text(schema, "$ref") {
            return self.values(self.resolve(reference).1);
        }
        if let Some(value) = schema.get("const") {
            return vec![(code(value), text(schema, "description"))];
        }
        if let Some(Value::Array(values)) = schema.get("enum") {
            return values.iter().map(|v| (code(v), None)).collect();
        }
        if let Some(Value::Array(alts)) = schema.get("anyOf").or_else(|| schema.get("oneOf")) {
            return alts.iter().flat_map(|a| self.values(a)).collect();
        }
        let inner = schema.get("items").or_else(|| map_values(schema));
        inner.map(|v| self.values(v)).unwrap_or_default()
    }

    /// A field: its path as the heading, its description, then type, default and values.
    fn field(&self, doc: &mut Doc, path: &str, prop: &'a Value, required: bool) {
        doc.heading(3, &format!("`{path}`"));
        if let Some(description) = text(prop, "description") {
            writeln!(doc.text, "{description}\n").unwrap();
        }
        let object = self
            .object_in(prop)
            .is_some_and(|(suffix, ..)| suffix.is_empty());
        let default = match prop.get("default") {
            _ if required => "Required".to_owned(),
            Some(Value::Object(_)) if object => "Optional; its fields have defaults".to_owned(),
            None | Some(Value::Null) => "Optional".to_owned(),
            Some(default) => format!("Default: `{}`", inline(default)),
        };
        writeln!(doc.text, "- Type: {}\n- {default}", self.type_text(prop)).unwrap();
        let values = self.values(prop);
        if !values.is_empty() {
            writeln!(doc.text, "- Values:").unwrap();
        }
        for (value, description) in values {
            let description = description.map(|d| format!(": {}", d.replace('\n', "\n    ")));
            writeln!(doc.text, "  - {value}{}", description.unwrap_or_default()).unwrap();
        }
        doc.text.push('\n');
    }
}

fn spec_md(schema: &Value) -> String {
    let mut spec = Spec {
        root: schema,
        sections: Vec::new(),
    };
    spec.collect("Spec", String::new(), schema);
    let mut doc = Doc::default();
    write!(
        doc.text,
        "> Generated from schema/ladder.schema.json by `{REGENERATE}`; do not edit by hand.\n\n\
         # Spec reference\n\n\
         Every field of a ladder spec (`ladder.yaml`). Fields are named by their path: \
         `components[].dependsOn` is the `dependsOn` of each item of the `components` list, \
         and `fleets.<name>.folders` the `folders` of each entry of the `fleets` map."
    )
    .unwrap();
    let closed =
        |s: &Section<'_>| s.schema.get("additionalProperties") == Some(&Value::Bool(false));
    if spec.sections.iter().all(closed) {
        doc.text.push_str(" Fields not listed here are errors.");
    }
    doc.text.push_str("\n\n");
    for section in &spec.sections {
        let title = section.title();
        writeln!(doc.text, "- [{title}](#{})", slug(&title)).unwrap();
    }
    doc.text.push('\n');
    for section in &spec.sections {
        doc.heading(2, &section.title());
        if let Some(description) = text(section.schema, "description") {
            writeln!(doc.text, "{description}\n").unwrap();
        }
        let required = section.schema.get("required").and_then(Value::as_array);
        for (field, prop) in properties(section.schema) {
            let required = required.is_some_and(|r| r.iter().any(|r| r == field.as_str()));
            spec.field(&mut doc, &join(&section.paths[0], field), prop, required);
        }
    }
    format!("{}\n", doc.text.trim_end())
}

/// `ladder <args> --help`, at a fixed width, without colour, with no terminal attached.
fn help(args: &[String]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ladder"))
        .args(args)
        .arg("--help")
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "ladder {args:?} --help failed");
    let text = String::from_utf8(out.stdout).unwrap();
    // clap pads blank lines inside an option's help; trailing spaces would not survive editors.
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    format!("{}\n", lines.join("\n").trim_end())
}

/// The subcommands a help text lists under `Commands:`, without `help`.
fn commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.strip_prefix("  ").filter(|rest| !rest.starts_with(' ')))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// Every command's line and help text, depth first from `ladder` itself.
fn all_help(args: &[String], out: &mut Vec<(String, String)>) {
    let text = help(args);
    let subcommands = commands(&text);
    let line = format!("ladder {}", args.join(" ")).trim_end().to_owned();
    out.push((line, text));
    for name in subcommands {
        all_help(&[args, &[name]].concat(), out);
    }
}

fn cli_md() -> String {
    let mut helps = Vec::new();
    all_help(&[], &mut helps);
    let mut doc = Doc::default();
    writeln!(
        doc.text,
        "> Generated from the help of the `ladder` binary by `{REGENERATE}`; do not edit by hand.\n\n\
         # Command reference\n\nThe `--help` output of `ladder` and of each of its commands.\n"
    )
    .unwrap();
    for (command, _) in &helps {
        writeln!(doc.text, "- [`{command}`](#{})", slug(command)).unwrap();
    }
    for (command, text) in &helps {
        doc.text.push('\n');
        doc.heading(2, &format!("`{command}`"));
        assert!(!text.contains("```"), "a code fence in {command}'s help");
        write!(doc.text, "```text\n{text}```\n").unwrap();
    }
    doc.text
}
