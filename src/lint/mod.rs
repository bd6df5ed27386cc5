//! `ladder lint`: dependency and Argo CD correctness findings, for a spec or for the
//! Argo CD manifests a team already has.
//!
//! This module owns the rules ([`rules::RULES`]: name, reason, fix) and applies them.
//! It is a pure function from input texts to [`finding::Finding`]s: the CLI reads the files.
//! A file named `ladder.yaml`, given with `-f`, or whose YAML has top-level
//! `environments` and `components` (and is no kustomization) is a ladder spec: its problems
//! become findings (the few `analyze` sites that matter carry a rule name), and a spec
//! that builds is checked for over-serialisation with `plan`. Any other text is a
//! stream of manifests, checked by `manifests` for the target Argo CD version; a file
//! that is not YAML, not Kubernetes or not Argo CD is skipped with a note.
//!
//! Codemap: [`rules`] (the table and severities), [`finding`] (findings, the report
//! and its text), [`output`] (the report as JSON, SARIF and GitLab code quality), `spec` (a spec's findings), `manifests` and `appset` (rules for
//! existing manifests, on `doc`s), `apps` (rules across Applications: names, refs,
//! template waves), `generate` (list generators evaluated), `settings`
//! (the Argo CD settings rules depend on, found in ConfigMaps, kustomizations, Helm
//! values and the Operator's resource), `order` (`dependency-order`) and `missing`
//! (`missing-dependency`), on what [`crate::evidence`] reads in the manifests.
//!
//! A tool beside the pipeline: may import every stage and the pipeline; no stage
//! imports it.

mod apps;
mod appset;
pub mod builds;
pub mod charts;
pub mod config;
mod doc;
pub mod finding;
mod manifests;
mod missing;
mod order;
pub mod output;
mod path;
pub mod rules;
mod settings;
mod spec;
mod suppress;

use std::fmt::Write as _;

use crate::analyze::model::Version;
use crate::diagnostic::Diagnostic;
pub use crate::generate::{Checkout, Tree};
use crate::load::yaml::{self};
use finding::{Finding, Report, Skipped};
pub use settings::normalize_name as normalize_path;
use std::collections::BTreeMap;

/// The version linted for when neither `--argocd-version` nor a spec says.
pub const DEFAULT_VERSION: Version = Version { major: 3, minor: 5 };

/// What [`lint`] reads besides the texts.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// The Argo CD version to lint for (default: the first spec's `argocd.version`, else
    /// [`DEFAULT_VERSION`]).
    pub version: Option<Version>,
    /// By file name, the version files and fleet folders each spec reads.
    pub inputs: &'a BTreeMap<String, crate::Inputs>,
    /// Files given as specs (`ladder lint -f`), whatever their name and keys.
    pub named_specs: &'a [String],
    /// Files the caller could not read as text (not UTF-8, say): file and why.
    pub unreadable: &'a [(String, String)],
    /// Files the CLI rendered rather than lint as they are (a chart's `Chart.yaml`, a
    /// kustomization it built), and what to say of each in place of why it is skipped.
    pub rendered: &'a [(String, String)],
    /// Per-rule severities (`.ladder-lint.yaml`'s `rules`).
    pub config: &'a config::Config,
    /// How many files the caller left out (`--exclude`), for the summary.
    pub excluded: usize,
    /// Local checkouts that ApplicationSet git generators read, by repository URL.
    pub checkouts: &'a [Checkout<'a>],
}

