//! An ApplicationSet's `templatePatch`, for the Go templates it is written in (Argo CD
//! renders it with each parameter set, then merges it into the rendered template:
//! v3.5.1 `applicationset/utils/template_patch.go` `applyTemplatePatch`, objects key by
//! key and lists replaced).
//!
//! Only the actions patches are made of are evaluated: `{{ .a.b }}`, `{{ toJson .a }}`,
//! `{{ if COND }}` / `{{ else }}` / `{{ end }}` with `hasKey . "k"`, `eq .a "text"` or
//! `.a` as the condition, and `{{-` / `-}}` trimming. Any other action leaves the
//! patch "not evaluated" rather than guessed.

use crate::load::yaml::{Node, Value};

/// The patch `text` rendered against `params`, or the action that could not be.
pub(super) fn render(text: &str, params: &Node) -> Result<String, String> {
    let mut out = String::new();
    // Per open `if`: whether its branch now taken is output, and whether an earlier
    // one was.
    let mut open: Vec<(bool, bool)> = Vec::new();
    let emitting = |open: &[(bool, bool)]| open.iter().all(|(on, _)| *on);
    let mut rest = text;
    let mut trim_next = false;
    while !rest.is_empty() {
        let (literal, action) = match rest.find("{{") {
            Some(at) => (&rest[..at], Some(&rest[at + 2..])),
            None => (rest, None),
        };
        let mut literal = if trim_next {
            literal.trim_start()
        } else {
            literal
        };
        let Some(after) = action else {
            if emitting(&open) {
                out.push_str(literal);
            }
            break;
        };
        let close = after
            .find("}}")
            .ok_or_else(|| "an action that is not closed".to_owned())?;
        let mut inner = &after[..close];
        rest = &after[close + 2..];
        // `{{- ` and ` -}}` trim only with the space (Go's text/template: `{{-3}}` is
        // the number -3).
        if let Some(trimmed) = inner
            .strip_prefix("- ")
            .or_else(|| inner.strip_prefix("-\n"))
        {
            literal = literal.trim_end();
            inner = trimmed;
        }
        trim_next = false;
        if let Some(trimmed) = inner
            .strip_suffix(" -")
            .or_else(|| inner.strip_suffix("\n-"))
        {
            trim_next = true;
            inner = trimmed;
        }
        if emitting(&open) {
            out.push_str(literal);
        }
        let words = words(inner.trim())?;
        match words.as_slice() {
            ["if", cond @ ..] => {
                let on = emitting(&open) && condition(cond, params)?;
                open.push((on, on));
            }
            // Control the evaluator does not follow, in a branch taken or not: its `end`
            // would close the wrong `if`.
            [keyword, ..]
                if matches!(
                    *keyword,
                    "range" | "with" | "define" | "block" | "template" | "break" | "continue"
                ) || (*keyword == "else" && words.len() > 1) =>
            {
                return Err(format!("the action `{}` is not evaluated", inner.trim()));
            }
            ["else"] => {
                let outer = open.len().saturating_sub(1);
                let on = emitting(&open[..outer]);
                let (branch, taken) = open.last_mut().ok_or("an `else` outside an `if`")?;
                *branch = on && !*taken;
            }
            ["end"] => {
                open.pop().ok_or("an `end` outside an `if`")?;
            }
            _ if !emitting(&open) => {}
            ["toJson", path] => {
                let node = field(path, params)?;
                out.push_str(&node.map_or_else(|| "null".to_owned(), |n| n.to_json().to_string()));
            }
            [path] if path.starts_with('.') => match field(path, params)? {
                Some(node) => out.push_str(
                    &super::render::scalar_text(node)
                        .ok_or_else(|| format!("`{path}` is not a scalar"))?,
                ),
                None => return Err(format!("`{path}` is not a parameter")),
            },
            _ => return Err(format!("the action `{}` is not evaluated", inner.trim())),
        }
    }
    if !open.is_empty() {
        return Err("an `if` without its `end`".into());
    }
    Ok(out)
}

/// An action's words: bare words and double-quoted strings (kept with their quotes).
fn words(action: &str) -> Result<Vec<&str>, String> {
    let mut words = Vec::new();
    let mut rest = action.trim_start();
    while !rest.is_empty() {
        let end = if let Some(quoted) = rest.strip_prefix('"') {
            quoted
                .find('"')
                .map(|i| i + 2)
                .ok_or_else(|| format!("an unclosed string in `{action}`"))?
        } else {
            rest.find(char::is_whitespace).unwrap_or(rest.len())
        };
        words.push(&rest[..end]);
        rest = rest[end..].trim_start();
    }
    Ok(words)
}

