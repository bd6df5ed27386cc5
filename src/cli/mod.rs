//! The command line: the only place that reads and writes files.
//!
//! Exit codes: 0 success; 1 a check found differences or errors (`build
//! --check`, `validate`); 2 invalid input or usage. Problems in a spec are
//! printed to stderr with file, line and column, and nothing is written.

mod args;
mod build;
mod check;
mod checkout;
mod compare;
mod diff;
mod envs;
mod fs_safe;
mod git;
mod helm;
mod import;
mod in_place;
mod includes;
mod init;
mod kustomize;
mod new_env;
mod output;
mod promote;
mod read;
mod simulate;
mod spec_file;
mod tool;
mod waves;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, GraphFormat, InventoryFormat};
use spec_file::{environment, with_checked};

/// Exit code: a check found differences or problems.
const FOUND: u8 = 1;
/// Exit code: invalid input or usage.
const INVALID: u8 = 2;

/// Writes `text` to stdout; a reader that went away (`ladder simulate | head`) is not
/// an error.
pub(super) fn stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

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
        } => build::build(&spec.spec, out.as_deref(), check, templates.as_deref()),
        Command::Plan { spec, format } => build::plan(&spec.spec, format),
        Command::Diff { spec, base, format } => diff::diff(&spec.spec, &base, format),
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
        Command::Explain { spec, component } => with_checked(&spec.spec, |model, plan| match model
            .find_components(&component)
        {
            Ok(found) => {
                let text = ladder::review::explain::explain_all(model, plan, &component, &found);
                print!("{text}");
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
        }),
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
        Command::Validate { crds, paths } => check::validate(&crds, &paths),
        Command::Simulate {
            spec,
            env,
            changed,
            all: _,
            fail,
            slow,
            tree,
            argocd_version,
            format,
        } => simulate::run(
            &spec.spec,
            &simulate::Options {
                env: env.as_deref(),
                changed: &changed,
                fail: &fail,
                slow: &slow,
                tree: tree.as_deref(),
                argocd_version: argocd_version.as_deref(),
                format,
            },
        ),
        Command::Compare { a, b, repository } => compare::compare(&a, &b, &repository),
        Command::Import {
            paths,
            out,
            name,
            force,
            split,
            repository,
            rendered,
        } => import::import(
            &paths,
            &out,
            name.as_deref(),
            import::Flags {
                force,
                split,
                repository: &repository,
                rendered: &rendered,
            },
        ),
        Command::Lint {
            spec,
            argocd_version,
            list_rules,
            format,
            exclude,
            config,
            assume,
            repository,
            paths,
        } => {
            if list_rules {
                print!("{}", ladder::lint::list_rules());
                return Ok(ExitCode::SUCCESS);
            }
            let select = check::Select {
                exclude,
                config,
                format,
                assume,
                repository,
            };
            check::lint(spec.as_deref(), argocd_version.as_deref(), &paths, &select)
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
        Command::NewEnv { spec, name, from } => new_env::run(&spec.spec, &name, &from),
        Command::Schema => {
            print!("{}", ladder::load::spec::json_schema_text());
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { spec, name } => init::init(&spec, name.as_deref()),
        Command::Completions { shell } => {
            use clap::CommandFactory as _;
            clap_complete::generate(shell, &mut Cli::command(), "ladder", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    }
}
