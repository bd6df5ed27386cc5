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
    // `api` has no `team`: fasttemplate leaves the tag as written, as the controller does.
    assert_eq!(
        apps(&fast)[0],
        "api-back{team={{team.name}},owner=team-api,file=config.yaml}"
    );
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
    assert!(
        empty[0].what.contains("did you mean `apps/*`?"),
        "{empty:?}"
    );
    let other = "    - git:\n        repoURL: https://git.example.com/other.git\n        directories: [{path: '*'}]\n";
    assert!(
        matches!(run(&tree(), &appset(false, other, "x", "")), Generation::Elsewhere(_, _, url) if url.ends_with("other.git"))
    );
}

/// Regression: a `selector` beside a matrix's child generator counted as a second kind
/// of generator (a false generator-error); it filters the child's sets instead.
#[test]
fn a_selector_filters_sets_and_is_not_a_generator_kind() {
    let g = format!(
        "    - matrix:\n        generators:\n          - git:\n              repoURL: {URL}\n              directories: [{{path: 'clusters/*'}}]\n            selector:\n              matchExpressions: [{{key: path.basename, operator: NotIn, values: [prod]}}]\n          - list:\n              elements: [{{tier: a}}]\n              selector: {{matchLabels: {{tier: a}}}}\n"
    );
    assert_eq!(
        apps(&run(&tree(), &appset(false, &g, "{{path.basename}}", ""))),
        ["dev{}"]
    );
    assert_eq!(
        apps(&run(&tree(), &appset(true, &g, "{{.path.basename}}", ""))),
        ["dev{}"]
    );
}

/// Regression: fasttemplate list elements were rendered as written; the controller
/// flattens `values` into `values.KEY` and refuses values that are not strings.
#[test]
fn fasttemplate_list_elements_are_strings_with_values_flattened() {
    let g = "    - merge:\n        mergeKeys: [values.env]\n        generators:\n          - list: {elements: [{app: a, values: {env: dev}}, {app: b, values: {env: prod}}]}\n          - list: {elements: [{values.env: prod, app: c}]}\n";
    assert_eq!(
        apps(&run(
            &tree(),
            &appset(false, g, "{{app}}-{{values.env}}", "")
        )),
        ["a-dev{}", "c-prod{}"]
    );
    let number = "    - list: {elements: [{app: a, replicas: 3}]}\n";
    assert!(
        matches!(run(&tree(), &appset(false, number, "{{app}}", "")), Generation::Fails(_, why) if why.contains("`replicas` is an integer") && why.contains("error parsing value as string")),
    );
    // Go templates take the element as it is, and print numbers as Go does.
    assert_eq!(
        apps(&run(
            &tree(),
            &appset(true, number, "{{.app}}-{{.replicas}}", "")
        )),
        ["a-3{}"]
    );
}

/// Regression: a generator file with a second document or a repeated key failed the
/// generator; the controller's YAML reader takes the first document and the last key.
#[test]
fn generator_files_are_read_as_the_controller_reads_them() {
    let tree = files(&[(
        "apps/web/config.yaml",
        "tier: front\ntier: back\nenabled: yes\n---\ntier: [unclosed\n",
    )]);
    let g = format!(
        "    - git:\n        repoURL: {URL}\n        files: [{{path: 'apps/*/config.yaml'}}]\n"
    );
    assert_eq!(
        apps(&run(
            &tree,
            &appset(false, &g, "{{tier}}", "on: '{{enabled}}'")
        )),
        ["back{on=true}"]
    );
    let empty = files(&[("apps/web/config.yaml", "[]\n")]);
    let Generation::Apps(apps, empty) = run(&empty, &appset(false, &g, "x", "")) else {
        panic!()
    };
    assert!(apps.is_empty());
    assert!(
        empty[0].what.contains("match `apps/web/config.yaml`")
            && empty[0].what.contains("an empty list"),
        "{empty:?}"
    );
}

/// A checkout at another revision than the generator reads.
struct Elsewhere(Files);

impl Tree for Elsewhere {
    fn files(&self) -> &[String] {
        self.0.files()
    }
    fn read(&self, path: &str) -> Result<String, String> {
        self.0.read(path)
    }
    fn checks_out(&self, revision: &str) -> bool {
        revision == "main"
    }
}

#[test]
fn an_empty_match_at_another_revision_is_not_sure() {
    let tree = Elsewhere(tree());
    let checkout = Checkout::new(vec![URL.into()], ".".into(), &tree);
    for (revision, current) in [("main", true), ("HEAD", true), ("v1.2", false)] {
        let text = appset(
            false,
            &format!(
                "    - git:\n        repoURL: {URL}\n        revision: {revision}\n        directories: [{{path: 'nothing/*'}}]\n"
            ),
            "x",
            "",
        );
        let node = crate::load::yaml::parse("a.yaml", &text).unwrap();
        let Generation::Apps(_, empty) = generated(&node, std::slice::from_ref(&checkout)) else {
            panic!()
        };
        assert_eq!(empty[0].current, current, "{revision}: {empty:?}");
        assert_eq!(empty[0].what.contains("`v1.2`"), !current, "{empty:?}");
    }
}
