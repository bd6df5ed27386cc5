//! Version files: the one source of truth for chart versions and image tags (seed 004's
//! `versions/<env>.yaml`), written into the output.
//!
//! Seed 004's promotion script patches the versions file and, in the same commit, the
//! `targetRevision` of every Application by hand, because an ApplicationSet cannot read
//! a chart version from a values file. Here a component names its entry (`version:
//! dlt-node.vault`); ladder reads the entry's `chartVersion` into the chart source's
//! `targetRevision` and its `imageTag` into the Helm parameter the component names
//! (`imageParameter`), environment by environment. A promotion is then one file change
//! plus `ladder build` (`crate::promote` makes the file change).
//!
//! The CLI reads the files and passes their text in; this module does no I/O.

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;
use crate::load::Loaded;
use crate::model::Model;
use crate::yaml::{Node, PathSeg, Value};

/// `template` with `{{ env }}` (or `{{env}}`) replaced by `env`: the path of one
/// environment's file or folder.
pub fn for_env(template: &str, env: &str) -> String {
    template.replace("{{ env }}", env).replace("{{env}}", env)
}

/// The node at a dotted `entry` (`dlt-node.vault`) of a versions tree.
pub fn entry<'a>(tree: &'a Node, entry: &str) -> Option<&'a Node> {
    entry.split('.').try_fold(tree, |node, key| node.get(key))
}

/// A pin's text: a string (`1.2.0`), or a whole number written unquoted. A number with a
/// fraction is refused (`Err` with its line and column): YAML reads `1.10` as 1.1, and
/// the pin would silently name another version.
fn pin_text(node: &Node) -> Option<Result<String, (u32, u32)>> {
    match &node.value {
        Value::Str(s) => Some(Ok(s.clone())),
        Value::Int(i) => Some(Ok(i.to_string())),
        Value::Float(_) => Some(Err((node.pos.line, node.pos.column))),
        _ => None,
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
    let Some(versions) = &spec.versions else {
        let stray: Vec<Diagnostic> = spec
            .components
            .iter()
            .enumerate()
            .filter(|(_, c)| c.version.is_some())
            .map(|(i, c)| {
                Diagnostic::new(
                    &loaded.file,
                    loaded
                        .tree
                        .lookup(&[
                            PathSeg::Key("components"),
                            PathSeg::Index(i),
                            PathSeg::Key("version"),
                        ])
                        .pos,
                    format!(
                        "`{}` names a version entry, but the spec has no `versions`",
                        c.name
                    ),
                )
                .help("add `versions: {path: \"versions/{{ env }}.yaml\"}` at the top level")
            })
            .collect();
        return if stray.is_empty() { Ok(()) } else { Err(stray) };
    };
    let mut problems = Vec::new();
    let mut parsed: BTreeMap<String, Option<Result<Node, Diagnostic>>> = BTreeMap::new();
    let by_name: BTreeMap<&str, usize> = spec
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect();
    for component in &mut model.components {
        let Some(&i) = by_name.get(component.name.as_str()) else {
            continue;
        };
        let c = &spec.components[i];
        let Some(name) = &c.version else { continue };
        let at = |field: &'static str| {
            loaded
                .tree
                .lookup(&[
                    PathSeg::Key("components"),
                    PathSeg::Index(i),
                    PathSeg::Key(field),
                ])
                .pos
        };
        for (e, instance) in component.instances.iter_mut().enumerate() {
            let Some(instance) = instance else { continue };
            let env = &model.environments[e].name;
            let path = for_env(&versions.path, env);
            let tree = parsed
                .entry(path.clone())
                .or_insert_with(|| files.get(&path).map(|text| crate::yaml::parse(&path, text)));
            let tree = match tree {
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
                            at("version"),
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
                            at("version"),
                            format!(
                                "`{}` takes its versions from {path}, which is missing",
                                c.name
                            ),
                        )
                        .help(format!(
                            "create {path} next to the spec, with the entry `{name}` and its `chartVersion`"
                        )),
                    );
                    continue;
                }
            };
            let unquoted = |field: &str, (line, column): (u32, u32)| {
                Diagnostic::new(
                    &loaded.file,
                    at("version"),
                    format!(
                        "{path}:{line}:{column}: `{name}.{field}` is an unquoted number, which YAML reads as a float (`1.10` is 1.1)"
                    ),
                )
                .help(format!("quote the value in {path}, e.g. \"1.10\""))
            };
            let node = entry(tree, name);
            let chart = match node.and_then(|n| n.get("chartVersion")).and_then(pin_text) {
                Some(Err(at)) => {
                    problems.push(unquoted("chartVersion", at));
                    continue;
                }
                chart => chart.and_then(Result::ok),
            };
            let Some(chart) = chart else {
                problems.push(
                    Diagnostic::new(
                        &loaded.file,
                        at("version"),
                        format!("{path} has no `{name}.chartVersion` for `{}`", c.name),
                    )
                    .help(format!("add it to {path}, or fix the entry name")),
                );
                continue;
            };
            if instance
                .sources
                .iter()
                .filter(|s| s.chart.is_some())
                .count()
                > 1
            {
                problems.push(
                    Diagnostic::new(
                        &loaded.file,
                        at("version"),
                        format!(
                            "`{}` has several Helm chart sources; its version entry would set only the first one's `targetRevision`",
                            c.name
                        ),
                    )
                    .help("split the charts into components of their own, each with its own `version`"),
                );
                continue;
            }
            let Some(source) = instance.sources.iter_mut().find(|s| s.chart.is_some()) else {
                problems.push(
                    Diagnostic::new(
                        &loaded.file,
                        at("version"),
                        format!(
                            "`{}` has a version entry but no Helm chart source for it",
                            c.name
                        ),
                    )
                    .help("give the component a `chart` source, or remove `version`"),
                );
                continue;
            };
            source.target_revision = chart;
            if let Some(parameter) = &c.image_parameter {
                let tag = node.and_then(|n| n.get("imageTag")).and_then(pin_text);
                match tag {
                    Some(Ok(tag)) => source.parameters.push((parameter.clone(), tag)),
                    Some(Err(at)) => problems.push(unquoted("imageTag", at)),
                    None => problems.push(
                        Diagnostic::new(
                            &loaded.file,
                            at("imageParameter"),
                            format!(
                                "{path} has no `{name}.imageTag` for `{}`'s `{parameter}`",
                                c.name
                            ),
                        )
                        .help(format!("add it to {path}, or remove `imageParameter`")),
                    ),
                }
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
