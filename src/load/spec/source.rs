//! An Application's sources as a spec writes them: a git path (plain manifests, a
//! kustomization, a Helm chart in git, or a Config Management Plugin's input), a chart of
//! a Helm repository, or a `ref` that only provides value files; with the settings of
//! the tool that renders it. Field names are the Application CRD's
//! (`spec.source.helm.valuesObject`, `spec.source.kustomize.patches`, …).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A source of an Application: a git path, a Helm chart, or a `ref` for value files. At
/// most one of `helm`, `kustomize`, `directory` and `plugin`: Argo CD refuses a source
/// with two ("multiple application sources defined").
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Source {
    /// Repository URL (git, or a Helm repository for `chart`). Defaults to `defaults.source.repoURL`.
    #[serde(default, rename = "repoURL", skip_serializing_if = "Option::is_none")]
    pub repo_url: Option<String>,
    /// Git revision, or chart version for `chart`. Defaults to `defaults.source.targetRevision`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_revision: Option<String>,
    /// Folder in the repository; may use `{{ env }}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Helm chart name in a Helm repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<String>,
    /// Name other sources use to reach this one's files (`$values/...`); letters, digits, `_`, `-`.
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The source's name in Argo CD's UI and CLI (`argocd app manifests --source-names`);
    /// Argo CD 2.14 and later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Only the git tags with this prefix count when `targetRevision` is a semver
    /// constraint, compared without it: `tagPrefix: api/` and `targetRevision: 1.2.*`
    /// resolve to the newest `api/1.2.x` tag (Argo CD 3.5+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_prefix: Option<String>,
    /// Helm settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm: Option<Helm>,
    /// Kustomize settings, for a git `path` with a kustomization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kustomize: Option<Kustomize>,
    /// Settings of a plain folder of manifests (or Jsonnet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory: Option<Directory>,
    /// A Config Management Plugin renders the `path`, e.g. `{name: ladder-waves-v1, env: […]}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<Plugin>,
}

/// Helm settings of a source.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Helm {
    /// Value files, in order (later win); may use `{{ env }}` and `$<ref>/` prefixes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub value_files: Vec<String>,
    /// Helm release name; may use `{{ env }}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_name: Option<String>,
    /// Values as a YAML block (a string), after the value files. Not substituted: it may
    /// hold the chart's own templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<String>,
    /// Values as a mapping, after the value files. Argo CD prefers it over `values`, so
    /// a source sets one of the two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_object: Option<serde_json::Map<String, serde_json::Value>>,
    /// `--set` parameters, after the values; values may use `{{ env }}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<HelmParameter>,
    /// `--set-file` parameters: a value read from a file of the source; paths may use `{{ env }}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub file_parameters: Vec<HelmFileParameter>,
    /// Go on when a value file is missing, instead of failing to render.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_missing_value_files: Option<bool>,
    /// Do not install the chart's `crds/` folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_crds: Option<bool>,
    /// Pass the repository's credentials to every host the chart is fetched from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_credentials: Option<bool>,
    /// The namespace Helm templates with, instead of the destination's (Argo CD 2.13+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The Kubernetes version the chart sees (`.Capabilities.KubeVersion`), instead of the
    /// cluster's (Argo CD 2.13+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_version: Option<String>,
    /// The API versions the chart sees (`.Capabilities.APIVersions`, `[group/]version/kind`),
    /// instead of the cluster's (Argo CD 2.13+).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_versions: Vec<String>,
    /// Leave out the chart's test hooks (Argo CD 2.14+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_tests: Option<bool>,
    /// Do not validate the values against the chart's `values.schema.json` (Argo CD 2.14+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_schema_validation: Option<bool>,
    /// The Helm major version, `v3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A Helm `--set` parameter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HelmParameter {
    /// The value's path, e.g. `image.tag`.
    pub name: String,
    /// The value; may use `{{ env }}`.
    pub value: String,
    /// Keep the value a string (`--set-string`), so `true` or `20241201` is not read as a
    /// boolean or a number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_string: Option<bool>,
}

/// A Helm `--set-file` parameter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HelmFileParameter {
    /// The value's path, e.g. `config`.
    pub name: String,
    /// The file, relative to the source's path; may use `{{ env }}`.
    pub path: String,
}

