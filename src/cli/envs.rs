//! What `ladder promote` and `ladder new-env` share: the spec loaded (not compiled:
//! they work on an environment's files, and must run on a spec whose new environment
//! is not complete yet) and their usage errors.

use std::path::Path;
use std::process::ExitCode;

use super::INVALID;
use super::spec_file::{SpecFile, read_spec, report};

/// The spec file and its loaded form, or the exit code after reporting its problems.
pub(super) fn load(
    spec_arg: &Path,
) -> anyhow::Result<Result<(SpecFile, ladder::load::Loaded), ExitCode>> {
    let spec_file = read_spec(spec_arg)?;
    Ok(match spec_file.request().load() {
        Ok(loaded) => Ok((spec_file, loaded)),
        Err(diagnostics) => Err(report(&spec_file, &diagnostics)),
    })
}

/// Prints a usage error (with its fix) and returns exit code 2, in the shape the
/// commands return, so each check is one `return usage(format!(…), help)`.
#[allow(clippy::needless_pass_by_value, clippy::unnecessary_wraps)]
pub(super) fn usage(message: String, help: Option<String>) -> anyhow::Result<ExitCode> {
    eprintln!("error: {message}");
    if let Some(help) = help {
        eprintln!("  = help: {help}");
    }
    Ok(ExitCode::from(INVALID))
}

/// The usage error for `env` when it is not an environment of `spec`.
pub(super) fn unknown(
    spec: &ladder::load::spec::Spec,
    env: &str,
) -> Option<anyhow::Result<ExitCode>> {
    let envs = spec.environments.iter().map(|e| e.name.as_str());
    if envs.clone().any(|e| e == env) {
        return None;
    }
    Some(usage(
        format!("`{env}` is not an environment of `{}`", spec.name),
        Some(
            ladder::diagnostic::did_you_mean(env, envs.clone()).unwrap_or_else(|| {
                format!(
                    "the environments are {}",
                    envs.collect::<Vec<_>>().join(", ")
                )
            }),
        ),
    ))
}
