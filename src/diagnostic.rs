//! Diagnostics: every problem ladder finds in an input, as data.
//!
//! A [`Diagnostic`] names the file, the line and column it points at, what is
//! wrong, and (where ladder can tell) the likely fix. Stages collect them in a
//! `Vec` instead of failing on the first one, so a user sees every problem of
//! a spec in one run. Rendering to text happens in one place, [`render`], so
//! every command prints problems the same way.
//!
//! A shared piece at the bottom of the tree: imports nothing of ladder's.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A position in a source file, 1-based, in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
    /// How many characters the problem spans on that line (0: unknown, 1 is shown).
    pub len: u32,
}

impl Pos {
    pub fn new(line: u32, column: u32) -> Self {
        Pos {
            line,
            column,
            len: 0,
        }
    }

    #[must_use]
    pub fn with_len(self, len: usize) -> Self {
        Pos {
            len: u32::try_from(len).unwrap_or(u32::MAX),
            ..self
        }
    }
}

/// One problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as the user named it (or the name the caller gave the input).
    pub file: String,
    pub pos: Pos,
    pub message: String,
    /// The likely fix, e.g. "did you mean `postgres`?".
    pub help: Option<String>,
    /// Further positions worth showing, e.g. the first definition of a duplicate.
    pub notes: Vec<Note>,
    /// The `ladder lint` rule this problem belongs to (kebab-case), where one applies.
    /// A reference to the name (`&"rule-name"`) keeps `Diagnostic` small.
    pub rule: Option<&'static &'static str>,
}

impl Diagnostic {
    pub fn new(file: &str, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_owned(),
            pos,
            message: message.into(),
            help: None,
            notes: Vec::new(),
            rule: None,
        }
    }

    #[must_use]
    pub fn rule(mut self, rule: &'static &'static str) -> Self {
        self.rule = Some(rule);
        self
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub fn help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    #[must_use]
    pub fn note(mut self, pos: Pos, note: impl Into<String>) -> Self {
        self.add_note(pos, note);
        self
    }

    /// Adds a note at `pos` of the diagnostic's own file.
    pub fn add_note(&mut self, pos: Pos, note: impl Into<String>) -> &mut Self {
        self.notes.push(Note {
            pos,
            text: note.into(),
            file: None,
        });
        self
    }
}

/// A further position worth showing with a diagnostic: the first definition of a
/// duplicate, say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub pos: Pos,
    pub text: String,
    /// The file it points into, when not the diagnostic's own (a component defined
    /// first in another component file).
    pub file: Option<String>,
}

/// "did you mean `x`?" for the known name closest to `wanted`, if any is close.
pub fn did_you_mean<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(wanted, known).map(|name| format!("did you mean `{name}`?"))
}

/// The known name closest to `wanted`, when it is close enough to be a likely typo.
pub fn closest<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for name in known {
        if name == wanted {
            continue;
        }
        let mut score = strsim::jaro_winkler(wanted, name);
        // A name that contains what was typed (or the reverse) is a likely target too:
        // `vault-core` for `foundation-vault-core`.
        if wanted.len() >= 3 && (name.contains(wanted) || wanted.contains(name)) {
            score = score.max(0.85);
        }
        let better = match best {
            None => true,
            // Ties go to the smaller name, so suggestions never depend on input order.
            Some((s, n)) => score > s || ((score - s).abs() < f64::EPSILON && name < n),
        };
        if better {
            best = Some((score, name));
        }
    }
    best.filter(|(score, _)| *score >= 0.8)
        .map(|(_, name)| name)
}

/// Known names, indexed once for many "did you mean" questions: a spec with tens of
/// thousands of unknown dependencies would otherwise compare each with every name
/// (20,000 of them took 25 s). Up to [`Names::FULL_SCAN`] names every question scores
/// every name, exactly as [`closest`] does; past that, only a bounded set of candidates
/// (names sharing the first characters, names contained in the question, names of about
/// the same length), and a budget caps the work of all questions together.
pub struct Names<'a> {
    sorted: Vec<&'a str>,
    by_len: BTreeMap<usize, Vec<&'a str>>,
    budget: std::cell::Cell<u64>,
}

impl<'a> Names<'a> {
    /// Lists this long are scanned whole.
    pub const FULL_SCAN: usize = 1_000;
    /// Candidates scored per question past that.
    const CANDIDATES: usize = 128;
    /// Comparisons all full scans of one index may make.
    const BUDGET: u64 = 2_000_000;

