//! Durations: how long each component is expected to take from the start of its sync to
//! healthy (its own `duration`, its role's, the default), in seconds, for estimates.

use super::context::Cx;
use crate::load::spec;
use crate::load::yaml::PathSeg;

/// Seconds a component is expected to take, from its own `duration`, else the default.
pub(super) fn component_duration(
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
