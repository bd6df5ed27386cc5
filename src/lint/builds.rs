//! Kustomize trees that change Argo CD resources (a patch, a name suffix, a common
//! annotation on Applications): which to build, and the built documents as files to
//! lint in place of the files they came from. Pure: the CLI runs `kustomize build` for
//! each [`Build`] (with `buildMetadata: [originAnnotations]`, so every built document
//! says which file it came from) and gives the output back to [`built`].
//!
//! A build is made of each kustomization no other linted kustomization includes (a
//! root, as an Application's path names it), when its tree holds a file with Argo CD
//! resources and transforms something (any field but `resources` and `bases`). A tree is
//! not built, and says why, when a kustomization in it has a field that runs or fetches
//! something (`generators`, `transformers`, `helmCharts`…), reads a file outside its own
//! folder or by URL (kustomize's default load restrictor, which Argo CD keeps, refuses
//! the first), or includes what is neither a linted file nor a kustomization (it may be
//! remote: kustomize would fetch it). Argo CD applies what
//! the build prints, never the files alone, so those files are linted as built, once
//! per root that builds them.

use std::collections::{BTreeMap, BTreeSet};

use super::path::{is_kustomization, parent};
use super::settings::normalize_name as normalize;
use crate::evidence::join;
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
    /// The other files the build reads (the CLI checks that none leaves the repository).
    pub reads: Vec<String>,
    /// Why it is not built, when it is not: a field that runs or fetches something, a
    /// file outside a kustomization's folder, a resource that may be remote.
    pub refused: Option<String>,
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
        if !tree.transforms || tree.consumed.is_empty() {
            continue;
        }
        let named = |set: &BTreeSet<String>| -> Vec<String> {
            files
                .iter()
                .filter(|(n, _)| set.contains(&normalize(n)))
                .map(|(n, _)| n.clone())
                .collect()
        };
        let mut reads = named(&tree.reads);
        // Files the build reads that lint was not given (a patch that is not YAML).
        reads.extend(
            tree.reads
                .iter()
                .filter(|r| !names.contains_key(*r))
                .cloned(),
        );
        builds.push(Build {
            dir: parent(file).to_owned(),
            file: file.clone(),
            consumed: named(&tree.consumed),
            reads,
            refused: tree.refused,
        });
    }
    builds
}

/// What a root's tree holds.
#[derive(Default)]
struct Tree {
    seen: BTreeSet<String>,
    consumed: BTreeSet<String>,
    /// Every other file the build reads (patches, generators' files).
    reads: BTreeSet<String>,
    /// Why ladder does not build it, when it does not.
    refused: Option<String>,
    transforms: bool,
}

/// The fields a kustomization may have for ladder to build it: the rest run or fetch
/// what lint should not (`generators`, `transformers`, `helmCharts`, …).
const BUILDS: [&str; 23] = [
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "bases",
    "components",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "images",
    "replicas",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "replacements",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "sortOptions",
    "buildMetadata",
];

impl Tree {
    fn refuse(&mut self, why: String) {
        self.refused.get_or_insert(why);
    }

    /// Walks the kustomizations a root includes (iteratively: a chain may be long).
    fn walk(
        &mut self,
        root: &str,
        kustomizations: &BTreeMap<String, (String, Node)>,
        names: &BTreeMap<String, &str>,
    ) {
        let mut stack = vec![root.to_owned()];
        while let Some(dir) = stack.pop() {
            if !self.seen.insert(dir.clone()) {
                continue;
            }
            let Some((file, k)) = kustomizations.get(&dir) else {
                continue;
            };
            self.fields(file, k);
            for entry in entries(k) {
                let path = join(&dir, entry);
                if is_url(entry) {
                    self.refuse(format!(
                        "`{file}` includes `{entry}`, which kustomize may fetch (nothing is fetched)"
                    ));
                } else if kustomizations.contains_key(&path) {
                    stack.push(path);
                } else if let Some(text) = names.get(&path) {
                    if !inside(&dir, &path) {
                        self.refuse(format!(
                            "`{file}` includes `{entry}`, a file outside its folder, which kustomize refuses (as Argo CD builds it)"
                        ));
                    }
                    if text.contains("apiVersion: argoproj.io/") {
                        self.consumed.insert(path);
                    } else {
                        self.reads.insert(path);
                    }
                } else {
                    // Neither a linted file nor a kustomization: a remote base, or one
                    // that kustomize would try as a URL when no such folder exists.
                    self.refuse(format!(
                        "`{file}` includes `{entry}`, which is not among the linted files (it may be remote, and nothing is fetched)"
                    ));
                }
            }
            for read in files_read(k) {
                let path = join(&dir, read);
                if is_url(read) || !inside(&dir, &path) {
                    self.refuse(format!(
                        "`{file}` reads `{read}`, which is not a file inside its folder"
                    ));
                } else {
                    self.reads.insert(path);
                }
            }
        }
    }

