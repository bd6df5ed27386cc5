//! `ladder waves`: reads the manifests, hands them to [`ladder::edit::annotate::annotate`],
//! prints the result.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ladder::edit::annotate::Input;

use super::check::print_each;
use super::spec_file::{environment, with_checked};
use super::{INVALID, read};

pub(super) fn run(
    spec_arg: &Path,
    component: &str,
    env: Option<&str>,
    overwrite: bool,
    paths: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    with_checked(spec_arg, |model, _| {
        let e = environment(model, env)?;
        let env_name = &model.environments[e].name;
        let c = match model.find_components(component) {
            Ok(found) => {
                // A fleet component stands for its members in this environment: their
                // groups and namespace, unless `{{ member }}` makes them differ.
                let here: Vec<usize> = if found.len() > 1 {
                    found
                        .iter()
                        .copied()
                        .filter(|&i| model.components[i].instances[e].is_some())
                        .collect()
                } else {
                    found.clone()
                };
                let same = |i: usize, j: usize| {
                    let (a, b) = (&model.components[i], &model.components[j]);
                    a.waves == b.waves
                        && a.instances[e].as_ref().map(|x| &x.namespace)
                            == b.instances[e].as_ref().map(|x| &x.namespace)
                };
                match here.as_slice() {
                    [] => anyhow::bail!(
                        "no member of the fleet component `{component}` is in environment `{env_name}`"
                    ),
                    [first, rest @ ..] if rest.iter().all(|&i| same(i, *first)) => *first,
                    members => {
                        let names: Vec<&str> = members
                            .iter()
                            .map(|&i| model.components[i].name.as_str())
                            .collect();
                        anyhow::bail!(
                            "`{component}` is a fleet component whose members' resource groups or namespaces differ in `{env_name}`; name one member: {}",
                            names.join(", ")
                        );
                    }
                }
            }
            Err(help) => {
                let help = help.map_or_else(String::new, |h| format!(" ({h})"));
                anyhow::bail!("`{component}` is not a component of `{}`{help}", model.name);
            }
        };
        let Some(waves) = &model.components[c].waves else {
            anyhow::bail!(
                "component `{component}` has no `resources` groups; add some to its spec to order its resources"
            );
        };
        let Some(instance) = &model.components[c].instances[e] else {
            anyhow::bail!("component `{component}` is disabled in environment `{env_name}`");
        };
        let inputs = read_inputs(paths)?;
        match ladder::edit::annotate::annotate(waves, &instance.namespace, &inputs, overwrite) {
            Ok(annotated) => {
                for note in &annotated.notes {
                    eprintln!("note: {note}");
                }
                print!("{}", annotated.text);
                Ok(ExitCode::SUCCESS)
            }
            Err(diagnostics) => {
                print_each(&diagnostics, |file| {
                    inputs
                        .iter()
                        .find(|i| i.name == file)
                        .map(|i| i.text.as_str())
                });
                let n = diagnostics.len();
                eprintln!(
                    "{n} error{} found; nothing was written",
                    if n == 1 { "" } else { "s" }
                );
                Ok(ExitCode::from(INVALID))
            }
        }
    })
}

/// The manifests to annotate: each file (folders searched recursively for .yaml and
/// .yml, in path order), or standard input for `-` or no path.
fn read_inputs(paths: &[PathBuf]) -> anyhow::Result<Vec<Input>> {
    let mut inputs = Vec::new();
    if paths.is_empty() {
        inputs.push(stdin()?);
    }
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(stdin()?);
            continue;
        }
        for (name, text) in read::read_yaml_files(path, true)? {
            inputs.push(Input { name, text });
        }
    }
    Ok(inputs)
}

fn stdin() -> anyhow::Result<Input> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| anyhow::anyhow!("cannot read standard input: {e}"))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("standard input is not UTF-8 text"))?;
    Ok(Input {
        name: "<stdin>".into(),
        text,
    })
}
