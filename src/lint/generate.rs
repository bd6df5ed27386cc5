//! Which Applications an ApplicationSet generates, as far as ladder can tell offline.
//!
//! Only `list` generators are evaluated: each element is rendered into
//! `template.metadata.name` and `template.metadata.labels`, with Argo CD's two template
//! forms: fasttemplate `{{key}}` (the default; nested keys as `{{a.b}}`) and, with
//! `goTemplate: true`, Go's `{{ .key }}`. Anything else (git, cluster, matrix
//! generators, template functions or pipelines) is reported as not evaluated rather than
//! guessed.

use indexmap::IndexMap;

use crate::diagnostic::Pos;
use crate::load::yaml::{Node, Value};

/// One generated Application: its name, labels and the list element it came from.
#[derive(Debug, Clone)]
pub(super) struct Generated {
    pub name: String,
    pub labels: IndexMap<String, String>,
    pub pos: Pos,
}

/// The Applications of an ApplicationSet, or why they cannot be known (and where).
pub(super) fn generated(appset: &Node) -> Result<Vec<Generated>, (Pos, String)> {
    let spec = appset.get("spec");
    let go = spec
        .and_then(|s| s.get("goTemplate"))
        .is_some_and(|g| g.value == Value::Bool(true));
    let template = spec.and_then(|s| s.get("template"));
    let metadata = template.and_then(|t| t.get("metadata"));
    let Some(Node {
        value: Value::Seq(generators),
        ..
    }) = spec.and_then(|s| s.get("generators"))
    else {
        let pos = spec.map_or(appset.pos, |s| s.pos);
        return Err((pos, "it has no `spec.generators` list".into()));
    };
    let mut apps = Vec::new();
    for generator in generators {
        let Value::Map(entries) = &generator.value else {
            return Err((generator.pos, "a generator is not a mapping".into()));
        };
        for (key, value) in entries {
            let kind = key.key_text().unwrap_or_default();
            if kind == "selector" {
                return Err((key.pos, "a generator has a `selector`".into()));
            }
            if kind != "list" {
                return Err((key.pos, format!("it uses a `{kind}` generator")));
            }
            let Some(Node {
                value: Value::Seq(elements),
                ..
            }) = value.get("elements")
            else {
                return Err((
                    value.pos,
                    "its list generator has no literal `elements` (e.g. `elementsYaml`)".into(),
                ));
            };
            if value.get("template").is_some() {
                return Err((
                    value.pos,
                    "its list generator has its own `template`".into(),
                ));
            }
            for element in elements {
                apps.push(generate(element, metadata, go)?);
            }
        }
    }
    Ok(apps)
}

fn generate(element: &Node, metadata: Option<&Node>, go: bool) -> Result<Generated, (Pos, String)> {
    let render_at = |node: &Node| {
        let text = scalar_text(node).ok_or_else(|| {
            (
                node.pos,
                format!("a template value is {}, not a string", node.value.kind()),
            )
        })?;
        render(&text, element, go).ok_or_else(|| {
            (
                node.pos,
                format!("ladder cannot evaluate the template `{text}`"),
            )
        })
    };
    let name = match metadata.and_then(|m| m.get("name")) {
        Some(n) => render_at(n)?,
        None => String::new(),
    };
    let mut labels = IndexMap::new();
    if let Some(Node {
        value: Value::Map(entries),
        ..
    }) = metadata.and_then(|m| m.get("labels"))
    {
        for (k, v) in entries {
            labels.insert(render_at(k)?, render_at(v)?);
        }
    }
    Ok(Generated {
        name,
        labels,
        pos: element.pos,
    })
}

/// The text of a scalar as Argo CD would see it in a label.
fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Seq(_) | Value::Map(_) => None,
        _ => node.key_text(),
    }
}

/// Renders one template string against a list element; `None` when it uses anything
/// beyond plain parameter references, or a parameter the element lacks.
pub(super) fn render(text: &str, element: &Node, go: bool) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}")?;
        let inner = after[..end].trim();
        let path = if go { inner.strip_prefix('.')? } else { inner };
        let simple = !path.is_empty()
            && path.split('.').all(|p| {
                !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || "_-".contains(c))
            });
        if !simple || (go && path.contains('-')) {
            return None;
        }
        out.push_str(&lookup(element, path)?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Some(out)
}

/// A parameter of an element: a top-level key, or a nested one as `a.b`.
fn lookup(element: &Node, path: &str) -> Option<String> {
    if let Some(v) = element.get(path) {
        return scalar_text(v);
    }
    let mut node = element;
    for part in path.split('.') {
        node = node.get(part)?;
    }
    scalar_text(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element() -> Node {
        crate::load::yaml::parse("t", "env: dev\nn: 3\nnested: {phase: \"10\"}\n").unwrap()
    }

    #[test]
    fn both_template_forms_render_parameters() {
        let e = element();
        assert_eq!(render("app-{{env}}", &e, false).as_deref(), Some("app-dev"));
        assert_eq!(
            render("{{ env }}-{{n}}", &e, false).as_deref(),
            Some("dev-3")
        );
        assert_eq!(render("{{nested.phase}}", &e, false).as_deref(), Some("10"));
        assert_eq!(
            render("app-{{ .env }}", &e, true).as_deref(),
            Some("app-dev")
        );
        assert_eq!(render("{{.nested.phase}}", &e, true).as_deref(), Some("10"));
    }

    #[test]
    fn what_cannot_be_evaluated_is_none() {
        let e = element();
        assert_eq!(render("{{missing}}", &e, false), None);
        assert_eq!(render("{{ .env | upper }}", &e, true), None);
        assert_eq!(render("{{ env }}", &e, true), None);
        assert_eq!(render("{{env", &e, false), None);
    }
}
