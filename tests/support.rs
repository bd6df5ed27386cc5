//! Shared helpers: byte-exact comparison of folders and blessing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn blessing() -> bool {
    std::env::var_os("LADDER_BLESS").is_some_and(|v| v != "0")
}

/// Every file under `dir` (relative path with `/` → bytes); empty if `dir` is missing.
pub(crate) fn read_dir_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap();
                let key = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(key, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Compares `actual` with the files in `dir` both ways, byte for byte; with
/// `LADDER_BLESS=1`, rewrites `dir` to match instead (removing stale files).
pub(crate) fn assert_dir(dir: &Path, actual: &BTreeMap<String, Vec<u8>>) {
    let expected = read_dir_files(dir);
    if blessing() {
        for stale in expected.keys().filter(|k| !actual.contains_key(*k)) {
            std::fs::remove_file(dir.join(stale)).unwrap();
        }
        for (rel, bytes) in actual {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            if expected.get(rel) != Some(bytes) {
                std::fs::write(&path, bytes).unwrap();
            }
        }
        return;
    }
    let mut problems = Vec::new();
    for (rel, bytes) in actual {
        match expected.get(rel) {
            None => problems.push(format!("missing from {}: {rel}", dir.display())),
            Some(old) if old != bytes => {
                let diff = similar::TextDiff::from_lines(
                    std::str::from_utf8(old).unwrap_or("<binary>"),
                    std::str::from_utf8(bytes).unwrap_or("<binary>"),
                )
                .unified_diff()
                .header(&format!("expected/{rel}"), &format!("actual/{rel}"))
                .to_string();
                problems.push(diff);
            }
            Some(_) => {}
        }
    }
    for rel in expected.keys().filter(|k| !actual.contains_key(*k)) {
        problems.push(format!(
            "stale in {}: {rel} (no longer produced)",
            dir.display()
        ));
    }
    assert!(
        problems.is_empty(),
        "{} differs from the output (LADDER_BLESS=1 cargo test re-blesses):\n{}",
        dir.display(),
        problems.join("\n")
    );
}

/// Compares text with a file, or writes it when blessing.
pub(crate) fn assert_file(path: &Path, actual: &str) {
    if blessing() {
        if std::fs::read_to_string(path).ok().as_deref() != Some(actual) {
            std::fs::write(path, actual).unwrap();
        }
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected != actual {
        let diff = similar::TextDiff::from_lines(&expected, actual)
            .unified_diff()
            .header("expected", "actual")
            .to_string();
        panic!(
            "{} differs (LADDER_BLESS=1 cargo test re-blesses):\n{diff}",
            path.display()
        );
    }
}

/// Runs the `ladder` binary in `dir` and returns what it printed and its exit status.
pub(crate) fn ladder(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ladder"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// The version files and fleet folders a spec at `spec` names, read as the CLI does.
pub(crate) fn inputs(spec: &Path, bytes: &[u8]) -> ladder::Inputs {
    let dir = spec.parent().unwrap();
    let ladder::Wanted {
        files,
        folders,
        include,
    } = ladder::Request::new("spec", bytes).wanted();
    let mut inputs = ladder::Inputs::default();
    if !include.is_empty() {
        for (rel, bytes) in read_dir_files(dir) {
            let own = spec.file_name().is_some_and(|n| n.to_string_lossy() == rel);
            if !own && include.iter().any(|g| ladder::glob::paths(g, &rel)) {
                inputs
                    .includes
                    .insert(rel, String::from_utf8(bytes).unwrap());
            }
        }
    }
    for file in files {
        if let Ok(text) = std::fs::read_to_string(dir.join(&file)) {
            inputs.files.insert(file, text);
        }
    }
    for folder in folders {
        if let Ok(entries) = std::fs::read_dir(dir.join(&folder)) {
            let mut names: Vec<String> = entries
                .map(|e| e.unwrap())
                .filter(|e| e.file_type().unwrap().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            inputs.folders.insert(folder, names);
        }
    }
    let overlays = ladder::Request::new("spec", bytes)
        .inputs(&inputs)
        .overlays();
    for folder in overlays {
        let at = dir.join(&folder);
        if !at.is_dir() {
            continue;
        }
        let found = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
            .into_iter()
            .find_map(|name| {
                let text = std::fs::read_to_string(at.join(name)).ok()?;
                Some((name.to_owned(), text))
            });
        inputs.overlays.insert(folder, found);
    }
    inputs
}

/// Runs git in `dir` with a fixed identity and `main` as the first branch; panics if it fails.
pub(crate) fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=ladder",
            "-c",
            "user.email=ladder@example.com",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Copies the files under `from` into `to` (created as needed), keeping relative paths.
/// The case folders under `tests/{suite}`, sorted.
pub(crate) fn case_dirs(suite: &str) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root().join("tests").join(suite))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

pub(crate) fn copy_tree(from: &Path, to: &Path) {
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        std::fs::create_dir_all(to.join(&rel)).unwrap();
        for entry in std::fs::read_dir(from.join(&rel)).unwrap() {
            let entry = entry.unwrap();
            let rel = rel.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                stack.push(rel);
            } else {
                std::fs::copy(entry.path(), to.join(&rel)).unwrap();
            }
        }
    }
}

/// The folder of the official Argo CD CRDs: `LADDER_CRDS`, else
/// `../shared/conformance/argo-cd-crds` beside the checkout; `version` names a
/// subfolder (`v2.10.0`), `None` the newest (v3.5.1). Absent, the test that asked skips
/// with a printed reason; under CI (`CI` set) an absent folder fails instead, so CI runs
/// every CRD test.
pub(crate) fn crds_dir(version: Option<&str>) -> Option<PathBuf> {
    let mut dir = std::env::var_os("LADDER_CRDS").map_or_else(
        || root().join("../shared/conformance/argo-cd-crds"),
        PathBuf::from,
    );
    if let Some(version) = version {
        dir.push(version);
    }
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI needs the Argo CD CRDs at {} (set LADDER_CRDS or put ../shared beside the clone)",
        dir.display()
    );
    eprintln!(
        "skipped: no Argo CD CRDs at {} (set LADDER_CRDS to the folder of the official CRDs)",
        dir.display()
    );
    None
}

