//! Promotion: copying version pins from one environment's version file to the next's
//! (`ladder promote`), replacing seed 004's `yq` script.
//!
//! A pure function of the two files' texts: each pin of the source (a scalar leaf such
//! as `dlt-node.vault.chartVersion`) that the target holds with another value is
//! rewritten in place, at the span the YAML parser reported, so the target keeps its
//! comments, key order, layout and quoting style. Pins the target lacks are listed, not
//! added (where they belong in the file is for a person to decide).

use crate::analyze::version_files::Lookup;
use crate::diagnostic::{Diagnostic, Pos};
use crate::load::yaml::{self, Node, Value};

/// One pin that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Dotted path, e.g. `dlt-node.vault.chartVersion`.
    pub entry: String,
    pub old: String,
    pub new: String,
}

/// The target file's new text and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    pub text: String,
    pub changes: Vec<Change>,
    /// Pins of the source the target does not have (not promoted).
    pub missing: Vec<String>,
}

/// Why a promotion from `from` to `to` breaks the declared order (`envs`, in rollout
/// order), or `None` if `to` comes right after `from`.
pub fn order_problem(envs: &[&str], from: &str, to: &str) -> Option<String> {
    let f = envs.iter().position(|e| *e == from)?;
    let t = envs.iter().position(|e| *e == to)?;
    if t == f + 1 {
        return None;
    }
    let order = envs.join(" → ");
    Some(if t <= f {
        format!("promoting `{from}` to `{to}` goes against the declared order ({order})")
    } else {
        format!(
            "promoting `{from}` to `{to}` skips {} (declared order: {order})",
            envs[f + 1..t]
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// Copies the pins under `entries` (dotted paths; every pin when empty) from the source
/// text to the target text.
pub fn promote(
    from_file: &str,
    from_text: &str,
    to_file: &str,
    to_text: &str,
    entries: &[String],
) -> Result<Promotion, Vec<Diagnostic>> {
    let from = yaml::parse(from_file, from_text).map_err(|d| vec![d])?;
    let to = yaml::parse(to_file, to_text).map_err(|d| vec![d])?;
    let to_index = Lookup::new(&to);
    let mut leaves = Vec::new();
    let mut problems = Vec::new();
    if entries.is_empty() {
        collect_leaves(&from, String::new(), &mut leaves);
    } else {
        for entry in entries {
            match crate::analyze::version_files::entry(&from, entry) {
                Some(node) => collect_leaves(node, entry.clone(), &mut leaves),
                None => problems.push(Diagnostic::new(
                    from_file,
                    Pos::new(1, 1),
                    format!("{from_file} has no entry `{entry}` to promote"),
                )),
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut edits: Vec<Edit> = Vec::new();
    let mut changes = Vec::new();
    let mut missing = Vec::new();
    for (entry, value) in leaves {
        let Some(target) = to_index.entry(&to, &entry) else {
            missing.push(entry);
            continue;
        };
        let Some(old) = target.scalar_text() else {
            problems.push(
                Diagnostic::new(
                    to_file,
                    target.pos,
                    format!(
                        "`{entry}` is {} here but a pin in {from_file}",
                        target.value.kind()
                    ),
                )
                .help("make both files the same shape"),
            );
            continue;
        };
        if old != value {
            edits.push(Edit {
                pos: target.pos,
                old: old.clone(),
                new: value.clone(),
            });
            changes.push(Change {
                entry,
                old,
                new: value,
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let text = apply_edits(to_file, to_text, &mut edits)?;
    verify(to_file, &text, &to, &changes)?;
    Ok(Promotion {
        text,
        changes,
        missing,
    })
}

fn collect_leaves(node: &Node, path: String, out: &mut Vec<(String, String)>) {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                let key = k.key_text().unwrap_or_default();
                let path = if path.is_empty() {
                    key
                } else {
                    format!("{path}.{key}")
                };
                collect_leaves(v, path, out);
            }
        }
        _ => {
            if let Some(text) = node.scalar_text() {
                out.push((path, text));
            }
        }
    }
}

/// One pin to rewrite: where its value starts, its text now, its new text.
struct Edit {
    pos: Pos,
    old: String,
    new: String,
}

/// Rewrites the scalars at `edits` (positions of the target's values) in one pass over
/// the text, keeping each one's quoting style: linear in the text and the edits, however
/// many pins share a line.
fn apply_edits(file: &str, text: &str, edits: &mut [Edit]) -> Result<String, Vec<Diagnostic>> {
    edits.sort_by_key(|e| (e.pos.line, e.pos.column));
    let mut out = String::with_capacity(text.len() + edits.len() * 8);
    let mut edits = edits.iter().peekable();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if edits.peek().is_none_or(|e| e.pos.line != number) {
            out.push_str(line);
            continue;
        }
        // The edits of this line, by column: byte offsets found in one walk.
        let mut chars = line.char_indices().enumerate().peekable();
        let mut copied = 0;
        while let Some(edit) = edits.next_if(|e| e.pos.line == number) {
            let unsupported = || {
                vec![
                    Diagnostic::new(file, edit.pos, "cannot rewrite this value in place")
                        .help("write it on one line, plain or quoted"),
                ]
            };
            let column = usize::try_from(edit.pos.column)
                .unwrap_or(usize::MAX)
                .saturating_sub(1);
            let mut start = None;
            while let Some(&(i, (byte, _))) = chars.peek() {
                if i == column {
                    start = Some(byte);
                    break;
                }
                chars.next();
            }
            let mut start = start.ok_or_else(unsupported)?;
            // The reported column is the scalar's first character or its opening quote.
            if start > copied
                && matches!(line.as_bytes()[start - 1], b'"' | b'\'')
                && !matches!(line.as_bytes()[start], b'"' | b'\'')
            {
                start -= 1;
            }
            if start < copied {
                return Err(unsupported());
            }
            let rest = &line[start..];
            let (len, replacement) = match rest.as_bytes().first() {
                Some(b'"') => {
                    let end = closing(rest, '"').ok_or_else(unsupported)?;
                    let escaped = edit.new.replace('\\', "\\\\").replace('"', "\\\"");
                    (end + 1, format!("\"{escaped}\""))
                }
                Some(b'\'') => {
                    let end = closing(rest, '\'').ok_or_else(unsupported)?;
                    (end + 1, format!("'{}'", edit.new.replace('\'', "''")))
                }
                // A plain scalar is its text as the parser read it (one line), and no
                // more: in a flow mapping what follows it is the next pin.
                _ if !edit.old.is_empty()
                    && rest.starts_with(edit.old.as_str())
                    && rest[edit.old.len()..].chars().next().is_none_or(|c| {
                        matches!(c, ' ' | '\t' | '\r' | '\n' | ',' | ']' | '}')
                    })
                    && !rest.starts_with(['|', '>', '{', '[']) =>
                {
                    (edit.old.len(), yaml::scalar(&edit.new))
                }
                _ => return Err(unsupported()),
            };
            out.push_str(&line[copied..start]);
            out.push_str(&replacement);
            copied = start + len;
        }
        out.push_str(&line[copied..]);
    }
    if let Some(edit) = edits.next() {
        return Err(vec![Diagnostic::new(
            file,
            edit.pos,
            "cannot rewrite this value in place",
        )]);
    }
    Ok(out)
}

/// Reads the rewritten target back: every promoted pin must hold its new value and
/// every other leaf its old one, so an edit that went wrong is an error, not a file
/// silently broken.
fn verify(
    file: &str,
    text: &str,
    before: &Node,
    changes: &[Change],
) -> Result<(), Vec<Diagnostic>> {
    let after = yaml::parse(file, text).map_err(|d| {
        vec![Diagnostic::new(
            file,
            d.pos,
            format!(
                "promoting would leave {file} unreadable ({}); nothing was written",
                d.message
            ),
        )]
    })?;
    let (mut old, mut new) = (Vec::new(), Vec::new());
    collect_leaves(before, String::new(), &mut old);
    collect_leaves(&after, String::new(), &mut new);
    let changed: std::collections::HashMap<&str, &str> = changes
        .iter()
        .map(|c| (c.entry.as_str(), c.new.as_str()))
        .collect();
    let same = old.len() == new.len()
        && old
            .iter()
            .zip(&new)
            .all(|((path, value), (path2, value2))| {
                path == path2
                    && changed
                        .get(path.as_str())
                        .map_or(value == value2, |v| v == value2)
            });
    if same {
        Ok(())
    } else {
        Err(vec![
            Diagnostic::new(
                file,
                Pos::new(1, 1),
                format!("promoting would change more of {file} than its pins; nothing was written"),
            )
            .help("write each pin on its own line, plain or quoted"),
        ])
    }
}

/// Byte index of the quote closing the scalar that opens at `text[0]`.
fn closing(text: &str, quote: char) -> Option<usize> {
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if quote == '"' && c == '\\' {
            chars.next();
        } else if c == quote {
            if quote == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') {
                chars.next();
            } else {
                return Some(i);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const QA: &str = "dlt-node:\n  vault:\n    chartVersion: \"1.3.0\"\n    imageTag: v1.3.0\nbackup:\n  chartVersion: '0.4.0'\n";
    const PREPROD: &str = "# pre-prod pins\ndlt-node:\n  vault:\n    chartVersion: \"1.2.0\"   # CI-managed\n    imageTag: v1.2.0 # tag\nbackup:\n  chartVersion: '0.3.1'\n  extra: kept\n";

    #[test]
    fn rewrites_changed_pins_in_place_keeping_comments_order_and_quotes() {
        let p = promote("qa.yaml", QA, "preprod.yaml", PREPROD, &[]).unwrap();
        assert_eq!(
            p.text,
            "# pre-prod pins\ndlt-node:\n  vault:\n    chartVersion: \"1.3.0\"   # CI-managed\n    imageTag: v1.3.0 # tag\nbackup:\n  chartVersion: '0.4.0'\n  extra: kept\n"
        );
        let entries: Vec<&str> = p.changes.iter().map(|c| c.entry.as_str()).collect();
        assert_eq!(
            entries,
            [
                "dlt-node.vault.chartVersion",
                "dlt-node.vault.imageTag",
                "backup.chartVersion"
            ]
        );
        assert_eq!(p.changes[0].old, "1.2.0");
        assert!(p.missing.is_empty());
    }

    #[test]
    fn only_selected_entries_move_and_a_second_run_changes_nothing() {
        let only = vec!["backup".to_owned()];
        let p = promote("qa.yaml", QA, "preprod.yaml", PREPROD, &only).unwrap();
        assert_eq!(p.changes.len(), 1);
        assert!(p.text.contains("chartVersion: \"1.2.0\""));
        let again = promote("qa.yaml", QA, "preprod.yaml", &p.text, &only).unwrap();
        assert!(again.changes.is_empty());
        assert_eq!(again.text, p.text);
    }

    #[test]
    fn pins_the_target_lacks_are_listed_not_added() {
        let p = promote(
            "qa.yaml",
            QA,
            "prod.yaml",
            "backup:\n  chartVersion: '0.3.1'\n",
            &[],
        )
        .unwrap();
        assert_eq!(
            p.missing,
            ["dlt-node.vault.chartVersion", "dlt-node.vault.imageTag"]
        );
        assert_eq!(p.text, "backup:\n  chartVersion: '0.4.0'\n");
    }

    #[test]
    fn order_must_be_the_next_environment() {
        let envs = ["qa", "preprod", "prod"];
        assert_eq!(order_problem(&envs, "qa", "preprod"), None);
        assert!(
            order_problem(&envs, "qa", "prod")
                .unwrap()
                .contains("skips `preprod`")
        );
        assert!(
            order_problem(&envs, "prod", "qa")
                .unwrap()
                .contains("against the declared order")
        );
    }

    /// Regression: a plain pin's extent was "the rest of the line up to ` #`", so in a
    /// flow mapping it swallowed the pins after it (`{a: "1.0.1"   # pins`: invalid YAML,
    /// `b` lost) while promote reported success.
    #[test]
    fn a_flow_mapping_target_keeps_its_other_pins() {
        let p = promote(
            "qa.yaml",
            "a: 1.0.1\nb: 2\n",
            "prod.yaml",
            "{a: 1.0.0, b: 2}   # pins\n",
            &[],
        )
        .unwrap();
        assert_eq!(p.text, "{a: \"1.0.1\", b: 2}   # pins\n");
        let many_from = (0..2000)
            .map(|i| format!("p{i}: v2.{i}"))
            .collect::<Vec<_>>()
            .join("\n");
        let many_to = format!(
            "{{{}}}\n",
            (0..2000)
                .map(|i| format!("p{i}: v1.{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let p = promote("qa.yaml", &many_from, "prod.yaml", &many_to, &[]).unwrap();
        assert_eq!(p.changes.len(), 2000);
        let tree = yaml::parse("prod.yaml", &p.text).unwrap();
        assert_eq!(
            tree.get("p1999").and_then(Node::scalar_text).as_deref(),
            Some("v2.1999")
        );
    }

    /// Lookups through the index find what the plain walk finds, keys with dots too.
    #[test]
    fn the_lookup_index_finds_what_entry_finds() {
        let text = "a:\n  b: {c: 1}\n  b.c: 2\n  x: [1]\nd.e: 3\nd: {e: 4}\n";
        let tree = yaml::parse("v.yaml", text).unwrap();
        let index = Lookup::new(&tree);
        for path in ["a", "a.b", "a.b.c", "a.b.c.d", "a.x", "d.e", "d", "zz", ""] {
            assert_eq!(
                index.entry(&tree, path).map(|n| n.pos),
                crate::analyze::version_files::entry(&tree, path).map(|n| n.pos),
                "{path}"
            );
        }
    }
}
