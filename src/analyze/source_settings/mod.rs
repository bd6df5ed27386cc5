//! The settings of the tool that renders a source, checked and resolved for one
//! environment: Helm's `values`, `valuesObject`, parameters and flags; kustomize's name
//! prefix and suffix, namespace, labels, annotations, images, Components and patches;
//! a plain folder's globs and Jsonnet; a Config Management Plugin's name, variables and
//! parameters; and the source's `name` and `tagPrefix`.
//!
//! Argo CD renders a source with exactly one tool, and refuses a source that sets two
//! ("multiple application sources defined": v3.5.1
//! pkg/apis/application/v1alpha1/types.go:3816); a chart is always rendered by Helm, and
//! a `ref` source only provides files to the others.

use crate::analyze::context::Cx;
use crate::load::spec;
use crate::load::yaml::PathSeg::{Key, KeyOf};

mod at;
mod helm;
mod kustomize;
mod tools;

pub(super) use at::{At, ToolSettings};

/// Whether the target version has the source field `key` (`field` in Argo CD's terms),
/// which arrived in `since`; an error at the key if not.
fn arrived(
    cx: &mut Cx<'_>,
    at: &At<'_>,
    key: &'static str,
    field: &str,
    since: (u32, u32),
) -> bool {
    let (major, minor) = since;
    if at.version.at_least(major, minor) {
        return true;
    }
    cx.error(
        &at.sub(&[KeyOf(key)]),
        format!(
            "Argo CD {} has no `{field}`; it arrived in {major}.{minor}",
            at.version
        ),
    )
    .help = Some(format!(
        "raise `argocd.version` to \"{major}.{minor}\" or later if your Argo CD runs it, or remove `{key}`"
    ));
    false
}

/// Resolves the tool settings of source `s`; `None` after reporting a problem.
pub(super) fn resolve(cx: &mut Cx<'_>, s: &spec::Source, at: &At<'_>) -> Option<ToolSettings> {
    let mut out = ToolSettings::default();
    let mut ok = true;
    let tools: Vec<&'static str> = [
        ("helm", s.helm.is_some()),
        ("kustomize", s.kustomize.is_some()),
        ("directory", s.directory.is_some()),
        ("plugin", s.plugin.is_some()),
    ]
    .into_iter()
    .filter_map(|(tool, set)| set.then_some(tool))
    .collect();
    if tools.len() > 1 {
        cx.error(
            &at.sub(&[KeyOf(tools[1])]),
            format!(
                "a source is rendered by one tool, but this one sets `{}` and `{}`: Argo CD refuses it (\"multiple application sources defined\")",
                tools[0], tools[1]
            ),
        )
        .help = Some(format!("keep one of `{}`", tools.join("`, `")));
        return None;
    }
    if let Some(&tool) = tools.first() {
        if s.chart.is_some() && tool != "helm" {
            cx.error(
                &at.sub(&[KeyOf(tool)]),
                format!("a `chart` is rendered by Helm, so `{tool}` does not apply to it"),
            )
            .help = Some(format!("remove `{tool}`, or use a git `path`"));
            return None;
        }
        if s.path.is_none() && s.chart.is_none() {
            cx.error(
                &at.sub(&[KeyOf(tool)]),
                format!("a `ref` source only provides files to the other sources, so `{tool}` does nothing here"),
            )
            .help = Some(format!("move `{tool}` to the source that reads the files"));
            return None;
        }
    }
    if let Some(name) = &s.name {
        if !arrived(cx, at, "name", "sources[].name", (2, 14)) {
            ok = false;
        } else if name.trim().is_empty() {
            cx.error(&at.sub(&[Key("name")]), "a source's `name` is empty");
            ok = false;
        }
        out.name = Some(name.clone());
    }
    if let Some(prefix) = &s.tag_prefix {
        // v3.5.0 manifests/crds/application-crd.yaml is the first with `tagPrefix`.
        if !arrived(cx, at, "tagPrefix", "tagPrefix", (3, 5)) {
            ok = false;
        } else if s.chart.is_some() {
            cx.error(
                &at.sub(&[KeyOf("tagPrefix")]),
                "`tagPrefix` filters git tags, and a chart's versions come from its Helm repository",
            )
            .help = Some("remove `tagPrefix`, or use a git `path`".into());
            ok = false;
        } else if prefix.is_empty() {
            cx.error(&at.sub(&[Key("tagPrefix")]), "`tagPrefix` is empty");
            ok = false;
        }
        out.tag_prefix = Some(prefix.clone());
    }
    if let Some(helm) = &s.helm {
        ok &= helm::settings(cx, helm, at, &mut out).is_some();
    }
    if let Some(k) = &s.kustomize {
        ok &= kustomize::settings(cx, k, at, &mut out).is_some();
    }
    if let Some(d) = &s.directory {
        ok &= tools::directory(cx, d, at, &mut out).is_some();
    }
    if let Some(p) = &s.plugin {
        ok &= tools::plugin(cx, p, at, &mut out).is_some();
    }
    ok.then_some(out)
}
