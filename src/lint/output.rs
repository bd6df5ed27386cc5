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
    let suppressed: Vec<Json> = report
        .suppressed
        .iter()
        .map(|(f, why)| {
            let d = &f.diagnostic;
            json!({
                "rule": f.rule(),
                "file": d.file,
                "line": d.pos.line,
                "column": d.pos.column,
                "message": d.message,
                "reason": why,
            })
        })
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
        "excluded": report.excluded,
        "suppressed": suppressed,
        "settings": report.settings,
        "settingsFiles": report.settings_files,
    });
    pretty(&out)
}

/// The report as SARIF 2.1.0.
pub fn sarif(report: &Report) -> String {
    // The rules the findings name, in name order, and each one's index.
    // Suppressed findings are results too, marked as suppressed in the source.
    let all: Vec<(&Finding, Option<&str>)> = report
        .findings
        .iter()
        .map(|f| (f, None))
        .chain(
            report
                .suppressed
                .iter()
                .map(|(f, why)| (f, Some(why.as_str()))),
        )
        .collect();
    let mut used: BTreeMap<&str, usize> = BTreeMap::new();
    for (f, _) in &all {
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
    let results: Vec<Json> = all
        .iter()
        .zip(fingerprints(all.iter().map(|(f, _)| *f)))
        .map(|((f, suppressed), fingerprint)| {
            let d = &f.diagnostic;
            let text = with_help(d, "\nhelp: ", "");
            let mut result = json!({
                "ruleId": f.rule(),
                "ruleIndex": used[f.rule()],
                "level": f.severity.as_str(),
                "message": { "text": text },
                "locations": [location(&d.file, d.pos.line, d.pos.column)],
                "partialFingerprints": { "ladder/v1": fingerprint },
            });
            if let Some(why) = suppressed {
                result["suppressions"] = json!([{ "kind": "inSource", "justification": why }]);
            }
            result
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

/// A SARIF log for a lint that could not read its input: no results, the problems as
/// error notifications and `executionSuccessful: false`, so an upload step still gets a
/// valid file.
pub fn sarif_failed(problems: &[crate::diagnostic::Diagnostic]) -> String {
    let notifications: Vec<Json> = problems
        .iter()
        .map(|d| {
            json!({
                "level": "error",
                "message": { "text": d.message },
                "locations": [location(&d.file, d.pos.line, d.pos.column)],
            })
        })
        .collect();
    pretty(&json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "ladder", "version": env!("CARGO_PKG_VERSION"), "rules": [] } },
            "invocations": [{ "executionSuccessful": false, "toolExecutionNotifications": notifications }],
            "results": [],
        }],
    }))
}

/// The report as a GitLab code quality report.
pub fn gitlab(report: &Report) -> String {
    let issues: Vec<Json> = report
        .findings
        .iter()
        .zip(fingerprints(&report.findings))
        .map(|(f, fingerprint)| {
            let d = &f.diagnostic;
            let description = with_help(d, " (help: ", ")");
            json!({
                "description": description,
                "check_name": f.rule(),
                "fingerprint": fingerprint,
                "severity": match f.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Note => "info",
                },
                "location": {
                    "path": path(in_repository(&d.file).0),
                    "lines": { "begin": if in_repository(&d.file).1 { 1 } else { d.pos.line.max(1) } },
                },
            })
        })
        .collect();
    pretty(&Json::Array(issues))
}

/// The file a finding is in as the repository holds it, and whether its lines are
/// another text's: a document lint rendered (`T (helm template R)`, `T (kustomize build
/// D)`) or generated
/// (`ladder.yaml (generated F)`) is reported at its source file, from the top.
fn in_repository(file: &str) -> (&str, bool) {
    match file.strip_suffix(')').and_then(|f| f.rsplit_once(" (")) {
        Some((real, how))
            if how.starts_with("helm template")
                || how.starts_with("kustomize build")
                || how.starts_with("generated ") =>
        {
            (real, true)
        }
        _ => (file, false),
    }
}

/// A SARIF location of a file (as a relative URI) and, when known, a line and column.
fn location(file: &str, line: u32, column: u32) -> Json {
    let (file, elsewhere) = in_repository(file);
    let (line, column) = if elsewhere { (1, 1) } else { (line, column) };
    let mut physical = json!({ "artifactLocation": { "uri": uri(file) } });
    // GitHub code scanning wants a region on every result's location: a problem of the
    // whole file is at its start.
    if line > 0 || column > 0 {
        physical["region"] = json!({ "startLine": line.max(1), "startColumn": column.max(1) });
    }
    json!({ "physicalLocation": physical })
}

/// A file as reports name it: `/` separators, without a leading `./`.
fn path(file: &str) -> String {
    let file = file.replace('\\', "/");
    let mut rest = file.as_str();
    while let Some(r) = rest.strip_prefix("./") {
        rest = r;
    }
    rest.to_owned()
}

/// A file name as a URI reference: `/` separators, everything but unreserved characters
/// and `/` percent-encoded.
fn uri(file: &str) -> String {
    let file = path(file);
    // An absolute path is a `file://` URI; a relative one stays relative to the checkout.
    let mut out = if file.starts_with('/') {
        "file://".to_owned()
    } else {
        String::new()
    };
    for b in file.bytes() {
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
fn fingerprints<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<String> {
    let mut seen: BTreeMap<(&str, &str, &str), u32> = BTreeMap::new();
    findings
        .into_iter()
        .map(|f| {
            let d = &f.diagnostic;
            let n = seen
                .entry((f.rule(), d.file.as_str(), d.message.as_str()))
                .or_insert(0);
            let text = format!(
                "{}\0{}\0{}\0{n}",
                f.rule(),
                path(&d.file),
                without_positions(&d.message)
            );
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

/// A message without the `:LINE` and `:LINE:COLUMN` of the places it names, so a
/// finding keeps its fingerprint when another file's lines move.
fn without_positions(message: &str) -> String {
    let mut out = String::new();
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_digit() || *c == ':')
            {
                chars.next();
            }
            out.push(':');
        } else {
            out.push(c);
        }
    }
    out
}

/// A finding's message with its help, if it has one, between `open` and `close`.
fn with_help(d: &crate::diagnostic::Diagnostic, open: &str, close: &str) -> String {
    match &d.help {
        Some(help) => format!("{}{open}{help}{close}", d.message),
        None => d.message.clone(),
    }
}

fn pretty(v: &Json) -> String {
    let mut text = serde_json::to_string_pretty(v).unwrap_or_default();
    text.push('\n');
    text
}
