//! The readers of each place a setting lives, but kustomizations ([`super::kustomize`]):
//! Argo CD's ConfigMaps, the argo-cd chart's values, the Operator's `ArgoCD`, the
//! controller's flags and environment; and the small YAML helpers they share.

use super::found::{HEALTH_PREFIX, PROGRESSIVE_ENV, PROGRESSIVE_FLAG, PROGRESSIVE_KEY, Settings};
use crate::diagnostic::Pos;
use crate::load::yaml::{self, Node, Value};

/// An `argocd-cm` or `argocd-cmd-params-cm` ConfigMap (`via`: how it got here, e.g. "a
/// kustomize patch in FILE: ").
pub(super) fn config_map(
    settings: &mut Settings,
    file: &str,
    doc: &Node,
    name: &str,
    patch: bool,
    via: &str,
) {
    // `$patch: delete` deletes the object: it sets nothing.
    if doc.get("$patch").and_then(Node::as_str) == Some("delete") {
        return;
    }
    let data = doc.get("data");
    match name {
        "argocd-cm" => {
            if let Some(data) = data {
                cm_entries(settings, file, data, &format!("{via}`argocd-cm`"));
            }
        }
        "argocd-cmd-params-cm" => {
            let how = format!("{via}`argocd-cmd-params-cm`");
            match data.and_then(|d| d.entry(PROGRESSIVE_KEY)) {
                Some((_, v)) => settings.add_progressive(Some(parse_bool(v)), file, v.pos, &how),
                // A whole ConfigMap without the key keeps the default, off; a patch says
                // nothing.
                None if !patch => {
                    let pos = data.map_or(doc.pos, |d| d.pos);
                    settings.add_progressive(None, file, pos, &how);
                }
                None => {}
            }
        }
        _ => {}
    }
}

/// The keys of an `argocd-cm`-shaped mapping: `resource.customizations.health.G_K` and
/// the older `resource.customizations` block (`G/K: {health.lua: …}`).
pub(super) fn cm_entries(settings: &mut Settings, file: &str, data: &Node, how: &str) {
    let Value::Map(entries) = &data.value else {
        return;
    };
    for (key, value) in entries {
        let Some(key_text) = key.key_text() else {
            continue;
        };
        // `key: null` (a strategic merge patch, Helm) removes the key; an empty script
        // is none.
        if removed(value) {
            continue;
        }
        if let Some(group_kind) = key_text.strip_prefix(HEALTH_PREFIX) {
            // `<group>_<Kind>`, kinds have no `_`; the core group is empty.
            let group_kind = match group_kind.rsplit_once('_') {
                Some((group, kind)) => format!("{group}/{kind}"),
                None => format!("/{group_kind}"),
            };
            settings.add_health(group_kind, file, key.pos, how);
        } else if key_text == "resource.customizations" {
            for block in inline(file, value) {
                let Value::Map(kinds) = &block.value else {
                    continue;
                };
                for (gk, custom) in kinds {
                    if let Some(gk) = gk.key_text()
                        && custom.get("health.lua").is_some_and(|l| !removed(l))
                    {
                        settings.add_health(gk, file, key.pos, how);
                    }
                }
            }
        }
    }
}

