//! Version files: the one source of truth for chart versions and image tags (seed 004's
//! `versions/<env>.yaml`), written into the output.
//!
//! Seed 004's promotion script patches the versions file and, in the same commit, the
//! `targetRevision` of every Application by hand, because an ApplicationSet cannot read
//! a chart version from a values file. Here a component names its entry (`version:
//! dlt-node.vault`); ladder reads the entry's `chartVersion` into the chart source's
//! `targetRevision` and its `imageTag` into the Helm parameter the component names
//! (`imageParameter`), environment by environment. A promotion is then one file change
//! plus `ladder build` (`crate::edit::promote` makes the file change).
//!
//! The CLI reads the files and passes their text in; this module does no I/O.

use std::collections::BTreeMap;

use crate::analyze::model::Model;
use crate::diagnostic::Diagnostic;
use crate::load::Loaded;
use crate::load::yaml::{Node, PathSeg, Value};

mod pin;
use pin::{Pin, field_pos, image_name_problems, key_pos, unknown_members};

/// `template` with `{{ env }}` (or `{{env}}`) replaced by `env`: the path of one
/// environment's file or folder.
pub fn for_env(template: &str, env: &str) -> String {
    template.replace("{{ env }}", env).replace("{{env}}", env)
}

/// Every path of a version file or fleet folder the spec names that leaves the spec's
/// folder (absolute, `..`, `.git`), and every one the caller refused to read because it
/// goes through a symbolic link (`refused`: path → the link met, both relative to the
/// spec's folder): a spec from an unreviewed branch must not put any file of the machine
/// into the output, or into the merge-request comment `ladder diff` writes.
pub fn check_input_paths(loaded: &Loaded, refused: &BTreeMap<String, String>) -> Vec<Diagnostic> {
    use crate::load::yaml::PathSeg::Key;
    let spec = &loaded.spec;
    let mut problems = Vec::new();
    let mut named: Vec<(Vec<PathSeg<'_>>, &str, &str)> = Vec::new();
    if let Some(versions) = &spec.versions {
        named.push((vec![Key("versions"), Key("path")], &versions.path, "file"));
    }
    for (fleet, source) in &spec.fleets {
        named.push((
            vec![Key("fleets"), Key(fleet), Key("folders")],
            &source.folders,
            "folder",
        ));
    }
    for (at, template, what) in named {
        let pos = loaded.tree.lookup(&at).pos;
        let mut reported = std::collections::BTreeSet::new();
        for env in &spec.environments {
            let path = for_env(template, &env.name);
            if !crate::analyze::names::is_inside(&path) {
                if reported.insert(path.clone()) {
                    problems.push(
                        Diagnostic::new(
                            &loaded.file,
                            pos,
                            format!("`{path}` is not a {what} inside the spec's folder"),
                        )
                        .help(format!(
                            "write a path relative to the spec's folder, without `..` or `.git`, e.g. `{}`",
                            if what == "file" { "versions/{{ env }}.yaml" } else { "envs/{{ env }}/nodes" }
                        )),
                    );
                }
                continue;
            }
            let prefix = format!("{path}/");
            for (asked, link) in refused
                .iter()
                .filter(|(k, _)| **k == path || k.starts_with(&prefix))
            {
                if reported.insert(asked.clone()) {
                    problems.push(
                        Diagnostic::new(
                            &loaded.file,
                            pos,
                            format!(
                                "`{asked}` goes through the symbolic link `{link}`; ladder reads version files and fleet folders only as regular files and folders inside the spec's folder"
                            ),
                        )
                        .help(if what == "file" {
                            "replace the link with the file itself".to_owned()
                        } else {
                            "replace the link with a folder, or list the members in `environments[].fleets`".to_owned()
                        }),
                    );
                }
            }
        }
    }
    problems
}

/// The node at a dotted `entry` (`dlt-node.vault`) of a versions tree.
pub fn entry<'a>(tree: &'a Node, entry: &str) -> Option<&'a Node> {
    entry.split('.').try_fold(tree, |node, key| node.get(key))
}

/// A versions tree indexed for many [`entry`] lookups: each mapping's keys in a hash
/// map (the first of a repeated key, as `entry` finds it), so looking up every pin of a
/// file is linear in the file, not quadratic (300,000 pins took minutes).
pub struct Lookup<'a> {
    maps: std::collections::HashMap<*const Node, std::collections::HashMap<String, &'a Node>>,
}

impl<'a> Lookup<'a> {
    pub fn new(tree: &'a Node) -> Self {
        let mut maps = std::collections::HashMap::new();
        let mut stack = vec![tree];
        while let Some(node) = stack.pop() {
            match &node.value {
                Value::Map(entries) => {
                    let mut keys = std::collections::HashMap::with_capacity(entries.len());
                    for (key, value) in entries {
                        if let Some(text) = key.key_text() {
                            keys.entry(text).or_insert(value);
                        }
                        stack.push(value);
                    }
                    maps.insert(std::ptr::from_ref(node), keys);
                }
                Value::Seq(items) => stack.extend(items),
                _ => {}
            }
        }
        Lookup { maps }
    }

