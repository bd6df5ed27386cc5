//! Kustomize trees that change Argo CD resources, built for lint as
//! [`ladder::lint::builds`] plans: the files a build includes are linted as it prints
//! them, once per root kustomization; without `kustomize` or `kubectl` on PATH, or when
//! the build fails, they are linted as written, and the kustomization says why.
//!
//! Each build runs on a kustomization in a temporary folder that includes the root and
//! asks for `originAnnotations`, so every printed document names the file it came from;
//! kustomize needs `--load-restrictor LoadRestrictionsNone` to reach the root from
//! there. Nothing is fetched: a tree with a remote resource is not built.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use ladder::lint::builds::{self, Build};

/// Builds the kustomize trees among `files` that change Argo CD resources: the files a
/// build includes leave `files` for what it prints; what to say of each kustomization
/// goes in `rendered` (it stays among the files: settings read it). `root_of` gives the
/// repository a folder is in: no file a build reads may leave it.
pub(super) fn build_kustomizations(
    files: &mut Vec<(String, String)>,
    rendered: &mut Vec<(String, String)>,
    root_of: &dyn Fn(&Path) -> PathBuf,
) {
    let planned = builds::builds(files);
    if planned.is_empty() {
        return;
    }
    let tool = tool();
    let mut links = BTreeMap::new();
    let mut linted_as_built = BTreeSet::new();
    let mut added = Vec::new();
    for build in &planned {
        let n = build.consumed.len();
        let result = match (&build.refused, &tool) {
            (Some(why), _) => Err(why.clone()),
            (None, None) => Err("neither kustomize nor kubectl is on PATH".to_owned()),
            (None, Some(tool)) => outside(build, &root_of(Path::new(&build.dir)), &mut links)
                .map_or_else(|| run(tool, build), Err),
        };
        match result {
            Ok(output) => {
                let origin = origins(build);
                let parts = builds::built(build, &output, &|p| origin(p));
                for (name, _) in &parts {
                    if let Some(file) = build
                        .consumed
                        .iter()
                        .find(|f| name.starts_with(&format!("{f} (")))
                    {
                        linted_as_built.insert(file.clone());
                    }
                }
                added.extend(parts);
                // `kustomize build` or `kubectl kustomize`: one kustomize either way, and
                // reports that do not depend on which one this machine has.
                rendered.push((
                    build.file.clone(),
                    format!(
                        "a kustomization, built with kustomize: the Argo CD resources of {} are linted as it builds them",
                        if n == 1 { "1 file".to_owned() } else { format!("{n} files") }
                    ),
                ));
            }
            Err(why) => rendered.push((
                build.file.clone(),
                format!(
                    "a kustomization that changes Argo CD resources, not built: {why}; {} it includes {} linted as written",
                    if n == 1 { "1 file" } else { "the files" },
                    if n == 1 { "is" } else { "are" }
                ),
            )),
        }
    }
    files.retain(|(name, _)| !linted_as_built.contains(name));
    files.extend(added);
}

/// Why a build would read outside the repository `root` (a link that leaves it, found
/// once per repository in `links`), if it would.
fn outside(
    build: &Build,
    root: &Path,
    links: &mut BTreeMap<PathBuf, Option<PathBuf>>,
) -> Option<String> {
    // Its bases may be anywhere in the repository: any link there counts, as Argo CD
    // refuses a repository with a link out of it.
    let link = links
        .entry(root.to_path_buf())
        .or_insert_with(|| super::tool::link_out_of(root, root));
    if let Some(link) = link {
        return Some(format!(
            "`{}` is a link that leaves the repository",
            link.display()
        ));
    }
    build
        .consumed
        .iter()
        .chain(&build.reads)
        .find(|f| std::fs::canonicalize(f).is_ok_and(|real| !real.starts_with(root)))
        .map(|f| format!("`{f}` is a link that leaves the repository"))
}

/// `kustomize build`, or else `kubectl kustomize`, when one runs.
fn tool() -> Option<(&'static str, &'static str)> {
    let runs = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if runs("kustomize", &["version"]) {
        Some(("kustomize", "build"))
    } else if runs("kubectl", &["version", "--client"]) {
        Some(("kubectl", "kustomize"))
    } else {
        None
    }
}

/// One build's output, or why there is none.
fn run((program, verb): &(&str, &str), build: &Build) -> Result<String, String> {
    let wrapper = tempfile::tempdir().map_err(|e| e.to_string())?;
    let from = std::fs::canonicalize(wrapper.path()).map_err(|e| e.to_string())?;
    let root = std::fs::canonicalize(&build.dir).map_err(|e| e.to_string())?;
    let rel = relative(&from, &root);
    let text = format!(
        "resources: [{}]\nbuildMetadata: [originAnnotations]\n",
        serde_json::Value::String(rel.display().to_string())
    );
    std::fs::write(from.join("kustomization.yaml"), text).map_err(|e| e.to_string())?;
    let mut command = Command::new(program);
    command
        .arg(verb)
        .args(["--load-restrictor", "LoadRestrictionsNone"])
        .arg(&from);
    let out =
        super::tool::run(command).map_err(|e| format!("`{program} {verb}` did not finish: {e}"))?;
    if !out.status.success() {
        let why = super::tool::error_line(&String::from_utf8_lossy(&out.stderr))
            .replace(&from.display().to_string(), "(ladder's wrapper)");
        return Err(format!("`{program} {verb} {}` failed: {why}", build.dir));
    }
    // Origins are relative to the wrapper: resolve them while it exists.
    let output = String::from_utf8(out.stdout)
        .map_err(|_| "the build printed text that is not UTF-8".to_owned())?;
    Ok(rewrite_origins(&output, &from))
}

/// The origin paths of a build's output made absolute (the wrapper folder goes away).
fn rewrite_origins(output: &str, from: &Path) -> String {
    output
        .lines()
        .map(|line| match line.trim_start().strip_prefix("path: ") {
            Some(path) if !path.starts_with('/') && path.starts_with("..") => {
                let indent = &line[..line.len() - line.trim_start().len()];
                let absolute = from.join(path.trim()).display().to_string();
                format!("{indent}path: {}", ladder::lint::normalize_path(&absolute))
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A resolver from an origin (an absolute path now) to the consumed file's name.
fn origins(build: &Build) -> impl Fn(&str) -> Option<String> + '_ {
    let by_path: BTreeMap<PathBuf, &String> = build
        .consumed
        .iter()
        .filter_map(|f| Some((std::fs::canonicalize(f).ok()?, f)))
        .collect();
    move |origin: &str| {
        let real = std::fs::canonicalize(origin).ok()?;
        by_path.get(&real).map(|f| (*f).clone())
    }
}

/// `to` as a path relative to `from` (both absolute and canonical).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component<'_>> = from.components().collect();
    let to: Vec<Component<'_>> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in common..from.len() {
        rel.push("..");
    }
    for part in &to[common..] {
        rel.push(part);
    }
    rel
}
