//! The checked model: what analysis hands to planning and rendering.
//!
//! Everything here is resolved: defaults applied, `{{ env }}` substituted,
//! names checked. Components are sorted by name, so nothing downstream can
//! depend on the order of the spec.

use indexmap::IndexMap;

use crate::spec::{DeletionOrder, Layout, Sync, Topology};

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
    pub health_checks: Vec<crate::health::Check>,
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
    pub topology: Topology,
    pub deletion_order: Option<DeletionOrder>,
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
    /// `spec.syncPolicy.syncOptions`, as `Name=value`, in a fixed order.
    pub sync_options: Vec<String>,
    /// Sync windows for the environment's AppProject, as the spec gives them.
    pub sync_windows: Vec<crate::windows::WindowOut>,
}

#[derive(Debug, Clone)]
pub struct Component {
    pub name: String,
    /// Indexes into `Model::components`, sorted, without repeats.
    pub depends_on: Vec<usize>,
    pub labels: IndexMap<String, String>,
    /// Expected seconds from the start of its sync to healthy.
    pub duration: u64,
    /// The phase the spec pins it to (`layout: pinned`).
    pub pinned: Option<u32>,
    /// One entry per environment (same order as `Model::environments`); `None` where disabled.
    pub instances: Vec<Option<Instance>>,
}

/// A component in one environment: one Argo CD Application.
#[derive(Debug, Clone)]
pub struct Instance {
    pub app: String,
    pub namespace: String,
    pub sources: Vec<Source>,
    /// Whether the spec used `sources:` (multi-source) rather than `source:`.
    pub multi_source: bool,
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
    /// Helm parameters (name, value), e.g. an image tag from the version files.
    pub parameters: Vec<(String, String)>,
}

impl Model {
    /// Whether `component` exists in environment `env`.
    pub fn enabled(&self, component: usize, env: usize) -> bool {
        self.components[component].instances[env].is_some()
    }
}
