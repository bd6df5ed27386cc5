//! The RollingSync tree: one ApplicationSet whose list generator has an element per
//! component and environment and whose `strategy.rollingSync.steps` follow the plan's
//! steps, the root Application that applies the tree, and the progressive-syncs patch.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use minijinja::Environment;
use minijinja::value::Value as JValue;
use serde_json::{Value as Json, json};

use crate::analyze::model::{MaxUpdate, Model};
use crate::load::spec::{DeletionOrder, Sync};
use crate::plan::Plan;

use super::application::{DestinationOut, SourceOut, Tree};
use super::patches::render_argocd_cm;
use super::project::render_project;
use super::templates::{RenderError, block_yaml, failing_step, render_error, render_one};

/// How many component names a step's comment lists before "and N more".
pub(super) const NAMES_IN_STEP_COMMENT: usize = 8;

pub(super) fn render_tree(
    env: &Environment<'static>,
    model: &Model,
    plan: &Plan,
    envs: &[usize],
    prefix: &str,
    files: &mut BTreeMap<String, String>,
) -> Result<(), RenderError> {
    let Tree {
        independent,
        project,
        env_names,
    } = Tree::of(model, envs);
    let suffix = |base: &str| Tree::suffix(model, envs, base);
    let namespace = &model.argocd.namespace;

    // Each Application's syncPolicy. Where they differ, each element carries its own (or,
    // when only auto/manual differ, just its `sync`, as before these settings).
    let instances = || model.instances_in(envs);
    let policies: Vec<Option<Json>> = instances()
        .map(|(e, i)| super::application::sync_policy(&model.environments[e], &i.settings))
        .collect();
    // Only fixed strings go into the template itself, which Argo CD renders as a Go
    // template (every string of it: v3.5.1 applicationset/utils/utils.go `deeplyReplace`):
    // a retry's or a namespace's metadata (user strings) travel as element data, through
    // `toJson` in templatePatch, where no `{{` of theirs is evaluated.
    let user_strings = instances().any(|(_, i)| {
        i.settings.retry.is_some() || i.settings.managed_namespace_metadata.is_some()
    });
    let uniform_policy = !user_strings && policies.windows(2).all(|w| w[0] == w[1]);
    let auto_default = Some(json!({ "automated": { "prune": true } }));
    let plain = policies.iter().all(|p| p.is_none() || *p == auto_default);
    let policy_patch = !uniform_policy && !plain;
    let mixed_sync = !uniform_policy && plain;
    // The list generator's elements and the steps, environment by environment.
    let any_labels = instances().any(|(_, i)| !i.settings.labels.is_empty());
    let any_annotations = instances().any(|(_, i)| !i.settings.annotations.is_empty());
    let spec_fields: Vec<&str> = [
        super::application::IGNORE_DIFFERENCES,
        super::application::INFO,
        super::application::REVISION_HISTORY_LIMIT,
    ]
    .into_iter()
    .filter(|field| {
        instances().any(|(_, i)| super::application::has_spec_field(&i.settings, field))
    })
    .collect();
    // The `application` patches' fields, which ladder writes no other way: each travels
    // as element data (user strings, never evaluated as Go template) under its own name.
    let patched = |part: &'static str| -> BTreeSet<String> {
        instances()
            .flat_map(|(_, i)| {
                crate::analyze::application_patch::added_fields(i.settings.patch.as_ref(), part)
                    .map(|(k, _)| k.clone())
            })
            .collect()
    };
    let metadata_fields = patched("metadata");
    // Every element then carries `annotations` (`{}` for none), so the patch's `metadata`
    // is never empty where an element sets no field of it: an empty one would read as
    // `null`, which a strategic merge takes for deleting the Application's metadata.
    let any_annotations = any_annotations || !metadata_fields.is_empty();
    let spec_fields: Vec<String> = spec_fields
        .into_iter()
        .map(str::to_owned)
        .chain(patched("spec"))
        .collect();
    let mut policy_index = 0;
    let mut elements = Vec::new();
    let mut steps = Vec::new();
    let mut single = false;
    let mut multi = false;
    let mut repos = BTreeSet::new();
    let mut destinations = BTreeSet::new();
    for (k, &e) in envs.iter().enumerate() {
        let environment = &model.environments[e];
        let next_env = envs
            .get(k + 1)
            .map(|&n| model.environments[n].name.as_str());
        // Elements by component name, not by phase: when a component moves to another
        // phase its element keeps its place and only `phase` changes in a review diff.
        // (Argo CD orders syncs by the steps and, from 3.2, inside a step by Application
        // name: v3.2.0 applicationset_controller.go:1495, argoproj/argo-cd#23506; up to 3.1
        // the order inside a step is the informer cache's.)
        for (c, component) in model.components.iter().enumerate() {
            let Some(instance) = &component.instances[e] else {
                continue;
            };
            let sources: Vec<SourceOut<'_>> =
                instance.sources.iter().map(SourceOut::from).collect();
            let (source, sources) = if instance.multi_source {
                multi = true;
                (None, Some(sources))
            } else {
                single = true;
                (sources.into_iter().next(), None)
            };
            let sync_policy = policy_patch
                .then(|| policies[policy_index].clone())
                .flatten();
            policy_index += 1;
            let settings = &instance.settings;
            elements.push(Element {
                app: &instance.app,
                component: &component.name,
                env: &environment.name,
                phase: plan.phase_label(plan.environments[e].phases[c]),
                namespace: &instance.namespace,
                destination: DestinationOut::from(&instance.destination),
                labels: any_labels.then_some(&settings.labels),
                annotations: any_annotations.then_some(&settings.annotations),
                sync: mixed_sync.then_some(match environment.sync {
                    Sync::Auto => "auto",
                    Sync::Manual => "manual",
                }),
                sync_policy,
                source,
                sources,
                ignore_differences: settings.ignore_differences.as_ref(),
                info: settings.info.as_ref(),
                revision_history_limit: settings.revision_history_limit,
                patched: super::application::metadata_fields(settings)
                    .into_iter()
                    .chain(super::application::patch_spec_fields(settings))
                    .collect(),
            });
            for s in &instance.sources {
                repos.insert(s.repo_url.as_str());
            }
            destinations.insert((&instance.destination, instance.namespace.as_str()));
        }
        for (i, step) in plan.environments[e].steps.iter().enumerate() {
            let phase = plan.phase_label(step.phase);
            steps.push(json!({
                "env": environment.name,
                "first_of_env": i == 0,
                "phase": phase,
                "manual": environment.sync == Sync::Manual,
                "max_update": max_update_json(step.max_update),
                "summary": step_summary(model, &environment.name, step.phase, &step.components),
                "next_env": next_env,
                "non_gating": step
                    .components
                    .iter()
                    .filter(|&&c| model.components[c].smoke == crate::analyze::model::Smoke::NonGating)
                    .map(|&c| model.components[c].name.as_str())
                    .collect::<Vec<_>>(),
            }));
        }
    }
    let element_count = elements.len();
    let source_shape = match (single, multi) {
        (true, true) => "mixed",
        (false, true) => "multi",
        _ => "single",
    };
    let version = model.argocd.version;
    let deletion_order = match model.rollout.deletion_order {
        Some(DeletionOrder::Reverse) => Some("Reverse"),
        Some(DeletionOrder::AllAtOnce) => Some("AllAtOnce"),
        // Reverse deletion exists from Argo CD 3.2 (argoproj/argo-cd#23465).
        None if version.at_least(3, 2) => Some("Reverse"),
        None => None,
    };
    // v3.3+ keeps the block with enabled: false (argoproj/argo-cd#24507); earlier
    // versions delete it (applicationset_controller.go, `Automated = nil`). Either way
    // `prune` is read from each generated Application, after templatePatch
    // (`syncValidApplications`: `pruneEnabled = validApps[i].Spec.SyncPolicy.Automated.Prune`),
    // so a per-environment block in the patch is honoured.
    let automated_note = if version.at_least(3, 3) {
        "Argo CD 3.3 and later set automated.enabled: false"
    } else {
        "Argo CD before 3.3 removes this block"
    };
    let any_auto = envs
        .iter()
        .any(|&e| model.environments[e].sync == Sync::Auto);
    let all_auto = envs
        .iter()
        .all(|&e| model.environments[e].sync == Sync::Auto);

    let gates: Vec<serde_json::Value> = model
        .components
        .iter()
        .filter(|c| envs.iter().any(|&e| c.instances[e].is_some()))
        .filter_map(super::application::gate_note)
        .collect();
    let appset_file = format!("{prefix}applicationset.yaml");
    let elements_yaml = block_yaml(&elements, 10)
        .map_err(|e| render_error(&e, "applicationset.yaml.j2", &appset_file))?;
    let ctx = minijinja::context! {
            name => suffix(&model.name),
            namespace => namespace.as_str(),
            part_of => model.name.as_str(),
            project => project.as_str(),
            envs => env_names.clone(),
            // Pre-rendered: at fleet scale this block is most of the output, and emitting it
            // straight from serde_json skips two conversions through template values.
            elements => elements_yaml,
            element_count => element_count,
            gates => JValue::from(minijinja::value::Serde(&gates)),
            steps => JValue::from(minijinja::value::Serde(&steps)),
            env_label => model.rollout.environment_label.as_str(),
            phase_label => model.rollout.label.as_str(),
            sequential => !independent,
            any_labels => any_labels,
            any_annotations => any_annotations,
            any_auto => any_auto,
            all_auto => all_auto,
            policy_patch => policy_patch,
            // With one policy for the whole tree: its prune and sync options.
            prune => envs.iter().all(|&e| model.environments[e].prune),
            sync_options => match (uniform_policy, instances().next()) {
                (true, Some((_, first))) => first.settings.sync_options.clone(),
                _ => Vec::new(),
            },
            spec_fields => spec_fields,
            metadata_fields => metadata_fields,
            preserve_resources => model.rollout.application_set.preserve_resources_on_deletion,
            applications_sync => model.rollout.application_set.applications_sync,
            ignore_application_differences => match &model.rollout.application_set.ignore_application_differences {
                Some(list) => block_yaml(list, 4)
                    .map_err(|e| render_error(&e, "applicationset.yaml.j2", &appset_file))?,
                None => String::new(),
            },
            automated_note => automated_note,
            source_shape => source_shape,
            deletion_order => deletion_order,
            // 3.3+ adds the ApplicationSet's resources finalizer itself when the order is
            // Reverse and progressive syncs are on (argoproj/argo-cd#25125, v3.3.0
            // applicationset_controller.go:186); 3.2 does not (argoproj/argo-cd#25105).
            finalizer_added_by_argocd => version.at_least(3, 3),
    };
    let appset = render_one(
        env,
        "applicationset.yaml.j2",
        &ctx,
        &appset_file,
        &env_names,
    )
    .map_err(|mut e| {
        // Name the step, and so the components, the failing template was rendering.
        if let Some(step) = failing_step(env, &ctx, &steps) {
            let summary = steps[step]["summary"].as_str().unwrap_or_default();
            e.rendering = format!("{}, step {} ({summary})", e.rendering, step + 1);
        }
        e
    })?;
    files.insert(appset_file, appset);

    render_project(
        env,
        model,
        (&project, repos, &destinations),
        (prefix, envs, &env_names),
        files,
    )?;

    let root_path = if independent {
        format!("{}/{}", model.output.path, env_names[0])
    } else {
        model.output.path.clone()
    };
    let root_file = format!("{prefix}root.yaml");
    let ctx = minijinja::context! {
            name => format!("{}-root", suffix(&model.name)),
            env => if independent { Some(env_names[0].as_str()) } else { None },
            namespace => namespace.as_str(),
            project => model.argocd.root_project.as_str(),
            project_file => model.argocd.emit_project,
            repo_url => model.output.repo_url.as_str(),
            target_revision => model.output.target_revision.as_str(),
            path => root_path,
            server => model.argocd.server.as_str(),
            // The root prunes with foreground propagation unless a sync option says
            // otherwise (v3.5.1 controller/sync.go:218): Kubernetes would then delete every
            // generated Application at once, before the ApplicationSet controller's
            // Reverse loop runs (argoproj/argo-cd#29600). With background propagation the
            // ApplicationSet's resources finalizer holds it while that loop deletes its
            // Applications last step first (v3.5.1 applicationset_controller.go:150-179).
            // What the comment says still deletes in the foreground, at v3.5.1: the UI's
            // resource delete (ui/src/app/applications/components/utils.tsx:511-513) and
            // `argocd app delete-resource` without --force (server/application/
            // application.go:1626), an Application's cascade delete (`argocd app delete -p`
            // defaults to foreground, cmd/argocd/commands/app.go:1351; the controller then
            // deletes in the foreground, controller/appcontroller.go:1372). `argocd appset
            // delete` sets no policy (server/applicationset/applicationset.go:439), so the
            // API server's default for custom resources, background, applies.
            background_prune => deletion_order == Some("Reverse"),
    };
    let root = render_one(env, "root.yaml.j2", &ctx, &root_file, &env_names)?;
    files.insert(root_file, root);

    let patch_file = format!("{prefix}patches/argocd-cmd-params-cm.yaml");
    let ctx = minijinja::context! { namespace => namespace };
    let patch = render_one(
        env,
        "argocd-cmd-params-cm.yaml.j2",
        &ctx,
        &patch_file,
        &env_names,
    )?;
    files.insert(patch_file, patch);

    render_argocd_cm(env, model, (prefix, envs, &env_names), false, files)?;
    Ok(())
}

