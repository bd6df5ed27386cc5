//! What one Kubernetes document provides and needs.
//!
//! Provides: a CRD its (group, kind); a (Cluster)SecretStore, a cert-manager
//! (Cluster)Issuer, a Namespace, an IngressClass, a StorageClass, a Secret or a ConfigMap
//! itself; an ExternalSecret the Secret it writes (`spec.target.name`, else its own name:
//! <https://external-secrets.io/latest/api/externalsecret/>;
//! not when `creationPolicy` is `Merge` or `None`, which write into a Secret made
//! elsewhere: <https://external-secrets.io/latest/guides/ownership-deletion-policy/>);
//! a cert-manager Certificate the Secret of `spec.secretName`
//! (<https://cert-manager.io/docs/usage/certificate/>).
//!
//! Needs: a custom resource (a group with a dot, not Kubernetes' own) its CRD; an
//! ExternalSecret its `secretStoreRef`; a Certificate its `issuerRef`, an Ingress the
//! issuers of cert-manager's ingress-shim annotations; a namespaced resource its
//! `metadata.namespace` (not the namespaces every cluster has:
//! <https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#initial-namespaces>);
//! an Ingress its `spec.ingressClassName` or the older `kubernetes.io/ingress.class`
//! annotation (<https://kubernetes.io/docs/concepts/services-networking/ingress/#deprecated-annotation>);
//! a PersistentVolumeClaim and a StatefulSet's `volumeClaimTemplates` their
//! `storageClassName` (`""` asks for no class:
//! <https://kubernetes.io/docs/concepts/storage/persistent-volumes/#class-1>); a workload
//! the Secrets and ConfigMaps its pods reference ([`super::pods`]).

use super::pods;
use super::thing::{Need, Provided, Thing};
use crate::diagnostic::Pos;
use crate::load::yaml::{Node, Value};

/// Kubernetes' own API groups (no CRD installs them); a group without a dot is one too.
pub const BUILT_IN: &[&str] = &[
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "metrics.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
];

/// The namespaces every cluster has: nothing installs them.
const SYSTEM_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

pub(super) fn text<'a>(node: Option<&'a Node>, path: &[&str]) -> Option<&'a str> {
    let mut node = node?;
    for key in path {
        node = node.get(key)?;
    }
    node.as_str()
}

fn items(node: Option<&Node>) -> &[Node] {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}

