//! The generated Applications' own settings, per component and environment: sync options
//! (defaults, then the environment's, the component's and its override's, option by
//! option), `retry`, `ignoreDifferences`, `managedNamespaceMetadata`, `info`,
//! `revisionHistoryLimit`, and the labels and annotations an override adds.
//!
//! Each is checked where it is written and for the target Argo CD version, and refused
//! where Argo CD would ignore it: `Force` among an Application's sync options (read only
//! from a resource's annotation or a sync's own flag: v3.5.1
//! gitops-engine/pkg/sync/sync_context.go:1401), `managedNamespaceMetadata` without
//! `CreateNamespace=true` (its namespace modifier is installed only with that option:
//! v3.5.1 controller/sync.go:337).

use std::collections::BTreeMap;

use super::context::Cx;
use crate::analyze::model::{AppSettings, Destination, Version};
use crate::diagnostic::did_you_mean;
use crate::load::spec::{self, Confirmable, PropagationPolicy, SyncOptions};
use crate::load::yaml::PathSeg::{self, Key, KeyOf};

/// `Name=value` of every option some layer sets, the last layer that sets an option
/// winning, in a fixed order (the order existing output has, new options after).
pub(super) fn sync_option_values(layers: &[Option<&SyncOptions>]) -> Vec<String> {
    fn flag(b: Option<bool>) -> Option<String> {
        b.map(|b| b.to_string())
    }
    fn confirmable(c: Option<Confirmable>) -> Option<String> {
        c.map(|c| match c {
            Confirmable::Flag(b) => b.to_string(),
            Confirmable::Word(_) => "confirm".into(),
        })
    }
    let pick = |f: &dyn Fn(&SyncOptions) -> Option<String>| {
        layers.iter().rev().flatten().find_map(|o| f(o))
    };
    let options: [(&str, Option<String>); 13] = [
        ("CreateNamespace", pick(&|o| flag(o.create_namespace))),
        ("ServerSideApply", pick(&|o| flag(o.server_side_apply))),
        (
            "SkipDryRunOnMissingResource",
            pick(&|o| flag(o.skip_dry_run_on_missing_resource)),
        ),
        (
            "RespectIgnoreDifferences",
            pick(&|o| flag(o.respect_ignore_differences)),
        ),
        ("PruneLast", pick(&|o| flag(o.prune_last))),
        (
            "ApplyOutOfSyncOnly",
            pick(&|o| flag(o.apply_out_of_sync_only)),
        ),
        ("Validate", pick(&|o| flag(o.validate))),
        ("Replace", pick(&|o| flag(o.replace))),
        (
            "PrunePropagationPolicy",
            pick(&|o| {
                o.prune_propagation_policy.map(|p| {
                    match p {
                        PropagationPolicy::Foreground => "foreground",
                        PropagationPolicy::Background => "background",
                        PropagationPolicy::Orphan => "orphan",
                    }
                    .to_owned()
                })
            }),
        ),
        (
            "FailOnSharedResource",
            pick(&|o| flag(o.fail_on_shared_resource)),
        ),
        (
            "ClientSideApplyMigration",
            pick(&|o| flag(o.client_side_apply_migration)),
        ),
        ("Prune", pick(&|o| confirmable(o.prune))),
        ("Delete", pick(&|o| confirmable(o.delete))),
    ];
    options
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| format!("{name}={v}")))
        .collect()
}

/// A problem with one option of a `syncOptions` block: the option's key, what is wrong,
/// and the fix.
pub(super) struct OptionProblem {
    pub(super) option: &'static str,
    pub(super) message: String,
    pub(super) help: String,
}

