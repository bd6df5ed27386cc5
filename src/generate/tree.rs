//! The Applications a tree of Argo CD manifests makes: its Application manifests, and
//! the Applications each ApplicationSet generates ([`super::applications`]), each with
//! its place in the rollout (sync-wave, then RollingSync step) and the group that
//! place is compared in (the folder of the manifests: one app-of-apps' children). Read by
//! `ladder compare` and `ladder import`.

use std::collections::BTreeMap;

use super::Checkout;
use crate::diagnostic::{Diagnostic, Pos};
use crate::load::yaml::{Node, Value};

/// The sync-wave annotation.
pub const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";

/// One Application as Argo CD would create it, and where it comes.
#[derive(Debug, Clone)]
pub struct Made {
    pub name: String,
    /// The file of its manifest or of its ApplicationSet, and that document's position.
    pub file: String,
    pub pos: Pos,
    /// The Application (rendered, for a generated one).
    pub node: Node,
    pub labels: BTreeMap<String, String>,
    /// What its order is compared among: the folder of its manifest or ApplicationSet
    /// (an app-of-apps' children, whose waves order the ApplicationSets among them).
    pub group: String,
    /// (sync-wave, RollingSync step from 1; 0 without steps, `i64::MAX` in none).
    pub key: (i64, i64),
    /// Where it comes, for messages: "wave 1", "step 3".
    pub at: String,
    /// Whether a RollingSync strategy syncs it (the controller then ignores selfHeal).
    pub rolling_sync: bool,
    /// The ApplicationSet that generates it, if one does.
    pub appset: Option<String>,
    /// The label keys its ApplicationSet's RollingSync steps select on, sorted.
    pub step_keys: Vec<String>,
    /// The namespace it is created in, where the manifests say.
    pub namespace: Option<String>,
    /// Generated without finalizers of its own while its ApplicationSet does not
    /// preserve resources on deletion: the controller then gives it
    /// `resources-finalizer.argocd.argoproj.io` (v3.5.1 `applicationset/utils/utils.go`,
    /// argocd-semantics.md §4).
    pub implied_finalizer: bool,
    /// Its RollingSync step's `maxUpdate`, where the step sets one.
    pub max_update: Option<serde_json::Value>,
    /// Its ApplicationSet's `spec.syncPolicy`.
    pub appset_policy: Option<serde_json::Value>,
}

/// The finalizer that makes deleting an Application delete its resources.
pub const RESOURCES_FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";

/// Each RollingSync step's `maxUpdate`, where set.
fn max_updates(appset: &Node) -> Vec<Option<serde_json::Value>> {
    let steps = appset
        .get("spec")
        .and_then(|s| s.get("strategy"))
        .and_then(|s| s.get("rollingSync"))
        .and_then(|r| r.get("steps"));
    match steps.map(|s| &s.value) {
        Some(Value::Seq(items)) => items
            .iter()
            .map(|step| step.get("maxUpdate").map(Node::to_json))
            .collect(),
        _ => Vec::new(),
    }
}

/// The Applications of a tree, in the order of its files and documents.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    pub apps: Vec<Made>,
    /// Place and why, for each ApplicationSet that could not be evaluated.
    pub not_evaluated: Vec<(String, Pos, String)>,
    /// Whether an `argocd-cm` among the files gives Applications a health check, without
    /// which an app-of-apps' waves do not wait for its children to be healthy.
    pub application_health: bool,
    /// The AppProjects among the files, with their files.
    pub projects: Vec<(String, Node)>,
    /// The `argocd-cm` ConfigMaps among the files, with their files.
    pub settings: Vec<(String, Node)>,
}

/// Whether `doc` is Argo CD's `argocd-cm` ConfigMap.
fn is_argocd_cm(doc: &Node) -> bool {
    doc.get("kind").and_then(Node::as_str) == Some("ConfigMap")
        && doc
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::as_str)
            == Some("argocd-cm")
}

/// Whether `doc` is an `argocd-cm` with a health check for Applications: the key
/// `resource.customizations.health.argoproj.io_Application`, or the older
/// `resource.customizations` block naming `argoproj.io/Application` with a `health.lua`
/// (argocd-semantics.md §3).
pub fn application_health(doc: &Node) -> bool {
    let is_cm = is_argocd_cm(doc);
    let data = doc.get("data");
    is_cm
        && (data
            .and_then(|d| d.get("resource.customizations.health.argoproj.io_Application"))
            .is_some()
            || data
                .and_then(|d| d.get("resource.customizations"))
                .and_then(Node::as_str)
                .is_some_and(|t| t.contains("argoproj.io/Application") && t.contains("health.lua")))
}

