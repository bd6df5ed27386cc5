//! `ladder plan`'s output: the plan of every environment with time estimates, as a
//! table for people ([`render_text`]) or JSON for machines ([`to_json`]); for pinned and
//! banded ladders, beside the compact ladder they could be.

use std::fmt::Write as _;

use super::estimate::{self, human};
use super::{Plan, compact, wave_stride};
use crate::analyze::model::{MaxUpdate, Model};
use crate::load::spec::{Layout, Sync, Topology};

/// The plan as a table per environment, with time estimates, for `ladder plan`.
pub fn render_text(model: &Model, plan: &Plan) -> String {
    let estimate = estimate::estimate(model, plan);
    // A pinned or banded ladder is shown beside the compact one it could be.
    let compact = compact_comparison(model);
    let mut out = String::new();
    let app_of_apps = model.rollout.strategy == crate::load::spec::Strategy::AppOfApps;
    let topology = match (model.rollout.topology, app_of_apps) {
        (Topology::Sequential, false) => {
            "sequential: one ApplicationSet rolls every environment in order"
        }
        (Topology::Independent, false) => "independent: one ApplicationSet per environment",
        (Topology::Sequential, true) => {
            "sequential: one root Application rolls every environment in order"
        }
        (Topology::Independent, true) => "independent: one root Application per environment",
    };
    let _ = writeln!(
        out,
        "{}: {}, {} ({topology}), {} layout",
        model.name,
        count(model.components.len(), "component"),
        count(model.environments.len(), "environment"),
        match model.rollout.layout {
            Layout::Compact => "compact",
            Layout::Pinned => "pinned",
            Layout::Banded => "banded",
        },
    );
    if app_of_apps {
        let _ = writeln!(
            out,
            "app-of-apps: each step is a sync wave of the root (wave = phase{}), applied all at once",
            if model.rollout.topology == Topology::Sequential && model.environments.len() > 1 {
                format!(" + {} per environment", wave_stride(plan))
            } else {
                String::new()
            }
        );
    }
    let mut step_number = 0;
    let mut total = 0;
    for (env_plan, env_estimate) in plan.environments.iter().zip(&estimate.environments) {
        let env = &model.environments[env_plan.env];
        if model.rollout.topology == Topology::Independent {
            step_number = 0;
        }
        let sync = match (env.sync, app_of_apps) {
            (Sync::Auto, _) => "auto".to_owned(),
            (Sync::Manual, false) => {
                "manual: each step waits for an operator to sync it".to_owned()
            }
            // The Application health check passes a child marked manual unless it is
            // Degraded or syncing (`crate::analyze::health::APPLICATION_LUA`).
            (Sync::Manual, true) => format!(
                "manual: waits for an operator, who syncs its Applications in any order; the root's waves pass them ({}: {}) unless one is Degraded or syncing",
                crate::analyze::names::SYNC_ANNOTATION,
                crate::analyze::names::SYNC_MANUAL
            ),
        };
        let apps: usize = env_plan.steps.iter().map(|s| s.components.len()).sum();
        let _ = writeln!(
            out,
            "\n{} ({sync}): {}, {}, about {}",
            env.name,
            count(env_plan.steps.len(), "step"),
            count(apps, "Application"),
            human(env_estimate.total),
        );
        let _ = writeln!(
            out,
            "  {:<5} {:<6} {:<10} {:<8} components",
            "step", "phase", "maxUpdate", "time"
        );
        for (step, step_estimate) in env_plan.steps.iter().zip(&env_estimate.steps) {
            step_number += 1;
            let names: Vec<&str> = step
                .components
                .iter()
                .map(|&c| model.components[c].name.as_str())
                .collect();
            let _ = writeln!(
                out,
                "  {step_number:<5} {:<6} {:<10} {:<8} {}",
                plan.phase_label(step.phase),
                step.max_update.to_string(),
                human(step_estimate.seconds),
                names.join(", ")
            );
        }
        let chain = names(model, &env_plan.longest_chain);
        let _ = writeln!(
            out,
            "  longest chain ({}): {}",
            count(env_plan.longest_chain.len(), "component"),
            chain
        );
        let _ = writeln!(
            out,
            "  critical path ({}, the least any ladder needs): {}",
            human(env_estimate.critical_seconds),
            names(model, &env_estimate.critical_path)
        );
        if let Some((compact, compact_estimate)) = &compact {
            let k = env_plan.env;
            let steps = compact.environments[k].steps.len();
            let _ = writeln!(
                out,
                "  over-serialised: {} steps where the compact layout needs {steps} (the longest chain), about {} instead of {}",
                env_plan.steps.len(),
                human(compact_estimate.environments[k].total),
                human(env_estimate.total),
            );
            let merges: Vec<String> = plan
                .mergeable(model, k)
                .iter()
                .map(|(a, b)| format!("{}+{}", plan.phase_label(*a), plan.phase_label(*b)))
                .collect();
            if !merges.is_empty() {
                let _ = writeln!(
                    out,
                    "  adjacent steps that could merge without breaking a dependency: {}",
                    merges.join(", ")
                );
            }
        }
        total = env_estimate.total.saturating_add(total);
    }
    let _ = writeln!(
        out,
        "\n{} steps in all, about {}; {}",
        plan.step_count(),
        human(total),
        match model.rollout.layout {
            Layout::Compact =>
                "each environment needs as many steps as its longest dependency chain.",
            Layout::Pinned | Layout::Banded =>
                "the compact layout would need as many steps as the longest dependency chain.",
        },
    );
    for size in super::size::estimate(model, plan) {
        let _ = writeln!(out, "{}", size_line(&size));
    }
    if model.environments.iter().any(|e| e.sync == Sync::Manual) {
        let _ = writeln!(
            out,
            "Times for manual environments leave out the wait for an operator."
        );
    }
    out
}

