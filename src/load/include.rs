//! Component files: the spec's `include` globs, matched against the files the caller
//! found beside the spec and read (the core never reads files), each file one component
//! or a list of them, merged into the spec's `components` so every later stage sees one
//! tree.
//!
//! Positions stay apart: each included file's lines are numbered after the spec's and
//! the files before it, so a position in the merged tree names one place in one file,
//! and [`Sources::relocate`] turns the diagnostics of any stage back into file, line and
//! column (a note in another file, the first definition of a duplicate say, moves to
//! [`Note::file`](crate::diagnostic::Note::file)).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::diagnostic::{Diagnostic, Pos};

use super::yaml::{self, Node, Value};

/// What the caller found for the spec's `include` globs, relative to the spec's folder
/// (with `/`): the files it read, and the ones it did not read with the reason.
#[derive(Debug, Clone, Copy)]
pub struct Included<'a> {
    /// Path to text.
    pub files: &'a BTreeMap<String, String>,
    /// Path to why it was not read (a symbolic link, not UTF-8, …).
    pub unread: &'a BTreeMap<String, String>,
    /// The folder the files are named from, when not the spec's name's ([`folder_of`]).
    pub folder: Option<&'a str>,
}

/// The folder of a spec as it is named (`deploy/` for `deploy/ladder.yaml`, `` for
/// `ladder.yaml`): component files are named as this plus their path.
pub fn folder_of(spec: &str) -> &str {
    spec.rfind('/').map_or("", |i| &spec[..=i])
}

/// The files a loaded spec was read from: the spec, then its component files in path
/// order, each with the lines it takes in the merged tree's numbering.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    spec: String,
    files: Vec<Source>,
}

/// One component file of a spec.
#[derive(Debug, Clone)]
pub struct Source {
    /// As diagnostics name it: the spec's folder as the spec is named, then `path`.
    pub file: String,
    /// Relative to the spec's folder.
    pub path: String,
    pub text: String,
    /// The merged tree's number of this file's line 1.
    first: u32,
    /// The index in the merged `components` of its first component, and how many.
    start: usize,
    count: usize,
    /// Whether it holds one component (a mapping) rather than a list.
    single: bool,
}

impl Source {
    /// `text` with each `components[N]` of this file's components named as the file
    /// holds it: `[k]` in a list, nothing in a file of one component.
    fn local_paths(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find("components[") {
            let after = &rest[at + "components[".len()..];
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            let index = after[..digits].parse::<usize>().ok();
            let ours = index.filter(|i| {
                after[digits..].starts_with(']')
                    && (self.start..self.start + self.count).contains(i)
            });
            let Some(index) = ours else {
                out.push_str(&rest[..at + "components[".len()]);
                rest = after;
                continue;
            };
            let tail = &after[digits + 1..];
            let before = &rest[..at];
            if !self.single {
                out.push_str(before);
                let _ = write!(out, "[{}]", index - self.start);
                rest = tail;
            } else if let (Some(open), Some(close)) =
                (before.strip_suffix('`'), tail.strip_prefix('`'))
            {
                out.push_str(open);
                out.push_str("the component");
                rest = close;
            } else {
                out.push_str(before);
                rest = tail.strip_prefix('.').unwrap_or(tail);
            }
        }
        out.push_str(rest);
        out
    }
}

impl Sources {
    pub(super) fn new(spec: &str) -> Self {
        Sources {
            spec: spec.to_owned(),
            files: Vec::new(),
        }
    }

    /// The component files, in path order.
    pub fn files(&self) -> &[Source] {
        &self.files
    }

