//! Checking Kubernetes manifests against custom resource definitions (CRDs), without a cluster.
//!
//! This module owns the offline equivalent of `kubectl apply --dry-run=server`
//! with strict field validation, for the custom resources ladder emits
//! (Argo CD `Application`, `ApplicationSet`, `AppProject`): it loads CRDs
//! ([`Crds::from_texts`]) and checks every document of some manifest files
//! against the `openAPIV3Schema` of its group, version and kind ([`validate`]),
//! reporting unknown fields and wrong types with their file, line and column.
//! It exists so that output can be tested against the CRDs of each Argo CD
//! version ladder supports (a field added in 3.2 must not reach a 2.10
//! cluster). It is pure: callers read the files.
//!
//! CRD schemas say only `type: object` for `metadata` (the API server checks
//! it as `ObjectMeta`); a small built-in `ObjectMeta` schema stands in for it.
//! Documents whose kind has no CRD (a `ConfigMap`, say) are skipped, not failed.
//!
//! A tool beside the pipeline: may import `load` (the schema checker) and
//! `diagnostic`; no stage imports it.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use crate::diagnostic::{Diagnostic, Pos};
use crate::load::conform;
use crate::load::yaml::{self, Node, PathSeg, Value};

/// CRD schemas by group, version and kind.
#[derive(Debug, Clone, Default)]
pub struct Crds {
    /// (group, version, kind) → `openAPIV3Schema`, with `metadata` replaced by the
    /// built-in `ObjectMeta` schema and `apiVersion`/`kind` always allowed.
    schemas: BTreeMap<(String, String, String), Json>,
}

impl Crds {
    /// Reads CRDs from YAML texts (each may hold several documents; non-CRD documents are ignored).
    pub fn from_texts(files: &[(String, String)]) -> Result<Crds, Vec<Diagnostic>> {
        let mut crds = Crds::default();
        let mut diagnostics = Vec::new();
        for (file, text) in files {
            match yaml::parse_all(file, text) {
                Ok(docs) => {
                    for doc in &docs {
                        crds.add(file, doc, &mut diagnostics);
                    }
                }
                Err(d) => diagnostics.push(d),
            }
        }
        if diagnostics.is_empty() {
            Ok(crds)
        } else {
            Err(diagnostics)
        }
    }

    pub fn len(&self) -> usize {
        self.schemas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.schemas.is_empty()
    }

    /// The (adjusted) schema for a group, version and kind; the core group is `""`.
    pub fn schema(&self, group: &str, version: &str, kind: &str) -> Option<&Json> {
        self.schemas
            .get(&(group.to_owned(), version.to_owned(), kind.to_owned()))
    }

    /// Adds the versions of one document if it is a CRD.
    fn add(&mut self, file: &str, doc: &Node, diagnostics: &mut Vec<Diagnostic>) {
        if doc.get("kind").and_then(Node::as_str) != Some("CustomResourceDefinition") {
            return;
        }
        let api_version = doc
            .get("apiVersion")
            .and_then(Node::as_str)
            .unwrap_or_default();
        if api_version != "apiextensions.k8s.io/v1" {
            diagnostics.push(
                Diagnostic::new(
                    file,
                    doc.lookup(&[PathSeg::Key("apiVersion")]).pos,
                    format!("unsupported CustomResourceDefinition apiVersion `{api_version}`"),
                )
                .help("only `apiextensions.k8s.io/v1` CRDs are read"),
            );
            return;
        }
        let text_at = |path: &[PathSeg<'_>], what: &str, diagnostics: &mut Vec<Diagnostic>| {
            let node = doc.lookup(path);
            if let Some(text) = node.as_str() {
                return Some(text.to_owned());
            }
            diagnostics.push(Diagnostic::new(
                file,
                node.pos,
                format!("CustomResourceDefinition without {what}"),
            ));
            None
        };
        let group = text_at(
            &[PathSeg::Key("spec"), PathSeg::Key("group")],
            "`spec.group`",
            diagnostics,
        );
        let kind = text_at(
            &[
                PathSeg::Key("spec"),
                PathSeg::Key("names"),
                PathSeg::Key("kind"),
            ],
            "`spec.names.kind`",
            diagnostics,
        );
        let (Some(group), Some(kind)) = (group, kind) else {
            return;
        };
        let Some(Node {
            value: Value::Seq(versions),
            ..
        }) = doc.get("spec").and_then(|s| s.get("versions"))
        else {
            let pos = doc
                .lookup(&[PathSeg::Key("spec"), PathSeg::Key("versions")])
                .pos;
            diagnostics.push(Diagnostic::new(
                file,
                pos,
                "CustomResourceDefinition without `spec.versions`",
            ));
            return;
        };
        for version in versions {
            let Some(name) = version.get("name").and_then(Node::as_str) else {
                diagnostics.push(Diagnostic::new(
                    file,
                    version.pos,
                    "CRD version without `name`",
                ));
                continue;
            };
            let path = [PathSeg::Key("schema"), PathSeg::Key("openAPIV3Schema")];
            let Some(schema) = version.get("schema").and_then(|s| s.get("openAPIV3Schema")) else {
                let message =
                    format!("CRD version `{name}` of `{kind}` has no `schema.openAPIV3Schema`");
                diagnostics.push(Diagnostic::new(file, version.lookup(&path).pos, message));
                continue;
            };
            let refs = references(schema);
            if !refs.is_empty() {
                for (pos, keyword) in refs {
                    diagnostics.push(
                        Diagnostic::new(
                            file,
                            pos,
                            format!("CRD version `{name}` of `{kind}`: `{keyword}` is not supported in a CRD schema (the Kubernetes API server refuses it)"),
                        )
                        .help("inline the schema it refers to"),
                    );
                }
                continue;
            }
            let key = (group.clone(), name.to_owned(), kind.clone());
            if self.schemas.contains_key(&key) {
                let message = format!("a second CRD for `{group}/{name}` `{kind}`");
                diagnostics.push(
                    Diagnostic::new(file, version.pos, message)
                        .help("load the CRDs of one Argo CD version at a time"),
                );
                continue;
            }
            self.schemas.insert(key, adjust(schema.to_json()));
        }
    }
}