/// One element of the list generator. Fields borrow from the model (at fleet scale there
/// are hundreds of thousands) and serialize in this order.
#[derive(serde::Serialize)]
pub(super) struct Element<'a> {
    pub(super) app: &'a str,
    pub(super) component: &'a str,
    pub(super) env: &'a str,
    pub(super) phase: String,
    pub(super) namespace: &'a str,
    pub(super) destination: DestinationOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) labels: Option<&'a indexmap::IndexMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) annotations: Option<&'a indexmap::IndexMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) sync: Option<&'static str>,
    #[serde(rename = "syncPolicy", skip_serializing_if = "Option::is_none")]
    pub(super) sync_policy: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) source: Option<SourceOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) sources: Option<Vec<SourceOut<'a>>>,
    #[serde(rename = "ignoreDifferences", skip_serializing_if = "Option::is_none")]
    pub(super) ignore_differences: Option<&'a Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) info: Option<&'a Json>,
    #[serde(
        rename = "revisionHistoryLimit",
        skip_serializing_if = "Option::is_none"
    )]
    pub(super) revision_history_limit: Option<i64>,
    /// The fields of the `application` patch, `metadata`'s and `spec`'s (their names
    /// are none of the keys above: [`ELEMENT_KEYS`]).
    #[serde(flatten)]
    pub(super) patched: BTreeMap<String, Json>,
}

