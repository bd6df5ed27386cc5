//! The settings of the tool that renders a source, checked and resolved for one
//! environment: Helm's `values`, `valuesObject`, parameters and flags; kustomize's name
//! prefix and suffix, namespace, labels, annotations, images, Components and patches;
//! a plain folder's globs and Jsonnet; a Config Management Plugin's name, variables and
//! parameters; and the source's `name`.
//!
//! Argo CD renders a source with exactly one tool, and refuses a source that sets two
//! ("multiple application sources defined": v3.5.1
//! pkg/apis/application/v1alpha1/types.go:3816); a chart is always rendered by Helm, and
//! a `ref` source only provides files to the others.

use serde_json::{Map, Value as Json};

use super::context::Cx;
use crate::analyze::model::{Parameter, Version};
use crate::load::spec;
use crate::load::yaml::PathSeg::{self, Index, Key, KeyOf};

/// What a source's tool settings add to its resolved [`crate::analyze::model::Source`].
#[derive(Default)]
pub(super) struct ToolSettings {
    pub(super) name: Option<String>,
    pub(super) parameters: Vec<Parameter>,
    pub(super) helm_extra: Map<String, Json>,
    pub(super) kustomize_images: Vec<String>,
    pub(super) common_annotations: Vec<(String, String)>,
    pub(super) kustomize_extra: Map<String, Json>,
    pub(super) directory: Option<Json>,
    pub(super) plugin: Option<Json>,
}

/// Where the source is in the spec, and what it is resolved for.
pub(super) struct At<'a> {
    pub(super) path: &'a [PathSeg<'static>],
    pub(super) env: &'a str,
    pub(super) component: &'a spec::Component,
    pub(super) version: Version,
}

