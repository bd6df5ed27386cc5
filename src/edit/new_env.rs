//! `ladder new-env`'s pure core: which files and folders belong to an environment, and
//! the spec snippet that declares a new one like an existing one.
//!
//! An environment's files are found from the spec itself: every path template that
//! uses `{{ env }}` (component source paths, Helm value files after their `$ref/`
//! prefix, the version files, the fleet folders), cut after its first part that names
//! the environment. `envs/{{ env }}/nodes/{{ member }}/values-vault.yaml` gives the
//! folder `envs/{{ env }}`; `versions/{{ env }}.yaml` gives that file.

use std::collections::BTreeSet;

use crate::load::Loaded;
use crate::load::yaml::PathSeg::{Index, Key};

/// The environment roots of a spec: path templates (relative to the spec's folder, with
/// `{{ env }}` still in them), sorted, without one inside another.
pub fn roots(loaded: &Loaded) -> Vec<String> {
    let spec = &loaded.spec;
    let mut templates: Vec<&str> = Vec::new();
    for c in &spec.components {
        for s in c.source.iter().chain(c.sources.iter().flatten()) {
            templates.extend(s.path.as_deref());
            if let Some(helm) = &s.helm {
                for file in &helm.value_files {
                    // `$values/envs/...` is relative to the referenced repository's root,
                    // which ladder takes to be the spec's folder (seed 004).
                    let file = match file.strip_prefix('$') {
                        Some(rest) => rest.split_once('/').map_or(rest, |(_, p)| p),
                        None => file.as_str(),
                    };
                    templates.push(file);
                }
            }
        }
    }
    if let Some(v) = &spec.versions {
        templates.push(&v.path);
    }
    templates.extend(spec.fleets.values().map(|f| f.folders.as_str()));
    let mut roots = BTreeSet::new();
    for template in templates {
        let mut root = Vec::new();
        for part in template.split('/') {
            root.push(part);
            if part.contains("{{ env }}") || part.contains("{{env}}") {
                if !part.contains("{{ member }}") && !root.iter().any(|p| p.contains("..")) {
                    roots.insert(root.join("/"));
                }
                break;
            }
        }
    }
    // Drop roots inside other roots.
    let all: Vec<String> = roots.into_iter().collect();
    all.iter()
        .filter(|r| {
            !all.iter()
                .any(|o| o != *r && r.starts_with(&format!("{o}/")))
        })
        .cloned()
        .collect()
}

/// The spec text of environment `from` (its list item, as written), renamed to `name`:
/// the snippet that declares the new environment the same way.
pub fn snippet(loaded: &Loaded, from: usize, name: &str) -> Option<String> {
    let node = loaded
        .tree
        .lookup(&[Key("environments"), Index(from), Key("name")]);
    let line = usize::try_from(node.pos.line).ok()?.checked_sub(1)?;
    let lines: Vec<&str> = loaded.text.lines().collect();
    let first = *lines.get(line)?;
    let dash = first.find("- ")?;
    let mut out = vec![first.replacen(
        &format!("name: {}", loaded.spec.environments[from].name),
        &format!("name: {name}"),
        1,
    )];
    for l in &lines[line + 1..] {
        let indent = l.len() - l.trim_start().len();
        if l.trim().is_empty() || indent <= dash {
            break;
        }
        out.push((*l).to_owned());
    }
    Some(out.join("\n") + "\n")
}
