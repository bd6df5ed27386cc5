//! Generated kustomize Components nobody includes: a component with resource groups and
//! a git path source that Helm does not render gets its waves and hooks only if that
//! overlay's kustomization lists the Component ladder writes for the environment
//! (`<output.path>/waves/<component>/<env>`, under `components:`). Otherwise every
//! resource keeps wave 0 and no hook runs, without a word from kustomize or Argo CD.
//!
//! The check needs the overlays' kustomizations, which the caller reads
//! ([`crate::Request::overlays`] names them, [`crate::Inputs::overlays`] brings them).
//! ladder takes the spec's folder for the repository's top, as the root Application
//! does (its `source.path` is `output.path`), so a source's `path` is a folder beside
//! the spec, and the Component's folder is `output.path` joined with its place in the
//! tree.

use std::collections::BTreeMap;

use crate::analyze::model::{Model, Source};
use crate::analyze::wave_refs::{normalize, same_repo};
use crate::diagnostic::Diagnostic;
use crate::load::Loaded;
use crate::load::yaml::{Node, PathSeg, Value};

/// The lint rule of generated kustomize Components no overlay includes.
pub static WAVES_COMPONENT_NOT_INCLUDED: &str = "waves-component-not-included";

/// What the caller found in an overlay folder: the kustomization's file name and text,
/// or `None` for a folder with no kustomization (Argo CD then applies it as a plain
/// directory, which cannot include a Component).
pub type Overlay = Option<(String, String)>;

/// A source that reads a kustomize Component of resource groups: a git path neither Helm
/// nor a plugin renders and not a plain folder (the same rule as
/// `render::resource_waves::files`), on the repository of the generated tree.
fn reads_component(model: &Model, s: &Source) -> Option<String> {
    let path = s.path.as_deref()?;
    if s.is_helm() || s.is_plugin_or_directory() || !same_repo(&s.repo_url, &model.output.repo_url)
    {
        return None;
    }
    let folder = normalize(path)?;
    Some(if folder.is_empty() {
        ".".to_owned()
    } else {
        folder
    })
}

/// Whether source `s` (of overlay `folder`) lists the Component in `dir` in its own
/// `kustomize.components`, which Argo CD adds to the kustomization before it builds it.
fn lists_component(s: &Source, folder: &str, dir: &str) -> bool {
    s.kustomize_extra
        .get("components")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|list| {
            list.iter()
                .filter_map(serde_json::Value::as_str)
                .any(|entry| normalize(&format!("{folder}/{entry}")).as_deref() == Some(dir))
        })
}

/// The folder of the Component ladder writes for component `c` in environment `env`,
/// relative to the spec's folder.
fn component_dir(model: &Model, c: &str, env: &str) -> String {
    let tree = if model.rollout.topology == crate::load::spec::Topology::Independent {
        format!("{env}/waves/{c}/{env}")
    } else {
        format!("waves/{c}/{env}")
    };
    normalize(&format!("{}/{tree}", model.output.path)).unwrap_or(tree)
}

/// The overlay folders whose kustomization the check reads, sorted.
pub fn overlays(model: &Model) -> Vec<String> {
    let mut folders = std::collections::BTreeSet::new();
    for c in model.components.iter().filter(|c| c.waves.is_some()) {
        for instance in c.instances.iter().flatten() {
            for s in &instance.sources {
                folders.extend(reads_component(model, s));
            }
        }
    }
    folders.into_iter().collect()
}

