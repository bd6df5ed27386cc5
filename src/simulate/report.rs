//! A [`Timeline`] for people (a Gantt chart for the terminal) and for programs (JSON
//! events).

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::timeline::{Lane, Place, State, Timeline};
use crate::plan::estimate::human;

/// Columns of the chart's bars.
const WIDTH: u64 = 40;

/// What to show of a timeline.
#[derive(Debug, Clone, Copy, Default)]
pub struct View<'a> {
    /// Only this environment's Applications.
    pub env: Option<&'a str>,
    /// The environments in rollout order, to order the rollouts by.
    pub envs: &'a [String],
}

/// Lane indexes in the order they are shown: by rollout (ordered by the first of the
/// view's environments it holds, then as they first appear), then place, then name;
/// only the view's environment's when it names one.
pub fn order(timeline: &Timeline, view: View<'_>) -> Vec<usize> {
    let mut rollouts: Vec<(usize, &str)> = Vec::new();
    for lane in &timeline.lanes {
        let env = lane
            .env
            .as_ref()
            .and_then(|e| view.envs.iter().position(|v| v == e))
            .unwrap_or(usize::MAX);
        match rollouts.iter_mut().find(|(_, r)| *r == lane.rollout) {
            Some(found) => found.0 = found.0.min(env),
            None => rollouts.push((env, &lane.rollout)),
        }
    }
    let mut ranked: Vec<(usize, usize, &str)> = rollouts
        .iter()
        .enumerate()
        .map(|(i, (env, r))| (*env, i, *r))
        .collect();
    ranked.sort_unstable();
    let ranks: std::collections::BTreeMap<&str, usize> = ranked
        .iter()
        .enumerate()
        .map(|(rank, (_, _, r))| (*r, rank))
        .collect();
    let rank = |l: &Lane| ranks.get(l.rollout.as_str()).copied();
    let mut order: Vec<usize> = (0..timeline.lanes.len())
        .filter(|&i| {
            view.env
                .is_none_or(|e| timeline.lanes[i].env.as_deref() == Some(e))
        })
        .collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&timeline.lanes[a], &timeline.lanes[b]);
        (rank(x), x.place, &x.app).cmp(&(rank(y), y.place, &y.app))
    });
    order
}

pub fn place_text(place: Place) -> String {
    match place {
        Place::Step(s) => format!("step {s}"),
        Place::NoStep => "in no step".to_owned(),
        Place::Wave(w) => format!("wave {w}"),
        Place::Direct => "applied directly".to_owned(),
    }
}

pub fn state_text(timeline: &Timeline, lane: &Lane) -> String {
    let operator = if lane.operator {
        ", by an operator"
    } else {
        ""
    };
    match lane.state {
        State::Healthy { start, healthy } => {
            format!("{} → {} healthy{operator}", human(start), human(healthy))
        }
        State::Failed { start, at } => {
            format!("{} → {} FAILED{operator}", human(start), human(at))
        }
        State::Degraded { start, healthy, at } => format!(
            "{} → {} healthy, Degraded at {}{operator}",
            human(start),
            human(healthy),
            human(at)
        ),
        State::Unchanged => "unchanged".to_owned(),
        State::Blocked { by: Some(by) } => {
            format!("blocked by {} (never touched)", timeline.lanes[by].app)
        }
        State::Blocked { by: None } => "blocked (never touched)".to_owned(),
        State::NeverSynced => "in no step: never synced, needs a manual sync".to_owned(),
    }
}

fn bar(lane: &Lane, total: u64) -> String {
    let col = |t: u64| (t.saturating_mul(WIDTH) / total.max(1)).min(WIDTH);
    let (from, to, fill) = match lane.state {
        State::Healthy { start, healthy } => {
            (start, healthy, if lane.operator { '▓' } else { '█' })
        }
        State::Degraded { start, healthy, .. } => (start, healthy, '▒'),
        State::Failed { start, at } => (start, at, 'x'),
        _ => return " ".repeat(usize::try_from(WIDTH).unwrap_or(0)),
    };
    let (a, b) = (col(from), col(to).max(col(from) + 1).min(WIDTH));
    let mut out = String::new();
    for c in 0..WIDTH {
        out.push(if c >= a && c < b { fill } else { ' ' });
    }
    out
}

