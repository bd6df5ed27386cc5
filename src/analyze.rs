//! Analysis: from a loaded spec to a checked [`Model`], or every problem at once.
//!
//! This stage owns the meaning of a spec: defaults, `{{ env }}` interpolation,
//! Kubernetes naming rules, dependency resolution (unknown names with a
//! did-you-mean, duplicates, self-dependencies, cycles printed as a full path,
//! dependencies on components disabled in an environment). It never stops at
//! the first problem: each check records a [`Diagnostic`] pointing at the spec
//! line and column, and analysis goes on.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Pos, did_you_mean};
use crate::load::Loaded;
use crate::model::{
    ArgoCd, Component, Destination, EdgeKind, Environment, Instance, MaxUpdate, Model, Output,
    Rollout, Source, Version,
};
use crate::spec::{self, DeletionOrder, Enabled, Layout};
use crate::yaml::{Node, PathSeg};

mod edges;
mod max_update;

pub use edges::is_smoke_role;
pub use max_update::check_compact_phase_keys;

/// Oldest and newest Argo CD versions ladder shapes output for.
pub const OLDEST: Version = Version {
    major: 2,
    minor: 10,
};
pub const NEWEST: Version = Version { major: 3, minor: 6 };

/// Label keys ladder sets on every generated Application; a component may not set them.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const PART_OF: &str = "app.kubernetes.io/part-of";
pub const COMPONENT_LABEL: &str = "app.kubernetes.io/name";

struct Cx<'a> {
    file: &'a str,
    tree: &'a Node,
    diagnostics: Vec<Diagnostic>,
    interp: minijinja::Environment<'static>,
}

