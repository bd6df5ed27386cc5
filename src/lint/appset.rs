//! Lint rules for ApplicationSets: the RollingSync strategy's shape for the target
//! version, where `deletionOrder` goes, what the controller ignores, and which step
//! (if any) selects each generated Application, as the controller's `In`/`NotIn`
//! matching does.

use std::collections::{BTreeMap, BTreeSet};

use super::doc::Doc;
use super::finding::Finding;
use crate::analyze::model::Version;
use crate::diagnostic::did_you_mean;
use crate::generate::{Empty, Generated, Generation};
use crate::load::yaml::{Node, Value};

pub(super) fn appset(doc: &Doc<'_>, version: Version, findings: &mut Vec<Finding>) {
    misplaced_deletion_order(doc, doc.node, &mut Vec::new(), findings);
    generation(doc, findings);
    let spec = doc.node.get("spec");
    let strategy = spec.and_then(|s| s.get("strategy"));
    if let Some(strategy) = strategy {
        strategy_shape(doc, strategy, version, findings);
        strategy_ignored(doc, strategy, findings);
    }
    let rolling = strategy.is_some_and(|s| {
        s.get("type").and_then(Node::as_str) == Some("RollingSync")
            && steps(s).is_some_and(|steps| !steps.is_empty())
    });
    let policy = spec
        .and_then(|s| s.get("template"))
        .and_then(|t| t.get("spec"))
        .and_then(|s| s.get("syncPolicy"));
    automated_enabled(doc, policy, version, findings);
    if !rolling {
        return;
    }
    let steps = strategy.and_then(steps).unwrap_or_default();
    for (i, step) in steps.iter().enumerate() {
        step_checks(doc, i + 1, step, findings);
    }
    // `automated: {prune: true}` alone is how RollingSync syncs learn to prune (§1.5);
    // anything more expects auto-sync behaviour that RollingSync turns off.
    let expects_more = |automated: &Node| match &automated.value {
        Value::Map(entries) => entries
            .iter()
            .any(|(k, _)| k.key_text().as_deref() != Some("prune")),
        _ => false,
    };
    if let Some((key, automated)) = policy
        .and_then(|p| p.entry("automated"))
        .filter(|(_, a)| expects_more(a))
    {
        let done = if version.at_least(3, 3) {
            "sets `automated.enabled: false` on"
        } else {
            "removes `automated` from"
        };
        let prune = automated
            .get("prune")
            .is_some_and(|p| p.value == Value::Bool(true));
        let read = if prune {
            "only `prune: true` is read, for the syncs RollingSync starts"
        } else {
            "nothing in it is read (`prune` is not set, so RollingSync's syncs never prune)"
        };
        findings.push(doc.finding(
            &"automated-under-rolling-sync",
            key.pos,
            format!(
                "ApplicationSet `{}` uses RollingSync, so Argo CD {version} {done} every generated Application: {read}, and `selfHeal` has no effect",
                doc.name()
            ),
            "keep `automated` only for `prune`, and expect RollingSync (not auto-sync) to sync the Applications".into(),
        ));
    }
    membership(doc, steps, findings);
}

/// What the controller would make of the generators: an error when it fails on them
/// (`generator-error`: the ApplicationSet's `ErrorOccurred` condition, and no change
/// to its Applications until it is fixed, `applicationset_controller.go:199-212`); nothing from a git generator that matches no folder or file
/// of the checkout (`generator-empty`), and with nothing left, the deletion of every
/// Application it generated before (unless `syncPolicy.applicationsSync` keeps them).
fn generation(doc: &Doc<'_>, findings: &mut Vec<Finding>) {
    match &doc.generated {
        Some(Generation::Fails(pos, why)) => findings.push(doc.finding(
            &"generator-error",
            *pos,
            format!(
                "ApplicationSet `{}` cannot be generated, and the controller leaves its Applications as they are until this is fixed: {why}",
                doc.name()
            ),
            "correct the generator; the controller reports the error in the ApplicationSet's `ErrorOccurred` condition (`kubectl describe applicationset`)".into(),
        )),
        Some(Generation::Apps(apps, empty)) => {
            let policy = doc
                .node
                .get("spec")
                .and_then(|s| s.get("syncPolicy"))
                .and_then(|p| p.get("applicationsSync"))
                .and_then(Node::as_str);
            let keeps = matches!(policy, Some("create-only" | "create-update"));
            for Empty { pos, what, current } in empty {
                let effect = if !apps.is_empty() {
                    "no Application comes from it"
                } else if keeps {
                    "the ApplicationSet generates no Applications (its `applicationsSync` keeps those it made before)"
                } else {
                    "the ApplicationSet generates no Applications, and the controller deletes every Application it generated before"
                };
                let mut finding = doc.finding(
                    &"generator-empty",
                    *pos,
                    format!("ApplicationSet `{}`: {what}, so {effect}", doc.name()),
                    if *current {
                        "correct the path pattern (it is relative to the repository root; `*` does not cross `/` in `directories`)".into()
                    } else {
                        "lint reads the working tree; check the pattern against that revision, or lint a checkout of it".into()
                    },
                );
                if !*current {
                    finding.severity = super::rules::Severity::Note;
                }
                findings.push(finding);
            }
        }
        Some(Generation::Unknown(..) | Generation::Elsewhere(..)) | None => {}
    }
}

