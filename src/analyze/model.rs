//! The checked model: what analysis hands to planning and rendering.
//!
//! Everything here is resolved: defaults applied, `{{ env }}` substituted,
//! names checked. Components are sorted by name, so nothing downstream can
//! depend on the order of the spec.
//!
//! Only types live here, with the small methods that read them; the checks that build
//! them are the other files of `analyze/`.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Serialize;

use crate::analyze::names::{HOOK, HOOK_DELETE_POLICY, SYNC_WAVE};
use crate::diagnostic::Diagnostic;
use crate::load::spec::resources::{DeletePolicy, Hook, Match};
use crate::load::spec::{DeletionOrder, Layout, Strategy, Sync, SyncWindow, Topology, WindowKind};

/// An Argo CD version, `MAJOR.MINOR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
}

impl Version {
    pub fn at_least(self, major: u32, minor: u32) -> bool {
        self >= Version { major, minor }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A RollingSync `maxUpdate`: a count or a percentage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxUpdate {
    Count(u32),
    Percent(u32),
}

impl MaxUpdate {
    /// `0` or `"0%"`: Argo CD syncs nothing of the step by itself (argocd-semantics §1.4).
    pub fn is_zero(self) -> bool {
        matches!(self, MaxUpdate::Count(0) | MaxUpdate::Percent(0))
    }
}

impl std::fmt::Display for MaxUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MaxUpdate::Count(n) => write!(f, "{n}"),
            MaxUpdate::Percent(p) => write!(f, "{p}%"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub argocd: ArgoCd,
    pub output: Output,
    pub rollout: Rollout,
    pub environments: Vec<Environment>,
    /// Sorted by name.
    pub components: Vec<Component>,
    /// Custom health checks the components need, by `argocd-cm` key.
    pub health_checks: Vec<HealthCheck>,
    /// What the spec may want to change but that does not stop it from building (each
    /// names its lint rule): printed by `build` and `plan`, reported by `lint`.
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, Clone)]
pub struct ArgoCd {
    pub namespace: String,
    pub version: Version,
    /// The AppProject generated Applications use.
    pub project: String,
    /// Whether ladder emits that AppProject (not for Argo CD's built-in `default`).
    pub emit_project: bool,
    pub server: String,
    pub root_project: String,
    pub cluster_resources: bool,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub repo_url: String,
    pub target_revision: String,
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct Rollout {
    pub label: String,
    pub environment_label: String,
    pub max_update: MaxUpdate,
    pub layout: Layout,
    pub strategy: Strategy,
    pub topology: Topology,
    pub deletion_order: Option<DeletionOrder>,
    /// The ApplicationSet's own settings (RollingSync).
    pub application_set: ApplicationSetOut,
    /// `maxUpdate` by role (built-in and the spec's `rollout.roleMaxUpdate`).
    pub role_max_update: BTreeMap<String, MaxUpdate>,
    /// `maxUpdate` by phase (`rollout.phases`), checked.
    pub phase_max_update: BTreeMap<u32, MaxUpdate>,
}

/// The generated ApplicationSet's own settings, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplicationSetOut {
    /// `syncPolicy.preserveResourcesOnDeletion`: Applications are created without the
    /// resources finalizer, so deleting one leaves its resources running.
    pub preserve_resources_on_deletion: bool,
    /// `syncPolicy.applicationsSync` (`sync` or `create-update`).
    pub applications_sync: Option<&'static str>,
    /// `ignoreApplicationDifferences`, when not empty.
    pub ignore_application_differences: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Destination {
    Server(String),
    Name(String),
}

#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub destination: Destination,
    pub sync: Sync,
    /// `automated.prune` of `sync: auto` Applications.
    pub prune: bool,
    /// `automated.selfHeal` of `sync: auto` app-of-apps children (always `false` under
    /// RollingSync, which ignores it).
    pub self_heal: bool,
    /// Sync windows for the environment's AppProject, as the spec gives them.
    pub sync_windows: Vec<WindowOut>,
}

#[derive(Debug, Clone)]
pub struct Component {
    pub name: String,
    /// Indexes into `Model::components`, sorted, without repeats.
    pub depends_on: Vec<usize>,
    /// Ordering-only edges (`after:`), indexes as in `depends_on`, none of them also there.
    pub after: Vec<usize>,
    /// The component's `role`, if any.
    pub role: Option<String>,
    /// Whether it is a smoke test, and whether others wait on it.
    pub smoke: Smoke,
    pub labels: IndexMap<String, String>,
    /// Extra annotations on its Applications (checked: none of ladder's own).
    pub annotations: IndexMap<String, String>,
    /// Expected seconds from the start of its sync to healthy.
    pub duration: u64,
    /// The phase the spec pins it to (`layout: pinned`).
    pub pinned: Option<u32>,
    /// One entry per environment (same order as `Model::environments`); `None` where disabled.
    pub instances: Vec<Option<Instance>>,
    /// Its resource groups with their sync-waves (`components[].resources`), if any.
    pub waves: Option<Waves>,
    /// The cluster-scoped kinds it installs, which its AppProject permits; sorted.
    pub cluster_resources: Vec<ClusterKind>,
    /// For a gate: where its Application receives the rollout digest.
    pub gate: Option<Carrier>,
    /// For a member of a fleet: the fleet component and the member.
    pub member_of: Option<crate::load::spec::MemberOf>,
}

/// A cluster-scoped kind an AppProject permits: an entry of its
/// `clusterResourceWhitelist` (`name` only from Argo CD 3.3).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClusterKind {
    /// The API group; empty for the core group.
    pub group: String,
    pub kind: String,
    /// A name or glob; `None` for every resource of the kind.
    pub name: Option<String>,
}

