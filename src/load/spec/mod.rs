//! The spec: what a `ladder.yaml` may say, as Rust types.
//!
//! These types are the single source of truth for the file format: serde reads
//! them, schemars turns them into `schema/ladder.schema.json` (committed, and
//! checked by a test), and the loader checks a spec's structure against that
//! schema before serde sees it, so that every unknown field and wrong type in a
//! spec is reported at once, with its position.
//!
//! Names fixed by contract: the top-level `components` list with `name` and
//! `dependsOn`, and the `environments` list with `name`.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

mod application;
mod component;
mod environment;
mod lint;
pub mod resources;
mod source;

pub use application::{
    ApplicationDifference, ApplicationSetSettings, ApplicationsSync, Backoff, IgnoreDifference,
    Info, ManagedNamespaceMetadata, Override, Retry,
};
pub use component::{ClusterResource, Component, Enabled, Gate, GateDigest, HealthCheck, MemberOf};
pub use environment::{
    Confirm, Confirmable, Destination, Environment, PropagationPolicy, Sync, SyncOptions,
    SyncWindow, WindowKind,
};
pub use lint::{Lint, LintAssumption, LintLevel, LintRepository};
pub use source::{
    Directory, Helm, HelmFileParameter, HelmParameter, Jsonnet, JsonnetVar, Kustomize,
    KustomizePatch, KustomizeReplica, PatchTarget, Plugin, PluginEnv, PluginParameter, Source,
};

/// A ladder spec: components with their dependencies, and the environments they roll out to.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "ladder spec")]
pub struct Spec {
    /// Name of the system; names the ApplicationSet, the AppProject and the root Application.
    /// Defaults to the name of the spec's folder (lowercased, other characters than
    /// letters, digits and `-` made `-`), with a warning: write it out, since another
    /// name re-creates every Application.
    #[serde(default)]
    #[schemars(transform = no_default)]
    pub name: String,
    /// Where and how Argo CD runs.
    #[serde(default)]
    pub argocd: ArgoCd,
    /// Values every component and environment inherits unless it sets its own.
    #[serde(default)]
    pub defaults: Defaults,
    /// Where the generated tree lives in git, so the root Application can point at it.
    /// Defaults to `{path: argocd}` in the repository and revision of `defaults.source`.
    #[serde(default)]
    pub output: Output,
    /// How components are ordered into rollout steps.
    #[serde(default)]
    pub rollout: Rollout,
    /// The environments, in rollout order (e.g. dev, staging, prod).
    pub environments: Vec<Environment>,
    /// The components: one Argo CD Application each, per environment. The components
    /// of the `include` files are added to them.
    #[serde(default)]
    pub components: Vec<Component>,
    /// Component files, as globs relative to the spec's folder
    /// (`components/**/component.yaml`: `*` stays inside a folder, `**` spans folders).
    /// Each file holds one component or a list of them, so each team can own its
    /// folder; a glob that matches no file is an error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// Version pins, one file per environment next to the spec (by default
    /// `versions/<env>.yaml`), the one source of truth for chart versions and image tags.
    #[serde(default)]
    pub versions: Option<VersionFiles>,
    /// Fleets whose members are folders next to the spec, e.g.
    /// `{nodes: {folders: "envs/{{ env }}/nodes"}}`: adding a node is adding a folder.
    /// An environment that lists the fleet's members itself keeps its list.
    #[serde(default)]
    pub fleets: IndexMap<String, FleetFolders>,
    /// `ladder lint`'s settings, when the repository keeps them in the spec rather than
    /// in a `.ladder-lint.yaml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lint: Option<Lint>,
}

/// Where the version files are.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VersionFiles {
    /// Path of each environment's file, relative to the spec's folder; uses `{{ env }}`.
    #[serde(default = "default_versions_path")]
    pub path: String,
}

fn default_versions_path() -> String {
    "versions/{{ env }}.yaml".into()
}

