//! ApplicationSet git generators evaluated against a local checkout, as Argo CD v3.5.1
//! evaluates them against its clone (`applicationset/generators/git.go`):
//!
//! - `directories`: every folder of the repository except hidden ones and what is under
//!   them (repo-server `GetGitDirectories`, `repository.go:3279-3300`), matched by Go's
//!   `path.Match` (`*` stops at `/`); a folder any `exclude: true` item matches is left
//!   out, whichever item includes it (`filterApps`).
//! - `files`: the files `git ls-files -- PATTERN` lists (a pathspec: `*` matches `/`
//!   too, a pattern without wildcards names a file or everything under a folder;
//!   `util/git/client.go` `LsFiles`), less those an exclude pattern lists, in path order;
//!   each file is one parameter set, or one per item when it is a YAML list
//!   (`generateParamsFromGitFile`).
//! - parameters: Go templates get `path.{path,basename,basenameNormalized,segments}`
//!   (and `filename`, `filenameNormalized` for files) beside a file's own keys;
//!   fasttemplate gets them flattened (`path`, `path.basename`, `path[0]`…, a file's keys
//!   as `a.b`); `pathParamPrefix` goes before `path`; `values` are rendered against the
//!   parameters and added as `values`.
//!
//! The checkout is the working tree the CLI lists, not a revision: `revision` is not
//! read.

use std::cell::{OnceCell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use super::render::{map, render, scalar_text, text};
use super::set::{Failure, ParamSet};
use crate::diagnostic::Pos;
use crate::glob::{Slash, glob_with};
use crate::load::yaml::{self, Node, Value};

/// The files of a checkout, as the CLI reads them.
pub trait Tree {
    /// Every file `git ls-files` lists under the root (what a `files` generator sees):
    /// root-relative, `/`-separated, sorted.
    fn files(&self) -> &[String];
    /// Every file of the clone on disk, submodules' too (whose folders a `directories`
    /// generator sees); by default the same as [`Tree::files`].
    fn on_disk(&self) -> &[String] {
        self.files()
    }
    /// The text of a root-relative file, or why it cannot be read.
    fn read(&self, path: &str) -> Result<String, String>;
    /// Whether a generator's `revision` (not empty, not `HEAD`) names what is checked
    /// out, so that what lint reads is what the controller reads.
    fn checks_out(&self, revision: &str) -> bool {
        let _ = revision;
        true
    }
}

/// A local checkout of a repository that ApplicationSet git generators read.
pub struct Checkout<'a> {
    /// The URLs Argo CD may clone it by (its git remotes, or the configured URL).
    pub urls: Vec<String>,
    /// The root as findings name it (`.`, `deploy`).
    pub root: String,
    tree: &'a dyn Tree,
    dirs: OnceCell<Vec<String>>,
    /// What each pattern lists (folders or files), asked once: a matrix renders its
    /// second generator again for every set of its first.
    listed: RefCell<BTreeMap<Listed, Rc<[String]>>>,
    /// Each generator file's objects, parsed once.
    parsed: RefCell<BTreeMap<String, Rc<Parsed>>>,
}

/// A pattern asked for: (folders rather than files, the pattern).
type Listed = (bool, String);

/// A file's objects, or why the controller cannot read it (a message without the
/// generator's place, which differs from one generator to another).
type Parsed = Result<Vec<Node>, (bool, String)>;

impl std::fmt::Debug for Checkout<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkout")
            .field("urls", &self.urls)
            .field("root", &self.root)
            .field("files", &self.tree.files().len())
            .finish_non_exhaustive()
    }
}

impl<'a> Checkout<'a> {
    pub fn new(urls: Vec<String>, root: String, tree: &'a dyn Tree) -> Self {
        Checkout {
            urls,
            root,
            tree,
            dirs: OnceCell::new(),
            listed: RefCell::new(BTreeMap::new()),
            parsed: RefCell::new(BTreeMap::new()),
        }
    }

