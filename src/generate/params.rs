//! Generators evaluated into parameter sets, as Argo CD v3.5.1 does
//! (`applicationset/generators/`): `list` (literal `elements` and an `elementsYaml`
//! without templates), `git` over a local checkout ([`super::git`]), `matrix` (exactly two
//! generators; the second is rendered with each set of the first and the two sets are
//! combined, `matrix.go:40-80`) and `merge` (sets of the later generators override the
//! first generator's sets with the same `mergeKeys`, `merge.go:52-100`). Cluster, SCM,
//! pull-request, plugin and cluster-decision generators and per-generator templates are
//! not evaluated; a generator's `selector` filters its sets (`Transform`).

use super::git::{self, Checkout, Empty, Request, flatten};
use super::render::{interpolate, merge, scalar_text, text};
use super::set::{Failure, ParamSet};
use crate::load::yaml::{self, Node, Value};

/// One ApplicationSet's evaluation: its template form, the checkouts git generators may
/// read, and the generators found to match nothing.
pub(super) struct Eval<'a> {
    pub go: bool,
    pub checkouts: &'a [Checkout<'a>],
    /// Git generators that matched nothing.
    pub empty: Vec<Empty>,
}

/// The most parameter sets (Applications) one ApplicationSet is evaluated to: a
/// matrix of two long lists multiplies, and each set is rendered into a whole
/// Application, so past this it is "not evaluated" rather than memory exhausted.
const MAX_SETS: usize = 100_000;

fn too_many(pos: crate::diagnostic::Pos) -> Failure {
    Failure::Unknown(
        pos,
        format!("it generates more than {MAX_SETS} Applications, more than ladder evaluates"),
    )
}