pub(super) fn steps(strategy: &Node) -> Option<&[Node]> {
    match &strategy.get("rollingSync")?.get("steps")?.value {
        Value::Seq(items) => Some(items),
        _ => None,
    }
}

/// `deletionOrder` anywhere but `spec.strategy` (§1.8).
pub(super) fn misplaced_deletion_order(
    doc: &Doc<'_>,
    node: &Node,
    path: &mut Vec<String>,
    findings: &mut Vec<Finding>,
) {
    let Value::Map(entries) = &node.value else {
        if let Value::Seq(items) = &node.value {
            for item in items {
                path.push("[]".into());
                misplaced_deletion_order(doc, item, path, findings);
                path.pop();
            }
        }
        return;
    };
    for (key, value) in entries {
        let name = key.key_text().unwrap_or_default();
        if name == "deletionOrder" && path.as_slice() != ["spec", "strategy"] {
            findings.push(doc.finding(
                &"deletion-order-misplaced",
                key.pos,
                format!(
                    "`{}.deletionOrder` is not where Argo CD reads it; the deletion order stays the default",
                    path.join(".")
                ),
                "move it to `spec.strategy.deletionOrder` (a sibling of `type` and `rollingSync`, Argo CD 3.2+)".into(),
            ));
        }
        path.push(name);
        misplaced_deletion_order(doc, value, path, findings);
        path.pop();
    }
}

/// Unknown keys under `strategy` (the CRD's shape, §1.2), and `deletionOrder` for
/// versions before 3.2.
pub(super) fn strategy_shape(
    doc: &Doc<'_>,
    strategy: &Node,
    version: Version,
    findings: &mut Vec<Finding>,
) {
    let known = |node: &Node, path: &str, keys: &[&str], findings: &mut Vec<Finding>| {
        let Value::Map(entries) = &node.value else {
            return;
        };
        for (key, value) in entries {
            let name = key.key_text().unwrap_or_default();
            if keys.contains(&name.as_str()) {
                continue;
            }
            if name == "deletionOrder" {
                // Reported as misplaced.
                continue;
            }
            let help = match name.as_str() {
                "maxUpdate" => {
                    "`maxUpdate` belongs to each step (without it a step syncs all its Applications at once): move it into every step".to_owned()
                }
                "deletionStrategy" if value.get("deletionOrder").is_some() => {
                    "remove it; the deletion order is `spec.strategy.deletionOrder` (Argo CD 3.2+)"
                        .to_owned()
                }
                _ => did_you_mean(&name, keys.iter().copied())
                    .unwrap_or_else(|| format!("the fields here are {}", keys.join(", "))),
            };
            findings.push(doc.finding(
                &"unknown-strategy-field",
                key.pos,
                format!(
                    "`{path}.{name}` is not a field of the ApplicationSet CRD: Argo CD drops it (or refuses it under strict validation)"
                ),
                help,
            ));
        }
    };
    let mut top = vec!["type", "rollingSync"];
    if version.at_least(3, 2) {
        top.push("deletionOrder");
    } else if let Some((key, _)) = strategy.entry("deletionOrder") {
        findings.push(doc.finding(
            &"deletion-order-too-old",
            key.pos,
            format!("`strategy.deletionOrder` needs Argo CD 3.2 or later; the target is {version}"),
            "remove `deletionOrder`, or target Argo CD 3.2 or later (`--argocd-version`)".into(),
        ));
    }
    known(strategy, "spec.strategy", &top, findings);
    let Some(rolling) = strategy.get("rollingSync") else {
        return;
    };
    known(rolling, "spec.strategy.rollingSync", &["steps"], findings);
    for step in steps(strategy).unwrap_or_default() {
        known(
            step,
            "spec.strategy.rollingSync.steps[]",
            &["matchExpressions", "maxUpdate"],
            findings,
        );
        if let Some(Node {
            value: Value::Seq(exprs),
            ..
        }) = step.get("matchExpressions")
        {
            for expr in exprs {
                known(
                    expr,
                    "spec.strategy.rollingSync.steps[].matchExpressions[]",
                    &["key", "operator", "values"],
                    findings,
                );
            }
        }
    }
}

