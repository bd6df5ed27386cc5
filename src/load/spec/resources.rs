//! The spec's `components[].resources`: resource groups inside one component, as Rust
//! types (part of the spec's JSON Schema through [`crate::load::spec::Component`]).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A named group of the component's resources, ordered by `dependsOn` into sync-waves;
/// or `{preset: kinds}`, which adds ladder's built-in groups by kind.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceGroup {
    /// Name of the group (a DNS-1123 label); other groups name it in `dependsOn`, and it is
    /// the key of its entries in the generated Helm values (`syncWaves`, `syncHooks`,
    /// `syncAnnotations`); `enabled` is reserved.
    #[serde(default)]
    pub name: Option<String>,
    /// Which resources belong to the group: a resource matches an item when it matches
    /// every field the item sets, and the group when it matches any item.
    #[serde(default, rename = "match")]
    pub matches: Vec<Match>,
    /// Groups of the same component that must be synced and healthy first.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Keep this group at wave 0 and number the others around it: its prerequisites get
    /// negative waves (e.g. anchored on the application: database -3, redis -2, migration -1, application 0).
    /// At most one group per component.
    #[serde(default)]
    pub anchor: bool,
    /// Run the group as an Argo CD resource hook in this phase instead of as plain
    /// resources (`argocd.argoproj.io/hook`); its wave orders it within that phase.
    #[serde(default)]
    pub hook: Option<Hook>,
    /// When Argo CD deletes the hook's resources (`argocd.argoproj.io/hook-delete-policy`);
    /// Argo CD assumes `BeforeHookCreation` when none is given. Only with `hook`.
    #[serde(default)]
    pub delete_policy: Vec<DeletePolicy>,
    /// `kinds`: ladder's ordering by kind, as groups `namespaces` (Namespaces, CRDs), `rbac`,
    /// `config` (ConfigMaps, Secrets), `storage`, `services`, `databases` (StatefulSets,
    /// database resources), `migrations` (Jobs), `workloads`, `ingress`, each depending on
    /// the one before. Named groups take precedence over them and may depend on them.
    /// An item with `preset` sets nothing else.
    #[serde(default)]
    pub preset: Option<Preset>,
}

/// One way of matching a resource; every field set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Match {
    /// `kind`, e.g. `Deployment` (exact, any API group).
    #[serde(default)]
    pub kind: Option<String>,
    /// `metadata.name` (exact).
    #[serde(default)]
    pub name: Option<String>,
    /// `metadata.namespace` (exact); a resource without one is in the component's namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Labels the resource must all carry with these values.
    #[serde(default)]
    pub labels: IndexMap<String, String>,
}

/// Argo CD resource hook phases ladder can assign.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
pub enum Hook {
    /// Before the resources are applied (e.g. a backup or a migration).
    PreSync,
    /// With the resources, after the PreSync hooks.
    Sync,
    /// After every resource is healthy (e.g. a smoke test).
    PostSync,
    /// When the sync fails.
    SyncFail,
    /// Before the Application's resources are deleted (Argo CD 3.3+).
    PreDelete,
    /// After the Application's resources are deleted (Argo CD 2.10+).
    PostDelete,
}

impl Hook {
    pub fn as_str(self) -> &'static str {
        match self {
            Hook::PreSync => "PreSync",
            Hook::Sync => "Sync",
            Hook::PostSync => "PostSync",
            Hook::SyncFail => "SyncFail",
            Hook::PreDelete => "PreDelete",
            Hook::PostDelete => "PostDelete",
        }
    }
}

/// `argocd.argoproj.io/hook-delete-policy` values.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
pub enum DeletePolicy {
    /// Delete the hook's resources after they succeed.
    HookSucceeded,
    /// Delete them after they fail.
    HookFailed,
    /// Delete the previous ones before creating new ones (Argo CD's default).
    BeforeHookCreation,
}

impl DeletePolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            DeletePolicy::HookSucceeded => "HookSucceeded",
            DeletePolicy::HookFailed => "HookFailed",
            DeletePolicy::BeforeHookCreation => "BeforeHookCreation",
        }
    }
}

/// Built-in groupings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Namespaces and CRDs, RBAC, config and secrets, storage, services, databases,
    /// migration Jobs, workloads, ingress.
    Kinds,
}
