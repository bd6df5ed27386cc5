//! Reading and writing the output folder.
//!
//! The output folder is replaced as a whole: the new tree is built beside it and
//! swapped in atomically, so a build killed at any moment leaves the old tree or
//! the new one. Everything that can fail before writing (a bad spec, a file ladder
//! did not generate in the way) is found first, so a failed build writes nothing.
//! Symbolic links are never followed out of the output folder.

use std::collections::BTreeSet;
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

/// Applies `changes` by building the complete new tree beside `dir` and swapping it in
/// with one atomic rename, so a build killed at any moment leaves either the old tree or
/// the new one, never a mix. Files ladder did not generate are carried over as hard
/// links (the same files, not copies). Builds into the same folder take turns under a
/// lock on its parent folder.
pub(crate) fn apply(dir: &Path, files: &Files, changes: &Changes) -> anyhow::Result<()> {
    // Every path is checked before anything is written, so a refusal writes nothing.
    for rel in changes
        .create
        .iter()
        .chain(&changes.update)
        .chain(&changes.delete)
    {
        safe_join(dir, rel)?;
    }
    let dir = absolute(dir)?;
    let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) else {
        return apply_in_place(&dir, files, changes);
    };
    // Swapping the folder away under a shell (or this process) standing in it would
    // leave them in a deleted folder: write file by file instead.
    if std::env::current_dir()
        .is_ok_and(|cwd| absolute(&cwd).is_ok_and(|cwd| cwd.starts_with(&dir)))
    {
        return apply_in_place(&dir, files, changes);
    }
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let _lock = lock(parent)?;
    let prefix = format!(".{}.ladder-", name.to_string_lossy());
    remove_leftovers(parent, &prefix);

    let staging = tempfile::Builder::new()
        .prefix(&prefix)
        .tempdir_in(parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    let exists = dir.is_dir();
    let replaced: BTreeSet<&str> = changes
        .create
        .iter()
        .chain(&changes.update)
        .chain(&changes.delete)
        .map(String::as_str)
        .collect();
    if exists {
        mirror(&dir, staging.path(), &replaced)?;
    }
    for rel in changes.create.iter().chain(&changes.update) {
        write_file(&staging.path().join(rel), &files[rel.as_str()])?;
    }
    for rel in &changes.delete {
        remove_empty_parents(staging.path(), &staging.path().join(rel));
    }
    let mode = if exists {
        std::fs::metadata(&dir).map(|m| m.permissions()).ok()
    } else {
        None
    };
    set_folder_permissions(staging.path(), mode)?;
    match swap(staging, &dir, exists) {
        Ok(()) => Ok(()),
        // A mount point cannot be renamed (EBUSY), and some filesystems cannot exchange
        // folders: there, replace the files one by one (each still atomically).
        Err(SwapError::Unsupported) => apply_in_place(&dir, files, changes),
        Err(SwapError::Failed(e)) => Err(e),
    }
}

