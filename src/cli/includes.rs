//! The component files a spec's `include` globs match: found and read beside the spec
//! (for every command), or as they were at a git revision (for `ladder diff --base`).
//! The core matches them to its globs again and reports what is missing or unread.
//!
//! Only regular files inside the spec's folder are read: a symbolic link (to a file or
//! a folder) is listed as unread, never followed, and `.git` is never entered. The spec
//! itself is never one of its component files.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};

/// The folder a glob's files are all below: its parts before the first with `*` or
/// `?` (`components/**/x.yaml` → `components`), `""` for the spec's folder.
fn fixed_prefix(glob: &str) -> String {
    let parts: Vec<&str> = glob.split('/').collect();
    let fixed = parts
        .iter()
        .take_while(|part| !part.contains(['*', '?']))
        .count();
    // A glob without wildcards names one file: its folder is the prefix.
    parts[..fixed.min(parts.len() - 1)].join("/")
}

/// Component files larger than this are not read (the core's limit for all of them).
const MAX_BYTES: u64 = ladder::load::MAX_SPEC_BYTES as u64;

/// Why a component file that is a symbolic link is not read.
const LINK: &str =
    "it is a symbolic link, and ladder reads only regular files inside the spec's folder";

fn matches_any(globs: &[String], path: &str) -> bool {
    globs.iter().any(|g| ladder::glob::paths(g, path))
}

/// Whether a file below folder `folder` could match one of `globs`: each of the
/// folder's parts matches the glob's part there, until a `**`.
fn could_hold(globs: &[String], folder: &str) -> bool {
    use ladder::glob::{Slash, glob_with};
    globs.iter().any(|g| {
        let parts: Vec<&str> = g.split('/').collect();
        for (i, name) in folder.split('/').enumerate() {
            match parts.get(i) {
                Some(&"**") => return true,
                // The glob's last part names the file, not a folder.
                Some(part) if i + 1 < parts.len() && glob_with(part, name, Slash::Stops) => {}
                _ => return false,
            }
        }
        true
    })
}

/// Why a folder is not read, under the path the core reports folders by (`teams/b/`).
fn unread_folder(inputs: &mut ladder::Inputs, folder: &str, why: String) {
    inputs.unread.insert(format!("{folder}/"), why);
}

