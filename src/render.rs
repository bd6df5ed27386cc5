//! Rendering: the model and plan into Argo CD manifests, through minijinja
//! templates embedded in the binary.
//!
//! Templates see only the values this module hands them; undefined variables
//! are errors (strict undefined), and every interpolated value goes through the
//! `yaml` filter (one scalar, quoted where a YAML 1.1 reader would misread it),
//! except the list generator's elements, a block serde-saphyr emits. What the
//! manifests say and why (RollingSync's handling of `automated`, version
//! differences) is decided here and in the templates' comments, with the Argo CD
//! facts they rely on.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use minijinja::value::Value as JValue;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use serde_json::{Value as Json, json};

use crate::model::{Destination, MaxUpdate, Model};
use crate::plan::Plan;
use crate::spec::{DeletionOrder, Strategy, Sync, Topology};

mod app_of_apps;
pub use app_of_apps::wave_stride;

/// The embedded templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "applicationset.yaml.j2",
        include_str!("../templates/applicationset.yaml.j2"),
    ),
    (
        "appproject.yaml.j2",
        include_str!("../templates/appproject.yaml.j2"),
    ),
    (
        "argocd-cmd-params-cm.yaml.j2",
        include_str!("../templates/argocd-cmd-params-cm.yaml.j2"),
    ),
    ("root.yaml.j2", include_str!("../templates/root.yaml.j2")),
    (
        "application.yaml.j2",
        include_str!("../templates/application.yaml.j2"),
    ),
    (
        "app-of-apps-root.yaml.j2",
        include_str!("../templates/app-of-apps-root.yaml.j2"),
    ),
    (
        "argocd-cm.yaml.j2",
        include_str!("../templates/argocd-cm.yaml.j2"),
    ),
];

/// How many component names a step's comment lists before "and N more".
const NAMES_IN_STEP_COMMENT: usize = 8;

/// Templates a user supplies in place of the embedded ones (`ladder build --templates DIR`):
/// template name (e.g. `root.yaml.j2`) to source. They run in the same sandbox as the
/// embedded ones: no loader, so `include` reaches only these templates; no access to
/// files or the environment; strict undefined; and a fuel budget that bounds loops.
pub type Overrides = BTreeMap<String, String>;

/// A template that failed, and what it was rendering.
#[derive(Debug)]
pub struct RenderError {
    /// The template's name (an override's file name, or an embedded template's).
    pub template: String,
    /// 1-based line in the template, when known.
    pub line: Option<usize>,
    pub message: String,
    /// What was being rendered: the file and the environments (and so components) in it.
    pub rendering: String,
}

/// Renders every output file: relative path (with `/`) to its body, without the header.
pub fn render(
    model: &Model,
    plan: &Plan,
    overrides: &Overrides,
) -> Result<BTreeMap<String, String>, RenderError> {
    let env = environment(model, overrides)?;
    let mut files = BTreeMap::new();
    let tree = match model.rollout.strategy {
        Strategy::RollingSync => render_tree,
        Strategy::AppOfApps => app_of_apps::render_tree,
    };
    match model.rollout.topology {
        Topology::Sequential => {
            let all: Vec<usize> = (0..model.environments.len()).collect();
            tree(&env, model, plan, &all, "", &mut files)?;
        }
        Topology::Independent => {
            for (e, environment) in model.environments.iter().enumerate() {
                let prefix = format!("{}/", environment.name);
                tree(&env, model, plan, &[e], &prefix, &mut files)?;
            }
        }
    }
    Ok(files)
}

/// The names of the templates a user may override.
pub fn template_names() -> impl Iterator<Item = &'static str> {
    TEMPLATES.iter().map(|(name, _)| *name)
}

fn environment(model: &Model, overrides: &Overrides) -> Result<Environment<'static>, RenderError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    // Enough for the embedded templates at any size; a runaway loop in an override stops.
    let size = model
        .components
        .len()
        .saturating_mul(model.environments.len());
    env.set_fuel(Some(100_000u64.saturating_add(
        u64::try_from(size).unwrap_or(u64::MAX).saturating_mul(500),
    )));
    for (name, source) in TEMPLATES {
        let source = overrides
            .get(*name)
            .map_or(*source, String::as_str)
            .to_owned();
        env.add_template_owned(*name, source)
            .map_err(|e| render_error(&e, name, "the template itself"))?;
    }
    env.add_filter("yaml", yaml_filter);
    env.add_function("go", |key: &str| format!("{{{{ .{key} }}}}"));
    env.add_function("go_json", |key: &str| format!("{{{{ toJson .{key} }}}}"));
    Ok(env)
}

