//! `ladder promote`: reads the spec and the two version files, lets
//! `ladder::edit::promote` compute the new target text, prints the changes and writes it.

use std::path::Path;
use std::process::ExitCode;

use super::INVALID;
use super::envs::{self, usage};

pub(super) fn run(
    spec_arg: &Path,
    from: &str,
    to: &str,
    only: &[String],
    force: bool,
) -> anyhow::Result<ExitCode> {
    let (spec_file, loaded) = match envs::load(spec_arg)? {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let spec = &loaded.spec;
    let envs: Vec<&str> = spec.environments.iter().map(|e| e.name.as_str()).collect();
    for env in [from, to] {
        if let Some(error) = envs::unknown(spec, env) {
            return error;
        }
    }
    if from == to {
        return usage(format!("`--from` and `--to` are both `{from}`"), None);
    }
    if let Some(problem) = ladder::edit::promote::order_problem(&envs, from, to) {
        if force {
            eprintln!("warning: {problem}; promoting anyway (--force)");
        } else {
            return usage(
                problem,
                Some("promote one environment at a time, in order, or pass --force".into()),
            );
        }
    }
    let Some(versions) = &spec.versions else {
        return usage(
            format!("`{}` has no version files to promote", spec.name),
            Some("add `versions: {path: \"versions/{{ env }}.yaml\"}` to the spec".into()),
        );
    };
    let mut entries = Vec::new();
    // A fleet member (`alpha-vault`) is found among the expanded components; its entry
    // is its fleet component's, with `{{ member }}` filled in.
    let expanded = if only
        .iter()
        .any(|name| !spec.components.iter().any(|c| &c.name == name))
    {
        ladder::analyze::fleet::expand(loaded.clone(), &spec_file.inputs.folders)
            .map(|l| l.spec.components)
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    for name in only {
        let found = spec
            .components
            .iter()
            .find(|c| &c.name == name)
            .or_else(|| {
                expanded
                    .iter()
                    .find(|c| &c.name == name && c.member_of.is_some())
            });
        let Some(component) = found else {
            let names = spec
                .components
                .iter()
                .chain(expanded.iter().filter(|c| c.member_of.is_some()))
                .map(|c| c.name.as_str());
            return usage(
                format!("`{name}` is not a component of `{}`", spec.name),
                ladder::diagnostic::did_you_mean(name, names),
            );
        };
        if let (Some(of), Some(entry)) = (&component.member_of, &component.version) {
            eprintln!(
                "note: `{name}` is member `{}` of the fleet component `{}`: promoting the entry `{entry}`, which every member shares, with the `members` pins it holds",
                of.member, of.component
            );
        }
        match &component.version {
            Some(entry) => entries.push(entry.clone()),
            None => {
                return usage(
                    format!(
                        "component `{name}` has no `version` entry, so it has no pins to promote"
                    ),
                    None,
                );
            }
        }
    }
    let dir = spec_file.path.parent().unwrap_or_else(|| Path::new("."));
    let from_rel = ladder::analyze::version_files::for_env(&versions.path, from);
    let to_rel = ladder::analyze::version_files::for_env(&versions.path, to);
    // Both files stay inside the spec's folder, and neither is read or written through a
    // symbolic link: a spec from an unreviewed branch cannot point promote at any file of
    // the machine, and a linked version file is not silently replaced by a copy.
    let mut paths = Vec::new();
    for rel in [&from_rel, &to_rel] {
        match super::fs_safe::join_inside(dir, rel) {
            Ok(path) => paths.push(path),
            Err(super::fs_safe::Outside::Leaves) => {
                return usage(
                    format!("`{rel}` (from `versions.path`) leaves the spec's folder; ladder promote reads and writes only inside it"),
                    Some("write `versions.path` relative to the spec's folder, without `..`, e.g. `versions/{{ env }}.yaml`".into()),
                );
            }
            Err(super::fs_safe::Outside::Link(link)) => {
                let shown = link
                    .strip_prefix(dir)
                    .unwrap_or(&link)
                    .display()
                    .to_string();
                return usage(
                    format!("refusing to promote through {shown}: it is a symbolic link"),
                    Some("ladder promote does not write through links; make it a regular file or folder, or point `versions.path` at the real files".into()),
                );
            }
        }
    }
    let read = |path: &Path| std::fs::read_to_string(path);
    let (from_text, to_text) = match (read(&paths[0]), read(&paths[1])) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) => return usage(format!("cannot read {from_rel}: {e}"), None),
        (_, Err(e)) => {
            return usage(
                format!("cannot read {to_rel}: {e}"),
                Some(format!("create it first, e.g. as a copy of {from_rel}")),
            );
        }
    };
    let promotion =
        match ladder::edit::promote::promote(&from_rel, &from_text, &to_rel, &to_text, &entries) {
            Ok(p) => p,
            Err(diagnostics) => {
                eprint!("{}", ladder::diagnostic::render(&diagnostics, None));
                return Ok(ExitCode::from(INVALID));
            }
        };
    for entry in &promotion.missing {
        eprintln!("warning: {to_rel} has no `{entry}`; not promoted (add it by hand)");
    }
    if promotion.changes.is_empty() {
        println!("nothing to promote: {to_rel} already has {from}'s pins");
        return Ok(ExitCode::SUCCESS);
    }
    // In place of the file, keeping its mode (and owner, where permitted).
    super::fs_safe::replace_file(&paths[1], promotion.text.as_bytes())?;
    println!(
        "promoted {from} → {to}: {} pin{} in {to_rel}",
        promotion.changes.len(),
        if promotion.changes.len() == 1 {
            ""
        } else {
            "s"
        }
    );
    for change in &promotion.changes {
        println!("  {}: {} → {}", change.entry, change.old, change.new);
    }
    println!("run `ladder build` to write them into the manifests");
    Ok(ExitCode::SUCCESS)
}
