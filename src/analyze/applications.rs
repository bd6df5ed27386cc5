//! The generated Applications' names and labels: a component's own labels never take
//! a key ladder sets, and no two components (or a component and a root) become the same
//! Application.

use std::collections::BTreeMap;

use indexmap::IndexMap;

use super::context::Cx;
use super::names::{
    COMPONENT_LABEL, MANAGED_BY, PART_OF, check_label_key, is_dns1123_label, is_label_value,
    label_value_help,
};
use crate::analyze::model::{Component, Environment, Rollout};
use crate::load::spec;
use crate::load::yaml::PathSeg;

/// The label keys ladder sets on every Application: no component or override may set them.
pub(super) fn reserved_labels(rollout: Option<&Rollout>) -> Vec<String> {
    let mut reserved: Vec<String> = [MANAGED_BY, PART_OF, COMPONENT_LABEL]
        .map(str::to_owned)
        .into();
    if let Some(r) = rollout {
        reserved.push(r.label.clone());
        reserved.push(r.environment_label.clone());
    }
    reserved
}

/// Labels at `path` (a component's `labels`, an override's, a managed namespace's): valid
/// keys and values, none of `reserved`.
pub(super) fn check_label_map(
    cx: &mut Cx<'_>,
    labels: &IndexMap<String, String>,
    path: &[PathSeg<'_>],
    reserved: &[String],
) {
    use PathSeg::{Key, KeyOf};
    for (key, value) in labels {
        let mut key_path = path.to_vec();
        key_path.push(KeyOf(key));
        if reserved.iter().any(|r| r == key) {
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
            let mut p = path.to_vec();
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

/// Annotations on the generated Applications at `path`: valid keys (the grammar of label
/// keys), none that ladder sets itself. `argocd.argoproj.io/sync-wave` orders app-of-apps
/// children and, on an ApplicationSet's Applications, would suggest an order RollingSync
/// does not follow; `ladder.dev/…` are ladder's (the manual marker, the rollout digest).
pub(super) fn check_annotation_map(
    cx: &mut Cx<'_>,
    annotations: &IndexMap<String, String>,
    path: &[PathSeg<'_>],
) {
    for key in annotations.keys() {
        let mut key_path = path.to_vec();
        key_path.push(PathSeg::KeyOf(key));
        if key == "argocd.argoproj.io/sync-wave" {
            cx.error(
                &key_path,
                format!("annotation `{key}` is ladder's: it orders the Applications by phase"),
            )
            .help =
                Some("order components with `dependsOn` (or `phase` with `layout: pinned`)".into());
        } else if key.starts_with("ladder.dev/") {
            cx.error(&key_path, format!("annotation `{key}` is ladder's"))
                .help =
                Some("remove it from `annotations`; `ladder.dev/` keys are set by ladder".into());
        }
    }
    check_annotation_keys(cx, annotations, path);
}

/// Annotation keys at `path` follow the grammar of label keys.
pub(super) fn check_annotation_keys(
    cx: &mut Cx<'_>,
    annotations: &IndexMap<String, String>,
    path: &[PathSeg<'_>],
) {
    for key in annotations.keys() {
        if key == "argocd.argoproj.io/sync-wave" || key.starts_with("ladder.dev/") {
            continue; // reported by `check_annotation_map` where they are ladder's
        }
        if let Err(why) = check_label_key(key) {
            let mut key_path = path.to_vec();
            key_path.push(PathSeg::KeyOf(key));
            cx.error(
                &key_path,
                format!("`{key}` is not a valid annotation key: {why}"),
            );
        }
    }
}

/// Every generated Application name must be unique (`a-b` in `c` and `a` in `b-c` are
/// both `a-b-c`), and the root Applications' names must be valid and free too.
pub(super) fn check_application_names(
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
                .add_note(first, "the other component");
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
