//! Loading: spec bytes to a typed [`Spec`], with every structural problem at once.
//!
//! The loader reads the bytes as UTF-8 YAML into a position-carrying node tree,
//! checks that tree against the spec's JSON Schema (generated from the Rust
//! types in [`crate::load::spec`]), so unknown fields (with a did-you-mean), wrong
//! types and missing fields are all reported in one run with their line and
//! column, and only then lets serde build the typed [`Spec`].
//!
//! Owns the input format: the spec's types ([`spec`], the single source of the JSON
//! Schema in `schema/`), the position-carrying YAML tree ([`yaml`]) and the schema
//! checker ([`conform`], also used by `validate` for CRDs).
//!
//! May import: `diagnostic`.

use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Pos};
use include::{Included, Sources};
use spec::Spec;
use yaml::{Node, Value};

pub mod conform;
pub mod include;
pub mod spec;
pub mod yaml;

/// Specs larger than this are refused before parsing (a spec of 100,000 components is
/// about 15 MiB).
pub const MAX_SPEC_BYTES: usize = 64 * 1024 * 1024;

/// A spec as read: its text, its node tree (for positions) and its typed form.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub file: String,
    pub text: String,
    /// The spec's tree with the components of its component files merged in.
    pub tree: Node,
    pub spec: Spec,
    /// The component files the tree holds, to point diagnostics back into them.
    pub sources: Arc<Sources>,
}

/// Reads a spec from bytes. `file` names it in diagnostics. A spec without `name` is an
/// error here; [`load_named`] gives it one.
pub fn load(file: &str, bytes: &[u8]) -> Result<Loaded, Vec<Diagnostic>> {
    load_named(file, bytes, None)
}

/// [`load`], with the name a spec without `name` gets (the CLI passes its folder's, see
/// [`folder_name`]); with `None` a missing name is an error.
pub fn load_named(
    file: &str,
    bytes: &[u8],
    default_name: Option<&str>,
) -> Result<Loaded, Vec<Diagnostic>> {
    load_with(file, bytes, default_name, None)
}

