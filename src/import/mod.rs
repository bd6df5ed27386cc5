//! `ladder import`: a spec that reproduces an existing tree of Argo CD manifests.
//!
//! The tree is read as Argo CD would create it ([`crate::generate::tree`]: Application
//! manifests and what ApplicationSets generate). An app-of-apps (an Application whose
//! source path holds other Applications) is not a component: ladder's root takes its
//! place. Each other Application becomes one environment's instance of a component:
//! the environment is its `env` (or `environment`) label, else the last `-part` of its
//! name when that reads as an environment; the component is the name without that
//! part. What an environment's Applications agree on is the environment's
//! ([`derive`]); a component's sources and namespace are one value for every
//! environment, the environment's name made `{{ env }}` where ladder substitutes it
//! ([`unify`]); its other settings are the component's or one environment's override
//! ([`fields`]). The existing order is kept exactly ([`order`]): `layout: pinned`, each
//! component's phase its place (sync-waves from the top app-of-apps down, then
//! RollingSync step) among its environment's Applications, so the first `ladder build`
//! changes no order.
//!
//! Nothing is dropped silently: what cannot be mapped, and what Argo CD does not order
//! (separate trees), is a line of the report, with its place and why. A pure function
//! of the files' texts; the CLI reads and writes.

mod depends;
mod derive;
mod fields;
mod instance;
mod order;
mod projects;
mod rollout;
mod unify;
mod write;

pub use depends::Rendered;
use instance::{Instance, env_label, suffix_environments};
pub use write::Line;
use write::common;

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::Pos;
use crate::generate::tree::Made;
use crate::load::yaml::Node;

/// What an import makes: the spec's text, and the report.
#[derive(Debug, Clone)]
pub struct Imported {
    pub spec: String,
    /// The same spec with each component in its own file (`ladder import --split`):
    /// (path relative to the spec's folder, text), `ladder.yaml` first.
    pub split: Vec<(String, String)>,
    /// Not mapped, or decided: in file order.
    pub report: Vec<Line>,
    /// How many Applications and ApplicationSets the files hold.
    pub found: usize,
    /// How many Applications became how many components and environments.
    pub applications: usize,
    pub components: usize,
    pub environments: Vec<String>,
}

