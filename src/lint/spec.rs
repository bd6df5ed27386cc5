//! Lint of a ladder spec: everything analysis reports, as findings with rule names, and
//! for pinned or banded ladders the over-serialisation `plan` measures (steps against
//! the longest dependency chain, adjacent steps that could merge).

use std::fmt::Write as _;

use crate::analyze::model::Version;
use crate::diagnostic::Diagnostic;
use crate::load::spec::Layout;
use crate::load::yaml::PathSeg;

use super::finding::Finding;

/// What [`lint`] found in a spec.
pub(super) struct Linted {
    pub(super) findings: Vec<Finding>,
    /// The Argo CD version it targets, when it names a valid one.
    pub(super) version: Option<Version>,
    /// Its components for `missing-dependency`, when it plans.
    pub(super) ladder: Option<super::missing::Ladder>,
}

/// Findings of a spec and the Argo CD version it targets (when it names a valid one);
/// `Err` when the spec cannot be loaded at all (not YAML, wrong shape).
///
/// When `target` differs from the spec's own version, the manifests the spec generates
/// are linted for `target` too: what would go wrong if that output reached that Argo CD
/// (fields it lacks, behaviours it does not have). Their findings name the generated file
/// after the spec; `max-update-zero` is left out there, as `sync: manual` asks for it.
pub(super) fn lint(
    file: &str,
    bytes: &[u8],
    target: Option<Version>,
    inputs: &crate::Inputs,
) -> Result<Linted, Vec<Diagnostic>> {
    let request = crate::Request::new(file, bytes).inputs(inputs);
    let loaded = request.load()?;
    let version = crate::analyze::argocd::parse_version(&loaded.spec.argocd.version);
    let crate::Planned {
        loaded,
        model,
        plan,
    } = match request.plan_loaded(loaded) {
        Ok(planned) => planned,
        Err(diagnostics) => {
            return Ok(Linted {
                findings: diagnostics.into_iter().map(Finding::error).collect(),
                version,
                ladder: None,
            });
        }
    };
    let ladder = Some(super::missing::ladder(&loaded, &model));
    let mut findings: Vec<Finding> = model.warnings.iter().cloned().map(Finding::new).collect();
    if model.rollout.layout != Layout::Compact {
        let compact = crate::plan::compact(&model);
        let pos = loaded
            .tree
            .lookup(&[PathSeg::Key("rollout"), PathSeg::Key("layout")])
            .pos;
        // Environments with the same figures get one finding, not one each.
        let mut over = Groups::new();
        let mut mergeable = Groups::new();
        for (k, env_plan) in plan.environments.iter().enumerate() {
            let env = model.environments[env_plan.env].name.as_str();
            let steps = env_plan.steps.len();
            let needed = compact.environments[k].steps.len();
            if steps > needed {
                over.add((steps, needed), env);
            }
            let merges: Vec<String> = plan
                .mergeable(&model, k)
                .iter()
                .map(|(a, b)| format!("{}+{}", plan.phase_label(*a), plan.phase_label(*b)))
                .collect();
            if !merges.is_empty() {
                mergeable.add(merges, env);
            }
        }
        for ((steps, needed), envs) in over.groups {
            let (envs, have) = listed(&envs, "has", "have");
            findings.push(Finding::new(
                Diagnostic::new(
                    file,
                    pos,
                    format!(
                        "{envs} {have} {steps} steps where the longest dependency chain needs {needed}; each extra step waits for the one before it to be healthy"
                    ),
                )
                .help("merge the steps listed by `mergeable-steps`, or use `layout: compact` (`ladder plan` shows the time saved)")
                .rule(&"over-serialised"),
            ));
        }
        for (merges, envs) in mergeable.groups {
            let (envs, _) = listed(&envs, "", "");
            findings.push(Finding::new(
                Diagnostic::new(
                    file,
                    pos,
                    format!(
                        "in {envs}, adjacent steps could merge without breaking a dependency: {}",
                        merges.join(", ")
                    ),
                )
                .help("give both steps' components the same phase")
                .rule(&"mergeable-steps"),
            ));
        }
    }
    if let Some(target) = target.filter(|t| *t != model.argocd.version) {
        match request.render(crate::Planned {
            loaded,
            model: model.clone(),
            plan,
        }) {
            Ok(crate::Compilation { files, .. }) => {
                let texts: Vec<(String, String)> = files
                    .iter()
                    .map(|(path, bytes)| {
                        (
                            format!("{file} (generated {path})"),
                            String::from_utf8_lossy(bytes).into_owned(),
                        )
                    })
                    .collect();
                let trees: Vec<(&str, &str, Vec<crate::load::yaml::Node>)> = texts
                    .iter()
                    .filter_map(|(name, text)| {
                        let docs = crate::load::yaml::parse_all(name, text).ok()?;
                        Some((name.as_str(), text.as_str(), docs))
                    })
                    .collect();
                let help = format!(
                    "the spec targets {}: set `argocd.version: \"{target}\"` and ladder emits what {target} has",
                    model.argocd.version
                );
                let settings = super::settings::scan(
                    &trees
                        .iter()
                        .map(|(f, t, d)| (*f, *t, d.as_slice()))
                        .collect::<Vec<_>>(),
                );
                let found = super::manifests::lint_files(
                    &trees,
                    target,
                    &settings,
                    &[],
                    &crate::evidence::Resources::default(),
                )
                .0
                .into_iter()
                .filter(|f| f.rule() != "max-update-zero")
                .map(|mut f| {
                    f.diagnostic.help = Some(help.clone());
                    f
                });
                findings.extend(fold_generated(file, found));
            }
            Err(diagnostics) => findings.extend(diagnostics.into_iter().map(Finding::error)),
        }
    }
    Ok(Linted {
        findings,
        version,
        ladder,
    })
}