/// A value that sets nothing: null, or an empty (or blank) string.
pub(super) fn removed(value: &Node) -> bool {
    match &value.value {
        Value::Null => true,
        Value::Str(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// The argo-cd Helm chart's values (`configs.cm`, `configs.params`,
/// `applicationSet.extraArgs`/`extraEnv`), at the top of `values` or under one key of it
/// (an umbrella chart's dependency, `argo-cd:`). `how` names the values ("Helm values").
/// `argo_cd`: they are surely the argo-cd chart's (its name beside them, or the
/// umbrella key `argo-cd`); only then does `configs.params` without the progressive
/// syncs key mean the chart's default, off: another chart may have a `configs.params`.
pub(super) fn chart_values(
    settings: &mut Settings,
    file: &str,
    values: &Node,
    how: &str,
    argo_cd: bool,
) {
    let Value::Map(entries) = &values.value else {
        return;
    };
    if !chart_values_at(settings, file, values, how, "", argo_cd) {
        for (key, value) in entries {
            if let Some(key) = key.key_text() {
                let umbrella = argo_cd || key == "argo-cd";
                chart_values_at(settings, file, value, how, &format!("{key}."), umbrella);
            }
        }
    }
}

/// [`chart_values`] at one level (`prefix`: the keys above it, for messages); whether
/// the argo-cd chart's keys are there.
fn chart_values_at(
    settings: &mut Settings,
    file: &str,
    values: &Node,
    how: &str,
    prefix: &str,
    argo_cd: bool,
) -> bool {
    let configs = values.get("configs");
    let cm = configs.and_then(|c| c.get("cm")).filter(|c| is_map(c));
    let params = configs.and_then(|c| c.get("params")).filter(|c| is_map(c));
    let appset = values.get("applicationSet").filter(|a| is_map(a));
    let appset_args = appset.and_then(|a| a.get("extraArgs").or_else(|| a.get("extraEnv")));
    if cm.is_none() && params.is_none() && appset_args.is_none() {
        return false;
    }
    if let Some(cm) = cm {
        cm_entries(settings, file, cm, &format!("{how} `{prefix}configs.cm`"));
    }
    if let Some(params) = params {
        let how = format!("{how} `{prefix}configs.params`");
        match params.entry(PROGRESSIVE_KEY) {
            Some((_, v)) => settings.add_progressive(Some(parse_bool(v)), file, v.pos, &how),
            // The chart's own default is false.
            None if argo_cd => settings.add_progressive(None, file, params.pos, &how),
            None => {}
        }
    }
    if let Some(appset) = appset {
        let how = format!("{how} `{prefix}applicationSet`");
        flags(settings, file, appset.get("extraArgs"), &how);
        env(settings, file, appset.get("extraEnv"), &how);
    }
    true
}

/// The Argo CD Operator's `ArgoCD` resource.
pub(super) fn operator(settings: &mut Settings, file: &str, doc: &Node, name: &str) {
    let Some(spec) = doc.get("spec") else { return };
    let how = format!("the Argo CD Operator's ArgoCD `{name}`");
    for check in items(spec.get("resourceHealthChecks")) {
        let field = |k: &str| check.get(k).and_then(Node::as_str).unwrap_or_default();
        if !field("kind").is_empty() && check.get("check").is_some() {
            let gk = format!("{}/{}", field("group"), field("kind"));
            settings.add_health(
                gk,
                file,
                check.pos,
                &format!("{how} `spec.resourceHealthChecks`"),
            );
        }
    }
    if let Some(extra) = spec.get("extraConfig") {
        cm_entries(settings, file, extra, &format!("{how} `spec.extraConfig`"));
    }
    if let Some(custom) = spec.get("resourceCustomizations") {
        // The deprecated whole-block form, as `argocd-cm`'s `resource.customizations`.
        let block = Node {
            value: Value::Map(vec![(
                Node {
                    value: Value::Str("resource.customizations".into()),
                    pos: custom.pos,
                },
                custom.clone(),
            )]),
            pos: custom.pos,
        };
        cm_entries(
            settings,
            file,
            &block,
            &format!("{how} `spec.resourceCustomizations`"),
        );
    }
    if let Some(appset) = spec.get("applicationSet") {
        let how = format!("{how} `spec.applicationSet`");
        flags(settings, file, appset.get("extraCommandArgs"), &how);
        env(settings, file, appset.get("env"), &how);
    }
}

/// `--enable-progressive-syncs` (or `=true`/`=false`) among command-line arguments.
pub(super) fn flags(settings: &mut Settings, file: &str, args: Option<&Node>, how: &str) {
    for arg in items(args) {
        let Some(text) = arg.as_str() else { continue };
        let on = if text == PROGRESSIVE_FLAG {
            // Go's flag package: a bare boolean flag is true; `--flag false` is not a
            // value but the next argument.
            Some(true)
        } else if let Some(v) = text
            .strip_prefix(PROGRESSIVE_FLAG)
            .and_then(|r| r.strip_prefix('='))
        {
            go_bool(v)
        } else {
            continue;
        };
        settings.add_progressive(on.or(Some(false)), file, arg.pos, how);
    }
}

/// `ARGOCD_APPLICATIONSET_CONTROLLER_ENABLE_PROGRESSIVE_SYNCS` with a literal value
/// among a container's environment (one read from a ConfigMap is that ConfigMap's).
pub(super) fn env(settings: &mut Settings, file: &str, env: Option<&Node>, how: &str) {
    for var in items(env) {
        if var.get("name").and_then(Node::as_str) == Some(PROGRESSIVE_ENV)
            && let Some(value) = var.get("value")
        {
            settings.add_progressive(Some(parse_bool(value)), file, value.pos, how);
        }
    }
}

/// A string node's text parsed as YAML documents, every position the string's own (the
/// positions inside a block scalar are not the file's). Nothing when it does not parse.
pub(super) fn inline(file: &str, node: &Node) -> Vec<Node> {
    let Some(text) = node.as_str() else {
        return Vec::new();
    };
    let mut docs = yaml::parse_all(file, text).unwrap_or_default();
    for d in &mut docs {
        pin(d, node.pos);
    }
    docs
}

/// Sets every position of `node` to `pos`.
fn pin(node: &mut Node, pos: Pos) {
    node.pos = pos;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| pin(n, pos)),
        Value::Map(entries) => {
            for (k, v) in entries {
                pin(k, pos);
                pin(v, pos);
            }
        }
        _ => {}
    }
}

/// A scalar as a boolean, as Argo CD reads its settings: Go's `strconv.ParseBool` on
/// the text; anything else is false.
pub(super) fn parse_bool(node: &Node) -> bool {
    node.scalar_text()
        .and_then(|t| go_bool(t.trim()))
        .unwrap_or(false)
}

/// Go's `strconv.ParseBool`.
pub(super) fn go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

pub(super) fn items(node: Option<&Node>) -> impl Iterator<Item = &Node> {
    let items: &[Node] = match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    };
    items.iter()
}

fn is_map(node: &Node) -> bool {
    matches!(node.value, Value::Map(_))
}

pub(super) fn str_node(text: &str, pos: Pos) -> Node {
    Node {
        value: Value::Str(text.to_owned()),
        pos,
    }
}

pub(super) fn base(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}
