//! The `argocd:` section: the target Argo CD version (which decides what is emitted and
//! what is refused), its namespace, the project and the cluster.

use super::context::Cx;
use super::names::{dns_help, is_dns1123_label, is_dns1123_subdomain};
use crate::analyze::model::{ArgoCd, Version};
use crate::load::spec;
use crate::load::yaml::PathSeg;

/// Oldest and newest Argo CD versions ladder shapes output for.
pub const OLDEST: Version = Version {
    major: 2,
    minor: 10,
};
pub const NEWEST: Version = Version { major: 3, minor: 6 };

pub(super) fn argocd(cx: &mut Cx<'_>, spec: &spec::Spec) -> Option<ArgoCd> {
    use PathSeg::Key;
    let a = &spec.argocd;
    let version = match parse_version(&a.version) {
        Some(v) if (OLDEST..=NEWEST).contains(&v) => Some(v),
        Some(v) => {
            cx.error(
                &[Key("argocd"), Key("version")],
                format!(
                    "Argo CD {v} is outside the versions ladder supports ({OLDEST} to {NEWEST})"
                ),
            );
            None
        }
        None => {
            cx.error(
                &[Key("argocd"), Key("version")],
                format!("`{}` is not an Argo CD version", a.version),
            )
            .help = Some("write MAJOR.MINOR, e.g. \"3.5\" (quoted, so YAML reads a string)".into());
            None
        }
    };
    if !is_dns1123_label(&a.namespace) {
        cx.error(
            &[Key("argocd"), Key("namespace")],
            format!("namespace `{}` is not a valid Kubernetes name", a.namespace),
        )
        .help = Some(dns_help());
    }
    let project = a.project.clone().unwrap_or_else(|| spec.name.clone());
    if !is_dns1123_subdomain(&project) {
        cx.error(
            &[Key("argocd"), Key("project")],
            format!("project `{project}` is not a valid Kubernetes name"),
        );
    }
    if a.root_project.is_empty() {
        cx.error(
            &[Key("argocd"), Key("rootProject")],
            "the root Application needs a project",
        );
    }
    Some(ArgoCd {
        namespace: a.namespace.clone(),
        version: version?,
        emit_project: project != "default",
        project,
        server: a.server.clone(),
        root_project: a.root_project.clone(),
        cluster_resources: a.cluster_resources,
    })
}

/// Parses an Argo CD version, `MAJOR.MINOR` (a `v` prefix and a patch are accepted).
pub fn parse_version(text: &str) -> Option<Version> {
    let text = text.strip_prefix('v').unwrap_or(text);
    let mut parts = text.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    if let Some(patch) = parts.next() {
        patch.parse::<u32>().ok()?;
    }
    parts.next().is_none().then_some(Version { major, minor })
}
