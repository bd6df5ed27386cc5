//! Structural validation of a YAML node tree against a schema.
//!
//! This module owns one job: given a [`Node`] tree (which knows the line and
//! column of every value and key) and a schema, list *every* place where the
//! tree does not fit the schema, each at the position of the offending node.
//! It exists because off-the-shelf validators work on JSON values without
//! positions and stop early or report JSON pointers; ladder wants rustc-style
//! errors that point at the misspelt key in the user's file.
//!
//! The supported keywords are the subset shared by the draft-07 schemas that
//! schemars emits for the spec and by Kubernetes CRD `openAPIV3Schema`s:
//! `type`, `properties`, `additionalProperties`, `required`, `items`, `enum`,
//! `const`, `$ref` (local pointers such as `#/definitions/X` or `#/$defs/X`),
//! `allOf`, `anyOf`, `oneOf`, `minimum`, `maximum`, `minItems`, `nullable`,
//! `format` (only `int32`/`int64`, which demand integers),
//! `x-kubernetes-int-or-string` and `x-kubernetes-preserve-unknown-fields`.
//! Other keywords (`pattern`, `minLength`, `description`, `default`, other
//! `x-kubernetes-*`) are ignored.
//!
//! Unknown keys follow the Kubernetes rule (strict field validation): a
//! mapping whose schema lists `properties` rejects keys it does not list,
//! unless `additionalProperties` allows them or
//! `x-kubernetes-preserve-unknown-fields` is set. A schema without
//! `properties` and without `additionalProperties` accepts any keys.
//!
//! `oneOf` is treated like `anyOf` (a value must fit at least one branch; that
//! it fits exactly one is not checked). To stay linear in the size of the
//! input, `anyOf` branches are first filtered by a cheap check of the value
//! itself (its type, `const`, `enum`); only branches that pass it are checked
//! in depth, and in the schemas ladder deals with that is almost always one.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{Map, Value as Json};

use crate::load::yaml::{Node, Value};

mod messages;
#[cfg(test)]
mod tests;

pub use messages::Issue;
use messages::{
    Expected, accepted_kinds, bounds, either, is_true, issue, mismatch, missing_help, place,
    push_key, quote_hint, subject, type_fits, unknown, value_fits,
};

/// How many `$ref`, `allOf` or `anyOf` steps may be taken at one node before the
/// schema is deemed cyclic.
const MAX_HOPS: usize = 64;

/// Checks `node` against `schema` and returns every problem found, in document order.
///
/// `root` is the document `$ref`s are resolved in (usually the schema itself).
pub fn check(node: &Node, schema: &Json, root: &Json) -> Vec<Issue> {
    let checker = Checker {
        root,
        steps: std::cell::Cell::new(STEP_BUDGET.saturating_add(256 * count_nodes(node))),
        stopped: std::cell::RefCell::new(None),
    };
    let mut issues = Vec::new();
    let mut path = String::new();
    checker.node(node, schema, &mut path, 0, &mut issues);
    // Reported whatever branch it was met in (an `anyOf` drops a failed branch's issues).
    issues.extend(checker.stopped.into_inner());
    // `allOf` members may report the same problem twice.
    let mut seen = BTreeSet::new();
    issues.retain(|issue| seen.insert((issue.pos, issue.message.clone())));
    issues
}

struct Checker<'a> {
    root: &'a Json,
    /// Checks left: a schema whose branches refer to one schema several times (`anyOf`
    /// of two `$ref`s to it) makes the checker's work exponential in the depth of the
    /// document; past the budget it stops with one issue instead.
    steps: std::cell::Cell<u64>,
    /// Where the budget ran out.
    stopped: std::cell::RefCell<Option<Issue>>,
}

/// Checks any document may take, on top of 256 per node of the document.
const STEP_BUDGET: u64 = 1_000_000;

