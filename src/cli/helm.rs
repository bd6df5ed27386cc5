//! Helm charts that template Argo CD resources, rendered for lint with `helm template`
//! as [`ladder::lint::charts`] plans: each template is replaced by what it renders, or,
//! without `helm` on PATH or when the render fails, skipped with a note that says so.
//!
//! The chart may be anyone's. helm runs as Argo CD runs it
//! (`util/helm/cmd.go` `template`: `--name-template`, `--namespace`, `--values`,
//! `--set`, `--include-crds`), with every value in `--flag=value` form and the chart
//! after `--`, so nothing a repository writes becomes a flag of its own (a release name
//! `--post-renderer=x.sh` would run `x.sh`); without plugins (`HELM_NO_PLUGINS`) and
//! without fetching (no `--dependency-update`). Values files are resolved as Argo CD
//! resolves them (relative to the chart, `/` at the repository root) and must stay inside
//! the repository, as must every link in the chart folder; a `Chart.lock` helm writes is
//! removed again, as Argo CD removes it. Values schemas are not checked (a `$ref` may
//! name a URL), and helm runs fenced in ([`super::tool::run`]).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use ladder::lint::charts::{self, Chart, Render};

/// The API versions a cluster with Argo CD serves, for charts that check
/// `.Capabilities.APIVersions.Has` before making Argo CD resources.
const API_VERSIONS: [&str; 4] = [
    "argoproj.io/v1alpha1",
    "argoproj.io/v1alpha1/Application",
    "argoproj.io/v1alpha1/ApplicationSet",
    "argoproj.io/v1alpha1/AppProject",
];

/// Renders the charts among `files` that make Argo CD resources: their templates leave
/// `files`, and what they render (or why not, in `skipped`) takes their place; what to
/// say of each chart's `Chart.yaml` goes in `rendered`. `root_of` gives the repository
/// a chart folder is in; `points_here` whether a repository URL is that repository.
pub(super) fn render_charts(
    files: &mut Vec<(String, String)>,
    skipped: &mut Vec<(String, String)>,
    rendered: &mut Vec<(String, String)>,
    root_of: &dyn Fn(&Path) -> PathBuf,
    points_here: &dyn Fn(&str, &str) -> bool,
) {
    let charts = charts::charts(files, points_here);
    for chart in &charts {
        let chart_file = format!("{}/Chart.yaml", chart.dir.trim_end_matches('/'));
        // The chart's `Chart.yaml` stays: settings read it (an argo-cd umbrella chart).
        files.retain(|(name, _)| !chart.templates.contains(name));
        let root = root_of(Path::new(&chart.dir));
        let mut rendered_any = vec![false; chart.templates.len()];
        let mut said = Vec::new();
        let mut failed = None;
        for render in &chart.renders {
            match run(chart, render, &root) {
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
                    let by = render
                        .by
                        .as_deref()
                        .map_or_else(String::new, |b| format!(" (as {b} renders it)"));
                    said.push(format!("not rendered{by}: {why}"));
                    failed.get_or_insert(why);
                }
            }
        }
        for (t, done) in chart.templates.iter().zip(&rendered_any) {
            if *done {
                continue;
            }
            let why = match &failed {
                Some(why) => format!("a Helm template, not linted: {why}"),
                None => "a Helm template that renders nothing with these values".to_owned(),
            };
            skipped.push((t.clone(), why));
        }
        rendered.push((
            chart_file,
            format!(
                "a Helm chart that makes Argo CD resources, {}",
                said.join("; ")
            ),
        ));
    }
}

/// `helm template` of one render: its output, or why there is none.
fn run(chart: &Chart, render: &Render, root: &Path) -> Result<String, String> {
    if !valid_release(&render.release) {
        return Err(format!(
            "the release name `{}` is not one helm accepts (lower-case letters, digits, `-` and `.`, at most 53)",
            render.release
        ));
    }
    let dir = std::fs::canonicalize(&chart.dir).map_err(|e| e.to_string())?;
    if let Some(link) = super::tool::link_out_of(&dir, root) {
        return Err(format!(
            "the chart has a link that leaves the repository (`{}`)",
            link.display()
        ));
    }
    let mut command = Command::new("helm");
    command
        .arg("template")
        .arg(format!("--name-template={}", render.release))
        .env("HELM_NO_PLUGINS", "1");
    if !render.namespace.is_empty() {
        command.arg(format!("--namespace={}", render.namespace));
    }
    for (name, value, string) in &render.set {
        let flag = if *string { "--set-string" } else { "--set" };
        command.arg(format!("{flag}={name}={value}"));
    }
    for file in &render.value_files {
        match values_file(&dir, root, file) {
            Ok(Some(path)) => {
                command.arg(format!("--values={}", path.display()));
            }
            Ok(None) if render.ignore_missing => {}
            Ok(None) => return Err(format!("the values file `{file}` does not exist")),
            Err(why) => return Err(why),
        }
    }
    // Inline values: one more values file, as Argo CD writes them.
    let inline = match &render.values {
        Some(values) => {
            let mut file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
            file.write_all(values.as_bytes())
                .map_err(|e| e.to_string())?;
            command.arg(format!("--values={}", file.path().display()));
            Some(file)
        }
        None => None,
    };
    for version in API_VERSIONS {
        command.arg(format!("--api-versions={version}"));
    }
    // A values schema's `$ref` may name a URL or a file anywhere: helm resolves it.
    command
        .arg("--include-crds")
        .arg("--skip-schema-validation")
        .arg("--")
        .arg(&dir);
    let lock = dir.join("Chart.lock");
    let had_lock = lock.exists();
    let out = super::tool::run(command);
    if !had_lock {
        let _ = std::fs::remove_file(&lock);
    }
    let out = out.map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            "`helm` is not on PATH, so what the chart renders is not linted (install helm to lint it)".to_owned()
        } else {
            format!("`helm template` did not finish: {e}")
        }
    })?;
    if !out.status.success() {
        let mut why = super::tool::error_line(&String::from_utf8_lossy(&out.stderr));
        if let Some(file) = &inline {
            why = why.replace(&file.path().display().to_string(), "(its inline values)");
        }
        return Err(format!("`helm template {}` failed: {why}", chart.dir));
    }
    drop(inline);
    String::from_utf8(out.stdout)
        .map_err(|_| "`helm template` printed text that is not UTF-8".to_owned())
}

/// Helm's rule for release names (a DNS subdomain, at most 53 characters).
fn valid_release(name: &str) -> bool {
    let label = |l: &str| {
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    !name.is_empty() && name.len() <= 53 && name.split('.').all(label)
}

/// A values file as Argo CD resolves it (relative to the chart; `/` is the repository's
/// root): its path when it exists, `None` when not, `Err` when it is outside the
/// repository.
fn values_file(dir: &Path, root: &Path, file: &str) -> Result<Option<PathBuf>, String> {
    let path = match file.strip_prefix('/') {
        Some(rest) => root.join(rest),
        None => dir.join(file),
    };
    let outside = || format!("the values file `{file}` is outside the repository");
    let lexical = PathBuf::from(ladder::lint::normalize_path(&path.display().to_string()));
    if !lexical.starts_with(root) {
        return Err(outside());
    }
    match std::fs::canonicalize(&lexical) {
        Ok(real) if real.starts_with(root) => Ok(Some(real)),
        Ok(_) => Err(outside()),
        Err(_) => Ok(None),
    }
}
