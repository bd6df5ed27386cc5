//! Lint of a ladder spec: everything analysis reports, as findings with rule names, and
//! for pinned or banded ladders the over-serialisation `plan` measures (steps against
//! the longest dependency chain, adjacent steps that could merge).

use crate::analyze::model::Version;
use crate::diagnostic::Diagnostic;
use crate::load::spec::Layout;
use crate::load::yaml::PathSeg;

use super::finding::Finding;

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
) -> Result<(Vec<Finding>, Option<Version>), Vec<Diagnostic>> {
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
            return Ok((
                diagnostics.into_iter().map(Finding::error).collect(),
                version,
            ));
        }
    };
    let mut findings: Vec<Finding> = model.warnings.iter().cloned().map(Finding::new).collect();
    if model.rollout.layout != Layout::Compact {
        let compact = crate::plan::compact(&model);
        let pos = loaded
            .tree
            .lookup(&[PathSeg::Key("rollout"), PathSeg::Key("layout")])
            .pos;
        for (k, env_plan) in plan.environments.iter().enumerate() {
            let env = &model.environments[env_plan.env].name;
            let steps = env_plan.steps.len();
            let needed = compact.environments[k].steps.len();
            if steps > needed {
                findings.push(Finding::new(
                    Diagnostic::new(
                        file,
                        pos,
                        format!(
                            "`{env}` has {steps} steps where the longest dependency chain needs {needed}; each extra step waits for the one before it to be healthy"
                        ),
                    )
                    .help("merge the steps listed by `mergeable-steps`, or use `layout: compact` (`ladder plan` shows the time saved)")
                    .rule(&"over-serialised"),
                ));
            }
            let merges: Vec<String> = plan
                .mergeable(&model, k)
                .iter()
                .map(|(a, b)| format!("{}+{}", plan.phase_label(*a), plan.phase_label(*b)))
                .collect();
            if !merges.is_empty() {
                findings.push(Finding::new(
                    Diagnostic::new(
                        file,
                        pos,
                        format!(
                            "in `{env}`, adjacent steps could merge without breaking a dependency: {}",
                            merges.join(", ")
                        ),
                    )
                    .help("give both steps' components the same phase")
                    .rule(&"mergeable-steps"),
                ));
            }
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
                let trees: Vec<(&str, Vec<crate::load::yaml::Node>)> = texts
                    .iter()
                    .filter_map(|(name, text)| {
                        let docs = crate::load::yaml::parse_all(name, text).ok()?;
                        Some((name.as_str(), docs))
                    })
                    .collect();
                let help = format!(
                    "the spec targets {}: set `argocd.version: \"{target}\"` and ladder emits what {target} has",
                    model.argocd.version
                );
                findings.extend(
                    super::manifests::lint_files(&trees, target)
                        .0
                        .into_iter()
                        .filter(|f| f.rule() != "max-update-zero")
                        .map(|mut f| {
                            f.diagnostic.help = Some(help.clone());
                            f
                        }),
                );
            }
            Err(diagnostics) => findings.extend(diagnostics.into_iter().map(Finding::error)),
        }
    }
    Ok((findings, version))
}
