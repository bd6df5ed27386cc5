//! ApplicationSet template strings rendered against one parameter set, in Argo CD's two
//! forms (`applicationset/utils/utils.go` `Replace`): fasttemplate `{{key}}` (the
//! default: a string parameter looked up as written, `path[0]` and `values.x` included;
//! any other tag stays in the text as written) and, with `goTemplate: true`, Go's
//! `{{ .a.b }}` and `{{ index .a.b 1 }}`. Anything else in a Go template (functions,
//! pipelines, a parameter the set lacks) is `None`: not evaluated, never guessed.

use crate::diagnostic::Pos;
use crate::load::yaml::{Node, Value};

/// Renders one template string against a parameter set; `None` when it uses anything
/// beyond parameter references, or a parameter the set lacks (Go templates), or is not a
/// template the controller can parse (fasttemplate: a `{{` left open after a tag).
pub(super) fn render(text: &str, params: &Node, go: bool) -> Option<String> {
    // fasttemplate runs only on a line with `{{` before `}}` (`isTemplatedRegex`).
    if !go
        && !text
            .lines()
            .any(|l| l.find("{{").is_some_and(|at| l[at..].contains("}}")))
    {
        return Some(text.to_owned());
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}")?;
        let tag = &after[..end];
        if go {
            out.push_str(&go_action(tag.trim(), params)?);
        } else {
            fast_tag(tag, params, &mut out);
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Some(out)
}

/// A fasttemplate tag: the string parameter named as written (flat parameter sets:
/// `path.basename`, `path[1]`, `values.x`); any other tag stays as it was written
/// (`Render.Replace`).
fn fast_tag(tag: &str, params: &Node, out: &mut String) {
    let trimmed = tag.trim();
    match params.get(trimmed).map(|v| &v.value) {
        Some(Value::Str(s)) if !trimmed.is_empty() => out.push_str(s),
        _ => {
            out.push_str("{{");
            out.push_str(tag);
            out.push_str("}}");
        }
    }
}

/// A Go template action that only reads a parameter: `.a.b` or `index .a.b N`
/// (`N` a list index or a quoted key).
fn go_action(action: &str, params: &Node) -> Option<String> {
    let words: Vec<&str> = action.split_whitespace().collect();
    match words.as_slice() {
        [field] => scalar_text(go_field(field, params)?),
        ["index", field, keys @ ..] if !keys.is_empty() => {
            let mut node = go_field(field, params)?;
            for key in keys {
                node = match key.parse::<usize>() {
                    Ok(i) => node.at(i)?,
                    Err(_) => node.get(key.strip_prefix('"')?.strip_suffix('"')?)?,
                };
            }
            scalar_text(node)
        }
        _ => None,
    }
}

/// `.a.b`: the nested parameter, Go identifiers only.
fn go_field<'a>(field: &str, params: &'a Node) -> Option<&'a Node> {
    let path = field.strip_prefix('.')?;
    let mut node = params;
    for part in path.split('.') {
        let ident = !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !ident {
            return None;
        }
        node = node.get(part)?;
    }
    Some(node)
}

/// The text of a scalar as a template prints it: numbers as Go prints the `float64`
/// JSON gives (`%v`: `1e+06`, `0.5`).
pub(super) fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Seq(_) | Value::Map(_) => None,
        #[expect(
            clippy::cast_precision_loss,
            reason = "Go holds JSON numbers as float64"
        )]
        Value::Int(i) => Some(go_float(*i as f64)),
        Value::Float(f) => Some(go_float(*f)),
        _ => node.key_text(),
    }
}

/// Go's `%v` of a `float64` (`strconv.FormatFloat(f, 'g', -1, 64)`): the shortest
/// digits, in exponent form when the exponent is below -4 or at least 6 (`ftoa.go`:
/// "if precision was the shortest possible, use precision 6 for this decision").
fn go_float(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN".into()
        } else if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    // `{:e}` gives the shortest digits that round-trip, as `d.ddde±x`.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        format!("{f}")
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

/// `node` with every string that holds `{{` rendered against `params`, as Argo CD
/// renders a matrix's second generator with each parameter set of the first;
/// `None` when one cannot be rendered.
pub(super) fn interpolate(node: &Node, params: &Node, go: bool) -> Option<Node> {
    let value = match &node.value {
        Value::Str(s) if s.contains("{{") => Value::Str(render(s, params, go)?),
        Value::Seq(items) => Value::Seq(
            items
                .iter()
                .map(|i| interpolate(i, params, go))
                .collect::<Option<_>>()?,
        ),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| Some((k.clone(), interpolate(v, params, go)?)))
                .collect::<Option<_>>()?,
        ),
        other => other.clone(),
    };
    Some(Node {
        value,
        pos: node.pos,
    })
}

/// A string node at `pos`.
pub(super) fn text(s: &str, pos: Pos) -> Node {
    Node {
        value: Value::Str(s.to_owned()),
        pos,
    }
}

