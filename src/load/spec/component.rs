//! The spec's components: what each one is (sources, namespace, role, domain), what it
//! depends on, where it is enabled, and its resource groups and health checks.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::source::Source;

/// One component: an Argo CD Application per environment.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Component {
    /// The component's name; with `-<env>` appended it names its Application in each
    /// environment, so it must make a DNS-1123 label.
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
    /// The cluster of this component's Applications (`server` or `name`), instead of its
    /// environment's: e.g. a component every environment runs on the management cluster.
    /// The AppProject permits it.
    #[serde(default)]
    pub destination: Option<super::environment::Destination>,
    /// Destination namespace; may use `{{ env }}`. Defaults to `defaults.namespace`.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Extra labels on the generated Applications.
    #[serde(default)]
    pub labels: IndexMap<String, String>,
    /// Extra annotations on the generated Applications, e.g. a notification subscription
    /// (`notifications.argoproj.io/subscribe.on-sync-failed.slack: platform-alerts`).
    /// Values may use `{{ member }}` in a fleet. ladder's own (`argocd.argoproj.io/sync-wave`,
    /// which orders app-of-apps children, and `ladder.dev/…`) are refused.
    #[serde(default)]
    pub annotations: IndexMap<String, String>,
    /// Sync options of the component's Applications, over its environment's (option by
    /// option), e.g. `{ServerSideApply: true}` for a chart with large CRDs.
    #[serde(default)]
    pub sync_options: Option<super::environment::SyncOptions>,
    /// How Argo CD retries a failed sync of the component's Applications
    /// (`syncPolicy.retry`), e.g. `{limit: 5, backoff: {duration: 10s, factor: 2, maxDuration: 3m}}`.
    #[serde(default)]
    pub retry: Option<super::application::Retry>,
    /// Differences Argo CD does not count as drift (`spec.ignoreDifferences`), e.g. the
    /// replicas an HPA sets: `[{group: apps, kind: Deployment, jsonPointers: [/spec/replicas]}]`.
    #[serde(default)]
    pub ignore_differences: Vec<super::application::IgnoreDifference>,
    /// Labels and annotations of the destination namespace Argo CD creates
    /// (`syncPolicy.managedNamespaceMetadata`); needs the sync option `CreateNamespace`.
    #[serde(default)]
    pub managed_namespace_metadata: Option<super::application::ManagedNamespaceMetadata>,
    /// Entries shown in Argo CD's UI (`spec.info`), e.g. `[{name: Runbook, value: https://…}]`.
    #[serde(default)]
    pub info: Vec<super::application::Info>,
    /// How many past syncs Argo CD keeps in the Application's history
    /// (`spec.revisionHistoryLimit`; Argo CD's default is 10).
    #[serde(default)]
    pub revision_history_limit: Option<i64>,
    /// A patch merged into the generated Application, for the fields the spec has no
    /// first-class place for, e.g. `{metadata: {finalizers: [resources-finalizer.argocd.argoproj.io]}}`.
    /// Merged as Argo CD merges an ApplicationSet's `templatePatch` (objects key by key,
    /// lists replaced) and checked against the Application of the target Argo CD
    /// version: fields ladder writes, or that have a first-class field, are refused.
    #[serde(default)]
    pub application: Option<serde_json::Map<String, serde_json::Value>>,
    /// Per environment, what its Applications there set differently, e.g.
    /// `{prod: {annotations: {notifications.argoproj.io/subscribe.on-sync-failed.pagerduty: platform}}}`.
    /// Keys are environment names.
    #[serde(default)]
    pub overrides: IndexMap<String, super::application::Override>,
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
    pub resources: Vec<super::resources::ResourceGroup>,
    /// The fleet this component is instantiated for: one component `<member>-<name>` per
    /// member of `environments[].fleets.<fleet>`, in the environments that list the member.
    /// Its strings may use `{{ member }}`; a dependency on another component of the same
    /// fleet is per member (node X's backend after node X's vault).
    #[serde(default)]
    pub fleet: Option<String>,
    /// Set by fleet expansion, never read from the spec: the fleet component this one
    /// was made from, and for which member.
    #[serde(skip)]
    #[schemars(skip)]
    pub member_of: Option<MemberOf>,
    /// A gate: every other component of each environment waits for it (e.g. a backup
    /// whose chart runs a PreSync hook). A gate may depend only on other gates.
    ///
    /// RollingSync syncs only Applications that are OutOfSync, so an unchanged gate
    /// passes its step without running. `{helmParameter: NAME}` or `{kustomize: true}`
    /// hands the gate a digest of its environment's other Applications, so the gate
    /// changes (and runs) whenever the rest of its environment does; `true` alone orders
    /// only the first rollout, and `build` warns.
    #[serde(default)]
    pub gate: Gate,
    /// Custom health checks this component's resources need (e.g. a custom resource
    /// that is healthy only once the namespace it provisions exists). Emitted as
    /// `patches/argocd-cm.yaml`, for Argo CD's `argocd-cm` ConfigMap.
    #[serde(default)]
    pub health_checks: Vec<HealthCheck>,
    /// Cluster-scoped kinds this component installs (CRDs, ClusterRoles, webhook
    /// configurations…): the generated AppProject permits exactly these in its
    /// `clusterResourceWhitelist`, since an AppProject without an entry for a
    /// cluster-scoped kind makes every sync of it fail ("resource … is not permitted in
    /// project"). `argocd.clusterResources: true` permits every kind instead.
    #[serde(default)]
    pub cluster_resources: Vec<ClusterResource>,
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

/// `gate: true`, or a gate that carries its environment's rollout digest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Gate {
    /// `true`: a gate, with nothing that makes it change when its environment does.
    Flag(bool),
    /// A gate, and where its Application receives the digest.
    Digest(GateDigest),
}

impl Default for Gate {
    fn default() -> Self {
        Gate::Flag(false)
    }
}

impl Gate {
    /// Whether the component is a gate at all.
    pub fn is_gate(&self) -> bool {
        *self != Gate::Flag(false)
    }
}

/// Where a gate's Application receives the digest of its environment's other
/// Applications: exactly one of the two.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GateDigest {
    /// A Helm parameter the gate's chart renders into its manifests (e.g. `rolloutDigest`
    /// as an annotation of the backup Job), set on its chart source as a string.
    #[serde(default)]
    pub helm_parameter: Option<String>,
    /// `true`: the gate's git `path` source is a kustomization; the digest becomes the
    /// source's `kustomize.commonAnnotations` (`ladder.dev/rollout-digest`), which Argo CD
    /// adds to every resource it renders.
    #[serde(default)]
    pub kustomize: bool,
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

/// A cluster-scoped kind a component installs, as the AppProject's
/// `clusterResourceWhitelist` names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterResource {
    /// API group, e.g. `apiextensions.k8s.io`; empty (the default) for the core group.
    #[serde(default)]
    pub group: String,
    /// Kind of the cluster-scoped resource, e.g. `CustomResourceDefinition`, `ClusterRole`.
    pub kind: String,
    /// Only resources with this name (a glob, e.g. `cert-manager-*`); Argo CD 3.3 and
    /// later. Without it every resource of the kind is permitted.
    #[serde(default)]
    pub name: Option<String>,
}

/// `enabled: false` or `enabled: {dev: true, prod: false}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Enabled {
    All(bool),
    PerEnvironment(IndexMap<String, bool>),
}

/// The fleet component a component was expanded from (`vault`), and the member it is for
/// (`alpha`): the component is `alpha-vault`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberOf {
    pub component: String,
    pub member: String,
}