impl Cx<'_> {
    fn pos(&self, path: &[PathSeg<'_>]) -> Pos {
        self.tree.lookup(path).pos
    }

    fn error(&mut self, path: &[PathSeg<'_>], message: impl Into<String>) -> &mut Diagnostic {
        let pos = self.pos(path);
        self.diagnostics
            .push(Diagnostic::new(self.file, pos, message));
        self.diagnostics.last_mut().expect("just pushed")
    }

    /// Substitutes `{{ env }}` (and `{{ component }}`) in a spec string.
    fn interpolate(
        &mut self,
        path: &[PathSeg<'_>],
        text: &str,
        env: &str,
        component: &str,
    ) -> Option<String> {
        if !text.contains("{{") && !text.contains("{%") && !text.contains("{#") {
            return Some(text.to_owned());
        }
        let ctx = minijinja::context! { env => env, component => component };
        match self.interp.render_str(text, ctx) {
            Ok(s) => Some(s),
            Err(e) => {
                let detail = e
                    .detail()
                    .map_or_else(|| e.kind().to_string(), str::to_owned);
                self.error(path, format!("cannot substitute `{text}`: {detail}"))
                    .help = Some("strings may use `{{ env }}` and `{{ component }}`".into());
                None
            }
        }
    }
}

fn interpolation_env() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::empty();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // No loader, no globals, no filesystem: spec strings can only see `env` and `component`.
    // A small fuel budget bounds loops in hostile input.
    env.set_fuel(Some(10_000));
    env.add_filter("lower", |s: &str| s.to_lowercase());
    env.add_filter("upper", |s: &str| s.to_uppercase());
    env.add_filter("replace", |s: &str, from: &str, to: &str| {
        s.replace(from, to)
    });
    env
}

/// Checks a loaded spec and resolves it into a [`Model`].
pub fn analyze(loaded: &Loaded) -> Result<Model, Vec<Diagnostic>> {
    let mut cx = Cx {
        file: &loaded.file,
        tree: &loaded.tree,
        diagnostics: Vec::new(),
        interp: interpolation_env(),
    };
    let spec = &loaded.spec;
    let model = build(&mut cx, spec);
    if cx.diagnostics.is_empty()
        && let Some(model) = model
    {
        return Ok(model);
    }
    let mut diagnostics = cx.diagnostics;
    crate::diagnostic::sort(&mut diagnostics);
    Err(diagnostics)
}

fn build(cx: &mut Cx<'_>, spec: &spec::Spec) -> Option<Model> {
    use PathSeg::{Index, Key};

    if !is_dns1123_label(&spec.name) {
        cx.error(
            &[Key("name")],
            format!("spec name `{}` is not a valid Kubernetes name", spec.name),
        )
        .help = Some(dns_help());
    }
    let argocd = argocd(cx, spec);
    let rollout = rollout(cx, spec, argocd.as_ref().map(|a| a.version));
    let output = output(cx, spec);
    let environments = environments(cx, spec, argocd.as_ref().map(|a| a.version));

    // Components, sorted by name; `order[i]` is the spec index of model component i.
    let mut order: Vec<usize> = (0..spec.components.len()).collect();
    order.sort_by(|&a, &b| {
        spec.components[a]
            .name
            .cmp(&spec.components[b].name)
            .then(a.cmp(&b))
    });
    if spec.components.is_empty() {
        cx.error(&[Key("components")], "the spec has no components");
    }

    // Duplicates: the first definition (in spec order) wins, the others are errors.
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut first_at: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, c) in spec.components.iter().enumerate() {
        if let Some(&first) = first_at.get(c.name.as_str()) {
            let first_pos = cx.pos(&[Key("components"), Index(first), Key("name")]);
            cx.error(
                &[Key("components"), Index(i), Key("name")],
                format!("duplicate component `{}`", c.name),
            )
            .notes
            .push((first_pos, "first defined here".into()));
        } else {
            first_at.insert(&c.name, i);
        }
    }
    for (model_index, &spec_index) in order.iter().enumerate() {
        index
            .entry(spec.components[spec_index].name.as_str())
            .or_insert(model_index);
    }

    let env_names: Vec<&str> = environments.iter().map(|e| e.name.as_str()).collect();
    let known: Vec<&str> = index.keys().copied().collect();
    let mut components = Vec::with_capacity(order.len());
    let mut enabled_anywhere = Vec::with_capacity(order.len());
    for &spec_index in &order {
        let c = &spec.components[spec_index];
        let at = |rest: &[PathSeg<'static>]| -> Vec<PathSeg<'static>> {
            let mut p = vec![Key("components"), Index(spec_index)];
            p.extend_from_slice(rest);
            p
        };
        if !is_dns1123_label(&c.name) {
            cx.error(
                &at(&[Key("name")]),
                format!("component name `{}` is not a valid Kubernetes name", c.name),
            )
            .help = Some(dns_help());
        }
        let depends_on = dependencies(cx, c, EdgeKind::DependsOn, &index, &known, &at);
        let after = edges::after(cx, c, &depends_on, &index, &known, &at);
        let smoke = edges::smoke_kind(cx, c, &at);
        check_labels(cx, c, &at, rollout.as_ref());
        let enabled = enabled_per_env(cx, c, &env_names, &at);
        enabled_anywhere.push(enabled.clone());
        let mut instances = Vec::with_capacity(environments.len());
        for (e, env) in environments.iter().enumerate() {
            instances.push(if enabled[e] {
                instance(cx, spec, c, &env.name, &at)
            } else {
                None
            });
        }
        let duration = component_duration(cx, spec, c, &at);
        let assigned = assigned_phase(cx, spec, c, &at);
        let version = argocd.as_ref().map(|a| a.version);
        let waves = crate::waves::plan(cx.file, cx.tree, spec_index, &c.resources, version)
            .unwrap_or_else(|d| {
                cx.diagnostics.extend(d);
                None
            });
        components.push(Component {
            name: c.name.clone(),
            depends_on,
            after,
            role: c.role.clone(),
            smoke,
            labels: c.labels.clone(),
            duration,
            pinned: assigned,
            instances,
            waves,
        });
    }

    check_application_names(cx, spec, &order, &components, &environments);
    check_pinned_order(cx, spec, &order, &components);
    check_disabled_dependencies(cx, spec, &order, &components, &environments);
    check_cycles(cx, spec, &order, &components);
    edges::check_smokes(cx, spec, &order, &components);
    for (e, env) in environments.iter().enumerate() {
        if !enabled_anywhere.is_empty() && enabled_anywhere.iter().all(|enabled| !enabled[e]) {
            cx.error(
                &[Key("environments"), Index(e), Key("name")],
                format!("environment `{}` has no enabled components", env.name),
            );
        }
    }

    let health = crate::health::resolve(spec, &order);
    for problem in health.problems {
        cx.error(&problem.path, problem.message).help = Some(problem.help);
    }
    Some(Model {
        health_checks: health.checks,
        name: spec.name.clone(),
        argocd: argocd?,
        output: output?,
        rollout: rollout?,
        environments,
        components,
    })
}

fn argocd(cx: &mut Cx<'_>, spec: &spec::Spec) -> Option<ArgoCd> {
    use PathSeg::Key;
    let a = &spec.argocd;
    let version = match parse_version(&a.version) {
        Some(v) if (OLDEST..=NEWEST).contains(&v) => Some(v),
        Some(v) => {
            cx.error(
                &[Key("argocd"), Key("version")],
                format!(
                    "Argo CD {v} is outside the versions ladder supports ({OLDEST} to {NEWEST})"
                ),
            );
            None
        }
        None => {
            cx.error(
                &[Key("argocd"), Key("version")],
                format!("`{}` is not an Argo CD version", a.version),
            )
            .help = Some("write MAJOR.MINOR, e.g. \"3.5\" (quoted, so YAML reads a string)".into());
            None
        }
    };
    if !is_dns1123_label(&a.namespace) {
        cx.error(
            &[Key("argocd"), Key("namespace")],
            format!("namespace `{}` is not a valid Kubernetes name", a.namespace),
        )
        .help = Some(dns_help());
    }
    let project = a.project.clone().unwrap_or_else(|| spec.name.clone());
    if !is_dns1123_subdomain(&project) {
        cx.error(
            &[Key("argocd"), Key("project")],
            format!("project `{project}` is not a valid Kubernetes name"),
        );
    }
    if a.root_project.is_empty() {
        cx.error(
            &[Key("argocd"), Key("rootProject")],
            "the root Application needs a project",
        );
    }
    Some(ArgoCd {
        namespace: a.namespace.clone(),
        version: version?,
        emit_project: project != "default",
        project,
        server: a.server.clone(),
        root_project: a.root_project.clone(),
        cluster_resources: a.cluster_resources,
    })
}

/// Parses an Argo CD version, `MAJOR.MINOR` (a `v` prefix and a patch are accepted).
pub fn parse_version(text: &str) -> Option<Version> {
    let text = text.strip_prefix('v').unwrap_or(text);
    let mut parts = text.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    if let Some(patch) = parts.next() {
        patch.parse::<u32>().ok()?;
    }
    parts.next().is_none().then_some(Version { major, minor })
}

fn rollout(cx: &mut Cx<'_>, spec: &spec::Spec, version: Option<Version>) -> Option<Rollout> {
    use PathSeg::Key;
    let r = &spec.rollout;
    for (key, value) in [
        ("label", &r.label),
        ("environmentLabel", &r.environment_label),
    ] {
        if let Err(why) = check_label_key(value) {
            cx.error(
                &[Key("rollout"), Key(key)],
                format!("`{value}` is not a valid label key: {why}"),
            );
        }
    }
    if r.label == r.environment_label {
        cx.error(
            &[Key("rollout"), Key("environmentLabel")],
            "the environment label and the phase label must differ",
        );
    }
    for key in [r.label.as_str(), r.environment_label.as_str()] {
        if [MANAGED_BY, PART_OF, COMPONENT_LABEL].contains(&key) {
            cx.error(
                &[Key("rollout")],
                format!("label `{key}` is already set by ladder; choose another key"),
            );
        }
    }
    let max_update = match parse_max_update(&r.max_update) {
        Ok(m) => Some(m),
        Err(why) => {
            let d = cx.error(&[Key("rollout"), Key("maxUpdate")], why);
            d.help = Some("use a count such as 2, or a percentage such as \"25%\"".into());
            d.rule = Some(max_update_rule(&r.max_update));
            None
        }
    };
    if r.deletion_order.is_some() && r.strategy == spec::Strategy::AppOfApps {
        cx.error(
            &[Key("rollout"), Key("deletionOrder")],
            "`deletionOrder` is a setting of RollingSync's ApplicationSet; `strategy: appOfApps` emits none",
        )
        .help = Some("remove `deletionOrder`".into());
    }
    if let (Some(DeletionOrder::Reverse), Some(v)) = (r.deletion_order, version)
        && !v.at_least(3, 2)
    {
        let d = cx.error(
            &[Key("rollout"), Key("deletionOrder")],
            format!("`deletionOrder: Reverse` needs Argo CD 3.2 or later; the spec targets {v}"),
        );
        d.rule = Some(&"deletion-order-too-old");
        d.help = Some("remove `deletionOrder`, or raise `argocd.version`".into());
    }
    if r.strategy == spec::Strategy::AppOfApps {
        // A sync wave applies all of its children at once: nothing would read these.
        let set = cx.tree.get("rollout");
        for key in ["maxUpdate", "roleMaxUpdate", "phases"] {
            if set.and_then(|n| n.get(key)).is_some() {
                cx.error(
                    &[Key("rollout"), Key(key)],
                    format!("`rollout.{key}` sets RollingSync's maxUpdate, which the app-of-apps strategy does not have"),
                )
                .help = Some(format!(
                    "remove `{key}`: an app-of-apps sync wave applies all of its children at once"
                ));
            }
        }
    }
    let (role_max_update, phase_max_update) = max_update::policy(cx, spec);
    Some(Rollout {
        role_max_update,
        phase_max_update,
        label: r.label.clone(),
        environment_label: r.environment_label.clone(),
        max_update: max_update?,
        layout: r.layout,
        strategy: r.strategy,
        topology: r.environments,
        deletion_order: r.deletion_order,
    })
}

/// The `ladder lint` rule of a refused `maxUpdate`: zero, or malformed.
pub fn max_update_rule(value: &spec::MaxUpdate) -> &'static &'static str {
    let zero = match value {
        spec::MaxUpdate::Count(n) => *n < 1,
        spec::MaxUpdate::Percent(t) => {
            t.strip_suffix('%').and_then(|d| d.parse::<u32>().ok()) == Some(0)
        }
    };
    if zero {
        &"max-update-zero"
    } else {
        &"max-update-malformed"
    }
}

/// Parses a `maxUpdate`. Zero is refused: it makes Argo CD wait for a manual sync
/// (ladder uses it deliberately only for `sync: manual` environments). A string that
/// is not a whole percentage is refused: Argo CD silently treats it as 1.
pub fn parse_max_update(value: &spec::MaxUpdate) -> Result<MaxUpdate, String> {
    match value {
        spec::MaxUpdate::Count(n) if *n >= 1 => u32::try_from(*n)
            .map(MaxUpdate::Count)
            .map_err(|_| format!("maxUpdate {n} is too large")),
        spec::MaxUpdate::Count(n) => Err(format!(
            "maxUpdate {n} would stop RollingSync from syncing anything by itself (Argo CD waits for a manual sync)"
        )),
        spec::MaxUpdate::Percent(text) => {
            let Some(digits) = text.strip_suffix('%') else {
                return Err(format!(
                    "maxUpdate `{text}` is neither a count nor a percentage (Argo CD would silently treat it as 1)"
                ));
            };
            match digits.parse::<u32>() {
                Ok(p) if (1..=100).contains(&p) && !digits.starts_with('+') => {
                    Ok(MaxUpdate::Percent(p))
                }
                Ok(p) if p > 100 && !digits.starts_with('+') => Err(format!(
                    "maxUpdate `{text}` is more than all of a step's Applications; write `100%`"
                )),
                Ok(0) => Err(format!(
                    "maxUpdate `{text}` would stop RollingSync from syncing anything by itself (Argo CD waits for a manual sync)"
                )),
                _ => Err(format!(
                    "maxUpdate `{text}` is not a whole percentage from 1% to 100% (Argo CD would silently treat it as 1)"
                )),
            }
        }
    }
}

fn output(cx: &mut Cx<'_>, spec: &spec::Spec) -> Option<Output> {
    use PathSeg::Key;
    let o = &spec.output;
    let repo_url = o
        .repo_url
        .clone()
        .or_else(|| spec.defaults.source.repo_url.clone());
    let target_revision = o
        .target_revision
        .clone()
        .or_else(|| spec.defaults.source.target_revision.clone())
        .unwrap_or_else(|| "HEAD".into());
    if repo_url.is_none() {
        cx.error(
            &[Key("output")],
            "the root Application needs the repository of the generated tree",
        )
        .help = Some("set `output.repoURL`, or `defaults.source.repoURL`".into());
    }
    // The root Application is one per tree and is not interpolated: a per-environment
    // default cannot name where the generated tree lives.
    for (key, value, own) in [
        ("repoURL", repo_url.as_deref(), o.repo_url.is_some()),
        (
            "targetRevision",
            Some(target_revision.as_str()),
            o.target_revision.is_some(),
        ),
    ] {
        let Some(value) = value.filter(|v| v.contains("{{") || v.contains("{%")) else {
            continue;
        };
        let path = if own {
            vec![Key("output"), Key(key)]
        } else {
            vec![Key("defaults"), Key("source"), Key(key)]
        };
        cx.error(
            &path,
            format!("the root Application's {key} `{value}` uses a template"),
        )
        .help = Some(format!(
            "set `output.{key}` to the repository and revision of the generated tree"
        ));
    }
    let path = o.path.trim_matches('/').to_owned();
    if path.is_empty()
        || path
            .split('/')
            .any(|s| s == ".." || s == "." || s.is_empty())
        || o.path.starts_with('/')
    {
        cx.error(
            &[Key("output"), Key("path")],
            format!("`{}` is not a folder inside the repository", o.path),
        )
        .help = Some("write a relative path such as `argocd` or `deploy/argocd`".into());
    }
    Some(Output {
        repo_url: repo_url?,
        target_revision,
        path,
    })
}

fn environments(cx: &mut Cx<'_>, spec: &spec::Spec, version: Option<Version>) -> Vec<Environment> {
    use PathSeg::{Index, Key};
    if spec.environments.is_empty() {
        cx.error(&[Key("environments")], "the spec has no environments");
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, e) in spec.environments.iter().enumerate() {
        let at = [Key("environments"), Index(i), Key("name")];
        if let Some(&first) = seen.get(e.name.as_str()) {
            let first_pos = cx.pos(&[Key("environments"), Index(first), Key("name")]);
            cx.error(&at, format!("duplicate environment `{}`", e.name))
                .notes
                .push((first_pos, "first defined here".into()));
        } else {
            seen.insert(&e.name, i);
        }
        if !is_dns1123_label(&e.name) {
            cx.error(
                &at,
                format!(
                    "environment name `{}` is not a valid Kubernetes name",
                    e.name
                ),
            )
            .help = Some(dns_help());
        }
        let destination = match e
            .destination
            .as_ref()
            .or(spec.defaults.destination.as_ref())
        {
            None => Destination::Server(spec.argocd.server.clone()),
            Some(d) => match (&d.server, &d.name) {
                (Some(server), None) => Destination::Server(server.clone()),
                (None, Some(name)) => Destination::Name(name.clone()),
                _ => {
                    let path: Vec<PathSeg<'_>> = if e.destination.is_some() {
                        vec![Key("environments"), Index(i), Key("destination")]
                    } else {
                        vec![Key("defaults"), Key("destination")]
                    };
                    cx.error(&path, "a destination names its cluster by `server` or by `name`, exactly one of them");
                    Destination::Server(String::new())
                }
            },
        };
        let settings = crate::environment::settings(spec, i, version);
        for problem in settings.problems {
            cx.error(&problem.path, problem.message).help = Some(problem.help);
        }
        out.push(Environment {
            name: e.name.clone(),
            destination,
            sync: e.sync,
            prune: settings.prune,
            self_heal: settings.self_heal,
            sync_options: settings.sync_options,
            sync_windows: settings.sync_windows,
        });
    }
    out
}

