//! `ladder validate`'s core against the official Argo CD CRDs: what each version's
//! schema accepts and refuses, with positions.

use ladder::diagnostic::Pos;
use ladder::validate::{Crds, Report, validate};

/// Loads the CRDs of one Argo CD version (`None`: the newest, v3.5.1).
fn load(version: Option<&str>) -> Option<&'static Crds> {
    let dir = crate::support::crds_dir(version)?;
    let crds = crate::support::load_crds(&dir);
    assert_eq!(crds.len(), 3);
    Some(crds)
}

fn run(crds: &Crds, text: &str) -> Report {
    validate(crds, &[("out.yaml".to_owned(), text.to_owned())])
}

fn messages(report: &Report) -> Vec<&str> {
    report
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect()
}

const APPSET: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: shop
  namespace: argocd
  labels:
    app.kubernetes.io/managed-by: ladder
  annotations:
    ladder.dev/spec: ladder.yaml
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
    - list:
        elements:
          - component: api
            env: dev
            phase: "1"
            source:
              repoURL: https://example.com/repo.git
              path: apps/api
              helm:
                valueFiles: [values.yaml]
  strategy:
    type: RollingSync
    rollingSync:
      steps:
        - matchExpressions:
            - key: rollout-phase
              operator: In
              values: ["1"]
          maxUpdate: "25%"
        - matchExpressions:
            - key: rollout-phase
              operator: In
              values: ["2"]
          maxUpdate: 1
  template:
    metadata:
      name: '{{ .component }}-{{ .env }}'
      labels:
        rollout-phase: '{{ .phase }}'
    spec:
      project: shop
      source:
        repoURL: https://example.com/repo.git
        targetRevision: main
        path: '{{ .source.path }}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{ .env }}'
  templatePatch: |
    spec:
      syncPolicy:
        automated: {}
"#;

#[test]
fn valid_application_set_passes_3_5() {
    let Some(crds) = load(None) else { return };
    let report = run(crds, APPSET);
    assert_eq!(messages(&report), Vec::<&str>::new());
    assert_eq!(report.checked, 1);
    assert!(report.skipped.is_empty());
}

#[test]
fn unknown_nested_field_is_reported_with_its_path() {
    let Some(crds) = load(None) else { return };
    let text = APPSET.replace(
        "    rollingSync:\n",
        "    rollingSync:\n      deletionStrategy:\n        deletionOrder: Reverse\n",
    );
    let report = run(crds, &text);
    assert_eq!(
        messages(&report),
        vec![
            "ApplicationSet `shop`: unknown field `deletionStrategy` in `spec.strategy.rollingSync`"
        ]
    );
    let d = &report.diagnostics[0];
    let line = text
        .lines()
        .position(|l| l.contains("deletionStrategy"))
        .unwrap()
        + 1;
    assert_eq!(
        (d.pos.line as usize, d.pos.column, d.pos.len),
        (line, 7, 16)
    );
    assert_eq!(d.file, "out.yaml");
}

#[test]
fn deletion_order_needs_argo_cd_3_2() {
    let Some(new) = load(None) else { return };
    let Some(old) = load(Some("v2.10.0")) else {
        return;
    };
    let text = APPSET.replace(
        "    type: RollingSync\n",
        "    type: RollingSync\n    deletionOrder: Reverse\n",
    );
    assert_eq!(messages(&run(new, &text)), Vec::<&str>::new());
    assert_eq!(
        messages(&run(old, &text)),
        vec!["ApplicationSet `shop`: unknown field `deletionOrder` in `spec.strategy`"]
    );
    // The rest of the ApplicationSet is fine with 2.10.
    assert_eq!(messages(&run(old, APPSET)), Vec::<&str>::new());
}

#[test]
fn automated_enabled_needs_argo_cd_3_1() {
    let Some(new) = load(None) else { return };
    let Some(old) = load(Some("v2.10.0")) else {
        return;
    };
    let text = "\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: root
  namespace: argocd
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: default
  source:
    repoURL: https://example.com/repo.git
    targetRevision: main
    path: out
  destination:
    server: https://kubernetes.default.svc
    namespace: argocd
  syncPolicy:
    automated:
      enabled: false
      prune: true
";
    assert_eq!(messages(&run(new, text)), Vec::<&str>::new());
    let report = run(old, text);
    assert_eq!(
        messages(&report),
        vec!["Application `root`: unknown field `enabled` in `spec.syncPolicy.automated`"]
    );
    assert_eq!(
        report.diagnostics[0].help.as_deref(),
        Some("expected one of `allowEmpty`, `prune`, `selfHeal`")
    );
}

