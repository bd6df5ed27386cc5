//! Golden output: every example under `examples/` compiles to exactly the files in
//! `golden/<example>/`, and every case under `tests/golden/<case>/ladder.yaml` to
//! `tests/golden/<case>/expected/`. Compared both ways, byte for byte.

use crate::support::{assert_dir, assert_file, root};

fn compile(spec: &std::path::Path, display: &str, spec_ref: &str) -> ladder::emit::Files {
    let bytes = std::fs::read(spec).unwrap();
    let inputs = crate::support::inputs(spec, &bytes);
    match ladder::Request::new(display, &bytes)
        .inputs(&inputs)
        .spec_ref(spec_ref)
        .compile()
    {
        Ok(c) => c.files,
        Err(d) => panic!(
            "{}",
            ladder::diagnostic::render(&d, std::str::from_utf8(&bytes).ok())
        ),
    }
}

/// The examples with a `ladder.yaml`, by name.
pub(crate) fn examples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            root()
                .join("examples")
                .join(n)
                .join("ladder.yaml")
                .is_file()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn examples_match_their_golden_output() {
    let names = examples();
    assert!(
        names.len() >= 2,
        "expected the nextjs-shop and platform examples"
    );
    for name in names {
        let spec = root().join("examples").join(&name).join("ladder.yaml");
        let files = compile(
            &spec,
            &format!("examples/{name}/ladder.yaml"),
            &format!("../../examples/{name}/ladder.yaml"),
        );
        assert_dir(&root().join("golden").join(&name), &files);
    }
}

#[test]
fn test_cases_match_their_expected_output() {
    let dir = root().join("tests/golden");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("ladder.yaml").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let files = compile(
            &case.join("ladder.yaml"),
            &format!("tests/golden/{name}/ladder.yaml"),
            "../ladder.yaml",
        );
        assert_dir(&case.join("expected"), &files);
    }
}

#[test]
fn examples_start_with_the_schema_modeline() {
    for name in examples() {
        let text = std::fs::read_to_string(root().join("examples").join(&name).join("ladder.yaml"))
            .unwrap();
        assert!(
            text.starts_with("# yaml-language-server: $schema=../../schema/ladder.schema.json\n"),
            "examples/{name}/ladder.yaml must start with the yaml-language-server modeline"
        );
    }
}

#[test]
fn committed_schema_matches_the_spec_types() {
    assert_file(
        &root().join("schema/ladder.schema.json"),
        &ladder::load::spec::json_schema_text(),
    );
}

#[test]
fn output_does_not_depend_on_component_order() {
    let cases = std::fs::read_dir(root().join("tests/golden"))
        .unwrap()
        .map(|e| e.unwrap().path().join("ladder.yaml"));
    let specs: Vec<std::path::PathBuf> = examples()
        .iter()
        .map(|name| root().join("examples").join(name).join("ladder.yaml"))
        .chain(cases)
        .collect();
    for spec in specs {
        let name = spec.parent().unwrap().display().to_string();
        let text = std::fs::read_to_string(&spec).unwrap();
        let reversed = reverse_components(&text);
        let inputs = crate::support::inputs(&spec, text.as_bytes());
        let a = ladder::Request::new("a", text.as_bytes())
            .inputs(&inputs)
            .spec_ref("x")
            .compile()
            .unwrap()
            .files;
        let b = ladder::Request::new("a", reversed.as_bytes())
            .inputs(&inputs)
            .spec_ref("x")
            .compile()
            .unwrap_or_else(|d| panic!("{d:?}"))
            .files;
        assert_eq!(
            a, b,
            "reordering the components of {name} changed the output"
        );
    }
}

/// Reverses the items of the top-level `components:` list (items start with `  - `).
fn reverse_components(text: &str) -> String {
    let start = text.find("\ncomponents:\n").expect("a components list") + "\ncomponents:\n".len();
    let (head, body) = text.split_at(start);
    // The list ends at the next top-level key.
    let end = body
        .split_inclusive('\n')
        .scan(0, |at, line| {
            let here = *at;
            *at += line.len();
            Some((here, line))
        })
        .find(|(_, line)| line.starts_with(|c: char| c.is_ascii_alphabetic()))
        .map_or(body.len(), |(at, _)| at);
    let (body, tail) = body.split_at(end);
    let mut items: Vec<String> = Vec::new();
    let mut preamble = String::new();
    for line in body.split_inclusive('\n') {
        if line.starts_with("  - ") {
            items.push(String::new());
        }
        match items.last_mut() {
            Some(item) => item.push_str(line),
            None => preamble.push_str(line),
        }
    }
    items.reverse();
    let mut out = String::from(head);
    out.push_str(&preamble);
    for item in items {
        out.push_str(&item);
        if !item.ends_with('\n') {
            out.push('\n');
        }
    }
    out.push_str(tail);
    out
}

