//! Reading a file as it was at a git revision, with the `git` command (offline).

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};

fn git(dir: &Path, args: &[&str]) -> anyhow::Result<std::process::Output> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .context("cannot run git; `ladder diff` needs git installed")
}

/// The top folder of the git repository holding `dir`: as git prints it, and canonical.
fn repository(dir: &Path) -> anyhow::Result<(String, std::path::PathBuf)> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if !top.status.success() {
        bail!("{} is not inside a git repository", dir.display());
    }
    let top = String::from_utf8_lossy(&top.stdout).trim().to_owned();
    let root = std::fs::canonicalize(&top).with_context(|| format!("cannot read {top}"))?;
    Ok((top, root))
}

/// The bytes of `file` at revision `rev`, or `None` if the file did not exist there.
pub(crate) fn show_at(file: &Path, rev: &str) -> anyhow::Result<Option<Vec<u8>>> {
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let (top, root) = repository(dir)?;
    let commit = git(
        dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )?;
    if !commit.status.success() {
        bail!("`{rev}` is not a revision of the repository at {top}");
    }
    let absolute =
        std::fs::canonicalize(file).with_context(|| format!("cannot read {}", file.display()))?;
    let relative = absolute
        .strip_prefix(&root)
        .with_context(|| format!("{} is outside the repository at {top}", file.display()))?;
    let relative: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let object = format!("{rev}:{}", relative.join("/"));
    let exists = git(&root, &["cat-file", "-e", &object])?;
    if !exists.status.success() {
        return Ok(None);
    }
    let shown = git(&root, &["show", &object])?;
    if !shown.status.success() {
        bail!(
            "git show {object} failed: {}",
            String::from_utf8_lossy(&shown.stderr).trim()
        );
    }
    Ok(Some(shown.stdout))
}

/// The version files and fleet folders the spec at `spec` (whose text at `rev` is
/// `bytes`) names, as they were at `rev`: the inputs of the `ladder::Request` that builds the
/// base of a diff.
pub(crate) fn inputs_at(spec: &Path, rev: &str, bytes: &[u8]) -> anyhow::Result<ladder::Inputs> {
    // The folder is the working tree's: a spec without `name` gets the same name.
    let mut inputs = ladder::Inputs {
        name: super::spec_file::folder_name(spec),
        ..ladder::Inputs::default()
    };
    let ladder::Wanted {
        files,
        folders,
        include,
    } = ladder::Request::new("spec", bytes).inputs(&inputs).wanted();
    if files.is_empty() && folders.is_empty() && include.is_empty() {
        return Ok(inputs);
    }
    let dir = match spec.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let (top, root) = repository(dir)?;
    let absolute =
        std::fs::canonicalize(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    let prefix: Vec<String> = absolute
        .strip_prefix(&root)
        .with_context(|| format!("{} is outside the repository at {top}", dir.display()))?
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if !include.is_empty() {
        let own = spec
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        super::includes::read_at(&root, rev, &prefix.join("/"), &own, &include, &mut inputs)?;
    }
    let object = |rel: &str| {
        let mut parts = prefix.clone();
        parts.push(rel.trim_end_matches('/').to_owned());
        format!("{rev}:{}", parts.join("/"))
    };
    // As the working tree is read (`spec_file::read_inputs`): a symbolic link (mode
    // 120000) is refused, never followed, so `diff` and `build` agree.
    for file in files {
        let entry = git(
            &root,
            &["ls-tree", "-z", rev, "--", &object(&file)[rev.len() + 1..]],
        )?;
        if String::from_utf8_lossy(&entry.stdout).starts_with("120000 ") {
            inputs.refused.insert(file.clone(), file);
            continue;
        }
        let shown = git(&root, &["show", &object(&file)])?;
        if shown.status.success() {
            inputs
                .files
                .insert(file, String::from_utf8_lossy(&shown.stdout).into_owned());
        }
    }
    for folder in folders {
        let listed = git(&root, &["ls-tree", "-z", &object(&folder)])?;
        if listed.status.success() {
            let mut names = Vec::new();
            // `<mode> <type> <object>\t<name>`, each ended by NUL.
            for entry in String::from_utf8_lossy(&listed.stdout).split('\0') {
                let Some((meta, name)) = entry.split_once('\t') else {
                    continue;
                };
                if meta.starts_with("120000 ") {
                    let member = format!("{folder}/{name}");
                    inputs.refused.insert(member.clone(), member);
                } else if meta.split(' ').nth(1) == Some("tree") {
                    names.push(name.to_owned());
                }
            }
            names.sort();
            inputs.folders.insert(folder, names);
        }
    }
    Ok(inputs)
}
