//! `ladder lint` and `ladder validate`: findings in specs and manifests, and manifests
//! against the Argo CD CRDs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ladder::diagnostic::{self, Diagnostic};

use super::spec_file::{read_inputs, read_spec};
use super::{FOUND, INVALID, read};

/// What `ladder lint` reads and how it prints, besides the spec and the paths.
pub(super) struct Select {
    pub(super) exclude: Vec<String>,
    pub(super) config: Option<PathBuf>,
    pub(super) format: super::args::LintFormat,
    pub(super) assume: Vec<super::args::LintAssume>,
    /// `--repository URL=DIR`.
    pub(super) repository: Vec<String>,
}

/// The lint config: `--config`'s, else `.ladder-lint.yaml` where there is one, else the
/// `lint` section of the spec (`-f`'s, or `ladder.yaml` where there is one); `Err` with
/// the exit code after printing its problems. Both a `.ladder-lint.yaml` and a section
/// is an error: which one counts would be a guess.
fn lint_config(
    path: Option<&Path>,
    spec: Option<&Path>,
) -> anyhow::Result<Result<(ladder::lint::config::Config, PathBuf), ExitCode>> {
    let default = Path::new(".ladder-lint.yaml");
    let spec = spec.unwrap_or(Path::new("ladder.yaml"));
    let section = || -> Option<(String, String)> {
        let text = std::fs::read_to_string(spec).ok()?;
        let name = spec.display().to_string();
        ladder::lint::config::section(&name, &text).map(|_| (name, text))
    };
    // (file, text, whether it is a spec's section)
    let (file, text, in_spec) = match path {
        Some(p) => (p, read_config(p)?, false),
        None if default.is_file() => {
            if let Some((name, _)) = section() {
                eprintln!(
                    "error: both `{}` and the `lint` section of `{name}` configure lint; keep one, or name one with `--config`",
                    default.display()
                );
                return Ok(Err(ExitCode::from(INVALID)));
            }
            (default, read_config(default)?, false)
        }
        None => match section() {
            Some((_, text)) => (spec, text, true),
            None => {
                return Ok(Ok((
                    ladder::lint::config::Config::default(),
                    PathBuf::from("."),
                )));
            }
        },
    };
    // Paths in the config are relative to its file's folder.
    let folder = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let name = file.display().to_string();
    let parsed = if in_spec {
        ladder::lint::config::section(&name, &text)
            .unwrap_or_else(|| Ok(ladder::lint::config::Config::default()))
    } else {
        ladder::lint::config::parse(&name, &text)
    };
    Ok(parsed
        .map(|config| (config, folder))
        .map_err(|diagnostics| {
            eprint!("{}", diagnostic::render(&diagnostics, Some(&text)));
            ExitCode::from(INVALID)
        }))
}

fn read_config(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
}

