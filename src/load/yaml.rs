//! YAML in and out: a position-carrying node tree for reading, and safe
//! scalar quoting for writing.
//!
//! Reading goes through serde-saphyr with YAML-1.1 lenience switched off
//! (`yes`/`on` stay strings, `0755` stays a string), duplicate keys rejected,
//! and a budget against alias bombs. Every [`Node`] keeps the line and column
//! it came from, so later stages can point at the exact place of a problem.
//!
//! Writing: Argo CD and kubectl read YAML with Go parsers that still apply
//! YAML 1.1 rules, where `yes`, `on`, `y`, `0755` or `12:30` are not strings.
//! [`scalar`] quotes every such string (serde-saphyr's emitter does this; see
//! kubernetes/kubernetes#34146 for what goes wrong otherwise).

use std::fmt;
use std::fmt::Write as _;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::diagnostic::{Diagnostic, Pos};

/// A YAML value with the position it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

/// The value of a [`Node`]. Mapping keys keep their own positions and their order.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// The YAML type name, as used in messages ("expected a string, found a mapping").
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// A scalar's text: strings as they are, numbers and booleans as YAML writes them;
    /// `None` for null, sequences and mappings.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` of a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value node under `key` of a mapping node.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| match &k.value {
                    Value::Str(s) => s == key,
                    _ => k.key_text().as_deref() == Some(key),
                })
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The item at `index` of a list node.
    pub fn at(&self, index: usize) -> Option<&Node> {
        match &self.value {
            Value::Seq(items) => items.get(index),
            _ => None,
        }
    }

    /// The text of a scalar used as a mapping key (`1: x` has the key "1").
    pub fn key_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Null => Some(String::new()),
            Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// Follows a path of keys and list indexes, e.g. `["components", "2", "name"]`.
    /// Returns the deepest node found, so a missing tail still points somewhere useful.
    pub fn lookup<'a>(&'a self, path: &[PathSeg<'_>]) -> &'a Node {
        let mut node = self;
        for seg in path {
            let next = match seg {
                PathSeg::Key(k) => node.get(k),
                PathSeg::KeyOf(k) => node.entry(k).map(|(key, _)| key),
                PathSeg::Index(i) => node.at(*i),
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node
    }

    /// Converts to JSON, for schema checks and templates. Keys keep their order.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.key_text().unwrap_or_default(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// One step of a path into a node tree.
#[derive(Debug, Clone, Copy)]
pub enum PathSeg<'a> {
    /// The value under a key.
    Key(&'a str),
    /// The key itself (to point at a misspelt key rather than its value).
    KeyOf(&'a str),
    Index(usize),
}

fn pos_of<T>(spanned: &Spanned<T>) -> Pos {
    let loc = spanned.referenced;
    Pos::new(
        u32::try_from(loc.line()).unwrap_or(u32::MAX),
        u32::try_from(loc.column()).unwrap_or(u32::MAX),
    )
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(deserializer)?;
        let mut pos = pos_of(&spanned);
        if let Value::Str(s) = &spanned.value {
            pos = pos.with_len(s.chars().count());
        }
        Ok(Node {
            value: spanned.value,
            pos,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i))
    }
    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
        i64::try_from(u)
            .map(Value::Int)
            .map_err(|_| E::custom(format!("integer {u} is too large (at most {})", i64::MAX)))
    }
    fn visit_i128<E: de::Error>(self, i: i128) -> Result<Value, E> {
        i64::try_from(i)
            .map(Value::Int)
            .map_err(|_| E::custom(format!("integer {i} is out of range")))
    }
    fn visit_u128<E: de::Error>(self, u: u128) -> Result<Value, E> {
        i64::try_from(u)
            .map(Value::Int)
            .map_err(|_| E::custom(format!("integer {u} is out of range")))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Float(f))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::Str(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Node>()? {
            let value = map.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}

/// How many YAML documents one file may hold.
pub const MAX_DOCUMENTS: usize = 100_000;

/// Limits that keep hostile input (alias bombs, deep nesting) from exhausting memory or time.
pub(crate) fn options() -> serde_saphyr::Options {
    // Room for specs of 100,000 components; alias replay keeps serde-saphyr's default
    // cap of 1,000,000 replayed events, which stops "billion laughs" documents early.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 64;
    budget.max_events = 50_000_000;
    budget.max_nodes = 20_000_000;
    budget.max_total_scalar_bytes = 64 * 1024 * 1024;
    // Anchored nodes a spec may replay; a "billion laughs" document hits this early.
    budget.max_recorded_anchor_events = 100_000;
    // `helm template` output for a large chart easily holds thousands of documents
    // (serde-saphyr's default cap is 1,024); the event, node and byte budgets above
    // still bound the stream.
    budget.max_documents = MAX_DOCUMENTS;
    serde_saphyr::options! {
        with_snippet: false,
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        budget: Some(budget),
    }
}

/// Parses one YAML document into a node tree. An empty input is `Null`.
pub fn parse(file: &str, text: &str) -> Result<Node, Diagnostic> {
    serde_saphyr::from_str_with_options::<Node>(text, options())
        .map_err(|e| with_line_hints(to_diagnostic(file, &e), text))
}

/// Parses YAML as Argo CD's controller reads a generator's file or `elementsYaml`
/// (sigs.k8s.io/yaml over go-yaml v2): the first document only, YAML 1.1 scalars
/// (`yes` is true, `0755` octal), and the last of duplicate keys wins.
pub fn parse_as_go(file: &str, text: &str) -> Result<Node, Diagnostic> {
    let mut options = options();
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    options.strict_booleans = false;
    options.leading_zero_numbers_as_strings = false;
    options.legacy_octal_numbers = true;
    options.underscored_numbers_as_strings = false;
    let mut node = serde_saphyr::from_str_with_options::<Node>(first_document(text), options)
        .map_err(|e| to_diagnostic(file, &e))?;
    last_key_wins(&mut node);
    Ok(node)
}

/// The text of the first YAML document: up to a `---` after content, or a `...`.
fn first_document(text: &str) -> &str {
    let mut content = false;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        let marker = |m: &str| {
            bare.strip_prefix(m)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
        };
        if marker("...") || (marker("---") && content) {
            return &text[..at];
        }
        let rest = bare.strip_prefix("---").unwrap_or(bare).trim();
        if !(rest.is_empty() || rest.starts_with('#') || bare.starts_with('%')) {
            content = true;
        }
        at += line.len();
    }
    text
}

/// Keeps the last value of each key in every mapping, where the key first stood.
fn last_key_wins(node: &mut Node) {
    match &mut node.value {
        Value::Map(entries) => {
            let mut kept: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
            let mut index: std::collections::BTreeMap<String, usize> =
                std::collections::BTreeMap::new();
            for (key, mut value) in std::mem::take(entries) {
                last_key_wins(&mut value);
                if let Some(i) = key.key_text().and_then(|k| index.get(&k).copied()) {
                    kept[i].1 = value;
                } else {
                    if let Some(k) = key.key_text() {
                        index.insert(k, kept.len());
                    }
                    kept.push((key, value));
                }
            }
            *entries = kept;
        }
        Value::Seq(items) => items.iter_mut().for_each(last_key_wins),
        _ => {}
    }
}

/// A YAML error on a line with an unquoted `{{` (a `{{ env }}` template, which YAML
/// reads as the start of a flow mapping) gets the fix: quote the string.
fn with_line_hints(d: Diagnostic, text: &str) -> Diagnostic {
    if d.help.is_some() || !d.message.starts_with("invalid YAML") {
        return d;
    }
    let line = text
        .lines()
        .nth((d.pos.line as usize).saturating_sub(1))
        .unwrap_or_default();
    let unquoted_template = line
        .find("{{")
        .is_some_and(|at| !line[..at].contains(['"', '\'']));
    if unquoted_template {
        let example = line.trim().split_once(": ").map_or_else(
            || "\"{{ env }}/…\"".to_owned(),
            |(key, value)| format!("{key}: \"{}\"", value.trim()),
        );
        return d.help(format!(
            "quote strings that use `{{{{ … }}}}`, which YAML otherwise reads as a mapping: `{example}`"
        ));
    }
    // An unclosed `[` or `{` is noticed only where the text stops fitting, often lines
    // later: point at the bracket too.
    if let Some((at, open)) = unclosed_flow(text, d.pos)
        && at.line < d.pos.line
    {
        let close = if open == '[' { ']' } else { '}' };
        let mut d = d;
        d.add_note(at, format!("this `{open}` is not closed before the error"));
        return d.help(format!(
            "close the `{open}` opened on line {} with `{close}`",
            at.line
        ));
    }
    d
}

/// The innermost flow bracket (`[` or `{`) still open at `until`, if any: a scan that
/// skips quoted strings and comments, and counts a bracket only where a flow collection
/// can start (after `: `, `- `, a flow indicator, or at the start of a line) or inside
/// one. Linear in the text before `until`.
fn unclosed_flow(text: &str, until: Pos) -> Option<(Pos, char)> {
    let mut stack: Vec<(Pos, char)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = u32::try_from(n + 1).unwrap_or(u32::MAX);
        if line_no > until.line {
            break;
        }
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        // The last character that was not a space: a flow collection starts after a
        // space that follows `:` or `-`, or right after `[`, `{` or `,`.
        let mut last = ' ';
        for (c_no, c) in line.chars().enumerate() {
            let col = u32::try_from(c_no + 1).unwrap_or(u32::MAX);
            if line_no == until.line && col >= until.column {
                break;
            }
            match quote {
                Some(q) => {
                    if c == q && !(q == '"' && prev == '\\') {
                        quote = None;
                    }
                }
                None => match c {
                    '"' | '\'' if matches!(last, ' ' | ':' | '-' | '[' | '{' | ',') => {
                        quote = Some(c);
                    }
                    '#' if prev == ' ' || c_no == 0 => break,
                    '[' | '{'
                        if !stack.is_empty()
                            || (prev == ' ' && matches!(last, ':' | '-' | ' '))
                            || c_no == 0 =>
                    {
                        stack.push((Pos::new(line_no, col), c));
                    }
                    ']' | '}' if !stack.is_empty() => {
                        stack.pop();
                    }
                    _ => {}
                },
            }
            prev = c;
            if c != ' ' {
                last = c;
            }
        }
    }
    stack.pop()
}

/// How many lines the YAML parser sees in `text`: breaks are `\n`, `\r\n` and a lone
/// `\r` (YAML 1.2 §5.4), which `str::lines` does not count.
pub fn line_count(text: &str) -> usize {
    let bytes = text.as_bytes();
    let breaks = bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count();
    breaks + 1
}

/// Parses a stream of YAML documents (`---` separated), skipping empty ones.
pub fn parse_all(file: &str, text: &str) -> Result<Vec<Node>, Diagnostic> {
    let docs = serde_saphyr::from_str_multiple_with_options::<Node, Vec<Node>>(text, options())
        .map_err(|e| to_diagnostic(file, &e))?;
    Ok(docs
        .into_iter()
        .filter(|d| d.value != Value::Null)
        .collect())
}

/// Turns a serde-saphyr error into a diagnostic, keeping its position.
pub fn to_diagnostic(file: &str, error: &serde_saphyr::Error) -> Diagnostic {
    let plain = error.without_snippet().to_string();
    let pos = error
        .location()
        .map(|l| {
            Pos::new(
                u32::try_from(l.line()).unwrap_or(0),
                u32::try_from(l.column()).unwrap_or(0),
            )
        })
        .unwrap_or_default();
    // serde-saphyr appends " at line L, column C"; the diagnostic carries the position itself.
    let message = match plain.find(" at line ") {
        Some(i) if pos.line > 0 => plain[..i].to_owned(),
        _ => plain,
    };
    // serde-saphyr's advice on duplicate keys is about its own options; say it for users.
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest
            .split(", set DuplicateKeyPolicy")
            .next()
            .unwrap_or(rest);
        return Diagnostic::new(file, pos, format!("duplicate key `{key}`"))
            .help("a key may appear only once in a mapping; remove or merge the repeats");
    }
    if message.starts_with("multiple YAML documents detected") {
        return Diagnostic::new(file, pos, "a second YAML document starts here")
            .help("a spec is one YAML document; remove the `---` and what follows, or merge it");
    }
    if let Some(breach) = message.strip_prefix("budget breached: ") {
        // Each limit its own words: only the alias limits are about alias bombs.
        let (what, help) = if breach.starts_with("Depth") {
            (
                "the YAML nests deeper than 64 levels".to_owned(),
                "ladder refuses deeply nested YAML; flatten the structure",
            )
        } else if breach.starts_with("Documents") {
            (
                format!("the file holds more than {MAX_DOCUMENTS} YAML documents"),
                "split it into several files",
            )
        } else if breach.starts_with("Alias")
            || breach.starts_with("Anchor")
            || breach.contains("Recorded")
        {
            (
                "the YAML repeats anchored nodes more than ladder reads".to_owned(),
                "ladder refuses hugely repeated YAML (anchors and aliases that expand exponentially)",
            )
        } else {
            (
                "the YAML is larger than ladder reads (more than 50 million parser events, 20 million nodes or 64 MiB of text)".to_owned(),
                "split the file",
            )
        };
        return Diagnostic::new(file, pos, what).help(help);
    }
    Diagnostic::new(file, pos, format!("invalid YAML: {message}"))
}

/// Renders a string as a YAML scalar that every YAML 1.1 and 1.2 reader reads back as
/// the same string: plain when that is unambiguous, double-quoted otherwise.
pub fn scalar(s: &str) -> String {
    let needs_json = s.is_empty() || s.chars().any(needs_escape) || s.trim() != s;
    if !needs_json {
        let options = serde_saphyr::ser_options! {
            folded_wrap_chars: usize::MAX,
        };
        if let Ok(text) = serde_saphyr::to_string_with_options(&s, options) {
            let text = text.strip_suffix('\n').unwrap_or(&text);
            if !text.contains('\n') && !text.starts_with(['|', '>']) && plain_is_safe(text, s) {
                return text.to_owned();
            }
        }
    }
    double_quoted(s)
}

/// Characters a YAML reader refuses raw (C0 but tab and newline, DEL, C1), folds into a
/// space (NEL, U+0085), or reads as a line break or byte-order mark.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        )
}

/// `s` as a double-quoted YAML scalar with every character a reader could refuse or fold
/// escaped (`\xNN`, `\uNNNN`), which go-yaml v2 and v3 (kubectl, Argo CD) read back
/// exactly; JSON's escaping leaves DEL and C1 raw, which they refuse.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02X}", u32::from(c));
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A belt-and-braces check on top of the emitter: a plain scalar is only kept when it
/// cannot be read by a YAML 1.1 reader as anything but this string.
fn plain_is_safe(text: &str, original: &str) -> bool {
    if text != original {
        // The emitter quoted it; its quoting is safe.
        return text.starts_with('"') || text.starts_with('\'');
    }
    let lower = original.to_ascii_lowercase();
    let special = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
    ];
    !special.contains(&lower.as_str())
}

#[cfg(test)]
mod tests;