/// Options Argo CD would not honour on `version`, and `Force`, which it never reads from
/// an Application's sync options.
pub(super) fn sync_option_problems(o: &SyncOptions, version: Version) -> Vec<OptionProblem> {
    let mut problems = Vec::new();
    if o.force.is_some() {
        problems.push(OptionProblem {
            option: "Force",
            message: "Argo CD never reads `Force` from an Application's sync options: only from a resource's `argocd.argoproj.io/sync-options` annotation, or the force flag of a sync started by hand (gitops-engine sync_context.go)".into(),
            help: "remove `Force`; annotate the resources to re-create with `argocd.argoproj.io/sync-options: Force=true,Replace=true`".into(),
        });
    }
    let gated: [(&'static str, bool, (u32, u32), &str); 3] = [
        (
            "ClientSideApplyMigration",
            o.client_side_apply_migration.is_some(),
            (3, 1),
            "argoproj/argo-cd v3.1.0 controller/sync.go",
        ),
        ("Prune", o.prune.is_some(), (3, 4), "argoproj/argo-cd#23370"),
        (
            "Delete",
            o.delete.is_some(),
            (3, 4),
            "argoproj/argo-cd#23370",
        ),
    ];
    for (option, set, (major, minor), source) in gated {
        if set && !version.at_least(major, minor) {
            problems.push(OptionProblem {
                option,
                message: format!(
                    "Argo CD {version} does not read the sync option `{option}` from an Application; it arrived in {major}.{minor} ({source})"
                ),
                help: format!(
                    "raise `argocd.version` to \"{major}.{minor}\" or later if your Argo CD runs it, or remove `{option}`"
                ),
            });
        }
    }
    if o.prune == Some(Confirmable::Flag(true)) || o.delete == Some(Confirmable::Flag(true)) {
        let option = if o.prune == Some(Confirmable::Flag(true)) {
            "Prune"
        } else {
            "Delete"
        };
        problems.push(OptionProblem {
            option,
            message: format!("`{option}: true` is what Argo CD does without the option"),
            help: format!("remove `{option}`, or set it to `false` or `confirm`"),
        });
    }
    problems
}

/// One component's Application settings: checked once, where they are written, and
/// resolved per environment.
pub(super) struct Resolve<'s> {
    pub(super) spec: &'s spec::Spec,
    pub(super) component: &'s spec::Component,
    pub(super) version: Version,
    /// The label keys ladder sets itself.
    pub(super) reserved: &'s [String],
}