fn dependencies(
    cx: &mut Cx<'_>,
    c: &spec::Component,
    kind: EdgeKind,
    index: &BTreeMap<&str, usize>,
    known: &[&str],
    at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
) -> Vec<usize> {
    use PathSeg::{Index, Key};
    let key = kind.key();
    let (list, verb) = match kind {
        EdgeKind::DependsOn => (&c.depends_on, "depends on"),
        EdgeKind::After => (&c.after, "comes after"),
    };
    let mut deps = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (j, dep) in list.iter().enumerate() {
        let path = at(&[Key(key), Index(j)]);
        if dep == &c.name {
            cx.error(&path, format!("component `{}` {verb} itself", c.name))
                .help = Some(format!("remove it from its own `{key}`"));
            continue;
        }
        if let Some(&first) = seen.get(dep.as_str()) {
            let first_pos = cx.pos(&at(&[Key(key), Index(first)]));
            cx.error(
                &path,
                format!("`{dep}` is listed twice in `{key}` of `{}`", c.name),
            )
            .notes
            .push((first_pos, "first listed here".into()));
            continue;
        }
        seen.insert(dep, j);
        if let Some(&i) = index.get(dep.as_str()) {
            deps.push(i);
        } else {
            let help = did_you_mean(dep, known.iter().copied());
            cx.error(
                &path,
                format!("`{}` {verb} `{dep}`, which is not a component", c.name),
            )
            .help = help;
        }
    }
    deps.sort_unstable();
    deps.dedup();
    deps
}

