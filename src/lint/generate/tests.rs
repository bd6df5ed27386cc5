//! Generators evaluated as the controller evaluates them, on an in-memory checkout.

use std::collections::BTreeMap;

use super::*;

struct Files(Vec<String>, BTreeMap<String, String>);

impl Tree for Files {
    fn files(&self) -> &[String] {
        &self.0
    }
    fn read(&self, path: &str) -> Result<String, String> {
        self.1.get(path).cloned().ok_or_else(|| "missing".into())
    }
}

fn files(list: &[(&str, &str)]) -> Files {
    let mut names: Vec<String> = list.iter().map(|(n, _)| (*n).to_owned()).collect();
    names.sort();
    Files(
        names,
        list.iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect(),
    )
}

const URL: &str = "https://git.example.com/platform.git";

fn run(tree: &Files, appset: &str) -> Generation {
    let checkout = Checkout::new(vec![URL.into()], ".".into(), tree);
    let node = crate::load::yaml::parse("a.yaml", appset).unwrap();
    generated(&node, &[checkout])
}

/// Name and labels of each Application, `name{k=v,…}`.
fn apps(generation: &Generation) -> Vec<String> {
    match generation {
        Generation::Apps(apps, _) => apps
            .iter()
            .map(|a| {
                let labels: Vec<String> =
                    a.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("{}{{{}}}", a.name, labels.join(","))
            })
            .collect(),
        other => panic!("{other:?}"),
    }
}

fn tree() -> Files {
    files(&[
        ("apps/web/config.yaml", "tier: front\nteam: {name: shop}\n"),
        ("apps/api/config.yaml", "- tier: back\n- tier: jobs\n"),
        ("apps/legacy/config.yaml", "tier: old\n"),
        ("apps/web/base/kustomization.yaml", "resources: []\n"),
        ("clusters/dev/x.json", "{}"),
        ("clusters/prod/x.json", "{}"),
        (".github/workflows/ci.yaml", "on: push\n"),
        ("clusters/.hidden/x.json", "{}"),
    ])
}

fn appset(go: bool, generators: &str, name: &str, labels: &str) -> String {
    format!(
        "spec:\n  goTemplate: {go}\n  generators:\n{generators}\n  template:\n    metadata:\n      name: '{name}'\n      labels: {{{labels}}}\n"
    )
}

#[test]
fn directories_match_one_level_skip_hidden_folders_and_excludes_win() {
    let g = format!(
        "    - git:\n        repoURL: {URL}\n        directories:\n          - path: 'apps/*'\n          - path: apps/legacy\n            exclude: true\n          - path: 'clusters/*'\n"
    );
    let fast = run(
        &tree(),
        &appset(false, &g, "{{path.basename}}", "seg: '{{path[0]}}'"),
    );
    assert_eq!(
        apps(&fast),
        [
            "api{seg=apps}",
            "web{seg=apps}",
            "dev{seg=clusters}",
            "prod{seg=clusters}"
        ]
    );
    let go = run(
        &tree(),
        &appset(
            true,
            &g,
            "{{.path.basenameNormalized}}",
            "seg: '{{index .path.segments 0}}'",
        ),
    );
    assert_eq!(apps(&fast), apps(&go));
}

#[test]
fn files_give_one_set_per_object_with_their_keys_and_path() {
    let g = "    - git:\n        repoURL: git@git.example.com:platform\n        files:\n          - path: 'apps/*/config.yaml'\n          - path: apps/legacy/config.yaml\n            exclude: true\n        values:\n          owner: 'team-{{path.basename}}'\n";
    let fast = run(
        &tree(),
        &appset(
            false,
            g,
            "{{path.basename}}-{{tier}}",
            "team: '{{team.name}}', owner: '{{values.owner}}', file: '{{path.filename}}'",
        ),
    );
    // `api` has no `team`: fasttemplate cannot render it, so nothing is guessed.
    assert!(matches!(fast, Generation::Unknown(..)), "{fast:?}");
    let fast = run(
        &tree(),
        &appset(
            false,
            g,
            "{{path.basename}}-{{tier}}",
            "owner: '{{values.owner}}', file: '{{path.filename}}'",
        ),
    );
    assert_eq!(
        apps(&fast),
        [
            "api-back{owner=team-api,file=config.yaml}",
            "api-jobs{owner=team-api,file=config.yaml}",
            "web-front{owner=team-web,file=config.yaml}",
        ]
    );
    let go_values = g.replace("{{path.basename}}", "{{.path.basename}}");
    let go = run(
        &tree(),
        &appset(
            true,
            &go_values,
            "{{.path.basename}}-{{.tier}}",
            "owner: '{{.values.owner}}', file: '{{.path.filename}}'",
        ),
    );
    assert_eq!(apps(&go), apps(&fast));
}

