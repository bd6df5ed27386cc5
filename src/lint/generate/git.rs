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

use std::cell::OnceCell;

use super::render::{map, render, scalar_text, text};
use super::set::{Failure, ParamSet};
use crate::diagnostic::Pos;
use crate::lint::glob::{Slash, glob_with};
use crate::load::yaml::{self, Node, Value};

/// The files of a checkout, as the CLI reads them.
pub trait Tree {
    /// Every file under the root: root-relative, `/`-separated, sorted.
    fn files(&self) -> &[String];
    /// The text of a root-relative file, or why it cannot be read.
    fn read(&self, path: &str) -> Result<String, String>;
}

/// A local checkout of a repository that ApplicationSet git generators read.
pub struct Checkout<'a> {
    /// The URLs Argo CD may clone it by (its git remotes, or the configured URL).
    pub urls: Vec<String>,
    /// The root as findings name it (`.`, `deploy`).
    pub root: String,
    tree: &'a dyn Tree,
    dirs: OnceCell<Vec<String>>,
}

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
        }
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
            for file in self.tree.files() {
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
/// `ssh://git@host/org/repo` and `https://host/org/repo/` are all `host/org/repo`.
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
            format!("{host}/{path}")
        }
        None => rest,
    };
    let rest = rest.trim_end_matches('/');
    rest.strip_suffix(".git").unwrap_or(rest).to_owned()
}

/// A generator that matched nothing: where, and what to say.
pub(super) type Empty = (Pos, String);

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
        for dir in checkout.dirs() {
            let hit = |i: &&Pattern<'_>| glob_with(i.path, dir, Slash::Stops);
            let Some(first) = items.iter().filter(|i| !i.exclude).find(hit) else {
                continue;
            };
            if items.iter().filter(|i| i.exclude).any(|i| hit(&i)) {
                continue;
            }
            let params = path_params(dir, None, prefix, request.go, first.pos);
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
            (
                key.pos,
                format!(
                    "its git generator's `directories` match no folder of {}{hint}",
                    shown(checkout)
                ),
            )
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
        let all = checkout.tree.files();
        let listed = |i: &Pattern<'_>| -> Vec<&String> {
            all.iter().filter(|f| pathspec(i.path, f)).collect()
        };
        let mut files: std::collections::BTreeMap<&str, Pos> = std::collections::BTreeMap::new();
        for item in items.iter().filter(|i| !i.exclude) {
            for f in listed(item) {
                files.entry(f).or_insert(item.pos);
            }
        }
        for item in items.iter().filter(|i| i.exclude) {
            for f in listed(item) {
                files.remove(f.as_str());
            }
        }
        for (file, pos) in files {
            for object in objects(checkout, file, pos)? {
                let params = path_params(file, Some(object), prefix, request.go, pos);
                sets.push(ParamSet {
                    params,
                    origin: Some(format!("file `{file}`")),
                });
            }
        }
        empty = sets.is_empty().then(|| {
            (
                key.pos,
                format!(
                    "its git generator's `files` match no file of {}",
                    shown(checkout)
                ),
            )
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
        glob_with(pattern, file, Slash::Any)
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
    let text = checkout.tree.read(file).map_err(|why| {
        Failure::Unknown(
            pos,
            format!("ladder cannot read `{file}` of the checkout: {why}"),
        )
    })?;
    let fails = |why: String| {
        Failure::Fails(
            pos,
            format!(
                "its git generator reads `{file}`, which {why}: the controller fails with \"unable to process file\" and generates nothing"
            ),
        )
    };
    let node = yaml::parse(file, &text).map_err(|d| {
        fails(format!(
            "does not parse ({}:{}: {})",
            d.pos.line, d.pos.column, d.message
        ))
    })?;
    match node.value {
        Value::Null => Ok(vec![map(Vec::new(), pos)]),
        Value::Map(_) => Ok(vec![node]),
        Value::Seq(items) if items.iter().all(|i| matches!(i.value, Value::Map(_))) => Ok(items),
        other => Err(fails(format!(
            "holds {}, not a mapping or a list of mappings",
            other.kind()
        ))),
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
fn flatten(prefix: &str, node: &Node, out: &mut Vec<(String, Node)>) {
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
mod tests {
    use super::*;

    #[test]
    fn urls_of_one_repository_are_one_identity() {
        for url in [
            "https://github.com/Acme/Platform.git",
            "git@github.com:acme/platform.git",
            "ssh://git@github.com/acme/platform",
            "https://token@github.com/acme/platform/",
        ] {
            assert_eq!(identity(url), "github.com/acme/platform", "{url}");
        }
        assert_ne!(
            identity("https://github.com/acme/platform-x"),
            identity("https://github.com/acme/platform")
        );
    }

    #[test]
    fn a_folder_pattern_that_matches_nothing_gets_the_closest_folder() {
        let dirs: Vec<String> = ["addons", "addons/metrics", "clusters", "clusters/dev"]
            .map(String::from)
            .to_vec();
        assert_eq!(suggest("addon/*", &dirs).as_deref(), Some("addons/*"));
        assert_eq!(
            suggest("clusters/devv", &dirs).as_deref(),
            Some("clusters/dev")
        );
        assert_eq!(suggest("zzz/*", &dirs), None);
        assert_eq!(suggest("*/x", &dirs), None);
    }

    #[test]
    fn names_are_sanitized_as_argo_cd_does() {
        assert_eq!(sanitize("My_App.v2"), "my-app.v2");
        assert_eq!(sanitize("-._x_-"), "x");
        assert_eq!(sanitize(&"a".repeat(300)).len(), 253);
        assert_eq!(sanitize("ü-app"), "app");
    }

    #[test]
    fn pathspecs_match_as_git_ls_files_does() {
        assert!(pathspec("apps/*/config.json", "apps/a/b/config.json"));
        assert!(pathspec("apps", "apps/a/config.json"));
        assert!(!pathspec("apps", "apps-old/config.json"));
        assert!(pathspec("apps/a/config.json", "apps/a/config.json"));
        assert!(!pathspec("apps/*.json", "other/apps/x.json"));
    }
}
