const TREE: &str = include_str!("../../tests/compare/list-rolling-sync/tree/appset.yaml");

fn import(files: &[(&str, &str)]) -> super::Imported {
    let files: Vec<(String, String)> = files
        .iter()
        .map(|(f, t)| ((*f).to_owned(), (*t).to_owned()))
        .collect();
    super::import(&files, &[], None, &[])
}

/// One ApplicationSet with a list generator and RollingSync steps by environment: the
/// imported spec builds Applications that compare equal to the generated ones.
#[test]
fn a_list_generator_with_steps_by_environment_round_trips() {
    let imported = import(&[("tree/appset.yaml", TREE)]);
    assert_eq!(imported.environments, ["dev", "prod"]);
    assert_eq!(imported.components, 2);
    // The hand-written template asks for selfHeal, which RollingSync ignores: said, once
    // per environment.
    let what: Vec<&str> = imported.report.iter().map(|l| l.what.as_str()).collect();
    assert_eq!(what.len(), 2, "{what:?}");
    assert!(
        what.iter()
            .all(|w| w.contains("`automated.selfHeal` is not imported")),
        "{what:?}"
    );
    let compiled = crate::Request::new("ladder.yaml", imported.spec.as_bytes())
        .compile()
        .unwrap_or_else(|d| panic!("{}\n{d:#?}", imported.spec));
    let built: Vec<(String, String)> = compiled
        .files
        .iter()
        .map(|(p, b)| (format!("out/{p}"), String::from_utf8_lossy(b).into_owned()))
        .collect();
    let a = crate::review::compare::read(&[("tree/appset.yaml".into(), TREE.into())], &[]).unwrap();
    let b = crate::review::compare::read(&built, &[]).unwrap();
    let c = crate::review::compare::compare(&a, &b);
    assert!(
        c.only_a.is_empty() && c.fields.is_empty() && c.order_total == 0,
        "{c:#?}\n{}",
        imported.spec
    );
    assert_eq!(c.only_b, ["shop-root"]);
}

