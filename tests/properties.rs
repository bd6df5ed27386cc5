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
    (1usize..300).prop_flat_map(|n| {
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
        let compiled = ladder::compile("p.yaml", text.as_bytes(), "x").unwrap();
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
        let other = ladder::compile("p.yaml", again.as_bytes(), "x").unwrap();
        prop_assert_eq!(&compiled.files, &other.files);
        let twice = ladder::compile("p.yaml", text.as_bytes(), "x").unwrap();
        prop_assert_eq!(&compiled.files, &twice.files);
    }

    #[test]
    fn every_scalar_reads_back_as_the_same_string(s in "\\PC{0,24}|[ -~]{0,24}|(yes|no|on|off|y|n|null|~|[0-9:._-]{1,8})") {
        let yaml = format!("k: {}\n", ladder::yaml::scalar(&s));
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
        let _ = ladder::compile("junk.yaml", junk.as_bytes(), "x");
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
        if let Err(diagnostics) = ladder::compile("m.yaml", mutated.as_bytes(), "x") {
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
        if let Err(diagnostics) = ladder::compile("case.yaml", &bytes, "x") {
            assert!(!diagnostics.is_empty(), "{}", case.display());
        }
    }
}
