//! What a change deletes or replaces in the cluster, for the top of `ladder diff`: a
//! rename that Argo CD carries out as delete-and-create, a component or environment that
//! goes away, a move to another destination, prune turned on.
//!
//! What happens to the workloads depends on how the base rolled out:
//!
//! - RollingSync: the ApplicationSet controller deletes an Application that leaves its
//!   list, and generated Applications carry `resources-finalizer.argocd.argoproj.io`
//!   unless `syncPolicy.preserveResourcesOnDeletion` is set (Argo CD's
//!   `docs/operator-manual/applicationset/Application-Deletion.md`;
//!   `applicationset/utils/utils.go`, the finalizer added when the template sets none),
//!   so the Application's resources are deleted with it. An ApplicationSet the root
//!   prunes takes its Applications with it (their owner reference).
//! - app-of-apps: the root (`prune: true`) deletes the child Application; ladder's child
//!   Applications carry no resources finalizer, so their resources are left running,
//!   no longer managed by Argo CD.
//!
//! Neither waits for a manual environment's operator: deletion is not a sync step.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::Compilation;
use crate::analyze::model::{Destination, Instance};
use crate::load::spec::{Strategy, Sync};

/// Whether deleting an Application deletes its resources, and why.
type Cascade = (bool, &'static str);

/// A namespace move: environment, namespace before and after, automated prune after.
type Move = (String, String, String, bool);

/// One line of the "Deletes or replaces" section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deletion {
    /// What changes, e.g. "`api` is renamed `backend`".
    pub what: String,
    /// The environments it happens in (empty: not per environment).
    pub environments: Vec<String>,
    /// What happens to the workloads.
    pub effect: String,
    /// Whether it happens as soon as the change lands, without a sync (a deletion), so a
    /// manual environment does not hold it.
    pub immediate: bool,
}