impl ClusterKind {
    /// `apiextensions.k8s.io/CustomResourceDefinition`, `Namespace` (core group),
    /// with ` named x` for a name.
    pub fn label(&self) -> String {
        let kind = if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}/{}", self.group, self.kind)
        };
        match &self.name {
            Some(name) => format!("{kind} named `{name}`"),
            None => kind,
        }
    }
}

/// What kind of smoke test a component is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Smoke {
    /// Not a smoke.
    No,
    /// A smoke the next step waits on, like any component.
    Gating,
    /// A smoke nothing waits on: it runs in its environment's last step.
    NonGating,
}

/// The kind of an ordering edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EdgeKind {
    /// `dependsOn`: a data dependency; it must be enabled wherever its dependent is.
    DependsOn,
    /// `after`: ordering only; not waited for where it is disabled.
    After,
}

impl EdgeKind {
    /// The spec key of the edge.
    pub fn key(self) -> &'static str {
        match self {
            EdgeKind::DependsOn => "dependsOn",
            EdgeKind::After => "after",
        }
    }
}

impl Component {
    /// Every component this one waits for (`dependsOn` and `after`), sorted.
    pub fn waits_for(&self) -> Vec<usize> {
        let mut all: Vec<usize> = self.depends_on.iter().chain(&self.after).copied().collect();
        all.sort_unstable();
        all
    }

    /// The edges this one waits for, with their kinds, sorted by target.
    pub fn edges(&self) -> Vec<(usize, EdgeKind)> {
        let mut all: Vec<(usize, EdgeKind)> = self
            .depends_on
            .iter()
            .map(|&d| (d, EdgeKind::DependsOn))
            .chain(self.after.iter().map(|&d| (d, EdgeKind::After)))
            .collect();
        all.sort_unstable();
        all
    }
}

/// A component in one environment: one Argo CD Application.
#[derive(Debug, Clone)]
pub struct Instance {
    pub app: String,
    pub namespace: String,
    pub sources: Vec<Source>,
    /// Whether the spec used `sources:` (multi-source) rather than `source:`.
    pub multi_source: bool,
    /// Its Application's cluster: the override's, the component's or the environment's.
    pub destination: Destination,
    /// Its Application's settings in this environment (the component's, with the
    /// environment's and the override's applied).
    pub settings: AppSettings,
}

/// An Application's settings besides its name, sources and destination, resolved for one
/// environment and checked, in Argo CD's own shapes (field names of the Application CRD).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppSettings {
    /// Extra labels (never ladder's own).
    pub labels: IndexMap<String, String>,
    /// Extra annotations (never ladder's own).
    pub annotations: IndexMap<String, String>,
    /// `spec.syncPolicy.syncOptions`, as `Name=value`, in a fixed order.
    pub sync_options: Vec<String>,
    /// `spec.syncPolicy.retry`.
    pub retry: Option<serde_json::Value>,
    /// `spec.syncPolicy.managedNamespaceMetadata`.
    pub managed_namespace_metadata: Option<serde_json::Value>,
    /// `spec.ignoreDifferences` (a list), when not empty.
    pub ignore_differences: Option<serde_json::Value>,
    /// `spec.info` (a list), when not empty.
    pub info: Option<serde_json::Value>,
    /// `spec.revisionHistoryLimit`.
    pub revision_history_limit: Option<i64>,
    /// The `application` patch (the component's, the override's merged over it):
    /// checked, so it sets only fields ladder writes no other way.
    pub patch: Option<serde_json::Value>,
}

