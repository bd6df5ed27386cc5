//! Sync windows: checking an environment's `syncWindows` and shaping them for its
//! AppProject.
//!
//! Argo CD checks a window only in argocd-server (`SyncWindow.Validate`, on the API and
//! CLI), not when a manifest is applied with kubectl, and an invalid window is then
//! skipped or read as UTC: a typo in git silently opens or closes a change window. So
//! ladder checks what Argo CD would (v3.5.1 pkg/apis/application/v1alpha1/types.go,
//! `SyncWindow.Validate`): the kind is `allow` or
//! `deny` (the spec's schema), the schedule has five cron fields (robfig/cron with
//! `Minute | Hour | Dom | Month | Dow`), the duration parses as a Go duration, the time
//! zone names an IANA zone, and fields newer than the target Argo CD are refused
//! (`andOperator` 3.0, `description` 3.1, `syncOverrun` 3.5).
//!
//! From Argo CD 2.11 an active deny window blocks RollingSync's syncs even with
//! `manualSync: true`: RollingSync marks its syncs as automated (`initiatedBy.automated`),
//! and `manualSync` only lets manual syncs through (v2.11.0 `controller/sync.go:534`
//! `syncWindowPreventsSync`, argoproj/argo-cd#16492). Before 2.11 nothing checks windows
//! for RollingSync's syncs; `environment.rs` refuses the windows that would then not hold.

use crate::analyze::model::Version;
use crate::load::spec::{SyncWindow, WindowKind};

/// A problem with one field of a window: the field (`None` for the window itself), the
/// message and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: Option<&'static str>,
    /// The item of a list field (`applications[1]`) the problem is at, if any.
    pub index: Option<usize>,
    pub message: String,
    pub help: String,
}

/// Every problem with `window` for Argo CD `version`.
pub fn check(window: &SyncWindow, version: Version) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (field, patterns) in [
        ("applications", &window.applications),
        ("namespaces", &window.namespaces),
        ("clusters", &window.clusters),
    ] {
        for (i, pattern) in patterns.iter().enumerate() {
            if let Some((why, help)) = glob_error(pattern) {
                problems.push(Problem {
                    field: Some(field),
                    index: Some(i),
                    message: format!(
                        "sync window glob `{pattern}` is not valid for Argo CD ({why}): Argo CD matches nothing with it, so the window would never apply"
                    ),
                    help: help.into(),
                });
            }
        }
    }
    let mut problem = |field, message: String, help: String| {
        problems.push(Problem {
            field: Some(field),
            index: None,
            message,
            help,
        });
    };
    if let Err(e) = check_cron(&window.schedule) {
        problem(
            "schedule",
            format!("sync window schedule `{}` is not valid: {e}", window.schedule),
            "write five cron fields: minute hour day-of-month month day-of-week, e.g. \"0 22 * * 3\" (Wednesdays 22:00)".into(),
        );
    }
    match go_duration_nanos(&window.duration) {
        Some(n) if n > 0 => {}
        Some(_) => problem(
            "duration",
            format!(
                "sync window duration `{}` is not positive: the window would never be active",
                window.duration
            ),
            "give a positive Go duration such as `4h`, `90m` or `1h30m`".into(),
        ),
        None => problem(
            "duration",
            format!(
                "sync window duration `{}` is not a Go duration",
                window.duration
            ),
            "write a number with a unit (h, m, s, ms, us, ns), e.g. `4h`, `90m`, `1h30m` or `1.5h`"
                .into(),
        ),
    }
    if window.kind == WindowKind::Deny
        && is_daily(&window.schedule)
        && go_duration_nanos(&window.duration).is_some_and(|n| n >= DAY_NANOS)
    {
        // `manualSync: true` lets manual syncs through a deny window; RollingSync's syncs
        // are held by windows from 2.11 (see the module comment).
        let blocked = match (window.manual_sync == Some(true), version.at_least(2, 11)) {
            (false, true) => "every sync (RollingSync's too)",
            (false, false) => "every auto-sync and every manual sync",
            (true, true) => "every sync but manual ones (RollingSync's too)",
            (true, false) => "every auto-sync",
        };
        problem(
            "duration",
            format!(
                "this deny window starts every day and lasts {}, so it is always active and, since deny wins over allow, blocks {blocked}",
                window.duration
            ),
            "remove it: while allow windows exist, syncs outside them are blocked already".into(),
        );
    }
    if let Some(zone) = &window.time_zone
        && !is_time_zone(zone)
    {
        problem(
            "timeZone",
            format!(
                "sync window time zone `{zone}` is not an IANA time zone; Argo CD would use UTC instead"
            ),
            "name a zone of the IANA database, e.g. `UTC`, `Europe/Berlin` or `America/New_York`"
                .into(),
        );
    }
    let too_old = |since: (u32, u32)| !version.at_least(since.0, since.1);
    if window.and_operator.is_some() && too_old((3, 0)) {
        problem(
            "andOperator",
            format!("`andOperator` needs Argo CD 3.0 or later; the spec targets {version}"),
            "remove it, or raise `argocd.version`".into(),
        );
    }
    if let Some(description) = &window.description {
        if too_old((3, 1)) {
            problem(
                "description",
                format!(
                    "a sync window `description` needs Argo CD 3.1 or later; the spec targets {version}"
                ),
                "remove it (a YAML comment says the same), or raise `argocd.version`".into(),
            );
        } else if description.chars().count() > 255 {
            problem(
                "description",
                format!(
                    "sync window description has {} characters; Argo CD allows at most 255",
                    description.chars().count()
                ),
                "shorten it".into(),
            );
        }
    }
    if window.sync_overrun.is_some() && too_old((3, 5)) {
        problem(
            "syncOverrun",
            format!("`syncOverrun` needs Argo CD 3.5 or later; the spec targets {version}"),
            "remove it, or raise `argocd.version`".into(),
        );
    }
    problems
}

