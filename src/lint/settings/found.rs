//! What [`super::scan`] finds: each setting with its [`Place`], and the summary lines
//! of the report.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::Pos;

/// The `argocd-cm` key of the Application health check (§3).
pub(crate) const APP_HEALTH_KEY: &str = "resource.customizations.health.argoproj.io_Application";
/// The `argocd-cmd-params-cm` key of progressive syncs (§1.1).
pub(crate) const PROGRESSIVE_KEY: &str = "applicationsetcontroller.enable.progressive.syncs";
/// The ApplicationSet controller's flag and variable for the same (§1.1).
pub(crate) const PROGRESSIVE_FLAG: &str = "--enable-progressive-syncs";
pub(crate) const PROGRESSIVE_ENV: &str =
    "ARGOCD_APPLICATIONSET_CONTROLLER_ENABLE_PROGRESSIVE_SYNCS";
/// The prefix of a custom health check's `argocd-cm` key: `…health.<group>_<Kind>`.
pub(crate) const HEALTH_PREFIX: &str = "resource.customizations.health.";

/// Where a setting was found: file, position, and what carries it, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) file: String,
    pub(crate) pos: Pos,
    /// E.g. "`argocd-cm`", "the argo-cd Helm chart's `configs.cm`".
    pub(crate) how: String,
}

/// The settings found among the inputs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    /// Custom health checks by `group/Kind`, each with every place that sets it.
    pub(crate) health: BTreeMap<String, Vec<Place>>,
    /// Each place that says whether progressive syncs are on: `Some(value)`, or `None`
    /// where a whole `argocd-cmd-params-cm` (or chart `configs.params`) leaves the key out
    /// and so keeps the default, off.
    pub(crate) progressive: Vec<(Place, Option<bool>)>,
    /// Remote kustomize resources and bases (place, URL), which lint cannot read.
    pub(crate) remote: Vec<(Place, String)>,
    /// Files that hold a setting (or a remote base), read even when they hold no Argo CD
    /// resource.
    pub(crate) files: BTreeSet<String>,
    /// Files a kustomization patches with (normalized names): partial objects.
    pub(crate) patch_files: BTreeSet<String>,
    /// `--assume application-health-check`: installed where lint cannot see.
    pub(crate) assume_health_check: bool,
    /// `--assume progressive-syncs`.
    pub(crate) assume_progressive_syncs: bool,
}

impl Settings {
    /// Where the health check for `group/Kind` is set, if anywhere: under its own key,
    /// or under a wildcard one of the `resource.customizations` block (`argoproj.io/*`,
    /// matched as Argo CD does, v3.5.1 `util/lua/lua.go:483-495`).
    pub(crate) fn health_check(&self, group_kind: &str) -> Option<&Place> {
        self.health
            .get(group_kind)
            .and_then(|p| p.first())
            .or_else(|| {
                self.health
                    .iter()
                    .filter(|(k, _)| k.contains('*'))
                    .find(|(k, _)| crate::glob::glob(k, group_kind))
                    .and_then(|(_, p)| p.first())
            })
    }

    /// Where progressive syncs are turned on, if anywhere.
    pub(crate) fn progressive_on(&self) -> Option<&Place> {
        self.progressive
            .iter()
            .find(|(_, on)| *on == Some(true))
            .map(|(p, _)| p)
    }

    /// The places that leave progressive syncs off (explicitly, or by default).
    pub(crate) fn progressive_off(&self) -> impl Iterator<Item = (&Place, Option<bool>)> {
        self.progressive
            .iter()
            .filter(|(_, on)| *on != Some(true))
            .map(|(p, on)| (p, *on))
    }

    /// What was found, one line each, for the report: the Application health check and
    /// progressive syncs, with their place.
    pub(crate) fn summary(&self) -> Vec<String> {
        let at = |p: &Place| format!("{}:{}:{} ({})", p.file, p.pos.line, p.pos.column, p.how);
        let mut lines = Vec::new();
        if let Some(p) = self.health_check("argoproj.io/Application") {
            lines.push(format!("the Application health check is set at {}", at(p)));
        } else if self.assume_health_check {
            lines.push("the Application health check is assumed installed (`assume`)".to_owned());
        }
        if let Some(p) = self.progressive_on() {
            lines.push(format!("progressive syncs are turned on at {}", at(p)));
        } else if self.assume_progressive_syncs {
            lines.push("progressive syncs are assumed on (`assume`)".to_owned());
        }
        lines
    }

    pub(crate) fn place(&mut self, file: &str, pos: Pos, how: &str) -> Place {
        self.files.insert(file.to_owned());
        Place {
            file: file.to_owned(),
            pos,
            how: how.to_owned(),
        }
    }

    pub(crate) fn add_health(&mut self, group_kind: String, file: &str, pos: Pos, how: &str) {
        let place = self.place(file, pos, how);
        self.health.entry(group_kind).or_default().push(place);
    }

    pub(crate) fn add_progressive(&mut self, on: Option<bool>, file: &str, pos: Pos, how: &str) {
        let place = self.place(file, pos, how);
        self.progressive.push((place, on));
    }
}