    pub fn new(known: impl IntoIterator<Item = &'a str>) -> Self {
        let mut sorted: Vec<&str> = known.into_iter().collect();
        sorted.sort_unstable();
        sorted.dedup();
        let mut by_len: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
        for name in &sorted {
            by_len.entry(name.chars().count()).or_default().push(name);
        }
        Names {
            sorted,
            by_len,
            budget: std::cell::Cell::new(Self::BUDGET),
        }
    }

    /// "did you mean `x`?" for the known name closest to `wanted`, if any is close.
    pub fn did_you_mean(&self, wanted: &str) -> Option<String> {
        self.closest(wanted)
            .map(|name| format!("did you mean `{name}`?"))
    }

    /// The known name closest to `wanted`, as [`closest`] scores it.
    pub fn closest(&self, wanted: &str) -> Option<&'a str> {
        let n = self.sorted.len() as u64;
        if self.sorted.len() <= Self::FULL_SCAN && self.budget.get() >= n {
            self.budget.set(self.budget.get() - n);
            return closest(wanted, self.sorted.iter().copied());
        }
        closest(wanted, self.candidates(wanted))
    }

    /// At most [`Names::CANDIDATES`] names worth scoring for `wanted`, sorted.
    fn candidates(&self, wanted: &str) -> Vec<&'a str> {
        let mut found: Vec<&'a str> = Vec::new();
        // Names that start like it (the prefix boost, and names that contain it).
        let prefix: String = wanted.chars().take(4).collect();
        let from = self.sorted.partition_point(|n| *n < prefix.as_str());
        found.extend(
            self.sorted[from..]
                .iter()
                .take_while(|n| n.starts_with(&prefix))
                .take(Self::CANDIDATES / 4),
        );
        // Names it contains (`vault-core` in `foundation-vault-core`).
        let chars: Vec<(usize, char)> = wanted.char_indices().take(64).collect();
        for (i, &(start, _)) in chars.iter().enumerate() {
            for &(end, c) in chars.get(i + 2..).unwrap_or_default() {
                let piece = &wanted[start..end + c.len_utf8()];
                if let Ok(k) = self.sorted.binary_search(&piece) {
                    found.push(self.sorted[k]);
                }
            }
        }
        // Names of about its length: the typos.
        let len = wanted.chars().count();
        let reach = (len / 2).max(2);
        for d in 0..=reach {
            for l in [len.checked_sub(d), (d > 0).then_some(len + d)]
                .into_iter()
                .flatten()
            {
                for name in self.by_len.get(&l).into_iter().flatten() {
                    if found.len() >= Self::CANDIDATES {
                        break;
                    }
                    found.push(name);
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// Sorts diagnostics by file and position (then message), and drops exact repeats.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| (&a.file, a.pos, &a.message).cmp(&(&b.file, b.pos, &b.message)));
    diagnostics.dedup();
    fold_repeats(diagnostics);
}

/// How many further places of one repeated problem are shown as notes; the rest are
/// counted.
const REPEATS_SHOWN: usize = 8;

/// One problem met at several places (one typo in a value file every component copies,
/// say) is reported once, at its first place, with the other places as notes: the same
/// file, message, help and rule, and no notes of its own. Order is kept otherwise.
fn fold_repeats(diagnostics: &mut Vec<Diagnostic>) {
    type Key<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'static str>);
    fn key(d: &Diagnostic) -> Option<Key<'_>> {
        d.notes.is_empty().then(|| {
            (
                d.file.as_str(),
                d.message.as_str(),
                d.help.as_deref(),
                d.rule.copied(),
            )
        })
    }
    // Index of the first of each repeated problem → the positions of the others.
    let mut first: BTreeMap<Key<'_>, usize> = BTreeMap::new();
    let mut repeats: BTreeMap<usize, Vec<Pos>> = BTreeMap::new();
    let mut keep = vec![true; diagnostics.len()];
    for (i, d) in diagnostics.iter().enumerate() {
        let Some(k) = key(d) else { continue };
        match first.get(&k) {
            Some(&f) => {
                repeats.entry(f).or_default().push(d.pos);
                keep[i] = false;
            }
            None => {
                first.insert(k, i);
            }
        }
    }
    if repeats.is_empty() {
        return;
    }
    for (f, positions) in repeats {
        let shown = positions.len().min(REPEATS_SHOWN);
        let d = &mut diagnostics[f];
        for (n, pos) in positions.iter().take(shown).enumerate() {
            let note = if n + 1 == shown && positions.len() > shown {
                format!(
                    "the same problem here, and at {} more places",
                    positions.len() - shown
                )
            } else {
                "the same problem here".to_owned()
            };
            d.add_note(*pos, note);
        }
    }
    let mut i = 0;
    diagnostics.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

/// Renders diagnostics as text, rustc style, with the source line and a caret.
///
/// `source` is the text of the file the diagnostics point into, when known.
pub fn render(diagnostics: &[Diagnostic], source: Option<&str>) -> String {
    render_in(diagnostics, &|_| source)
}

/// [`render`] for diagnostics that point into several files: `source` gives each
/// file's text, when known.
pub fn render_in<'a>(
    diagnostics: &[Diagnostic],
    source: &dyn Fn(&str) -> Option<&'a str>,
) -> String {
    let mut out = render_each(diagnostics, "error", source);
    let n = diagnostics.len();
    let _ = writeln!(
        out,
        "{n} error{} found; nothing was written",
        if n == 1 { "" } else { "s" }
    );
    out
}

/// Renders warnings as text, rustc style (`warning[rule]: …`), each with its source line
/// and help; no summary, as they stop nothing.
pub fn render_warnings(diagnostics: &[Diagnostic], source: Option<&str>) -> String {
    render_warnings_in(diagnostics, &|_| source)
}

/// [`render_warnings`] for warnings that point into several files.
pub fn render_warnings_in<'a>(
    diagnostics: &[Diagnostic],
    source: &dyn Fn(&str) -> Option<&'a str>,
) -> String {
    render_each(diagnostics, "warning", source)
}

