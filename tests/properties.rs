//! Properties of the planner and the emitter, on random dependency graphs.

use std::fmt::Write as _;

use proptest::prelude::*;

/// Component count, edges (dependent, dependency), a name permutation, a spec order.
type Graph = (usize, Vec<(usize, usize)>, Vec<usize>, Vec<usize>);

/// A random DAG: component i may depend only on components with a smaller index, so
/// there is never a cycle. Names are shuffled so index order is not name order.
fn spec_text(
    n: usize,
    edges: &[(usize, usize)],
    names: &[String],
    order: &[usize],
    envs: &[&str],
) -> String {
    let mut text = String::from(
        "name: prop\noutput: {path: out}\ndefaults:\n  source: {repoURL: https://example.com/r.git, targetRevision: main}\n  namespace: \"ns-{{ env }}\"\nenvironments:\n",
    );
    for e in envs {
        let _ = writeln!(text, "  - name: {e}");
    }
    text.push_str("components:\n");
    for &i in order {
        let deps: Vec<&str> = edges
            .iter()
            .filter(|(a, _)| *a == i)
            .map(|(_, b)| names[*b].as_str())
            .collect();
        let _ = write!(
            text,
            "  - name: {}\n    source: {{path: \"apps/{}/{{{{ env }}}}\"}}\n    dependsOn: [{}]\n",
            names[i],
            names[i],
            deps.join(", ")
        );
    }
    debug_assert!(order.len() == n);
    text
}

fn graph() -> impl Strategy<Value = Graph> {
    graph_up_to(300)
}