/// How close an ApplicationSet is to etcd's object limit, once Argo CD writes its status.
fn size_line(size: &super::size::AppSetSize) -> String {
    use super::size::{ETCD_LIMIT, grouped, human_bytes};
    let mut line = format!(
        "ApplicationSet `{}` stored size ≈ {} of 1.5 MiB ({}%): spec ≈ {} and status ≈ {} for {} Applications",
        size.name,
        human_bytes(size.total()),
        size.percent(),
        human_bytes(size.spec),
        human_bytes(size.status),
        grouped(size.applications as u64),
    );
    if size.total() > ETCD_LIMIT {
        line.push_str(
            "; over etcd's limit, so `ladder build` refuses it: use `rollout.environments: independent` or split the spec",
        );
    }
    line
}

/// For pinned and banded ladders, the compact plan and its estimate, to compare with.
fn compact_comparison(model: &Model) -> Option<(Plan, estimate::Estimate)> {
    (model.rollout.layout != Layout::Compact).then(|| {
        let plan = compact(model);
        let estimate = estimate::estimate(model, &plan);
        (plan, estimate)
    })
}

/// `1 step`, `3 steps`.
fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn names(model: &Model, components: &[usize]) -> String {
    components
        .iter()
        .map(|&c| model.components[c].name.as_str())
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The plan as JSON, for machines: per environment, steps with components, maxUpdate and
/// estimated seconds, the longest chain and the critical path.
pub fn to_json(model: &Model, plan: &Plan) -> serde_json::Value {
    use serde_json::json;
    let estimate = estimate::estimate(model, plan);
    let compact = compact_comparison(model);
    let component_names = |list: &[usize]| -> Vec<&str> {
        list.iter()
            .map(|&c| model.components[c].name.as_str())
            .collect()
    };
    let environments: Vec<serde_json::Value> = plan
        .environments
        .iter()
        .zip(&estimate.environments)
        .map(|(env_plan, env_estimate)| {
            let env = &model.environments[env_plan.env];
            let steps: Vec<serde_json::Value> = env_plan
                .steps
                .iter()
                .zip(&env_estimate.steps)
                .map(|(step, e)| {
                    let max_update = match step.max_update {
                        MaxUpdate::Count(n) => json!(n),
                        MaxUpdate::Percent(p) => json!(format!("{p}%")),
                    };
                    json!({
                        "phase": step.phase,
                        "maxUpdate": max_update,
                        "window": e.window,
                        "manual": e.manual,
                        "seconds": e.seconds,
                        "components": component_names(&step.components),
                    })
                })
                .collect();
            json!({
                "name": env.name,
                "sync": match env.sync { Sync::Auto => "auto", Sync::Manual => "manual" },
                "steps": steps,
                "seconds": env_estimate.total,
                "longestChain": component_names(&env_plan.longest_chain),
                "criticalPath": {
                    "seconds": env_estimate.critical_seconds,
                    "components": component_names(&env_estimate.critical_path),
                },
                // Pinned and banded ladders: what the compact layout would need.
                "compact": compact.as_ref().map(|(p, e)| json!({
                    "steps": p.environments[env_plan.env].steps.len(),
                    "seconds": e.environments[env_plan.env].total,
                })),
                "mergeable": plan
                    .mergeable(model, env_plan.env)
                    .iter()
                    .map(|(a, b)| [plan.phase_label(*a), plan.phase_label(*b)])
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "name": model.name,
        "layout": match model.rollout.layout {
            Layout::Compact => "compact",
            Layout::Pinned => "pinned",
            Layout::Banded => "banded",
        },
        "topology": match model.rollout.topology {
            Topology::Sequential => "sequential",
            Topology::Independent => "independent",
        },
        "steps": plan.step_count(),
        "seconds": estimate.environments.iter().fold(0u64, |t, e| t.saturating_add(e.total)),
        "environments": environments,
        // Each RollingSync ApplicationSet's estimated size in etcd, spec and status.
        "applicationSets": super::size::estimate(model, plan)
            .iter()
            .map(|s| json!({
                "name": s.name,
                "file": s.file,
                "environments": s.envs.iter().map(|&e| model.environments[e].name.as_str()).collect::<Vec<_>>(),
                "applications": s.applications,
                "specBytes": s.spec,
                "statusBytes": s.status,
                "bytes": s.total(),
                "limitBytes": super::size::ETCD_LIMIT,
                "percent": s.percent(),
            }))
            .collect::<Vec<_>>(),
    })
}