/// A mapping node of (key, value) at `pos`.
pub(super) fn map(entries: Vec<(String, Node)>, pos: Pos) -> Node {
    Node {
        value: Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (text(&k, pos), v))
                .collect(),
        ),
        pos,
    }
}

/// `base` with `over`'s entries set on it: mappings merged key by key, anything else
/// replaced (mergo's `WithOverride`, as Argo CD merges Go-template parameter sets). An
/// empty string, `false`, `0` or `null` replaces too: in a `map[string]any` every value
/// is an interface, which mergo v1.0.2 `deepMerge` sets whenever it overrides; only its
/// struct fields keep their value against an empty one.
pub(super) fn merge(base: &mut Node, over: &Node) {
    let (Value::Map(entries), Value::Map(over_entries)) = (&mut base.value, &over.value) else {
        *base = over.clone();
        return;
    };
    for (k, v) in over_entries {
        match entries
            .iter_mut()
            .find(|(bk, _)| bk.key_text() == k.key_text())
        {
            Some((_, bv)) => merge(bv, v),
            None => entries.push((k.clone(), v.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element() -> Node {
        crate::load::yaml::parse(
            "t",
            "env: dev\nn: 3\nnested: {phase: \"10\"}\npath[1]: web\nsegments: [a, b]\n",
        )
        .unwrap()
    }

    #[test]
    fn both_template_forms_render_parameters() {
        let e = element();
        assert_eq!(render("app-{{env}}", &e, false).as_deref(), Some("app-dev"));
        assert_eq!(render("{{ env }}-x", &e, false).as_deref(), Some("dev-x"));
        assert_eq!(render("{{path[1]}}", &e, false).as_deref(), Some("web"));
        assert_eq!(
            render("app-{{ .env }}", &e, true).as_deref(),
            Some("app-dev")
        );
        assert_eq!(render("{{.nested.phase}}", &e, true).as_deref(), Some("10"));
        assert_eq!(render("{{ .n }}", &e, true).as_deref(), Some("3"));
        assert_eq!(
            render("{{ index .segments 1 }}", &e, true).as_deref(),
            Some("b")
        );
        assert_eq!(
            render("{{ index .nested \"phase\" }}", &e, true).as_deref(),
            Some("10")
        );
    }

    /// Regression: fasttemplate keeps a tag it has no string parameter for as written
    /// (Argo CD's `Replace`), where ladder used to give up on the whole ApplicationSet.
    #[test]
    fn fasttemplate_keeps_unknown_and_non_string_tags_as_written() {
        let e = element();
        assert_eq!(
            render("{{missing}}-{{ n }}", &e, false).as_deref(),
            Some("{{missing}}-{{ n }}")
        );
        assert_eq!(
            render("{{nested.phase}}", &e, false).as_deref(),
            Some("{{nested.phase}}")
        );
        assert_eq!(render("{{env", &e, false).as_deref(), Some("{{env"));
        assert_eq!(render("{{}}", &e, false).as_deref(), Some("{{}}"));
    }

    #[test]
    fn what_cannot_be_evaluated_is_none() {
        let e = element();
        assert_eq!(render("{{ .missing }}", &e, true), None);
        assert_eq!(render("{{ .env | upper }}", &e, true), None);
        assert_eq!(render("{{ env }}", &e, true), None);
        assert_eq!(render("{{ .env", &e, true), None);
        assert_eq!(render("{{env}} {{x", &e, false), None);
        assert_eq!(render("{{ index .segments 5 }}", &e, true), None);
        assert_eq!(render("{{ .path-x }}", &e, true), None);
    }

    /// Regression: numbers print as Go prints the float64 JSON gives, not as written.
    #[test]
    fn numbers_print_as_go_prints_them() {
        for (n, go) in [
            (3.0, "3"),
            (0.5, "0.5"),
            (123_456.0, "123456"),
            (1_000_000.0, "1e+06"),
            (1_234_567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.000_01, "1e-05"),
            (-2.5e30, "-2.5e+30"),
        ] {
            assert_eq!(go_float(n), go, "{n}");
        }
    }

    #[test]
    fn go_parameter_sets_merge_deeply_and_the_override_wins() {
        let mut base = crate::load::yaml::parse("t", "a: {x: 1, y: 2}\nb: 1\n").unwrap();
        let over = crate::load::yaml::parse("t", "a: {y: 3}\nc: 4\n").unwrap();
        merge(&mut base, &over);
        let get = |k: &str, j: &str| base.get(k).and_then(|n| n.get(j)).and_then(scalar_text);
        assert_eq!(get("a", "x").as_deref(), Some("1"));
        assert_eq!(get("a", "y").as_deref(), Some("3"));
        assert_eq!(base.get("c").and_then(scalar_text).as_deref(), Some("4"));
    }
}
