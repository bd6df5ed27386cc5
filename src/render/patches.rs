//! The Argo CD settings a tree needs, as patches of Argo CD's own ConfigMaps:
//! `argocd-cm` (ladder's Application health check that app-of-apps waves need, and the
//! components' custom health checks).

use std::collections::BTreeMap;

use minijinja::Environment;
use minijinja::value::Value as JValue;
use serde_json::{Value as Json, json};

use crate::analyze::model::Model;

use super::templates::{RenderError, block_yaml, render_error, render_one};

/// `patches/argocd-cm.yaml`, when the tree needs health checks Argo CD lacks: the
/// `argoproj.io/Application` check an app-of-apps root needs for its waves to wait
/// (`application_check`), and the custom checks the tree's components ask for
/// (`crate::analyze::health`). One file, because both are keys of the one `argocd-cm`.
pub(super) fn render_argocd_cm(
    env: &Environment<'static>,
    model: &Model,
    (prefix, envs, env_names): (&str, &[usize], &[String]),
    application_check: bool,
    files: &mut BTreeMap<String, String>,
) -> Result<(), RenderError> {
    let in_tree = |c: &usize| envs.iter().any(|&e| model.enabled(*c, e));
    let checks: Vec<&crate::analyze::model::HealthCheck> = model
        .health_checks
        .iter()
        .filter(|check| check.components.iter().any(in_tree))
        .collect();
    if checks.is_empty() && !application_check {
        return Ok(());
    }
    let file = format!("{prefix}patches/argocd-cm.yaml");
    let mut data: indexmap::IndexMap<&str, &str> = indexmap::IndexMap::new();
    if application_check {
        data.insert(
            crate::analyze::health::APPLICATION_KEY,
            crate::analyze::health::APPLICATION_LUA,
        );
    }
    for check in &checks {
        data.entry(check.key.as_str()).or_insert(check.lua.as_str());
    }
    let data = block_yaml(&data, 2).map_err(|e| render_error(&e, "argocd-cm.yaml.j2", &file))?;
    let listed: Vec<Json> = checks
        .iter()
        .map(|check| {
            let names: Vec<&str> = check
                .components
                .iter()
                .filter(|c| in_tree(c))
                .map(|&c| model.components[c].name.as_str())
                .collect();
            json!({"key": check.key, "components": names.join(", ")})
        })
        .collect();
    let ctx = minijinja::context! {
        namespace => model.argocd.namespace.as_str(),
        application_check => application_check,
        manual_annotation => crate::analyze::names::SYNC_ANNOTATION,
        manual_value => crate::analyze::names::SYNC_MANUAL,
        data => data,
        checks => JValue::from(minijinja::value::Serde(&listed)),
    };
    let text = render_one(env, "argocd-cm.yaml.j2", &ctx, &file, env_names)?;
    files.insert(file, text);
    Ok(())
}
