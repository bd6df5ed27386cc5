//! Generated Helm values nobody reads: a component with resource groups and a Helm
//! source gets its waves and hooks only if a `helm.valueFiles` entry of its Application
//! lists the values file ladder writes (`<output.path>/waves/<component>/values.yaml`,
//! per environment with independent trees), through a `ref` source on the repository of
//! the generated tree. Otherwise every resource keeps wave 0 and no hook runs, without a
//! word. This check needs nothing but the model: the sources' own value files. (Whether
//! a kustomize overlay includes the generated Component is `wave_components`.)

use crate::analyze::model::{Model, Source};
use crate::diagnostic::Diagnostic;
use crate::load::Loaded;
use crate::load::yaml::PathSeg;

/// The lint rule of generated Helm values no value file lists.
pub static WAVES_VALUES_NOT_USED: &str = "waves-values-not-used";

/// Adds a warning to `model.warnings` for each component whose generated Helm values no
/// `helm.valueFiles` entry reads, naming the environments and the line to add.
pub fn check(model: &mut Model, loaded: &Loaded) {
    use PathSeg::{Index, Key};
    let independent = model.rollout.topology == crate::load::spec::Topology::Independent;
    let mut warnings = Vec::new();
    let spec_index = loaded.spec.component_indexes();
    for c in &model.components {
        if c.waves.is_none() {
            continue;
        }
        let mut missing: Vec<&str> = Vec::new();
        let mut reference = None;
        for (env, instance) in model.environments.iter().zip(&c.instances) {
            let Some(instance) = instance else { continue };
            if !instance.sources.iter().any(Source::is_helm) {
                continue;
            }
            let dir = if independent {
                format!("{}/waves/{}", env.name, c.name)
            } else {
                format!("waves/{}", c.name)
            };
            let generated = format!("{}/{dir}/values.yaml", model.output.path);
            // The `ref` sources on the generated tree's repository, by name.
            let refs: Vec<&str> = instance
                .sources
                .iter()
                .filter(|s| same_repo(&s.repo_url, &model.output.repo_url))
                .filter_map(|s| s.reference.as_deref())
                .collect();
            reference = reference.or(refs.first().map(|r| (*r).to_owned()));
            let read = instance.sources.iter().filter(|s| s.is_helm()).any(|s| {
                s.value_files.iter().any(|f| {
                    let Some((name, path)) = f.strip_prefix('$').and_then(|f| f.split_once('/'))
                    else {
                        // A value file of a git chart is relative to its folder.
                        return same_repo(&s.repo_url, &model.output.repo_url)
                            && s.path
                                .as_deref()
                                .and_then(|p| normalize(&format!("{p}/{f}")))
                                == Some(generated.clone());
                    };
                    refs.contains(&name) && normalize(path).as_deref() == Some(generated.as_str())
                })
            });
            if !read {
                missing.push(&env.name);
            }
        }
        if missing.is_empty() {
            continue;
        }
        let Some(&i) = spec_index.get(c.name.as_str()) else {
            continue;
        };
        let spec = &loaded.spec.components[i];
        let at: Vec<PathSeg<'_>> = if spec.source.is_some() {
            vec![Key("components"), Index(i), Key("source")]
        } else {
            vec![Key("components"), Index(i), Key("sources")]
        };
        let shown = if independent {
            format!(
                "{}/{{{{ env }}}}/waves/{}/values.yaml",
                model.output.path, c.name
            )
        } else {
            format!("{}/waves/{}/values.yaml", model.output.path, c.name)
        };
        let envs = if missing.len() == model.environments.len() {
            "in every environment".to_owned()
        } else {
            format!(
                "in {}",
                missing
                    .iter()
                    .map(|e| format!("`{e}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let help = match &reference {
            Some(r) => format!(
                "add `- \"${r}/{shown}\"` to the chart source's `helm.valueFiles`, after the environment's own values, and read `.Values.syncAnnotations` in the chart"
            ),
            None => format!(
                "{} `{{repoURL: {}, targetRevision: {}, ref: ladder}}`, and list `- \"$ladder/{shown}\"` in the chart source's `helm.valueFiles`",
                if spec.source.is_some() {
                    "use `sources:`: the chart, and"
                } else {
                    "add the source"
                },
                model.output.repo_url,
                model.output.target_revision
            ),
        };
        warnings.push(
            Diagnostic::new(
                &loaded.file,
                loaded.tree.lookup(&at).pos,
                format!(
                    "`{}`'s resource groups never reach its chart {envs}: no `helm.valueFiles` entry of its Application lists `{shown}`, the values ladder writes for them, so every resource keeps wave 0 and no hook runs",
                    c.name
                ),
            )
            .help(help)
            .rule(&WAVES_VALUES_NOT_USED),
        );
    }
    model.warnings.extend(warnings);
}

/// Two repository URLs that name one repository (case, a trailing `/` or `.git` aside).
pub(crate) fn same_repo(a: &str, b: &str) -> bool {
    let norm = |u: &str| {
        let u = u.trim().trim_end_matches('/');
        u.strip_suffix(".git").unwrap_or(u).to_ascii_lowercase()
    };
    norm(a) == norm(b)
}

/// `path` without `.` and empty parts and with `..` resolved; `None` if it climbs out.
pub(crate) fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}
