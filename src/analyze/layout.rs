//! Layouts: the phase a `pinned` or `banded` layout gives each component (bands by
//! domain, slots by role), and the proof that pinned phases respect every edge, with
//! the smallest move that fixes each inversion.

use super::context::Cx;
use super::edges;
use crate::analyze::model::{Component, EdgeKind};
use crate::diagnostic::did_you_mean;
use crate::load::spec::{self, Layout};
use crate::load::yaml::PathSeg;

/// The phase a pinned or banded layout gives a component (`None` for compact), with
/// a diagnostic for what is missing or unknown.
pub(super) fn assigned_phase(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
    c: &spec::Component,
    at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
) -> Option<u32> {
    use PathSeg::Key;
    let layout = spec.rollout.layout;
    if layout != Layout::Pinned && c.phase.is_some() {
        cx.error(
            &at(&[Key("phase")]),
            "`phase` is only read with `rollout.layout: pinned`",
        )
        .help = Some("remove it, or set `rollout.layout: pinned`".into());
    }
    match layout {
        Layout::Compact => None,
        Layout::Pinned => {
            if c.phase.is_none() {
                cx.error(
                    &at(&[Key("name")]),
                    format!("component `{}` has no `phase`", c.name),
                )
                .help =
                    Some("with `rollout.layout: pinned` every component names its phase".into());
            }
            c.phase
        }
        Layout::Banded => {
            let band = band_lookup(cx, c, at, "domain", c.domain.as_ref(), &spec.rollout.bands);
            let slot = band_lookup(cx, c, at, "role", c.role.as_ref(), &spec.rollout.slots);
            Some(band?.saturating_add(slot?))
        }
    }
}

/// The band of a component's domain, or the slot of its role, with diagnostics.
pub(super) fn band_lookup(
    cx: &mut Cx<'_>,
    c: &spec::Component,
    at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
    key: &'static str,
    value: Option<&String>,
    table: &indexmap::IndexMap<String, u32>,
) -> Option<u32> {
    use PathSeg::Key;
    let table_name = if key == "domain" { "bands" } else { "slots" };
    let value = value.map(|v| edges::slot_name(v, table));
    let Some(value) = value else {
        cx.error(
            &at(&[Key("name")]),
            format!("component `{}` has no `{key}`", c.name),
        )
        .help = Some(format!(
            "with `rollout.layout: banded` every component names its {key}"
        ));
        return None;
    };
    let found = table.get(value).copied();
    if found.is_none() {
        let help = did_you_mean(value, table.keys().map(String::as_str)).unwrap_or_else(|| {
            let all: Vec<String> = table.keys().map(|k| format!("`{k}`")).collect();
            format!("`rollout.{table_name}` has {}", all.join(", "))
        });
        cx.error(
            &at(&[Key(key)]),
            format!("`{value}` is not a {key} of `rollout.{table_name}`"),
        )
        .help = Some(help);
    }
    found
}

/// With pinned phases, every dependency and `after` edge must have a lower phase than its
/// dependent (an `after` edge only where both are enabled somewhere together). The fix
/// offered is the smallest move: to the first phase in use after all of the component's
/// edges (or one past the highest of them). Non-gating smokes are skipped: planning moves
/// them to the end of each environment.
pub(super) fn check_pinned_order(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
    order: &[usize],
    components: &[Component],
) {
    use PathSeg::{Index, Key};
    let used: std::collections::BTreeSet<u32> =
        components.iter().filter_map(|c| c.pinned).collect();
    // The edges that must come first, with the phase each is pinned to.
    let edges_of = |i: usize| -> Vec<(usize, EdgeKind, u32)> {
        let c = &components[i];
        c.edges()
            .into_iter()
            .filter(|&(d, kind)| kind == EdgeKind::DependsOn || edges::together(c, &components[d]))
            .filter_map(|(d, kind)| components[d].pinned.map(|p| (d, kind, p)))
            .collect()
    };
    // The smallest phase after `highest` for component `i`: in a banded layout the first
    // slot of its own band (named by role), else the first phase in use.
    let target_after = |i: usize, highest: u32| -> (u32, String) {
        match edges::band_slot_after(spec, &spec.components[order[i]], highest) {
            Some((phase, role)) => (phase, format!(" (role `{role}`)")),
            None => (
                used.range(highest.saturating_add(1)..)
                    .next()
                    .copied()
                    .unwrap_or(highest.saturating_add(1)),
                String::new(),
            ),
        }
    };
    // Where each component ends up once every inversion is fixed by its smallest move,
    // dependencies first, so that each fix accounts for the moves before it (the seed 002
    // SecretStore goes to 155 once Vault is at 150). Cycles are reported elsewhere; on
    // one, the current phase stands.
    let mut fixed: Vec<Option<u32>> = vec![None; components.len()];
    let mut state = vec![0u8; components.len()];
    for root in 0..components.len() {
        let mut stack = vec![(root, false)];
        while let Some((i, expanded)) = stack.pop() {
            if state[i] == 2 {
                continue;
            }
            let edges = edges_of(i);
            if !expanded {
                state[i] = 1;
                stack.push((i, true));
                for &(d, _, _) in &edges {
                    if state[d] == 0 {
                        stack.push((d, false));
                    }
                }
                continue;
            }
            let own = components[i].pinned;
            let highest = edges
                .iter()
                .map(|&(d, _, p)| {
                    if state[d] == 2 {
                        fixed[d].unwrap_or(p)
                    } else {
                        p
                    }
                })
                .max();
            fixed[i] = match (own, highest) {
                (Some(own), Some(h)) if own <= h => Some(target_after(i, h).0),
                (own, _) => own,
            };
            state[i] = 2;
        }
    }
    for (i, c) in components.iter().enumerate() {
        let Some(phase) = c.pinned else { continue };
        if c.smoke == crate::analyze::model::Smoke::NonGating {
            continue;
        }
        let edges = edges_of(i);
        let settled = |d: usize, p: u32| fixed[d].unwrap_or(p);
        let Some(highest) = edges.iter().map(|&(d, _, p)| settled(d, p)).max() else {
            continue;
        };
        let spec_component = &spec.components[order[i]];
        let (target, as_role) = target_after(i, highest);
        let blocker = edges
            .iter()
            .find(|&&(d, _, p)| settled(d, p) == highest)
            .map_or(String::new(), |&(d, _, p)| {
                let moved = if settled(d, p) == p {
                    String::new()
                } else {
                    " once moved".to_owned()
                };
                format!("`{}` ({highest}{moved})", components[d].name)
            });
        for &(d, kind, dep_phase) in &edges {
            if dep_phase < phase {
                continue;
            }
            let dep = &components[d];
            let list = match kind {
                EdgeKind::DependsOn => &spec_component.depends_on,
                EdgeKind::After => &spec_component.after,
            };
            let j = list.iter().position(|n| n == &dep.name).unwrap_or(0);
            let verb = match kind {
                EdgeKind::DependsOn => "depends on",
                EdgeKind::After => "comes after",
            };
            let diagnostic = cx.error(
                &[Key("components"), Index(order[i]), Key(kind.key()), Index(j)],
                format!(
                    "`{}` (phase {phase}) {verb} `{}` (phase {dep_phase}), which does not come first",
                    c.name, dep.name
                ),
            );
            diagnostic.rule = Some(&"dependency-not-earlier");
            diagnostic.help = Some(format!(
                "move `{}` from {phase} to {target}{as_role}, after {blocker}",
                c.name,
            ));
        }
    }
}
