//! Names and labels: the Kubernetes rules for names (DNS-1123), label keys and label
//! values, and the label and annotation keys ladder itself writes. Pure predicates,
//! shared by every stage that checks or writes a name.

/// Label keys ladder sets on every generated Application; a component may not set them.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const PART_OF: &str = "app.kubernetes.io/part-of";
pub const COMPONENT_LABEL: &str = "app.kubernetes.io/name";

/// The annotation that orders a resource within its phase.
pub const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
/// The annotation that makes a resource a hook.
pub const HOOK: &str = "argocd.argoproj.io/hook";
/// When Argo CD deletes a hook's resources.
pub const HOOK_DELETE_POLICY: &str = "argocd.argoproj.io/hook-delete-policy";

/// The annotation ladder sets to [`SYNC_MANUAL`] on the child Applications of a
/// `sync: manual` environment under the app-of-apps strategy. The Application health
/// check ladder emits (`crate::analyze::health::APPLICATION_LUA`) reads it: such a child
/// passes its wave unless it is Degraded or syncing, so the root does not wait for an
/// operator's sync.
pub const SYNC_ANNOTATION: &str = "ladder.dev/sync";
/// The value of [`SYNC_ANNOTATION`] on a manual child.
pub const SYNC_MANUAL: &str = "manual";

/// DNS-1123 label: lowercase letters, digits and `-`, starting and ending with a letter
/// or digit, at most 63 characters.
pub fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// DNS-1123 subdomain: dot-separated labels, at most 253 characters.
pub fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

pub(crate) fn dns_help() -> String {
    "use lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters".into()
}

pub(crate) fn label_value_help() -> String {
    "label values have at most 63 characters: letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit".into()
}

/// A label value: empty, or at most 63 characters of `[A-Za-z0-9._-]` that start and end
/// with a letter or digit.
pub fn is_label_value(s: &str) -> bool {
    s.is_empty() || is_label_name(s)
}

fn is_label_name(s: &str) -> bool {
    s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// A label key: an optional DNS subdomain prefix and `/`, then a name of at most 63 characters.
pub fn check_label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix
        && !is_dns1123_subdomain(p)
    {
        return Err(format!("the prefix `{p}` is not a DNS subdomain"));
    }
    if name.is_empty() || !is_label_name(name) {
        return Err("the name part must be 1 to 63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit".into());
    }
    Ok(())
}

/// Whether `path` (with `/`) stays inside the folder it is relative to: not absolute, no
/// `..` part, no `.git` part (a repository's credentials live there), and naming
/// something below the folder (`.` and empty parts are the folder itself).
pub fn is_inside(path: &str) -> bool {
    !path.starts_with('/')
        && !path.contains('\\')
        && path.split('/').any(|s| !s.is_empty() && s != ".")
        && path
            .split('/')
            .all(|s| s != ".." && !s.eq_ignore_ascii_case(".git"))
}
