//! The one entry point: a [`Request`] names a spec and everything the caller gathered
//! for it, and runs the pipeline (load → analyze → plan → render → emit) as far as a
//! command needs: [`Request::load`] for the typed spec, [`Request::plan`] for the model
//! and plan, [`Request::compile`] for the output files.
//!
//! The core never reads files: what a spec reads beside itself (version files, fleet
//! folders) is named by [`Request::wanted`], read by the caller and handed back as
//! [`Inputs`], and so are the overlay kustomizations [`Request::overlays`] names;
//! template overrides come in as [`Templates`].
//!
//! May import every stage; only the tools (review, lint, edit, validate) and the CLI
//! import it.

use std::collections::BTreeMap;

use crate::analyze::model::Model;
use crate::analyze::{fleet, version_files};
use crate::diagnostic::{self, Diagnostic, Pos};
use crate::emit::Files;
use crate::load::Loaded;
use crate::plan::Plan;
use crate::render::templates::{Overrides, template_names};

/// Files and folders next to the spec that the caller reads and hands to the core as
/// data: the version files and the fleet folders the spec names ([`Request::wanted`]).
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// The name a spec without `name` gets: its folder's ([`crate::load::folder_name`]).
    /// Without one, a missing `name` is an error.
    pub name: Option<String>,
    /// Path relative to the spec's folder (with `/`) to text, for files that exist.
    pub files: BTreeMap<String, String>,
    /// Path relative to the spec's folder to its subfolders' names, sorted, for folders
    /// that exist.
    pub folders: BTreeMap<String, Vec<String>>,
    /// Paths the caller did not read because they go through a symbolic link (a file, a
    /// folder, or `folder/member`), each with the link met, relative to the spec's folder.
    pub refused: BTreeMap<String, String>,
    /// The kustomization of each overlay folder [`Request::overlays`] names, by folder
    /// (relative to the spec's folder): its file name (`kustomization.yaml`,
    /// `kustomization.yml` or `Kustomization`) and text, or `None` for a folder with
    /// none of these. Folders the caller did not read (missing, or through a link) are
    /// absent and not checked.
    pub overlays: BTreeMap<String, crate::analyze::wave_components::Overlay>,
    /// The component files the spec's `include` globs ([`Wanted::include`]) match,
    /// relative to the spec's folder: path to text.
    pub includes: BTreeMap<String, String>,
    /// Files those globs match that the caller did not read, with the reason (a
    /// symbolic link, not UTF-8 text, …).
    pub unread: BTreeMap<String, String>,
    /// The folder the component files are named from in diagnostics (`deploy/`), when it
    /// is not the spec's display name's (diff names the base spec `… at REV`).
    pub folder: Option<String>,
}

/// What a spec reads beside itself, relative to its folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    /// Version files, one per environment.
    pub files: Vec<String>,
    /// Fleet folders, one per fleet and environment.
    pub folders: Vec<String>,
    /// The globs of component files (`include`), as the spec writes them.
    pub include: Vec<String>,
}

/// Templates supplied in place of the embedded ones, and the folder they came from (for
/// messages).
#[derive(Debug, Clone, Default)]
pub struct Templates {
    pub dir: String,
    pub files: Overrides,
}

/// A spec, loaded, analyzed and planned: fleets expanded, version files applied.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The spec as loaded, with fleets expanded (positions still point into the file).
    pub loaded: Loaded,
    pub model: Model,
    pub plan: Plan,
}

/// A compiled spec.
#[derive(Debug, Clone)]
pub struct Compilation {
    pub model: Model,
    pub plan: Plan,
    /// Output files: relative path (with `/`) to bytes.
    pub files: Files,
}

/// One run of the pipeline: the spec, what the caller gathered for it, and how the
/// output names it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    file: &'a str,
    bytes: &'a [u8],
    inputs: Option<&'a Inputs>,
    templates: Option<&'a Templates>,
    spec_ref: &'a str,
}

impl<'a> Request<'a> {
    /// A request for spec `bytes`; `file` names the spec in diagnostics and, until
    /// [`Request::spec_ref`] says otherwise, in the header of every generated file.
    pub fn new(file: &'a str, bytes: &'a [u8]) -> Self {
        Request {
            file,
            bytes,
            inputs: None,
            templates: None,
            spec_ref: file,
        }
    }