    /// The folders (`dirs`) or files a pattern lists, in path order.
    fn listed(&self, dirs: bool, pattern: &str) -> Rc<[String]> {
        let key = (dirs, pattern.to_owned());
        if let Some(hit) = self.listed.borrow().get(&key) {
            return Rc::clone(hit);
        }
        let hits: Rc<[String]> = if dirs {
            self.dirs()
                .iter()
                .filter(|d| glob_with(pattern, d, Slash::Stops))
                .cloned()
                .collect()
        } else {
            self.tree
                .files()
                .iter()
                .filter(|f| pathspec(pattern, f))
                .cloned()
                .collect()
        };
        self.listed.borrow_mut().insert(key, Rc::clone(&hits));
        hits
    }

    /// A generator file's objects, parsed once.
    fn parsed(&self, file: &str) -> Rc<Parsed> {
        if let Some(hit) = self.parsed.borrow().get(file) {
            return Rc::clone(hit);
        }
        let parsed = Rc::new(parse_objects(self.tree, file));
        self.parsed
            .borrow_mut()
            .insert(file.to_owned(), Rc::clone(&parsed));
        parsed
    }

    /// Whether Argo CD's `repoURL` names this checkout: the same host and path, whatever
    /// the scheme, user, case, trailing `/` or `.git` (looser than Argo CD's `SameURL`,
    /// on purpose: a checkout cloned over SSH is the repository Argo CD reads over HTTPS).
    pub fn is(&self, repo_url: &str) -> bool {
        let wanted = identity(repo_url);
        !wanted.is_empty() && self.urls.iter().any(|u| identity(u) == wanted)
    }

    /// Every folder Argo CD lists: not `.`, no hidden folder or anything under one.
    fn dirs(&self) -> &[String] {
        self.dirs.get_or_init(|| {
            let mut dirs = std::collections::BTreeSet::new();
            for file in self.tree.on_disk() {
                let mut parts: Vec<&str> = file.split('/').collect();
                parts.pop();
                for n in 1..=parts.len() {
                    if parts[n - 1].starts_with('.') {
                        break;
                    }
                    dirs.insert(parts[..n].join("/"));
                }
            }
            dirs.into_iter().collect()
        })
    }
}

/// A repository URL as host and path: `git@host:org/repo.git`,
/// `ssh://git@host:22/org/repo` and `https://host/org/repo/` are all `host/org/repo`.
fn identity(url: &str) -> String {
    let url = url.trim().to_ascii_lowercase();
    let rest = match url.split_once("://") {
        Some((_, rest)) => rest.to_owned(),
        // scp-like `user@host:path`.
        None => url.replacen(':', "/", 1),
    };
    let rest = match rest.split_once('/') {
        Some((authority, path)) => {
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            // A port says how to reach the host, not which repository it is.
            let host = match host.rsplit_once(':') {
                Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
                _ => host,
            };
            format!("{host}/{path}")
        }
        None => rest,
    };
    let rest = rest.trim_end_matches('/');
    rest.strip_suffix(".git").unwrap_or(rest).to_owned()
}

/// A git generator that yields nothing.
#[derive(Debug, Clone)]
pub(crate) struct Empty {
    pub pos: Pos,
    /// What it matched, as a sentence part (`its git generator's `directories` match …`).
    pub what: String,
    /// Whether the checkout is the revision it reads: otherwise lint read another
    /// state of the repository, and the finding is only a note.
    pub current: bool,
}

/// What one git generator asks for.
pub(super) struct Request<'n> {
    pub git: &'n Node,
    pub go: bool,
}

