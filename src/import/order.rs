//! The existing order, as ladder's phases: which Applications Argo CD orders together
//! (one tree: an app-of-apps and its children, followed down through nested
//! app-of-apps, or one folder), each Application's place there, and the environments'
//! order. What Argo CD does not order (separate trees, Applications in no RollingSync
//! step) is said in the report, not guessed silently.

use std::collections::{BTreeMap, BTreeSet};

use super::instance::{ENVIRONMENTS, Instance};
use super::write::Line;
use crate::generate::Checkout;
use crate::generate::tree::Made;
use crate::load::yaml::Node;

/// The app-of-apps among the Applications: each one's parent, and every Application
/// that installs Applications (a parent, or one of several that claim a folder alike).
pub(super) struct Parents {
    pub(super) of: Vec<Option<usize>>,
    pub(super) apps_of_apps: BTreeSet<usize>,
}

/// Each Application's parent: the app-of-apps whose source installs the folder of its
/// manifest (of its ApplicationSet, for a generated one); with `directory.recurse`, the
/// folders below too. Where a checkout holds the source's repository the folder is
/// matched exactly; else by the end of its name, and only when another Application of
/// the folder reads the same repository and the parent is not in the folder itself (the
/// files are named from wherever the import was run). The longest path wins; a folder several claim alike is nobody's child, and
/// its claimants are still app-of-apps (reported).
pub(super) fn parents(
    apps: &[Made],
    checkouts: &[Checkout<'_>],
    report: &mut Vec<Line>,
) -> Parents {
    let mut in_folder: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, m) in apps.iter().enumerate() {
        in_folder.entry(m.group.as_str()).or_default().push(i);
    }
    let repos_of = |i: usize| -> Vec<String> {
        crate::generate::sources(apps[i].node.get("spec"))
            .into_iter()
            .filter_map(|s| s.get("repoURL").and_then(Node::scalar_text))
            .collect()
    };
    let mut claims: BTreeMap<&str, Vec<(usize, usize)>> = BTreeMap::new();
    for (p, parent) in apps.iter().enumerate() {
        for (url, path, recurse) in source_paths(parent) {
            let exact: Vec<String> = checkouts
                .iter()
                .filter(|k| k.is(&url))
                .map(|k| crate::evidence::join(&crate::evidence::normalize(&k.root), &path))
                .collect();
            for (folder, members) in &in_folder {
                if members.iter().all(|m| *m == p) {
                    continue;
                }
                let claimed = if exact.is_empty() {
                    let named = *folder == path
                        || folder.ends_with(&format!("/{path}"))
                        || (recurse
                            && (folder.starts_with(&format!("{path}/"))
                                || folder.contains(&format!("/{path}/"))));
                    // By name only, an Application among the ones it would install is
                    // more likely a sibling whose path merely looks alike.
                    named
                        && *folder != parent.group
                        && members
                            .iter()
                            .any(|m| *m != p && repos_of(*m).contains(&url))
                } else {
                    exact.iter().any(|dir| {
                        *folder == dir.as_str()
                            || (recurse && folder.starts_with(&format!("{dir}/")))
                    })
                };
                if claimed {
                    claims.entry(folder).or_default().push((path.len(), p));
                }
            }
        }
    }
    let mut owner: BTreeMap<&str, usize> = BTreeMap::new();
    let mut apps_of_apps = BTreeSet::new();
    for (folder, mut by) in claims {
        by.sort_by_key(|(len, p)| (std::cmp::Reverse(*len), *p));
        by.dedup_by_key(|(_, p)| *p);
        let longest = by[0].0;
        let tied: Vec<usize> = by
            .iter()
            .filter(|(len, _)| *len == longest)
            .map(|(_, p)| *p)
            .collect();
        apps_of_apps.extend(tied.iter().copied());
        if tied.len() > 1 {
            let names: Vec<String> = tied
                .iter()
                .map(|p| format!("`{}`", apps[*p].name))
                .collect();
            report.push(Line {
                file: apps[tied[0]].file.clone(),
                pos: apps[tied[0]].pos,
                what: format!(
                    "{} all install `{folder}`: none is imported as a component, and its Applications are ordered as a tree of their own",
                    names.join(", ")
                ),
            });
            continue;
        }
        owner.insert(folder, tied[0]);
    }
    let mut of: Vec<Option<usize>> = apps
        .iter()
        .enumerate()
        .map(|(i, m)| owner.get(m.group.as_str()).copied().filter(|p| *p != i))
        .collect();
    // A cycle (each installs the other's folder) has no root: cut it where found.
    for start in 0..apps.len() {
        let mut seen = BTreeSet::from([start]);
        let mut at = start;
        while let Some(p) = of[at] {
            if !seen.insert(p) {
                of[at] = None;
                break;
            }
            at = p;
        }
    }
    Parents { of, apps_of_apps }
}

/// The (repository, folder, `directory.recurse`) of an Application's sources, folders
/// without `./` or a trailing `/`.
fn source_paths(m: &Made) -> Vec<(String, String, bool)> {
    crate::generate::sources(m.node.get("spec"))
        .into_iter()
        .filter_map(|s| {
            let url = s
                .get("repoURL")
                .and_then(Node::scalar_text)
                .unwrap_or_default();
            let path = s.get("path").and_then(Node::scalar_text)?;
            let recurse = s
                .get("directory")
                .and_then(|d| d.get("recurse"))
                .and_then(Node::scalar_text)
                .is_some_and(|r| r == "true");
            Some((url, path, recurse))
        })
        .filter(|(_, p, _)| !p.starts_with('/'))
        .map(|(url, p, recurse)| {
            let path = p
                .split('/')
                .filter(|s| !s.is_empty() && *s != ".")
                .collect::<Vec<_>>()
                .join("/");
            (url, path, recurse)
        })
        .filter(|(_, p, _)| !p.is_empty())
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
    let mut last: BTreeMap<&str, BTreeMap<&str, Keys<'_>>> = BTreeMap::new();
    for (i, p) in instances.iter().zip(placed) {
        let at = first
            .entry(&i.env)
            .or_default()
            .entry(&p.tree)
            .or_insert(&p.keys);
        if p.keys.as_slice() < *at {
            *at = &p.keys;
        }
        let at = last
            .entry(&i.env)
            .or_default()
            .entry(&p.tree)
            .or_insert(&p.keys);
        if p.keys.as_slice() > *at {
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
        // In a shared tree, the next environment starts before the last place of
        // this one: Argo CD rolls them out partly together, ladder one after the other.
        let overlap = last[pair[0]]
            .iter()
            .any(|(t, end)| first[pair[1]].get(t).is_some_and(|start| start <= end));
        if overlap {
            report.push(Line {
                file: String::new(),
                pos: crate::diagnostic::Pos::default(),
                what: format!(
                    "`{}` and `{}` share places of one tree, so Argo CD rolls them out partly together; the spec rolls all of `{}` out first, as `environments` lists them",
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
                "is in no RollingSync step, so Argo CD never syncs it (it is synced by hand); ladder gives it the last phase, where its environment's sync applies: with `sync: auto` it now syncs by itself, so disable it there (`enabled`) if it must stay by hand",
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
                    shown(&list)
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

/// At most a few names of a list, and how many more.
fn shown(list: &[&str]) -> String {
    const SHOWN: usize = 5;
    let text = list[..list.len().min(SHOWN)].join("; ");
    if list.len() > SHOWN {
        format!("{text}; and {} more", list.len() - SHOWN)
    } else {
        text
    }
}