    /// The files and folders the spec reads, as the caller found them.
    #[must_use]
    pub fn inputs(self, inputs: &'a Inputs) -> Self {
        Request {
            inputs: Some(inputs),
            ..self
        }
    }

    /// Templates that replace some of the embedded ones.
    #[must_use]
    pub fn templates(self, templates: Option<&'a Templates>) -> Self {
        Request { templates, ..self }
    }

    /// How the header of every generated file names the spec (its path relative to the
    /// output folder), so that specs sharing a folder delete only their own files.
    #[must_use]
    pub fn spec_ref(self, spec_ref: &'a str) -> Self {
        Request { spec_ref, ..self }
    }

    /// The files and folders (relative to the spec's folder) the spec reads: its
    /// version files and fleet folders, one per environment. Empty for a spec that does
    /// not load (its problems are reported by [`Request::load`]).
    pub fn wanted(&self) -> Wanted {
        let name = self.inputs.and_then(|i| i.name.as_deref());
        let Ok(loaded) = crate::load::load_with(self.file, self.bytes, name, None) else {
            // The component files are still read, so a problem elsewhere in the spec
            // does not make every `include` glob "match no file".
            return Wanted {
                include: raw_include(self.bytes),
                ..Wanted::default()
            };
        };
        let spec = &loaded.spec;
        let per_env = |template: &str| -> Vec<String> {
            spec.environments
                .iter()
                .map(|e| version_files::for_env(template, &e.name))
                .collect()
        };
        // Only paths inside the spec's folder: the others are errors of the spec
        // (`check_input_paths`), and the caller never opens them.
        let inside = |p: &String| crate::analyze::names::is_inside(p);
        Wanted {
            files: spec
                .versions
                .as_ref()
                .map(|v| per_env(&v.path))
                .unwrap_or_default()
                .into_iter()
                .filter(inside)
                .collect(),
            folders: spec
                .fleets
                .values()
                .flat_map(|f| per_env(&f.folders))
                .filter(inside)
                .collect(),
            include: spec.include.clone(),
        }
    }

    /// The overlay folders (relative to the spec's folder) whose kustomization should
    /// include a kustomize Component ladder writes for resource groups: the git paths
    /// that Helm does not render, on the generated tree's repository, of every component
    /// with resource groups in every environment it is enabled in. Read after
    /// [`Request::wanted`]'s inputs (a fleet's members decide which components exist).
    /// Empty when no component has resource groups (the spec is then planned only once)
    /// or the spec does not plan.
    pub fn overlays(&self) -> Vec<String> {
        let Ok(loaded) = self.load() else {
            return Vec::new();
        };
        if loaded
            .spec
            .components
            .iter()
            .all(|c| c.resources.is_empty())
        {
            return Vec::new();
        }
        let Ok(planned) = self.plan_loaded(loaded) else {
            return Vec::new();
        };
        crate::analyze::wave_components::overlays(&planned.model)
    }

    /// Stage 1: the typed spec and its node tree.
    pub fn load(&self) -> Result<Loaded, Vec<Diagnostic>> {
        let empty = Inputs::default();
        let inputs = self.inputs.unwrap_or(&empty);
        let included = crate::load::include::Included {
            files: &inputs.includes,
            unread: &inputs.unread,
            folder: inputs.folder.as_deref(),
        };
        crate::load::load_with(
            self.file,
            self.bytes,
            inputs.name.as_deref(),
            Some(included),
        )
    }

    /// Stages 1 to 3: loaded, analyzed and planned.
    pub fn plan(&self) -> Result<Planned, Vec<Diagnostic>> {
        self.plan_loaded(self.load()?)
    }

    /// Stages 2 and 3 of a spec already loaded (by [`Request::load`]): fleets expanded,
    /// analyzed, version files applied, planned.
    pub fn plan_loaded(&self, loaded: Loaded) -> Result<Planned, Vec<Diagnostic>> {
        let sources = std::sync::Arc::clone(&loaded.sources);
        let relocated = |mut diagnostics: Vec<Diagnostic>| {
            sources.relocate(&mut diagnostics);
            diagnostics
        };
        let mut planned = self.plan_here(loaded).map_err(relocated)?;
        sources.relocate(&mut planned.model.warnings);
        Ok(planned)
    }

