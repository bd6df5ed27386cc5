//! The source tree is the pipeline, and this test keeps it so.
//!
//! It reads every file of the library under `src/` (not the binary's `src/cli/`, which
//! is a client of the library), finds what each one refers to (`use` lines and paths
//! through `crate::`, `super::`, `self::` or a child module), and checks:
//!
//! - **layers**: a top-level module refers only to modules of a lower layer
//!   ([`LAYERS`]): the shared pieces at the bottom, then each pipeline stage, then the
//!   pipeline that runs them, then the tools that use them;
//! - **no import cycles** between files, inside a folder too: a child that needs its
//!   parent's items means those items belong in a module of their own;
//! - **small files**: none much over 600 lines.
//!
//! Comments, string literals and unit tests (`#[cfg(test)] mod tests`, `tests.rs`)
//! are left out: they are not imports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::root;

/// Every top-level module of the library and its layer. A module may refer only to
/// modules of lower layers (the tools, layer 7, not to each other).
const LAYERS: &[(&str, u8)] = &[
    ("diagnostic", 0),
    ("dag", 0),
    ("glob", 0),
    ("load", 1),
    ("analyze", 2),
    ("generate", 2),
    ("evidence", 2),
    ("plan", 3),
    ("render", 4),
    ("emit", 5),
    ("simulate", 5),
    ("pipeline", 6),
    ("review", 7),
    ("lint", 7),
    ("validate", 7),
    ("edit", 7),
    ("import", 7),
];

/// The longest a source file may grow, in lines.
const MAX_LINES: usize = 650;

/// A module path, e.g. `["analyze", "names"]`; the crate root is empty.
type Module = Vec<String>;

struct File {
    rel: String,
    module: Module,
    /// Code with comments, strings and test modules blanked out.
    code: String,
    lines: usize,
}

