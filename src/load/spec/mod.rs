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

pub mod resources;

/// A ladder spec: components with their dependencies, and the environments they roll out to.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "ladder spec")]
pub struct Spec {
    /// Name of the system; names the ApplicationSet, the AppProject and the root Application.
    pub name: String,
    /// Where and how Argo CD runs.
    #[serde(default)]
    pub argocd: ArgoCd,
    /// Values every component and environment inherits unless it sets its own.
    #[serde(default)]
    pub defaults: Defaults,
    /// Where the generated tree lives in git, so the root Application can point at it.
    pub output: Output,
    /// How components are ordered into rollout steps.
    #[serde(default)]
    pub rollout: Rollout,
    /// The environments, in rollout order (e.g. dev, staging, prod).
    pub environments: Vec<Environment>,
    /// The components: one Argo CD Application each, per environment.
    pub components: Vec<Component>,
    /// Version pins, one file per environment next to the spec (seed 004's
    /// `versions/<env>.yaml`), the one source of truth for chart versions and image tags.
    #[serde(default)]
    pub versions: Option<VersionFiles>,
    /// Fleets whose members are folders next to the spec, e.g.
    /// `{nodes: {folders: "envs/{{ env }}/nodes"}}`: adding a node is adding a folder.
    /// An environment that lists the fleet's members itself keeps its list.
    #[serde(default)]
    pub fleets: IndexMap<String, FleetFolders>,
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
    /// Allow cluster-scoped resources (CRDs, namespaces, ClusterRoles) in the emitted AppProject.
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
    #[serde(default, rename = "repoURL")]
    pub repo_url: Option<String>,
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
    pub path: String,
    /// Repository holding the generated tree. Defaults to `defaults.source.repoURL`.
    #[serde(default, rename = "repoURL")]
    pub repo_url: Option<String>,
    /// Revision the root Application tracks. Defaults to `defaults.source.targetRevision`.
    #[serde(default)]
    pub target_revision: Option<String>,
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
    /// Defaults to `Reverse` where the target version supports it.
    #[serde(default)]
    pub deletion_order: Option<DeletionOrder>,
    /// `maxUpdate` by component role, over `maxUpdate` and over the built-in `crds: 1` and
    /// `operators: 1` (other roles use `maxUpdate`). A step whose components have several roles takes the
    /// most conservative value.
    #[serde(default)]
    pub role_max_update: IndexMap<String, MaxUpdate>,
    /// Settings of single phases, keyed by phase number (`"120"`, or `"3"` in a compact
    /// ladder): a `maxUpdate` that overrides the role and default values.
    #[serde(default)]
    pub phases: IndexMap<String, PhasePolicy>,
    /// `layout: banded`: the base phase of each domain (seed 002: prerequisites 0,
    /// foundation 100, data 200, platform 300, data-extended 400, observability 500,
    /// apps 600).
    #[serde(default = "default_bands")]
    pub bands: IndexMap<String, u32>,
    /// `layout: banded`: the offset of each role inside its domain's band (seed 002:
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
    /// Phase = the band of the component's `domain` + the slot of its `role` (seed 002's
    /// ladder: `150` is foundation runtimes); ladder checks every dependency is earlier.
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

/// One environment.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Environment {
    /// Name, e.g. `dev`. Appended to Application names (`<component>-<env>`).
    pub name: String,
    /// Destination cluster. Defaults to `defaults.destination`, then the in-cluster API server.
    #[serde(default)]
    pub destination: Option<Destination>,
    /// `auto`: RollingSync syncs this environment's steps by itself. `manual`: each step
    /// waits until an operator syncs its Applications (`maxUpdate: 0`).
    #[serde(default)]
    pub sync: Sync,
    /// With `sync: auto`: whether the syncs RollingSync triggers delete resources that
    /// left git (`automated.prune`, the one field of the block RollingSync reads).
    /// Defaults to `true`.
    #[serde(default)]
    pub prune: Option<bool>,
    /// Accepted only as `false`: RollingSync turns automated sync off on every generated
    /// Application, so `selfHeal: true` would be ignored by Argo CD.
    #[serde(default)]
    pub self_heal: Option<bool>,
    /// Sync options of this environment's Applications, over `defaults.syncOptions`
    /// (option by option).
    #[serde(default)]
    pub sync_options: Option<SyncOptions>,
    /// Sync windows of this environment, emitted in its AppProject. With the
    /// `sequential` topology ladder scopes each window to the environment's Applications.
    /// An active `deny` window blocks RollingSync's syncs even with `manualSync: true`.
    #[serde(default)]
    pub sync_windows: Vec<SyncWindow>,
    /// Members of each fleet in this environment, e.g. `{nodes: [node-alpha, node-beta]}`.
    /// A component with `fleet: nodes` becomes one Application per member here.
    #[serde(default)]
    pub fleets: IndexMap<String, Vec<String>>,
}