impl Eval<'_> {
    /// The sets of every top-level generator, one after the other.
    pub(super) fn all(&mut self, generators: &[Node]) -> Result<Vec<ParamSet>, Failure> {
        let mut sets = Vec::new();
        for generator in generators {
            sets.extend(self.generator(generator, None, false)?);
            if sets.len() > MAX_SETS {
                return Err(too_many(generator.pos));
            }
        }
        Ok(sets)
    }

    /// One generator (a mapping of one kind, or of several at the top level), its
    /// strings first rendered with `outer` (a matrix's first set).
    fn generator(
        &mut self,
        generator: &Node,
        outer: Option<&Node>,
        nested: bool,
    ) -> Result<Vec<ParamSet>, Failure> {
        let interpolated;
        let generator = match outer {
            Some(params) => {
                interpolated = interpolate(generator, params, self.go).ok_or_else(|| {
                    Failure::Unknown(
                        generator.pos,
                        "its matrix's second generator has a template ladder cannot evaluate"
                            .into(),
                    )
                })?;
                &interpolated
            }
            None => generator,
        };
        let Value::Map(entries) = &generator.value else {
            return Err(Failure::Unknown(
                generator.pos,
                "a generator is not a mapping".into(),
            ));
        };
        let selector = generator.get("selector");
        let kinds = entries.len() - usize::from(selector.is_some());
        if nested && kinds > 1 {
            return Err(Failure::Fails(
                generator.pos,
                "a generator inside a matrix or merge has more than one kind: the controller fails (\"found more than one generator in matrix.Generators\")".into(),
            ));
        }
        let selector = selector.map(Selector::read).transpose()?;
        let mut sets = Vec::new();
        for (key, value) in entries {
            let kind = key.key_text().unwrap_or_default();
            if kind == "selector" {
                continue;
            }
            if value.get("template").is_some() {
                return Err(Failure::Unknown(
                    value.pos,
                    format!("its {kind} generator has its own `template`"),
                ));
            }
            sets.extend(match kind.as_str() {
                "list" => list(value, self.go)?,
                "git" => self.git(value)?,
                "matrix" => self.matrix(value)?,
                "merge" => self.merge(value)?,
                _ => {
                    return Err(Failure::Unknown(
                        key.pos,
                        format!("it uses a `{kind}` generator"),
                    ));
                }
            });
        }
        if let Some(selector) = selector {
            sets.retain(|set| selector.matches(&set.params));
        }
        Ok(sets)
    }

    fn git(&mut self, git: &Node) -> Result<Vec<ParamSet>, Failure> {
        let url = git
            .get("repoURL")
            .and_then(Node::as_str)
            .unwrap_or_default();
        if url.contains("{{") {
            return Err(Failure::Unknown(
                git.get("repoURL").map_or(git.pos, |u| u.pos),
                format!("its git generator's `repoURL` is the template `{url}`"),
            ));
        }
        let Some(checkout) = self.checkouts.iter().find(|c| c.is(url)) else {
            let known: Vec<String> = self
                .checkouts
                .iter()
                .flat_map(|c| c.urls.iter().map(move |u| format!("`{u}` at `{}`", c.root)))
                .collect();
            let known = if known.is_empty() {
                "no checkout with a git remote is among the inputs".to_owned()
            } else {
                format!("the checkouts are {}", known.join(", "))
            };
            return Err(Failure::Elsewhere(
                git.get("repoURL").map_or(git.pos, |u| u.pos),
                format!("its git generator reads `{url}`, and {known}"),
                url.to_owned(),
            ));
        };
        let (sets, empty) = git::params(&Request { git, go: self.go }, checkout)?;
        self.empty.extend(empty);
        Ok(sets)
    }

    fn children<'n>(node: &'n Node, kind: &str) -> Result<&'n [Node], Failure> {
        match node.get("generators") {
            Some(Node {
                value: Value::Seq(children),
                ..
            }) => Ok(children),
            _ => Err(Failure::Fails(
                node.pos,
                format!("its {kind} generator has no `generators` list"),
            )),
        }
    }

    fn matrix(&mut self, matrix: &Node) -> Result<Vec<ParamSet>, Failure> {
        let children = Self::children(matrix, "matrix")?;
        let [first, second] = children else {
            return Err(Failure::Fails(
                matrix.pos,
                format!(
                    "its matrix generator has {} generators; the controller requires exactly two (\"Matrix support only two\")",
                    children.len()
                ),
            ));
        };
        let mut sets = Vec::new();
        for a in self.generator(first, None, true)? {
            for b in self.generator(second, Some(&a.params), true)? {
                if sets.len() >= MAX_SETS {
                    return Err(too_many(matrix.pos));
                }
                sets.push(self.combine(&a, b)?);
            }
        }
        Ok(sets)
    }

    /// One set of a matrix: Go templates merge the two (the first wins); fasttemplate
    /// refuses a key the two give different values (`utils.CombineStringMaps`).
    fn combine(&self, a: &ParamSet, b: ParamSet) -> Result<ParamSet, Failure> {
        if !self.go
            && let (Value::Map(left), Value::Map(right)) = (&a.params.value, &b.params.value)
        {
            for (k, v) in right {
                let clash = left.iter().find(|(lk, lv)| {
                    lk.key_text() == k.key_text() && scalar_text(lv) != scalar_text(v)
                });
                if let Some((lk, lv)) = clash {
                    return Err(Failure::Fails(
                        b.params.pos,
                        format!(
                            "its matrix's two generators give the parameter `{}` different values (`{}` and `{}`): the controller fails (\"found duplicate key\")",
                            lk.key_text().unwrap_or_default(),
                            scalar_text(lv).unwrap_or_default(),
                            scalar_text(v).unwrap_or_default()
                        ),
                    ));
                }
            }
        }
        let origin = match (&a.origin, &b.origin) {
            (Some(x), Some(y)) => Some(format!("{x} and {y}")),
            (x, y) => x.clone().or_else(|| y.clone()),
        };
        let mut params = b.params;
        let pos = if b.origin.is_some() || a.origin.is_none() {
            params.pos
        } else {
            a.params.pos
        };
        merge(&mut params, &a.params);
        params.pos = pos;
        Ok(ParamSet { params, origin })
    }

    fn merge(&mut self, node: &Node) -> Result<Vec<ParamSet>, Failure> {
        let children = Self::children(node, "merge")?;
        if children.len() < 2 {
            return Err(Failure::Fails(
                node.pos,
                "its merge generator has fewer than two generators: the controller fails (\"Merge requires two or more\")".into(),
            ));
        }
        let mut keys: Vec<String> = match node.get("mergeKeys") {
            Some(Node {
                value: Value::Seq(keys),
                ..
            }) => keys.iter().filter_map(Node::key_text).collect(),
            _ => Vec::new(),
        };
        keys.sort();
        keys.dedup();
        if keys.is_empty() {
            return Err(Failure::Fails(
                node.pos,
                "its merge generator has no `mergeKeys`: the controller fails (\"no merge keys were specified\")".into(),
            ));
        }
        let key_of = |set: &ParamSet| {
            keys.iter()
                .map(|k| {
                    set.params
                        .get(k)
                        .map(Node::to_json)
                        .unwrap_or_default()
                        .to_string()
                })
                .collect::<Vec<_>>()
                .join("\u{0}")
        };
        let by_key = |sets: &[ParamSet], at: &Node| {
            let mut seen = std::collections::BTreeMap::new();
            for (i, set) in sets.iter().enumerate() {
                if seen.insert(key_of(set), i).is_some() {
                    return Err(Failure::Fails(
                        at.pos,
                        format!(
                            "two parameter sets of one generator of its merge have the same `mergeKeys` ({}): the controller fails (\"the parameters from a generator were not unique by the given mergeKeys\")",
                            keys.join(", ")
                        ),
                    ));
                }
            }
            Ok(seen)
        };
        let mut base = self.generator(&children[0], None, true)?;
        let index = by_key(&base, &children[0])?;
        for child in &children[1..] {
            let sets = self.generator(child, None, true)?;
            by_key(&sets, child)?;
            for over in &sets {
                if let Some(&i) = index.get(&key_of(over)) {
                    let pos = base[i].params.pos;
                    merge(&mut base[i].params, &over.params);
                    base[i].params.pos = pos;
                }
            }
        }
        Ok(base)
    }
}

