//! Sources: each component's `source` or `sources` in one environment, resolved into
//! an Application's sources (git paths, Helm charts, value files, `ref` sources) with
//! `{{ env }}` substituted and defaults applied.

use std::collections::BTreeMap;

use super::context::Cx;
use super::names::{dns_help, is_dns1123_label};
use crate::analyze::model::{Instance, Source};
use crate::diagnostic::{Pos, did_you_mean};
use crate::load::spec;
use crate::load::yaml::PathSeg;

pub(super) fn instance(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
    c: &spec::Component,
    env: &str,
    version: crate::analyze::model::Version,
    at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
) -> Option<Instance> {
    use PathSeg::{Index, Key};
    let app = format!("{}-{env}", c.name);
    let mut ok = true;
    if is_dns1123_label(&c.name) && is_dns1123_label(env) && app.len() > 63 {
        cx.error(
            &at(&[Key("name")]),
            format!("Application name `{app}` is {} characters; Kubernetes names used as label values allow 63", app.len()),
        )
        .help = Some(format!(
            "shorten the component name to at most {} characters (Argo CD before 3.0 tracks resources with the label app.kubernetes.io/instance=<Application name>)",
            63usize.saturating_sub(env.len() + 1)
        ));
        ok = false;
    }

    let namespace = match (&c.namespace, &spec.defaults.namespace) {
        (Some(ns), _) => cx.interpolate(&at(&[Key("namespace")]), ns, env, &c.name),
        (None, Some(ns)) => cx.interpolate(&[Key("defaults"), Key("namespace")], ns, env, &c.name),
        (None, None) => {
            cx.error(
                &at(&[Key("name")]),
                format!("component `{}` has no destination namespace", c.name),
            )
            .help = Some("set `namespace` on the component, or `defaults.namespace`".into());
            None
        }
    };
    if let Some(ns) = &namespace
        && !is_dns1123_label(ns)
    {
        let path = if c.namespace.is_some() {
            at(&[Key("namespace")])
        } else {
            vec![Key("defaults"), Key("namespace")]
        };
        cx.error(
            &path,
            format!("namespace `{ns}` (in `{env}`) is not a valid Kubernetes name"),
        )
        .help = Some(dns_help());
        ok = false;
    }

    let (raw, multi_source): (Vec<(&spec::Source, Vec<PathSeg<'static>>)>, bool) = match (
        &c.source, &c.sources,
    ) {
        (Some(s), None) => (vec![(s, at(&[Key("source")]))], false),
        (None, Some(list)) if !list.is_empty() => (
            list.iter()
                .enumerate()
                .map(|(i, s)| (s, at(&[Key("sources"), Index(i)])))
                .collect(),
            true,
        ),
        (None, Some(_)) => {
            cx.error(
                &at(&[Key("sources")]),
                format!("component `{}` has an empty `sources` list", c.name),
            );
            return None;
        }
        (Some(_), Some(_)) => {
            cx.error(
                &at(&[Key("sources")]),
                format!("component `{}` has both `source` and `sources`", c.name),
            )
            .help = Some("keep one: `source` for one source, `sources` for several".into());
            return None;
        }
        (None, None) => {
            cx.error(&at(&[Key("name")]), format!("component `{}` has no source", c.name))
                .help = Some("add `source: {path: ...}` (git) or `source: {repoURL: ..., chart: ..., targetRevision: ...}` (Helm)".into());
            return None;
        }
    };

    let refs: Vec<&str> = raw
        .iter()
        .filter_map(|(s, _)| s.reference.as_deref())
        .collect();
    let mut sources = Vec::with_capacity(raw.len());
    for (s, path) in &raw {
        if let Some(source) =
            resolve_source(cx, spec, c, s, path, (env, version), multi_source, &refs)
        {
            sources.push(source);
        } else {
            ok = false;
        }
    }
    ok &= check_refs(cx, &raw);
    Some(Instance {
        app,
        namespace: namespace?,
        sources,
        multi_source,
        // Set with the settings, once the spec's destinations are resolved.
        destination: crate::analyze::model::Destination::Server(String::new()),
        settings: crate::analyze::model::AppSettings::default(),
    })
    .filter(|_| ok)
}

#[allow(clippy::too_many_arguments)]
fn resolve_source(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
    c: &spec::Component,
    s: &spec::Source,
    path: &[PathSeg<'static>],
    (env, version): (&str, crate::analyze::model::Version),
    multi_source: bool,
    refs: &[&str],
) -> Option<Source> {
    use PathSeg::{Index, Key};
    let sub = |rest: &[PathSeg<'static>]| -> Vec<PathSeg<'static>> {
        let mut p = path.to_vec();
        p.extend_from_slice(rest);
        p
    };
    let is_chart = s.chart.is_some();
    if is_chart && s.path.is_some() {
        cx.error(
            &sub(&[Key("chart")]),
            "a source is either a git `path` or a Helm `chart`, not both",
        );
        return None;
    }
    if is_chart && s.reference.is_some() {
        cx.error(&sub(&[Key("ref")]), "a source with `ref` cannot have a `chart` (Argo CD rejects it)")
            .help = Some("put the values repository in a source of its own with only `repoURL`, `targetRevision` and `ref`".into());
        return None;
    }
    if !is_chart && s.path.is_none() && s.reference.is_none() {
        cx.error(path, "a source needs a git `path` or a Helm `chart`")
            .help = Some(if multi_source {
            "or `ref` for a source that only provides value files".into()
        } else {
            "add `path: ...` or `chart: ...`".into()
        });
        return None;
    }
    // Helm repositories are not git repositories: a chart names its own repository and version.
    let repo_url = s.repo_url.clone().or_else(|| {
        if is_chart {
            None
        } else {
            spec.defaults.source.repo_url.clone()
        }
    });
    let target_revision = s.target_revision.clone().or_else(|| {
        if is_chart {
            None
        } else {
            spec.defaults.source.target_revision.clone()
        }
    });
    let Some(repo_url) = repo_url else {
        cx.error(path, format!("a source of `{}` has no `repoURL`", c.name))
            .help = Some(if is_chart {
            "a Helm chart names its repository in `repoURL`".into()
        } else {
            "set `repoURL`, or `defaults.source.repoURL`".into()
        });
        return None;
    };
    let target_revision = match target_revision {
        Some(t) => t,
        // Filled in from the version files (`crate::analyze::version_files`).
        None if is_chart && c.version.is_some() => String::new(),
        None if is_chart => {
            cx.error(
                path,
                format!(
                    "the chart `{}` has no version",
                    s.chart.as_deref().unwrap_or_default()
                ),
            )
            .help = Some("set `targetRevision` to the chart version, e.g. \"1.2.0\", or name the component's entry in the version files (`version`)".into());
            return None;
        }
        None => "HEAD".into(),
    };
    let name = &c.name;
    // A value inherited from `defaults.source` is reported where it is written.
    let at = |own: bool, key: &'static str| {
        if own {
            sub(&[Key(key)])
        } else {
            vec![Key("defaults"), Key("source"), Key(key)]
        }
    };
    let repo_url = cx.interpolate(&at(s.repo_url.is_some(), "repoURL"), &repo_url, env, name)?;
    let target_revision = cx.interpolate(
        &at(s.target_revision.is_some(), "targetRevision"),
        &target_revision,
        env,
        name,
    )?;
    let src_path = match &s.path {
        Some(p) => {
            let p = cx.interpolate(&sub(&[Key("path")]), p, env, name)?;
            if p.starts_with('/') || p.split('/').any(|seg| seg == "..") {
                cx.error(&sub(&[Key("path")]), format!("`{p}` leaves the repository"))
                    .help =
                    Some("write a path relative to the repository root, without `..`".into());
                return None;
            }
            Some(p)
        }
        None => None,
    };
    let mut value_files = Vec::new();
    let mut release_name = None;
    if let Some(helm) = &s.helm {
        for (i, written) in helm.value_files.iter().enumerate() {
            let fpath = sub(&[Key("helm"), Key("valueFiles"), Index(i)]);
            let f = cx.interpolate(&fpath, written, env, name)?;
            if let Some(rest) = f.strip_prefix('$') {
                let reference = rest.split('/').next().unwrap_or_default();
                if !refs.contains(&reference) {
                    let help = did_you_mean(reference, refs.iter().copied()).or_else(|| {
                        Some(format!("add a source with `ref: {reference}` to `sources`"))
                    });
                    // Not naming the file: one typo copied to every component is one
                    // error, its other places notes (`diagnostic::sort`).
                    cx.error(&fpath, format!("this value file refers to `${reference}`, but no source has `ref: {reference}`"))
                        .help = help;
                    return None;
                }
            } else if f.contains('$') {
                cx.error(
                    &fpath,
                    format!("`$` may only start a value file path (`{written}`)"),
                );
                return None;
            }
            value_files.push(f);
        }
        if let Some(r) = &helm.release_name {
            release_name =
                Some(cx.interpolate(&sub(&[Key("helm"), Key("releaseName")]), r, env, name)?);
        }
    }
    let tool = super::source_settings::resolve(
        cx,
        s,
        &super::source_settings::At {
            path,
            env,
            component: c,
            version,
        },
    )?;
    Some(Source {
        repo_url,
        target_revision,
        path: src_path,
        chart: s.chart.clone(),
        reference: s.reference.clone(),
        value_files,
        release_name,
        parameters: tool.parameters,
        kustomize_images: tool.kustomize_images,
        common_annotations: tool.common_annotations,
        name: tool.name,
        tag_prefix: tool.tag_prefix,
        helm_extra: tool.helm_extra,
        kustomize_extra: tool.kustomize_extra,
        directory: tool.directory,
        plugin: tool.plugin,
    })
}

/// `ref` names: Argo CD allows letters, digits, `_` and `-`, and each once per Application;
/// source `name`s are unique too (argocd-server refuses two alike: v3.5.1
/// server/application/application.go:1330).
fn check_refs(cx: &mut Cx<'_>, raw: &[(&spec::Source, Vec<PathSeg<'static>>)]) -> bool {
    use PathSeg::Key;
    let mut ok = true;
    let mut names: BTreeMap<&str, Pos> = BTreeMap::new();
    for (s, path) in raw {
        let Some(name) = s.name.as_deref() else {
            continue;
        };
        let mut p = path.clone();
        p.push(Key("name"));
        if let Some(&first) = names.get(name) {
            cx.error(&p, format!("two sources are named `{name}`"))
                .add_note(first, "first named here");
            ok = false;
        } else {
            names.insert(name, cx.pos(&p));
        }
    }
    let mut seen: BTreeMap<&str, Pos> = BTreeMap::new();
    for (s, path) in raw {
        let Some(r) = s.reference.as_deref() else {
            continue;
        };
        let mut p = path.clone();
        p.push(Key("ref"));
        if r.is_empty()
            || !r
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
        {
            cx.error(&p, format!("`ref: {r}` may only use letters, digits, `_` and `-` (Argo CD rejects other characters)"));
            ok = false;
        }
        if let Some(first) = seen.get(r) {
            let first = *first;
            cx.error(&p, format!("`ref: {r}` is used by two sources"))
                .add_note(first, "first used here");
            ok = false;
        } else {
            seen.insert(r, cx.pos(&p));
        }
    }
    ok
}
