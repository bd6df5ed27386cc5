//! RollingSync steps as the ApplicationSet controller reads and applies them: which
//! steps select an Application (`In`, `NotIn`, and what any other operator does) and
//! how many of a step sync at once (`maxUpdate`). Shared by the trees compare and
//! import read ([`super::tree`]) and by `ladder simulate`. The sources are cited on each
//! function; argocd-semantics.md §1.3–1.4 has the details.

use std::collections::BTreeMap;

use crate::load::yaml::{Node, Value};

/// One RollingSync step as the controller reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub exprs: Vec<Expr>,
    pub max_update: MaxUpdate,
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub key: String,
    pub op: Op,
    pub values: Vec<String>,
}

/// The operator of a match expression: only `In` and `NotIn` are evaluated
/// (case-sensitive); anything else never matches an Application that has the key
/// (argocd-semantics.md §1.3, v3.5.1 `progressive_sync.go` `labelMatchedExpression`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    In,
    NotIn,
    Other(String),
}

/// A step's `maxUpdate` as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaxUpdate {
    /// Not set: every Application of the step at once.
    Unset,
    Int(i64),
    Str(String),
}

/// The RollingSync steps, when the strategy is RollingSync with steps (only then does
/// the controller gate syncs: `RollingSyncStrategyEnabled`, v3.5.1
/// `progressive_sync.go:576`).
pub fn read(doc: &Node) -> Vec<Step> {
    let strategy = doc.get("spec").and_then(|s| s.get("strategy"));
    if strategy.and_then(|s| s.get("type")).and_then(Node::as_str) != Some("RollingSync") {
        return Vec::new();
    }
    let Some(Value::Seq(steps)) = strategy
        .and_then(|s| s.get("rollingSync"))
        .and_then(|r| r.get("steps"))
        .map(|s| &s.value)
    else {
        return Vec::new();
    };
    steps
        .iter()
        .map(|step| {
            let exprs = match step.get("matchExpressions").map(|m| &m.value) {
                Some(Value::Seq(exprs)) => exprs.iter().filter_map(expr).collect(),
                _ => Vec::new(),
            };
            let max_update = match step.get("maxUpdate").map(|m| &m.value) {
                None | Some(Value::Null) => MaxUpdate::Unset,
                Some(Value::Int(n)) => MaxUpdate::Int(*n),
                Some(Value::Str(s)) => MaxUpdate::Str(s.clone()),
                Some(other) => MaxUpdate::Str(format!("{other:?}")),
            };
            Step { exprs, max_update }
        })
        .collect()
}

fn expr(e: &Node) -> Option<Expr> {
    let key = e.get("key")?.scalar_text()?;
    let op = match e.get("operator").and_then(Node::scalar_text).as_deref() {
        Some("In") => Op::In,
        Some("NotIn") => Op::NotIn,
        other => Op::Other(other.unwrap_or_default().to_owned()),
    };
    let values = match e.get("values").map(|v| &v.value) {
        Some(Value::Seq(vs)) => vs.iter().filter_map(Node::scalar_text).collect(),
        _ => Vec::new(),
    };
    Some(Expr { key, op, values })
}

/// Whether a step selects an Application with these labels: every expression holds.
/// An Application without the key is deselected only by `In`; `NotIn` and any other
/// operator leave it selected. With the key, `In` and `NotIn` test the values and any
/// other operator deselects. Empty `matchExpressions` select everything.
/// (v3.5.1 `applicationset/progressivesync/progressive_sync.go:280-346`,
/// v2.10.0 `applicationset/controllers/applicationset_controller.go:973-1045`.)
pub fn selects(step: &Step, labels: &BTreeMap<String, String>) -> bool {
    step.exprs.iter().all(|e| holds(e, labels))
}

fn holds(e: &Expr, labels: &BTreeMap<String, String>) -> bool {
    match labels.get(&e.key) {
        None => e.op != Op::In,
        Some(value) => match &e.op {
            Op::In => e.values.contains(value),
            Op::NotIn => !e.values.contains(value),
            Op::Other(_) => false,
        },
    }
}

/// The steps an Application is in, in order: it is listed in every step that selects
/// it, and its recorded step is the first.
pub fn membership(steps: &[Step], labels: &BTreeMap<String, String>) -> Vec<usize> {
    (0..steps.len())
        .filter(|&i| selects(&steps[i], labels))
        .collect()
}

