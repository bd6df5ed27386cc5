//! `dependency-order`: a resource an Application installs that needs what another
//! Application installs (a custom resource its CRD, an ExternalSecret its SecretStore, a
//! Certificate or an Ingress its cert-manager Issuer), when that other Application comes
//! in the same or a later wave (siblings under one app-of-apps) or RollingSync step (one
//! ApplicationSet): Argo CD then applies the resource before what it needs exists, and
//! its sync fails ("the server could not find the requested resource", a Certificate
//! stuck not Ready) until a retry after the other is up. When no Application among the
//! inputs installs what it needs, a note.
//!
//! Which files an Application installs is read from its sources: a source whose
//! `repoURL` is a checkout lint has ([`crate::generate::Checkout`]) and whose `path` is
//! among the linted folders installs that folder's manifests: the resources its
//! `kustomization.yaml` lists (folders followed), a chart's `crds/`, or the folder's own
//! files (below it too with `directory.recurse`). Helm templates and remote sources
//! cannot be read and install nothing lint can see.

use std::collections::{BTreeMap, BTreeSet};

use super::appset::{parse_step, selects, steps};
use super::doc::Doc;
use super::finding::Finding;
use super::settings::normalize_name;
use crate::evidence::{Need, Resources, Thing, join};
use crate::generate::{Checkout, Generation};
use crate::load::yaml::{Node, Value};

/// The needs this rule checks: those whose absence fails the sync itself. Namespaces,
/// classes, Secrets and ConfigMaps are `missing-dependency`'s, for a spec.
fn checked(thing: &Thing) -> bool {
    matches!(thing, Thing::Crd(..) | Thing::Store(..) | Thing::Issuer(..))
}

fn text<'a>(node: Option<&'a Node>, path: &[&str]) -> Option<&'a str> {
    let mut node = node?;
    for key in path {
        node = node.get(key)?;
    }
    node.as_str()
}

