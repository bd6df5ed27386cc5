//! File names as the CLI gives them (`deploy/apps/Chart.yaml`): their parts, and which
//! name a kustomization has.

/// The last part of a name.
pub(super) fn base(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// The folder a name is in: `.` for a bare name.
pub(super) fn parent(name: &str) -> &str {
    match name.rfind(['/', '\\']) {
        Some(0) => "/",
        Some(at) => &name[..at],
        None => ".",
    }
}

/// `kustomization.yaml`, `kustomization.yml` or `Kustomization`: what `kustomize build`
/// reads in a folder.
pub(super) fn is_kustomization(name: &str) -> bool {
    matches!(
        base(name),
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}
