//! The spec's environments: destination, sync mode, prune and self-heal, sync options
//! and sync windows.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One environment.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Environment {
    /// The environment's name, e.g. `dev`; appended to Application names
    /// (`<component>-<env>`).
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
    /// From Argo CD 2.11 an active `deny` window blocks RollingSync's syncs even with
    /// `manualSync: true`. On 2.10 RollingSync does not check windows, so under RollingSync
    /// only `sync: manual` environments may have them there.
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
    /// `false`: apply without kubectl's schema validation (for kinds that embed raw
    /// objects).
    #[serde(default)]
    pub validate: Option<bool>,
    /// Replace (`kubectl replace`/`create`) instead of applying: for resources too large
    /// for the last-applied annotation, or fields apply cannot change.
    #[serde(default)]
    pub replace: Option<bool>,
    /// Refused: Argo CD reads `Force` only from a resource's `argocd.argoproj.io/sync-options`
    /// annotation or a sync's own force flag, never from the Application's sync options.
    #[serde(default)]
    pub force: Option<bool>,
    /// How pruned resources' dependents are deleted: `foreground` (Argo CD's default),
    /// `background` or `orphan`.
    #[serde(default)]
    pub prune_propagation_policy: Option<PropagationPolicy>,
    /// Fail the sync when a resource already belongs to another Application.
    #[serde(default)]
    pub fail_on_shared_resource: Option<bool>,
    /// `false`: keep the fields `kubectl-client-side-apply` manages when switching to
    /// server-side apply (Argo CD 3.1+; migrating them is the default).
    #[serde(default)]
    pub client_side_apply_migration: Option<bool>,
    /// `false`: never prune; `confirm`: prune only once someone confirms (Argo CD 3.4+ at
    /// the Application's level).
    #[serde(default)]
    pub prune: Option<Confirmable>,
    /// `false`: keep resources when the Application is deleted; `confirm`: delete them only
    /// once someone confirms (Argo CD 3.4+ at the Application's level).
    #[serde(default)]
    pub delete: Option<Confirmable>,
}

/// `PrunePropagationPolicy`: how Kubernetes deletes a pruned resource's dependents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PropagationPolicy {
    Foreground,
    Background,
    Orphan,
}

/// `false`, `true` or `confirm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Confirmable {
    Flag(bool),
    Word(Confirm),
}

/// The word `confirm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Confirm {
    Confirm,
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

/// A destination cluster, by API server URL or by the cluster's name in Argo CD:
/// exactly one of `server` and `name`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    /// The cluster's API server URL, e.g. `https://kubernetes.default.svc` (the cluster
    /// Argo CD runs in).
    #[serde(default)]
    pub server: Option<String>,
    /// The cluster's name as registered in Argo CD (`argocd cluster add`).
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
