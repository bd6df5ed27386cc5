//! Helm charts that template Argo CD resources, rendered for lint with `helm template`
//! as [`ladder::lint::charts`] plans: each template is replaced by what it renders, or,
//! without `helm` on PATH or when the render fails, skipped with a note that says so.
//!
//! `helm template` needs no cluster and fetches nothing (no `--dependency-update`); it
//! runs without plugins (`HELM_NO_PLUGINS`), so a chart's folder runs no code of its own.

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use ladder::lint::charts::{self, Chart, Render};

/// Renders the charts among `files` that make Argo CD resources: their templates leave
/// `files`, and what they render (or why not, in `skipped`) takes their place; what to
/// say of each chart's `Chart.yaml` goes in `rendered`.
pub(super) fn render_charts(
    files: &mut Vec<(String, String)>,
    skipped: &mut Vec<(String, String)>,
    rendered: &mut Vec<(String, String)>,
) {
    let charts = charts::charts(files);
    for chart in &charts {
        let chart_file = format!("{}/Chart.yaml", chart.dir.trim_end_matches('/'));
        // The chart's `Chart.yaml` stays: settings read it (an argo-cd umbrella chart).
        files.retain(|(name, _)| !chart.templates.contains(name));
        let mut rendered_any = vec![false; chart.templates.len()];
        let mut said = Vec::new();
        for render in &chart.renders {
            match run(chart, render) {
                Ok(out) => {
                    for (name, text) in charts::rendered(chart, render, &out) {
                        if let Some(i) = chart
                            .templates
                            .iter()
                            .position(|t| name.starts_with(&format!("{t} (")))
                        {
                            rendered_any[i] = true;
                        }
                        files.push((name, text));
                    }
                    let by = render.by.as_deref().map_or_else(
                        || "with its own values".to_owned(),
                        |b| format!("as {b} renders it"),
                    );
                    let missing = if render.missing.is_empty() {
                        String::new()
                    } else {
                        format!(
                            ", without {} (ladder cannot read it)",
                            render.missing.join(", ")
                        )
                    };
                    said.push(format!("rendered with `helm template` {by}{missing}"));
                }
                Err(why) => {
                    for t in &chart.templates {
                        skipped.push((t.clone(), format!("a Helm template, not linted: {why}")));
                    }
                    rendered_any.fill(true);
                    said.push("not rendered (its templates say why)".to_owned());
                    break;
                }
            }
        }
        for (t, _) in chart
            .templates
            .iter()
            .zip(&rendered_any)
            .filter(|(_, r)| !**r)
        {
            skipped.push((
                t.clone(),
                "a Helm template that renders nothing with these values".into(),
            ));
        }
        if !said.is_empty() {
            rendered.push((
                chart_file,
                format!(
                    "a Helm chart that makes Argo CD resources, {}",
                    said.join("; ")
                ),
            ));
        }
    }
}

/// `helm template` of one render: its output, or why there is none.
fn run(chart: &Chart, render: &Render) -> Result<String, String> {
    let dir = Path::new(&chart.dir);
    let mut command = Command::new("helm");
    command
        .arg("template")
        .arg(&render.release)
        .arg(dir)
        .env("HELM_NO_PLUGINS", "1");
    if !render.namespace.is_empty() {
        command.args(["--namespace", &render.namespace]);
    }
    for file in &render.value_files {
        command.arg("--values").arg(dir.join(file));
    }
    // Inline values: one more values file, as Argo CD writes them.
    let inline = match &render.values {
        Some(values) => {
            let mut file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
            file.write_all(values.as_bytes())
                .map_err(|e| e.to_string())?;
            command.arg("--values").arg(file.path());
            Some(file)
        }
        None => None,
    };
    for (name, value, string) in &render.set {
        command
            .arg(if *string { "--set-string" } else { "--set" })
            .arg(format!("{name}={value}"));
    }
    let out = command.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            "`helm` is not on PATH, so what the chart renders is not linted (install helm to lint it)".to_owned()
        } else {
            format!("`helm template` could not run: {e}")
        }
    })?;
    drop(inline);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        return Err(format!("`helm template {}` failed: {first}", chart.dir));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| "`helm template` printed text that is not UTF-8".to_owned())
}