#[test]
fn documents_without_a_crd_are_skipped() {
    let Some(crds) = load(None) else { return };
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n---\n{}\n";
    let report = run(crds, text);
    assert_eq!(report.checked, 0);
    assert_eq!(
        report.skipped,
        vec![(
            "out.yaml".to_owned(),
            Pos::new(1, 1),
            "v1/ConfigMap".to_owned()
        )]
    );
    assert_eq!(
        messages(&report),
        vec!["manifest without `apiVersion`", "manifest without `kind`"]
    );
}

#[test]
fn metadata_types_and_yaml_errors() {
    let Some(crds) = load(None) else { return };
    let text = "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: p\n  lables: {}\n  annotations: { a: 1 }\nspec: {}\n";
    let report = run(crds, text);
    assert_eq!(
        messages(&report),
        vec![
            "AppProject `p`: unknown field `lables` in `metadata`",
            "AppProject `p`: `metadata.annotations.a` must be a string, found an integer",
        ]
    );
    assert_eq!(
        report.diagnostics[0].help.as_deref(),
        Some("did you mean `labels`?")
    );
    let report = run(crds, "a: [\n");
    assert_eq!(report.diagnostics.len(), 1);
    assert!(
        report.diagnostics[0].message.starts_with("invalid YAML"),
        "{:?}",
        report.diagnostics
    );
}

#[test]
fn crd_files_with_problems_are_errors() {
    let text = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  names: {}\n---\nkind: ConfigMap\n";
    let err = Crds::from_texts(&[("crd.yaml".to_owned(), text.to_owned())]).unwrap_err();
    let messages: Vec<&str> = err.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        vec![
            "CustomResourceDefinition without `spec.group`",
            "CustomResourceDefinition without `spec.names.kind`"
        ]
    );
    let crds = Crds::from_texts(&[("x.yaml".to_owned(), "kind: ConfigMap\n".to_owned())]).unwrap();
    assert!(crds.is_empty());
}

/// Regression: a CRD whose schema refers to itself through `$ref`s (which the API server
/// refuses) made `validate` exponential in the depth of a manifest.
#[test]
fn crds_with_ref_or_definitions_are_refused() {
    let crd = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: trees.example.com}
spec:
  group: example.com
  names: {kind: Tree, plural: trees}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          definitions:
            node: {type: object}
          properties:
            spec:
              anyOf:
                - $ref: '#/definitions/node'
                - $ref: '#/definitions/node'
";
    let result = Crds::from_texts(&[("crd.yaml".to_owned(), crd.to_owned())]);
    let Err(diagnostics) = result else {
        panic!("a CRD with $ref was accepted");
    };
    let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(
        messages
            .iter()
            .all(|m| m.contains("is not supported in a CRD schema"))
    );
    assert_eq!(diagnostics[0].pos.line, 15);
}

/// Regression: `ladder validate` reported ladder's own `waves/…/values.yaml` as a
/// manifest without apiVersion and kind. A file with ladder's header that is not a
/// Kubernetes object is noted; the same document in a file ladder did not write is
/// still an error.
#[test]
fn ladder_helm_values_are_noted_and_other_files_without_a_kind_are_errors() {
    let crds = Crds::default();
    let ours = "# Generated by ladder from ../ladder.yaml. Do not edit: change the spec and run `ladder build`.\nsyncWaves: {db: \"0\"}\n";
    let report = validate(&crds, &[("values.yaml".to_owned(), ours.to_owned())]);
    assert!(report.diagnostics.is_empty());
    assert_eq!(report.other.len(), 1);
    assert!(
        report.other[0]
            .2
            .starts_with("Helm values ladder generated")
    );
    let theirs = "syncWaves: {db: \"0\"}\n";
    let report = validate(&crds, &[("values.yaml".to_owned(), theirs.to_owned())]);
    assert_eq!(report.diagnostics.len(), 2);
    let component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n";
    let report = validate(&crds, &[("k.yaml".to_owned(), component.to_owned())]);
    assert!(report.diagnostics.is_empty() && report.skipped.is_empty());
    assert_eq!(report.other.len(), 1);
}
