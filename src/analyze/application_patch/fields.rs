//! Ladder's model of the Argo CD `Application`: every field of the CRD, down to the
//! objects ladder writes part of, each classified for an `application:` patch — ladder
//! owns it, a first-class spec field writes it, it is refused for what Argo CD would do
//! with it, or a patch may set it (with its shape and the version it arrived in).
//!
//! The model is ladder's own, written from the CRDs (`manifests/crds/application-crd.yaml`
//! at each Argo CD tag) and kept honest by a test that compares it, object by object,
//! with the v3.5.1 and v2.10.0 CRDs: a field a new Argo CD version adds fails that test
//! until it is classified here.

use crate::analyze::model::Version;

/// What an `application:` patch may do with a field.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Role {
    /// Ladder writes it: why a patch may not.
    Owned(&'static str),
    /// A first-class field of the spec writes it, checked more closely: what to write.
    FirstClass(&'static str),
    /// Refused: what Argo CD would do with it.
    Refused(&'static str),
    /// A patch may set it, with this shape.
    Open(Shape),
    /// An object ladder writes part of: its fields.
    Within(&'static [Field]),
    /// `spec.syncPolicy.automated`: ladder's under RollingSync (which drives the syncs)
    /// and in manual environments (where its presence would make Argo CD sync by
    /// itself); otherwise an object ladder writes part of.
    Automated(&'static [Field]),
}

/// The shape of a value a patch may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Bool,
    /// A list of finalizer names.
    Finalizers,
}

#[cfg(test)]
impl Shape {
    /// The CRD's `type` of this shape (and of its items).
    pub(crate) fn crd_type(self) -> (&'static str, Option<&'static str>) {
        match self {
            Shape::Bool => ("boolean", None),
            Shape::Finalizers => ("array", Some("string")),
        }
    }
}

/// One field of an object.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub(crate) name: &'static str,
    /// The Argo CD version that added it (`None`: 2.10 or earlier), for the CRD test and
    /// for refusing it below.
    pub(crate) since: Option<Version>,
    pub(crate) role: Role,
}

impl Field {
    /// Whether Argo CD `version` has the field.
    pub(crate) fn exists_in(&self, version: Version) -> bool {
        self.since.is_none_or(|since| version >= since)
    }
}

const fn field(name: &'static str, role: Role) -> Field {
    Field {
        name,
        since: None,
        role,
    }
}

const fn since(name: &'static str, major: u32, minor: u32, role: Role) -> Field {
    Field {
        name,
        since: Some(Version { major, minor }),
        role,
    }
}

/// The fields of an Application.
pub(crate) const APPLICATION: &[Field] = &[
    field(
        "apiVersion",
        Role::Owned("ladder writes `argoproj.io/v1alpha1`"),
    ),
    field("kind", Role::Owned("ladder writes `Application`")),
    field("metadata", Role::Within(METADATA)),
    field("spec", Role::Within(SPEC)),
    field(
        "operation",
        Role::Refused(
            "an `operation` starts a sync as soon as Argo CD reads it; it is a request to the controller, not configuration (use `argocd app sync`)",
        ),
    ),
    field(
        "status",
        Role::Refused("Argo CD's controller writes `status`; what is applied there is overwritten"),
    ),
];

/// The fields of an Application's `metadata` (Kubernetes `ObjectMeta`; the CRD says only
/// `type: object`) a manifest may set.
pub(crate) const METADATA: &[Field] = &[
    field(
        "name",
        Role::Owned(
            "ladder names each Application after its component and environment, and the rollout steps, the AppProject and `ladder diff` follow the name; rename the component instead",
        ),
    ),
    field(
        "generateName",
        Role::Owned("ladder names each Application after its component and environment"),
    ),
    field(
        "namespace",
        Role::Owned("every Application lives in `argocd.namespace`"),
    ),
    field(
        "labels",
        Role::FirstClass(
            "`labels:` on the component (or in `overrides.ENV.labels`), where ladder's own labels are refused",
        ),
    ),
    field(
        "annotations",
        Role::FirstClass(
            "`annotations:` on the component (or in `overrides.ENV.annotations`), where ladder's own annotations are refused",
        ),
    ),
    field("finalizers", Role::Open(Shape::Finalizers)),
    field(
        "ownerReferences",
        Role::Refused(
            "the ApplicationSet controller sets its own owner reference on the Applications it generates, and the root prunes its children without one",
        ),
    ),
];

/// The fields of an Application's `spec`.
pub(crate) const SPEC: &[Field] = &[
    field(
        "destination",
        Role::FirstClass(
            "`destination:` on the component (or in `overrides.ENV.destination`), which the AppProject follows",
        ),
    ),
    field(
        "ignoreDifferences",
        Role::FirstClass(
            "`ignoreDifferences:` on the component, where JSON pointers and jq expressions are checked",
        ),
    ),
    field("info", Role::FirstClass("`info:` on the component")),
    field(
        "project",
        Role::Owned(
            "every Application is in the spec's AppProject (`argocd.project`), which ladder scopes to the spec's repositories and destinations",
        ),
    ),
    field(
        "revisionHistoryLimit",
        Role::FirstClass("`revisionHistoryLimit:` on the component"),
    ),
    field(
        "source",
        Role::FirstClass(
            "`source:` or `sources:` on the component, which carry ladder's waves, gates and version pins",
        ),
    ),
    // v2.14.0 manifests/crds/application-crd.yaml is the first with `sourceHydrator`.
    since(
        "sourceHydrator",
        2,
        14,
        Role::Refused(
            "with a `sourceHydrator` Argo CD deploys the hydrator's `syncSource` in place of `spec.source(s)` (v3.5.1 pkg/apis/application/v1alpha1/types.go `ApplicationSpec.GetSource`), so the sources ladder writes, with its waves, gates and version pins, would be ignored",
        ),
    ),
    field(
        "sources",
        Role::FirstClass(
            "`source:` or `sources:` on the component, which carry ladder's waves, gates and version pins",
        ),
    ),
    field("syncPolicy", Role::Within(SYNC_POLICY)),
];

/// The fields of `spec.syncPolicy`.
pub(crate) const SYNC_POLICY: &[Field] = &[
    field("automated", Role::Automated(AUTOMATED)),
    field(
        "managedNamespaceMetadata",
        Role::FirstClass("`managedNamespaceMetadata:` on the component"),
    ),
    field("retry", Role::FirstClass("`retry:` on the component")),
    field(
        "syncOptions",
        Role::FirstClass("`syncOptions:` on the component or its environment, option by option"),
    ),
];

/// The fields of `spec.syncPolicy.automated` (app-of-apps, `sync: auto` environments).
pub(crate) const AUTOMATED: &[Field] = &[
    field("allowEmpty", Role::Open(Shape::Bool)),
    // v3.1.0 is the first CRD with `automated.enabled` (the CRDs' README).
    since(
        "enabled",
        3,
        1,
        Role::Owned(
            "ladder writes the automated block for `sync: auto` environments only; set `sync:` on the environment",
        ),
    ),
    field("prune", Role::FirstClass("`prune:` on the environment")),
    field(
        "selfHeal",
        Role::FirstClass("`selfHeal:` on the environment"),
    ),
];