/// Lints texts (file name, text): specs as specs ([`is_spec_doc`]), the rest as
/// manifests. A file that is not YAML, not Kubernetes or not Argo CD is skipped with a
/// note ([`finding::Skipped`]), so one file never hides the findings of the others; `Err`
/// (every problem) only when nothing at all could be read.
pub fn lint(files: &[(String, String)], options: Options<'_>) -> Result<Report, Vec<Diagnostic>> {
    let mut unread = Vec::new();
    let mut findings = Vec::new();
    let mut skipped: Vec<Skipped> = options
        .unreadable
        .iter()
        .map(|(file, why)| Skipped {
            file: file.clone(),
            why: why.clone(),
        })
        .collect();
    let mut spec_version = None;
    let mut specs = 0;
    let mut trees = Vec::new();
    let mut candidates = Vec::new();
    let mut ladders = Vec::new();
    // Problems of files that are specs by name (`-f`, `ladder.yaml`) but cannot be read
    // as one: findings, never a silent skip.
    let mut spec_problems = Vec::new();
    for (file, text) in files {
        let named = options.named_specs.iter().any(|n| n == file);
        let spec_by_name = named || path::base(file) == "ladder.yaml";
        // One broken document of a manifest file: the others are still linted.
        let parsed = match yaml::parse_all(file, text) {
            Err(d) if !spec_by_name => match by_document(file, text) {
                Some((docs, bad)) => {
                    skipped.push(Skipped {
                        file: file.clone(),
                        why: format!(
                            "{} (the other documents are linted)",
                            bad.iter()
                                .map(|b| not_yaml(text, b))
                                .collect::<Vec<_>>()
                                .join("; ")
                        ),
                    });
                    Ok(docs)
                }
                None => Err(d),
            },
            other => other,
        };
        let docs = match parsed {
            Ok(docs) => docs,
            Err(d) => {
                if spec_by_name {
                    spec_problems.push(d.clone());
                } else {
                    skipped.push(Skipped {
                        file: file.clone(),
                        why: not_yaml(text, &d),
                    });
                }
                unread.push(d);
                continue;
            }
        };
        if named && docs.iter().all(|d| matches!(d.value, yaml::Value::Null)) {
            let message = "the spec is empty: it needs `environments` and `components`";
            spec_problems.push(Diagnostic::new(
                file,
                crate::diagnostic::Pos::new(1, 1),
                message,
            ));
            continue;
        }
        if spec_by_name && docs.len() > 1 && docs.iter().all(|d| is_spec_doc(file, d) || named) {
            let message = format!("a spec is one YAML document; this file has {}", docs.len());
            spec_problems.push(Diagnostic::new(file, docs[1].pos, message));
            continue;
        }
        if let [doc] = docs.as_slice()
            && (named || is_spec_doc(file, doc))
        {
            specs += 1;
            let none = crate::Inputs::default();
            let spec_inputs = options.inputs.get(file).unwrap_or(&none);
            match spec::lint(file, text.as_bytes(), options.version, spec_inputs) {
                Ok(linted) => {
                    findings.extend(linted.findings);
                    spec_version = spec_version.or(linted.version);
                    ladders.extend(linted.ladder);
                }
                // A spec of the wrong shape: its problems are findings.
                Err(diagnostics) => findings.extend(diagnostics.into_iter().map(Finding::error)),
            }
            continue;
        }
        candidates.push((file.as_str(), text.as_str(), docs));
    }
    // The settings rules depend on, wherever they are kept (kustomizations and Helm
    // values among them); a file that holds one is read, not skipped.
    let mut settings = settings::scan(
        &candidates
            .iter()
            .map(|(f, t, d)| (*f, *t, d.as_slice()))
            .collect::<Vec<_>>(),
    );
    // What every file provides and needs (CRDs, stores, issuers), Argo CD's or not.
    let resources = crate::evidence::Resources::scan(
        &candidates
            .iter()
            .map(|(f, _, d)| (*f, d.as_slice()))
            .collect::<Vec<_>>(),
    );
    // Dependencies the specs' components' manifests imply.
    for ladder in &ladders {
        findings.extend(missing::lint(ladder, &resources, options.checkouts));
    }
    settings.assume_health_check = options
        .config
        .assumes(config::Assume::ApplicationHealthCheck);
    settings.assume_progressive_syncs = options.config.assumes(config::Assume::ProgressiveSyncs);
    let mut settings_files = 0;
    // The component files of the linted specs, named as the files are.
    let component_files: BTreeMap<String, &str> = options
        .inputs
        .iter()
        .flat_map(|(spec, inputs)| {
            let folder = crate::load::include::folder_of(spec);
            inputs
                .includes
                .keys()
                .map(move |path| (format!("{folder}{path}"), spec.as_str()))
        })
        .collect();
    for (file, text, docs) in candidates {
        match not_argo(file, &docs) {
            Some(_) if settings.files.contains(file) => settings_files += 1,
            // Linted as part of its spec.
            Some(_) if component_files.contains_key(file) => {}
            Some(why) => skipped.push(Skipped {
                file: file.to_owned(),
                why: options
                    .rendered
                    .iter()
                    .find(|(f, _)| f == file)
                    .map_or(why, |(_, said)| said.clone()),
            }),
            // An Application a kustomization patches with is partial: linted alone, its
            // missing fields and its name would be false findings.
            None if settings
                .patch_files
                .contains(&settings::normalize_name(file)) =>
            {
                if settings.files.contains(file) {
                    settings_files += 1;
                } else {
                    skipped.push(Skipped {
                        file: file.to_owned(),
                        why: "a kustomize patch (a partial object), not linted on its own".into(),
                    });
                }
            }
            None => trees.push((file, text, docs)),
        }
    }
    // Nothing could be read at all: every file failed to parse or to decode.
    if unread.len() == files.len() && !(files.is_empty() && options.unreadable.is_empty()) {
        let unreadable = options.unreadable.iter().map(|(file, why)| {
            Diagnostic::new(file, crate::diagnostic::Pos::new(1, 1), why.clone())
        });
        return Err(unreadable.chain(unread).collect());
    }
    specs += spec_problems.len();
    findings.extend(spec_problems.into_iter().map(Finding::error));
    skipped.sort_by(|a, b| a.file.cmp(&b.file));
    let version = options.version.or(spec_version).unwrap_or(DEFAULT_VERSION);
    let (found, manifests) =
        manifests::lint_files(&trees, version, &settings, options.checkouts, &resources);
    findings.extend(found);
    // A file a finding points into was read (for dependencies, say), not skipped.
    let pointed: std::collections::BTreeSet<&str> = findings
        .iter()
        .map(|f| f.diagnostic.file.as_str())
        .collect();
    skipped.retain(|s| {
        !(pointed.contains(s.file.as_str()) && s.why.starts_with("no Argo CD resources"))
    });
    findings.sort_by(|a, b| {
        let (a, b) = (&a.diagnostic, &b.diagnostic);
        (&a.file, a.pos, &a.message).cmp(&(&b.file, b.pos, &b.message))
    });
    findings.dedup();
    // The inline directives' own problems, the config's severities, then the inline
    // suppressions.
    let mut directive_problems = Vec::new();
    let suppressions: BTreeMap<&str, suppress::Suppressions> = files
        .iter()
        .map(|(file, text)| {
            (
                file.as_str(),
                suppress::read(file, text, &mut directive_problems),
            )
        })
        .collect();
    findings.extend(directive_problems);
    findings.retain_mut(|f| match options.config.rules.get(f.rule()) {
        Some(None) => false,
        Some(Some(severity)) => {
            f.severity = *severity;
            true
        }
        None => true,
    });
    let mut suppressed = Vec::new();
    findings.retain(|f| {
        let reason = suppressions
            .get(f.diagnostic.file.as_str())
            .and_then(|s| s.reason(f));
        match reason {
            Some(why) => {
                suppressed.push((f.clone(), why.to_owned()));
                false
            }
            None => true,
        }
    });
    findings.sort_by(|a, b| {
        let (a, b) = (&a.diagnostic, &b.diagnostic);
        (&a.file, a.pos, &a.message).cmp(&(&b.file, b.pos, &b.message))
    });
    Ok(Report {
        version,
        findings,
        specs,
        manifests,
        skipped,
        suppressed,
        excluded: options.excluded,
        settings: settings.summary(),
        settings_files,
    })
}