/// The keys of an [`Element`] besides the patched fields.
#[cfg(test)]
pub(super) const ELEMENT_KEYS: &[&str] = &[
    "app",
    "component",
    "env",
    "phase",
    "namespace",
    "destination",
    "labels",
    "annotations",
    "sync",
    "syncPolicy",
    "source",
    "sources",
    "ignoreDifferences",
    "info",
    "revisionHistoryLimit",
];

pub(super) fn max_update_json(m: MaxUpdate) -> Json {
    match m {
        MaxUpdate::Count(n) => json!(n),
        MaxUpdate::Percent(p) => json!(format!("{p}%")),
    }
}

pub(super) fn step_summary(model: &Model, env: &str, phase: u32, components: &[usize]) -> String {
    let names: Vec<&str> = components
        .iter()
        .take(NAMES_IN_STEP_COMMENT)
        .map(|&c| model.components[c].name.as_str())
        .collect();
    let mut text = format!("{env}, phase {phase}: {}", names.join(", "));
    if components.len() > NAMES_IN_STEP_COMMENT {
        let _ = write!(
            text,
            " and {} more",
            components.len() - NAMES_IN_STEP_COMMENT
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use crate::analyze::application_patch::fields::{METADATA, Role, SPEC};

    /// A patched field travels in the element under its own name, so no field a patch
    /// may set is named like a key ladder puts there, or like another such field.
    #[test]
    fn no_field_a_patch_may_set_is_named_like_an_element_key() {
        let mut seen = Vec::new();
        for f in METADATA.iter().chain(SPEC) {
            if matches!(f.role, Role::Open(_)) {
                assert!(!super::ELEMENT_KEYS.contains(&f.name), "{}", f.name);
                assert!(!seen.contains(&f.name), "{} twice", f.name);
                seen.push(f.name);
            }
        }
    }
}
