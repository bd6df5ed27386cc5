//! The existing order, as ladder's phases: which Applications Argo CD orders together
//! (one tree: an app-of-apps and its children, followed down through nested
//! app-of-apps, or one folder), each Application's place there, and the environments'
//! order. What Argo CD does not order (separate trees, Applications in no RollingSync
//! step) is said in the report, not guessed silently.

use std::collections::{BTreeMap, BTreeSet};

use super::instance::{ENVIRONMENTS, Instance};
use super::write::Line;
use crate::generate::tree::Made;
use crate::load::yaml::Node;

/// Each Application's parent: the app-of-apps whose source path is the folder of its
/// manifest (of its ApplicationSet, for a generated one). Matched by the end of the
/// folder's name, as the files are named from wherever the import was run; the longest
/// path wins, and a folder two parents claim alike is nobody's child (reported).
pub(super) fn parents(apps: &[Made], report: &mut Vec<Line>) -> Vec<Option<usize>> {
    let mut claims: BTreeMap<&str, Vec<(usize, usize)>> = BTreeMap::new();
    let folders: BTreeSet<&str> = apps.iter().map(|m| m.group.as_str()).collect();
    for (p, parent) in apps.iter().enumerate() {
        for path in source_paths(parent) {
            for folder in &folders {
                if *folder == path || folder.ends_with(&format!("/{path}")) {
                    claims.entry(folder).or_default().push((path.len(), p));
                }
            }
        }
    }
    let mut owner: BTreeMap<&str, usize> = BTreeMap::new();
    for (folder, mut by) in claims {
        by.sort_by_key(|(len, p)| (std::cmp::Reverse(*len), *p));
        by.dedup_by_key(|(_, p)| *p);
        let longest = by[0].0;
        let tied: Vec<usize> = by
            .iter()
            .filter(|(len, _)| *len == longest)
            .map(|(_, p)| *p)
            .collect();
        if tied.len() > 1 {
            let names: Vec<String> = tied
                .iter()
                .map(|p| format!("`{}`", apps[*p].name))
                .collect();
            report.push(Line {
                file: apps[tied[0]].file.clone(),
                pos: apps[tied[0]].pos,
                what: format!(
                    "{} all install `{folder}`; its Applications are ordered as a tree of their own",
                    names.join(", ")
                ),
            });
            continue;
        }
        owner.insert(folder, tied[0]);
    }
    let mut parent: Vec<Option<usize>> = apps
        .iter()
        .enumerate()
        .map(|(i, m)| owner.get(m.group.as_str()).copied().filter(|p| *p != i))
        .collect();
    // A cycle (each installs the other's folder) has no root: cut it where found.
    for start in 0..apps.len() {
        let mut seen = BTreeSet::from([start]);
        let mut at = start;
        while let Some(p) = parent[at] {
            if !seen.insert(p) {
                parent[at] = None;
                break;
            }
            at = p;
        }
    }
    parent
}

