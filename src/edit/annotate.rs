//! `ladder waves`: rendered manifests in, the same text out with the annotations of
//! each resource's group inserted.
//!
//! The input is text, not a tree to re-serialise: each document keeps its comments,
//! quoting, key order and indentation, and only the lines that carry the annotations
//! change (a new line under `metadata.annotations`, or an `annotations:` block under
//! `metadata`, or the value of an existing annotation replaced). Documents are split at
//! `---` lines, which YAML allows only at column 0 outside block scalars.

use std::fmt::Write as _;

use crate::analyze::model::{Resource, Waves};
use crate::analyze::names::SYNC_WAVE;
use crate::diagnostic::{Diagnostic, Pos};
use crate::load::yaml::{self, Node, Value};

/// One input: a name for messages (a path, or `<stdin>`) and its text.
#[derive(Debug, Clone)]
pub struct Input {
    pub name: String,
    pub text: String,
}

/// The annotated stream and what the user should know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotated {
    pub text: String,
    /// Resources no group matched, and similar remarks, one line each.
    pub notes: Vec<String>,
}

/// Annotates every resource of `inputs` with the annotations of its group.
/// `namespace` is the component's destination namespace (for resources that name
/// none). A resource already carrying a different value is a conflict unless
/// `overwrite`. Every problem of every document is reported; on any, no output.
pub fn annotate(
    waves: &Waves,
    namespace: &str,
    inputs: &[Input],
    overwrite: bool,
) -> Result<Annotated, Vec<Diagnostic>> {
    let mut out = String::new();
    let mut notes = Vec::new();
    let mut diagnostics = Vec::new();
    for input in inputs {
        for doc in split(&input.text) {
            let text = match annotate_document(waves, namespace, input, &doc, overwrite) {
                Ok((text, note)) => {
                    notes.extend(note);
                    text
                }
                Err(d) => {
                    diagnostics.extend(d);
                    continue;
                }
            };
            // Documents of different inputs are separated like those of one input.
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            if !out.is_empty() && !doc.starts_with_marker {
                out.push_str("---\n");
            }
            out.push_str(&text);
        }
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if diagnostics.is_empty() {
        Ok(Annotated { text: out, notes })
    } else {
        Err(diagnostics)
    }
}

/// One document of an input: its text (with its `---` line, if any), where it starts,
/// and its number in the input (from 1).
struct Doc {
    text: String,
    first_line: u32,
    number: usize,
    starts_with_marker: bool,
}

fn is_marker(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

fn split(text: &str) -> Vec<Doc> {
    let mut docs: Vec<Doc> = Vec::new();
    let mut current = String::new();
    let mut first_line = 1u32;
    let mut marker = false;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if is_marker(line) && (!current.is_empty() || marker) {
            docs.push(Doc {
                text: std::mem::take(&mut current),
                first_line,
                number: 0,
                starts_with_marker: marker,
            });
        }
        if is_marker(line) {
            first_line = line_no;
            marker = true;
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        docs.push(Doc {
            text: current,
            first_line,
            number: 0,
            starts_with_marker: marker,
        });
    }
    // Number only the documents with content, as a reader counts them.
    let mut n = 0;
    for d in &mut docs {
        if has_content(&d.text) {
            n += 1;
            d.number = n;
        }
    }
    docs
}

/// Whether a document has anything but `---`, comments and blank lines.
fn has_content(text: &str) -> bool {
    text.lines().enumerate().any(|(i, l)| {
        let l = if i == 0 && is_marker(l) { &l[3..] } else { l };
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    })
}

type DocResult = Result<(String, Option<String>), Vec<Diagnostic>>;

fn annotate_document(
    waves: &Waves,
    namespace: &str,
    input: &Input,
    doc: &Doc,
    overwrite: bool,
) -> DocResult {
    let shift = |pos: Pos| Pos {
        line: pos.line + doc.first_line - 1,
        ..pos
    };
    let here = |pos: Pos, message: String| vec![Diagnostic::new(&input.name, shift(pos), message)];
    let label = format!("document {}", doc.number);
    let node = match yaml::parse(&input.name, &doc.text) {
        Ok(node) => node,
        Err(mut d) => {
            d.pos = shift(d.pos);
            let why = d
                .message
                .strip_prefix("invalid YAML: ")
                .unwrap_or(&d.message);
            d.message = format!("{label} is not valid YAML: {why}");
            return Err(vec![d]);
        }
    };
    if node.value == Value::Null {
        return Ok((doc.text.clone(), None));
    }
    // Where the document's content starts (past any `---` line and comments).
    let start = shift(node.pos);
    let Value::Map(_) = &node.value else {
        return Err(vec![
            Diagnostic::new(
                &input.name,
                start,
                format!(
                    "{label} is {}, not a Kubernetes resource",
                    node.value.kind()
                ),
            )
            .help("each document must be a mapping with `apiVersion`, `kind` and `metadata`"),
        ]);
    };
    let kind = node.get("kind").and_then(Node::as_str);
    let metadata = node.get("metadata");
    let mut problems = Vec::new();
    if kind.is_none() {
        problems.push("`kind`");
    }
    let meta_map = metadata.filter(|m| matches!(m.value, Value::Map(_)));
    if meta_map.is_none() {
        problems.push("`metadata`");
    }
    // A hook Job often has only `generateName`, a prefix: it names the resource in
    // messages but never equals a group's `name`.
    let generated = meta_map.and_then(|m| m.get("generateName").and_then(Node::as_str));
    let name = meta_map
        .and_then(|m| m.get("name").and_then(Node::as_str))
        .or(generated.map(|_| ""));
    if meta_map.is_some() && name.is_none() {
        problems.push("`metadata.name`");
    }
    let (Some(kind), Some(meta), Some(name)) = (kind, meta_map, name) else {
        return Err(vec![
            Diagnostic::new(
                &input.name,
                start,
                format!("{label} has no {}", problems.join(" or ")),
            )
            .help("ladder waves reads Kubernetes resources, as `helm template` or `kustomize build` print them"),
        ]);
    };
    let labels: Vec<(String, String)> = match meta.get("labels").map(|l| &l.value) {
        Some(Value::Map(entries)) => entries
            .iter()
            .filter_map(|(k, v)| Some((k.key_text()?, v.scalar_text()?)))
            .collect(),
        _ => Vec::new(),
    };
    let own_namespace = meta.get("namespace").and_then(Node::as_str);
    let resource = Resource {
        kind,
        name,
        namespace: own_namespace.unwrap_or(namespace),
        labels: &labels,
    };
    let what = match generated {
        Some(prefix) if name.is_empty() => format!("{kind}/{prefix}…"),
        _ => format!("{kind}/{name}"),
    };
    let annotations = meta.get("annotations");
    let existing =
        |key: &str| -> Option<String> { annotations?.get(key).and_then(Node::scalar_text) };
    let groups = waves.groups_of(&resource);
    let group = match groups.as_slice() {
        [] => {
            let wave = existing(SYNC_WAVE).unwrap_or_else(|| "0".into());
            let at = shift(meta.pos);
            return Ok((
                doc.text.clone(),
                Some(format!(
                    "{}:{}: {what} matches no resource group; it keeps wave {wave}",
                    input.name, at.line
                )),
            ));
        }
        [group] => *group,
        several => {
            let names: Vec<String> = several.iter().map(|g| format!("`{}`", g.name)).collect();
            return Err(here(
                node.get("kind").map_or(node.pos, |k| k.pos),
                format!(
                    "{label}: {what} matches resource groups {}",
                    names.join(" and ")
                ),
            )
            .into_iter()
            .map(|d| d.help("a resource belongs to one group: narrow the `match` of all but one"))
            .collect());
        }
    };
    let wanted = group.annotations();
    let mut conflicts = Vec::new();
    for (key, value) in &wanted {
        if let Some(old) = existing(key)
            && &old != value
            && !overwrite
        {
            let pos = annotations
                .and_then(|a| a.entry(key))
                .map_or(meta.pos, |(k, _)| k.pos);
            conflicts.push(
                Diagnostic::new(
                    &input.name,
                    shift(pos),
                    format!(
                        "{label}: {what} has {key}: \"{old}\", but group `{}` gives it \"{value}\"",
                        group.name
                    ),
                )
                .help("change the manifest or the spec, or pass --overwrite to replace it"),
            );
        }
    }
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    let edited = set_annotations(&doc.text, meta, &wanted)
        .and_then(|text| check_edit(&node, &text, &wanted).map(|()| text));
    match edited {
        Ok(text) => Ok((text, None)),
        Err(why) => Err(here(
            meta.pos,
            format!("{label}: cannot add the annotations: {why}"),
        )),
    }
}

/// The safety net of editing text: the edited document must read back as the original
/// with exactly the wanted annotations set, or the edit is refused (e.g. `metadata`
/// written as an alias, which text insertion cannot reach).
fn check_edit(
    original: &Node,
    edited: &str,
    wanted: &[(&'static str, String)],
) -> Result<(), String> {
    let reread = yaml::parse("edited", edited)
        .map_err(|_| "the edited document would not be valid YAML".to_owned())?;
    let mut want = original.to_json();
    let annotations = want
        .get_mut("metadata")
        .and_then(|m| m.as_object_mut())
        .map(|m| {
            let entry = m
                .entry("annotations")
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
            if entry.is_null() {
                *entry = serde_json::Value::Object(serde_json::Map::new());
            }
            entry
        })
        .and_then(|a| a.as_object_mut())
        .ok_or("`metadata.annotations` is not a mapping")?;
    for (key, value) in wanted {
        annotations.insert((*key).to_owned(), serde_json::Value::String(value.clone()));
    }
    // A value already right but written as a number stays as it was.
    let mut got = reread.to_json();
    if let (Some(got_a), Some(orig_a)) = (
        got.pointer_mut("/metadata/annotations")
            .and_then(|a| a.as_object_mut()),
        original.get("metadata").and_then(|m| m.get("annotations")),
    ) {
        for (key, _) in wanted {
            if let Some(v) = orig_a.get(key).and_then(Node::scalar_text)
                && got_a.get(*key).is_some_and(|g| !g.is_string())
            {
                got_a.insert((*key).to_owned(), serde_json::Value::String(v));
            }
        }
    }
    if got == want {
        Ok(())
    } else {
        Err("ladder cannot insert them into this document's text without changing it otherwise (is `metadata` an alias?); add them by hand or write `metadata` plainly".into())
    }
}

/// One change to the text: at (line, byte column), delete `delete` bytes, insert `insert`.
struct Edit {
    line: usize,
    column: usize,
    delete: usize,
    insert: String,
}

/// A document's lines, and the edits to make to them.
struct Text<'t> {
    lines: Vec<&'t str>,
    eol: &'static str,
    edits: Vec<Edit>,
}

impl Text<'_> {
    /// (line index, byte offset) of a 1-based character position.
    fn at(&self, pos: Pos) -> Result<(usize, usize), String> {
        let line = (pos.line as usize)
            .checked_sub(1)
            .filter(|&l| l < self.lines.len())
            .ok_or("position out of range")?;
        let l = self.lines[line];
        let col = (pos.column as usize).saturating_sub(1);
        let byte = l.char_indices().nth(col).map_or(l.len(), |(b, _)| b);
        Ok((line, byte))
    }

    /// Whether the node at `pos` is written in flow style (`{…}`).
    fn is_flow(&self, pos: Pos) -> bool {
        self.at(pos)
            .is_ok_and(|(line, byte)| self.lines[line][byte..].starts_with('{'))
    }

    fn edit(&mut self, (line, column): (usize, usize), delete: usize, insert: String) {
        self.edits.push(Edit {
            line,
            column,
            delete,
            insert,
        });
    }

    /// Lines `key: "value"` at `indent`, one per item.
    fn block(&self, indent: &str, items: &[(&str, &str)]) -> String {
        items.iter().fold(String::new(), |mut out, (k, v)| {
            let _ = write!(out, "{indent}{k}: {}{}", quoted(v), self.eol);
            out
        })
    }

    fn apply(mut self) -> String {
        let mut owned: Vec<String> = self.lines.iter().map(|l| (*l).to_owned()).collect();
        self.edits
            .sort_by_key(|e| std::cmp::Reverse((e.line, e.column)));
        for e in self.edits {
            owned[e.line].replace_range(e.column..e.column + e.delete, &e.insert);
        }
        owned.concat()
    }
}

fn quoted(v: &str) -> String {
    format!("\"{v}\"")
}

fn indent_of(pos: Pos) -> String {
    " ".repeat(pos.column.saturating_sub(1) as usize)
}

/// `k: "v", …` for a flow mapping.
fn flow(items: &[(&str, &str)]) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|(k, v)| format!("{k}: {}", quoted(v)))
        .collect();
    items.join(", ")
}

