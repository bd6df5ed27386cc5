//! What `ladder lint` reports: [`Finding`]s (a diagnostic naming its rule, with the
//! rule's severity) collected in a [`Report`], and the report as text.

use std::fmt::Write as _;

use super::rules::{self, Severity};
use crate::analyze::model::Version;
use crate::diagnostic::{self, Diagnostic};

/// One finding: a diagnostic naming its rule, with the rule's severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub diagnostic: Diagnostic,
}

impl Finding {
    /// A finding with its rule's severity (an error when the diagnostic has no rule).
    pub fn new(diagnostic: Diagnostic) -> Finding {
        let severity = diagnostic.rule.map_or(Severity::Error, |r| {
            rules::rule(r).map_or(Severity::Error, |rule| rule.severity)
        });
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

/// The outcome of [`super::lint`].
#[derive(Debug, Clone)]
pub struct Report {
    /// The Argo CD version the manifests were linted for.
    pub version: Version,
    /// Sorted by file and position.
    pub findings: Vec<Finding>,
    pub specs: usize,
    pub manifests: usize,
    /// Files not linted, sorted by name.
    pub skipped: Vec<Skipped>,
    /// Findings an inline `# ladder-lint: ignore[…]` suppressed, with its reason.
    pub suppressed: Vec<(Finding, String)>,
    /// Files left out by `--exclude` or the config's `exclude`.
    pub excluded: usize,
    /// The Argo CD settings found (the Application health check, progressive syncs), one
    /// line each with where.
    pub settings: Vec<String>,
    /// Files read only for Argo CD settings (kustomizations, Helm values).
    pub settings_files: usize,
}

/// A file lint did not read, and why (not YAML, not Kubernetes, not Argo CD).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub file: String,
    pub why: String,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
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
        diagnostic::render_into(&mut out, &f.diagnostic, &heading, &lines.1, &source);
    }
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    for s in &report.settings {
        let _ = writeln!(out, "setting: {s}");
    }
    for s in &report.skipped {
        let _ = writeln!(out, "skipped {}: {}", s.file, s.why);
    }
    for (f, why) in &report.suppressed {
        let d = &f.diagnostic;
        let _ = writeln!(
            out,
            "suppressed {}[{}] at {}:{}:{}: {why}",
            f.severity.as_str(),
            f.rule(),
            d.file,
            d.pos.line,
            d.pos.column
        );
    }
    let _ = write!(
        out,
        "{}, {}, {} in {} and {} (Argo CD {})",
        plural(report.count(Severity::Error), "error"),
        plural(report.count(Severity::Warning), "warning"),
        plural(report.count(Severity::Note), "note"),
        plural(report.specs, "spec"),
        plural(report.manifests, "manifest"),
        report.version
    );
    if report.settings_files > 0 {
        let _ = write!(
            out,
            "; {} read for settings",
            plural(report.settings_files, "file")
        );
    }
    if !report.skipped.is_empty() {
        let _ = write!(out, "; {} skipped", plural(report.skipped.len(), "file"));
    }
    if report.excluded > 0 {
        let _ = write!(out, "; {} excluded", plural(report.excluded, "file"));
    }
    if !report.suppressed.is_empty() {
        let _ = write!(
            out,
            "; {} suppressed",
            plural(report.suppressed.len(), "finding")
        );
    }
    out.push('\n');
    out
}
