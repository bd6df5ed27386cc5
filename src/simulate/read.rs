//! The emitted tree as the simulator sees it: Application manifests, ApplicationSets
//! with their RollingSync steps and the Applications they generate, and the app-of-apps
//! roots whose source folders hold them, each with its sync-wave.

use std::collections::BTreeMap;

use crate::generate::steps::{self, Step};
use crate::generate::tree::{application_health, string_map, wave};
use crate::load::yaml::{Node, Value};

/// One manifest the simulator rolls out: a plain Application or an ApplicationSet.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub file: String,
    /// The folder of its file, relative to the tree (`.` at the top).
    pub folder: String,
    pub wave: i64,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub enum Kind {
    App(App),
    Set(Set),
}

/// An Application, written or generated.
#[derive(Debug, Clone)]
pub struct App {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// Whether it syncs by itself: `spec.syncPolicy.automated` present and not
    /// `enabled: false`.
    pub automated: bool,
    /// Marked `ladder.dev/sync: manual`: the guarded health check passes it in a wave.
    pub marked_manual: bool,
    /// Where its source reads a folder of manifests: it is an app-of-apps root when that
    /// folder is one of the tree's.
    pub root_of: Option<Root>,
}

/// The folder of manifests an Application's source reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    /// The repository folder.
    pub path: String,
    /// `directory.recurse`: the folders below it too.
    pub recurse: bool,
    /// `directory.exclude` (ladder's roots exclude their own file).
    pub excludes: Option<String>,
}

/// An ApplicationSet: the Applications it generates and its RollingSync steps.
#[derive(Debug, Clone)]
pub struct Set {
    pub name: String,
    pub apps: Vec<App>,
    /// Empty unless `strategy.type` is `RollingSync` with steps.
    pub steps: Vec<Step>,
}

/// What the simulator reads from a tree.
#[derive(Debug, Clone, Default)]
pub struct Read {
    pub manifests: Vec<Manifest>,
    /// Whether an `argocd-cm` gives Applications a health check (app-of-apps waves
    /// then wait for children to be healthy).
    pub application_health: bool,
    /// What was not evaluated, for the notes: file and why.
    pub skipped: Vec<(String, String)>,
}

/// Trees smaller than this many bytes of YAML are read on one thread: starting threads
/// costs more.
const PARALLEL_FROM: usize = 1 << 20;

/// Reads the manifests of `files` (path relative to the tree, text), on one thread. A
/// file that is not YAML is skipped with a note.
pub fn read(files: &[(String, String)]) -> Read {
    read_on(files, 1)
}

/// [`read`] on up to `threads` threads (the CLI passes the machine's cores; the core
/// never asks the machine).
///
/// Parsing YAML is nearly all of a simulation's time (a 10,000-component app-of-apps
/// tree is 37 MB of it), so a large tree is parsed in contiguous runs of files of about
/// equal size, one per thread, joined in file order: the result does not depend on the
/// number of threads.
pub fn read_on(files: &[(String, String)], threads: usize) -> Read {
    let bytes: usize = files.iter().map(|(_, text)| text.len()).sum();
    if bytes < PARALLEL_FROM || threads < 2 || files.len() < 2 {
        return read_chunk(files);
    }
    let share = bytes.div_ceil(threads.min(8));
    let mut runs = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, (_, text)) in files.iter().enumerate() {
        size += text.len();
        if size >= share {
            runs.push(&files[start..=i]);
            (start, size) = (i + 1, 0);
        }
    }
    if start < files.len() {
        runs.push(&files[start..]);
    }
    let parts: Vec<Read> = std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .into_iter()
            .map(|run| scope.spawn(|| read_chunk(run)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut read = Read::default();
    for part in parts {
        read.manifests.extend(part.manifests);
        read.application_health |= part.application_health;
        read.skipped.extend(part.skipped);
    }
    read
}

fn read_chunk(files: &[(String, String)]) -> Read {
    let mut read = Read::default();
    for (file, text) in files {
        let docs = match crate::load::yaml::parse_all(file, text) {
            Ok(docs) => docs,
            Err(d) => {
                read.skipped.push((file.clone(), d.message));
                continue;
            }
        };
        let folder = file.rfind('/').map_or(".", |i| &file[..i]).to_owned();
        for doc in &docs {
            let argo = doc
                .get("apiVersion")
                .and_then(Node::as_str)
                .is_some_and(|v| v.starts_with("argoproj.io/"));
            if !argo {
                read.application_health |= application_health(doc);
                continue;
            }
            let kind = match doc.get("kind").and_then(Node::as_str) {
                Some("Application") => Kind::App(app(doc)),
                Some("ApplicationSet") => match set(doc) {
                    Ok(set) => Kind::Set(set),
                    Err(why) => {
                        read.skipped.push((file.clone(), why));
                        continue;
                    }
                },
                _ => continue,
            };
            read.manifests.push(Manifest {
                file: file.clone(),
                folder: folder.clone(),
                wave: wave(doc),
                kind,
            });
        }
    }
    read
}

fn app(doc: &Node) -> App {
    let metadata = doc.get("metadata");
    let spec = doc.get("spec");
    let automated = spec
        .and_then(|s| s.get("syncPolicy"))
        .and_then(|p| p.get("automated"));
    let automated = match automated.map(|a| &a.value) {
        None | Some(Value::Null) => false,
        Some(_) => {
            automated.and_then(|a| a.get("enabled")).map(|e| &e.value) != Some(&Value::Bool(false))
        }
    };
    let annotations = string_map(metadata.and_then(|m| m.get("annotations")));
    let source = spec.and_then(|s| s.get("source"));
    // A directory of manifests: a path and no chart (Argo CD reads plain manifests from a
    // folder without `directory:` too).
    let root_of = source.and_then(|s| {
        let path = s.get("path")?.scalar_text()?;
        if s.get("chart").is_some() || s.get("helm").is_some() || s.get("kustomize").is_some() {
            return None;
        }
        let directory = s.get("directory");
        Some(Root {
            path: path.trim_matches('/').to_owned(),
            recurse: directory.and_then(|d| d.get("recurse")).map(|r| &r.value)
                == Some(&Value::Bool(true)),
            excludes: directory
                .and_then(|d| d.get("exclude"))
                .and_then(Node::scalar_text),
        })
    });
    App {
        name: metadata
            .and_then(|m| m.get("name"))
            .and_then(Node::scalar_text)
            .unwrap_or_default(),
        labels: string_map(metadata.and_then(|m| m.get("labels"))),
        automated,
        marked_manual: annotations.get(crate::analyze::names::SYNC_ANNOTATION)
            == Some(&"manual".to_owned()),
        root_of,
    }
}

fn set(doc: &Node) -> Result<Set, String> {
    let name = doc
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::scalar_text)
        .unwrap_or_default();
    let generated = crate::generate::applications(doc, &[])
        .map_err(|(_, why)| format!("ApplicationSet `{name}` is not evaluated: {why}"))?;
    let mut apps: Vec<App> = generated.iter().map(app).collect();
    apps.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Set {
        name,
        apps,
        steps: steps::read(doc),
    })
}