    /// The text of component file `file` (as diagnostics name it).
    pub fn text(&self, file: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|s| s.file == file)
            .map(|s| s.text.as_str())
    }

    /// The file and its own position for a position of the merged tree: a component
    /// file's, or `None` for the spec's own lines.
    fn locate(&self, pos: Pos) -> Option<(&Source, Pos)> {
        let at = self.files.partition_point(|s| s.first <= pos.line);
        let source = self.files.get(at.checked_sub(1)?)?;
        Some((
            source,
            Pos {
                line: pos.line - source.first + 1,
                ..pos
            },
        ))
    }

    /// Points the diagnostics of the spec that fall in a component file at that file,
    /// with its own line numbers; notes in another file than their diagnostic's move to
    /// [`Note::file`](crate::diagnostic::Note::file). Sorted again by file and position.
    pub fn relocate(&self, diagnostics: &mut Vec<Diagnostic>) {
        if self.files.is_empty() {
            return;
        }
        for d in diagnostics.iter_mut() {
            if d.file != self.spec {
                continue;
            }
            let (file, pos) = self
                .locate(d.pos)
                .map_or((None, d.pos), |(s, p)| (Some(s), p));
            // A note that already names its file was placed by an earlier pass.
            for note in d.notes.iter_mut().filter(|n| n.file.is_none()) {
                let (note_file, at) = self
                    .locate(note.pos)
                    .map_or((None, note.pos), |(s, p)| (Some(s), p));
                note.pos = at;
                if note_file.map(|s| &s.file) != file.map(|s| &s.file) {
                    note.file = Some(note_file.map_or(&self.spec, |s| &s.file).clone());
                }
            }
            if let Some(source) = file {
                d.file.clone_from(&source.file);
                d.pos = pos;
                d.message = source.local_paths(&d.message);
                d.help = d.help.as_deref().map(|h| source.local_paths(h));
            }
        }
        crate::diagnostic::sort(diagnostics);
    }
}