pub(super) fn lint(
    spec: Option<&Path>,
    version: Option<&str>,
    paths: &[PathBuf],
    select: &Select,
) -> anyhow::Result<ExitCode> {
    let format = select.format;
    let (mut config, config_folder) = match lint_config(select.config.as_deref(), spec)? {
        Ok(found) => found,
        Err(code) => return Ok(code),
    };
    let mut repositories: Vec<(String, PathBuf)> = config
        .repositories
        .iter()
        .map(|r| (r.url.clone(), config_folder.join(&r.path)))
        .collect();
    if let Some((url, dir)) = repositories.iter().find(|(_, d)| !d.is_dir()) {
        eprintln!(
            "error: the lint config's repository `{url}` has the path `{}`, which is not a folder",
            dir.display()
        );
        return Ok(ExitCode::from(INVALID));
    }
    match super::checkout::parse_repositories(&select.repository) {
        Ok(given) => repositories.extend(given),
        Err(message) => {
            eprintln!("{message}");
            return Ok(ExitCode::from(INVALID));
        }
    }
    for a in &select.assume {
        use ladder::lint::config::Assume;
        config.assume.insert(match a {
            super::args::LintAssume::ApplicationHealthCheck => Assume::ApplicationHealthCheck,
            super::args::LintAssume::ProgressiveSyncs => Assume::ProgressiveSyncs,
        });
    }
    let globs: Vec<String> = config
        .exclude
        .iter()
        .chain(&select.exclude)
        .cloned()
        .collect();
    let mut excluded = 0;
    let version = version
        .map(|v| {
            ladder::analyze::argocd::parse_version(v).ok_or_else(|| {
                anyhow::anyhow!("`{v}` is not an Argo CD version; write MAJOR.MINOR, e.g. 3.5")
            })
        })
        .transpose()?;
    let mut files = Vec::new();
    let mut inputs = std::collections::BTreeMap::new();
    let mut named_specs = Vec::new();
    let mut unreadable = Vec::new();
    if spec.is_some() || paths.is_empty() {
        let spec = read_spec(spec.unwrap_or(Path::new("ladder.yaml")))?;
        named_specs.push(spec.display.clone());
        match String::from_utf8(spec.bytes) {
            Ok(text) => {
                inputs.insert(spec.display.clone(), spec.inputs);
                files.push((spec.display, text));
            }
            Err(_) => unreadable.push((spec.display, "not UTF-8 text".to_owned())),
        }
    }
    // The named spec, to lint once when a PATH holds it too.
    let named: Vec<PathBuf> = named_specs
        .iter()
        .filter_map(|n| std::fs::canonicalize(n).ok())
        .collect();
    for path in paths {
        let (texts, not_text) = read::read_yaml_files_lenient(path, true)?;
        let root = path.display().to_string();
        let kept = |name: &str| !ladder::lint::config::excluded(name, &root, &globs);
        let before = texts.len() + not_text.len();
        let not_text: Vec<(String, String)> =
            not_text.into_iter().filter(|(n, _)| kept(n)).collect();
        let texts: Vec<(String, String)> = texts.into_iter().filter(|(n, _)| kept(n)).collect();
        excluded += before - texts.len() - not_text.len();
        unreadable.extend(not_text);
        let texts = texts
            .into_iter()
            .filter(|(n, _)| std::fs::canonicalize(n).map_or(true, |c| !named.contains(&c)));
        for (name, text) in texts {
            // Specs among the paths read their version files and fleet folders too.
            if ladder::lint::is_spec(&name, &text) {
                let spec_inputs = read_inputs(Path::new(&name), &name, text.as_bytes());
                inputs.insert(name.clone(), spec_inputs);
            }
            files.push((name, text));
        }
    }
    let found = super::checkout::discover(paths, &repositories);
    let checkouts = super::checkout::checkouts(&found);
    // Charts and kustomizations are rendered inside their repository only, for
    // Applications of that repository only. The innermost checkout holding a folder
    // (a configured one inside a git repository) is its checkout.
    let checkout_of = |dir: &Path| {
        let real = std::fs::canonicalize(dir).ok()?;
        (0..found.len())
            .filter(|&i| real.starts_with(found[i].tree.root()))
            .max_by_key(|&i| found[i].tree.root().components().count())
    };
    // The repository a folder is in: its checkout, else its git repository (remote or
    // not), else the linted path that holds it; never more than what was named.
    let linted: Vec<PathBuf> = paths
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .map(|p| {
            if p.is_dir() {
                p
            } else {
                p.parent().map_or(p.clone(), Path::to_path_buf)
            }
        })
        .collect();
    let root_of = |dir: &Path| -> PathBuf {
        if let Some(i) = checkout_of(dir) {
            return found[i].tree.root().to_path_buf();
        }
        let real = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if let Some(top) =
            super::checkout::git_top(&real).and_then(|t| std::fs::canonicalize(t).ok())
        {
            return top;
        }
        linted
            .iter()
            .filter(|p| real.starts_with(p))
            .min_by_key(|p| p.components().count())
            .cloned()
            .unwrap_or(real)
    };
    let points_here = |url: &str, dir: &str| {
        url.is_empty() || checkout_of(Path::new(dir)).is_none_or(|i| checkouts[i].is(url))
    };
    // Charts that template Argo CD resources: linted as `helm template` renders them.
    let mut rendered = Vec::new();
    super::helm::render_charts(
        &mut files,
        &mut unreadable,
        &mut rendered,
        &root_of,
        &points_here,
    );
    // Kustomize trees that change Argo CD resources: linted as `kustomize build` prints them.
    super::kustomize::build_kustomizations(&mut files, &mut rendered, &root_of);
    let source = |name: &str| {
        files
            .iter()
            .find(|(file, _)| file == name)
            .map(|(_, text)| text.as_str())
    };
    let options = ladder::lint::Options {
        version,
        inputs: &inputs,
        named_specs: &named_specs,
        unreadable: &unreadable,
        rendered: &rendered,
        config: &config,
        excluded,
        checkouts: &checkouts,
    };
    match ladder::lint::lint(&files, options) {
        Ok(report) => {
            use super::args::LintFormat;
            let out = match format {
                LintFormat::Text => ladder::lint::finding::render(&report, source),
                LintFormat::Json => ladder::lint::output::json(&report),
                LintFormat::Sarif => ladder::lint::output::sarif(&report),
                LintFormat::Gitlab => ladder::lint::output::gitlab(&report),
            };
            print!("{out}");
            Ok(if report.count(ladder::lint::rules::Severity::Error) > 0 {
                ExitCode::from(FOUND)
            } else {
                ExitCode::SUCCESS
            })
        }
        Err(diagnostics) => {
            // Machine formats still print a valid (empty) report for the upload step.
            match format {
                super::args::LintFormat::Sarif => {
                    print!("{}", ladder::lint::output::sarif_failed(&diagnostics));
                }
                super::args::LintFormat::Gitlab => println!("[]"),
                super::args::LintFormat::Json | super::args::LintFormat::Text => {}
            }
            for d in &diagnostics {
                let lines: Vec<&str> = source(&d.file)
                    .map(|s| s.lines().collect())
                    .unwrap_or_default();
                let mut text = String::new();
                diagnostic::render_into(&mut text, d, "error", &lines, &source);
                eprint!("{text}");
            }
            let n = diagnostics.len();
            eprintln!(
                "cannot lint: {n} input problem{}",
                if n == 1 { "" } else { "s" }
            );
            Ok(ExitCode::from(INVALID))
        }
    }
}

