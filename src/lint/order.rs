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
use crate::diagnostic::Pos;
use crate::generate::{Checkout, Generation};
use crate::load::yaml::{Node, Value};

/// What one resource provides or needs, as the rule matches them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Thing {
    /// A CRD: (group, kind).
    Crd(String, String),
    /// A SecretStore (namespace, name) or, with no namespace, a ClusterSecretStore.
    Store(Option<String>, String),
    /// A cert-manager Issuer (namespace, name) or, with no namespace, a ClusterIssuer.
    Issuer(Option<String>, String),
}

impl Thing {
    fn describe(&self) -> String {
        match self {
            Thing::Crd(group, kind) => format!("the CRD of `{kind}` (`{group}`)"),
            Thing::Store(Some(_), name) => format!("SecretStore `{name}`"),
            Thing::Store(None, name) => format!("ClusterSecretStore `{name}`"),
            Thing::Issuer(Some(_), name) => format!("Issuer `{name}`"),
            Thing::Issuer(None, name) => format!("ClusterIssuer `{name}`"),
        }
    }
}

/// A need of one resource: what, and where it is written.
#[derive(Debug, Clone)]
struct Need {
    thing: Thing,
    /// The resource, e.g. "Certificate `web-tls`".
    what: String,
    file: String,
    pos: Pos,
}

/// What every linted file provides and needs, and what kustomizations list; read from
/// all files, Argo CD's or not, before the rules run.
#[derive(Debug, Default)]
pub(super) struct Resources {
    /// Normalized file name → what its documents provide and need.
    provides: BTreeMap<String, Vec<Thing>>,
    needs: BTreeMap<String, Vec<Need>>,
    /// Every linted file, normalized.
    files: BTreeSet<String>,
    /// Folder → the local entries of its kustomization's `resources` and `components`.
    kustomizations: BTreeMap<String, Vec<String>>,
    /// Folders that hold a `Chart.yaml`.
    charts: BTreeSet<String>,
}

/// Kubernetes' own API groups (no CRD installs them); a group without a dot is one too.
const BUILT_IN: &[&str] = &[
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "metrics.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
];

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

/// `rel` under the folder `dir` (`` for the root), normalized.
pub(super) fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        normalize_name(rel)
    } else {
        normalize_name(&format!("{dir}/{rel}"))
    }
}

impl Resources {
    /// Reads every document of every file (name as given, documents).
    pub(super) fn scan(files: &[(&str, &[Node])]) -> Self {
        let mut r = Resources::default();
        for (given, docs) in files {
            let file = normalize_name(given);
            let name = file.rsplit('/').next().unwrap_or(&file);
            if name == "Chart.yaml" {
                r.charts.insert(folder(&file).to_owned());
            }
            for doc in *docs {
                if matches!(
                    name,
                    "kustomization.yaml" | "kustomization.yml" | "Kustomization"
                ) && doc.get("apiVersion").is_none_or(|a| {
                    a.as_str()
                        .is_some_and(|a| a.starts_with("kustomize.config.k8s.io"))
                }) {
                    let entries = ["resources", "components", "bases"]
                        .iter()
                        .filter_map(|k| match doc.get(k).map(|n| &n.value) {
                            Some(Value::Seq(items)) => Some(items),
                            _ => None,
                        })
                        .flatten()
                        .filter_map(Node::as_str)
                        .filter(|e| !e.contains("://") && !e.starts_with("git@"))
                        .map(|e| join(folder(&file), e))
                        .collect();
                    r.kustomizations.insert(folder(&file).to_owned(), entries);
                    continue;
                }
                r.document(&file, given, doc);
            }
            r.files.insert(file);
        }
        r
    }