fn application(name: &str, wave: i64, labels: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  labels: {{{labels}}}\n  annotations: {{argocd.argoproj.io/sync-wave: \"{wave}\"}}\nspec:\n  project: default\n  source: {{repoURL: https://git.example.com/p.git, path: {name}}}\n  destination: {{server: https://kubernetes.default.svc, namespace: x}}\n"
    )
}

/// Waves become phases by rank; what maps to no environment, twice the same component
/// and fields not imported are reported with their places.
#[test]
fn waves_become_ranked_phases_and_the_rest_is_reported() {
    let imported = import(&[
        ("a/db.yaml", &application("db-dev", -2, "")),
        ("a/api.yaml", &application("api-dev", 5, "")),
        ("a/web.yaml", &application("web-dev", 5, "")),
        ("a/tools.yaml", &application("tools", 0, "")),
    ]);
    assert!(
        imported.spec.contains("  - name: db\n    phase: 1\n"),
        "{}",
        imported.spec
    );
    assert!(
        imported.spec.contains("  - name: api\n    phase: 2\n"),
        "{}",
        imported.spec
    );
    assert!(
        imported.spec.contains("  - name: web\n    phase: 2\n"),
        "{}",
        imported.spec
    );
    let what: Vec<&str> = imported.report.iter().map(|l| l.what.as_str()).collect();
    assert!(
        what.iter()
            .any(|w| w.starts_with("`tools`: maps to no environment")),
        "{what:?}"
    );
}

fn app(name: &str, labels: &str, spec: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\n  labels: {{{labels}}}\nspec:\n  project: default\n  destination: {{server: https://kubernetes.default.svc, namespace: x}}\n{spec}"
    )
}

fn what(imported: &super::Imported) -> Vec<&str> {
    imported.report.iter().map(|l| l.what.as_str()).collect()
}

fn plans(imported: &super::Imported) {
    crate::Request::new("ladder.yaml", imported.spec.as_bytes())
        .plan()
        .unwrap_or_else(|d| panic!("{}\n{d:#?}", imported.spec));
}

/// A manual environment gets no automated-sync settings, which ladder refuses there;
/// `automated:` with no value is no automated sync, as in Argo CD.
#[test]
fn manual_environments_write_no_prune_and_a_null_automated_is_manual() {
    let source = "  source: {repoURL: https://g/p.git, path: a}\n";
    let imported = import(&[
        (
            "a/dev.yaml",
            &app(
                "a-dev",
                "",
                &format!("{source}  syncPolicy:\n    automated: {{prune: true, selfHeal: true}}\n"),
            ),
        ),
        (
            "a/prod.yaml",
            &app(
                "a-prod",
                "",
                &format!("{source}  syncPolicy:\n    automated:\n"),
            ),
        ),
    ]);
    assert!(
        imported.spec.contains("  - name: prod\n    destination:\n      server: https://kubernetes.default.svc\n    sync: manual\ncomponents:"),
        "{}",
        imported.spec
    );
    plans(&imported);
}

/// `{{ env }}` only where ladder substitutes it, on word boundaries; what differs
/// elsewhere is reported; files in any order give the same spec.
#[test]
fn env_is_templated_only_where_ladder_substitutes_it() {
    let source = |env: &str| {
        format!(
            "  source:\n    repoURL: https://g/devtools.git\n    path: apps/{env}\n    helm:\n      values: \"tier: {env}\"\n      valueFiles: [values-{env}.yaml]\n"
        )
    };
    let files = [
        ("t/prod.yaml", app("api-prod", "", &source("prod"))),
        ("t/dev.yaml", app("api-dev", "", &source("dev"))),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(f, t)| (*f, t.as_str())).collect();
    let imported = import(&files);
    assert!(
        imported.spec.contains(
            "      repoURL: https://g/devtools.git\n      path: apps/{{ env }}\n      helm:\n        values: \"tier: dev\"\n        valueFiles:\n          - values-{{ env }}.yaml\n"
        ),
        "{}",
        imported.spec
    );
    assert!(
        what(&imported)
            .iter()
            .any(|w| w.contains("`source.helm.values` differ")),
        "{:?}",
        what(&imported)
    );
    let reversed: Vec<(&str, &str)> = files.iter().rev().copied().collect();
    assert_eq!(import(&reversed).spec, imported.spec);
    plans(&imported);
}

/// Suffixes that only look shared (`cert-manager`, `trust-manager`) are not
/// environments; a label that is not the name's suffix is said; a file that is not
/// YAML is reported and the rest imported; sync options ladder has no name for are
/// reported.
#[test]
fn what_does_not_map_is_reported_and_the_rest_imported() {
    let source = "  source: {repoURL: https://g/p.git, path: a}\n";
    let options = format!(
        "{source}  syncPolicy:\n    syncOptions: [CreateNamespace=true, Frobnicate=true]\n"
    );
    let imported = import(&[
        ("a/cert.yaml", &app("cert-manager", "", source)),
        ("a/trust.yaml", &app("trust-manager", "", source)),
        ("a/api.yaml", &app("api", "env: dev", &options)),
        ("a/web.yaml", &app("web-dev", "", source)),
        ("a/broken.yaml", "a: [\n"),
    ]);
    assert_eq!(imported.environments, ["dev"]);
    assert_eq!(imported.components, 2);
    let what = what(&imported);
    for expected in [
        "`cert-manager`: maps to no environment",
        "`trust-manager`: maps to no environment",
        "`api`: its `env` label is `dev`, which does not end its name: ladder names it `api-dev`",
        "not imported, not YAML",
        "`api`: the sync option `Frobnicate=true` is not imported",
    ] {
        assert!(
            what.iter().any(|w| w.starts_with(expected)),
            "{expected}: {what:?}"
        );
    }
    assert!(
        imported
            .spec
            .contains("    syncOptions:\n      CreateNamespace: true\n"),
        "{}",
        imported.spec
    );
}

/// An Application RollingSync selects in no step is never synced by it: reported, and
/// placed last.
#[test]
fn an_application_in_no_step_is_reported_and_comes_last() {
    let tree = TREE.replace("values: [prod]", "values: [nowhere]");
    let imported = import(&[("tree/appset.yaml", &tree)]);
    assert!(
        what(&imported)
            .iter()
            .any(|w| w.contains("is in no RollingSync step")),
        "{:?}",
        what(&imported)
    );
}

/// Multi-source Applications (a chart and a values repository with `ref`) round trip,
/// `$values/…` value files with `{{ env }}`.
#[test]
fn multi_source_applications_with_a_values_ref_round_trip() {
    let sources = |env: &str| {
        format!(
            "  sources:\n    - repoURL: https://charts.example.com\n      chart: api\n      targetRevision: 1.2.0\n      helm:\n        releaseName: api-{env}\n        valueFiles: [$values/envs/{env}/api.yaml]\n    - repoURL: https://git.example.com/values.git\n      targetRevision: main\n      ref: values\n  syncPolicy:\n    automated: {{prune: true}}\n"
        )
    };
    let files = [
        ("dev/api.yaml", app("api-dev", "", &sources("dev"))),
        ("prod/api.yaml", app("api-prod", "", &sources("prod"))),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(f, t)| (*f, t.as_str())).collect();
    let imported = import(&files);
    assert!(
        imported
            .spec
            .contains("          - $values/envs/{{ env }}/api.yaml\n"),
        "{}",
        imported.spec
    );
    let compiled = crate::Request::new("ladder.yaml", imported.spec.as_bytes())
        .compile()
        .unwrap_or_else(|d| panic!("{}\n{d:#?}", imported.spec));
    let built: Vec<(String, String)> = compiled
        .files
        .iter()
        .map(|(p, b)| (format!("out/{p}"), String::from_utf8_lossy(b).into_owned()))
        .collect();
    let tree: Vec<(String, String)> = files
        .iter()
        .map(|(f, t)| ((*f).to_owned(), (*t).to_owned()))
        .collect();
    let a = crate::review::compare::read(&tree, &[]).unwrap();
    let b = crate::review::compare::read(&built, &[]).unwrap();
    let c = crate::review::compare::compare(&a, &b);
    assert!(
        c.only_a.is_empty() && c.fields.is_empty(),
        "{c:#?}\n{}",
        imported.spec
    );
}

fn source(repo: &str, path: &str) -> String {
    format!("  source: {{repoURL: https://git.example.com/{repo}.git, path: \"{path}\"}}\n")
}

/// An Application whose path only looks like a folder of the tree, in another
/// repository than the Applications there, is a component, not an app-of-apps.
#[test]
fn a_path_in_another_repository_is_no_app_of_apps() {
    let imported = import(&[
        (
            "envs/dev/api.yaml",
            &app("api-dev", "", &source("api", "deploy/dev")),
        ),
        (
            "envs/dev/web.yaml",
            &app("web-dev", "", &source("web", "dev")),
        ),
        (
            "envs/prod/api.yaml",
            &app("api-prod", "", &source("api", "deploy/prod")),
        ),
        (
            "envs/prod/web.yaml",
            &app("web-prod", "", &source("web", "prod")),
        ),
    ]);
    assert_eq!(imported.components, 2, "{:?}", what(&imported));
}

/// A root with `directory.recurse` installs the folders below its path: one tree, and
/// the root no component.
#[test]
fn a_recursive_root_is_the_parent_of_the_folders_below() {
    let root = "  source:\n    repoURL: https://git.example.com/p.git\n    path: apps\n    directory: {recurse: true}\n";
    let imported = import(&[
        ("bootstrap/root-prod.yaml", &app("root-prod", "", root)),
        (
            "apps/dev/api.yaml",
            &app("api-dev", "", &source("p", "api/dev")),
        ),
        (
            "apps/prod/api.yaml",
            &app("api-prod", "", &source("p", "api/prod")),
        ),
    ]);
    assert_eq!(imported.components, 1, "{}", imported.spec);
    let what = what(&imported);
    assert!(
        what.iter()
            .any(|w| w.starts_with("`root-prod`: is an app-of-apps of 2")),
        "{what:?}"
    );
    assert!(
        !what.iter().any(|w| w.contains("separate trees")),
        "{what:?}"
    );
}

/// Environments by the shape of the names, even where one component lacks one; and
/// said, as they are guesses.
#[test]
fn environments_by_shape_need_not_be_even() {
    let imported = import(&[
        ("a/1.yaml", &app("api-eu1", "", &source("p", "api"))),
        ("a/2.yaml", &app("api-us1", "", &source("p", "api"))),
        ("a/3.yaml", &app("web-eu1", "", &source("p", "web"))),
    ]);
    assert_eq!(imported.environments, ["eu1", "us1"]);
    assert!(
        what(&imported)
            .iter()
            .any(|w| w.starts_with("the environments `eu1`, `us1` are read from the ends")),
        "{:?}",
        what(&imported)
    );
}