fn check_labels(
    cx: &mut Cx<'_>,
    c: &spec::Component,
    at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
    rollout: Option<&Rollout>,
) {
    use PathSeg::{Key, KeyOf};
    let mut reserved = vec![MANAGED_BY, PART_OF, COMPONENT_LABEL];
    if let Some(r) = rollout {
        reserved.push(&r.label);
        reserved.push(&r.environment_label);
    }
    for (key, value) in &c.labels {
        let key_path = {
            let mut p = at(&[Key("labels")]);
            p.push(KeyOf(key));
            p
        };
        if reserved.contains(&key.as_str()) {
            cx.error(
                &key_path,
                format!("label `{key}` is set by ladder on every Application"),
            )
            .help = Some("remove it from `labels`".into());
        } else if let Err(why) = check_label_key(key) {
            cx.error(
                &key_path,
                format!("`{key}` is not a valid label key: {why}"),
            );
        }
        if !is_label_value(value) {
            let mut p = at(&[Key("labels")]);
            p.push(Key(key));
            let why = if value.len() > 63 {
                format!(" ({} characters; at most 63)", value.len())
            } else {
                String::new()
            };
            cx.error(&p, format!("`{value}` is not a valid label value{why}"))
                .help = Some(label_value_help());
        }
    }
}

fn enabled_per_env(
    cx: &mut Cx<'_>,
    c: &spec::Component,
    env_names: &[&str],
    at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
) -> Vec<bool> {
    use PathSeg::{Key, KeyOf};
    match &c.enabled {
        None => vec![true; env_names.len()],
        Some(Enabled::All(b)) => vec![*b; env_names.len()],
        Some(Enabled::PerEnvironment(map)) => {
            for name in map.keys() {
                if !env_names.contains(&name.as_str()) {
                    let mut p = at(&[Key("enabled")]);
                    p.push(KeyOf(name));
                    let help = did_you_mean(name, env_names.iter().copied());
                    cx.error(
                        &p,
                        format!("`enabled` names `{name}`, which is not an environment"),
                    )
                    .help = help;
                }
            }
            env_names
                .iter()
                .map(|e| map.get(*e).copied().unwrap_or(true))
                .collect()
        }
    }
}

