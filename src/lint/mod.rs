//! `ladder lint`: dependency and Argo CD correctness findings, for a spec or for the
//! Argo CD manifests a team already has.
//!
//! This module owns the rules ([`rules::RULES`]: name, reason, fix) and applies them.
//! It is a pure function from input texts to [`Finding`]s: the CLI reads the files.
//! A text whose YAML has top-level `components` is a ladder spec: its analysis problems
//! become findings (the few `analyze` sites that matter carry a rule name), and a spec
//! that builds is checked for over-serialisation with `plan`. Any other text is a
//! stream of manifests, checked by [`manifests`] for the target Argo CD version.

mod generate;
mod manifests;
pub mod rules;
mod spec;

use std::fmt::Write as _;

use crate::analyze::model::Version;
use crate::diagnostic::{self, Diagnostic};
use crate::load::yaml::{self, Value};

/// The version linted for when neither `--argocd-version` nor a spec says.
pub const DEFAULT_VERSION: Version = Version { major: 3, minor: 5 };

/// How serious a finding is. Errors make `ladder lint` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One finding: a diagnostic naming its rule, with the rule's severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub diagnostic: Diagnostic,
}

impl Finding {
    /// A finding with its rule's severity (an error when the diagnostic has no rule).
    pub fn new(diagnostic: Diagnostic) -> Finding {
        let severity = diagnostic
            .rule
            .map_or(Severity::Error, |r| manifests::severity_of(r));
        Finding {
            severity,
            diagnostic,
        }
    }

    /// An error whatever its rule says: a problem that stops a spec from building.
    pub fn error(diagnostic: Diagnostic) -> Finding {
        Finding {
            severity: Severity::Error,
            diagnostic,
        }
    }

    pub fn rule(&self) -> &'static str {
        self.diagnostic.rule.map_or("spec-error", |r| *r)
    }
}

/// The outcome of [`lint`].
#[derive(Debug, Clone)]
pub struct Report {
    /// The Argo CD version the manifests were linted for.
    pub version: Version,
    /// Sorted by file and position.
    pub findings: Vec<Finding>,
    pub specs: usize,
    pub manifests: usize,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Lints texts (file name, text): specs (one YAML document with top-level `components`)
/// as specs, the rest as manifests, for `version`
/// (default: the first spec's `argocd.version`, else [`DEFAULT_VERSION`]). Input that
/// cannot be read (invalid YAML, a spec that does not load) is an `Err` with every problem.
/// `inputs` holds, by file name, the version files and fleet folders each spec reads.
pub fn lint(
    files: &[(String, String)],
    version: Option<Version>,
    inputs: &std::collections::BTreeMap<String, crate::Inputs>,
) -> Result<Report, Vec<Diagnostic>> {
    let mut invalid = Vec::new();
    let mut findings = Vec::new();
    let mut spec_version = None;
    let mut specs = 0;
    let mut trees = Vec::new();
    for (file, text) in files {
        let docs = match yaml::parse_all(file, text) {
            Ok(docs) => docs,
            Err(d) => {
                invalid.push(d);
                continue;
            }
        };
        if let [doc] = docs.as_slice()
            && doc.get("components").is_some()
        {
            specs += 1;
            let none = crate::Inputs::default();
            let spec_inputs = inputs.get(file).unwrap_or(&none);
            match spec::lint(file, text.as_bytes(), version, spec_inputs) {
                Ok((found, v)) => {
                    findings.extend(found);
                    spec_version = spec_version.or(v);
                }
                Err(diagnostics) => invalid.extend(diagnostics),
            }
            continue;
        }
        trees.push((file.as_str(), docs));
    }
    if !invalid.is_empty() {
        return Err(invalid);
    }
    let version = version.or(spec_version).unwrap_or(DEFAULT_VERSION);
    let (found, manifests) = lint_trees(&trees, version);
    findings.extend(found);
    findings.sort_by(|a, b| {
        let (a, b) = (&a.diagnostic, &b.diagnostic);
        (&a.file, a.pos, &a.message).cmp(&(&b.file, b.pos, &b.message))
    });
    findings.dedup();
    Ok(Report {
        version,
        findings,
        specs,
        manifests,
    })
}

/// Lints parsed manifest files (name, documents) for `version`; also returns how many
/// documents were read.
fn lint_trees(trees: &[(&str, Vec<yaml::Node>)], version: Version) -> (Vec<Finding>, usize) {
    let docs: Vec<manifests::Doc<'_>> = trees
        .iter()
        .flat_map(|(file, nodes)| {
            nodes
                .iter()
                .filter(|n| matches!(n.value, Value::Map(_)))
                .map(|node| manifests::Doc { file, node })
        })
        .collect();
    (manifests::lint(&docs, version), docs.len())
}

/// Renders findings rustc-style (`error[rule]: …`, location, source line, help), then a
/// summary line. `source` gives the text of a file by name.
pub fn render<'a>(report: &Report, source: impl Fn(&str) -> Option<&'a str>) -> String {
    let mut out = String::new();
    // Findings are sorted by file: split each file into lines once.
    let mut lines: (Option<&str>, Vec<&str>) = (None, Vec::new());
    for f in &report.findings {
        let file = f.diagnostic.file.as_str();
        if lines.0 != Some(file) {
            lines = (
                Some(file),
                source(file)
                    .map(|s| s.lines().collect())
                    .unwrap_or_default(),
            );
        }
        let heading = format!("{}[{}]", f.severity.as_str(), f.rule());
        diagnostic::render_into(&mut out, &f.diagnostic, &heading, &lines.1);
    }
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let _ = writeln!(
        out,
        "{}, {}, {} in {} and {} (Argo CD {})",
        plural(report.count(Severity::Error), "error"),
        plural(report.count(Severity::Warning), "warning"),
        plural(report.count(Severity::Note), "note"),
        plural(report.specs, "spec"),
        plural(report.manifests, "manifest"),
        report.version
    );
    out
}

/// The rule table as text, for `ladder lint --list-rules`.
pub fn list_rules() -> String {
    let mut out = String::new();
    for r in rules::RULES {
        let _ = writeln!(out, "{} ({})", r.name, r.severity.as_str());
        let _ = writeln!(out, "  why: {}", r.reason);
        let _ = writeln!(out, "  fix: {}", r.fix);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_unique_kebab_case() {
        let mut names: Vec<&str> = rules::RULES.iter().map(|r| r.name).collect();
        for n in &names {
            assert!(n.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{n}");
        }
        let len = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), len);
    }
}