fn render_error(e: &Error, template: &str, rendering: &str) -> RenderError {
    RenderError {
        template: e.name().unwrap_or(template).to_owned(),
        line: e.line(),
        message: e
            .detail()
            .map_or_else(|| e.kind().to_string(), str::to_owned),
        rendering: rendering.to_owned(),
    }
}

/// The first RollingSync step whose rendering fails: the shortest prefix of `steps` the
/// ApplicationSet template fails on, found by bisection (only ever on the error path).
fn failing_step(env: &Environment<'static>, ctx: &JValue, steps: &[Json]) -> Option<usize> {
    let fails = |n: usize| {
        let prefix = JValue::from(minijinja::value::Serde(&steps[..n]));
        let ctx = minijinja::context! { steps => prefix, ..ctx.clone() };
        env.get_template("applicationset.yaml.j2")
            .and_then(|t| t.render(ctx))
            .is_err()
    };
    if steps.is_empty() || fails(0) || !fails(steps.len()) {
        return None;
    }
    let (mut ok, mut bad) = (0, steps.len());
    while bad - ok > 1 {
        let mid = ok + (bad - ok) / 2;
        if fails(mid) {
            bad = mid;
        } else {
            ok = mid;
        }
    }
    Some(bad - 1)
}

/// Renders one template with `ctx`, naming the output file and environments on error.
fn render_one(
    env: &Environment<'static>,
    name: &str,
    ctx: &JValue,
    file: &str,
    env_names: &[String],
) -> Result<String, RenderError> {
    let rendering = format!("{file} for {}", env_names.join(", "));
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| render_error(&e, name, &rendering))
}

/// One scalar, safe for YAML 1.1 and 1.2 readers.
fn yaml_filter(value: &JValue) -> Result<String, Error> {
    if let Some(s) = value.as_str() {
        return Ok(crate::yaml::scalar(s));
    }
    if value.kind() == minijinja::value::ValueKind::Bool {
        // minijinja writes booleans as Python does (`True`); YAML's canonical form is lowercase.
        return Ok(value.is_true().to_string());
    }
    if value.is_number() {
        return Ok(value.to_string());
    }
    if value.is_undefined() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            "the yaml filter got an undefined value (a variable this template does not receive)",
        ));
    }
    Err(Error::new(
        ErrorKind::InvalidOperation,
        format!(
            "the yaml filter takes a string, number or boolean, not {}",
            value.kind()
        ),
    ))
}

/// `json` as block YAML emitted by serde-saphyr (which quotes every string a YAML 1.1
/// reader would misread), each line indented by `indent` spaces.
fn block_yaml(value: &impl serde::Serialize, indent: usize) -> Result<String, Error> {
    let options = serde_saphyr::ser_options! {
        folded_wrap_chars: usize::MAX,
    };
    let text = serde_saphyr::to_string_with_options(value, options)
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
    let pad = " ".repeat(indent);
    let mut out = String::with_capacity(text.len() + text.lines().count() * indent);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    Ok(out)
}