fn instance(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
    c: &spec::Component,
    env: &str,
    at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
) -> Option<Instance> {
    use PathSeg::{Index, Key};
    let app = format!("{}-{env}", c.name);
    let mut ok = true;
    if is_dns1123_label(&c.name) && is_dns1123_label(env) && app.len() > 63 {
        cx.error(
            &at(&[Key("name")]),
            format!("Application name `{app}` is {} characters; Kubernetes names used as label values allow 63", app.len()),
        )
        .help = Some(format!(
            "shorten the component name to at most {} characters (Argo CD before 3.0 tracks resources with the label app.kubernetes.io/instance=<Application name>)",
            63usize.saturating_sub(env.len() + 1)
        ));
        ok = false;
    }

    let namespace = match (&c.namespace, &spec.defaults.namespace) {
        (Some(ns), _) => cx.interpolate(&at(&[Key("namespace")]), ns, env, &c.name),
        (None, Some(ns)) => cx.interpolate(&[Key("defaults"), Key("namespace")], ns, env, &c.name),
        (None, None) => {
            cx.error(
                &at(&[Key("name")]),
                format!("component `{}` has no destination namespace", c.name),
            )
            .help = Some("set `namespace` on the component, or `defaults.namespace`".into());
            None
        }
    };
    if let Some(ns) = &namespace
        && !is_dns1123_label(ns)
    {
        let path = if c.namespace.is_some() {
            at(&[Key("namespace")])
        } else {
            vec![Key("defaults"), Key("namespace")]
        };
        cx.error(
            &path,
            format!("namespace `{ns}` (in `{env}`) is not a valid Kubernetes name"),
        )
        .help = Some(dns_help());
        ok = false;
    }

    let (raw, multi_source): (Vec<(&spec::Source, Vec<PathSeg<'static>>)>, bool) = match (
        &c.source, &c.sources,
    ) {
        (Some(s), None) => (vec![(s, at(&[Key("source")]))], false),
        (None, Some(list)) if !list.is_empty() => (
            list.iter()
                .enumerate()
                .map(|(i, s)| (s, at(&[Key("sources"), Index(i)])))
                .collect(),
            true,
        ),
        (None, Some(_)) => {
            cx.error(
                &at(&[Key("sources")]),
                format!("component `{}` has an empty `sources` list", c.name),
            );
            return None;
        }
        (Some(_), Some(_)) => {
            cx.error(
                &at(&[Key("sources")]),
                format!("component `{}` has both `source` and `sources`", c.name),
            )
            .help = Some("keep one: `source` for one source, `sources` for several".into());
            return None;
        }
        (None, None) => {
            cx.error(&at(&[Key("name")]), format!("component `{}` has no source", c.name))
                .help = Some("add `source: {path: ...}` (git) or `source: {repoURL: ..., chart: ..., targetRevision: ...}` (Helm)".into());
            return None;
        }
    };

    let refs: Vec<&str> = raw
        .iter()
        .filter_map(|(s, _)| s.reference.as_deref())
        .collect();
    let mut sources = Vec::with_capacity(raw.len());
    for (s, path) in &raw {
        if let Some(source) = resolve_source(cx, spec, c, s, path, env, multi_source, &refs) {
            sources.push(source);
        } else {
            ok = false;
        }
    }
    ok &= check_refs(cx, &raw);
    Some(Instance {
        app,
        namespace: namespace?,
        sources,
        multi_source,
    })
    .filter(|_| ok)
}

#[allow(clippy::too_many_arguments)]
fn resolve_source(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
    c: &spec::Component,
    s: &spec::Source,
    path: &[PathSeg<'static>],
    env: &str,
    multi_source: bool,
    refs: &[&str],
) -> Option<Source> {
    use PathSeg::{Index, Key};
    let sub = |rest: &[PathSeg<'static>]| -> Vec<PathSeg<'static>> {
        let mut p = path.to_vec();
        p.extend_from_slice(rest);
        p
    };
    let is_chart = s.chart.is_some();
    if is_chart && s.path.is_some() {
        cx.error(
            &sub(&[Key("chart")]),
            "a source is either a git `path` or a Helm `chart`, not both",
        );
        return None;
    }
    if is_chart && s.reference.is_some() {
        cx.error(&sub(&[Key("ref")]), "a source with `ref` cannot have a `chart` (Argo CD rejects it)")
            .help = Some("put the values repository in a source of its own with only `repoURL`, `targetRevision` and `ref`".into());
        return None;
    }
    if !is_chart && s.path.is_none() && s.reference.is_none() {
        cx.error(path, "a source needs a git `path` or a Helm `chart`")
            .help = Some(if multi_source {
            "or `ref` for a source that only provides value files".into()
        } else {
            "add `path: ...` or `chart: ...`".into()
        });
        return None;
    }
    // Helm repositories are not git repositories: a chart names its own repository and version.
    let repo_url = s.repo_url.clone().or_else(|| {
        if is_chart {
            None
        } else {
            spec.defaults.source.repo_url.clone()
        }
    });
    let target_revision = s.target_revision.clone().or_else(|| {
        if is_chart {
            None
        } else {
            spec.defaults.source.target_revision.clone()
        }
    });
    let Some(repo_url) = repo_url else {
        cx.error(path, format!("a source of `{}` has no `repoURL`", c.name))
            .help = Some(if is_chart {
            "a Helm chart names its repository in `repoURL`".into()
        } else {
            "set `repoURL`, or `defaults.source.repoURL`".into()
        });
        return None;
    };
    let target_revision = match target_revision {
        Some(t) => t,
        // Filled in from the version files (`crate::versions`).
        None if is_chart && c.version.is_some() => String::new(),
        None if is_chart => {
            cx.error(
                path,
                format!(
                    "the chart `{}` has no version",
                    s.chart.as_deref().unwrap_or_default()
                ),
            )
            .help = Some("set `targetRevision` to the chart version, e.g. \"1.2.0\", or name the component's entry in the version files (`version`)".into());
            return None;
        }
        None => "HEAD".into(),
    };
    let name = &c.name;
    // A value inherited from `defaults.source` is reported where it is written.
    let at = |own: bool, key: &'static str| {
        if own {
            sub(&[Key(key)])
        } else {
            vec![Key("defaults"), Key("source"), Key(key)]
        }
    };
    let repo_url = cx.interpolate(&at(s.repo_url.is_some(), "repoURL"), &repo_url, env, name)?;
    let target_revision = cx.interpolate(
        &at(s.target_revision.is_some(), "targetRevision"),
        &target_revision,
        env,
        name,
    )?;
    let src_path = match &s.path {
        Some(p) => {
            let p = cx.interpolate(&sub(&[Key("path")]), p, env, name)?;
            if p.starts_with('/') || p.split('/').any(|seg| seg == "..") {
                cx.error(&sub(&[Key("path")]), format!("`{p}` leaves the repository"))
                    .help =
                    Some("write a path relative to the repository root, without `..`".into());
                return None;
            }
            Some(p)
        }
        None => None,
    };
    let mut value_files = Vec::new();
    let mut release_name = None;
    if let Some(helm) = &s.helm {
        for (i, f) in helm.value_files.iter().enumerate() {
            let fpath = sub(&[Key("helm"), Key("valueFiles"), Index(i)]);
            let f = cx.interpolate(&fpath, f, env, name)?;
            if let Some(rest) = f.strip_prefix('$') {
                let reference = rest.split('/').next().unwrap_or_default();
                if !refs.contains(&reference) {
                    let help = did_you_mean(reference, refs.iter().copied()).or_else(|| {
                        Some(format!("add a source with `ref: {reference}` to `sources`"))
                    });
                    cx.error(&fpath, format!("value file `{f}` refers to `${reference}`, but no source has `ref: {reference}`"))
                        .help = help;
                    return None;
                }
            } else if f.contains('$') {
                cx.error(
                    &fpath,
                    format!("`$` may only start a value file path (`{f}`)"),
                );
                return None;
            }
            value_files.push(f);
        }
        if let Some(r) = &helm.release_name {
            release_name =
                Some(cx.interpolate(&sub(&[Key("helm"), Key("releaseName")]), r, env, name)?);
        }
    }
    Some(Source {
        repo_url,
        target_revision,
        path: src_path,
        chart: s.chart.clone(),
        reference: s.reference.clone(),
        value_files,
        release_name,
        parameters: Vec::new(),
        kustomize_images: Vec::new(),
    })
}

/// `ref` names: Argo CD allows letters, digits, `_` and `-`, and each once per Application.
fn check_refs(cx: &mut Cx<'_>, raw: &[(&spec::Source, Vec<PathSeg<'static>>)]) -> bool {
    use PathSeg::Key;
    let mut ok = true;
    let mut seen: BTreeMap<&str, Pos> = BTreeMap::new();
    for (s, path) in raw {
        let Some(r) = s.reference.as_deref() else {
            continue;
        };
        let mut p = path.clone();
        p.push(Key("ref"));
        if r.is_empty()
            || !r
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
        {
            cx.error(&p, format!("`ref: {r}` may only use letters, digits, `_` and `-` (Argo CD rejects other characters)"));
            ok = false;
        }
        if let Some(first) = seen.get(r) {
            let first = *first;
            cx.error(&p, format!("`ref: {r}` is used by two sources"))
                .notes
                .push((first, "first used here".into()));
            ok = false;
        } else {
            seen.insert(r, cx.pos(&p));
        }
    }
    ok
}

