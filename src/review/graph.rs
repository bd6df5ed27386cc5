//! `ladder graph`: the dependency graph ranked by phase, as Mermaid or Graphviz DOT.
//!
//! One column (a subgraph) per phase, edges from each dependency to its dependent,
//! and the critical path (the chain with the largest total duration) drawn bold.
//! `group` clusters the components of each phase by a label (e.g. `domain`), which
//! keeps graphs of hundreds of components readable.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::analyze::model::{EdgeKind, Model};
use crate::plan::Plan;

/// Output format of `ladder graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Mermaid,
    Dot,
}

/// What to draw: the components enabled in `env`, clustered by `group` if given.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    pub env: usize,
    pub group: Option<&'a str>,
}

pub fn render(model: &Model, plan: &Plan, format: Format, options: Options<'_>) -> String {
    let env = options.env;
    let members: Vec<usize> = (0..model.components.len())
        .filter(|&c| model.enabled(c, env))
        .collect();
    let estimate = crate::plan::estimate::estimate(model, plan);
    let critical: Vec<usize> = estimate
        .environments
        .iter()
        .find(|e| e.env == env)
        .map(|e| e.critical_path.clone())
        .unwrap_or_default();
    let critical_edges: BTreeSet<(usize, usize)> =
        critical.windows(2).map(|w| (w[0], w[1])).collect();
    let mut by_phase: BTreeMap<u32, BTreeMap<String, Vec<usize>>> = BTreeMap::new();
    for &c in &members {
        let group = options
            .group
            .and_then(|g| model.components[c].labels.get(g).cloned())
            .unwrap_or_default();
        by_phase
            .entry(plan.environments[env].phases[c])
            .or_default()
            .entry(group)
            .or_default()
            .push(c);
    }
    // `after` edges are drawn dashed: ordering only, no data dependency.
    let edges: Vec<(usize, usize, bool)> = members
        .iter()
        .flat_map(|&c| {
            model.components[c]
                .edges()
                .into_iter()
                .filter(|&(d, _)| members.binary_search(&d).is_ok())
                .map(move |(d, kind)| (d, c, kind == EdgeKind::After))
        })
        .collect();
    let drawing = Drawing {
        by_phase,
        edges,
        critical,
        critical_edges,
    };
    match format {
        Format::Mermaid => mermaid(model, &drawing),
        Format::Dot => dot(model, &drawing),
    }
}

/// What both formats draw: components by phase (and group), edges from dependency to
/// dependent, and the critical path.
struct Drawing {
    by_phase: BTreeMap<u32, BTreeMap<String, Vec<usize>>>,
    edges: Vec<(usize, usize, bool)>,
    critical: Vec<usize>,
    critical_edges: BTreeSet<(usize, usize)>,
}

/// Mermaid node ids are component names with `-` as `_` (names are DNS labels, so this is
/// one to one and stable when components are added); the label carries the name.
fn mermaid(model: &Model, drawing: &Drawing) -> String {
    let Drawing {
        by_phase,
        edges,
        critical,
        critical_edges,
    } = drawing;
    let id = |c: usize| mermaid_id(&model.components[c].name);
    let mut out = String::from("flowchart LR\n");
    for (phase, groups) in by_phase {
        let _ = writeln!(out, "  subgraph phase{phase}[\"phase {phase}\"]");
        let _ = writeln!(out, "    direction TB");
        for (g, (group, components)) in groups.iter().enumerate() {
            let indent = if group.is_empty() { "    " } else { "      " };
            if !group.is_empty() {
                let _ = writeln!(
                    out,
                    "    subgraph phase{phase}_g{g}[\"{}\"]",
                    escape_mermaid(group)
                );
            }
            for &c in components {
                let name = &model.components[c].name;
                let _ = writeln!(
                    out,
                    "{indent}{}[\"{}\"]",
                    mermaid_id(name),
                    escape_mermaid(name)
                );
            }
            if !group.is_empty() {
                let _ = writeln!(out, "    end");
            }
        }
        let _ = writeln!(out, "  end");
    }
    let mut bold = Vec::new();
    for (i, &(from, to, after)) in edges.iter().enumerate() {
        if critical_edges.contains(&(from, to)) {
            let _ = writeln!(out, "  {} ==> {}", id(from), id(to));
            bold.push(i);
        } else if after {
            let _ = writeln!(out, "  {} -.-> {}", id(from), id(to));
        } else {
            let _ = writeln!(out, "  {} --> {}", id(from), id(to));
        }
    }
    if !critical.is_empty() {
        out.push_str("  classDef critical stroke-width:3px,stroke:#d62728\n");
        let ids: Vec<String> = critical.iter().map(|&c| id(c)).collect();
        let _ = writeln!(out, "  class {} critical", ids.join(","));
    }
    if !bold.is_empty() {
        let ids: Vec<String> = bold.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:#d62728,stroke-width:3px",
            ids.join(",")
        );
    }
    out
}

fn dot(model: &Model, drawing: &Drawing) -> String {
    let Drawing {
        by_phase,
        edges,
        critical,
        critical_edges,
    } = drawing;
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote_dot(&model.name));
    out.push_str("  rankdir=LR;\n  newrank=true;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    for (phase, groups) in by_phase {
        let _ = writeln!(out, "  subgraph cluster_phase{phase} {{");
        let _ = writeln!(out, "    label=\"phase {phase}\";");
        let names: Vec<String> = groups
            .values()
            .flatten()
            .map(|&c| quote_dot(&model.components[c].name))
            .collect();
        for (g, (group, components)) in groups.iter().enumerate() {
            if !group.is_empty() {
                let _ = writeln!(out, "    subgraph cluster_phase{phase}_g{g} {{");
                let _ = writeln!(out, "      label={};", quote_dot(group));
            }
            let indent = if group.is_empty() { "    " } else { "      " };
            for &c in components {
                let attrs = if critical.contains(&c) {
                    " [color=\"#d62728\", penwidth=2]"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "{indent}{}{attrs};",
                    quote_dot(&model.components[c].name)
                );
            }
            if !group.is_empty() {
                out.push_str("    }\n");
            }
        }
        let _ = writeln!(out, "    {{ rank=same; {}; }}", names.join("; "));
        out.push_str("  }\n");
    }
    for &(from, to, after) in edges {
        let attrs = match (critical_edges.contains(&(from, to)), after) {
            (true, false) => " [color=\"#d62728\", penwidth=3]",
            (true, true) => " [color=\"#d62728\", penwidth=3, style=dashed]",
            (false, true) => " [style=dashed]",
            (false, false) => "",
        };
        let _ = writeln!(
            out,
            "  {} -> {}{attrs};",
            quote_dot(&model.components[from].name),
            quote_dot(&model.components[to].name)
        );
    }
    out.push_str("}\n");
    out
}

fn quote_dot(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn mermaid_id(name: &str) -> String {
    format!("c_{}", name.replace('-', "_"))
}

fn escape_mermaid(s: &str) -> String {
    s.replace('"', "#quot;")
}
