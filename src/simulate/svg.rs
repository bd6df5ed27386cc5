//! A [`Timeline`] as a Gantt chart a reviewer opens in a browser or a merge request: an
//! SVG document (`--format svg`), or an HTML page holding it (`--format html`).
//!
//! The chart has the terminal chart's rows ([`report::groups`]): per rollout
//! (ApplicationSet or root) and place (RollingSync step or sync wave), one lane per
//! changed Application, with the unchanged ones counted; a time axis with grid lines;
//! bars coloured by what happened (an automated sync, an operator's, Degraded, failed),
//! the critical path outlined, blocked Applications hatched across the chart; each bar's
//! and lane's `<title>` says its state, as a browser's tooltip. Self-contained (no
//! script, no external font or stylesheet), so it renders where scripts are stripped.

use std::fmt::Write as _;

use super::report::{self, View, place_text, state_text};
use super::timeline::{Lane, State, Timeline};
use crate::plan::estimate::human;

/// Height of an Application's lane, px.
const ROW: u64 = 18;
/// Width of the time axis, px.
const CHART: u64 = 720;
/// Width of a character of the 12 px monospace labels, px (a little above the widest
/// common monospace fonts, so a label never runs into the chart).
const CHAR: u64 = 8;
/// The margin around the chart, px.
const MARGIN: u64 = 16;
/// Where the lanes start below the top: title, legend and axis labels.
const TOP: u64 = 88;