    /// Whether a kustomization transforms, and whether ladder builds what it asks for.
    fn fields(&mut self, file: &str, k: &Node) {
        if let Value::Map(fields) = &k.value {
            for (key, _) in fields {
                let key = key.as_str().unwrap_or_default();
                if !matches!(
                    key,
                    "apiVersion" | "kind" | "metadata" | "resources" | "bases"
                ) {
                    self.transforms = true;
                }
                if !BUILDS.contains(&key) {
                    self.refuse(format!("`{file}` uses `{key}`, which ladder does not run"));
                }
            }
        }
    }
}

/// The files a kustomization reads besides its resources: patches, replacements and
/// the generators' `files`, `envs` and `env`.
fn files_read(k: &Node) -> Vec<&str> {
    fn seq(node: Option<&Node>) -> Vec<&Node> {
        match node.map(|n| &n.value) {
            Some(Value::Seq(items)) => items.iter().collect(),
            _ => Vec::new(),
        }
    }
    let mut out = Vec::new();
    for key in ["patches", "patchesJson6902", "replacements"] {
        out.extend(
            seq(k.get(key))
                .into_iter()
                .filter_map(|p| p.get("path").and_then(Node::as_str)),
        );
    }
    // A strategic merge patch is a file name or the patch itself.
    out.extend(
        seq(k.get("patchesStrategicMerge"))
            .into_iter()
            .filter_map(Node::as_str)
            .filter(|p| !p.contains('\n') && !p.trim_start().starts_with('{')),
    );
    for key in ["configMapGenerator", "secretGenerator"] {
        for generator in seq(k.get(key)) {
            for list in ["files", "envs"] {
                out.extend(seq(generator.get(list)).into_iter().filter_map(|f| {
                    let f = f.as_str()?;
                    Some(f.split_once('=').map_or(f, |(_, path)| path))
                }));
            }
            out.extend(generator.get("env").and_then(Node::as_str));
        }
    }
    out
}

/// Whether kustomize may take an entry for a repository to clone, or a path is not one
/// ladder can check: a scheme, `user@host:`, `?` or `::`, a forge's host name (kustomize
/// tries `github.com/org/repo` as a repository before a folder of that name), an
/// absolute path, or a `\\` (a name character for kustomize, a separator for nobody).
fn is_url(entry: &str) -> bool {
    let first = entry
        .split('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    entry.contains("://")
        || entry.contains("::")
        || entry.contains('?')
        || entry.contains('\\')
        || entry.starts_with('/')
        || first.contains('@')
        || first.contains(':')
        || ["github.com", "gitlab.com", "bitbucket.org"]
            .iter()
            .any(|host| first.starts_with(host))
}

/// Whether `path` is inside the folder `dir` (both normalized).
fn inside(dir: &str, path: &str) -> bool {
    if dir.is_empty() {
        !path.starts_with("../") && path != ".." && !path.starts_with('/')
    } else {
        path.starts_with(&format!("{dir}/"))
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
        assert_eq!(builds.len(), 2, "{builds:?}");
        assert_eq!(builds[0].dir, "./apps/prod");
        assert_eq!(builds[0].consumed, ["./apps/base/app.yaml"]);
        assert_eq!(builds[0].refused, None);
        assert!(builds[1].refused.as_deref().unwrap().contains("may fetch"));
    }

    /// Regression: a kustomization could make the build read a URL or a file outside
    /// the repository (the build runs without kustomize's load restrictor).
    #[test]
    fn kustomizations_that_fetch_or_reach_outside_are_not_built() {
        for (field, why) in [
            (
                "patches: [{path: https://x.example/p.yaml}]",
                "not a file inside its folder",
            ),
            (
                "configMapGenerator: [{name: c, files: [k=/etc/passwd]}]",
                "not a file inside its folder",
            ),
            (
                "patchesStrategicMerge: [../../secret.yaml]",
                "not a file inside its folder",
            ),
            ("transformers: [t.yaml]", "uses `transformers`"),
            ("helmCharts: [{name: x}]", "uses `helmCharts`"),
            ("components: [github.com/evil/repo]", "may fetch"),
            ("bases: [x@evil.example:r]", "may fetch"),
            ("bases: [/home/u/secrets.yaml]", "may fetch"),
        ] {
            let mut files = files();
            files.push((
                "./apps/qa/kustomization.yaml".into(),
                format!("resources: [../base]\nnamespace: q\n{field}\n"),
            ));
            let qa = builds(&files)
                .into_iter()
                .find(|b| b.dir == "./apps/qa")
                .unwrap();
            assert!(
                qa.refused.as_deref().is_some_and(|r| r.contains(why)),
                "{field}: {qa:?}"
            );
        }
        let mut files = files();
        files.push((
            "./x/kustomization.yaml".into(),
            "resources: [../apps/base/app.yaml]\nnamespace: y\n".into(),
        ));
        let x = builds(&files).into_iter().find(|b| b.dir == "./x").unwrap();
        assert!(
            x.refused.as_deref().unwrap().contains("outside its folder"),
            "{x:?}"
        );
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
}
