//! Reading and writing the output folder.
//!
//! Writes are per file atomic: each file is written to a temporary file in the
//! same folder and renamed over the old one, so a reader never sees half a
//! file. Everything that can fail before writing (a bad spec, a file ladder did
//! not generate in the way) is found first, so a failed build writes nothing.
//! Symbolic links are never followed out of the output folder.

use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context as _, bail};

use ladder::emit::{Changes, Files};

/// Reads every regular file under `dir` (relative path with `/` → bytes). A missing
/// folder is empty. Symbolic links are listed with empty content, so they count as
/// files ladder did not generate and are never replaced.
pub(crate) fn read_tree(dir: &Path) -> anyhow::Result<Files> {
    let mut files = Files::new();
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(e) => bail!("cannot read {}: {e}", dir.display()),
        Ok(m) if m.file_type().is_symlink() => {
            bail!(
                "{} is a symbolic link; ladder writes only into real folders",
                dir.display()
            )
        }
        Ok(m) if !m.is_dir() => bail!("{} is not a folder", dir.display()),
        Ok(_) => {}
    }
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let abs = dir.join(&rel);
        let entries =
            std::fs::read_dir(&abs).with_context(|| format!("cannot read {}", abs.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot read {}", abs.display()))?;
            let name = entry.file_name();
            let rel_child = rel.join(&name);
            let kind = entry
                .file_type()
                .with_context(|| format!("cannot read {}", entry.path().display()))?;
            let key = to_slash(&rel_child);
            if kind.is_dir() {
                stack.push(rel_child);
            } else if kind.is_symlink() {
                files.insert(key, Vec::new());
            } else if kind.is_file() {
                let bytes = std::fs::read(entry.path())
                    .with_context(|| format!("cannot read {}", entry.path().display()))?;
                files.insert(key, bytes);
            }
        }
    }
    Ok(files)
}

fn to_slash(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Applies `changes`: writes created and updated files, then deletes stale generated ones
/// and the folders that leaves empty.
pub(crate) fn apply(dir: &Path, files: &Files, changes: &Changes) -> anyhow::Result<()> {
    // Every path is checked before the first write, so a refusal writes nothing.
    let writes = changes
        .create
        .iter()
        .chain(&changes.update)
        .map(|rel| Ok((rel, safe_join(dir, rel)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let deletes = changes
        .delete
        .iter()
        .map(|rel| safe_join(dir, rel))
        .collect::<anyhow::Result<Vec<_>>>()?;
    for (rel, target) in writes {
        let parent = target.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(".ladder-");
        // Generated manifests are meant to be read by everyone (tempfile's default is 0600).
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
        let mut tmp = builder
            .tempfile_in(parent)
            .with_context(|| format!("cannot write in {}", parent.display()))?;
        tmp.write_all(&files[rel.as_str()])
            .and_then(|()| tmp.as_file().sync_all())
            .with_context(|| format!("cannot write {}", target.display()))?;
        tmp.persist(&target)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    for target in deletes {
        std::fs::remove_file(&target)
            .with_context(|| format!("cannot delete {}", target.display()))?;
        let mut parent = target.parent();
        while let Some(p) = parent {
            if p == dir || std::fs::remove_dir(p).is_err() {
                break;
            }
            parent = p.parent();
        }
    }
    Ok(())
}

/// `dir/rel`, refusing paths that leave `dir` or pass through a symbolic link inside it.
fn safe_join(dir: &Path, rel: &str) -> anyhow::Result<PathBuf> {
    let mut path = dir.to_path_buf();
    for part in rel.split('/') {
        if part.is_empty() || part == "." || part == ".." {
            bail!("refusing to write {rel}: the path leaves {}", dir.display());
        }
        path.push(part);
        if let Ok(m) = std::fs::symlink_metadata(&path)
            && m.file_type().is_symlink()
        {
            bail!(
                "refusing to write through the symbolic link {}",
                path.display()
            );
        }
    }
    Ok(path)
}

/// Lexically normalised absolute path (no symlink resolution, so a missing folder works).
fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    let base = if path.is_absolute() {
        PathBuf::new()
    } else {
        std::env::current_dir().context("cannot read the current folder")?
    };
    let mut out = PathBuf::new();
    for c in base.join(path).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Ok(out)
}

/// The path of `file` relative to the folder `from`, with `/` separators.
pub(crate) fn relative_path(from: &Path, file: &Path) -> anyhow::Result<String> {
    let from = absolute(from)?;
    let file = absolute(file)?;
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = file.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".into(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Ok(parts.join("/"))
}

/// Reads `.yaml`/`.yml` files: `path` itself if it is a file, else the files in it
/// (recursively when `recursive`), sorted by path. Returns (display name, text).
pub(crate) fn read_yaml_files(
    path: &Path,
    recursive: bool,
) -> anyhow::Result<Vec<(String, String)>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut found = Vec::new();
    if meta.is_file() {
        found.push(path.to_path_buf());
    } else {
        let mut stack = vec![path.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in
                std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?
            {
                let p = entry
                    .with_context(|| format!("cannot read {}", dir.display()))?
                    .path();
                if p.is_dir() {
                    if recursive {
                        stack.push(p);
                    }
                } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                    found.push(p);
                }
            }
        }
    }
    found.sort();
    found
        .into_iter()
        .map(|p| {
            let bytes =
                std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?;
            let text = String::from_utf8(bytes)
                .with_context(|| format!("{} is not UTF-8 text", p.display()))?;
            Ok((p.display().to_string(), text))
        })
        .collect()
}