/// Merges the component files `included` holds for the globs of the spec tree's
/// `include` into its `components`, in path order; a file matched by several globs is
/// read once. The problems come back beside what merged, so the schema check still
/// sees the files that did: a glob that leaves the spec's folder or matches no file, a
/// file not read, a file that is not YAML or holds neither a component nor a list of
/// them. Files larger together than `limit` bytes are refused outright. A spec whose
/// `include` is not a list of strings is left as it is for the schema check to report.
pub(super) fn merge(
    file: &str,
    tree: &mut Node,
    lines: usize,
    included: Included<'_>,
    limit: usize,
) -> Result<(Sources, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut sources = Sources::new(file);
    let Some(globs) = globs(tree) else {
        return Ok((sources, Vec::new()));
    };
    let mut problems = Vec::new();
    // Each file matched, with the first glob that matched it; a folder the caller could
    // not read (a link, no permission) may hold component files, so it is always one.
    let mut matched: BTreeMap<&str, Pos> = included
        .unread
        .keys()
        .filter(|p| p.ends_with('/'))
        .map(|p| (p.as_str(), globs.first().map_or(Pos::default(), |g| g.1)))
        .collect();
    for (glob, pos) in &globs {
        if let Some(why) = outside(glob) {
            problems.push(
                Diagnostic::new(file, *pos, format!("`{glob}` {why}"))
                    .help("component files are found relative to the spec's folder, e.g. `components/**/component.yaml`"),
            );
            continue;
        }
        let mut any = false;
        for path in included.files.keys().chain(included.unread.keys()) {
            if crate::glob::paths(glob, path) {
                any = true;
                matched.entry(path).or_insert(*pos);
            }
        }
        if !any && !included.unread.keys().any(|p| p.ends_with('/')) {
            problems.push(
                Diagnostic::new(file, *pos, format!("`{glob}` matches no file"))
                    .help("a component file is a YAML file below the spec's folder; check the glob (`*` stays inside a folder, `**` spans folders), or remove it"),
            );
        }
    }
    let total: usize = matched
        .keys()
        .filter_map(|p| included.files.get(*p))
        .map(String::len)
        .sum();
    if total > limit {
        problems.push(Diagnostic::new(
            file,
            globs[0].1,
            format!(
                "the component files take {total} bytes; ladder reads at most {limit} bytes of them"
            ),
        ));
        return Err(problems);
    }
    let folder = included.folder.unwrap_or_else(|| folder_of(file));
    let mut first = u32::try_from(lines).unwrap_or(u32::MAX).saturating_add(2);
    let mut components = Vec::new();
    let own = match tree.get("components").map(|c| &c.value) {
        Some(Value::Seq(items)) => items.len(),
        _ => 0,
    };
    for (path, glob_at) in &matched {
        let shown = format!("{folder}{path}");
        let Some(text) = included.files.get(*path) else {
            let why = included.unread.get(*path).map_or("", String::as_str);
            problems.push(
                Diagnostic::new(
                    file,
                    *glob_at,
                    if path.ends_with('/') {
                        format!("the folder `{shown}` was not read: {why}")
                    } else {
                        format!("the component file `{shown}` was not read: {why}")
                    },
                )
                .help("a component file is a regular UTF-8 file inside the spec's folder"),
            );
            continue;
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let start = own + components.len();
        let mut single = false;
        match yaml::parse(&shown, text) {
            Err(mut d) => {
                if d.message == "a second YAML document starts here" {
                    d.help = Some(
                        "a component file is one YAML document: one component, or a list of them"
                            .into(),
                    );
                }
                problems.push(d);
            }
            Ok(node) => {
                single = matches!(node.value, Value::Map(_));
                let help =
                    "write one component (`name: web`, `dependsOn: [...]`), or a list of them";
                let mut found = match node.value {
                    Value::Map(_) => vec![node],
                    Value::Seq(items) => items,
                    Value::Null => {
                        problems.push(
                            Diagnostic::new(&shown, Pos::new(1, 1), "the component file is empty")
                                .help(help),
                        );
                        Vec::new()
                    }
                    other => {
                        problems.push(
                            Diagnostic::new(
                                &shown,
                                node.pos,
                                format!(
                                    "a component file holds one component or a list of them, not {}",
                                    other.kind()
                                ),
                            )
                            .help(help),
                        );
                        Vec::new()
                    }
                };
                for component in &mut found {
                    shift(component, first - 1);
                }
                components.extend(found);
            }
        }
        sources.files.push(Source {
            file: shown,
            path: (*path).to_owned(),
            text: text.to_owned(),
            first,
            start,
            count: own + components.len() - start,
            single,
        });
        let taken = u32::try_from(yaml::line_count(text)).unwrap_or(u32::MAX);
        first = first.saturating_add(taken).saturating_add(2);
    }
    append(tree, components);
    Ok((sources, problems))
}

/// The spec's `include` globs with their positions, when it is a list of strings.
fn globs(tree: &Node) -> Option<Vec<(String, Pos)>> {
    let Value::Seq(items) = &tree.get("include")?.value else {
        return None;
    };
    items
        .iter()
        .map(|item| item.as_str().map(|s| (s.to_owned(), item.pos)))
        .collect()
}

/// Why a glob cannot name files inside the spec's folder, if it cannot.
fn outside(glob: &str) -> Option<&'static str> {
    if glob.is_empty() {
        return Some("is empty");
    }
    if glob.starts_with('/') || glob.contains('\\') {
        return Some("is not a path relative to the spec's folder");
    }
    if glob.split('/').any(|s| s == "..") {
        return Some("leaves the spec's folder");
    }
    if glob.split('/').any(|s| s.eq_ignore_ascii_case(".git")) {
        return Some("reaches into `.git`");
    }
    if glob.split('/').any(|s| s.is_empty() || s == ".") {
        return Some(
            "has an empty or `.` part; write the path from the spec's folder, without `./` or `//`",
        );
    }
    if glob.contains(['[', ']', '{', '}']) {
        return Some(
            "uses `[…]` or `{…}`, which ladder's globs do not have: they have `*`, `?` and `**`",
        );
    }
    None
}

/// Moves every position of a component file's tree after the lines before it.
fn shift(node: &mut Node, by: u32) {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        node.pos.line = node.pos.line.saturating_add(by);
        match &mut node.value {
            Value::Seq(items) => stack.extend(items.iter_mut()),
            Value::Map(entries) => {
                for (key, value) in entries.iter_mut() {
                    key.pos.line = key.pos.line.saturating_add(by);
                    stack.push(value);
                }
            }
            _ => {}
        }
    }
}

