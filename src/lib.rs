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
pub mod dag;
pub mod diagnostic;
pub mod diff;
pub mod emit;
pub mod environment;
pub mod estimate;
pub mod explain;
pub mod fleet;
pub mod graph;
pub mod health;
pub mod inventory;
pub mod lint;
pub mod load;
pub mod model;
pub mod plan;
pub mod policy;
pub mod promote;
pub mod render;
pub mod scaffold;
pub mod spec;
pub mod validate;
pub mod versions;
pub mod waves;
pub mod windows;
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
    compile_with(file, bytes, spec_ref, &Inputs::default())
}

/// Files and folders next to the spec that the CLI reads and hands to the core as data:
/// the version files and the fleet folders the spec names ([`inputs_wanted`]).
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Path relative to the spec's folder (with `/`) to text, for files that exist.
    pub files: std::collections::BTreeMap<String, String>,
    /// Path relative to the spec's folder to its subfolders' names, sorted, for folders
    /// that exist.
    pub folders: std::collections::BTreeMap<String, Vec<String>>,
}

/// The files and folders (relative to the spec's folder) a spec reads: its version files
/// and fleet folders, one per environment. Empty for a spec that does not load (its
/// problems are reported by [`check_with`]).
pub fn inputs_wanted(file: &str, bytes: &[u8]) -> (Vec<String>, Vec<String>) {
    let Ok(loaded) = load::load(file, bytes) else {
        return (Vec::new(), Vec::new());
    };
    let spec = &loaded.spec;
    let per_env = |template: &str| -> Vec<String> {
        spec.environments
            .iter()
            .map(|e| versions::for_env(template, &e.name))
            .collect()
    };
    let files = spec
        .versions
        .as_ref()
        .map(|v| per_env(&v.path))
        .unwrap_or_default();
    let folders = spec
        .fleets
        .values()
        .flat_map(|f| per_env(&f.folders))
        .collect();
    (files, folders)
}

/// Like [`compile`], with the files and folders the spec reads.
pub fn compile_with(
    file: &str,
    bytes: &[u8],
    spec_ref: &str,
    inputs: &Inputs,
) -> Result<Compilation, Vec<Diagnostic>> {
    let (model, plan) = check_with(file, bytes, inputs)?;
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
    output_with(file, model, plan, spec_ref, None)
}

/// Templates supplied in place of the embedded ones, and the folder they came from (for
/// messages).
#[derive(Debug, Clone, Default)]
pub struct Templates {
    pub dir: String,
    pub files: render::Overrides,
}

/// Like [`output`], with some templates overridden. A name that matches no embedded
/// template, or a template that fails, is a diagnostic naming the template and line.
pub fn output_with(
    file: &str,
    model: &model::Model,
    plan: &plan::Plan,
    spec_ref: &str,
    templates: Option<&Templates>,
) -> Result<emit::Files, Vec<Diagnostic>> {
    let empty = render::Overrides::new();
    let (dir, overrides) = templates.map_or(("", &empty), |t| (t.dir.as_str(), &t.files));
    let unknown: Vec<Diagnostic> = overrides
        .keys()
        .filter(|name| !render::template_names().any(|t| t == name.as_str()))
        .map(|name| {
            let help =
                diagnostic::did_you_mean(name, render::template_names()).unwrap_or_else(|| {
                    format!(
                        "the templates are {}",
                        render::template_names().collect::<Vec<_>>().join(", ")
                    )
                });
            Diagnostic::new(
                &format!("{dir}/{name}"),
                Pos::default(),
                format!("`{name}` overrides none of ladder's templates"),
            )
            .help(help)
        })
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let mut rendered = render::render(model, plan, overrides).map_err(|e| {
        let overridden = overrides.contains_key(&e.template);
        let path = if overridden {
            format!("{dir}/{}", e.template)
        } else {
            e.template.clone()
        };
        let pos = e.line.map_or_else(Pos::default, |l| {
            Pos::new(u32::try_from(l).unwrap_or(u32::MAX), 1)
        });
        let what = if overridden {
            "template error"
        } else {
            "internal template error"
        };
        vec![Diagnostic::new(
            &path,
            pos,
            format!(
                "{what} while rendering {} of spec {file}: {}",
                e.rendering, e.message
            ),
        )]
    })?;
    rendered.extend(waves::files(model));
    Ok(emit::emit(spec_ref, rendered))
}

/// Loads, analyzes and plans a spec, without rendering.
pub fn check(file: &str, bytes: &[u8]) -> Result<(model::Model, plan::Plan), Vec<Diagnostic>> {
    check_with(file, bytes, &Inputs::default())
}

/// Like [`check`], with the files and folders the spec reads.
pub fn check_with(
    file: &str,
    bytes: &[u8],
    inputs: &Inputs,
) -> Result<(model::Model, plan::Plan), Vec<Diagnostic>> {
    let (_, model, plan) = check_loaded(load::load(file, bytes)?, inputs)?;
    Ok((model, plan))
}

/// Analyzes and plans a loaded spec with its inputs: fleets expanded, version files
/// applied. Returns the expanded spec too, for callers that point into it (`ladder lint`).
pub fn check_loaded(
    loaded: load::Loaded,
    inputs: &Inputs,
) -> Result<(load::Loaded, model::Model, plan::Plan), Vec<Diagnostic>> {
    let loaded = fleet::expand(loaded, &inputs.folders)?;
    let mut model = analyze::analyze(&loaded)?;
    versions::apply(&mut model, &loaded, &inputs.files)?;
    let plan = plan::plan(&model);
    analyze::check_compact_phase_keys(&loaded, &plan)?;
    Ok((loaded, model, plan))
}
