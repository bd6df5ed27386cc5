//! Analysis: from a loaded spec to a checked [`model::Model`], or every problem at once.
//!
//! This stage owns the meaning of a spec. [`analyze`] walks it once, each concern in
//! its own module: names and labels ([`names`], [`applications`]), the `argocd`,
//! `output` and `rollout` sections, the `maxUpdate` policy ([`max_update`]), sources,
//! dependencies and cycles ([`dependencies`], [`edges`]), layouts and their proofs
//! (`layout`), environments and sync windows, durations, health checks and resource
//! waves. Fleets are expanded before it ([`fleet`]) and version files applied after it
//! ([`version_files`]). It never stops at the first problem: each check records a
//! [`Diagnostic`] pointing at the spec line and column, and analysis goes on.
//!
//! May import: `load`, `diagnostic`, `dag`. Nothing downstream (plan, render) and no
//! review or edit tool.

use std::collections::BTreeMap;

use crate::analyze::model::{Component, EdgeKind, Model};
use crate::diagnostic::Diagnostic;
use crate::load::Loaded;
use crate::load::spec;
use crate::load::yaml::PathSeg;

pub mod app_settings;
pub mod application_patch;
mod application_set;
pub mod applications;
pub mod argocd;
mod cluster_resources;
mod context;
pub mod dependencies;
pub mod durations;
pub mod edges;
pub mod environment;
pub mod fleet;
pub mod gates;
pub mod health;
pub mod ignore_differences;
mod layout;
pub mod max_update;
pub mod model;
pub mod names;
mod output;
pub mod resource_waves;
mod rollout;
mod source_settings;
mod sources;
pub mod version_files;
pub mod wave_components;
mod wave_presets;
pub mod wave_refs;
pub mod windows;

use context::{Cx, interpolation_env};
use names::{dns_help, is_dns1123_label};

/// Checks a loaded spec and resolves it into a [`Model`].
pub fn analyze(loaded: &Loaded) -> Result<Model, Vec<Diagnostic>> {
    let mut cx = Cx {
        file: &loaded.file,
        tree: &loaded.tree,
        diagnostics: Vec::new(),
        interp: interpolation_env(),
    };
    let spec = &loaded.spec;
    let model = build(&mut cx, spec);
    if cx.diagnostics.is_empty()
        && let Some(model) = model
    {
        return Ok(model);
    }
    let mut diagnostics = cx.diagnostics;
    crate::diagnostic::sort(&mut diagnostics);
    Err(diagnostics)
}