/// Writes each changed file atomically (temporary file and rename in its folder), then
/// deletes stale ones: for output folders that cannot be swapped as a whole.
fn apply_in_place(dir: &Path, files: &Files, changes: &Changes) -> anyhow::Result<()> {
    for rel in changes.create.iter().chain(&changes.update) {
        let target = safe_join(dir, rel)?;
        let parent = target.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(".ladder-");
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
    for rel in &changes.delete {
        let target = safe_join(dir, rel)?;
        std::fs::remove_file(&target)
            .with_context(|| format!("cannot delete {}", target.display()))?;
        remove_empty_parents(dir, &target);
    }
    Ok(())
}

enum SwapError {
    /// The folder cannot be swapped here (a mount point, a filesystem without exchange).
    Unsupported,
    Failed(anyhow::Error),
}

/// Removes the folders above `path`, up to `root`, that a deletion left empty; folders
/// that still hold something (or were the user's own empty folders elsewhere) stay.
fn remove_empty_parents(root: &Path, path: &Path) {
    let mut parent = path.parent();
    while let Some(p) = parent {
        if p == root || std::fs::remove_dir(p).is_err() {
            break;
        }
        parent = p.parent();
    }
}

/// Writes a new file (0644, flushed to disk before the swap makes it visible).
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Recreates `from`'s folders in `to`, and links every file not in `skip` (relative
/// paths with `/`); symbolic links are recreated as links, never followed.
fn mirror(from: &Path, to: &Path, skip: &BTreeSet<&str>) -> anyhow::Result<()> {
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let source = from.join(&rel);
        for entry in std::fs::read_dir(&source)
            .with_context(|| format!("cannot read {}", source.display()))?
        {
            let entry = entry.with_context(|| format!("cannot read {}", source.display()))?;
            let rel_child = rel.join(entry.file_name());
            let target = to.join(&rel_child);
            let kind = entry
                .file_type()
                .with_context(|| format!("cannot read {}", entry.path().display()))?;
            if kind.is_dir() {
                std::fs::create_dir(&target)
                    .with_context(|| format!("cannot create {}", target.display()))?;
                if let Ok(m) = std::fs::metadata(entry.path()) {
                    let _ = std::fs::set_permissions(&target, m.permissions());
                }
                stack.push(rel_child);
            } else if skip.contains(to_slash(&rel_child).as_str()) {
                // Rewritten or deleted by this build: not carried over.
            } else if kind.is_symlink() {
                copy_link(&entry.path(), &target)?;
            } else if std::fs::hard_link(entry.path(), &target).is_err() {
                std::fs::copy(entry.path(), &target)
                    .with_context(|| format!("cannot copy {}", entry.path().display()))?;
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn copy_link(link: &Path, target: &Path) -> anyhow::Result<()> {
    let points_to =
        std::fs::read_link(link).with_context(|| format!("cannot read {}", link.display()))?;
    std::os::unix::fs::symlink(points_to, target)
        .with_context(|| format!("cannot create {}", target.display()))
}

#[cfg(not(unix))]
fn copy_link(link: &Path, _target: &Path) -> anyhow::Result<()> {
    bail!(
        "{} is a symbolic link; ladder does not carry links over on this platform",
        link.display()
    )
}

fn set_folder_permissions(path: &Path, mode: Option<std::fs::Permissions>) -> anyhow::Result<()> {
    #[cfg(unix)]
    let mode = mode.or_else(|| Some(std::os::unix::fs::PermissionsExt::from_mode(0o755)));
    if let Some(mode) = mode {
        std::fs::set_permissions(path, mode)
            .with_context(|| format!("cannot set permissions of {}", path.display()))?;
    }
    Ok(())
}

/// Puts the staged tree at `dir`. On Linux, an existing `dir` is exchanged with the staged
/// tree in one `renameat2(RENAME_EXCHANGE)`; elsewhere the old tree is moved aside first
/// (a moment without `dir`, never a mixed tree).
fn swap(staging: tempfile::TempDir, dir: &Path, exists: bool) -> Result<(), SwapError> {
    if !exists {
        let staged = staging.keep();
        return std::fs::rename(&staged, dir)
            .with_context(|| format!("cannot create {}", dir.display()))
            .map_err(SwapError::Failed);
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::io::Errno;
        match rustix::fs::renameat_with(
            rustix::fs::CWD,
            staging.path(),
            rustix::fs::CWD,
            dir,
            rustix::fs::RenameFlags::EXCHANGE,
        ) {
            // `staging` now holds the old tree, removed when it drops.
            Ok(()) => Ok(()),
            Err(Errno::BUSY | Errno::XDEV | Errno::INVAL | Errno::NOSYS | Errno::NOTSUP) => {
                Err(SwapError::Unsupported)
            }
            Err(e) => Err(SwapError::Failed(
                anyhow::Error::from(e).context(format!("cannot replace {}", dir.display())),
            )),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let old = staging.path().with_extension("old");
        if std::fs::rename(dir, &old).is_err() {
            return Err(SwapError::Unsupported);
        }
        let staged = staging.keep();
        std::fs::rename(&staged, dir)
            .with_context(|| format!("cannot replace {}", dir.display()))
            .map_err(SwapError::Failed)?;
        std::fs::remove_dir_all(&old)
            .with_context(|| format!("cannot remove {}", old.display()))
            .map_err(SwapError::Failed)
    }
}

/// An exclusive lock on `folder`, held until the returned file is dropped: two builds
/// into the same output folder take turns.
#[cfg(unix)]
fn lock(folder: &Path) -> anyhow::Result<std::fs::File> {
    let file =
        std::fs::File::open(folder).with_context(|| format!("cannot open {}", folder.display()))?;
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
        .with_context(|| format!("cannot lock {}", folder.display()))?;
    Ok(file)
}

#[cfg(not(unix))]
fn lock(_folder: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// Removes staged trees a killed build left behind (only ever under the lock).
fn remove_leftovers(parent: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
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
    read_text_files(path, recursive, &["yaml", "yml"])
}

/// The `.{extension}` files directly in `dir`, sorted: (path, text).
pub(crate) fn read_files_with_extension(
    dir: &Path,
    extension: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    read_text_files(dir, false, &[extension])
}

/// `path` itself if it is a file, else the files in it with one of `extensions` (in its
/// subfolders too when `recursive`), sorted by path, as UTF-8 text.
fn read_text_files(
    path: &Path,
    recursive: bool,
    extensions: &[&str],
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
                } else if p
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| extensions.contains(&e))
                {
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
