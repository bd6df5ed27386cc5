//! Lint rules across Applications, hand-written or generated: one Application written
//! from two places (`duplicate-application-name`), multi-source `$ref` value files
//! without their `ref` source and `ref` sources nothing uses (`values-without-ref`,
//! `ref-unused`), and a sync-wave on an ApplicationSet's template, which orders nothing
//! (`appset-template-sync-wave`).

use std::collections::BTreeMap;

use super::doc::{Doc, SYNC_WAVE};
use super::finding::Finding;
use crate::diagnostic::{Pos, did_you_mean};
use crate::generate::Generation;
use crate::load::yaml::{Node, Value};

/// Every rule of this module, over all documents.
pub(super) fn lint(docs: &[Doc<'_>], findings: &mut Vec<Finding>) {
    for doc in docs.iter().filter(|d| d.is_argo()) {
        match doc.kind() {
            Some("Application") => {
                if let Some(spec) = doc.node.get("spec") {
                    refs(doc, spec, "Application", findings);
                }
            }
            Some("ApplicationSet") => {
                let template = doc.node.get("spec").and_then(|s| s.get("template"));
                // A `templatePatch` may add or change sources lint does not render.
                let patched = doc
                    .node
                    .get("spec")
                    .is_some_and(|s| s.get("templatePatch").is_some());
                if let Some(spec) = template.and_then(|t| t.get("spec"))
                    && !patched
                {
                    refs(doc, spec, "ApplicationSet template", findings);
                }
                template_sync_wave(doc, template, findings);
            }
            _ => {}
        }
    }
    duplicate_names(docs, findings);
}

/// A sync-wave on `spec.template.metadata.annotations`: every generated Application
/// carries it, but the ApplicationSet controller creates and updates them directly
/// (v3.5.1 `applicationset/controllers/template/template.go`, `utils/createOrUpdate.go`),
/// no parent Application syncs them, so no wave is ever waited for; with RollingSync
/// the steps order them.
fn template_sync_wave(doc: &Doc<'_>, template: Option<&Node>, findings: &mut Vec<Finding>) {
    let Some(wave) = template
        .and_then(|t| t.get("metadata"))
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(SYNC_WAVE))
    else {
        return;
    };
    let (effect, help) = if doc.is_rolling_sync() {
        (
            "its RollingSync steps order them, and the wave adds nothing",
            "remove the annotation; order the Applications by their steps",
        )
    } else {
        (
            "every generated Application starts at once",
            "order the generated Applications with a RollingSync strategy (steps selecting their labels), or remove the annotation",
        )
    };
    findings.push(doc.finding(
        &"appset-template-sync-wave",
        wave.pos,
        format!(
            "the template of ApplicationSet `{}` sets sync-wave `{}`, which orders nothing: the ApplicationSet controller creates and updates its Applications itself, not through a parent's sync, so {effect}",
            doc.name(),
            wave.key_text().unwrap_or_default()
        ),
        help.into(),
    ));
}

