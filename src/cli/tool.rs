//! Running a tool (helm, kustomize) on a repository someone else wrote: no network (a
//! proxy that goes nowhere, git allowed no protocol), a temporary home (no credentials,
//! no plugins or repositories of the user's), a time limit (Argo CD's 90 s) and a cap on
//! what it may print; and what such a run may not reach (links that leave the
//! repository) and how its failure reads.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long one run may take: Argo CD's default exec timeout.
const TIMEOUT: Duration = Duration::from_secs(90);

/// How much one run may print.
const MAX_OUTPUT: u64 = 64 * 1024 * 1024;

/// Runs `command` fenced in; `Err` says why it did not finish (`NotFound` when the
/// program is not on PATH).
pub(super) fn run(mut command: Command) -> std::io::Result<Output> {
    let home = tempfile::tempdir()?;
    for proxy in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
    ] {
        command.env(proxy, "http://127.0.0.1:9");
    }
    command
        .env("NO_PROXY", "")
        .env("no_proxy", "")
        .env("GIT_ALLOW_PROTOCOL", "none")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn()?;
    let mut stdout = child.stdout.take().map(|s| s.take(MAX_OUTPUT));
    let mut stderr = child.stderr.take().map(|s| s.take(1024 * 1024));
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut buf);
        }
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.read_to_end(&mut buf);
        }
        buf
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("it ran longer than {} s", TIMEOUT.as_secs()),
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if stdout.len() as u64 >= MAX_OUTPUT {
        return Err(std::io::Error::other(format!(
            "it printed more than {} MiB",
            MAX_OUTPUT / 1024 / 1024
        )));
    }
    drop(home);
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// The line of a tool's error output that says what failed: its `Error:` line, else the
/// last line (warnings come first).
pub(super) fn error_line(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    lines
        .iter()
        .find(|l| l.trim_start().starts_with("Error:") || l.contains("error:"))
        .or(lines.last())
        .map_or_else(|| "no message".to_owned(), |l| l.trim().to_owned())
}

/// A link under `dir`, or under a folder a link there leads to, whose target is outside
/// `root` (or does not resolve), if there is one: the tool follows links.
pub(super) fn link_out_of(dir: &Path, root: &Path) -> Option<PathBuf> {
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        if !seen.insert(std::fs::canonicalize(&folder).unwrap_or_else(|_| folder.clone())) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_symlink() {
                match std::fs::canonicalize(&path) {
                    Ok(real) if real.starts_with(root) => {
                        if real.is_dir() {
                            stack.push(real);
                        }
                    }
                    _ => return Some(path),
                }
            } else if kind.is_dir() && entry.file_name() != ".git" {
                stack.push(path);
            }
        }
    }
    None
}
