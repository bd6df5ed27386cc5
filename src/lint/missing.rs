//! `missing-dependency`: a component of a spec whose manifests need what another
//! component's manifests provide (a CRD, a secret store, an issuer, a Namespace, an
//! IngressClass, a StorageClass, a Secret or a ConfigMap: [`crate::evidence`]), when the
//! spec's `dependsOn` does not already put the other first, directly or through others.
//! Without the edge ladder may roll both out in one step, or the dependent first.
//!
//! What a component installs is read as `dependency-order` reads an Application's
//! sources: each environment's sources whose `repoURL` is a checkout lint has and whose
//! `path` is among the linted files (its kustomization's resources, a chart's `crds/`, the
//! folder's files, below it too with `directory.recurse`). Only `dependsOn` counts: an
//! `after` edge orders but does not hold the dependent when its target is disabled. A
//! need several components provide is a note naming them, unless the spec depends on
//! one of them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;

use super::finding::Finding;
use super::rules::Severity;
use crate::analyze::model::Model;
use crate::diagnostic::{Diagnostic, Note, Pos};
use crate::evidence::{Evidence, Installed, Resources, Suggestions, join, normalize};
use crate::generate::Checkout;
use crate::load::Loaded;
use crate::load::include::Sources;
use crate::load::yaml::Value;

/// What the rule needs of a linted spec, kept until every file has been scanned.
pub(super) struct Ladder {
    file: String,
    sources: Arc<Sources>,
    components: Vec<Component>,
}

struct Component {
    name: String,
    /// Its `name` in the spec (merged tree; relocated when reported).
    pos: Pos,
    depends_on: Vec<usize>,
    /// Per environment (disabled: `None`): the namespace it deploys to and its sources.
    envs: Vec<Option<(String, Vec<Path>)>>,
}

/// A source that names a path: (repoURL, path, `directory.recurse`).
type Path = (String, String, bool);

/// The spec's components as the rule reads them.
pub(super) fn ladder(loaded: &Loaded, model: &Model) -> Ladder {
    // Each component's `name` in the tree; a fleet member is found by its fleet
    // component.
    let mut at: BTreeMap<&str, Pos> = BTreeMap::new();
    if let Some(Value::Seq(items)) = loaded.tree.get("components").map(|c| &c.value) {
        for item in items {
            if let Some(name) = item.get("name")
                && let Some(text) = name.as_str()
            {
                at.entry(text).or_insert(name.pos);
            }
        }
    }
    let fallback = loaded
        .tree
        .get("components")
        .map_or(Pos::new(1, 1), |c| c.pos);
    let components = model
        .components
        .iter()
        .map(|c| {
            let pos = at
                .get(c.name.as_str())
                .or_else(|| {
                    c.member_of
                        .as_ref()
                        .and_then(|m| at.get(m.component.as_str()))
                })
                .copied()
                .unwrap_or(fallback);
            let envs = c
                .instances
                .iter()
                .map(|i| {
                    i.as_ref().map(|i| {
                        let sources = i
                            .sources
                            .iter()
                            .filter_map(|s| {
                                let recurse = s
                                    .directory
                                    .as_ref()
                                    .and_then(|d| d.get("recurse"))
                                    .is_some_and(|r| r == &serde_json::Value::Bool(true));
                                Some((s.repo_url.clone(), s.path.clone()?, recurse))
                            })
                            .collect();
                        (i.namespace.clone(), sources)
                    })
                })
                .collect();
            Component {
                name: c.name.clone(),
                pos,
                depends_on: c.depends_on.clone(),
                envs,
            }
        })
        .collect();
    Ladder {
        file: loaded.file.clone(),
        sources: Arc::clone(&loaded.sources),
        components,
    }
}

/// How many pieces of evidence of one thing are shown as notes.
const SHOWN: usize = 1;

