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

use crate::analyze::model::{Model, Parameter};
use crate::diagnostic::Diagnostic;
use crate::load::Loaded;
use crate::load::yaml::{Node, PathSeg, Value};

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
            let pin = Pin {
                loaded,
                c,
                i,
                node: lookups.get(path.as_str()).and_then(|l| l.entry(tree, name)),
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

/// The position of `components[i].<path…>`.
fn pos(loaded: &Loaded, i: usize, path: &[PathSeg<'_>]) -> crate::diagnostic::Pos {
    let mut full = vec![PathSeg::Key("components"), PathSeg::Index(i)];
    full.extend_from_slice(path);
    loaded.tree.lookup(&full).pos
}

/// The position of `components[i].<field>`'s value.
fn field_pos(loaded: &Loaded, i: usize, field: &str) -> crate::diagnostic::Pos {
    pos(loaded, i, &[PathSeg::Key(field)])
}

/// The position of the key `components[i].<field>` (for a map-valued field).
fn key_pos(loaded: &Loaded, i: usize, field: &str) -> crate::diagnostic::Pos {
    pos(loaded, i, &[PathSeg::KeyOf(field)])
}

/// One versioned component's entry in one environment's version file.
struct Pin<'a> {
    loaded: &'a Loaded,
    c: &'a crate::load::spec::Component,
    /// The component's index in the spec.
    i: usize,
    /// The entry, if the file has it.
    node: Option<&'a Node>,
    /// The version file, relative to the spec's folder.
    path: &'a str,
    /// The entry's dotted name.
    name: &'a str,
}

impl Pin<'_> {
    /// A pin written as an unquoted fractional number, at `(line, column)` of the file.
    fn unquoted(&self, field: &str, (line, column): (u32, u32)) -> Diagnostic {
        let (path, name) = (self.path, self.name);
        Diagnostic::new(
            &self.loaded.file,
            field_pos(self.loaded, self.i, "version"),
            format!(
                "{path}:{line}:{column}: `{name}.{field}` is an unquoted number, which YAML reads as a float (`1.10` is 1.1)"
            ),
        )
        .help(format!("quote the value in {path}, e.g. \"1.10\""))
    }

    /// The entry's `chartVersion` into the chart source's `targetRevision`, its `imageTag`
    /// into the Helm parameter `imageParameter`.
    fn chart(
        &self,
        instance: &mut crate::analyze::model::Instance,
        problems: &mut Vec<Diagnostic>,
    ) {
        let Pin {
            loaded,
            c,
            i,
            node,
            path,
            name,
        } = *self;
        let chart = match node.and_then(|n| n.get("chartVersion")).and_then(pin_text) {
            Some(Err(at)) => {
                problems.push(self.unquoted("chartVersion", at));
                return;
            }
            chart => chart.and_then(Result::ok),
        };
        let Some(chart) = chart else {
            problems.push(
                Diagnostic::new(
                    &loaded.file,
                    field_pos(loaded, i, "version"),
                    format!("{path} has no `{name}.chartVersion` for `{}`", c.name),
                )
                .help(format!("add it to {path}, or fix the entry name")),
            );
            return;
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
                    field_pos(loaded, i, "version"),
                    format!(
                        "`{}` has several Helm chart sources; its version entry would set only the first one's `targetRevision`",
                        c.name
                    ),
                )
                .help("split the charts into components of their own, each with its own `version`"),
            );
            return;
        }
        let Some(source) = instance.sources.iter_mut().find(|s| s.chart.is_some()) else {
            problems.push(
                Diagnostic::new(
                    &loaded.file,
                    field_pos(loaded, i, "version"),
                    format!(
                        "`{}` has a version entry but no Helm chart source for it",
                        c.name
                    ),
                )
                .help(
                    "give the component a `chart` source, or `kustomizeImages` for a kustomize \
                 overlay, or remove `version`",
                ),
            );
            return;
        };
        source.target_revision = chart;
        if let Some(parameter) = &c.image_parameter {
            let tag = node.and_then(|n| n.get("imageTag")).and_then(pin_text);
            match tag {
                // As a string: `--set` would read a tag such as `20241201` or `true` as a
                // number or a boolean (Helm's `strvals`).
                Some(Ok(tag)) => source.parameters.push(Parameter {
                    name: parameter.clone(),
                    value: tag,
                    force_string: true,
                }),
                Some(Err(at)) => problems.push(self.unquoted("imageTag", at)),
                None => problems.push(
                    Diagnostic::new(
                        &loaded.file,
                        field_pos(loaded, i, "imageParameter"),
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

    /// Each `kustomizeImages` name with its tag from the entry, as `name:tag`, into the
    /// kustomize source's `kustomize.images`.
    fn kustomize_images(
        &self,
        instance: &mut crate::analyze::model::Instance,
        problems: &mut Vec<Diagnostic>,
    ) {
        let Pin {
            loaded,
            c,
            i,
            node,
            path,
            name,
        } = *self;
        let images_at = key_pos(loaded, i, "kustomizeImages");
        let kustomize = instance
            .sources
            .iter()
            .position(|s| s.path.is_some() && s.chart.is_none() && s.value_files.is_empty());
        let Some(k) = kustomize.filter(|_| instance.sources.iter().all(|s| s.chart.is_none()))
        else {
            problems.push(
            Diagnostic::new(
                &loaded.file,
                images_at,
                format!(
                    "`{}` has `kustomizeImages` but no kustomize source (a git `path` without a chart)",
                    c.name
                ),
            )
            .help("for a Helm chart, name the tag's parameter in `imageParameter` instead"),
        );
            return;
        };
        let mut images = Vec::new();
        for (image, key) in &c.kustomize_images {
            let at = pos(
                loaded,
                i,
                &[PathSeg::Key("kustomizeImages"), PathSeg::Key(image)],
            );
            let value = node.and_then(|n| n.get(key));
            match value.and_then(pin_text) {
                Some(Err(number)) => problems.push(self.unquoted(key, number)),
                None => problems.push(
                    Diagnostic::new(
                        &loaded.file,
                        at,
                        format!(
                            "{path} has no `{name}.{key}` for `{}`'s image `{image}`",
                            c.name
                        ),
                    )
                    .help(format!("add it to {path}, or fix the key")),
                ),
                Some(Ok(tag)) if !is_image_tag(&tag) => problems.push(
                    Diagnostic::new(
                        &loaded.file,
                        at,
                        // Where the value is, not what it is: a version file read from an
                        // unreviewed branch must not reach the log.
                        format!(
                            "{path}:{}:{}: `{name}.{key}` is not an image tag",
                            value.map_or(0, |v| v.pos.line),
                            value.map_or(0, |v| v.pos.column)
                        ),
                    )
                    .help(
                        "a tag is 1 to 128 letters, digits, `_`, `.` and `-`, not starting with \
                     `.` or `-`",
                    ),
                ),
                Some(Ok(tag)) => images.push(format!("{image}:{tag}")),
            }
        }
        instance.sources[k].kustomize_images = images;
    }
}

/// A container image tag as the OCI distribution spec defines it:
/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn is_image_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && tag.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// An image name for `kustomize.images`: registry host (with port), path, no tag or
/// digest (the tag comes from the version file) and no `old=new` rename.
fn is_image_name(name: &str) -> bool {
    let last = name.rsplit('/').next().unwrap_or(name);
    !name.is_empty()
        && !name.starts_with('/')
        && !name.ends_with('/')
        && !name.contains("//")
        && !last.contains(':')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':'))
}

/// Every `kustomizeImages` key that is not an image name, and every such map on a
/// component without `version`.
fn image_name_problems(loaded: &Loaded) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for (i, c) in loaded.spec.components.iter().enumerate() {
        if c.kustomize_images.is_empty() {
            continue;
        }
        if c.version.is_none() && loaded.spec.versions.is_some() {
            problems.push(
                Diagnostic::new(
                    &loaded.file,
                    key_pos(loaded, i, "kustomizeImages"),
                    format!(
                        "`{}` has `kustomizeImages` but no `version` entry to take the tags from",
                        c.name
                    ),
                )
                .help("add `version: <entry>` naming its entry in the version files"),
            );
        }
        for image in c.kustomize_images.keys() {
            if is_image_name(image) {
                continue;
            }
            let at = pos(
                loaded,
                i,
                &[PathSeg::Key("kustomizeImages"), PathSeg::KeyOf(image)],
            );
            problems.push(
                Diagnostic::new(
                    &loaded.file,
                    at,
                    format!("`{image}` is not an image name for `kustomize.images`"),
                )
                .help(
                    "write the name without tag, digest or `=` (e.g. `ghcr.io/org/app`); the \
                     tag comes from the version file",
                ),
            );
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::{is_image_name, is_image_tag};

    #[test]
    fn image_tags_follow_the_oci_grammar() {
        assert!(is_image_tag("v1.2.0"));
        assert!(is_image_tag("_build-7"));
        assert!(is_image_tag(&"a".repeat(128)));
        assert!(!is_image_tag(&"a".repeat(129)));
        assert!(!is_image_tag(""));
        assert!(!is_image_tag(".hidden"));
        assert!(!is_image_tag("-dash"));
        assert!(!is_image_tag("1.0 beta"));
        assert!(!is_image_tag("sha256:abc"));
    }

    #[test]
    fn image_names_carry_no_tag_digest_or_rename() {
        assert!(is_image_name("nginx"));
        assert!(is_image_name("ghcr.io/org/app"));
        assert!(is_image_name("registry.example.com:5000/org/app"));
        assert!(!is_image_name(""));
        assert!(!is_image_name("org/app:v1"));
        assert!(!is_image_name("org/app@sha256:abc"));
        assert!(!is_image_name("old=new"));
        assert!(!is_image_name("/app"));
        assert!(!is_image_name("org//app"));
    }
}