impl AppSettings {
    /// Whether the sync options create the destination namespace.
    pub fn creates_namespace(&self) -> bool {
        self.sync_options
            .iter()
            .any(|o| o == "CreateNamespace=true")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub repo_url: String,
    pub target_revision: String,
    pub path: Option<String>,
    pub chart: Option<String>,
    pub reference: Option<String>,
    pub value_files: Vec<String>,
    pub release_name: Option<String>,
    /// Helm parameters, e.g. an image tag from the version files.
    pub parameters: Vec<Parameter>,
    /// Kustomize image overrides (`name:tag`), e.g. image tags from the version files.
    pub kustomize_images: Vec<String>,
    /// Kustomize `commonAnnotations` (key, value): the spec's, and a gate's rollout digest.
    pub common_annotations: Vec<(String, String)>,
    /// `name`, the source's name in Argo CD (2.14+).
    pub name: Option<String>,
    /// `tagPrefix`: the git tags a semver `targetRevision` is matched against (3.5+).
    pub tag_prefix: Option<String>,
    /// The rest of `helm` (`values`, `valuesObject`, `fileParameters`, …), in Argo CD's
    /// field names and order.
    pub helm_extra: serde_json::Map<String, serde_json::Value>,
    /// The rest of `kustomize` (`namePrefix`, `patches`, `components`, …).
    pub kustomize_extra: serde_json::Map<String, serde_json::Value>,
    /// `directory`, for a plain folder of manifests.
    pub directory: Option<serde_json::Value>,
    /// `plugin`, for a Config Management Plugin.
    pub plugin: Option<serde_json::Value>,
}

impl Source {
    /// Rendered by Helm as far as the spec shows: a chart, or Helm settings (value files,
    /// a release name, parameters) on a git path.
    pub fn is_helm(&self) -> bool {
        self.chart.is_some()
            || !self.value_files.is_empty()
            || self.release_name.is_some()
            || !self.parameters.is_empty()
            || !self.helm_extra.is_empty()
    }

    /// Rendered by a Config Management Plugin or read as a plain folder (or Jsonnet),
    /// not by kustomize or Helm.
    pub fn is_plugin_or_directory(&self) -> bool {
        self.plugin.is_some() || self.directory.is_some()
    }
}

/// A Helm parameter of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    pub name: String,
    pub value: String,
    /// Passed as a string whatever it looks like (`--set-string`): a digest of digits
    /// only must not become a number.
    pub force_string: bool,
}

/// Where a gate's Application receives its environment's rollout digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Carrier {
    /// Nowhere (`gate: true`): the gate orders only the first rollout.
    Nothing,
    /// `kustomize.commonAnnotations` of this source (an index into the sources).
    Kustomize(usize),
    /// A Helm parameter of this source, with this name.
    Helm(usize, String),
}

impl Model {
    /// The Applications of environments `envs` as (environment, instance), environment by
    /// environment and component by component, as a tree's list generator has them.
    pub fn instances_in<'a>(
        &'a self,
        envs: &'a [usize],
    ) -> impl Iterator<Item = (usize, &'a Instance)> + 'a {
        envs.iter().flat_map(move |&e| {
            self.components
                .iter()
                .filter_map(move |c| c.instances[e].as_ref().map(|i| (e, i)))
        })
    }

    /// The components a name given on the command line stands for: the component of
    /// that name, or every member of the fleet component of that name (`vault`: `alpha-vault`,
    /// `beta-vault`, …), in order. `Err` with a did-you-mean over both spellings when
    /// neither fits.
    pub fn find_components(&self, name: &str) -> Result<Vec<usize>, Option<String>> {
        if let Ok(i) = self
            .components
            .binary_search_by(|c| c.name.as_str().cmp(name))
        {
            return Ok(vec![i]);
        }
        let members: Vec<usize> = (0..self.components.len())
            .filter(|&i| {
                self.components[i]
                    .member_of
                    .as_ref()
                    .is_some_and(|m| m.component == name)
            })
            .collect();
        if !members.is_empty() {
            return Ok(members);
        }
        let fleets = self
            .components
            .iter()
            .filter_map(|c| c.member_of.as_ref().map(|m| m.component.as_str()));
        let names = self
            .components
            .iter()
            .map(|c| c.name.as_str())
            .chain(fleets);
        Err(crate::diagnostic::did_you_mean(name, names))
    }

    /// Whether `component` exists in environment `env`.
    pub fn enabled(&self, component: usize, env: usize) -> bool {
        self.components[component].instances[env].is_some()
    }
}

/// A component's checked resource groups with their waves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waves {
    /// Sorted by wave, then name.
    pub groups: Vec<Group>,
}

/// One resource group, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub matches: Vec<Match>,
    pub wave: i32,
    /// The groups it waits for, by name.
    pub depends_on: Vec<String>,
    pub hook: Option<Hook>,
    pub delete_policy: Vec<DeletePolicy>,
    /// One of the built-in groups of `preset: kinds`: named groups take precedence.
    pub preset: bool,
}

