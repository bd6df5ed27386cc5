//! `ladder diff`: what a change to the spec does to the rollout, and to the files.
//!
//! Compares two compilations (the spec at a base revision, which may not exist, and
//! the spec now): first what it deletes or replaces in the cluster
//! ([`super::deletions`]), then components added, removed or moved between phases, dependencies
//! added or removed, per environment the step count and longest chain before and
//! after and whether its rollout changes, then the unified diff of the generated
//! files. Pure: the CLI fetches the base spec from git and compiles both sides.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::Compilation;
use crate::emit::Files;

/// Comments on merge requests are cut past this many characters (GitHub allows 65,536).
pub const MARKDOWN_LIMIT: usize = 60_000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Component, phase before, phase after.
    pub moved: Vec<(String, u32, u32)>,
    /// Dependent, dependency.
    /// (dependent, what it waits for, whether the edge is `after` rather than `dependsOn`).
    pub dependencies_added: Vec<(String, String, bool)>,
    pub dependencies_removed: Vec<(String, String, bool)>,
    pub environments: Vec<EnvChange>,
    /// What the change deletes or replaces in the cluster, shown first.
    pub deletions: Vec<super::deletions::Deletion>,
    /// Generated files that differ: path and unified diff.
    pub files: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvChange {
    pub name: String,
    /// Steps and longest chain before (`None`: the environment is new) and after
    /// (`None`: it was removed).
    pub steps: (Option<usize>, Option<usize>),
    pub chain: (Option<usize>, Option<usize>),
    pub changed: bool,
}

impl Summary {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
            && self.deletions.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.moved.is_empty()
            && self.dependencies_added.is_empty()
            && self.dependencies_removed.is_empty()
            && self.environments.iter().all(|e| !e.changed)
    }
}

/// What one environment's rollout is: per step, phase, maxUpdate and each component with
/// its Application's full definition.
fn rollout_fingerprint(c: &Compilation, env: usize) -> Vec<String> {
    c.plan.environments[env]
        .steps
        .iter()
        .map(|step| {
            let apps: Vec<String> = step
                .components
                .iter()
                .map(|&i| {
                    format!(
                        "{}={:?}",
                        c.model.components[i].name, c.model.components[i].instances[env]
                    )
                })
                .collect();
            format!("{}|{}|{}", step.phase, step.max_update, apps.join(";"))
        })
        .collect()
}

fn phases(c: &Compilation) -> BTreeMap<&str, u32> {
    c.model
        .components
        .iter()
        .zip(&c.plan.phases)
        .map(|(comp, &p)| (comp.name.as_str(), p))
        .collect()
}

fn edges(c: &Compilation) -> BTreeSet<(String, String, bool)> {
    c.model
        .components
        .iter()
        .flat_map(|comp| {
            comp.edges().into_iter().map(|(d, kind)| {
                (
                    comp.name.clone(),
                    c.model.components[d].name.clone(),
                    kind == crate::analyze::model::EdgeKind::After,
                )
            })
        })
        .collect()
}

/// Compares the base compilation (if the spec existed and built there) with the current one.
pub fn summarize(base: Option<&Compilation>, head: &Compilation) -> Summary {
    let empty = BTreeMap::new();
    let before = base.map_or(empty, phases);
    let after = phases(head);
    let mut summary = Summary::default();
    for (name, &phase) in &after {
        match before.get(name) {
            None => summary.added.push((*name).to_owned()),
            Some(&old) if old != phase => summary.moved.push(((*name).to_owned(), old, phase)),
            Some(_) => {}
        }
    }
    summary.removed = before
        .keys()
        .filter(|n| !after.contains_key(*n))
        .map(|n| (*n).to_owned())
        .collect();
    let old_edges = base.map(edges).unwrap_or_default();
    let new_edges = edges(head);
    summary.dependencies_added = new_edges.difference(&old_edges).cloned().collect();
    summary.dependencies_removed = old_edges.difference(&new_edges).cloned().collect();

    let mut names: Vec<String> = head
        .model
        .environments
        .iter()
        .map(|e| e.name.clone())
        .collect();
    if let Some(b) = base {
        for e in &b.model.environments {
            if !names.contains(&e.name) {
                names.push(e.name.clone());
            }
        }
    }
    for name in names {
        let find = |c: &Compilation| c.model.environments.iter().position(|e| e.name == name);
        let old = base.and_then(|b| find(b).map(|i| (b, i)));
        let new = find(head).map(|i| (head, i));
        let steps =
            |x: Option<(&Compilation, usize)>| x.map(|(c, i)| c.plan.environments[i].steps.len());
        let chain = |x: Option<(&Compilation, usize)>| {
            x.map(|(c, i)| c.plan.environments[i].longest_chain.len())
        };
        let changed = match (old, new) {
            (Some((b, i)), Some((h, j))) => rollout_fingerprint(b, i) != rollout_fingerprint(h, j),
            _ => true,
        };
        summary.environments.push(EnvChange {
            name,
            steps: (steps(old), steps(new)),
            chain: (chain(old), chain(new)),
            changed,
        });
    }
    summary.deletions = super::deletions::deletions(base, head);
    let no_files = Files::new();
    summary.files = file_diffs(base.map_or(&no_files, |b| &b.files), &head.files);
    summary
}

fn file_diffs(old: &Files, new: &Files) -> Vec<(String, String)> {
    let paths: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut out = Vec::new();
    for path in paths {
        let (a, b) = (old.get(path), new.get(path));
        if a == b {
            continue;
        }
        let text = |x: Option<&Vec<u8>>| {
            x.map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default()
        };
        let (ta, tb) = (text(a), text(b));
        let diff = similar::TextDiff::from_lines(&ta, &tb);
        let header_a = if a.is_some() {
            format!("a/{path}")
        } else {
            "/dev/null".into()
        };
        let header_b = if b.is_some() {
            format!("b/{path}")
        } else {
            "/dev/null".into()
        };
        let unified = diff
            .unified_diff()
            .context_radius(3)
            .header(&header_a, &header_b)
            .to_string();
        out.push((path.clone(), unified));
    }
    out
}