fn render_tree(
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

    // Each environment's syncPolicy. Where they differ, each element carries its own
    // (or, when only auto/manual differ, just its `sync`, as before these settings).
    let policies: Vec<Option<Json>> = envs
        .iter()
        .map(|&e| crate::environment::sync_policy(&model.environments[e]))
        .collect();
    let uniform_policy = policies.windows(2).all(|w| w[0] == w[1]);
    let plain = envs.iter().all(|&e| {
        let environment = &model.environments[e];
        environment.prune && environment.sync_options.is_empty()
    });
    let policy_patch = !uniform_policy && !plain;
    let mixed_sync = !uniform_policy && plain;
    // The list generator's elements and the steps, environment by environment.
    let any_labels = model.components.iter().any(|c| !c.labels.is_empty());
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
        // (Argo CD orders syncs by the steps and, inside a step, by Application name.)
        let sync_policy = policy_patch
            .then(|| policies[envs.iter().position(|&x| x == e).unwrap_or(0)].clone())
            .flatten();
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
            elements.push(Element {
                app: &instance.app,
                component: &component.name,
                env: &environment.name,
                phase: plan.phase_label(plan.environments[e].phases[c]),
                namespace: &instance.namespace,
                destination: DestinationOut::from(&environment.destination),
                labels: any_labels.then_some(&component.labels),
                sync: mixed_sync.then_some(match environment.sync {
                    Sync::Auto => "auto",
                    Sync::Manual => "manual",
                }),
                sync_policy: sync_policy.clone(),
                source,
                sources,
            });
            for s in &instance.sources {
                repos.insert(s.repo_url.as_str());
            }
            destinations.insert((&environment.destination, instance.namespace.as_str()));
        }
        for step in &plan.environments[e].steps {
            let phase = plan.phase_label(step.phase);
            steps.push(json!({
                "env": environment.name,
                "phase": phase,
                "manual": environment.sync == Sync::Manual,
                "max_update": max_update_json(step.max_update),
                "summary": step_summary(model, &environment.name, step.phase, &step.components),
                "next_env": next_env,
                "non_gating": step
                    .components
                    .iter()
                    .filter(|&&c| model.components[c].smoke == crate::model::Smoke::NonGating)
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
            steps => JValue::from(minijinja::value::Serde(&steps)),
            env_label => model.rollout.environment_label.as_str(),
            phase_label => model.rollout.label.as_str(),
            sequential => !independent,
            any_labels => any_labels,
            any_auto => any_auto,
            all_auto => all_auto,
            policy_patch => policy_patch,
            // With one policy for the whole tree: its prune and sync options.
            prune => envs.iter().all(|&e| model.environments[e].prune),
            sync_options => if uniform_policy {
                model.environments[envs[0]].sync_options.clone()
            } else {
                Vec::new()
            },
            automated_note => automated_note,
            source_shape => source_shape,
            deletion_order => deletion_order,
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

/// `patches/argocd-cm.yaml`, when the tree needs health checks Argo CD lacks: the
/// `argoproj.io/Application` check an app-of-apps root needs for its waves to wait
/// (`application_check`), and the custom checks the tree's components ask for
/// (`crate::health`). One file, because both are keys of the one `argocd-cm`.
fn render_argocd_cm(
    env: &Environment<'static>,
    model: &Model,
    (prefix, envs, env_names): (&str, &[usize], &[String]),
    application_check: bool,
    files: &mut BTreeMap<String, String>,
) -> Result<(), RenderError> {
    let in_tree = |c: &usize| envs.iter().any(|&e| model.enabled(*c, e));
    let checks: Vec<&crate::health::Check> = model
        .health_checks
        .iter()
        .filter(|check| check.components.iter().any(in_tree))
        .collect();
    if checks.is_empty() && !application_check {
        return Ok(());
    }
    let file = format!("{prefix}patches/argocd-cm.yaml");
    let mut data: indexmap::IndexMap<&str, &str> = indexmap::IndexMap::new();
    if application_check {
        data.insert(
            crate::health::APPLICATION_KEY,
            crate::health::APPLICATION_LUA,
        );
    }
    for check in &checks {
        data.entry(check.key.as_str()).or_insert(check.lua.as_str());
    }
    let data = block_yaml(&data, 2).map_err(|e| render_error(&e, "argocd-cm.yaml.j2", &file))?;
    let listed: Vec<Json> = checks
        .iter()
        .map(|check| {
            let names: Vec<&str> = check
                .components
                .iter()
                .filter(|c| in_tree(c))
                .map(|&c| model.components[c].name.as_str())
                .collect();
            json!({"key": check.key, "components": names.join(", ")})
        })
        .collect();
    let ctx = minijinja::context! {
        namespace => model.argocd.namespace.as_str(),
        application_check => application_check,
        data => data,
        checks => JValue::from(minijinja::value::Serde(&listed)),
    };
    let text = render_one(env, "argocd-cm.yaml.j2", &ctx, &file, env_names)?;
    files.insert(file, text);
    Ok(())
}

/// The names one output tree uses: one tree for sequential environments, one per
/// environment (names suffixed with it) when independent.
struct Tree {
    independent: bool,
    /// The AppProject of the tree's Applications.
    project: String,
    env_names: Vec<String>,
}

impl Tree {
    fn of(model: &Model, envs: &[usize]) -> Tree {
        let project = if model.argocd.emit_project {
            Tree::suffix(model, envs, &model.argocd.project)
        } else {
            model.argocd.project.clone()
        };
        Tree {
            independent: model.rollout.topology == Topology::Independent,
            project,
            env_names: envs
                .iter()
                .map(|&e| model.environments[e].name.clone())
                .collect(),
        }
    }

    /// `base`, or `base-<env>` in an independent environment's tree.
    fn suffix(model: &Model, envs: &[usize], base: &str) -> String {
        if model.rollout.topology == Topology::Independent {
            format!("{base}-{}", model.environments[envs[0]].name)
        } else {
            base.to_owned()
        }
    }
}

/// The repositories and destinations a tree's Applications use.
type Uses<'a> = (
    &'a str,
    BTreeSet<&'a str>,
    &'a BTreeSet<(&'a Destination, &'a str)>,
);

/// `appproject.yaml` of a tree, unless it uses Argo CD's `default` project: exactly
/// the repositories and destinations its Applications use.
fn render_project(
    env: &Environment<'static>,
    model: &Model,
    (project, repos, destinations): Uses<'_>,
    (prefix, envs, env_names): (&str, &[usize], &[String]),
    files: &mut BTreeMap<String, String>,
) -> Result<(), RenderError> {
    if !model.argocd.emit_project {
        return Ok(());
    }
    let file = format!("{prefix}appproject.yaml");
    let windows = crate::environment::project_windows(model, envs);
    let sync_windows = if windows.is_empty() {
        String::new()
    } else {
        block_yaml(&windows, 4).map_err(|e| render_error(&e, "appproject.yaml.j2", &file))?
    };
    let destinations: Vec<Json> = destinations
        .iter()
        .map(|(d, ns)| {
            let (key, value) = match d {
                Destination::Server(s) => ("server", s),
                Destination::Name(n) => ("name", n),
            };
            json!({"key": key, "value": value, "namespace": ns})
        })
        .collect();
    let description = format!(
        "{}: generated by ladder for {}",
        model.name,
        env_names.join(", ")
    );
    let ctx = minijinja::context! {
            sync_windows => sync_windows,
            name => project,
            namespace => model.argocd.namespace.as_str(),
            description => description,
            source_repos => repos.into_iter().map(str::to_owned).collect::<Vec<String>>(),
            destinations => JValue::from(minijinja::value::Serde(&destinations)),
            cluster_resources => model.argocd.cluster_resources,
    };
    let text = render_one(env, "appproject.yaml.j2", &ctx, &file, env_names)?;
    files.insert(file, text);
    Ok(())
}

/// One element of the list generator. Fields borrow from the model (at fleet scale there
/// are hundreds of thousands) and serialize in this order.
#[derive(serde::Serialize)]
struct Element<'a> {
    app: &'a str,
    component: &'a str,
    env: &'a str,
    phase: String,
    namespace: &'a str,
    destination: DestinationOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<&'a indexmap::IndexMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sync: Option<&'static str>,
    #[serde(rename = "syncPolicy", skip_serializing_if = "Option::is_none")]
    sync_policy: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<SourceOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sources: Option<Vec<SourceOut<'a>>>,
}

/// An Application destination cluster: `server` or `name`.
#[derive(serde::Serialize)]
#[serde(rename_all = "lowercase")]
enum DestinationOut<'a> {
    Server(&'a str),
    Name(&'a str),
}

impl<'a> From<&'a Destination> for DestinationOut<'a> {
    fn from(d: &'a Destination) -> Self {
        match d {
            Destination::Server(s) => DestinationOut::Server(s),
            Destination::Name(n) => DestinationOut::Name(n),
        }
    }
}

/// A source in Argo CD's own field names, so `toJson` yields an Application source.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SourceOut<'a> {
    #[serde(rename = "repoURL")]
    repo_url: &'a str,
    target_revision: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chart: Option<&'a str>,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    reference: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    helm: Option<HelmOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kustomize: Option<KustomizeOut<'a>>,
}

/// `spec.source.kustomize`: only `images`, each `<image_name>:<image_tag>` (the
/// Application CRD's `KustomizeImage`), which Argo CD applies as `kustomize edit set
/// image` before building the overlay.
#[derive(serde::Serialize)]
struct KustomizeOut<'a> {
    images: &'a [String],
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct HelmOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    release_name: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    value_files: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    parameters: Vec<ParameterOut<'a>>,
}

