use super::kustomize::{join, normalize};
use super::*;
use crate::load::yaml::{self, Node};

fn scan_texts(files: &[(&str, &str)]) -> Settings {
    let parsed: Vec<(&str, &str, Vec<Node>)> = files
        .iter()
        .map(|(name, text)| (*name, *text, yaml::parse_all(name, text).unwrap()))
        .collect();
    scan(
        &parsed
            .iter()
            .map(|(f, t, d)| (*f, *t, d.as_slice()))
            .collect::<Vec<_>>(),
    )
}

const APP: &str = "argoproj.io/Application";

#[test]
fn the_config_maps_themselves_whole_or_old_style() {
    let s = scan_texts(&[(
        "argocd-cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cm}\ndata:\n  resource.customizations: |\n    argoproj.io/Application:\n      health.lua: |\n        return {}\n  resource.customizations.health.cert-manager.io_Certificate: x\n",
    )]);
    assert!(s.health_check(APP).is_some());
    assert!(s.health_check("cert-manager.io/Certificate").is_some());
    let s = scan_texts(&[(
        "params.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cmd-params-cm}\n",
    )]);
    assert_eq!(s.progressive.len(), 1);
    assert_eq!(
        s.progressive[0].1, None,
        "a whole ConfigMap keeps the default"
    );
    assert!(s.progressive_on().is_none());
}

#[test]
fn chart_values_at_the_top_under_an_umbrella_key_and_inline_in_an_application() {
    let s = scan_texts(&[(
        "values.yaml",
        "configs:\n  cm:\n    resource.customizations.health.argoproj.io_Application: |\n      return {}\n  params:\n    applicationsetcontroller.enable.progressive.syncs: true\n",
    )]);
    assert!(s.health_check(APP).unwrap().how.contains("configs.cm"));
    assert!(s.progressive_on().is_some());
    let s = scan_texts(&[(
        "charts/platform/values.yaml",
        "argo-cd:\n  configs:\n    params:\n      server.insecure: true\n",
    )]);
    let (place, on) = &s.progressive[0];
    assert_eq!(*on, None, "the chart's default is off");
    assert!(
        place.how.contains("`argo-cd.configs.params`"),
        "{}",
        place.how
    );
    let s = scan_texts(&[(
        "argocd.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: argocd}\nspec:\n  source:\n    chart: argo-cd\n    helm:\n      values: |\n        configs:\n          cm:\n            resource.customizations.health.argoproj.io_Application: x\n      valuesObject:\n        applicationSet:\n          extraArgs: [--enable-progressive-syncs]\n",
    )]);
    assert!(s.health_check(APP).is_some());
    assert!(s.progressive_on().is_some());
}

#[test]
fn kustomize_generators_inline_and_file_patches_and_json_patches() {
    let kustomization = "resources:\n- https://github.com/argoproj/argo-cd//manifests/cluster-install?ref=v3.5.1\n- ./base\nconfigMapGenerator:\n- name: argocd-cmd-params-cm\n  behavior: merge\n  literals:\n  - applicationsetcontroller.enable.progressive.syncs=true\npatches:\n- path: cm-patch.yaml\n- target: {kind: ConfigMap, name: argocd-cm}\n  patch: |-\n    - op: add\n      path: /data/resource.customizations.health.argoproj.io_Application\n      value: x\n";
    let s = scan_texts(&[
        ("argocd/kustomization.yaml", kustomization),
        (
            "argocd/cm-patch.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cmd-params-cm}\ndata: {server.insecure: 'true'}\n",
        ),
    ]);
    assert!(s.health_check(APP).unwrap().how.contains("JSON patch"));
    assert!(
        s.progressive_on()
            .unwrap()
            .how
            .contains("configMapGenerator")
    );
    // The patch file lacks the key but is a patch: it says nothing.
    assert_eq!(s.progressive.len(), 1, "{:?}", s.progressive);
    assert_eq!(s.remote.len(), 1);
    assert!(s.files.contains("argocd/kustomization.yaml"));
    let s = scan_texts(&[(
        "kustomization.yaml",
        "configMapGenerator:\n- name: argocd-cm\n  behavior: merge\n  files:\n  - resource.customizations.health.argoproj.io_Application=health.lua\npatchesStrategicMerge:\n- |-\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: argocd-cmd-params-cm}\n  data:\n    applicationsetcontroller.enable.progressive.syncs: \"false\"\n",
    )]);
    assert!(s.health_check(APP).is_some());
    assert_eq!(s.progressive[0].1, Some(false));
}

