//! `preset: kinds`: ladder's built-in ordering of resources by kind.
//!
//! Each entry is one group, depending on the one before it. The order follows what
//! has to exist before what: a namespace and the CRDs before anything in or of them,
//! identities and their permissions, the configuration and secrets workloads mount,
//! volumes, the Services clients resolve, databases, the Jobs that migrate them, the
//! workloads, and last what exposes them. Argo CD's own kind order inside one wave
//! (`argocd-semantics.md` §2) is similar but does not wait for health between kinds;
//! these groups become waves, which do.

/// (group name, kinds), first to last.
pub(super) const KINDS: &[(&str, &[&str])] = &[
    ("namespaces", &["Namespace", "CustomResourceDefinition"]),
    (
        "rbac",
        &[
            "ServiceAccount",
            "Role",
            "ClusterRole",
            "RoleBinding",
            "ClusterRoleBinding",
        ],
    ),
    (
        "config",
        &[
            "ConfigMap",
            "Secret",
            "SecretStore",
            "ClusterSecretStore",
            "ExternalSecret",
            "SealedSecret",
        ],
    ),
    (
        "storage",
        &["StorageClass", "PersistentVolume", "PersistentVolumeClaim"],
    ),
    ("services", &["Service"]),
    ("databases", &["StatefulSet", "Database", "PostgresCluster"]),
    ("migrations", &["Job"]),
    (
        "workloads",
        &[
            "Deployment",
            "DaemonSet",
            "ReplicaSet",
            "Pod",
            "CronJob",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
        ],
    ),
    (
        "ingress",
        &["IngressClass", "Ingress", "HTTPRoute", "GRPCRoute"],
    ),
];
