//! Rendering: the model and plan into Argo CD manifests, through minijinja
//! templates embedded in the binary.
//!
//! Templates see only the values this module hands them; undefined variables
//! are errors (strict undefined), and every interpolated value goes through the
//! `yaml` filter (one scalar, quoted where a YAML 1.1 reader would misread it),
//! except the list generator's elements, a block serde-saphyr emits. What the
//! manifests say and why (RollingSync's handling of `automated`, version
//! differences) is decided here and in the templates' comments, with the Argo CD
//! facts they rely on.

//! Codemap: [`templates`] (the engine and the embedded templates), `rolling_sync` and
//! `app_of_apps` (the two strategies' trees), `application` (what both trees'
//! Applications share), `project` (the AppProject), `patches` (Argo CD's ConfigMaps)
//! and [`resource_waves`] (the `waves/` files of components' resource groups).
//!
//! May import: `load`, `analyze`, `plan`, `diagnostic`.

use std::collections::BTreeMap;

use crate::analyze::model::Model;
use crate::load::spec::{Strategy, Topology};
use crate::plan::Plan;

mod app_of_apps;
mod application;
mod patches;
mod project;
pub mod resource_waves;
mod rolling_sync;
pub mod templates;

use templates::{Overrides, RenderError};

/// Renders every output file: relative path (with `/`) to its body, without the header.
pub fn render(
    model: &Model,
    plan: &Plan,
    overrides: &Overrides,
) -> Result<BTreeMap<String, String>, RenderError> {
    let env = templates::environment(model, overrides)?;
    let mut files = BTreeMap::new();
    let tree = match model.rollout.strategy {
        Strategy::RollingSync => rolling_sync::render_tree,
        Strategy::AppOfApps => app_of_apps::render_tree,
    };
    match model.rollout.topology {
        Topology::Sequential => {
            let all: Vec<usize> = (0..model.environments.len()).collect();
            tree(&env, model, plan, &all, "", &mut files)?;
        }
        Topology::Independent => {
            for (e, environment) in model.environments.iter().enumerate() {
                let prefix = format!("{}/", environment.name);
                tree(&env, model, plan, &[e], &prefix, &mut files)?;
            }
        }
    }
    Ok(files)
}
