//! File-system steps that never cross into another mount, follow a symbolic link or
//! leave the folder they were given.
//!
//! ladder runs in merge-request pipelines on specs nobody may have reviewed, and it
//! deletes and rewrites files: every removal here stays on the file system it started
//! on and never goes through a link ([`remove_tree`]); every path a spec names is joined
//! below its base without `..`, absolute parts or links ([`join_inside`]); files are
//! replaced keeping their mode ([`replace_file`]) or created without following a link
//! ([`create_new_file`]); and a staging folder carries a marker only ladder writes, so
//! ladder removes only folders it made ([`write_marker`], [`is_marked_staging`]).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

/// Which mount a path is on: its device and, on Linux 5.8 and later, the mount's id and
/// whether the path is the root of a mount (a bind mount of a folder of the same file
/// system has the same device, so the device alone misses it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mount {
    dev: u64,
    mnt_id: Option<u64>,
    root: bool,
}

impl Mount {
    /// Whether `self` (an entry inside a folder) is on another mount than `top` (the
    /// folder), or is itself a mount point.
    pub(crate) fn is_other_than(&self, top: &Mount) -> bool {
        match (self.mnt_id, top.mnt_id) {
            // The kernel names the mount: decide by it alone. (overlayfs reports the
            // lower file system's device for files of one mount.)
            (Some(a), Some(b)) => a != b || self.root,
            _ => self.dev != top.dev || self.root,
        }
    }

    /// Whether the path is the root of a mount (where the kernel says so).
    pub(crate) fn is_mount_root(&self) -> bool {
        self.root
    }
}

/// The mount `path` is on, without following a link in its last part.
#[cfg(target_os = "linux")]
pub(crate) fn mount_at(path: &Path) -> std::io::Result<Mount> {
    use rustix::fs::{AtFlags, CWD, StatxAttributes, StatxFlags, statx};
    match statx(
        CWD,
        path,
        AtFlags::SYMLINK_NOFOLLOW | AtFlags::NO_AUTOMOUNT,
        StatxFlags::BASIC_STATS | StatxFlags::MNT_ID,
    ) {
        Ok(st) => Ok(Mount {
            dev: rustix::fs::makedev(st.stx_dev_major, st.stx_dev_minor),
            mnt_id: StatxFlags::from_bits_retain(st.stx_mask)
                .contains(StatxFlags::MNT_ID)
                .then_some(st.stx_mnt_id),
            root: st.stx_attributes_mask.contains(StatxAttributes::MOUNT_ROOT)
                && st.stx_attributes.contains(StatxAttributes::MOUNT_ROOT),
        }),
        // Kernels before 4.11 (or sandboxes without statx): the device alone.
        Err(rustix::io::Errno::NOSYS | rustix::io::Errno::PERM) => device_only(path),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn mount_at(path: &Path) -> std::io::Result<Mount> {
    device_only(path)
}

fn device_only(path: &Path) -> std::io::Result<Mount> {
    let meta = std::fs::symlink_metadata(path)?;
    #[cfg(unix)]
    let dev = std::os::unix::fs::MetadataExt::dev(&meta);
    #[cfg(not(unix))]
    let dev = {
        let _ = meta;
        0
    };
    Ok(Mount {
        dev,
        mnt_id: None,
        root: false,
    })
}

/// Removes `path` and everything under it, without following a symbolic link (a link is
/// removed, never what it points to) or entering another mount (a mount point and what is
/// under it are left where they are). Returns what it had to leave.
pub(crate) fn remove_tree(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut kept = Vec::new();
    let meta = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(kept),
        other => other.with_context(|| format!("cannot read {}", path.display()))?,
    };
    if !meta.is_dir() {
        std::fs::remove_file(path).with_context(|| format!("cannot remove {}", path.display()))?;
        return Ok(kept);
    }
    let top = mount_at(path).with_context(|| format!("cannot read {}", path.display()))?;
    // Folders in the order they were entered; removed in reverse, children first.
    let mut folders = vec![path.to_path_buf()];
    let mut next = 0;
    while next < folders.len() {
        let dir = folders[next].clone();
        next += 1;
        // A read-only folder (a 0555 output folder carried into the old tree) cannot be
        // emptied; it is ours to remove, so it is made writable for its owner first.
        make_writable(&dir);
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
            let child = entry.path();
            let kind = entry
                .file_type()
                .with_context(|| format!("cannot read {}", child.display()))?;
            let other_mount = mount_at(&child).is_ok_and(|m| m.is_other_than(&top));
            if other_mount {
                kept.push(child);
            } else if kind.is_dir() {
                folders.push(child);
            } else {
                std::fs::remove_file(&child)
                    .with_context(|| format!("cannot remove {}", child.display()))?;
            }
        }
    }
    for dir in folders.iter().rev() {
        if let Err(e) = std::fs::remove_dir(dir)
            && !kept.iter().any(|k| k.starts_with(dir))
        {
            return Err(e).with_context(|| format!("cannot remove {}", dir.display()));
        }
    }
    Ok(kept)
}