/// Strategies the controller does not apply: RollingSync runs only with
/// `type: RollingSync` (exact) and at least one step (`RollingSyncStrategyEnabled`, §1.5).
pub(super) fn strategy_ignored(doc: &Doc<'_>, strategy: &Node, findings: &mut Vec<Finding>) {
    let kind = strategy.entry("type");
    let text = kind.and_then(|(_, v)| v.key_text());
    match (kind, text.as_deref()) {
        (Some((_, value)), Some(t)) if t != "AllAtOnce" && t != "RollingSync" => {
            findings.push(doc.finding(
                &"strategy-ignored",
                value.pos,
                format!("strategy type `{t}` is neither `AllAtOnce` nor `RollingSync`; Argo CD syncs every Application at once"),
                did_you_mean(t, ["AllAtOnce", "RollingSync"])
                    .unwrap_or_else(|| "use `type: RollingSync`".into()),
            ));
        }
        (Some((_, value)), Some("RollingSync"))
            if steps(strategy).is_none_or(<[Node]>::is_empty) =>
        {
            findings.push(doc.finding(
                &"strategy-ignored",
                value.pos,
                "RollingSync without steps: Argo CD ignores the strategy, leaves `automated` as it is and syncs every Application at once".into(),
                "add `rollingSync.steps`".into(),
            ));
        }
        (_, t) if t != Some("RollingSync") => {
            if let Some((key, _)) = strategy.entry("rollingSync") {
                findings.push(doc.finding(
                    &"strategy-ignored",
                    key.pos,
                    "`rollingSync` steps are ignored without `type: RollingSync`; Argo CD syncs every Application at once".into(),
                    "add `type: RollingSync` to `spec.strategy`".into(),
                ));
            }
        }
        _ => {}
    }
}

/// Operators and maxUpdate of one step.
pub(super) fn step_checks(doc: &Doc<'_>, number: usize, step: &Node, findings: &mut Vec<Finding>) {
    for expr in expressions(step) {
        let Some(op) = expr.get("operator") else {
            continue;
        };
        let text = op.key_text().unwrap_or_default();
        if text == "In" || text == "NotIn" {
            continue;
        }
        let key = expr.get("key").and_then(Node::as_str).unwrap_or("?");
        findings.push(doc.finding(
            &"step-operator",
            op.pos,
            format!(
                "step {number} uses operator `{text}`, which RollingSync does not implement: it selects no Application carrying `{key}` and every Application without it"
            ),
            format!("select by listing the wanted values of `{key}` with `operator: In`"),
        ));
    }
    let Some(max) = step.get("maxUpdate") else {
        return;
    };
    let zero = "holds this step until someone syncs its Applications by hand, and later steps wait for it (right only for a manual gate)";
    let (rule, message) = match &max.value {
        // ladder's own gate for a manual environment: what the spec asked for.
        Value::Int(0) if doc.manual_steps.contains(&step.pos.line) => return,
        Value::Int(n) if *n <= 0 => (
            &"max-update-zero",
            format!("step {number}: maxUpdate {n} {zero}"),
        ),
        Value::Int(_) => return,
        Value::Str(s) => {
            let digits = s.strip_suffix('%');
            match digits.map(|d| (d, d.parse::<u32>())) {
                Some((d, Ok(0))) if !d.starts_with('+') => (
                    &"max-update-zero",
                    format!("step {number}: maxUpdate `{s}` {zero}"),
                ),
                Some((d, Ok(_))) if !d.starts_with('+') => return,
                _ => (
                    &"max-update-malformed",
                    format!(
                        "step {number}: maxUpdate `{s}` is not a count or a whole percentage; Argo CD logs an error and syncs 1 Application at a time"
                    ),
                ),
            }
        }
        other => (
            &"max-update-malformed",
            format!(
                "step {number}: maxUpdate is {}, not a count or a percentage",
                other.kind()
            ),
        ),
    };
    findings.push(doc.finding(
        rule,
        max.pos,
        message,
        if *rule == "max-update-zero" {
            "if the step is not meant to wait for an operator, use a count such as 2 or a percentage such as \"25%\"".into()
        } else {
            "use a count such as 2 or a percentage such as \"25%\"".into()
        },
    ));
}