/// Each diagnostic under `heading` (a warning's with its rule), the lines of each file
/// split once for a run of diagnostics in it.
fn render_each<'a>(
    diagnostics: &[Diagnostic],
    heading: &str,
    source: &dyn Fn(&str) -> Option<&'a str>,
) -> String {
    let mut out = String::new();
    let mut lines: (Option<&str>, Vec<&str>) = (None, Vec::new());
    for d in diagnostics {
        if lines.0 != Some(d.file.as_str()) {
            lines = (
                Some(d.file.as_str()),
                source(&d.file)
                    .map(|s| s.lines().collect())
                    .unwrap_or_default(),
            );
        }
        let heading = match d.rule {
            Some(rule) if heading == "warning" => format!("warning[{rule}]"),
            _ => heading.to_owned(),
        };
        render_into(&mut out, d, &heading, &lines.1, source);
    }
    out
}

/// Renders one diagnostic under a heading (`error`, `warning[rule]`…), with its source
/// line, notes and help, followed by a blank line; no summary. `lines` are the lines of
/// the file it points into (split once by the caller), or empty; `others` gives the
/// text of the other files its notes point into.
pub fn render_into<'a>(
    out: &mut String,
    d: &Diagnostic,
    heading: &str,
    lines: &[&str],
    others: &dyn Fn(&str) -> Option<&'a str>,
) {
    let _ = writeln!(out, "{heading}: {}", d.message);
    render_location(out, &d.file, d.pos, lines, None);
    for note in &d.notes {
        match &note.file {
            None => render_location(out, &d.file, note.pos, lines, Some(&note.text)),
            Some(file) => {
                let lines: Vec<&str> = others(file)
                    .map(|s| s.lines().collect())
                    .unwrap_or_default();
                render_location(out, file, note.pos, &lines, Some(&note.text));
            }
        }
    }
    if let Some(help) = &d.help {
        let _ = writeln!(out, "  = help: {help}");
    }
    out.push('\n');
}

/// Source lines up to this many bytes are shown whole.
const MAX_SHOWN: usize = 512;
/// How many characters of a longer line are shown around the column.
const WINDOW: usize = 200;