/// `$name/…` value files and file parameters of a multi-source spec against its
/// sources' `ref`s, as the repo server resolves them (v3.5.1
/// `reposerver/repository/repository.go:577-592`: an unknown `$name` fails manifest
/// generation). A single `source` has no refs: there `$name` is an environment variable
/// (`Env.Envsubst`, `types.go:181`, called at `repository.go:1457`), Argo CD's own
/// (`$ARGOCD_APP_NAME`, `$KUBE_VERSION`…) or, unset, nothing, so `$values/x.yaml` reads
/// `/x.yaml` from the repository root: a warning. Templated refs and value files are
/// not judged.
fn refs(doc: &Doc<'_>, spec: &Node, what: &str, findings: &mut Vec<Finding>) {
    let sources = crate::generate::sources(Some(spec));
    let multi = spec.get("sources").is_some();
    let mut defined: BTreeMap<String, (&Node, bool)> = BTreeMap::new();
    if multi {
        for source in &sources {
            if let Some(r) = source.get("ref")
                && let Some(name) = r.as_str()
            {
                if name.contains("{{") {
                    return;
                }
                let deploys = source.get("path").is_some() || source.get("chart").is_some();
                defined.insert(format!("${name}"), (r, deploys));
            }
        }
    }
    let mut used = BTreeMap::<String, Pos>::new();
    for source in &sources {
        let Some(helm) = source.get("helm") else {
            continue;
        };
        let files = list(helm.get("valueFiles"));
        let params = list(helm.get("fileParameters"))
            .into_iter()
            .filter_map(|p| p.get("path"));
        for file in files.into_iter().chain(params) {
            let Some(text) = file.as_str().filter(|t| t.starts_with('$')) else {
                continue;
            };
            if text.contains("{{") {
                return;
            }
            let name = text.split('/').next().unwrap_or(text);
            used.entry(name.to_owned()).or_insert(file.pos);
            if defined.contains_key(name) {
                continue;
            }
            let env = ["$ARGOCD_", "$KUBE_", "${", "$$"]
                .iter()
                .any(|p| name.starts_with(p));
            if !multi && env {
                continue;
            }
            let (message, help) = if multi {
                let known: Vec<&str> = defined.keys().map(String::as_str).collect();
                let (available, error) = if known.is_empty() {
                    (
                        "no source has a `ref`".to_owned(),
                        format!(
                            "source referenced \"{name}\", but no source has a 'ref' field defined"
                        ),
                    )
                } else {
                    (
                        format!("its refs are {}", known.join(", ")),
                        format!(
                            "source referenced \"{name}\", which is not one of the available sources"
                        ),
                    )
                };
                (
                    format!(
                        "{what} `{}` reads `{text}`, but no source has `ref: {}` ({available}): manifest generation fails with \"{error}\"",
                        doc.name(),
                        &name[1..]
                    ),
                    did_you_mean(name, defined.keys().map(String::as_str)).unwrap_or_else(|| {
                        format!(
                            "add `ref: {}` to the source of the values repository, or correct the name",
                            &name[1..]
                        )
                    }),
                )
            } else {
                let rest = &text[name.len()..];
                (
                    format!(
                        "{what} `{}` reads `{text}` with a single `source`, which has no refs: Argo CD takes `{name}` for an environment variable, unset, so it reads `{rest}` from the repository root (and fails when that file is missing)",
                        doc.name()
                    ),
                    format!(
                        "move to `sources:` and add the values repository as a source with `ref: {}`",
                        &name[1..]
                    ),
                )
            };
            let mut finding = doc.finding(&"values-without-ref", file.pos, message, help);
            if !multi {
                finding.severity = super::rules::Severity::Warning;
            }
            findings.push(finding);
        }
    }
    for (name, (node, deploys)) in &defined {
        if used.contains_key(name) {
            continue;
        }
        let effect = if *deploys {
            "it is deployed for its path, but the ref is unused"
        } else {
            "with neither `path` nor `chart`, this source does nothing at all"
        };
        findings.push(doc.finding(
            &"ref-unused",
            node.pos,
            format!(
                "{what} `{}` has a source with `ref: {}` that no `helm.valueFiles` or `fileParameters` entry reads (`{name}/…`): {effect}",
                doc.name(),
                &name[1..]
            ),
            format!("read values through it (`{name}/path/values.yaml` in a chart source's `helm.valueFiles`), or remove it"),
        ));
    }
}