/// Every `$ref` and `definitions` key among the schema objects of a CRD schema (not in
/// property names, defaults or examples), with its position. The API server refuses
/// both (apiextensions `validation.go`: "$ref is not supported"), and without them a
/// schema's nesting is its YAML's, so checking against it stays linear: two `$ref`s to
/// one schema under an `anyOf` made the check exponential in the document's depth.
fn references(schema: &Node) -> Vec<(Pos, &'static str)> {
    use crate::load::yaml::Value;
    let mut found = Vec::new();
    let mut stack = vec![schema];
    while let Some(node) = stack.pop() {
        let Value::Map(entries) = &node.value else {
            continue;
        };
        for (key, value) in entries {
            match key.as_str() {
                Some("$ref") => found.push((key.pos, "$ref")),
                Some("definitions") => found.push((key.pos, "definitions")),
                Some("properties" | "patternProperties") => {
                    if let Value::Map(props) = &value.value {
                        stack.extend(props.iter().map(|(_, v)| v));
                    }
                }
                Some("items" | "additionalProperties" | "not") => stack.push(value),
                Some("allOf" | "anyOf" | "oneOf") => {
                    if let Value::Seq(items) = &value.value {
                        stack.extend(items.iter());
                    }
                }
                _ => {}
            }
        }
    }
    found.sort();
    found
}

/// The outcome of [`validate`].
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// How many documents had a CRD and were checked.
    pub checked: usize,
    /// Documents without a CRD: file, position, `apiVersion/kind`.
    pub skipped: Vec<(String, Pos, String)>,
    /// Documents that are not Kubernetes objects (ladder's Helm values, kustomize
    /// files): file, position, what they are. Noted, not checked.
    pub other: Vec<(String, Pos, String)>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Validates every document in every file. A document whose apiVersion/kind has no CRD is skipped
/// (listed in `skipped`), not an error. Missing apiVersion/kind on a document is an error.
pub fn validate(crds: &Crds, files: &[(String, String)]) -> Report {
    let mut report = Report::default();
    for (file, text) in files {
        match yaml::parse_all(file, text) {
            Ok(docs) => {
                // Files ladder wrote carry its header: a document of one without
                // `apiVersion` and `kind` is one of its Helm values files, not a broken
                // manifest (a file without the header still gets the errors).
                let ours = crate::emit::generated_from(text.as_bytes()).is_some();
                for doc in &docs {
                    if let Some(what) = not_an_object(doc, ours) {
                        report.other.push((file.clone(), doc.pos, what));
                        continue;
                    }
                    validate_doc(crds, file, doc, &mut report);
                }
            }
            Err(d) => report.diagnostics.push(d),
        }
    }
    report
}

/// What `doc` is when it is not a Kubernetes object: a kustomize file, or (in a file
/// ladder wrote, `ours`) a document without `apiVersion` and `kind`.
fn not_an_object(doc: &Node, ours: bool) -> Option<String> {
    let api_version = doc.get("apiVersion").and_then(Node::as_str);
    let kind = doc.get("kind").and_then(Node::as_str);
    match (api_version, kind) {
        (Some(a), Some(k @ ("Kustomization" | "Component")))
            if a.starts_with("kustomize.config.k8s.io/") =>
        {
            Some(format!("a kustomize {k}, read by `kustomize build`, not applied to a cluster"))
        }
        (None, None) if ours && doc.get("syncWaves").is_some() => Some(
            "Helm values ladder generated for charts that read their sync-waves from values (a source's `helm.valueFiles`), not a Kubernetes object".into(),
        ),
        (None, None) if ours => Some("a file ladder generated that is not a Kubernetes object".into()),
        _ => None,
    }
}

