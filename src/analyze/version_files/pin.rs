//! One component's pins in one environment's version file, read into its sources.

use crate::analyze::model::Parameter;
use crate::diagnostic::Diagnostic;
use crate::load::Loaded;
use crate::load::yaml::{Node, PathSeg, Value};

/// One versioned component's entry in one environment's version file.
pub(super) struct Pin<'a> {
    pub(super) loaded: &'a Loaded,
    pub(super) c: &'a crate::load::spec::Component,
    /// The component's index in the spec.
    pub(super) i: usize,
    /// The entry, if the file has it.
    pub(super) node: Option<&'a Node>,
    /// For a fleet member, its own pins in the entry (`members.<member>`), which win
    /// over the entry's.
    pub(super) own: Option<&'a Node>,
    /// The version file, relative to the spec's folder.
    pub(super) path: &'a str,
    /// The entry's dotted name.
    pub(super) name: &'a str,
}

impl<'a> Pin<'a> {
    /// The pin `key`: the member's own, else the entry's.
    fn field(&self, key: &str) -> Option<&'a Node> {
        self.own
            .and_then(|o| o.get(key))
            .or_else(|| self.node.and_then(|n| n.get(key)))
    }

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
    pub(super) fn chart(
        &self,
        instance: &mut crate::analyze::model::Instance,
        problems: &mut Vec<Diagnostic>,
    ) {
        let Pin {
            loaded,
            c,
            i,
            node: _,
            own: _,
            path,
            name,
        } = *self;
        let chart = match self.field("chartVersion").and_then(pin_text) {
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
            let tag = self.field("imageTag").and_then(pin_text);
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
    pub(super) fn kustomize_images(
        &self,
        instance: &mut crate::analyze::model::Instance,
        problems: &mut Vec<Diagnostic>,
    ) {
        let Pin {
            loaded,
            c,
            i,
            node: _,
            own: _,
            path,
            name,
        } = *self;
        let images_at = key_pos(loaded, i, "kustomizeImages");
        let kustomize = instance
            .sources
            .iter()
            .position(|s| s.path.is_some() && !s.is_helm() && !s.is_plugin_or_directory());
        let Some(k) = kustomize.filter(|_| instance.sources.iter().all(|s| s.chart.is_none()))
        else {
            problems.push(
            Diagnostic::new(
                &loaded.file,
                images_at,
                format!(
                    "`{}` has `kustomizeImages` but no kustomize source (a git `path` that neither Helm nor a plugin renders)",
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
            let value = self.field(key);
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
        // After the spec's own `kustomize.images` (none names the same image).
        instance.sources[k].kustomize_images.extend(images);
    }
}

/// Keys of an entry's `members` mapping that are not members of the fleet in `env`
/// (`known`): a misspelt canary would otherwise get the shared pins without a word.
pub(super) fn unknown_members(
    loaded: &Loaded,
    i: usize,
    members: &Node,
    path: &str,
    name: &str,
    env: &str,
    known: Option<&Vec<&str>>,
) -> Vec<Diagnostic> {
    let known: &[&str] = known.map_or(&[], Vec::as_slice);
    let Value::Map(entries) = &members.value else {
        return vec![
            Diagnostic::new(
                &loaded.file,
                field_pos(loaded, i, "version"),
                format!(
                    "{path}:{}:{}: `{name}.members` must map member names to their own pins",
                    members.pos.line, members.pos.column
                ),
            )
            .help("write `members: {<member>: {chartVersion: \"…\"}}`"),
        ];
    };
    entries
        .iter()
        .filter_map(|(key, value)| {
            let member = key.key_text()?;
            if known.contains(&member.as_str()) {
                // A member's pins are a mapping like the entry's.
                return (!matches!(value.value, Value::Map(_))).then(|| {
                    Diagnostic::new(
                        &loaded.file,
                        field_pos(loaded, i, "version"),
                        format!(
                            "{path}:{}:{}: `{name}.members.{member}` must be a mapping of pins",
                            value.pos.line, value.pos.column
                        ),
                    )
                    .help(format!("write `{member}: {{chartVersion: \"…\"}}`"))
                });
            }
            let help = crate::diagnostic::did_you_mean(&member, known.iter().copied())
                .unwrap_or_else(|| format!("the members in `{env}` are {}", known.join(", ")));
            Some(
                Diagnostic::new(
                    &loaded.file,
                    field_pos(loaded, i, "version"),
                    format!(
                        // Where the key is, not what it is (as for image tags).
                        "{path}:{}:{}: this key of `{name}.members` is not a member of the fleet in `{env}`",
                        key.pos.line, key.pos.column
                    ),
                )
                .help(help),
            )
        })
        .collect()
}

/// A container image tag as the OCI distribution spec defines it:
/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub(super) fn is_image_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && tag.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// An image name for `kustomize.images`: registry host (with port), path, no tag or
/// digest (the tag comes from the version file) and no `old=new` rename.
pub(super) fn is_image_name(name: &str) -> bool {
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
pub(super) fn image_name_problems(loaded: &Loaded) -> Vec<Diagnostic> {
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

/// A pin's text: a string (`1.2.0`), or a whole number written unquoted. A number with a
/// fraction is refused (`Err` with its line and column): YAML reads `1.10` as 1.1, and
/// the pin would silently name another version.
pub(super) fn pin_text(node: &Node) -> Option<Result<String, (u32, u32)>> {
    match &node.value {
        Value::Str(s) => Some(Ok(s.clone())),
        Value::Int(i) => Some(Ok(i.to_string())),
        Value::Float(_) => Some(Err((node.pos.line, node.pos.column))),
        _ => None,
    }
}

/// The position of `components[i].<path…>`.
pub(super) fn pos(loaded: &Loaded, i: usize, path: &[PathSeg<'_>]) -> crate::diagnostic::Pos {
    let mut full = vec![PathSeg::Key("components"), PathSeg::Index(i)];
    full.extend_from_slice(path);
    loaded.tree.lookup(&full).pos
}

/// The position of `components[i].<field>`'s value.
pub(super) fn field_pos(loaded: &Loaded, i: usize, field: &str) -> crate::diagnostic::Pos {
    pos(loaded, i, &[PathSeg::Key(field)])
}

/// The position of the key `components[i].<field>` (for a map-valued field).
pub(super) fn key_pos(loaded: &Loaded, i: usize, field: &str) -> crate::diagnostic::Pos {
    pos(loaded, i, &[PathSeg::KeyOf(field)])
}
