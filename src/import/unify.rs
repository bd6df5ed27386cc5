//! One value for every environment's Application of a component: equal leaves kept,
//! leaves that differ only by the environment's name made `{{ env }}`, in the fields
//! ladder substitutes `{{ env }}` in (`crate::analyze` renders them per environment);
//! what still differs is named, for the report.

use serde_json::Value as Json;

/// The source fields ladder substitutes `{{ env }}` in (Argo CD's names; `[]` is any
/// item): see `analyze/sources.rs` and `analyze/source_settings/`.
const SUBSTITUTED: [&str; 18] = [
    "repoURL",
    "targetRevision",
    "path",
    "helm.valueFiles[]",
    "helm.releaseName",
    "helm.parameters[].value",
    "helm.fileParameters[].path",
    "helm.namespace",
    "helm.kubeVersion",
    "helm.version",
    "kustomize.namePrefix",
    "kustomize.nameSuffix",
    "kustomize.namespace",
    "kustomize.components[]",
    "directory.jsonnet.extVars[].value",
    "directory.jsonnet.tlas[].value",
    "plugin.env[].value",
    "plugin.parameters[].string",
];

/// Whether ladder substitutes `{{ env }}` at `path` of a source.
pub(super) fn in_source(path: &str) -> bool {
    SUBSTITUTED.contains(&path)
}

/// The unified value, and the paths where the environments still differ (the first
/// environment's value is kept there).
pub(super) struct Unified {
    pub(super) value: Json,
    pub(super) differs: Vec<String>,
}

/// Unifies `values` (environment, value), the first environment's winning where they
/// differ; `substituted` says which paths take `{{ env }}`.
pub(super) fn unify(values: &[(&str, &Json)], substituted: &dyn Fn(&str) -> bool) -> Unified {
    let mut differs = Vec::new();
    let value = walk("", values, substituted, &mut differs);
    Unified { value, differs }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(
    path: &str,
    values: &[(&str, &Json)],
    substituted: &dyn Fn(&str) -> bool,
    differs: &mut Vec<String>,
) -> Json {
    let first = values[0].1;
    match first {
        Json::Object(map)
            if values.iter().all(|(_, v)| {
                v.as_object()
                    .is_some_and(|o| o.len() == map.len() && map.keys().all(|k| o.contains_key(k)))
            }) =>
        {
            Json::Object(
                map.keys()
                    .map(|k| {
                        let items: Vec<(&str, &Json)> =
                            values.iter().map(|(e, v)| (*e, &v[k.as_str()])).collect();
                        (
                            k.clone(),
                            walk(&child(path, k), &items, substituted, differs),
                        )
                    })
                    .collect(),
            )
        }
        Json::Array(items)
            if values
                .iter()
                .all(|(_, v)| v.as_array().is_some_and(|a| a.len() == items.len())) =>
        {
            let item_path = format!("{path}[]");
            Json::Array(
                (0..items.len())
                    .map(|i| {
                        let items: Vec<(&str, &Json)> =
                            values.iter().map(|(e, v)| (*e, &v[i])).collect();
                        walk(&item_path, &items, substituted, differs)
                    })
                    .collect(),
            )
        }
        Json::String(s) if substituted(path) && values.iter().any(|(_, v)| *v != first) => {
            // Every occurrence of the name made `{{ env }}`, else only the one that
            // varies (`dev/overlays/dev`, `dev/overlays/prod`: the last), counted from
            // the end.
            let all_strings = values.iter().all(|(_, v)| v.is_string());
            let most = values
                .iter()
                .map(|(env, v)| occurrences(v.as_str().unwrap_or_default(), env).len())
                .max()
                .unwrap_or(0);
            let unified = std::iter::once(None)
                .chain((0..most).map(Some))
                .find_map(|nth| {
                    let templated: Vec<String> = values
                        .iter()
                        .map(|(env, v)| template_nth(v.as_str().unwrap_or_default(), env, nth))
                        .collect();
                    (all_strings && templated.iter().all(|t| *t == templated[0]))
                        .then(|| templated[0].clone())
                });
            if let Some(t) = unified {
                Json::String(t)
            } else {
                differs.push(path.to_owned());
                Json::String(escape(s))
            }
        }
        other => {
            if values.iter().any(|(_, v)| *v != other) {
                differs.push(path.to_owned());
            }
            escape_all(path, other, substituted)
        }
    }
}

/// `value` with the strings at substituted paths escaped (kept literally).
fn escape_all(path: &str, value: &Json, substituted: &dyn Fn(&str) -> bool) -> Json {
    match value {
        Json::String(s) if substituted(path) => Json::String(escape(s)),
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), escape_all(&child(path, k), v, substituted)))
                .collect(),
        ),
        Json::Array(items) => {
            let item_path = format!("{path}[]");
            Json::Array(
                items
                    .iter()
                    .map(|v| escape_all(&item_path, v, substituted))
                    .collect(),
            )
        }
        other => other.clone(),
    }
}