pub(super) fn expressions(step: &Node) -> &[Node] {
    match step.get("matchExpressions").map(|e| &e.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}

/// One matchExpression, read once.
pub(super) struct Expr {
    key: String,
    op: String,
    values: BTreeSet<String>,
}

pub(super) fn parse_step(step: &Node) -> Vec<Expr> {
    expressions(step)
        .iter()
        .map(|expr| Expr {
            key: expr.get("key").and_then(Node::key_text).unwrap_or_default(),
            op: expr
                .get("operator")
                .and_then(Node::key_text)
                .unwrap_or_default(),
            values: match expr.get("values").map(|v| &v.value) {
                Some(Value::Seq(items)) => items.iter().filter_map(Node::key_text).collect(),
                _ => BTreeSet::new(),
            },
        })
        .collect()
}

/// Whether a step selects an Application with these labels, as the controller decides
/// (§1.3): with the key, `In`/`NotIn` match on the value and any other operator fails;
/// without it, only `In` deselects.
pub(super) fn selects(step: &[Expr], app: &Generated) -> bool {
    step.iter().all(|expr| match app.labels.get(&expr.key) {
        Some(v) => match expr.op.as_str() {
            "In" => expr.values.contains(v),
            "NotIn" => !expr.values.contains(v),
            _ => false,
        },
        None => expr.op != "In",
    })
}

/// Applications in no step or in two, and steps that select nothing.
pub(super) fn membership(doc: &Doc<'_>, steps: &[Node], findings: &mut Vec<Finding>) {
    let apps = match &doc.generated {
        Some(Generation::Apps(apps, _)) => apps,
        Some(Generation::Unknown(pos, why)) => {
            findings.push(doc.finding(
                &"generator-not-evaluated",
                *pos,
                format!(
                    "ApplicationSet `{}`: {why}, so ladder does not check which steps select its Applications",
                    doc.name()
                ),
                "check `status.applicationStatus` on the cluster: step \"-1\" means in no step".into(),
            ));
            return;
        }
        Some(Generation::Elsewhere(pos, why, url)) => {
            findings.push(doc.finding(
                &"generator-not-evaluated",
                *pos,
                format!(
                    "ApplicationSet `{}`: {why}, so ladder does not check which steps select its Applications",
                    doc.name()
                ),
                format!("lint its checkout too: `--repository {url}=DIR`, or `repositories: [{{url: {url}, path: DIR}}]` in .ladder-lint.yaml"),
            ));
            return;
        }
        // `generator-error` says why nothing is generated.
        Some(Generation::Fails(..)) | None => return,
    };
    let parsed: Vec<Vec<Expr>> = steps.iter().map(parse_step).collect();
    // A step can only select Applications that carry one of the values of each of its
    // `In` expressions: index the steps by (key, value), count per Application how many
    // of a step's `In` expressions its labels meet, and check in full only the steps
    // where all are met (ladder's own fleet-scale output has hundreds of steps).
    let mut by_label: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    let mut needed = vec![0usize; parsed.len()];
    let mut always = Vec::new();
    for (i, exprs) in parsed.iter().enumerate() {
        for e in exprs.iter().filter(|e| e.op == "In") {
            needed[i] += 1;
            for v in &e.values {
                by_label.entry((&e.key, v)).or_default().push(i);
            }
        }
        if needed[i] == 0 {
            always.push(i);
        }
    }
    let mut met = vec![0usize; parsed.len()];
    let mut used = vec![false; steps.len()];
    for app in apps {
        let mut touched = Vec::new();
        for (k, v) in &app.labels {
            for &i in by_label
                .get(&(k.as_str(), v.as_str()))
                .into_iter()
                .flatten()
            {
                met[i] += 1;
                touched.push(i);
            }
        }
        let mut candidates: Vec<usize> = touched
            .iter()
            .copied()
            .filter(|&i| met[i] >= needed[i])
            .chain(always.iter().copied())
            .collect();
        for &i in &touched {
            met[i] = 0;
        }
        candidates.sort_unstable();
        candidates.dedup();
        let matched: Vec<usize> = candidates
            .into_iter()
            .filter(|&i| selects(&parsed[i], app))
            .collect();
        match matched.as_slice() {
            [] => findings.push(doc.finding(
                &"app-in-no-step",
                app.pos,
                format!(
                    "Application `{}` of ApplicationSet `{}`{} is selected by no step, so RollingSync never syncs it",
                    app.name,
                    doc.name(),
                    app.origin.as_ref().map(|o| format!(" (for {o})")).unwrap_or_default()
                ),
                format!("add a step that matches its labels ({})", labels_text(app)),
            )),
            [first, rest @ ..] => {
                used[*first] = true;
                if !rest.is_empty() {
                    let others: Vec<String> = rest.iter().map(|i| (i + 1).to_string()).collect();
                    findings.push(doc.finding(
                        &"app-in-two-steps",
                        app.pos,
                        format!(
                            "Application `{}` is selected by steps {} and {}; it belongs to step {} only",
                            app.name,
                            first + 1,
                            others.join(", "),
                            first + 1
                        ),
                        "make the steps' matchExpressions select disjoint Applications".into(),
                    ));
                }
            }
        }
    }
    for (i, step) in steps.iter().enumerate() {
        if !used[i] {
            findings.push(doc.finding(
                &"empty-step",
                step.pos,
                format!(
                    "step {} of ApplicationSet `{}` selects none of its {} generated Applications; Argo CD skips it",
                    i + 1,
                    doc.name(),
                    apps.len()
                ),
                "remove the step, or correct its matchExpressions".into(),
            ));
        }
    }
}

pub(super) fn labels_text(app: &Generated) -> String {
    if app.labels.is_empty() {
        return "it has no labels".into();
    }
    app.labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `automated.enabled` before 3.1 (§1.5).
pub(super) fn automated_enabled(
    doc: &Doc<'_>,
    policy: Option<&Node>,
    version: Version,
    findings: &mut Vec<Finding>,
) {
    if version.at_least(3, 1) {
        return;
    }
    if let Some((key, _)) = policy
        .and_then(|p| p.get("automated"))
        .and_then(|a| a.entry("enabled"))
    {
        findings.push(doc.finding(
            &"automated-enabled-too-old",
            key.pos,
            format!("`automated.enabled` needs Argo CD 3.1 or later; the target is {version}"),
            "remove `enabled` (an `automated` block means enabled), or target Argo CD 3.1 or later".into(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Pos;

    fn app(labels: &[(&str, &str)]) -> Generated {
        Generated {
            name: "a".into(),
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            pos: Pos::default(),
            origin: None,
            sources: Vec::new(),
        }
    }

    fn step(yaml: &str) -> Vec<Expr> {
        parse_step(&crate::load::yaml::parse("t", yaml).unwrap())
    }

    /// §1.3: with the key, only In/NotIn can match; without it, only In deselects.
    #[test]
    fn step_selection_follows_the_controller() {
        let gt = step("matchExpressions: [{key: wave, operator: Gt, values: ['18']}]");
        assert!(!selects(&gt, &app(&[("wave", "20")])));
        assert!(selects(&gt, &app(&[])));
        let not_in = step("matchExpressions: [{key: wave, operator: NotIn, values: ['1']}]");
        assert!(selects(&not_in, &app(&[])));
        assert!(!selects(&not_in, &app(&[("wave", "1")])));
        let in_ = step("matchExpressions: [{key: wave, operator: In, values: ['1', '2']}]");
        assert!(!selects(&in_, &app(&[])));
        assert!(selects(&in_, &app(&[("wave", "2")])));
        assert!(selects(&step("maxUpdate: 1"), &app(&[("wave", "9")])));
    }
}
