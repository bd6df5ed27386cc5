//! `ladder lint --format json|sarif|gitlab`: a [`Report`] as data for CI.
//!
//! - `json`: ladder's own shape: the findings (rule, severity, file, line, column,
//!   message, help, fingerprint), the skipped files and the counts.
//! - `sarif`: SARIF 2.1.0 (OASIS), which GitHub code scanning reads: one run, the rules
//!   the findings name (with their reason and fix), each finding a result with its
//!   location, and the skipped files as tool execution notifications.
//! - `gitlab`: GitLab's code quality report (a JSON array of issues with `description`,
//!   `check_name`, `fingerprint`, `severity` and `location.path`/`lines.begin`).
//!
//! Fingerprints are stable across edits that only move a finding: a hash of its rule,
//! file and message, and how many identical ones come before it, never its line.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value as Json, json};

use super::finding::{Finding, Report};
use super::rules::{self, Severity};

/// The rule `spec-error` (a spec that does not build), which is not in the table.
const SPEC_ERROR: (&str, &str) = (
    "the spec does not build: the problem ladder build would report",
    "fix the spec as the message says",
);

/// The report as ladder's JSON.
pub fn json(report: &Report) -> String {
    let findings: Vec<Json> = report
        .findings
        .iter()
        .zip(fingerprints(&report.findings))
        .map(|(f, fingerprint)| {
            let d = &f.diagnostic;
            json!({
                "rule": f.rule(),
                "severity": f.severity.as_str(),
                "file": d.file,
                "line": d.pos.line,
                "column": d.pos.column,
                "message": d.message,
                "help": d.help,
                "fingerprint": fingerprint,
            })
        })
        .collect();
    let skipped: Vec<Json> = report
        .skipped
        .iter()
        .map(|s| json!({ "file": s.file, "why": s.why }))
        .collect();
    let out = json!({
        "argocdVersion": report.version.to_string(),
        "specs": report.specs,
        "manifests": report.manifests,
        "errors": report.count(Severity::Error),
        "warnings": report.count(Severity::Warning),
        "notes": report.count(Severity::Note),
        "findings": findings,
        "skipped": skipped,
    });
    pretty(&out)
}

/// The report as SARIF 2.1.0.
pub fn sarif(report: &Report) -> String {
    // The rules the findings name, in name order, and each one's index.
    let mut used: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &report.findings {
        used.insert(f.rule(), 0);
    }
    for (i, index) in used.values_mut().enumerate() {
        *index = i;
    }
    let rules: Vec<Json> = used
        .keys()
        .map(|&name| {
            let (severity, reason, fix) = match rules::rule(name) {
                Some(r) => (r.severity, r.reason, r.fix),
                None => (Severity::Error, SPEC_ERROR.0, SPEC_ERROR.1),
            };
            json!({
                "id": name,
                "name": name,
                "shortDescription": { "text": reason },
                "help": { "text": fix },
                "defaultConfiguration": { "level": severity.as_str() },
            })
        })
        .collect();
    let results: Vec<Json> = report
        .findings
        .iter()
        .zip(fingerprints(&report.findings))
        .map(|(f, fingerprint)| {
            let d = &f.diagnostic;
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            json!({
                "ruleId": f.rule(),
                "ruleIndex": used[f.rule()],
                "level": f.severity.as_str(),
                "message": { "text": text },
                "locations": [location(&d.file, d.pos.line, d.pos.column)],
                "partialFingerprints": { "ladder/v1": fingerprint },
            })
        })
        .collect();
    let notifications: Vec<Json> = report
        .skipped
        .iter()
        .map(|s| {
            json!({
                "level": "note",
                "message": { "text": format!("skipped: {}", s.why) },
                "locations": [location(&s.file, 0, 0)],
            })
        })
        .collect();
    let out = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "ladder",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    pretty(&out)
}

/// The report as a GitLab code quality report.
pub fn gitlab(report: &Report) -> String {
    let issues: Vec<Json> = report
        .findings
        .iter()
        .zip(fingerprints(&report.findings))
        .map(|(f, fingerprint)| {
            let d = &f.diagnostic;
            let mut description = d.message.clone();
            if let Some(help) = &d.help {
                description.push_str(" (help: ");
                description.push_str(help);
                description.push(')');
            }
            json!({
                "description": description,
                "check_name": f.rule(),
                "fingerprint": fingerprint,
                "severity": match f.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Note => "info",
                },
                "location": { "path": d.file, "lines": { "begin": d.pos.line.max(1) } },
            })
        })
        .collect();
    pretty(&Json::Array(issues))
}

/// A SARIF location of a file (as a relative URI) and, when known, a line and column.
fn location(file: &str, line: u32, column: u32) -> Json {
    let mut physical = json!({ "artifactLocation": { "uri": uri(file) } });
    if line > 0 {
        physical["region"] = json!({ "startLine": line, "startColumn": column.max(1) });
    }
    json!({ "physicalLocation": physical })
}

/// A file name as a URI reference: `/` separators, everything but unreserved characters
/// and `/` percent-encoded.
fn uri(file: &str) -> String {
    let mut out = String::new();
    for b in file.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Each finding's fingerprint: FNV-1a (64 bits) of its rule, file and message, and how
/// many identical ones come before it, in hex.
fn fingerprints(findings: &[Finding]) -> Vec<String> {
    let mut seen: BTreeMap<(&str, &str, &str), u32> = BTreeMap::new();
    findings
        .iter()
        .map(|f| {
            let d = &f.diagnostic;
            let n = seen
                .entry((f.rule(), d.file.as_str(), d.message.as_str()))
                .or_insert(0);
            let text = format!("{}\0{}\0{}\0{n}", f.rule(), d.file, d.message);
            *n += 1;
            let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
            for b in text.bytes() {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
            format!("{hash:016x}")
        })
        .collect()
}

fn pretty(v: &Json) -> String {
    let mut text = serde_json::to_string_pretty(v).unwrap_or_default();
    text.push('\n');
    text
}
