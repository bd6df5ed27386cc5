//! Kustomize output: a kustomize `Component` per component and environment whose
//! `patches` add each group's annotations, so that `kustomize build` of an overlay that
//! lists it yields annotated manifests without touching the sources.
//!
//! Each group becomes one patch per match item, with a `target` selector (kind, name,
//! labelSelector, namespace) and a strategic-merge patch that only sets annotations;
//! kustomize ignores the patch's own kind and name when a target is given. Patches
//! apply in order and the last one wins, so the groups of `preset: kinds` come first
//! and named groups after them, as in `ladder waves`. Two named groups whose items
//! select the same resources for certain are refused by analysis
//! (`resource-groups-overlap`); groups that only may overlap remain, and there the later
//! patch would win (`ladder waves` refuses such a resource when it meets one).

use std::fmt::Write as _;

use crate::analyze::model::{Group, Waves};
use crate::load::yaml::scalar;

/// The text of the kustomize Component for `waves` (without ladder's header line).
/// `component` and `env` name it in the comment.
pub(super) fn component(waves: &Waves, component: &str, env: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Sync-waves of {component}'s resource groups in {env}, as kustomize patches. Include it"
    );
    out.push_str(
        "# from the overlay's kustomization.yaml (a path relative to the overlay):\n\
         #   components:\n\
         #     - <path to this folder>\n\
         # A `namespace` selector matches the namespace written in the manifests, before the\n\
         # overlay's own `namespace:` is applied.\n\
         apiVersion: kustomize.config.k8s.io/v1alpha1\n\
         kind: Component\n\
         patches:\n",
    );
    let ordered = waves
        .groups
        .iter()
        .filter(|g| g.preset)
        .chain(waves.groups.iter().filter(|g| !g.preset));
    for group in ordered {
        for m in &group.matches {
            write_patch(&mut out, group, m);
        }
    }
    out
}

fn write_patch(out: &mut String, group: &Group, m: &crate::load::spec::resources::Match) {
    let _ = writeln!(out, "  # {}: wave {}", group.name, group.wave);
    out.push_str("  - target:\n");
    // kustomize reads a target's kind, name and namespace as regular expressions and
    // anchors them itself (`^(?:…)$`, kustomize v5.6.0 api/types/selector.go), so each is
    // written as the expression that matches exactly it, as `ladder waves` compares.
    if let Some(kind) = &m.kind {
        let _ = writeln!(out, "      kind: {}", scalar(&regex_literal(kind)));
    }
    if let Some(name) = &m.name {
        let _ = writeln!(out, "      name: {}", scalar(&regex_literal(name)));
    }
    if let Some(namespace) = &m.namespace {
        let _ = writeln!(
            out,
            "      namespace: {}",
            scalar(&regex_literal(namespace))
        );
    }
    if !m.labels.is_empty() {
        let selector: Vec<String> = m.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(out, "      labelSelector: {}", scalar(&selector.join(",")));
    }
    out.push_str(
        "    patch: |-\n      apiVersion: v1\n      kind: Resource\n      metadata:\n        name: any\n        annotations:\n",
    );
    for (key, value) in group.annotations() {
        let _ = writeln!(out, "          {key}: \"{value}\"");
    }
}

/// `s` as a Go regular expression that matches exactly `s` (Go's `regexp.QuoteMeta`):
/// every metacharacter escaped, so `web|db` selects `web|db`, not `web` and `db`.
fn regex_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    /// Regression: only `.` was escaped, so `web|db` patched `web` and `db`, and `a(b`
    /// made kustomize fail.
    #[test]
    fn targets_escape_every_go_regex_metacharacter() {
        assert_eq!(
            super::regex_literal(r"a.b|c(d)*+?[]{}^$\"),
            r"a\.b\|c\(d\)\*\+\?\[\]\{\}\^\$\\"
        );
        assert_eq!(super::regex_literal("shop-redis"), "shop-redis");
    }
}