#[test]
fn a_matrix_renders_its_second_generator_with_each_set_of_the_first() {
    let g = format!(
        "    - matrix:\n        generators:\n          - list:\n              elements: [{{app: web}}, {{app: api}}]\n          - git:\n              repoURL: {URL}\n              files: [{{path: 'apps/{{{{app}}}}/config.yaml'}}]\n"
    );
    let fast = run(
        &tree(),
        &appset(false, &g, "{{app}}-{{tier}}", "dir: '{{path}}'"),
    );
    assert_eq!(
        apps(&fast),
        [
            "web-front{dir=apps/web}",
            "api-back{dir=apps/api}",
            "api-jobs{dir=apps/api}"
        ]
    );
}

#[test]
fn a_merge_overrides_the_first_generators_sets_by_their_keys() {
    let g = format!(
        "    - merge:\n        mergeKeys: [path.basename]\n        generators:\n          - git:\n              repoURL: {URL}\n              directories: [{{path: 'clusters/*'}}]\n              values: {{size: small}}\n          - list:\n              elements: [{{path.basename: prod, values.size: large}}, {{path.basename: qa, values.size: tiny}}]\n"
    );
    let fast = run(
        &tree(),
        &appset(false, &g, "{{path.basename}}", "size: '{{values.size}}'"),
    );
    assert_eq!(apps(&fast), ["dev{size=small}", "prod{size=large}"]);
}

#[test]
fn what_the_controller_refuses_is_a_failure() {
    let broken = files(&[("apps/x/config.yaml", "tier: [unclosed\n")]);
    let g = format!(
        "    - git:\n        repoURL: {URL}\n        files: [{{path: 'apps/*/config.yaml'}}]\n"
    );
    assert!(
        matches!(run(&broken, &appset(false, &g, "x", "")), Generation::Fails(_, why) if why.contains("apps/x/config.yaml") && why.contains("does not parse")),
    );
    let three = "    - matrix:\n        generators: [{list: {elements: []}}, {list: {elements: []}}, {list: {elements: []}}]\n";
    assert!(
        matches!(run(&tree(), &appset(false, three, "x", "")), Generation::Fails(_, why) if why.contains("exactly two"))
    );
    let dup = "    - merge:\n        mergeKeys: [k]\n        generators:\n          - list: {elements: [{k: a}, {k: a}]}\n          - list: {elements: [{k: a}]}\n";
    assert!(
        matches!(run(&tree(), &appset(false, dup, "x", "")), Generation::Fails(_, why) if why.contains("not unique"))
    );
    let clash = "    - matrix:\n        generators:\n          - list: {elements: [{k: a}]}\n          - list: {elements: [{k: b}]}\n";
    assert!(
        matches!(run(&tree(), &appset(false, clash, "x", "")), Generation::Fails(_, why) if why.contains("`k`"))
    );
    // Go templates merge instead: the first generator wins.
    assert_eq!(
        apps(&run(&tree(), &appset(true, clash, "{{.k}}", ""))),
        ["a{}"]
    );
}

#[test]
fn a_generator_that_matches_nothing_or_reads_another_repository_is_said() {
    let g =
        format!("    - git:\n        repoURL: {URL}\n        directories: [{{path: 'app/*'}}]\n");
    let Generation::Apps(apps, empty) = run(&tree(), &appset(false, &g, "{{path}}", "")) else {
        panic!()
    };
    assert!(apps.is_empty());
    assert!(empty[0].1.contains("did you mean `apps/*`?"), "{empty:?}");
    let other = "    - git:\n        repoURL: https://git.example.com/other.git\n        directories: [{path: '*'}]\n";
    assert!(
        matches!(run(&tree(), &appset(false, other, "x", "")), Generation::Elsewhere(_, _, url) if url.ends_with("other.git"))
    );
}
