//! `ladder simulate`: the spec compiled in memory and its manifests replayed under Argo
//! CD's rules ([`ladder::simulate`]); `--changed`, `--fail` and `--slow` name
//! components, checked against the spec with a did-you-mean.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use ladder::analyze::model::Model;
use ladder::simulate::{Outcome, Scenario};

use super::INVALID;
use super::args::PlanFormat;
use super::spec_file::{read_spec, report, warn};

pub(super) struct Options<'a> {
    pub(super) env: Option<&'a str>,
    pub(super) changed: &'a [String],
    pub(super) fail: &'a [String],
    pub(super) slow: &'a [String],
    pub(super) format: PlanFormat,
}

pub(super) fn run(spec_arg: &Path, options: &Options<'_>) -> anyhow::Result<ExitCode> {
    let spec = read_spec(spec_arg)?;
    let compilation = match spec.request().compile() {
        Ok(c) => c,
        Err(diagnostics) => return Ok(report(&spec, &diagnostics)),
    };
    warn(&spec, &compilation.model.warnings);
    let model = &compilation.model;
    let mut problems = Vec::new();
    let scenario = scenario(model, options, &mut problems);
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("error: {problem}");
        }
        return Ok(ExitCode::from(INVALID));
    }
    let files: Vec<(String, String)> = compilation
        .files
        .iter()
        .map(|(path, bytes)| (path.clone(), String::from_utf8_lossy(bytes).into_owned()))
        .collect();
    let timeline = ladder::simulate::simulate(&files, &scenario);
    let envs: Vec<String> = model.environments.iter().map(|e| e.name.clone()).collect();
    let view = ladder::simulate::report::View {
        env: options.env,
        envs: &envs,
    };
    let text = match options.format {
        PlanFormat::Text => {
            ladder::simulate::report::text(&timeline, &title(model, &scenario, options), view)
        }
        PlanFormat::Json => format!("{:#}\n", ladder::simulate::report::json(&timeline, view)),
    };
    super::stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// The scenario the options describe; what they name wrongly goes to `problems`.
fn scenario(model: &Model, options: &Options<'_>, problems: &mut Vec<String>) -> Scenario {
    let mut scenario = Scenario::for_model(model);
    let only = options.env.and_then(|name| {
        let found = environment(model, name);
        if let Err(e) = &found {
            problems.push(e.clone());
        }
        found.ok()
    });
    if !options.changed.is_empty() || only.is_some() {
        for facts in scenario.facts.values_mut() {
            facts.changed = options.changed.is_empty();
        }
        for item in options.changed {
            for (c, e) in targets(model, item, "--changed", problems) {
                scenario.update(model, c, e, |f| f.changed = true);
            }
        }
        if let Some(only) = only {
            let name = &model.environments[only].name;
            for facts in scenario.facts.values_mut() {
                facts.changed &= facts.env.as_ref() == Some(name);
            }
        }
    }
    for item in options.fail {
        for (c, e) in targets(model, item, "--fail", problems) {
            scenario.update(model, c, e, |f| f.outcome = Outcome::Fails);
        }
    }
    for item in options.slow {
        let Some((target, duration)) = item.split_once('=') else {
            problems.push(format!(
                "--slow `{item}`: expected COMPONENT=DURATION, e.g. `postgres=15m`"
            ));
            continue;
        };
        let Some(seconds) = ladder::analyze::durations::parse_duration(duration.trim()) else {
            problems.push(format!(
                "--slow `{item}`: `{duration}` is not a duration (write it as Go does: `90s`, `15m`, `1h30m`)"
            ));
            continue;
        };
        for (c, e) in targets(model, target, "--slow", problems) {
            scenario.update(model, c, e, |f| f.duration = seconds);
        }
    }
    scenario
}

/// The components (and environment, for `C@ENV`) that `item` names.
fn targets(
    model: &Model,
    item: &str,
    flag: &str,
    problems: &mut Vec<String>,
) -> Vec<(usize, Option<usize>)> {
    let item = item.trim();
    let (name, env) = match item.split_once('@') {
        Some((name, env)) => (name, Some(env)),
        None => (item, None),
    };
    let env = match env.map(|e| environment(model, e)) {
        Some(Err(e)) => {
            problems.push(format!("{flag} `{item}`: {e}"));
            return Vec::new();
        }
        Some(Ok(e)) => Some(e),
        None => None,
    };
    match model.find_components(name) {
        Ok(found) => found.into_iter().map(|c| (c, env)).collect(),
        Err(help) => {
            let help = help.map_or_else(String::new, |h| format!(" ({h})"));
            problems.push(format!(
                "{flag} `{item}`: `{name}` is not a component of `{}`{help}",
                model.name
            ));
            Vec::new()
        }
    }
}

fn environment(model: &Model, name: &str) -> Result<usize, String> {
    super::spec_file::environment(model, Some(name)).map_err(|e| e.to_string())
}

/// What is simulated, in one line.
fn title(model: &Model, scenario: &Scenario, options: &Options<'_>) -> String {
    let total = scenario.facts.len();
    let changed = scenario.facts.values().filter(|f| f.changed).count();
    let mut title = format!(
        "{}: a rollout on Argo CD {}, {changed} of {total} Applications changed",
        model.name, model.argocd.version
    );
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