fn render_location(out: &mut String, file: &str, pos: Pos, lines: &[&str], note: Option<&str>) {
    if pos.line == 0 {
        let _ = writeln!(out, "  --> {file}");
        return;
    }
    let _ = writeln!(out, "  --> {file}:{}:{}", pos.line, pos.column);
    let Some(text) = lines.get(pos.line as usize - 1) else {
        return;
    };
    let number = pos.line.to_string();
    let pad = " ".repeat(number.len());
    let mut column = pos.column.max(1) as usize - 1;
    // A long line (a whole spec in one flow mapping, say) is cut to a window around the
    // column, so one problem never prints kilobytes; the work is bounded by the column.
    let text = if text.len() <= MAX_SHOWN {
        text.replace('\t', " ")
    } else {
        let start = column.saturating_sub(WINDOW / 3);
        let mut shown: String = text.chars().skip(start).take(WINDOW + 1).collect();
        let cut_end = shown.chars().count() > WINDOW;
        if cut_end {
            shown = shown.chars().take(WINDOW).collect();
        }
        let mut out = String::with_capacity(shown.len() + 8);
        if start > 0 {
            out.push('…');
            column = column - start + 1;
        }
        out.push_str(&shown.replace('\t', " "));
        if cut_end {
            out.push('…');
        }
        out
    };
    let width = text.chars().count().saturating_sub(column).max(1);
    let len = (pos.len.max(1) as usize).min(width);
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{number} | {text}");
    let _ = write!(out, "{pad} | {}{}", " ".repeat(column), "^".repeat(len));
    match note {
        Some(note) => {
            let _ = writeln!(out, " {note}");
        }
        None => out.push('\n'),
    }
}

#[cfg(test)]
mod tests {
    /// Regression: each unknown dependency was compared with every component name, so
    /// many of them took quadratic time (20,000: 25 s; 100,000: over 5 minutes).
    #[test]
    fn many_unknown_names_cost_bounded_work() {
        let known: Vec<String> = (0..20_000).map(|i| format!("c{i:06}")).collect();
        let names = Names::new(known.iter().map(String::as_str));
        // A typo still finds its name, past the full-scan size.
        assert_eq!(names.closest("c012345x"), Some("c012345"));
        assert!(names.candidates("m000001-missing").len() <= Names::CANDIDATES + 64 * 64);
        for i in 0..20_000 {
            let _ = names.closest(&format!("m{i:06}-missing"));
        }
        // Small lists answer exactly as the free function does.
        let small = ["postgres", "redis", "nextjs-shop", "foundation-vault-core"];
        let index = Names::new(small);
        for wanted in ["postgress", "vault-core", "kafka", "redis-x"] {
            assert_eq!(index.closest(wanted), closest(wanted, small));
        }
    }

    /// Regression: a diagnostic printed its whole source line, so one problem on a
    /// 200 KB line gave 200 KB of stderr (and a thousand, 247 MB).
    #[test]
    fn a_long_line_is_cut_around_the_column() {
        let mut line = "a".repeat(150_000);
        line.push_str("HERE");
        line.push_str(&"b".repeat(50_000));
        let d = Diagnostic::new("f.yaml", Pos::new(1, 150_001).with_len(4), "bad");
        let out = render(&[d], Some(&line));
        assert!(out.len() < 1024, "{} bytes", out.len());
        let lines: Vec<&str> = out.lines().collect();
        let (source, caret) = (lines[3], lines[4]);
        let at = source.chars().position(|c| c == 'H').unwrap();
        assert_eq!(caret.chars().position(|c| c == '^'), Some(at));
        assert!(caret.ends_with("^^^^"));
        assert!(source.contains('…'));
        // A line of ordinary length is shown whole.
        let d = Diagnostic::new("f.yaml", Pos::new(1, 3), "bad");
        assert!(render(&[d], Some(&"x".repeat(400))).contains(&"x".repeat(400)));
    }

    use super::*;

    #[test]
    fn suggestion_picks_the_closest_known_name() {
        let known = ["postgres", "redis", "nextjs-shop"];
        assert_eq!(
            did_you_mean("postgress", known).as_deref(),
            Some("did you mean `postgres`?")
        );
        assert_eq!(did_you_mean("kafka", known), None);
    }

    #[test]
    fn render_points_at_the_column() {
        let d = Diagnostic::new("a.yaml", Pos::new(2, 5).with_len(3), "bad").help("fix it");
        let text = render(&[d], Some("x: 1\ny:  abc\n"));
        assert!(text.contains("  --> a.yaml:2:5\n"), "{text}");
        assert!(text.contains("2 | y:  abc\n  |     ^^^\n"), "{text}");
        assert!(text.contains("= help: fix it"), "{text}");
    }
}
