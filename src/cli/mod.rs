//! The command line: the only place that reads and writes files.
//!
//! Exit codes: 0 success; 1 a check found differences or errors (`build
//! --check`, `validate`); 2 invalid input or usage. Problems in a spec are
//! printed to stderr with file, line and column, and nothing is written.

mod envs;
mod git;
mod output;
mod promote;
mod scaffold;
mod waves;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use ladder::diagnostic::{self, Diagnostic};

/// Compile component dependencies into Argo CD rollout ladders.
///
/// A spec (`ladder.yaml`) lists components and what each depends on; ladder puts every
/// component in the earliest phase its dependencies allow and emits the Argo CD
/// manifests that roll them out in that order: an ApplicationSet with RollingSync
/// steps, an AppProject, an app-of-apps root Application, and the Argo CD settings
/// they need.
#[derive(Debug, Parser)]
#[command(name = "ladder", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compile the spec into a folder of Argo CD manifests.
    ///
    /// Writes only files that change, removes files ladder generated earlier that the
    /// spec no longer produces, and never deletes or overwrites a file it did not
    /// generate. A spec with problems leaves the folder exactly as it was.
    Build {
        #[command(flatten)]
        spec: SpecArg,
        /// Output folder [default: the spec's `output.path`, relative to the spec's folder]
        #[arg(short = 'o', long = "out", value_name = "DIR")]
        out: Option<PathBuf>,
        /// Write nothing; exit 1 with a unified diff if the folder is not up to date.
        #[arg(long)]
        check: bool,
        /// Folder of templates to use in place of ladder's own, by name (e.g.
        /// `root.yaml.j2`). They run sandboxed: no files, no environment, strict undefined.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
    },
    /// Print the rollout plan: per environment, each step's phase, components, maxUpdate
    /// and estimated time, the longest dependency chain and the critical path.
    ///
    /// Estimates use each component's `duration` (default 1m) and run each step as Argo CD
    /// does: at most maxUpdate syncs at once, the next starting when one turns healthy.
    Plan {
        #[command(flatten)]
        spec: SpecArg,
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
    },
    /// Show what a change to the spec does to the rollout, against a git revision.
    ///
    /// Builds the spec as it is at REV and as it is now, entirely offline, and prints the
    /// components added, removed or moved between phases, the dependencies added or
    /// removed, each environment's steps and longest chain before and after, and the
    /// unified diff of the generated files. Exit 1 when anything differs, 0 when nothing does.
    Diff {
        #[command(flatten)]
        spec: SpecArg,
        /// Git revision to compare with (a branch, tag or commit).
        #[arg(long, value_name = "REV")]
        base: String,
        /// `markdown` is ready to post as a merge-request comment.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Draw the dependency graph, ranked by phase, with the critical path marked.
    Graph {
        #[command(flatten)]
        spec: SpecArg,
        #[arg(long, value_enum)]
        format: GraphFormat,
        /// Environment to draw [default: the first].
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        /// Cluster each phase's components by this label (e.g. `domain`).
        #[arg(long, value_name = "LABEL")]
        group: Option<String>,
    },
    /// Explain a component: why it sits in its phase, what waits on it, where it syncs.
    Explain {
        #[command(flatten)]
        spec: SpecArg,
        /// The component's name.
        component: String,
    },
    /// List phase → components with domain, namespace and source, for one environment.
    Inventory {
        #[command(flatten)]
        spec: SpecArg,
        #[arg(long, value_enum, default_value_t = InventoryFormat::Markdown)]
        format: InventoryFormat,
        /// Environment to list [default: the first].
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
    },
    /// Check manifests against the schemas of CustomResourceDefinitions.
    ///
    /// Every Argo CD manifest under PATH is checked against the openAPIV3Schema of its
    /// CRD in DIR; unknown fields are errors, as with strict server-side validation.
    /// Manifests of kinds without a CRD in DIR (e.g. ConfigMaps) are skipped and listed.
    Validate {
        /// Folder holding CRD manifests (its YAML files; subfolders are not read).
        #[arg(long, value_name = "DIR")]
        crds: PathBuf,
        /// Manifest files or folders (searched recursively for .yaml and .yml files).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Find dependency and Argo CD mistakes in a spec, or in existing Argo CD manifests.
    ///
    /// Without PATH, lints the spec. With PATHs, lints the Applications, ApplicationSets
    /// and `argocd-cm` ConfigMaps in those files or folders (recursively, .yaml and .yml,
    /// several documents per file); a file with top-level `components` is linted as a spec.
    /// Every finding names its rule and the fix. Exit 1 when any error is found, 0 when
    /// only warnings or nothing, 2 when an input cannot be read.
    Lint {
        /// The spec [default: ladder.yaml when no PATH is given]; with PATHs it is linted
        /// too and its `argocd.version` is the default target.
        #[arg(short = 'f', long = "spec", value_name = "PATH")]
        spec: Option<PathBuf>,
        /// Argo CD version to lint for, MAJOR.MINOR [default: the spec's, else 3.5].
        #[arg(long, value_name = "X.Y")]
        argocd_version: Option<String>,
        /// Print the rules (name, severity, why, fix) and exit.
        #[arg(long)]
        list_rules: bool,
        /// Manifest files or folders.
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Annotate rendered manifests with the sync-waves of a component's resource groups.
    ///
    /// Reads multi-document YAML (as `helm template` or `kustomize build` print it) from
    /// files, folders (their .yaml and .yml files, recursively) or standard input (`-`, or
    /// no PATH), and prints every document with `argocd.argoproj.io/sync-wave` (and the hook
    /// annotations of hook groups) inserted, the rest of its text unchanged. A resource no
    /// group matches keeps its wave and is listed on stderr; one that two groups match, or
    /// that already has a different value, is an error. Usable as an Argo CD Config
    /// Management Plugin (see examples/cmp).
    Waves {
        #[command(flatten)]
        spec: SpecArg,
        /// The component whose `resources` groups to apply.
        #[arg(long, value_name = "NAME")]
        component: String,
        /// Environment, for the component's namespace [default: the first].
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        /// Replace annotations that differ instead of refusing.
        #[arg(long)]
        overwrite: bool,
        /// Manifest files or folders; `-` or none reads standard input.
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Copy version pins from one environment's version file to the next one's.
    ///
    /// Rewrites only the values that differ, in place: the target file keeps its
    /// comments, key order and quoting. Refuses a promotion that skips or reverses the
    /// declared order of environments unless --force. Run `ladder build` afterwards.
    Promote {
        #[command(flatten)]
        spec: SpecArg,
        /// The environment whose pins are copied.
        #[arg(long, value_name = "ENV")]
        from: String,
        /// The environment whose version file is updated.
        #[arg(long, value_name = "ENV")]
        to: String,
        /// Promote only these components' entries (repeatable).
        #[arg(long, value_name = "COMPONENT")]
        only: Vec<String>,
        /// Promote even if it skips or reverses the declared order.
        #[arg(long)]
        force: bool,
    },
    /// Scaffold a new environment's files from an existing one's.
    ///
    /// Copies every file of the `--from` environment that the spec's `{{ env }}` paths
    /// name (overlays, values folders, the version file) to the new environment's
    /// paths, never overwriting a file, and prints the spec snippet that declares it.
    NewEnv {
        #[command(flatten)]
        spec: SpecArg,
        /// Name of the new environment.
        name: String,
        /// The environment to copy.
        #[arg(long, value_name = "ENV")]
        from: String,
    },
    /// Print the JSON Schema of the spec (as committed in schema/ladder.schema.json).
    Schema,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PlanFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DiffFormat {
    Text,
    Markdown,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum GraphFormat {
    Mermaid,
    Dot,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum InventoryFormat {
    Markdown,
    Json,
}

#[derive(Debug, clap::Args)]
struct SpecArg {
    /// The spec: a ladder.yaml file, or a folder holding one.
    #[arg(
        short = 'f',
        long = "spec",
        value_name = "PATH",
        default_value = "ladder.yaml"
    )]
    spec: PathBuf,
}

/// Exit code: a check found differences or problems.
const FOUND: u8 = 1;
/// Exit code: invalid input or usage.
const INVALID: u8 = 2;

pub(crate) fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { INVALID } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(INVALID)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Build {
            spec,
            out,
            check,
            templates,
        } => build(&spec.spec, out.as_deref(), check, templates.as_deref()),
        Command::Plan { spec, format } => plan(&spec.spec, format),
        Command::Diff { spec, base, format } => diff(&spec.spec, &base, format),
        Command::Graph {
            spec,
            format,
            env,
            group,
        } => with_checked(&spec.spec, |model, plan| {
            let env = environment(model, env.as_deref())?;
            let format = match format {
                GraphFormat::Mermaid => ladder::review::graph::Format::Mermaid,
                GraphFormat::Dot => ladder::review::graph::Format::Dot,
            };
            let options = ladder::review::graph::Options {
                env,
                group: group.as_deref(),
            };
            print!(
                "{}",
                ladder::review::graph::render(model, plan, format, options)
            );
            Ok(ExitCode::SUCCESS)
        }),
        Command::Explain { spec, component } => {
            with_checked(
                &spec.spec,
                |model, plan| match ladder::review::explain::find(model, &component) {
                    Ok(i) => {
                        print!("{}", ladder::review::explain::explain(model, plan, i));
                        Ok(ExitCode::SUCCESS)
                    }
                    Err(help) => {
                        eprintln!(
                            "error: `{component}` is not a component of `{}`",
                            model.name
                        );
                        if let Some(help) = help {
                            eprintln!("  = help: {help}");
                        }
                        Ok(ExitCode::from(INVALID))
                    }
                },
            )
        }
        Command::Inventory { spec, format, env } => with_checked(&spec.spec, |model, plan| {
            let env = environment(model, env.as_deref())?;
            match format {
                InventoryFormat::Markdown => {
                    print!("{}", ladder::review::inventory::markdown(model, plan, env));
                }
                InventoryFormat::Json => {
                    println!("{:#}", ladder::review::inventory::json(model, plan, env));
                }
            }
            Ok(ExitCode::SUCCESS)
        }),
        Command::Validate { crds, paths } => validate(&crds, &paths),
        Command::Lint {
            spec,
            argocd_version,
            list_rules,
            paths,
        } => {
            if list_rules {
                print!("{}", ladder::lint::list_rules());
                return Ok(ExitCode::SUCCESS);
            }
            lint(spec.as_deref(), argocd_version.as_deref(), &paths)
        }
        Command::Waves {
            spec,
            component,
            env,
            overwrite,
            paths,
        } => waves::run(&spec.spec, &component, env.as_deref(), overwrite, &paths),
        Command::Promote {
            spec,
            from,
            to,
            only,
            force,
        } => promote::run(&spec.spec, &from, &to, &only, force),
        Command::NewEnv { spec, name, from } => scaffold::run(&spec.spec, &name, &from),
        Command::Schema => {
            print!("{}", ladder::load::spec::json_schema_text());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A spec as read from disk.
struct SpecFile {
    path: PathBuf,
    /// The path as shown in messages.
    display: String,
    bytes: Vec<u8>,
    /// The version files and fleet folders the spec names, read next to it.
    inputs: ladder::Inputs,
}

impl SpecFile {
    /// The pipeline run for this spec and its inputs.
    fn request(&self) -> ladder::Request<'_> {
        ladder::Request::new(&self.display, &self.bytes).inputs(&self.inputs)
    }
}

fn read_spec(arg: &Path) -> anyhow::Result<SpecFile> {
    let path = if arg.is_dir() {
        arg.join("ladder.yaml")
    } else {
        arg.to_path_buf()
    };
    let bytes = std::fs::read(&path)
        .map_err(|e| anyhow::anyhow!("cannot read the spec {}: {e}", path.display()))?;
    let display = path.display().to_string();
    let inputs = read_inputs(&path, &display, &bytes);
    Ok(SpecFile {
        path,
        display,
        bytes,
        inputs,
    })
}

/// Reads the files and lists the folders a spec names ([`ladder::Request::wanted`]),
/// relative to its folder. Missing ones are left out: the core says what is missing.
fn read_inputs(path: &Path, display: &str, bytes: &[u8]) -> ladder::Inputs {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let ladder::Wanted { files, folders } = ladder::Request::new(display, bytes).wanted();
    let mut inputs = ladder::Inputs::default();
    for file in files {
        if let Ok(text) = std::fs::read_to_string(dir.join(&file)) {
            inputs.files.insert(file, text);
        }
    }
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(dir.join(&folder)) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        inputs.folders.insert(folder, names);
    }
    inputs
}

fn report(spec: &SpecFile, diagnostics: &[Diagnostic]) -> ExitCode {
    let source = String::from_utf8_lossy(&spec.bytes);
    eprint!("{}", diagnostic::render(diagnostics, Some(&source)));
    ExitCode::from(INVALID)
}

/// Reads the `.j2` files of a template folder (not its subfolders).
fn read_templates(dir: &Path) -> anyhow::Result<ladder::Templates> {
    let mut files = ladder::render::templates::Overrides::new();
    for (path, text) in output::read_files_with_extension(dir, "j2")? {
        let name = Path::new(&path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.insert(name, text);
    }
    Ok(ladder::Templates {
        dir: dir.display().to_string(),
        files,
    })
}

fn build(
    spec_arg: &Path,
    out: Option<&Path>,
    check: bool,
    templates: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let spec = read_spec(spec_arg)?;
    let templates = templates.map(read_templates).transpose()?;
    let request = ladder::Request::new(&spec.display, &spec.bytes)
        .inputs(&spec.inputs)
        .templates(templates.as_ref());
    let planned = match request.plan() {
        Ok(planned) => planned,
        Err(diagnostics) => return Ok(report(&spec, &diagnostics)),
    };
    let out = match out {
        Some(dir) => dir.to_path_buf(),
        None => spec
            .path
            .parent()
            .unwrap_or(Path::new("."))
            .join(&planned.model.output.path),
    };
    let spec_ref = output::relative_path(&out, &spec.path)?;
    let files = match request.spec_ref(&spec_ref).render(planned) {
        Ok(compiled) => compiled.files,
        Err(diagnostics) => {
            // Template problems point into the template, not the spec.
            let source = templates.as_ref().and_then(|t| {
                let name = diagnostics.first()?.file.rsplit('/').next()?;
                t.files.get(name).cloned()
            });
            eprint!("{}", diagnostic::render(&diagnostics, source.as_deref()));
            return Ok(ExitCode::from(INVALID));
        }
    };
    for warning in ladder::emit::warnings(&files) {
        eprintln!("warning: {warning}");
    }
    let existing = output::read_tree(&out)?;
    let changes = ladder::emit::changes(&files, &existing);
    if !changes.conflicts.is_empty() {
        for path in &changes.conflicts {
            let why = if existing.contains_key(path) {
                "exists and was not generated by ladder (it lacks the header)"
            } else {
                "is blocked: a folder stands where the file goes, or a file where its folder goes"
            };
            eprintln!(
                "error: {} {why}; refusing to overwrite it",
                out.join(path).display()
            );
        }
        eprintln!("nothing was written");
        return Ok(ExitCode::from(INVALID));
    }
    let summary = format!(
        "{} to create, {} to update, {} to delete",
        changes.create.len(),
        changes.update.len(),
        changes.delete.len()
    );
    if check {
        if changes.is_empty() {
            eprintln!("{} is up to date ({} files)", out.display(), files.len());
            return Ok(ExitCode::SUCCESS);
        }
        print!(
            "{}",
            ladder::emit::unified_diff(&changes, &files, &existing)
        );
        eprintln!(
            "{} is stale: {summary}; run `ladder build` to update it",
            out.display()
        );
        return Ok(ExitCode::from(FOUND));
    }
    output::apply(&out, &files, &changes)?;
    if changes.is_empty() {
        eprintln!("{} is up to date ({} files)", out.display(), files.len());
    } else {
        eprintln!(
            "wrote {}: {} created, {} updated, {} deleted",
            out.display(),
            changes.create.len(),
            changes.update.len(),
            changes.delete.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn plan(spec_arg: &Path, format: PlanFormat) -> anyhow::Result<ExitCode> {
    with_checked(spec_arg, |model, plan| {
        match format {
            PlanFormat::Text => print!("{}", ladder::plan::render_text(model, plan)),
            PlanFormat::Json => println!("{:#}", ladder::plan::to_json(model, plan)),
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Reads and checks a spec, then runs `f` on it; a spec with problems exits 2.
fn with_checked(
    spec_arg: &Path,
    f: impl FnOnce(&ladder::analyze::model::Model, &ladder::plan::Plan) -> anyhow::Result<ExitCode>,
) -> anyhow::Result<ExitCode> {
    let spec = read_spec(spec_arg)?;
    match spec.request().plan() {
        Ok(planned) => f(&planned.model, &planned.plan),
        Err(diagnostics) => Ok(report(&spec, &diagnostics)),
    }
}

/// The index of environment `name`, or the first; an unknown name is a usage error.
fn environment(model: &ladder::analyze::model::Model, name: Option<&str>) -> anyhow::Result<usize> {
    let Some(name) = name else { return Ok(0) };
    if let Some(i) = model.environments.iter().position(|e| e.name == name) {
        return Ok(i);
    }
    let names = model.environments.iter().map(|e| e.name.as_str());
    let help =
        diagnostic::did_you_mean(name, names).map_or_else(String::new, |h| format!(" ({h})"));
    anyhow::bail!("`{name}` is not an environment of `{}`{help}", model.name)
}

fn diff(spec_arg: &Path, base: &str, format: DiffFormat) -> anyhow::Result<ExitCode> {
    let spec = read_spec(spec_arg)?;
    let request = spec.request();
    let planned = match request.plan() {
        Ok(planned) => planned,
        Err(diagnostics) => return Ok(report(&spec, &diagnostics)),
    };
    let out = spec
        .path
        .parent()
        .unwrap_or(Path::new("."))
        .join(&planned.model.output.path);
    let spec_ref = output::relative_path(&out, &spec.path)?;
    let head = match request.spec_ref(&spec_ref).render(planned) {
        Ok(compiled) => compiled,
        Err(diagnostics) => return Ok(report(&spec, &diagnostics)),
    };
    let base_bytes = git::show_at(&spec.path, base)?;
    let base_display = format!("{} at {base}", spec.display);
    let compiled_base = match &base_bytes {
        None => {
            eprintln!(
                "note: {} did not exist at {base}; everything is new",
                spec.display
            );
            None
        }
        Some(bytes) => match ladder::Request::new(&base_display, bytes)
            .inputs(&git::inputs_at(&spec.path, base, bytes)?)
            .spec_ref(&spec_ref)
            .compile()
        {
            Ok(c) => Some(c),
            Err(diagnostics) => {
                eprintln!(
                    "note: the spec at {base} does not build ({} problems); comparing with nothing",
                    diagnostics.len()
                );
                None
            }
        },
    };
    let summary = ladder::review::diff::summarize(compiled_base.as_ref(), &head);
    match format {
        DiffFormat::Text => print!("{}", ladder::review::diff::text(&summary, base)),
        DiffFormat::Markdown => print!(
            "{}",
            ladder::review::diff::markdown(&summary, base, &head.model.name)
        ),
    }
    Ok(if summary.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FOUND)
    })
}

fn lint(spec: Option<&Path>, version: Option<&str>, paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let version = version
        .map(|v| {
            ladder::analyze::argocd::parse_version(v).ok_or_else(|| {
                anyhow::anyhow!("`{v}` is not an Argo CD version; write MAJOR.MINOR, e.g. 3.5")
            })
        })
        .transpose()?;
    let mut files = Vec::new();
    let mut inputs = std::collections::BTreeMap::new();
    if spec.is_some() || paths.is_empty() {
        let spec = read_spec(spec.unwrap_or(Path::new("ladder.yaml")))?;
        let text = String::from_utf8(spec.bytes)
            .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", spec.display))?;
        inputs.insert(spec.display.clone(), spec.inputs);
        files.push((spec.display, text));
    }
    for path in paths {
        for (name, text) in output::read_yaml_files(path, true)? {
            // Specs among the paths read their version files and fleet folders too.
            if text.starts_with("components:") || text.contains("\ncomponents:") {
                let spec_inputs = read_inputs(Path::new(&name), &name, text.as_bytes());
                inputs.insert(name.clone(), spec_inputs);
            }
            files.push((name, text));
        }
    }
    let source = |name: &str| {
        files
            .iter()
            .find(|(file, _)| file == name)
            .map(|(_, text)| text.as_str())
    };
    match ladder::lint::lint(&files, version, &inputs) {
        Ok(report) => {
            print!("{}", ladder::lint::render(&report, source));
            Ok(if report.count(ladder::lint::Severity::Error) > 0 {
                ExitCode::from(FOUND)
            } else {
                ExitCode::SUCCESS
            })
        }
        Err(diagnostics) => {
            for d in &diagnostics {
                let lines: Vec<&str> = source(&d.file)
                    .map(|s| s.lines().collect())
                    .unwrap_or_default();
                let mut text = String::new();
                diagnostic::render_into(&mut text, d, "error", &lines);
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
fn print_each<'a>(diagnostics: &[Diagnostic], source_of: impl Fn(&str) -> Option<&'a str>) {
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

fn validate(crds_dir: &Path, paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let crd_files = output::read_yaml_files(crds_dir, false)?;
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
        files.extend(output::read_yaml_files(path, true)?);
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
    eprintln!(
        "checked {} manifests in {} files against {} CRDs: {} errors, {} skipped",
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
