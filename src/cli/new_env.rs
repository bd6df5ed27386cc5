//! `ladder new-env NAME --from ENV`: copies the files of an existing environment (found
//! by `ladder::edit::new_env::roots`) for a new one, never overwriting a file, and prints the
//! spec snippet that declares it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use super::INVALID;
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
    // Everything is checked before anything is written: every path stays inside the
    // spec's folder and goes through no symbolic link (a link, even a dangling one, is
    // never written through), so a refusal writes nothing.
    let (actions, problems) = plan_copies(dir, &loaded, from, name)?;
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("error: {problem}");
        }
        eprintln!("nothing was written");
        return Ok(ExitCode::from(INVALID));
    }
    let (mut created, mut kept) = (0usize, 0usize);
    for action in actions {
        match action {
            Action::Note(note) => println!("{note}"),
            Action::Keep(shown) => {
                println!("kept    {shown} (exists)");
                kept += 1;
            }
            Action::Copy { from, to, shown } => {
                copy_new(dir, &from, &to)?;
                println!("created {shown}");
                created += 1;
            }
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

/// One step of new-env, decided before anything is written.
enum Action {
    Note(String),
    Keep(String),
    Copy {
        from: PathBuf,
        to: PathBuf,
        shown: String,
    },
}

/// What new-env would copy for environment `name` from `from`, or the problems that
/// stop it (paths outside the spec's folder, symbolic links on the way).
fn plan_copies(
    dir: &Path,
    loaded: &ladder::load::Loaded,
    from: &str,
    name: &str,
) -> anyhow::Result<(Vec<Action>, Vec<String>)> {
    use super::fs_safe::{Outside, join_inside};
    use ladder::analyze::version_files::for_env;
    let mut actions = Vec::new();
    let mut problems = Vec::new();
    let outside = |rel: &str, why: Outside| match why {
        Outside::Leaves => format!(
            "`{rel}` leaves the spec's folder; ladder new-env reads and writes only inside it (write paths relative to it, without `..`)"
        ),
        Outside::Link(link) => format!(
            "refusing to copy through {}: it is a symbolic link",
            link.strip_prefix(dir).unwrap_or(&link).display()
        ),
    };
    for root in ladder::edit::new_env::roots(loaded) {
        let source_rel = for_env(&root, from);
        let target_rel = for_env(&root, name);
        let (source, target) = match (join_inside(dir, &source_rel), join_inside(dir, &target_rel))
        {
            (Ok(s), Ok(t)) => (s, t),
            (Err(e), _) => {
                problems.push(outside(&source_rel, e));
                continue;
            }
            (_, Err(e)) => {
                problems.push(outside(&target_rel, e));
                continue;
            }
        };
        if std::fs::symlink_metadata(&source).is_err() {
            actions.push(Action::Note(format!(
                "nothing to copy for {target_rel}: {source_rel} does not exist"
            )));
            continue;
        }
        let mut files = Vec::new();
        let mut links = Vec::new();
        collect_files(&source, Path::new(""), &mut files, &mut links)?;
        for link in links {
            actions.push(Action::Note(format!(
                "skipped {}: a symbolic link",
                link.strip_prefix(dir).unwrap_or(&link).display()
            )));
        }
        for rel in files {
            let (to, to_rel) = if rel.as_os_str().is_empty() {
                (target.clone(), target_rel.clone())
            } else {
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                (
                    target.join(&rel),
                    format!("{target_rel}/{}", parts.join("/")),
                )
            };
            if let Err(e) = join_inside(dir, &to_rel) {
                problems.push(outside(&to_rel, e));
                continue;
            }
            let shown = to.strip_prefix(dir).unwrap_or(&to).display().to_string();
            match std::fs::symlink_metadata(&to) {
                Ok(m) if m.is_file() => actions.push(Action::Keep(shown)),
                Ok(_) => problems.push(format!(
                    "refusing to write {shown}: something that is not a regular file stands there"
                )),
                Err(_) => actions.push(Action::Copy {
                    from: if rel.as_os_str().is_empty() {
                        source.clone()
                    } else {
                        source.join(&rel)
                    },
                    to,
                    shown,
                }),
            }
        }
    }
    Ok((actions, problems))
}

/// Copies `from` to the new file `to`, creating its missing folders one by one (each
/// checked to be a real folder) and never writing through a link: the file is created
/// with `O_EXCL`, so even a link that appeared since the check is not followed.
fn copy_new(dir: &Path, from: &Path, to: &Path) -> anyhow::Result<()> {
    let mut missing = Vec::new();
    let mut p = to.parent();
    while let Some(folder) = p.filter(|f| f.starts_with(dir) && *f != dir) {
        match std::fs::symlink_metadata(folder) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => anyhow::bail!(
                "refusing to write through {}: not a real folder",
                folder.display()
            ),
            Err(_) => missing.push(folder.to_path_buf()),
        }
        p = folder.parent();
    }
    for folder in missing.into_iter().rev() {
        std::fs::create_dir(&folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
    }
    let bytes = std::fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
    // The source's mode from the start: a copy of a 0600 file is never readable by others.
    #[cfg(unix)]
    let mode = std::fs::metadata(from).map_or(0o644, |m| {
        std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777
    });
    #[cfg(not(unix))]
    let mode = 0o644;
    super::fs_safe::create_new_file_with_mode(to, &bytes, mode)
}

/// Every file under `path` (or `path` itself if it is a file), relative to it, sorted;
/// symbolic links are listed in `links`, never followed.
fn collect_files(
    path: &Path,
    rel: &Path,
    out: &mut Vec<PathBuf>,
    links: &mut Vec<PathBuf>,
) -> anyhow::Result<()> {
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
    if meta.file_type().is_symlink() {
        links.push(here);
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
        collect_files(path, &rel.join(entry), out, links)?;
    }
    Ok(())
}
