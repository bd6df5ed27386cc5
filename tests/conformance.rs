//! The conformance suite: the emitted trees run through the engines Argo CD itself uses,
//! by the Go harness in `tests/conformance/` (ladder's own code, see its `main.go`):
//!
//! - every YAML file of `golden/` and `tests/golden/*/expected/` read by go-yaml v3 and
//!   by go-yaml v2, the reader under sigs.k8s.io/yaml that kubectl and Argo CD use: both
//!   accept it and read the same values;
//! - every ApplicationSet rendered as the ApplicationSet controller renders it in
//!   goTemplate mode (Go `text/template`, sprig v3, `goTemplateOptions`, `templatePatch`
//!   as a strategic merge patch), each Application in exactly one RollingSync step and
//!   no step empty; the generated Applications are then validated here against the
//!   Application CRD of the case's target version with `ladder::validate`;
//! - every health check of the trees' `patches/argocd-cm.yaml` run in gopher-lua as
//!   Argo CD runs it, against the object states in `tests/conformance/health/`;
//! - the jq path expressions of `tests/conformance/jq-expressions.txt` and of the
//!   golden trees' `ignoreDifferences`: ladder accepts exactly those gojq accepts.
//!
//! The harness is built offline against Debian's packaged Go sources (`golang-go`,
//! `golang-github-masterminds-sprig-dev`, `golang-gopkg-yaml.v2-dev`,
//! `golang-gopkg-yaml.v3-dev`, `golang-github-yuin-gopher-lua-dev`,
//! `golang-github-itchyny-gojq-dev`; `.ci/run` installs
//! them) in GOPATH mode, into `CARGO_TARGET_TMPDIR`. `LADDER_GOCODE` names another
//! GOPATH with those sources. Where Go or the sources are missing the tests skip with a
//! printed reason; under CI (`CI` set) that is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::support::root;

/// The packaged sources the harness imports, relative to the GOPATH's `src`, and the
/// Debian package of each.
const SOURCES: &[(&str, &str)] = &[
    (
        "github.com/Masterminds/sprig",
        "golang-github-masterminds-sprig-dev",
    ),
    (
        "github.com/yuin/gopher-lua",
        "golang-github-yuin-gopher-lua-dev",
    ),
    ("gopkg.in/yaml.v2", "golang-gopkg-yaml.v2-dev"),
    ("gopkg.in/yaml.v3", "golang-gopkg-yaml.v3-dev"),
    ("github.com/itchyny/gojq", "golang-github-itchyny-gojq-dev"),
];

/// The harness binary, built once per test run; `None` (with the reason printed) where
/// Go or the packaged sources are absent. A harness that does not compile fails.
pub(crate) fn harness() -> Option<&'static Path> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BUILT.get_or_init(build) {
        Ok(bin) => Some(bin),
        Err(reason) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI needs the conformance harness: {reason}"
            );
            eprintln!("skipped: {reason}");
            None
        }
    }
}

/// Builds the harness; `Err` says what is missing.
fn build() -> Result<PathBuf, String> {
    let gocode = std::env::var_os("LADDER_GOCODE")
        .map_or_else(|| PathBuf::from("/usr/share/gocode"), PathBuf::from);
    let go_version = Command::new("go").arg("version").output();
    if !go_version.is_ok_and(|o| o.status.success()) {
        return Err("no `go` on PATH (Debian: apt-get install golang-go)".into());
    }
    let missing: Vec<&str> = SOURCES
        .iter()
        .filter(|(dir, _)| !gocode.join("src").join(dir).is_dir())
        .map(|(_, package)| *package)
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the harness's Go sources are missing from {} (Debian: apt-get install {}; or set LADDER_GOCODE)",
            gocode.display(),
            missing.join(" ")
        ));
    }
    // GOPATH mode, with the harness inside a GOPATH of its own so that its go.mod lets
    // `…/sprig/v3` resolve to the packaged directory (minimal module compatibility).
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance");
    let package = work.join("gopath/src/ladder-conformance");
    std::fs::create_dir_all(&package).unwrap();
    let source = root().join("tests/conformance");
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|e| e == "go") || name == "go.mod" {
            let text = std::fs::read(&path).unwrap();
            let to = package.join(&name);
            if std::fs::read(&to).ok().as_deref() != Some(&text[..]) {
                std::fs::write(&to, text).unwrap();
            }
        }
    }
    let bin = work.join("ladder-conformance");
    let gopath = std::env::join_paths([work.join("gopath"), gocode]).unwrap();
    let out = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(&package)
        .env("GO111MODULE", "off")
        .env("GOPATH", gopath)
        .env("GOCACHE", work.join("gocache"))
        .env("GOFLAGS", "")
        .env("GOPROXY", "off")
        .env("CGO_ENABLED", "0")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "go build of tests/conformance failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(bin)
}