impl Resolve<'_> {
    /// Checks the component's settings and its overrides (once per component).
    pub(super) fn check(
        &self,
        cx: &mut Cx<'_>,
        env_names: &[&str],
        enabled: &[bool],
        at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
    ) {
        let c = self.component;
        let own = Fields {
            sync_options: c.sync_options.as_ref(),
            retry: c.retry.as_ref(),
            ignore_differences: Some(&c.ignore_differences),
            managed_namespace_metadata: c.managed_namespace_metadata.as_ref(),
            info: Some(&c.info),
            revision_history_limit: c.revision_history_limit,
        };
        own.check(cx, &at(&[]), self.version);
        super::application_patch::check(cx, self.spec, c, enabled, self.version, at);
        check_destination(cx, c.destination.as_ref(), &at(&[Key("destination")]));
        super::applications::check_label_map(cx, &c.labels, &at(&[Key("labels")]), self.reserved);
        super::applications::check_annotation_map(cx, &c.annotations, &at(&[Key("annotations")]));
        for (env, o) in &c.overrides {
            let mut key = at(&[Key("overrides")]);
            key.push(KeyOf(env));
            match env_names.iter().position(|n| n == env) {
                None => {
                    let help = did_you_mean(env, env_names.iter().copied())
                        .unwrap_or_else(|| format!("the environments are {}", quoted(env_names)));
                    cx.error(&key, format!("`{env}` is not an environment of the spec"))
                        .help = Some(help);
                }
                // A fleet's member may be absent from an environment its fleet component
                // overrides: the override is for the members that are there.
                Some(e) if !enabled[e] && c.member_of.is_none() => {
                    cx.error(
                        &key,
                        format!(
                            "component `{}` is disabled in `{env}`, so this override does nothing",
                            c.name
                        ),
                    )
                    .help = Some(format!(
                        "remove the override, or enable `{}` in `{env}`",
                        c.name
                    ));
                }
                Some(_) => {}
            }
            let mut base = at(&[Key("overrides")]);
            base.push(Key(env));
            Fields::of(o).check(cx, &base, self.version);
            let mut destination = base.clone();
            destination.push(Key("destination"));
            check_destination(cx, o.destination.as_ref(), &destination);
            let mut labels = base.clone();
            labels.push(Key("labels"));
            super::applications::check_label_map(cx, &o.labels, &labels, self.reserved);
            let mut annotations = base;
            annotations.push(Key("annotations"));
            super::applications::check_annotation_map(cx, &o.annotations, &annotations);
        }
    }

    /// The settings of the component's Application in environment `env`, whose own
    /// sync options are `env_options`.
    pub(super) fn resolve(&self, env: &str, env_options: Option<&SyncOptions>) -> AppSettings {
        let c = self.component;
        let o = c.overrides.get(env);
        let sync_options = sync_option_values(&[
            self.spec.defaults.sync_options.as_ref(),
            env_options,
            c.sync_options.as_ref(),
            o.and_then(|o| o.sync_options.as_ref()),
        ]);
        let mut labels = c.labels.clone();
        let mut annotations = c.annotations.clone();
        if let Some(o) = o {
            labels.extend(o.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
            annotations.extend(o.annotations.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let retry = o.and_then(|o| o.retry.as_ref()).or(c.retry.as_ref());
        let mnm = o
            .and_then(|o| o.managed_namespace_metadata.as_ref())
            .or(c.managed_namespace_metadata.as_ref());
        let ignore = o
            .and_then(|o| o.ignore_differences.as_ref())
            .unwrap_or(&c.ignore_differences);
        let info = o.and_then(|o| o.info.as_ref()).unwrap_or(&c.info);
        AppSettings {
            labels,
            annotations,
            retry: retry.map(to_json),
            managed_namespace_metadata: mnm.map(to_json),
            ignore_differences: (!ignore.is_empty()).then(|| to_json(ignore)),
            info: (!info.is_empty()).then(|| to_json(info)),
            revision_history_limit: o
                .and_then(|o| o.revision_history_limit)
                .or(c.revision_history_limit),
            sync_options,
            patch: super::application_patch::resolve(c, env),
        }
    }

    /// The cluster of the component's Application in `env`: its override's, its own, or
    /// the environment's `fallback`. A destination with both or neither of `server` and
    /// `name` is reported by [`Resolve::check`] and falls back.
    pub(super) fn destination(&self, env: &str, fallback: &Destination) -> Destination {
        let c = self.component;
        c.overrides
            .get(env)
            .and_then(|o| o.destination.as_ref())
            .or(c.destination.as_ref())
            .and_then(resolve_destination)
            .unwrap_or_else(|| fallback.clone())
    }

    /// `managedNamespaceMetadata` without `CreateNamespace=true` in some environment: one
    /// error per place it is written, naming the environments.
    pub(super) fn check_managed_namespaces(
        &self,
        cx: &mut Cx<'_>,
        instances: &[Option<crate::analyze::model::Instance>],
        env_names: &[&str],
        at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
    ) {
        let c = self.component;
        // The override that sets it (by environment), or `None` for the component's own.
        let mut missing: BTreeMap<Option<&str>, Vec<&str>> = BTreeMap::new();
        for (e, instance) in instances.iter().enumerate() {
            let Some(instance) = instance else { continue };
            if instance.settings.managed_namespace_metadata.is_none()
                || instance.settings.creates_namespace()
            {
                continue;
            }
            let env = env_names[e];
            let from_override = c
                .overrides
                .get(env)
                .is_some_and(|o| o.managed_namespace_metadata.is_some());
            missing
                .entry(from_override.then_some(env))
                .or_default()
                .push(env);
        }
        for (place, envs) in missing {
            let path = match place {
                Some(env) => {
                    let mut p = at(&[Key("overrides")]);
                    p.push(Key(env));
                    p.push(KeyOf("managedNamespaceMetadata"));
                    p
                }
                None => at(&[KeyOf("managedNamespaceMetadata")]),
            };
            cx.error(
                &path,
                format!(
                    "`{}` sets `managedNamespaceMetadata` without the sync option `CreateNamespace` in {}: Argo CD applies the metadata only to a namespace it creates, so it would be ignored",
                    c.name,
                    quoted(&envs)
                ),
            )
            .help = Some(
                "add `syncOptions: {CreateNamespace: true}` to the component (or to its environments)"
                    .into(),
            );
        }
    }
}

/// `server` or `name`, exactly one.
fn resolve_destination(d: &spec::Destination) -> Option<Destination> {
    match (&d.server, &d.name) {
        (Some(server), None) => Some(Destination::Server(server.clone())),
        (None, Some(name)) => Some(Destination::Name(name.clone())),
        _ => None,
    }
}

fn check_destination(cx: &mut Cx<'_>, d: Option<&spec::Destination>, path: &[PathSeg<'_>]) {
    if d.is_some_and(|d| resolve_destination(d).is_none()) {
        cx.error(
            path,
            "a destination names its cluster by `server` or by `name`, exactly one of them",
        );
    }
}

/// The settings fields a component and an override share, as one shape to check.
struct Fields<'a> {
    sync_options: Option<&'a SyncOptions>,
    retry: Option<&'a spec::Retry>,
    ignore_differences: Option<&'a Vec<spec::IgnoreDifference>>,
    managed_namespace_metadata: Option<&'a spec::ManagedNamespaceMetadata>,
    info: Option<&'a Vec<spec::Info>>,
    revision_history_limit: Option<i64>,
}

