//! A spec as the CLI reads it: the file, the version files and fleet folders it names,
//! the template overrides of `--templates`, and how its problems are reported.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ladder::diagnostic::{self, Diagnostic};

use super::INVALID;
use super::read;

/// A spec as read from disk.
pub(super) struct SpecFile {
    pub(super) path: PathBuf,
    /// The path as shown in messages.
    pub(super) display: String,
    pub(super) bytes: Vec<u8>,
    /// The version files and fleet folders the spec names, read next to it.
    pub(super) inputs: ladder::Inputs,
}

impl SpecFile {
    /// The pipeline run for this spec and its inputs.
    pub(super) fn request(&self) -> ladder::Request<'_> {
        ladder::Request::new(&self.display, &self.bytes).inputs(&self.inputs)
    }
}

pub(super) fn read_spec(arg: &Path) -> anyhow::Result<SpecFile> {
    let path = if arg.is_dir() {
        arg.join("ladder.yaml")
    } else if arg == Path::new(DEFAULT_SPEC) && !arg.exists() {
        // No `-f`: look upwards from the working folder, as git and cargo do.
        find_upwards()?
    } else {
        arg.to_path_buf()
    };
    let bytes = std::fs::read(&path)
        .map_err(|e| anyhow::anyhow!("cannot read the spec {}: {e}", path.display()))?;
    let display = path.display().to_string();
    let inputs = read_inputs(&path, &display, &bytes);
    Ok(SpecFile {
        path,
        display,
        bytes,
        inputs,
    })
}

/// The spec file commands read when no `-f` is given.
pub(super) const DEFAULT_SPEC: &str = "ladder.yaml";

/// `ladder.yaml` in the working folder or the nearest folder above it that has one,
/// relative to the working folder (`../../ladder.yaml`), so messages and headers name it
/// as the user would. The search stops at the top of a git repository.
fn find_upwards() -> anyhow::Result<PathBuf> {
    let cwd = std::env::current_dir()?;
    let mut up = PathBuf::new();
    for dir in cwd.ancestors() {
        if dir.join(DEFAULT_SPEC).is_file() {
            return Ok(up.join(DEFAULT_SPEC));
        }
        if dir.join(".git").exists() {
            anyhow::bail!(
                "no {DEFAULT_SPEC} in {} or any folder above it up to the repository's top ({}); name the spec with -f PATH",
                cwd.display(),
                dir.display()
            );
        }
        up.push("..");
    }
    anyhow::bail!(
        "no {DEFAULT_SPEC} in {} or any folder above it; name the spec with -f PATH",
        cwd.display()
    )
}

/// Reads the files and lists the folders a spec names ([`ladder::Request::wanted`]),
/// relative to its folder. Missing ones are left out: the core says what is missing. A
/// path through a symbolic link is not read but listed in `refused` (so is a member
/// folder that is a link), and the core reports it: a link could reach any file of the
/// machine, and a member that silently disappeared would lose its Applications.
pub(super) fn read_inputs(path: &Path, display: &str, bytes: &[u8]) -> ladder::Inputs {
    use super::fs_safe::{Outside, join_inside};
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut inputs = ladder::Inputs {
        name: folder_name(path),
        ..ladder::Inputs::default()
    };
    let ladder::Wanted {
        files,
        folders,
        include,
    } = ladder::Request::new(display, bytes)
        .inputs(&inputs)
        .wanted();
    if !include.is_empty() {
        let own = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        super::includes::read(dir, &own, &include, &mut inputs);
    }
    let shown = |p: &Path| {
        p.strip_prefix(dir)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    for file in files {
        match join_inside(dir, &file) {
            Ok(p) => {
                if let Ok(text) = std::fs::read_to_string(p) {
                    inputs.files.insert(file, text);
                }
            }
            Err(Outside::Link(link)) => {
                inputs.refused.insert(file, shown(&link));
            }
            Err(Outside::Leaves) => {}
        }
    }
    for folder in folders {
        let at = match join_inside(dir, &folder) {
            Ok(p) => p,
            Err(Outside::Link(link)) => {
                inputs.refused.insert(folder, shown(&link));
                continue;
            }
            Err(Outside::Leaves) => continue,
        };
        let Ok(entries) = std::fs::read_dir(&at) else {
            continue;
        };
        let mut names = Vec::new();
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            match entry.file_type() {
                Ok(t) if t.is_dir() => names.push(name),
                Ok(t) if t.is_symlink() => {
                    let member = format!("{folder}/{name}");
                    inputs.refused.insert(member.clone(), member);
                }
                _ => {}
            }
        }
        names.sort();
        inputs.folders.insert(folder, names);
    }
    read_overlays(dir, display, bytes, &mut inputs);
    inputs
}

/// The name a spec at `path` without `name` gets: its folder's, made a valid name
/// ([`ladder::load::folder_name`]); the folder of `ladder.yaml` is the working folder's.
pub(super) fn folder_name(path: &Path) -> Option<String> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let absolute = std::fs::canonicalize(dir).ok()?;
    ladder::load::folder_name(&absolute.file_name()?.to_string_lossy())
}

