//! The settings of kustomizations: `configMapGenerator`s and patches (strategic merge
//! and JSON 6902, inline or in a file) for Argo CD's ConfigMaps, the inline values of
//! `helmCharts`, and remote resources lint cannot read. Paths a kustomization names are
//! resolved against its folder.

use std::collections::BTreeMap;

use super::found::{PROGRESSIVE_KEY, Settings};
use super::sources::{
    base, chart_values, cm_entries, config_map, go_bool, inline, items, parse_bool, str_node,
};
use crate::load::yaml::{Node, Value};

/// A kustomization: its ConfigMap generators and patches for Argo CD's ConfigMaps, the
/// inline values of its Helm charts, and its remote resources.
pub(super) fn kustomization(
    settings: &mut Settings,
    file: &str,
    doc: &Node,
    by_name: &BTreeMap<String, &[Node]>,
) {
    // Only a remote base that may install Argo CD can hold its settings: one whose URL
    // names Argo, or any in a kustomization for the `argocd` namespace.
    let argocd_namespace = doc.get("namespace").and_then(Node::as_str) == Some("argocd");
    let may_hold = |u: &str| argocd_namespace || u.to_ascii_lowercase().contains("argo");
    for key in ["resources", "bases", "components"] {
        for r in items(doc.get(key)) {
            if let Some(url) = r.as_str().filter(|u| is_remote(u) && may_hold(u)) {
                let place = settings.place(file, r.pos, "a remote kustomize resource");
                settings.remote.push((place, url.to_owned()));
            }
        }
    }
    for generator in items(doc.get("configMapGenerator")) {
        let name = generator
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or_default();
        if !matches!(name, "argocd-cm" | "argocd-cmd-params-cm") {
            continue;
        }
        let how = format!("the kustomize `configMapGenerator` `{name}`");
        // `literals: [K=V]`, `files: [K=PATH | PATH]` (the key is the file's name).
        let mut entries = Vec::new();
        for literal in items(generator.get("literals")) {
            if let Some((k, v)) = literal.as_str().and_then(|l| l.split_once('=')) {
                entries.push((
                    k.trim().to_owned(),
                    Some(v.trim().to_owned()),
                    None,
                    literal.pos,
                ));
            }
        }
        for f in items(generator.get("files")) {
            if let Some(f) = f.as_str().map(str::trim) {
                let (key, path) = f
                    .split_once('=')
                    .map_or_else(|| (base(f), f), |(k, p)| (k, p));
                entries.push((key.to_owned(), None, Some(path.to_owned()), generator.pos));
            }
        }
        if name == "argocd-cm" {
            let data = Node {
                value: Value::Map(
                    entries
                        .iter()
                        .map(|(k, literal, path, pos)| {
                            // A file's content is not read: its name stands for it.
                            let value = literal.as_deref().or(path.as_deref()).unwrap_or("");
                            (str_node(k, *pos), str_node(value, *pos))
                        })
                        .collect(),
                ),
                pos: generator.pos,
            };
            cm_entries(settings, file, &data, &how);
        } else if let Some((_, Some(value), _, pos)) =
            entries.iter().find(|(k, _, _, _)| k == PROGRESSIVE_KEY)
        {
            // From a file (not read), the value is unknown: it says nothing.
            let on = Some(go_bool(value.trim_matches('"')).unwrap_or(false));
            settings.add_progressive(on, file, *pos, &how);
        }
    }
    // Patches: strategic merge (a ConfigMap) or JSON 6902 (operations on a target).
    let mut patches: Vec<(Option<&Node>, &Node)> = Vec::new();
    for p in items(doc.get("patches")).chain(items(doc.get("patchesJson6902"))) {
        if let Some(text) = p.get("patch") {
            patches.push((p.get("target"), text));
        }
        if let Some(path) = p.get("path").and_then(Node::as_str)
            && let Some(docs) = by_name.get(&join(file, path))
        {
            for d in docs.iter().filter(|d| is_operations(d)) {
                operations(settings, file, p.get("target"), d);
            }
        }
    }
    for p in items(doc.get("patchesStrategicMerge")) {
        if p.as_str().is_some_and(|t| t.contains('\n')) {
            patches.push((None, p));
        }
    }
    let via = format!("a kustomize patch in {file}: ");
    for (target, text) in patches {
        for patch in inline(file, text) {
            if is_operations(&patch) {
                operations(settings, file, target, &patch);
            } else if patch.get("kind").and_then(Node::as_str) == Some("ConfigMap") {
                let name = patch
                    .get("metadata")
                    .and_then(|m| m.get("name"))
                    .and_then(Node::as_str)
                    .unwrap_or_default();
                config_map(settings, file, &patch, name, true, &via);
            }
        }
    }
    for chart in items(doc.get("helmCharts")) {
        if let Some(values) = chart.get("valuesInline") {
            let name = chart.get("name").and_then(Node::as_str).unwrap_or_default();
            chart_values(
                settings,
                file,
                values,
                &format!("the kustomize `helmCharts` `{name}` values"),
                name == "argo-cd",
            );
        }
    }
}