/// Sets `wanted` annotations in a document's text, given its `metadata` node.
fn set_annotations(
    text: &str,
    metadata: &Node,
    wanted: &[(&'static str, String)],
) -> Result<String, String> {
    let mut t = Text {
        lines: text.split_inclusive('\n').collect(),
        eol: if text.contains("\r\n") { "\r\n" } else { "\n" },
        edits: Vec::new(),
    };
    let Value::Map(meta_entries) = &metadata.value else {
        return Err("`metadata` is not a mapping".into());
    };
    let Some((annotations_key, annotations)) = metadata.entry("annotations") else {
        // No annotations yet: add the mapping as the first key of `metadata`.
        let items: Vec<(&str, &str)> = wanted.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if t.is_flow(metadata.pos) {
            let (line, byte) = t.at(metadata.pos)?;
            let sep = if meta_entries.is_empty() { "" } else { ", " };
            t.edit(
                (line, byte + 1),
                0,
                format!("annotations: {{{}}}{sep}", flow(&items)),
            );
        } else {
            let first = meta_entries.first().ok_or("`metadata` is empty")?.0.pos;
            let (line, _) = t.at(first)?;
            let indent = indent_of(first);
            let block = format!(
                "{indent}annotations:{}{}",
                t.eol,
                t.block(&format!("{indent}  "), &items)
            );
            t.edit((line, 0), 0, block);
        }
        return Ok(t.apply());
    };
    let mut missing: Vec<(&str, &str)> = Vec::new();
    for (key, value) in wanted {
        let Some((k, v)) = annotations.entry(key) else {
            missing.push((key, value));
            continue;
        };
        if v.scalar_text().as_deref() == Some(value.as_str()) {
            continue;
        }
        if v.pos.line != k.pos.line {
            return Err(format!("the value of `{key}` is not on its key's line"));
        }
        let (line, start) = t.at(v.pos)?;
        let len = token_len(&t.lines[line][start..]);
        t.edit((line, start), len, quoted(value));
    }
    if missing.is_empty() {
        return Ok(t.apply());
    }
    match &annotations.value {
        Value::Map(entries) if t.is_flow(annotations.pos) => {
            let (line, byte) = t.at(annotations.pos)?;
            let sep = if entries.is_empty() { "" } else { ", " };
            t.edit((line, byte + 1), 0, format!("{}{sep}", flow(&missing)));
        }
        Value::Map(entries) if !entries.is_empty() => {
            // Above the first annotation, at its indentation.
            let first = entries[0].0.pos;
            let (line, _) = t.at(first)?;
            let block = t.block(&indent_of(first), &missing);
            t.edit((line, 0), 0, block);
        }
        Value::Null => {
            // `annotations:` with nothing after it: the entries go below it.
            let (line, _) = t.at(annotations_key.pos)?;
            let current = t.lines[line];
            if !current.trim_end().ends_with(':') {
                return Err("`annotations` is null; write `annotations: {}` or remove it".into());
            }
            let mut block = t.block(&format!("{}  ", indent_of(annotations_key.pos)), &missing);
            if !current.ends_with('\n') {
                block.insert_str(0, t.eol);
            }
            t.edit((line, current.len()), 0, block);
        }
        other => {
            return Err(format!(
                "`metadata.annotations` is {}, not a mapping",
                other.kind()
            ));
        }
    }
    Ok(t.apply())
}

/// The length in bytes of the scalar token at the start of `rest`: a quoted string with
/// its quotes, or a plain scalar up to a comment or the end of the line.
fn token_len(rest: &str) -> usize {
    let end_of_line = rest.find(['\r', '\n']).unwrap_or(rest.len());
    match rest.chars().next() {
        Some('"') => {
            let mut escaped = false;
            for (i, c) in rest.char_indices().skip(1) {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => return i + 1,
                    _ => escaped = false,
                }
            }
            end_of_line
        }
        Some('\'') => {
            let bytes = rest.as_bytes();
            let mut i = 1;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return i + 1;
                }
                i += 1;
            }
            end_of_line
        }
        _ => {
            let line = &rest[..end_of_line];
            let end = line.find(" #").unwrap_or(line.len());
            line[..end].trim_end().len()
        }
    }
}
