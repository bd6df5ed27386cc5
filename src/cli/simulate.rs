//! `ladder simulate`: the spec compiled in memory, or a folder of manifests (`--tree`),
//! replayed under Argo CD's rules ([`ladder::simulate`]). `--changed`, `--fail` and
//! `--slow` name components, checked with a did-you-mean: the spec's, or in a tree the
//! Applications' names and `app.kubernetes.io/name` labels.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use ladder::analyze::model::{Model, Version};
use ladder::simulate::{Facts, Outcome, Scenario, Timeline};

use super::INVALID;
use super::args::SimulateFormat;
use super::spec_file::{read_spec, report, warn};

pub(super) struct Options<'a> {
    pub(super) env: Option<&'a str>,
    pub(super) changed: &'a [String],
    pub(super) fail: &'a [String],
    pub(super) slow: &'a [String],
    pub(super) tree: Option<&'a Path>,
    pub(super) argocd_version: Option<&'a str>,
    pub(super) format: SimulateFormat,
}

pub(super) fn run(spec_arg: &Path, options: &Options<'_>) -> anyhow::Result<ExitCode> {
    if let Some(tree) = options.tree {
        return run_tree(tree, options);
    }
    let spec = read_spec(spec_arg)?;
    let compilation = match spec.request().compile() {
        Ok(c) => c,
        Err(diagnostics) => return Ok(report(&spec, &diagnostics)),
    };
    warn(&spec, &compilation.model.warnings);
    let model = &compilation.model;
    let mut scenario = Scenario::for_model(model);
    let problems = apply(&mut scenario, &ModelNames(model), options);
    if !problems.is_empty() {
        return Ok(refuse(&problems));
    }
    let files: Vec<(String, String)> = compilation
        .files
        .iter()
        .map(|(path, bytes)| (path.clone(), String::from_utf8_lossy(bytes).into_owned()))
        .collect();
    let timeline = ladder::simulate::run(&read_tree(&files), &scenario);
    let envs: Vec<String> = model.environments.iter().map(|e| e.name.clone()).collect();
    let what = format!(
        "{}: a rollout on Argo CD {}",
        model.name, model.argocd.version
    );
    print(&timeline, &what, &envs, options)
}

/// `--tree DIR`: the manifests of a folder, without a spec.
fn run_tree(dir: &Path, options: &Options<'_>) -> anyhow::Result<ExitCode> {
    // A version that does not parse is reported with the other problems; the tree is
    // still read with the default version, so names are checked too.
    let mut problems = Vec::new();
    let version = options
        .argocd_version
        .and_then(|v| {
            let parsed = ladder::analyze::argocd::parse_version(v);
            if parsed.is_none() {
                problems.push(format!(
                    "--argocd-version `{v}`: expected MAJOR.MINOR, e.g. `3.5`"
                ));
            }
            parsed
        })
        .unwrap_or(Version { major: 3, minor: 5 });
    let prefix = if dir.is_dir() {
        format!("{}/", dir.display().to_string().trim_end_matches('/'))
    } else {
        String::new()
    };
    let files: Vec<(String, String)> = super::read::read_yaml_files(dir, true)?
        .into_iter()
        .map(|(path, text)| {
            let relative = path.strip_prefix(&prefix).unwrap_or(&path).to_owned();
            (relative, text)
        })
        .collect();
    let read = read_tree(&files);
    let mut scenario = Scenario::for_tree(&read, version);
    let names = TreeNames(scenario.facts.clone());
    problems.extend(apply(&mut scenario, &names, options));
    if !problems.is_empty() {
        return Ok(refuse(&problems));
    }
    let timeline = ladder::simulate::run(&read, &scenario);
    let mut envs: Vec<String> = Vec::new();
    for lane in &timeline.lanes {
        if let Some(env) = &lane.env
            && !envs.contains(env)
        {
            envs.push(env.clone());
        }
    }
    let what = format!("{}: a rollout on Argo CD {version}", dir.display());
    print(&timeline, &what, &envs, options)
}

/// The manifests of a tree, parsed on every core of the machine.
fn read_tree(files: &[(String, String)]) -> ladder::simulate::read::Read {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    ladder::simulate::read::read_on(files, threads)
}

fn refuse(problems: &[String]) -> ExitCode {
    for problem in problems {
        eprintln!("error: {problem}");
    }
    ExitCode::from(INVALID)
}

fn print(
    timeline: &Timeline,
    what: &str,
    envs: &[String],
    options: &Options<'_>,
) -> anyhow::Result<ExitCode> {
    let view = ladder::simulate::report::View {
        env: options.env,
        envs,
    };
    let title = title(what, timeline, options);
    let text = match options.format {
        SimulateFormat::Text => ladder::simulate::report::text(timeline, &title, view),
        SimulateFormat::Json => format!("{:#}\n", ladder::simulate::report::json(timeline, view)),
        SimulateFormat::Svg => ladder::simulate::svg::svg(timeline, &title, view),
        SimulateFormat::Html => ladder::simulate::svg::html(timeline, &title, view),
    };
    super::stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// How the options name Applications.
trait Names {
    /// The Applications `C` or `C@ENV` names, or why it names none.
    fn apps(&self, component: &str, env: Option<&str>) -> Result<Vec<String>, String>;
    /// Checks an environment's name.
    fn env(&self, name: &str) -> Result<(), String>;
}

/// A spec's components and environments.
struct ModelNames<'a>(&'a Model);

