//! `ignoreDifferences` entries, checked as Argo CD reads them: a kind, at least one way
//! to name fields, JSON pointers by RFC 6901, and jq path expressions that parse. Argo CD
//! parses each expression as `del(<expression>)` with gojq, and one that does not parse
//! fails the comparison of the whole Application (v3.5.1
//! util/argo/normalizers/diff_normalizer.go:162), so it is refused here.

use super::context::Cx;
use crate::load::spec;
use crate::load::yaml::PathSeg::{self, Key};

pub(super) fn check(cx: &mut Cx<'_>, d: &spec::IgnoreDifference, base: &[PathSeg<'_>]) {
    let at = |tail: &[PathSeg<'static>]| {
        let mut p = base.to_vec();
        p.extend_from_slice(tail);
        p
    };
    if d.kind.trim().is_empty() {
        cx.error(&at(&[Key("kind")]), "`kind` is empty").help =
            Some("name the resources' kind, e.g. `Deployment`".into());
    }
    if d.json_pointers.is_empty()
        && d.jq_path_expressions.is_empty()
        && d.managed_fields_managers.is_empty()
    {
        cx.error(
            &at(&[]),
            format!(
                "this entry for `{}` names no field to ignore, so Argo CD ignores nothing",
                d.kind
            ),
        )
        .help = Some(
            "add `jsonPointers` (`/spec/replicas`), `jqPathExpressions` or `managedFieldsManagers`"
                .into(),
        );
    }
    for (i, pointer) in d.json_pointers.iter().enumerate() {
        if let Err(why) = check_json_pointer(pointer) {
            cx.error(
                &at(&[Key("jsonPointers"), PathSeg::Index(i)]),
                format!("`{pointer}` is not a JSON pointer: {why}"),
            )
            .help = Some("write the path from the resource's top, each key after a `/`: `/spec/replicas`; `~1` for a `/` inside a key, `~0` for `~`".into());
        }
    }
    for (i, expression) in d.jq_path_expressions.iter().enumerate() {
        if let Err(why) = check_jq(expression) {
            cx.error(
                &at(&[Key("jqPathExpressions"), PathSeg::Index(i)]),
                format!("`{expression}` does not parse as a jq expression ({why}); Argo CD would fail to compare the Application"),
            )
            .help = Some(
                "e.g. `.spec.template.spec.initContainers[] | select(.name == \"istio-init\")`"
                    .into(),
            );
        }
    }
    for (i, manager) in d.managed_fields_managers.iter().enumerate() {
        if manager.trim().is_empty() {
            cx.error(
                &at(&[Key("managedFieldsManagers"), PathSeg::Index(i)]),
                "a field manager's name is empty",
            )
            .help = Some("e.g. `kube-controller-manager`".into());
        }
    }
}

/// RFC 6901: empty (the whole resource, which Argo CD would then always ignore) is
/// refused; otherwise `/`-separated keys, `~` only as `~0` or `~1`.
pub(super) fn check_json_pointer(pointer: &str) -> Result<(), String> {
    if pointer.is_empty() {
        return Err("it is empty, which would ignore the whole resource".into());
    }
    if !pointer.starts_with('/') {
        return Err("it does not start with `/`".into());
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err("`~` is followed by neither `0` nor `1`".into());
        }
    }
    Ok(())
}

/// The longest jq expression ladder parses, in bytes (a real path expression is a line,
/// not a page).
const JQ_MAX_LEN: usize = 1024;

/// The most brackets, operators and keywords a jq expression may have: each may make
/// jaq's parser recurse once more, and a path expression needs a handful.
const JQ_MAX_NESTING: usize = 64;

