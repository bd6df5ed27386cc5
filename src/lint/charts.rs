//! Helm charts whose templates make Argo CD resources (an app-of-apps chart): which to
//! render and how, and the rendered output as files to lint. Pure: the CLI runs
//! `helm template` with each [`Render`] and gives the output back to [`rendered`].
//!
//! A chart is rendered as each Application in the linted files that points at it
//! renders it (Argo CD v3.5.1 `reposerver/repository/repository.go:1271-1340`: the
//! release is the Application's name unless `helm.releaseName` says otherwise, the
//! namespace its destination's unless `helm.namespace` does, `helm.valueFiles` relative
//! to the chart, `helm.values`/`valuesObject` as one more values file, `parameters` as
//! `--set`), or once with its own values when no linted Application points at it.

use super::path::{base, parent};
use crate::load::yaml::{self, Node, Value};

/// A chart whose templates hold Argo CD resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// Its folder, as the CLI names files (`deploy/apps`).
    pub dir: String,
    /// Its template files among the linted files: rendered, not linted as they are.
    pub templates: Vec<String>,
    /// How to render it: once per Application that points at it, or with its defaults.
    pub renders: Vec<Render>,
}

/// One `helm template` of a chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Render {
    pub release: String,
    pub namespace: String,
    /// Values files, relative to the chart's folder, in order.
    pub value_files: Vec<String>,
    /// Inline values (`helm.values`, or `valuesObject` as JSON), after the files.
    pub values: Option<String>,
    /// `--set NAME=VALUE` (`false`) and `--set-string` (`true`).
    pub set: Vec<(String, String, bool)>,
    /// `helm.ignoreMissingValueFiles`: a values file that does not exist is left out.
    pub ignore_missing: bool,
    /// The Application that renders it this way (`argocd/root.yaml`'s `root`).
    pub by: Option<String>,
    /// What ladder cannot pass on (`$ref` values files): said in the skip note.
    pub missing: Vec<String>,
}

impl Render {
    /// How its output files are named: `TEMPLATE (helm template RELEASE)`.
    fn label(&self) -> String {
        format!("helm template {}", self.release)
    }
}

/// The charts among `files` whose templates hold Argo CD resources. `points_here(repo
/// URL, chart folder)` says whether an Application's source repository is the one the
/// chart is in (so that another repository's `charts/apps` is not this one's).
pub fn charts(files: &[(String, String)], points_here: &dyn Fn(&str, &str) -> bool) -> Vec<Chart> {
    let dirs: Vec<(String, &str)> = files
        .iter()
        .filter(|(name, _)| base(name) == "Chart.yaml")
        .map(|(name, text)| (parent(name).to_owned(), text.as_str()))
        .collect();
    // Parsed only when a chart needs them: most repositories have none.
    let mut apps = None;
    let mut charts = Vec::new();
    for (dir, chart_yaml) in &dirs {
        // A subchart is rendered by the chart it is in.
        let nested = dirs.iter().any(|(outer, _)| {
            outer != dir && bare(dir).starts_with(&format!("{}charts/", prefix(outer)))
        });
        if nested {
            continue;
        }
        let under = format!("{}templates/", prefix(dir));
        let templates: Vec<String> = files
            .iter()
            .filter(|(name, _)| bare(name).starts_with(&under))
            .map(|(name, _)| name.clone())
            .collect();
        let argo = files.iter().any(|(name, text)| {
            templates.contains(name) && text.contains("apiVersion: argoproj.io/")
        });
        if !argo {
            continue;
        }
        let mut renders: Vec<Render> = Vec::new();
        for (file, app) in apps.get_or_insert_with(|| applications(files)).iter() {
            for render in renders_of(file, app, dir, points_here) {
                if !renders.iter().any(|r| same(r, &render)) {
                    renders.push(render);
                }
            }
        }
        if renders.is_empty() {
            // As `helm template` of the chart alone: its own name as the release.
            let name = yaml::parse(dir, chart_yaml)
                .ok()
                .and_then(|c| c.get("name").and_then(Node::as_str).map(str::to_owned));
            renders.push(Render {
                release: name.unwrap_or_else(|| base(dir).to_owned()),
                namespace: "argocd".into(),
                value_files: Vec::new(),
                values: None,
                set: Vec::new(),
                ignore_missing: false,
                by: None,
                missing: Vec::new(),
            });
        }
        charts.push(Chart {
            dir: dir.clone(),
            templates,
            renders,
        });
    }
    charts
}

