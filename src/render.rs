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
use crate::spec::{DeletionOrder, Sync, Topology};

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
];

/// How many component names a step's comment lists before "and N more".
const NAMES_IN_STEP_COMMENT: usize = 8;

/// Renders every output file: relative path (with `/`) to its body, without the header.
pub fn render(model: &Model, plan: &Plan) -> Result<BTreeMap<String, String>, Error> {
    let env = environment()?;
    let mut files = BTreeMap::new();
    match model.rollout.topology {
        Topology::Sequential => {
            let all: Vec<usize> = (0..model.environments.len()).collect();
            render_tree(&env, model, plan, &all, "", &mut files)?;
        }
        Topology::Independent => {
            for (e, environment) in model.environments.iter().enumerate() {
                let prefix = format!("{}/", environment.name);
                render_tree(&env, model, plan, &[e], &prefix, &mut files)?;
            }
        }
    }
    Ok(files)
}

fn environment() -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)?;
    }
    env.add_filter("yaml", yaml_filter);
    env.add_function("go", |key: &str| format!("{{{{ .{key} }}}}"));
    env.add_function("go_json", |key: &str| format!("{{{{ toJson .{key} }}}}"));
    Ok(env)
}

/// One scalar, safe for YAML 1.1 and 1.2 readers.
fn yaml_filter(value: &JValue) -> Result<String, Error> {
    if let Some(s) = value.as_str() {
        return Ok(crate::yaml::scalar(s));
    }
    if value.is_number() || value.kind() == minijinja::value::ValueKind::Bool {
        return Ok(value.to_string());
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
) -> Result<(), Error> {
    let independent = model.rollout.topology == Topology::Independent;
    let suffix = |base: &str| {
        if independent {
            format!("{base}-{}", model.environments[envs[0]].name)
        } else {
            base.to_owned()
        }
    };
    let project = if model.argocd.emit_project {
        suffix(&model.argocd.project)
    } else {
        model.argocd.project.clone()
    };
    let namespace = &model.argocd.namespace;
    let env_names: Vec<String> = envs
        .iter()
        .map(|&e| model.environments[e].name.clone())
        .collect();

    let mixed_sync = envs
        .iter()
        .any(|&e| model.environments[e].sync == Sync::Auto)
        && envs
            .iter()
            .any(|&e| model.environments[e].sync == Sync::Manual);
    // The list generator's elements and the steps, environment by environment.
    let any_labels = model.components.iter().any(|c| !c.labels.is_empty());
    let mut elements = Vec::new();
    let mut steps = Vec::new();
    let mut single = false;
    let mut multi = false;
    let mut repos = BTreeSet::new();
    let mut destinations = BTreeSet::new();
    for &e in envs {
        let environment = &model.environments[e];
        // Elements by component name, not by phase: when a component moves to another
        // phase its element keeps its place and only `phase` changes in a review diff.
        // (Argo CD orders syncs by the steps and, inside a step, by Application name.)
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
                phase: plan.phases[c].to_string(),
                namespace: &instance.namespace,
                destination: DestinationOut::from(&environment.destination),
                labels: any_labels.then_some(&component.labels),
                sync: mixed_sync.then_some(match environment.sync {
                    Sync::Auto => "auto",
                    Sync::Manual => "manual",
                }),
                source,
                sources,
            });
            for s in &instance.sources {
                repos.insert(s.repo_url.as_str());
            }
            destinations.insert((&environment.destination, instance.namespace.as_str()));
        }
        for step in &plan.environments[e].steps {
            let phase = step.phase.to_string();
            steps.push(json!({
                "env": environment.name,
                "phase": phase,
                "manual": environment.sync == Sync::Manual,
                "max_update": max_update_json(step.max_update),
                "summary": step_summary(model, &environment.name, step.phase, &step.components),
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

    let appset = env
        .get_template("applicationset.yaml.j2")?
        .render(minijinja::context! {
            name => suffix(&model.name),
            namespace => namespace.as_str(),
            part_of => model.name.as_str(),
            project => project.as_str(),
            envs => env_names.clone(),
            // Pre-rendered: at fleet scale this block is most of the output, and emitting it
            // straight from serde_json skips two conversions through template values.
            elements => block_yaml(&elements, 10)?,
            element_count => element_count,
            steps => JValue::from(minijinja::value::Serde(&steps)),
            env_label => model.rollout.environment_label.as_str(),
            phase_label => model.rollout.label.as_str(),
            sequential => !independent,
            any_labels => any_labels,
            any_auto => any_auto,
        all_auto => all_auto,
            automated_note => automated_note,
            source_shape => source_shape,
            deletion_order => deletion_order,
        })?;
    files.insert(format!("{prefix}applicationset.yaml"), appset);

    if model.argocd.emit_project {
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
        let text = env
            .get_template("appproject.yaml.j2")?
            .render(minijinja::context! {
                name => project.as_str(),
                namespace => namespace.as_str(),
                description => description,
                source_repos => repos.into_iter().map(str::to_owned).collect::<Vec<String>>(),
                destinations => JValue::from(minijinja::value::Serde(&destinations)),
                cluster_resources => model.argocd.cluster_resources,
            })?;
        files.insert(format!("{prefix}appproject.yaml"), text);
    }

    let root_path = if independent {
        format!("{}/{}", model.output.path, env_names[0])
    } else {
        model.output.path.clone()
    };
    let root = env
        .get_template("root.yaml.j2")?
        .render(minijinja::context! {
            name => format!("{}-root", suffix(&model.name)),
            env => if independent { Some(env_names[0].as_str()) } else { None },
            namespace => namespace.as_str(),
            project => model.argocd.root_project.as_str(),
            project_file => model.argocd.emit_project,
            repo_url => model.output.repo_url.as_str(),
            target_revision => model.output.target_revision.as_str(),
            path => root_path,
            server => model.argocd.server.as_str(),
        })?;
    files.insert(format!("{prefix}root.yaml"), root);

    let patch = env
        .get_template("argocd-cmd-params-cm.yaml.j2")?
        .render(minijinja::context! { namespace => namespace })?;
    files.insert(format!("{prefix}patches/argocd-cmd-params-cm.yaml"), patch);
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
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct HelmOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    release_name: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    value_files: &'a [String],
}

impl<'a> From<&'a crate::model::Source> for SourceOut<'a> {
    fn from(s: &'a crate::model::Source) -> Self {
        let helm = (!s.value_files.is_empty() || s.release_name.is_some()).then(|| HelmOut {
            release_name: s.release_name.as_deref(),
            value_files: &s.value_files,
        });
        SourceOut {
            repo_url: &s.repo_url,
            target_revision: &s.target_revision,
            path: s.path.as_deref(),
            chart: s.chart.as_deref(),
            reference: s.reference.as_deref(),
            helm,
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
