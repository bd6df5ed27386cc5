//! Reading and writing the output folder.
//!
//! The output folder is replaced as a whole: the new tree is built beside it and
//! swapped in atomically, so a build killed at any moment leaves the old tree or
//! the new one. Everything that can fail before writing (a bad spec, a file ladder
//! did not generate in the way, a mount point inside the folder) is found first, so a
//! failed build writes nothing. An [`Output`] holds the lock from before the folder is
//! read until the new tree is in place, so two builds never mix their trees.
//!
//! What ladder removes it made itself: its staging folders carry a marker only ladder
//! writes ([`fs_safe::write_marker`]), and removal never follows a symbolic link or
//! enters another mount ([`fs_safe::remove_tree`]).

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context as _, bail};

use ladder::emit::{Changes, Files};

use super::fs_safe::{self, Mount};

/// Whether a command reads the output folder or replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Reads it (`build --check`): a shared lock, so it never sees a half-swapped tree.
    Check,
    /// Reads it and replaces it: an exclusive lock, held until the new tree is in place.
    Write,
}

/// The output folder, locked: read it, work out the changes, apply them, all under one
/// lock (on its parent folder), so a concurrent build of another version of the spec
/// waits instead of mixing its tree into this one.
pub(crate) struct Output {
    dir: PathBuf,
    _lock: Option<Lock>,
    /// Folders [`Output::open`] created for the lock; removed again (when still empty)
    /// unless the build wrote its tree.
    created: Vec<PathBuf>,
}

impl Output {
    /// Locks the output folder `dir`: shared for [`Access::Check`] (no lock when its
    /// parent does not exist: there is nothing to read), exclusive for [`Access::Write`],
    /// which first creates the missing parent folders. Under the lock, staging folders a
    /// killed build left behind are removed.
    pub(crate) fn open(dir: &Path, access: Access) -> anyhow::Result<Output> {
        let dir = absolute(dir)?;
        let parent = dir.parent().unwrap_or(&dir).to_path_buf();
        let mut created = Vec::new();
        if access == Access::Write {
            let mut missing = Vec::new();
            let mut p = parent.as_path();
            while std::fs::symlink_metadata(p).is_err() {
                missing.push(p.to_path_buf());
                let Some(up) = p.parent() else { break };
                p = up;
            }
            for folder in missing.iter().rev() {
                std::fs::create_dir(folder)
                    .with_context(|| format!("cannot create {}", folder.display()))?;
                created.push(folder.clone());
            }
        }
        let lock = if !parent.is_dir() {
            None
        } else if access == Access::Check {
            // `--check` only reads: a parent it may not open is read without the lock.
            lock(&parent, access).ok()
        } else {
            Some(lock(&parent, access)?)
        };
        let output = Output {
            dir,
            _lock: lock,
            created,
        };
        if access == Access::Write {
            output.remove_leftovers();
        }
        Ok(output)
    }

