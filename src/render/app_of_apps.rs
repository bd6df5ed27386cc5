//! The app-of-apps strategy (`rollout.strategy: appOfApps`): the same plan as a root
//! Application whose children, one file each under `apps/`, carry
//! `argocd.argoproj.io/sync-wave` = their phase.
//!
//! Argo CD applies a root's resources wave by wave, but an `argoproj.io/Application` has
//! had no health of its own since 1.8 (argoproj/argo-cd#3781): without a health check in
//! `argocd-cm` the root moves on about two seconds after applying each wave, synced or
//! not. The check Argo CD documents returns a stale Healthy right after the root updates
//! a child (#4577, #8778), so ladder always emits its own guarded check
//! (`crate::analyze::health::APPLICATION_LUA`) in `patches/argocd-cm.yaml`.
//!
//! Decisions:
//! - Sequential environments share one root, so the waves are offset per environment:
//!   wave = phase + stride × environment index, the stride being the power of ten above
//!   the highest phase (phase 150 of the second environment is wave 1150 when phases go
//!   up to 699). Every wave of one environment precedes the next environment's, as the
//!   RollingSync steps do. Independent environments each get their own root, unoffset.
//! - `sync: manual`: the child has no `automated` block, so Argo CD never syncs it by
//!   itself (v3.5.1 `controller/appcontroller.go` autoSync returns without one), and
//!   carries `ladder.dev/sync: manual` ([`SYNC_ANNOTATION`]): the health check passes it
//!   unless it is Degraded or syncing, so a child never synced (Missing, v3.5.1
//!   `controller/health.go:48-90`) does not hold the root's sync for ever. The
//!   environment waits for an operator, which `ladder plan` says.
//! - The root retries a failed sync (`retry` in `templates/app-of-apps-root.yaml.j2`): a
//!   Degraded child fails it (gitops-engine `pkg/sync/sync_context.go`, v3.5.1: a running
//!   task whose health is Degraded is OperationFailed), and automated sync does not try
//!   the same revision again beyond the retry limit (v3.5.1
//!   `controller/appcontroller.go:2383,2395-2399`).
//! - The AppProject sits beside the children without a wave: in a wave Argo CD applies
//!   kinds it does not know in kind-name order, and `AppProject` sorts before
//!   `Application`, so the project exists before the first child.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use minijinja::Environment;

use super::application::{DestinationOut, SourceOut, Tree};
use super::patches::render_argocd_cm;
use super::project::render_project;
use super::templates::{RenderError, block_yaml, render_error, render_one};
use crate::analyze::model::Model;
use crate::analyze::names::COMPONENT_LABEL;
use crate::analyze::names::MANAGED_BY;
use crate::analyze::names::PART_OF;
use crate::analyze::names::{SYNC_ANNOTATION, SYNC_MANUAL};
use crate::load::spec::Sync;
use crate::plan::Plan;
use crate::plan::wave_stride;

