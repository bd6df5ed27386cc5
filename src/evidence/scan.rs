//! [`Resources`]: what every file provides and needs, what kustomizations list and which
//! folders are charts, read once from all files; and which files a source path installs.

use std::collections::{BTreeMap, BTreeSet};

use super::document;
use super::path::{folder, join, normalize};
use super::thing::{Need, Provided};
use crate::load::yaml::{Node, Value};

/// What every file provides and needs, and what kustomizations list.
#[derive(Debug, Default)]
pub struct Resources {
    /// Normalized file name → what its documents provide and need.
    provides: BTreeMap<String, Vec<Provided>>,
    needs: BTreeMap<String, Vec<Need>>,
    /// Every file, normalized.
    files: BTreeSet<String>,
    /// Folder → the local entries of its kustomization's `resources`, `components` and
    /// `bases`.
    kustomizations: BTreeMap<String, Vec<String>>,
    /// Folders that hold a `Chart.yaml`.
    charts: BTreeSet<String>,
}

impl Resources {
    /// Reads every document of every file (name as given, documents).
    pub fn scan(files: &[(&str, &[Node])]) -> Self {
        let mut r = Resources::default();
        for (given, docs) in files {
            let file = normalize(given);
            let name = file.rsplit('/').next().unwrap_or(&file);
            if name == "Chart.yaml" {
                r.charts.insert(folder(&file).to_owned());
            }
            let mut provides = Vec::new();
            let mut needs = Vec::new();
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
                document::read(given, doc, &mut provides, &mut needs);
            }
            r.provides.entry(file.clone()).or_default().extend(provides);
            r.needs.entry(file.clone()).or_default().extend(needs);
            r.files.insert(file);
        }
        r
    }

    /// What the documents of `file` (normalized) provide.
    pub fn provides(&self, file: &str) -> &[Provided] {
        self.provides.get(file).map_or(&[], Vec::as_slice)
    }

    /// What the documents of `file` (normalized) need.
    pub fn needs(&self, file: &str) -> &[Need] {
        self.needs.get(file).map_or(&[], Vec::as_slice)
    }

    /// Everything any file provides.
    pub fn provided(&self) -> impl Iterator<Item = &Provided> {
        self.provides.values().flatten()
    }

    /// Everything any file needs.
    pub fn needed(&self) -> impl Iterator<Item = &Need> {
        self.needs.values().flatten()
    }

    /// The files (normalized) a source path installs: the resources its
    /// `kustomization.yaml` lists (folders followed, each once), a chart's `crds/`, or
    /// the folder's own files (below it too with `recurse`, Argo CD's
    /// `directory.recurse`). `dir` is normalized here; `` is the root.
    pub fn installed(&self, dir: &str, recurse: bool) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut seen = BTreeSet::new();
        // Kustomizations list folders of their own: a stack, not recursion, so a deep
        // chain of bases cannot exhaust the stack.
        let mut todo = vec![(normalize(dir), recurse)];
        while let Some((dir, recurse)) = todo.pop() {
            if !seen.insert(dir.clone()) {
                continue;
            }
            if let Some(entries) = self.kustomizations.get(&dir) {
                for entry in entries {
                    if self.files.contains(entry) {
                        out.insert(entry.clone());
                    } else {
                        todo.push((entry.clone(), false));
                    }
                }
                continue;
            }
            let prefix = if dir.is_empty() {
                String::new()
            } else {
                format!("{dir}/")
            };
            let (within, crds) = if self.charts.contains(&dir) {
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
        out
    }
}