fn library_files() -> Vec<File> {
    let src = root().join("src");
    let mut out = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if path.is_dir() {
                if rel != "cli" {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs")
                && rel != "main.rs"
                && !rel.ends_with("/tests.rs")
            {
                out.push(read(&path, &rel));
            }
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

fn read(path: &Path, rel: &str) -> File {
    let text = std::fs::read_to_string(path).unwrap();
    let mut module: Module = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if module.last().is_some_and(|m| m == "mod" || m == "lib") {
        module.pop();
    }
    // A file's unit tests close it (`#[cfg(test)] mod tests { … }`); they are not imports.
    let production = text
        .find("#[cfg(test)]\nmod tests {")
        .map_or(text.as_str(), |at| &text[..at]);
    File {
        rel: format!("src/{rel}"),
        module,
        code: strip(production),
        lines: text.lines().count(),
    }
}

/// `text` without comments, string and character literals (each replaced by a space),
/// so that only code is searched for paths.
fn strip(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
            out.push(' ');
        } else if c == 'r' && matches!(next, Some('"' | '#')) && !ident_before(&chars, i) {
            // A raw string: r"…", r#"…"#, r##"…"##.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
            out.push(' ');
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push(' ');
        } else if c == '\'' && next == Some('\\') {
            // An escaped character literal: '\n', '\'', '\u{..}'.
            i += 2;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push(' ');
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3;
            out.push(' ');
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// The paths a file's code names, as segments: `use` trees expanded, and every
/// `a::b::c` path elsewhere.
fn paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = find_word(rest, "use") {
        let tail = &rest[at + 3..];
        let Some(end) = tail.find(';') else { break };
        expand(&tail[..end], &[], &mut out);
        rest = &tail[end..];
    }
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if (chars[i].is_alphabetic() || chars[i] == '_') && !ident_before(&chars, i) {
            let mut segments = Vec::new();
            let mut j = i;
            loop {
                let start = j;
                while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                segments.push(chars[start..j].iter().collect::<String>());
                let more = chars.get(j) == Some(&':')
                    && chars.get(j + 1) == Some(&':')
                    && chars
                        .get(j + 2)
                        .is_some_and(|c| c.is_alphabetic() || *c == '_');
                if !more {
                    break;
                }
                j += 2;
            }
            if segments.len() > 1 {
                out.push(segments);
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

fn find_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find(word) {
        let at = from + found;
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let boundary = |c: Option<char>| !c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        if boundary(before) && after.is_some_and(char::is_whitespace) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// Expands a `use` tree (`a::{b, c::{d, e}}`) into full paths.
fn expand(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    let (head, group) = match tree.find('{') {
        Some(open) => (
            &tree[..open],
            Some(&tree[open + 1..tree.rfind('}').unwrap_or(tree.len())]),
        ),
        None => (tree, None),
    };
    let head = head.split(" as ").next().unwrap_or_default();
    let mut path = prefix.to_vec();
    path.extend(
        head.split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
    );
    match group {
        None => out.push(path),
        Some(group) => {
            let mut depth = 0;
            let mut start = 0;
            for (k, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(&group[start..k], &path, out);
                        start = k + 1;
                    }
                    _ => {}
                }
            }
            if !group[start..].trim().is_empty() {
                expand(&group[start..], &path, out);
            }
        }
    }
}

/// The file-level import graph: file → the modules (files) it refers to.
fn graph(files: &[File]) -> BTreeMap<Module, BTreeSet<Module>> {
    let modules: BTreeSet<Module> = files.iter().map(|f| f.module.clone()).collect();
    let mut graph = BTreeMap::new();
    for file in files {
        let children: BTreeSet<&str> = modules
            .iter()
            .filter(|m| m.len() == file.module.len() + 1 && m.starts_with(&file.module))
            .map(|m| m[m.len() - 1].as_str())
            .collect();
        let mut targets = BTreeSet::new();
        for path in paths(&file.code) {
            let mut absolute: Module = match path[0].as_str() {
                "crate" => Vec::new(),
                "self" => file.module.clone(),
                "super" => file.module[..file.module.len().saturating_sub(1)].to_vec(),
                name if children.contains(name) => {
                    let mut m = file.module.clone();
                    m.push(name.to_owned());
                    m
                }
                _ => continue,
            };
            let skip = usize::from(matches!(path[0].as_str(), "crate" | "self" | "super"));
            let mut rest = path[skip..].iter().peekable();
            while rest.peek().is_some_and(|s| *s == "super") {
                absolute.pop();
                rest.next();
            }
            absolute.extend(rest.cloned());
            // The longest prefix that is a file's module.
            let target = (0..=absolute.len())
                .rev()
                .map(|n| absolute[..n].to_vec())
                .find(|m| modules.contains(m))
                .unwrap_or_default();
            // The crate root only declares modules and re-exports the pipeline's types.
            let target = if target.is_empty() {
                vec!["pipeline".to_owned()]
            } else {
                target
            };
            if target != file.module {
                targets.insert(target);
            }
        }
        graph.insert(file.module.clone(), targets);
    }
    graph
}

fn name(module: &Module) -> String {
    if module.is_empty() {
        "crate".into()
    } else {
        module.join("::")
    }
}

#[test]
fn each_stage_imports_only_the_stages_before_it() {
    let files = library_files();
    let layers: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let mut problems = Vec::new();
    for file in files.iter().filter(|f| f.module.len() == 1) {
        if !layers.contains_key(file.module[0].as_str()) {
            problems.push(format!(
                "{} is a top-level module without a layer: add it to LAYERS in tests/architecture.rs, \
                 below everything it imports and above everything that imports it",
                file.rel
            ));
        }
    }
    for (from, targets) in graph(&files) {
        let Some(from_top) = from.first() else {
            continue;
        };
        let Some(&from_layer) = layers.get(from_top.as_str()) else {
            continue;
        };
        for to in targets {
            let to_top = &to[0];
            if to_top == from_top {
                continue;
            }
            let to_layer = layers.get(to_top.as_str()).copied().unwrap_or(u8::MAX);
            if to_layer >= from_layer {
                problems.push(format!(
                    "{} (layer {from_layer}) imports {} (layer {to_layer}): a module may import only lower layers",
                    name(&from),
                    name(&to)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_module_imports_itself_through_others() {
    let graph = graph(&library_files());
    let mut cycles = Vec::new();
    // Colours: 0 unvisited, 1 on the current path, 2 done. Iterative depth-first search.
    let mut colour: BTreeMap<&Module, u8> = BTreeMap::new();
    for start in graph.keys() {
        if colour.get(start).copied().unwrap_or(0) != 0 {
            continue;
        }
        let mut path: Vec<&Module> = vec![start];
        let mut stack: Vec<std::collections::btree_set::Iter<'_, Module>> =
            vec![graph[start].iter()];
        colour.insert(start, 1);
        while let Some(next) = stack.last_mut().map(Iterator::next) {
            match next {
                None => {
                    stack.pop();
                    colour.insert(path.pop().unwrap(), 2);
                }
                Some(to) => match colour.get(to).copied().unwrap_or(0) {
                    0 => {
                        colour.insert(to, 1);
                        path.push(to);
                        stack.push(graph.get(to).map_or_else(
                            || {
                                static EMPTY: BTreeSet<Module> = BTreeSet::new();
                                EMPTY.iter()
                            },
                            BTreeSet::iter,
                        ));
                    }
                    1 => {
                        let at = path.iter().position(|m| *m == to).unwrap();
                        let mut cycle: Vec<String> = path[at..].iter().map(|m| name(m)).collect();
                        cycle.push(name(to));
                        cycles.push(cycle.join(" → "));
                    }
                    _ => {}
                },
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles (move what both sides need into a module of its own):\n{}",
        cycles.join("\n")
    );
}

#[test]
fn no_source_file_is_much_over_600_lines() {
    let mut long: Vec<String> = library_files()
        .iter()
        .filter(|f| f.lines > MAX_LINES)
        .map(|f| format!("{}: {} lines", f.rel, f.lines))
        .collect();
    // The binary's files too.
    for entry in std::fs::read_dir(root().join("src/cli")).unwrap() {
        let path = entry.unwrap().path();
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        if lines > MAX_LINES {
            long.push(format!("{}: {lines} lines", path.display()));
        }
    }
    assert!(
        long.is_empty(),
        "split these files by concern (at most {MAX_LINES} lines):\n{}",
        long.join("\n")
    );
}

#[test]
fn the_import_scanner_reads_use_trees_and_paths() {
    let code = strip(
        "use crate::a::{b, c::{d, e as f}};\n// use crate::x;\nlet s = \"crate::y\";\nsuper::g::h();\n",
    );
    let found = paths(&code);
    let want: Vec<Vec<String>> = [
        &["crate", "a", "b"][..],
        &["crate", "a", "c", "d"],
        &["crate", "a", "c", "e"],
        &["crate", "a"],
        &["super", "g", "h"],
    ]
    .iter()
    .map(|p| p.iter().map(|s| (*s).to_owned()).collect())
    .collect();
    for w in &want {
        assert!(found.contains(w), "{w:?} not in {found:?}");
    }
    assert!(
        !found
            .iter()
            .any(|p| p.contains(&"x".to_owned()) || p.contains(&"y".to_owned()))
    );
}