/// Runs the harness; panics with what it printed when it fails.
pub(crate) fn run(bin: &Path, args: &[PathBuf]) -> (String, String) {
    let out = Command::new(bin)
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "ladder-conformance {}:\n{stderr}",
        args.first()
            .map_or(String::new(), |a| a.display().to_string())
    );
    (stdout, stderr)
}

/// Every file under `golden/` and `tests/golden/*/expected/` whose name ends in `suffix`,
/// relative to the repository, sorted.
fn emitted(suffix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![PathBuf::from("golden")];
    for entry in std::fs::read_dir(root().join("tests/golden")).unwrap() {
        stack.push(
            entry
                .unwrap()
                .path()
                .strip_prefix(root())
                .unwrap()
                .join("expected"),
        );
    }
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(root().join(&dir)) else {
            continue;
        };
        for entry in entries {
            let entry = entry.unwrap();
            let rel = dir.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                stack.push(rel);
            } else if rel.to_string_lossy().ends_with(suffix) {
                found.push(rel);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn emitted_yaml_reads_alike_in_go_yaml_v2_and_v3() {
    let Some(bin) = harness() else { return };
    let files = emitted(".yaml");
    assert!(files.len() > 100, "expected the golden trees");
    let mut args = vec![PathBuf::from("yaml")];
    args.extend(files);
    let (stdout, _) = run(bin, &args);
    eprint!("{stdout}");
}

#[test]
fn application_sets_render_in_text_template_with_sprig_and_validate() {
    let Some(bin) = harness() else { return };
    let appsets = emitted("/applicationset.yaml");
    assert!(appsets.len() >= 10, "expected the golden ApplicationSets");
    for path in appsets {
        let (apps, summary) = run(bin, &[PathBuf::from("appset"), path.clone()]);
        eprint!("{summary}");
        let text = std::fs::read_to_string(root().join(&path)).unwrap();
        let appset = ladder::load::yaml::parse("applicationset.yaml", &text)
            .unwrap()
            .to_json();
        let elements = appset["spec"]["generators"][0]["list"]["elements"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(
            apps.lines().filter(|l| *l == "---").count(),
            elements,
            "{}: one Application per list element",
            path.display()
        );
        let Some(crds) = crate::appset::crds_for(&path) else {
            continue;
        };
        let name = format!("{} (as generated)", path.display());
        let report = ladder::validate::validate(crds, &[(name, apps.clone())]);
        assert_eq!(report.checked, elements, "{}", path.display());
        assert!(
            report.diagnostics.is_empty(),
            "{}: the Applications the controller generates do not validate:\n{}",
            path.display(),
            ladder::diagnostic::render(&report.diagnostics, Some(&apps))
        );
    }
}

#[test]
fn health_checks_give_what_argo_cd_must_see_in_gopher_lua() {
    let Some(bin) = harness() else { return };
    let configmaps = emitted("/patches/argocd-cm.yaml");
    assert!(configmaps.len() >= 5, "expected golden argocd-cm patches");
    let mut args = vec![
        PathBuf::from("health"),
        PathBuf::from("tests/conformance/health"),
    ];
    args.extend(configmaps);
    let (stdout, _) = run(bin, &args);
    eprint!("{stdout}");
}

/// Runs the harness and returns its stderr, requiring it to fail.
fn run_failing(bin: &Path, args: &[PathBuf]) -> String {
    let out = Command::new(bin)
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "ladder-conformance should have failed"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The check in Argo CD's documentation, as ladder emitted it before: the fixtures of
/// ladder's check fail it where it passes a wave too early.
#[test]
fn the_documented_application_check_reads_a_stale_healthy() {
    let Some(bin) = harness() else { return };
    let documented = std::fs::read_to_string(
        root().join("tests/conformance/health/documented-argoproj.io_Application.yaml"),
    )
    .unwrap();
    let lua = documented
        .split_once("lua: |\n")
        .unwrap()
        .1
        .split_once("\ndefinitions:")
        .unwrap()
        .0
        .lines()
        .fold(String::new(), |mut out, l| {
            out.push_str("  ");
            out.push_str(l);
            out.push('\n');
            out
        });
    let dir = tempfile::tempdir().unwrap();
    let cm = dir.path().join("argocd-cm.yaml");
    std::fs::write(
        &cm,
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: argocd-cm}}\ndata:\n  resource.customizations.health.argoproj.io_Application: |\n{lua}"
        ),
    )
    .unwrap();
    let fixtures = dir.path().join("health");
    std::fs::create_dir(&fixtures).unwrap();
    std::fs::copy(
        root().join("tests/conformance/health/argoproj.io_Application.yaml"),
        fixtures.join("argoproj.io_Application.yaml"),
    )
    .unwrap();
    let stderr = run_failing(bin, &[PathBuf::from("health"), fixtures, cm]);
    for case in [
        "stale after an update (new image in the spec, comparedTo and health from before)",
        "healthy but out of sync (compared with the new spec, not synced yet)",
        "manual, never synced (missing)",
    ] {
        assert!(
            stderr.contains(&format!("case \"{case}\"")),
            "{case} should fail:\n{stderr}"
        );
    }
}

/// An Application two steps select: the harness refuses it as the controller would
/// count it in the first only.
#[test]
fn an_application_in_two_steps_fails_the_harness() {
    let Some(bin) = harness() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("applicationset.yaml");
    std::fs::write(
        &file,
        r#"apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: shop, namespace: argocd}
spec:
  goTemplate: true
  goTemplateOptions: [missingkey=error]
  generators:
    - list:
        elements:
          - {app: api-dev, env: dev}
          - {app: web-dev, env: dev}
  template:
    metadata:
      name: "{{ .app }}"
      labels: {env: "{{ .env }}"}
    spec:
      project: default
      destination: {server: https://kubernetes.default.svc, namespace: shop}
      source: {repoURL: https://github.com/acme/shop.git, path: "{{ .app }}"}
  strategy:
    type: RollingSync
    rollingSync:
      steps:
        - matchExpressions: [{key: env, operator: In, values: [dev]}]
        - matchExpressions: [{key: env, operator: NotIn, values: [prod]}]
"#,
    )
    .unwrap();
    let stderr = run_failing(bin, &[PathBuf::from("appset"), file]);
    assert!(
        stderr.contains("Application api-dev is in 2 steps [1 2], not exactly one"),
        "{stderr}"
    );
}

/// Regression: a string with DEL, a C1 control or NEL was written inside double quotes
/// raw (JSON's escaping), which go-yaml refuses ("control characters are not allowed")
/// or, for NEL, reads as a space. Every scalar ladder writes reads back exactly.
#[test]
fn scalars_read_back_exactly_in_go_yaml() {
    let Some(bin) = harness() else { return };
    let mut strings: Vec<String> = (0u32..=0xa0)
        .chain([0x2028, 0x2029, 0xfeff, 0xfffe, 0xffff])
        .filter_map(char::from_u32)
        .map(|c| format!("a{c}b"))
        .collect();
    strings.extend(
        [
            "\tx\ny", " lead", "trail ", "", "yes", "on", "0123", "~", "- x", "a: b", "#c",
        ]
        .map(String::from),
    );
    let mut text = String::new();
    for s in &strings {
        text.push_str("- ");
        text.push_str(&ladder::load::yaml::scalar(s));
        text.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scalars.yaml");
    std::fs::write(&file, text).unwrap();
    let (stdout, _) = run(bin, &[PathBuf::from("json"), file]);
    let read: Vec<String> = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(read, strings);
}

/// Regression: a multi-line string whose first line starts with a tab (a tab-indented Lua
/// health check, a window description) was written as a `|` block without an indentation
/// indicator, which go-yaml refuses. It now reads back exactly.
#[test]
fn multi_line_strings_starting_with_a_tab_read_back_exactly_in_go_yaml() {
    let Some(bin) = harness() else { return };
    let case = PathBuf::from("tests/golden/multi-line-strings-starting-with-a-tab");
    let spec = std::fs::read(root().join(case.join("ladder.yaml"))).unwrap();
    let loaded = ladder::load::load("ladder.yaml", &spec).unwrap();
    let (stdout, _) = run(
        bin,
        &[
            PathBuf::from("json"),
            case.join("expected/patches/argocd-cm.yaml"),
            case.join("expected/appproject.yaml"),
        ],
    );
    let docs: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let checks = &loaded.spec.components[0].health_checks;
    for check in checks {
        let key = format!(
            "resource.customizations.health.{}_{}",
            check.group, check.kind
        );
        assert_eq!(docs[0]["data"][&key], check.lua.as_str(), "{key}");
    }
    let window = &loaded.spec.environments[0].sync_windows[0];
    assert_eq!(
        docs[1]["spec"]["syncWindows"][0]["description"],
        window.description.as_deref().unwrap()
    );
}

/// The adversarial corpus (`tests/corpus/`): every spec either builds, and everything it
/// writes reads back alike in go-yaml v2 and v3 (its ApplicationSets rendered as the
/// controller does), or is refused with at least one diagnostic; none panics. Go-template
/// text in a spec string reaches the Applications literally.
#[test]
fn the_adversarial_corpus_builds_or_is_refused_and_its_output_reads_back_in_go_yaml() {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    specs.sort();
    assert!(specs.len() >= 30, "the corpus is missing");
    let out = tempfile::tempdir().unwrap();
    let (mut built, mut refused) = (Vec::new(), 0);
    for spec in &specs {
        let bytes = std::fs::read(spec).unwrap();
        let name = spec.file_stem().unwrap().to_string_lossy().into_owned();
        // On a thread with the stack the CLI's main thread has (8 MiB): YAML nesting is
        // capped at 64 levels, which a debug build's deserializer frames need more than
        // the 2 MiB of a test thread for (a release build, under 512 KiB).
        let result = std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || {
                ladder::Request::new("ladder.yaml", &bytes)
                    .compile()
                    .map(|c| c.files)
            })
            .unwrap()
            .join()
            .unwrap_or_else(|_| panic!("{name}: ladder panicked"));
        match result {
            Err(diagnostics) => {
                assert!(!diagnostics.is_empty(), "{name}: refused without a word");
                refused += 1;
            }
            Ok(files) => {
                for (path, bytes) in files {
                    let target = out.path().join(&name).join(path);
                    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                    std::fs::write(target, bytes).unwrap();
                }
                built.push(name);
            }
        }
    }
    assert!(built.len() >= 4, "{built:?}");
    eprintln!("corpus: {} built, {refused} refused", built.len());
    let Some(bin) = harness() else { return };
    let mut files = Vec::new();
    let mut stack = vec![out.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut args = vec![PathBuf::from("yaml")];
    args.extend(files.iter().cloned());
    let (stdout, _) = run(bin, &args);
    eprint!("{stdout}");
    for appset in files.iter().filter(|f| f.ends_with("applicationset.yaml")) {
        let (apps, _) = run(bin, &[PathBuf::from("appset"), appset.clone()]);
        if appset.starts_with(out.path().join("go-template-injection-raw")) {
            assert!(apps.contains("{{ .Values.secret }}"), "{apps}");
        }
    }
}

/// ladder's check of `ignoreDifferences[].jqPathExpressions` agrees with gojq, which
/// Argo CD parses them with, on every expression of the corpus and of the golden trees.
#[test]
fn jq_path_expressions_parse_in_ladder_exactly_when_they_parse_in_gojq() {
    let Some(bin) = harness() else { return };
    let corpus =
        std::fs::read_to_string(root().join("tests/conformance/jq-expressions.txt")).unwrap();
    // `!` marks a known gap: gojq refuses it, ladder's syntax check accepts it.
    let lines: Vec<&str> = corpus
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let gaps: Vec<String> = lines
        .iter()
        .filter_map(|l| l.strip_prefix('!'))
        .map(str::to_owned)
        .collect();
    let mut expressions: Vec<String> = lines
        .iter()
        .map(|l| l.strip_prefix('!').unwrap_or(l).to_owned())
        .collect();
    for file in emitted(".yaml") {
        let text = std::fs::read_to_string(root().join(&file)).unwrap();
        // The items of each `jqPathExpressions:` list (block style, as ladder writes it).
        let mut list_indent = None;
        for line in text.lines() {
            let indent = line.len() - line.trim_start().len();
            let item = line.trim_start().strip_prefix("- ");
            match (list_indent, item) {
                (Some(at), Some(item)) if indent >= at => {
                    expressions.push(item.trim_matches(['"', '\'']).to_owned());
                }
                _ => list_indent = None,
            }
            if line.trim() == "jqPathExpressions:" {
                list_indent = Some(indent);
            }
        }
    }
    assert!(expressions.len() > 20, "expected the corpus");
    let list = Path::new(env!("CARGO_TARGET_TMPDIR")).join("jq-expressions.txt");
    std::fs::write(&list, expressions.join("\n") + "\n").unwrap();
    let (stdout, _) = run(bin, &[PathBuf::from("jq"), list]);
    let verdicts: Vec<&str> = stdout.lines().collect();
    assert_eq!(verdicts.len(), expressions.len());
    let mut disagree = Vec::new();
    for (expression, gojq) in expressions.iter().zip(verdicts) {
        let ladder = ladder::analyze::ignore_differences::check_jq(expression);
        let gap = gaps.contains(expression);
        if gap && !(ladder.is_ok() && gojq != "ok") {
            disagree.push(format!(
                "{expression:?} is marked as a gap, but ladder {ladder:?}, gojq {gojq}"
            ));
        } else if !gap && ladder.is_ok() != (gojq == "ok") {
            disagree.push(format!("{expression:?}: ladder {ladder:?}, gojq {gojq}"));
        }
    }
    assert!(
        disagree.is_empty(),
        "ladder and gojq disagree:\n{}",
        disagree.join("\n")
    );
}