/// Imports the Applications of `files` (path, text) into a spec named `name` (by
/// default the ApplicationSet's, when one makes them all), git generators reading
/// `checkouts`; `rendered` adds manifests rendered for components to those their
/// source paths install, for the suggested `dependsOn`. The files are read in the
/// order of their names, so the order they are given in changes nothing; a file that
/// is not YAML is reported and the rest imported.
pub fn import(
    files: &[(String, String)],
    rendered: &[Rendered],
    name: Option<&str>,
    checkouts: &[crate::generate::Checkout<'_>],
) -> Imported {
    let mut files = files.to_vec();
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    let (tree, unreadable) = crate::generate::tree::read_all(&files, checkouts);
    let mut report: Vec<Line> = tree
        .not_evaluated
        .iter()
        .map(|(file, pos, why)| Line {
            file: file.clone(),
            pos: *pos,
            what: format!("not imported: {why}"),
        })
        .collect();
    for d in &unreadable {
        report.push(Line {
            file: d.file.clone(),
            pos: d.pos,
            what: format!("not imported, not YAML: {}", d.message),
        });
    }
    let line = write::line;
    let parents = order::parents(&tree.apps, checkouts, &mut report);
    let mut children: BTreeMap<usize, usize> = BTreeMap::new();
    for p in parents.of.iter().flatten() {
        *children.entry(*p).or_default() += 1;
    }
    for (p, n) in &children {
        report.push(line(
            &tree.apps[*p],
            &format!("is an app-of-apps of {n} Applications (its source path is their folder): not a component; ladder's root Application takes its place, and its children's order is kept"),
        ));
    }
    let found = tree.apps.len() + tree.not_evaluated.len();
    let apps: Vec<(usize, &Made)> = tree
        .apps
        .iter()
        .enumerate()
        .filter(|(i, _)| !parents.apps_of_apps.contains(i))
        .collect();
    let suffix_envs = suffix_environments(apps.iter().map(|(_, m)| m.name.as_str()));
    let mut label_keys: BTreeSet<&str> = BTreeSet::new();
    let mut instances: Vec<Instance<'_>> = Vec::new();
    let mut seen: BTreeMap<(String, String), &Made> = BTreeMap::new();
    for (index, m) in apps {
        let suffix = m
            .name
            .rsplit_once('-')
            .map(|(_, s)| s)
            .filter(|s| suffix_envs.contains(s));
        let env = match env_label(m) {
            Some((key, env)) => {
                label_keys.insert(key);
                if suffix.is_some_and(|s| s != env) || !m.name.ends_with(&format!("-{env}")) {
                    report.push(line(
                        m,
                        &format!("its `{key}` label is `{env}`, which does not end its name: ladder names it `{}-{env}`", m.name),
                    ));
                }
                Some(env)
            }
            None => suffix.map(str::to_owned),
        };
        let Some(env) = env else {
            report.push(line(
                m,
                "maps to no environment (no `env` label, and its name does not end in one): not imported",
            ));
            continue;
        };
        let component = m
            .name
            .strip_suffix(&format!("-{env}"))
            .filter(|c| !c.is_empty())
            .unwrap_or(&m.name)
            .to_owned();
        if let Some(first) = seen.get(&(component.clone(), env.clone())) {
            report.push(line(
                m,
                &format!(
                    "would be the same component `{component}` in `{env}` as `{}` ({}:{}): not imported",
                    first.name, first.file, first.pos.line
                ),
            ));
            continue;
        }
        seen.insert((component.clone(), env.clone()), m);
        instances.push(Instance {
            index,
            made: m,
            component,
            env,
        });
    }
    let guessed: BTreeSet<&str> = instances
        .iter()
        .filter(|i| {
            env_label(i.made).is_none() && !instance::ENVIRONMENTS.contains(&i.env.as_str())
        })
        .map(|i| i.env.as_str())
        .collect();
    if !guessed.is_empty() {
        let named: Vec<String> = guessed.iter().map(|e| format!("`{e}`")).collect();
        report.push(Line {
            file: String::new(),
            pos: Pos::default(),
            what: format!(
                "the environments {} are read from the ends of the Applications' names, where several components share them; they are not names ladder knows as environments, so check them (an `env` label says it for sure)",
                named.join(", ")
            ),
        });
    }
    let placed = order::place(&instances, &tree.apps, &parents.of);
    let environments = order::environments(&instances, &placed, &mut report);
    let ranks = order::ranks(&instances, &placed, &mut report);
    let env_index = |e: &str| {
        environments
            .iter()
            .position(|x| x == e)
            .unwrap_or(usize::MAX)
    };
    let appset = common(
        instances
            .iter()
            .map(|i| i.made.appset.clone().unwrap_or_default()),
    )
    .filter(|a| !a.is_empty());
    let name = match (name, appset) {
        (Some(name), _) => name.to_owned(),
        (None, Some(appset)) => appset,
        (None, None) => {
            report.push(Line {
                file: String::new(),
                pos: Pos::default(),
                what: "the spec is named `imported`: no one ApplicationSet names the system; set `name` (or pass --name) before the first build, as the name is in every generated name".into(),
            });
            "imported".to_owned()
        }
    };
    let mut spec = write::Spec::new(&name);
    let rolling = instances.iter().filter(|i| i.made.rolling_sync).count();
    spec.rolling_sync = rolling > 0 || instances.is_empty();
    if rolling > 0 && rolling < instances.len() {
        report.push(Line {
            file: String::new(),
            pos: Pos::default(),
            what: format!("{rolling} of the {} Applications are rolled out by RollingSync and the others by sync-waves; ladder rolls a spec out one way, so the spec uses RollingSync", instances.len()),
        });
    }
    if !spec.rolling_sync && !tree.application_health && instances.iter().any(|i| i.made.key.0 != 0)
    {
        report.push(Line {
            file: String::new(),
            pos: Pos::default(),
            what: "no `argocd-cm` among the files gives Applications a health check, so Argo CD starts each wave of these app-of-apps without waiting for the one before to be healthy; ladder's tree has that check (`patches/`), so its waves wait: if your `argocd-cm` lives elsewhere, import it too".into(),
        });
    }
    let env_label_key = match label_keys.iter().copied().collect::<Vec<_>>().as_slice() {
        [one] => *one,
        _ => "env",
    };
    if env_label_key != "env" {
        spec.environment_label = Some(env_label_key.to_owned());
    }
    for env in &environments {
        let apps: Vec<&Made> = instances
            .iter()
            .filter(|i| &i.env == env)
            .map(|i| i.made)
            .collect();
        spec.environments
            .push(derive::environment(env, &apps, &mut report));
    }
    // Components, with their phase: the rank of their place among their environment's
    // Applications, the same in every environment.
    let mut names: Vec<&str> = instances.iter().map(|i| i.component.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    for component in &names {
        let mut mine: Vec<(&Instance<'_>, i64)> = instances
            .iter()
            .zip(&ranks)
            .filter(|(i, _)| i.component == *component)
            .map(|(i, r)| (i, *r))
            .collect();
        mine.sort_by_key(|(i, _)| env_index(&i.env));
        let phase = order::phase(component, &mine, &mut report);
        let per_env: Vec<(&str, &Made)> =
            mine.iter().map(|(i, _)| (i.env.as_str(), i.made)).collect();
        spec.components.push(derive::component(
            component,
            phase,
            &per_env,
            &spec.environments,
            env_label_key,
            spec.rolling_sync,
            &mut report,
        ));
    }
    for (component, file, _) in rendered {
        if !names.contains(&component.as_str()) {
            let hint = crate::diagnostic::did_you_mean(component, names.iter().copied())
                .map_or_else(String::new, |h| format!(" ({h})"));
            report.push(Line {
                file: file.clone(),
                pos: Pos::default(),
                what: format!("rendered for `{component}`, which is no imported component{hint}: read for none"),
            });
        }
    }
    if spec.rolling_sync {
        let phase_of: BTreeMap<&str, i64> = spec
            .components
            .iter()
            .map(|c| (c.name.as_str(), c.phase))
            .collect();
        spec.rollout = rollout::settings(&instances, &phase_of, &mut report);
    }
    // The dependencies the manifests imply, proposed under each component.
    let suggestions = depends::suggest(&files, rendered, &instances, checkouts);
    let phases: BTreeMap<String, i64> = spec
        .components
        .iter()
        .map(|c| (c.name.clone(), c.phase))
        .collect();
    depends::report(&suggestions, &phases, &mut report);
    for edge in &suggestions.edges {
        if let Some(c) = spec
            .components
            .iter_mut()
            .find(|c| c.name == edge.dependent)
        {
            let first = &edge.evidence[0];
            let more = match edge.evidence.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            c.suggested
                .push((edge.dependency.clone(), format!("{}{more}", first.what)));
        }
    }
    spec.project = common(instances.iter().map(|i| {
        i.made
            .node
            .get("spec")
            .and_then(|s| s.get("project"))
            .and_then(Node::scalar_text)
            .unwrap_or_else(|| "default".into())
    }));
    if spec.project.is_none() && !instances.is_empty() {
        report.push(Line {
            file: String::new(),
            pos: Pos::default(),
            what: "the Applications use several AppProjects; ladder gives them one (`argocd.project`), so the spec names none and ladder emits its own".into(),
        });
    }
    let windows = projects::windows(
        &tree.projects,
        spec.project.as_deref(),
        &instances,
        &environments,
        &mut report,
    );
    for (env, windows) in spec.environments.iter_mut().zip(windows) {
        env.sync_windows = windows;
    }
    projects::settings(&tree.settings, &mut report);
    let namespaces = common(
        instances
            .iter()
            .map(|i| i.made.namespace.clone().unwrap_or_else(|| "argocd".into())),
    );
    match namespaces {
        Some(ns) if ns != "argocd" => spec.namespace = Some(ns),
        Some(_) => {}
        None if instances.is_empty() => {}
        None => report.push(Line {
            file: String::new(),
            pos: Pos::default(),
            what: "the Applications are created in several namespaces; ladder creates them in one (`argocd.namespace`), so the spec names none and ladder uses `argocd`".into(),
        }),
    }
    report.sort_by(|a, b| (&a.file, a.pos, &a.what).cmp(&(&b.file, b.pos, &b.what)));
    report.dedup();
    Imported {
        spec: spec.files(false).swap_remove(0).1,
        split: spec.files(true),
        report,
        found,
        applications: instances.len(),
        components: names.len(),
        environments,
    }
}

/// The report as text: one line per item, `file:line: what`.
pub fn report_text(imported: &Imported) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "imported {} Applications as {} components in {} environments ({})",
        imported.applications,
        imported.components,
        imported.environments.len(),
        imported.environments.join(", ")
    );
    for l in &imported.report {
        if l.file.is_empty() {
            let _ = writeln!(out, "note: {}", l.what);
        } else if l.pos.line == 0 {
            let _ = writeln!(out, "note: {}: {}", l.file, l.what);
        } else {
            let _ = writeln!(
                out,
                "note: {}:{}:{}: {}",
                l.file, l.pos.line, l.pos.column, l.what
            );
        }
    }
    out
}

#[cfg(test)]
mod tests;