    /// Reads every regular file under the folder (relative path with `/` → bytes). A
    /// missing folder is empty. Symbolic links are listed with empty content, so they
    /// count as files ladder did not generate and are never replaced. A mount point
    /// inside the folder is an error: ladder neither writes into nor removes another file
    /// system.
    pub(crate) fn read_tree(&self) -> anyhow::Result<Files> {
        let dir = &self.dir;
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
        let top =
            fs_safe::mount_at(dir).with_context(|| format!("cannot read {}", dir.display()))?;
        let mut mounts = Vec::new();
        let mut stack = vec![PathBuf::new()];
        while let Some(rel) = stack.pop() {
            let abs = dir.join(&rel);
            let entries = std::fs::read_dir(&abs)
                .with_context(|| format!("cannot read {}", abs.display()))?;
            for entry in entries {
                let entry = entry.with_context(|| format!("cannot read {}", abs.display()))?;
                let name = entry.file_name();
                let rel_child = rel.join(&name);
                let path = entry.path();
                let kind = entry
                    .file_type()
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let key = to_slash(&rel_child);
                if !kind.is_symlink()
                    && fs_safe::mount_at(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?
                        .is_other_than(&top)
                {
                    mounts.push(path);
                } else if kind.is_dir() {
                    // The in-place commit's staging folder, left by a killed build.
                    if !(rel.as_os_str().is_empty() && fs_safe::is_marked_staging(&path, &top)) {
                        stack.push(rel_child);
                    }
                } else if !kind.is_file() {
                    // A link, a FIFO, a socket, a device: never ladder's, never replaced.
                    files.insert(key, Vec::new());
                } else {
                    let bytes = std::fs::read(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    files.insert(key, bytes);
                }
            }
        }
        if !mounts.is_empty() {
            mounts.sort();
            let list: Vec<String> = mounts.iter().map(|m| m.display().to_string()).collect();
            bail!(
                "{} inside the output folder {} {}; ladder neither writes into nor removes another file system (unmount it, or mount it outside {})",
                if mounts.len() == 1 {
                    "the mount point"
                } else {
                    "the mount points"
                },
                list.join(", "),
                if mounts.len() == 1 {
                    "is another file system"
                } else {
                    "are other file systems"
                },
                dir.display()
            );
        }
        Ok(files)
    }

    /// Removes what killed builds left under the lock: staging folders beside the output
    /// folder named as this process names them and carrying ladder's marker (or still
    /// empty), and in-place staging folders inside it. Nothing else, whatever its name.
    fn remove_leftovers(&self) {
        let (Some(parent), Some(name)) = (self.dir.parent(), self.dir.file_name()) else {
            return;
        };
        let prefix = staging_prefix(name);
        let Ok(top) = fs_safe::mount_at(parent) else {
            return;
        };
        let beside = leftovers(parent, &prefix, &top);
        let inside = fs_safe::mount_at(&self.dir)
            .map(|top| leftovers(&self.dir, super::in_place::STAGING_PREFIX, &top))
            .unwrap_or_default();
        for leftover in beside.into_iter().chain(inside) {
            // One that cannot be removed is reported, and the build goes on.
            if let Err(e) = fs_safe::remove_staging(&leftover) {
                eprintln!("warning: cannot remove the staging folder a killed build left: {e:#}");
            }
        }
    }

    /// Applies `changes` by building the complete new tree beside the folder and swapping
    /// it in with one atomic rename, so a build killed at any moment leaves either the old
    /// tree or the new one, never a mix. Files ladder did not generate are carried over as
    /// hard links (the same files, not copies). Where the folder cannot be swapped (a mount
    /// point, the working folder inside it), the files are replaced in place, all or none.
    pub(crate) fn apply(mut self, files: &Files, changes: &Changes) -> anyhow::Result<()> {
        // Every path is checked before anything is written, so a refusal writes nothing.
        for rel in changes
            .create
            .iter()
            .chain(&changes.update)
            .chain(&changes.delete)
        {
            safe_join(&self.dir, rel)?;
        }
        let dir = self.dir.clone();
        let in_place = || super::in_place::commit(&dir, files, changes);
        let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) else {
            return in_place().map(|()| self.created.clear());
        };
        // Swapping the folder away under a shell (or this process) standing in it would
        // leave them in a deleted folder; a mount point cannot be renamed at all.
        let cwd_inside = std::env::current_dir()
            .is_ok_and(|cwd| absolute(&cwd).is_ok_and(|cwd| cwd.starts_with(&dir)));
        let mount_point = fs_safe::mount_at(&dir).is_ok_and(|m| m.is_mount_root());
        if cwd_inside || mount_point {
            return in_place().map(|()| self.created.clear());
        }
        let staging = Staging::new(parent, &staging_prefix(name))?;
        let tree = staging.path.join("tree");
        let exists = dir.is_dir();
        let replaced: BTreeSet<&str> = changes
            .create
            .iter()
            .chain(&changes.update)
            .chain(&changes.delete)
            .map(String::as_str)
            .collect();
        std::fs::create_dir(&tree).with_context(|| format!("cannot create {}", tree.display()))?;
        if exists {
            mirror(&dir, &tree, &replaced)?;
        }
        for rel in changes.create.iter().chain(&changes.update) {
            write_file(&tree.join(rel), &files[rel.as_str()])?;
        }
        for rel in &changes.delete {
            remove_empty_parents(&tree, &tree.join(rel));
        }
        let mode = if exists {
            std::fs::metadata(&dir).map(|m| m.permissions()).ok()
        } else {
            None
        };
        // A folder moved to another parent needs write permission on itself (its `..`
        // changes): both trees are writable for their owner during the swap, and the
        // output folder gets its own mode back after it (a 0555 folder stays 0555).
        set_folder_permissions(&tree, mode.as_ref().map(writable))?;
        if let Some(old) = &mode
            && writable(old) != *old
        {
            let _ = std::fs::set_permissions(&dir, writable(old));
        }
        match swap(&staging.path, &tree, &dir, exists) {
            Ok(()) => {
                self.created.clear();
                set_folder_permissions(&dir, mode)?;
                Ok(())
            }
            Err(failed) => {
                if let Some(old) = &mode {
                    let _ = std::fs::set_permissions(&dir, old.clone());
                }
                match failed {
                    SwapError::Unsupported => in_place().map(|()| self.created.clear()),
                    SwapError::Failed(e) => Err(e),
                }
            }
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        for folder in self.created.iter().rev() {
            let _ = std::fs::remove_dir(folder);
        }
    }
}

/// `.<name>.ladder-`: how this process names its staging folders beside `<name>`.
fn staging_prefix(name: &std::ffi::OsStr) -> String {
    format!(".{}.ladder-", name.to_string_lossy())
}

/// Entries of `parent` named `prefix` and six letters or digits (as tempfile names them)
/// that are ladder's marked staging folders, or real empty folders (a build killed
/// before it wrote the marker).
fn leftovers(parent: &Path, prefix: &str, top: &Mount) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
            continue;
        };
        if rest.len() != 6 || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        let path = entry.path();
        if fs_safe::is_marked_staging(&path, top) {
            found.push(path);
        } else if entry.file_type().is_ok_and(|t| t.is_dir()) {
            // Never removes anything but an empty folder.
            let _ = std::fs::remove_dir(&path);
        }
    }
    found
}

