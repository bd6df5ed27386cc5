//! The template engine: ladder's templates, embedded in the binary, or a user's
//! overrides of them, in one sandboxed minijinja environment (no loader beyond these
//! templates, no environment or files, strict undefined, a fuel budget). Every value a
//! template interpolates goes through the `yaml` filter: one scalar, quoted where a
//! YAML 1.1 reader would misread it.

use std::collections::BTreeMap;

use minijinja::value::Value as JValue;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use serde_json::Value as Json;

use crate::analyze::model::Model;

/// The embedded templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "applicationset.yaml.j2",
        include_str!("../../templates/applicationset.yaml.j2"),
    ),
    (
        "appproject.yaml.j2",
        include_str!("../../templates/appproject.yaml.j2"),
    ),
    (
        "argocd-cmd-params-cm.yaml.j2",
        include_str!("../../templates/argocd-cmd-params-cm.yaml.j2"),
    ),
    ("root.yaml.j2", include_str!("../../templates/root.yaml.j2")),
    (
        "application.yaml.j2",
        include_str!("../../templates/application.yaml.j2"),
    ),
    (
        "app-of-apps-root.yaml.j2",
        include_str!("../../templates/app-of-apps-root.yaml.j2"),
    ),
    (
        "argocd-cm.yaml.j2",
        include_str!("../../templates/argocd-cm.yaml.j2"),
    ),
];

/// Templates a user supplies in place of the embedded ones (`ladder build --templates DIR`):
/// template name (e.g. `root.yaml.j2`) to source. They run in the same sandbox as the
/// embedded ones: no loader, so `include` reaches only these templates; no access to
/// files or the environment; strict undefined; and a fuel budget that bounds loops.
pub type Overrides = BTreeMap<String, String>;

/// A template that failed, and what it was rendering.
#[derive(Debug)]
pub struct RenderError {
    /// The template's name (an override's file name, or an embedded template's).
    pub template: String,
    /// 1-based line in the template, when known.
    pub line: Option<usize>,
    pub message: String,
    /// What was being rendered: the file and the environments (and so components) in it.
    pub rendering: String,
}

/// The fuel of one render: at most this many instructions, and about 64 times as many
/// bytes of data.
pub const RENDER_FUEL: u64 = 2_000_000;

/// The most one rendered file may hold: over ten times what etcd stores for any object.
pub const MAX_RENDERED_BYTES: usize = 16 << 20;

/// The names of the templates a user may override.
pub fn template_names() -> impl Iterator<Item = &'static str> {
    TEMPLATES.iter().map(|(name, _)| *name)
}

pub(super) fn environment(
    model: &Model,
    overrides: &Overrides,
) -> Result<Environment<'static>, RenderError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    // A fixed budget per render, whatever the spec's size: minijinja charges fuel for
    // instructions and for data (one unit per 64 bytes made), and it is the only bound
    // on a template's memory (minijinja 3.1 `Environment::set_fuel`), so a budget that
    // grew with the spec let an override doubling a string reach gigabytes. The embedded
    // templates get their bulk pre-rendered (`block_yaml`), so they need a small part of
    // it at any size ladder accepts (tests/stored_size.rs measures the largest).
    let _ = model;
    env.set_fuel(Some(RENDER_FUEL));
    for (name, source) in TEMPLATES {
        let source = overrides
            .get(*name)
            .map_or(*source, String::as_str)
            .to_owned();
        env.add_template_owned(*name, source)
            .map_err(|e| render_error(&e, name, "the template itself"))?;
    }
    env.add_filter("yaml", yaml_filter);
    env.add_function("go", |key: &str| format!("{{{{ .{key} }}}}"));
    env.add_function("go_json", |key: &str| format!("{{{{ toJson .{key} }}}}"));
    Ok(env)
}

pub(super) fn render_error(e: &Error, template: &str, rendering: &str) -> RenderError {
    RenderError {
        template: e.name().unwrap_or(template).to_owned(),
        line: e.line(),
        message: e
            .detail()
            .map_or_else(|| e.kind().to_string(), str::to_owned),
        rendering: rendering.to_owned(),
    }
}

/// The first RollingSync step whose rendering fails: the shortest prefix of `steps` the
/// ApplicationSet template fails on, found by bisection (only ever on the error path).
pub(super) fn failing_step(
    env: &Environment<'static>,
    ctx: &JValue,
    steps: &[Json],
) -> Option<usize> {
    let fails = |n: usize| {
        let prefix = JValue::from(minijinja::value::Serde(&steps[..n]));
        let ctx = minijinja::context! { steps => prefix, ..ctx.clone() };
        env.get_template("applicationset.yaml.j2")
            .and_then(|t| t.render(ctx))
            .is_err()
    };
    if steps.is_empty() || fails(0) || !fails(steps.len()) {
        return None;
    }
    let (mut ok, mut bad) = (0, steps.len());
    while bad - ok > 1 {
        let mid = ok + (bad - ok) / 2;
        if fails(mid) {
            bad = mid;
        } else {
            ok = mid;
        }
    }
    Some(bad - 1)
}

