//! Kustomize trees that change Argo CD resources (a patch, a name suffix, a common
//! annotation on Applications): which to build, and the built documents as files to
//! lint in place of the files they came from. Pure: the CLI runs `kustomize build` for
//! each [`Build`] (with `buildMetadata: [originAnnotations]`, so every built document
//! says which file it came from) and gives the output back to [`built`].
//!
//! A build is made of each kustomization no other linted kustomization includes (a
//! root, as an Application's path names it), when its tree holds a file with Argo CD
//! resources and transforms something (any field but `resources` and `bases`); a tree
//! with a resource that is neither a linted file nor a kustomization is not built: it may
//! be remote, and kustomize would fetch it. Argo CD applies what
//! the build prints, never the files alone, so those files are linted as built, once
//! per root that builds them.

use std::collections::{BTreeMap, BTreeSet};

use crate::load::yaml::{self, Node, Value};

/// One `kustomize build` to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    /// The root kustomization's folder, as the CLI names files.
    pub dir: String,
    /// Its kustomization file.
    pub file: String,
    /// The linted files with Argo CD resources its tree includes: linted as built.
    pub consumed: Vec<String>,
}

/// The origin annotation kustomize adds with `originAnnotations`.
pub const ORIGIN: &str = "config.kubernetes.io/origin";

/// The kustomize builds the files call for.
pub fn builds(files: &[(String, String)]) -> Vec<Build> {
    let names: BTreeMap<String, &str> = files
        .iter()
        .map(|(n, t)| (normalize(n), t.as_str()))
        .collect();
    let mut kustomizations: BTreeMap<String, (String, Node)> = BTreeMap::new();
    for (name, text) in files {
        if !is_kustomization(name) {
            continue;
        }
        if let Ok(node) = yaml::parse(name, text) {
            kustomizations.insert(normalize(parent(name)), (name.clone(), node));
        }
    }
    let mut included = BTreeSet::new();
    for (dir, (_, k)) in &kustomizations {
        for entry in entries(k) {
            included.insert(join(dir, entry));
        }
    }
    let mut builds = Vec::new();
    for (dir, (file, _)) in &kustomizations {
        if included.contains(dir) {
            continue;
        }
        let mut tree = Tree::default();
        tree.walk(dir, &kustomizations, &names);
        if tree.remote || !tree.transforms || tree.consumed.is_empty() {
            continue;
        }
        let consumed = files
            .iter()
            .filter(|(n, _)| tree.consumed.contains(&normalize(n)))
            .map(|(n, _)| n.clone())
            .collect();
        builds.push(Build {
            dir: parent(file).to_owned(),
            file: file.clone(),
            consumed,
        });
    }
    builds
}

/// What a root's tree holds.
#[derive(Default)]
struct Tree {
    seen: BTreeSet<String>,
    consumed: BTreeSet<String>,
    remote: bool,
    transforms: bool,
}

impl Tree {
    fn walk(
        &mut self,
        dir: &str,
        kustomizations: &BTreeMap<String, (String, Node)>,
        names: &BTreeMap<String, &str>,
    ) {
        if !self.seen.insert(dir.to_owned()) {
            return;
        }
        let Some((_, k)) = kustomizations.get(dir) else {
            return;
        };
        if let Value::Map(fields) = &k.value {
            self.transforms |= fields.iter().any(|(key, _)| {
                !matches!(
                    key.as_str(),
                    Some("apiVersion" | "kind" | "metadata" | "resources" | "bases")
                )
            });
        }
        for entry in entries(k) {
            let path = join(dir, entry);
            if kustomizations.contains_key(&path) {
                self.walk(&path, kustomizations, names);
            } else if let Some(text) = names.get(&path) {
                if text.contains("apiVersion: argoproj.io/") {
                    self.consumed.insert(path);
                }
            } else {
                // Neither a linted file nor a kustomization: a remote base, or one that
                // kustomize would try as a URL when no such folder exists.
                self.remote = true;
            }
        }
    }
}

/// The built documents that came from the consumed files, grouped per file and named
/// `FILE (kustomize build DIR)`, without the origin annotation. `origin` maps an
/// origin path (as kustomize wrote it) to the linted file's name.
pub fn built(
    build: &Build,
    output: &str,
    origin: &dyn Fn(&str) -> Option<String>,
) -> Vec<(String, String)> {
    let mut parts: Vec<(String, String)> = Vec::new();
    for document in output.split("\n---\n") {
        let Some((from, text)) = without_origin(document) else {
            continue;
        };
        let Some(file) = origin(&from).filter(|f| build.consumed.contains(f)) else {
            continue;
        };
        let name = format!("{file} (kustomize build {})", build.dir);
        match parts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, all)) => {
                all.push_str("---\n");
                all.push_str(&text);
            }
            None => parts.push((name, text)),
        }
    }
    parts
}

