//! Helm values output: for charts that read their sync-waves from values (seed 003:
//! `syncWaves.enabled` plus one number per group, used in templates as
//! `argocd.argoproj.io/sync-wave: "{{ .Values.syncWaves.database }}"`), the values
//! snippet with each group's wave.

use std::fmt::Write as _;

use crate::analyze::model::Waves;

/// The values file for `waves` (without ladder's header line).
pub(super) fn values(waves: &Waves, component: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Sync-waves of {component}'s resource groups, for charts that read them from values"
    );
    out.push_str(
        "# (`.Values.syncWaves.<group>`). Add this file to the component's Helm `valueFiles`\n\
         # (with a multi-source Application, through a `ref` source on this repository).\n\
         syncWaves:\n  enabled: true\n",
    );
    for group in &waves.groups {
        let _ = writeln!(out, "  {}: {}", group.name, group.wave);
    }
    out
}
