//! Resource sync-waves inside one Application (`components[].resources`).
//!
//! Ordering between Applications is the ladder's job; ordering the resources inside
//! one Application is this module's. A component names groups of its resources
//! (matched by kind, name, namespace and labels) with `dependsOn` between them, or uses
//! the built-in ordering by kind; [`plan`] checks the groups and compiles them into
//! `argocd.argoproj.io/sync-wave` numbers with the same compact rule as phases
//! ([`crate::dag::levels`]), optionally anchored so one group stays at wave 0. The
//! results are used three ways, all pure functions of the model:
//!
//! - [`annotate`]: rendered manifests (from `helm template`, `kustomize build`) in,
//!   the same text out with the wave (and hook) annotations inserted (`ladder waves`);
//! - [`kustomize`]: a kustomize Component of `patches` that adds the annotations, per
//!   component and environment, emitted by `ladder build`;
//! - [`helm`]: the `syncWaves:` values of charts that read their waves from values
//!   (seed 003), emitted by `ladder build`.
//!
//! Argo CD behaviour relied on (`argocd-semantics.md` §2): the wave is an integer
//! string, negative allowed, 0 when absent; resources are applied by phase (PreSync,
//! Sync, PostSync), then wave, each wave healthy before the next; hooks are ordered
//! by wave within their phase; `PostDelete` hooks need Argo CD 2.10 and `PreDelete`
//! 3.3; delete policies are `HookSucceeded`, `HookFailed` and `BeforeHookCreation`.

pub mod annotate;
pub mod helm;
pub mod kustomize;
mod plan;
mod preset;
pub mod spec;

pub use annotate::annotate;
pub use plan::plan;

/// The annotation that orders a resource within its phase.
pub const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
/// The annotation that makes a resource a hook.
pub const HOOK: &str = "argocd.argoproj.io/hook";
/// When Argo CD deletes a hook's resources.
pub const HOOK_DELETE_POLICY: &str = "argocd.argoproj.io/hook-delete-policy";

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
    pub matches: Vec<spec::Match>,
    pub wave: i32,
    /// The groups it waits for, by name.
    pub depends_on: Vec<String>,
    pub hook: Option<spec::Hook>,
    pub delete_policy: Vec<spec::DeletePolicy>,
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

impl spec::Match {
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

/// The groups by wave, for `ladder explain`: what each waits for, which are hooks.
pub fn describe(waves: &Waves) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("\nResources inside its Application, by sync-wave:\n");
    for g in &waves.groups {
        let mut notes = Vec::new();
        if let Some(hook) = g.hook {
            notes.push(format!("{} hook", hook.as_str()));
        }
        if g.preset {
            notes.push("preset".to_owned());
        }
        if !g.depends_on.is_empty() {
            notes.push(format!("after {}", g.depends_on.join(", ")));
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        };
        let _ = writeln!(out, "  wave {}: {}{notes}", g.wave, g.name);
    }
    out
}

/// The files `ladder build` adds for resource groups, under `waves/` (which the root
/// Application does not apply: it reads only the top folder, `directory.recurse: false`):
/// `waves/<component>/<env>/kustomization.yaml` for every environment the component is
/// enabled in, and `waves/<component>/values.yaml` for components with a Helm source.
/// With independent environments, each environment's tree has its own.
pub fn files(model: &crate::model::Model) -> std::collections::BTreeMap<String, String> {
    let mut files = std::collections::BTreeMap::new();
    let independent = model.rollout.topology == crate::spec::Topology::Independent;
    for c in &model.components {
        let Some(waves) = &c.waves else { continue };
        for (env, instance) in model.environments.iter().zip(&c.instances) {
            let Some(instance) = instance else { continue };
            let root = if independent {
                format!("{}/waves/{}", env.name, c.name)
            } else {
                format!("waves/{}", c.name)
            };
            files.insert(
                format!("{root}/{}/kustomization.yaml", env.name),
                kustomize::component(waves, &c.name, &env.name),
            );
            let helm = instance
                .sources
                .iter()
                .any(|s| s.chart.is_some() || !s.value_files.is_empty());
            if helm {
                files.insert(format!("{root}/values.yaml"), helm::values(waves, &c.name));
            }
        }
    }
    files
}
