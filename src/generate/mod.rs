//! Which Applications an ApplicationSet generates, as far as ladder can tell offline.
//!
//! The generators are evaluated into parameter sets ([`params`]: list, git over a local
//! checkout, matrix, merge), and each set is rendered into `template.metadata.name` and
//! `template.metadata.labels` ([`render`]: fasttemplate and Go template parameter
//! references). What cannot be evaluated (other generators, template functions) is
//! reported as not evaluated rather than guessed; what the controller itself refuses
//! (a file that is not YAML, a matrix of three, merge keys that are not unique) is a
//! failure.
//!
//! Used by lint (rules over what is generated) and by compare (the Applications two
//! trees make). May import: `load`, `glob`, `diagnostic`.

mod git;
mod params;
mod patch;
mod render;
mod set;
pub mod steps;
pub mod tree;

use indexmap::IndexMap;

use crate::diagnostic::Pos;
use crate::load::yaml::{Node, Value};
pub(crate) use git::Empty;
pub use git::{Checkout, Tree};
use render::{render, scalar_text};
use set::{Failure, ParamSet};

/// One generated Application: its name, labels, and where it came from.
#[derive(Debug, Clone)]
pub(super) struct Generated {
    pub name: String,
    pub labels: IndexMap<String, String>,
    /// The list element, or the git generator item, that made it.
    pub pos: Pos,
    /// The folder or file of the checkout it was made for (`folder `apps/web``).
    pub origin: Option<String>,
    /// Its sources' (repoURL, path) where both render, for rules that follow a source
    /// into the repository.
    pub sources: Vec<(String, String)>,
}

/// What an ApplicationSet generates.
#[derive(Debug, Clone)]
pub(super) enum Generation {
    /// Its Applications, and the git generators that matched nothing.
    Apps(Vec<Generated>, Vec<Empty>),
    /// ladder cannot tell: where, and why.
    Unknown(Pos, String),
    /// A git generator reads a repository that is not among the checkouts: where, why,
    /// and its URL.
    Elsewhere(Pos, String, String),
    /// The controller fails to generate anything: where, and why.
    Fails(Pos, String),
}