/// `ladder graph` output for the examples, as committed files under `tests/graph/`
/// (CI also renders the DOT files with Graphviz).
#[test]
fn graphs_match_their_golden_files() {
    use ladder::review::graph::{Format, Options, render};
    for name in examples() {
        let spec = root().join("examples").join(&name).join("ladder.yaml");
        let bytes = std::fs::read(&spec).unwrap();
        let inputs = crate::support::inputs(&spec, &bytes);
        let ladder::Planned { model, plan, .. } = ladder::Request::new("spec", &bytes)
            .inputs(&inputs)
            .plan()
            .unwrap();
        let plain = Options {
            env: 0,
            group: None,
        };
        let grouped = Options {
            env: 0,
            group: Some("domain"),
        };
        let dir = root().join("tests/graph");
        assert_file(
            &dir.join(format!("{name}.mmd")),
            &render(&model, &plan, Format::Mermaid, plain),
        );
        assert_file(
            &dir.join(format!("{name}.dot")),
            &render(&model, &plan, Format::Dot, plain),
        );
        assert_file(
            &dir.join(format!("{name}-domain.mmd")),
            &render(&model, &plan, Format::Mermaid, grouped),
        );
        assert_file(
            &dir.join(format!("{name}-domain.dot")),
            &render(&model, &plan, Format::Dot, grouped),
        );
    }
}

/// What ladder emits passes its own lint: for every example, the generated manifests have
/// no findings at all. The `maxUpdate: 0` steps of `sync: manual` environments (a
/// deliberate manual gate) are recognised by the comment ladder writes above them; the
/// same files without that comment (a hand-edited copy) warn `max-update-zero` exactly
/// when an environment is manual.
#[test]
fn generated_manifests_pass_lint() {
    for name in examples() {
        let spec = root().join("examples").join(&name).join("ladder.yaml");
        let files = compile(&spec, "ladder.yaml", "../ladder.yaml");
        let texts: Vec<(String, String)> = files
            .iter()
            .map(|(path, bytes)| (path.clone(), String::from_utf8(bytes.clone()).unwrap()))
            .collect();
        let none = std::collections::BTreeMap::new();
        let options = ladder::lint::Options {
            version: None,
            inputs: &none,
            named_specs: &[],
            unreadable: &[],
            rendered: &[],
            config: &ladder::lint::config::Config::default(),
            excluded: 0,
            checkouts: &[],
        };
        let report = ladder::lint::lint(&texts, options).unwrap();
        let found: Vec<String> = report
            .findings
            .iter()
            .map(|f| format!("{}: {}", f.rule(), f.diagnostic.message))
            .collect();
        assert!(found.is_empty(), "{name}: {found:#?}");
        let edited: Vec<(String, String)> = texts
            .iter()
            .map(|(path, text)| {
                (
                    path.clone(),
                    text.replace(
                        " is manual: maxUpdate 0 holds this step",
                        " holds this step",
                    ),
                )
            })
            .collect();
        let report = ladder::lint::lint(&edited, options).unwrap();
        assert!(
            report
                .findings
                .iter()
                .all(|f| f.rule() == "max-update-zero")
        );
        let bytes = std::fs::read(&spec).unwrap();
        let inputs = crate::support::inputs(&spec, &bytes);
        let model = ladder::Request::new("spec", &bytes)
            .inputs(&inputs)
            .plan()
            .unwrap()
            .model;
        let manual = model
            .environments
            .iter()
            .any(|e| e.sync == ladder::load::spec::Sync::Manual);
        assert_eq!(
            report.findings.is_empty(),
            !manual,
            "{name}: without ladder's comment, max-update-zero warnings exactly when an environment is manual"
        );
    }
}