/// A list generator's sets: its `elements`, then its `elementsYaml` (`list.go`). For
/// fasttemplate an element's values must be strings, and those of its `values` mapping
/// become `values.KEY`; `elementsYaml` sets are taken as they are.
fn list(list: &Node, go: bool) -> Result<Vec<ParamSet>, Failure> {
    let mut sets = Vec::new();
    let literal = match list.get("elements") {
        Some(Node {
            value: Value::Seq(elements),
            ..
        }) => Some(elements.clone()),
        _ => None,
    };
    let from_yaml = match list.get("elementsYaml") {
        Some(
            node @ Node {
                value: Value::Str(text),
                ..
            },
        ) => Some(elements_yaml(node, text)?),
        _ => None,
    };
    if literal.is_none() && from_yaml.is_none() {
        return Err(Failure::Unknown(
            list.pos,
            "its list generator has no `elements` ladder can read".into(),
        ));
    }
    for element in literal.into_iter().flatten() {
        let params = if go { element } else { flat_element(element)? };
        sets.push(ParamSet {
            params,
            origin: None,
        });
    }
    for element in from_yaml.into_iter().flatten() {
        sets.push(ParamSet {
            params: element,
            origin: None,
        });
    }
    Ok(sets)
}

/// A fasttemplate list element as the controller reads it: string values, and the
/// strings of `values` as `values.KEY`; anything else fails the generator.
fn flat_element(element: Node) -> Result<Node, Failure> {
    let fails = |at: &Node, what: &str| {
        Failure::Fails(
            at.pos,
            format!(
                "its list element's {what} is {}, not a string: without `goTemplate: true` the controller fails (\"error parsing value as string\")",
                at.value.kind()
            ),
        )
    };
    let Value::Map(entries) = element.value else {
        return Err(Failure::Fails(
            element.pos,
            format!(
                "a list element is {}, not a mapping: the controller fails (\"error unmarshling list element\")",
                element.value.kind()
            ),
        ));
    };
    let mut flat = Vec::new();
    for (key, value) in entries {
        let name = key.key_text().unwrap_or_default();
        if name == "values" {
            let Value::Map(values) = value.value else {
                return Err(Failure::Fails(
                    value.pos,
                    "its list element's `values` is not a mapping: the controller fails (\"error parsing values map\")".into(),
                ));
            };
            for (k, v) in values {
                let k = k.key_text().unwrap_or_default();
                if !matches!(v.value, Value::Str(_)) {
                    return Err(fails(&v, &format!("`values.{k}`")));
                }
                flat.push((text(&format!("values.{k}"), key.pos), v));
            }
        } else if matches!(value.value, Value::Str(_)) {
            flat.push((key, value));
        } else {
            return Err(fails(&value, &format!("`{name}`")));
        }
    }
    Ok(Node {
        value: Value::Map(flat),
        pos: element.pos,
    })
}

