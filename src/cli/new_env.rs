//! `ladder new-env NAME --from ENV`: copies the files of an existing environment (found
//! by `ladder::edit::new_env::roots`) for a new one, never overwriting a file, and prints the
//! spec snippet that declares it.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use super::envs::{self, usage};

pub(super) fn run(spec_arg: &Path, name: &str, from: &str) -> anyhow::Result<ExitCode> {
    let (spec_file, loaded) = match envs::load(spec_arg)? {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let spec = &loaded.spec;
    let envs: Vec<&str> = spec.environments.iter().map(|e| e.name.as_str()).collect();
    if let Some(error) = envs::unknown(spec, from) {
        return error;
    }
    let from_index = envs.iter().position(|e| *e == from).unwrap_or(0);
    if envs.contains(&name) {
        return usage(
            format!("`{name}` is already an environment of `{}`", spec.name),
            None,
        );
    }
    if !ladder::analyze::names::is_dns1123_label(name) {
        return usage(
            format!("`{name}` is not a valid environment name"),
            Some(
                "use lowercase letters, digits and `-`, starting and ending with a letter or digit"
                    .into(),
            ),
        );
    }
    let dir = spec_file.path.parent().unwrap_or_else(|| Path::new("."));
    let (mut created, mut kept) = (0usize, 0usize);
    for root in ladder::edit::new_env::roots(&loaded) {
        let source = dir.join(ladder::analyze::version_files::for_env(&root, from));
        let target_rel = ladder::analyze::version_files::for_env(&root, name);
        let target = dir.join(&target_rel);
        if !source.exists() {
            println!(
                "nothing to copy for {target_rel}: {} does not exist",
                ladder::analyze::version_files::for_env(&root, from)
            );
            continue;
        }
        let mut files = Vec::new();
        collect_files(&source, Path::new(""), &mut files)?;
        for rel in files {
            let to = if rel.as_os_str().is_empty() {
                target.clone()
            } else {
                target.join(&rel)
            };
            let shown = to.strip_prefix(dir).unwrap_or(&to).display().to_string();
            if to.exists() {
                println!("kept    {shown} (exists)");
                kept += 1;
                continue;
            }
            let from_path = if rel.as_os_str().is_empty() {
                source.clone()
            } else {
                source.join(&rel)
            };
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::copy(&from_path, &to).with_context(|| {
                format!("cannot copy {} to {}", from_path.display(), to.display())
            })?;
            println!("created {shown}");
            created += 1;
        }
    }
    println!(
        "{created} file{} created, {kept} kept",
        if created == 1 { "" } else { "s" }
    );
    let snippet = ladder::edit::new_env::snippet(&loaded, from_index, name)
        .unwrap_or_else(|| format!("  - name: {name}\n"));
    println!(
        "\nAdd `{name}` to `environments` in {} where it belongs in the rollout (and promotion) order, e.g. after `{}`:\n\n{snippet}",
        spec_file.display,
        envs.last().copied().unwrap_or(from)
    );
    Ok(ExitCode::SUCCESS)
}

/// Every file under `path` (or `path` itself if it is a file), relative to it, sorted.
fn collect_files(path: &Path, rel: &Path, out: &mut Vec<std::path::PathBuf>) -> anyhow::Result<()> {
    let here = if rel.as_os_str().is_empty() {
        path.to_path_buf()
    } else {
        path.join(rel)
    };
    let meta = std::fs::symlink_metadata(&here)
        .with_context(|| format!("cannot read {}", here.display()))?;
    if meta.is_file() {
        out.push(rel.to_path_buf());
        return Ok(());
    }
    if !meta.is_dir() {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(&here)
        .with_context(|| format!("cannot read {}", here.display()))?
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    entries.sort();
    for entry in entries {
        collect_files(path, &rel.join(entry), out)?;
    }
    Ok(())
}