/// `helm template`'s output split into one file per template (`# Source:` comments),
/// named after the template it came from and the render.
pub fn rendered(chart: &Chart, render: &Render, output: &str) -> Vec<(String, String)> {
    let mut parts: Vec<(String, String)> = Vec::new();
    let label = render.label();
    for document in output.split("\n---") {
        let source = document
            .lines()
            .find_map(|l| l.strip_prefix("# Source: "))
            .map(str::trim);
        let Some(source) = source else {
            continue;
        };
        // `CHART/templates/x.yaml`, or `CHART/charts/SUB/templates/x.yaml`.
        let inside = source.split_once('/').map_or(source, |(_, rest)| rest);
        let file = format!("{}{inside}", prefix(&chart.dir));
        // Named as the linted template is (`./templates/x.yaml`), when it is one.
        let file = chart
            .templates
            .iter()
            .find(|t| bare(t) == file)
            .cloned()
            .unwrap_or(file);
        let name = format!("{file} ({label})");
        let mut text = document.trim_start_matches(['-', '\n']).to_owned();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        match parts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, all)) => {
                all.push_str("---\n");
                all.push_str(&text);
            }
            None => parts.push((name, text)),
        }
    }
    parts
}

fn same(a: &Render, b: &Render) -> bool {
    (&a.release, &a.namespace, &a.value_files, &a.values, &a.set)
        == (&b.release, &b.namespace, &b.value_files, &b.values, &b.set)
}

/// Every Application in the files that parse: file and document.
fn applications(files: &[(String, String)]) -> Vec<(&str, Node)> {
    let mut apps = Vec::new();
    for (file, text) in files {
        if !text.contains("Application") {
            continue;
        }
        let Ok(docs) = yaml::parse_all(file, text) else {
            continue;
        };
        for doc in docs {
            let argo = doc
                .get("apiVersion")
                .and_then(Node::as_str)
                .is_some_and(|v| v.starts_with("argoproj.io/"));
            if argo && doc.get("kind").and_then(Node::as_str) == Some("Application") {
                apps.push((file.as_str(), doc));
            }
        }
    }
    apps
}