fn build(cx: &mut Cx<'_>, spec: &spec::Spec) -> Option<Model> {
    use PathSeg::{Index, Key};

    if !is_dns1123_label(&spec.name) {
        cx.error(
            &[Key("name")],
            format!("spec name `{}` is not a valid Kubernetes name", spec.name),
        )
        .help = Some(dns_help());
    }
    let argocd = argocd::argocd(cx, spec);
    let rollout = rollout::rollout(cx, spec, argocd.as_ref().map(|a| a.version));
    let output = output::output(cx, spec);
    let environments = environment::environments(cx, spec, argocd.as_ref().map(|a| a.version));

    // Components, sorted by name; `order[i]` is the spec index of model component i.
    let mut order: Vec<usize> = (0..spec.components.len()).collect();
    order.sort_by(|&a, &b| {
        spec.components[a]
            .name
            .cmp(&spec.components[b].name)
            .then(a.cmp(&b))
    });
    if spec.components.is_empty() {
        let included = if spec.include.is_empty() {
            "or list component files in `include`"
        } else {
            "or to the files `include` names"
        };
        cx.error(&[Key("components")], "the spec has no components")
            .help = Some(format!(
            "add `components` (one Argo CD Application each, per environment), for example `components: [{{name: api, source: {{path: \"apps/api/{{{{ env }}}}\"}}}}]`, {included}"
        ));
    }

    // Duplicates: the first definition (in spec order) wins, the others are errors.
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut first_at: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, c) in spec.components.iter().enumerate() {
        if let Some(&first) = first_at.get(c.name.as_str()) {
            let first_pos = cx.pos(&[Key("components"), Index(first), Key("name")]);
            cx.error(
                &[Key("components"), Index(i), Key("name")],
                format!("duplicate component `{}`", c.name),
            )
            .add_note(first_pos, "first defined here");
        } else {
            first_at.insert(&c.name, i);
        }
    }
    for (model_index, &spec_index) in order.iter().enumerate() {
        index
            .entry(spec.components[spec_index].name.as_str())
            .or_insert(model_index);
    }

    let env_names: Vec<&str> = environments.iter().map(|e| e.name.as_str()).collect();
    // Indexed once: every unknown dependency asks it for a suggestion.
    let known = crate::diagnostic::Names::new(index.keys().copied());
    let mut components = Vec::with_capacity(order.len());
    let mut warnings = Vec::new();
    let mut enabled_anywhere = Vec::with_capacity(order.len());
    let reserved = applications::reserved_labels(rollout.as_ref());
    for &spec_index in &order {
        let c = &spec.components[spec_index];
        let at = |rest: &[PathSeg<'static>]| -> Vec<PathSeg<'static>> {
            let mut p = vec![Key("components"), Index(spec_index)];
            p.extend_from_slice(rest);
            p
        };
        if !is_dns1123_label(&c.name) {
            cx.error(
                &at(&[Key("name")]),
                format!("component name `{}` is not a valid Kubernetes name", c.name),
            )
            .help = Some(dns_help());
        }
        let depends_on =
            dependencies::dependencies(cx, c, EdgeKind::DependsOn, &index, &known, &at);
        let after = edges::after(cx, c, &depends_on, &index, &known, &at);
        let smoke = edges::smoke_kind(cx, c, &at);
        let enabled = dependencies::enabled_per_env(cx, c, &env_names, &at);
        enabled_anywhere.push(enabled.clone());
        let settings = app_settings::Resolve {
            spec,
            component: c,
            version: argocd.as_ref().map_or(argocd::NEWEST, |a| a.version),
            reserved: &reserved,
        };
        settings.check(cx, &env_names, &enabled, &at);
        let mut instances = Vec::with_capacity(environments.len());
        for (e, env) in environments.iter().enumerate() {
            instances.push(if enabled[e] {
                sources::instance(cx, spec, c, &env.name, settings.version, &at).map(
                    |mut instance| {
                        instance.settings =
                            settings.resolve(&env.name, spec.environments[e].sync_options.as_ref());
                        instance.destination = settings.destination(&env.name, &env.destination);
                        instance
                    },
                )
            } else {
                None
            });
        }
        settings.check_managed_namespaces(cx, &instances, &env_names, &at);
        let duration = durations::component_duration(cx, spec, c, &at);
        let assigned = layout::assigned_phase(cx, spec, c, &at);
        let version = argocd.as_ref().map(|a| a.version);
        let cluster_resources = cluster_resources::cluster_resources(cx, c, &at, version);
        let gate = gates::carrier(cx, c, &at, &mut warnings);
        let waves = resource_waves::plan(cx.file, cx.tree, spec_index, &c.resources, version)
            .unwrap_or_else(|d| {
                cx.diagnostics.extend(d);
                None
            });
        components.push(Component {
            name: c.name.clone(),
            depends_on,
            after,
            role: c.role.clone(),
            smoke,
            labels: c.labels.clone(),
            annotations: c.annotations.clone(),
            duration,
            pinned: assigned,
            instances,
            waves,
            cluster_resources,
            gate,
            member_of: c.member_of.clone(),
        });
    }

    applications::check_application_names(cx, spec, &order, &components, &environments);
    layout::check_pinned_order(cx, spec, &order, &components);
    dependencies::check_disabled_dependencies(cx, spec, &order, &components, &environments);
    dependencies::check_cycles(cx, spec, &order, &components);
    edges::check_smokes(cx, spec, &order, &components);
    for (e, env) in environments.iter().enumerate() {
        if !enabled_anywhere.is_empty() && enabled_anywhere.iter().all(|enabled| !enabled[e]) {
            cx.error(
                &[Key("environments"), Index(e), Key("name")],
                format!("environment `{}` has no enabled components", env.name),
            );
        }
    }

    let health = health::resolve(spec, &order);
    for problem in health.problems {
        cx.error(&problem.path, problem.message).help = Some(problem.help);
    }
    Some(Model {
        health_checks: health.checks,
        name: spec.name.clone(),
        argocd: argocd?,
        output: output?,
        rollout: rollout?,
        environments,
        components,
        warnings,
    })
}

/// The lint rule of a spec named after its folder.
pub static NAME_FROM_FOLDER: &str = "name-from-folder";

/// A warning for a spec without `name` (which [`crate::load::load_named`] named after
/// its folder): a checkout in another folder, or a renamed one, gives every generated
/// object another name, and Argo CD deletes and re-creates every Application.
pub fn named_after_folder(loaded: &Loaded) -> Option<Diagnostic> {
    if loaded.tree.get("name").is_some() {
        return None;
    }
    let name = &loaded.spec.name;
    Some(
        Diagnostic::new(
            &loaded.file,
            crate::diagnostic::Pos::new(1, 1),
            format!(
                "the spec has no `name`, so ladder named it `{name}` after its folder; a checkout in a folder with another name builds other Application names, which Argo CD deletes and re-creates"
            ),
        )
        .help(format!("add `name: {name}` at the top of the spec"))
        .rule(&NAME_FROM_FOLDER),
    )
}