/// Adds a warning to `model.warnings` for each component and overlay folder whose
/// kustomization does not include the Component ladder writes, naming the environments,
/// the kustomization's line and the entry to write.
pub fn check(model: &mut Model, loaded: &Loaded, found: &BTreeMap<String, Overlay>) {
    use PathSeg::{Index, Key};
    if found.is_empty() {
        return;
    }
    let mut warnings = Vec::new();
    let spec_index = loaded.spec.component_indexes();
    for c in model.components.iter().filter(|c| c.waves.is_some()) {
        // Overlay folder → (the spec position of the first source naming it, the
        // environments that use it).
        let mut uses: BTreeMap<String, (usize, Vec<&str>)> = BTreeMap::new();
        // The folders in the order of their first environment, for the warnings.
        let mut order: Vec<String> = Vec::new();
        for (env, instance) in model.environments.iter().zip(&c.instances) {
            let Some(instance) = instance else { continue };
            for (j, s) in instance.sources.iter().enumerate() {
                if let Some(folder) = reads_component(model, s) {
                    if lists_component(s, &folder, &component_dir(model, &c.name, &env.name)) {
                        continue;
                    }
                    if !uses.contains_key(&folder) {
                        order.push(folder.clone());
                    }
                    let entry = uses.entry(folder).or_insert((j, Vec::new()));
                    if !entry.1.contains(&env.name.as_str()) {
                        entry.1.push(&env.name);
                    }
                }
            }
        }
        let Some(&i) = spec_index.get(c.name.as_str()) else {
            continue;
        };
        let spec = &loaded.spec.components[i];
        for folder in &order {
            let (j, envs) = &uses[folder];
            let Some(overlay) = found.get(folder) else {
                continue;
            };
            let wanted: Vec<String> = envs
                .iter()
                .map(|e| component_dir(model, &c.name, e))
                .collect();
            let Some(problem) = problem(folder, overlay, &c.name, &wanted) else {
                continue;
            };
            let at: Vec<PathSeg<'_>> = if spec.source.is_some() {
                vec![Key("components"), Index(i), Key("source"), Key("path")]
            } else {
                vec![
                    Key("components"),
                    Index(i),
                    Key("sources"),
                    Index(*j),
                    Key("path"),
                ]
            };
            let envs = if envs.len() == model.environments.len() && envs.len() > 1 {
                "in every environment".to_owned()
            } else {
                format!(
                    "in {}",
                    envs.iter()
                        .map(|e| format!("`{e}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            warnings.push(
                Diagnostic::new(
                    &loaded.file,
                    loaded.tree.lookup(&at).pos,
                    format!(
                        "`{}`'s resource groups never reach its manifests {envs}: {}",
                        c.name, problem.0
                    ),
                )
                .help(problem.1)
                .rule(&WAVES_COMPONENT_NOT_INCLUDED),
            );
        }
    }
    model.warnings.extend(warnings);
}

/// What is wrong with `overlay` (in `folder`) for component `c`, whose Component is in
/// one of the `wanted` folders, and the fix; `None` if it includes one of them, or if its
/// kustomization does not parse (kustomize reports that itself).
fn problem(
    folder: &str,
    overlay: &Overlay,
    c: &str,
    wanted: &[String],
) -> Option<(String, String)> {
    let entry = relative(folder, &wanted[0]);
    let Some((file, text)) = overlay else {
        return Some((
            format!(
                "{folder} has no kustomization, so Argo CD applies its files as a plain directory, which cannot include the kustomize Component ladder writes for them ({}){KEEPS}",
                wanted[0]
            ),
            format!(
                "add {folder}/kustomization.yaml listing the folder's manifests under `resources:` and `- {entry}` under `components:`"
            ),
        ));
    };
    let shown = if folder == "." {
        file.clone()
    } else {
        format!("{folder}/{file}")
    };
    let root = crate::load::yaml::parse(&shown, text).ok()?;
    if !matches!(root.value, Value::Map(_)) {
        return None;
    }
    let entries = |key: &str| -> Vec<(&Node, String)> {
        let Some(Node {
            value: Value::Seq(items),
            ..
        }) = root.get(key)
        else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|n| n.as_str().map(|s| (n, s.to_owned())))
            .collect()
    };
    let resolves = |entry: &str| -> Option<String> {
        if is_remote(entry) {
            let entry = entry
                .split('?')
                .next()
                .unwrap_or(entry)
                .trim_end_matches('/');
            return wanted
                .iter()
                .find(|w| entry.ends_with(&format!("/{w}")))
                .cloned();
        }
        normalize(&format!("{folder}/{entry}"))
    };
    let components = entries("components");
    if components
        .iter()
        .any(|(_, e)| resolves(e).is_some_and(|p| wanted.contains(&p)))
    {
        return None;
    }
    let ours = |e: &str| {
        let parts: Vec<&str> = e
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        parts.len() >= 3 && parts[parts.len() - 3] == "waves" && parts[parts.len() - 2] == c
    };
    // Where the entry is, not what it says: the kustomization is not the spec, and its
    // text could hold anything (a line break, a CI log command).
    if let Some((node, e)) = components.iter().find(|(_, e)| ours(e)) {
        let is = if resolves(e).is_some() {
            "another folder"
        } else {
            "a folder outside the spec's folder (ladder takes it for the repository's top)"
        };
        return Some((
            format!(
                "{shown}:{}:{} lists a Component of `{c}` in {is}, but ladder writes `{c}`'s Component for it to {}{KEEPS}",
                node.pos.line, node.pos.column, wanted[0]
            ),
            format!("write `- {entry}` there"),
        ));
    }
    if let Some((node, _)) = entries("resources")
        .iter()
        .find(|(_, e)| resolves(e).is_some_and(|p| wanted.contains(&p)))
    {
        return Some((
            format!(
                "{shown}:{}:{} lists ladder's Component {} under `resources:`, which kustomize refuses (`expected kind != 'Component'`), so the Application does not render",
                node.pos.line, node.pos.column, wanted[0]
            ),
            format!("move `- {entry}` to `components:`"),
        ));
    }
    Some((
        format!(
            "{shown} does not list the kustomize Component ladder writes for them ({}) under `components:`{KEEPS}",
            wanted[0]
        ),
        format!("add `- {entry}` under `components:` in {shown} (a path relative to the overlay)"),
    ))
}

/// What a Component that is not applied means.
const KEEPS: &str = ", so every resource keeps wave 0 and no hook runs";

/// A kustomization entry kustomize fetches rather than reads beside it.
fn is_remote(entry: &str) -> bool {
    entry.contains("://") || entry.starts_with("github.com/") || entry.starts_with("git@")
}

/// The path from folder `from` to `to` (both normalised, relative to one top).
fn relative(from: &str, to: &str) -> String {
    let split = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .map(str::to_owned)
            .collect()
    };
    let (from, to) = (split(from), split(to));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); from.len() - common];
    parts.extend(to[common..].iter().cloned());
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"name: shop
defaults:
  source: {repoURL: https://github.com/example/shop.git, targetRevision: main}
output: {path: argocd}
environments: [{name: dev}, {name: staging}, {name: prod}]
components:
  - name: shop
    source: {path: "overlays/{{ env }}"}
    namespace: shop
    resources:
      - name: db
        match: [{kind: StatefulSet}]
      - name: app
        match: [{kind: Deployment}]
        dependsOn: [db]
"#;

    fn warnings(spec: &str, overlays: &[(&str, Option<&str>)]) -> Vec<String> {
        let inputs = crate::Inputs {
            overlays: overlays
                .iter()
                .map(|(f, t)| {
                    (
                        (*f).to_owned(),
                        t.map(|t| ("kustomization.yaml".to_owned(), t.to_owned())),
                    )
                })
                .collect(),
            ..crate::Inputs::default()
        };
        let request = crate::Request::new("ladder.yaml", spec.as_bytes()).inputs(&inputs);
        let planned = request.plan().unwrap();
        planned
            .model
            .warnings
            .iter()
            .filter(|w| w.rule == Some(&WAVES_COMPONENT_NOT_INCLUDED))
            .map(|w| format!("{} | {}", w.message, w.help.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn overlays_names_git_paths_of_components_with_resource_groups() {
        let request = crate::Request::new("ladder.yaml", SPEC.as_bytes());
        assert_eq!(
            request.overlays(),
            ["overlays/dev", "overlays/prod", "overlays/staging"]
        );
        let none = SPEC.split("    resources:").next().unwrap();
        assert!(
            crate::Request::new("ladder.yaml", none.as_bytes())
                .overlays()
                .is_empty()
        );
    }

    #[test]
    fn overlays_leaves_out_charts_and_other_repositories() {
        let spec = SPEC.replace(
            r#"source: {path: "overlays/{{ env }}"}"#,
            r#"sources: [{repoURL: https://github.com/other/x.git, path: "overlays/{{ env }}"}, {path: chart, helm: {valueFiles: [values.yaml]}}]"#,
        );
        assert!(
            crate::Request::new("ladder.yaml", spec.as_bytes())
                .overlays()
                .is_empty()
        );
    }

    #[test]
    fn an_overlay_listing_its_own_component_is_quiet() {
        let k = |e: &str| {
            format!("resources: [a.yaml]\ncomponents:\n  - ../../argocd/waves/shop/{e}\n")
        };
        let (dev, staging, prod) = (k("dev"), k("staging"), k("prod"));
        let found = warnings(
            SPEC,
            &[
                ("overlays/dev", Some(&dev)),
                ("overlays/staging", Some(&staging)),
                ("overlays/prod", Some(&prod)),
            ],
        );
        assert_eq!(found, Vec::<String>::new());
    }

    /// The source's own `kustomize.components` (which Argo CD adds before it builds)
    /// includes the Component as well as the overlay's kustomization would; a plugin
    /// source (which runs `ladder waves` itself) needs none.
    #[test]
    fn a_source_listing_the_component_itself_or_a_plugin_source_is_quiet() {
        let spec = SPEC.replace(
            r#"source: {path: "overlays/{{ env }}"}"#,
            r#"source: {path: "overlays/{{ env }}", kustomize: {components: ["../../argocd/waves/shop/{{ env }}"]}}"#,
        );
        let bare = Some("resources: [a.yaml]\n");
        assert_eq!(
            warnings(&spec, &[("overlays/dev", bare)]),
            Vec::<String>::new()
        );
        let plugin = SPEC.replace(
            r#"source: {path: "overlays/{{ env }}"}"#,
            r#"source: {path: "overlays/{{ env }}", plugin: {name: ladder-waves-v1}}"#,
        );
        assert!(
            crate::Request::new("ladder.yaml", plugin.as_bytes())
                .overlays()
                .is_empty()
        );
    }

    #[test]
    fn a_missing_component_is_reported_with_the_entry_to_add() {
        let found = warnings(SPEC, &[("overlays/dev", Some("resources: [a.yaml]\n"))]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("in `dev`: overlays/dev/kustomization.yaml does not list"),
            "{}",
            found[0]
        );
        assert!(found[0].ends_with("add `- ../../argocd/waves/shop/dev` under `components:` in overlays/dev/kustomization.yaml (a path relative to the overlay)"), "{}", found[0]);
    }

    #[test]
    fn another_environments_component_is_reported_at_its_line() {
        let text = "resources: [a.yaml]\ncomponents:\n  - ../../argocd/waves/shop/dev\n";
        let found = warnings(SPEC, &[("overlays/prod", Some(text))]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("overlays/prod/kustomization.yaml:3:5 lists a Component of `shop` in another folder, but ladder writes `shop`'s Component for it to argocd/waves/shop/prod"), "{}", found[0]);
        assert!(found[0].ends_with("write `- ../../argocd/waves/shop/prod` there"));
    }

    #[test]
    fn a_component_outside_the_spec_folder_is_a_wrong_path() {
        let text = "components: [../../../../golden/shop/waves/shop/dev]\n";
        let found = warnings(SPEC, &[("overlays/dev", Some(text))]);
        assert!(
            found[0].contains("in a folder outside the spec's folder"),
            "{found:?}"
        );
    }

    #[test]
    fn a_component_under_resources_is_reported() {
        let text = "resources:\n  - a.yaml\n  - ../../argocd/waves/shop/dev\n";
        let found = warnings(SPEC, &[("overlays/dev", Some(text))]);
        assert!(found[0].contains("overlays/dev/kustomization.yaml:3:5 lists ladder's Component argocd/waves/shop/dev under `resources:`"), "{found:?}");
        assert!(found[0].ends_with("move `- ../../argocd/waves/shop/dev` to `components:`"));
    }

    #[test]
    fn a_folder_without_a_kustomization_is_reported() {
        let found = warnings(SPEC, &[("overlays/dev", None)]);
        assert!(found[0].contains("overlays/dev has no kustomization, so Argo CD applies its files as a plain directory"), "{found:?}");
    }

    #[test]
    fn a_shared_overlay_may_include_any_of_its_environments_and_one_warning_names_them_all() {
        let spec = SPEC.replace(r#""overlays/{{ env }}""#, "overlays/all");
        let text = "components: [../../argocd/waves/shop/staging]\n";
        assert_eq!(
            warnings(&spec, &[("overlays/all", Some(text))]),
            Vec::<String>::new()
        );
        let found = warnings(&spec, &[("overlays/all", Some("resources: [a.yaml]\n"))]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("in every environment"), "{}", found[0]);
    }

    #[test]
    fn a_remote_component_ending_in_the_folder_counts() {
        let text =
            "components: ['https://github.com/example/shop//argocd/waves/shop/dev?ref=main']\n";
        assert_eq!(
            warnings(SPEC, &[("overlays/dev", Some(text))]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn independent_environments_expect_their_own_tree() {
        let spec = SPEC.replace(
            "components:\n",
            "rollout: {environments: independent}\ncomponents:\n",
        );
        let found = warnings(&spec, &[("overlays/dev", Some("resources: [a.yaml]\n"))]);
        assert!(
            found[0].contains("(argocd/dev/waves/shop/dev)"),
            "{found:?}"
        );
    }

    #[test]
    fn overlays_not_read_or_unparsable_are_not_checked() {
        assert_eq!(warnings(SPEC, &[]), Vec::<String>::new());
        assert_eq!(
            warnings(SPEC, &[("overlays/dev", Some("components: [unclosed\n"))]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn relative_paths_between_folders() {
        assert_eq!(
            relative("overlays/dev", "argocd/waves/shop/dev"),
            "../../argocd/waves/shop/dev"
        );
        assert_eq!(relative(".", "argocd/waves/a/dev"), "argocd/waves/a/dev");
        assert_eq!(relative("argocd/x", "argocd/waves"), "../waves");
    }
}