/// Renders one tree (all environments when sequential, one when independent).
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
    let namespace = model.argocd.namespace.as_str();
    let stride = wave_stride(plan);
    let mut repos = BTreeSet::new();
    let mut destinations = BTreeSet::new();
    for (k, &e) in envs.iter().enumerate() {
        let environment = &model.environments[e];
        let manual = environment.sync == Sync::Manual;
        let offset = if independent { 0 } else { stride * k as u64 };
        for (c, component) in model.components.iter().enumerate() {
            let Some(instance) = &component.instances[e] else {
                continue;
            };
            let phase = plan.environments[e].phases[c];
            let wave = offset + u64::from(phase);
            let phase_label = plan.phase_label(phase);
            let mut labels: IndexMap<&str, &str> = IndexMap::new();
            labels.insert(MANAGED_BY, "ladder");
            labels.insert(PART_OF, &model.name);
            labels.insert(COMPONENT_LABEL, &component.name);
            labels.insert(&model.rollout.environment_label, &environment.name);
            labels.insert(&model.rollout.label, &phase_label);
            let settings = &instance.settings;
            for (key, value) in &settings.labels {
                labels.insert(key, value);
            }
            let sources: Vec<SourceOut<'_>> =
                instance.sources.iter().map(SourceOut::from).collect();
            for s in &instance.sources {
                repos.insert(s.repo_url.as_str());
            }
            destinations.insert((&instance.destination, instance.namespace.as_str()));
            let file = format!("{prefix}apps/{}.yaml", instance.app);
            let source_block = if instance.multi_source {
                block_yaml(&serde_json::json!({ "sources": sources }), 2)
            } else {
                block_yaml(&serde_json::json!({ "source": sources.first() }), 2)
            }
            .map_err(|e| render_error(&e, "application.yaml.j2", &file))?;
            let labels_block = block_yaml(&labels, 4)
                .map_err(|e| render_error(&e, "application.yaml.j2", &file))?;
            // A block of fields at `indent`, or nothing for none.
            let fields_block = |fields: &dyn Fn() -> serde_json::Value,
                                empty: bool,
                                indent: usize|
             -> Result<String, RenderError> {
                if empty {
                    return Ok(String::new());
                }
                block_yaml(&fields(), indent)
                    .map_err(|e| render_error(&e, "application.yaml.j2", &file))
            };
            let annotations_block = fields_block(
                &|| serde_json::json!(settings.annotations),
                settings.annotations.is_empty(),
                4,
            )?;
            let destination = match DestinationOut::from(&instance.destination) {
                DestinationOut::Server(s) => ("server", s),
                DestinationOut::Name(n) => ("name", n),
            };
            // The environment's policy (prune, sync options); with no RollingSync in the
            // way, a child's automated sync also heals drift unless the environment says not.
            let mut policy = super::application::sync_policy(environment, settings);
            if let Some(automated) = policy
                .as_mut()
                .and_then(|p| p.get_mut("automated"))
                .and_then(serde_json::Value::as_object_mut)
            {
                automated.insert(
                    "selfHeal".into(),
                    serde_json::Value::Bool(environment.self_heal),
                );
            }
            let sync_policy = match &policy {
                Some(policy) => block_yaml(&serde_json::json!({ "syncPolicy": policy }), 2)
                    .map_err(|e| render_error(&e, "application.yaml.j2", &file))?,
                None => String::new(),
            };
            let fields = super::application::spec_fields(settings);
            let spec_fields = fields_block(&|| fields.clone().into(), fields.is_empty(), 2)?;
            let metadata = super::application::metadata_fields(settings);
            let metadata_fields =
                fields_block(&|| metadata.clone().into(), metadata.is_empty(), 2)?;
            let ctx = minijinja::context! {
                metadata_fields => metadata_fields,
                sync_policy => sync_policy,
                spec_fields => spec_fields,
                app => instance.app.as_str(),
                component => component.name.as_str(),
                env => environment.name.as_str(),
                next_env => envs.get(k + 1).filter(|_| !independent).map(|&n| model.environments[n].name.as_str()),
                namespace => namespace,
                project => project.as_str(),
                phase => phase_label.as_str(),
                wave => wave.to_string(),
                labels => labels_block,
                annotations => annotations_block,
                destination_key => destination.0,
                destination_value => destination.1,
                destination_namespace => instance.namespace.as_str(),
                sources => source_block,
                manual => manual,
                manual_annotation => SYNC_ANNOTATION,
                manual_value => SYNC_MANUAL,
                gate => minijinja::Value::from(minijinja::value::Serde(super::application::gate_note(component))),
            };
            let text = render_one(env, "application.yaml.j2", &ctx, &file, &env_names)?;
            files.insert(file, text);
        }
    }

    render_project(
        env,
        model,
        (&project, repos, &destinations),
        (prefix, envs, &env_names),
        files,
    )?;

    let root_file = format!("{prefix}root.yaml");
    let ctx = minijinja::context! {
        name => format!("{}-root", Tree::suffix(model, envs, &model.name)),
        env => if independent { Some(env_names[0].as_str()) } else { None },
        envs => env_names.clone(),
        stride => stride,
        namespace => namespace,
        project => model.argocd.root_project.as_str(),
        project_file => model.argocd.emit_project,
        repo_url => model.output.repo_url.as_str(),
        target_revision => model.output.target_revision.as_str(),
        path => if independent {
            format!("{}/{}", model.output.path, env_names[0])
        } else {
            model.output.path.clone()
        },
        server => model.argocd.server.as_str(),
    };
    let root = render_one(
        env,
        "app-of-apps-root.yaml.j2",
        &ctx,
        &root_file,
        &env_names,
    )?;
    files.insert(root_file, root);

    render_argocd_cm(env, model, (prefix, envs, &env_names), true, files)
}