    /// The node at a dotted `entry` below `tree` (a node of the indexed tree): what
    /// [`entry`] returns.
    pub fn entry(&self, tree: &'a Node, entry: &str) -> Option<&'a Node> {
        entry.split('.').try_fold(tree, |node, key| {
            self.maps.get(&std::ptr::from_ref(node))?.get(key).copied()
        })
    }
}

/// Writes each versioned component's chart version and image tag into `model`.
/// `files` maps paths relative to the spec's folder to their text.
pub fn apply(
    model: &mut Model,
    loaded: &Loaded,
    files: &BTreeMap<String, String>,
) -> Result<(), Vec<Diagnostic>> {
    let spec = &loaded.spec;
    let image_problems = image_name_problems(loaded);
    let Some(versions) = &spec.versions else {
        let stray: Vec<Diagnostic> = spec
            .components
            .iter()
            .enumerate()
            .filter(|(_, c)| c.version.is_some() || !c.kustomize_images.is_empty())
            .map(|(i, c)| {
                Diagnostic::new(
                    &loaded.file,
                    if c.version.is_some() {
                        field_pos(loaded, i, "version")
                    } else {
                        key_pos(loaded, i, "kustomizeImages")
                    },
                    if c.version.is_some() {
                        format!(
                            "`{}` names a version entry, but the spec has no `versions`",
                            c.name
                        )
                    } else {
                        format!(
                            "`{}` has `kustomizeImages`, but the spec has no `versions`",
                            c.name
                        )
                    },
                )
                .help("add `versions: {path: \"versions/{{ env }}.yaml\"}` at the top level")
            })
            .chain(image_problems)
            .collect();
        return if stray.is_empty() { Ok(()) } else { Err(stray) };
    };
    let mut problems = image_problems;
    // Each environment's file parsed once, and indexed once for the components' lookups.
    let parsed: BTreeMap<String, Option<Result<Node, Diagnostic>>> = model
        .environments
        .iter()
        .map(|env| {
            let path = for_env(&versions.path, &env.name);
            let tree = files
                .get(&path)
                .map(|text| crate::load::yaml::parse(&path, text));
            (path, tree)
        })
        .collect();
    let lookups: BTreeMap<&str, Lookup<'_>> = parsed
        .iter()
        .filter_map(|(path, tree)| match tree {
            Some(Ok(tree)) => Some((path.as_str(), Lookup::new(tree))),
            _ => None,
        })
        .collect();
    let by_name = spec.component_indexes();
    // Each fleet component's members per environment, for `members.<member>` pins; and
    // which (fleet component, environment) had its `members` checked.
    let mut fleet_members: BTreeMap<(&str, usize), Vec<&str>> = BTreeMap::new();
    for c in &spec.components {
        let Some(of) = &c.member_of else { continue };
        // The model's components are sorted by name.
        let Ok(m) = model
            .components
            .binary_search_by(|x| x.name.as_str().cmp(&c.name))
        else {
            continue;
        };
        for (e, instance) in model.components[m].instances.iter().enumerate() {
            if instance.is_some() {
                fleet_members
                    .entry((of.component.as_str(), e))
                    .or_default()
                    .push(of.member.as_str());
            }
        }
    }
    let mut checked: std::collections::BTreeSet<(String, usize)> =
        std::collections::BTreeSet::new();
    for component in &mut model.components {
        let Some(&i) = by_name.get(component.name.as_str()) else {
            continue;
        };
        let c = &spec.components[i];
        let Some(name) = &c.version else { continue };
        for (e, instance) in component.instances.iter_mut().enumerate() {
            let Some(instance) = instance else { continue };
            let env = &model.environments[e].name;
            let path = for_env(&versions.path, env);
            let tree = match parsed.get(&path).and_then(Option::as_ref) {
                Some(Ok(tree)) => tree,
                Some(Err(problem)) => {
                    // Where the file breaks, so the message is useful from the spec's side.
                    let why = format!(
                        " ({path}:{}:{}: {})",
                        problem.pos.line, problem.pos.column, problem.message
                    );
                    problems.push(
                        Diagnostic::new(
                            &loaded.file,
                            field_pos(loaded, i, "version"),
                            format!(
                                "`{}` takes its versions from {path}, which is not valid YAML{why}",
                                c.name
                            ),
                        )
                        .help(format!("fix {path}")),
                    );
                    continue;
                }
                None => {
                    problems.push(
                        Diagnostic::new(
                            &loaded.file,
                            field_pos(loaded, i, "version"),
                            format!(
                                "`{}` takes its versions from {path}, which is missing",
                                c.name
                            ),
                        )
                        .help(format!(
                            "create {path} next to the spec, with the entry `{name}` and its {}",
                            if c.kustomize_images.is_empty() {
                                "`chartVersion`"
                            } else {
                                "image tags"
                            }
                        )),
                    );
                    continue;
                }
            };
            let node = lookups.get(path.as_str()).and_then(|l| l.entry(tree, name));
            // A fleet member's own pins (a canary node): `<entry>.members.<member>`.
            let own = c.member_of.as_ref().and_then(|m| {
                node.and_then(|n| n.get("members"))
                    .and_then(|members| members.get(&m.member))
            });
            if let (Some(of), Some(members)) = (&c.member_of, node.and_then(|n| n.get("members")))
                && checked.insert((of.component.clone(), e))
            {
                let known = fleet_members.get(&(of.component.as_str(), e));
                problems.extend(unknown_members(loaded, i, members, &path, name, env, known));
            }
            let pin = Pin {
                loaded,
                c,
                i,
                node,
                own,
                path: &path,
                name,
            };
            if c.kustomize_images.is_empty() {
                pin.chart(instance, &mut problems);
            } else {
                pin.kustomize_images(instance, &mut problems);
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        crate::diagnostic::sort(&mut problems);
        problems.dedup_by(|a, b| a.message == b.message);
        Err(problems)
    }
}

#[cfg(test)]
mod tests;