fn validate_doc(crds: &Crds, file: &str, doc: &Node, report: &mut Report) {
    if !matches!(doc.value, Value::Map(_)) {
        let message = format!("a manifest must be a mapping, found {}", doc.value.kind());
        report
            .diagnostics
            .push(Diagnostic::new(file, doc.pos, message));
        return;
    }
    let api_version = required_string(file, doc, "apiVersion", report);
    let kind = required_string(file, doc, "kind", report);
    let (Some(api_version), Some(kind)) = (api_version, kind) else {
        return;
    };
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let Some(schema) = crds.schema(group, version, kind) else {
        // A group the CRDs define, with a version or kind they do not: a typo, which
        // the API server would refuse, not a kind to skip.
        let known: Vec<(&str, &str)> = crds
            .schemas
            .keys()
            .filter(|(g, _, _)| g == group)
            .map(|(_, v, k)| (v.as_str(), k.as_str()))
            .collect();
        if known.is_empty() {
            report
                .skipped
                .push((file.to_owned(), doc.pos, format!("{api_version}/{kind}")));
        } else {
            let mut kinds: Vec<&str> = known.iter().map(|(_, k)| *k).collect();
            kinds.sort_unstable();
            kinds.dedup();
            let mut versions: Vec<&str> = known.iter().map(|(v, _)| *v).collect();
            versions.sort_unstable();
            versions.dedup();
            let help = if kinds.contains(&kind) {
                format!(
                    "{group} serves {kind} as {}",
                    versions
                        .iter()
                        .map(|v| format!("`{group}/{v}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                crate::diagnostic::did_you_mean(kind, kinds.iter().copied())
                    .unwrap_or_else(|| format!("{group} defines {}", kinds.join(", ")))
            };
            let pos = doc.get("kind").map_or(doc.pos, |k| k.pos);
            report.diagnostics.push(
                Diagnostic::new(
                    file,
                    pos,
                    format!("no CRD defines `{api_version}` kind `{kind}`"),
                )
                .help(help),
            );
        }
        return;
    };
    report.checked += 1;
    let name = doc
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str);
    let label = match name {
        Some(name) => format!("{kind} `{name}`"),
        None => kind.to_owned(),
    };
    for issue in conform::check(doc, schema, schema) {
        report.diagnostics.push(
            Diagnostic::new(file, issue.pos, format!("{label}: {}", issue.message))
                .help_opt(issue.help),
        );
    }
}

/// The string under `key`, or a diagnostic saying it is missing or not a string.
fn required_string<'a>(
    file: &str,
    doc: &'a Node,
    key: &str,
    report: &mut Report,
) -> Option<&'a str> {
    let Some(node) = doc.get(key) else {
        let message = format!("manifest without `{key}`");
        report
            .diagnostics
            .push(Diagnostic::new(file, doc.pos, message));
        return None;
    };
    let text = node.as_str();
    if text.is_none() {
        let message = format!("`{key}` must be a string, found {}", node.value.kind());
        report
            .diagnostics
            .push(Diagnostic::new(file, node.pos, message));
    }
    text
}

/// Makes a CRD's top-level schema check what the API server checks: `apiVersion` and
/// `kind` as strings, `metadata` as `ObjectMeta`.
fn adjust(mut schema: Json) -> Json {
    if let Json::Object(top) = &mut schema {
        let properties = top
            .entry("properties")
            .or_insert_with(|| Json::Object(serde_json::Map::new()));
        if let Json::Object(properties) = properties {
            for key in ["apiVersion", "kind"] {
                properties
                    .entry(key)
                    .or_insert_with(|| json!({ "type": "string" }));
            }
            properties.insert("metadata".to_owned(), object_meta());
        }
    }
    schema
}

/// The parts of Kubernetes `ObjectMeta` a manifest may set.
fn object_meta() -> Json {
    let string_map = json!({ "type": "object", "additionalProperties": { "type": "string" } });
    json!({
        "type": "object",
        "properties": {
            "name": { "type": "string" },
            "generateName": { "type": "string" },
            "namespace": { "type": "string" },
            "labels": string_map,
            "annotations": string_map,
            "finalizers": { "type": "array", "items": { "type": "string" } },
            "ownerReferences": { "type": "array" },
            "uid": {},
            "resourceVersion": {},
            "generation": {},
            "creationTimestamp": {},
            "deletionTimestamp": {},
            "managedFields": {}
        },
        "additionalProperties": false
    })
}
