use super::*;
use crate::load::yaml::{self, Node};

/// A component: name, namespace, files as (name, text).
type Given<'a> = (&'a str, Option<&'a str>, &'a [(&'a str, &'a str)]);

/// Components parsed and handed to [`suggest`].
fn run(components: &[Given<'_>]) -> Suggestions {
    let parsed: Vec<Vec<(&str, Vec<Node>)>> = components
        .iter()
        .map(|(_, _, files)| {
            files
                .iter()
                .map(|(f, t)| (*f, yaml::parse_all(f, t).unwrap()))
                .collect()
        })
        .collect();
    let installs: Vec<Installs<'_>> = components
        .iter()
        .zip(&parsed)
        .map(|((name, ns, _), files)| Installs {
            component: name,
            namespace: *ns,
            files: files.iter().map(|(f, d)| (*f, d.as_slice())).collect(),
        })
        .collect();
    suggest(&installs)
}

/// The edges as (dependent, dependency).
fn edges(s: &Suggestions) -> Vec<(&str, &str)> {
    s.edges
        .iter()
        .map(|e| (e.dependent.as_str(), e.dependency.as_str()))
        .collect()
}

fn texts(s: &Suggestions) -> Vec<&str> {
    s.edges
        .iter()
        .flat_map(|e| &e.evidence)
        .map(|e| e.what.as_str())
        .collect()
}

const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget}
";

#[test]
fn a_custom_resource_depends_on_the_component_that_installs_its_crd() {
    let s = run(&[
        (
            "app",
            None,
            &[(
                "app/w.yaml",
                "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n",
            )],
        ),
        ("crds", None, &[("crds/crd.yaml", CRD)]),
    ]);
    assert_eq!(edges(&s), [("app", "crds")]);
    assert_eq!(
        texts(&s),
        [
            "Widget `w` (app/w.yaml:2) needs the CRD of `Widget` (`example.com`), which `crds` installs (CustomResourceDefinition `widgets.example.com`, crds/crd.yaml:2)"
        ]
    );
    assert_eq!(s.edges[0].evidence[0].pos.line, 2);
}

#[test]
fn a_namespaced_resource_depends_on_the_component_that_creates_its_namespace() {
    let s = run(&[
        (
            "app",
            None,
            &[(
                "app/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: d, namespace: kube-system}\n",
            )],
        ),
        (
            "namespaces",
            None,
            &[(
                "ns.yaml",
                "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}\n",
            )],
        ),
    ]);
    assert_eq!(edges(&s), [("app", "namespaces")]);
    assert_eq!(
        texts(&s),
        [
            "ConfigMap `c` (app/cm.yaml:3) is in Namespace `shop`, which `namespaces` creates (Namespace `shop`, ns.yaml:2)"
        ]
    );
}

#[test]
fn an_external_secret_depends_on_its_secret_store_or_cluster_secret_store() {
    let es = "apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata: {name: db, namespace: shop}
spec:
  secretStoreRef: {name: vault, kind: ClusterSecretStore}
---
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata: {name: cache, namespace: shop}
spec:
  secretStoreRef: {name: local}
";
    let s = run(&[
        ("app", None, &[("app/es.yaml", es)]),
        (
            "cluster-store",
            None,
            &[(
                "cs.yaml",
                "apiVersion: external-secrets.io/v1beta1\nkind: ClusterSecretStore\nmetadata: {name: vault}\n",
            )],
        ),
        (
            "store",
            None,
            &[(
                "s.yaml",
                "apiVersion: external-secrets.io/v1beta1\nkind: SecretStore\nmetadata: {name: local, namespace: shop}\n",
            )],
        ),
        (
            "other-store",
            None,
            &[(
                "o.yaml",
                "apiVersion: external-secrets.io/v1beta1\nkind: SecretStore\nmetadata: {name: local, namespace: elsewhere}\n",
            )],
        ),
    ]);
    assert_eq!(edges(&s), [("app", "cluster-store"), ("app", "store")]);
}

#[test]
fn a_certificate_depends_on_its_issuer_or_cluster_issuer() {
    let certs = "apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: api-tls, namespace: shop}
spec:
  secretName: api-tls
  issuerRef: {name: letsencrypt, kind: ClusterIssuer}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: internal, namespace: shop}
spec:
  secretName: internal
  issuerRef: {name: ca}
";
    let s = run(&[
        ("shop", None, &[("shop/certs.yaml", certs)]),
        (
            "cert-manager-config",
            None,
            &[(
                "infra/issuers.yaml",
                "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata: {name: letsencrypt}\n",
            )],
        ),
        (
            "ca",
            None,
            &[(
                "ca.yaml",
                "apiVersion: cert-manager.io/v1\nkind: Issuer\nmetadata: {name: ca, namespace: shop}\n",
            )],
        ),
    ]);
    assert_eq!(edges(&s), [("shop", "ca"), ("shop", "cert-manager-config")]);
    assert!(texts(&s).contains(&"Certificate `api-tls` (shop/certs.yaml:6) uses ClusterIssuer `letsencrypt`, which `cert-manager-config` creates (ClusterIssuer `letsencrypt`, infra/issuers.yaml:2)"));
}