/// The Applications of an ApplicationSet, with the checkouts its git generators may read.
pub(super) fn generated(appset: &Node, checkouts: &[Checkout<'_>]) -> Generation {
    match evaluate(appset, checkouts) {
        Ok((apps, empty)) => Generation::Apps(apps, empty),
        Err(Failure::Unknown(pos, why)) => Generation::Unknown(pos, why),
        Err(Failure::Fails(pos, why)) => Generation::Fails(pos, why),
        Err(Failure::Elsewhere(pos, why, url)) => Generation::Elsewhere(pos, why, url),
    }
}

/// The Applications an ApplicationSet generates, whole: its template with every string
/// rendered against each parameter set (`metadata` and `spec` as the controller would
/// create them), or where and why that cannot be told (what [`Generation`] says
/// otherwise). A `templatePatch` is rendered and merged in, for the actions
/// [`patch`] knows.
pub fn applications(appset: &Node, checkouts: &[Checkout<'_>]) -> Result<Vec<Node>, (Pos, String)> {
    let failure = |f: Failure| match f {
        Failure::Unknown(pos, why) | Failure::Fails(pos, why) | Failure::Elsewhere(pos, why, _) => {
            (pos, why)
        }
    };
    let spec = appset.get("spec");
    let go = spec
        .and_then(|s| s.get("goTemplate"))
        .is_some_and(|g| g.value == Value::Bool(true));
    let template = spec
        .and_then(|s| s.get("template"))
        .ok_or_else(|| (appset.pos, "it has no `spec.template`".to_owned()))?;
    let Some(Value::Seq(generators)) = spec.and_then(|s| s.get("generators")).map(|g| &g.value)
    else {
        return Err((appset.pos, "it has no `spec.generators` list".into()));
    };
    let mut eval = params::Eval {
        go,
        checkouts,
        empty: Vec::new(),
    };
    let sets = eval.all(generators).map_err(failure)?;
    let patch = spec.and_then(|s| s.get("templatePatch"));
    let patch = match patch {
        None => None,
        Some(p) if !go => return Err((p.pos, "a `templatePatch` needs `goTemplate: true`".into())),
        Some(p) => Some((
            p.pos,
            p.as_str()
                .ok_or_else(|| (p.pos, "`templatePatch` is not a string".to_owned()))?,
        )),
    };
    sets.iter()
        .map(|set| {
            let mut app = render::interpolate(template, &set.params, go).ok_or_else(|| {
                (
                    set.params.pos,
                    "ladder cannot evaluate a template value for this parameter set".to_owned(),
                )
            })?;
            if let Some((pos, text)) = patch {
                let rendered = patch::render(text, &set.params)
                    .map_err(|why| (pos, format!("its `templatePatch`: {why}")))?;
                let node =
                    crate::load::yaml::parse_as_go("templatePatch", &rendered).map_err(|d| {
                        (
                            pos,
                            format!("its rendered `templatePatch` is not YAML: {}", d.message),
                        )
                    })?;
                render::merge(&mut app, &node);
            }
            Ok(app)
        })
        .collect()
}

/// An Application spec's sources: `sources` when it has them (Argo CD then ignores
/// `source`, `HasMultipleSources`), else its `source`.
pub(crate) fn sources(spec: Option<&Node>) -> Vec<&Node> {
    match spec.and_then(|s| s.get("sources")).map(|s| &s.value) {
        Some(Value::Seq(items)) => items.iter().collect(),
        _ => spec.and_then(|s| s.get("source")).into_iter().collect(),
    }
}

type Evaluated = (Vec<Generated>, Vec<Empty>);

fn evaluate(appset: &Node, checkouts: &[Checkout<'_>]) -> Result<Evaluated, Failure> {
    let spec = appset.get("spec");
    let go = spec
        .and_then(|s| s.get("goTemplate"))
        .is_some_and(|g| g.value == Value::Bool(true));
    let template = spec.and_then(|s| s.get("template"));
    let Some(Node {
        value: Value::Seq(generators),
        ..
    }) = spec.and_then(|s| s.get("generators"))
    else {
        let pos = spec.map_or(appset.pos, |s| s.pos);
        return Err(Failure::Unknown(
            pos,
            "it has no `spec.generators` list".into(),
        ));
    };
    let mut eval = params::Eval {
        go,
        checkouts,
        empty: Vec::new(),
    };
    let sets = eval.all(generators)?;
    let apps = sets
        .iter()
        .map(|set| generate(set, template, go))
        .collect::<Result<_, _>>()?;
    Ok((apps, eval.empty))
}

fn generate(set: &ParamSet, template: Option<&Node>, go: bool) -> Result<Generated, Failure> {
    let metadata = template.and_then(|t| t.get("metadata"));
    let render_at = |node: &Node| {
        let text = scalar_text(node).ok_or_else(|| {
            Failure::Unknown(
                node.pos,
                format!("a template value is {}, not a string", node.value.kind()),
            )
        })?;
        render(&text, &set.params, go).ok_or_else(|| {
            Failure::Unknown(
                node.pos,
                format!("ladder cannot evaluate the template `{text}`"),
            )
        })
    };
    let name = match metadata.and_then(|m| m.get("name")) {
        Some(n) => render_at(n)?,
        None => String::new(),
    };
    let mut labels = IndexMap::new();
    if let Some(Node {
        value: Value::Map(entries),
        ..
    }) = metadata.and_then(|m| m.get("labels"))
    {
        for (k, v) in entries {
            labels.insert(render_at(k)?, render_at(v)?);
        }
    }
    let spec = template.and_then(|t| t.get("spec"));
    let sources = sources(spec)
        .into_iter()
        .filter_map(|source| {
            let field = |k: &str| {
                let text = source.get(k).and_then(scalar_text)?;
                render(&text, &set.params, go)
            };
            Some((field("repoURL")?, field("path")?))
        })
        .collect();
    Ok(Generated {
        name,
        labels,
        pos: set.params.pos,
        origin: set.origin.clone(),
        sources,
    })
}

#[cfg(test)]
mod tests;