impl At<'_> {
    fn sub(&self, rest: &[PathSeg<'static>]) -> Vec<PathSeg<'static>> {
        let mut p = self.path.to_vec();
        p.extend_from_slice(rest);
        p
    }

    fn interpolate(
        &self,
        cx: &mut Cx<'_>,
        rest: &[PathSeg<'static>],
        text: &str,
    ) -> Option<String> {
        cx.interpolate(&self.sub(rest), text, self.env, &self.component.name)
    }
}

/// Resolves the tool settings of source `s`; `None` after reporting a problem.
pub(super) fn resolve(cx: &mut Cx<'_>, s: &spec::Source, at: &At<'_>) -> Option<ToolSettings> {
    let mut out = ToolSettings::default();
    let mut ok = true;
    let tools: Vec<&'static str> = [
        ("helm", s.helm.is_some()),
        ("kustomize", s.kustomize.is_some()),
        ("directory", s.directory.is_some()),
        ("plugin", s.plugin.is_some()),
    ]
    .into_iter()
    .filter_map(|(tool, set)| set.then_some(tool))
    .collect();
    if tools.len() > 1 {
        cx.error(
            &at.sub(&[KeyOf(tools[1])]),
            format!(
                "a source is rendered by one tool, but this one sets `{}` and `{}`: Argo CD refuses it (\"multiple application sources defined\")",
                tools[0], tools[1]
            ),
        )
        .help = Some(format!("keep one of `{}`", tools.join("`, `")));
        return None;
    }
    if let Some(&tool) = tools.first() {
        if s.chart.is_some() && tool != "helm" {
            cx.error(
                &at.sub(&[KeyOf(tool)]),
                format!("a `chart` is rendered by Helm, so `{tool}` does not apply to it"),
            )
            .help = Some(format!("remove `{tool}`, or use a git `path`"));
            return None;
        }
        if s.path.is_none() && s.chart.is_none() {
            cx.error(
                &at.sub(&[KeyOf(tool)]),
                format!("a `ref` source only provides files to the other sources, so `{tool}` does nothing here"),
            )
            .help = Some(format!("move `{tool}` to the source that reads the files"));
            return None;
        }
    }
    if let Some(name) = &s.name {
        if !at.version.at_least(2, 14) {
            cx.error(
                &at.sub(&[KeyOf("name")]),
                format!("Argo CD {} has no `sources[].name`; it arrived in 2.14", at.version),
            )
            .help = Some("raise `argocd.version` to \"2.14\" or later if your Argo CD runs it, or remove `name`".into());
            ok = false;
        } else if name.trim().is_empty() {
            cx.error(&at.sub(&[Key("name")]), "a source's `name` is empty");
            ok = false;
        }
        out.name = Some(name.clone());
    }
    if let Some(helm) = &s.helm {
        ok &= helm_settings(cx, helm, at, &mut out).is_some();
    }
    if let Some(k) = &s.kustomize {
        ok &= kustomize_settings(cx, k, at, &mut out).is_some();
    }
    if let Some(d) = &s.directory {
        ok &= directory_settings(cx, d, at, &mut out).is_some();
    }
    if let Some(p) = &s.plugin {
        ok &= plugin_settings(cx, p, at, &mut out).is_some();
    }
    ok.then_some(out)
}

fn helm_settings(
    cx: &mut Cx<'_>,
    helm: &spec::Helm,
    at: &At<'_>,
    out: &mut ToolSettings,
) -> Option<()> {
    let c = at.component;
    let mut ok = true;
    if helm.values.is_some() && helm.values_object.is_some() {
        cx.error(
            &at.sub(&[Key("helm"), KeyOf("values")]),
            "`values` and `valuesObject` both set: Argo CD uses `valuesObject` and ignores `values`",
        )
        .help = Some("merge them into one of the two".into());
        ok = false;
    }
    let mut names: Vec<&str> = Vec::new();
    for (i, p) in helm.parameters.iter().enumerate() {
        let path = [Key("helm"), Key("parameters"), Index(i), Key("name")];
        if p.name.trim().is_empty() {
            cx.error(&at.sub(&path), "a Helm parameter's name is empty")
                .help = Some("a dotted path into the chart's values, e.g. `image.tag`".into());
            ok = false;
            continue;
        }
        let owner = if c.image_parameter.as_deref() == Some(p.name.as_str()) {
            Some("`imageParameter` sets it from the version files")
        } else if matches!(&c.gate, spec::Gate::Digest(d) if d.helm_parameter.as_deref() == Some(p.name.as_str()))
        {
            Some("the gate's `helmParameter` carries the rollout digest in it")
        } else if names.contains(&p.name.as_str()) {
            Some("another parameter of this source sets it")
        } else {
            None
        };
        if let Some(owner) = owner {
            cx.error(
                &at.sub(&path),
                format!("the Helm parameter `{}` is set twice: {owner}", p.name),
            )
            .help = Some("remove one of them".into());
            ok = false;
            continue;
        }
        names.push(&p.name);
        let value = at.interpolate(
            cx,
            &[Key("helm"), Key("parameters"), Index(i), Key("value")],
            &p.value,
        )?;
        out.parameters.push(Parameter {
            name: p.name.clone(),
            value,
            force_string: p.force_string.unwrap_or(false),
        });
    }
    if let Some(values) = &helm.values {
        out.helm_extra
            .insert("values".into(), Json::String(values.clone()));
    }
    if let Some(values) = &helm.values_object {
        out.helm_extra
            .insert("valuesObject".into(), Json::Object(values.clone()));
    }
    if !helm.file_parameters.is_empty() {
        let mut list = Vec::new();
        for (i, p) in helm.file_parameters.iter().enumerate() {
            if p.name.trim().is_empty() {
                cx.error(
                    &at.sub(&[Key("helm"), Key("fileParameters"), Index(i), Key("name")]),
                    "a Helm file parameter's name is empty",
                );
                ok = false;
            }
            let path = at.interpolate(
                cx,
                &[Key("helm"), Key("fileParameters"), Index(i), Key("path")],
                &p.path,
            )?;
            list.push(serde_json::json!({ "name": p.name, "path": path }));
        }
        out.helm_extra
            .insert("fileParameters".into(), Json::Array(list));
    }
    for (key, value) in [
        ("ignoreMissingValueFiles", helm.ignore_missing_value_files),
        ("skipCrds", helm.skip_crds),
        ("passCredentials", helm.pass_credentials),
    ] {
        if let Some(v) = value {
            out.helm_extra.insert(key.into(), Json::Bool(v));
        }
    }
    ok.then_some(())
}

fn kustomize_settings(
    cx: &mut Cx<'_>,
    k: &spec::Kustomize,
    at: &At<'_>,
    out: &mut ToolSettings,
) -> Option<()> {
    let mut ok = true;
    for (key, value) in [
        ("namePrefix", &k.name_prefix),
        ("nameSuffix", &k.name_suffix),
        ("namespace", &k.namespace),
    ] {
        if let Some(v) = value {
            let v = at.interpolate(cx, &[Key("kustomize"), Key(key)], v)?;
            if key == "namespace" && !super::names::is_dns1123_label(&v) {
                cx.error(
                    &at.sub(&[Key("kustomize"), Key(key)]),
                    format!(
                        "namespace `{v}` (in `{}`) is not a valid Kubernetes name",
                        at.env
                    ),
                )
                .help = Some(super::names::dns_help());
                ok = false;
            }
            out.kustomize_extra.insert(key.into(), Json::String(v));
        }
    }
    if !k.common_labels.is_empty() {
        super::applications::check_label_map(
            cx,
            &k.common_labels,
            &at.sub(&[Key("kustomize"), Key("commonLabels")]),
            &[],
        );
        out.kustomize_extra
            .insert("commonLabels".into(), string_map(&k.common_labels));
    }
    for key in k.common_annotations.keys() {
        if key.starts_with("ladder.dev/") {
            let mut path = at.sub(&[Key("kustomize"), Key("commonAnnotations")]);
            path.push(KeyOf(key));
            cx.error(&path, format!("annotation `{key}` is ladder's"))
                .help = Some(
                "remove it; `ladder.dev/` keys are set by ladder (a gate's rollout digest)".into(),
            );
            ok = false;
        }
    }
    super::applications::check_annotation_keys(
        cx,
        &k.common_annotations,
        &at.sub(&[Key("kustomize"), Key("commonAnnotations")]),
    );
    out.common_annotations = k
        .common_annotations
        .iter()
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    for (i, image) in k.images.iter().enumerate() {
        let name = image_name(image);
        if image.trim().is_empty() {
            cx.error(
                &at.sub(&[Key("kustomize"), Key("images"), Index(i)]),
                "an image override is empty",
            )
            .help = Some("`name:tag`, `name=newName:tag` or `name@sha256:…`".into());
            ok = false;
        } else if at.component.kustomize_images.contains_key(name) {
            cx.error(
                &at.sub(&[Key("kustomize"), Key("images"), Index(i)]),
                format!("the image `{name}` is also in `kustomizeImages`, which sets its tag from the version files"),
            )
            .help = Some("remove one of them".into());
            ok = false;
        }
        out.kustomize_images.push(image.clone());
    }
    if !k.components.is_empty() {
        let mut list = Vec::new();
        for (i, component) in k.components.iter().enumerate() {
            list.push(Json::String(at.interpolate(
                cx,
                &[Key("kustomize"), Key("components"), Index(i)],
                component,
            )?));
        }
        out.kustomize_extra
            .insert("components".into(), Json::Array(list));
    }
    if !k.patches.is_empty() {
        let mut list = Vec::new();
        for (i, patch) in k.patches.iter().enumerate() {
            if patch.path.is_some() == patch.patch.is_some() {
                cx.error(
                    &at.sub(&[Key("kustomize"), Key("patches"), Index(i)]),
                    "a kustomize patch is a file (`path`) or inline text (`patch`), exactly one of them",
                );
                ok = false;
            }
            list.push(serde_json::to_value(patch).unwrap_or(Json::Null));
        }
        out.kustomize_extra
            .insert("patches".into(), Json::Array(list));
    }
    ok.then_some(())
}

/// The image an override is for: what comes before `=`, else before the tag or digest.
fn image_name(image: &str) -> &str {
    if let Some((name, _)) = image.split_once('=') {
        return name;
    }
    let without_digest = image.split_once('@').map_or(image, |(name, _)| name);
    // A `:` after the last `/` starts the tag (a registry's port comes before a `/`).
    match without_digest.rfind(':') {
        Some(colon) if !without_digest[colon..].contains('/') => &without_digest[..colon],
        _ => without_digest,
    }
}

fn directory_settings(
    cx: &mut Cx<'_>,
    d: &spec::Directory,
    at: &At<'_>,
    out: &mut ToolSettings,
) -> Option<()> {
    let mut ok = true;
    let mut directory = serde_json::to_value(d).unwrap_or(Json::Null);
    if let Some(jsonnet) = &d.jsonnet {
        for (field, vars) in [("extVars", &jsonnet.ext_vars), ("tlas", &jsonnet.tlas)] {
            let mut list = Vec::new();
            for (i, var) in vars.iter().enumerate() {
                if var.name.trim().is_empty() {
                    cx.error(
                        &at.sub(&[
                            Key("directory"),
                            Key("jsonnet"),
                            Key(field),
                            Index(i),
                            Key("name"),
                        ]),
                        "a Jsonnet variable's name is empty",
                    );
                    ok = false;
                }
                let value = at.interpolate(
                    cx,
                    &[
                        Key("directory"),
                        Key("jsonnet"),
                        Key(field),
                        Index(i),
                        Key("value"),
                    ],
                    &var.value,
                )?;
                let mut entry = serde_json::json!({ "name": var.name, "value": value });
                if let Some(code) = var.code {
                    entry["code"] = Json::Bool(code);
                }
                list.push(entry);
            }
            if !list.is_empty() {
                directory["jsonnet"][field] = Json::Array(list);
            }
        }
    }
    out.directory = Some(directory);
    ok.then_some(())
}

fn plugin_settings(
    cx: &mut Cx<'_>,
    p: &spec::Plugin,
    at: &At<'_>,
    out: &mut ToolSettings,
) -> Option<()> {
    let mut ok = true;
    let mut plugin = Map::new();
    if let Some(name) = &p.name {
        plugin.insert("name".into(), Json::String(name.clone()));
    }
    if !p.env.is_empty() {
        let mut list = Vec::new();
        for (i, var) in p.env.iter().enumerate() {
            let valid = !var.name.is_empty()
                && var
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !var.name.starts_with(|c: char| c.is_ascii_digit());
            if !valid {
                cx.error(
                    &at.sub(&[Key("plugin"), Key("env"), Index(i), Key("name")]),
                    format!("`{}` is not a variable name the plugin's commands can read (as `ARGOCD_ENV_{}`)", var.name, var.name),
                )
                .help = Some("use letters, digits and `_`, not starting with a digit".into());
                ok = false;
            }
            let value = at.interpolate(
                cx,
                &[Key("plugin"), Key("env"), Index(i), Key("value")],
                &var.value,
            )?;
            list.push(serde_json::json!({ "name": var.name, "value": value }));
        }
        plugin.insert("env".into(), Json::Array(list));
    }
    if !p.parameters.is_empty() {
        let mut list = Vec::new();
        for (i, parameter) in p.parameters.iter().enumerate() {
            let kinds = [
                parameter.string.is_some(),
                parameter.array.is_some(),
                parameter.map.is_some(),
            ]
            .into_iter()
            .filter(|set| *set)
            .count();
            if kinds != 1 {
                cx.error(
                    &at.sub(&[Key("plugin"), Key("parameters"), Index(i)]),
                    format!("the plugin parameter `{}` needs exactly one of `string`, `array` and `map`", parameter.name),
                );
                ok = false;
            }
            let mut entry = serde_json::json!({ "name": parameter.name });
            if let Some(s) = &parameter.string {
                let s = at.interpolate(
                    cx,
                    &[Key("plugin"), Key("parameters"), Index(i), Key("string")],
                    s,
                )?;
                entry["string"] = Json::String(s);
            }
            if let Some(array) = &parameter.array {
                entry["array"] = serde_json::json!(array);
            }
            if let Some(map) = &parameter.map {
                entry["map"] = string_map(map);
            }
            list.push(entry);
        }
        plugin.insert("parameters".into(), Json::Array(list));
    }
    out.plugin = Some(Json::Object(plugin));
    ok.then_some(())
}

fn string_map(map: &indexmap::IndexMap<String, String>) -> Json {
    Json::Object(
        map.iter()
            .map(|(k, v)| (k.clone(), Json::String(v.clone())))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::image_name;

    #[test]
    fn image_overrides_name_their_image_as_kustomize_edit_set_image_does() {
        assert_eq!(image_name("nginx:1.27"), "nginx");
        assert_eq!(image_name("nginx=registry.example.com/nginx:1.27"), "nginx");
        assert_eq!(
            image_name("registry.example.com:5000/team/web:2.0"),
            "registry.example.com:5000/team/web"
        );
        assert_eq!(
            image_name("registry.example.com:5000/team/web"),
            "registry.example.com:5000/team/web"
        );
        assert_eq!(image_name("web@sha256:abc"), "web");
    }
}