/// How many Applications of a step may be Pending or Progressing at once, for a step
/// whose recorded members number `total`: `None` for no limit. Percentages round
/// down, and any string but `"0%"` allows at least one (a malformed string too: the
/// controller logs the error and goes on with 0, which the minimum then lifts to 1);
/// `0`, a negative count and `"0%"` allow none.
/// (v3.5.1 `progressive_sync.go:599-678` `UpdateApplicationSetApplicationStatusProgress`;
/// `k8s.io/apimachinery` `intstr.GetScaledValueFromIntOrPercent`, rounding down.)
pub fn window(max_update: &MaxUpdate, total: usize) -> Option<usize> {
    match max_update {
        MaxUpdate::Unset => None,
        MaxUpdate::Int(n) => Some(usize::try_from(*n).unwrap_or(0)),
        MaxUpdate::Str(s) => {
            let scaled = s
                .strip_suffix('%')
                .and_then(|p| p.parse::<u64>().ok())
                .map_or(0, |p| {
                    usize::try_from(p.saturating_mul(total as u64) / 100).unwrap_or(usize::MAX)
                });
            Some(if s != "0%" && scaled < 1 { 1 } else { scaled })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn step(exprs: &[(&str, Op, &[&str])]) -> Step {
        Step {
            exprs: exprs
                .iter()
                .map(|(k, op, vs)| Expr {
                    key: (*k).to_owned(),
                    op: op.clone(),
                    values: vs.iter().map(|v| (*v).to_owned()).collect(),
                })
                .collect(),
            max_update: MaxUpdate::Unset,
        }
    }

    #[test]
    fn percentages_round_down_with_a_minimum_of_one() {
        let pct = |s: &str| MaxUpdate::Str(s.to_owned());
        assert_eq!(window(&pct("25%"), 10), Some(2));
        assert_eq!(window(&pct("10%"), 3), Some(1));
        assert_eq!(window(&pct("1%"), 1), Some(1));
        assert_eq!(window(&pct("100%"), 7), Some(7));
        assert_eq!(window(&pct("0%"), 7), Some(0));
        assert_eq!(window(&MaxUpdate::Int(0), 7), Some(0));
        assert_eq!(window(&MaxUpdate::Int(-3), 7), Some(0));
        assert_eq!(window(&MaxUpdate::Int(5), 2), Some(5));
        assert_eq!(window(&MaxUpdate::Unset, 2), None);
    }

    #[test]
    fn a_malformed_max_update_string_lets_one_through() {
        for s in ["5", "abc", "0.5%", ""] {
            assert_eq!(window(&MaxUpdate::Str(s.to_owned()), 10), Some(1), "{s}");
        }
    }

    #[test]
    fn a_missing_key_deselects_only_under_in() {
        let none = labels(&[("tier", "web")]);
        assert!(!selects(&step(&[("env", Op::In, &["dev"])]), &none));
        assert!(selects(&step(&[("env", Op::NotIn, &["dev"])]), &none));
        assert!(selects(
            &step(&[("env", Op::Other("Exists".into()), &[])]),
            &none
        ));
    }

    #[test]
    fn an_unknown_operator_deselects_an_application_with_the_key() {
        let with = labels(&[("phase", "3")]);
        assert!(!selects(
            &step(&[("phase", Op::Other("Gt".into()), &["1"])]),
            &with
        ));
        assert!(!selects(
            &step(&[("phase", Op::Other("in".into()), &["3"])]),
            &with
        ));
    }

    #[test]
    fn expressions_are_anded_and_values_ored() {
        let app = labels(&[("env", "dev"), ("phase", "2")]);
        assert!(selects(
            &step(&[("env", Op::In, &["dev", "qa"]), ("phase", Op::In, &["2"])]),
            &app
        ));
        assert!(!selects(
            &step(&[("env", Op::In, &["dev"]), ("phase", Op::NotIn, &["2"])]),
            &app
        ));
        assert!(
            selects(&step(&[]), &app),
            "empty matchExpressions select all"
        );
    }

    #[test]
    fn an_application_selected_twice_is_in_both_steps_recorded_in_the_first() {
        let steps = [
            step(&[("env", Op::In, &["dev"])]),
            step(&[("phase", Op::In, &["1"])]),
            step(&[("phase", Op::In, &["2"])]),
        ];
        assert_eq!(
            membership(&steps, &labels(&[("env", "dev"), ("phase", "2")])),
            vec![0, 2]
        );
        assert!(membership(&steps, &labels(&[("env", "qa"), ("phase", "9")])).is_empty());
    }
}
