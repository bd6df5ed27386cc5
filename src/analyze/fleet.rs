//! Fleets and gates: spec components expanded into the components analysis sees.
//!
//! A fleet component (`fleet: nodes`) stands for one component per member of the fleet
//! (seed 004: one vault, backend, frontend and namespace per DLT node), and the members
//! differ per environment (`environments[].fleets`). Expanding it here, before
//! analysis, turns each member into an ordinary component (`<member>-<name>`, enabled
//! only where its environment lists the member), so dependency checks, cycles, phases
//! and rendering need nothing new. A dependency between two components of the same fleet
//! is per member: node X's backend waits for node X's vault only.
//!
//! A gate (`gate: true`) is a component every other component of an environment waits
//! for: each non-gate component comes `after` it (seed 004's backup, whose chart runs a
//! PreSync hook, before anything else deploys). An ordering edge, not a dependency, so an
//! environment where the gate is disabled simply does not wait for it.
//!
//! The node tree is expanded alongside, each copy keeping the positions of the spec
//! component it came from, so diagnostics still point at the line the user wrote.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::load::Loaded;
use crate::load::spec::{Component, Enabled, Spec};
use crate::load::yaml::{PathSeg, Value};

/// What `{{ member }}` in a fleet component's strings becomes.
const MEMBER: [&str; 2] = ["{{ member }}", "{{member}}"];