/// Finds the files below `dir` that `globs` match and reads them into `inputs`,
/// leaving out `spec` (the spec's own path relative to `dir`).
pub(super) fn read(dir: &Path, spec: &str, globs: &[String], inputs: &mut ladder::Inputs) {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut starts: Vec<String> = globs.iter().map(|g| fixed_prefix(g)).collect();
    starts.sort();
    starts.dedup();
    // A start below another start is walked by it.
    let starts: Vec<&String> = starts
        .iter()
        .filter(|s| {
            !starts
                .iter()
                .any(|o| o != *s && (o.is_empty() || s.starts_with(&format!("{o}/"))))
        })
        .collect();
    for start in starts {
        let at = if start.is_empty() {
            dir.to_path_buf()
        } else {
            match super::fs_safe::join_inside(dir, start) {
                Ok(at) => at,
                Err(_) => continue,
            }
        };
        // Iterative: the depth of a folder tree comes from the repository.
        let mut stack = vec![(at, start.clone())];
        while let Some((folder, rel)) = stack.pop() {
            let entries = match std::fs::read_dir(&folder) {
                Ok(entries) => entries,
                Err(e) => {
                    // The spec's folder itself, or a glob's fixed folder that does not
                    // exist, is the core's "matches no file".
                    if !rel.is_empty() && folder.exists() && could_hold(globs, &rel) {
                        unread_folder(inputs, &rel, e.to_string());
                    }
                    continue;
                }
            };
            for entry in entries.filter_map(Result::ok) {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.eq_ignore_ascii_case(".git") {
                    continue;
                }
                let path = if rel.is_empty() {
                    name
                } else {
                    format!("{rel}/{name}")
                };
                match entry.file_type() {
                    Ok(t) if t.is_dir() => stack.push((entry.path(), path)),
                    Ok(t) if t.is_symlink() && matches_any(globs, &path) => {
                        inputs.unread.insert(path, LINK.into());
                    }
                    Ok(t)
                        if t.is_symlink() && entry.path().is_dir() && could_hold(globs, &path) =>
                    {
                        unread_folder(inputs, &path, LINK.into());
                    }
                    Ok(t) if t.is_file() && path != spec && matches_any(globs, &path) => {
                        if entry.metadata().is_ok_and(|m| m.len() > MAX_BYTES) {
                            inputs
                                .unread
                                .insert(path, format!("it is larger than {MAX_BYTES} bytes"));
                            continue;
                        }
                        match std::fs::read(entry.path()) {
                            Ok(bytes) => match String::from_utf8(bytes) {
                                Ok(text) => {
                                    inputs.includes.insert(path, text);
                                }
                                Err(_) => {
                                    inputs.unread.insert(path, "it is not UTF-8 text".into());
                                }
                            },
                            Err(e) => {
                                inputs.unread.insert(path, e.to_string());
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The component files `globs` match below `prefix` (the spec's folder, relative to the
/// repository at `root`) as they were at `rev`, read into `inputs` with one
/// `git cat-file --batch`, leaving out `spec` (relative to the spec's folder).
pub(super) fn read_at(
    root: &Path,
    rev: &str,
    prefix: &str,
    spec: &str,
    globs: &[String],
    inputs: &mut ladder::Inputs,
) -> anyhow::Result<()> {
    let below = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    };
    let mut listing = Command::new("git");
    listing
        .arg("-C")
        .arg(root)
        .args(["ls-tree", "-r", "-z", "--full-tree", rev]);
    if !prefix.is_empty() {
        listing.args(["--", prefix]);
    }
    let listed = listing
        .output()
        .context("cannot run git; `ladder diff` needs git installed")?;
    if !listed.status.success() {
        bail!(
            "git ls-tree {rev} failed: {}",
            String::from_utf8_lossy(&listed.stderr).trim()
        );
    }
    // `<mode> <type> <object>\t<path>`, each ended by NUL; paths from the top.
    let mut wanted: BTreeMap<String, String> = BTreeMap::new();
    for entry in String::from_utf8_lossy(&listed.stdout).split('\0') {
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let Some(rel) = path.strip_prefix(&below) else {
            continue;
        };
        if rel == spec || rel.split('/').any(|p| p.eq_ignore_ascii_case(".git")) {
            continue;
        }
        // A link that may stand for a folder of component files is not followed either.
        if meta.starts_with("120000 ") && !matches_any(globs, rel) && could_hold(globs, rel) {
            unread_folder(inputs, rel, LINK.into());
            continue;
        }
        if !matches_any(globs, rel) {
            continue;
        }
        let mut fields = meta.split(' ');
        let (mode, kind, object) = (fields.next(), fields.next(), fields.next());
        match (mode, kind, object) {
            (Some("120000"), _, _) => {
                inputs.unread.insert(rel.to_owned(), LINK.into());
            }
            (_, Some("blob"), Some(object)) => {
                wanted.insert(rel.to_owned(), object.to_owned());
            }
            _ => {}
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let mut batch = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot run git cat-file")?;
    let mut stdin = batch.stdin.take().context("git cat-file has no input")?;
    let objects: Vec<String> = wanted.values().cloned().collect();
    // Written from a thread: git answers while it reads, and a full pipe would stall it.
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        for object in objects {
            writeln!(stdin, "{object}")?;
        }
        Ok(())
    });
    let mut out = BufReader::new(batch.stdout.take().context("git cat-file has no output")?);
    for path in wanted.keys() {
        let mut header = String::new();
        out.read_line(&mut header)?;
        // `<object> blob <size>`, then the bytes and a newline.
        let size: usize = header
            .trim_end()
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("git cat-file answered `{}`", header.trim_end()))?;
        let mut bytes = vec![0; size];
        out.read_exact(&mut bytes)?;
        let mut newline = [0; 1];
        out.read_exact(&mut newline)?;
        match String::from_utf8(bytes) {
            Ok(text) => {
                inputs.includes.insert(path.clone(), text);
            }
            Err(_) => {
                inputs
                    .unread
                    .insert(path.clone(), "it is not UTF-8 text".into());
            }
        }
    }
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("git cat-file's input failed"))??;
    batch.wait()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_folder_could_hold_a_match_only_where_the_glob_reaches() {
        let globs = ["teams/*/component.yaml".to_owned()];
        assert!(super::could_hold(&globs, "teams"));
        assert!(super::could_hold(&globs, "teams/b"));
        assert!(!super::could_hold(&globs, "teams/b/c"));
        assert!(!super::could_hold(&globs, "other"));
        assert!(super::could_hold(
            &["teams/**/c.yaml".to_owned()],
            "teams/x/y/z"
        ));
    }

    #[test]
    fn a_glob_is_walked_from_its_fixed_folder() {
        assert_eq!(
            super::fixed_prefix("components/**/component.yaml"),
            "components"
        );
        assert_eq!(super::fixed_prefix("teams/a/*.yaml"), "teams/a");
        assert_eq!(super::fixed_prefix("*.yaml"), "");
        assert_eq!(super::fixed_prefix("web.yaml"), "");
        assert_eq!(super::fixed_prefix("teams/web.yaml"), "teams");
    }
}