/// Where a fleet's members are found.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FleetFolders {
    /// Folder whose subfolders are the members, relative to the spec's folder; uses `{{ env }}`.
    pub folders: String,
}

/// Argo CD settings.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ArgoCd {
    /// Namespace Argo CD runs in; Applications, ApplicationSets and AppProjects live there.
    #[serde(default = "default_argocd_namespace")]
    pub namespace: String,
    /// AppProject of the generated Applications. ladder emits it, scoped to exactly the
    /// repositories and destinations the spec uses. Defaults to the spec's `name`.
    /// `default` (Argo CD's built-in project) is used as is and not emitted.
    #[serde(default)]
    pub project: Option<String>,
    /// Argo CD version the output targets, `MAJOR.MINOR` (2.10 to 3.6). Output is
    /// shaped for it: fields that version lacks are not emitted.
    #[serde(default = "default_version")]
    pub version: String,
    /// API server URL of the cluster Argo CD runs in (where the root Application and
    /// the ApplicationSet are applied).
    #[serde(default = "default_server", rename = "server")]
    pub server: String,
    /// AppProject of the root (app-of-apps) Application.
    #[serde(default = "default_root_project")]
    pub root_project: String,
    /// Permit every cluster-scoped kind (CRDs, namespaces, ClusterRoles…) in the emitted
    /// AppProject. Without it the project permits exactly the kinds components declare
    /// (`components[].clusterResources`) and, where an environment's sync options have
    /// `CreateNamespace`, the destination namespaces.
    #[serde(default)]
    pub cluster_resources: bool,
}

impl Default for ArgoCd {
    fn default() -> Self {
        ArgoCd {
            namespace: default_argocd_namespace(),
            project: None,
            version: default_version(),
            server: default_server(),
            root_project: default_root_project(),
            cluster_resources: false,
        }
    }
}

fn default_argocd_namespace() -> String {
    "argocd".into()
}
fn default_version() -> String {
    "3.5".into()
}
fn default_server() -> String {
    "https://kubernetes.default.svc".into()
}
fn default_root_project() -> String {
    "default".into()
}

/// Values inherited by every component and environment.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Defaults {
    /// Repository and revision for component sources that do not name their own.
    #[serde(default)]
    pub source: SourceDefaults,
    /// Destination namespace for components that do not name their own; may use `{{ env }}`.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Destination cluster for environments that do not name their own.
    #[serde(default)]
    pub destination: Option<Destination>,
    /// Expected time for a component from the start of its sync to healthy, for rollout
    /// estimates (`90s`, `5m`, `1h30m`), when neither it nor its role says. Defaults to `1m`.
    #[serde(default)]
    pub duration: Option<String>,
    /// Expected durations by `role`, over the built-in ones (crds, secrets, configs 30s;
    /// post-runtime 1m; operators, smokes 2m; runtimes 3m).
    #[serde(default)]
    pub role_durations: IndexMap<String, String>,
    /// Sync options of every environment's Applications; an environment's own
    /// `syncOptions` override these option by option.
    #[serde(default)]
    pub sync_options: Option<SyncOptions>,
}

/// Repository defaults for sources.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SourceDefaults {
    /// The git repository of every git source that names none (not of Helm charts, which
    /// name their own repository), and of the generated tree when `output.repoURL` is not
    /// set; may use `{{ env }}` except for the generated tree.
    #[serde(default, rename = "repoURL")]
    pub repo_url: Option<String>,
    /// The git revision (branch, tag or commit) of every git source that names none;
    /// `HEAD` when neither says.
    #[serde(default)]
    pub target_revision: Option<String>,
}