/// The phase a pinned or banded layout gives a component (`None` for compact), with
/// a diagnostic for what is missing or unknown.
fn assigned_phase(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
    c: &spec::Component,
    at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
) -> Option<u32> {
    use PathSeg::Key;
    let layout = spec.rollout.layout;
    if layout != Layout::Pinned && c.phase.is_some() {
        cx.error(
            &at(&[Key("phase")]),
            "`phase` is only read with `rollout.layout: pinned`",
        )
        .help = Some("remove it, or set `rollout.layout: pinned`".into());
    }
    match layout {
        Layout::Compact => None,
        Layout::Pinned => {
            if c.phase.is_none() {
                cx.error(
                    &at(&[Key("name")]),
                    format!("component `{}` has no `phase`", c.name),
                )
                .help =
                    Some("with `rollout.layout: pinned` every component names its phase".into());
            }
            c.phase
        }
        Layout::Banded => {
            let band = band_lookup(cx, c, at, "domain", c.domain.as_ref(), &spec.rollout.bands);
            let slot = band_lookup(cx, c, at, "role", c.role.as_ref(), &spec.rollout.slots);
            Some(band?.saturating_add(slot?))
        }
    }
}

/// The band of a component's domain, or the slot of its role, with diagnostics.
fn band_lookup(
    cx: &mut Cx<'_>,
    c: &spec::Component,
    at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
    key: &'static str,
    value: Option<&String>,
    table: &indexmap::IndexMap<String, u32>,
) -> Option<u32> {
    use PathSeg::Key;
    let table_name = if key == "domain" { "bands" } else { "slots" };
    let value = value.map(|v| edges::slot_name(v, table));
    let Some(value) = value else {
        cx.error(
            &at(&[Key("name")]),
            format!("component `{}` has no `{key}`", c.name),
        )
        .help = Some(format!(
            "with `rollout.layout: banded` every component names its {key}"
        ));
        return None;
    };
    let found = table.get(value).copied();
    if found.is_none() {
        let help = did_you_mean(value, table.keys().map(String::as_str)).unwrap_or_else(|| {
            let all: Vec<String> = table.keys().map(|k| format!("`{k}`")).collect();
            format!("`rollout.{table_name}` has {}", all.join(", "))
        });
        cx.error(
            &at(&[Key(key)]),
            format!("`{value}` is not a {key} of `rollout.{table_name}`"),
        )
        .help = Some(help);
    }
    found
}

