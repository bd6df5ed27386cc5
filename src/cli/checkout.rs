//! The local checkouts ApplicationSet git generators are evaluated against: the git
//! repository each linted path is in (known by its remotes' URLs), and the folders the
//! lint config's `repositories` or `--repository URL=DIR` name.
//!
//! A checkout's files are what its next commit would hold, as Argo CD's clone of it
//! would: `git ls-files --cached --others --exclude-standard` (tracked, and new files
//! that are not ignored) and the files a sparse checkout leaves out of the working tree
//! (read from the index); for `directories` generators, which walk the clone, the files
//! of its submodules too (Argo CD clones them, `ARGOCD_GIT_MODULES_ENABLED` is on by
//! default; a `files` generator's `git ls-files` does not list them); outside git, every file below the
//! folder but `.git`. They are listed only when a generator asks, and read on demand:
//! regular files inside the checkout only, never through a link that leaves it.
//!
//! The checkout may be anyone's: git runs without the repository's file-system monitor
//! (`core.fsmonitor`, a command `.git/config` may name), without the untracked cache and
//! the system config, and without taking optional locks.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A checkout on disk, listed once and read on demand.
pub(super) struct DiskTree {
    root: PathBuf,
    files: OnceCell<Listing>,
    /// Whether a revision names what is checked out, asked once per revision.
    revisions: RefCell<BTreeMap<String, bool>>,
}

/// A checkout's files, those of its submodules too, and those only its index holds
/// (sparse, skip-worktree).
#[derive(Default)]
struct Listing {
    files: Vec<String>,
    /// `files` and the submodules' files: a `files` generator's `git ls-files` does not
    /// go into submodules, the `directories` generator's walk of the clone does.
    on_disk: Vec<String>,
    index_only: BTreeSet<String>,
}

impl ladder::lint::Tree for DiskTree {
    fn files(&self) -> &[String] {
        &self.listing().files
    }

    fn on_disk(&self) -> &[String] {
        &self.listing().on_disk
    }

    fn read(&self, path: &str) -> Result<String, String> {
        if path.split('/').any(|p| p == ".." || p.is_empty()) {
            return Err("not a path inside the checkout".into());
        }
        if self.listing().index_only.contains(path) {
            let blob = git(&self.root, &["cat-file", "blob", &format!(":{path}")])
                .ok_or("git cannot read it from the index")?;
            return String::from_utf8(blob).map_err(|_| "not UTF-8 text".to_owned());
        }
        let file = self.root.join(path);
        let real = std::fs::canonicalize(&file).map_err(|e| e.to_string())?;
        let root = std::fs::canonicalize(&self.root).map_err(|e| e.to_string())?;
        if !real.starts_with(&root) {
            return Err("a link that leaves the checkout".into());
        }
        if !real.is_file() {
            return Err("not a regular file".into());
        }
        let bytes = std::fs::read(&real).map_err(|e| e.to_string())?;
        String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())
    }

    fn checks_out(&self, revision: &str) -> bool {
        if let Some(&known) = self.revisions.borrow().get(revision) {
            return known;
        }
        let known = names_head(&self.root, revision);
        self.revisions
            .borrow_mut()
            .insert(revision.to_owned(), known);
        known
    }
}

impl DiskTree {
    /// The checkout's folder (canonical).
    pub(super) fn root(&self) -> &Path {
        &self.root
    }

    fn listing(&self) -> &Listing {
        self.files.get_or_init(|| list(&self.root))
    }
}

/// Whether `revision` (a branch, tag or commit; Argo CD also tries it on the remote) is
/// the commit checked out at `root`. Outside git, nothing can tell: it is.
fn names_head(root: &Path, revision: &str) -> bool {
    let commit = |rev: &str| {
        git(
            root,
            &["rev-parse", "--verify", "-q", &format!("{rev}^{{commit}}")],
        )
        .map(|out| String::from_utf8_lossy(&out).trim().to_owned())
    };
    let Some(head) = commit("HEAD") else {
        return true;
    };
    if git(root, &["symbolic-ref", "-q", "--short", "HEAD"])
        .is_some_and(|b| String::from_utf8_lossy(&b).trim() == revision)
    {
        return true;
    }
    let remote = format!("refs/remotes/origin/{revision}");
    [revision, remote.as_str()]
        .into_iter()
        .any(|rev| !rev.starts_with('-') && commit(rev).as_deref() == Some(head.as_str()))
}

/// One checkout: the URLs it is known by, the folder as findings show it, its files.
pub(super) struct Found {
    pub(super) urls: Vec<String>,
    pub(super) shown: String,
    pub(super) tree: DiskTree,
}

/// The core's view of `found`: what git generators read.
pub(super) fn checkouts(found: &[Found]) -> Vec<ladder::generate::Checkout<'_>> {
    found
        .iter()
        .map(|f| ladder::generate::Checkout::new(f.urls.clone(), f.shown.clone(), &f.tree))
        .collect()
}