/// The parameter at `.a.b`; `None` when it is absent (`.` is all of them).
fn field<'a>(path: &str, params: &'a Node) -> Result<Option<&'a Node>, String> {
    let Some(path) = path.strip_prefix('.') else {
        return Err(format!("`{path}` is not a parameter reference"));
    };
    let keys: Vec<&str> = path.split('.').filter(|k| !k.is_empty()).collect();
    let mut node = params;
    for (i, key) in keys.iter().enumerate() {
        match node.get(key) {
            Some(next) => node = next,
            // The last key missing is "no value"; one before it, Go fails on nil.
            None if i + 1 == keys.len() => return Ok(None),
            None => return Err(format!("`.{path}` goes through a missing `{key}`")),
        }
    }
    Ok(Some(node))
}

fn condition(words: &[&str], params: &Node) -> Result<bool, String> {
    let unquote = |w: &str| {
        w.strip_prefix('"')
            .and_then(|w| w.strip_suffix('"'))
            .map(str::to_owned)
    };
    match words {
        ["hasKey", ".", key] => {
            let key = unquote(key).ok_or_else(|| format!("`hasKey . {key}` needs a string"))?;
            Ok(params.get(&key).is_some())
        }
        ["eq", path, text] if path.starts_with('.') => {
            let want = unquote(text).ok_or_else(|| format!("`eq {path} {text}` needs a string"))?;
            match field(path, params)?.map(|n| &n.value) {
                Some(Value::Str(s)) => Ok(*s == want),
                // Go's eq fails on values of different types.
                Some(other) => Err(format!(
                    "`eq {path} {text}` compares {} with a string",
                    other.kind()
                )),
                None => Ok(false),
            }
        }
        [path] if path.starts_with('.') => Ok(field(path, params)?.is_some_and(truthy)),
        _ => Err(format!(
            "the condition `{}` is not evaluated",
            words.join(" ")
        )),
    }
}

/// Go's truth of a value: not false, 0, "", null or empty.
fn truthy(node: &Node) -> bool {
    match &node.value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Float(f) => *f != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::Seq(items) => !items.is_empty(),
        Value::Map(entries) => !entries.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    fn params() -> crate::load::yaml::Node {
        crate::load::yaml::parse(
            "p",
            "sync: auto\nlabels: {app: web}\nsource: {repoURL: r, path: p}\n",
        )
        .unwrap()
    }

    /// The patch ladder writes for a spec whose environments differ in sync (keys keep
    /// the parameters' order where Go sorts them: the patch is read back as YAML).
    #[test]
    fn ladder_s_own_patch_renders_as_the_controller_renders_it() {
        let patch = "metadata:\n  labels: {{ toJson .labels }}\nspec:\n  {{- if hasKey . \"sources\" }}\n  sources: {{ toJson .sources }}\n  {{- else }}\n  source: {{ toJson .source }}\n  {{- end }}\n  {{- if eq .sync \"auto\" }}\n  syncPolicy:\n    automated:\n      prune: true\n  {{- end }}\n";
        assert_eq!(
            super::render(patch, &params()).unwrap(),
            "metadata:\n  labels: {\"app\":\"web\"}\nspec:\n  source: {\"repoURL\":\"r\",\"path\":\"p\"}\n  syncPolicy:\n    automated:\n      prune: true\n"
        );
    }

    #[test]
    fn other_actions_are_not_evaluated() {
        let err = super::render("a: {{ .sync | upper }}", &params()).unwrap_err();
        assert!(err.contains("not evaluated"), "{err}");
        assert!(super::render("{{ if .sync }}x", &params()).is_err());
        assert_eq!(
            super::render("{{ if .missing }}x{{ else }}y{{ end }}", &params()).unwrap(),
            "y"
        );
        // Regression: `else if` after a false branch was skipped, so the patch lost the
        // branch Go takes.
        let err = super::render("{{ if .missing }}a{{ else if .sync }}b{{ end }}", &params())
            .unwrap_err();
        assert!(err.contains("not evaluated"), "{err}");
        let range = "{{ if .missing }}{{ range .labels }}x{{ end }}{{ end }}";
        assert!(super::render(range, &params()).is_err());
        assert!(super::render("{{ if eq .labels \"x\" }}x{{ end }}", &params()).is_err());
        assert!(super::render("{{ .missing.deeper }}", &params()).is_err());
        // Trimming needs its space.
        assert_eq!(
            super::render("a  {{- .sync }}", &params()).unwrap(),
            "aauto"
        );
    }
}