/// Whether `expression` parses as jq the way Argo CD reads it: as `del(<expression>)`
/// (gojq; v3.5.1 util/argo/normalizers/diff_normalizer.go:162), so a trailing `# comment`
/// that swallows the `)` is refused as there. Parsed with jaq's parser;
/// `tests/conformance.rs` checks that gojq agrees on a corpus. Only the syntax is
/// checked: gojq also refuses unknown function and variable names, which pass here.
pub fn check_jq(expression: &str) -> Result<(), String> {
    if expression.trim().is_empty() {
        return Err("it is empty".into());
    }
    if expression.len() > JQ_MAX_LEN {
        return Err(format!(
            "it is {} bytes long (at most {JQ_MAX_LEN})",
            expression.len()
        ));
    }
    // Every place jaq's lexer or parser may recurse, counted generously (also inside
    // strings): a bound on its depth whatever the expression's shape.
    let nesting = expression
        .chars()
        .filter(|c| matches!(c, '(' | '[' | '{' | '-' | '|' | '=' | '?'))
        .count()
        + expression
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .filter(|w| {
                matches!(
                    *w,
                    "try" | "if" | "elif" | "reduce" | "foreach" | "def" | "label" | "as"
                )
            })
            .count();
    if nesting > JQ_MAX_NESTING {
        return Err(format!(
            "it has {nesting} brackets, operators and keywords (at most {JQ_MAX_NESTING})"
        ));
    }
    // Alone, as a term (so `.a; .b`, which would be two arguments of `del`, is refused),
    // then as Argo CD reads it.
    parse(expression, expression, 0)?;
    parse(&format!("del({expression})"), expression, 4)
}

/// Parses `text`, which holds `expression` from byte `shift`; an error names the
/// character of `expression` it is at.
fn parse(text: &str, expression: &str, shift: usize) -> Result<(), String> {
    let at = |offset: usize| {
        let offset = offset.saturating_sub(shift).min(expression.len());
        expression
            .get(..offset)
            .map_or(offset, |head| head.chars().count())
            + 1
    };
    let tokens = jaq_core::load::Lexer::new(text)
        .lex()
        .map_err(|errors| match errors.first() {
            Some((_, rest)) => format!(
                "it cannot be read past character {}",
                at(text.len() - rest.len())
            ),
            None => "it does not lex".into(),
        })?;
    jaq_core::load::Parser::new(&tokens)
        .parse(jaq_core::load::Parser::term)
        .map(|_| ())
        .map_err(
            |errors| match errors.first().and_then(|(_, found)| *found) {
                Some(token) => {
                    let offset = jaq_core::load::span(text, token.as_str()).start;
                    if offset >= shift + expression.len() {
                        "it ends too early".to_owned()
                    } else {
                        format!(
                            "unexpected `{}` at character {}",
                            token.as_str(),
                            at(offset)
                        )
                    }
                }
                None => "it ends too early".into(),
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jq_path_expressions_argo_cd_documents_parse() {
        for ok in [
            ".spec.replicas",
            ".spec.template.spec.initContainers[] | select(.name == \"injected-init-container\")",
            ".metadata.annotations[\"kubectl.kubernetes.io/last-applied-configuration\"]",
            ".webhooks[]?.clientConfig.caBundle",
            ".spec.containers[] | select(.name | startswith(\"istio\"))",
        ] {
            assert_eq!(check_jq(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn jq_expressions_that_do_not_parse_say_where() {
        assert!(check_jq(".spec.[").is_err());
        assert!(check_jq(".spec | select(").is_err());
        assert!(check_jq("").is_err());
        assert!(check_jq(".a | | .b").unwrap_err().contains("character"));
        let deep = format!("{}.{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(check_jq(&deep).unwrap_err().contains("bytes long"));
        // Argo CD parses `del(<expression>)`: a comment swallows the closing `)`.
        assert!(check_jq(".spec.replicas # HPA").is_err());
    }

    /// Regression: brackets were the only depth bound, and jaq's parser also recurses per
    /// prefix `-`, keyword and `|`; the bounds keep every shape, at the longest length
    /// and at the most nesting allowed, within the stack of a test thread (2 MiB).
    #[test]
    fn the_longest_expressions_of_every_recursive_shape_do_not_overflow_the_stack() {
        for unit in [
            "- ",
            ". | ",
            "try ",
            "(",
            "[",
            "if . then ",
            ". as $x | ",
            "-(",
        ] {
            let n = (JQ_MAX_LEN - 8) / unit.len();
            let expression = format!("{}.", unit.repeat(n));
            assert!(check_jq(&expression).is_err(), "{unit}");
            let allowed = format!("{}.", unit.repeat(JQ_MAX_NESTING / 2));
            let _ = check_jq(&allowed);
        }
    }

    #[test]
    fn json_pointers_follow_rfc_6901() {
        assert_eq!(check_json_pointer("/spec/replicas"), Ok(()));
        assert_eq!(check_json_pointer("/metadata/annotations/a~1b"), Ok(()));
        assert!(check_json_pointer("spec/replicas").is_err());
        assert!(check_json_pointer("").is_err());
        assert!(check_json_pointer("/a~2").is_err());
        assert!(check_json_pointer("/a~").is_err());
    }
}
