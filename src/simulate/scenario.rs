//! What a simulated rollout assumes: the Argo CD version, and for each Application its
//! component, environment, duration, whether the rollout changes it and how its sync
//! ends.

use std::collections::BTreeMap;

use super::read::{Kind, Read};
use crate::analyze::model::{Model, Version};
use crate::analyze::names::COMPONENT_LABEL;

/// One rollout to simulate.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The Argo CD version whose rules apply.
    pub version: Version,
    /// Facts by Application name.
    pub facts: BTreeMap<String, Facts>,
    /// Facts for Applications not in `facts` (a tree ladder did not write); their
    /// environment is their `env` label.
    pub default: Facts,
    /// The repository folder the tree's top folder is (ladder's `output.path`), to find
    /// the folders app-of-apps roots read; `None` guesses it from each root's own file.
    pub base: Option<String>,
    /// Seconds between the sync waves of one sync (`ARGOCD_SYNC_WAVE_DELAY`, 2 by
    /// default: v3.5.1 `controller/sync.go` `delayBetweenSyncWaves`).
    pub wave_delay: u64,
}

impl Scenario {
    /// A scenario for `version` in which every Application changes, takes a minute and
    /// turns healthy.
    pub fn new(version: Version) -> Self {
        Scenario {
            version,
            facts: BTreeMap::new(),
            default: Facts::default(),
            base: None,
            wave_delay: 2,
        }
    }

    /// The scenario of a spec's tree: its Argo CD version and output folder, and each
    /// component's Applications with its duration, all changed and all healthy.
    pub fn for_model(model: &Model) -> Self {
        let mut scenario = Scenario::new(model.argocd.version);
        scenario.base = Some(model.output.path.trim_matches('/').to_owned());
        for component in &model.components {
            for (e, instance) in component.instances.iter().enumerate() {
                let Some(instance) = instance else { continue };
                scenario.facts.insert(
                    instance.app.clone(),
                    Facts {
                        component: Some(component.name.clone()),
                        env: Some(model.environments[e].name.clone()),
                        duration: component.duration,
                        ..Facts::default()
                    },
                );
            }
        }
        scenario
    }

    /// The scenario of a tree ladder did not write (or read without its spec): every
    /// Application it makes (app-of-apps roots too, which are no lanes), its component
    /// its `app.kubernetes.io/name` label and its environment its `env` label where it
    /// has them, a minute each.
    pub fn for_tree(read: &Read, version: Version) -> Self {
        let mut scenario = Scenario::new(version);
        let apps = read.manifests.iter().flat_map(|m| match &m.kind {
            Kind::App(app) => std::slice::from_ref(app),
            Kind::Set(set) => set.apps.as_slice(),
        });
        for app in apps {
            scenario.facts.insert(
                app.name.clone(),
                Facts {
                    component: app.labels.get(COMPONENT_LABEL).cloned(),
                    env: app.labels.get("env").cloned(),
                    ..Facts::default()
                },
            );
        }
        scenario
    }

    /// Changes the facts of `component`'s Applications, in environment `env` or in all.
    pub fn update(
        &mut self,
        model: &Model,
        component: usize,
        env: Option<usize>,
        mut change: impl FnMut(&mut Facts),
    ) {
        for (e, instance) in model.components[component].instances.iter().enumerate() {
            if env.is_some_and(|env| env != e) {
                continue;
            }
            if let Some(facts) = instance.as_ref().and_then(|i| self.facts.get_mut(&i.app)) {
                change(facts);
            }
        }
    }

    /// The facts of the Application `name` with these labels.
    pub fn facts_of(&self, name: &str, labels: &BTreeMap<String, String>) -> Facts {
        self.facts.get(name).cloned().unwrap_or_else(|| Facts {
            env: labels.get("env").cloned(),
            ..self.default.clone()
        })
    }
}

/// What the simulator assumes of one Application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub component: Option<String>,
    pub env: Option<String>,
    /// Seconds from the start of its sync to healthy.
    pub duration: u64,
    /// Whether the rollout changes it (it is OutOfSync); an unchanged Application is
    /// Synced and Healthy and passes its step or wave without a sync.
    pub changed: bool,
    pub outcome: Outcome,
}

impl Default for Facts {
    fn default() -> Self {
        Facts {
            component: None,
            env: None,
            duration: 60,
            changed: true,
            outcome: Outcome::Healthy,
        }
    }
}

/// How an Application's sync ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Healthy after its duration.
    Healthy,
    /// Never healthy: the sync fails, or the Application stays Degraded.
    Fails,
    /// Healthy after its duration, then Degraded this many seconds later.
    DegradesAfter(u64),
}
