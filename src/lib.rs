//! ladder compiles a spec of components and their dependencies into Argo CD
//! rollout ladders: ApplicationSets with RollingSync steps, an AppProject, an
//! app-of-apps root, and the Argo CD settings they need.
//!
//! The library is the pure core: [`compile`] takes spec bytes and returns the
//! output files as bytes (or every problem found). It never touches the
//! filesystem, the clock, git or the environment; the `ladder` binary does.
//! Stages, in order: [`load`] → [`analyze`] → [`plan`] → [`render`] → [`emit`].

pub mod analyze;
pub mod conform;
pub mod diagnostic;
pub mod diff;
pub mod emit;
pub mod estimate;
pub mod explain;
pub mod graph;
pub mod inventory;
pub mod load;
pub mod model;
pub mod plan;
pub mod render;
pub mod spec;
pub mod validate;
pub mod yaml;

use diagnostic::{Diagnostic, Pos};

/// A compiled spec.
#[derive(Debug, Clone)]
pub struct Compilation {
    pub model: model::Model,
    pub plan: plan::Plan,
    /// Output files: relative path (with `/`) to bytes.
    pub files: emit::Files,
}

/// Compiles spec bytes. `file` names the spec in diagnostics; `spec_ref` is how the
/// header of every generated file refers to the spec (e.g. its path relative to the
/// output folder).
pub fn compile(file: &str, bytes: &[u8], spec_ref: &str) -> Result<Compilation, Vec<Diagnostic>> {
    let (model, plan) = check(file, bytes)?;
    let files = output(file, &model, &plan, spec_ref)?;
    Ok(Compilation { model, plan, files })
}

/// Renders and emits the output files of a checked, planned spec.
pub fn output(
    file: &str,
    model: &model::Model,
    plan: &plan::Plan,
    spec_ref: &str,
) -> Result<emit::Files, Vec<Diagnostic>> {
    let rendered = render::render(model, plan).map_err(|e| {
        vec![Diagnostic::new(
            file,
            Pos::default(),
            format!("internal template error: {e:#}"),
        )]
    })?;
    Ok(emit::emit(spec_ref, rendered))
}

/// Loads, analyzes and plans a spec, without rendering.
pub fn check(file: &str, bytes: &[u8]) -> Result<(model::Model, plan::Plan), Vec<Diagnostic>> {
    let loaded = load::load(file, bytes)?;
    let model = analyze::analyze(&loaded)?;
    let plan = plan::plan(&model);
    Ok((model, plan))
}