/// How many nodes `node` holds (keys too), without recursion.
fn count_nodes(node: &Node) -> u64 {
    let mut count = 0u64;
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        count += 1;
        match &n.value {
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => stack.extend(entries.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    count
}

impl<'a> Checker<'a> {
    /// Takes one step of the budget; `false` once it is spent (leaving the last step for
    /// [`Checker::node`] to report).
    fn spend(&self) -> bool {
        let left = self.steps.get();
        if left > 1 {
            self.steps.set(left - 1);
        }
        left > 1
    }

    /// Resolves a `$ref` within `root`; `None` for anything but a local JSON pointer.
    fn resolve(&self, reference: &Json) -> Option<&'a Json> {
        let pointer = reference.as_str()?.strip_prefix('#')?;
        self.root.pointer(pointer)
    }

    /// Checks `node` against `schema`, pushing problems to `out`. `hops` counts the
    /// schema indirections taken at this node, to stop on cyclic `$ref`s.
    fn node(
        &self,
        node: &Node,
        schema: &'a Json,
        path: &mut String,
        hops: usize,
        out: &mut Vec<Issue>,
    ) {
        match self.steps.get() {
            0 => return,
            1 => {
                self.steps.set(0);
                let message = format!(
                    "the schema is too complex to check {} (it refers to the same schema from several branches); ladder stopped checking this document here",
                    subject(path)
                );
                *self.stopped.borrow_mut() = Some(issue(node.pos, path, message, None));
                return;
            }
            n => self.steps.set(n - 1),
        }
        let obj = match schema {
            Json::Object(obj) => obj,
            Json::Bool(false) => {
                let message = format!("{} is not allowed here", subject(path));
                out.push(issue(node.pos, path, message, None));
                return;
            }
            _ => return,
        };
        if hops > MAX_HOPS {
            let message = format!(
                "the schema for {} nests too deeply (cyclic `$ref`?)",
                subject(path)
            );
            out.push(issue(node.pos, path, message, None));
            return;
        }
        if let Some(reference) = obj.get("$ref") {
            // Draft-07: keywords beside `$ref` are ignored.
            if let Some(target) = self.resolve(reference) {
                self.node(node, target, path, hops + 1, out);
            } else {
                let message = format!(
                    "the schema for {} has an unsupported `$ref` {reference}",
                    subject(path)
                );
                out.push(issue(node.pos, path, message, None));
            }
            return;
        }
        if node.value == Value::Null && is_true(obj, "nullable") {
            return;
        }
        if let Err(kinds) = type_fits(node, obj) {
            // A type with listed values (`sync: auto | manual`): say the values, not only
            // the type, so `sync: true` does not get "quote it" (still not allowed).
            if obj.contains_key("enum") || obj.contains_key("const") {
                let mut expected = Expected::default();
                self.expected(schema, hops, &mut expected);
                if !expected.values.is_empty() {
                    expected.kinds.clear();
                    out.push(mismatch(node, path, &expected));
                    return;
                }
            }
            let message = format!(
                "{} must be {}, found {}",
                subject(path),
                either(&kinds),
                node.value.kind()
            );
            let expected = Expected {
                kinds: kinds.clone(),
                ..Expected::default()
            };
            out.push(issue(node.pos, path, message, quote_hint(node, &expected)));
            return;
        }
        if !value_fits(node, obj) {
            let mut expected = Expected::default();
            self.expected(schema, hops, &mut expected);
            out.push(mismatch(node, path, &expected));
            return;
        }
        bounds(node, obj, path, out);
        if let Some(Json::Array(members)) = obj.get("allOf") {
            for member in members {
                self.node(node, member, path, hops + 1, out);
            }
        }
        for keyword in ["anyOf", "oneOf"] {
            if let Some(Json::Array(branches)) = obj.get(keyword) {
                self.any_of(node, branches, path, hops, out);
            }
        }
        match &node.value {
            Value::Map(entries) => self.mapping(node, entries, obj, path, out),
            Value::Seq(items) => self.list(node, items, obj, path, out),
            _ => {}
        }
    }

    /// `anyOf`/`oneOf`: fine if one branch fits; otherwise the problems of the branch
    /// that fits best, or one "must be …" message when no branch fits the value itself.
    fn any_of(
        &self,
        node: &Node,
        branches: &'a [Json],
        path: &mut String,
        hops: usize,
        out: &mut Vec<Issue>,
    ) {
        let mut best: Option<Vec<Issue>> = None;
        for branch in branches.iter().filter(|b| self.fits(node, b, hops + 1)) {
            let mut found = Vec::new();
            self.node(node, branch, path, hops + 1, &mut found);
            if found.is_empty() {
                return;
            }
            if best.as_ref().is_none_or(|b| found.len() < b.len()) {
                best = Some(found);
            }
        }
        if let Some(found) = best {
            out.extend(found);
        } else {
            let mut expected = Expected::default();
            for branch in branches {
                self.expected(branch, hops + 1, &mut expected);
            }
            out.push(mismatch(node, path, &expected));
        }
    }

    /// A cheap, shallow check: does the value itself (not its children) fit `schema`?
    fn fits(&self, node: &Node, schema: &'a Json, hops: usize) -> bool {
        if !self.spend() {
            // Out of budget: `node` reports it; assume the value fits.
            return true;
        }
        let obj = match schema {
            Json::Object(obj) => obj,
            other => return *other != Json::Bool(false),
        };
        if hops > MAX_HOPS {
            return false;
        }
        if let Some(reference) = obj.get("$ref") {
            return self
                .resolve(reference)
                .is_some_and(|target| self.fits(node, target, hops + 1));
        }
        if node.value == Value::Null && is_true(obj, "nullable") {
            return true;
        }
        if type_fits(node, obj).is_err() || !value_fits(node, obj) {
            return false;
        }
        if let Some(Json::Array(members)) = obj.get("allOf")
            && !members.iter().all(|m| self.fits(node, m, hops + 1))
        {
            return false;
        }
        ["anyOf", "oneOf"]
            .iter()
            .all(|keyword| match obj.get(*keyword) {
                Some(Json::Array(branches)) => {
                    branches.iter().any(|b| self.fits(node, b, hops + 1))
                }
                _ => true,
            })
    }

    /// Collects what `schema` accepts, for messages.
    fn expected(&self, schema: &'a Json, hops: usize, acc: &mut Expected) {
        if !self.spend() {
            return;
        }
        let Json::Object(obj) = schema else {
            return;
        };
        if hops > MAX_HOPS {
            return;
        }
        if let Some(reference) = obj.get("$ref") {
            if let Some(target) = self.resolve(reference) {
                self.expected(target, hops + 1, acc);
            }
            return;
        }
        if let Some(value) = obj.get("const") {
            acc.values.push(value.clone());
        } else if let Some(Json::Array(values)) = obj.get("enum") {
            acc.values.extend(values.iter().cloned());
        } else if let Some(kinds) = accepted_kinds(obj) {
            acc.kinds.extend(kinds);
        } else {
            for keyword in ["allOf", "anyOf", "oneOf"] {
                if let Some(Json::Array(members)) = obj.get(keyword) {
                    for member in members {
                        self.expected(member, hops + 1, acc);
                    }
                }
            }
        }
        if is_true(obj, "nullable") {
            acc.kinds.push("null");
        }
    }

    fn mapping(
        &self,
        node: &Node,
        entries: &[(Node, Node)],
        obj: &'a Map<String, Json>,
        path: &mut String,
        out: &mut Vec<Issue>,
    ) {
        let properties = obj.get("properties").and_then(Json::as_object);
        let additional = obj.get("additionalProperties");
        let preserve = is_true(obj, "x-kubernetes-preserve-unknown-fields");
        for (key, value) in entries {
            let Some(name) = key.key_text() else {
                let message = format!("{} has a key that is not a scalar", subject(path));
                out.push(issue(key.pos, path, message, None));
                continue;
            };
            let parent = path.len();
            push_key(path, &name);
            if let Some(sub) = properties.and_then(|p| p.get(&name)) {
                self.node(value, sub, path, 0, out);
            } else {
                match additional {
                    Some(Json::Bool(false)) => {
                        out.push(unknown(key, &name, path, parent, properties));
                    }
                    Some(sub @ Json::Object(_)) => self.node(value, sub, path, 0, out),
                    None if properties.is_some() && !preserve => {
                        out.push(unknown(key, &name, path, parent, properties));
                    }
                    // `additionalProperties: true`, or no `properties` to be strict about.
                    Some(_) | None => {}
                }
            }
            path.truncate(parent);
        }
        if let Some(Json::Array(required)) = obj.get("required") {
            for name in required.iter().filter_map(Json::as_str) {
                if node.entry(name).is_none() {
                    let message = format!("missing required field `{name}` {}", place(path));
                    let property = properties.and_then(|p| p.get(name));
                    let help = missing_help(path, name, property);
                    out.push(issue(node.pos, path, message, Some(help)));
                }
            }
        }
    }

    fn list(
        &self,
        node: &Node,
        items: &[Node],
        obj: &'a Map<String, Json>,
        path: &mut String,
        out: &mut Vec<Issue>,
    ) {
        if let Some(min) = obj.get("minItems").and_then(Json::as_u64)
            && u64::try_from(items.len()).unwrap_or(u64::MAX) < min
        {
            let message = format!(
                "{} must have at least {min} item{}, found {}",
                subject(path),
                if min == 1 { "" } else { "s" },
                items.len()
            );
            out.push(issue(node.pos, path, message, None));
        }
        let schemas: &[Json] = match obj.get("items") {
            None => return,
            Some(Json::Array(tuple)) => tuple,
            Some(single) => std::slice::from_ref(single),
        };
        let tuple = matches!(obj.get("items"), Some(Json::Array(_)));
        for (i, item) in items.iter().enumerate() {
            let schema = if tuple {
                schemas.get(i)
            } else {
                schemas.first()
            };
            let Some(schema) = schema else {
                break;
            };
            let parent = path.len();
            let _ = write!(path, "[{i}]");
            self.node(item, schema, path, 0, out);
            path.truncate(parent);
        }
    }
}
