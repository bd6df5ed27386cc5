use super::{compare, read};

fn side(files: &[(&str, &str)]) -> super::Side {
    let files: Vec<(String, String)> = files
        .iter()
        .map(|(f, t)| ((*f).to_owned(), (*t).to_owned()))
        .collect();
    read(&files, &[]).unwrap()
}

/// One ApplicationSet, a list generator and RollingSync steps by phase label, the way
/// ladder writes it (its `templatePatch` included).
const APPSET: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: shop, namespace: argocd}
spec:
  goTemplate: true
  generators:
    - list:
        elements:
          - {app: postgres-dev, phase: "1", sync: auto, source: {repoURL: https://git.example.com/shop.git, path: postgres, targetRevision: main}}
          - {app: api-dev, phase: "2", sync: auto, source: {repoURL: https://git.example.com/shop.git, path: api, targetRevision: main}}
  template:
    metadata:
      name: "{{ .app }}"
      labels: {app.kubernetes.io/managed-by: ladder, rollout-phase: "{{ .phase }}"}
    spec:
      project: shop
      destination: {server: https://kubernetes.default.svc, namespace: shop}
  templatePatch: |
    spec:
      source: {{ toJson .source }}
      {{- if eq .sync "auto" }}
      syncPolicy:
        automated:
          prune: true
      {{- end }}
  strategy:
    type: RollingSync
    rollingSync:
      steps:
        - matchExpressions: [{key: rollout-phase, operator: In, values: ["1"]}]
        - matchExpressions: [{key: rollout-phase, operator: In, values: ["2"]}]
"#;

fn application(name: &str, wave: i64, path: &str, namespace: &str) -> String {
    format!(
        r#"apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
  annotations: {{argocd.argoproj.io/sync-wave: "{wave}"}}
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: shop
  source: {{repoURL: https://git.example.com/shop.git, path: {path}, targetRevision: main}}
  destination: {{server: https://kubernetes.default.svc, namespace: {namespace}}}
  syncPolicy: {{automated: {{prune: true}}}}
"#
    )
}

#[test]
fn an_application_set_and_the_applications_it_makes_are_the_same() {
    let a = side(&[("a/appset.yaml", APPSET)]);
    let b = side(&[
        (
            "b/apps/postgres.yaml",
            &application("postgres-dev", -1, "postgres", "shop"),
        ),
        ("b/apps/api.yaml", &application("api-dev", 3, "api", "shop")),
    ]);
    assert_eq!(a.apps.len(), 2, "{:?}", a.not_evaluated);
    let c = compare(&a, &b);
    assert!(c.is_empty(), "{c:#?}");
}

#[test]
fn a_changed_field_a_missing_application_and_a_swapped_order_are_differences() {
    let a = side(&[("a/appset.yaml", APPSET)]);
    let b = side(&[
        (
            "b/postgres.yaml",
            &application("postgres-dev", 2, "postgres", "db"),
        ),
        ("b/api.yaml", &application("api-dev", 1, "api", "shop")),
        ("b/web.yaml", &application("web-dev", 3, "web", "shop")),
    ]);
    let c = compare(&a, &b);
    assert_eq!(c.only_b, ["web-dev"]);
    assert!(c.only_a.is_empty());
    assert_eq!(c.fields.len(), 1, "{c:#?}");
    assert_eq!(c.fields[0].1, "spec.destination.namespace");
    assert_eq!(c.order_total, 1);
    assert!(
        c.order[0].contains("in A (step 2 and step 1), before it in B (wave 1 and wave 2)"),
        "{}",
        c.order[0]
    );
    let text = super::text(&a, &b, &c, "a", "b");
    assert!(
        text.contains("postgres-dev: spec.destination.namespace: \"shop\" in A, \"db\" in B"),
        "{text}"
    );
}

/// Applications in different folders (two clusters' roots) are not ordered against
/// each other.
#[test]
fn order_is_compared_only_inside_a_group() {
    let a = side(&[
        (
            "a/dev/postgres.yaml",
            &application("postgres-dev", 1, "postgres", "shop"),
        ),
        (
            "a/prod/api.yaml",
            &application("api-prod", 0, "api", "shop"),
        ),
    ]);
    let b = side(&[
        (
            "b/dev/postgres.yaml",
            &application("postgres-dev", 0, "postgres", "shop"),
        ),
        (
            "b/prod/api.yaml",
            &application("api-prod", 5, "api", "shop"),
        ),
    ]);
    assert!(compare(&a, &b).is_empty());
}

/// What cannot be evaluated is said, not guessed.
#[test]
fn a_generator_ladder_cannot_evaluate_is_a_note() {
    let appset = APPSET.replace("    - list:", "    - clusters: {}\n    - list:");
    let a = side(&[("a/appset.yaml", &appset)]);
    assert!(a.apps.is_empty());
    assert_eq!(a.not_evaluated.len(), 1, "{:?}", a.not_evaluated);
}

/// Regressions from review: each of these compared as "the same".
#[test]
fn empty_automated_labels_beside_a_rolling_sync_and_dotted_keys_are_compared() {
    let manual = application("web-dev", 0, "web", "shop");
    let auto = manual.replace(
        "syncPolicy: {automated: {prune: true}}",
        "syncPolicy: {automated: {}}",
    );
    let none = manual.replace("  syncPolicy: {automated: {prune: true}}\n", "");
    let c = compare(
        &side(&[("a/web.yaml", &auto)]),
        &side(&[("b/web.yaml", &none)]),
    );
    assert_eq!(c.fields.len(), 1, "{c:#?}");
    assert_eq!(c.fields[0].1, "spec.syncPolicy.automated");
    // A RollingSync elsewhere in the tree selects on `env`: a plain Application's `env`
    // label is still compared.
    let labelled = |env: &str| {
        manual.replace(
            "  namespace: argocd\n",
            &format!("  namespace: argocd\n  labels: {{env: {env}}}\n"),
        )
    };
    let a = side(&[("a/appset.yaml", APPSET), ("a/web.yaml", &labelled("prod"))]);
    let b = side(&[("a/appset.yaml", APPSET), ("a/web.yaml", &labelled("dev"))]);
    let c = compare(&a, &b);
    assert_eq!(c.fields.len(), 1, "{c:#?}");
    assert_eq!(c.fields[0].1, "metadata.labels.env");
    // `image.tag` and `image: {tag}` are two fields.
    let helm = |values: &str| {
        manual.replace(
            "targetRevision: main}",
            &format!("targetRevision: main, helm: {{valuesObject: {values}}}}}"),
        )
    };
    let c = compare(
        &side(&[("a/web.yaml", &helm("{image.tag: \"1\"}"))]),
        &side(&[("b/web.yaml", &helm("{image: {tag: \"1\"}}"))]),
    );
    assert_eq!(c.fields.len(), 2, "{c:#?}");
}

/// Two trees whose ApplicationSets ladder cannot evaluate are never "the same".
#[test]
fn what_is_not_evaluated_keeps_the_trees_from_being_the_same() {
    let appset = APPSET.replace("    - list:", "    - clusters: {}\n    - list:");
    let a = side(&[("a/appset.yaml", &appset)]);
    let b = side(&[("b/appset.yaml", &appset)]);
    let c = compare(&a, &b);
    assert_eq!(c.unknown, 2);
    assert!(!c.is_empty());
    assert!(super::text(&a, &b, &c, "a", "b").contains("cannot tell"));
}

/// The ApplicationSet controller gives generated Applications the resources finalizer
/// unless its ApplicationSet preserves resources; a step's `maxUpdate` is compared.
#[test]
fn the_implied_finalizer_and_max_update_are_compared() {
    let a = side(&[("a/appset.yaml", APPSET)]);
    let preserving = APPSET.replace(
        "  strategy:\n",
        "  syncPolicy: {preserveResourcesOnDeletion: true}\n  strategy:\n",
    );
    let b = side(&[("b/appset.yaml", &preserving)]);
    let c = compare(&a, &b);
    let fields: Vec<&str> = c.fields.iter().map(|f| f.1.as_str()).collect();
    assert!(fields.contains(&"metadata.finalizers"), "{fields:?}");
    assert!(
        fields.contains(&"applicationSet.syncPolicy.preserveResourcesOnDeletion"),
        "{fields:?}"
    );
    let one_at_a_time = APPSET.replace(
        "values: [\"2\"]}]",
        "values: [\"2\"]}]\n          maxUpdate: 1",
    );
    let c = compare(&a, &side(&[("b/appset.yaml", &one_at_a_time)]));
    let fields: Vec<&str> = c.fields.iter().map(|f| f.1.as_str()).collect();
    assert_eq!(fields, ["applicationSet.step.maxUpdate"], "{c:#?}");
}