impl<'a> Fields<'a> {
    fn of(o: &'a spec::Override) -> Fields<'a> {
        Fields {
            sync_options: o.sync_options.as_ref(),
            retry: o.retry.as_ref(),
            ignore_differences: o.ignore_differences.as_ref(),
            managed_namespace_metadata: o.managed_namespace_metadata.as_ref(),
            info: o.info.as_ref(),
            revision_history_limit: o.revision_history_limit,
        }
    }

    fn check(&self, cx: &mut Cx<'_>, base: &[PathSeg<'_>], version: Version) {
        let at = |tail: &[PathSeg<'static>]| {
            let mut p = base.to_vec();
            p.extend_from_slice(tail);
            p
        };
        if let Some(o) = self.sync_options {
            for p in sync_option_problems(o, version) {
                cx.error(&at(&[Key("syncOptions"), KeyOf(p.option)]), p.message)
                    .help = Some(p.help);
            }
        }
        if let Some(retry) = self.retry {
            check_retry(cx, retry, &at(&[Key("retry")]), version);
        }
        for (i, d) in self.ignore_differences.into_iter().flatten().enumerate() {
            super::ignore_differences::check(
                cx,
                d,
                &at(&[Key("ignoreDifferences"), PathSeg::Index(i)]),
            );
        }
        if let Some(m) = self.managed_namespace_metadata {
            let path = at(&[Key("managedNamespaceMetadata"), Key("labels")]);
            super::applications::check_label_map(cx, &m.labels, &path, &[]);
            let path = at(&[Key("managedNamespaceMetadata"), Key("annotations")]);
            super::applications::check_annotation_keys(cx, &m.annotations, &path);
        }
        for (i, entry) in self.info.into_iter().flatten().enumerate() {
            if entry.name.trim().is_empty() {
                cx.error(
                    &at(&[Key("info"), PathSeg::Index(i), Key("name")]),
                    "an `info` entry needs a name: Argo CD's UI shows it beside the value",
                );
            }
        }
        if let Some(limit) = self.revision_history_limit
            && limit < 0
        {
            cx.error(
                &at(&[Key("revisionHistoryLimit")]),
                format!(
                    "`revisionHistoryLimit` is {limit}; it counts the past syncs Argo CD keeps"
                ),
            )
            .help = Some("use 0 or more (Argo CD's default is 10)".into());
        }
    }
}

