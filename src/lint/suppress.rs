//! Inline suppression: `# ladder-lint: ignore[rule, other-rule] why` in a linted file.
//!
//! - In the comments that open a document (before its first line of content): every
//!   finding of those rules in that document.
//! - After content on a line: the findings on that line.
//! - On a line of its own elsewhere: the findings on the next line of content.
//!
//! Suppressed findings are counted in the report, with their reason, not dropped
//! silently; a directive that names no rule, or one ladder does not have, is a finding
//! itself (`lint-directive`).

use std::collections::BTreeMap;

use super::finding::Finding;
use super::rules;
use crate::diagnostic::{Diagnostic, Pos, did_you_mean};

const MARKER: &str = "ladder-lint:";

/// The suppressions of one file.
#[derive(Debug, Default)]
pub(super) struct Suppressions {
    /// (first line, last line) of a document → rules and reason.
    documents: Vec<(u32, u32, Vec<String>, String)>,
    /// Line → rules and reason.
    lines: BTreeMap<u32, (Vec<String>, String)>,
}

impl Suppressions {
    /// The reason `finding` is suppressed, if it is.
    pub(super) fn reason(&self, finding: &Finding) -> Option<&str> {
        let line = finding.diagnostic.pos.line;
        let rule = finding.rule();
        if let Some((rules, why)) = self.lines.get(&line)
            && rules.iter().any(|r| r == rule)
        {
            return Some(why);
        }
        self.documents
            .iter()
            .find(|(first, last, rules, _)| {
                (*first..=*last).contains(&line) && rules.iter().any(|r| r == rule)
            })
            .map(|(_, _, _, why)| why.as_str())
    }
}

/// Reads the directives of `text` (file `file`); malformed ones are findings.
pub(super) fn read(file: &str, text: &str, problems: &mut Vec<Finding>) -> Suppressions {
    let mut out = Suppressions::default();
    let lines: Vec<&str> = text.lines().collect();
    // Documents: (first line, last line), 1-based, split at `---`.
    let mut starts = vec![1u32];
    for (i, l) in lines.iter().enumerate() {
        if l.starts_with("---") {
            starts.push(line_no(i) + 1);
        }
    }
    let end = line_no(lines.len());
    let documents: Vec<(u32, u32)> = starts
        .iter()
        .enumerate()
        .map(|(k, &s)| (s, starts.get(k + 1).map_or(end, |n| n - 1)))
        .collect();
    for (first, last) in documents {
        let mut leading = true;
        for n in first..=last {
            let Some(line) = lines.get(n as usize - 1) else {
                break;
            };
            let trimmed = line.trim_start();
            let comment_only = trimmed.starts_with('#');
            if !comment_only && !trimmed.is_empty() && !trimmed.starts_with("---") {
                leading = false;
            }
            let Some(at) = line.find('#') else { continue };
            let comment = line[at + 1..].trim_start();
            let Some(directive) = comment.strip_prefix(MARKER) else {
                continue;
            };
            let column = u32::try_from(at + 1).unwrap_or(u32::MAX);
            let Some((rules, why)) = parse(file, n, column, directive.trim(), problems) else {
                continue;
            };
            if comment_only && leading {
                out.documents.push((first, last, rules, why));
            } else if comment_only {
                // The next line of content.
                let target = (n + 1..=last).find(|&m| {
                    lines
                        .get(m as usize - 1)
                        .is_some_and(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                });
                if let Some(m) = target {
                    out.lines.insert(m, (rules, why));
                }
            } else {
                out.lines.insert(n, (rules, why));
            }
        }
    }
    out
}

fn line_no(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

/// `ignore[a, b] reason` → the rules and the reason.
fn parse(
    file: &str,
    line: u32,
    column: u32,
    directive: &str,
    problems: &mut Vec<Finding>,
) -> Option<(Vec<String>, String)> {
    let mut problem = |message: String, help: String| {
        problems.push(Finding::new(
            Diagnostic::new(file, Pos::new(line, column), message)
                .help(help)
                .rule(&"lint-directive"),
        ));
    };
    let Some(rest) = directive.strip_prefix("ignore[") else {
        problem(
            format!("`{MARKER} {directive}` is not a directive ladder reads"),
            "write `# ladder-lint: ignore[RULE] why`".into(),
        );
        return None;
    };
    let Some((names, why)) = rest.split_once(']') else {
        problem(
            "the rule list of `ignore[` is not closed".into(),
            "write `# ladder-lint: ignore[RULE] why`".into(),
        );
        return None;
    };
    let mut found = Vec::new();
    for name in names.split(',').map(str::trim) {
        if rules::rule(name).is_some() {
            found.push(name.to_owned());
        } else {
            let help = did_you_mean(name, rules::RULES.iter().map(|r| r.name))
                .unwrap_or_else(|| "`ladder lint --list-rules` lists them".into());
            problem(format!("`{name}` is not a lint rule"), help);
        }
    }
    if found.is_empty() {
        return None;
    }
    let why = why.trim();
    Some((
        found,
        if why.is_empty() {
            "no reason given".to_owned()
        } else {
            why.to_owned()
        },
    ))
}