fn show(n: Option<usize>) -> String {
    n.map_or_else(|| "–".to_owned(), |n| n.to_string())
}

fn arrow(pair: (Option<usize>, Option<usize>)) -> String {
    if pair.0 == pair.1 {
        show(pair.1)
    } else {
        format!("{} → {}", show(pair.0), show(pair.1))
    }
}

fn component_lines(summary: &Summary, tick: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let list = |items: &[String]| {
        items
            .iter()
            .map(|n| format!("{tick}{n}{tick}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !summary.moved.is_empty() {
        let moved: Vec<String> = summary
            .moved
            .iter()
            .map(|(n, a, b)| format!("{tick}{n}{tick} {a} → {b}"))
            .collect();
        lines.push(format!(
            "moved ({}): {}",
            summary.moved.len(),
            moved.join(", ")
        ));
    }
    if !summary.added.is_empty() {
        lines.push(format!(
            "added ({}): {}",
            summary.added.len(),
            list(&summary.added)
        ));
    }
    if !summary.removed.is_empty() {
        lines.push(format!(
            "removed ({}): {}",
            summary.removed.len(),
            list(&summary.removed)
        ));
    }
    // `a → b`: a depends on b; `a ⇢ b`: a comes after b (ordering only).
    let deps = |items: &[(String, String, bool)]| {
        items
            .iter()
            .map(|(a, b, after)| {
                let arrow = if *after { "⇢" } else { "→" };
                format!("{tick}{a}{tick} {arrow} {tick}{b}{tick}")
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !summary.dependencies_added.is_empty() {
        lines.push(format!(
            "dependencies added ({}): {}",
            summary.dependencies_added.len(),
            deps(&summary.dependencies_added)
        ));
    }
    if !summary.dependencies_removed.is_empty() {
        lines.push(format!(
            "dependencies removed ({}): {}",
            summary.dependencies_removed.len(),
            deps(&summary.dependencies_removed)
        ));
    }
    lines
}

/// Plain text: the plan summary, then the unified diff.
pub fn text(summary: &Summary, base: &str) -> String {
    let mut out = String::new();
    if summary.is_empty() {
        let _ = writeln!(out, "no changes against {base}");
        return out;
    }
    if !summary.deletions.is_empty() {
        let _ = writeln!(out, "Deletes or replaces:");
        for line in super::deletions::lines(&summary.deletions) {
            let _ = writeln!(out, "  - {line}");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "rollout changes against {base}:");
    for line in component_lines(summary, "") {
        let _ = writeln!(out, "  {line}");
    }
    let _ = writeln!(
        out,
        "  {:<14} {:<10} {:<14} rollout",
        "environment", "steps", "longest chain"
    );
    for e in &summary.environments {
        let _ = writeln!(
            out,
            "  {:<14} {:<10} {:<14} {}",
            e.name,
            arrow(e.steps),
            arrow(e.chain),
            if e.changed { "changes" } else { "unchanged" }
        );
    }
    if !summary.files.is_empty() {
        let _ = writeln!(out, "\n{} generated file(s) differ:\n", summary.files.len());
        for (_, diff) in &summary.files {
            out.push_str(diff);
        }
    }
    out
}

/// Markdown for a merge-request comment: a summary table, then each file's diff in a
/// collapsed section; cut with a note past [`MARKDOWN_LIMIT`] characters.
pub fn markdown(summary: &Summary, base: &str, spec_name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### ladder: `{spec_name}` against `{base}`\n");
    if summary.is_empty() {
        out.push_str("No changes to the rollout or the generated manifests.\n");
        return out;
    }
    if !summary.deletions.is_empty() {
        out.push_str("#### Deletes or replaces\n\n");
        for line in super::deletions::lines(&summary.deletions) {
            let _ = writeln!(out, "- {line}");
        }
        out.push('\n');
    }
    out.push_str("| environment | steps | longest chain | rollout |\n| --- | --- | --- | --- |\n");
    for e in &summary.environments {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            e.name,
            arrow(e.steps),
            arrow(e.chain),
            if e.changed {
                "**changes**"
            } else {
                "unchanged"
            }
        );
    }
    out.push('\n');
    for line in component_lines(summary, "`") {
        let _ = writeln!(out, "- {line}");
    }
    if !summary.files.is_empty() {
        let _ = writeln!(out, "\n{} generated file(s) differ.\n", summary.files.len());
    }
    let mut omitted = 0;
    for (path, diff) in &summary.files {
        let (plus, minus) = diff.lines().fold((0, 0), |(p, m), l| {
            if l.starts_with('+') && !l.starts_with("+++") {
                (p + 1, m)
            } else if l.starts_with('-') && !l.starts_with("---") {
                (p, m + 1)
            } else {
                (p, m)
            }
        });
        let section = format!(
            "<details><summary><code>{path}</code> (+{plus} −{minus})</summary>\n\n```diff\n{}```\n\n</details>\n",
            diff.replace("```", "`\u{200b}``")
        );
        if out.len() + section.len() > MARKDOWN_LIMIT {
            omitted += 1;
            continue;
        }
        out.push_str(&section);
    }
    if omitted > 0 {
        let _ = writeln!(
            out,
            "\n_{omitted} file diff(s) left out to stay under {MARKDOWN_LIMIT} characters; run `ladder diff --base {base}` locally for all of it._"
        );
    }
    out
}
