//! The spec's `lint` section: `ladder lint`'s settings kept in the spec, for a repository
//! that would rather not have a `.ladder-lint.yaml` beside it. The same settings, read
//! by [`crate::lint::config`] with their positions; these types give the schema its shape.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `ladder lint`'s settings, as a `.ladder-lint.yaml` holds them. A `.ladder-lint.yaml`
/// (or `--config`) is read instead when there is one; paths are relative to the spec.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Lint {
    /// Globs of paths lint leaves out, e.g. `charts/**/templates/**` (`*` within a
    /// folder, `**` across folders).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// A severity per rule (`ladder lint --list-rules` lists them), e.g.
    /// `{max-update-zero: off, empty-step: error}`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub rules: IndexMap<String, LintLevel>,
    /// What is set up where lint cannot see it, so lint takes it as installed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assume: Vec<LintAssumption>,
    /// Local checkouts of the repositories ApplicationSet git generators read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repositories: Vec<LintRepository>,
}

/// A rule's severity, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LintLevel {
    Error,
    Warning,
    Note,
    Off,
}

/// A setting lint cannot read and takes as installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LintAssumption {
    /// The Application health check in `argocd-cm` (an app-of-apps ordered by waves).
    ApplicationHealthCheck,
    /// Progressive syncs on in the ApplicationSet controller (RollingSync).
    ProgressiveSyncs,
}

/// A repository's local checkout.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LintRepository {
    /// The URL ApplicationSets name it by, e.g. `https://github.com/acme/platform.git`.
    pub url: String,
    /// Its folder, relative to the spec.
    pub path: String,
}