/// Kustomize settings of a source, applied with `kustomize edit` before the build.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Kustomize {
    /// Prefix of every resource's name; may use `{{ env }}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_prefix: Option<String>,
    /// Suffix of every resource's name; may use `{{ env }}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_suffix: Option<String>,
    /// Namespace of every namespaced resource; may use `{{ env }}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Labels added to every resource (and to selectors).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub common_labels: IndexMap<String, String>,
    /// Annotations added to every resource; `ladder.dev/…` are ladder's.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub common_annotations: IndexMap<String, String>,
    /// Image overrides, `name=newName:tag` or `name:tag` (as `kustomize edit set image`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    /// Kustomize Components to include, as paths relative to the source's path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
    /// Patches, each a `path` to a patch file or an inline `patch`, with an optional `target`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<KustomizePatch>,
    /// Replica counts by workload name, e.g. `[{name: web, count: 3}]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replicas: Vec<KustomizeReplica>,
    /// Apply `commonLabels` even over labels the manifests set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_common_labels: Option<bool>,
    /// Apply `commonAnnotations` even over annotations the manifests set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_common_annotations: Option<bool>,
    /// Substitute Argo CD's build environment (`${ARGOCD_APP_NAME}`, …) in `commonAnnotations`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub common_annotations_envsubst: Option<bool>,
    /// Add `commonLabels` without adding them to selectors (Argo CD 2.11+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_without_selector: Option<bool>,
    /// With `labelWithoutSelector`, add `commonLabels` to pod templates too (Argo CD 3.0+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_include_templates: Option<bool>,
    /// Build even when a listed Component is missing (Argo CD 3.0+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_missing_components: Option<bool>,
    /// The Kubernetes version Helm charts inflated by kustomize see (Argo CD 2.13+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_version: Option<String>,
    /// The API versions Helm charts inflated by kustomize see (Argo CD 2.13+).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_versions: Vec<String>,
    /// The kustomize version to build with, as configured in `argocd-cm` (`kustomize.path.<version>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A workload's replica count set by kustomize.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KustomizeReplica {
    /// The workload's name.
    pub name: String,
    /// Its replicas, at least 0.
    pub count: i64,
}

/// A kustomize patch: a file (`path`) or inline text (`patch`), exactly one of them.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KustomizePatch {
    /// A patch file, relative to the source's path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The patch itself: a strategic merge patch or a JSON 6902 patch, as YAML text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
    /// The resources it applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<PatchTarget>,
    /// Kustomize patch options, e.g. `{allowNameChange: true}`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub options: IndexMap<String, bool>,
}

/// The resources a kustomize patch applies to.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PatchTarget {
    /// API group, e.g. `apps`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// API version, e.g. `v1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Kind, e.g. `Deployment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name (a regular expression).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace (a regular expression).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Label selector, e.g. `app=web`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<String>,
    /// Annotation selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation_selector: Option<String>,
}

/// Settings of a plain folder of manifests.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Directory {
    /// Read the folders under the path too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurse: Option<bool>,
    /// Only files matching this glob, e.g. `{*.yaml,*.json}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<String>,
    /// No files matching this glob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<String>,
    /// Jsonnet settings, for `.jsonnet` files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jsonnet: Option<Jsonnet>,
}

/// Jsonnet settings of a folder.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Jsonnet {
    /// External variables (`std.extVar`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ext_vars: Vec<JsonnetVar>,
    /// Top-level arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tlas: Vec<JsonnetVar>,
    /// Library folders, relative to the repository.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub libs: Vec<String>,
}

/// A Jsonnet variable or top-level argument.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JsonnetVar {
    /// Its name.
    pub name: String,
    /// Its value; may use `{{ env }}`.
    pub value: String,
    /// The value is Jsonnet code rather than a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<bool>,
}

/// A Config Management Plugin rendering the source.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Plugin {
    /// The plugin's name and version as its sidecar registers it (`<name>-<version>`, e.g.
    /// `ladder-waves-v1`); without it, the plugin whose `discover` matches the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Variables for the plugin's commands, which see each as `ARGOCD_ENV_<name>`; values
    /// may use `{{ env }}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<PluginEnv>,
    /// Parameters the plugin declares, each with exactly one of `string`, `array` and `map`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<PluginParameter>,
}

/// A variable for a plugin's commands.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PluginEnv {
    /// Its name, without the `ARGOCD_ENV_` prefix.
    pub name: String,
    /// Its value; may use `{{ env }}`.
    pub value: String,
}

/// A parameter of a plugin.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PluginParameter {
    /// Its name, as the plugin declares it.
    pub name: String,
    /// A string value.
    #[serde(default, rename = "string", skip_serializing_if = "Option::is_none")]
    pub string: Option<String>,
    /// A list value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub array: Option<Vec<String>>,
    /// A map value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<IndexMap<String, String>>,
}