/// JSON 6902 operations (`op: add|replace`, `path: /data/KEY`) on `argocd-cm` or
/// `argocd-cmd-params-cm`, the patch's `target`.
fn operations(settings: &mut Settings, file: &str, target: Option<&Node>, ops: &Node) {
    let name = target
        .and_then(|t| t.get("name"))
        .and_then(Node::as_str)
        .unwrap_or_default();
    if !matches!(name, "argocd-cm" | "argocd-cmd-params-cm") {
        return;
    }
    let how = format!("a kustomize JSON patch of `{name}`");
    for op in items(Some(ops)) {
        let verb = op.get("op").and_then(Node::as_str).unwrap_or_default();
        let path = op.get("path").and_then(Node::as_str).unwrap_or_default();
        if !matches!(verb, "add" | "replace") {
            continue;
        }
        let value = op.get("value");
        // The whole `data` at once.
        if path == "/data" {
            if let Some(data) = value {
                if name == "argocd-cm" {
                    cm_entries(settings, file, data, &how);
                } else if let Some(v) = data.get(PROGRESSIVE_KEY) {
                    settings.add_progressive(Some(parse_bool(v)), file, v.pos, &how);
                }
            }
            continue;
        }
        let Some(key) = path.strip_prefix("/data/") else {
            continue;
        };
        // RFC 6901: `~1` is `/`, `~0` is `~`.
        let key = key.replace("~1", "/").replace("~0", "~");
        if name == "argocd-cm" {
            let data = Node {
                value: Value::Map(vec![(
                    str_node(&key, op.pos),
                    value.cloned().unwrap_or_else(|| str_node("", op.pos)),
                )]),
                pos: op.pos,
            };
            cm_entries(settings, file, &data, &how);
        } else if key == PROGRESSIVE_KEY {
            let on = Some(value.is_some_and(parse_bool));
            settings.add_progressive(on, file, op.pos, &how);
        }
    }
}

/// Whether a node is a list of JSON 6902 operations.
fn is_operations(node: &Node) -> bool {
    matches!(&node.value, Value::Seq(ops) if !ops.is_empty() && ops.iter().all(|o| o.get("op").is_some()))
}

/// The files a kustomization's patches name, relative to it.
pub(super) fn patch_paths(doc: &Node) -> Vec<&str> {
    let mut paths: Vec<&str> = items(doc.get("patches"))
        .chain(items(doc.get("patchesJson6902")))
        .filter_map(|p| p.get("path").and_then(Node::as_str))
        .collect();
    paths.extend(
        items(doc.get("patchesStrategicMerge"))
            .filter_map(Node::as_str)
            .filter(|p| !p.contains('\n')),
    );
    paths
}

/// A kustomization file, or a document of kind `Kustomization`/`Component`.
pub(super) fn is_kustomization(file: &str, doc: &Node) -> bool {
    matches!(
        base(file),
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    ) || doc
        .get("apiVersion")
        .and_then(Node::as_str)
        .is_some_and(|a| a.starts_with("kustomize.config.k8s.io/"))
}

/// A kustomize resource that is fetched, not read from the checkout: a URL, `git@…`, or
/// a `host/org/repo` path with a `ref`.
fn is_remote(resource: &str) -> bool {
    resource.contains("://")
        || resource.starts_with("git@")
        || resource.starts_with("github.com/")
        || resource.starts_with("gitlab.com/")
        || resource.starts_with("bitbucket.org/")
        || resource.contains("?ref=")
}

pub use crate::evidence::normalize;

/// `relative` (as a kustomization names a file) from the folder of `file`, normalized.
pub(super) fn join(file: &str, relative: &str) -> String {
    let file = file.replace('\\', "/");
    match file.rsplit_once('/') {
        Some((folder, _)) => normalize(&format!("{folder}/{relative}")),
        None => normalize(relative),
    }
}
