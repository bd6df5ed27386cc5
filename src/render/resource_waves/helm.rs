//! Helm values output, for charts that read their sync-waves from values (seed 003's
//! `syncWaves.enabled` plus one number per group, used in templates as
//! `argocd.argoproj.io/sync-wave: "{{ .Values.syncWaves.database }}"`). Beside
//! `syncWaves` (unchanged, so charts written for it keep working): `syncHooks.<group>`
//! (`hook` and `deletePolicy` of the groups that have a hook; `{}` when none) and
//! `syncAnnotations.<group>` (every annotation the group sets, exactly what the kustomize
//! Component sets, ready for `toYaml` into `metadata.annotations`). Every key and value
//! goes through the YAML scalar rules (a group named `on` stays the string `on` for
//! go-yaml v2, which Helm reads values with).

use std::fmt::Write as _;

use crate::analyze::model::Waves;
use crate::analyze::names::{HOOK, HOOK_DELETE_POLICY};
use crate::load::yaml::scalar;

/// The values file for `waves` (without ladder's header line).
pub(super) fn values(waves: &Waves, component: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Sync-waves and hooks of {component}'s resource groups, for charts that read them from"
    );
    out.push_str(
        "# values. Add this file to the chart source's `helm.valueFiles` (with a multi-source\n\
         # Application, through a `ref` source on this repository). In a template, for <group>:\n\
         #   annotations: {{- toYaml (index .Values.syncAnnotations \"<group>\") | nindent 4 }}\n\
         # or `index .Values.syncWaves \"<group>\"` for the wave alone (docs/guide.md).\n\
         syncWaves:\n  enabled: true\n",
    );
    for group in &waves.groups {
        let _ = writeln!(out, "  {}: {}", scalar(&group.name), group.wave);
    }
    let hooks: Vec<_> = waves.groups.iter().filter(|g| g.hook.is_some()).collect();
    if hooks.is_empty() {
        out.push_str("syncHooks: {}\n");
    } else {
        out.push_str("syncHooks:\n");
        for group in hooks {
            let _ = writeln!(out, "  {}:", scalar(&group.name));
            for (key, value) in group.annotations() {
                let field = match key {
                    HOOK => "hook",
                    HOOK_DELETE_POLICY => "deletePolicy",
                    _ => continue,
                };
                let _ = writeln!(out, "    {field}: {}", scalar(&value));
            }
        }
    }
    out.push_str("syncAnnotations:\n");
    for group in &waves.groups {
        let _ = writeln!(out, "  {}:", scalar(&group.name));
        for (key, value) in group.annotations() {
            let _ = writeln!(out, "    {key}: {}", scalar(&value));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::load::yaml::{self, Node};

    /// Regression: the Helm values carried only the wave numbers, so a group's hook and
    /// delete policy were lost, while the kustomize Component kept them. Every group's
    /// annotations are now what the Component sets, and keys read back as written.
    #[test]
    fn values_carry_hooks_and_the_component_s_annotations() {
        let spec = r#"
name: shop
output: {path: out}
defaults:
  source: {repoURL: https://charts.example.com, targetRevision: main}
  namespace: shop
environments: [{name: dev}]
components:
  - name: shop
    source: {repoURL: https://charts.example.com, chart: shop, targetRevision: "1.0.0"}
    resources:
      - {name: backup, match: [{kind: Job}], hook: PreSync, deletePolicy: [HookSucceeded]}
      - {name: "on", match: [{kind: Deployment}], dependsOn: [backup]}
"#;
        let model = crate::Request::new("ladder.yaml", spec.as_bytes())
            .plan()
            .unwrap()
            .model;
        let waves = model.components[0].waves.as_ref().unwrap();
        let text = super::values(waves, "shop");
        let tree = yaml::parse("values.yaml", &text).unwrap();
        for group in &waves.groups {
            let annotations = tree
                .get("syncAnnotations")
                .and_then(|a| a.get(&group.name))
                .unwrap();
            for (key, value) in group.annotations() {
                assert_eq!(
                    annotations.get(key).and_then(Node::as_str),
                    Some(value.as_str())
                );
            }
        }
        let backup = tree.get("syncHooks").and_then(|h| h.get("backup")).unwrap();
        assert_eq!(backup.get("hook").and_then(Node::as_str), Some("PreSync"));
        assert_eq!(
            backup.get("deletePolicy").and_then(Node::as_str),
            Some("HookSucceeded")
        );
        assert!(text.contains("\n  \"on\": 1\n"), "{text}");
    }
}