const STYLE: &str = "
text { font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 12px; fill: #1f2328; }
.title { font-family: system-ui, 'DejaVu Sans', sans-serif; font-size: 15px; font-weight: 600; }
.rollout { font-weight: 700; }
.place, .axis, .unchanged, .note { fill: #57606a; }
.unchanged { font-style: italic; }
.grid { stroke: #d0d7de; stroke-width: 1; }
.band { fill: #f6f8fa; }
.ok { fill: #2da44e; }
.operator { fill: #0969da; }
.degraded { fill: #bf8700; }
.failed { fill: #cf222e; }
.blocked { fill: url(#blocked); }
.critical { stroke: #1f2328; stroke-width: 2; }
.failed-text { fill: #cf222e; font-weight: 700; }
";

/// The chart as a standalone SVG document.
pub fn svg(timeline: &Timeline, title: &str, view: View<'_>) -> String {
    let shown = report::order(timeline, view);
    let groups = report::groups(timeline, &shown);
    let label = shown
        .iter()
        .map(|&i| timeline.lanes[i].app.chars().count() as u64 + 4)
        .chain(groups.iter().map(|g| g.rollout.chars().count() as u64))
        .max()
        .unwrap_or(0)
        .max(20)
        * CHAR;
    // The state column right of the chart is as wide as its longest text.
    let state = shown
        .iter()
        .map(|&i| state_text(timeline, &timeline.lanes[i]).chars().count() as u64 + 2)
        .max()
        .unwrap_or(0)
        * CHAR;
    let left = MARGIN + label;
    // The title and the summary lines are not wrapped: the chart is wide enough for
    // its title, and a long summary line (notes) may run past the right edge.
    let width = (left + CHART + state + MARGIN).max(MARGIN * 2 + title.chars().count() as u64 * 9);
    let total = timeline.total.max(1);
    let x = |t: u64| left + t.saturating_mul(CHART) / total;
    let critical: Vec<bool> = {
        let mut c = vec![false; timeline.lanes.len()];
        for &i in &timeline.critical {
            c[i] = true;
        }
        c
    };

    let mut body = String::new();
    let mut y = TOP;
    for group in &groups {
        if group.first {
            y += 6;
            let _ = writeln!(
                body,
                r#"<text class="rollout" x="{MARGIN}" y="{}">{}</text>"#,
                y + 13,
                escape(group.rollout)
            );
            y += ROW + 2;
        }
        let _ = writeln!(
            body,
            r#"<rect class="band" x="{MARGIN}" y="{y}" width="{}" height="{}"/>"#,
            width - 2 * MARGIN,
            ROW
        );
        let _ = writeln!(
            body,
            r#"<text class="place" x="{}" y="{}">{}  {}</text>"#,
            MARGIN + CHAR,
            y + 13,
            escape(&place_text(group.place)),
            escape(&group.envs.join(", "))
        );
        y += ROW;
        for &i in &group.lanes {
            let lane = &timeline.lanes[i];
            lane_row(&mut body, timeline, lane, critical[i], y, left, &x);
            y += ROW;
        }
        if group.unchanged > 0 {
            let _ = writeln!(
                body,
                r#"<text class="unchanged" x="{}" y="{}">({} unchanged: pass without a sync)</text>"#,
                MARGIN + 2 * CHAR,
                y + 13,
                group.unchanged
            );
            y += ROW;
        }
    }
    let lanes_end = y;
    y += ROW / 2;
    let summary = report::summary(timeline, &shown);
    for line in &summary {
        let class = if line.starts_with("note:") {
            "note"
        } else {
            "summary"
        };
        let _ = writeln!(
            body,
            r#"<text class="{class}" x="{MARGIN}" y="{}">{}</text>"#,
            y + 13,
            escape(line)
        );
        y += ROW;
    }
    let height = y + MARGIN;

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{}">"#,
        escape(title)
    );
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(out, "<style>{STYLE}</style>");
    out.push_str(
        r##"<defs><pattern id="blocked" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffebe9"/><line x1="0" y1="0" x2="0" y2="6" stroke="#ff8182" stroke-width="2"/></pattern></defs>
"##,
    );
    let _ = writeln!(
        out,
        r##"<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        out,
        r#"<text class="title" x="{MARGIN}" y="{}">{}</text>"#,
        MARGIN + 10,
        escape(title)
    );
    legend(&mut out, MARGIN + 30);
    // The axis: a grid line and a label at every tick, over the lanes.
    let tick = tick_for(timeline.total);
    let mut t = 0;
    while t <= timeline.total {
        let _ = writeln!(
            out,
            r#"<line class="grid" x1="{0}" y1="{1}" x2="{0}" y2="{lanes_end}"/><text class="axis" x="{0}" y="{2}" text-anchor="middle">{3}</text>"#,
            x(t),
            TOP - 4,
            TOP - 10,
            human(t)
        );
        t += tick;
    }
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}

/// One Application's lane: its name, its bar (or the hatching of a blocked one) and its
/// state, with the state as the tooltip.
fn lane_row(
    out: &mut String,
    timeline: &Timeline,
    lane: &Lane,
    critical: bool,
    y: u64,
    left: u64,
    x: &dyn Fn(u64) -> u64,
) {
    let state = state_text(timeline, lane);
    let tip = escape(&format!("{}: {state}", lane.app));
    let _ = writeln!(
        out,
        r#"<g><title>{tip}</title><text x="{}" y="{}">{}</text>"#,
        MARGIN + 2 * CHAR,
        y + 13,
        escape(&lane.app)
    );
    let span = match lane.state {
        State::Healthy { start, healthy } => Some((
            start,
            healthy,
            if lane.operator { "operator" } else { "ok" },
        )),
        State::Degraded { start, at, .. } => Some((start, at, "degraded")),
        State::Failed { start, at } => Some((start, at, "failed")),
        State::Blocked { .. } => {
            let _ = writeln!(
                out,
                r#"<rect class="blocked" x="{left}" y="{}" width="{CHART}" height="{}"/>"#,
                y + 3,
                ROW - 6
            );
            None
        }
        State::Unchanged | State::NeverSynced => None,
    };
    if let Some((from, to, class)) = span {
        let (a, b) = (x(from), x(to));
        let outline = if critical { " critical" } else { "" };
        let _ = writeln!(
            out,
            r#"<rect class="{class}{outline}" x="{a}" y="{}" width="{}" height="{}" rx="2"/>"#,
            y + 3,
            (b - a).max(2),
            ROW - 6
        );
    }
    let class = if matches!(lane.state, State::Failed { .. } | State::Degraded { .. }) {
        r#" class="failed-text""#
    } else {
        ""
    };
    let _ = writeln!(
        out,
        r#"<text{class} x="{}" y="{}">{}</text></g>"#,
        left + CHART + CHAR,
        y + 13,
        escape(&state)
    );
}

/// The key to the bar colours.
fn legend(out: &mut String, y: u64) {
    let mut x = MARGIN;
    for (class, what) in [
        ("ok", "automated sync"),
        ("operator", "operator sync"),
        ("degraded", "Degraded"),
        ("failed", "failed"),
        ("blocked", "blocked, never touched"),
        ("ok critical", "critical path"),
    ] {
        let _ = writeln!(
            out,
            r#"<rect class="{class}" x="{x}" y="{}" width="14" height="10" rx="2"/><text x="{}" y="{}">{what}</text>"#,
            y - 9,
            x + 20,
            y
        );
        x += 20 + (what.len() as u64 + 3) * CHAR;
    }
}

/// A round tick interval giving at most about ten ticks over `total` seconds.
fn tick_for(total: u64) -> u64 {
    const TICKS: [u64; 19] = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
        172_800,
    ];
    TICKS
        .iter()
        .copied()
        .find(|&t| total / t <= 10)
        .unwrap_or_else(|| total.div_ceil(10).max(1))
}

/// The chart in a self-contained HTML page, with the title as its heading.
pub fn html(timeline: &Timeline, title: &str, view: View<'_>) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>body {{ margin: 16px; background: #ffffff; }} svg {{ max-width: none; }}</style>\n\
         </head>\n<body>\n{}</body>\n</html>\n",
        escape(title),
        svg(timeline, title, view)
    )
}

/// Text and attribute values escaped for XML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_at_most_about_ten() {
        assert_eq!(tick_for(0), 1);
        assert_eq!(tick_for(10), 1);
        assert_eq!(tick_for(11), 2);
        assert_eq!(tick_for(184), 30);
        assert_eq!(tick_for(3600), 600);
        assert_eq!(tick_for(26_014), 3600);
        assert_eq!(tick_for(10_000_000), 1_000_000);
    }

    #[test]
    fn names_are_escaped_for_xml() {
        assert_eq!(escape(r#"a<b>&"c'"#), "a&lt;b&gt;&amp;&quot;c&apos;");
    }
}