/// Adds the included components after the spec's own, making `components` (at the
/// `include` key) when the spec has none.
fn append(tree: &mut Node, components: Vec<Node>) {
    let Value::Map(entries) = &mut tree.value else {
        return;
    };
    if let Some((_, list)) = entries
        .iter_mut()
        .find(|(k, _)| k.as_str() == Some("components"))
    {
        if let Value::Seq(items) = &mut list.value {
            items.extend(components);
        }
        // A `components` that is not a list is the schema check's to report.
        return;
    }
    let Some(at) = entries
        .iter()
        .find(|(k, _)| k.as_str() == Some("include"))
        .map(|(k, _)| k.pos)
    else {
        return;
    };
    entries.push((
        Node {
            value: Value::Str("components".into()),
            pos: at,
        },
        Node {
            value: Value::Seq(components),
            pos: at,
        },
    ));
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::diagnostic::Pos;

    fn load(
        spec: &str,
        files: &[(&str, &str)],
    ) -> Result<crate::load::Loaded, Vec<crate::diagnostic::Diagnostic>> {
        let files: BTreeMap<String, String> = files
            .iter()
            .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
            .collect();
        let unread = BTreeMap::new();
        let included = super::Included {
            files: &files,
            unread: &unread,
            folder: None,
        };
        crate::load::load_with("repo/ladder.yaml", spec.as_bytes(), None, Some(included))
    }

    const SPEC: &str = "name: shop\nenvironments: [{name: dev}]\ninclude: [\"teams/*.yaml\"]\ncomponents:\n  - name: ingress\n";

    #[test]
    fn components_of_files_follow_the_spec_s_own_in_path_order() {
        let loaded = load(
            SPEC,
            &[
                ("teams/web.yaml", "name: web\n"),
                ("teams/data.yaml", "- name: postgres\n- name: api\n"),
                ("other/x.yaml", "name: unmatched\n"),
            ],
        )
        .unwrap();
        let names: Vec<&str> = loaded
            .spec
            .components
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, ["ingress", "postgres", "api", "web"]);
        let files: Vec<&str> = loaded
            .sources
            .files()
            .iter()
            .map(|s| s.file.as_str())
            .collect();
        assert_eq!(files, ["repo/teams/data.yaml", "repo/teams/web.yaml"]);
        assert_eq!(
            loaded.sources.text("repo/teams/web.yaml"),
            Some("name: web\n")
        );
    }

    /// A schema problem in a component file points at that file, its own line, and
    /// names the component as the file holds it.
    #[test]
    fn problems_point_into_the_component_file_with_its_own_paths() {
        let errors = load(
            SPEC,
            &[
                (
                    "teams/data.yaml",
                    "- name: postgres\n- name: api\n  dependsOn: postgres\n",
                ),
                ("teams/web.yaml", "name: web\ndependOn: [api]\n"),
            ],
        )
        .unwrap_err();
        let got: Vec<(&str, Pos, &str)> = errors
            .iter()
            .map(|d| (d.file.as_str(), d.pos, d.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "repo/teams/data.yaml",
                    Pos::new(3, 14).with_len(8),
                    "`[1].dependsOn` must be a list, found a string"
                ),
                (
                    "repo/teams/web.yaml",
                    Pos::new(2, 1).with_len(8),
                    "unknown field `dependOn` in the component"
                ),
            ],
            "{errors:#?}"
        );
    }

    /// `ladder diff --base origin/main` names the base spec `repo/ladder.yaml at
    /// origin/main`: its component files are named from the folder it is given, not from
    /// the last `/` of that name.
    #[test]
    fn component_files_of_a_base_revision_are_named_from_the_given_folder() {
        let files = BTreeMap::from([("teams/web.yaml".to_owned(), "name: web\n".to_owned())]);
        let unread = BTreeMap::new();
        let included = super::Included {
            files: &files,
            unread: &unread,
            folder: Some("repo/"),
        };
        let loaded = crate::load::load_with(
            "repo/ladder.yaml at origin/main",
            SPEC.as_bytes(),
            None,
            Some(included),
        )
        .unwrap();
        let names: Vec<&str> = loaded
            .sources
            .files()
            .iter()
            .map(|s| s.file.as_str())
            .collect();
        assert_eq!(names, ["repo/teams/web.yaml"]);
        assert_eq!(super::folder_of("repo/ladder.yaml"), "repo/");
        assert_eq!(super::folder_of("ladder.yaml"), "");
    }

    /// A note in another file than its diagnostic names that file.
    #[test]
    fn a_note_in_another_file_names_it() {
        let mut sources = super::Sources::new("s.yaml");
        sources.files.push(super::Source {
            file: "a.yaml".into(),
            path: "a.yaml".into(),
            text: String::new(),
            first: 100,
            start: 1,
            count: 1,
            single: true,
        });
        let mut diagnostics = vec![
            crate::diagnostic::Diagnostic::new("s.yaml", Pos::new(102, 3), "duplicate")
                .note(Pos::new(5, 1), "first defined here"),
            crate::diagnostic::Diagnostic::new("s.yaml", Pos::new(4, 1), "in the spec")
                .note(Pos::new(101, 2), "there"),
        ];
        sources.relocate(&mut diagnostics);
        assert_eq!(diagnostics[0].file, "a.yaml");
        assert_eq!(diagnostics[0].pos, Pos::new(3, 3));
        assert_eq!(diagnostics[0].notes[0].file.as_deref(), Some("s.yaml"));
        assert_eq!(diagnostics[0].notes[0].pos, Pos::new(5, 1));
        assert_eq!(diagnostics[1].file, "s.yaml");
        assert_eq!(diagnostics[1].notes[0].file.as_deref(), Some("a.yaml"));
        assert_eq!(diagnostics[1].notes[0].pos, Pos::new(2, 2));
    }

    /// Regression: lines were counted with `str::lines`, which does not break at a lone
    /// `\r` as YAML does, so a spec with old Mac line ends pushed its lines into the
    /// first component file's and a problem in the spec was shown there.
    #[test]
    fn a_spec_with_carriage_return_line_ends_keeps_its_own_lines() {
        let spec = SPEC.replace('\n', "\r") + "  - name: api\r    dependsOn: [nope]\r";
        let loaded = load(&spec, &[("teams/web.yaml", "name: web\n\n\n\n\n\n\n\n\n")]).unwrap();
        let mut d = vec![crate::diagnostic::Diagnostic::new(
            "repo/ladder.yaml",
            Pos::new(7, 17),
            "x",
        )];
        loaded.sources.relocate(&mut d);
        assert_eq!(d[0].file, "repo/ladder.yaml");
    }

    #[test]
    fn paths_name_components_as_their_file_holds_them() {
        let list = super::Source {
            file: String::new(),
            path: String::new(),
            text: String::new(),
            first: 1,
            start: 3,
            count: 2,
            single: false,
        };
        assert_eq!(
            list.local_paths("`components[4].dependsOn` and components[12]"),
            "`[1].dependsOn` and components[12]"
        );
        let one = super::Source {
            start: 7,
            count: 1,
            single: true,
            ..list
        };
        assert_eq!(
            one.local_paths("unknown field `x` in `components[7]`"),
            "unknown field `x` in the component"
        );
        assert_eq!(
            one.local_paths("`components[7].source.path` is empty"),
            "`source.path` is empty"
        );
    }

    #[test]
    fn globs_outside_the_folder_and_files_too_large_are_refused() {
        let spec = "name: shop\nenvironments: [{name: dev}]\ninclude: [\"../x/*.yaml\", \"/etc/*.yaml\", \".git/*\"]\n";
        let errors = load(spec, &[]).unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`../x/*.yaml` leaves the spec's folder",
                "`/etc/*.yaml` is not a path relative to the spec's folder",
                "`.git/*` reaches into `.git`",
            ]
        );
        let big = format!(
            "name: web\nlabels: {{a: \"{}\"}}\n",
            "x".repeat(crate::load::MAX_SPEC_BYTES)
        );
        let errors = load(SPEC, &[("teams/web.yaml", &big)]).unwrap_err();
        assert!(
            errors[0].message.starts_with("the component files take"),
            "{errors:?}"
        );
    }
}
