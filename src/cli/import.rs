//! `ladder import PATH…`: a spec from an existing tree ([`ladder::import`]), written
//! beside its report; never over an existing spec without `--force`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use super::{FOUND, INVALID, fs_safe, read};

/// The report's file, beside the spec.
const REPORT: &str = "ladder-import.txt";

pub(super) fn import(
    paths: &[std::path::PathBuf],
    out: &Path,
    name: Option<&str>,
    force: bool,
) -> anyhow::Result<ExitCode> {
    let mut files = Vec::new();
    for path in paths {
        files.extend(read::read_yaml_files(path, true)?);
    }
    let imported = match ladder::import::import(&files, name) {
        Ok(imported) => imported,
        Err(diagnostics) => {
            let source = |file: &str| {
                files
                    .iter()
                    .find(|(name, _)| name == file)
                    .map(|(_, text)| text.as_str())
            };
            eprint!("{}", ladder::diagnostic::render_in(&diagnostics, &source));
            return Ok(ExitCode::from(INVALID));
        }
    };
    let spec_path = out.join("ladder.yaml");
    let report_path = out.join(REPORT);
    if !force {
        for path in [&spec_path, &report_path] {
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
    std::fs::create_dir_all(out)?;
    for (path, bytes) in [
        (&spec_path, imported.spec.as_bytes()),
        (&report_path, report.as_bytes()),
    ] {
        if std::fs::symlink_metadata(path).is_ok() {
            fs_safe::replace_file(path, bytes)?;
        } else {
            fs_safe::create_new_file(path, bytes)?;
        }
    }
    print!("{report}");
    println!(
        "wrote {} and {}",
        spec_path.display(),
        report_path.display()
    );
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FOUND)
    })
}