/// How many Applications of a critical path the text shows in full.
const LONG_PATH: usize = 8;

/// The Applications of one place (RollingSync step or sync wave) of one rollout, as the
/// charts show them: the changed ones, with the unchanged ones counted.
pub struct Group<'a> {
    /// The ApplicationSet or root, or `(applied directly)`.
    pub rollout: &'a str,
    /// The first group of its rollout.
    pub first: bool,
    pub place: Place,
    /// Its environments, in lane order.
    pub envs: Vec<&'a str>,
    /// Lane indexes of the Applications the rollout changes.
    pub lanes: Vec<usize>,
    pub unchanged: usize,
}

/// The groups of the lanes `shown` (in [`order`]); a place where nothing changed is
/// left out (the summary counts its Applications).
pub fn groups<'a>(timeline: &'a Timeline, shown: &[usize]) -> Vec<Group<'a>> {
    let mut out: Vec<Group<'a>> = Vec::new();
    let mut k = 0;
    while k < shown.len() {
        let head = &timeline.lanes[shown[k]];
        let end = shown[k..]
            .iter()
            .position(|&i| {
                let l = &timeline.lanes[i];
                l.rollout != head.rollout || l.place != head.place
            })
            .map_or(shown.len(), |p| k + p);
        let group = &shown[k..end];
        k = end;
        let (unchanged, lanes): (Vec<usize>, Vec<usize>) = group
            .iter()
            .partition(|&&i| timeline.lanes[i].state == State::Unchanged);
        if lanes.is_empty() {
            continue;
        }
        let rollout = if head.rollout.is_empty() {
            "(applied directly)"
        } else {
            head.rollout.as_str()
        };
        let mut envs: Vec<&str> = group
            .iter()
            .filter_map(|&i| timeline.lanes[i].env.as_deref())
            .collect();
        envs.dedup();
        let first = out.last().is_none_or(|g| g.rollout != rollout);
        out.push(Group {
            rollout,
            first,
            place: head.place,
            envs,
            lanes,
            unchanged: unchanged.len(),
        });
    }
    out
}

/// The summary under a chart, a line each: the total, the critical path (cut in the
/// middle when long), what failed, what was blocked or unchanged, and the notes.
pub fn summary(timeline: &Timeline, shown: &[usize]) -> Vec<String> {
    let mut out = vec![format!("total: {}", human(timeline.total))];
    if !timeline.critical.is_empty() {
        let path: Vec<&str> = timeline
            .critical
            .iter()
            .map(|&i| timeline.lanes[i].app.as_str())
            .collect();
        let last = timeline.lanes[timeline.critical[timeline.critical.len() - 1]].state;
        let first = timeline.lanes[timeline.critical[0]].state;
        let span =
            last.end().unwrap_or(0) - first.start().unwrap_or(0).min(last.end().unwrap_or(0));
        // A long path is cut in the middle: its ends say where it starts and what it
        // waits for; the JSON keeps all of it.
        let shown_path = if path.len() > LONG_PATH {
            let ends = LONG_PATH / 2;
            format!(
                "{} → … {} more … → {}",
                path[..ends].join(" → "),
                path.len() - 2 * ends,
                path[path.len() - ends..].join(" → ")
            )
        } else {
            path.join(" → ")
        };
        out.push(format!("critical path ({}): {shown_path}", human(span)));
    }
    let lanes = || shown.iter().map(|&i| &timeline.lanes[i]);
    let failed: Vec<&str> = lanes()
        .filter(|l| matches!(l.state, State::Failed { .. } | State::Degraded { .. }))
        .map(|l| l.app.as_str())
        .collect();
    if !failed.is_empty() {
        out.push(format!("failed: {}", failed.join(", ")));
    }
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let blocked = lanes()
        .filter(|l| matches!(l.state, State::Blocked { .. }))
        .count();
    if blocked > 0 {
        out.push(format!(
            "blocked, never touched: {blocked} Application{}",
            plural(blocked)
        ));
    }
    let unchanged = lanes().filter(|l| l.state == State::Unchanged).count();
    if unchanged > 0 {
        out.push(format!(
            "unchanged, passed without a sync: {unchanged} Application{}",
            plural(unchanged)
        ));
    }
    out.extend(timeline.notes.iter().map(|n| format!("note: {n}")));
    out
}