/// The same Application (name and namespace) written by two manifests, or by a manifest
/// and an ApplicationSet, or twice by one ApplicationSet (which the controller refuses:
/// "contains applications with duplicate name", v3.5.1
/// `applicationset_controller.go:549`). A generated Application lives in its
/// ApplicationSet's namespace (`template.go:68`); a manifest without a namespace is
/// compared as written, without one. Writers in different folders may be different
/// clusters' Argo CD instances, so their duplicates are notes.
fn duplicate_names(docs: &[Doc<'_>], findings: &mut Vec<Finding>) {
    // (namespace, name) → every writer: document, position, what.
    let mut writers: BTreeMap<(String, String), Vec<Writer<'_, '_>>> = BTreeMap::new();
    let mut appsets = std::collections::BTreeSet::new();
    for doc in docs.iter().filter(|d| d.is_argo()) {
        let namespace = doc
            .node
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_owned();
        match doc.kind() {
            Some("Application") => {
                let Some(name) = doc.node.get("metadata").and_then(|m| m.get("name")) else {
                    continue;
                };
                let Some(text) = name.as_str().filter(|t| !t.contains("{{")) else {
                    continue;
                };
                writers
                    .entry((namespace, text.to_owned()))
                    .or_default()
                    .push((doc, name.pos, "an Application manifest".to_owned()));
            }
            Some("ApplicationSet") => {
                // One ApplicationSet written in two files (a copy) is one object: its
                // Applications are counted once.
                // Same name, other content (one per cluster folder, say): two objects.
                if !appsets.insert((
                    namespace.clone(),
                    doc.name().to_owned(),
                    doc.node.to_json().to_string(),
                )) {
                    continue;
                }
                let Some(Generation::Apps(apps, _)) = &doc.generated else {
                    continue;
                };
                for app in apps.iter().filter(|a| !a.name.contains("{{")) {
                    writers
                        .entry((namespace.clone(), app.name.clone()))
                        .or_default()
                        .push((
                            doc,
                            app.pos,
                            format!(
                                "ApplicationSet `{}`{}",
                                doc.name(),
                                app.origin
                                    .as_ref()
                                    .map(|o| format!(" (for {o})"))
                                    .unwrap_or_default()
                            ),
                        ));
                }
            }
            _ => {}
        }
    }
    for ((namespace, name), all) in &writers {
        let Some(((first, first_pos, first_what), rest)) = all.split_first() else {
            continue;
        };
        let at = |d: &Doc<'_>, p: Pos| format!("{}:{}", d.file, p.line);
        let ns = if namespace.is_empty() {
            String::new()
        } else {
            format!(" in namespace `{namespace}`")
        };
        for (doc, pos, what) in rest {
            let appsets =
                what.starts_with("ApplicationSet") && first_what.starts_with("ApplicationSet");
            let effect = if appsets && std::ptr::eq(doc.node, first.node) {
                "the controller refuses to generate it (\"contains applications with duplicate name\")"
            } else if appsets {
                // The first to create it owns it; the other's update fails setting its
                // controller reference (v3.5.1 applicationset_controller.go:734, the
                // error of controller-runtime's SetControllerReference).
                "the ApplicationSet that created it first owns it, and the other fails to update it on every reconcile (\"is already owned by another ApplicationSet controller\")"
            } else {
                "both write one object, and each sync of one overwrites the other"
            };
            // Two folders may be two clusters, each with its own Argo CD (and `argocd`
            // namespace): only one ApplicationSet, or one folder, is surely one instance.
            let same_place =
                std::ptr::eq(doc.node, first.node) || place(doc.file) == place(first.file);
            let maybe = if same_place {
                ""
            } else {
                " (if both reach the same Argo CD: they are in different folders, which may be different clusters)"
            };
            let mut finding = doc.finding(
                &"duplicate-application-name",
                *pos,
                format!(
                    "Application `{name}`{ns} comes from {what} here and from {first_what} at {}: {effect}{maybe}",
                    at(first, *first_pos)
                ),
                "give each Application its own name (an environment or cluster suffix), or remove one of them".into(),
            );
            if !same_place {
                finding.severity = super::rules::Severity::Note;
            }
            findings.push(finding);
        }
    }
}

/// The folder part of a file name.
fn folder(file: &str) -> &str {
    file.rsplit_once(['/', '\\']).map_or("", |(d, _)| d)
}

/// Where a document is applied from: its folder, and for one lint rendered
/// (`FILE (helm template R)`, `FILE (kustomize build DIR)`) the render too, since two
/// renders of one file (a dev and a prod overlay) may go to two clusters.
fn place(file: &str) -> (&str, &str) {
    match file.strip_suffix(')').and_then(|f| f.rsplit_once(" (")) {
        Some((real, how))
            if how.starts_with("helm template") || how.starts_with("kustomize build") =>
        {
            (folder(real), how)
        }
        _ => (folder(file), ""),
    }
}

/// Who writes an Application: the document, where, and what it is (for messages).
type Writer<'d, 'a> = (&'d Doc<'a>, Pos, String);

fn list(node: Option<&Node>) -> Vec<&Node> {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items.iter().collect(),
        _ => Vec::new(),
    }
}