/// With pinned phases, every dependency and `after` edge must have a lower phase than its
/// dependent (an `after` edge only where both are enabled somewhere together). The fix
/// offered is the smallest move: to the first phase in use after all of the component's
/// edges (or one past the highest of them). Non-gating smokes are skipped: planning moves
/// them to the end of each environment.
fn check_pinned_order(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
    order: &[usize],
    components: &[Component],
) {
    use PathSeg::{Index, Key};
    let used: std::collections::BTreeSet<u32> =
        components.iter().filter_map(|c| c.pinned).collect();
    // The edges that must come first, with the phase each is pinned to.
    let edges_of = |i: usize| -> Vec<(usize, EdgeKind, u32)> {
        let c = &components[i];
        c.edges()
            .into_iter()
            .filter(|&(d, kind)| kind == EdgeKind::DependsOn || edges::together(c, &components[d]))
            .filter_map(|(d, kind)| components[d].pinned.map(|p| (d, kind, p)))
            .collect()
    };
    // The smallest phase after `highest` for component `i`: in a banded layout the first
    // slot of its own band (named by role), else the first phase in use.
    let target_after = |i: usize, highest: u32| -> (u32, String) {
        match edges::band_slot_after(spec, &spec.components[order[i]], highest) {
            Some((phase, role)) => (phase, format!(" (role `{role}`)")),
            None => (
                used.range(highest.saturating_add(1)..)
                    .next()
                    .copied()
                    .unwrap_or(highest.saturating_add(1)),
                String::new(),
            ),
        }
    };
    // Where each component ends up once every inversion is fixed by its smallest move,
    // dependencies first, so that each fix accounts for the moves before it (the seed 002
    // SecretStore goes to 155 once Vault is at 150). Cycles are reported elsewhere; on
    // one, the current phase stands.
    let mut fixed: Vec<Option<u32>> = vec![None; components.len()];
    let mut state = vec![0u8; components.len()];
    for root in 0..components.len() {
        let mut stack = vec![(root, false)];
        while let Some((i, expanded)) = stack.pop() {
            if state[i] == 2 {
                continue;
            }
            let edges = edges_of(i);
            if !expanded {
                state[i] = 1;
                stack.push((i, true));
                for &(d, _, _) in &edges {
                    if state[d] == 0 {
                        stack.push((d, false));
                    }
                }
                continue;
            }
            let own = components[i].pinned;
            let highest = edges
                .iter()
                .map(|&(d, _, p)| {
                    if state[d] == 2 {
                        fixed[d].unwrap_or(p)
                    } else {
                        p
                    }
                })
                .max();
            fixed[i] = match (own, highest) {
                (Some(own), Some(h)) if own <= h => Some(target_after(i, h).0),
                (own, _) => own,
            };
            state[i] = 2;
        }
    }
    for (i, c) in components.iter().enumerate() {
        let Some(phase) = c.pinned else { continue };
        if c.smoke == crate::model::Smoke::NonGating {
            continue;
        }
        let edges = edges_of(i);
        let settled = |d: usize, p: u32| fixed[d].unwrap_or(p);
        let Some(highest) = edges.iter().map(|&(d, _, p)| settled(d, p)).max() else {
            continue;
        };
        let spec_component = &spec.components[order[i]];
        let (target, as_role) = target_after(i, highest);
        let blocker = edges
            .iter()
            .find(|&&(d, _, p)| settled(d, p) == highest)
            .map_or(String::new(), |&(d, _, p)| {
                let moved = if settled(d, p) == p {
                    String::new()
                } else {
                    " once moved".to_owned()
                };
                format!("`{}` ({highest}{moved})", components[d].name)
            });
        for &(d, kind, dep_phase) in &edges {
            if dep_phase < phase {
                continue;
            }
            let dep = &components[d];
            let list = match kind {
                EdgeKind::DependsOn => &spec_component.depends_on,
                EdgeKind::After => &spec_component.after,
            };
            let j = list.iter().position(|n| n == &dep.name).unwrap_or(0);
            let verb = match kind {
                EdgeKind::DependsOn => "depends on",
                EdgeKind::After => "comes after",
            };
            let diagnostic = cx.error(
                &[Key("components"), Index(order[i]), Key(kind.key()), Index(j)],
                format!(
                    "`{}` (phase {phase}) {verb} `{}` (phase {dep_phase}), which does not come first",
                    c.name, dep.name
                ),
            );
            diagnostic.rule = Some(&"dependency-not-earlier");
            diagnostic.help = Some(format!(
                "move `{}` from {phase} to {target}{as_role}, after {blocker}",
                c.name,
            ));
        }
    }
}

/// Every generated Application name must be unique (`a-b` in `c` and `a` in `b-c` are
/// both `a-b-c`), and the root Applications' names must be valid and free too.
fn check_application_names(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
    order: &[usize],
    components: &[Component],
    environments: &[Environment],
) {
    use PathSeg::{Index, Key};
    let mut seen: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for (model_index, component) in components.iter().enumerate() {
        for (e, instance) in component.instances.iter().enumerate() {
            let Some(instance) = instance else { continue };
            let env = environments[e].name.as_str();
            if let Some(&(other, other_env)) = seen.get(instance.app.as_str()) {
                if components[other].name == component.name || other_env == env {
                    continue; // a duplicate component or environment, reported as such
                }
                let first = cx.pos(&[Key("components"), Index(order[other]), Key("name")]);
                cx.error(
                    &[Key("components"), Index(order[model_index]), Key("name")],
                    format!(
                        "`{}` in `{env}` and `{}` in `{other_env}` would both be the Application `{}`",
                        component.name, components[other].name, instance.app
                    ),
                )
                .notes
                .push((first, "the other component".into()));
            } else {
                seen.insert(&instance.app, (model_index, env));
            }
        }
    }
    let roots: Vec<String> = match spec.rollout.environments {
        spec::Topology::Sequential => vec![format!("{}-root", spec.name)],
        spec::Topology::Independent => environments
            .iter()
            .map(|e| format!("{}-{}-root", spec.name, e.name))
            .collect(),
    };
    for root in roots {
        if !is_dns1123_label(&root) && is_dns1123_label(&spec.name) {
            cx.error(
                &[Key("name")],
                format!("the root Application `{root}` would be longer than 63 characters"),
            )
            .help = Some("shorten the spec's name".into());
        } else if let Some(&(c, env)) = seen.get(root.as_str()) {
            cx.error(
                &[Key("components"), Index(order[c]), Key("name")],
                format!(
                    "`{}` in `{env}` would have the name of the root Application `{root}`",
                    components[c].name
                ),
            );
        }
    }
}

fn check_disabled_dependencies(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
    order: &[usize],
    components: &[Component],
    environments: &[Environment],
) {
    use PathSeg::{Index, Key};
    let enabled = |c: &spec::Component, e: &str| match &c.enabled {
        None => true,
        Some(Enabled::All(b)) => *b,
        Some(Enabled::PerEnvironment(m)) => m.get(e).copied().unwrap_or(true),
    };
    for (model_index, component) in components.iter().enumerate() {
        let spec_index = order[model_index];
        let c = &spec.components[spec_index];
        for &dep in &component.depends_on {
            let d = &spec.components[order[dep]];
            let off: Vec<&str> = environments
                .iter()
                .map(|e| e.name.as_str())
                .filter(|e| enabled(c, e) && !enabled(d, e))
                .collect();
            if off.is_empty() {
                continue;
            }
            let j = c.depends_on.iter().position(|n| n == &d.name).unwrap_or(0);
            let list = off
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let diagnostic = cx.error(
                &[
                    Key("components"),
                    Index(spec_index),
                    Key("dependsOn"),
                    Index(j),
                ],
                format!(
                    "`{}` depends on `{}`, which is disabled in {list}",
                    c.name, d.name
                ),
            );
            diagnostic.rule = Some(&"disabled-dependency");
            diagnostic.help = Some(format!(
                "disable `{}` there too, or enable `{}`",
                c.name, d.name
            ));
        }
    }
}

