//! The `rollout:` section: labels, layout, strategy, topology, deletion order and the
//! default `maxUpdate` (the per-role and per-phase policy is [`super::max_update`]'s).

use super::context::Cx;
use super::max_update::{self, max_update_rule, parse_max_update};
use super::names::{COMPONENT_LABEL, MANAGED_BY, PART_OF, check_label_key};
use crate::analyze::model::{Rollout, Version};
use crate::load::spec::{self, DeletionOrder};
use crate::load::yaml::PathSeg;

pub(super) fn rollout(
    cx: &mut Cx<'_>,
    spec: &spec::Spec,
    version: Option<Version>,
) -> Option<Rollout> {
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
    let application_set = super::application_set::settings(cx, spec);
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
        application_set,
    })
}