/// How the Application renders the chart at `dir`: once per source whose `path` is
/// the chart's folder (its last folders, since a source path is relative to the
/// repository root and `dir` to where lint runs).
fn renders_of(
    file: &str,
    app: &Node,
    dir: &str,
    points_here: &dyn Fn(&str, &str) -> bool,
) -> Vec<Render> {
    let name = app
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str)
        .unwrap_or_default();
    let spec = app.get("spec");
    let namespace = spec
        .and_then(|s| s.get("destination"))
        .and_then(|d| d.get("namespace"))
        .and_then(Node::as_str)
        .unwrap_or_default();
    let mut renders = Vec::new();
    for source in crate::generate::sources(spec) {
        let text = |n: &Node, k: &str| n.get(k).and_then(Node::as_str).map(str::to_owned);
        let Some(path) = text(source, "path") else {
            continue;
        };
        let repo = text(source, "repoURL").unwrap_or_default();
        if source.get("chart").is_some()
            || !ends_with_folders(dir, &path)
            || !points_here(&repo, dir)
        {
            continue;
        }
        // Argo CD substitutes its build environment in values file paths and
        // parameters (`ARGOCD_APP_NAME`, …); the others are not known offline.
        let env = |s: &str| {
            let s = s
                .replace("${ARGOCD_APP_NAMESPACE}", namespace)
                .replace("$ARGOCD_APP_NAMESPACE", namespace)
                .replace("${ARGOCD_APP_NAME}", name)
                .replace("$ARGOCD_APP_NAME", name);
            let unknown = s.contains("$ARGOCD_") || s.contains("${ARGOCD_") || s.contains("$KUBE_");
            (!unknown).then_some(s)
        };
        let helm = source.get("helm");
        let field = |k: &str| helm.and_then(|h| text(h, k)).filter(|s| !s.is_empty());
        let mut value_files = Vec::new();
        let mut missing = Vec::new();
        if let Some(Node {
            value: Value::Seq(files),
            ..
        }) = helm.and_then(|h| h.get("valueFiles"))
        {
            for f in files.iter().filter_map(Node::as_str) {
                match env(f) {
                    Some(f) if !f.starts_with('$') && !f.contains("://") => value_files.push(f),
                    _ => missing.push(format!("the values file `{f}`")),
                }
            }
        }
        let values = helm.and_then(|h| match h.get("valuesObject") {
            Some(object) => Some(object.to_json().to_string()),
            None => text(h, "values").filter(|v| !v.trim().is_empty()),
        });
        let mut set = Vec::new();
        if let Some(Node {
            value: Value::Seq(parameters),
            ..
        }) = helm.and_then(|h| h.get("parameters"))
        {
            for p in parameters {
                if let (Some(n), Some(v)) =
                    (text(p, "name"), p.get("value").and_then(Node::scalar_text))
                {
                    let string = p
                        .get("forceString")
                        .is_some_and(|f| f.value == Value::Bool(true));
                    match env(&v) {
                        Some(v) => set.push((n, v, string)),
                        None => missing.push(format!("the parameter `{n}`")),
                    }
                }
            }
        }
        renders.push(Render {
            release: field("releaseName").unwrap_or_else(|| name.to_owned()),
            namespace: field("namespace").unwrap_or_else(|| namespace.to_owned()),
            value_files,
            values,
            set,
            ignore_missing: helm
                .and_then(|h| h.get("ignoreMissingValueFiles"))
                .is_some_and(|i| i.value == Value::Bool(true)),
            by: Some(format!("Application `{name}` of {file}")),
            missing,
        });
    }
    renders
}

/// Whether `dir` ends with the folders of the repository path `path`.
fn ends_with_folders(dir: &str, path: &str) -> bool {
    let folders = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .map(str::to_owned)
            .collect()
    };
    let (dir, path) = (folders(dir), folders(path));
    // `.` is the repository's root: a chart there is linted from there.
    if path.is_empty() {
        return dir.is_empty();
    }
    dir.ends_with(&path)
}

/// `dir/` without a leading `./`, or nothing for `.`.
fn prefix(dir: &str) -> String {
    let dir = bare(dir);
    if dir == "." || dir.is_empty() {
        String::new()
    } else {
        format!("{}/", dir.trim_end_matches('/'))
    }
}

