//! `dependsOn` edges the manifests imply: component A needs what component B's
//! resources provide (a CRD, a secret store, an issuer, a Namespace, an IngressClass, a
//! StorageClass, a Secret or a ConfigMap), so A should come after B.
//!
//! Each need is matched against an index of every provider (a `BTreeMap`), so the work
//! is linear in the resources, up to the index's logarithm. A need its own component
//! provides implies nothing; a need no component provides is left out (it may come from
//! the cluster or another repository). A need that several other components provide is
//! **ambiguous**: no edge is suggested for it, as ladder cannot tell which of them should
//! come first (or whether they fight over one object); it is returned apart, naming them
//! all, for the caller to say so.
//!
//! Output is sorted: by dependent, then dependency (or providers), evidence by file and
//! place; the order of the input changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use super::scan::Resources;
use super::thing::{Need, Provided, Thing};
use crate::diagnostic::Pos;
use crate::load::yaml::Node;

/// One component and the files its Application installs (file name, parsed documents):
/// the files its source path holds (see [`Resources::installed`]) or the output of
/// `helm template` or `kustomize build`.
#[derive(Debug, Clone)]
pub struct Installs<'a> {
    pub component: &'a str,
    /// The namespace its Application deploys to, which a resource without
    /// `metadata.namespace` is in; unknown (`None`), such Secrets and ConfigMaps match
    /// only each other.
    pub namespace: Option<&'a str>,
    pub files: Vec<(&'a str, &'a [Node])>,
}

/// One component and the files (normalized, as [`Resources`] names them) it installs.
#[derive(Debug, Clone)]
pub struct Installed<'a> {
    pub component: &'a str,
    /// As in [`Installs::namespace`].
    pub namespace: Option<&'a str>,
    pub files: &'a BTreeSet<String>,
}

/// One resource's need and who provides it, as a sentence: "Certificate `api-tls`
/// (shop/certs.yaml:12) uses ClusterIssuer `letsencrypt`, which `cert-manager-config`
/// creates (ClusterIssuer `letsencrypt`, infra/issuers.yaml:3)".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Evidence {
    /// Where the need is written: the file as given, and the place of the reference.
    pub file: String,
    pub pos: Pos,
    pub what: String,
    /// What is needed (namespaces filled in where the component's is known).
    pub thing: Thing,
    /// The reference is `optional: true`: the workload starts without it, so the edge
    /// is weaker.
    pub optional: bool,
}

/// A proposed `dependsOn` edge: `dependent` should depend on `dependency`, because of
/// every piece of `evidence`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub dependent: String,
    pub dependency: String,
    pub evidence: Vec<Evidence>,
}

/// Needs of `dependent` that several other components provide (`providers`, sorted):
/// no edge is suggested for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguous {
    pub dependent: String,
    pub providers: Vec<String>,
    pub evidence: Vec<Evidence>,
}

/// Everything the manifests imply, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Suggestions {
    pub edges: Vec<Suggestion>,
    pub ambiguous: Vec<Ambiguous>,
}

impl Suggestions {
    /// Both sets of suggestions in one (per environment, say): evidence of one edge
    /// together, sorted, without repeats.
    #[must_use]
    pub fn merge(self, other: Suggestions) -> Suggestions {
        let mut edges: BTreeMap<(String, String), Vec<Evidence>> = BTreeMap::new();
        for s in self.edges.into_iter().chain(other.edges) {
            edges
                .entry((s.dependent, s.dependency))
                .or_default()
                .extend(s.evidence);
        }
        let mut ambiguous: BTreeMap<(String, Vec<String>), Vec<Evidence>> = BTreeMap::new();
        for a in self.ambiguous.into_iter().chain(other.ambiguous) {
            ambiguous
                .entry((a.dependent, a.providers))
                .or_default()
                .extend(a.evidence);
        }
        collect(edges, ambiguous)
    }
}

