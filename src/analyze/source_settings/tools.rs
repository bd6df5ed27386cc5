//! The settings of a plain folder (globs, Jsonnet) and of a Config Management Plugin.

use serde_json::{Map, Value as Json};

use crate::analyze::context::Cx;
use crate::load::spec;
use crate::load::yaml::PathSeg::{Index, Key};

use super::at::{At, ToolSettings, string_map};

pub(super) fn directory(
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

pub(super) fn plugin(
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
