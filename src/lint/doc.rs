//! One document of a linted file, and the finding that points into it.

use std::collections::BTreeSet;

use super::finding::Finding;
use crate::diagnostic::{Diagnostic, Pos};
use crate::generate::Generation;
use crate::load::yaml::Node;

/// The sync-wave annotation (§2).
pub(super) const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";

/// One parsed document and the file it came from.
pub(super) struct Doc<'a> {
    pub(super) file: &'a str,
    pub(super) node: &'a Node,
    /// Lines of the file where a RollingSync step that ladder wrote for a manual
    /// environment starts ([`manual_steps`]).
    pub(super) manual_steps: &'a BTreeSet<u32>,
    /// What an ApplicationSet generates (evaluated once, for every rule that asks).
    pub(super) generated: Option<Generation>,
}

/// The lines where the steps ladder wrote for a manual environment start, in a file
/// ladder generated (its header): ladder's template says so in a comment just above the
/// step (`# prod is manual: maxUpdate 0 holds this step …`), so `max-update-zero` need not
/// warn about a gate the spec asked for. Empty for other files.
pub(super) fn manual_steps(text: &str) -> BTreeSet<u32> {
    let mut lines = BTreeSet::new();
    if !text.starts_with(crate::emit::HEADER_PREFIX) {
        return lines;
    }
    let mut pending = false;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') {
            pending |= trimmed.contains(" is manual: maxUpdate 0 holds this step");
        } else if pending {
            lines.insert(u32::try_from(n + 1).unwrap_or(u32::MAX));
            pending = false;
        }
    }
    lines
}

impl Doc<'_> {
    pub(super) fn kind(&self) -> Option<&str> {
        self.node.get("kind").and_then(Node::as_str)
    }

    pub(super) fn name(&self) -> &str {
        self.node
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::as_str)
            .unwrap_or("(unnamed)")
    }

    /// Its sync-wave annotation: (value node, wave); `None` wave when not an integer.
    pub(super) fn wave(&self) -> Option<(&Node, Option<i64>)> {
        let node = self
            .node
            .get("metadata")?
            .get("annotations")?
            .get(SYNC_WAVE)?;
        let wave = node.key_text().and_then(|t| t.trim().parse::<i64>().ok());
        Some((node, wave))
    }

    /// Whether an ApplicationSet's strategy is RollingSync (steps or not).
    pub(super) fn is_rolling_sync(&self) -> bool {
        self.node
            .get("spec")
            .and_then(|s| s.get("strategy"))
            .and_then(|s| s.get("type"))
            .and_then(Node::as_str)
            == Some("RollingSync")
    }

    pub(super) fn is_argo(&self) -> bool {
        self.node
            .get("apiVersion")
            .and_then(Node::as_str)
            .is_some_and(|v| v.starts_with("argoproj.io/"))
    }

    pub(super) fn finding(
        &self,
        rule: &'static &'static str,
        pos: Pos,
        message: String,
        help: String,
    ) -> Finding {
        Finding::new(
            Diagnostic::new(self.file, pos, message)
                .help(help)
                .rule(rule),
        )
    }
}
