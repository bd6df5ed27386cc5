//! One document of a linted file, and the finding that points into it.

use super::finding::Finding;
use crate::diagnostic::{Diagnostic, Pos};
use crate::load::yaml::Node;

/// One parsed document and the file it came from.
pub(super) struct Doc<'a> {
    pub(super) file: &'a str,
    pub(super) node: &'a Node,
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