/// Expands fleet and gate components of a loaded spec. Specs without them come back as
/// they are.
pub fn expand(
    loaded: Loaded,
    folders: &BTreeMap<String, Vec<String>>,
) -> Result<Loaded, Vec<Diagnostic>> {
    use PathSeg::{Index, Key};
    let spec = &loaded.spec;
    if !spec
        .components
        .iter()
        .any(|c| c.fleet.is_some() || c.gate.is_gate())
    {
        return Ok(loaded);
    }
    let mut problems = Vec::new();
    let mut error = |path: &[PathSeg<'_>], message: String, help: Option<String>| {
        problems.push(
            Diagnostic::new(&loaded.file, loaded.tree.lookup(path).pos, message).help_opt(help),
        );
    };

    // Members per fleet per environment, checked.
    let mut declared: BTreeSet<&str> = spec.fleets.keys().map(String::as_str).collect();
    for (e, env) in spec.environments.iter().enumerate() {
        for (fleet, members) in &env.fleets {
            declared.insert(fleet);
            let mut seen = BTreeSet::new();
            for (m, member) in members.iter().enumerate() {
                let at = [
                    Key("environments"),
                    Index(e),
                    Key("fleets"),
                    Key(fleet),
                    Index(m),
                ];
                if !crate::analyze::names::is_dns1123_label(member) {
                    error(
                        &at,
                        format!("fleet member `{member}` is not a valid Kubernetes name"),
                        Some("use lowercase letters, digits and `-`, starting and ending with a letter or digit".into()),
                    );
                } else if !seen.insert(member.as_str()) {
                    error(
                        &at,
                        format!(
                            "`{member}` is listed twice in fleet `{fleet}` of `{}`",
                            env.name
                        ),
                        Some("list each member once".into()),
                    );
                }
            }
        }
    }
    for (fleet, source) in &spec.fleets {
        for env in &spec.environments {
            let folder = crate::analyze::version_files::for_env(&source.folders, &env.name);
            // A folder that is not there would silently remove every member of the
            // fleet from the environment, and the root's prune would delete their
            // Applications: it is an error, unless the environment lists its members.
            if !folders.contains_key(&folder) && !env.fleets.contains_key(fleet) {
                error(
                    &[Key("fleets"), Key(fleet), Key("folders")],
                    format!(
                        "fleet `{fleet}` takes the members of `{}` from the folder `{folder}`, which does not exist next to the spec",
                        env.name
                    ),
                    Some(format!(
                        "create `{folder}/` with one folder per member (an empty folder for none), or list them: `environments[].fleets: {{{fleet}: [...]}}`; the path may use `{{{{ env }}}}`"
                    )),
                );
            }
            for member in folders.get(&folder).into_iter().flatten() {
                if !crate::analyze::names::is_dns1123_label(member) {
                    error(
                        &[Key("fleets"), Key(fleet), Key("folders")],
                        format!("folder `{folder}/{member}` is not a valid member name for fleet `{fleet}`"),
                        Some("rename the folder: lowercase letters, digits and `-`, starting and ending with a letter or digit".into()),
                    );
                }
            }
        }
    }
    let fleet_of: BTreeMap<&str, &str> = spec
        .components
        .iter()
        .filter_map(|c| c.fleet.as_deref().map(|f| (c.name.as_str(), f)))
        .collect();
    let gates: Vec<&str> = spec
        .components
        .iter()
        .filter(|c| c.gate.is_gate())
        .map(|c| c.name.as_str())
        .collect();
    for (i, c) in spec.components.iter().enumerate() {
        if let Some(fleet) = &c.fleet
            && !declared.contains(fleet.as_str())
        {
            error(
                &[Key("components"), Index(i), Key("fleet")],
                format!("`{}` is instantiated for fleet `{fleet}`, which no environment lists", c.name),
                Some(did_you_mean(fleet, declared.iter().copied()).unwrap_or_else(|| {
                    format!("list its members per environment: `fleets: {{{fleet}: [member-a, member-b]}}`")
                })),
            );
        }
        if c.gate.is_gate() && c.fleet.is_some() {
            error(
                &[Key("components"), Index(i), Key("gate")],
                format!(
                    "`{}` is a gate and a fleet component; a gate is one component per environment",
                    c.name
                ),
                Some("remove `gate` or `fleet`".into()),
            );
        }
        let edges = c
            .depends_on
            .iter()
            .enumerate()
            .map(|(j, d)| ("dependsOn", j, d))
            .chain(c.after.iter().enumerate().map(|(j, d)| ("after", j, d)));
        for (key, j, dep) in edges {
            let at = [Key("components"), Index(i), Key(key), Index(j)];
            if c.gate.is_gate() && !gates.contains(&dep.as_str()) {
                error(
                    &at,
                    format!(
                        "gate `{}` depends on `{dep}`, but every component waits for a gate, so only other gates can come before it",
                        c.name
                    ),
                    Some(format!("remove `{dep}`, or make it a gate too")),
                );
            }
            match (c.fleet.as_deref(), fleet_of.get(dep.as_str())) {
                (None, Some(fleet)) => error(
                    &at,
                    format!(
                        "`{}` depends on `{dep}`, a component of fleet `{fleet}`; depending on every member of a fleet is not supported yet",
                        c.name
                    ),
                    Some(format!(
                        "make `{}` part of fleet `{fleet}`, or depend on a component outside the fleet",
                        c.name
                    )),
                ),
                (Some(own), Some(fleet)) if own != *fleet => error(
                    &at,
                    format!(
                        "`{}` (fleet `{own}`) depends on `{dep}` of another fleet, `{fleet}`; members of different fleets do not pair up",
                        c.name
                    ),
                    Some("depend on a component of the same fleet, or outside any fleet".into()),
                ),
                _ => {}
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let Value::Seq(nodes) = &loaded.tree.lookup(&[Key("components")]).value else {
        return Ok(loaded);
    };
    let mut components = Vec::new();
    let mut component_nodes = Vec::new();
    for (i, c) in spec.components.iter().enumerate() {
        let node = nodes.get(i).cloned().unwrap_or_else(|| loaded.tree.clone());
        // Every other component comes after every gate: an ordering edge, so where a
        // gate is disabled nothing waits for it (a `dependsOn` would make the gate's
        // absence an error for every component of that environment).
        let with_gates = |m: &mut Component| {
            if !m.gate.is_gate() {
                for gate in &gates {
                    if !m.depends_on.iter().chain(&m.after).any(|d| d == gate) {
                        m.after.push((*gate).to_owned());
                    }
                }
            }
        };
        let Some(fleet) = &c.fleet else {
            let mut c = c.clone();
            with_gates(&mut c);
            components.push(c);
            component_nodes.push(node);
            continue;
        };
        let pair = |list: &[String], member: &str| -> Vec<String> {
            list.iter()
                .map(|d| {
                    if fleet_of.contains_key(d.as_str()) {
                        format!("{member}-{d}")
                    } else {
                        d.clone()
                    }
                })
                .collect()
        };
        for member in members(spec, folders, fleet) {
            let mut m = c.clone();
            m.fleet = None;
            m.name = format!("{member}-{}", c.name);
            m.member_of = Some(crate::load::spec::MemberOf {
                component: c.name.clone(),
                member: member.clone(),
            });
            let member = member.as_str();
            m.depends_on = pair(&c.depends_on, member);
            m.after = pair(&c.after, member);
            with_gates(&mut m);
            m.enabled = Some(Enabled::PerEnvironment(enabled(
                spec, folders, c, fleet, member,
            )));
            substitute(&mut m, member);
            components.push(m);
            component_nodes.push(node.clone());
        }
    }
    let mut loaded = loaded;
    loaded.spec.components = components;
    if let Value::Map(entries) = &mut loaded.tree.value
        && let Some((_, value)) = entries
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some("components"))
    {
        value.value = Value::Seq(component_nodes);
    }
    Ok(loaded)
}

/// The members of `fleet` in environment `env`: its own list, or else the subfolders of
/// the fleet's folder for that environment (none if the folder does not exist).
fn env_members(
    spec: &Spec,
    folders: &BTreeMap<String, Vec<String>>,
    env: &crate::load::spec::Environment,
    fleet: &str,
) -> Vec<String> {
    if let Some(listed) = env.fleets.get(fleet) {
        return listed.clone();
    }
    spec.fleets
        .get(fleet)
        .and_then(|f| {
            folders.get(&crate::analyze::version_files::for_env(
                &f.folders, &env.name,
            ))
        })
        .cloned()
        .unwrap_or_default()
}

/// Every member of `fleet`, in the order environments first have them.
fn members(spec: &Spec, folders: &BTreeMap<String, Vec<String>>, fleet: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for env in &spec.environments {
        for member in env_members(spec, folders, env, fleet) {
            if !out.contains(&member) {
                out.push(member);
            }
        }
    }
    out
}

/// Where member `member` of component `c` exists: where its environment lists it and
/// the component itself is enabled.
fn enabled(
    spec: &Spec,
    folders: &BTreeMap<String, Vec<String>>,
    c: &Component,
    fleet: &str,
    member: &str,
) -> IndexMap<String, bool> {
    spec.environments
        .iter()
        .map(|env| {
            let own = match &c.enabled {
                None => true,
                Some(Enabled::All(b)) => *b,
                Some(Enabled::PerEnvironment(map)) => map.get(&env.name).copied().unwrap_or(true),
            };
            let listed = env_members(spec, folders, env, fleet)
                .iter()
                .any(|x| x == member);
            (env.name.clone(), own && listed)
        })
        .collect()
}

/// Replaces `{{ member }}` in every string of a member's component.
fn substitute(c: &mut Component, member: &str) {
    let replace = |s: &mut String| {
        for pattern in MEMBER {
            if s.contains(pattern) {
                *s = s.replace(pattern, member);
            }
        }
    };
    if let Some(ns) = &mut c.namespace {
        replace(ns);
    }
    for value in c.labels.values_mut().chain(c.annotations.values_mut()) {
        replace(value);
    }
    let destination = |d: &mut Option<crate::load::spec::Destination>| {
        if let Some(d) = d {
            d.server
                .iter_mut()
                .chain(d.name.iter_mut())
                .for_each(replace);
        }
    };
    let metadata = |m: &mut Option<crate::load::spec::ManagedNamespaceMetadata>| {
        if let Some(m) = m {
            m.labels
                .values_mut()
                .chain(m.annotations.values_mut())
                .for_each(replace);
        }
    };
    let ignored = |list: &mut [crate::load::spec::IgnoreDifference]| {
        for d in list {
            d.name
                .iter_mut()
                .chain(d.namespace.iter_mut())
                .for_each(replace);
        }
    };
    destination(&mut c.destination);
    metadata(&mut c.managed_namespace_metadata);
    ignored(&mut c.ignore_differences);
    for o in c.overrides.values_mut() {
        for value in o.labels.values_mut().chain(o.annotations.values_mut()) {
            replace(value);
        }
        for entry in o.info.iter_mut().flatten() {
            replace(&mut entry.value);
        }
        destination(&mut o.destination);
        metadata(&mut o.managed_namespace_metadata);
        if let Some(list) = &mut o.ignore_differences {
            ignored(list);
        }
    }
    for entry in &mut c.info {
        replace(&mut entry.value);
    }
    for source in c.source.iter_mut().chain(c.sources.iter_mut().flatten()) {
        for s in [
            &mut source.repo_url,
            &mut source.target_revision,
            &mut source.path,
            &mut source.chart,
        ]
        .into_iter()
        .flatten()
        {
            replace(s);
        }
        source.name.iter_mut().for_each(replace);
        source.tag_prefix.iter_mut().for_each(replace);
        if let Some(helm) = &mut source.helm {
            helm.value_files.iter_mut().for_each(replace);
            if let Some(r) = &mut helm.release_name {
                replace(r);
            }
            helm.parameters
                .iter_mut()
                .for_each(|p| replace(&mut p.value));
            helm.file_parameters
                .iter_mut()
                .for_each(|p| replace(&mut p.path));
            helm.namespace.iter_mut().for_each(replace);
        }
        if let Some(k) = &mut source.kustomize {
            [&mut k.name_prefix, &mut k.name_suffix, &mut k.namespace]
                .into_iter()
                .flatten()
                .for_each(replace);
            k.common_labels
                .values_mut()
                .chain(k.common_annotations.values_mut())
                .for_each(replace);
            k.images
                .iter_mut()
                .chain(k.components.iter_mut())
                .for_each(replace);
        }
        if let Some(jsonnet) = source.directory.as_mut().and_then(|d| d.jsonnet.as_mut()) {
            jsonnet
                .ext_vars
                .iter_mut()
                .chain(jsonnet.tlas.iter_mut())
                .for_each(|v| replace(&mut v.value));
        }
        if let Some(plugin) = &mut source.plugin {
            plugin.env.iter_mut().for_each(|v| replace(&mut v.value));
            for p in &mut plugin.parameters {
                p.string
                    .iter_mut()
                    .chain(p.array.iter_mut().flatten())
                    .for_each(replace);
                p.map
                    .iter_mut()
                    .flat_map(|m| m.values_mut())
                    .for_each(replace);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
name: dlt
output: {path: out}
defaults:
  source: {repoURL: https://example.com/dlt.git}
  namespace: "dlt"
rollout: {environments: independent}
environments:
  - name: qa
    fleets: {nodes: [alpha, beta]}
  - name: prod
    fleets: {nodes: [beta, gamma]}
components:
  - name: backup
    gate: true
    source: {path: backup}
  - name: shared
    source: {path: shared}
  - name: vault
    fleet: nodes
    namespace: "dlt-{{ member }}"
    source: {path: "vault/{{ member }}"}
  - name: backend
    fleet: nodes
    dependsOn: [vault, shared]
    source: {path: backend}
"#;

    fn expanded() -> Spec {
        let loaded = crate::load::load("ladder.yaml", SPEC.as_bytes()).unwrap();
        expand(loaded, &BTreeMap::new()).unwrap().spec
    }

    #[test]
    fn members_depend_on_their_own_member_and_everything_comes_after_the_gate() {
        let spec = expanded();
        let deps: BTreeMap<&str, (Vec<&str>, Vec<&str>)> = spec
            .components
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    (
                        c.depends_on.iter().map(String::as_str).collect(),
                        c.after.iter().map(String::as_str).collect(),
                    ),
                )
            })
            .collect();
        let none = Vec::<&str>::new();
        assert_eq!(deps["backup"], (none.clone(), none.clone()));
        assert_eq!(deps["shared"], (none.clone(), vec!["backup"]));
        assert_eq!(deps["alpha-vault"], (none, vec!["backup"]));
        assert_eq!(
            deps["gamma-backend"],
            (vec!["gamma-vault", "shared"], vec!["backup"])
        );
        assert_eq!(deps.len(), 2 + 3 * 2, "{deps:?}");
    }

    #[test]
    fn members_exist_only_where_their_environment_lists_them() {
        let spec = expanded();
        let vault = |name: &str| {
            spec.components
                .iter()
                .find(|c| c.name == name)
                .unwrap()
                .clone()
        };
        let expect = |qa: bool, prod: bool| {
            Some(Enabled::PerEnvironment(
                [("qa".to_owned(), qa), ("prod".to_owned(), prod)]
                    .into_iter()
                    .collect(),
            ))
        };
        assert_eq!(vault("alpha-vault").enabled, expect(true, false));
        assert_eq!(vault("beta-vault").enabled, expect(true, true));
        assert_eq!(vault("gamma-vault").enabled, expect(false, true));
        assert_eq!(vault("gamma-vault").namespace.as_deref(), Some("dlt-gamma"));
        assert_eq!(
            vault("gamma-vault").source.unwrap().path.as_deref(),
            Some("vault/gamma")
        );
    }

    /// Regression: the Application settings and source tool settings kept a literal
    /// `{{ member }}`, so a fleet of clusters pointed every member at a cluster named so.
    #[test]
    fn member_names_reach_the_destination_and_the_tools_settings() {
        let spec = SPEC.replace(
            "    source: {path: \"vault/{{ member }}\"}",
            "    destination: {name: \"{{ member }}-cluster\"}\n    overrides: {prod: {destination: {server: \"https://{{ member }}.example.com\"}}}\n    source: {path: \"vault/{{ member }}\", plugin: {env: [{name: NODE, value: \"{{ member }}\"}]}}",
        );
        let loaded = crate::load::load("ladder.yaml", spec.as_bytes()).unwrap();
        let spec = expand(loaded, &BTreeMap::new()).unwrap().spec;
        let beta = spec
            .components
            .iter()
            .find(|c| c.name == "beta-vault")
            .unwrap();
        assert_eq!(
            beta.destination.as_ref().and_then(|d| d.name.as_deref()),
            Some("beta-cluster")
        );
        let prod = beta.overrides["prod"].destination.as_ref().unwrap();
        assert_eq!(prod.server.as_deref(), Some("https://beta.example.com"));
        let plugin = beta.source.as_ref().unwrap().plugin.as_ref().unwrap();
        assert_eq!(plugin.env[0].value, "beta");
    }
}