const DAY_NANOS: i128 = 24 * 3_600_000_000_000;

/// Whether a schedule starts once every day: fixed minute and hour, every day of the
/// month, every month and every weekday.
fn is_daily(schedule: &str) -> bool {
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    let fixed = |f: &str| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit());
    let any = |f: &str| f == "*" || f == "?";
    fields.len() == 5 && fixed(fields[0]) && fixed(fields[1]) && fields[2..].iter().all(|f| any(f))
}

/// Checks a five-field cron expression as robfig/cron's parser with
/// `Minute | Hour | Dom | Month | Dow` reads it (no `@daily` descriptors, no seconds).
pub fn check_cron(schedule: &str) -> Result<(), String> {
    const FIELDS: [(&str, u32, u32, &[&str]); 5] = [
        ("minute", 0, 59, &[]),
        ("hour", 0, 23, &[]),
        ("day of month", 1, 31, &[]),
        (
            "month",
            1,
            12,
            &[
                "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
            ],
        ),
        (
            "day of week",
            0,
            6,
            &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
        ),
    ];
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    if fields.len() != FIELDS.len() {
        return Err(format!(
            "it has {} field{}, not 5",
            fields.len(),
            if fields.len() == 1 { "" } else { "s" }
        ));
    }
    for (text, (name, min, max, names)) in fields.iter().zip(FIELDS) {
        for part in text.split(',') {
            check_cron_range(part, min, max, names)
                .map_err(|e| format!("{name} field `{text}`: {e}"))?;
        }
    }
    Ok(())
}

/// One comma-separated part of a cron field: `*`, `?`, `N`, `N-M`, each optionally `/STEP`.
fn check_cron_range(part: &str, min: u32, max: u32, names: &[&str]) -> Result<(), String> {
    let (range, step) = match part.split_once('/') {
        Some((range, step)) => (range, Some(step)),
        None => (part, None),
    };
    if let Some(step) = step {
        match step.parse::<u32>() {
            Ok(n) if n > 0 => {}
            _ => return Err(format!("step `{step}` is not a positive number")),
        }
    }
    if range == "*" || range == "?" {
        return Ok(());
    }
    let value = |text: &str| -> Result<u32, String> {
        let lower = text.to_ascii_lowercase();
        if let Some(i) = names.iter().position(|n| *n == lower) {
            return Ok(min + u32::try_from(i).unwrap_or(0));
        }
        match text.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            Ok(n) => Err(format!("{n} is outside {min}-{max}")),
            Err(_) => Err(format!("`{text}` is not a number")),
        }
    };
    match range.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (value(a)?, value(b)?);
            if a > b {
                return Err(format!("the range {a}-{b} runs backwards"));
            }
        }
        None => {
            value(range)?;
        }
    }
    Ok(())
}