#[test]
fn an_ingress_depends_on_its_ingress_class_by_field_or_annotation() {
    let ingresses = "apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec: {ingressClassName: nginx}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: old
  annotations: {kubernetes.io/ingress.class: traefik}
";
    let class = |name: &str| {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {{name: {name}}}\n"
        )
    };
    let (nginx, traefik) = (class("nginx"), class("traefik"));
    let s = run(&[
        ("web", None, &[("web/ingress.yaml", ingresses)]),
        ("ingress-nginx", None, &[("nginx.yaml", &nginx)]),
        ("traefik", None, &[("traefik.yaml", &traefik)]),
    ]);
    assert_eq!(edges(&s), [("web", "ingress-nginx"), ("web", "traefik")]);
}

#[test]
fn claims_depend_on_their_storage_class_and_an_empty_class_on_none() {
    let claims = "apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {storageClassName: fast}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: static}
spec: {storageClassName: \"\"}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {storageClassName: slow}
";
    let class = |name: &str| {
        format!("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: {name}}}\n")
    };
    let (fast, slow, empty) = (class("fast"), class("slow"), class("\"\""));
    let s = run(&[
        ("db", None, &[("db/claims.yaml", claims)]),
        ("fast-storage", None, &[("fast.yaml", &fast)]),
        ("slow-storage", None, &[("slow.yaml", &slow)]),
        ("odd", None, &[("empty.yaml", &empty)]),
    ]);
    assert_eq!(edges(&s), [("db", "fast-storage"), ("db", "slow-storage")]);
}

const WORKLOAD: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      imagePullSecrets: [{name: registry}]
      volumes:
      - {name: tls, secret: {secretName: api-tls}}
      - {name: conf, configMap: {name: api-config}}
      - name: all
        projected:
          sources: [{secret: {name: projected}}]
      containers:
      - name: api
        env:
        - name: DB
          valueFrom: {secretKeyRef: {name: db, key: url}}
        - name: FLAG
          valueFrom: {configMapKeyRef: {name: flags, key: f, optional: true}}
        envFrom: [{secretRef: {name: generated}}]
";

const PRODUCERS: &str = "apiVersion: v1
kind: Secret
metadata: {name: registry, namespace: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: api-config, namespace: shop}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: cert, namespace: shop}
spec: {secretName: api-tls}
---
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata: {name: db-secret, namespace: shop}
spec:
  target: {name: db}
---
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata: {name: generated, namespace: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: flags, namespace: shop}
---
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata: {name: merged, namespace: shop}
spec:
  target: {name: projected, creationPolicy: Merge}
";

#[test]
fn a_workload_depends_on_the_secrets_and_config_maps_another_component_produces() {
    let s = run(&[
        ("api", None, &[("api/deploy.yaml", WORKLOAD)]),
        ("config", None, &[("config/all.yaml", PRODUCERS)]),
    ]);
    assert_eq!(edges(&s), [("api", "config")]);
    let texts = texts(&s);
    for expected in [
        "Deployment `api` (api/deploy.yaml:7) uses Secret `registry`, which `config` creates (Secret `registry`, config/all.yaml:2)",
        "Deployment `api` (api/deploy.yaml:9) uses Secret `api-tls`, which `config` creates (Certificate `cert`, config/all.yaml:12)",
        "Deployment `api` (api/deploy.yaml:10) uses ConfigMap `api-config`, which `config` creates (ConfigMap `api-config`, config/all.yaml:6)",
        "Deployment `api` (api/deploy.yaml:18) uses Secret `db`, which `config` creates (ExternalSecret `db-secret`, config/all.yaml:18)",
        "Deployment `api` (api/deploy.yaml:20) uses ConfigMap `flags` (optional), which `config` creates (ConfigMap `flags`, config/all.yaml:25)",
        "Deployment `api` (api/deploy.yaml:21) uses Secret `generated`, which `config` creates (ExternalSecret `generated`, config/all.yaml:21)",
    ] {
        assert!(texts.contains(&expected), "{expected}\nnot in {texts:#?}");
    }
    // A Merge ExternalSecret writes into a Secret made elsewhere: it creates none.
    assert!(!texts.iter().any(|t| t.contains("projected")), "{texts:#?}");
    let optional: Vec<bool> = s.edges[0].evidence.iter().map(|e| e.optional).collect();
    assert_eq!(optional.iter().filter(|o| **o).count(), 1);
}

