//! The `dependsOn` edges the components' manifests imply ([`crate::evidence`]), which
//! hand-numbered waves and steps only imply: proposed, never declared, as a pinned
//! ladder keeps the existing order and an edge against it would not plan. Each
//! component's manifests are the files its source path installs in a checkout among the
//! imported files (its folder, a kustomization's resources, a chart's `crds/`), and any
//! rendered manifests given for it (`helm template`, `kustomize build`).

use std::collections::{BTreeMap, BTreeSet};

use super::instance::Instance;
use super::write::Line;
use crate::evidence::{Installed, Resources, Suggestions, join, normalize};
use crate::generate::Checkout;
use crate::load::yaml::Node;

/// Manifests rendered for one component: (component, file, text).
pub type Rendered = (String, String, String);

/// The suggestions for the instances' components, environment by environment, merged.
pub(super) fn suggest(
    files: &[(String, String)],
    rendered: &[Rendered],
    instances: &[Instance<'_>],
    checkouts: &[Checkout<'_>],
) -> Suggestions {
    let parsed: Vec<(&str, Vec<Node>)> = files
        .iter()
        .map(|(f, t)| (f.as_str(), t))
        .chain(rendered.iter().map(|(_, f, t)| (f.as_str(), t)))
        .filter_map(|(f, t)| Some((f, crate::load::yaml::parse_all(f, t).ok()?)))
        .collect();
    let scanned: Vec<(&str, &[Node])> = parsed.iter().map(|(f, d)| (*f, d.as_slice())).collect();
    let resources = Resources::scan(&scanned);
    let mut own: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (component, file, _) in rendered {
        own.entry(component).or_default().insert(normalize(file));
    }
    let mut envs: Vec<&str> = instances.iter().map(|i| i.env.as_str()).collect();
    envs.sort_unstable();
    envs.dedup();
    let mut all = Suggestions::default();
    for env in envs {
        let installed: Vec<(&str, Option<String>, BTreeSet<String>)> = instances
            .iter()
            .filter(|i| i.env == env)
            .map(|i| {
                let spec = i.made.node.get("spec");
                let mut files = own.get(i.component.as_str()).cloned().unwrap_or_default();
                for source in crate::generate::sources(spec) {
                    let text = |k: &str| source.get(k).and_then(Node::scalar_text);
                    let (Some(url), Some(path)) = (text("repoURL"), text("path")) else {
                        continue;
                    };
                    let recurse = source
                        .get("directory")
                        .and_then(|d| d.get("recurse"))
                        .and_then(Node::scalar_text)
                        .is_some_and(|r| r == "true");
                    for checkout in checkouts.iter().filter(|k| k.is(&url)) {
                        let dir = join(&normalize(&checkout.root), &path);
                        files.extend(resources.installed(&dir, recurse));
                    }
                }
                let namespace = spec
                    .and_then(|s| s.get("destination"))
                    .and_then(|d| d.get("namespace"))
                    .and_then(Node::scalar_text);
                (i.component.as_str(), namespace, files)
            })
            .collect();
        let given: Vec<Installed<'_>> = installed
            .iter()
            .map(|(component, namespace, files)| Installed {
                component,
                namespace: namespace.as_deref(),
                files,
            })
            .collect();
        all = all.merge(resources.suggest(&given));
    }
    all
}

/// The report's lines for the suggestions: each edge (with a word where the existing
/// order has the two the other way round or together), each ambiguous need, and the
/// steps the compact layout would need with the edges declared.
pub(super) fn report(
    suggestions: &Suggestions,
    phases: &BTreeMap<String, i64>,
    report: &mut Vec<Line>,
) {
    for edge in &suggestions.edges {
        let first = &edge.evidence[0];
        let more = match edge.evidence.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        let (d, p) = (phases.get(&edge.dependent), phases.get(&edge.dependency));
        let order = match (d, p) {
            (Some(d), Some(p)) if p >= d => format!(
                "; the existing order has `{}` at phase {p}, {} `{}` (phase {d}), so its rollout can fail until a retry: declaring the edge needs that order changed first",
                edge.dependency,
                if p == d { "together with" } else { "after" },
                edge.dependent
            ),
            _ => String::new(),
        };
        report.push(Line {
            file: first.file.clone(),
            pos: first.pos,
            what: format!(
                "`{}` may need `{}`: {}{more}{order}; written as a commented `dependsOn` in the spec",
                edge.dependent, edge.dependency, first.what
            ),
        });
    }
    for a in &suggestions.ambiguous {
        let first = &a.evidence[0];
        let named: Vec<String> = a.providers.iter().map(|p| format!("`{p}`")).collect();
        report.push(Line {
            file: first.file.clone(),
            pos: first.pos,
            what: format!(
                "`{}` needs what several components provide ({}): {}; no `dependsOn` is suggested for it",
                a.dependent,
                named.join(", "),
                first.what
            ),
        });
    }
    let mut steps: Vec<i64> = phases.values().copied().collect();
    steps.sort_unstable();
    steps.dedup();
    if !suggestions.edges.is_empty() {
        let what = match longest_chain(phases.keys(), suggestions) {
            Some(chain) => format!(
                "the spec keeps the existing order in {} phases; with the suggested `dependsOn` declared (and any the manifests do not show), `rollout.layout: compact` needs as few as {chain} steps per environment (`ladder plan` shows them)",
                steps.len()
            ),
            None => "the suggested `dependsOn` edges form a cycle, so not all of them can be declared; `ladder plan` names it once they are".to_owned(),
        };
        report.push(Line {
            file: String::new(),
            pos: crate::diagnostic::Pos::default(),
            what,
        });
    }
}

/// The components on the longest chain of suggested edges (Kahn's order), or `None` on a
/// cycle.
fn longest_chain<'a>(
    components: impl Iterator<Item = &'a String>,
    suggestions: &Suggestions,
) -> Option<usize> {
    let names: Vec<&str> = components.map(String::as_str).collect();
    let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    let mut waiting = vec![0usize; names.len()];
    for e in &suggestions.edges {
        if let (Some(&d), Some(&p)) = (
            index.get(e.dependent.as_str()),
            index.get(e.dependency.as_str()),
        ) {
            after[p].push(d);
            waiting[d] += 1;
        }
    }
    let mut depth = vec![1usize; names.len()];
    let mut ready: Vec<usize> = (0..names.len()).filter(|i| waiting[*i] == 0).collect();
    let mut done = 0;
    while let Some(i) = ready.pop() {
        done += 1;
        for &d in &after[i] {
            depth[d] = depth[d].max(depth[i] + 1);
            waiting[d] -= 1;
            if waiting[d] == 0 {
                ready.push(d);
            }
        }
    }
    (done == names.len()).then(|| depth.into_iter().max().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::Suggestion;

    fn edges(pairs: &[(&str, &str)]) -> Suggestions {
        Suggestions {
            edges: pairs
                .iter()
                .map(|(d, p)| Suggestion {
                    dependent: (*d).to_owned(),
                    dependency: (*p).to_owned(),
                    evidence: Vec::new(),
                })
                .collect(),
            ambiguous: Vec::new(),
        }
    }

    #[test]
    fn the_longest_chain_counts_components_and_a_cycle_has_none() {
        let names: Vec<String> = ["a", "b", "c", "d"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let chain = longest_chain(names.iter(), &edges(&[("c", "b"), ("b", "a"), ("d", "a")]));
        assert_eq!(chain, Some(3));
        assert_eq!(longest_chain(names.iter(), &edges(&[])), Some(1));
        assert_eq!(
            longest_chain(names.iter(), &edges(&[("a", "b"), ("b", "a")])),
            None
        );
    }
}