/// The suggestions for components given with their files' documents (see [`Installs`]).
/// Each component's files are read on their own, so two components may have files of
/// the same name (two charts' `templates/deployment.yaml`).
pub fn suggest(components: &[Installs<'_>]) -> Suggestions {
    let scanned: Vec<Resources> = components
        .iter()
        .map(|c| Resources::scan(&c.files))
        .collect();
    let sides: Vec<Side<'_>> = components
        .iter()
        .zip(&scanned)
        .map(|(c, r)| Side {
            component: c.component,
            namespace: c.namespace,
            provides: r.provided().collect(),
            needs: r.needed().collect(),
        })
        .collect();
    from_sides(&sides)
}

impl Resources {
    /// The suggestions for components given with the files they install, among those
    /// scanned here (see [`Installed`]).
    pub fn suggest(&self, components: &[Installed<'_>]) -> Suggestions {
        let sides: Vec<Side<'_>> = components
            .iter()
            .map(|c| Side {
                component: c.component,
                namespace: c.namespace,
                provides: c.files.iter().flat_map(|f| self.provides(f)).collect(),
                needs: c.files.iter().flat_map(|f| self.needs(f)).collect(),
            })
            .collect();
        from_sides(&sides)
    }
}

/// One component's provides and needs.
struct Side<'a> {
    component: &'a str,
    namespace: Option<&'a str>,
    provides: Vec<&'a Provided>,
    needs: Vec<&'a Need>,
}

fn place(p: &Provided) -> (&str, Pos) {
    (p.file.as_str(), p.pos)
}

fn from_sides(sides: &[Side<'_>]) -> Suggestions {
    // Thing → component → its first provider (by file and place, whatever the order).
    let mut providers: BTreeMap<Thing, BTreeMap<&str, &Provided>> = BTreeMap::new();
    for side in sides {
        for p in &side.provides {
            let by = providers.entry(p.thing.placed(side.namespace)).or_default();
            let first = by.entry(side.component).or_insert(p);
            if place(p) < place(first) {
                *first = p;
            }
        }
    }
    let mut edges: BTreeMap<(String, String), Vec<Evidence>> = BTreeMap::new();
    let mut ambiguous: BTreeMap<(String, Vec<String>), Vec<Evidence>> = BTreeMap::new();
    for side in sides {
        for need in &side.needs {
            let thing = need.thing.placed(side.namespace);
            let Some(by) = providers.get(&thing) else {
                continue;
            };
            if by.contains_key(side.component) {
                continue;
            }
            let optional = if need.optional { " (optional)" } else { "" };
            let (one, several) = if matches!(thing, Thing::Crd(..)) {
                ("installs", "install")
            } else {
                ("creates", "create")
            };
            let place = |p: &Provided| format!("{}, {}:{}", p.what, p.file, p.pos.line);
            let who = if let [(c, p)] = by.iter().collect::<Vec<_>>().as_slice() {
                format!("which `{c}` {one} ({})", place(p))
            } else {
                let all: Vec<String> = by
                    .iter()
                    .map(|(c, p)| format!("`{c}` ({})", place(p)))
                    .collect();
                let (init, last) = all.split_at(all.len().saturating_sub(1));
                format!(
                    "which {} and {} all {several}",
                    init.join(", "),
                    last.join("")
                )
            };
            let evidence = Evidence {
                file: need.file.clone(),
                pos: need.pos,
                what: format!(
                    "{} ({}:{}) {} {}{optional}, {who}",
                    need.what,
                    need.file,
                    need.pos.line,
                    thing.verb(),
                    thing.describe(),
                ),
                thing,
                optional: need.optional,
            };
            let dependent = side.component.to_owned();
            if by.len() == 1 {
                let dependency = by
                    .keys()
                    .next()
                    .map(|c| (*c).to_owned())
                    .unwrap_or_default();
                edges
                    .entry((dependent, dependency))
                    .or_default()
                    .push(evidence);
            } else {
                let all = by.keys().map(|c| (*c).to_owned()).collect();
                ambiguous
                    .entry((dependent, all))
                    .or_default()
                    .push(evidence);
            }
        }
    }
    collect(edges, ambiguous)
}

fn collect(
    edges: BTreeMap<(String, String), Vec<Evidence>>,
    ambiguous: BTreeMap<(String, Vec<String>), Vec<Evidence>>,
) -> Suggestions {
    let sorted = |mut evidence: Vec<Evidence>| {
        evidence.sort();
        evidence.dedup();
        evidence
    };
    Suggestions {
        edges: edges
            .into_iter()
            .map(|((dependent, dependency), evidence)| Suggestion {
                dependent,
                dependency,
                evidence: sorted(evidence),
            })
            .collect(),
        ambiguous: ambiguous
            .into_iter()
            .map(|((dependent, providers), evidence)| Ambiguous {
                dependent,
                providers,
                evidence: sorted(evidence),
            })
            .collect(),
    }
}