    fn plan_here(&self, loaded: Loaded) -> Result<Planned, Vec<Diagnostic>> {
        let empty = Inputs::default();
        let inputs = self.inputs.unwrap_or(&empty);
        let paths = version_files::check_input_paths(&loaded, &inputs.refused);
        if !paths.is_empty() {
            return Err(paths);
        }
        let loaded = fleet::expand(loaded, &inputs.folders)?;
        let mut model = crate::analyze::analyze(&loaded)?;
        version_files::apply(&mut model, &loaded, &inputs.files)?;
        crate::analyze::gates::stamp(&mut model);
        model
            .warnings
            .extend(crate::analyze::named_after_folder(&loaded));
        crate::analyze::wave_refs::check(&mut model, &loaded);
        crate::analyze::wave_components::check(&mut model, &loaded, &inputs.overlays);
        let plan = crate::plan::plan(&model);
        crate::plan::checks::check_compact_phase_keys(&loaded, &plan)?;
        Ok(Planned {
            loaded,
            model,
            plan,
        })
    }

    /// Stages 4 and 5 of a planned spec: the output files. A template override that
    /// matches no embedded template, or a template that fails, is a diagnostic naming
    /// the template and line.
    ///
    /// An ApplicationSet that etcd could not store once Argo CD writes its status is an
    /// error too (see [`stored_sizes`]), so nothing is written for it.
    pub fn render(&self, planned: Planned) -> Result<Compilation, Vec<Diagnostic>> {
        let sources = std::sync::Arc::clone(&planned.loaded.sources);
        self.render_here(planned).map_err(|mut diagnostics| {
            sources.relocate(&mut diagnostics);
            diagnostics
        })
    }

    fn render_here(&self, planned: Planned) -> Result<Compilation, Vec<Diagnostic>> {
        let Planned {
            loaded,
            model,
            plan,
        } = planned;
        let appset_overridden = self
            .templates
            .is_some_and(|t| t.files.contains_key("applicationset.yaml.j2"));
        if !appset_overridden {
            clearly_too_big(&loaded, &model, &plan)?;
        }
        let files = self.output(&model, &plan)?;
        stored_sizes(&loaded, &model, &plan, &files)?;
        Ok(Compilation { model, plan, files })
    }

    /// The whole pipeline.
    pub fn compile(&self) -> Result<Compilation, Vec<Diagnostic>> {
        self.render(self.plan()?)
    }