/// [`load_named`], with the component files the caller found for the spec's `include`
/// globs merged into its components ([`include::merge`]). With `None`, `include` is not
/// read (to learn what the spec names before reading it).
pub fn load_with(
    file: &str,
    bytes: &[u8],
    default_name: Option<&str>,
    included: Option<Included<'_>>,
) -> Result<Loaded, Vec<Diagnostic>> {
    if bytes.len() > MAX_SPEC_BYTES {
        return Err(vec![Diagnostic::new(
            file,
            Pos::default(),
            format!(
                "the spec is {} bytes; ladder reads specs of at most {MAX_SPEC_BYTES} bytes",
                bytes.len()
            ),
        )]);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let line = bytecount_newlines(valid) + 1;
            let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count()
                + 1;
            return Err(vec![
                Diagnostic::new(
                    file,
                    Pos::new(
                        u32::try_from(line).unwrap_or(u32::MAX),
                        u32::try_from(column).unwrap_or(u32::MAX),
                    ),
                    "the spec is not UTF-8 text",
                )
                .help("save the file as UTF-8"),
            ]);
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut tree = yaml::parse(file, text).map_err(|d| vec![d])?;
    if tree.value == Value::Null {
        return Err(vec![
            Diagnostic::new(file, Pos::new(1, 1), "the spec is empty")
                .help("a spec needs at least `environments` and `components`; `ladder init` writes a starter spec"),
        ]);
    }
    let (sources, mut problems) = match included {
        Some(included) => include::merge(
            file,
            &mut tree,
            yaml::line_count(text),
            included,
            MAX_SPEC_BYTES,
        )?,
        None => (Sources::default(), Vec::new()),
    };
    let relocated = |mut diagnostics: Vec<Diagnostic>| {
        sources.relocate(&mut diagnostics);
        diagnostics
    };
    let unreadable = unreadable_characters(file, &tree);
    if !unreadable.is_empty() {
        problems.extend(unreadable);
        return Err(relocated(problems));
    }
    let schema = spec::json_schema();
    let issues = conform::check(&tree, &schema, &schema);
    let unnamed =
        matches!(tree.value, Value::Map(_)) && tree.get("name").is_none() && default_name.is_none();
    if !issues.is_empty() || unnamed || !problems.is_empty() {
        let mut diagnostics: Vec<Diagnostic> = issues
            .into_iter()
            .map(|i| Diagnostic::new(file, i.pos, i.message).help_opt(i.help))
            .chain(problems)
            .collect();
        if unnamed {
            diagnostics.push(
                Diagnostic::new(file, tree.pos, "missing required field `name` at the top level")
                    .help("add `name` (the system's name: it names the ApplicationSet, the AppProject and the root Application), for example `name: shop`"),
            );
        }
        crate::diagnostic::sort(&mut diagnostics);
        return Err(relocated(diagnostics));
    }
    // The tree already passed the schema, so building the typed spec from it cannot
    // meet a type error; doing so from the tree spares a second YAML parse.
    let mut spec = serde_json::from_value::<Spec>(tree.to_json()).map_err(|e| {
        vec![Diagnostic::new(
            file,
            Pos::new(1, 1),
            format!("the spec does not fit its types: {e}"),
        )]
    })?;
    if let (None, Some(name)) = (tree.get("name"), default_name) {
        name.clone_into(&mut spec.name);
    }
    Ok(Loaded {
        file: file.to_owned(),
        text: text.to_owned(),
        tree,
        spec,
        sources: Arc::new(sources),
    })
}

/// The name a spec in folder `folder` gets when it has no `name`: the folder's name,
/// lowercased, with every character other than a letter, digit or `-` made `-`, runs of
/// `-` folded and cut to 40 characters (room for `-<env>-root` in a 63-character name)
/// without a `-` at either end; `None` if nothing is left (a folder named `_` or `..`).
pub fn folder_name(folder: &str) -> Option<String> {
    let mut name = String::new();
    for c in folder.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '-'
        };
        if !(c == '-' && (name.is_empty() || name.ends_with('-'))) {
            name.push(c);
        }
    }
    name.truncate(40);
    let name = name.trim_matches('-');
    (!name.is_empty()).then(|| name.to_owned())
}

/// Every string of the spec (keys too) holding a character kubectl and Argo CD cannot
/// read back from a manifest: control characters but tab and newline (C0, CR, DEL, C1,
/// NEL, which go-yaml folds into a space), line and paragraph separators, the byte-order
/// mark and the noncharacters U+FFFE and U+FFFF. One diagnostic per string, naming the
/// character, not echoing the string. The walk is iterative: nesting comes from input.
fn unreadable_characters(file: &str, tree: &Node) -> Vec<Diagnostic> {
    let refused = |c: char| {
        (c.is_control() && c != '\t' && c != '\n')
            || matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
            )
    };
    let mut found = Vec::new();
    let mut check = |node: &Node| {
        if let Value::Str(s) = &node.value
            && let Some(c) = s.chars().find(|&c| refused(c))
        {
            found.push(
                Diagnostic::new(
                    file,
                    node.pos,
                    format!(
                        "this string holds U+{:04X}, a character kubectl and Argo CD cannot read back from a manifest",
                        u32::from(c)
                    ),
                )
                .help("remove it; tab and newline are the only control characters a string may hold"),
            );
        }
    };
    let mut stack = vec![tree];
    while let Some(node) = stack.pop() {
        match &node.value {
            Value::Seq(items) => stack.extend(items.iter().rev()),
            Value::Map(entries) => {
                for (key, value) in entries.iter().rev() {
                    check(key);
                    stack.push(value);
                }
            }
            _ => check(node),
        }
    }
    crate::diagnostic::sort(&mut found);
    found
}

fn bytecount_newlines(bytes: &[u8]) -> usize {
    bytes.split(|&b| b == b'\n').count() - 1
}
