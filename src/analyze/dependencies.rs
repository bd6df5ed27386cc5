//! Dependencies: `dependsOn` and `after` lists resolved to components (unknown names
//! with a did-you-mean, duplicates, self-dependencies), per-environment `enabled`,
//! dependencies on components disabled where their dependent runs, and cycles printed
//! as their full path (`a → b → c → a`, `⇢` for an `after` edge).

use std::collections::BTreeMap;

use super::context::Cx;
use crate::analyze::model::{Component, EdgeKind, Environment};
use crate::diagnostic::did_you_mean;
use crate::load::spec::{self, Enabled};
use crate::load::yaml::PathSeg;

pub(super) fn dependencies(
    cx: &mut Cx<'_>,
    c: &spec::Component,
    kind: EdgeKind,
    index: &BTreeMap<&str, usize>,
    known: &crate::diagnostic::Names<'_>,
    at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
) -> Vec<usize> {
    use PathSeg::{Index, Key};
    let key = kind.key();
    let (list, verb) = match kind {
        EdgeKind::DependsOn => (&c.depends_on, "depends on"),
        EdgeKind::After => (&c.after, "comes after"),
    };
    let mut deps = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (j, dep) in list.iter().enumerate() {
        let path = at(&[Key(key), Index(j)]);
        if dep == &c.name {
            cx.error(&path, format!("component `{}` {verb} itself", c.name))
                .help = Some(format!("remove it from its own `{key}`"));
            continue;
        }
        if let Some(&first) = seen.get(dep.as_str()) {
            let first_pos = cx.pos(&at(&[Key(key), Index(first)]));
            cx.error(
                &path,
                format!("`{dep}` is listed twice in `{key}` of `{}`", c.name),
            )
            .add_note(first_pos, "first listed here");
            continue;
        }
        seen.insert(dep, j);
        if let Some(&i) = index.get(dep.as_str()) {
            deps.push(i);
        } else {
            let help = known.did_you_mean(dep);
            cx.error(
                &path,
                format!("`{}` {verb} `{dep}`, which is not a component", c.name),
            )
            .help = help;
        }
    }
    deps.sort_unstable();
    deps.dedup();
    deps
}

pub(super) fn enabled_per_env(
    cx: &mut Cx<'_>,
    c: &spec::Component,
    env_names: &[&str],
    at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
) -> Vec<bool> {
    use PathSeg::{Key, KeyOf};
    match &c.enabled {
        None => vec![true; env_names.len()],
        Some(Enabled::All(b)) => vec![*b; env_names.len()],
        Some(Enabled::PerEnvironment(map)) => {
            for name in map.keys() {
                if !env_names.contains(&name.as_str()) {
                    let mut p = at(&[Key("enabled")]);
                    p.push(KeyOf(name));
                    let help = did_you_mean(name, env_names.iter().copied());
                    cx.error(
                        &p,
                        format!("`enabled` names `{name}`, which is not an environment"),
                    )
                    .help = help;
                }
            }
            env_names
                .iter()
                .map(|e| map.get(*e).copied().unwrap_or(true))
                .collect()
        }
    }
}

pub(super) fn check_disabled_dependencies(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
    order: &[usize],
    components: &[Component],
    environments: &[Environment],
) {
    use PathSeg::{Index, Key};
    let enabled = |c: &spec::Component, e: &str| match &c.enabled {
        None => true,
        Some(Enabled::All(b)) => *b,
        Some(Enabled::PerEnvironment(m)) => m.get(e).copied().unwrap_or(true),
    };
    for (model_index, component) in components.iter().enumerate() {
        let spec_index = order[model_index];
        let c = &spec.components[spec_index];
        for &dep in &component.depends_on {
            let d = &spec.components[order[dep]];
            let off: Vec<&str> = environments
                .iter()
                .map(|e| e.name.as_str())
                .filter(|e| enabled(c, e) && !enabled(d, e))
                .collect();
            if off.is_empty() {
                continue;
            }
            let j = c.depends_on.iter().position(|n| n == &d.name).unwrap_or(0);
            let list = off
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let diagnostic = cx.error(
                &[
                    Key("components"),
                    Index(spec_index),
                    Key("dependsOn"),
                    Index(j),
                ],
                format!(
                    "`{}` depends on `{}`, which is disabled in {list}",
                    c.name, d.name
                ),
            );
            diagnostic.rule = Some(&"disabled-dependency");
            diagnostic.help = Some(format!(
                "disable `{}` there too, or enable `{}`",
                c.name, d.name
            ));
        }
    }
}

/// Reports every dependency cycle as its full path, `a → b → c → a`.
pub(super) fn check_cycles(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
    order: &[usize],
    components: &[Component],
) {
    use PathSeg::{Index, Key};
    let deps: Vec<Vec<usize>> = components.iter().map(Component::waits_for).collect();
    for cycle in crate::dag::cycles(&deps) {
        let (first, second) = (cycle[0], cycle[1]);
        let kind_of = |a: usize, b: usize| {
            if components[a].depends_on.binary_search(&b).is_ok() {
                EdgeKind::DependsOn
            } else {
                EdgeKind::After
            }
        };
        // `a → b` is a `dependsOn` edge, `a ⇢ b` an `after` edge.
        let mut text = components[first].name.clone();
        let mut any_after = false;
        for w in cycle.windows(2) {
            let kind = kind_of(w[0], w[1]);
            any_after |= kind == EdgeKind::After;
            text.push_str(if kind == EdgeKind::After {
                " ⇢ "
            } else {
                " → "
            });
            text.push_str(&components[w[1]].name);
        }
        let spec_index = order[first];
        let c = &spec.components[spec_index];
        let kind = kind_of(first, second);
        let list = match kind {
            EdgeKind::DependsOn => &c.depends_on,
            EdgeKind::After => &c.after,
        };
        let j = list
            .iter()
            .position(|n| n == &components[second].name)
            .unwrap_or(0);
        let diagnostic = cx.error(
            &[
                Key("components"),
                Index(spec_index),
                Key(kind.key()),
                Index(j),
            ],
            format!("dependency cycle: {text}"),
        );
        diagnostic.rule = Some(&"dependency-cycle");
        diagnostic.help = Some(if any_after {
            "each component waits for the next (→ `dependsOn`, ⇢ `after`); remove one of these edges".into()
        } else {
            "each component depends on the next; remove one of these dependencies".into()
        });
    }
}
