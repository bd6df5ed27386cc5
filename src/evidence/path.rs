//! File names as manifests and kustomizations name them, normalized so that one file has
//! one name: `\` as `/`, no `.` segments, `..` applied where it can be.

/// A path with `\` as `/`, without `.` segments and with `..` applied where it can be.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let path = path.replace('\\', "/");
    let absolute = path.starts_with('/');
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// `rel` under the folder `dir` (`` for the root), normalized.
pub fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        normalize(rel)
    } else {
        normalize(&format!("{dir}/{rel}"))
    }
}

/// The folder of a normalized file name (`` at the root).
pub(super) fn folder(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(d, _)| d)
}
