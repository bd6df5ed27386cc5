//! `ladder import PATH…`: a spec from an existing tree ([`ladder::import`]), written
//! beside its report; never over an existing spec without `--force`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use super::{FOUND, INVALID, fs_safe, read};

/// The report's file, beside the spec.
const REPORT: &str = "ladder-import.txt";

/// The switches of `ladder import`.
#[derive(Clone, Copy)]
pub(super) struct Flags<'a> {
    pub(super) force: bool,
    pub(super) split: bool,
    pub(super) repository: &'a [String],
    pub(super) rendered: &'a [String],
}

pub(super) fn import(
    paths: &[std::path::PathBuf],
    out: &Path,
    name: Option<&str>,
    flags: Flags<'_>,
) -> anyhow::Result<ExitCode> {
    let Flags {
        force,
        split,
        repository,
        rendered,
    } = flags;
    let repositories = match super::checkout::parse_repositories(repository) {
        Ok(r) => r,
        Err(message) => {
            eprintln!("{message}");
            return Ok(ExitCode::from(INVALID));
        }
    };
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    for path in paths {
        let (texts, not_text) = read::read_yaml_files_lenient(path, true)?;
        files.extend(texts);
        unreadable.extend(not_text);
    }
    let mut manifests = Vec::new();
    for given in rendered {
        let Some((component, file)) = given
            .split_once('=')
            .filter(|(c, f)| !c.is_empty() && !f.is_empty())
        else {
            eprintln!(
                "error: `--rendered {given}` is not COMPONENT=FILE, e.g. `--rendered api=rendered/api.yaml`"
            );
            return Ok(ExitCode::from(INVALID));
        };
        match std::fs::read_to_string(file) {
            Ok(text) => manifests.push((component.to_owned(), file.to_owned(), text)),
            Err(e) => {
                eprintln!("error: `--rendered {given}`: cannot read `{file}`: {e}");
                return Ok(ExitCode::from(INVALID));
            }
        }
    }
    let rendered = manifests;
    let found = super::checkout::discover(paths, &repositories);
    let checkouts = super::checkout::checkouts(&found);
    let mut imported = ladder::import::import(&files, &rendered, name, &checkouts);
    // Files that are not text: reported, as the core reports those that are not YAML.
    for (file, why) in unreadable {
        imported.report.push(ladder::import::Line {
            file,
            pos: ladder::diagnostic::Pos::default(),
            what: format!("not imported: {why}"),
        });
    }
    imported
        .report
        .sort_by(|a, b| (&a.file, a.pos, &a.what).cmp(&(&b.file, b.pos, &b.what)));
    if imported.found == 0 {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        eprintln!(
            "error: no Argo CD Application or ApplicationSet in {}\n  = help: pass the files or folders that hold the manifests Argo CD reads",
            names.join(", ")
        );
        return Ok(ExitCode::from(INVALID));
    }
    if imported.applications == 0 {
        print!("{}", ladder::import::report_text(&imported));
        eprintln!(
            "error: none of the {} Applications maps to a component in an environment (see the notes); nothing was written\n  = help: give them an `env` label, or names that end in their environment (`api-prod`)",
            imported.found
        );
        return Ok(ExitCode::from(INVALID));
    }
    let spec_path = out.join("ladder.yaml");
    let report_path = out.join(REPORT);
    // What is written: the spec, or with --split the spec and one file per component.
    let written: Vec<(std::path::PathBuf, &str)> = if split {
        imported
            .split
            .iter()
            .map(|(path, text)| (out.join(path), text.as_str()))
            .collect()
    } else {
        vec![(spec_path.clone(), imported.spec.as_str())]
    };
    if !force {
        for path in written.iter().map(|(p, _)| p).chain([&report_path]) {
            if std::fs::symlink_metadata(path).is_ok() {
                eprintln!(
                    "error: {} exists; ladder import never overwrites a file without --force",
                    path.display()
                );
                return Ok(ExitCode::from(INVALID));
            }
        }
    }
    let mut report = ladder::import::report_text(&imported);
    // The spec as the next command reads it: does it plan?
    let display = spec_path.display().to_string();
    let planned = ladder::Request::new(&display, imported.spec.as_bytes()).plan();
    let problems = planned.err().unwrap_or_default();
    if !problems.is_empty() {
        let _ = writeln!(
            report,
            "the spec does not plan yet ({} problems; `ladder plan -f {display}` shows them):",
            problems.len()
        );
        for d in &problems {
            let _ = writeln!(
                report,
                "  {}:{}:{}: {}",
                d.file, d.pos.line, d.pos.column, d.message
            );
        }
    }
    for (path, bytes) in written
        .iter()
        .map(|(p, t)| (p, t.as_bytes()))
        .chain([(&report_path, report.as_bytes())])
    {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        if std::fs::symlink_metadata(path).is_ok() {
            fs_safe::replace_file(path, bytes)?;
        } else {
            fs_safe::create_new_file(path, bytes)?;
        }
    }
    print!("{report}");
    if split {
        println!(
            "wrote {}, {} component files beside it and {}",
            spec_path.display(),
            written.len() - 1,
            report_path.display()
        );
    } else {
        println!(
            "wrote {} and {}",
            spec_path.display(),
            report_path.display()
        );
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FOUND)
    })
}