/// A built document's origin path, and its text without the annotation.
fn without_origin(document: &str) -> Option<(String, String)> {
    let mut text = String::new();
    let mut from = None;
    let mut skip_deeper: Option<usize> = None;
    for line in document.lines() {
        let indent = line.len() - line.trim_start().len();
        if let Some(at) = skip_deeper {
            if indent > at && !line.trim().is_empty() {
                if let Some(path) = line.trim().strip_prefix("path: ") {
                    from.get_or_insert_with(|| path.trim().to_owned());
                }
                continue;
            }
            skip_deeper = None;
        }
        if let Some(rest) = line.trim_start().strip_prefix(&format!("{ORIGIN}:")) {
            let rest = rest.trim();
            if rest.starts_with('|') {
                skip_deeper = Some(indent);
            } else if let Some(path) = rest.strip_prefix("path: ") {
                from = Some(path.trim().to_owned());
            }
            continue;
        }
        text.push_str(line);
        text.push('\n');
    }
    from.map(|f| (f, text))
}

/// The `resources`, `bases` and `components` entries of a kustomization.
fn entries(k: &Node) -> Vec<&str> {
    ["resources", "bases", "components"]
        .iter()
        .filter_map(|key| match &k.get(key)?.value {
            Value::Seq(items) => Some(items.iter().filter_map(Node::as_str).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn is_kustomization(name: &str) -> bool {
    matches!(
        name.rsplit(['/', '\\']).next(),
        Some("kustomization.yaml" | "kustomization.yml" | "Kustomization")
    )
}

fn parent(name: &str) -> &str {
    match name.rfind(['/', '\\']) {
        Some(at) => &name[..at],
        None => ".",
    }
}

/// `rel` under `dir`, normalized.
fn join(dir: &str, rel: &str) -> String {
    normalize(&format!("{dir}/{rel}"))
}

/// A path with `.` and `..` worked out and `/` separators (`a/./b/../c` is `a/c`).
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if path.starts_with('/') {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_owned()
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<(String, String)> {
        [
            ("./apps/base/app.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"),
            ("./apps/base/kustomization.yaml", "resources: [app.yaml]\n"),
            ("./apps/prod/kustomization.yaml", "resources: [../base]\nnameSuffix: -prod\n"),
            ("./apps/dev/kustomization.yaml", "resources: [../base]\n"),
            ("./remote/kustomization.yaml", "resources: [https://github.com/a/b//x?ref=v1, ../apps/base/app.yaml]\nnamespace: x\n"),
        ]
        .into_iter()
        .map(|(n, t)| (n.to_owned(), t.to_owned()))
        .collect()
    }

    #[test]
    fn roots_that_transform_argo_cd_resources_are_built() {
        let builds = builds(&files());
        assert_eq!(builds.len(), 1, "{builds:?}");
        assert_eq!(builds[0].dir, "./apps/prod");
        assert_eq!(builds[0].consumed, ["./apps/base/app.yaml"]);
    }

    #[test]
    fn built_documents_are_named_after_their_origin() {
        let build = &builds(&files())[0];
        let out = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  annotations:\n    config.kubernetes.io/origin: |\n      path: ../x/apps/base/app.yaml\n  name: web-prod\n---\nkind: ConfigMap\nmetadata:\n  annotations:\n    config.kubernetes.io/origin: |\n      configuredIn: kustomization.yaml\n";
        let parts = built(build, out, &|p| {
            (p == "../x/apps/base/app.yaml").then(|| "./apps/base/app.yaml".to_owned())
        });
        assert_eq!(parts.len(), 1);
        assert_eq!(
            parts[0].0,
            "./apps/base/app.yaml (kustomize build ./apps/prod)"
        );
        assert!(!parts[0].1.contains("origin"), "{}", parts[0].1);
        assert!(parts[0].1.contains("name: web-prod"));
    }

    #[test]
    fn paths_normalize() {
        assert_eq!(normalize("./a/./b/../c"), "a/c");
        assert_eq!(normalize("../a"), "../a");
        assert_eq!(normalize("/x/../y"), "/y");
        assert_eq!(normalize("."), ".");
    }
}