/// The folders an Application's sources read, without `./` or a trailing `/`.
fn source_paths(m: &Made) -> Vec<String> {
    crate::generate::sources(m.node.get("spec"))
        .into_iter()
        .filter_map(|s| s.get("path").and_then(Node::scalar_text))
        .filter(|p| !p.starts_with('/'))
        .map(|p| {
            p.split('/')
                .filter(|s| !s.is_empty() && *s != ".")
                .collect::<Vec<_>>()
                .join("/")
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// A place: the keys (wave, step) from the top app-of-apps down.
type Keys<'a> = &'a [(i64, i64)];

/// Where each instance comes: its tree (the top app-of-apps, or its folder) and its
/// place in it, the keys (wave, step) from the top down.
pub(super) struct Placed {
    tree: String,
    keys: Vec<(i64, i64)>,
}

pub(super) fn place(
    instances: &[Instance<'_>],
    apps: &[Made],
    parents: &[Option<usize>],
) -> Vec<Placed> {
    instances
        .iter()
        .map(|i| {
            let mut keys = vec![i.made.key];
            let mut top = None;
            let mut at = parents[i.index];
            while let Some(p) = at {
                top = Some(p);
                at = parents[p];
                // The top app-of-apps is replaced by ladder's root: its own place is not
                // part of the order.
                if at.is_some() {
                    keys.push(apps[p].key);
                }
            }
            keys.reverse();
            let tree = match top {
                Some(p) => format!("the children of `{}`", apps[p].name),
                None => format!("the Applications in `{}`", i.made.group),
            };
            Placed { tree, keys }
        })
        .collect()
}

/// The environments in rollout order. Where one tree holds several environments (one
/// ApplicationSet with steps by environment, one app-of-apps), their first places
/// order them; environments in separate trees are not ordered by Argo CD at all, so
/// [`ENVIRONMENTS`] then the name order them, and the report says so.
pub(super) fn environments(
    instances: &[Instance<'_>],
    placed: &[Placed],
    report: &mut Vec<Line>,
) -> Vec<String> {
    let mut first: BTreeMap<&str, BTreeMap<&str, Keys<'_>>> = BTreeMap::new();
    for (i, p) in instances.iter().zip(placed) {
        let at = first
            .entry(&i.env)
            .or_default()
            .entry(&p.tree)
            .or_insert(&p.keys);
        if p.keys.as_slice() < *at {
            *at = &p.keys;
        }
    }
    let known = |e: &str| {
        ENVIRONMENTS
            .iter()
            .position(|k| *k == e)
            .unwrap_or(usize::MAX)
    };
    let mut envs: Vec<&str> = first.keys().copied().collect();
    envs.sort_by_key(|e| (known(e), *e));
    // Insertion by the trees two environments share: a shared tree's places win.
    let mut ordered: Vec<&str> = Vec::new();
    for env in envs {
        let at = ordered
            .iter()
            .position(|o| {
                first[env]
                    .iter()
                    .any(|(tree, keys)| first[o].get(tree).is_some_and(|theirs| keys < theirs))
            })
            .unwrap_or(ordered.len());
        ordered.insert(at, env);
    }
    for pair in ordered.windows(2) {
        let together = first[pair[0]]
            .iter()
            .any(|(t, keys)| first[pair[1]].get(t) == Some(keys));
        if together {
            report.push(Line {
                file: String::new(),
                pos: crate::diagnostic::Pos::default(),
                what: format!(
                    "`{}` and `{}` start at the same place of one tree, so Argo CD syncs them together; the spec rolls `{}` out first, as `environments` lists them",
                    pair[0], pair[1], pair[0]
                ),
            });
        }
        let shared = first[pair[0]]
            .keys()
            .any(|t| first[pair[1]].contains_key(t));
        if !shared {
            let trees = |e: &str| {
                first[e]
                    .keys()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            report.push(Line {
                file: String::new(),
                pos: crate::diagnostic::Pos::default(),
                what: format!(
                    "`{}` ({}) and `{}` ({}) are separate trees, which Argo CD syncs independently; the spec rolls `{}` out first, as `environments` lists them: reorder them there if that is wrong",
                    pair[0],
                    trees(pair[0]),
                    pair[1],
                    trees(pair[1]),
                    pair[0]
                ),
            });
        }
    }
    ordered.into_iter().map(str::to_owned).collect()
}

/// Each instance's rank (from 1) among its environment's Applications of its tree: the
/// distinct places before it, plus one. Applications in no RollingSync step come last,
/// and are reported.
pub(super) fn ranks(
    instances: &[Instance<'_>],
    placed: &[Placed],
    report: &mut Vec<Line>,
) -> Vec<i64> {
    let mut places: BTreeMap<(&str, &str), Vec<Keys<'_>>> = BTreeMap::new();
    let mut trees: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (i, p) in instances.iter().zip(placed) {
        places.entry((&i.env, &p.tree)).or_default().push(&p.keys);
        trees.entry(&i.env).or_default().insert(&p.tree);
        if i.made.key.1 == i64::MAX {
            report.push(super::write::line(
                i.made,
                "is in no RollingSync step, so Argo CD never syncs it (it is synced by hand); ladder gives it the last phase",
            ));
        }
    }
    for keys in places.values_mut() {
        keys.sort_unstable();
        keys.dedup();
    }
    // An app-of-apps' waves order the ApplicationSets among its children only until
    // each has generated its Applications, not until they are healthy.
    let mut appsets: BTreeMap<&str, BTreeSet<(i64, &str)>> = BTreeMap::new();
    for (i, p) in instances.iter().zip(placed) {
        if let Some(appset) = &i.made.appset {
            appsets
                .entry(&p.tree)
                .or_default()
                .insert((i.made.key.0, appset));
        }
    }
    for (tree, sets) in &appsets {
        let waves: BTreeSet<i64> = sets.iter().map(|(w, _)| *w).collect();
        if waves.len() > 1 {
            report.push(Line {
                file: String::new(),
                pos: crate::diagnostic::Pos::default(),
                what: format!(
                    "{tree} include {} ApplicationSets at sync-waves {}: Argo CD starts the next wave once an ApplicationSet has generated its Applications, not once they are healthy, so their rollouts overlap; the spec orders the Applications themselves, each wave's after the one before, in each environment",
                    sets.len(),
                    waves.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
                ),
            });
        }
    }
    for (env, trees) in &trees {
        if trees.len() > 1 {
            let list: Vec<&str> = trees.iter().copied().collect();
            report.push(Line {
                file: String::new(),
                pos: crate::diagnostic::Pos::default(),
                what: format!(
                    "the Applications of `{env}` are in {} trees Argo CD orders apart ({}); the spec puts the same place of each in one phase",
                    list.len(),
                    list.join("; ")
                ),
            });
        }
    }
    instances
        .iter()
        .zip(placed)
        .map(|(i, p)| {
            let keys = &places[&(i.env.as_str(), p.tree.as_str())];
            let rank = keys.partition_point(|k| *k < p.keys.as_slice()) + 1;
            i64::try_from(rank).unwrap_or(i64::MAX)
        })
        .collect()
}

/// A component's phase: its rank, which must be the same in every environment; where
/// it is not, the first environment's, with a report line.
pub(super) fn phase(component: &str, mine: &[(&Instance<'_>, i64)], report: &mut Vec<Line>) -> i64 {
    let (first, rank) = mine[0];
    for (i, other) in &mine[1..] {
        if *other != rank {
            report.push(Line {
                file: i.made.file.clone(),
                pos: i.made.pos,
                what: format!(
                    "`{}` comes at place {other} of `{}` but `{}` at place {rank} of `{}`: `{component}` gets phase {rank} everywhere, so its order in `{}` changes",
                    i.made.name, i.env, first.made.name, first.env, i.env
                ),
            });
        }
    }
    rank
}