/// Renders one template with `ctx`, naming the output file and environments on error.
pub(super) fn render_one(
    env: &Environment<'static>,
    name: &str,
    ctx: &JValue,
    file: &str,
    env_names: &[String],
) -> Result<String, RenderError> {
    let rendering = format!("{file} for {}", env_names.join(", "));
    let mut out = Capped(Vec::new());
    let rendered = env
        .get_template(name)
        .and_then(|t| t.render_captured_to(ctx, &mut out).map(drop));
    match rendered {
        Ok(()) => String::from_utf8(out.0).map_err(|_| RenderError {
            template: name.to_owned(),
            line: None,
            message: "the template wrote text that is not UTF-8".into(),
            rendering,
        }),
        Err(e) if e.kind() == ErrorKind::WriteFailure => Err(RenderError {
            line: e.line(),
            message: format!(
                "it wrote more than {} MiB for one file; no Kubernetes object can be that large (etcd stores at most 1.5 MiB)",
                MAX_RENDERED_BYTES >> 20
            ),
            ..render_error(&e, name, &rendering)
        }),
        Err(e) if e.kind() == ErrorKind::OutOfFuel => Err(RenderError {
            line: e.line(),
            message: format!(
                "it did more work than one file may take ({RENDER_FUEL} steps, or about {} MiB of data): a loop or a string that grows without bound",
                (RENDER_FUEL * 64) >> 20
            ),
            ..render_error(&e, name, &rendering)
        }),
        Err(e) => Err(render_error(&e, name, &rendering)),
    }
}

/// A buffer that refuses to grow past [`MAX_RENDERED_BYTES`]: the render stops there.
struct Capped(Vec<u8>);

impl std::io::Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + data.len() > MAX_RENDERED_BYTES {
            return Err(std::io::Error::other("the rendered file is too large"));
        }
        self.0.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One scalar, safe for YAML 1.1 and 1.2 readers.
pub(super) fn yaml_filter(value: &JValue) -> Result<String, Error> {
    if let Some(s) = value.as_str() {
        return Ok(crate::load::yaml::scalar(s));
    }
    if value.kind() == minijinja::value::ValueKind::Bool {
        // minijinja writes booleans as Python does (`True`); YAML's canonical form is lowercase.
        return Ok(value.is_true().to_string());
    }
    if value.is_number() {
        return Ok(value.to_string());
    }
    if value.is_undefined() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            "the yaml filter got an undefined value (a variable this template does not receive)",
        ));
    }
    Err(Error::new(
        ErrorKind::InvalidOperation,
        format!(
            "the yaml filter takes a string, number or boolean, not {}",
            value.kind()
        ),
    ))
}

/// `json` as block YAML emitted by serde-saphyr (which quotes every string a YAML 1.1
/// reader would misread), each line indented by `indent` spaces.
///
/// serde-saphyr (2.1.1) writes a multi-line string as a `|` block, with an indentation
/// indicator only when its first line starts with spaces; one whose first non-empty line
/// starts with a tab (a tab-indented Lua health check) is refused by go-yaml, which
/// kubectl and Argo CD read with ("found a tab character where an indentation space is
/// expected"). Such strings are written double-quoted instead. Output without a tab
/// cannot hold one, so only that output is serialised again.
pub(super) fn block_yaml(value: &impl serde::Serialize, indent: usize) -> Result<String, Error> {
    let options = || {
        serde_saphyr::ser_options! {
            folded_wrap_chars: usize::MAX,
        }
    };
    let error = |e: &dyn std::fmt::Display| Error::new(ErrorKind::InvalidOperation, e.to_string());
    let mut text = serde_saphyr::to_string_with_options(value, options()).map_err(|e| error(&e))?;
    if text.contains('\t') {
        let json = serde_json::to_value(value).map_err(|e| error(&e))?;
        text = serde_saphyr::to_string_with_options(&Styled(&json), options())
            .map_err(|e| error(&e))?;
    }
    let pad = " ".repeat(indent);
    let mut out = String::with_capacity(text.len() + text.lines().count() * indent);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    Ok(out)
}

/// A JSON value serialised with the strings serde-saphyr would write as blocks go-yaml
/// refuses forced into double quotes.
struct Styled<'a>(&'a serde_json::Value);

impl serde::Serialize for Styled<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde_json::Value as Json;
        match self.0 {
            Json::String(t) if block_needs_quotes(t) => {
                serde_saphyr::DoubleQuoted(t.as_str()).serialize(s)
            }
            Json::Array(items) => s.collect_seq(items.iter().map(Styled)),
            Json::Object(map) => s.collect_map(map.iter().map(|(k, v)| (k, Styled(v)))),
            other => other.serialize(s),
        }
    }
}

/// A multi-line string whose first non-empty line starts with a tab.
fn block_needs_quotes(s: &str) -> bool {
    s.contains('\n')
        && s.split('\n')
            .find(|l| !l.is_empty())
            .is_some_and(|l| l.starts_with('\t'))
}