/// Application sync options (`spec.syncPolicy.syncOptions`), each `true` or `false`;
/// emitted as `Name=true`/`Name=false` in this order. Unset options are not emitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct SyncOptions {
    /// Create the destination namespace if it is missing.
    #[serde(default)]
    pub create_namespace: Option<bool>,
    /// Apply with server-side apply.
    #[serde(default)]
    pub server_side_apply: Option<bool>,
    /// Skip the dry run for resources whose CRD is not yet in the cluster.
    #[serde(default)]
    pub skip_dry_run_on_missing_resource: Option<bool>,
    /// Apply the Application's `ignoreDifferences` during syncs too.
    #[serde(default)]
    pub respect_ignore_differences: Option<bool>,
    /// Prune after every other resource is synced and healthy.
    #[serde(default)]
    pub prune_last: Option<bool>,
    /// Apply only the resources that are out of sync.
    #[serde(default)]
    pub apply_out_of_sync_only: Option<bool>,
}

/// An AppProject sync window (`spec.syncWindows[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SyncWindow {
    /// `allow`: syncs only while an allow window is active. `deny`: no syncs while
    /// active (wins over allow).
    pub kind: WindowKind,
    /// Start times: a five-field cron expression (minute hour day-of-month month
    /// day-of-week), e.g. `"0 22 * * 3"`.
    pub schedule: String,
    /// How long the window lasts from each start, as a Go duration (`8h`, `90m`, `1h30m`).
    pub duration: String,
    /// IANA time zone of the schedule (`Europe/Berlin`). Argo CD's default is `UTC`.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Let operators sync by hand while the window blocks. Does not apply to RollingSync's
    /// own syncs.
    #[serde(default)]
    pub manual_sync: Option<bool>,
    /// Application name globs the window applies to (independent topology only).
    #[serde(default)]
    pub applications: Vec<String>,
    /// Destination namespace globs the window applies to (independent topology only).
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// Destination cluster globs the window applies to (independent topology only).
    #[serde(default)]
    pub clusters: Vec<String>,
    /// Match only Applications that every list selects, not any (Argo CD 3.0+).
    #[serde(default)]
    pub and_operator: Option<bool>,
    /// What the window is for, at most 255 characters (Argo CD 3.1+).
    #[serde(default)]
    pub description: Option<String>,
    /// Let running syncs continue: for a deny window, those started before it opened;
    /// for an allow window, those started inside it, after it closes (Argo CD 3.5+).
    #[serde(default)]
    pub sync_overrun: Option<bool>,
}

/// Kind of a sync window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WindowKind {
    Allow,
    Deny,
}

/// A destination cluster, by API server URL or by the cluster's name in Argo CD.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    #[serde(default)]
    pub server: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// Sync mode of an environment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Sync {
    #[default]
    Auto,
    Manual,
}