/// The parameter sets of a git generator over `checkout`, and whether it matched
/// nothing (the position and what to say).
pub(super) fn params(
    request: &Request<'_>,
    checkout: &Checkout<'_>,
) -> Result<(Vec<ParamSet>, Option<Empty>), Failure> {
    let git = request.git;
    let prefix = git
        .get("pathParamPrefix")
        .and_then(Node::as_str)
        .unwrap_or_default();
    let revision = git
        .get("revision")
        .and_then(Node::as_str)
        .unwrap_or_default();
    let current = matches!(revision, "" | "HEAD") || checkout.tree.checks_out(revision);
    let read = if current {
        shown(checkout)
    } else {
        format!(
            "{}, which is not the revision `{revision}` the generator reads",
            shown(checkout)
        )
    };
    let mut sets = Vec::new();
    let empty;
    if let Some((
        key,
        Node {
            value: Value::Seq(items),
            ..
        },
    )) = git.entry("directories").filter(|(_, d)| !is_empty_seq(d))
    {
        let items = patterns(items)?;
        let mut found: BTreeMap<&str, Pos> = BTreeMap::new();
        let mut excluded = std::collections::BTreeSet::new();
        let listed: Vec<(&Pattern<'_>, Rc<[String]>)> = items
            .iter()
            .map(|i| (i, checkout.listed(true, i.path)))
            .collect();
        for (item, dirs) in &listed {
            for dir in dirs.iter() {
                if item.exclude {
                    excluded.insert(dir.as_str());
                } else {
                    found.entry(dir).or_insert(item.pos);
                }
            }
        }
        for (dir, pos) in found {
            if excluded.contains(dir) {
                continue;
            }
            let params = path_params(dir, None, prefix, request.go, pos);
            sets.push(ParamSet {
                params,
                origin: Some(format!("folder `{dir}`")),
            });
        }
        empty = sets.is_empty().then(|| {
            let hint = items
                .iter()
                .filter(|i| !i.exclude)
                .find_map(|i| suggest(i.path, checkout.dirs()))
                .map(|p| format!(" (did you mean `{p}`?)"))
                .unwrap_or_default();
            Empty {
                pos: key.pos,
                what: format!("its git generator's `directories` match no folder of {read}{hint}"),
                current,
            }
        });
    } else if let Some((
        key,
        Node {
            value: Value::Seq(items),
            ..
        },
    )) = git.entry("files").filter(|(_, f)| !is_empty_seq(f))
    {
        let items = patterns(items)?;
        let mut files: BTreeMap<String, Pos> = BTreeMap::new();
        for item in items.iter().filter(|i| !i.exclude) {
            for f in checkout.listed(false, item.path).iter() {
                files.entry(f.clone()).or_insert(item.pos);
            }
        }
        for item in items.iter().filter(|i| i.exclude) {
            for f in checkout.listed(false, item.path).iter() {
                files.remove(f);
            }
        }
        for (file, pos) in &files {
            for object in objects(checkout, file, *pos)? {
                let params = path_params(file, Some(object), prefix, request.go, *pos);
                sets.push(ParamSet {
                    params,
                    origin: Some(format!("file `{file}`")),
                });
            }
        }
        empty = sets.is_empty().then(|| Empty {
            pos: key.pos,
            what: if files.is_empty() {
                format!("its git generator's `files` match no file of {read}")
            } else {
                format!(
                    "its git generator's `files` match {} of {read}, and {} an empty list",
                    match files.len() {
                        1 => format!("`{}`", files.keys().next().unwrap_or(&String::new())),
                        n => format!("{n} files"),
                    },
                    if files.len() == 1 {
                        "it holds"
                    } else {
                        "each holds"
                    }
                )
            },
            current,
        });
    } else {
        return Err(Failure::Fails(
            git.pos,
            "its git generator has neither `directories` nor `files`".into(),
        ));
    }
    if let Some(values) = git.get("values") {
        for set in &mut sets {
            add_values(set, values, request.go)?;
        }
    }
    Ok((sets, empty))
}

/// A folder pattern with its first missing literal folder replaced by the closest folder
/// there is (`addon/*` → `addons/*`); `None` when nothing is close.
fn suggest(pattern: &str, dirs: &[String]) -> Option<String> {
    let parts: Vec<&str> = pattern.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        if part.contains(['*', '?', '[']) {
            return None;
        }
        let prefix = parts[..=i].join("/");
        if dirs.contains(&prefix) {
            continue;
        }
        let parent = parts[..i].join("/");
        let siblings = dirs.iter().filter_map(|d| {
            let rest = if parent.is_empty() {
                Some(d.as_str())
            } else {
                d.strip_prefix(parent.as_str())?.strip_prefix('/')
            };
            rest.filter(|r| !r.contains('/'))
        });
        let better = crate::diagnostic::closest(part, siblings)?;
        let mut fixed: Vec<&str> = parts.clone();
        fixed[i] = better;
        return Some(fixed.join("/"));
    }
    None
}

fn shown(checkout: &Checkout<'_>) -> String {
    format!("the checkout at `{}`", checkout.root)
}