impl Group {
    /// The annotations this group puts on its resources, in a fixed order.
    pub fn annotations(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![(SYNC_WAVE, self.wave.to_string())];
        if let Some(hook) = self.hook {
            out.push((HOOK, hook.as_str().to_owned()));
            if !self.delete_policy.is_empty() {
                let policies: Vec<&str> = self.delete_policy.iter().map(|p| p.as_str()).collect();
                out.push((HOOK_DELETE_POLICY, policies.join(",")));
            }
        }
        out
    }
}

/// What a resource is, for matching.
#[derive(Debug, Clone, Copy)]
pub struct Resource<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    /// Its namespace, or the component's where it sets none.
    pub namespace: &'a str,
    pub labels: &'a [(String, String)],
}

impl Match {
    /// Whether `resource` matches every field this item sets.
    pub fn matches(&self, resource: &Resource<'_>) -> bool {
        self.kind.as_deref().is_none_or(|k| k == resource.kind)
            && self.name.as_deref().is_none_or(|n| n == resource.name)
            && self
                .namespace
                .as_deref()
                .is_none_or(|n| n == resource.namespace)
            && self
                .labels
                .iter()
                .all(|(k, v)| resource.labels.iter().any(|(rk, rv)| rk == k && rv == v))
    }

    /// Whether every resource `other` matches, this item matches too: each field this
    /// item sets, `other` sets to the same value, and this item's labels are among
    /// `other`'s.
    pub fn covers(&self, other: &Match) -> bool {
        let same = |a: &Option<String>, b: &Option<String>| a.is_none() || a == b;
        same(&self.kind, &other.kind)
            && same(&self.name, &other.name)
            && same(&self.namespace, &other.namespace)
            && self
                .labels
                .iter()
                .all(|(k, v)| other.labels.get(k) == Some(v))
    }

    /// The item as a spec writes it: `{kind: Service, name: shop-redis}`.
    pub fn flow(&self) -> String {
        let mut parts = Vec::new();
        for (key, value) in [
            ("kind", &self.kind),
            ("name", &self.name),
            ("namespace", &self.namespace),
        ] {
            if let Some(v) = value {
                parts.push(format!("{key}: {}", crate::load::yaml::scalar(v)));
            }
        }
        if !self.labels.is_empty() {
            let labels: Vec<String> = self
                .labels
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        crate::load::yaml::scalar(k),
                        crate::load::yaml::scalar(v)
                    )
                })
                .collect();
            parts.push(format!("labels: {{{}}}", labels.join(", ")));
        }
        format!("{{{}}}", parts.join(", "))
    }
}

impl Waves {
    /// The groups `resource` belongs to: the named groups that match it, or else the
    /// preset groups that do. More than one is a conflict the caller reports.
    pub fn groups_of(&self, resource: &Resource<'_>) -> Vec<&Group> {
        let matching = |preset: bool| -> Vec<&Group> {
            self.groups
                .iter()
                .filter(|g| g.preset == preset && g.matches.iter().any(|m| m.matches(resource)))
                .collect()
        };
        let named = matching(false);
        if named.is_empty() {
            matching(true)
        } else {
            named
        }
    }
}

/// A window as emitted in `AppProject.spec.syncWindows`, in Argo CD's field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowOut {
    pub kind: &'static str,
    pub schedule: String,
    pub duration: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual_sync: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub applications: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub and_operator: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_overrun: Option<bool>,
}

impl WindowOut {
    /// The window of a spec. A window that selects nothing applies to nothing in Argo CD,
    /// so a window without `applications`, `namespaces` and `clusters` gets
    /// `applications: ["*"]` (every Application of the project).
    pub fn new(window: &SyncWindow) -> Self {
        let selects_nothing = window.applications.is_empty()
            && window.namespaces.is_empty()
            && window.clusters.is_empty();
        WindowOut {
            kind: match window.kind {
                WindowKind::Allow => "allow",
                WindowKind::Deny => "deny",
            },
            schedule: window.schedule.clone(),
            duration: window.duration.clone(),
            time_zone: window.time_zone.clone(),
            manual_sync: window.manual_sync,
            applications: if selects_nothing {
                vec!["*".into()]
            } else {
                window.applications.clone()
            },
            namespaces: window.namespaces.clone(),
            clusters: window.clusters.clone(),
            and_operator: window.and_operator,
            description: window.description.clone(),
            sync_overrun: window.sync_overrun,
        }
    }
}

/// One custom health check (for `argocd-cm`) and the components (model indexes, sorted) that need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    /// The `argocd-cm` data key.
    pub key: String,
    pub lua: String,
    pub components: Vec<usize>,
}