/// `--repository URL=DIR` arguments as (URL, folder), or the message for the first that
/// is not one.
pub(super) fn parse_repositories(given: &[String]) -> Result<Vec<(String, PathBuf)>, String> {
    given
        .iter()
        .map(|given| {
            let Some((url, dir)) = given
                .rsplit_once('=')
                .filter(|(u, d)| !u.is_empty() && !d.is_empty())
            else {
                return Err(format!(
                    "error: `--repository {given}` is not URL=DIR, e.g. `--repository https://github.com/acme/platform.git=../platform`"
                ));
            };
            if !Path::new(dir).is_dir() {
                return Err(format!("error: `--repository {given}`: `{dir}` is not a folder"));
            }
            Ok((url.to_owned(), PathBuf::from(dir)))
        })
        .collect()
}

/// The checkouts for these linted paths, and the configured ones (URL, folder).
pub(super) fn discover(paths: &[PathBuf], configured: &[(String, PathBuf)]) -> Vec<Found> {
    let mut found: Vec<(PathBuf, Found)> = Vec::new();
    let mut add = |dir: &Path, urls: Vec<String>| {
        let Ok(real) = std::fs::canonicalize(dir) else {
            return;
        };
        if let Some((_, f)) = found.iter_mut().find(|(r, _)| *r == real) {
            f.urls.extend(urls);
            return;
        }
        found.push((
            real.clone(),
            Found {
                urls,
                shown: shown(&real),
                tree: DiskTree {
                    root: real,
                    files: OnceCell::new(),
                    revisions: RefCell::new(BTreeMap::new()),
                },
            },
        ));
    };
    for (url, dir) in configured {
        add(dir, vec![url.clone()]);
    }
    for path in paths {
        let dir = if path.is_dir() {
            path.as_path()
        } else {
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
        };
        if let Some(top) = git_top(dir) {
            let urls = remotes(&top);
            if !urls.is_empty() {
                add(&top, urls);
            }
        }
    }
    let mut found: Vec<Found> = found.into_iter().map(|(_, f)| f).collect();
    for f in &mut found {
        f.urls.sort();
        f.urls.dedup();
    }
    found
}

/// `dir` as findings name it: relative to the working folder when it is below it.
fn shown(dir: &Path) -> String {
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize);
    match cwd
        .ok()
        .and_then(|c| dir.strip_prefix(c).ok().map(Path::to_path_buf))
    {
        Some(rel) if rel.as_os_str().is_empty() => ".".to_owned(),
        Some(rel) => rel.display().to_string(),
        None => dir.display().to_string(),
    }
}

/// Runs git in `dir`, safely for a repository someone else prepared.
fn git(dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "core.fsmonitor=false",
            "-c",
            "core.untrackedCache=false",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

pub(super) fn git_top(dir: &Path) -> Option<PathBuf> {
    let out = git(dir, &["rev-parse", "--show-toplevel"])?;
    let top = String::from_utf8(out).ok()?;
    Some(PathBuf::from(top.trim_end_matches(['\n', '\r'])))
}

/// The URLs of the repository's remotes.
fn remotes(top: &Path) -> Vec<String> {
    let Some(out) = git(top, &["config", "--get-regexp", r"^remote\..*\.url$"]) else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out)
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(_, url)| url.trim().to_owned()))
        .filter(|u| !u.is_empty())
        .collect()
}

/// Every file of the checkout, root-relative with `/`, sorted.
fn list(root: &Path) -> Listing {
    // `-t` tags each path: `S` skip-worktree (in the index, not on disk), `?` untracked.
    let Some(out) = git(
        root,
        &[
            "ls-files",
            "-z",
            "-t",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
    ) else {
        let mut files = walk(root);
        files.sort();
        return Listing {
            on_disk: files.clone(),
            files,
            index_only: BTreeSet::new(),
        };
    };
    let mut listing = Listing::default();
    let mut submodules = false;
    for entry in String::from_utf8_lossy(&out).split('\0') {
        let Some((tag, file)) = entry.split_once(' ') else {
            continue;
        };
        let on_disk = root.join(file).symlink_metadata();
        if tag == "S" && on_disk.is_err() {
            listing.index_only.insert(file.to_owned());
        } else if on_disk.as_ref().is_ok_and(std::fs::Metadata::is_dir) {
            // A submodule: its files come next.
            submodules = true;
            continue;
        } else if on_disk.is_err() {
            // Deleted but still tracked: not in the next commit.
            continue;
        }
        listing.files.push(file.to_owned());
    }
    listing.files.sort();
    listing.files.dedup();
    listing.on_disk.clone_from(&listing.files);
    if submodules && let Some(out) = git(root, &["ls-files", "-z", "--recurse-submodules"]) {
        listing.on_disk.extend(
            String::from_utf8_lossy(&out)
                .split('\0')
                .filter(|f| !f.is_empty() && root.join(f).is_file())
                .map(str::to_owned),
        );
        listing.on_disk.sort();
        listing.on_disk.dedup();
    }
    listing
}

/// Every file below `root` but in `.git`, never through a link to a folder.
fn walk(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let rel = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            if kind.is_dir() {
                if name != ".git" {
                    stack.push((entry.path(), rel));
                }
            } else {
                files.push(rel);
            }
        }
    }
    files
}
