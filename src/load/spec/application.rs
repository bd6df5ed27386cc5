//! Settings of the generated Applications that a component sets for all its environments
//! and a component's `overrides` set for one: sync retries, the differences Argo CD
//! ignores, the managed namespace's metadata, `info` and the revision history. Field names
//! are the Application CRD's (`spec.syncPolicy.retry`, `spec.ignoreDifferences`, …), so
//! what a team knows from Argo CD's documentation is what it writes here.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::environment::SyncOptions;

/// How Argo CD retries a failed sync (`spec.syncPolicy.retry`). RollingSync's syncs use it
/// too: the ApplicationSet controller copies it into the sync it starts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Retry {
    /// How many times a failed sync is retried; `0` never, a negative number without end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// The wait before each retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Backoff>,
    /// Retry with the newest revision rather than the one that failed (Argo CD 3.2+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<bool>,
}

/// The wait between retries: `duration`, then multiplied by `factor` after each failure,
/// up to `maxDuration`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Backoff {
    /// The first wait: seconds (`"10"`) or a Go duration (`10s`, `2m`). Argo CD's default
    /// is `5s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// What each wait is multiplied by after a failure, at least 1. Argo CD's default is 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<i64>,
    /// The longest wait: seconds or a Go duration. Argo CD's default is `3m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_duration: Option<String>,
}

/// Differences Argo CD does not count when it compares live resources with git
/// (`spec.ignoreDifferences[]`), e.g. the `replicas` an HPA sets or the `caBundle` a
/// webhook's certificate controller injects. With the sync option
/// `RespectIgnoreDifferences`, syncs leave those fields alone too.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IgnoreDifference {
    /// API group of the resources, e.g. `apps`; empty or absent for the core group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Kind of the resources, e.g. `Deployment`.
    pub kind: String,
    /// Only the resource with this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Only resources in this namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Fields to ignore as JSON pointers (RFC 6901), e.g. `/spec/replicas`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json_pointers: Vec<String>,
    /// Fields to ignore as jq path expressions, e.g.
    /// `.spec.template.spec.initContainers[] | select(.name == "istio-init")`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jq_path_expressions: Vec<String>,
    /// Ignore every field these field managers own, e.g. `kube-controller-manager`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_fields_managers: Vec<String>,
}

/// Labels and annotations Argo CD sets on the destination namespace it creates
/// (`spec.syncPolicy.managedNamespaceMetadata`); needs the sync option `CreateNamespace`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ManagedNamespaceMetadata {
    /// Labels of the namespace.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, String>,
    /// Annotations of the namespace.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub annotations: IndexMap<String, String>,
}

/// An entry of the Application's `spec.info`, shown in Argo CD's UI (a runbook, an owner).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Info {
    /// What the entry is, e.g. `Runbook`.
    pub name: String,
    /// Its value, e.g. a URL.
    pub value: String,
}

/// What a component's Applications in one environment set differently (e.g. prod pages
/// someone, retries longer). Each field replaces the component's for that environment,
/// except `syncOptions` (option by option), `labels` and `annotations` (key by key) and
/// `application` (merged over the component's patch).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Override {
    /// The cluster of the component's Application in this environment (`server` or
    /// `name`), instead of the component's or the environment's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<super::environment::Destination>,
    /// Sync options over the component's and the environment's, option by option.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_options: Option<SyncOptions>,
    /// Retries of a failed sync, instead of the component's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
    /// Ignored differences, instead of the component's (`[]` for none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_differences: Option<Vec<IgnoreDifference>>,
    /// The managed namespace's metadata, instead of the component's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_namespace_metadata: Option<ManagedNamespaceMetadata>,
    /// `spec.info` entries, instead of the component's (`[]` for none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<Vec<Info>>,
    /// How many past syncs Argo CD keeps, instead of the component's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<i64>,
    /// Labels added to (or replacing those of) the component's `labels`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, String>,
    /// Annotations added to (or replacing those of) the component's `annotations`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub annotations: IndexMap<String, String>,
    /// A patch merged over the component's `application` patch (objects key by key,
    /// lists replaced, `null` removing a key the component's patch sets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Settings of the ApplicationSet ladder generates (`strategy: rollingSync`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApplicationSetSettings {
    /// `true`: deleting a generated Application (a component renamed or removed, or the
    /// ApplicationSet itself) leaves its resources running. The ApplicationSet controller
    /// then creates the Applications without the resources finalizer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preserve_resources_on_deletion: Option<bool>,
    /// What the ApplicationSet controller may do to the Applications it generates: `sync`
    /// (create, update and delete: Argo CD's default) or `create-update` (never delete).
    /// `create-only` and `create-delete` are refused: they never update an Application,
    /// so no change of the spec would reach one, and RollingSync would roll out nothing.
    /// Argo CD honours it when its ApplicationSet controller runs without `--policy`, or
    /// with `--enable-policy-override`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applications_sync: Option<ApplicationsSync>,
    /// Fields of the generated Applications the ApplicationSet controller leaves as they
    /// are live when it updates them (e.g. `[{jsonPointers: [/spec/info]}]`). Fields ladder
    /// drives (labels, sources, destination, project) are refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_application_differences: Vec<ApplicationDifference>,
}

/// `applicationsSync`: what the ApplicationSet controller may do to its Applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ApplicationsSync {
    Sync,
    CreateUpdate,
    CreateOnly,
    CreateDelete,
}

/// Fields of the generated Applications (all, or the one named) the ApplicationSet
/// controller does not overwrite.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApplicationDifference {
    /// Only the Application with this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fields as JSON pointers, e.g. `/spec/info`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json_pointers: Vec<String>,
    /// Fields as jq path expressions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jq_path_expressions: Vec<String>,
}