#[derive(serde::Serialize)]
struct ParameterOut<'a> {
    name: &'a str,
    value: &'a str,
}

impl<'a> From<&'a crate::model::Source> for SourceOut<'a> {
    fn from(s: &'a crate::model::Source) -> Self {
        let helm =
            (!s.value_files.is_empty() || s.release_name.is_some() || !s.parameters.is_empty())
                .then(|| HelmOut {
                    release_name: s.release_name.as_deref(),
                    value_files: &s.value_files,
                    parameters: s
                        .parameters
                        .iter()
                        .map(|(name, value)| ParameterOut { name, value })
                        .collect(),
                });
        SourceOut {
            repo_url: &s.repo_url,
            target_revision: &s.target_revision,
            path: s.path.as_deref(),
            chart: s.chart.as_deref(),
            reference: s.reference.as_deref(),
            helm,
            kustomize: (!s.kustomize_images.is_empty()).then_some(KustomizeOut {
                images: &s.kustomize_images,
            }),
        }
    }
}

fn max_update_json(m: MaxUpdate) -> Json {
    match m {
        MaxUpdate::Count(n) => json!(n),
        MaxUpdate::Percent(p) => json!(format!("{p}%")),
    }
}

fn step_summary(model: &Model, env: &str, phase: u32, components: &[usize]) -> String {
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
