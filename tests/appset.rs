//! What Argo CD would generate from the golden ApplicationSets.
//!
//! For every `applicationset.yaml` in `golden/` and `tests/golden/*/expected/`, this
//! expands each list-generator element the way the ApplicationSet controller does for
//! the forms ladder emits (`{{ .key }}`, `{{ toJson .key }}`, `{{- if hasKey . "k" }}`
//! with `missingkey=error`, then `templatePatch` merged into `template`), and checks:
//!
//! - every generated Application validates against the official Application CRD
//!   (v2.10.0 for the `argocd-2` case, v3.5.1 otherwise);
//! - every Application falls in exactly one RollingSync step, and no step is empty;
//! - steps use only the `In` operator.
//!
//! `tests/conformance.rs` checks the same with Argo CD's own engines (Go
//! `text/template` and sprig v3); this re-implementation runs where Go is absent.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use crate::support::root;

fn appsets() -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root().join("golden"), root().join("tests/golden")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "applicationset.yaml") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The CRDs a golden ApplicationSet is checked against: v2.10.0 for the Argo CD 2.x
/// cases, else the newest; `None` (skipped, with a reason) where they are absent.
pub(crate) fn crds_for(path: &Path) -> Option<&'static ladder::validate::Crds> {
    let version = path
        .to_string_lossy()
        .contains("argocd-2")
        .then_some("v2.10.0");
    crate::support::crds_dir(version).map(|dir| crate::support::load_crds(&dir))
}