#[test]
fn the_operator_resource_and_the_controller_deployment() {
    let s = scan_texts(&[(
        "argocd.yaml",
        "apiVersion: argoproj.io/v1beta1\nkind: ArgoCD\nmetadata: {name: gitops}\nspec:\n  resourceHealthChecks:\n  - group: argoproj.io\n    kind: Application\n    check: |\n      return {}\n  applicationSet:\n    env:\n    - name: ARGOCD_APPLICATIONSET_CONTROLLER_ENABLE_PROGRESSIVE_SYNCS\n      value: \"true\"\n",
    )]);
    assert!(s.health_check(APP).unwrap().how.contains("Operator"));
    assert!(s.progressive_on().is_some());
    let s = scan_texts(&[(
        "deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: argocd-applicationset-controller}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        args: [--enable-progressive-syncs=false]\n",
    )]);
    assert_eq!(s.progressive[0].1, Some(false));
}

#[test]
fn paths_join_against_the_kustomization_folder() {
    assert_eq!(
        join("a/b/kustomization.yaml", "../c/./d.yaml"),
        "a/c/d.yaml"
    );
    assert_eq!(join("kustomization.yaml", "./d.yaml"), "d.yaml");
    assert_eq!(normalize("./x\\y.yaml"), "x/y.yaml");
    assert_eq!(normalize("./a/./b/../c"), "a/c");
    assert_eq!(normalize("../a"), "../a");
    assert_eq!(normalize("/x/../y"), "/y");
    assert_eq!(normalize("."), "");
}

/// Regression: a patch that removes a key (`null`, an empty script, `$patch: delete`)
/// was read as setting it, and a JSON patch of the whole `data` was not read.
#[test]
fn removals_set_nothing_and_a_json_patch_of_all_data_is_read() {
    let cm = |data: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: argocd-cm}}\n{data}")
    };
    for data in [
        "data:\n  resource.customizations.health.argoproj.io_Application: null\n",
        "data:\n  resource.customizations.health.argoproj.io_Application: ''\n",
        "data:\n  resource.customizations: |\n    argoproj.io/Application:\n      health.lua: ''\n",
        "$patch: delete\ndata:\n  resource.customizations.health.argoproj.io_Application: x\n",
    ] {
        let s = scan_texts(&[("argocd-cm.yaml", &cm(data))]);
        assert!(s.health_check(APP).is_none(), "{data}");
    }
    let s = scan_texts(&[(
        "kustomization.yaml",
        "patches:\n  - target: {kind: ConfigMap, name: argocd-cm}\n    patch: |\n      - op: add\n        path: /data\n        value:\n          resource.customizations.health.argoproj.io_Application: |\n            return {}\n",
    )]);
    assert!(s.health_check(APP).is_some());
}

/// A wildcard in the `resource.customizations` block covers the Application.
#[test]
fn a_wildcard_health_check_covers_the_application() {
    let s = scan_texts(&[(
        "argocd-cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cm}\ndata:\n  resource.customizations: |\n    argoproj.io/*:\n      health.lua: |\n        return {}\n",
    )]);
    assert!(s.health_check(APP).is_some());
    assert!(s.health_check("cert-manager.io/Certificate").is_none());
}

/// Regression: any chart's `configs.params` without the key was taken for the argo-cd
/// chart's default (progressive syncs off), an error on other charts' values.
#[test]
fn only_the_argo_cd_charts_params_keep_its_default() {
    let params = "configs:\n  params:\n    log.level: debug\n";
    assert!(
        scan_texts(&[("charts/other/values.yaml", params)])
            .progressive
            .is_empty()
    );
    let s = scan_texts(&[
        ("charts/argocd/values.yaml", params),
        (
            "charts/argocd/Chart.yaml",
            "name: platform-argocd\ndependencies:\n  - name: argo-cd\n    version: 7.0.0\n",
        ),
    ]);
    assert_eq!(s.progressive.len(), 1);
    let umbrella = "argo-cd:\n  configs:\n    params:\n      log.level: debug\n";
    assert_eq!(
        scan_texts(&[("values.yaml", umbrella)]).progressive.len(),
        1
    );
}