    fn document(&mut self, file: &str, given: &str, doc: &Node) {
        let Some(api) = text(Some(doc), &["apiVersion"]) else {
            return;
        };
        let Some(kind) = text(Some(doc), &["kind"]) else {
            return;
        };
        let group = api.rsplit_once('/').map_or("", |(g, _)| g);
        let name = text(Some(doc), &["metadata", "name"]).unwrap_or_default();
        let namespace = text(Some(doc), &["metadata", "namespace"]).map(str::to_owned);
        let spec = doc.get("spec");
        let mut provides = Vec::new();
        match (group, kind) {
            ("apiextensions.k8s.io", "CustomResourceDefinition") => {
                if let (Some(g), Some(k)) = (text(spec, &["group"]), text(spec, &["names", "kind"]))
                {
                    provides.push(Thing::Crd(g.to_owned(), k.to_owned()));
                }
            }
            ("external-secrets.io", "SecretStore") => {
                provides.push(Thing::Store(
                    Some(namespace.clone().unwrap_or_default()),
                    name.to_owned(),
                ));
            }
            ("external-secrets.io", "ClusterSecretStore") => {
                provides.push(Thing::Store(None, name.to_owned()));
            }
            ("cert-manager.io", "Issuer") => {
                provides.push(Thing::Issuer(
                    Some(namespace.clone().unwrap_or_default()),
                    name.to_owned(),
                ));
            }
            ("cert-manager.io", "ClusterIssuer") => {
                provides.push(Thing::Issuer(None, name.to_owned()));
            }
            _ => {}
        }
        self.provides
            .entry(file.to_owned())
            .or_default()
            .extend(provides);
        let what = format!("{kind} `{name}`");
        let mut needs = Vec::new();
        let argo_cd_own = group == "argoproj.io"
            && matches!(kind, "Application" | "ApplicationSet" | "AppProject");
        let custom = group.contains('.')
            && !BUILT_IN.contains(&group)
            && !group.ends_with(".openshift.io")
            && !argo_cd_own;
        if custom {
            let pos = doc.get("kind").map_or(doc.pos, |k| k.pos);
            needs.push((Thing::Crd(group.to_owned(), kind.to_owned()), pos));
        }
        let reference = |key: &str| spec.and_then(|s| s.get(key));
        match (group, kind) {
            ("external-secrets.io", "ExternalSecret") => {
                if let Some(r) = reference("secretStoreRef")
                    && let Some(store) = text(Some(r), &["name"])
                {
                    let cluster = text(Some(r), &["kind"]) == Some("ClusterSecretStore");
                    let ns = (!cluster).then(|| namespace.clone().unwrap_or_default());
                    needs.push((Thing::Store(ns, store.to_owned()), r.pos));
                }
            }
            ("cert-manager.io", "Certificate") => {
                if let Some(r) = reference("issuerRef")
                    && let Some(issuer) = text(Some(r), &["name"])
                    && text(Some(r), &["group"]).is_none_or(|g| g == "cert-manager.io")
                {
                    let cluster = text(Some(r), &["kind"]) == Some("ClusterIssuer");
                    let ns = (!cluster).then(|| namespace.clone().unwrap_or_default());
                    needs.push((Thing::Issuer(ns, issuer.to_owned()), r.pos));
                }
            }
            ("networking.k8s.io", "Ingress") => {
                // cert-manager's ingress-shim annotations.
                let annotations = doc.get("metadata").and_then(|m| m.get("annotations"));
                for (key, cluster) in [
                    ("cert-manager.io/cluster-issuer", true),
                    ("cert-manager.io/issuer", false),
                ] {
                    if let Some(a) = annotations.and_then(|a| a.get(key))
                        && let Some(issuer) = a.as_str()
                    {
                        let ns = (!cluster).then(|| namespace.clone().unwrap_or_default());
                        needs.push((Thing::Issuer(ns, issuer.to_owned()), a.pos));
                    }
                }
            }
            _ => {}
        }
        self.needs
            .entry(file.to_owned())
            .or_default()
            .extend(needs.into_iter().map(|(thing, pos)| Need {
                thing,
                what: what.clone(),
                file: given.to_owned(),
                pos,
            }));
    }

    /// The files a source path installs (normalized folder), as described above.
    fn installed(
        &self,
        dir: &str,
        recurse: bool,
        out: &mut BTreeSet<String>,
        seen: &mut BTreeSet<String>,
    ) {
        if !seen.insert(dir.to_owned()) {
            return;
        }
        if let Some(entries) = self.kustomizations.get(dir) {
            for entry in entries {
                if self.files.contains(entry) {
                    out.insert(entry.clone());
                } else {
                    self.installed(entry, false, out, seen);
                }
            }
            return;
        }
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let (within, crds) = if self.charts.contains(dir) {
            (format!("{prefix}crds/"), true)
        } else {
            (prefix, false)
        };
        for f in self
            .files
            .range(within.clone()..)
            .take_while(|f| f.starts_with(&within))
        {
            let rest = &f[within.len()..];
            if recurse || crds || !rest.contains('/') {
                out.insert(f.clone());
            }
        }
    }
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
                resources.installed(&dir, recurse, &mut files, &mut BTreeSet::new());
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
            for thing in resources.provides.get(f).into_iter().flatten() {
                providers.entry(thing).or_default().push(i);
            }
        }
    }
    let provided_anywhere: BTreeSet<&Thing> = resources.provides.values().flatten().collect();
    let mut said = BTreeSet::new();
    for (c, consumer) in installers.iter().enumerate() {
        for f in &consumer.files {
            for need in resources.needs.get(f).into_iter().flatten() {
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