/// A generator's `selector`: a label selector over the flattened parameters
/// (`generator_spec_processor.go` `Transform`, `flattenParameters`).
struct Selector {
    /// (key, operator, values): `In` for `matchLabels`.
    requirements: Vec<(String, String, Vec<String>)>,
}

impl Selector {
    fn read(node: &Node) -> Result<Selector, Failure> {
        let unknown =
            |at: &Node, why: &str| Failure::Unknown(at.pos, format!("its `selector` {why}"));
        let mut requirements = Vec::new();
        if let Some(labels) = node.get("matchLabels") {
            let Value::Map(entries) = &labels.value else {
                return Err(unknown(labels, "has a `matchLabels` that is not a mapping"));
            };
            for (k, v) in entries {
                let (Some(k), Some(v)) = (k.key_text(), scalar_text(v)) else {
                    return Err(unknown(v, "has a label that is not a string"));
                };
                requirements.push((k, "In".to_owned(), vec![v]));
            }
        }
        if let Some(Node {
            value: Value::Seq(expressions),
            ..
        }) = node.get("matchExpressions")
        {
            for e in expressions {
                let key = e.get("key").and_then(scalar_text);
                let op = e.get("operator").and_then(scalar_text);
                let values = match e.get("values").map(|v| &v.value) {
                    Some(Value::Seq(vs)) => vs.iter().filter_map(scalar_text).collect(),
                    _ => Vec::new(),
                };
                match (key, op) {
                    (Some(key), Some(op))
                        if matches!(op.as_str(), "In" | "NotIn" | "Exists" | "DoesNotExist") =>
                    {
                        // apimachinery's `NewRequirement`, which the controller's copy of
                        // `LabelSelectorAsSelector` keeps.
                        let listing = matches!(op.as_str(), "In" | "NotIn");
                        if listing == values.is_empty() {
                            return Err(Failure::Fails(
                                e.pos,
                                format!(
                                    "its `selector` has `{op}` {}: the controller fails (\"error parsing label selector\")",
                                    if listing {
                                        "without values"
                                    } else {
                                        "with values"
                                    }
                                ),
                            ));
                        }
                        requirements.push((key, op, values));
                    }
                    _ => return Err(unknown(e, "has an expression ladder cannot read")),
                }
            }
        }
        Ok(Selector { requirements })
    }

    /// Whether a parameter set is selected; an empty selector selects every set.
    fn matches(&self, params: &Node) -> bool {
        let mut flat = Vec::new();
        flatten("", params, &mut flat);
        let get = |key: &str| {
            flat.iter()
                .rev()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| scalar_text(v))
        };
        self.requirements.iter().all(|(key, op, values)| {
            let value = get(key);
            match op.as_str() {
                "In" => value.is_some_and(|v| values.contains(&v)),
                "NotIn" => value.is_none_or(|v| !values.contains(&v)),
                "Exists" => value.is_some(),
                _ => value.is_none(),
            }
        })
    }
}

/// `elementsYaml`: a YAML list of mappings in a string, each set at the string's place.
fn elements_yaml(node: &Node, text: &str) -> Result<Vec<Node>, Failure> {
    if text.contains("{{") {
        return Err(Failure::Unknown(
            node.pos,
            "its list generator's `elementsYaml` is a template".into(),
        ));
    }
    let fails = |why: String| {
        Failure::Fails(
            node.pos,
            format!(
                "its list generator's `elementsYaml` {why}: the controller fails (\"error unmarshling decoded ElementsYaml\")"
            ),
        )
    };
    let parsed = yaml::parse_as_go("elementsYaml", text)
        .map_err(|d| fails(format!("does not parse ({})", d.message)))?;
    match parsed.value {
        Value::Null => Ok(Vec::new()),
        Value::Seq(items) if items.iter().all(|i| matches!(i.value, Value::Map(_))) => Ok(items
            .into_iter()
            .map(|mut i| {
                i.pos = node.pos;
                i
            })
            .collect()),
        other => Err(fails(format!(
            "holds {}, not a list of mappings",
            other.kind()
        ))),
    }
}
