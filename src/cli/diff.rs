//! `ladder diff`: the spec now against the spec at a git revision.

use std::path::Path;
use std::process::ExitCode;

use super::args::DiffFormat;
use super::spec_file::{read_spec, report, warn};
use super::{FOUND, git, output};

pub(super) fn diff(spec_arg: &Path, base: &str, format: DiffFormat) -> anyhow::Result<ExitCode> {
    let spec = read_spec(spec_arg)?;
    let request = spec.request();
    let planned = match request.plan() {
        Ok(planned) => planned,
        Err(diagnostics) => return Ok(report(&spec, &diagnostics)),
    };
    // What builds but may not do what the spec means, as `build` says it (to stderr, so
    // the markdown for a merge request stays clean).
    warn(&spec, &planned.model.warnings);
    let out = spec
        .path
        .parent()
        .unwrap_or(Path::new("."))
        .join(&planned.model.output.path);
    let spec_ref = output::relative_path(&out, &spec.path)?;
    let head = match request.spec_ref(&spec_ref).render(planned) {
        Ok(compiled) => compiled,
        Err(diagnostics) => return Ok(report(&spec, &diagnostics)),
    };
    let base_bytes = git::show_at(&spec.path, base)?;
    let base_display = format!("{} at {base}", spec.display);
    let compiled_base = match &base_bytes {
        None => {
            eprintln!(
                "note: {} did not exist at {base}; everything is new",
                spec.display
            );
            None
        }
        Some(bytes) => match ladder::Request::new(&base_display, bytes)
            .inputs(&ladder::Inputs {
                // Component files are named from the spec's folder, not `… at REV`.
                folder: Some(ladder::load::include::folder_of(&spec.display).to_owned()),
                ..git::inputs_at(&spec.path, base, bytes)?
            })
            .spec_ref(&spec_ref)
            .compile()
        {
            Ok(c) => Some(c),
            Err(diagnostics) => {
                eprintln!(
                    "note: the spec at {base} does not build ({} problems); comparing with nothing",
                    diagnostics.len()
                );
                None
            }
        },
    };
    let summary = ladder::review::diff::summarize(compiled_base.as_ref(), &head);
    match format {
        DiffFormat::Text => print!("{}", ladder::review::diff::text(&summary, base)),
        DiffFormat::Markdown => print!(
            "{}",
            ladder::review::diff::markdown(&summary, base, &head.model.name)
        ),
    }
    Ok(if summary.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FOUND)
    })
}