/// Reports every dependency cycle as its full path, `a → b → c → a`.
fn check_cycles(cx: &mut Cx<'_>, spec: &spec::Spec, order: &[usize], components: &[Component]) {
    use PathSeg::{Index, Key};
    let deps: Vec<Vec<usize>> = components.iter().map(Component::waits_for).collect();
    for cycle in crate::dag::cycles(&deps) {
        let (first, second) = (cycle[0], cycle[1]);
        let kind_of = |a: usize, b: usize| {
            if components[a].depends_on.binary_search(&b).is_ok() {
                EdgeKind::DependsOn
            } else {
                EdgeKind::After
            }
        };
        // `a → b` is a `dependsOn` edge, `a ⇢ b` an `after` edge.
        let mut text = components[first].name.clone();
        let mut any_after = false;
        for w in cycle.windows(2) {
            let kind = kind_of(w[0], w[1]);
            any_after |= kind == EdgeKind::After;
            text.push_str(if kind == EdgeKind::After {
                " ⇢ "
            } else {
                " → "
            });
            text.push_str(&components[w[1]].name);
        }
        let spec_index = order[first];
        let c = &spec.components[spec_index];
        let kind = kind_of(first, second);
        let list = match kind {
            EdgeKind::DependsOn => &c.depends_on,
            EdgeKind::After => &c.after,
        };
        let j = list
            .iter()
            .position(|n| n == &components[second].name)
            .unwrap_or(0);
        let diagnostic = cx.error(
            &[
                Key("components"),
                Index(spec_index),
                Key(kind.key()),
                Index(j),
            ],
            format!("dependency cycle: {text}"),
        );
        diagnostic.rule = Some(&"dependency-cycle");
        diagnostic.help = Some(if any_after {
            "each component waits for the next (→ `dependsOn`, ⇢ `after`); remove one of these edges".into()
        } else {
            "each component depends on the next; remove one of these dependencies".into()
        });
    }
}

/// Seconds a component is expected to take, from its own `duration`, else the default.
fn component_duration(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
    c: &spec::Component,
    at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
) -> u64 {
    use PathSeg::Key;
    let role = c.role.as_deref();
    let by_role = role.and_then(|r| spec.defaults.role_durations.get(r).map(|d| (r, d)));
    let (text, path) = match (&c.duration, by_role, &spec.defaults.duration) {
        (Some(d), _, _) => (d.as_str(), at(&[Key("duration")])),
        (None, Some((r, d)), _) => (
            d.as_str(),
            vec![Key("defaults"), Key("roleDurations"), Key(r)],
        ),
        (None, None, default) => {
            if let Some(seconds) = role.and_then(role_duration) {
                return seconds;
            }
            match default {
                Some(d) => (d.as_str(), vec![Key("defaults"), Key("duration")]),
                None => return DEFAULT_DURATION,
            }
        }
    };
    parse_duration(text).unwrap_or_else(|| {
        cx.error(
            &path,
            format!("`{text}` is not a duration of at most a week"),
        )
        .help = Some("write hours, minutes and seconds such as `90s`, `5m` or `1h30m`".into());
        DEFAULT_DURATION
    })
}

/// Built-in expected durations of the roles of seed 002's slots: CRDs, secrets and configs
/// apply quickly; operators and runtimes roll pods and wait for readiness; smokes run a Job.
pub fn role_duration(role: &str) -> Option<u64> {
    Some(match role {
        "crds" | "secrets" | "configs" => 30,
        "operators" | "smokes" | "smoke" => 120,
        "runtimes" => 180,
        "post-runtime" => 60,
        _ => return None,
    })
}

/// Expected duration of a component that does not say: one minute.
pub const DEFAULT_DURATION: u64 = 60;

/// The longest duration a component may declare: a week. Sums of durations then stay
/// far from overflow at any fleet size.
pub const MAX_DURATION: u64 = 7 * 24 * 3600;

/// Parses `1h30m`, `5m`, `90s` (at least one part, each unit once, in h-m-s order) to
/// seconds, at most [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut last_unit = 0;
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        let (rank, factor) = match ch {
            'h' => (1, 3600),
            'm' => (2, 60),
            's' => (3, 1),
            _ => return None,
        };
        if digits.is_empty() || rank <= last_unit {
            return None;
        }
        let n: u64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(factor)?)?;
        digits.clear();
        last_unit = rank;
    }
    (digits.is_empty() && last_unit > 0 && total <= MAX_DURATION).then_some(total)
}

/// DNS-1123 label: lowercase letters, digits and `-`, starting and ending with a letter
/// or digit, at most 63 characters.
pub fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// DNS-1123 subdomain: dot-separated labels, at most 253 characters.
pub fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

fn dns_help() -> String {
    "use lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters".into()
}

fn label_value_help() -> String {
    "label values have at most 63 characters: letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit".into()
}

/// A label value: empty, or at most 63 characters of `[A-Za-z0-9._-]` that start and end
/// with a letter or digit.
pub fn is_label_value(s: &str) -> bool {
    s.is_empty() || is_label_name(s)
}

fn is_label_name(s: &str) -> bool {
    s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// A label key: an optional DNS subdomain prefix and `/`, then a name of at most 63 characters.
pub fn check_label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix
        && !is_dns1123_subdomain(p)
    {
        return Err(format!("the prefix `{p}` is not a DNS subdomain"));
    }
    if name.is_empty() || !is_label_name(name) {
        return Err("the name part must be 1 to 63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit".into());
    }
    Ok(())
}
