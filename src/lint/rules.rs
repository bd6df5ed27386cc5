//! The table of `ladder lint` rules: name, default severity, why it matters, and the fix.
//!
//! Every finding names one of these rules; `ladder lint --list-rules` prints the table.
//! Argo CD facts are from `../shared/reference/argocd-semantics.md` (section numbers in
//! the reasons).

/// How serious a finding is. Errors make `ladder lint` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One lint rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// kebab-case, stable: scripts and docs refer to it.
    pub name: &'static str,
    pub severity: Severity,
    /// Why it matters, one line.
    pub reason: &'static str,
    /// The usual fix, one line.
    pub fix: &'static str,
}

/// Every rule, manifests first, then specs.
pub const RULES: &[Rule] = &[
    Rule {
        name: "step-operator",
        severity: Severity::Error,
        reason: "RollingSync implements only `In` and `NotIn`; any other operator (`Gt`, `Exists`…) excludes Applications carrying the key and includes those missing it (§1.3)",
        fix: "list the label values with `In`",
    },
    Rule {
        name: "app-in-no-step",
        severity: Severity::Error,
        reason: "an Application no step selects is never synced by RollingSync: it waits for a manual sync (§1.4)",
        fix: "add a step that matches its labels, or correct its labels",
    },
    Rule {
        name: "app-in-two-steps",
        severity: Severity::Warning,
        reason: "an Application several steps select belongs to the first of them only (§1.3)",
        fix: "make the steps' matchExpressions select disjoint Applications",
    },
    Rule {
        name: "empty-step",
        severity: Severity::Warning,
        reason: "a step that selects no generated Application is skipped; it only hides the real ladder (§1.4)",
        fix: "remove the step",
    },
    Rule {
        name: "generator-error",
        severity: Severity::Error,
        reason: "the controller refuses the generators (a git file that is not YAML, a matrix without exactly two generators, merge keys that are not unique, fasttemplate parameters that clash, list values that are not strings): it reports `ErrorOccurred` and stops updating the ApplicationSet's Applications, so no change to them rolls out",
        fix: "correct the generator; the ApplicationSet's conditions show the controller's error",
    },
    Rule {
        name: "generator-empty",
        severity: Severity::Warning,
        reason: "a git generator whose `directories` or `files` match nothing in the checkout generates nothing; an ApplicationSet left with no Applications deletes those it generated before",
        fix: "correct the path pattern: it is relative to the repository root, and `*` does not cross `/` in `directories`",
    },
    Rule {
        name: "dependency-order",
        severity: Severity::Warning,
        reason: "a resource that needs what another Application installs (a CRD, a SecretStore, a cert-manager Issuer) fails to sync when that Application comes in the same or a later wave or step",
        fix: "move the Application that installs it to an earlier wave or step (in ladder, declare `dependsOn`)",
    },
    Rule {
        name: "generator-not-evaluated",
        severity: Severity::Note,
        reason: "ladder evaluates list, git (against a local checkout), matrix and merge generators; which steps select other generators' Applications is not checked",
        fix: "check `status.applicationStatus` of the ApplicationSet on the cluster; map a git generator's repository to its checkout with `--repository URL=DIR`",
    },
    Rule {
        name: "automated-under-rolling-sync",
        severity: Severity::Warning,
        reason: "RollingSync removes `automated` (up to 3.2) or sets `enabled: false` (3.3+); `selfHeal` is lost and only `prune` is read (§1.5)",
        fix: "keep only `automated: {prune: …}` and know that RollingSync, not auto-sync, syncs the Applications",
    },
    Rule {
        name: "automated-enabled-too-old",
        severity: Severity::Error,
        reason: "`syncPolicy.automated.enabled` exists from Argo CD 3.1; older versions refuse or drop it (§1.5, §4)",
        fix: "remove `enabled`, or target Argo CD 3.1 or later",
    },
    Rule {
        name: "deletion-order-too-old",
        severity: Severity::Error,
        reason: "`spec.strategy.deletionOrder` exists from Argo CD 3.2; older versions drop it (§1.8)",
        fix: "remove `deletionOrder`, or target Argo CD 3.2 or later",
    },
    Rule {
        name: "deletion-order-misplaced",
        severity: Severity::Error,
        reason: "Argo CD reads `deletionOrder` only at `spec.strategy.deletionOrder`; anywhere else it is never honoured (§1.8)",
        fix: "move it to `spec.strategy.deletionOrder` (Argo CD 3.2+)",
    },
    Rule {
        name: "unknown-strategy-field",
        severity: Severity::Error,
        reason: "`spec.strategy` has no free-form fields: an unknown key is refused under strict validation and dropped otherwise (§1.2)",
        fix: "use the CRD's fields: type, deletionOrder, rollingSync.steps[].matchExpressions and maxUpdate",
    },
    Rule {
        name: "strategy-ignored",
        severity: Severity::Error,
        reason: "RollingSync runs only with `type: RollingSync` and at least one step; otherwise every Application syncs at once (§1.5)",
        fix: "set `type: RollingSync` and list the steps",
    },
    Rule {
        name: "lint-directive",
        severity: Severity::Warning,
        reason: "a `# ladder-lint:` comment that is malformed or names no rule ladder has suppresses nothing",
        fix: "write `# ladder-lint: ignore[RULE] why` with a rule from `ladder lint --list-rules`",
    },
    Rule {
        name: "max-update-zero",
        severity: Severity::Warning,
        reason: "`maxUpdate` 0 or \"0%\" lets no Application of the step sync until someone syncs it by hand, and every later step waits (§1.4); right only for a deliberate manual gate (a spec must say `sync: manual`)",
        fix: "use a count such as 2 or a percentage such as \"25%\", unless the step is a manual gate",
    },
    Rule {
        name: "max-update-malformed",
        severity: Severity::Error,
        reason: "a `maxUpdate` string that is not a whole percentage is an error Argo CD only logs; the step then syncs 1 at a time (§1.4)",
        fix: "use a count such as 2 or a percentage such as \"25%\"",
    },
    Rule {
        name: "app-of-apps-without-health-check",
        severity: Severity::Error,
        reason: "Argo CD has no health check for Application: sync-waves between Applications move on ~2 s after applying each, not when it is healthy (§3)",
        fix: "add `resource.customizations.health.argoproj.io_Application` to `argocd-cm` (see Argo CD's health docs)",
    },
    Rule {
        name: "appset-sync-wave",
        severity: Severity::Error,
        reason: "an ApplicationSet's health does not follow its Applications, so later sync-waves do not wait for them: without RollingSync, or before 3.2, it is Healthy once it has generated them; with RollingSync on 3.2+ it reads Healthy on the first reconcile (RolloutProgressing is set before the Applications are created) and keeps the previous rollout's verdict after an update (there is no observedGeneration)",
        fix: "put the Applications that must wait for each other in one ApplicationSet, ordered by RollingSync steps",
    },
    Rule {
        name: "progressive-syncs-off",
        severity: Severity::Error,
        reason: "with progressive syncs off (the default) the ApplicationSet controller ignores `strategy`: every Application syncs at once (§1.1)",
        fix: "set `applicationsetcontroller.enable.progressive.syncs: \"true\"` in `argocd-cmd-params-cm` and restart the controller",
    },
    Rule {
        name: "create-namespace-not-permitted",
        severity: Severity::Error,
        reason: "with CreateNamespace=true Argo CD creates a missing destination namespace in the sync; an AppProject without a `clusterResourceWhitelist` entry for `Namespace` fails that sync, and every one after it until the namespace exists, with \"resource :Namespace is not permitted in project\" (argoproj/argo-cd#20233)",
        fix: "add `{group: \"\", kind: Namespace}` (from Argo CD 3.3 with the namespace's `name`) to the project's `clusterResourceWhitelist`",
    },
    Rule {
        name: "appset-template-sync-wave",
        severity: Severity::Warning,
        reason: "a sync-wave on an ApplicationSet's template orders nothing: the controller creates and updates the Applications itself, not through a parent's sync",
        fix: "order the generated Applications with RollingSync steps, or remove the annotation",
    },
    Rule {
        name: "duplicate-application-name",
        severity: Severity::Error,
        reason: "one Application (name and namespace) written from two manifests, or a manifest and an ApplicationSet, flips between them on every sync; twice from one ApplicationSet, the controller refuses to generate it",
        fix: "give each Application its own name, or remove one of them",
    },
    Rule {
        name: "values-without-ref",
        severity: Severity::Error,
        reason: "a `$name/…` value file or file parameter needs a source with `ref: name` among `sources`; otherwise manifest generation fails",
        fix: "add `ref: name` to the values repository's source, or correct the name",
    },
    Rule {
        name: "ref-unused",
        severity: Severity::Warning,
        reason: "a source's `ref` that no `$name/…` value file reads is dead configuration; without `path` or `chart` the source does nothing at all",
        fix: "read values through it, or remove it",
    },
    Rule {
        name: "sync-wave-not-integer",
        severity: Severity::Warning,
        reason: "a sync-wave that is not an integer is read as wave 0 (§2)",
        fix: "write the wave as an integer string, e.g. \"2\"",
    },
    Rule {
        name: "missing-dependency",
        severity: Severity::Warning,
        reason: "a component's manifests need what another component's create (a CRD, a (Cluster)SecretStore, a (Cluster)Issuer, a Namespace, an IngressClass, a StorageClass, a Secret or ConfigMap its workloads read) but the spec's `dependsOn` does not put that component first, so both may roll out at once and the first sync fail or the pods wait; a note when several components create it",
        fix: "add the component that creates it to `dependsOn`",
    },
    Rule {
        name: "dependency-not-earlier",
        severity: Severity::Error,
        reason: "a component whose phase is not after each of its dependencies can sync before them",
        fix: "move the component to a later phase, or the dependency to an earlier one",
    },
    Rule {
        name: "disabled-dependency",
        severity: Severity::Error,
        reason: "a component depends on one that is disabled in some environment, so there it waits for nothing",
        fix: "disable the dependent there too, or enable the dependency",
    },
    Rule {
        name: "dependency-cycle",
        severity: Severity::Error,
        reason: "components that depend on each other in a circle cannot be ordered",
        fix: "remove one dependency of the cycle",
    },
    Rule {
        name: "resource-groups-overlap",
        severity: Severity::Error,
        reason: "a resource two resource groups match gets two waves: `ladder waves` refuses it, and the kustomize Component patches it twice, the later patch winning",
        fix: "narrow the broader match item (a `name` or a label), or take the resource out of one group",
    },
    Rule {
        name: "spec-error",
        severity: Severity::Error,
        reason: "the spec does not build (names, sources, environments, labels…)",
        fix: "follow the help of the finding",
    },
    Rule {
        name: "gate-without-digest",
        severity: Severity::Warning,
        reason: "RollingSync syncs only Applications that are OutOfSync: an unchanged gate passes its step without running its hooks, so a gate whose manifests never change orders only the first rollout",
        fix: "hand the gate its environment's rollout digest: `gate: {helmParameter: NAME}` (a parameter its chart renders) or `gate: {kustomize: true}`",
    },
    Rule {
        name: "waves-values-not-used",
        severity: Severity::Warning,
        reason: "the Helm values ladder writes for a component's resource groups reach its chart only through a `helm.valueFiles` entry; without one every resource keeps wave 0 and no hook runs",
        fix: "list `$<ref>/<output.path>/waves/<component>/values.yaml` in the chart source's `helm.valueFiles`, through a `ref` source on the generated tree's repository",
    },
    Rule {
        name: "name-from-folder",
        severity: Severity::Warning,
        reason: "a spec without `name` is named after its folder, so a checkout in a folder with another name (a CI workspace, a renamed repository) builds other Application names, and Argo CD deletes and re-creates every Application",
        fix: "write the name out: `name: <system>` at the top of the spec",
    },
    Rule {
        name: "waves-component-not-included",
        severity: Severity::Warning,
        reason: "the kustomize Component ladder writes for a component's resource groups applies only when the overlay's kustomization lists it under `components:`; otherwise every resource keeps wave 0 and no hook runs",
        fix: "add the Component's folder, relative to the overlay, under `components:` in the overlay's kustomization",
    },
    Rule {
        name: "over-serialised",
        severity: Severity::Warning,
        reason: "a pinned or banded ladder with more steps than its longest dependency chain makes every rollout wait longer than it must",
        fix: "merge steps (see `mergeable-steps`), or use `layout: compact`",
    },
    Rule {
        name: "mergeable-steps",
        severity: Severity::Warning,
        reason: "adjacent steps where nothing in the later one depends on the earlier one could roll out together",
        fix: "give both steps' components the same phase",
    },
];

/// The rule called `name`. Every rule a finding names is in the table (tested).
pub fn rule(name: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.name == name)
}