/// Where `ladder build` output is committed, for the root Application's source.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Output {
    /// Folder in the repository that holds the generated tree (the folder `ladder build -o`
    /// writes, relative to the repository root). `ladder build` writes there by default,
    /// relative to the spec's folder. With independent environments each environment
    /// gets a subfolder named after it.
    #[serde(default = "default_output_path")]
    pub path: String,
    /// Repository holding the generated tree. Defaults to `defaults.source.repoURL`.
    #[serde(default, rename = "repoURL")]
    pub repo_url: Option<String>,
    /// Revision the root Application tracks. Defaults to `defaults.source.targetRevision`.
    #[serde(default)]
    pub target_revision: Option<String>,
}

impl Default for Output {
    fn default() -> Self {
        Output {
            path: default_output_path(),
            repo_url: None,
            target_revision: None,
        }
    }
}

/// Drops the `default` schemars writes for a field whose default is not a constant
/// (the spec's `name`: its folder's), so the schema and the reference do not claim `""`.
fn no_default(schema: &mut schemars::Schema) {
    schema.remove("default");
}

/// The folder `output.path` names when the spec does not: `argocd`, beside the spec.
pub const DEFAULT_OUTPUT_PATH: &str = "argocd";

fn default_output_path() -> String {
    DEFAULT_OUTPUT_PATH.to_owned()
}

/// How components are ordered into steps.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Rollout {
    /// Label key that carries each Application's phase; RollingSync steps select on it.
    #[serde(default = "default_phase_label")]
    pub label: String,
    /// Label key that carries each Application's environment.
    #[serde(default = "default_environment_label")]
    pub environment_label: String,
    /// How phases are assigned.
    #[serde(default)]
    pub layout: Layout,
    /// What orders the rollout: `rollingSync` (one ApplicationSet with RollingSync steps)
    /// or `appOfApps` (a root Application whose child Applications carry
    /// `argocd.argoproj.io/sync-wave` = their phase).
    #[serde(default)]
    pub strategy: Strategy,
    /// How many Applications of a step sync at once: an integer, or a percentage such as
    /// `"25%"` (Argo CD rounds down but allows at least one).
    #[serde(default)]
    pub max_update: MaxUpdate,
    /// `sequential`: one Argo CD rolls every environment, in order, in one ApplicationSet.
    /// `independent`: each environment's cluster runs its own Argo CD; one tree per environment.
    #[serde(default)]
    pub environments: Topology,
    /// Order of deletion when the ApplicationSet itself is deleted (Argo CD 3.2+).
    /// Defaults to `Reverse` where the target version supports it; with `Reverse` the
    /// root prunes with `PrunePropagationPolicy=background`, so the order holds.
    #[serde(default)]
    pub deletion_order: Option<DeletionOrder>,
    /// Settings of the generated ApplicationSet (`strategy: rollingSync`):
    /// `preserveResourcesOnDeletion`, `applicationsSync`, `ignoreApplicationDifferences`.
    #[serde(default)]
    pub application_set: ApplicationSetSettings,
    /// `maxUpdate` by component role, over `maxUpdate` and over the built-in `crds: 1` and
    /// `operators: 1` (other roles use `maxUpdate`). A step whose components have several roles takes the
    /// most conservative value.
    #[serde(default)]
    pub role_max_update: IndexMap<String, MaxUpdate>,
    /// Settings of single phases, keyed by phase number (`"120"`, or `"3"` in a compact
    /// ladder): a `maxUpdate` that overrides the role and default values.
    #[serde(default)]
    pub phases: IndexMap<String, PhasePolicy>,
    /// `layout: banded`: the base phase of each domain (default: prerequisites 0,
    /// foundation 100, data 200, platform 300, data-extended 400, observability 500,
    /// apps 600).
    #[serde(default = "default_bands")]
    pub bands: IndexMap<String, u32>,
    /// `layout: banded`: the offset of each role inside its domain's band (default:
    /// crds 10, operators 20, secrets 30, configs 40, runtimes 50, post-runtime 55,
    /// smokes 99).
    #[serde(default = "default_slots")]
    pub slots: IndexMap<String, u32>,
}