/// Parses a Go duration (`time.ParseDuration`): an optional sign, then one or more
/// decimal numbers each with a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`); `0` alone
/// is allowed. Returns nanoseconds, or `None` if Go would refuse it or it overflows.
pub fn go_duration_nanos(text: &str) -> Option<i128> {
    let (negative, mut rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        let value: f64 = number.parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += value * factor;
    }
    // Go refuses durations beyond about 292 years (int64 nanoseconds).
    if total > 9.223_372_036_854_775e18 {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    let nanos = total as i128;
    Some(if negative { -nanos } else { nanos })
}

/// Whether `zone` looks like a zone of the IANA database: `UTC`, `GMT`, or
/// `Area/Location[/Sub]` with a known area, each part letters, digits, `_`, `-`, `+`.
pub fn is_time_zone(zone: &str) -> bool {
    const AREAS: &[&str] = &[
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
        "Etc",
    ];
    if matches!(zone, "UTC" | "GMT") {
        return true;
    }
    let mut parts = zone.split('/');
    let area = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    AREAS.contains(&area)
        && !rest.is_empty()
        && rest.len() <= 2
        && rest.iter().all(|p| {
            !p.is_empty()
                && p.starts_with(|c: char| c.is_ascii_alphabetic())
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        })
}

/// Why Argo CD cannot use `pattern` as a window's glob, with the fix: the compile errors
/// of gobwas/glob v0.2.3 (the version Argo CD v3.5.1's go.mod pins; `util/glob.Match`
/// logs a compile error and matches nothing, so such a window never applies), ported
/// from its lexer (`syntax/lexer/lexer.go`, `fetchRange`) and parser
/// (`syntax/ast/parser.go`, `parserRange`). Only a `[…]` class can fail to compile; on
/// top, an unclosed `{` and an empty `{}` are refused: gobwas compiles some such patterns
/// and then panics when it matches.
pub fn glob_error(pattern: &str) -> Option<(String, &'static str)> {
    let pat: Vec<char> = pattern.chars().collect();
    let (mut pos, mut depth) = (0, 0usize);
    // gobwas's own errors come first; ladder's brace rules after the whole pattern.
    let mut empty_braces = false;
    while pos < pat.len() {
        let ch = pat[pos];
        pos += 1;
        match ch {
            '\\' => {
                pos += 1;
                continue;
            }
            '{' => {
                empty_braces |= pat.get(pos) == Some(&'}');
                depth += 1;
                continue;
            }
            '}' => {
                depth = depth.saturating_sub(1);
                continue;
            }
            '[' => {}
            _ => continue,
        }
        let (mut lo, mut hi, mut chars) = (None, None, String::new());
        let (mut seen_not, mut want_hi, mut want_close) = (false, false, false);
        loop {
            let Some(&next) = pat.get(pos) else {
                return Some((
                    "unexpected end of input".into(),
                    "close the `[`, or write `\\[` for a literal one",
                ));
            };
            pos += 1;
            if want_close {
                if next != ']' {
                    return Some((
                        "expected close range character".into(),
                        "a `[…]` holds one range or one list of characters: write `{[a-z],[0-9]}` for either",
                    ));
                }
                break;
            }
            if want_hi {
                hi = Some(next);
                want_close = true;
                continue;
            }
            if !seen_not && next == '!' {
                seen_not = true;
                continue;
            }
            if pat.get(pos) == Some(&'-') {
                lo = Some(next);
                pos += 1;
                want_hi = true;
                continue;
            }
            // Characters up to an unescaped `]`, this one included.
            pos -= 1;
            let mut escaped = false;
            while let Some(&next) = pat.get(pos) {
                if !escaped {
                    if next == '\\' {
                        escaped = true;
                        pos += 1;
                        continue;
                    }
                    if next == ']' {
                        break;
                    }
                }
                escaped = false;
                chars.push(next);
                pos += 1;
            }
            want_close = true;
        }
        if let (Some(lo), Some(hi)) = (lo, hi)
            && hi < lo
        {
            return Some((
                format!("hi character '{hi}' should be greater than lo '{lo}'"),
                "write the range low to high, e.g. `[a-z]`",
            ));
        }
        let range = matches!((lo, hi), (Some(l), Some(h)) if l != '\0' && h != '\0');
        if chars.is_empty() != range {
            return Some((
                "could not parse range".into(),
                "`[]` matches nothing: list characters, e.g. `[abc]`, or a range, `[a-c]`",
            ));
        }
    }
    if empty_braces {
        return Some((
            "an empty `{}`".into(),
            "`{}` matches nothing: list alternatives, `{a,b}`, or remove it",
        ));
    }
    (depth > 0).then(|| {
        (
            "an unclosed `{`".into(),
            "close the `{`, e.g. `{shop,api}-*`",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_accepts_what_robfig_five_field_parser_accepts() {
        for ok in [
            "0 8 * * 1-5",
            "0 22 * * 3",
            "*/15 0-6,20-23 1,15 jan-mar SUN",
            "0 0 ? * *",
            "5-10/2 * * * *",
        ] {
            assert_eq!(check_cron(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn cron_refuses_wrong_field_counts_and_values() {
        let cases = [
            ("0 8 * *", "it has 4 fields, not 5"),
            ("0 0 8 * * 1", "it has 6 fields, not 5"),
            ("@daily", "it has 1 field, not 5"),
            ("60 * * * *", "minute field `60`: 60 is outside 0-59"),
            ("0 24 * * *", "hour field `24`: 24 is outside 0-23"),
            ("0 0 0 * *", "day of month field `0`: 0 is outside 1-31"),
            ("0 0 * 13 *", "month field `13`: 13 is outside 1-12"),
            ("0 0 * * 7", "day of week field `7`: 7 is outside 0-6"),
            (
                "0 0 * * 5-1",
                "day of week field `5-1`: the range 5-1 runs backwards",
            ),
            (
                "*/0 * * * *",
                "minute field `*/0`: step `0` is not a positive number",
            ),
            ("x * * * *", "minute field `x`: `x` is not a number"),
        ];
        for (schedule, message) in cases {
            assert_eq!(check_cron(schedule), Err(message.to_owned()), "{schedule}");
        }
    }

    #[test]
    fn go_durations_parse_like_time_parse_duration() {
        let h = 3_600_000_000_000_i128;
        assert_eq!(go_duration_nanos("8h"), Some(8 * h));
        assert_eq!(go_duration_nanos("1h30m"), Some(h + h / 2));
        assert_eq!(go_duration_nanos("1.5h"), Some(h + h / 2));
        assert_eq!(go_duration_nanos("90m"), Some(h + h / 2));
        assert_eq!(go_duration_nanos("300ms"), Some(300_000_000));
        assert_eq!(go_duration_nanos("-1h"), Some(-h));
        assert_eq!(go_duration_nanos("0"), Some(0));
        for bad in ["", "8", "8 h", "1d", "h", "1..5h", "+", "3000000h"] {
            assert_eq!(go_duration_nanos(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_always_active_deny_window_says_which_syncs_it_blocks_on_the_target_version() {
        let window = |manual_sync| SyncWindow {
            kind: WindowKind::Deny,
            schedule: "0 0 * * *".into(),
            duration: "24h".into(),
            time_zone: None,
            manual_sync,
            applications: Vec::new(),
            namespaces: Vec::new(),
            clusters: Vec::new(),
            and_operator: None,
            description: None,
            sync_overrun: None,
        };
        let v = |minor| Version { major: 2, minor };
        let cases = [
            (None, v(11), "blocks every sync (RollingSync's too)"),
            (None, v(10), "blocks every auto-sync and every manual sync"),
            (
                Some(true),
                v(11),
                "blocks every sync but manual ones (RollingSync's too)",
            ),
            (Some(true), v(10), "blocks every auto-sync"),
        ];
        for (manual_sync, version, end) in cases {
            let problems = check(&window(manual_sync), version);
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(
                problems[0].message.ends_with(end),
                "{}",
                problems[0].message
            );
        }
    }

    #[test]
    fn time_zones_are_iana_names() {
        for ok in [
            "UTC",
            "Europe/Berlin",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+2",
        ] {
            assert!(is_time_zone(ok), "{ok}");
        }
        for bad in [
            "",
            "CEST",
            "Europe",
            "Mars/Olympus",
            "Europe/",
            "europe/berlin",
        ] {
            assert!(!is_time_zone(bad), "{bad}");
        }
    }

    /// Regression: a malformed glob in a sync window was accepted, and Argo CD's glob
    /// library (gobwas/glob v0.2.3) fails to compile it, so the window never applied.
    /// Verdicts and messages agree with gobwas on 11,730 random patterns (checked while
    /// porting); these are the cases worth keeping.
    #[test]
    fn window_globs_compile_as_argo_cds_gobwas_glob_does() {
        for ok in [
            "shop-*",
            "shop-[a-e]ev",
            "shop-[^a]ev",
            "[!a-c]",
            "[ab-c]",
            "[--0]",
            "[-a]",
            "[\\]]",
            "\\[",
            "shop-dev\\",
            "}",
            "a,b",
            "**",
            "{shop,x}-dev",
        ] {
            assert_eq!(glob_error(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("[", "unexpected end of input"),
            ("shop-[", "unexpected end of input"),
            ("[]", "could not parse range"),
            ("[!]", "could not parse range"),
            ("[a-]", "unexpected end of input"),
            ("[a-z", "unexpected end of input"),
            ("[z-a]", "hi character 'a' should be greater than lo 'z'"),
            ("[a-z0-9]*", "expected close range character"),
            ("[a-b-c]", "expected close range character"),
            ("{shop-dev", "an unclosed `{`"),
            ("*{?{", "an unclosed `{`"),
            ("?{}*", "an empty `{}`"),
        ] {
            assert_eq!(
                glob_error(bad).map(|(m, _)| m).as_deref(),
                Some(why),
                "{bad}"
            );
        }
    }
}
