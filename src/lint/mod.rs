//! `ladder lint`: dependency and Argo CD correctness findings, for a spec or for the
//! Argo CD manifests a team already has.
//!
//! This module owns the rules ([`rules::RULES`]: name, reason, fix) and applies them.
//! It is a pure function from input texts to [`finding::Finding`]s: the CLI reads the files.
//! A text whose YAML has top-level `components` is a ladder spec: its analysis problems
//! become findings (the few `analyze` sites that matter carry a rule name), and a spec
//! that builds is checked for over-serialisation with `plan`. Any other text is a
//! stream of manifests, checked by `manifests` for the target Argo CD version.
//!
//! Codemap: [`rules`] (the table and severities), [`finding`] (findings, the report
//! and its text), `spec` (a spec's findings), `manifests` and `appset` (rules for
//! existing manifests, on `doc`s), `generate` (list generators evaluated).
//!
//! A tool beside the pipeline: may import every stage and the pipeline; no stage
//! imports it.

mod appset;
mod doc;
pub mod finding;
mod generate;
mod manifests;
pub mod rules;
mod spec;

use std::fmt::Write as _;

use crate::analyze::model::Version;
use crate::diagnostic::Diagnostic;
use crate::load::yaml::{self};
use finding::Report;

/// The version linted for when neither `--argocd-version` nor a spec says.
pub const DEFAULT_VERSION: Version = Version { major: 3, minor: 5 };

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
            && looks_like_spec(doc)
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
        trees.push((file.as_str(), text.as_str(), docs));
    }
    if !invalid.is_empty() {
        return Err(invalid);
    }
    let version = version.or(spec_version).unwrap_or(DEFAULT_VERSION);
    let (found, manifests) = manifests::lint_files(&trees, version);
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

/// A ladder spec rather than a manifest: one document with `components` and neither
/// `apiVersion` nor `kind` (a kustomization lists `components:` too).
fn looks_like_spec(doc: &yaml::Node) -> bool {
    doc.get("components").is_some() && doc.get("apiVersion").is_none() && doc.get("kind").is_none()
}

/// Whether `text` is a ladder spec as [`lint`] decides it, for callers that gather each
/// spec's inputs first.
pub fn is_spec(file: &str, text: &str) -> bool {
    matches!(yaml::parse_all(file, text).as_deref(), Ok([doc]) if looks_like_spec(doc))
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
