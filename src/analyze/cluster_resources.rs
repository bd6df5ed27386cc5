//! `components[].clusterResources`: the cluster-scoped kinds a component installs, which
//! its AppProject must permit.
//!
//! An AppProject permits a cluster-scoped resource only if an entry of its
//! `clusterResourceWhitelist` matches its group and kind (and, from Argo CD 3.3, its
//! name); with no list at all it permits none (v3.5.1
//! `pkg/apis/application/v1alpha1/app_project_types.go:399-421`, checked before every
//! apply by `controller/sync.go:657-658`). Each entry is checked here so that the
//! project ladder emits names real kinds in their real groups.

use super::context::Cx;
use super::names::is_dns1123_subdomain;
use crate::analyze::model::{ClusterKind, Version};
use crate::diagnostic::did_you_mean;
use crate::load::spec;
use crate::load::yaml::PathSeg::{self, Index, Key};

/// Built-in cluster-scoped kinds and their API groups.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("networking.k8s.io", "IngressClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "VolumeAttachment"),
];

/// Built-in namespaced kinds people reach for: the project's destinations permit them
/// already, so listing one here is a mistake.
const NAMESPACED: &[(&str, &str)] = &[
    ("", "ConfigMap"),
    ("", "PersistentVolumeClaim"),
    ("", "Pod"),
    ("", "Secret"),
    ("", "Service"),
    ("", "ServiceAccount"),
    ("apps", "DaemonSet"),
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("batch", "CronJob"),
    ("batch", "Job"),
    ("networking.k8s.io", "Ingress"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("policy", "PodDisruptionBudget"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
];

/// A Kubernetes kind: CamelCase letters and digits, starting with a capital letter.
fn is_kind(kind: &str) -> bool {
    kind.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && kind.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A group Kubernetes itself serves: the core group, `*.k8s.io`, or a short built-in one.
fn is_builtin_group(group: &str) -> bool {
    group.is_empty()
        || group.ends_with(".k8s.io")
        || ["apps", "batch", "policy", "autoscaling"].contains(&group)
}

/// Checks component `c`'s `clusterResources` for Argo CD `version` (when known) and
/// returns them sorted, without repeats.
pub(super) fn cluster_resources(
    cx: &mut Cx<'_>,
    c: &spec::Component,
    at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
    version: Option<Version>,
) -> Vec<ClusterKind> {
    let mut out: Vec<ClusterKind> = Vec::new();
    for (i, r) in c.cluster_resources.iter().enumerate() {
        let path = |field: &'static str| at(&[Key("clusterResources"), Index(i), Key(field)]);
        let mut ok = true;
        if !is_kind(&r.kind) {
            ok = false;
            let known = CLUSTER_SCOPED.iter().map(|(_, k)| *k);
            let help = CLUSTER_SCOPED
                .iter()
                .find(|(_, k)| k.eq_ignore_ascii_case(&r.kind))
                .map(|(_, k)| format!("did you mean `{k}`?"))
                .or_else(|| did_you_mean(&r.kind, known))
                .unwrap_or_else(|| {
                    "a kind is written in CamelCase letters and digits, e.g. `CustomResourceDefinition`".into()
                });
            cx.error(
                &path("kind"),
                format!("`{}` is not a resource kind", r.kind),
            )
            .help = Some(help);
        }
        // Every group has a dot (a CRD's group must), but a few of Kubernetes' own.
        let dotless_ok = ["apps", "batch", "policy", "autoscaling", "extensions"];
        if !r.group.is_empty()
            && (!is_dns1123_subdomain(&r.group)
                || (!r.group.contains('.') && !dotless_ok.contains(&r.group.as_str())))
        {
            ok = false;
            let help = if r.group == "v1" || r.group == "core" {
                "the core group (Namespace, PersistentVolume…) is written as an empty group: `group: \"\"`, or leave `group` out".into()
            } else if let Some((group, _)) = r.group.split_once('/') {
                format!("write the group without its version: `{group}`")
            } else {
                "an API group is a lowercase DNS name, e.g. `apiextensions.k8s.io`".into()
            };
            cx.error(&path("group"), format!("`{}` is not an API group", r.group))
                .help = Some(help);
        }
        if ok {
            if let Some((group, kind)) = NAMESPACED
                .iter()
                .find(|(g, k)| *k == r.kind && *g == r.group)
            {
                ok = false;
                let shown = if group.is_empty() { "core" } else { group };
                cx.error(
                    &path("kind"),
                    format!("`{kind}` ({shown} group) is a namespaced kind, not a cluster-scoped one: the project's destinations already permit it in the spec's namespaces"),
                )
                .help = Some("remove it from `clusterResources`, which lists only cluster-scoped kinds".into());
            } else if let Some((group, _)) = CLUSTER_SCOPED
                .iter()
                .find(|(g, k)| *k == r.kind && *g != r.group)
                .filter(|_| is_builtin_group(&r.group))
            {
                ok = false;
                let at = if r.group.is_empty() {
                    path("kind")
                } else {
                    path("group")
                };
                let shown = |g: &str| {
                    if g.is_empty() {
                        "the core group".to_owned()
                    } else {
                        format!("API group `{g}`")
                    }
                };
                cx.error(
                    &at,
                    format!(
                        "`{}` is in {}, not {}",
                        r.kind,
                        shown(group),
                        shown(&r.group)
                    ),
                )
                .help = Some(if group.is_empty() {
                    "remove `group` (the core group is empty)".into()
                } else {
                    format!("set `group: {group}`")
                });
            }
        }
        if let Some(name) = &r.name {
            if version.is_some_and(|v| !v.at_least(3, 3)) {
                ok = false;
                let v = version.expect("checked");
                cx.error(
                    &path("name"),
                    format!("Argo CD {v} permits cluster resources by group and kind only: `clusterResourceWhitelist[].name` arrived in Argo CD 3.3 (argoproj/argo-cd#24674)"),
                )
                .help = Some("remove `name` (every resource of the kind is then permitted), or target Argo CD 3.3 or later".into());
            } else if name.is_empty() || name.chars().any(char::is_whitespace) {
                ok = false;
                let message = if name.is_empty() {
                    "`name` is empty".to_owned()
                } else {
                    format!("`{name}` is not a resource name or glob")
                };
                cx.error(&path("name"), message)
                .help = Some("write the name, or a glob such as `cert-manager-*`; leave `name` out to permit every resource of the kind".into());
            }
        }
        let entry = ClusterKind {
            group: r.group.clone(),
            kind: r.kind.clone(),
            name: r.name.clone(),
        };
        if let Some(first) = c.cluster_resources[..i].iter().position(|e| *e == *r) {
            let first_pos = cx.pos(&at(&[Key("clusterResources"), Index(first)]));
            cx.error(
                &at(&[Key("clusterResources"), Index(i)]),
                format!("`{}` is listed twice in `clusterResources`", entry.label()),
            )
            .add_note(first_pos, "first listed here");
            continue;
        }
        if ok {
            out.push(entry);
        }
    }
    out.sort();
    out
}