/// The deletions of a change from `base` to `head`; none without a base.
pub fn deletions(base: Option<&Compilation>, head: &Compilation) -> Vec<Deletion> {
    let Some(base) = base else { return Vec::new() };
    let rolling = base.model.rollout.strategy == Strategy::RollingSync;
    // What the head's ApplicationSet controller does with the Applications that leave it.
    // Keeping them is the head's ApplicationSet's policy, applied when it reconciles; but
    // an Application that leaves keeps the finalizers it was last written with, under the
    // base's `preserveResourcesOnDeletion` (v3.5.1 applicationset_controller.go: only
    // Applications that stay are rewritten before the others are deleted).
    let keeps =
        rolling && head.model.rollout.application_set.applications_sync == Some("create-update");
    let preserves = rolling
        && base
            .model
            .rollout
            .application_set
            .preserve_resources_on_deletion;
    // Whether deleting an Application of the base deletes its resources, and why.
    let cascade = |instance: &Instance| cascade(rolling, preserves, instance);
    let removed_effect = |what: &str, (cascades, why): (bool, &str)| {
        let by = if rolling {
            "the ApplicationSet controller deletes"
        } else {
            "the root deletes"
        };
        if keeps {
            format!(
                "the ApplicationSet controller leaves {what} in place (`applicationsSync: create-update`), no longer updated by the spec: delete it by hand if it should go"
            )
        } else if cascades {
            format!("{by} {what}, with the resources ({why})")
        } else {
            format!(
                "{by} {what}; the resources are left running ({why}), no longer managed by Argo CD (delete them by hand if they should go)"
            )
        }
    };
    let mut out = Vec::new();
    if base.model.name != head.model.name {
        out.push(Deletion {
            what: format!(
                "the spec is renamed `{}` → `{}`, which names the {}, the AppProject and the root Application",
                base.model.name,
                head.model.name,
                if rolling { "ApplicationSet" } else { "child Applications' owner" }
            ),
            environments: Vec::new(),
            effect: if preserves {
                "the root prunes the old ApplicationSet, which deletes every Application it generated; their resources are left running (`preserveResourcesOnDeletion`) and the new one's Applications adopt them. Apply the new root and delete the old one by hand (it has no resources finalizer, so deleting it deletes nothing else)".to_owned()
            } else if rolling {
                "the root prunes the old ApplicationSet, which deletes every Application it generated with their resources; the new one creates them again. Apply the new root and delete the old one by hand (it has no resources finalizer, so deleting it deletes nothing else)".to_owned()
            } else {
                "the old root keeps managing the same children until it is deleted by hand (it has no resources finalizer, so deleting it deletes nothing else); apply the new root".to_owned()
            },
            immediate: true,
        });
    }
    let manual = |c: &Compilation, env: &str| {
        c.model
            .environments
            .iter()
            .any(|e| e.name == env && e.sync == Sync::Manual)
    };
    // Environments that go away.
    for (e, env) in base.model.environments.iter().enumerate() {
        if !head.model.environments.iter().any(|e| e.name == env.name) {
            // Its Applications by whether deleting them deletes their resources.
            let mut by_effect: BTreeMap<bool, (Vec<&str>, Vec<&str>)> = BTreeMap::new();
            for (component, instance) in apps(base, e).values() {
                let (cascades, why) = cascade(instance);
                let (components, reasons) = by_effect.entry(cascades).or_default();
                components.push(component);
                if !reasons.contains(&why) {
                    reasons.push(why);
                }
            }
            let mixed = by_effect.len() > 1;
            let effect = by_effect
                .iter()
                .map(|(cascades, (components, reasons))| {
                    let what = if mixed {
                        format!(
                            "the Applications of {}",
                            components
                                .iter()
                                .map(|c| format!("`{c}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    } else {
                        "its Applications".to_owned()
                    };
                    removed_effect(&what, (*cascades, &reasons.join("; ")))
                })
                .collect::<Vec<_>>()
                .join("; ");
            out.push(Deletion {
                what: format!("environment `{}` is removed", env.name),
                environments: vec![env.name.clone()],
                effect,
                immediate: true,
            });
        }
    }
    // Per environment in both: Applications that go away (renamed or not) and move.
    // Keyed by whether (and why) deleting the old Application deletes its resources.
    let mut renamed: BTreeMap<(String, String, Cascade), Vec<String>> = BTreeMap::new();
    let mut gone: BTreeMap<(String, Cascade), Vec<String>> = BTreeMap::new();
    // Component → (environment, namespace before, after, prune on after).
    let mut moved: BTreeMap<String, Vec<Move>> = BTreeMap::new();
    // (component, cluster before, after) → environments.
    let mut cluster_moves: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    for (e, env) in base.model.environments.iter().enumerate() {
        let Some(h) = head
            .model
            .environments
            .iter()
            .position(|x| x.name == env.name)
        else {
            continue;
        };
        let old = apps(base, e);
        let new = apps(head, h);
        let head_env = &head.model.environments[h];
        if env.destination != head_env.destination {
            out.push(Deletion {
                what: format!(
                    "environment `{}` moves from {} to {}",
                    env.name,
                    destination(&env.destination),
                    destination(&head_env.destination)
                ),
                environments: vec![env.name.clone()],
                effect: "its Applications create their resources on the new cluster; Argo CD no longer watches the old one, so what runs there is left running".to_owned(),
                immediate: false,
            });
        }
        if !env.prune && head_env.prune && head_env.sync == Sync::Auto {
            out.push(Deletion {
                what: format!("prune turns on in `{}`", env.name),
                environments: vec![env.name.clone()],
                effect: "the next sync deletes every resource of its Applications that is no longer in git".to_owned(),
                immediate: false,
            });
        }
        // Applications only the head has, by what they deploy where.
        let successors: BTreeMap<String, &str> = new
            .iter()
            .filter(|(n, _)| !old.contains_key(*n))
            .map(|(_, (component, now))| (fingerprint(now), *component))
            .collect();
        for (name, (component, instance)) in &old {
            // A component of its own cluster that moves (the environment's own move has
            // its line above).
            if let Some((_, now)) = new.get(name)
                && now.destination != instance.destination
                && !(instance.destination == env.destination
                    && now.destination == head_env.destination)
            {
                cluster_moves
                    .entry((
                        (*component).to_owned(),
                        destination(&instance.destination),
                        destination(&now.destination),
                    ))
                    .or_default()
                    .push(env.name.clone());
            }
            match new.get(name) {
                // On another cluster the environment's own line says it all.
                Some((_, now))
                    if now.namespace != instance.namespace
                        && now.destination == instance.destination =>
                {
                    moved.entry((*component).to_owned()).or_default().push((
                        env.name.clone(),
                        instance.namespace.clone(),
                        now.namespace.clone(),
                        head_env.prune && head_env.sync == Sync::Auto,
                    ));
                }
                Some(_) => {}
                None => {
                    // The same sources and namespace under a new name: a rename.
                    match successors.get(&fingerprint(instance)) {
                        Some(to) => renamed
                            .entry(((*component).to_owned(), (*to).to_owned(), cascade(instance)))
                            .or_default()
                            .push(env.name.clone()),
                        None => gone
                            .entry(((*component).to_owned(), cascade(instance)))
                            .or_default()
                            .push(env.name.clone()),
                    }
                }
            }
        }
    }
    for ((component, from, to), environments) in cluster_moves {
        out.push(Deletion {
            what: format!("`{component}` moves from {from} to {to}"),
            environments,
            effect: "its Application creates its resources on the new cluster; Argo CD no longer watches the old one, so what runs there is left running".to_owned(),
            immediate: false,
        });
    }
    for ((from, to, (cascades, why)), environments) in renamed {
        out.push(Deletion {
            what: format!("`{from}` is renamed `{to}`"),
            environments,
            effect: format!(
                "{}: {}",
                if keeps {
                    "Argo CD creates a new Application and keeps the old one (`applicationsSync: create-update`), both managing the same resources until the old one is deleted by hand"
                } else {
                    "Argo CD deletes the old Application and creates a new one"
                },
                if keeps {
                    "delete the old one without cascading (`argocd app delete --cascade=false`) so its resources stay".to_owned()
                } else if cascades {
                    format!("the old one's resources are deleted with it ({why}), then created again")
                } else {
                    format!("the old one's resources are left running ({why}) and the new one adopts those it also renders")
                }
            ),
            immediate: !keeps,
        });
    }
    for ((component, how), environments) in gone {
        let everywhere = !head.model.components.iter().any(|c| c.name == component);
        out.push(Deletion {
            what: if everywhere {
                format!("`{component}` is removed")
            } else {
                format!("`{component}` is disabled")
            },
            environments,
            effect: removed_effect("its Application", how),
            immediate: !keeps,
        });
    }
    for (component, moves) in moved {
        let each: Vec<String> = moves
            .iter()
            .map(|(env, from, to, _)| format!("`{from}` → `{to}` in `{env}`"))
            .collect();
        let listed = |prune: bool| -> Vec<String> {
            moves
                .iter()
                .filter(|m| m.3 == prune)
                .map(|m| format!("`{}`", m.0))
                .collect()
        };
        let (pruned, kept) = (listed(true), listed(false));
        let mut effect =
            "its resources are created in the new namespace at its next sync; the old ones"
                .to_owned();
        if !pruned.is_empty() {
            let _ = write!(effect, " are pruned in {}", pruned.join(", "));
        }
        if !kept.is_empty() {
            if !pruned.is_empty() {
                effect.push_str(" and");
            }
            let _ = write!(
                effect,
                " are left running in {} (no automated prune there)",
                kept.join(", ")
            );
        }
        out.push(Deletion {
            what: format!(
                "`{component}` moves to another namespace: {}",
                each.join(", ")
            ),
            // Named in `what` already, each with its namespaces.
            environments: Vec::new(),
            effect,
            immediate: false,
        });
    }
    // Manual environments are called out: nothing here waits for their operator.
    for d in out.iter_mut().filter(|d| d.immediate) {
        let manual: Vec<&str> = d
            .environments
            .iter()
            .filter(|e| manual(base, e))
            .map(String::as_str)
            .collect();
        if !manual.is_empty() {
            let _ = write!(
                d.effect,
                "; {} {} manual, but this does not wait for an operator",
                manual
                    .iter()
                    .map(|e| format!("`{e}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if manual.len() == 1 { "is" } else { "are" }
            );
        }
    }
    out
}

/// Whether deleting `instance`'s Application (of a base rolled out by RollingSync or
/// not, whose ApplicationSet `preserves` resources or not) deletes its resources, and
/// why: the resources finalizer it carries. An `application` patch's finalizers are the
/// Application's where the ApplicationSet controller adds none (app-of-apps children, and
/// `preserveResourcesOnDeletion`: v3.5.1 applicationset/utils/utils.go
/// `RenderTemplateParams`).
fn cascade(rolling: bool, preserves: bool, instance: &Instance) -> Cascade {
    use crate::analyze::application_patch::{RESOURCES_FINALIZERS, finalizers};
    // Under RollingSync without `preserveResourcesOnDeletion` the controller's resources
    // finalizer is always there (a patch of the finalizers is refused then).
    if rolling && !preserves {
        return cascade_default(rolling, preserves);
    }
    match finalizers(instance.settings.patch.as_ref()) {
        Some(list) if list.iter().any(|f| RESOURCES_FINALIZERS.contains(f)) => {
            (true, "the resources finalizer its `application` patch sets")
        }
        Some(_) => (false, "its `application` patch sets no resources finalizer"),
        None => cascade_default(rolling, preserves),
    }
}

/// [`cascade`] of an Application without finalizers of its own.
fn cascade_default(rolling: bool, preserves: bool) -> Cascade {
    match (rolling, preserves) {
        (true, false) => (true, "the resources finalizer"),
        (true, true) => (false, "`preserveResourcesOnDeletion`"),
        (false, _) => (
            false,
            "ladder's child Applications carry no resources finalizer",
        ),
    }
}

/// The Applications of environment `env`: name → (component, instance).
fn apps(c: &Compilation, env: usize) -> BTreeMap<&str, (&str, &Instance)> {
    c.model
        .components
        .iter()
        .filter_map(|comp| {
            let instance = comp.instances[env].as_ref()?;
            Some((instance.app.as_str(), (comp.name.as_str(), instance)))
        })
        .collect()
}

/// What an Application deploys where, to recognise it under another name.
fn fingerprint(instance: &Instance) -> String {
    format!(
        "{:?}|{}|{:?}",
        instance.destination, instance.namespace, instance.sources
    )
}

fn destination(d: &Destination) -> String {
    match d {
        Destination::Server(s) => format!("server `{s}`"),
        Destination::Name(n) => format!("cluster `{n}`"),
    }
}

/// The section as lines, one per deletion.
pub fn lines(deletions: &[Deletion]) -> Vec<String> {
    deletions
        .iter()
        .map(|d| {
            let envs = if d.environments.is_empty() {
                String::new()
            } else {
                format!(
                    " (in {})",
                    d.environments
                        .iter()
                        .map(|e| format!("`{e}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            format!("{}{envs}: {}", d.what, d.effect)
        })
        .collect()
}