/// A name without its leading `./`s, as names are compared.
fn bare(name: &str) -> &str {
    let mut name = name;
    while let Some(rest) = name.strip_prefix("./") {
        name = rest;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<(String, String)> {
        [
            ("deploy/apps/Chart.yaml", "name: apps\nversion: 1.0.0\n"),
            (
                "deploy/apps/templates/web.yaml",
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {{ .Values.env }}-web\n",
            ),
            ("deploy/apps/charts/sub/Chart.yaml", "name: sub\n"),
            ("deploy/other/Chart.yaml", "name: other\n"),
            ("deploy/other/templates/cm.yaml", "kind: ConfigMap\n"),
            (
                "deploy/root.yaml",
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: root-prod}\nspec:\n  destination: {namespace: argocd}\n  source:\n    path: apps\n    helm:\n      valueFiles: [values-prod.yaml, $values/x.yaml]\n      valuesObject: {env: prod}\n      parameters: [{name: a, value: '1'}]\n",
            ),
        ]
        .into_iter()
        .map(|(n, t)| (n.to_owned(), t.to_owned()))
        .collect()
    }

    #[test]
    fn a_chart_that_templates_applications_is_rendered_as_its_applications_render_it() {
        let charts = charts(&files(), &|_, _| true);
        assert_eq!(charts.len(), 1, "{charts:?}");
        let chart = &charts[0];
        assert_eq!(chart.dir, "deploy/apps");
        assert_eq!(chart.templates, ["deploy/apps/templates/web.yaml"]);
        let r = &chart.renders[0];
        assert_eq!(
            (r.release.as_str(), r.namespace.as_str()),
            ("root-prod", "argocd")
        );
        assert_eq!(r.value_files, ["values-prod.yaml"]);
        assert_eq!(r.values.as_deref(), Some(r#"{"env":"prod"}"#));
        assert_eq!(r.set, [("a".to_owned(), "1".to_owned(), false)]);
        assert_eq!(r.missing, ["the values file `$values/x.yaml`"]);
    }

    #[test]
    fn without_an_application_a_chart_renders_with_its_own_values() {
        let mut files = files();
        files.retain(|(n, _)| n != "deploy/root.yaml");
        let r = &charts(&files, &|_, _| true)[0].renders[0];
        assert_eq!((r.release.as_str(), r.by.as_deref()), ("apps", None));
        // An Application of another repository's `apps` chart is not this chart's.
        let r = &charts(&self::files(), &|_, _| false)[0].renders[0];
        assert_eq!(r.by, None);
    }

    #[test]
    fn output_is_split_per_template() {
        let chart = &charts(&files(), &|_, _| true)[0];
        let out = "---\n# Source: apps/templates/web.yaml\nkind: Application\nmetadata: {name: a}\n---\n# Source: apps/templates/web.yaml\nkind: Application\n---\n# Source: apps/charts/sub/templates/a.yaml\nkind: X\n";
        let parts = rendered(chart, &chart.renders[0], out);
        let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "deploy/apps/templates/web.yaml (helm template root-prod)",
                "deploy/apps/charts/sub/templates/a.yaml (helm template root-prod)"
            ]
        );
        assert_eq!(
            yaml::parse_all("t", &parts[0].1).unwrap().len(),
            2,
            "{}",
            parts[0].1
        );
    }

    /// Regression: with `ladder lint .` a chart at the root (`./Chart.yaml`) was not
    /// found, subcharts were rendered alone, and an Argo CD annotation made any chart
    /// one of Applications.
    #[test]
    fn a_chart_at_the_root_is_found_and_its_subcharts_are_not_rendered_alone() {
        let files: Vec<(String, String)> = [
            ("./Chart.yaml", "name: root-apps\n"),
            ("./templates/a.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"),
            ("./charts/sub/Chart.yaml", "name: sub\n"),
            ("./charts/sub/templates/b.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"),
            ("./other/Chart.yaml", "name: other\n"),
            ("./other/templates/d.yaml", "kind: Deployment\nmetadata:\n  annotations: {argocd.argoproj.io/sync-wave: '1'}\n"),
            (
                "./root.yaml",
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: r}\nspec:\n  destination: {namespace: ns}\n  source:\n    path: .\n    helm: {valueFiles: [values-$ARGOCD_APP_NAME.yaml, $KUBE_VERSION.yaml]}\n",
            ),
        ]
        .into_iter()
        .map(|(n, t)| (n.to_owned(), t.to_owned()))
        .collect();
        let charts = charts(&files, &|_, _| true);
        assert_eq!(charts.len(), 1, "{charts:?}");
        assert_eq!(charts[0].templates, ["./templates/a.yaml"]);
        let r = &charts[0].renders[0];
        assert_eq!(r.value_files, ["values-r.yaml"]);
        assert_eq!(r.missing, ["the values file `$KUBE_VERSION.yaml`"]);
        let parts = rendered(
            &charts[0],
            r,
            "---\n# Source: root-apps/templates/a.yaml\nkind: Application\n",
        );
        assert_eq!(parts[0].0, "./templates/a.yaml (helm template r)");
    }
}