/// Environments grouped by a key, groups in the order they start in.
struct Groups<'a, K> {
    index: std::collections::BTreeMap<K, usize>,
    groups: Vec<(K, Vec<&'a str>)>,
}

impl<'a, K: Ord + Clone> Groups<'a, K> {
    fn new() -> Self {
        Groups {
            index: std::collections::BTreeMap::new(),
            groups: Vec::new(),
        }
    }

    /// Adds `env` to the group of `key`, or starts one.
    fn add(&mut self, key: K, env: &'a str) {
        if let Some(&i) = self.index.get(&key) {
            self.groups[i].1.push(env);
        } else {
            self.index.insert(key.clone(), self.groups.len());
            self.groups.push((key, vec![env]));
        }
    }
}

/// "`dev`" or "`dev`, `staging` and `prod`", with the verb for one or several.
fn listed(envs: &[&str], one: &'static str, several: &'static str) -> (String, &'static str) {
    let quoted: Vec<String> = envs.iter().map(|e| format!("`{e}`")).collect();
    match quoted.as_slice() {
        [only] => (only.clone(), one),
        [init @ .., last] => (format!("{} and {last}", init.join(", ")), several),
        [] => (String::new(), one),
    }
}

/// Findings of the generated files, one per rule and message: a problem every
/// environment's tree repeats (independent environments) is reported at its first place,
/// naming the others.
fn fold_generated(file: &str, found: impl Iterator<Item = Finding>) -> Vec<Finding> {
    let prefix = format!("{file} (generated ");
    let mut first: std::collections::BTreeMap<(String, String), usize> =
        std::collections::BTreeMap::new();
    let mut out: Vec<Finding> = Vec::new();
    let mut others: Vec<Vec<String>> = Vec::new();
    for f in found {
        let d = &f.diagnostic;
        let key = (f.rule().to_owned(), d.message.clone());
        if let Some(&i) = first.get(&key) {
            let generated = d
                .file
                .strip_prefix(&prefix)
                .and_then(|g| g.strip_suffix(')'))
                .unwrap_or(&d.file);
            others[i].push(format!("{generated}:{}", d.pos.line));
            continue;
        }
        first.insert(key, out.len());
        out.push(f);
        others.push(Vec::new());
    }
    for (f, places) in out.iter_mut().zip(others) {
        if !places.is_empty() {
            let _ = write!(f.diagnostic.message, " (the same in {})", places.join(", "));
        }
    }
    out
}
