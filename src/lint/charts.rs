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

/// The charts among `files` whose templates hold Argo CD resources.
pub fn charts(files: &[(String, String)]) -> Vec<Chart> {
    let dirs: Vec<String> = files
        .iter()
        .filter(|(name, _)| base(name) == "Chart.yaml")
        .map(|(name, _)| parent(name).to_owned())
        .collect();
    // Parsed only when a chart needs them: most repositories have none.
    let mut apps = None;
    let mut charts = Vec::new();
    for dir in &dirs {
        // A subchart is rendered by the chart it is in.
        let nested = dirs
            .iter()
            .any(|outer| outer != dir && dir.starts_with(&format!("{}/charts/", prefix(outer))));
        if nested {
            continue;
        }
        let under = format!("{}templates/", prefix(dir));
        let templates: Vec<String> = files
            .iter()
            .filter(|(name, _)| {
                name.starts_with(&under) || (dir == "." && name.starts_with("templates/"))
            })
            .map(|(name, _)| name.clone())
            .collect();
        let argo = files
            .iter()
            .any(|(name, text)| templates.contains(name) && text.contains("argoproj.io"));
        if !argo {
            continue;
        }
        let mut renders: Vec<Render> = Vec::new();
        for (file, app) in apps.get_or_insert_with(|| applications(files)).iter() {
            for render in renders_of(file, app, dir) {
                if !renders.iter().any(|r| same(r, &render)) {
                    renders.push(render);
                }
            }
        }
        if renders.is_empty() {
            renders.push(Render {
                release: base(dir).trim_start_matches('.').to_owned(),
                namespace: "argocd".into(),
                value_files: Vec::new(),
                values: None,
                set: Vec::new(),
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
        let name = format!("{}{inside} ({label})", prefix(&chart.dir));
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
fn renders_of(file: &str, app: &Node, dir: &str) -> Vec<Render> {
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
    for source in super::generate::sources(spec) {
        let text = |n: &Node, k: &str| n.get(k).and_then(Node::as_str).map(str::to_owned);
        let Some(path) = text(source, "path") else {
            continue;
        };
        if source.get("chart").is_some() || !ends_with_folders(dir, &path) {
            continue;
        }
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
                if f.starts_with('$') || f.contains("://") {
                    missing.push(format!("the values file `{f}`"));
                } else {
                    value_files.push(f.to_owned());
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
                    set.push((n, v, string));
                }
            }
        }
        renders.push(Render {
            release: field("releaseName").unwrap_or_else(|| name.to_owned()),
            namespace: field("namespace").unwrap_or_else(|| namespace.to_owned()),
            value_files,
            values,
            set,
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
    !path.is_empty() && dir.ends_with(&path)
}

fn base(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

fn parent(name: &str) -> &str {
    match name.rfind(['/', '\\']) {
        Some(0) => "/",
        Some(at) => &name[..at],
        None => ".",
    }
}

/// `dir/`, or nothing for `.`.
fn prefix(dir: &str) -> String {
    if dir == "." {
        String::new()
    } else {
        format!("{}/", dir.trim_end_matches('/'))
    }
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
        let charts = charts(&files());
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
        let r = &charts(&files)[0].renders[0];
        assert_eq!((r.release.as_str(), r.by.as_deref()), ("apps", None));
    }

    #[test]
    fn output_is_split_per_template() {
        let chart = &charts(&files())[0];
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
}
