//! Checking a component's resource groups and numbering them into waves.

use std::collections::BTreeMap;

use super::wave_presets as preset;
use crate::analyze::model::Version;
use crate::analyze::model::{Group, Waves};
use crate::diagnostic::Diagnostic;
use crate::load::spec::resources::{Hook, Match, ResourceGroup};
use crate::load::yaml::{Node, PathSeg};

/// A group before planning: where it came from in the spec.
struct Draft<'a> {
    name: String,
    matches: Vec<Match>,
    depends_on: Vec<(String, Vec<PathSeg<'a>>)>,
    /// Spec path of the item (for a preset group, the `preset` item).
    at: Vec<PathSeg<'a>>,
    anchor: bool,
    hook: Option<Hook>,
    group: Option<&'a ResourceGroup>,
}

/// Checks `components[component].resources` and compiles them into waves: each group at
/// 1 + the highest wave of its dependencies (0 without any), shifted so that the
/// `anchor` group, if any, is at 0. `None` when the component has no groups. Every
/// problem is a diagnostic at its place in the spec.
pub fn plan<'a>(
    file: &str,
    tree: &Node,
    component: usize,
    groups: &'a [ResourceGroup],
    version: Option<Version>,
) -> Result<Option<Waves>, Vec<Diagnostic>> {
    use PathSeg::{Index, Key};
    if groups.is_empty() {
        return Ok(None);
    }
    let mut errors = Errors {
        file,
        tree,
        list: Vec::new(),
    };
    let item = |g: usize, rest: &[PathSeg<'a>]| -> Vec<PathSeg<'a>> {
        let mut p = vec![
            Key("components"),
            Index(component),
            Key("resources"),
            Index(g),
        ];
        p.extend_from_slice(rest);
        p
    };

    let mut drafts: Vec<Draft<'_>> = Vec::new();
    let mut preset_seen = false;
    for (g, group) in groups.iter().enumerate() {
        if group.preset.is_some() {
            let alone = group.name.is_none()
                && group.matches.is_empty()
                && group.depends_on.is_empty()
                && !group.anchor
                && group.hook.is_none()
                && group.delete_policy.is_empty();
            if !alone {
                errors
                    .at(
                        &item(g, &[]),
                        "an item with `preset` sets nothing else".into(),
                    )
                    .help = Some(
                    "give the preset its own item, and name groups of your own separately".into(),
                );
            }
            if preset_seen {
                errors.at(&item(g, &[Key("preset")]), "`preset` is given twice".into());
            }
            preset_seen = true;
            let mut before: Option<&str> = None;
            for (name, kinds) in preset::KINDS {
                drafts.push(Draft {
                    name: (*name).to_owned(),
                    matches: kinds
                        .iter()
                        .map(|k| Match {
                            kind: Some((*k).to_owned()),
                            ..Match::default()
                        })
                        .collect(),
                    depends_on: before
                        .map(|b| (b.to_owned(), item(g, &[Key("preset")])))
                        .into_iter()
                        .collect(),
                    at: item(g, &[Key("preset")]),
                    anchor: false,
                    hook: None,
                    group: None,
                });
                before = Some(name);
            }
            continue;
        }
        let name = if let Some(name) = &group.name {
            if !crate::analyze::names::is_dns1123_label(name) {
                errors.at(
                    &item(g, &[Key("name")]),
                    format!("resource group name `{name}` is not a valid name"),
                )
                .help = Some(
                    "use lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters"
                        .into(),
                );
            } else if name == "enabled" {
                // `syncWaves.enabled` is the switch of the generated Helm values: a group
                // of that name would write the key twice.
                errors
                    .at(
                        &item(g, &[Key("name")]),
                        "resource group name `enabled` is reserved: the generated Helm values use `syncWaves.enabled` to switch a chart's waves on".into(),
                    )
                    .help = Some("give the group another name".into());
            }
            name.clone()
        } else {
            errors
                .at(&item(g, &[]), "a resource group needs a `name`".into())
                .help = Some("name it, e.g. `name: database`, or use `preset: kinds`".into());
            format!("#{g}")
        };
        if group.matches.is_empty() {
            errors
                .at(
                    &item(g, &[]),
                    format!("resource group `{name}` has no `match`, so no resource is in it"),
                )
                .help = Some("add `match: [{kind: Deployment, name: …}]`".into());
        }
        for (m, matcher) in group.matches.iter().enumerate() {
            if matcher.kind.is_none()
                && matcher.name.is_none()
                && matcher.namespace.is_none()
                && matcher.labels.is_empty()
            {
                errors.at(
                    &item(g, &[Key("match"), Index(m)]),
                    format!("a match item of `{name}` sets no field, so it would match every resource"),
                )
                .help = Some("set `kind`, `name`, `namespace` or `labels`".into());
            }
            for (field, value) in [
                ("kind", &matcher.kind),
                ("name", &matcher.name),
                ("namespace", &matcher.namespace),
            ] {
                if value.as_deref() == Some("") {
                    errors
                        .at(
                            &item(g, &[Key("match"), Index(m), Key(field)]),
                            format!("`{field}` is empty: kustomize reads an empty target field as no selector and would patch every resource, while `ladder waves` would match none"),
                        )
                        .help = Some("remove the field or give it a value".into());
                }
            }
            for (key, value) in &matcher.labels {
                if !crate::analyze::names::is_label_value(value) {
                    errors
                        .at(
                            &item(g, &[Key("match"), Index(m), Key("labels"), Key(key)]),
                            format!("`{value}` is not a valid label value, so no resource can carry it"),
                        )
                        .help = Some(
                        "label values are at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit"
                            .into(),
                    );
                }
                if let Err(why) = crate::analyze::names::check_label_key(key) {
                    errors.at(
                        &item(
                            g,
                            &[Key("match"), Index(m), Key("labels"), PathSeg::KeyOf(key)],
                        ),
                        format!("label key `{key}` is not valid: {why}"),
                    );
                }
            }
        }
        if group.hook.is_none() && !group.delete_policy.is_empty() {
            errors.at(
                &item(g, &[Key("deletePolicy")]),
                format!("`{name}` has a `deletePolicy` but no `hook`"),
            )
            .help = Some(
                "Argo CD reads hook-delete-policy only on hooks: add `hook: PreSync` (or another phase), or remove it"
                    .into(),
            );
        }
        let mut seen_policies = Vec::new();
        for (p, policy) in group.delete_policy.iter().enumerate() {
            if seen_policies.contains(policy) {
                errors.at(
                    &item(g, &[Key("deletePolicy"), Index(p)]),
                    format!("`{}` is listed twice", policy.as_str()),
                );
            }
            seen_policies.push(*policy);
        }
        if let (Some(hook), Some(version)) = (group.hook, version) {
            let needs = match hook {
                Hook::PreDelete => Some((3, 3)),
                Hook::PostDelete => Some((2, 10)),
                _ => None,
            };
            if let Some((major, minor)) = needs
                && !version.at_least(major, minor)
            {
                errors.at(
                    &item(g, &[Key("hook")]),
                    format!(
                        "`{}` hooks need Argo CD {major}.{minor} or later; the spec targets {version}",
                        hook.as_str()
                    ),
                )
                .help = Some(format!(
                    "raise `argocd.version` to {major}.{minor}, or use another hook phase; older Argo CD ignores the annotation"
                ));
            }
        }
        drafts.push(Draft {
            name,
            matches: group.matches.clone(),
            depends_on: group
                .depends_on
                .iter()
                .enumerate()
                .map(|(d, dep)| (dep.clone(), item(g, &[Key("dependsOn"), Index(d)])))
                .collect(),
            at: item(g, &[Key("name")]),
            anchor: group.anchor,
            hook: group.hook,
            group: Some(group),
        });
    }

    // Names are unique; the first definition wins.
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, d) in drafts.iter().enumerate() {
        if let Some(&first) = index.get(d.name.as_str()) {
            let first_pos = tree.lookup(&drafts[first].at).pos;
            let what = if drafts[first].group.is_none() {
                " (a group of `preset: kinds`)"
            } else {
                ""
            };
            errors
                .at(&d.at, format!("duplicate resource group `{}`", d.name))
                .add_note(first_pos, format!("first defined here{what}"));
        } else {
            index.insert(&d.name, i);
        }
    }
    overlaps(&drafts, &index, &mut errors);
    let known: Vec<&str> = index.keys().copied().collect();
    let names = crate::diagnostic::Names::new(known.iter().copied());

    // Dependencies, by draft index.
    let mut edges: Vec<Vec<(usize, &[PathSeg<'_>])>> = vec![Vec::new(); drafts.len()];
    for (i, d) in drafts.iter().enumerate() {
        let mut seen: Vec<&str> = Vec::new();
        for (dep, path) in &d.depends_on {
            if dep == &d.name {
                errors
                    .at(path, format!("resource group `{dep}` depends on itself"))
                    .help = Some("remove it from its own `dependsOn`".into());
                continue;
            }
            if seen.contains(&dep.as_str()) {
                errors.at(
                    path,
                    format!("`{dep}` is listed twice in `dependsOn` of `{}`", d.name),
                );
                continue;
            }
            seen.push(dep);
            if let Some(&j) = index.get(dep.as_str()) {
                edges[i].push((j, path));
                continue;
            }
            let help = names.did_you_mean(dep).unwrap_or_else(|| {
                let listed = known
                    .iter()
                    .take(20)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ");
                match known.len() {
                    0..=20 => format!("the groups of this component are {listed}"),
                    n => format!(
                        "the groups of this component are {listed} and {} more",
                        n - 20
                    ),
                }
            });
            errors
                .at(
                    path,
                    format!(
                        "`{}` depends on `{dep}`, which is not a resource group of this component",
                        d.name
                    ),
                )
                .help = Some(help);
        }
    }

    let deps: Vec<Vec<usize>> = edges
        .iter()
        .map(|e| e.iter().map(|&(j, _)| j).collect())
        .collect();
    for cycle in crate::dag::cycles(&deps) {
        let names: Vec<&str> = cycle.iter().map(|&i| drafts[i].name.as_str()).collect();
        let (first, second) = (&drafts[cycle[0]], &drafts[cycle[1]]);
        let path = first
            .depends_on
            .iter()
            .find(|(dep, _)| dep == &second.name)
            .map_or(&first.at, |(_, path)| path);
        errors
            .at(path, format!("resource group cycle: {}", names.join(" → ")))
            .help = Some("each group depends on the next; remove one of these dependencies".into());
    }

    // Hooks run by phase first: a group may depend only on groups that run in an
    // earlier or the same phase.
    for (d, edges) in drafts.iter().zip(&edges) {
        for &(j, path) in edges {
            let dep = &drafts[j];
            if let Some(why) = phase_conflict(d.hook, dep.hook) {
                errors.at(
                    path,
                    format!(
                        "`{}` ({}) depends on `{}` ({}), but {why}",
                        d.name,
                        phase_name(d.hook),
                        dep.name,
                        phase_name(dep.hook)
                    ),
                )
                .help = Some(
                    "Argo CD runs PreSync hooks, then the resources and Sync hooks, then PostSync hooks; a wave orders resources only within one phase"
                        .into(),
                );
            }
        }
    }

    let anchors: Vec<usize> = (0..drafts.len()).filter(|&i| drafts[i].anchor).collect();
    for &extra in anchors.iter().skip(1) {
        let first_pos = tree.lookup(&drafts[anchors[0]].at).pos;
        errors
            .at(
                &drafts[extra].at,
                format!(
                    "`{}` is a second `anchor`; a component has at most one",
                    drafts[extra].name
                ),
            )
            .add_note(first_pos, "the first anchor");
    }

    if !errors.list.is_empty() {
        let mut diagnostics = errors.list;
        crate::diagnostic::sort(&mut diagnostics);
        return Err(diagnostics);
    }
    let levels = crate::dag::levels(&deps);
    let offset = anchors.first().map_or(0, |&a| levels[a]);
    let to_wave = |level: u32| -> i32 {
        i32::try_from(i64::from(level) - i64::from(offset)).unwrap_or(i32::MAX)
    };
    let names: Vec<String> = drafts.iter().map(|d| d.name.clone()).collect();
    let mut out: Vec<Group> = drafts
        .into_iter()
        .zip(levels)
        .zip(&deps)
        .map(|((d, level), ds)| Group {
            wave: to_wave(level),
            depends_on: {
                let mut n: Vec<String> = ds.iter().map(|&j| names[j].clone()).collect();
                n.sort();
                n
            },
            preset: d.group.is_none(),
            delete_policy: d.group.map(|g| g.delete_policy.clone()).unwrap_or_default(),
            hook: d.hook,
            matches: d.matches,
            name: d.name,
        })
        .collect();
    out.sort_by(|a, b| (a.wave, &a.name).cmp(&(b.wave, &b.name)));
    Ok(Some(Waves { groups: out }))
}

struct Errors<'t> {
    file: &'t str,
    tree: &'t Node,
    list: Vec<Diagnostic>,
}

impl Errors<'_> {
    fn at(&mut self, path: &[PathSeg<'_>], message: String) -> &mut Diagnostic {
        self.list.push(Diagnostic::new(
            self.file,
            self.tree.lookup(path).pos,
            message,
        ));
        self.list.last_mut().expect("just pushed")
    }
}

/// The lint rule of two resource groups that match the same resources for certain.
pub static RESOURCE_GROUPS_OVERLAP: &str = "resource-groups-overlap";

/// Two named groups of which one has a match item that covers an item of the other
/// ([`Match::covers`]): every resource the covered item matches is in both groups, which
/// `ladder waves` refuses, and which the kustomize Component would patch twice (the
/// later patch winning). Only what the match rules decide: items that may overlap only
/// for some resources are left to `ladder waves`, which refuses such a resource. One
/// error per pair of groups; items are bucketed by kind and name, and the comparisons of
/// one component are capped.
fn overlaps(drafts: &[Draft<'_>], index: &BTreeMap<&str, usize>, errors: &mut Errors<'_>) {
    const BUDGET: u64 = 4_000_000;
    type Key<'k> = (Option<&'k str>, Option<&'k str>);
    // Named groups, first definitions, items without errors of their own.
    let mut items: Vec<(usize, usize, &Match)> = Vec::new();
    for (g, d) in drafts.iter().enumerate() {
        if d.group.is_none() || index.get(d.name.as_str()) != Some(&g) {
            continue;
        }
        for (m, item) in d.matches.iter().enumerate() {
            let fields = [&item.kind, &item.name, &item.namespace];
            let set = fields.iter().any(|f| f.is_some()) || !item.labels.is_empty();
            let empty = fields.iter().any(|f| f.as_deref() == Some(""));
            if set && !empty {
                items.push((g, m, item));
            }
        }
    }
    let mut buckets: BTreeMap<Key<'_>, Vec<usize>> = BTreeMap::new();
    for (i, (_, _, item)) in items.iter().enumerate() {
        buckets
            .entry((item.kind.as_deref(), item.name.as_deref()))
            .or_default()
            .push(i);
    }
    let mut reported = std::collections::BTreeSet::new();
    let mut budget = BUDGET;
    for (b, &(gb, mb, covered)) in items.iter().enumerate() {
        let (kind, name) = (covered.kind.as_deref(), covered.name.as_deref());
        let mut keys = vec![(kind, name), (kind, None), (None, name), (None, None)];
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            for &a in buckets.get(&key).into_iter().flatten() {
                if budget == 0 {
                    return;
                }
                budget -= 1;
                let (ga, ma, covering) = items[a];
                let pair = (ga.min(gb), ga.max(gb));
                if ga == gb || reported.contains(&pair) || !covering.covers(covered) {
                    continue;
                }
                // Equal items cover each other: one report, at the earlier item.
                if covered.covers(covering) && a > b {
                    continue;
                }
                reported.insert(pair);
                let (first, second) = if ga < gb { (ga, gb) } else { (gb, ga) };
                // A named group's path is its `name`: the item is beside it.
                let item_at = |g: usize, m: usize| {
                    let mut at = drafts[g].at.clone();
                    at.pop();
                    at.extend([PathSeg::Key("match"), PathSeg::Index(m)]);
                    at
                };
                let (covering_name, covered_name) = (&drafts[ga].name, &drafts[gb].name);
                let message = if covered.covers(covering) {
                    format!(
                        "resource groups `{}` and `{}` both match the same resources: the item `{}` is in both",
                        drafts[first].name,
                        drafts[second].name,
                        covering.flow()
                    )
                } else {
                    format!(
                        "resource groups `{}` and `{}` both match the same resources: `{covering_name}`'s `{}` matches every resource `{covered_name}`'s `{}` matches",
                        drafts[first].name,
                        drafts[second].name,
                        covering.flow(),
                        covered.flow()
                    )
                };
                let note_pos = errors.tree.lookup(&item_at(gb, mb)).pos;
                let d = errors.at(&item_at(ga, ma), message);
                d.add_note(note_pos, format!("`{covered_name}` matches it here"));
                d.help = Some(format!(
                    "a resource belongs to one group: `ladder waves` refuses it, and the kustomize Component would patch it twice, the later patch winning; narrow `{covering_name}`'s item (add a `name` or a label), or remove it from one of the groups"
                ));
                d.rule = Some(&RESOURCE_GROUPS_OVERLAP);
            }
        }
    }
}

fn phase_name(hook: Option<Hook>) -> &'static str {
    hook.map_or("resources", Hook::as_str)
}