/// The kustomization of each overlay folder [`ladder::Request::overlays`] names (after
/// the fleet folders and version files, which decide the components): a regular file,
/// not through a link, inside the spec's folder. A folder that is missing or behind a
/// link is left out, so it is not checked.
fn read_overlays(dir: &Path, display: &str, bytes: &[u8], inputs: &mut ladder::Inputs) {
    use super::fs_safe::join_inside;
    let folders = ladder::Request::new(display, bytes)
        .inputs(inputs)
        .overlays();
    for folder in folders {
        let at = if folder == "." {
            dir.to_path_buf()
        } else if let Ok(at) = join_inside(dir, &folder) {
            at
        } else {
            continue;
        };
        // A folder with a chart is rendered by Helm (Argo CD finds `Chart.yaml`), which
        // reads the waves from values, not from a Component.
        if !at.is_dir() || at.join("Chart.yaml").exists() {
            continue;
        }
        let mut found = None;
        for name in ["kustomization.yaml", "kustomization.yml", "Kustomization"] {
            let Ok(file) = join_inside(&at, name) else {
                // A link: not read, and the folder is not checked.
                found = Some(None);
                break;
            };
            if file.is_file() {
                // One that cannot be read (not UTF-8, no permission) is not checked.
                found = Some(
                    std::fs::read_to_string(&file)
                        .ok()
                        .map(|text| (name.to_owned(), text)),
                );
                break;
            }
        }
        if let Some(Some(kustomization)) = found {
            inputs.overlays.insert(folder, Some(kustomization));
        } else if found.is_none() {
            inputs.overlays.insert(folder, None);
        }
    }
}

impl SpecFile {
    /// The component file that diagnostics name `file`, relative to the spec's folder.
    fn included(&self, file: &str) -> Option<&String> {
        let folder = ladder::load::include::folder_of(&self.display);
        self.inputs.includes.get(file.strip_prefix(folder)?)
    }

    /// Whether diagnostics naming `file` point into the spec or one of its component
    /// files.
    pub(super) fn owns(&self, file: &str) -> bool {
        file == self.display || self.included(file).is_some()
    }

    /// The text of the spec or one of its component files, as diagnostics name it.
    fn source<'a>(&'a self, spec: &'a str, file: &str) -> Option<&'a str> {
        if file == self.display {
            Some(spec)
        } else {
            self.included(file).map(String::as_str)
        }
    }
}

pub(super) fn report(spec: &SpecFile, diagnostics: &[Diagnostic]) -> ExitCode {
    let text = String::from_utf8_lossy(&spec.bytes);
    eprint!(
        "{}",
        diagnostic::render_in(diagnostics, &|file| spec.source(&text, file))
    );
    ExitCode::from(INVALID)
}

/// Prints what the spec may want to change but that does not stop it (to stderr).
pub(super) fn warn(spec: &SpecFile, warnings: &[Diagnostic]) {
    if !warnings.is_empty() {
        let text = String::from_utf8_lossy(&spec.bytes);
        eprint!(
            "{}",
            diagnostic::render_warnings_in(warnings, &|file| spec.source(&text, file))
        );
    }
}

/// Reads the `.j2` files of a template folder (not its subfolders).
pub(super) fn read_templates(dir: &Path) -> anyhow::Result<ladder::Templates> {
    let mut files = ladder::render::templates::Overrides::new();
    for (path, text) in read::read_files_with_extension(dir, "j2")? {
        let name = Path::new(&path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.insert(name, text);
    }
    Ok(ladder::Templates {
        dir: dir.display().to_string(),
        files,
    })
}

/// Reads and checks a spec, then runs `f` on it; a spec with problems exits 2.
pub(super) fn with_checked(
    spec_arg: &Path,
    f: impl FnOnce(&ladder::analyze::model::Model, &ladder::plan::Plan) -> anyhow::Result<ExitCode>,
) -> anyhow::Result<ExitCode> {
    let spec = read_spec(spec_arg)?;
    match spec.request().plan() {
        Ok(planned) => f(&planned.model, &planned.plan),
        Err(diagnostics) => Ok(report(&spec, &diagnostics)),
    }
}

/// The index of environment `name`, or the first; an unknown name is a usage error.
pub(super) fn environment(
    model: &ladder::analyze::model::Model,
    name: Option<&str>,
) -> anyhow::Result<usize> {
    let Some(name) = name else { return Ok(0) };
    if let Some(i) = model.environments.iter().position(|e| e.name == name) {
        return Ok(i);
    }
    let names = model.environments.iter().map(|e| e.name.as_str());
    let help =
        diagnostic::did_you_mean(name, names).map_or_else(String::new, |h| format!(" ({h})"));
    anyhow::bail!("`{name}` is not an environment of `{}`{help}", model.name)
}
