//! Diagnostics: every problem ladder finds in an input, as data.
//!
//! A [`Diagnostic`] names the file, the line and column it points at, what is
//! wrong, and (where ladder can tell) the likely fix. Stages collect them in a
//! `Vec` instead of failing on the first one, so a user sees every problem of
//! a spec in one run. Rendering to text happens in one place, [`render`], so
//! every command prints problems the same way.
//!
//! A shared piece at the bottom of the tree: imports nothing of ladder's.

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
    pub notes: Vec<(Pos, String)>,
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
        self.notes.push((pos, note.into()));
        self
    }
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

/// Sorts diagnostics by file and position (then message), and drops exact repeats.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| (&a.file, a.pos, &a.message).cmp(&(&b.file, b.pos, &b.message)));
    diagnostics.dedup();
}

/// Renders diagnostics as text, rustc style, with the source line and a caret.
///
/// `source` is the text of the file the diagnostics point into, when known.
pub fn render(diagnostics: &[Diagnostic], source: Option<&str>) -> String {
    let lines: Vec<&str> = source.map(|s| s.lines().collect()).unwrap_or_default();
    let mut out = String::new();
    for d in diagnostics {
        render_into(&mut out, d, "error", &lines);
    }
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
    let lines: Vec<&str> = source.map(|s| s.lines().collect()).unwrap_or_default();
    let mut out = String::new();
    for d in diagnostics {
        let heading = d
            .rule
            .map_or_else(|| "warning".to_owned(), |rule| format!("warning[{rule}]"));
        render_into(&mut out, d, &heading, &lines);
    }
    out
}

/// Renders one diagnostic under a heading (`error`, `warning[rule]`…), with its source
/// line, notes and help, followed by a blank line; no summary. `lines` are the lines of
/// the file it points into (split once by the caller), or empty.
pub fn render_into(out: &mut String, d: &Diagnostic, heading: &str, lines: &[&str]) {
    let _ = writeln!(out, "{heading}: {}", d.message);
    render_location(out, &d.file, d.pos, lines, None);
    for (pos, note) in &d.notes {
        render_location(out, &d.file, *pos, lines, Some(note));
    }
    if let Some(help) = &d.help {
        let _ = writeln!(out, "  = help: {help}");
    }
    out.push('\n');
}

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
    let text = text.replace('\t', " ");
    let column = pos.column.max(1) as usize - 1;
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