/// Replaces `{{ .key }}` and `{{ toJson .key }}`; panics on a missing key (missingkey=error).
fn substitute(text: &str, element: &Map<String, Json>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("unclosed action") + start + 2;
        let action = rest[start + 2..end - 2].trim();
        let value = |key: &str| {
            element
                .get(key)
                .unwrap_or_else(|| panic!("missingkey=error: no `{key}` in {element:?}"))
        };
        if let Some(key) = action.strip_prefix("toJson .") {
            out.push_str(&serde_json::to_string(value(key)).unwrap());
        } else if let Some(key) = action.strip_prefix('.') {
            out.push_str(value(key).as_str().expect("a string value"));
        } else {
            panic!("unexpected template action `{action}`");
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Resolves `{{- if hasKey . "k" }} A {{- else }} B {{- end }}` and
/// `{{- if eq .k "v" }} A {{- end }}` blocks (not nested), trimming the whitespace before
/// each `{{-` as Go templates do.
fn conditionals(text: &str, element: &Map<String, Json>) -> String {
    let Some(start) = text.find("{{- if ") else {
        return text.to_owned();
    };
    let cond_end = text[start..].find("}}").unwrap() + start;
    let condition = text[start + "{{- if ".len()..cond_end].trim();
    let holds = if let Some(rest) = condition.strip_prefix("hasKey . ") {
        element.contains_key(rest.trim_matches('"'))
    } else if let Some(rest) = condition.strip_prefix("eq .") {
        let (key, value) = rest.split_once(' ').unwrap();
        let value = value.trim_matches('"');
        element
            .get(key)
            .unwrap_or_else(|| panic!("missingkey=error: {key}"))
            .as_str()
            == Some(value)
    } else {
        panic!("unexpected condition `{condition}`");
    };
    let body_start = cond_end + 2;
    let end_at = text[body_start..].find("{{- end }}").unwrap() + body_start;
    let else_at = text[body_start..end_at]
        .find("{{- else }}")
        .map(|i| i + body_start);
    let (then_part, else_part) = match else_at {
        Some(e) => (&text[body_start..e], &text[e + "{{- else }}".len()..end_at]),
        None => (&text[body_start..end_at], ""),
    };
    let branch = if holds { then_part } else { else_part };
    let before = text[..start].trim_end();
    let branch = branch.trim_end();
    let after = &text[end_at + "{{- end }}".len()..];
    conditionals(&format!("{before}{branch}{after}"), element)
}

fn merge(base: &mut Json, patch: Json) {
    match (base, patch) {
        (Json::Object(b), Json::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, p) => *b = p,
    }
}

fn expand_strings(value: &Json, element: &Map<String, Json>) -> Json {
    match value {
        Json::String(s) => Json::String(substitute(s, element)),
        Json::Array(items) => {
            Json::Array(items.iter().map(|v| expand_strings(v, element)).collect())
        }
        Json::Object(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (substitute(k, element), expand_strings(v, element)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn generated_applications_validate_and_fall_in_exactly_one_step() {
    let appsets = appsets();
    assert!(appsets.len() >= 3, "expected golden ApplicationSets");
    for path in appsets {
        let text = std::fs::read_to_string(&path).unwrap();
        let appset = ladder::load::yaml::parse("a.yaml", &text)
            .unwrap()
            .to_json();
        let spec = &appset["spec"];
        assert_eq!(spec["goTemplate"], Json::Bool(true));
        assert_eq!(
            spec["goTemplateOptions"],
            serde_json::json!(["missingkey=error"])
        );
        let steps = spec["strategy"]["rollingSync"]["steps"].as_array().unwrap();
        let elements = spec["generators"][0]["list"]["elements"]
            .as_array()
            .unwrap();
        let patch = spec["templatePatch"].as_str().unwrap_or("");
        let crds = crds_for(&path);
        let mut step_hits = vec![0usize; steps.len()];
        let mut docs = Vec::new();
        for element in elements {
            let element = element.as_object().unwrap();
            let mut app = expand_strings(&spec["template"], element);
            let patched = substitute(&conditionals(patch, element), element);
            let patch_json = ladder::load::yaml::parse("patch.yaml", &patched)
                .unwrap()
                .to_json();
            merge(&mut app, patch_json);
            let labels = app["metadata"]["labels"].as_object().unwrap().clone();
            let matched: Vec<usize> = steps
                .iter()
                .enumerate()
                .filter(|(_, step)| {
                    step["matchExpressions"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|e| {
                            assert_eq!(
                                e["operator"],
                                "In",
                                "{}: only In is emitted",
                                path.display()
                            );
                            let values = e["values"].as_array().unwrap();
                            labels
                                .get(e["key"].as_str().unwrap())
                                .is_some_and(|v| values.contains(v))
                        })
                })
                .map(|(i, _)| i)
                .collect();
            assert_eq!(
                matched.len(),
                1,
                "{}: {} matches steps {matched:?}",
                path.display(),
                element["app"]
            );
            step_hits[matched[0]] += 1;
            let mut doc = Map::new();
            doc.insert("apiVersion".into(), "argoproj.io/v1alpha1".into());
            doc.insert("kind".into(), "Application".into());
            doc.insert("metadata".into(), app["metadata"].clone());
            doc.insert("spec".into(), app["spec"].clone());
            docs.push(Json::Object(doc));
        }
        assert!(
            step_hits.iter().all(|&n| n > 0),
            "{}: an empty step: {step_hits:?}",
            path.display()
        );
        let Some(crds) = crds else { continue };
        let yaml = serde_saphyr::to_string_multiple(&docs).unwrap();
        let report =
            ladder::validate::validate(crds, &[(path.display().to_string(), yaml.clone())]);
        assert_eq!(report.checked, elements.len());
        assert!(
            report.diagnostics.is_empty(),
            "{}: generated Applications do not validate:\n{}",
            path.display(),
            ladder::diagnostic::render(&report.diagnostics, Some(&yaml))
        );
    }
}

/// Every golden AppProject (with its sync windows) validates against the official
/// AppProject CRD of the version its case targets.
#[test]
fn golden_app_projects_validate_against_the_crd() {
    let mut projects: Vec<PathBuf> = appsets()
        .iter()
        .map(|p| p.with_file_name("appproject.yaml"))
        .filter(|p| p.is_file())
        .collect();
    projects.sort();
    assert!(projects.len() >= 3, "expected golden AppProjects");
    let mut windows = 0;
    for path in projects {
        let text = std::fs::read_to_string(&path).unwrap();
        windows += text.matches("\n    - kind: ").count();
        let Some(crds) = crds_for(&path) else { return };
        let report =
            ladder::validate::validate(crds, &[(path.display().to_string(), text.clone())]);
        assert_eq!(report.checked, 1, "{}", path.display());
        assert!(
            report.diagnostics.is_empty(),
            "{}: does not validate:\n{}",
            path.display(),
            ladder::diagnostic::render(&report.diagnostics, Some(&text))
        );
    }
    assert!(windows > 0, "expected golden sync windows");
}

/// A root that prunes a `deletionOrder: Reverse` ApplicationSet with Argo CD's default
/// foreground propagation makes Kubernetes delete every Application at once, before the
/// reverse loop runs (v3.5.1 controller/sync.go:218, argoproj/argo-cd#29600). So every
/// golden root prunes with `PrunePropagationPolicy=background` exactly when the
/// ApplicationSet beside it deletes in reverse, and that ApplicationSet carries the
/// resources finalizer the loop needs.
#[test]
fn roots_prune_in_the_background_exactly_when_their_application_set_deletes_in_reverse() {
    let mut reverse = 0;
    let mut other = 0;
    for path in appsets() {
        let appset = std::fs::read_to_string(&path).unwrap();
        let appset = ladder::load::yaml::parse("appset", &appset)
            .unwrap()
            .to_json();
        let root = std::fs::read_to_string(path.with_file_name("root.yaml")).unwrap();
        let root = ladder::load::yaml::parse("root", &root).unwrap().to_json();
        let is_reverse = appset["spec"]["strategy"]["deletionOrder"] == "Reverse";
        let options = root["spec"]["syncPolicy"]["syncOptions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let background = options
            .iter()
            .any(|o| o == "PrunePropagationPolicy=background");
        assert_eq!(background, is_reverse, "{}", path.display());
        let finalizers = appset["metadata"]["finalizers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let finalizer = finalizers
            .iter()
            .any(|f| f == "resources-finalizer.argocd.argoproj.io");
        assert_eq!(finalizer, is_reverse, "{}", path.display());
        if is_reverse {
            reverse += 1;
        } else {
            other += 1;
        }
    }
    assert!(
        reverse > 0 && other > 0,
        "expected both kinds: {reverse} reverse, {other} other"
    );
}

/// Each AppProject's window comment says what holds its windows on the target version:
/// RollingSync's syncs from 2.11 (argoproj/argo-cd#16492), only manual syncs under
/// RollingSync on 2.10 (where analysis keeps windows to manual environments), and
/// auto-sync and manual syncs for app-of-apps children on every version (v2.10.20
/// controller/appcontroller.go:1603, server/application/application.go:1748).
#[test]
fn app_project_window_comments_say_what_holds_the_windows_on_the_target_version() {
    let cases = [
        (
            "tests/golden/environment-settings/ladder.yaml",
            "blocks RollingSync's syncs, even with manualSync: true",
        ),
        (
            "tests/golden/argocd-2-10-manual-windows/ladder.yaml",
            "Argo CD 2.10 does\n  # not check sync windows for RollingSync's syncs",
        ),
        (
            "tests/cli/app-of-apps-windows-2-10/ladder.yaml",
            "it checks these windows before\n  # every auto-sync and every manual sync",
        ),
    ];
    for (spec, comment) in cases {
        let bytes = std::fs::read(root().join(spec)).unwrap();
        let files = ladder::Request::new(spec, &bytes)
            .spec_ref("ladder.yaml")
            .compile()
            .unwrap_or_else(|d| panic!("{spec}: {d:?}"))
            .files;
        let project = String::from_utf8(files["appproject.yaml"].clone()).unwrap();
        assert!(project.contains(comment), "{spec}:\n{project}");
        // No other version's or strategy's sentence.
        let foreign = if spec.contains("app-of-apps") {
            "RollingSync's syncs"
        } else {
            "every auto-sync"
        };
        assert!(!project.contains(foreign), "{spec}:\n{project}");
    }
}
