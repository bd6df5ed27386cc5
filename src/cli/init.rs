//! `ladder init`: a commented starter spec that builds as written, and the spec's JSON
//! Schema beside it, so an editor with the YAML language server completes and checks
//! the fields from the first keystroke.

use std::path::Path;
use std::process::ExitCode;

use super::INVALID;

/// The starter spec; `NAME` becomes the spec's name.
const STARTER: &str = r#"# yaml-language-server: $schema=ladder.schema.json
#
# A ladder spec: the components of your platform and what each depends on. ladder puts
# every component in the earliest phase its dependencies allow and writes the Argo CD
# manifests that roll them out in that order (`ladder build`); `ladder plan` shows the
# steps and how long a rollout takes. Field reference: `ladder schema`, or docs/spec.md
# in ladder's repository.
name: NAME
# Where `ladder build` writes the manifests, relative to this file; the root
# Application points Argo CD at this folder of the repository.
output:
  path: argocd
  repoURL: https://git.example.com/your-org/your-gitops-repo.git
defaults:
  # Where the components' manifests live (a path per component below).
  source:
    repoURL: https://git.example.com/your-org/your-gitops-repo.git
    targetRevision: main
  # The namespace each component deploys to, unless it says otherwise.
  namespace: "NAME-{{ env }}"
# Rolled out in this order; prod waits for an operator to sync each step.
environments:
  - name: dev
  - name: staging
  - name: prod
    sync: manual
components:
  - name: postgres
    source: {path: "overlays/{{ env }}/postgres"}
  # Starts only once postgres is synced and healthy.
  - name: api
    dependsOn: [postgres]
    source: {path: "overlays/{{ env }}/api"}
"#;

pub(super) fn init(spec: &Path, name: Option<&str>) -> anyhow::Result<ExitCode> {
    let folder = spec
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(std::env::current_dir, |p| Ok(p.to_path_buf()))?;
    let name = match name {
        Some(name) => name.to_owned(),
        None => kubernetes_name(
            &std::fs::canonicalize(&folder)
                .unwrap_or(folder.clone())
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        ),
    };
    if !ladder::analyze::names::is_dns1123_label(&name) {
        eprintln!("error: `{name}` is not a valid Kubernetes name for the spec");
        eprintln!("  = help: give one with --name: lowercase letters, digits and `-`");
        return Ok(ExitCode::from(INVALID));
    }
    let schema = spec.with_file_name("ladder.schema.json");
    let text = STARTER.replace("NAME", &name);
    let mut written = Vec::new();
    for (path, bytes) in [
        (spec.to_path_buf(), text.into_bytes()),
        (schema, ladder::load::spec::json_schema_text().into_bytes()),
    ] {
        if std::fs::symlink_metadata(&path).is_ok() {
            if path == spec {
                eprintln!(
                    "error: {} exists; ladder init never overwrites a file",
                    path.display()
                );
                return Ok(ExitCode::from(INVALID));
            }
            continue;
        }
        super::fs_safe::create_new_file(&path, &bytes)?;
        written.push(path.display().to_string());
    }
    for path in &written {
        println!("created {path}");
    }
    println!("next: set the repository URLs, then `ladder plan` and `ladder build`");
    Ok(ExitCode::SUCCESS)
}

/// `name` as a DNS-1123 label: lowercase, other characters as `-`, at most 40
/// characters (room for `-<env>` suffixes), no `-` at either end.
fn kubernetes_name(name: &str) -> String {
    let mapped: String = name
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() { c } else { '-' }
        })
        .take(40)
        .collect();
    mapped.trim_matches('-').to_owned()
}