/// The documents of a file that does not parse as a whole, each parsed on its own (split
/// at `---` lines, positions in the file's lines), and the problems of those that do not
/// parse; `None` when none parses, or there is only one.
fn by_document(file: &str, text: &str) -> Option<(Vec<yaml::Node>, Vec<Diagnostic>)> {
    let mut chunks: Vec<(u32, String)> = vec![(0, String::new())];
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if line.starts_with("---") {
            chunks.push((u32::try_from(i).unwrap_or(u32::MAX), String::new()));
        }
        if let Some((_, chunk)) = chunks.last_mut() {
            // The `---` line itself stays, blank, so positions keep their columns.
            chunk.push_str(if line.starts_with("---") { "\n" } else { line });
        }
    }
    if chunks.len() < 2 {
        return None;
    }
    let mut docs = Vec::new();
    let mut bad = Vec::new();
    for (offset, chunk) in &chunks {
        match yaml::parse_all(file, chunk) {
            Ok(parsed) => docs.extend(parsed.into_iter().map(|mut d| {
                shift(&mut d, *offset);
                d
            })),
            Err(mut d) => {
                d.pos.line += offset;
                bad.push(d);
            }
        }
    }
    (!docs.is_empty()).then_some((docs, bad))
}

/// Moves every position of `node` down `lines` lines.
fn shift(node: &mut yaml::Node, lines: u32) {
    node.pos.line += lines;
    match &mut node.value {
        yaml::Value::Seq(items) => items.iter_mut().for_each(|n| shift(n, lines)),
        yaml::Value::Map(entries) => {
            for (k, v) in entries {
                shift(k, lines);
                shift(v, lines);
            }
        }
        _ => {}
    }
}

