//! Replacing an output folder's files in place, all or none: for a folder that cannot be
//! swapped as a whole (a mount point, or the working folder is inside it).
//!
//! Every new file is first written and flushed into a marked staging folder inside the
//! output folder (the one place sure to be on the same file system, so the renames that
//! follow cannot fail for crossing one). Only then are the old files touched: each one
//! that changes is kept as a hard link in the staging folder (no data copied), the new
//! files are renamed over them, and stale files removed. The first failure puts every old
//! file back. A full disk therefore fails the build while writing the staging folder,
//! before any old file changed. A build killed during the renames can still leave a mix;
//! a failed one cannot.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use ladder::emit::{Changes, Files};

use super::fs_safe;
use super::output::{Staging, remove_empty_parents, safe_join};

/// How the staging folder inside the output folder is named (then six letters or digits).
pub(crate) const STAGING_PREFIX: &str = ".ladder-staging-";

/// Applies `changes` to the files of `dir` in place, all or none.
pub(crate) fn commit(dir: &Path, files: &Files, changes: &Changes) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let written: Vec<&String> = changes.create.iter().chain(&changes.update).collect();
    fits(dir, written.iter().map(|rel| files[rel.as_str()].len()))?;
    let staging = Staging::new(dir, STAGING_PREFIX)?;
    let new = staging.path.join("new");
    let old = staging.path.join("old");
    for (i, rel) in written.iter().enumerate() {
        // Flat names in the staging folder: nothing to create but the two folders.
        if i == 0 {
            std::fs::create_dir(&new)
                .with_context(|| format!("cannot create {}", new.display()))?;
        }
        fs_safe::create_new_file(&new.join(i.to_string()), &files[rel.as_str()]).with_context(
            || {
                format!(
                    "cannot write {}; the output folder is unchanged",
                    dir.join(rel).display()
                )
            },
        )?;
    }
    std::fs::create_dir(&old).with_context(|| format!("cannot create {}", old.display()))?;

    let mut undo = Undo::default();
    let result = (|| -> anyhow::Result<()> {
        for (i, rel) in written.iter().enumerate() {
            let target = safe_join(dir, rel)?;
            undo.folders(dir, &target)?;
            if target.exists() {
                let kept = old.join(format!("u{i}"));
                std::fs::hard_link(&target, &kept)
                    .with_context(|| format!("cannot replace {}", target.display()))?;
                undo.steps.push(Step::Restore(kept, target.clone()));
            } else {
                undo.steps.push(Step::Remove(target.clone()));
            }
            std::fs::rename(new.join(i.to_string()), &target)
                .with_context(|| format!("cannot write {}", target.display()))?;
        }
        for (i, rel) in changes.delete.iter().enumerate() {
            let target = safe_join(dir, rel)?;
            let kept = old.join(format!("d{i}"));
            std::fs::rename(&target, &kept)
                .with_context(|| format!("cannot delete {}", target.display()))?;
            undo.steps.push(Step::Restore(kept, target));
        }
        Ok(())
    })();
    if let Err(e) = result {
        undo.run();
        return Err(e.context("the output folder was put back as it was"));
    }
    for rel in &changes.delete {
        remove_empty_parents(dir, &dir.join(rel));
    }
    Ok(())
}

/// What to do to take one step of the commit back.
enum Step {
    /// Put the old file (kept here) back at its path.
    Restore(PathBuf, PathBuf),
    /// Remove a file the commit created.
    Remove(PathBuf),
}

/// The steps taken so far, and the folders the commit created, to take back in reverse.
#[derive(Default)]
struct Undo {
    steps: Vec<Step>,
    created: Vec<PathBuf>,
}

impl Undo {
    /// Creates the missing folders above `target` (below `dir`), remembering each.
    fn folders(&mut self, dir: &Path, target: &Path) -> anyhow::Result<()> {
        let mut missing = Vec::new();
        let mut p = target.parent();
        while let Some(folder) = p.filter(|f| *f != dir && f.starts_with(dir)) {
            if folder.is_dir() {
                break;
            }
            missing.push(folder.to_path_buf());
            p = folder.parent();
        }
        for folder in missing.into_iter().rev() {
            std::fs::create_dir(&folder)
                .with_context(|| format!("cannot create {}", folder.display()))?;
            self.created.push(folder);
        }
        Ok(())
    }

    fn run(self) {
        for step in self.steps.into_iter().rev() {
            let _ = match step {
                Step::Restore(kept, path) => std::fs::rename(kept, path),
                Step::Remove(path) => std::fs::remove_file(path),
            };
        }
        for folder in self.created.into_iter().rev() {
            let _ = std::fs::remove_dir(folder);
        }
    }
}

/// Fails, naming both figures, when the new files cannot fit in the free space of `dir`'s
/// file system (each rounded up to whole blocks, plus a block per staging folder): the old
/// files are only released at the end, so all the new ones must fit beside them. Writing
/// the staging folder is the real check; this one gives the clear message.
#[cfg(unix)]
fn fits(dir: &Path, sizes: impl Iterator<Item = usize>) -> anyhow::Result<()> {
    let Ok(st) = rustix::fs::statvfs(dir) else {
        return Ok(());
    };
    let block = st.f_bsize.max(1);
    let need: u64 = sizes
        .map(|len| (len as u64).div_ceil(block) * block)
        .sum::<u64>()
        + 3 * block;
    let free = st.f_bavail.saturating_mul(st.f_frsize.max(1));
    if need > free {
        anyhow::bail!(
            "not enough space in {}: the new files need {} KiB, {} KiB are free; nothing was written",
            dir.display(),
            need.div_ceil(1024),
            free / 1024
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn fits(_dir: &Path, _sizes: impl Iterator<Item = usize>) -> anyhow::Result<()> {
    Ok(())
}
