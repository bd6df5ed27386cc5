//! The `output:` section: the repository, revision and folder of the generated tree,
//! which the root Application reads.

use super::context::Cx;
use crate::analyze::model::Output;
use crate::load::spec;
use crate::load::yaml::PathSeg;

pub(super) fn output(cx: &mut Cx<'_>, spec: &spec::Spec) -> Option<Output> {
    use PathSeg::Key;
    let o = &spec.output;
    let repo_url = o
        .repo_url
        .clone()
        .or_else(|| spec.defaults.source.repo_url.clone());
    let target_revision = o
        .target_revision
        .clone()
        .or_else(|| spec.defaults.source.target_revision.clone())
        .unwrap_or_else(|| "HEAD".into());
    if repo_url.is_none() {
        cx.error(
            &[Key("output")],
            "the root Application needs the repository of the generated tree",
        )
        .help = Some("set `output.repoURL`, or `defaults.source.repoURL`".into());
    }
    // The root Application is one per tree and is not interpolated: a per-environment
    // default cannot name where the generated tree lives.
    for (key, value, own) in [
        ("repoURL", repo_url.as_deref(), o.repo_url.is_some()),
        (
            "targetRevision",
            Some(target_revision.as_str()),
            o.target_revision.is_some(),
        ),
    ] {
        let Some(value) = value.filter(|v| v.contains("{{") || v.contains("{%")) else {
            continue;
        };
        let path = if own {
            vec![Key("output"), Key(key)]
        } else {
            vec![Key("defaults"), Key("source"), Key(key)]
        };
        cx.error(
            &path,
            format!("the root Application's {key} `{value}` uses a template"),
        )
        .help = Some(format!(
            "set `output.{key}` to the repository and revision of the generated tree"
        ));
    }
    let path = o.path.trim_matches('/').to_owned();
    if path.is_empty()
        || path
            .split('/')
            .any(|s| s == ".." || s == "." || s.is_empty())
        || o.path.starts_with('/')
    {
        cx.error(
            &[Key("output"), Key("path")],
            format!("`{}` is not a folder inside the repository", o.path),
        )
        .help = Some("write a relative path such as `argocd` or `deploy/argocd`".into());
    }
    Some(Output {
        repo_url: repo_url?,
        target_revision,
        path,
    })
}