/// Why a file that does not parse is skipped: not YAML, and a template when it has `{{`.
fn not_yaml(text: &str, d: &Diagnostic) -> String {
    // Helm's actions stand alone on a line (`{{- if … }}`) or as an unquoted value
    // (`name: {{ .Release.Name }}`); an ApplicationSet's `"{{name}}"` is quoted YAML.
    let template = text.lines().any(|l| {
        let t = l.trim_start();
        t.starts_with("{{") || t.contains(": {{") || t.starts_with("- {{")
    });
    let what = if template {
        "a template (`{{ }}`), not YAML"
    } else {
        "not YAML"
    };
    format!("{what} ({}:{}: {})", d.pos.line, d.pos.column, d.message)
}

/// Why a manifest file has nothing Argo CD reads, if it has not: no Kubernetes object at
/// all, a kustomization (read by `kustomize build`, not applied), or only objects of
/// other kinds. Argo CD's own kinds are those of `argoproj.io` and its `argocd-cm` and
/// `argocd-cmd-params-cm` ConfigMaps.
fn not_argo(file: &str, docs: &[yaml::Node]) -> Option<String> {
    let field = |d: &yaml::Node, k: &str| d.get(k).and_then(yaml::Node::as_str).map(str::to_owned);
    let objects: Vec<(String, String)> = docs
        .iter()
        .filter_map(|d| Some((field(d, "apiVersion")?, field(d, "kind")?)))
        .collect();
    if path::is_kustomization(file)
        || objects
            .iter()
            .any(|(a, _)| a.starts_with("kustomize.config.k8s.io/"))
    {
        return Some("a kustomization, read by `kustomize build`, not applied to a cluster".into());
    }
    if objects.is_empty() {
        return Some(
            if docs.iter().all(|d| matches!(d.value, yaml::Value::Null)) {
                "empty".into()
            } else {
                "not Kubernetes (no document with `apiVersion` and `kind`)".into()
            },
        );
    }
    let argo = docs.iter().any(|d| {
        let api = field(d, "apiVersion").unwrap_or_default();
        let name = d
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(yaml::Node::as_str);
        api.starts_with("argoproj.io/")
            || (field(d, "kind").as_deref() == Some("ConfigMap")
                && matches!(name, Some("argocd-cm" | "argocd-cmd-params-cm")))
    });
    (!argo).then(|| {
        let mut kinds: Vec<&str> = objects.iter().map(|(_, k)| k.as_str()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        let shown: Vec<String> = kinds.iter().take(4).map(|k| format!("`{k}`")).collect();
        let more = if kinds.len() > 4 { ", …" } else { "" };
        format!("no Argo CD resources ({}{more})", shown.join(", "))
    })
}

/// A ladder spec rather than a manifest: a file named `ladder.yaml`, or one document
/// with the keys every spec has (`environments` and `components`) and neither
/// `apiVersion` nor `kind`; never a kustomization (which lists `components:` too).
pub fn is_spec_doc(file: &str, doc: &yaml::Node) -> bool {
    let base = path::base(file);
    if path::is_kustomization(file) || doc.get("apiVersion").is_some() || doc.get("kind").is_some()
    {
        return false;
    }
    let list = |key: &str| matches!(doc.get(key).map(|n| &n.value), Some(yaml::Value::Seq(_)));
    // Both lists, and every component a mapping with a `name`: Helm values may have keys
    // of those names, but rarely that shape.
    let named_components = match doc.get("components").map(|n| &n.value) {
        Some(yaml::Value::Seq(items)) => items.iter().all(|c| c.get("name").is_some()),
        _ => false,
    };
    base == "ladder.yaml" || (list("environments") && list("components") && named_components)
}

/// Whether `text` is a ladder spec as [`lint`] decides it, for callers that gather each
/// spec's inputs first.
pub fn is_spec(file: &str, text: &str) -> bool {
    matches!(yaml::parse_all(file, text).as_deref(), Ok([doc]) if is_spec_doc(file, doc))
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