/// One component: an Argo CD Application per environment.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Component {
    /// Name; a DNS-1123 label once `-<env>` is appended.
    pub name: String,
    /// Components that must be synced and healthy before this one starts.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Components that must be synced and healthy before this one starts, without a data
    /// dependency (e.g. an admission webhook that must exist before others apply). Ordered
    /// like `dependsOn`, but a component disabled in an environment is simply not waited
    /// for there.
    #[serde(default)]
    pub after: Vec<String>,
    /// For a smoke (role `smoke` or `smokes`): `false` makes it non-gating, so nothing waits
    /// on it; it then runs in the environment's last step. Defaults to `true`.
    #[serde(default)]
    pub gating: Option<bool>,
    /// One source: a git path or a Helm chart.
    #[serde(default)]
    pub source: Option<Source>,
    /// Several sources (multi-source Application), e.g. a chart plus a `ref: values` repo.
    #[serde(default)]
    pub sources: Option<Vec<Source>>,
    /// Destination namespace; may use `{{ env }}`. Defaults to `defaults.namespace`.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Extra labels on the generated Applications.
    #[serde(default)]
    pub labels: IndexMap<String, String>,
    /// Whether the component exists: `true`/`false`, or per environment (`{prod: false}`;
    /// environments not listed keep the default, `true`).
    #[serde(default)]
    pub enabled: Option<Enabled>,
    /// Expected time from the start of its sync to healthy (`90s`, `5m`, `1h30m`), for
    /// rollout estimates. Defaults to `defaults.duration`.
    #[serde(default)]
    pub duration: Option<String>,
    /// The phase the team chose, with `rollout.layout: pinned` (e.g. `15` for wave 15).
    #[serde(default)]
    pub phase: Option<u32>,
    /// Domain (a key of `rollout.bands` with `rollout.layout: banded`).
    #[serde(default)]
    pub domain: Option<String>,
    /// Role (a key of `rollout.slots` with `rollout.layout: banded`); also sets the
    /// expected duration (see `defaults.roleDurations`).
    #[serde(default)]
    pub role: Option<String>,
    /// Groups of the component's own resources, ordered by `dependsOn` into sync-waves
    /// inside its Application (`ladder waves`, and the kustomize and Helm files of
    /// `ladder build`).
    #[serde(default)]
    pub resources: Vec<resources::ResourceGroup>,
    /// The fleet this component is instantiated for: one component `<member>-<name>` per
    /// member of `environments[].fleets[fleet]`, in the environments that list the member.
    /// Its strings may use `{{ member }}`; a dependency on another component of the same
    /// fleet is per member (node X's backend after node X's vault).
    #[serde(default)]
    pub fleet: Option<String>,
    /// A gate: every other component of each environment waits for it (e.g. a backup
    /// whose chart runs a PreSync hook). A gate may depend only on other gates.
    #[serde(default)]
    pub gate: bool,
    /// Custom health checks this component's resources need (seed 004: the PAT resource
    /// is healthy only once its namespace is provisioned). Emitted as
    /// `patches/argocd-cm.yaml`, for Argo CD's `argocd-cm` ConfigMap.
    #[serde(default)]
    pub health_checks: Vec<HealthCheck>,
    /// This component's entry in the version files, as a dotted path (`dlt-node.vault`):
    /// its `chartVersion` becomes the chart source's `targetRevision` in each
    /// environment, and its `imageTag` the Helm parameter `imageParameter`.
    #[serde(default)]
    pub version: Option<String>,
    /// Helm parameter that receives the entry's `imageTag` (e.g. `image.tag`).
    #[serde(default)]
    pub image_parameter: Option<String>,
    /// For a kustomize (git `path`) source: image name → the key of this component's
    /// version entry that holds its tag (`{your-registry/nextjs-shop: imageTag}`),
    /// emitted as the source's `kustomize.images` (`your-registry/nextjs-shop:<tag>`).
    #[serde(default)]
    pub kustomize_images: std::collections::BTreeMap<String, String>,
}

/// A Lua health check for one resource kind.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HealthCheck {
    /// API group of the resource, e.g. `example.com`; empty for the core group.
    #[serde(default)]
    pub group: String,
    /// Kind of the resource, e.g. `ProjectApplicationTemplate`.
    pub kind: String,
    /// The Lua script: reads `obj`, returns a table with `status` (`Healthy`,
    /// `Progressing`, `Degraded`, `Suspended`, `Missing`) and `message`.
    pub lua: String,
}

/// `enabled: false` or `enabled: {dev: true, prod: false}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Enabled {
    All(bool),
    PerEnvironment(IndexMap<String, bool>),
}

/// A source of an Application: a git path, a Helm chart, or a `ref` for value files.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Source {
    /// Repository URL (git, or a Helm repository for `chart`). Defaults to `defaults.source.repoURL`.
    #[serde(default, rename = "repoURL")]
    pub repo_url: Option<String>,
    /// Git revision, or chart version for `chart`. Defaults to `defaults.source.targetRevision`.
    #[serde(default)]
    pub target_revision: Option<String>,
    /// Folder in the repository; may use `{{ env }}`.
    #[serde(default)]
    pub path: Option<String>,
    /// Helm chart name in a Helm repository.
    #[serde(default)]
    pub chart: Option<String>,
    /// Name other sources use to reach this one's files (`$values/...`); letters, digits, `_`, `-`.
    #[serde(default, rename = "ref")]
    pub reference: Option<String>,
    /// Helm settings.
    #[serde(default)]
    pub helm: Option<Helm>,
}

/// Helm settings of a source.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Helm {
    /// Value files, in order (later win); may use `{{ env }}` and `$<ref>/` prefixes.
    #[serde(default)]
    pub value_files: Vec<String>,
    /// Helm release name.
    #[serde(default)]
    pub release_name: Option<String>,
}

/// The JSON Schema of the spec, as committed in `schema/ladder.schema.json`.
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
