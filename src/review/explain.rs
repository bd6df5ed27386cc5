//! `ladder explain COMPONENT`: why a component sits in its phase, what waits on it,
//! and in which step of each environment it syncs. A fleet component's name explains
//! each of its members ([`explain_all`]).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::analyze::model::{Component, Model, Smoke};
use crate::load::spec::Topology;
use crate::plan::Plan;
use crate::plan::estimate::human;

/// The explanation, as text.
pub fn explain(model: &Model, plan: &Plan, component: usize) -> String {
    let c = &model.components[component];
    let phase = plan.phases[component];
    let mut out = String::new();
    let _ = writeln!(out, "{} is in phase {phase}.", c.name);
    // An `after` target disabled in an environment does not hold the component there.
    for env_plan in &plan.environments {
        let here = env_plan.phases[component];
        if here != phase && model.enabled(component, env_plan.env) {
            let _ = writeln!(
                out,
                "In {} it is in phase {here}: what it comes after is disabled there.",
                model.environments[env_plan.env].name
            );
        }
    }

    // Why: the chain of dependencies one phase apart that ends here.
    if c.smoke == Smoke::NonGating {
        let _ = writeln!(
            out,
            "\nWhy: it is a non-gating smoke (`gating: false`), so it runs in the last step of each environment, where nothing waits on it (every RollingSync step gates the next)."
        );
        list_edges(&mut out, model, plan, c);
    } else if c.waits_for().is_empty() {
        let _ = writeln!(
            out,
            "\nWhy: it depends on nothing, so it starts in the first phase."
        );
    } else {
        let mut chain = vec![component];
        let mut at = component;
        while let Some(&prev) = model.components[at]
            .waits_for()
            .iter()
            .find(|&&d| plan.phases[d] + 1 == plan.phases[at])
        {
            chain.push(prev);
            at = prev;
        }
        chain.reverse();
        let _ = writeln!(
            out,
            "\nWhy: phase = 1 + the highest phase of its dependencies, through this chain:"
        );
        let _ = writeln!(
            out,
            "  {}",
            chain
                .iter()
                .map(|&i| format!("{} ({})", model.components[i].name, plan.phases[i]))
                .collect::<Vec<_>>()
                .join(" → ")
        );
        list_edges(&mut out, model, plan, c);
    }

    // What waits on it, directly and transitively.
    let direct: Vec<usize> = (0..model.components.len())
        .filter(|&i| model.components[i].waits_for().contains(&component))
        .collect();
    let transitive = dependents(model, component);
    let kind_of = |i: usize| {
        if model.components[i].after.contains(&component) {
            " (after)"
        } else {
            ""
        }
    };
    if direct.is_empty() {
        let _ = writeln!(out, "\nNothing depends on it.");
    } else {
        let _ = writeln!(out, "\nWaits on it directly ({}):", direct.len());
        for &i in &direct {
            let _ = writeln!(
                out,
                "  {} (phase {}){}",
                model.components[i].name,
                plan.phases[i],
                kind_of(i)
            );
        }
        let indirect: Vec<usize> = transitive
            .iter()
            .copied()
            .filter(|i| !direct.contains(i))
            .collect();
        if !indirect.is_empty() {
            let _ = writeln!(out, "Waits on it through others ({}):", indirect.len());
            for &i in &indirect {
                let _ = writeln!(
                    out,
                    "  {} (phase {})",
                    model.components[i].name, plan.phases[i]
                );
            }
        }
    }

    // Where it syncs.
    let _ = writeln!(out, "\nSyncs in:");
    let mut offset = 0;
    for env_plan in &plan.environments {
        let env = &model.environments[env_plan.env];
        if model.rollout.topology == Topology::Independent {
            offset = 0;
        }
        match env_plan
            .steps
            .iter()
            .position(|s| s.components.contains(&component))
        {
            Some(i) => {
                let step = &env_plan.steps[i];
                let others = match step.components.len() - 1 {
                    0 => "alone".to_owned(),
                    1 => "with 1 other Application".to_owned(),
                    n => format!("with {n} other Applications"),
                };
                let _ = writeln!(
                    out,
                    "  {}: step {} of {} (maxUpdate {}, {others}), expected {}",
                    env.name,
                    offset + i + 1,
                    if model.rollout.topology == Topology::Independent {
                        env_plan.steps.len()
                    } else {
                        plan.step_count()
                    },
                    step.max_update,
                    human(c.duration),
                );
            }
            None => {
                let _ = writeln!(out, "  {}: disabled", env.name);
            }
        }
        offset += env_plan.steps.len();
    }
    if let Some(waves) = &c.waves {
        out.push_str(&describe_waves(waves));
    }
    out
}

/// The component's `dependsOn` and `after` edges, each under its own heading.
fn list_edges(out: &mut String, model: &Model, plan: &Plan, c: &Component) {
    for (heading, list) in [
        ("Depends on:", &c.depends_on),
        (
            "After (ordering only; not waited for where disabled):",
            &c.after,
        ),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{heading}");
        for &d in list {
            let _ = writeln!(
                out,
                "  {} (phase {})",
                model.components[d].name, plan.phases[d]
            );
        }
    }
}

/// Every component that depends on `component`, directly or not, sorted.
pub fn dependents(model: &Model, component: usize) -> Vec<usize> {
    let n = model.components.len();
    let mut reverse: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, c) in model.components.iter().enumerate() {
        for d in c.waits_for() {
            reverse[d].push(i);
        }
    }
    let mut seen = BTreeSet::new();
    let mut stack = vec![component];
    while let Some(at) = stack.pop() {
        for &next in &reverse[at] {
            if seen.insert(next) {
                stack.push(next);
            }
        }
    }
    seen.into_iter().collect()
}

/// The groups by wave, for `ladder explain`: what each waits for, which are hooks.
fn describe_waves(waves: &crate::analyze::model::Waves) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("\nResources inside its Application, by sync-wave:\n");
    for g in &waves.groups {
        let mut notes = Vec::new();
        if let Some(hook) = g.hook {
            notes.push(format!("{} hook", hook.as_str()));
        }
        if g.preset {
            notes.push("preset".to_owned());
        }
        if !g.depends_on.is_empty() {
            notes.push(format!("after {}", g.depends_on.join(", ")));
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        };
        let _ = writeln!(out, "  wave {}: {}{notes}", g.wave, g.name);
    }
    out
}

/// The explanation of the components a name stands for
/// ([`Model::find_components`]): one, or each member of a fleet component, after a line
/// saying which members there are.
pub fn explain_all(model: &Model, plan: &Plan, name: &str, components: &[usize]) -> String {
    let mut out = String::new();
    if let [only] = components
        && model.components[*only].name == name
    {
        return explain(model, plan, *only);
    }
    let members: Vec<&str> = components
        .iter()
        .filter_map(|&i| model.components[i].member_of.as_ref())
        .map(|m| m.member.as_str())
        .collect();
    let _ = writeln!(
        out,
        "{name} is a fleet component: one component per member ({}), explained in turn.",
        members.join(", ")
    );
    for &i in components {
        out.push('\n');
        out.push_str(&explain(model, plan, i));
    }
    out
}
