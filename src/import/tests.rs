const TREE: &str = include_str!("../../tests/compare/list-rolling-sync/tree/appset.yaml");

fn import(files: &[(&str, &str)]) -> super::Imported {
    let files: Vec<(String, String)> = files
        .iter()
        .map(|(f, t)| ((*f).to_owned(), (*t).to_owned()))
        .collect();
    super::import(&files, None).unwrap()
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
    let a = crate::review::compare::read(&[("tree/appset.yaml".into(), TREE.into())]).unwrap();
    let b = crate::review::compare::read(&built).unwrap();
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