/// The terminal chart: per rollout and place, one line per changed Application (the
/// unchanged ones counted), then the summary.
pub fn text(timeline: &Timeline, title: &str, view: View<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{title}");
    let shown = order(timeline, view);
    let width = shown
        .iter()
        .map(|&i| timeline.lanes[i].app.chars().count())
        .max()
        .unwrap_or(0);
    for group in groups(timeline, &shown) {
        if group.first {
            let _ = writeln!(out, "\n{}", group.rollout);
        }
        let _ = writeln!(
            out,
            "  {}  {}",
            place_text(group.place),
            group.envs.join(", ")
        );
        for &i in &group.lanes {
            let lane = &timeline.lanes[i];
            let _ = writeln!(
                out,
                "    {:width$}  |{}|  {}",
                lane.app,
                bar(lane, timeline.total),
                state_text(timeline, lane),
            );
        }
        if group.unchanged > 0 {
            let _ = writeln!(
                out,
                "    ({} unchanged: pass without a sync)",
                group.unchanged
            );
        }
    }
    out.push('\n');
    for line in summary(timeline, &shown) {
        let _ = writeln!(out, "{line}");
    }
    out
}

/// The timeline as JSON: every Application with its place and state, the events in
/// time order, the total and the critical path.
pub fn json(timeline: &Timeline, view: View<'_>) -> Value {
    let shown = order(timeline, view);
    let name = |i: Option<usize>| i.map(|i| timeline.lanes[i].app.clone());
    let mut events: Vec<(u64, usize, &str)> = Vec::new();
    let applications: Vec<Value> = shown
        .iter()
        .map(|&i| {
            let lane = &timeline.lanes[i];
            let (state, start, healthy, failed) = match lane.state {
                State::Healthy { start, healthy } => ("healthy", Some(start), Some(healthy), None),
                State::Failed { start, at } => ("failed", Some(start), None, Some(at)),
                State::Degraded { start, healthy, at } => {
                    ("degraded", Some(start), Some(healthy), Some(at))
                }
                State::Unchanged => ("unchanged", None, None, None),
                State::Blocked { .. } => ("blocked", None, None, None),
                State::NeverSynced => ("never-synced", None, None, None),
            };
            for (at, what) in [(start, "start"), (healthy, "healthy"), (failed, state)] {
                if let Some(at) = at {
                    events.push((at, i, what));
                }
            }
            let blocked_by = match lane.state {
                State::Blocked { by } => name(by),
                _ => None,
            };
            json!({
                "name": lane.app,
                "component": lane.component,
                "env": lane.env,
                "rollout": lane.rollout,
                "place": place_text(lane.place),
                "state": state,
                "start": start,
                "healthy": healthy,
                "failedAt": failed,
                "blockedBy": blocked_by,
                "operator": lane.operator,
                "after": name(lane.after),
            })
        })
        .collect();
    events.sort_by_key(|&(at, i, what)| (at, what != "start", i));
    let events: Vec<Value> = events
        .into_iter()
        .map(|(at, i, what)| json!({"at": at, "application": timeline.lanes[i].app, "event": what}))
        .collect();
    json!({
        "total": timeline.total,
        "criticalPath": timeline.critical.iter().map(|&i| &timeline.lanes[i].app).collect::<Vec<_>>(),
        "applications": applications,
        "events": events,
        "notes": timeline.notes,
    })
}