fn is_empty_seq(node: &Node) -> bool {
    matches!(&node.value, Value::Seq(items) if items.is_empty())
}

/// One `directories` or `files` item.
struct Pattern<'n> {
    path: &'n str,
    exclude: bool,
    pos: Pos,
}

fn patterns(items: &[Node]) -> Result<Vec<Pattern<'_>>, Failure> {
    items
        .iter()
        .map(|item| {
            let path = item.get("path").and_then(Node::as_str).ok_or_else(|| {
                Failure::Unknown(item.pos, "a git generator item has no string `path`".into())
            })?;
            Ok(Pattern {
                path,
                exclude: item
                    .get("exclude")
                    .is_some_and(|e| e.value == Value::Bool(true)),
                pos: item.pos,
            })
        })
        .collect()
}

/// Whether git's pathspec `pattern` lists `file`: a wildcard pattern matches the whole
/// path with `*` crossing `/`; a literal one names the file or a folder above it.
fn pathspec(pattern: &str, file: &str) -> bool {
    let pattern = pattern.trim_start_matches("./");
    if pattern.contains(['*', '?', '[']) {
        glob_with(pattern, file, Slash::Git)
    } else {
        let pattern = pattern.trim_end_matches('/');
        pattern.is_empty()
            || pattern == "."
            || file == pattern
            || file
                .strip_prefix(pattern)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

/// The objects of a git generator's file: the file itself when it is a mapping (or
/// empty), each item when it is a list of mappings; anything else fails the generator,
/// as it fails the controller ("unable to process file").
fn objects(checkout: &Checkout<'_>, file: &str, pos: Pos) -> Result<Vec<Node>, Failure> {
    match &*checkout.parsed(file) {
        Ok(objects) => Ok(objects
            .iter()
            .map(|o| {
                let mut o = o.clone();
                if o.value == Value::Map(Vec::new()) {
                    o.pos = pos;
                }
                o
            })
            .collect()),
        Err((false, why)) => Err(Failure::Unknown(pos, why.clone())),
        Err((true, why)) => Err(Failure::Fails(
            pos,
            format!(
                "its git generator reads `{file}`, which {why}: the controller fails with \"unable to process file\""
            ),
        )),
    }
}

/// A file's objects as sigs.k8s.io/yaml reads them (its first document, the last of
/// duplicate keys), or why not: `(true, …)` when the controller fails on it too.
fn parse_objects(tree: &dyn Tree, file: &str) -> Parsed {
    let text = tree.read(file).map_err(|why| {
        (
            false,
            format!("ladder cannot read `{file}` of the checkout: {why}"),
        )
    })?;
    let node = yaml::parse_as_go(file, &text).map_err(|d| {
        (
            true,
            format!(
                "does not parse ({}:{}: {})",
                d.pos.line, d.pos.column, d.message
            ),
        )
    })?;
    match node.value {
        Value::Null => Ok(vec![map(Vec::new(), node.pos)]),
        Value::Map(_) => Ok(vec![node]),
        Value::Seq(items) if items.iter().all(|i| matches!(i.value, Value::Map(_))) => Ok(items),
        other => Err((
            true,
            format!(
                "holds {}, not a mapping or a list of mappings",
                other.kind()
            ),
        )),
    }
}

/// The parameters of one folder, or of one object of a file, for the template form.
fn path_params(found: &str, object: Option<Node>, prefix: &str, go: bool, pos: Pos) -> Node {
    let (dir, file_name) = match object {
        Some(_) => match found.rsplit_once('/') {
            Some((d, f)) => (d.to_owned(), Some(f)),
            None => (".".to_owned(), Some(found)),
        },
        None => (found.to_owned(), None),
    };
    let basename = dir.rsplit('/').next().unwrap_or(&dir).to_owned();
    let mut entries: Vec<(String, Node)> = Vec::new();
    if go {
        let mut path = vec![
            ("path".to_owned(), text(&dir, pos)),
            ("basename".to_owned(), text(&basename, pos)),
            (
                "basenameNormalized".to_owned(),
                text(&sanitize(&basename), pos),
            ),
            (
                "segments".to_owned(),
                Node {
                    value: Value::Seq(dir.split('/').map(|s| text(s, pos)).collect()),
                    pos,
                },
            ),
        ];
        if let Some(f) = file_name {
            path.push(("filename".to_owned(), text(f, pos)));
            path.push(("filenameNormalized".to_owned(), text(&sanitize(f), pos)));
        }
        let path = map(path, pos);
        if let Some(Node {
            value: Value::Map(own),
            ..
        }) = object
        {
            entries.extend(
                own.into_iter()
                    .filter_map(|(k, v)| Some((k.key_text()?, v))),
            );
        }
        let path = if prefix.is_empty() {
            ("path".to_owned(), path)
        } else {
            (prefix.to_owned(), map(vec![("path".to_owned(), path)], pos))
        };
        entries.retain(|(k, _)| *k != path.0);
        entries.push(path);
    } else {
        if let Some(object) = &object {
            flatten("", object, &mut entries);
        }
        let name = if prefix.is_empty() {
            "path".to_owned()
        } else {
            format!("{prefix}.path")
        };
        let mut set = |k: String, v: &str| {
            entries.retain(|(e, _)| *e != k);
            entries.push((k, text(v, pos)));
        };
        set(name.clone(), &dir);
        set(format!("{name}.basename"), &basename);
        set(format!("{name}.basenameNormalized"), &sanitize(&basename));
        if let Some(f) = file_name {
            set(format!("{name}.filename"), f);
            set(format!("{name}.filenameNormalized"), &sanitize(f));
        }
        for (i, segment) in dir.split('/').enumerate().filter(|(_, s)| !s.is_empty()) {
            set(format!("{name}[{i}]"), segment);
        }
    }
    map(entries, pos)
}

/// A file's object as fasttemplate parameters: nested keys joined with `.`, list items
/// by index (`a.0`), scalars as text (`jeremywohl/flatten`'s dot style).
pub(super) fn flatten(prefix: &str, node: &Node, out: &mut Vec<(String, Node)>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                if let Some(k) = k.key_text() {
                    flatten(&join(&k), v, out);
                }
            }
        }
        Value::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&join(&i.to_string()), v, out);
            }
        }
        _ => {
            if let Some(t) = scalar_text(node) {
                out.push((prefix.to_owned(), text(&t, node.pos)));
            }
        }
    }
}

