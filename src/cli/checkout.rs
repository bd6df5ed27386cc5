//! The local checkouts ApplicationSet git generators are evaluated against: the git
//! repository each linted path is in (known by its remotes' URLs), and the folders the
//! lint config's `repositories` or `--repository URL=DIR` name.
//!
//! A checkout's files are what its next commit would hold, as Argo CD's clone of it
//! would: `git ls-files --cached --others --exclude-standard` (tracked, and new files
//! that are not ignored), or, outside git, every file below the folder but `.git`. They
//! are listed only when a generator asks, and read on demand: regular files inside the
//! checkout only, never through a link that leaves it.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A checkout on disk, listed once and read on demand.
pub(super) struct DiskTree {
    root: PathBuf,
    files: OnceCell<Vec<String>>,
}

impl ladder::lint::Tree for DiskTree {
    fn files(&self) -> &[String] {
        self.files.get_or_init(|| list(&self.root))
    }

    fn read(&self, path: &str) -> Result<String, String> {
        if path.split('/').any(|p| p == ".." || p.is_empty()) {
            return Err("not a path inside the checkout".into());
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
}

/// One checkout: the URLs it is known by, the folder as findings show it, its files.
pub(super) struct Found {
    pub(super) urls: Vec<String>,
    pub(super) shown: String,
    pub(super) tree: DiskTree,
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

fn git(dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

fn git_top(dir: &Path) -> Option<PathBuf> {
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
fn list(root: &Path) -> Vec<String> {
    let listed = git(
        root,
        &[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
    );
    let mut files: Vec<String> = match listed {
        Some(out) => String::from_utf8_lossy(&out)
            .split('\0')
            .filter(|f| !f.is_empty())
            // Deleted but still tracked: not in the next commit.
            .filter(|f| root.join(f).symlink_metadata().is_ok())
            .map(str::to_owned)
            .collect(),
        None => walk(root),
    };
    files.sort();
    files.dedup();
    files
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
