//! `ladder compare A B`: the Applications of two manifest trees, compared
//! ([`ladder::review::compare`]).

use std::path::Path;
use std::process::ExitCode;

use super::{FOUND, INVALID, read};

pub(super) fn compare(a: &Path, b: &Path, repository: &[String]) -> anyhow::Result<ExitCode> {
    let repositories = match super::checkout::parse_repositories(repository) {
        Ok(r) => r,
        Err(message) => {
            eprintln!("{message}");
            return Ok(ExitCode::from(INVALID));
        }
    };
    let mut sides = Vec::new();
    let mut problems = Vec::new();
    let mut texts = Vec::new();
    for path in [a, b] {
        let files = read::read_yaml_files(path, true)?;
        // Each tree's git generators read its own repository, and the ones given.
        let found = super::checkout::discover(&[path.to_path_buf()], &repositories);
        let checkouts = super::checkout::checkouts(&found);
        match ladder::review::compare::read(&files, &checkouts) {
            Ok(side) => sides.push(side),
            Err(diagnostics) => problems.extend(diagnostics),
        }
        texts.extend(files);
    }
    if !problems.is_empty() {
        let source = |file: &str| {
            texts
                .iter()
                .find(|(name, _)| name == file)
                .map(|(_, text)| text.as_str())
        };
        eprint!(
            "{}",
            ladder::diagnostic::render_in(&problems, &source).replace("; nothing was written", "")
        );
        return Ok(ExitCode::from(INVALID));
    }
    let (a_side, b_side) = (&sides[0], &sides[1]);
    let comparison = ladder::review::compare::compare(a_side, b_side);
    print!(
        "{}",
        ladder::review::compare::text(
            a_side,
            b_side,
            &comparison,
            &a.display().to_string(),
            &b.display().to_string()
        )
    );
    Ok(if comparison.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FOUND)
    })
}