/// The CRDs in `dir`, loaded once per test run (loading them dominates the tests that
/// validate against them).
pub(crate) fn load_crds(dir: &Path) -> &'static ladder::validate::Crds {
    type Loaded = BTreeMap<PathBuf, &'static ladder::validate::Crds>;
    static LOADED: std::sync::Mutex<Loaded> = std::sync::Mutex::new(BTreeMap::new());
    let mut loaded = LOADED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    loaded
        .entry(dir.to_path_buf())
        .or_insert_with(|| Box::leak(Box::new(read_crds(dir))))
}

fn read_crds(dir: &Path) -> ladder::validate::Crds {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "yaml") {
            files.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
    files.sort();
    ladder::validate::Crds::from_texts(&files).unwrap()
}

/// `kubectl kustomize` or `kustomize build`, whichever is on PATH and new enough for
/// kustomize Components (kustomize 3.7; kubectl 1.21 embeds kustomize 4, while Debian 12's
/// kubernetes-client 1.20 embeds 2.0.3, which lacks them).
fn kustomize_command() -> Option<Command> {
    let version_text = |program: &str, args: &[&str]| -> Option<String> {
        let output = Command::new(program).args(args).output().ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    };
    if let Some(text) = version_text("kustomize", &["version"])
        && supports_components(&text)
    {
        let mut c = Command::new("kustomize");
        c.arg("build");
        return Some(c);
    }
    if let Some(text) = version_text("kubectl", &["version", "--client"])
        && let Some(line) = text.lines().find(|l| l.starts_with("Kustomize Version"))
        && supports_components(line)
    {
        let mut c = Command::new("kubectl");
        c.arg("kustomize");
        return Some(c);
    }
    None
}

/// Whether the first `vMAJOR.MINOR` in a version text is kustomize 3.7 or later.
pub(crate) fn supports_components(text: &str) -> bool {
    let Some(at) = text
        .char_indices()
        .find(|&(i, c)| c == 'v' && text[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
        .map(|(i, _)| i)
    else {
        return false;
    };
    let mut numbers = text[at + 1..]
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse::<u32>().ok());
    let major = numbers.next().unwrap_or(0);
    let minor = numbers.next().unwrap_or(0);
    (major, minor) >= (3, 7)
}

#[test]
fn kustomize_versions_with_components_are_recognised() {
    assert!(supports_components("Kustomize Version: v5.5.0"));
    assert!(supports_components(
        "{Version:kustomize/v4.5.7 GitCommit:abc}"
    ));
    assert!(supports_components("v3.8.1"));
    assert!(!supports_components("Kustomize Version: v2.0.3"));
    assert!(!supports_components("v3.6.0"));
}

/// A tool a test runs, or `None` with a printed reason; under CI (`CI` set) an absent tool
/// fails instead, as `.ci/run` installs it.
fn required_tool(tool: Option<Command>, what: &str) -> Option<Command> {
    if tool.is_some() {
        return tool;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI needs {what} on PATH (.ci/run installs it)"
    );
    eprintln!("skipped: no {what} on PATH");
    None
}

/// Headless Chromium (Debian's `chromium`), ready to take a screenshot, or `None` with
/// a printed reason.
pub(crate) fn chromium() -> Option<Command> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    let tool = found.map(|name| {
        let mut c = Command::new(name);
        // No sandbox: CI runs as root, where Chromium refuses its sandbox.
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ]);
        c
    });
    required_tool(tool, "chromium")
}

/// `kustomize build` or `kubectl kustomize` (kustomize 3.7 or later), or `None` with a
/// printed reason.
pub(crate) fn kustomize() -> Option<Command> {
    required_tool(kustomize_command(), "kustomize (3.7+) nor kubectl (1.21+)")
}

/// `helm template`, or `None` with a printed reason.
pub(crate) fn helm_template() -> Option<Command> {
    let found = Command::new("helm")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    let tool = found.then(|| {
        let mut c = Command::new("helm");
        c.arg("template");
        c
    });
    required_tool(tool, "helm")
}
