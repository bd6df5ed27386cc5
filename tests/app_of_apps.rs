//! The app-of-apps strategy, checked on what Argo CD would see: every child Application
//! validates against the official CRD, its sync-wave puts it after everything it waits
//! for in its environment, every wave of one environment precedes the next one's (when
//! sequential), the `argocd-cm` patch carries ladder's Application health check that
//! makes the waves wait (Argo CD has none since 1.8, argoproj/argo-cd#3781), a manual
//! environment's children carry the annotation that check reads, and the root retries.

use crate::support::root;

fn wave(text: &str) -> i64 {
    let node = ladder::load::yaml::parse("child", text).unwrap().to_json();
    node["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
        .as_str()
        .expect("a sync-wave annotation, as a string")
        .parse()
        .unwrap()
}

fn check(spec: &str) {
    let bytes = std::fs::read(root().join(spec)).unwrap();
    let c = ladder::Request::new(spec, &bytes)
        .spec_ref("ladder.yaml")
        .compile()
        .unwrap();
    let text = |path: &str| String::from_utf8(c.files[path].clone()).unwrap();
    let children: Vec<(String, String)> = c
        .files
        .keys()
        .filter(|p| p.contains("apps/"))
        .map(|p| (p.clone(), text(p)))
        .collect();
    if let Some(dir) = crate::support::crds_dir(None) {
        let report = ladder::validate::validate(crate::support::load_crds(&dir), &children);
        assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
        assert_eq!(report.checked, children.len());
    }

    let model = &c.model;
    let independent = model.rollout.topology == ladder::load::spec::Topology::Independent;
    let prefix = |e: usize| {
        if independent {
            format!("{}/", model.environments[e].name)
        } else {
            String::new()
        }
    };
    let mut previous_env_max = None;
    for (e, env) in model.environments.iter().enumerate() {
        let wave_of = |i: usize| {
            let app = model.components[i].instances[e].as_ref()?;
            Some(wave(&text(&format!("{}apps/{}.yaml", prefix(e), app.app))))
        };
        let mut waves = Vec::new();
        for (i, component) in model.components.iter().enumerate() {
            let Some(w) = wave_of(i) else { continue };
            waves.push(w);
            for d in component.waits_for() {
                if let Some(dw) = wave_of(d) {
                    assert!(
                        dw < w,
                        "{}: {} (wave {w}) waits for {} (wave {dw})",
                        env.name,
                        component.name,
                        model.components[d].name
                    );
                }
            }
        }
        let (lo, hi) = (*waves.iter().min().unwrap(), *waves.iter().max().unwrap());
        if !independent {
            if let Some(max) = previous_env_max {
                assert!(lo > max, "{}'s waves start at {lo}, before {max}", env.name);
            }
            previous_env_max = Some(hi);
        }
        let patch = text(&format!("{}patches/argocd-cm.yaml", prefix(e)));
        let lua: String = ladder::analyze::health::APPLICATION_LUA
            .lines()
            .map(|l| {
                if l.is_empty() {
                    "\n".to_owned()
                } else {
                    format!("    {l}\n")
                }
            })
            .collect();
        assert!(
            patch.contains(&format!(
                "resource.customizations.health.argoproj.io_Application: |\n{lua}"
            )),
            "{patch}"
        );
        // A manual environment's children are marked for that check to pass them.
        let manual = env.sync == ladder::load::spec::Sync::Manual;
        for (i, _) in model.components.iter().enumerate() {
            let Some(app) = model.components[i].instances[e].as_ref() else {
                continue;
            };
            let child = text(&format!("{}apps/{}.yaml", prefix(e), app.app));
            assert_eq!(
                child.contains("\n    ladder.dev/sync: manual\n"),
                manual,
                "{}: {child}",
                app.app
            );
        }
        let root_file = text(&format!("{}root.yaml", prefix(e)));
        assert!(
            root_file.contains("\n    retry:\n      limit: 5\n"),
            "{root_file}"
        );
    }
    assert!(
        !c.files.keys().any(|p| p.ends_with("applicationset.yaml")),
        "app-of-apps emits no ApplicationSet"
    );
}

#[test]
fn app_of_apps_children_validate_and_wait_for_what_they_depend_on() {
    check("tests/golden/app-of-apps/ladder.yaml");
}

#[test]
fn app_of_apps_with_independent_environments_gets_a_root_per_environment() {
    check("tests/golden/app-of-apps-independent/ladder.yaml");
}
