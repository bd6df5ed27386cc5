//! `rollout.applicationSet`: the generated ApplicationSet's own settings, checked against
//! what the ApplicationSet controller does with them.
//!
//! - `preserveResourcesOnDeletion`: the controller adds the resources finalizer to every
//!   Application it creates unless this is set (v3.5.1 applicationset/utils/utils.go:294),
//!   so with it, deleting an Application leaves its resources running.
//! - `applicationsSync`: without `AllowUpdate` the controller only creates Applications
//!   and never updates them (v3.5.1 applicationset/controllers/applicationset_controller.go:321),
//!   so `create-only` and `create-delete` would stop every rollout after the first; the
//!   controller's own `--policy` wins unless it runs with `--enable-policy-override`
//!   (docs/operator-manual/applicationset/Controlling-Resource-Modification.md).
//! - `ignoreApplicationDifferences`: fields the controller leaves as they are live
//!   (applicationset_controller.go:643). Ignoring a field ladder drives (the phase and
//!   environment labels the steps select on, the sources, the destination) would keep a
//!   rollout from reaching the Applications, so those are refused. RollingSync reads
//!   `prune`, the sync options and `retry` from the generated Application, not the live
//!   one (v3.5.1 applicationset/progressivesync/progressive_sync.go:750), so
//!   `/spec/syncPolicy` may be ignored.

use super::context::Cx;
use crate::analyze::model::ApplicationSetOut;
use crate::load::spec::{self, ApplicationsSync};
use crate::load::yaml::PathSeg::{Index, Key, KeyOf};

/// Fields of an Application ladder drives, as JSON pointers and jq paths.
const DRIVEN: [(&str, &str); 5] = [
    ("/metadata/labels", ".metadata.labels"),
    ("/metadata/name", ".metadata.name"),
    ("/spec/source", ".spec.source"),
    ("/spec/destination", ".spec.destination"),
    ("/spec/project", ".spec.project"),
];

pub(super) fn settings(cx: &mut Cx<'_>, spec: &spec::Spec) -> ApplicationSetOut {
    let a = &spec.rollout.application_set;
    let base = [Key("rollout"), Key("applicationSet")];
    let at = |tail: &[crate::load::yaml::PathSeg<'static>]| {
        let mut p = base.to_vec();
        p.extend_from_slice(tail);
        p
    };
    let set = a.preserve_resources_on_deletion.is_some()
        || a.applications_sync.is_some()
        || !a.ignore_application_differences.is_empty();
    if set && spec.rollout.strategy == spec::Strategy::AppOfApps {
        cx.error(
            &[Key("rollout"), KeyOf("applicationSet")],
            "`rollout.applicationSet` sets the ApplicationSet of `strategy: rollingSync`; `strategy: appOfApps` emits none",
        )
        .help = Some("remove `applicationSet`".into());
        return ApplicationSetOut::default();
    }
    let applications_sync = match a.applications_sync {
        None => None,
        Some(ApplicationsSync::Sync) => Some("sync"),
        Some(ApplicationsSync::CreateUpdate) => Some("create-update"),
        Some(policy @ (ApplicationsSync::CreateOnly | ApplicationsSync::CreateDelete)) => {
            let name = if policy == ApplicationsSync::CreateOnly {
                "create-only"
            } else {
                "create-delete"
            };
            cx.error(
                &at(&[Key("applicationsSync")]),
                format!("`applicationsSync: {name}` never updates a generated Application, so after the first rollout no change of the spec would reach Argo CD's Applications and RollingSync would roll out nothing"),
            )
            .help = Some("use `create-update` to keep Applications that leave the spec, or leave it out (`sync`)".into());
            None
        }
    };
    for (i, d) in a.ignore_application_differences.iter().enumerate() {
        let entry = at(&[Key("ignoreApplicationDifferences"), Index(i)]);
        if d.json_pointers.is_empty() && d.jq_path_expressions.is_empty() {
            cx.error(&entry, "this entry names no field, so it ignores nothing")
                .help =
                Some("add `jsonPointers` (e.g. `/spec/info`) or `jqPathExpressions`".into());
        }
        for (j, pointer) in d.json_pointers.iter().enumerate() {
            let mut path = entry.clone();
            path.extend([Key("jsonPointers"), Index(j)]);
            if let Err(why) = super::ignore_differences::check_json_pointer(pointer) {
                cx.error(&path, format!("`{pointer}` is not a JSON pointer: {why}"))
                    .help = Some("e.g. `/spec/info`".into());
            } else if let Some(field) = driven(pointer, true) {
                refuse_driven(cx, &path, pointer, field);
            }
        }
        for (j, expression) in d.jq_path_expressions.iter().enumerate() {
            let mut path = entry.clone();
            path.extend([Key("jqPathExpressions"), Index(j)]);
            if let Err(why) = super::ignore_differences::check_jq(expression) {
                cx.error(
                    &path,
                    format!("`{expression}` does not parse as a jq expression ({why})"),
                );
            } else if let Some(field) = driven(expression, false) {
                refuse_driven(cx, &path, expression, field);
            }
        }
    }
    ApplicationSetOut {
        preserve_resources_on_deletion: a.preserve_resources_on_deletion == Some(true),
        applications_sync,
        ignore_application_differences: (!a.ignore_application_differences.is_empty())
            .then(|| serde_json::to_value(&a.ignore_application_differences).unwrap_or_default()),
    }
}