/// The rule's findings for one spec, over what the linted files provide and need.
pub(super) fn lint(
    ladder: &Ladder,
    resources: &Resources,
    checkouts: &[Checkout<'_>],
) -> Vec<Finding> {
    let components = &ladder.components;
    let envs = components.first().map_or(0, |c| c.envs.len());
    let mut all = Suggestions::default();
    for env in 0..envs {
        let installed: Vec<(&Component, &str, BTreeSet<String>)> = components
            .iter()
            .filter_map(|c| {
                let (namespace, sources) = c.envs.get(env)?.as_ref()?;
                let mut files = BTreeSet::new();
                for (url, path, recurse) in sources {
                    for checkout in checkouts.iter().filter(|k| k.is(url)) {
                        let dir = join(&normalize(&checkout.root), path);
                        files.extend(resources.installed(&dir, *recurse));
                    }
                }
                Some((c, namespace.as_str(), files))
            })
            .collect();
        let given: Vec<Installed<'_>> = installed
            .iter()
            .map(|(c, namespace, files)| Installed {
                component: &c.name,
                namespace: Some(namespace),
                files,
            })
            .collect();
        all = all.merge(resources.suggest(&given));
    }
    let index: BTreeMap<&str, usize> = components
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect();
    let mut closures: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    let mut closure = |i: usize| -> BTreeSet<usize> {
        closures
            .entry(i)
            .or_insert_with(|| reachable(components, i))
            .clone()
    };
    let mut diagnostics = Vec::new();
    let mut severities = Vec::new();
    for edge in &all.edges {
        let (Some(&d), Some(&p)) = (
            index.get(edge.dependent.as_str()),
            index.get(edge.dependency.as_str()),
        ) else {
            continue;
        };
        if closure(d).contains(&p) {
            continue;
        }
        let things = things(&edge.evidence);
        let optional = if edge.evidence.iter().all(|e| e.optional) {
            " (every reference is optional: its workloads start without them)"
        } else {
            ""
        };
        let mut diagnostic = Diagnostic::new(
            &ladder.file,
            components[d].pos,
            format!(
                "`{d}` needs {things}, which `{p}` provides, but does not depend on `{p}`: ladder may roll `{d}` out before it or in the same step{optional}",
                d = edge.dependent,
                p = edge.dependency,
            ),
        )
        .help(format!(
            "add `dependsOn: [{}]` to `{}`",
            edge.dependency, edge.dependent
        ))
        .rule(&"missing-dependency");
        diagnostic.notes = notes(&edge.evidence);
        diagnostics.push(diagnostic);
        severities.push(Severity::Warning);
    }
    for a in &all.ambiguous {
        let Some(&d) = index.get(a.dependent.as_str()) else {
            continue;
        };
        let reach = closure(d);
        if a.providers
            .iter()
            .any(|p| index.get(p.as_str()).is_some_and(|p| reach.contains(p)))
        {
            continue;
        }
        let named: Vec<String> = a.providers.iter().map(|p| format!("`{p}`")).collect();
        let mut diagnostic = Diagnostic::new(
            &ladder.file,
            components[d].pos,
            format!(
                "`{}` needs {}, which several components provide ({}), and depends on none of them",
                a.dependent,
                things(&a.evidence),
                named.join(", ")
            ),
        )
        .help(format!(
            "add `dependsOn` on the one `{}` should come after, or make one component own it",
            a.dependent
        ))
        .rule(&"missing-dependency");
        diagnostic.notes = notes(&a.evidence);
        diagnostics.push(diagnostic);
        severities.push(Severity::Note);
    }
    ladder.sources.relocate(&mut diagnostics);
    diagnostics
        .into_iter()
        .zip(severities)
        .map(|(diagnostic, severity)| {
            let mut f = Finding::new(diagnostic);
            f.severity = severity;
            f
        })
        .collect()
}

/// Every component `i` depends on, directly or through others.
fn reachable(components: &[Component], i: usize) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut todo = components[i].depends_on.clone();
    while let Some(j) = todo.pop() {
        if seen.insert(j) {
            todo.extend(components.get(j).into_iter().flat_map(|c| &c.depends_on));
        }
    }
    seen
}