/// What `doc` (of the file named `given`) provides and needs, appended to `provides` and
/// `needs`.
pub(super) fn read(given: &str, doc: &Node, provides: &mut Vec<Provided>, needs: &mut Vec<Need>) {
    let Some(api) = text(Some(doc), &["apiVersion"]) else {
        return;
    };
    let Some(kind) = text(Some(doc), &["kind"]) else {
        return;
    };
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    let name = text(Some(doc), &["metadata", "name"]).unwrap_or_default();
    let namespace = text(Some(doc), &["metadata", "namespace"]).map(str::to_owned);
    let ns = || namespace.clone().unwrap_or_default();
    let spec = doc.get("spec");
    let what = format!("{kind} `{name}`");
    let here = doc.get("kind").map_or(doc.pos, |k| k.pos);
    let mut provide = |thing: Thing, pos: Pos| {
        provides.push(Provided {
            thing,
            what: what.clone(),
            file: given.to_owned(),
            pos,
        });
    };
    match (group, kind) {
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            if let (Some(g), Some(k)) = (text(spec, &["group"]), text(spec, &["names", "kind"])) {
                provide(Thing::Crd(g.to_owned(), k.to_owned()), here);
            }
        }
        ("external-secrets.io", "SecretStore") => {
            provide(Thing::Store(Some(ns()), name.to_owned()), here);
        }
        ("external-secrets.io", "ClusterSecretStore") => {
            provide(Thing::Store(None, name.to_owned()), here);
        }
        ("cert-manager.io", "Issuer") => {
            provide(Thing::Issuer(Some(ns()), name.to_owned()), here);
        }
        ("cert-manager.io", "ClusterIssuer") => provide(Thing::Issuer(None, name.to_owned()), here),
        ("", "Namespace") => provide(Thing::Namespace(name.to_owned()), here),
        ("networking.k8s.io", "IngressClass") => {
            provide(Thing::IngressClass(name.to_owned()), here);
        }
        ("storage.k8s.io", "StorageClass") => provide(Thing::StorageClass(name.to_owned()), here),
        ("", "Secret") => provide(Thing::Secret(ns(), name.to_owned()), here),
        ("", "ConfigMap") => provide(Thing::ConfigMap(ns(), name.to_owned()), here),
        ("external-secrets.io", "ExternalSecret") => {
            let target = spec.and_then(|s| s.get("target"));
            let policy = text(target, &["creationPolicy"]);
            if !matches!(policy, Some("Merge" | "None")) {
                let (secret, pos) = match target.and_then(|t| t.get("name")) {
                    Some(n) if n.as_str().is_some_and(|n| !n.is_empty()) => {
                        (n.as_str().unwrap_or_default(), n.pos)
                    }
                    _ => (name, here),
                };
                provide(Thing::Secret(ns(), secret.to_owned()), pos);
            }
        }
        ("cert-manager.io", "Certificate") => {
            if let Some(secret) = spec.and_then(|s| s.get("secretName"))
                && let Some(n) = secret.as_str().filter(|n| !n.is_empty())
            {
                provide(Thing::Secret(ns(), n.to_owned()), secret.pos);
            }
        }
        _ => {}
    }
    let mut need = |thing: Thing, pos: Pos, optional: bool| {
        needs.push(Need {
            thing,
            what: what.clone(),
            file: given.to_owned(),
            pos,
            optional,
        });
    };
    let argo_cd_own =
        group == "argoproj.io" && matches!(kind, "Application" | "ApplicationSet" | "AppProject");
    let custom = group.contains('.')
        && !BUILT_IN.contains(&group)
        && !group.ends_with(".openshift.io")
        && !argo_cd_own;
    if custom {
        need(Thing::Crd(group.to_owned(), kind.to_owned()), here, false);
    }
    let reference = |key: &str| spec.and_then(|s| s.get(key));
    let annotations = doc.get("metadata").and_then(|m| m.get("annotations"));
    match (group, kind) {
        ("external-secrets.io", "ExternalSecret") => {
            if let Some(r) = reference("secretStoreRef")
                && let Some(store) = text(Some(r), &["name"])
            {
                let cluster = text(Some(r), &["kind"]) == Some("ClusterSecretStore");
                let ns = (!cluster).then(ns);
                need(Thing::Store(ns, store.to_owned()), r.pos, false);
            }
        }
        ("cert-manager.io", "Certificate") => {
            if let Some(r) = reference("issuerRef")
                && let Some(issuer) = text(Some(r), &["name"])
                && text(Some(r), &["group"]).is_none_or(|g| g == "cert-manager.io")
            {
                let cluster = text(Some(r), &["kind"]) == Some("ClusterIssuer");
                let ns = (!cluster).then(ns);
                need(Thing::Issuer(ns, issuer.to_owned()), r.pos, false);
            }
        }
        ("networking.k8s.io", "Ingress") => {
            // cert-manager's ingress-shim annotations.
            for (key, cluster) in [
                ("cert-manager.io/cluster-issuer", true),
                ("cert-manager.io/issuer", false),
            ] {
                if let Some(a) = annotations.and_then(|a| a.get(key))
                    && let Some(issuer) = a.as_str()
                {
                    let ns = (!cluster).then(ns);
                    need(Thing::Issuer(ns, issuer.to_owned()), a.pos, false);
                }
            }
        }
        _ => {}
    }
    if matches!(
        (group, kind),
        ("networking.k8s.io" | "extensions", "Ingress")
    ) {
        let class = reference("ingressClassName")
            .or_else(|| annotations.and_then(|a| a.get("kubernetes.io/ingress.class")));
        if let Some(c) = class
            && let Some(n) = c.as_str().filter(|n| !n.is_empty())
        {
            need(Thing::IngressClass(n.to_owned()), c.pos, false);
        }
    }
    let claims: Vec<&Node> = match (group, kind) {
        ("", "PersistentVolumeClaim") => spec.into_iter().collect(),
        ("apps", "StatefulSet") => items(reference("volumeClaimTemplates"))
            .iter()
            .filter_map(|t| t.get("spec"))
            .collect(),
        _ => Vec::new(),
    };
    for claim in claims {
        if let Some(c) = claim.get("storageClassName")
            && let Some(n) = c.as_str().filter(|n| !n.is_empty())
        {
            need(Thing::StorageClass(n.to_owned()), c.pos, false);
        }
    }
    if let Some(pod) = pods::pod_spec(group, kind, doc) {
        for r in pods::refs(pod) {
            let thing = if r.secret {
                Thing::Secret(ns(), r.name.to_owned())
            } else {
                Thing::ConfigMap(ns(), r.name.to_owned())
            };
            need(thing, r.pos, r.optional);
        }
    }
    if kind != "Namespace"
        && let Some(n) = doc.get("metadata").and_then(|m| m.get("namespace"))
        && let Some(name) = n.as_str().filter(|n| !n.is_empty())
        && !SYSTEM_NAMESPACES.contains(&name)
    {
        need(Thing::Namespace(name.to_owned()), n.pos, false);
    }
}