/// `values`, each rendered against the parameters, added as `values.KEY` (fasttemplate)
/// or `values: {KEY: …}` (Go) (`value_interpolation.go`).
fn add_values(set: &mut ParamSet, values: &Node, go: bool) -> Result<(), Failure> {
    let Value::Map(entries) = &values.value else {
        return Err(Failure::Unknown(
            values.pos,
            "`values` is not a mapping".into(),
        ));
    };
    let mut rendered = Vec::new();
    for (k, v) in entries {
        let (Some(key), Some(template)) = (k.key_text(), scalar_text(v)) else {
            return Err(Failure::Unknown(
                v.pos,
                "a `values` entry is not a string".into(),
            ));
        };
        let value = render(&template, &set.params, go).ok_or_else(|| {
            Failure::Unknown(
                v.pos,
                format!("ladder cannot evaluate the value template `{template}`"),
            )
        })?;
        rendered.push((key, text(&value, v.pos)));
    }
    let pos = set.params.pos;
    if let Value::Map(params) = &mut set.params.value {
        if go {
            params.retain(|(k, _)| k.key_text().as_deref() != Some("values"));
            params.push((text("values", pos), map(rendered, pos)));
        } else {
            for (k, v) in rendered {
                let k = format!("values.{k}");
                params.retain(|(e, _)| e.key_text().as_deref() != Some(k.as_str()));
                params.push((text(&k, pos), v));
            }
        }
    }
    Ok(())
}

/// Argo CD's `SanitizeName`: lower case, anything but `[-a-z0-9.]` as `-`, at most 253
/// bytes, no leading or trailing `-` or `.` (`applicationset/utils/template_functions.go`).
fn sanitize(name: &str) -> String {
    let mut out: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    // Every character is ASCII here, so 253 is a character boundary.
    out.truncate(253);
    out.trim_matches(['-', '.']).to_owned()
}

#[cfg(test)]
mod tests;