/// "ClusterIssuer `letsencrypt`, Namespace `shop`": the things needed, in order.
fn things(evidence: &[Evidence]) -> String {
    let things: BTreeSet<String> = evidence.iter().map(|e| e.thing.describe()).collect();
    things.into_iter().collect::<Vec<_>>().join(", ")
}

/// The evidence as notes in the manifests: the first of each thing, and how many more.
fn notes(evidence: &[Evidence]) -> Vec<Note> {
    let mut by_thing: BTreeMap<&crate::evidence::Thing, Vec<&Evidence>> = BTreeMap::new();
    for e in evidence {
        by_thing.entry(&e.thing).or_default().push(e);
    }
    let mut notes = Vec::new();
    for list in by_thing.values() {
        for (n, e) in list.iter().take(SHOWN).enumerate() {
            let mut text = e.what.clone();
            if n + 1 == SHOWN && list.len() > SHOWN {
                let more = list.len() - SHOWN;
                let _ = write!(
                    text,
                    " (and {more} more reference{})",
                    if more == 1 { "" } else { "s" }
                );
            }
            notes.push(Note {
                pos: e.pos,
                text,
                file: Some(e.file.clone()),
            });
        }
    }
    notes.sort_by(|a, b| (&a.file, a.pos).cmp(&(&b.file, b.pos)));
    notes
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::lint::{Checkout, Options, Tree, config::Config, lint};

    /// A checkout whose files lint is given as texts.
    struct Given;

    impl Tree for Given {
        fn files(&self) -> &[String] {
            &[]
        }
        fn read(&self, _: &str) -> Result<String, String> {
            Err("not read".into())
        }
    }

    const URL: &str = "https://git.example.com/shop.git";

    /// The `missing-dependency` findings when `app` (a Widget) has `dependsOn: depends`,
    /// `mid` depends on `crds` and `crds` installs the Widget CRD.
    fn missing(depends: &str) -> Vec<(String, String)> {
        let spec = format!(
            "name: shop
output: {{path: out}}
defaults:
  source: {{repoURL: {URL}, targetRevision: main}}
  namespace: shop
environments:
  - name: prod
components:
  - {{name: app, source: {{path: app}}, dependsOn: {depends}}}
  - {{name: mid, source: {{path: mid}}, dependsOn: [crds]}}
  - {{name: crds, source: {{path: crds}}}}
"
        );
        let files = [
            ("ladder.yaml", spec.as_str()),
            (
                "app/w.yaml",
                "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n",
            ),
            (
                "crds/crd.yaml",
                "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  group: example.com\n  names: {kind: Widget}\n",
            ),
        ]
        .map(|(f, t)| (f.to_owned(), t.to_owned()));
        let tree = Given;
        let checkouts = [Checkout::new(vec![URL.to_owned()], ".".into(), &tree)];
        let inputs = BTreeMap::new();
        let config = Config::default();
        let options = Options {
            version: None,
            inputs: &inputs,
            named_specs: &[],
            unreadable: &[],
            rendered: &[],
            config: &config,
            excluded: 0,
            checkouts: &checkouts,
        };
        lint(&files, options)
            .unwrap()
            .findings
            .into_iter()
            .filter(|f| f.rule() == "missing-dependency")
            .map(|f| (f.diagnostic.message, f.diagnostic.help.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn a_need_no_depends_on_covers_is_reported_with_the_edge_to_add() {
        let found = missing("[]");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].0.starts_with("`app` needs the CRD of `Widget`"),
            "{found:?}"
        );
        assert_eq!(found[0].1, "add `dependsOn: [crds]` to `app`");
    }

    #[test]
    fn a_direct_or_transitive_depends_on_suppresses_the_warning() {
        assert_eq!(missing("[crds]"), []);
        assert_eq!(missing("[mid]"), []);
    }
}
