//! Reading the files commands are pointed at (manifests to lint or validate, CRDs,
//! template overrides): text files under a path, sorted, never through a symbolic link
//! to a folder, so a link that points at one of its own parents cannot make a walk loop.

use std::path::Path;

use anyhow::Context as _;

/// Reads `.yaml`/`.yml` files: `path` itself if it is a file, else the files in it
/// (recursively when `recursive`), sorted by path. Returns (display name, text).
pub(crate) fn read_yaml_files(
    path: &Path,
    recursive: bool,
) -> anyhow::Result<Vec<(String, String)>> {
    read_text_files(path, recursive, &["yaml", "yml"], Links::FilesOnly)
}

/// The `.{extension}` files directly in `dir`, sorted: (path, text). Each must be a
/// regular file: a symbolic link is refused, so a template that links to a secret
/// elsewhere on the machine never reaches the output.
pub(crate) fn read_files_with_extension(
    dir: &Path,
    extension: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    read_text_files(dir, false, &[extension], Links::Refuse)
}

/// What a walk does with a symbolic link it meets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Links {
    /// Reads a link to a file; never follows a link to a folder.
    FilesOnly,
    /// Refuses every link.
    Refuse,
}

/// `path` itself if it is a file, else the files in it with one of `extensions` (in its
/// subfolders too when `recursive`), sorted by path, as UTF-8 text.
fn read_text_files(
    path: &Path,
    recursive: bool,
    extensions: &[&str],
    links: Links,
) -> anyhow::Result<Vec<(String, String)>> {
    find_files(path, recursive, extensions, links)?
        .into_iter()
        .map(|p| read_text(&p).map_err(anyhow::Error::msg))
        .collect()
}

/// `path` itself if it is a file, else the files in it with one of `extensions` (in its
/// subfolders too when `recursive`), sorted by path.
fn find_files(
    path: &Path,
    recursive: bool,
    extensions: &[&str],
    links: Links,
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    let wanted = |p: &Path| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e))
    };
    let mut found = Vec::new();
    if meta.is_file() {
        found.push(path.to_path_buf());
    } else {
        // Each folder once, by device and inode: a folder mounted inside itself (or
        // reached twice through bind mounts) is not read again.
        let mut visited = std::collections::BTreeSet::new();
        let mut stack = vec![path.to_path_buf()];
        while let Some(dir) = stack.pop() {
            if let Some(id) = folder_id(&dir)
                && !visited.insert(id)
            {
                continue;
            }
            for entry in
                std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?
            {
                let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
                let p = entry.path();
                let kind = entry
                    .file_type()
                    .with_context(|| format!("cannot read {}", p.display()))?;
                if kind.is_symlink() {
                    if links == Links::Refuse && wanted(&p) {
                        anyhow::bail!(
                            "{} is a symbolic link; ladder reads only regular files here",
                            p.display()
                        );
                    }
                    // A link to a folder is never followed (it may point at a parent).
                    if wanted(&p) && std::fs::metadata(&p).is_ok_and(|m| m.is_file()) {
                        found.push(p);
                    }
                } else if kind.is_dir() {
                    if recursive {
                        stack.push(p);
                    }
                } else if wanted(&p) {
                    found.push(p);
                }
            }
        }
    }
    found.sort();
    Ok(found)
}

/// A file as UTF-8 text, with its name; `Err` says why not.
fn read_text(p: &Path) -> Result<(String, String), String> {
    let bytes = std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", p.display()))?;
    Ok((p.display().to_string(), text))
}

/// The texts and the files that are not text: [`read_yaml_files`] for `ladder lint`, which
/// skips a file it cannot read (a binary, say) with a note instead of giving up. A path
/// that does not exist is still an error.
pub(crate) type Texts = (Vec<(String, String)>, Vec<(String, String)>);

pub(crate) fn read_yaml_files_lenient(path: &Path, recursive: bool) -> anyhow::Result<Texts> {
    let mut texts = Vec::new();
    let mut unreadable = Vec::new();
    for p in find_files(path, recursive, &["yaml", "yml"], Links::FilesOnly)? {
        match read_text(&p) {
            Ok(text) => texts.push(text),
            Err(why) => {
                let name = p.display().to_string();
                let why = match why.strip_prefix(&format!("{name} is ")) {
                    Some(rest) => rest.to_owned(),
                    None => why,
                };
                unreadable.push((name, why));
            }
        }
    }
    Ok((texts, unreadable))
}

/// A folder's device and inode, where the platform has them.
fn folder_id(dir: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        std::fs::metadata(dir).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}
