//! What one resource provides or needs, as components' manifests are matched on it: a
//! CRD, a secret store, an issuer, a Namespace, an IngressClass, a StorageClass, a Secret
//! or a ConfigMap, with the place of the document that provides or needs it.

use crate::diagnostic::Pos;

/// One thing a resource provides or needs.
///
/// A namespace of `""` is unknown: the resource has no `metadata.namespace`, so it is in
/// the namespace its Application deploys to ([`Thing::placed`] fills it in when that is
/// known).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Thing {
    /// A CRD: (group, kind).
    Crd(String, String),
    /// A SecretStore (namespace, name) or, with no namespace, a ClusterSecretStore.
    Store(Option<String>, String),
    /// A cert-manager Issuer (namespace, name) or, with no namespace, a ClusterIssuer.
    Issuer(Option<String>, String),
    /// A Namespace, by name.
    Namespace(String),
    /// An IngressClass, by name.
    IngressClass(String),
    /// A StorageClass, by name.
    StorageClass(String),
    /// A Secret: (namespace, name).
    Secret(String, String),
    /// A ConfigMap: (namespace, name).
    ConfigMap(String, String),
}

impl Thing {
    /// "ClusterIssuer `letsencrypt`", "the CRD of `Widget` (`example.com`)".
    pub fn describe(&self) -> String {
        match self {
            Thing::Crd(group, kind) => format!("the CRD of `{kind}` (`{group}`)"),
            Thing::Store(Some(_), name) => format!("SecretStore `{name}`"),
            Thing::Store(None, name) => format!("ClusterSecretStore `{name}`"),
            Thing::Issuer(Some(_), name) => format!("Issuer `{name}`"),
            Thing::Issuer(None, name) => format!("ClusterIssuer `{name}`"),
            Thing::Namespace(name) => format!("Namespace `{name}`"),
            Thing::IngressClass(name) => format!("IngressClass `{name}`"),
            Thing::StorageClass(name) => format!("StorageClass `{name}`"),
            Thing::Secret(_, name) => format!("Secret `{name}`"),
            Thing::ConfigMap(_, name) => format!("ConfigMap `{name}`"),
        }
    }

    /// How a resource that needs it says so: "is in", "needs", "uses".
    pub(super) fn verb(&self) -> &'static str {
        match self {
            Thing::Namespace(_) => "is in",
            Thing::Crd(..) => "needs",
            _ => "uses",
        }
    }

    /// The thing with an unknown namespace (`""`) made `namespace`, the one its
    /// Application deploys to, when that is known.
    pub(super) fn placed(&self, namespace: Option<&str>) -> Thing {
        let Some(ns) = namespace.filter(|n| !n.is_empty()) else {
            return self.clone();
        };
        let fill = |n: &String| {
            if n.is_empty() {
                ns.to_owned()
            } else {
                n.clone()
            }
        };
        match self {
            Thing::Store(Some(n), name) => Thing::Store(Some(fill(n)), name.clone()),
            Thing::Issuer(Some(n), name) => Thing::Issuer(Some(fill(n)), name.clone()),
            Thing::Secret(n, name) => Thing::Secret(fill(n), name.clone()),
            Thing::ConfigMap(n, name) => Thing::ConfigMap(fill(n), name.clone()),
            other => other.clone(),
        }
    }
}

/// What one resource provides, and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provided {
    pub thing: Thing,
    /// The resource that provides it, e.g. "ExternalSecret `db`".
    pub what: String,
    /// The file as it was given.
    pub file: String,
    pub pos: Pos,
}

/// A need of one resource: what, and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub thing: Thing,
    /// The resource, e.g. "Certificate `web-tls`".
    pub what: String,
    /// The file as it was given.
    pub file: String,
    pub pos: Pos,
    /// A reference marked `optional: true`: the workload starts without it.
    pub optional: bool,
}