impl Names for ModelNames<'_> {
    fn apps(&self, component: &str, env: Option<&str>) -> Result<Vec<String>, String> {
        let model = self.0;
        let env = env.map(|e| environment(model, e)).transpose()?;
        let found = model.find_components(component).map_err(|help| {
            let help = help.map_or_else(String::new, |h| format!(" ({h})"));
            format!("`{component}` is not a component of `{}`{help}", model.name)
        })?;
        Ok(found
            .into_iter()
            .flat_map(|c| model.components[c].instances.iter().enumerate())
            .filter(|(e, _)| env.is_none_or(|env| env == *e))
            .filter_map(|(_, i)| i.as_ref().map(|i| i.app.clone()))
            .collect())
    }

    fn env(&self, name: &str) -> Result<(), String> {
        environment(self.0, name).map(|_| ())
    }
}

fn environment(model: &Model, name: &str) -> Result<usize, String> {
    super::spec_file::environment(model, Some(name)).map_err(|e| e.to_string())
}

/// A tree's Applications: by name or component label, environments by `env` label.
struct TreeNames(std::collections::BTreeMap<String, Facts>);

impl Names for TreeNames {
    fn apps(&self, component: &str, env: Option<&str>) -> Result<Vec<String>, String> {
        if let Some(env) = env {
            self.env(env)?;
        }
        let apps: Vec<String> = self
            .0
            .iter()
            .filter(|(app, f)| *app == component || f.component.as_deref() == Some(component))
            .filter(|(_, f)| env.is_none_or(|e| f.env.as_deref() == Some(e)))
            .map(|(app, _)| app.clone())
            .collect();
        if !apps.is_empty() {
            return Ok(apps);
        }
        let known = self
            .0
            .iter()
            .flat_map(|(app, f)| [Some(app.as_str()), f.component.as_deref()])
            .flatten();
        let help = ladder::diagnostic::did_you_mean(component, known)
            .map_or_else(String::new, |h| format!(" ({h})"));
        Err(format!(
            "`{component}` is no Application of the tree, and no Application's `app.kubernetes.io/name` label{help}"
        ))
    }

    fn env(&self, name: &str) -> Result<(), String> {
        let envs: BTreeSet<&str> = self.0.values().filter_map(|f| f.env.as_deref()).collect();
        if envs.contains(name) {
            return Ok(());
        }
        let help = ladder::diagnostic::did_you_mean(name, envs.iter().copied())
            .map_or_else(String::new, |h| format!(" ({h})"));
        Err(format!(
            "no Application of the tree has the label `env: {name}`{help}"
        ))
    }
}

/// Applies the options to the scenario; returns what they name wrongly.
fn apply(scenario: &mut Scenario, names: &dyn Names, options: &Options<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    let targets = |flag: &str, item: &str, problems: &mut Vec<String>| {
        let item = item.trim();
        let (component, env) = match item.split_once('@') {
            Some((c, e)) => (c, Some(e)),
            None => (item, None),
        };
        names.apps(component, env).unwrap_or_else(|why| {
            problems.push(format!("{flag} `{item}`: {why}"));
            Vec::new()
        })
    };
    let mut changes = Vec::new();
    for item in options.changed {
        changes.extend(targets("--changed", item, &mut problems));
    }
    let mut fails = Vec::new();
    for item in options.fail {
        fails.extend(targets("--fail", item, &mut problems));
    }
    let mut slow = Vec::new();
    for item in options.slow {
        let Some((target, duration)) = item.split_once('=') else {
            problems.push(format!(
                "--slow `{item}`: expected COMPONENT=DURATION, e.g. `postgres=15m`"
            ));
            continue;
        };
        match ladder::analyze::durations::parse_duration(duration.trim()) {
            Some(seconds) => slow.extend(
                targets("--slow", target, &mut problems)
                    .into_iter()
                    .map(|a| (a, seconds)),
            ),
            None => problems.push(format!(
                "--slow `{item}`: `{duration}` is not a duration (write it as Go does: `90s`, `15m`, `1h30m`)"
            )),
        }
    }
    if let Some(env) = options.env
        && let Err(why) = names.env(env)
    {
        problems.push(format!("--env `{env}`: {why}"));
    }
    if !options.changed.is_empty() {
        for facts in scenario.facts.values_mut() {
            facts.changed = false;
        }
    }
    let mut set = |app: &str, change: &dyn Fn(&mut Facts)| {
        if let Some(facts) = scenario.facts.get_mut(app) {
            change(facts);
        }
    };
    for app in &changes {
        set(app, &|f| f.changed = true);
    }
    for app in &fails {
        set(app, &|f| f.outcome = Outcome::Fails);
    }
    for (app, seconds) in &slow {
        set(app, &|f| f.duration = *seconds);
    }
    if let Some(env) = options.env {
        for facts in scenario.facts.values_mut() {
            facts.changed &= facts.env.as_deref() == Some(env);
        }
    }
    problems
}

/// What is simulated, in one line.
fn title(what: &str, timeline: &Timeline, options: &Options<'_>) -> String {
    let total = timeline.lanes.len();
    let changed = timeline
        .lanes
        .iter()
        .filter(|l| l.state != ladder::simulate::State::Unchanged)
        .count();
    let mut title = format!("{what}, {changed} of {total} Applications changed");
    if let Some(env) = options.env {
        let _ = write!(title, " (only {env})");
    }
    if !options.fail.is_empty() {
        let _ = write!(title, "; failing: {}", options.fail.join(", "));
    }
    if !options.slow.is_empty() {
        let _ = write!(title, "; slow: {}", options.slow.join(", "));
    }
    title
}
