//! The simulator on small trees, one Argo CD rule each (argocd-semantics.md §1–3, §7).

use std::fmt::Write as _;

use super::*;
use crate::analyze::model::Version;

const V35: Version = Version { major: 3, minor: 5 };
const V32: Version = Version { major: 3, minor: 2 };

/// An ApplicationSet named `set` generating `apps` (name, labels as `k=v,k=v`) with
/// these RollingSync steps (YAML of the `steps` list, indented by 6).
fn appset(apps: &[(&str, &str)], steps: &str) -> String {
    let mut elements = String::new();
    for (name, labels) in apps {
        let _ = writeln!(elements, "          - name: {name}");
        for pair in labels.split(',').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap();
            let _ = writeln!(elements, "            {k}: \"{v}\"");
        }
    }
    let keys: Vec<&str> = apps
        .iter()
        .flat_map(|(_, l)| {
            l.split(',')
                .filter_map(|p| p.split_once('=').map(|(k, _)| k))
        })
        .collect();
    let mut label_lines = String::new();
    let mut seen = Vec::new();
    for k in keys {
        if !seen.contains(&k) {
            seen.push(k);
            let _ = writeln!(label_lines, "        {k}: \"{{{{ .{k} }}}}\"");
        }
    }
    format!(
        "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: set
spec:
  goTemplate: true
  goTemplateOptions: [\"missingkey=zero\"]
  generators:
    - list:
        elements:
{elements}  template:
    metadata:
      name: \"{{{{ .name }}}}\"
      labels:
{label_lines}    spec:
      project: default
      source: {{repoURL: https://example.com/r.git, path: x}}
      destination: {{server: https://kubernetes.default.svc, namespace: x}}
      syncPolicy: {{automated: {{prune: true}}}}
  strategy:
    type: RollingSync
    rollingSync:
      steps:
{steps}"
    )
}

fn scenario(version: Version, durations: &[(&str, u64)]) -> Scenario {
    let mut s = Scenario::new(version);
    for (name, d) in durations {
        s.facts.insert(
            (*name).to_owned(),
            Facts {
                duration: *d,
                ..Facts::default()
            },
        );
    }
    s
}

fn run(text: &str, scenario: &Scenario) -> Timeline {
    simulate(
        &[("applicationset.yaml".to_owned(), text.to_owned())],
        scenario,
    )
}

fn lane<'a>(t: &'a Timeline, app: &str) -> &'a Lane {
    t.lanes.iter().find(|l| l.app == app).unwrap()
}

fn starts(t: &Timeline, apps: &[&str]) -> Vec<Option<u64>> {
    apps.iter().map(|a| lane(t, a).state.start()).collect()
}

const ONE_STEP: &str = "        - matchExpressions: [{key: env, operator: In, values: [dev]}]\n";

#[test]
fn max_update_is_a_sliding_window_in_name_order() {
    let tree = appset(
        &[
            ("a", "env=dev"),
            ("b", "env=dev"),
            ("c", "env=dev"),
            ("d", "env=dev"),
        ],
        &format!("{ONE_STEP}          maxUpdate: 2\n"),
    );
    let s = scenario(V35, &[("a", 10), ("b", 30), ("c", 19), ("d", 5)]);
    let t = run(&tree, &s);
    // a and b start; c takes a's slot at 10, d takes c's at 29.
    assert_eq!(
        starts(&t, &["a", "b", "c", "d"]),
        [Some(0), Some(0), Some(10), Some(29)]
    );
    assert_eq!(t.total, 34);
    assert_eq!(
        lane(&t, "d").after.map(|i| t.lanes[i].app.as_str()),
        Some("c")
    );
}

#[test]
fn a_percentage_rounds_down_but_lets_one_through() {
    let apps = [("a", "env=dev"), ("b", "env=dev"), ("c", "env=dev")];
    let s = scenario(V35, &[("a", 10), ("b", 10), ("c", 10)]);
    // 10% of 3 is 0.3: floored to 0, lifted to 1, so one at a time.
    let t = run(
        &appset(&apps, &format!("{ONE_STEP}          maxUpdate: 10%\n")),
        &s,
    );
    assert_eq!(starts(&t, &["a", "b", "c"]), [Some(0), Some(10), Some(20)]);
    // 67% of 3 is 2.01: two at once.
    let t = run(
        &appset(&apps, &format!("{ONE_STEP}          maxUpdate: 67%\n")),
        &s,
    );
    assert_eq!(starts(&t, &["a", "b", "c"]), [Some(0), Some(0), Some(10)]);
}

#[test]
fn only_out_of_sync_applications_sync_and_unchanged_ones_pass_their_step() {
    let tree = appset(
        &[("a", "env=dev,phase=1"), ("b", "env=dev,phase=2")],
        "        - matchExpressions: [{key: phase, operator: In, values: [\"1\"]}]
        - matchExpressions: [{key: phase, operator: In, values: [\"2\"]}]\n",
    );
    let mut s = scenario(V35, &[("a", 10), ("b", 10)]);
    s.facts.get_mut("a").unwrap().changed = false;
    let t = run(&tree, &s);
    assert_eq!(lane(&t, "a").state, State::Unchanged);
    assert_eq!(starts(&t, &["b"]), [Some(0)], "step 2 starts at once");
    assert_eq!(t.total, 10);
}

#[test]
fn health_is_sticky_from_3_3_but_not_before() {
    let tree = appset(
        &[("a", "phase=1"), ("b", "phase=2"), ("c", "phase=2")],
        "        - matchExpressions: [{key: phase, operator: In, values: [\"1\"]}]
        - matchExpressions: [{key: phase, operator: In, values: [\"2\"]}]
          maxUpdate: 1\n",
    );
    let durations = [("a", 10), ("b", 10), ("c", 10)];
    let mut s = scenario(V35, &durations);
    s.facts.get_mut("a").unwrap().outcome = Outcome::DegradesAfter(5);
    // 3.5: a's status entry stays Healthy; c starts when b is healthy.
    let t = run(&tree, &s);
    assert_eq!(starts(&t, &["b", "c"]), [Some(10), Some(20)]);
    // 3.2: a Degraded at 15 takes step 2 out of the allowed steps; c never starts.
    s.version = V32;
    let t = run(&tree, &s);
    assert_eq!(starts(&t, &["b"]), [Some(10)]);
    assert_eq!(lane(&t, "c").state, State::Blocked { by: Some(0) });
}

#[test]
fn max_update_zero_waits_for_an_operator() {
    let tree = appset(
        &[("a", "env=dev"), ("b", "env=prod"), ("c", "env=prod")],
        "        - matchExpressions: [{key: env, operator: In, values: [dev]}]
        - matchExpressions: [{key: env, operator: In, values: [prod]}]
          maxUpdate: 0\n",
    );
    let t = run(&tree, &scenario(V35, &[("a", 10), ("b", 20), ("c", 30)]));
    assert_eq!(starts(&t, &["b", "c"]), [Some(10), Some(10)]);
    assert!(lane(&t, "b").operator && !lane(&t, "a").operator);
    assert_eq!(t.total, 40);
}

#[test]
fn a_failure_blocks_later_steps_and_keeps_its_slot() {
    let tree = appset(
        &[("a", "env=dev"), ("b", "env=dev"), ("c", "env=prod")],
        "        - matchExpressions: [{key: env, operator: In, values: [dev]}]
          maxUpdate: 1
        - matchExpressions: [{key: env, operator: In, values: [prod]}]\n",
    );
    let mut s = scenario(V35, &[("a", 10), ("b", 10), ("c", 10)]);
    s.facts.get_mut("a").unwrap().outcome = Outcome::Fails;
    let t = run(&tree, &s);
    assert_eq!(lane(&t, "a").state, State::Failed { start: 0, at: 10 });
    let a = t.lanes.iter().position(|l| l.app == "a");
    assert_eq!(
        lane(&t, "b").state,
        State::Blocked { by: a },
        "a keeps the one slot"
    );
    assert_eq!(lane(&t, "c").state, State::Blocked { by: a });
}

#[test]
fn not_in_and_unknown_operators_keep_applications_without_the_key() {
    let tree = appset(
        &[("a", "env=dev"), ("b", "env=prod"), ("c", "env=qa")],
        "        - matchExpressions:
            - {key: region, operator: NotIn, values: [eu]}
            - {key: env, operator: In, values: [dev]}
        - matchExpressions:
            - {key: region, operator: Gt, values: [\"1\"]}
            - {key: env, operator: In, values: [qa]}
        - matchExpressions: [{key: env, operator: Exists}]\n",
    );
    let t = run(&tree, &scenario(V35, &[("a", 10), ("b", 10), ("c", 10)]));
    // No `region` label: NotIn and Gt keep them.
    assert_eq!(lane(&t, "a").place, Place::Step(1));
    assert_eq!(lane(&t, "c").place, Place::Step(2));
    // Every Application has `env`, and Exists is no operator Argo CD evaluates.
    assert_eq!(lane(&t, "b").place, Place::NoStep);
    assert_eq!(lane(&t, "b").state, State::NeverSynced);
    assert!(t.notes.iter().any(|n| n.contains("manual sync")));
}

#[test]
fn applications_in_no_step_count_towards_the_first_steps_percentage() {
    let tree = appset(
        &[
            ("a", "env=dev"),
            ("b", "env=dev"),
            ("x", "env=qa"),
            ("y", "env=qa"),
        ],
        &format!("{ONE_STEP}          maxUpdate: 50%\n"),
    );
    // 50% of 4 (two members and the two in no step) is 2: both start at once.
    let t = run(&tree, &scenario(V35, &[("a", 10), ("b", 10)]));
    assert_eq!(starts(&t, &["a", "b"]), [Some(0), Some(0)]);
}

#[test]
fn an_application_in_two_steps_holds_both() {
    let tree = appset(
        &[
            ("a", "env=dev,phase=1"),
            ("b", "env=qa,phase=1"),
            ("c", "env=qa,phase=2"),
        ],
        "        - matchExpressions: [{key: env, operator: In, values: [dev]}]
        - matchExpressions: [{key: phase, operator: In, values: [\"1\"]}]
        - matchExpressions: [{key: phase, operator: In, values: [\"2\"]}]\n",
    );
    let t = run(&tree, &scenario(V35, &[("a", 30), ("b", 10), ("c", 10)]));
    assert_eq!(lane(&t, "a").place, Place::Step(1));
    // Step 2 holds a and b: b starts with it at 30, c after both, at 40.
    assert_eq!(starts(&t, &["a", "b", "c"]), [Some(0), Some(30), Some(40)]);
}

/// A root over `apps/` and the child Applications (name, wave, annotations).
fn app_of_apps(children: &[(&str, i64, &str)], health: bool) -> Vec<(String, String)> {
    let mut files = vec![(
        "root.yaml".to_owned(),
        "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: root}
spec:
  source: {repoURL: https://example.com/r.git, path: deploy, directory: {recurse: true, exclude: root.yaml}}
  syncPolicy: {automated: {}}\n"
            .to_owned(),
    )];
    for (name, wave, extra) in children {
        let policy = if extra.contains("manual") {
            ""
        } else {
            "  syncPolicy: {automated: {prune: true}}\n"
        };
        files.push((
            format!("apps/{name}.yaml"),
            format!(
                "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  annotations: {{argocd.argoproj.io/sync-wave: \"{wave}\"{extra}}}
spec:
{policy}"
            ),
        ));
    }
    if health {
        files.push((
            "patches/argocd-cm.yaml".to_owned(),
            "apiVersion: v1
kind: ConfigMap
metadata: {name: argocd-cm}
data:
  resource.customizations.health.argoproj.io_Application: |
    hs = {}
    return hs\n"
                .to_owned(),
        ));
    }
    files
}

#[test]
fn waves_wait_for_healthy_children_with_the_health_check_and_two_seconds() {
    let files = app_of_apps(&[("a", 1, ""), ("b", 1, ""), ("c", 2, "")], true);
    let mut s = scenario(V35, &[("a", 10), ("b", 30), ("c", 10)]);
    s.base = Some("deploy".to_owned());
    let t = simulate(&files, &s);
    assert_eq!(starts(&t, &["a", "b", "c"]), [Some(0), Some(0), Some(32)]);
    assert_eq!(lane(&t, "c").place, Place::Wave(2));
    assert_eq!(lane(&t, "c").rollout, "root");
    let path: Vec<&str> = t
        .critical
        .iter()
        .map(|&i| t.lanes[i].app.as_str())
        .collect();
    assert_eq!(path, ["b", "c"]);
}

#[test]
fn without_the_health_check_the_next_wave_starts_two_seconds_after_apply() {
    let files = app_of_apps(&[("a", 1, ""), ("c", 2, "")], false);
    let t = simulate(&files, &scenario(V35, &[("a", 10), ("c", 10)]));
    assert_eq!(starts(&t, &["a", "c"]), [Some(0), Some(2)]);
    assert!(t.notes.iter().any(|n| n.contains("health check")));
}

#[test]
fn a_wave_with_nothing_changed_is_skipped_without_a_delay() {
    let files = app_of_apps(&[("a", 1, ""), ("b", 2, ""), ("c", 3, "")], true);
    let mut s = scenario(V35, &[("a", 10), ("b", 10), ("c", 10)]);
    s.facts.get_mut("b").unwrap().changed = false;
    let t = simulate(&files, &s);
    assert_eq!(starts(&t, &["a", "c"]), [Some(0), Some(12)]);
}

#[test]
fn a_degraded_child_fails_the_root_and_blocks_later_waves() {
    let files = app_of_apps(
        &[
            ("a", 1, ""),
            ("m", 1, ", ladder.dev/sync: manual"),
            ("c", 2, ""),
        ],
        true,
    );
    let mut s = scenario(V35, &[("a", 10), ("m", 100), ("c", 10)]);
    s.facts.get_mut("a").unwrap().outcome = Outcome::Fails;
    let t = simulate(&files, &s);
    assert!(matches!(
        lane(&t, "c").state,
        State::Blocked { by: Some(_) }
    ));
    // The manual child is synced by its operator and passed by the guarded check.
    assert!(lane(&t, "m").operator);
    assert_eq!(lane(&t, "m").state.start(), Some(0));
}

#[test]
fn a_child_marked_manual_does_not_hold_its_wave() {
    let files = app_of_apps(&[("m", 1, ", ladder.dev/sync: manual"), ("c", 2, "")], true);
    let t = simulate(&files, &scenario(V35, &[("m", 100), ("c", 10)]));
    assert_eq!(starts(&t, &["m", "c"]), [Some(0), Some(2)]);
}

#[test]
fn reading_on_several_threads_gives_what_one_thread_reads() {
    // Over `PARALLEL_FROM` bytes, with a file that is not YAML and an argocd-cm among
    // them, so every part of a chunk's result is joined.
    let padding = format!("# {}\n", "x".repeat(1000));
    let mut files: Vec<(String, String)> = (0..1500)
        .map(|i| {
            (
                format!("apps/a{i:04}.yaml"),
                format!(
                    "{padding}apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: a{i:04}\n  annotations: {{argocd.argoproj.io/sync-wave: \"{}\"}}\n",
                    i % 7
                ),
            )
        })
        .collect();
    files.insert(700, ("apps/broken.yaml".to_owned(), "a: [\n".to_owned()));
    files.push(app_of_apps(&[], true).pop().unwrap());
    let one = format!("{:?}", read::read(&files));
    for threads in [2, 3, 8] {
        assert_eq!(
            format!("{:?}", read::read_on(&files, threads)),
            one,
            "{threads} threads"
        );
    }
}