/// Settings of one phase.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PhasePolicy {
    /// The phase's `maxUpdate`, over the role and default values.
    #[serde(default)]
    pub max_update: Option<MaxUpdate>,
    /// Emit this phase's `maxUpdate` even when it is `0`/`"0%"` (Argo CD then waits for
    /// someone to sync the step by hand) or a malformed percentage (Argo CD treats it as
    /// 1). Both are errors without it.
    #[serde(default)]
    pub allow_unsafe_max_update: bool,
}

fn default_bands() -> IndexMap<String, u32> {
    [
        ("prerequisites", 0),
        ("foundation", 100),
        ("data", 200),
        ("platform", 300),
        ("data-extended", 400),
        ("observability", 500),
        ("apps", 600),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn default_slots() -> IndexMap<String, u32> {
    [
        ("crds", 10),
        ("operators", 20),
        ("secrets", 30),
        ("configs", 40),
        ("runtimes", 50),
        ("post-runtime", 55),
        ("smokes", 99),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

impl Default for Rollout {
    fn default() -> Self {
        Rollout {
            label: default_phase_label(),
            environment_label: default_environment_label(),
            layout: Layout::default(),
            strategy: Strategy::default(),
            max_update: MaxUpdate::default(),
            role_max_update: IndexMap::new(),
            phases: IndexMap::new(),
            environments: Topology::default(),
            deletion_order: None,
            application_set: ApplicationSetSettings::default(),
            bands: default_bands(),
            slots: default_slots(),
        }
    }
}

fn default_phase_label() -> String {
    "rollout-phase".into()
}
fn default_environment_label() -> String {
    "env".into()
}

/// How phases are assigned to components.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// Phase = 1 + the highest phase of the component's dependencies: as few steps as the
    /// longest dependency chain.
    #[default]
    Compact,
    /// Each component keeps the `phase` the team gave it (e.g. hand-numbered waves);
    /// ladder checks that every dependency has a lower phase.
    Pinned,
    /// Phase = the band of the component's `domain` + the slot of its `role` (with the
    /// default bands, `150` is foundation runtimes); ladder checks every dependency is earlier.
    Banded,
}

/// What Argo CD mechanism orders the rollout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Strategy {
    /// One ApplicationSet whose RollingSync steps select phases (needs progressive syncs).
    #[default]
    RollingSync,
    /// An app-of-apps root: one Application file per component and environment, with
    /// `argocd.argoproj.io/sync-wave` = its phase (offset per environment when sequential),
    /// and the `argocd-cm` Application health check that makes those waves wait.
    AppOfApps,
}

/// How environments relate to Argo CD instances.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Topology {
    /// One Argo CD; one ApplicationSet rolls every phase of each environment in order.
    #[default]
    Sequential,
    /// One Argo CD per environment; one output tree per environment.
    Independent,
}

/// `spec.strategy.deletionOrder` of the ApplicationSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum DeletionOrder {
    /// Delete the last step's Applications first.
    Reverse,
    /// Delete every Application at once.
    AllAtOnce,
}

/// An integer, or a percentage string such as `"25%"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum MaxUpdate {
    Count(i64),
    Percent(String),
}

impl Default for MaxUpdate {
    fn default() -> Self {
        MaxUpdate::Percent("100%".into())
    }
}

/// The JSON Schema of the spec, as committed in `schema/ladder.schema.json`.
impl Spec {
    /// Each component's index in `components`, by name (names are unique once analysis
    /// passes; a repeated name keeps its last index).
    pub fn component_indexes(&self) -> std::collections::BTreeMap<&str, usize> {
        self.components
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.as_str(), i))
            .collect()
    }
}

pub fn json_schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<Spec>();
    serde_json::to_value(schema).unwrap_or_default()
}

/// The committed schema file's text: pretty JSON with a final newline.
pub fn json_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    text.push('\n');
    text
}