fn check_retry(cx: &mut Cx<'_>, retry: &spec::Retry, base: &[PathSeg<'_>], version: Version) {
    let at = |tail: &[PathSeg<'static>]| {
        let mut p = base.to_vec();
        p.extend_from_slice(tail);
        p
    };
    if retry.refresh.is_some() && !version.at_least(3, 2) {
        cx.error(
            &at(&[KeyOf("refresh")]),
            format!("Argo CD {version} has no `retry.refresh`; it arrived in 3.2"),
        )
        .help = Some(
            "raise `argocd.version` to \"3.2\" or later if your Argo CD runs it, or remove `refresh`"
                .into(),
        );
    }
    let Some(backoff) = &retry.backoff else {
        return;
    };
    let mut seconds = BTreeMap::new();
    for (field, value) in [
        ("duration", &backoff.duration),
        ("maxDuration", &backoff.max_duration),
    ] {
        let Some(value) = value else { continue };
        match retry_duration_nanos(value) {
            Some(n) if n > 0 => {
                seconds.insert(field, n);
            }
            Some(_) => {
                cx.error(
                    &at(&[Key("backoff"), Key(field)]),
                    format!("`{field}` is `{value}`; a backoff must be longer than 0"),
                )
                .help = Some("e.g. `10s`".into());
            }
            None => {
                cx.error(
                    &at(&[Key("backoff"), Key(field)]),
                    format!("`{value}` is not a duration Argo CD reads"),
                )
                .help = Some(
                    "write whole seconds (`\"30\"`) or a Go duration (`30s`, `2m`, `1h30m`)".into(),
                );
            }
        }
    }
    if let (Some(d), Some(m)) = (seconds.get("duration"), seconds.get("maxDuration"))
        && d > m
    {
        cx.error(
            &at(&[Key("backoff"), Key("duration")]),
            "the first backoff is longer than `maxDuration`, so every retry waits `maxDuration`",
        )
        .help = Some("make `duration` at most `maxDuration`".into());
    }
    if let Some(factor) = backoff.factor
        && factor < 1
    {
        cx.error(
            &at(&[Key("backoff"), Key("factor")]),
            format!("`factor` is {factor}; each wait is the last one multiplied by it"),
        )
        .help = Some("use 1 (every wait the same) or more (Argo CD's default is 2)".into());
    }
}

/// A backoff duration as Argo CD reads it: whole seconds, else a Go duration (v3.5.1
/// pkg/apis/application/v1alpha1/types.go:1553 `parseStringToDuration`).
fn retry_duration_nanos(text: &str) -> Option<i128> {
    if let Ok(n) = text.parse::<i64>() {
        return Some(i128::from(n) * 1_000_000_000);
    }
    super::windows::go_duration_nanos(text)
}

fn to_json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_layers_win_option_by_option_in_a_fixed_order() {
        let defaults = SyncOptions {
            create_namespace: Some(true),
            prune_last: Some(true),
            ..SyncOptions::default()
        };
        let component = SyncOptions {
            server_side_apply: Some(true),
            prune_last: Some(false),
            prune_propagation_policy: Some(PropagationPolicy::Orphan),
            delete: Some(Confirmable::Word(spec::Confirm::Confirm)),
            ..SyncOptions::default()
        };
        assert_eq!(
            sync_option_values(&[Some(&defaults), None, Some(&component)]),
            [
                "CreateNamespace=true",
                "ServerSideApply=true",
                "PruneLast=false",
                "PrunePropagationPolicy=orphan",
                "Delete=confirm"
            ]
        );
    }

    #[test]
    fn backoffs_read_seconds_or_go_durations() {
        assert_eq!(retry_duration_nanos("30"), Some(30_000_000_000));
        assert_eq!(retry_duration_nanos("2m"), Some(120_000_000_000));
        assert_eq!(retry_duration_nanos("2 minutes"), None);
    }
}