/// Prints diagnostics that point into several files, each with its file's text (from
/// `source_of`), without a summary line.
pub(super) fn print_each<'a>(
    diagnostics: &[Diagnostic],
    source_of: impl Fn(&str) -> Option<&'a str>,
) {
    for d in diagnostics {
        let text = diagnostic::render(std::slice::from_ref(d), source_of(&d.file));
        // Drop the per-diagnostic summary line; the caller prints one.
        let text = text
            .rsplit_once("\n1 error")
            .map_or(text.as_str(), |(head, _)| head);
        eprintln!("{}", text.trim_end());
        eprintln!();
    }
}

pub(super) fn validate(crds_dir: &Path, paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let crd_files = read::read_yaml_files(crds_dir, false)?;
    let crds = match ladder::validate::Crds::from_texts(&crd_files) {
        Ok(crds) => crds,
        Err(diagnostics) => {
            eprint!("{}", diagnostic::render(&diagnostics, None));
            return Ok(ExitCode::from(INVALID));
        }
    };
    if crds.is_empty() {
        anyhow::bail!(
            "no CustomResourceDefinitions found in {}",
            crds_dir.display()
        );
    }
    let mut files = Vec::new();
    for path in paths {
        files.extend(read::read_yaml_files(path, true)?);
    }
    let report = ladder::validate::validate(&crds, &files);
    print_each(&report.diagnostics, |file| {
        files
            .iter()
            .find(|(name, _)| name == file)
            .map(|(_, text)| text.as_str())
    });
    for (file, pos, kind) in &report.skipped {
        eprintln!(
            "skipped {file}:{}:{}: no CRD for {kind}",
            pos.line, pos.column
        );
    }
    for (file, pos, what) in &report.other {
        eprintln!(
            "note: {file}:{}:{}: not checked: {what}",
            pos.line, pos.column
        );
    }
    let other = match report.other.len() {
        0 => String::new(),
        n => format!(", {n} not Kubernetes objects"),
    };
    eprintln!(
        "checked {} manifests in {} files against {} CRDs: {} errors, {} skipped{other}",
        report.checked,
        files.len(),
        crds.len(),
        report.diagnostics.len(),
        report.skipped.len()
    );
    Ok(if report.diagnostics.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FOUND)
    })
}