/// Reads the Applications of `files` (path, text), git generators reading
/// `checkouts`. Files that are not YAML are errors.
pub fn read(
    files: &[(String, String)],
    checkouts: &[Checkout<'_>],
) -> Result<Tree, Vec<Diagnostic>> {
    let (tree, problems) = read_all(files, checkouts);
    if problems.is_empty() {
        Ok(tree)
    } else {
        Err(problems)
    }
}

/// Reads the Applications of the `files` that are YAML, and the problems of the others.
pub fn read_all(files: &[(String, String)], checkouts: &[Checkout<'_>]) -> (Tree, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let mut tree = Tree::default();
    for (file, text) in files {
        let docs = match crate::load::yaml::parse_all(file, text) {
            Ok(docs) => docs,
            Err(d) => {
                problems.push(d);
                continue;
            }
        };
        let group = file.rfind('/').map_or(".", |i| &file[..i]).to_owned();
        for doc in &docs {
            let kind = doc.get("kind").and_then(Node::as_str);
            let argo = doc
                .get("apiVersion")
                .and_then(Node::as_str)
                .is_some_and(|v| v.starts_with("argoproj.io/"));
            if !argo {
                if application_health(doc) {
                    tree.application_health = true;
                }
                if is_argocd_cm(doc) {
                    tree.settings.push((file.clone(), doc.clone()));
                }
                continue;
            }
            match kind {
                Some("Application") => {
                    let wave = wave(doc);
                    let at = format!("wave {wave}");
                    tree.apps
                        .push(made(doc, file, &group, (wave, 0), at, false, None));
                }
                Some("AppProject") => tree.projects.push((file.clone(), doc.clone())),
                Some("ApplicationSet") => {
                    let name = doc
                        .get("metadata")
                        .and_then(|m| m.get("name"))
                        .and_then(Node::as_str)
                        .unwrap_or("");
                    let generated = match super::applications(doc, checkouts) {
                        Ok(apps) => apps,
                        Err((pos, why)) => {
                            tree.not_evaluated.push((
                                file.clone(),
                                pos,
                                format!("ApplicationSet `{name}`: {why}"),
                            ));
                            continue;
                        }
                    };
                    let steps = super::steps::read(doc);
                    let max_updates = max_updates(doc);
                    let appset_policy = doc
                        .get("spec")
                        .and_then(|s| s.get("syncPolicy"))
                        .map(Node::to_json);
                    let preserve = appset_policy
                        .as_ref()
                        .and_then(|p| p.get("preserveResourcesOnDeletion"))
                        .and_then(serde_json::Value::as_bool)
                        == Some(true);
                    let mut step_keys: Vec<String> = steps
                        .iter()
                        .flat_map(|s| s.exprs.iter().map(|e| e.key.clone()))
                        .collect();
                    step_keys.sort();
                    step_keys.dedup();
                    let namespace = doc
                        .get("metadata")
                        .and_then(|m| m.get("namespace"))
                        .and_then(Node::scalar_text);
                    let wave = wave(doc);
                    for generated in &generated {
                        let labels =
                            string_map(generated.get("metadata").and_then(|m| m.get("labels")));
                        let step = steps.iter().position(|s| super::steps::selects(s, &labels));
                        let max_update = step.and_then(|i| max_updates.get(i)).cloned().flatten();
                        // An ApplicationSet's wave is worth saying only where it is set.
                        let waved = |what: String| {
                            if wave == 0 {
                                what
                            } else {
                                format!("wave {wave}, {what}")
                            }
                        };
                        let (step, at) = match step {
                            Some(i) => (
                                i64::try_from(i).unwrap_or(i64::MAX) + 1,
                                waved(format!("step {}", i + 1)),
                            ),
                            None if steps.is_empty() => (0, format!("wave {wave}")),
                            None => (i64::MAX, waved("in no step".into())),
                        };
                        let mut one = made(
                            generated,
                            file,
                            &group,
                            (wave, step),
                            at,
                            !steps.is_empty(),
                            Some(name),
                        );
                        one.pos = doc.pos;
                        one.step_keys.clone_from(&step_keys);
                        one.implied_finalizer = !preserve
                            && generated
                                .get("metadata")
                                .and_then(|m| m.get("finalizers"))
                                .is_none();
                        one.max_update = max_update;
                        one.appset_policy.clone_from(&appset_policy);
                        // Created in the ApplicationSet's namespace unless the template
                        // names one.
                        if one.namespace.is_none() {
                            one.namespace.clone_from(&namespace);
                        }
                        tree.apps.push(one);
                    }
                }
                _ => {}
            }
        }
    }
    (tree, problems)
}

/// One Application's entry.
fn made(
    node: &Node,
    file: &str,
    group: &str,
    key: (i64, i64),
    at: String,
    rolling_sync: bool,
    appset: Option<&str>,
) -> Made {
    let metadata = node.get("metadata");
    Made {
        name: metadata
            .and_then(|m| m.get("name"))
            .and_then(Node::scalar_text)
            .unwrap_or_default(),
        file: file.to_owned(),
        pos: node.pos,
        node: node.clone(),
        labels: string_map(metadata.and_then(|m| m.get("labels"))),
        group: group.to_owned(),
        key,
        at,
        rolling_sync,
        appset: appset.map(str::to_owned),
        step_keys: Vec::new(),
        namespace: metadata
            .and_then(|m| m.get("namespace"))
            .and_then(Node::scalar_text),
        implied_finalizer: false,
        max_update: None,
        appset_policy: None,
    }
}

/// A mapping of scalars as strings (labels, annotations).
pub fn string_map(node: Option<&Node>) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    if let Some(Node {
        value: Value::Map(entries),
        ..
    }) = node
    {
        for (k, v) in entries {
            if let (Some(k), Some(v)) = (k.key_text(), v.scalar_text()) {
                map.insert(k, v);
            }
        }
    }
    map
}

/// A manifest's sync-wave (0 when unset or not an integer).
pub fn wave(doc: &Node) -> i64 {
    string_map(doc.get("metadata").and_then(|m| m.get("annotations")))
        .get(SYNC_WAVE)
        .and_then(|w| w.trim().parse().ok())
        .unwrap_or(0)
}