#[test]
fn resources_without_a_namespace_are_in_their_components_namespace() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    envFrom: [{configMapRef: {name: settings}}]\n";
    let map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n";
    let same = run(&[
        ("app", Some("shop"), &[("app/pod.yaml", pod)]),
        ("settings", Some("shop"), &[("settings/cm.yaml", map)]),
    ]);
    assert_eq!(edges(&same), [("app", "settings")]);
    let apart = run(&[
        ("app", Some("shop"), &[("app/pod.yaml", pod)]),
        ("settings", Some("billing"), &[("settings/cm.yaml", map)]),
    ]);
    assert_eq!(edges(&apart), []);
}

#[test]
fn a_need_the_component_provides_itself_suggests_no_edge() {
    let own =
        format!("{CRD}---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: w}}\n");
    let s = run(&[
        ("app", None, &[("app/all.yaml", &own)]),
        ("crds", None, &[("crds/crd.yaml", CRD)]),
    ]);
    assert_eq!(s, Suggestions::default());
}

#[test]
fn a_need_several_components_provide_is_ambiguous_and_suggests_no_edge() {
    let s = run(&[
        (
            "app",
            None,
            &[(
                "app/w.yaml",
                "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n",
            )],
        ),
        ("crds", None, &[("crds/crd.yaml", CRD)]),
        ("more-crds", None, &[("more/crd.yaml", CRD)]),
    ]);
    assert_eq!(edges(&s), []);
    assert_eq!(s.ambiguous.len(), 1);
    assert_eq!(s.ambiguous[0].providers, ["crds", "more-crds"]);
    assert!(
        s.ambiguous[0].evidence[0]
            .what
            .ends_with("which `crds` (CustomResourceDefinition `widgets.example.com`, crds/crd.yaml:2) and `more-crds` (CustomResourceDefinition `widgets.example.com`, more/crd.yaml:2) all install"),
        "{:?}",
        s.ambiguous
    );
}

#[test]
fn the_order_of_components_and_files_changes_nothing() {
    let w = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: shop}\n";
    let ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n";
    let forward = run(&[
        (
            "api",
            None,
            &[("api/deploy.yaml", WORKLOAD), ("api/w.yaml", w)],
        ),
        (
            "config",
            None,
            &[("config/all.yaml", PRODUCERS), ("config/ns.yaml", ns)],
        ),
        ("crds", None, &[("crds/crd.yaml", CRD)]),
        ("more", None, &[("more/ns.yaml", ns)]),
    ]);
    let backward = run(&[
        ("more", None, &[("more/ns.yaml", ns)]),
        ("crds", None, &[("crds/crd.yaml", CRD)]),
        (
            "config",
            None,
            &[("config/ns.yaml", ns), ("config/all.yaml", PRODUCERS)],
        ),
        (
            "api",
            None,
            &[("api/w.yaml", w), ("api/deploy.yaml", WORKLOAD)],
        ),
    ]);
    assert_eq!(forward, backward);
    assert_eq!(edges(&forward), [("api", "config"), ("api", "crds")]);
    assert_eq!(forward.ambiguous[0].providers, ["config", "more"]);
}

#[test]
fn merged_suggestions_keep_one_edge_with_all_its_evidence() {
    let w = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n";
    let one = run(&[
        ("app", None, &[("app/w.yaml", w)]),
        ("crds", None, &[("crds/crd.yaml", CRD)]),
    ]);
    let two = run(&[
        ("app", None, &[("app/v.yaml", w)]),
        ("crds", None, &[("crds/crd.yaml", CRD)]),
    ]);
    let merged = one.clone().merge(two).merge(one);
    assert_eq!(edges(&merged), [("app", "crds")]);
    assert_eq!(merged.edges[0].evidence.len(), 2);
}

#[test]
fn installed_follows_kustomizations_and_reads_a_charts_crds_only() {
    let kustomization = "resources: [../base, extra.yaml]\n";
    let files: Vec<(&str, Vec<Node>)> = [
        ("overlay/kustomization.yaml", kustomization),
        ("overlay/extra.yaml", "kind: ConfigMap\n"),
        ("overlay/ignored.yaml", "kind: ConfigMap\n"),
        ("base/a.yaml", "kind: ConfigMap\n"),
        ("base/deep/b.yaml", "kind: ConfigMap\n"),
        ("chart/Chart.yaml", "name: c\n"),
        ("chart/crds/crd.yaml", CRD),
        ("chart/templates/t.yaml", "kind: ConfigMap\n"),
    ]
    .iter()
    .map(|(f, t)| (*f, yaml::parse_all(f, t).unwrap()))
    .collect();
    let given: Vec<(&str, &[Node])> = files.iter().map(|(f, d)| (*f, d.as_slice())).collect();
    let r = Resources::scan(&given);
    let list = |dir: &str, recurse: bool| r.installed(dir, recurse).into_iter().collect::<Vec<_>>();
    assert_eq!(
        list("./overlay", false),
        ["base/a.yaml", "overlay/extra.yaml"]
    );
    assert_eq!(list("base", true), ["base/a.yaml", "base/deep/b.yaml"]);
    assert_eq!(list("chart", false), ["chart/crds/crd.yaml"]);
}
