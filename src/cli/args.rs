//! The command line's arguments, as clap reads them: every command, flag and help text.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Compile component dependencies into Argo CD rollout ladders.
///
/// A spec (`ladder.yaml`) lists components and what each depends on; ladder puts every
/// component in the earliest phase its dependencies allow and emits the Argo CD
/// manifests that roll them out in that order: an ApplicationSet with RollingSync
/// steps, an AppProject, an app-of-apps root Application, and the Argo CD settings
/// they need.
#[derive(Debug, Parser)]
#[command(name = "ladder", version, about, max_term_width = 100)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Debug, Subcommand)]
pub(super) enum Command {
    /// Compile the spec into a folder of Argo CD manifests.
    ///
    /// Writes only files that change, removes files ladder generated earlier that the
    /// spec no longer produces, and never deletes or overwrites a file it did not
    /// generate. A spec with problems leaves the folder exactly as it was.
    Build {
        #[command(flatten)]
        spec: SpecArg,
        /// Output folder [default: the spec's `output.path`, relative to the spec's folder]
        #[arg(short = 'o', long = "out", value_name = "DIR")]
        out: Option<PathBuf>,
        /// Write nothing; exit 1 with a unified diff if the folder is not up to date.
        #[arg(long)]
        check: bool,
        /// Folder of templates to use in place of ladder's own, by name (e.g.
        /// `root.yaml.j2`). They run sandboxed: no files, no environment, strict undefined.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
    },
    /// Print the rollout plan: per environment, each step's phase, components, maxUpdate
    /// and estimated time, the longest dependency chain and the critical path.
    ///
    /// Estimates use each component's `duration` (default 1m) and run each step as Argo CD
    /// does: at most maxUpdate syncs at once, the next starting when one turns healthy.
    Plan {
        #[command(flatten)]
        spec: SpecArg,
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
    },
    /// Show what a change to the spec does to the rollout, against a git revision.
    ///
    /// Builds the spec as it is at REV and as it is now, entirely offline, and prints first
    /// what the change deletes or re-creates in the cluster (renamed or removed components
    /// and environments, a renamed spec, moves, prune turned on), then the components
    /// added, removed or moved between phases, the dependencies added or removed, each
    /// environment's steps and longest chain before and after, and the unified diff of
    /// the generated files. Exit 1 when anything differs, 0 when nothing does.
    Diff {
        #[command(flatten)]
        spec: SpecArg,
        /// Git revision to compare with (a branch, tag or commit).
        #[arg(long, value_name = "REV")]
        base: String,
        /// `markdown` is ready to post as a merge-request comment.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Draw the dependency graph, ranked by phase, with the critical path marked.
    Graph {
        #[command(flatten)]
        spec: SpecArg,
        #[arg(long, value_enum)]
        format: GraphFormat,
        /// Environment to draw [default: the first].
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        /// Cluster each phase's components by this label (e.g. `domain`).
        #[arg(long, value_name = "LABEL")]
        group: Option<String>,
    },
    /// Explain a component: why it sits in its phase, what waits on it, where it syncs.
    Explain {
        #[command(flatten)]
        spec: SpecArg,
        /// The component's name.
        component: String,
    },
    /// List phase → components with domain, namespace and source, for one environment.
    Inventory {
        #[command(flatten)]
        spec: SpecArg,
        #[arg(long, value_enum, default_value_t = InventoryFormat::Markdown)]
        format: InventoryFormat,
        /// Environment to list [default: the first].
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
    },
    /// Write a spec that reproduces an existing tree of Argo CD manifests.
    ///
    /// Reads Applications and the Applications ApplicationSets generate (as `compare`
    /// does), and makes each one environment's instance of a component: the environment
    /// is its `env` label, else the last `-part` of its name; the component is the rest.
    /// Sources and namespaces become the component's with `{{ env }}` for the
    /// environment's name; destinations and sync policies the environment's. The order
    /// is kept: `layout: pinned`, each phase a place among the environment's
    /// Applications (sync-wave, then RollingSync step). What cannot be mapped is
    /// printed and written to `ladder-import.txt`, with its place. Never overwrites a spec
    /// without --force. Exit 0 when the spec is written and plans, 1 when it is written but
    /// does not plan yet, 2 when an input cannot be read or a file would be overwritten.
    Import {
        /// Manifest files or folders (searched recursively for .yaml and .yml files).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Folder to write `ladder.yaml` and the report `ladder-import.txt` into.
        #[arg(short = 'o', long = "out", value_name = "DIR", default_value = ".")]
        out: PathBuf,
        /// The spec's name [default: the ApplicationSet's, when there is one].
        #[arg(long)]
        name: Option<String>,
        /// Replace an existing `ladder.yaml` and report.
        #[arg(long)]
        force: bool,
        /// Rendered manifests of a component (`helm template … > api.yaml`, `kustomize
        /// build`), read with the files its source path holds for the `dependsOn` the
        /// manifests imply (repeatable): `--rendered api=rendered/api.yaml`.
        #[arg(long, value_name = "COMPONENT=FILE")]
        rendered: Vec<String>,
        /// Write each component to its own file, `components/NAME/component.yaml`,
        /// which the spec includes (`include`), so each team owns its folder.
        #[arg(long)]
        split: bool,
        /// The local checkout of a repository ApplicationSet git generators read
        /// (repeatable): `--repository https://github.com/acme/platform.git=../platform`.
        /// The git repository each PATH is in is found by itself, by its remotes' URLs.
        #[arg(long, value_name = "URL=DIR")]
        repository: Vec<String>,
    },
    /// Replay a rollout of the compiled manifests under Argo CD's rules, as a timeline.
    ///
    /// Compiles the spec in memory and simulates what the manifests themselves do, not
    /// ladder's plan: RollingSync steps (step selection, maxUpdate windows, only
    /// OutOfSync Applications synced, step completion as the spec's Argo CD version
    /// has it) and app-of-apps sync waves (the health check, the 2 s wave delay).
    /// Prints when each Application starts and turns healthy, what a failure blocks and
    /// leaves untouched, the total time and the critical path. Durations are the
    /// components' `duration`; operator syncs (manual environments) are taken to start
    /// when their step is reached. Exit 0, or 2 for a spec with problems or an unknown
    /// component or environment.
    Simulate {
        #[command(flatten)]
        spec: SpecArg,
        /// Simulate only this environment's rollout: the others are taken as unchanged.
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        /// Components the rollout changes, comma-separated (each `C` or `C@ENV`); the
        /// others are Synced and pass their step without a sync [default: all].
        #[arg(
            long,
            value_name = "C,…",
            value_delimiter = ',',
            conflicts_with = "all"
        )]
        changed: Vec<String>,
        /// Every component changes (the default).
        #[arg(long)]
        all: bool,
        /// A component whose sync fails, in every environment or in one (`C@ENV`);
        /// repeatable.
        #[arg(long, value_name = "C[@ENV]")]
        fail: Vec<String>,
        /// A component that takes longer than its `duration` (`C=DURATION` or
        /// `C@ENV=DURATION`, e.g. `postgres=15m`); repeatable.
        #[arg(long, value_name = "C=DURATION")]
        slow: Vec<String>,
        /// Simulate this folder of Argo CD manifests (searched recursively) in place of the
        /// spec's output: a tree ladder did not write, or one as committed. Components are
        /// then Application names or `app.kubernetes.io/name` labels, environments `env`
        /// labels, and every Application takes 1m unless `--slow` says otherwise.
        #[arg(long, value_name = "DIR")]
        tree: Option<PathBuf>,
        /// Argo CD version whose rules apply to `--tree`, MAJOR.MINOR [default: 3.5].
        #[arg(long, value_name = "X.Y", requires = "tree")]
        argocd_version: Option<String>,
        /// `text` a terminal Gantt chart, `json` the events, `svg` a Gantt chart for a
        /// browser or a merge request, `html` a page holding it.
        #[arg(long, value_enum, default_value_t = SimulateFormat::Text)]
        format: SimulateFormat,
    },
    /// Compare the Applications two trees of Argo CD manifests make, and their order.
    ///
    /// Reads Application manifests and the Applications ApplicationSets generate (list,
    /// matrix and merge generators, templates and `templatePatch` rendered) in each
    /// tree, and compares them by name: project, sources, destination, sync policy,
    /// ignored differences, finalizers, labels and annotations (ladder's own and the
    /// labels RollingSync steps select on are left out), and the order (sync-wave, then
    /// RollingSync step) of the Applications that share a group (the folder of their
    /// manifests or ApplicationSets) in both. Exit 0 when they are the same, 1 when they
    /// differ, 2 when a file cannot be read.
    Compare {
        /// The first tree: a manifest file or folder (searched recursively).
        #[arg(value_name = "A")]
        a: PathBuf,
        /// The second tree.
        #[arg(value_name = "B")]
        b: PathBuf,
        /// The local checkout of a repository ApplicationSet git generators read
        /// (repeatable): `--repository https://github.com/acme/platform.git=../platform`.
        /// The git repository each PATH is in is found by itself, by its remotes' URLs.
        #[arg(long, value_name = "URL=DIR")]
        repository: Vec<String>,
    },
    /// Check manifests against the schemas of CustomResourceDefinitions.
    ///
    /// Every Argo CD manifest under PATH is checked against the openAPIV3Schema of its
    /// CRD in DIR; unknown fields are errors, as with strict server-side validation.
    /// Manifests of kinds without a CRD in DIR (e.g. ConfigMaps) are skipped and listed;
    /// files that are not Kubernetes objects (ladder's Helm values, kustomize files) are
    /// noted and not checked.
    Validate {
        /// Folder holding CRD manifests (its YAML files; subfolders are not read).
        #[arg(long, value_name = "DIR")]
        crds: PathBuf,
        /// Manifest files or folders (searched recursively for .yaml and .yml files).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Find dependency and Argo CD mistakes in a spec, or in existing Argo CD manifests.
    ///
    /// Without PATH, lints the spec. With PATHs, lints the Applications, ApplicationSets
    /// and `argocd-cm` ConfigMaps in those files or folders (recursively, .yaml and .yml,
    /// several documents per file); a file with top-level `components` is linted as a spec.
    /// Every finding names its rule and the fix. Exit 1 when any error is found, 0 when
    /// only warnings or nothing, 2 when an input cannot be read.
    Lint {
        /// The spec [default: ladder.yaml when no PATH is given]; with PATHs it is linted
        /// too and its `argocd.version` is the default target.
        #[arg(short = 'f', long = "spec", value_name = "PATH")]
        spec: Option<PathBuf>,
        /// Argo CD version to lint for, MAJOR.MINOR [default: the spec's, else 3.5].
        #[arg(long, value_name = "X.Y")]
        argocd_version: Option<String>,
        /// Print the rules (name, severity, why, fix) and exit.
        #[arg(long)]
        list_rules: bool,
        /// How to print the findings: `text` (rustc-style), `json`, `sarif` (SARIF 2.1.0,
        /// for GitHub code scanning) or `gitlab` (GitLab's code quality report).
        #[arg(long, value_enum, default_value_t = LintFormat::Text)]
        format: LintFormat,
        /// Leave out the files a glob matches (repeatable), against the path or the path
        /// below the PATH it was found in: `--exclude '**/templates/**'`. `*` and `?` stay
        /// inside a folder, `**` spans folders.
        #[arg(long, value_name = "GLOB")]
        exclude: Vec<String>,
        /// The lint config (`exclude`, `rules` with a severity or `off` per rule,
        /// `assume` and `repositories`) [default: .ladder-lint.yaml, when there is one,
        /// else the spec's `lint` section].
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
        /// Take a setting as installed where lint cannot see it (a bootstrap script,
        /// another repository, a remote base); repeatable. Lint otherwise finds it in
        /// `argocd-cm`/`argocd-cmd-params-cm`, kustomize patches and generators, the
        /// argo-cd Helm chart's values and the Operator's `ArgoCD` resource.
        #[arg(long, value_enum, value_name = "SETTING")]
        assume: Vec<LintAssume>,
        /// The local checkout of a repository ApplicationSet git generators read
        /// (repeatable): `--repository https://github.com/acme/platform.git=../platform`.
        /// The git repository each PATH is in is found by itself, by its remotes' URLs.
        #[arg(long, value_name = "URL=DIR")]
        repository: Vec<String>,
        /// Manifest files or folders.
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Annotate rendered manifests with the sync-waves of a component's resource groups.
    ///
    /// Reads multi-document YAML (as `helm template` or `kustomize build` print it) from
    /// files, folders (their .yaml and .yml files, recursively) or standard input (`-`, or
    /// no PATH), and prints every document with `argocd.argoproj.io/sync-wave` (and the hook
    /// annotations of hook groups) inserted, the rest of its text unchanged. A resource no
    /// group matches keeps its wave and is listed on stderr; one that two groups match, or
    /// that already has a different value, is an error. Usable as an Argo CD Config
    /// Management Plugin (see examples/cmp).
    Waves {
        #[command(flatten)]
        spec: SpecArg,
        /// The component whose `resources` groups to apply.
        #[arg(long, value_name = "NAME")]
        component: String,
        /// Environment, for the component's namespace [default: the first].
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        /// Replace annotations that differ instead of refusing.
        #[arg(long)]
        overwrite: bool,
        /// Manifest files or folders; `-` or none reads standard input.
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Copy version pins from one environment's version file to the next one's.
    ///
    /// Rewrites only the values that differ, in place: the target file keeps its
    /// comments, key order and quoting. Refuses a promotion that skips or reverses the
    /// declared order of environments unless --force. Run `ladder build` afterwards.
    Promote {
        #[command(flatten)]
        spec: SpecArg,
        /// The environment whose pins are copied.
        #[arg(long, value_name = "ENV")]
        from: String,
        /// The environment whose version file is updated.
        #[arg(long, value_name = "ENV")]
        to: String,
        /// Promote only these components' entries (repeatable).
        #[arg(long, value_name = "COMPONENT")]
        only: Vec<String>,
        /// Promote even if it skips or reverses the declared order.
        #[arg(long)]
        force: bool,
    },
    /// Scaffold a new environment's files from an existing one's.
    ///
    /// Copies every file of the `--from` environment that the spec's `{{ env }}` paths
    /// name (overlays, values folders, the version file) to the new environment's
    /// paths, never overwriting a file, and prints the spec snippet that declares it.
    NewEnv {
        #[command(flatten)]
        spec: SpecArg,
        /// Name of the new environment.
        name: String,
        /// The environment to copy.
        #[arg(long, value_name = "ENV")]
        from: String,
    },
    /// Print the JSON Schema of the spec (as committed in schema/ladder.schema.json).
    Schema,
    /// Write a commented starter spec (and its JSON Schema, for editors) to begin with.
    ///
    /// The spec builds as written: two components, one depending on the other, rolled
    /// out to dev, staging and a manual prod. Refuses to overwrite an existing file.
    Init {
        /// Where to write the spec.
        #[arg(
            short = 'f',
            long = "spec",
            value_name = "PATH",
            default_value = "ladder.yaml"
        )]
        spec: PathBuf,
        /// The spec's name [default: the folder's name, as a Kubernetes name].
        #[arg(long)]
        name: Option<String>,
    },
    /// Print a shell completion script (e.g. `ladder completions bash > /etc/bash_completion.d/ladder`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum LintFormat {
    Text,
    Json,
    Sarif,
    Gitlab,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum LintAssume {
    /// The Application health check an app-of-apps ordered by sync-wave needs.
    ApplicationHealthCheck,
    /// Progressive syncs, which RollingSync needs.
    ProgressiveSyncs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum PlanFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum SimulateFormat {
    Text,
    Json,
    Svg,
    Html,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum DiffFormat {
    Text,
    Markdown,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum GraphFormat {
    Mermaid,
    Dot,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum InventoryFormat {
    Markdown,
    Json,
}

#[derive(Debug, clap::Args)]
pub(super) struct SpecArg {
    /// The spec: a ladder.yaml file, or a folder holding one.
    #[arg(
        short = 'f',
        long = "spec",
        value_name = "PATH",
        default_value = "ladder.yaml"
    )]
    pub(super) spec: PathBuf,
}
