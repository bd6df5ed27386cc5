//! Promotion: copying version pins from one environment's version file to the next's
//! (`ladder promote`), replacing seed 004's `yq` script.
//!
//! A pure function of the two files' texts: each pin of the source (a scalar leaf such
//! as `dlt-node.vault.chartVersion`) that the target holds with another value is
//! rewritten in place, at the span the YAML parser reported, so the target keeps its
//! comments, key order, layout and quoting style. Pins the target lacks are listed, not
//! added (where they belong in the file is for a person to decide).

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
    let mut edits: Vec<(Pos, String)> = Vec::new();
    let mut changes = Vec::new();
    let mut missing = Vec::new();
    for (entry, value) in leaves {
        let Some(target) = crate::analyze::version_files::entry(&to, &entry) else {
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
            edits.push((target.pos, value.clone()));
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

/// Rewrites the scalars at `edits` (positions of the target's values), last first so
/// earlier positions stay valid, keeping each one's quoting style.
fn apply_edits(
    file: &str,
    text: &str,
    edits: &mut [(Pos, String)],
) -> Result<String, Vec<Diagnostic>> {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    edits.sort_by_key(|e| std::cmp::Reverse((e.0.line, e.0.column)));
    for (pos, value) in edits.iter() {
        let unsupported = || {
            vec![
                Diagnostic::new(file, *pos, "cannot rewrite this value in place")
                    .help("write it on one line, plain or quoted"),
            ]
        };
        let index = usize::try_from(pos.line)
            .unwrap_or(usize::MAX)
            .wrapping_sub(1);
        let Some(line) = lines.get_mut(index) else {
            return Err(unsupported());
        };
        let column = usize::try_from(pos.column)
            .unwrap_or(usize::MAX)
            .saturating_sub(1);
        let Some((mut start, _)) = line.char_indices().nth(column) else {
            return Err(unsupported());
        };
        // The reported column is the scalar's first character or its opening quote.
        if start > 0
            && matches!(line.as_bytes()[start - 1], b'"' | b'\'')
            && !matches!(line.as_bytes()[start], b'"' | b'\'')
        {
            start -= 1;
        }
        let rest = &line[start..];
        let (len, replacement) = match rest.as_bytes().first() {
            Some(b'"') => {
                let end = closing(rest, '"').ok_or_else(unsupported)?;
                let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
                (end + 1, format!("\"{escaped}\""))
            }
            Some(b'\'') => {
                let end = closing(rest, '\'').ok_or_else(unsupported)?;
                (end + 1, format!("'{}'", value.replace('\'', "''")))
            }
            _ => {
                let body = rest.trim_end_matches(['\n', '\r']);
                let body = body.find(" #").map_or(body, |i| &body[..i]).trim_end();
                if body.is_empty() || body.starts_with(['|', '>', '{', '[']) {
                    return Err(unsupported());
                }
                (body.len(), yaml::scalar(value))
            }
        };
        line.replace_range(start..start + len, &replacement);
    }
    Ok(lines.concat())
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
}