/// A random DAG of 1 to `max - 1` nodes.
fn graph_up_to(max: usize) -> impl Strategy<Value = Graph> {
    (1usize..max).prop_flat_map(|n| {
        let edges = proptest::collection::vec((0..n, 0..n), 0..n * 2).prop_map(|pairs| {
            let mut edges: Vec<(usize, usize)> = pairs
                .into_iter()
                .filter(|(a, b)| a != b)
                .map(|(a, b)| if a > b { (a, b) } else { (b, a) })
                .collect();
            edges.sort_unstable();
            edges.dedup();
            edges
        });
        let perm = Just((0..n).collect::<Vec<_>>()).prop_shuffle();
        let order = Just((0..n).collect::<Vec<_>>()).prop_shuffle();
        (Just(n), edges, perm, order)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn dependencies_precede_dependents_and_steps_equal_the_longest_chain(
        (n, edges, perm, order) in graph(),
        independent in any::<bool>(),
    ) {
        let names: Vec<String> = (0..n).map(|i| format!("c{:03}", perm[i])).collect();
        // Both topologies: one ApplicationSet for the chain, or one per environment.
        let topology = |text: String| {
            if independent {
                text.replacen("name: prop\n", "name: prop\nrollout: {environments: independent}\n", 1)
            } else {
                text
            }
        };
        let text = topology(spec_text(n, &edges, &names, &order, &["dev", "prod"]));
        let compiled = ladder::Request::new("p.yaml", text.as_bytes()).spec_ref("x").compile().unwrap();
        let model = &compiled.model;
        let plan = &compiled.plan;
        // Every dependency is in an earlier phase, hence an earlier step.
        for (i, c) in model.components.iter().enumerate() {
            for &d in &c.depends_on {
                prop_assert!(plan.phases[d] < plan.phases[i]);
            }
        }
        // Longest chain by brute force over the original graph.
        let mut longest = vec![1usize; n];
        for i in 0..n {
            for &(a, b) in edges.iter().filter(|(a, _)| *a == i) {
                longest[a] = longest[a].max(longest[b] + 1);
            }
        }
        let chain = *longest.iter().max().unwrap();
        for env in &plan.environments {
            prop_assert_eq!(env.steps.len(), chain);
            prop_assert_eq!(env.longest_chain.len(), chain);
            // Every Application falls in exactly one step.
            let count: usize = env.steps.iter().map(|s| s.components.len()).sum();
            prop_assert_eq!(count, n);
        }
        // Same output whatever the order of the components; same bytes twice.
        let mut sorted_order: Vec<usize> = (0..n).collect();
        sorted_order.sort_by_key(|&i| names[i].clone());
        let again = topology(spec_text(n, &edges, &names, &sorted_order, &["dev", "prod"]));
        let other = ladder::Request::new("p.yaml", again.as_bytes()).spec_ref("x").compile().unwrap();
        prop_assert_eq!(&compiled.files, &other.files);
        let twice = ladder::Request::new("p.yaml", text.as_bytes()).spec_ref("x").compile().unwrap();
        prop_assert_eq!(&compiled.files, &twice.files);
    }

    #[test]
    fn every_scalar_reads_back_as_the_same_string(s in "\\PC{0,24}|[ -~]{0,24}|(yes|no|on|off|y|n|null|~|[0-9:._-]{1,8})") {
        let yaml = format!("k: {}\n", ladder::load::yaml::scalar(&s));
        // Read back with serde-saphyr's defaults, which resolve YAML 1.1 booleans (`yes`,
        // `on`) and numbers the way Go readers of Kubernetes manifests do.
        let value: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
        prop_assert_eq!(value["k"].as_str(), Some(s.as_str()), "{}", yaml);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// No input panics: arbitrary text, and the nextjs-shop example with a span of it
    /// replaced by arbitrary text, either compile or come back as diagnostics.
    #[test]
    fn no_input_panics(junk in "\\PC{0,200}|[ -~\\n\\t]{0,200}", at in 0usize..2000, len in 0usize..40) {
        let _ = ladder::Request::new("junk.yaml", junk.as_bytes()).spec_ref("x").compile();
        let example = include_str!("../examples/nextjs-shop/ladder.yaml");
        let mut at = at.min(example.len());
        while !example.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = (at + len).min(example.len());
        while !example.is_char_boundary(end) {
            end -= 1;
        }
        let mutated = format!("{}{junk}{}", &example[..at], &example[end..]);
        // With the example's version files, so a mutation that keeps the spec valid is
        // rendered too, not stopped at its missing versions.
        let path = crate::support::root().join("examples/nextjs-shop/ladder.yaml");
        let inputs = crate::support::inputs(&path, example.as_bytes());
        if let Err(diagnostics) = ladder::Request::new("m.yaml", mutated.as_bytes()).inputs(&inputs).spec_ref("x").compile() {
            prop_assert!(!diagnostics.is_empty());
        }
    }
}

/// Inputs the fuzzer found troublesome (see `fuzz/`), kept as regression cases: each
/// must come back as a result or as diagnostics. `alias-bomb-timeout.yaml` once took
/// over 10 s under the fuzzer before the anchor budget was tightened.
#[test]
fn fuzz_regressions_come_back_as_results_or_diagnostics() {
    let dir = crate::support::root().join("tests/fuzz-regressions");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    for case in cases {
        let bytes = std::fs::read(&case).unwrap();
        if let Err(diagnostics) = ladder::Request::new("case.yaml", &bytes)
            .spec_ref("x")
            .compile()
        {
            assert!(!diagnostics.is_empty(), "{}", case.display());
        }
    }
}

/// A component with `n` resource groups `g0…` (each matching Deployments labelled
/// `group: gI`), a random DAG among them, listed in `order`, the `anchor` group if any.
fn groups_spec(
    n: usize,
    edges: &[(usize, usize)],
    order: &[usize],
    anchor: Option<usize>,
) -> String {
    let mut text = String::from(
        "name: prop\noutput: {path: out}\ndefaults:\n  source: {repoURL: https://example.com/r.git, targetRevision: main}\nenvironments: [{name: dev}]\ncomponents:\n  - name: app\n    source: {path: app}\n    namespace: app\n    resources:\n",
    );
    for &i in order {
        let deps: Vec<String> = edges
            .iter()
            .filter(|(a, _)| *a == i)
            .map(|(_, b)| format!("g{b}"))
            .collect();
        let _ = writeln!(
            text,
            "      - {{name: g{i}, match: [{{labels: {{group: g{i}}}}}], dependsOn: [{}], anchor: {}}}",
            deps.join(", "),
            anchor == Some(i)
        );
    }
    debug_assert!(order.len() == n);
    text
}

fn waves_of_spec(text: &str) -> std::collections::BTreeMap<String, i32> {
    let model = match ladder::Request::new("ladder.yaml", text.as_bytes()).plan() {
        Ok(planned) => planned.model,
        Err(d) => panic!("{}", ladder::diagnostic::render(&d, Some(text))),
    };
    model.components[0]
        .waves
        .as_ref()
        .unwrap()
        .groups
        .iter()
        .map(|g| (g.name.clone(), g.wave))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every group's wave is above each dependency's, the smallest wave is 0 (or the
    /// anchor's is), no wave is skipped, and the order of the groups in the spec
    /// changes nothing.
    #[test]
    fn resource_group_waves_respect_dependencies_in_any_order(
        (n, edges, _, order) in graph_up_to(40),
        shuffled in any::<u64>(),
        anchor_pick in proptest::option::of(0usize..40),
    ) {
        let anchor = anchor_pick.map(|a| a % n);
        let waves = waves_of_spec(&groups_spec(n, &edges, &order, anchor));
        for (a, b) in &edges {
            let (wa, wb) = (waves[&format!("g{a}")], waves[&format!("g{b}")]);
            prop_assert!(wa > wb, "g{} at {} depends on g{} at {}", a, wa, b, wb);
        }
        let base = anchor.map_or(0, |a| waves[&format!("g{a}")]);
        prop_assert_eq!(base, 0);
        let min = *waves.values().min().unwrap();
        let max = *waves.values().max().unwrap();
        for w in min..=max {
            prop_assert!(waves.values().any(|&v| v == w), "wave {} is empty", w);
        }
        if anchor.is_none() {
            prop_assert_eq!(min, 0);
        }
        let mut reversed = order.clone();
        reversed.rotate_left(usize::try_from(shuffled % n as u64).unwrap());
        reversed.reverse();
        prop_assert_eq!(&waves, &waves_of_spec(&groups_spec(n, &edges, &reversed, anchor)));
    }

    /// `ladder waves` only inserts lines: removing the annotation lines it added gives the
    /// input back, and running it on its own output changes nothing.
    #[test]
    fn annotating_only_inserts_and_is_idempotent(
        docs in proptest::collection::vec((0usize..3, 0usize..4, any::<bool>()), 1..12),
    ) {
        let spec = groups_spec(3, &[(1, 0), (2, 1)], &[0, 1, 2], None);
        let model = ladder::Request::new("ladder.yaml", spec.as_bytes()).plan().unwrap().model;
        let waves = model.components[0].waves.as_ref().unwrap();
        let mut input = String::new();
        for (i, (group, style, comment)) in docs.iter().enumerate() {
            if i > 0 {
                input.push_str("---\n");
            }
            if *comment {
                input.push_str("# Source: chart/templates/x.yaml\n");
            }
            let _ = writeln!(input, "apiVersion: apps/v1\nkind: Deployment");
            match style {
                0 => { let _ = writeln!(input, "metadata:\n  name: d{i}\n  labels:\n    group: g{group}"); }
                1 => { let _ = writeln!(input, "metadata: {{name: d{i}, labels: {{group: g{group}}}}}"); }
                2 => { let _ = writeln!(input, "metadata:\n  labels: {{group: g{group}}}\n  annotations:\n    keep: \"yes\"  # a comment\n  name: d{i}"); }
                _ => { let _ = writeln!(input, "metadata:\n    name: d{i}\n    annotations: {{}}\n    labels: {{group: g{group}}}"); }
            }
            input.push_str("spec:\n  replicas: 1\n");
        }
        let inputs = [ladder::edit::annotate::Input { name: "in.yaml".into(), text: input.clone() }];
        let once = ladder::edit::annotate::annotate(waves, "app", &inputs, false).unwrap();
        prop_assert!(once.notes.is_empty());
        let again = [ladder::edit::annotate::Input { name: "in.yaml".into(), text: once.text.clone() }];
        let twice = ladder::edit::annotate::annotate(waves, "app", &again, false).unwrap();
        prop_assert_eq!(&once.text, &twice.text);
        // Undo the insertions: every input line is in the output, in order, the same or
        // with a flow entry added; every other output line is an added annotation line.
        let flow_entry = regex_free_strip;
        let mut expected = input.lines().peekable();
        let mut undone = String::new();
        for line in once.text.lines() {
            match expected.peek() {
                Some(&want) if want == line || want == flow_entry(line) => {
                    undone.push_str(want);
                    undone.push('\n');
                    expected.next();
                }
                _ => {
                    let t = line.trim_start();
                    prop_assert!(
                        t == "annotations:" || t.starts_with("argocd.argoproj.io/sync-wave: \""),
                        "unexpected line {:?}", line
                    );
                }
            }
        }
        prop_assert_eq!(undone, input);
        // And every document got its group's wave.
        for (i, (group, _, _)) in docs.iter().enumerate() {
            let doc = ladder::load::yaml::parse_all("out.yaml", &once.text).unwrap().remove(i);
            let wave = doc.get("metadata").and_then(|m| m.get("annotations")).and_then(|a| a.get("argocd.argoproj.io/sync-wave")).and_then(|w| w.as_str()).map(str::to_owned);
            prop_assert_eq!(wave, Some(group.to_string()));
        }
    }
}

/// `line` without an entry `ladder waves` adds to a flow mapping.
fn regex_free_strip(line: &str) -> String {
    let mut out = line.to_owned();
    for w in 0..3 {
        out = out
            .replace(
                &format!("annotations: {{argocd.argoproj.io/sync-wave: \"{w}\"}}, "),
                "",
            )
            .replace(&format!("{{argocd.argoproj.io/sync-wave: \"{w}\"}}"), "{}");
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// No manifest panics `ladder waves`: seed 000's manifests with a span replaced by
    /// arbitrary text come back annotated or as diagnostics.
    #[test]
    fn no_manifest_panics_ladder_waves(junk in "\\PC{0,80}|[ -~\\n]{0,80}", at in 0usize..3000, len in 0usize..40) {
        let spec = include_str!("../examples/nextjs-shop/ladder.yaml");
        let path = crate::support::root().join("examples/nextjs-shop/ladder.yaml");
        let inputs = crate::support::inputs(&path, spec.as_bytes());
        let model = ladder::Request::new("ladder.yaml", spec.as_bytes()).inputs(&inputs).plan().unwrap().model;
        let waves = model.components[0].waves.as_ref().unwrap();
        let text = include_str!("cli/waves-preserves-text/manifests.yaml");
        let mut at = at.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = (at + len).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let mutated = format!("{}{junk}{}", &text[..at], &text[end..]);
        let inputs = [ladder::edit::annotate::Input { name: "m.yaml".into(), text: mutated }];
        for overwrite in [false, true] {
            if let Err(diagnostics) = ladder::edit::annotate::annotate(waves, "ns", &inputs, overwrite) {
                prop_assert!(!diagnostics.is_empty());
            }
        }
    }
}

/// A random ladder with both kinds of edge, smokes and a partly disabled `prod`, in one
/// of the three layouts. Component i only waits for components with a smaller index.
#[derive(Debug, Clone)]
pub(crate) struct Ladder {
    pub(crate) n: usize,
    /// (dependent, dependency, is `after`).
    pub(crate) edges: Vec<(usize, usize, bool)>,
    /// 0: not a smoke, 1: gating smoke, 2: non-gating smoke.
    pub(crate) smoke: Vec<u8>,
    pub(crate) off_in_prod: Vec<bool>,
    /// 0 compact, 1 pinned, 2 banded.
    pub(crate) layout: u8,
    /// A phase per component, valid for the pinned and banded layouts.
    pub(crate) phase: Vec<u32>,
    pub(crate) names: Vec<String>,
}

pub(crate) fn ladder_strategy() -> impl Strategy<Value = Ladder> {
    (1usize..80).prop_flat_map(|n| {
        (
            Just(n),
            proptest::collection::vec((0..n, 0..n, any::<bool>()), 0..n * 2),
            proptest::collection::vec(0u8..6, n),
            proptest::collection::vec(0u8..5, n),
            proptest::collection::vec(0u32..3, n),
            0u8..3,
            Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
        )
            .prop_map(|(n, pairs, smoke_roll, off_roll, jitter, layout, perm)| {
                let mut edges: Vec<(usize, usize, bool)> = pairs
                    .into_iter()
                    .filter(|(a, b, _)| a != b)
                    .map(|(a, b, after)| if a > b { (a, b, after) } else { (b, a, after) })
                    .collect();
                edges.sort_unstable();
                edges.dedup_by(|x, y| x.0 == y.0 && x.1 == y.1);
                // Non-gating smokes: nothing may wait on them, and a smoke tests what it
                // depends on, so it needs a `dependsOn` edge.
                let waited_on: Vec<bool> = (0..n).map(|i| edges.iter().any(|e| e.1 == i)).collect();
                let smoke: Vec<u8> = (0..n)
                    .map(|i| {
                        let tests = edges.iter().any(|e| e.0 == i && !e.2);
                        match smoke_roll[i] {
                            0 if tests => 1,
                            1 if tests && !waited_on[i] => 2,
                            _ => 0,
                        }
                    })
                    .collect();
                // Disabled in prod: a random set, closed over `dependsOn` (a disabled
                // dependency is an error), while `after` targets may be off alone.
                let mut off = vec![false; n];
                for i in 0..n {
                    off[i] = off_roll[i] == 0
                        || edges
                            .iter()
                            .any(|&(a, b, after)| a == i && !after && off[b]);
                }
                // Component 0 waits for nothing, so prod always keeps one.
                off[0] = false;
                // Phases that respect every edge; smokes in slot 99 of a band, others
                // never there (banded: phase = 100 × band + slot).
                let mut phase = vec![0u32; n];
                for i in 0..n {
                    let low = edges
                        .iter()
                        .filter(|e| e.0 == i)
                        .map(|e| phase[e.1] + 1)
                        .max()
                        .unwrap_or(0);
                    phase[i] = if smoke[i] > 0 {
                        low / 100 * 100 + 99
                    } else {
                        let p = low + jitter[i];
                        if p % 100 == 99 { p + 1 } else { p }
                    };
                }
                let names = (0..n).map(|i| format!("c{:03}", perm[i])).collect();
                Ladder {
                    n,
                    edges,
                    smoke,
                    off_in_prod: off,
                    layout,
                    phase,
                    names,
                }
            })
    })
}

pub(crate) fn ladder_text(l: &Ladder, order: &[usize]) -> String {
    let layout = ["compact", "pinned", "banded"][l.layout as usize];
    let mut text = format!(
        "name: prop\noutput: {{path: out}}\ndefaults:\n  source: {{repoURL: https://example.com/r.git, targetRevision: main}}\n  namespace: \"ns-{{{{ env }}}}\"\nenvironments:\n  - name: dev\n  - name: prod\nrollout:\n  layout: {layout}\n"
    );
    if l.layout == 2 {
        text.push_str("  bands:\n");
        for b in 0..=l.phase.iter().max().unwrap() / 100 {
            let _ = writeln!(text, "    d{b}: {}", b * 100);
        }
        text.push_str("  slots:\n    smokes: 99\n");
        for s in 0..99 {
            let _ = writeln!(text, "    r{s}: {s}");
        }
    }
    text.push_str("components:\n");
    // The spec lists smokes under either name, `smoke` or `smokes`.
    for &i in order {
        let list = |after: bool| {
            l.edges
                .iter()
                .filter(|e| e.0 == i && e.2 == after)
                .map(|e| l.names[e.1].as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = write!(
            text,
            "  - name: {}\n    source: {{path: a}}\n    dependsOn: [{}]\n    after: [{}]\n",
            l.names[i],
            list(false),
            list(true)
        );
        let role = match (l.smoke[i], l.layout) {
            (0, 2) => Some(format!("r{}", l.phase[i] % 100)),
            (0, _) => None,
            (_, _) if i % 2 == 0 => Some("smoke".to_owned()),
            _ => Some("smokes".to_owned()),
        };
        if let Some(role) = role {
            let _ = writeln!(text, "    role: {role}");
        }
        if l.smoke[i] == 2 {
            text.push_str("    gating: false\n");
        }
        match l.layout {
            1 => {
                let _ = writeln!(text, "    phase: {}", l.phase[i]);
            }
            2 => {
                let _ = writeln!(text, "    domain: d{}", l.phase[i] / 100);
            }
            _ => {}
        }
        if l.off_in_prod[i] {
            text.push_str("    enabled: {prod: false}\n");
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    /// Pinned, banded and compact ladders with `dependsOn` and `after` edges, smokes and a
    /// partly disabled environment: every edge whose target runs in an environment is in
    /// an earlier step there; no smoke shares a step with what it tests; non-gating
    /// smokes are in the last step and lengthen no chain; every Application is in exactly
    /// one step; the output does not depend on the order of the components.
    #[test]
    fn every_edge_precedes_its_dependent_in_every_layout(l in ladder_strategy()) {
        let mut order: Vec<usize> = (0..l.n).collect();
        let text = ladder_text(&l, &order);
        let compiled = ladder::Request::new("p.yaml", text.as_bytes()).spec_ref("x").compile()
            .map_err(|d| TestCaseError::fail(format!("{d:?}\n{text}")))?;
        let model = &compiled.model;
        let by_name = |i: usize| {
            model.components.binary_search_by(|c| c.name.as_str().cmp(&l.names[i])).unwrap()
        };
        for (e, env) in compiled.plan.environments.iter().enumerate() {
            let enabled = |i: usize| e == 0 || !l.off_in_prod[i];
            let step_of = |i: usize| env.steps.iter().position(|s| s.components.contains(&by_name(i)));
            let mut count = 0;
            for s in &env.steps {
                prop_assert!(!s.components.is_empty());
                count += s.components.len();
            }
            prop_assert_eq!(count, (0..l.n).filter(|&i| enabled(i)).count());
            for &(a, b, after) in &l.edges {
                if !enabled(a) || !enabled(b) {
                    prop_assert!(after || !enabled(a), "a disabled dependency compiled");
                    continue;
                }
                let (sa, sb) = (step_of(a).unwrap(), step_of(b).unwrap());
                prop_assert!(sb < sa, "{} waits for {} in env {}", l.names[a], l.names[b], e);
                if l.smoke[a] > 0 && !after {
                    prop_assert_ne!(sa, sb, "a smoke shares a step with what it tests");
                }
            }
            let last = env.steps.len() - 1;
            for i in (0..l.n).filter(|&i| enabled(i) && l.smoke[i] == 2) {
                prop_assert_eq!(step_of(i), Some(last));
            }
            if l.layout == 0 {
                // Longest chain among the enabled, without non-gating smokes.
                let mut longest = vec![0usize; l.n];
                for i in (0..l.n).filter(|&i| enabled(i) && l.smoke[i] != 2) {
                    longest[i] = 1 + l.edges.iter()
                        .filter(|x| x.0 == i && enabled(x.1))
                        .map(|x| longest[x.1])
                        .max()
                        .unwrap_or(0);
                }
                let chain = *longest.iter().max().unwrap();
                let extra = usize::from(env.steps.len() > chain);
                prop_assert_eq!(env.steps.len(), chain + extra);
                if extra == 1 {
                    prop_assert!((0..l.n).any(|i| enabled(i) && l.smoke[i] == 2));
                }
            }
        }
        order.reverse();
        let reversed = ladder::Request::new("p.yaml", ladder_text(&l, &order).as_bytes()).spec_ref("x").compile().unwrap();
        prop_assert_eq!(&compiled.files, &reversed.files);
    }
}