/// Where `env` is a whole word in `text`: the byte offsets of each occurrence.
fn occurrences(text: &str, env: &str) -> Vec<usize> {
    if env.is_empty() {
        return Vec::new();
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(env) {
        let at = from + at;
        let end = at + env.len();
        if !word(text[..at].chars().next_back()) && !word(text[end..].chars().next()) {
            found.push(at);
        }
        from = end;
    }
    found
}

/// `text` with each whole-word `env` (not inside a longer word: `dev` in `shop-dev`
/// and `values-dev.yaml`, not in `devtools`) made `{{ env }}`, and the rest escaped.
/// Every occurrence (`nth` `None`), or only the `nth` from the end.
fn template_nth(text: &str, env: &str, nth: Option<usize>) -> String {
    let found = occurrences(text, env);
    let chosen: Vec<usize> = match nth {
        None => found,
        Some(n) => found.iter().rev().nth(n).copied().into_iter().collect(),
    };
    let mut out = String::new();
    let mut rest = 0;
    for at in chosen {
        out.push_str(&escape(&text[rest..at]));
        out.push_str("{{ env }}");
        rest = at + env.len();
    }
    out.push_str(&escape(&text[rest..]));
    out
}

/// `text` kept literally where ladder substitutes: each `{{`, `{%` and `{#` written as
/// an expression that prints it (a raw block would end at a literal `{% endraw %}`).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('{', Some(&next @ ('{' | '%' | '#'))) => {
                chars.next();
                out.push_str("{{ \"{");
                out.push(next);
                out.push_str("\" }}");
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_whole_words_become_env() {
        assert_eq!(template_nth("shop-dev", "dev", None), "shop-{{ env }}");
        assert_eq!(
            template_nth("envs/dev/values-dev.yaml", "dev", None),
            "envs/{{ env }}/values-{{ env }}.yaml"
        );
        assert_eq!(template_nth("devtools", "dev", None), "devtools");
        assert_eq!(
            template_nth("a-{{x}}-dev", "dev", None),
            "a-{{ \"{{\" }}x}}-{{ env }}"
        );
    }

    /// What import writes renders back to the original, as ladder's substitution does.
    #[test]
    fn templates_render_back_to_what_they_came_from() {
        let env = minijinja::Environment::empty();
        for (text, name) in [
            ("a-{{x}}-dev", "dev"),
            ("{% if %}dev{#", "dev"),
            ("api-{{x}}-{% endraw %}-dev", "dev"),
            ("{{{", "dev"),
            ("envs/prod/values-prod.yaml", "prod"),
            ("devtools", "dev"),
        ] {
            let t = template_nth(text, name, None);
            let back = env
                .render_str(&t, minijinja::context! { env => name })
                .unwrap();
            assert_eq!(back, text, "{t}");
        }
    }

    #[test]
    fn environments_that_differ_beyond_their_name_are_named() {
        let dev = json!({"repoURL": "https://g/devtools.git", "path": "apps/dev", "helm": {"values": "a: dev"}});
        let prod = json!({"repoURL": "https://g/devtools.git", "path": "apps/prod", "helm": {"values": "a: prod"}});
        let u = unify(&[("dev", &dev), ("prod", &prod)], &in_source);
        assert_eq!(
            u.value,
            json!({"repoURL": "https://g/devtools.git", "path": "apps/{{ env }}", "helm": {"values": "a: dev"}})
        );
        assert_eq!(u.differs, ["helm.values"]);
        // Only the occurrence that varies.
        let dev = json!({"path": "dev/overlays/dev"});
        let prod = json!({"path": "dev/overlays/prod"});
        let u = unify(&[("dev", &dev), ("prod", &prod)], &in_source);
        assert_eq!(u.value, json!({"path": "dev/overlays/{{ env }}"}));
        // Beyond the name: the first environment's, literally.
        let prod = json!({"path": "other/prod"});
        let u = unify(&[("dev", &dev), ("prod", &prod)], &in_source);
        assert_eq!(u.value, dev);
        assert_eq!(u.differs, ["path"]);
        // Equal everywhere: kept as written, even where it holds an environment's name.
        let same = json!({"repoURL": "https://g/dev-platform.git"});
        let u = unify(&[("dev", &same), ("prod", &same)], &in_source);
        assert_eq!(u.value, same);
    }

    #[test]
    fn a_name_in_a_field_ladder_does_not_substitute_is_kept() {
        let dev = json!({"path": "x", "helm": {"valuesObject": {"image": "dev"}}});
        let u = unify(&[("dev", &dev)], &in_source);
        assert_eq!(u.value, dev);
        assert!(u.differs.is_empty());
    }
}
