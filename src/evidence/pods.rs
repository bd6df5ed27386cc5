//! The Secrets and ConfigMaps a workload's pods reference by name: what must exist before
//! its pods start (a missing one leaves them in `CreateContainerConfigError` or waiting
//! for the volume), unless the reference is `optional`.
//!
//! The fields are the Pod API's (`core/v1` PodSpec, as
//! <https://kubernetes.io/docs/concepts/configuration/secret/> and
//! <https://kubernetes.io/docs/concepts/configuration/configmap/> list them): `volumes[]`
//! `secret.secretName` and `configMap.name`, `projected.sources[]` `secret.name` and
//! `configMap.name`, each container's (init and ephemeral too) `env[].valueFrom`
//! `secretKeyRef` and `configMapKeyRef` and `envFrom[]` `secretRef` and `configMapRef`,
//! and `imagePullSecrets[].name`.

use crate::diagnostic::Pos;
use crate::load::yaml::{Node, Value};

/// One reference of a pod spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Ref<'a> {
    /// A Secret, else a ConfigMap.
    pub(super) secret: bool,
    pub(super) name: &'a str,
    pub(super) pos: Pos,
    pub(super) optional: bool,
}

/// The pod spec of a workload (group, kind), if it is one.
pub(super) fn pod_spec<'a>(group: &str, kind: &str, doc: &'a Node) -> Option<&'a Node> {
    let path: &[&str] = match (group, kind) {
        ("", "Pod") => &["spec"],
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet") | ("batch", "Job") => {
            &["spec", "template", "spec"]
        }
        ("batch", "CronJob") => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    };
    path.iter().try_fold(doc, |node, key| node.get(key))
}

fn items(node: Option<&Node>) -> &[Node] {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}

/// `node.name` (or `key`) as a reference, with its `optional` flag.
fn named<'a>(node: Option<&'a Node>, key: &str, secret: bool, out: &mut Vec<Ref<'a>>) {
    let Some(node) = node else { return };
    let Some(name) = node.get(key) else { return };
    let Some(text) = name.as_str().filter(|n| !n.is_empty()) else {
        return;
    };
    out.push(Ref {
        secret,
        name: text,
        pos: name.pos,
        optional: node
            .get("optional")
            .is_some_and(|o| o.value == Value::Bool(true)),
    });
}

/// Every Secret and ConfigMap reference of a pod spec, in the order written.
pub(super) fn refs(spec: &Node) -> Vec<Ref<'_>> {
    let mut out = Vec::new();
    for volume in items(spec.get("volumes")) {
        named(volume.get("secret"), "secretName", true, &mut out);
        named(volume.get("configMap"), "name", false, &mut out);
        let projected = volume.get("projected").and_then(|p| p.get("sources"));
        for source in items(projected) {
            named(source.get("secret"), "name", true, &mut out);
            named(source.get("configMap"), "name", false, &mut out);
        }
    }
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        for container in items(spec.get(list)) {
            for var in items(container.get("env")) {
                let from = var.get("valueFrom");
                named(
                    from.and_then(|f| f.get("secretKeyRef")),
                    "name",
                    true,
                    &mut out,
                );
                named(
                    from.and_then(|f| f.get("configMapKeyRef")),
                    "name",
                    false,
                    &mut out,
                );
            }
            for from in items(container.get("envFrom")) {
                named(from.get("secretRef"), "name", true, &mut out);
                named(from.get("configMapRef"), "name", false, &mut out);
            }
        }
    }
    for pull in items(spec.get("imagePullSecrets")) {
        named(Some(pull), "name", true, &mut out);
    }
    out
}