fn folder(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Where an Application comes in its group: the group (one app-of-apps' children, one
/// ApplicationSet) and its rank there (wave or step).
#[derive(Debug, Clone)]
struct Installer {
    name: String,
    group: String,
    rank: i64,
    /// "wave 1", "step 2".
    at: String,
    files: BTreeSet<String>,
}

/// The rule, over the Argo CD documents, with what the files provide and need.
/// Every Application lint can see (manifests, and what ApplicationSets generate), with
/// what it installs, and which Application installs each file.
pub(super) struct Tree {
    installers: Vec<Installer>,
    parent_of: BTreeMap<String, String>,
}

impl Tree {
    /// The group an Argo CD document of `file` is ordered in: the children of the
    /// Application that installs the file (an app-of-apps), else the file's folder;
    /// sync-waves mean something only inside one group.
    pub(super) fn group_of(&self, file: &str) -> String {
        let file = normalize_name(file);
        match self.parent_of.get(&file) {
            Some(parent) => format!("the children of `{parent}`"),
            None => format!("the Applications in `{}`", folder(&file)),
        }
    }
}

/// Builds the [`Tree`] of the documents.
pub(super) fn tree(docs: &[Doc<'_>], resources: &Resources, checkouts: &[Checkout<'_>]) -> Tree {
    let folders_of = |sources: &mut dyn Iterator<Item = (String, String, bool)>| {
        let mut files = BTreeSet::new();
        for (url, path, recurse) in sources {
            for checkout in checkouts.iter().filter(|c| c.is(&url)) {
                let root = normalize_name(&checkout.root);
                let dir = join(&root, &path);
                files.extend(resources.installed(&dir, recurse));
            }
        }
        files
    };
    // Application manifests first (their parents are found among them), then the
    // Applications ApplicationSets generate.
    let mut installers: Vec<Installer> = Vec::new();
    let mut generated: Vec<Installer> = Vec::new();
    let mut manifests: Vec<&Doc<'_>> = Vec::new();
    for doc in docs.iter().filter(|d| d.is_argo()) {
        match doc.kind() {
            Some("Application") => {
                let sources = crate::generate::sources(doc.node.get("spec"))
                    .into_iter()
                    .filter_map(|s| {
                        let recurse = s
                            .get("directory")
                            .and_then(|d| d.get("recurse"))
                            .is_some_and(|r| r.value == Value::Bool(true));
                        Some((
                            text(Some(s), &["repoURL"])?.to_owned(),
                            text(Some(s), &["path"])?.to_owned(),
                            recurse,
                        ))
                    })
                    .collect::<Vec<_>>();
                let wave = doc.wave().and_then(|(_, w)| w).unwrap_or(0);
                installers.push(Installer {
                    name: doc.name().to_owned(),
                    group: String::new(),
                    rank: wave,
                    at: format!("wave {wave}"),
                    files: folders_of(&mut sources.into_iter()),
                });
                manifests.push(doc);
            }
            Some("ApplicationSet") => {
                let Some(Generation::Apps(apps, _)) = &doc.generated else {
                    continue;
                };
                let strategy = doc.node.get("spec").and_then(|s| s.get("strategy"));
                let rolling = doc.is_rolling_sync();
                let parsed: Vec<_> = strategy
                    .and_then(steps)
                    .unwrap_or_default()
                    .iter()
                    .map(parse_step)
                    .collect();
                for app in apps {
                    let (rank, at) = if rolling {
                        match parsed.iter().position(|s| selects(s, app)) {
                            Some(i) => (
                                i64::try_from(i).unwrap_or(i64::MAX),
                                format!("step {}", i + 1),
                            ),
                            None => continue,
                        }
                    } else {
                        (0, "all at once".to_owned())
                    };
                    generated.push(Installer {
                        name: app.name.clone(),
                        group: format!("ApplicationSet `{}` ({})", doc.name(), doc.file),
                        rank,
                        at,
                        files: folders_of(
                            &mut app
                                .sources
                                .iter()
                                .map(|(u, p)| (u.clone(), p.clone(), false)),
                        ),
                    });
                }
            }
            _ => {}
        }
    }
    // An Application manifest's group: the Application that installs its file (its
    // app-of-apps parent), else its folder.
    let parent_of: BTreeMap<String, String> = installers
        .iter()
        .chain(&generated)
        .flat_map(|i| i.files.iter().map(move |f| (f.clone(), i.name.clone())))
        .collect();
    let mut tree = Tree {
        installers: Vec::new(),
        parent_of,
    };
    for (installer, doc) in installers.iter_mut().zip(&manifests) {
        installer.group = tree.group_of(doc.file);
    }
    installers.extend(generated);
    tree.installers = installers;
    tree
}

/// The rule, over the [`Tree`], with what the files provide and need.
pub(super) fn lint(tree: &Tree, resources: &Resources, findings: &mut Vec<Finding>) {
    let installers = &tree.installers;
    // Who provides each thing.
    let mut providers: BTreeMap<&Thing, Vec<usize>> = BTreeMap::new();
    for (i, installer) in installers.iter().enumerate() {
        for f in &installer.files {
            for p in resources.provides(f).iter().filter(|p| checked(&p.thing)) {
                providers.entry(&p.thing).or_default().push(i);
            }
        }
    }
    let provided_anywhere: BTreeSet<&Thing> = resources.provided().map(|p| &p.thing).collect();
    let mut said = BTreeSet::new();
    for (c, consumer) in installers.iter().enumerate() {
        for f in &consumer.files {
            for need in resources.needs(f).iter().filter(|n| checked(&n.thing)) {
                if !said.insert((c, &need.thing)) {
                    continue;
                }
                let by: Vec<&Installer> = providers
                    .get(&need.thing)
                    .into_iter()
                    .flatten()
                    .map(|&p| &installers[p])
                    .collect();
                if by.iter().any(|p| std::ptr::eq(*p, consumer)) {
                    continue;
                }
                if by.is_empty() {
                    if provided_anywhere.contains(&need.thing) {
                        // In a file no Application lint can see installs: unknown.
                        continue;
                    }
                    findings.push(finding_at(
                        need,
                        super::rules::Severity::Note,
                        format!(
                            "{} (installed by Application `{}`) needs {}, which no Application among the inputs installs: if one does (a Helm chart, another repository), it must come before `{}`",
                            need.what, consumer.name, need.thing.describe(), consumer.name
                        ),
                        "make sure what installs it syncs first (an earlier wave or step), or lint the repository that holds it too".into(),
                    ));
                    continue;
                }
                let siblings: Vec<&&Installer> =
                    by.iter().filter(|p| p.group == consumer.group).collect();
                if siblings.is_empty() || siblings.iter().any(|p| p.rank < consumer.rank) {
                    continue;
                }
                let p = siblings[0];
                let when = if p.rank == consumer.rank {
                    format!("syncs `{}` and `{}` at once", consumer.name, p.name)
                } else {
                    format!("syncs `{}` first", consumer.name)
                };
                findings.push(finding_at(
                    need,
                    super::rules::Severity::Warning,
                    format!(
                        "{} (installed by Application `{}`, {}) needs {}, which Application `{}` installs ({}): among {}, Argo CD {when}, and the sync of `{}` fails until `{}` is up",
                        need.what, consumer.name, consumer.at, need.thing.describe(), p.name, p.at, consumer.group, consumer.name, p.name
                    ),
                    format!("move `{}` to an earlier wave or step than `{}` (in ladder: `dependsOn: [{}]`)", p.name, consumer.name, p.name),
                ));
            }
        }
    }
}

fn finding_at(
    need: &Need,
    severity: super::rules::Severity,
    message: String,
    help: String,
) -> Finding {
    let mut f = Finding::new(
        crate::diagnostic::Diagnostic::new(&need.file, need.pos, message)
            .help(help)
            .rule(&"dependency-order"),
    );
    f.severity = severity;
    f
}