/// The field ladder drives that `path` is, contains or lies under (`/spec` contains
/// `/spec/source`; `/spec/sources` is under nothing but is the sources too).
fn driven(path: &str, pointer: bool) -> Option<&'static str> {
    let normalized;
    let trimmed = if pointer {
        path.trim()
    } else {
        normalized = plain_jq_path(path.trim());
        // Recursive descent reaches every field.
        if normalized.contains("..") {
            return Some(DRIVEN[0].0);
        }
        &normalized
    };
    DRIVEN.iter().find_map(|&(p, jq)| {
        let field = if pointer { p } else { jq };
        let separator = if pointer { '/' } else { '.' };
        let under = trimmed == field
            || trimmed.starts_with(field)
                && trimmed[field.len()..].starts_with([separator, 's', '[', ' ', '|']);
        let contains = field.starts_with(trimmed) && field[trimmed.len()..].starts_with(separator)
            || trimmed == if pointer { "" } else { "." };
        (under || contains).then_some(p)
    })
}

/// A jq path in its plainest spelling, so `.["spec"]["source"]` and `.spec | .source`
/// read as `.spec.source`.
fn plain_jq_path(expression: &str) -> String {
    let mut out = expression
        .replace(" | .", ".")
        .replace("| .", ".")
        .replace(" |.", ".");
    out = out.replace("|.", ".");
    while let Some(start) = out.find("[\"") {
        let Some(len) = out[start + 2..].find("\"]") else {
            break;
        };
        let key = out[start + 2..start + 2 + len].to_owned();
        let dot = if out[..start].ends_with('.') { "" } else { "." };
        out.replace_range(start..start + 2 + len + 2, &format!("{dot}{key}"));
    }
    out
}

fn refuse_driven(
    cx: &mut Cx<'_>,
    path: &[crate::load::yaml::PathSeg<'_>],
    written: &str,
    field: &str,
) {
    let what = if written.trim() == field {
        format!("`{field}` is")
    } else {
        format!("`{written}` covers `{field}`, which is")
    };
    cx.error(
        path,
        format!("{what} set by ladder on every generated Application: with it ignored, a change of the spec would not reach the Applications and the rollout would not follow it"),
    )
    .help = Some("ignore a field ladder does not set, e.g. `/spec/info`".into());
}

#[cfg(test)]
mod tests {
    use super::driven;

    #[test]
    fn fields_ladder_drives_are_found_above_at_and_under_them() {
        assert_eq!(driven("/metadata/labels", true), Some("/metadata/labels"));
        assert_eq!(
            driven("/metadata/labels/rollout-phase", true),
            Some("/metadata/labels")
        );
        assert_eq!(driven("/spec", true), Some("/spec/source"));
        assert_eq!(driven("/spec/sources", true), Some("/spec/source"));
        assert_eq!(driven("/spec/info", true), None);
        assert_eq!(driven("/metadata/annotations", true), None);
        assert_eq!(driven(".spec.source.helm", false), Some("/spec/source"));
        assert_eq!(
            driven(".metadata.labels[\"env\"]", false),
            Some("/metadata/labels")
        );
        assert_eq!(driven(".spec.info", false), None);
        assert_eq!(
            driven(".[\"spec\"][\"source\"]", false),
            Some("/spec/source")
        );
        assert_eq!(driven(".spec | .source", false), Some("/spec/source"));
        assert_eq!(driven("..", false), Some("/metadata/labels"));
        assert_eq!(driven(".spec.info | ..", false), Some("/metadata/labels"));
    }
}