/// Adds write permission for the owner to folder `dir`, where it lacks it.
fn make_writable(dir: &Path) {
    #[cfg(unix)]
    if let Ok(meta) = std::fs::symlink_metadata(dir) {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = meta.permissions().mode();
        if meta.is_dir() && mode & 0o200 == 0 {
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode | 0o700));
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Why [`join_inside`] refused a path.
#[derive(Debug)]
pub(crate) enum Outside {
    /// Absolute, or with an empty, `.` or `..` part.
    Leaves,
    /// This existing part of it is a symbolic link.
    Link(PathBuf),
}

/// `base/rel` (`rel` with `/`), refusing a path that is absolute or has an empty, `.` or
/// `..` part, or any existing part below `base` (the last one included) that is a
/// symbolic link.
pub(crate) fn join_inside(base: &Path, rel: &str) -> Result<PathBuf, Outside> {
    if rel.starts_with('/') || rel.starts_with('\\') || Path::new(rel).is_absolute() {
        return Err(Outside::Leaves);
    }
    let mut path = base.to_path_buf();
    let mut exists = true;
    let mut named = false;
    for part in rel.split('/') {
        if part == ".." || part.contains('\\') {
            return Err(Outside::Leaves);
        }
        // `./versions/x.yaml` and `versions//x.yaml` name the same file as the spec does.
        if part.is_empty() || part == "." {
            continue;
        }
        named = true;
        path.push(part);
        if exists {
            match std::fs::symlink_metadata(&path) {
                Ok(m) if m.file_type().is_symlink() => return Err(Outside::Link(path)),
                Ok(_) => {}
                Err(_) => exists = false,
            }
        }
    }
    if !named {
        // The base itself: nothing inside it.
        return Err(Outside::Leaves);
    }
    Ok(path)
}

/// Replaces the regular file `path` with `bytes` atomically (a temporary file beside
/// it, flushed, renamed over it), keeping its permissions; anything but a regular file
/// (a link, a folder) is refused.
pub(crate) fn replace_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let old = std::fs::symlink_metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if old.file_type().is_symlink() {
        bail!(
            "refusing to write {}: it is a symbolic link",
            path.display()
        );
    }
    if !old.is_file() {
        bail!(
            "refusing to write {}: it is not a regular file",
            path.display()
        );
    }
    let parent = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".ladder-")
        .tempfile_in(parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| std::fs::set_permissions(tmp.path(), old.permissions()))
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        // Keep the owner and group where this process may (it may not, as a rule).
        let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(old.uid()), Some(old.gid()));
        let now = std::fs::symlink_metadata(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if (now.dev(), now.ino()) != (old.dev(), old.ino()) {
            bail!("{} changed while ladder was writing it", path.display());
        }
    }
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Creates the new file `path` with `bytes` (mode 0644 where modes exist), failing if
/// anything, a dangling symbolic link included, already stands there.
pub(crate) fn create_new_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    create_new_file_with_mode(path, bytes, 0o644)
}

/// [`create_new_file`] with the file's permission bits (where modes exist), set as it
/// is created, so a copy of a 0600 file is never readable by others.
pub(crate) fn create_new_file_with_mode(
    path: &Path,
    bytes: &[u8],
    mode: u32,
) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The file that marks a folder as ladder's own staging folder.
const MARKER_NAME: &str = ".ladder-staging";
const MARKER: &[u8] = b"ladder staging folder: safe to delete when no ladder build is running\n";

/// Marks `dir` (just created by this process) as a staging folder.
pub(crate) fn write_marker(dir: &Path) -> anyhow::Result<()> {
    create_new_file(&dir.join(MARKER_NAME), MARKER)
}

/// Removes the staging folder `dir` with [`remove_tree`], its marker last: a build killed
/// halfway through leaves a folder that is still marked, which the next build removes.
pub(crate) fn remove_staging(dir: &Path) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        if entry.file_name() != MARKER_NAME {
            remove_tree(&entry.path())?;
        }
    }
    remove_tree(dir).map(drop)
}

/// Whether `path` is a real folder on `top`'s mount holding ladder's marker: a staging
/// folder a killed build left behind, safe to remove.
pub(crate) fn is_marked_staging(path: &Path, top: &Mount) -> bool {
    let real_folder = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
        && mount_at(path).is_ok_and(|m| !m.is_other_than(top));
    let marker = path.join(MARKER_NAME);
    real_folder
        && std::fs::symlink_metadata(&marker).is_ok_and(|m| m.is_file())
        && std::fs::read(&marker).is_ok_and(|b| b == MARKER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_leave_their_base_are_refused() {
        let base = Path::new("/nonexistent-base");
        for rel in ["../x", "a/../b", "/etc/passwd", "", "./", "a\\..\\b"] {
            assert!(
                matches!(join_inside(base, rel), Err(Outside::Leaves)),
                "{rel}"
            );
        }
        for same in [
            "versions/prod.yaml",
            "./versions/prod.yaml",
            "versions//prod.yaml",
        ] {
            assert_eq!(
                join_inside(base, same).unwrap(),
                base.join("versions/prod.yaml")
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_on_the_way_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/etc", dir.path().join("out")).unwrap();
        assert!(matches!(
            join_inside(dir.path(), "out/passwd"),
            Err(Outside::Link(p)) if p == dir.path().join("out")
        ));
    }

    #[cfg(unix)]
    #[test]
    fn removing_a_tree_removes_links_not_what_they_point_to() {
        let dir = tempfile::tempdir().unwrap();
        let keep = dir.path().join("keep");
        std::fs::create_dir(&keep).unwrap();
        std::fs::write(keep.join("precious"), "x").unwrap();
        let tree = dir.path().join("tree/a/b");
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::write(tree.join("f"), "y").unwrap();
        std::os::unix::fs::symlink(&keep, tree.join("link")).unwrap();
        assert!(remove_tree(&dir.path().join("tree")).unwrap().is_empty());
        assert!(!dir.path().join("tree").exists());
        assert!(keep.join("precious").exists());
    }
}
