//! Ordering edges beside `dependsOn`, and smoke tests.
//!
//! `after:` orders a component behind others without a data dependency (an admission
//! webhook that must exist before anything else applies). It is proved and planned like
//! `dependsOn` (phases, cycles, pinned and banded inversions), with one difference: an
//! `after` target disabled in an environment is simply not waited for there, where a
//! disabled dependency is an error.
//!
//! Smokes (role `smoke`, or seed 002's slot name `smokes`) test what they `dependsOn`, so
//! they always sit in a later step than it. A smoke with `gating: false` is non-gating:
//! nothing may wait on it. RollingSync has no such thing as a step that does not gate the
//! next one (every step waits until all of its Applications are healthy, argocd-semantics
//! §1.4), so planning puts non-gating smokes in their environment's last step, where the
//! only thing left to wait for them is the end of that environment.

use std::collections::BTreeMap;

use super::context::Cx;
use super::dependencies::dependencies;
use crate::analyze::model::EdgeKind;
use crate::analyze::model::{Component, Smoke};
use crate::load::spec;
use crate::load::yaml::PathSeg;

/// Whether a role names a smoke test: `smoke`, or seed 002's slot name `smokes`.
pub fn is_smoke_role(role: &str) -> bool {
    role == "smoke" || role == "smokes"
}

/// The slot a role is looked up under: `smoke` and `smokes` name the same slot, whichever
/// of the two the table has.
pub(super) fn slot_name<'a>(role: &'a str, table: &'a indexmap::IndexMap<String, u32>) -> &'a str {
    let other = if role == "smoke" { "smokes" } else { "smoke" };
    if is_smoke_role(role)
        && !table.contains_key(role)
        && let Some((k, _)) = table.get_key_value(other)
    {
        return k;
    }
    role
}

/// The `after` edges of a component, resolved; a name also in `dependsOn` is an error.
pub(super) fn after(
    cx: &mut Cx<'_>,
    c: &spec::Component,
    depends_on: &[usize],
    index: &BTreeMap<&str, usize>,
    known: &crate::diagnostic::Names<'_>,
    at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
) -> Vec<usize> {
    use PathSeg::{Index, Key};
    let after = dependencies(cx, c, EdgeKind::After, index, known, at);
    for (j, name) in c.after.iter().enumerate() {
        if index
            .get(name.as_str())
            .is_some_and(|i| depends_on.contains(i))
        {
            cx.error(
                &at(&[Key("after"), Index(j)]),
                format!(
                    "`{}` lists `{name}` in both `dependsOn` and `after`",
                    c.name
                ),
            )
            .help = Some(format!(
                "keep it in `dependsOn` if `{}` needs it to work, else only in `after`",
                c.name
            ));
        }
    }
    after
        .into_iter()
        .filter(|i| !depends_on.contains(i))
        .collect()
}

/// Whether a component is a smoke, and a gating one; `gating` on anything else is an error.
pub(super) fn smoke_kind(
    cx: &mut Cx<'_>,
    c: &spec::Component,
    at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
) -> Smoke {
    use PathSeg::Key;
    let smoke = c.role.as_deref().is_some_and(is_smoke_role);
    match (smoke, c.gating) {
        (true, Some(false)) => Smoke::NonGating,
        (true, _) => Smoke::Gating,
        (false, None) => Smoke::No,
        (false, Some(_)) => {
            cx.error(
                &at(&[Key("gating")]),
                format!(
                    "`gating` is only read for smokes, and `{}` is not one",
                    c.name
                ),
            )
            .help = Some("remove it, or set `role: smoke`".into());
            Smoke::No
        }
    }
}

/// Whether two components are enabled together in some environment.
pub(super) fn together(a: &Component, b: &Component) -> bool {
    a.instances
        .iter()
        .zip(&b.instances)
        .any(|(x, y)| x.is_some() && y.is_some())
}

/// A smoke tests what it `dependsOn`, so it needs something there; nothing may wait on a
/// non-gating smoke.
pub(super) fn check_smokes(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
    order: &[usize],
    components: &[Component],
) {
    use PathSeg::{Index, Key};
    for (i, c) in components.iter().enumerate() {
        let spec_component = &spec.components[order[i]];
        if c.smoke != Smoke::No && spec_component.depends_on.is_empty() {
            cx.error(
                &[Key("components"), Index(order[i]), Key("name")],
                format!("smoke `{}` tests nothing", c.name),
            )
            .help = Some(
                "list the components it tests in `dependsOn`: it then runs in a step after them, never beside them"
                    .into(),
            );
        }
        for (d, kind) in c.edges() {
            if components[d].smoke != Smoke::NonGating {
                continue;
            }
            let list = match kind {
                EdgeKind::DependsOn => &spec_component.depends_on,
                EdgeKind::After => &spec_component.after,
            };
            let j = list
                .iter()
                .position(|n| n == &components[d].name)
                .unwrap_or(0);
            cx.error(
                &[Key("components"), Index(order[i]), Key(kind.key()), Index(j)],
                format!(
                    "`{}` waits for `{}`, a non-gating smoke (`gating: false`): nothing may wait on it",
                    c.name, components[d].name
                ),
            )
            .help = Some(format!(
                "remove `{}` from `{}` of `{}`, or make the smoke gating (remove `gating: false`)",
                components[d].name,
                kind.key(),
                c.name
            ));
        }
    }
}

/// With `layout: banded`, the first slot of the component's band after `phase`, and its
/// role: the smallest fix is a change of role inside the component's own domain.
pub(super) fn band_slot_after(
    spec: &spec::Spec,
    c: &spec::Component,
    phase: u32,
) -> Option<(u32, String)> {
    if spec.rollout.layout != spec::Layout::Banded {
        return None;
    }
    let band = *spec.rollout.bands.get(c.domain.as_deref()?)?;
    spec.rollout
        .slots
        .iter()
        .map(|(role, slot)| (band.saturating_add(*slot), role))
        .filter(|(p, _)| *p > phase)
        .min()
        .map(|(p, role)| (p, role.clone()))
}