/// Why a group in phase `hook` cannot wait for one in phase `dep`, if it cannot.
fn phase_conflict(hook: Option<Hook>, dep: Option<Hook>) -> Option<&'static str> {
    // Rank of the phases a normal sync runs, in order; the others run on their own.
    let rank = |h: Option<Hook>| match h {
        None | Some(Hook::Sync) => Some(0),
        Some(Hook::PreSync) => Some(-1),
        Some(Hook::PostSync) => Some(1),
        Some(Hook::SyncFail | Hook::PreDelete | Hook::PostDelete) => None,
    };
    match (rank(hook), rank(dep)) {
        (Some(a), Some(b)) if b > a => Some("that phase runs later"),
        (Some(_), Some(_)) => None,
        _ if hook == dep => None,
        _ => Some(
            "SyncFail, PreDelete and PostDelete hooks run apart from a normal sync, so neither can wait for the other",
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::load::spec::resources::Match;

    fn m(kind: Option<&str>, name: Option<&str>, labels: &[(&str, &str)]) -> Match {
        Match {
            kind: kind.map(str::to_owned),
            name: name.map(str::to_owned),
            namespace: None,
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    /// What covers what: every field an item sets, the other sets alike; labels a subset.
    #[test]
    fn an_item_covers_another_when_it_matches_everything_the_other_does() {
        let service = m(Some("Service"), None, &[]);
        let redis = m(Some("Service"), Some("shop-redis"), &[]);
        assert!(service.covers(&redis) && !redis.covers(&service));
        assert!(redis.covers(&redis));
        assert!(!m(Some("Job"), None, &[]).covers(&redis));
        let app = m(None, None, &[("app", "shop")]);
        assert!(app.covers(&m(Some("Job"), None, &[("app", "shop"), ("tier", "x")])));
        assert!(!app.covers(&m(Some("Job"), None, &[("app", "other")])));
        // A partial overlap is no cover either way: left to `ladder waves`.
        let db = m(Some("Database"), None, &[]);
        assert!(!db.covers(&app) && !app.covers(&db));
    }
}
