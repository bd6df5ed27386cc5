//! `ladder import`: a spec that reproduces an existing tree of Argo CD manifests.
//!
//! The tree is read as Argo CD would create it ([`crate::generate::tree`]: Application
//! manifests and what ApplicationSets generate). Each Application becomes one
//! environment's instance of a component: the environment is its `env` (or
//! `environment`) label, else the last `-part` of its name when that reads as an
//! environment; the component is the name without that part. What the Applications of
//! one component share, with the environment's name made `{{ env }}`, becomes the
//! component's source and namespace; each environment gets its destination cluster and
//! sync policy. The existing order is kept exactly: `layout: pinned`, each component's
//! phase its rank (sync-wave, then RollingSync step) among its environment's
//! Applications, so the first `ladder build` changes no order.
//!
//! Nothing is dropped silently: what cannot be mapped is a line of the report, with its
//! place and why. A pure function of the files' texts; the CLI reads and writes.

mod write;

pub use write::Line;
use write::common;

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Pos};
use crate::generate::tree::Made;
use crate::load::yaml::Node;

/// Names that read as environments when they end an Application's name, in rollout
/// order (the order for environments whose Applications do not order them).
const ENVIRONMENTS: [&str; 14] = [
    "dev",
    "development",
    "sandbox",
    "test",
    "qa",
    "int",
    "uat",
    "stage",
    "staging",
    "preprod",
    "perf",
    "demo",
    "prod",
    "production",
];

/// What an import makes: the spec's text, and the report.
#[derive(Debug, Clone)]
pub struct Imported {
    pub spec: String,
    /// Not mapped, or decided: in file order.
    pub report: Vec<Line>,
    /// How many Applications became how many components and environments.
    pub applications: usize,
    pub components: usize,
    pub environments: Vec<String>,
}

/// One Application placed as a component's instance in an environment.
struct Instance<'a> {
    made: &'a Made,
    component: String,
    env: String,
}

/// Imports the Applications of `files` (path, text) into a spec named `name` (by
/// default the ApplicationSet's, when one makes them all). Files that are not YAML are
/// errors; everything else is imported as far as it goes.
pub fn import(files: &[(String, String)], name: Option<&str>) -> Result<Imported, Vec<Diagnostic>> {
    let tree = crate::generate::tree::read(files)?;
    let mut report: Vec<Line> = tree
        .not_evaluated
        .iter()
        .map(|(file, pos, why)| Line {
            file: file.clone(),
            pos: *pos,
            what: format!("not imported: {why}"),
        })
        .collect();
    let line = write::line;
    let by_label = tree.apps.iter().all(|m| env_label(m).is_some());
    // Suffixes that read as environments, or that several components share.
    let mut suffix_count: BTreeMap<&str, usize> = BTreeMap::new();
    for m in &tree.apps {
        if let Some((_, suffix)) = m.name.rsplit_once('-') {
            *suffix_count.entry(suffix).or_default() += 1;
        }
    }
    let mut instances: Vec<Instance<'_>> = Vec::new();
    let mut seen: BTreeMap<(String, String), &Made> = BTreeMap::new();
    for m in &tree.apps {
        let env = if by_label {
            env_label(m)
        } else {
            m.name.rsplit_once('-').and_then(|(_, s)| {
                (ENVIRONMENTS.contains(&s) || suffix_count.get(s).is_some_and(|&n| n > 1))
                    .then(|| s.to_owned())
            })
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
            made: m,
            component,
            env,
        });
    }
    let environments = order_environments(&instances);
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
    // Environments: destination, sync, prune, selfHeal, syncOptions where every
    // Application of the environment agrees.
    for env in &environments {
        let apps: Vec<&Instance<'_>> = instances.iter().filter(|i| &i.env == env).collect();
        spec.environments.push(write::environment(
            env,
            &apps.iter().map(|i| i.made).collect::<Vec<_>>(),
            &mut report,
        ));
    }
    // Components, with their phase: the rank of their place among their environment's
    // Applications, the same in every environment.
    let mut names: Vec<&str> = instances.iter().map(|i| i.component.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let ranks = ranks(&instances);
    for component in &names {
        let mine: Vec<&Instance<'_>> = instances
            .iter()
            .filter(|i| i.component == *component)
            .collect();
        let phase = phase(component, &mine, &ranks, &mut report);
        let per_env: Vec<(&str, &Made)> = mine.iter().map(|i| (i.env.as_str(), i.made)).collect();
        spec.components.push(write::component(
            component,
            phase,
            &per_env,
            &environments,
            &mut report,
        ));
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
    report.sort_by(|a, b| (&a.file, a.pos, &a.what).cmp(&(&b.file, b.pos, &b.what)));
    report.dedup();
    Ok(Imported {
        spec: spec.text(),
        report,
        applications: instances.len(),
        components: names.len(),
        environments,
    })
}

fn env_label(m: &Made) -> Option<String> {
    m.labels
        .get("env")
        .or_else(|| m.labels.get("environment"))
        .cloned()
}

/// The environments in rollout order: by where their first Application comes (in one
/// ApplicationSet, steps by environment order them), then as [`ENVIRONMENTS`] lists
/// them, then by name.
fn order_environments(instances: &[Instance<'_>]) -> Vec<String> {
    let mut first: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for i in instances {
        let key = first.entry(&i.env).or_insert(i.made.key);
        *key = (*key).min(i.made.key);
    }
    let mut envs: Vec<(&str, (i64, i64))> = first.into_iter().collect();
    let known = |e: &str| {
        ENVIRONMENTS
            .iter()
            .position(|k| *k == e)
            .unwrap_or(usize::MAX)
    };
    envs.sort_by(|a, b| (a.1, known(a.0), a.0).cmp(&(b.1, known(b.0), b.0)));
    envs.into_iter().map(|(e, _)| e.to_owned()).collect()
}

/// Each Application's rank (from 1) among the Applications of its environment and
/// group: the distinct places before it, plus one.
fn ranks(instances: &[Instance<'_>]) -> BTreeMap<String, i64> {
    let mut places: BTreeMap<(&str, &str), Vec<(i64, i64)>> = BTreeMap::new();
    for i in instances {
        places
            .entry((&i.env, &i.made.group))
            .or_default()
            .push(i.made.key);
    }
    for keys in places.values_mut() {
        keys.sort_unstable();
        keys.dedup();
    }
    instances
        .iter()
        .map(|i| {
            let keys = &places[&(i.env.as_str(), i.made.group.as_str())];
            let rank = keys.partition_point(|k| *k < i.made.key) + 1;
            (i.made.name.clone(), i64::try_from(rank).unwrap_or(i64::MAX))
        })
        .collect()
}

/// A component's phase: its rank, which must be the same in every environment; where
/// it is not, the first environment's, with a report line.
fn phase(
    component: &str,
    mine: &[&Instance<'_>],
    ranks: &BTreeMap<String, i64>,
    report: &mut Vec<Line>,
) -> i64 {
    let first = ranks[&mine[0].made.name];
    for i in &mine[1..] {
        let rank = ranks[&i.made.name];
        if rank != first {
            report.push(Line {
                file: i.made.file.clone(),
                pos: i.made.pos,
                what: format!(
                    "`{}` comes at place {rank} of `{}` but `{}` at place {first} of `{}`: `{component}` gets phase {first} everywhere, so its order in `{}` changes",
                    i.made.name, i.env, mine[0].made.name, mine[0].env, i.env
                ),
            });
        }
    }
    first
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