    fn output(&self, model: &Model, plan: &Plan) -> Result<Files, Vec<Diagnostic>> {
        let empty = Overrides::new();
        let (dir, overrides) = self
            .templates
            .map_or(("", &empty), |t| (t.dir.as_str(), &t.files));
        let unknown: Vec<Diagnostic> = overrides
            .keys()
            .filter(|name| !template_names().any(|t| t == name.as_str()))
            .map(|name| {
                let help = diagnostic::did_you_mean(name, template_names()).unwrap_or_else(|| {
                    format!(
                        "the templates are {}",
                        template_names().collect::<Vec<_>>().join(", ")
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
        let mut rendered = crate::render::render(model, plan, overrides).map_err(|e| {
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
                    "{what} while rendering {} of spec {}: {}",
                    e.rendering, self.file, e.message
                ),
            )]
        })?;
        rendered.extend(crate::render::resource_waves::files(model));
        Ok(crate::emit::emit(self.spec_ref, rendered))
    }
}

/// The `include` globs of a spec that does not load, read from its YAML as far as it
/// parses.
fn raw_include(bytes: &[u8]) -> Vec<String> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    let Ok(tree) = crate::load::yaml::parse("spec", text) else {
        return Vec::new();
    };
    match tree.get("include").map(|i| &i.value) {
        Some(crate::load::yaml::Value::Seq(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Each rendered ApplicationSet as etcd would store it: its spec measured as compact JSON
/// (without comments) plus the status the ApplicationSet controller writes per
/// Application ([`crate::plan::size::status_bytes`]). Over etcd's default limit the
/// controller cannot write that status, and the whole rollout stops, so it is an error
/// naming the size, the limit and the fix.
fn stored_sizes(
    loaded: &Loaded,
    model: &Model,
    plan: &Plan,
    files: &Files,
) -> Result<(), Vec<Diagnostic>> {
    use crate::emit::size::{Measured, json_bytes};
    use crate::plan::size::{self, ETCD_LIMIT};
    let mut problems = Vec::new();
    let estimates = size::estimate(model, plan);
    for estimate in &estimates {
        let Some(bytes) = files.get(&estimate.file) else {
            continue;
        };
        let text = String::from_utf8_lossy(bytes);
        let budget = ETCD_LIMIT.saturating_sub(estimate.status);
        let spec = match json_bytes(&text, budget) {
            Ok(Measured::Exact(spec)) if spec <= budget => continue,
            Ok(Measured::Exact(spec)) => spec,
            // Counting stopped at the limit; the model's estimate says by how much.
            Ok(Measured::Above(counted)) => counted.max(estimate.spec),
            Err(e) => {
                problems.push(
                    Diagnostic::new(
                        &estimate.file,
                        Pos::default(),
                        format!(
                            "the generated {} is not one YAML document: {e}",
                            estimate.file
                        ),
                    )
                    .help("check the `applicationset.yaml.j2` template override"),
                );
                continue;
            }
        };
        problems.push(too_big(loaded, model, plan, estimate, spec));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The ApplicationSets the model's estimate puts clearly over etcd's limit (twice it:
/// far outside any disagreement of estimate and measure), refused before rendering, so
/// a spec of 100,000 components gets the size message rather than a render limit.
fn clearly_too_big(loaded: &Loaded, model: &Model, plan: &Plan) -> Result<(), Vec<Diagnostic>> {
    let problems: Vec<Diagnostic> = crate::plan::size::estimate(model, plan)
        .iter()
        .filter(|e| e.spec.saturating_add(e.status) > 2 * crate::plan::size::ETCD_LIMIT)
        .map(|e| too_big(loaded, model, plan, e, e.spec))
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The error for an ApplicationSet whose spec takes `spec` bytes as JSON.
fn too_big(
    loaded: &Loaded,
    model: &Model,
    plan: &Plan,
    estimate: &crate::plan::size::AppSetSize,
    spec: u64,
) -> Diagnostic {
    use crate::plan::size::{grouped, human_bytes};
    let pos = loaded
        .tree
        .lookup(&[crate::load::yaml::PathSeg::KeyOf("components")])
        .pos;
    let total = spec.saturating_add(estimate.status);
    let message = format!(
        "the ApplicationSet `{}` ({}) would take about {} in etcd once Argo CD runs it, over etcd's default limit of 1,572,864 bytes (1.5 MiB): the ApplicationSet controller could not write its status, and the whole rollout would stop ({} of spec as JSON, and about {} of status for {} Applications)",
        estimate.name,
        estimate.file,
        human_bytes(total),
        human_bytes(spec),
        human_bytes(estimate.status),
        grouped(estimate.applications as u64),
    );
    Diagnostic::new(&loaded.file, pos, message).help(size_fix(model, plan, total, estimate))
}

/// How to bring an ApplicationSet under the limit: one per environment, where each of
/// them would fit, or fewer Applications per spec.
fn size_fix(
    model: &Model,
    plan: &Plan,
    total: u64,
    estimate: &crate::plan::size::AppSetSize,
) -> String {
    use crate::plan::size::{self, ETCD_LIMIT, FIXED_STATUS_BYTES, grouped, human_bytes};
    let per_app = total.saturating_sub(FIXED_STATUS_BYTES) / (estimate.applications.max(1) as u64);
    let fit = (ETCD_LIMIT - FIXED_STATUS_BYTES) / per_app.max(1);
    let split = format!(
        "split the components over several specs: at about {} per Application, one ApplicationSet holds about {} Applications",
        human_bytes(per_app),
        grouped(fit)
    );
    if estimate.envs.len() < 2 {
        return split;
    }
    let largest = size::independent(model, plan)
        .into_iter()
        .max_by_key(size::AppSetSize::total);
    match largest {
        Some(largest) if largest.total() <= ETCD_LIMIT => format!(
            "set `rollout.environments: independent` (one ApplicationSet per environment; the largest, `{}`, would take about {}), or {split}",
            largest.name,
            human_bytes(largest.total())
        ),
        _ => format!(
            "{split} (with `rollout.environments: independent` the largest environment alone is still over the limit)"
        ),
    }
}