/// A staging folder this process created and marked; removed (without crossing a mount
/// or following a link) when dropped.
pub(crate) struct Staging {
    pub(crate) path: PathBuf,
}

impl Staging {
    pub(crate) fn new(parent: &Path, prefix: &str) -> anyhow::Result<Staging> {
        let path = tempfile::Builder::new()
            .prefix(prefix)
            .disable_cleanup(true)
            .tempdir_in(parent)
            .with_context(|| format!("cannot write in {}", parent.display()))?
            .keep();
        let staging = Staging { path };
        fs_safe::write_marker(&staging.path)?;
        Ok(staging)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs_safe::remove_staging(&self.path);
    }
}

fn to_slash(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

enum SwapError {
    /// The folder cannot be swapped here (a mount point, a filesystem without exchange).
    Unsupported,
    Failed(anyhow::Error),
}

/// Removes the folders above `path`, up to `root`, that a deletion left empty; folders
/// that still hold something (or were the user's own empty folders elsewhere) stay.
pub(crate) fn remove_empty_parents(root: &Path, path: &Path) {
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

/// `mode` with write permission for the owner.
fn writable(mode: &std::fs::Permissions) -> std::fs::Permissions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::Permissions::from_mode(mode.mode() | 0o200)
    }
    #[cfg(not(unix))]
    mode.clone()
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

/// Puts the staged `tree` (inside `staging`) at `dir`. On Linux, an existing `dir` is
/// exchanged with the staged tree in one `renameat2(RENAME_EXCHANGE)`; elsewhere the old
/// tree is moved aside first (a moment without `dir`, never a mixed tree). Either way
/// the old tree ends up inside `staging`, which is removed when dropped.
fn swap(staging: &Path, tree: &Path, dir: &Path, exists: bool) -> Result<(), SwapError> {
    if !exists {
        return std::fs::rename(tree, dir)
            .with_context(|| format!("cannot create {}", dir.display()))
            .map_err(SwapError::Failed);
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::io::Errno;
        let _ = staging;
        match rustix::fs::renameat_with(
            rustix::fs::CWD,
            tree,
            rustix::fs::CWD,
            dir,
            rustix::fs::RenameFlags::EXCHANGE,
        ) {
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
        let old = staging.join("old");
        if std::fs::rename(dir, &old).is_err() {
            return Err(SwapError::Unsupported);
        }
        std::fs::rename(tree, dir)
            .with_context(|| format!("cannot replace {}", dir.display()))
            .map_err(SwapError::Failed)
    }
}

/// A lock on a folder, held until dropped.
#[cfg(unix)]
type Lock = std::fs::File;
#[cfg(not(unix))]
type Lock = ();

/// A lock on `folder` (exclusive to write, shared to read), held until the returned
/// file is dropped: two builds into the same output folder take turns.
#[cfg(unix)]
fn lock(folder: &Path, access: Access) -> anyhow::Result<Lock> {
    use rustix::fs::FlockOperation::{LockExclusive, LockShared};
    let file =
        std::fs::File::open(folder).with_context(|| format!("cannot open {}", folder.display()))?;
    let how = if access == Access::Write {
        LockExclusive
    } else {
        LockShared
    };
    rustix::fs::flock(&file, how).with_context(|| format!("cannot lock {}", folder.display()))?;
    Ok(file)
}

#[cfg(not(unix))]
fn lock(_folder: &Path, _access: Access) -> anyhow::Result<Lock> {
    Ok(())
}

/// `dir/rel`, refusing paths that leave `dir` or pass through a symbolic link inside it.
pub(crate) fn safe_join(dir: &Path, rel: &str) -> anyhow::Result<PathBuf> {
    match fs_safe::join_inside(dir, rel) {
        Ok(path) => Ok(path),
        Err(fs_safe::Outside::Leaves) => {
            bail!("refusing to write {rel}: the path leaves {}", dir.display())
        }
        Err(fs_safe::Outside::Link(link)) => bail!(
            "refusing to write through the symbolic link {}",
            link.display()
        ),
    }
}

/// Lexically normalised absolute path (no symlink resolution, so a missing folder works).
pub(crate) fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
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
    for c in &b[common..] {
        let Some(part) = c.as_os_str().to_str() else {
            bail!(
                "the path of the spec is not UTF-8 text ({}); ladder names the spec in every file's header",
                file.display()
            );
        };
        parts.push(part.to_owned());
    }
    Ok(parts.join("/"))
}
