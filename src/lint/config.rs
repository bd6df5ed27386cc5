//! `.ladder-lint.yaml`, or the spec's `lint` section: what a repository tells
//! `ladder lint` once instead of on every command line: paths to leave out (`exclude`, globs) and a severity per rule (`rules`,
//! `error`, `warning`, `note` or `off`), and what is set up where lint cannot see it
//! (`assume`). Read from texts the CLI gives; pure.
//!
//! ```yaml
//! exclude: ["charts/**/templates/**", "**/vendor/**"]
//! assume: [application-health-check]
//! repositories:           # the local checkout of a repository git generators read
//!   - url: https://github.com/acme/platform.git
//!     path: .             # relative to this file
//! rules:
//!   max-update-zero: off
//!   empty-step: error
//! ```

use std::collections::BTreeMap;

use super::rules::{self, Severity};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::load::yaml::{self, Node, Value};

/// A rule's severity from the config: its own, another, or off.
pub type Level = Option<Severity>;

/// A setting the repository has where lint cannot read it (a cluster bootstrap script,
/// another repository, a remote kustomize base), so lint takes it as installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Assume {
    /// The Application health check in `argocd-cm` (an app-of-apps ordered by waves).
    ApplicationHealthCheck,
    /// Progressive syncs on in the ApplicationSet controller (RollingSync).
    ProgressiveSyncs,
}

impl Assume {
    pub const ALL: [Assume; 2] = [Assume::ApplicationHealthCheck, Assume::ProgressiveSyncs];

    pub fn name(self) -> &'static str {
        match self {
            Assume::ApplicationHealthCheck => "application-health-check",
            Assume::ProgressiveSyncs => "progressive-syncs",
        }
    }
}

/// The lint config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// Globs of paths not linted (see [`excluded`]).
    pub exclude: Vec<String>,
    /// Rule name → severity (`None`: off).
    pub rules: BTreeMap<String, Level>,
    /// Settings taken as installed (`assume`, and `--assume`).
    pub assume: std::collections::BTreeSet<Assume>,
    /// Local checkouts of repositories, by the URL Argo CD reads them from
    /// (`repositories`, and `--repository URL=DIR`).
    pub repositories: Vec<Repository>,
}

/// A repository's local checkout: the URL ApplicationSets name it by and its folder
/// (relative to the config file, or as given on the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    pub url: String,
    pub path: String,
}

impl Config {
    pub fn assumes(&self, what: Assume) -> bool {
        self.assume.contains(&what)
    }
}

/// Reads a config; every problem with file, line and column.
pub fn parse(file: &str, text: &str) -> Result<Config, Vec<Diagnostic>> {
    let doc = yaml::parse(file, text).map_err(|d| vec![d])?;
    read(file, &doc)
}

/// The `lint` section of a spec, when it has one (`None` too when the spec is not YAML:
/// linting the spec says why).
pub fn section(file: &str, spec: &str) -> Option<Result<Config, Vec<Diagnostic>>> {
    let doc = yaml::parse(file, spec).ok()?;
    doc.get("lint").map(|section| read(file, section))
}

fn read(file: &str, doc: &Node) -> Result<Config, Vec<Diagnostic>> {
    let mut config = Config::default();
    let mut problems = Vec::new();
    let Value::Map(entries) = &doc.value else {
        if matches!(doc.value, Value::Null) {
            return Ok(config);
        }
        return Err(vec![Diagnostic::new(
            file,
            doc.pos,
            format!("a lint config is a mapping, found {}", doc.value.kind()),
        )]);
    };
    for (key, value) in entries {
        match key.as_str() {
            Some("exclude") => match &value.value {
                Value::Seq(items) => {
                    for item in items {
                        match item.as_str() {
                            Some(glob) if !glob.is_empty() => config.exclude.push(glob.to_owned()),
                            _ => problems.push(Diagnostic::new(
                                file,
                                item.pos,
                                "an `exclude` entry is a glob, e.g. `charts/**/templates/**`",
                            )),
                        }
                    }
                }
                _ => problems.push(Diagnostic::new(
                    file,
                    value.pos,
                    "`exclude` is a list of globs",
                )),
            },
            Some("rules") => rule_levels(file, value, &mut config, &mut problems),
            Some("assume") => assumptions(file, value, &mut config, &mut problems),
            Some("repositories") => repositories(file, value, &mut config, &mut problems),
            Some(other) => problems.push(
                Diagnostic::new(file, key.pos, format!("`{other}` is not a lint setting")).help(
                    did_you_mean(other, SETTINGS).unwrap_or_else(|| {
                        "the settings are `exclude`, `rules`, `assume` and `repositories`"
                            .to_owned()
                    }),
                ),
            ),
            None => problems.push(Diagnostic::new(
                file,
                key.pos,
                "a setting's name is a string",
            )),
        }
    }
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(problems)
    }
}

/// The settings a lint config may have.
const SETTINGS: [&str; 4] = ["exclude", "rules", "assume", "repositories"];

fn repositories(file: &str, value: &Node, config: &mut Config, problems: &mut Vec<Diagnostic>) {
    let shape = "`repositories` is a list of `{url: URL, path: DIR}`";
    let Value::Seq(items) = &value.value else {
        problems.push(Diagnostic::new(file, value.pos, shape));
        return;
    };
    for item in items {
        let field = |name: &str| {
            item.get(name)
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
        };
        if let Value::Map(entries) = &item.value {
            for (k, _) in entries {
                let key = k.key_text().unwrap_or_default();
                if key != "url" && key != "path" {
                    problems.push(
                        Diagnostic::new(
                            file,
                            k.pos,
                            format!("`{key}` is not a repository setting"),
                        )
                        .help(
                            did_you_mean(&key, ["url", "path"])
                                .unwrap_or_else(|| "a repository has `url` and `path`".to_owned()),
                        ),
                    );
                }
            }
        }
        match (field("url"), field("path")) {
            (Some(url), Some(path)) => config.repositories.push(Repository {
                url: url.to_owned(),
                path: path.to_owned(),
            }),
            _ => problems.push(
                Diagnostic::new(file, item.pos, "a repository needs a `url` and a `path`")
                    .help("e.g. `- {url: https://github.com/acme/platform.git, path: .}`"),
            ),
        }
    }
}

fn assumptions(file: &str, value: &Node, config: &mut Config, problems: &mut Vec<Diagnostic>) {
    let names = || Assume::ALL.iter().map(|a| a.name());
    let listed = names()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" and ");
    let Value::Seq(items) = &value.value else {
        problems.push(Diagnostic::new(
            file,
            value.pos,
            format!("`assume` is a list of {listed}"),
        ));
        return;
    };
    for item in items {
        if let Some(a) = Assume::ALL.iter().find(|a| item.as_str() == Some(a.name())) {
            config.assume.insert(*a);
        } else {
            let text = item.scalar_text().unwrap_or_default();
            problems.push(
                Diagnostic::new(
                    file,
                    item.pos,
                    format!("`{text}` is not a setting lint can assume"),
                )
                .help(
                    did_you_mean(&text, names())
                        .unwrap_or_else(|| format!("lint can assume {listed}")),
                ),
            );
        }
    }
}

fn rule_levels(file: &str, value: &Node, config: &mut Config, problems: &mut Vec<Diagnostic>) {
    let Value::Map(entries) = &value.value else {
        problems.push(Diagnostic::new(
            file,
            value.pos,
            "`rules` maps rule names to `error`, `warning`, `note` or `off`",
        ));
        return;
    };
    for (name, level) in entries {
        let Some(name_text) = name.as_str() else {
            problems.push(Diagnostic::new(file, name.pos, "a rule name is a string"));
            continue;
        };
        if rules::rule(name_text).is_none() {
            problems.push(
                Diagnostic::new(file, name.pos, format!("`{name_text}` is not a lint rule")).help(
                    did_you_mean(name_text, rules::RULES.iter().map(|r| r.name))
                        .unwrap_or_else(|| "`ladder lint --list-rules` lists them".into()),
                ),
            );
            continue;
        }
        // YAML 1.1 readers take a bare `off` for `false`: both mean off.
        let parsed = match &level.value {
            Value::Str(s) => match s.as_str() {
                "error" => Some(Some(Severity::Error)),
                "warning" => Some(Some(Severity::Warning)),
                "note" => Some(Some(Severity::Note)),
                "off" => Some(None),
                _ => None,
            },
            Value::Bool(false) => Some(None),
            _ => None,
        };
        match parsed {
            Some(l) => {
                config.rules.insert(name_text.to_owned(), l);
            }
            None => problems.push(Diagnostic::new(
                file,
                level.pos,
                "a rule's level is `error`, `warning`, `note` or `off`",
            )),
        }
    }
}

/// Whether `path` (as the CLI names it, under the linted `root`) matches one of the
/// globs, against the path itself or the path below `root`. `*` and `?` stay inside one
/// segment, `**` spans segments, and `**/` also matches no segment at all.
pub fn excluded(path: &str, root: &str, globs: &[String]) -> bool {
    let path = path.replace('\\', "/");
    let below = path
        .strip_prefix(root.trim_end_matches('/'))
        .map(|p| p.trim_start_matches('/').to_owned());
    globs.iter().any(|g| {
        crate::glob::paths(g, &path) || below.as_deref().is_some_and(|b| crate::glob::paths(g, b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excludes_match_the_path_or_the_path_below_the_root() {
        assert!(excluded(
            "repo/charts/x.yaml",
            "repo",
            &["charts/**".into()]
        ));
        assert!(excluded(
            "repo/charts/x.yaml",
            "repo/",
            &["repo/charts/*".into()]
        ));
        assert!(!excluded(
            "repo/argocd/x.yaml",
            "repo",
            &["charts/**".into()]
        ));
    }

    #[test]
    fn the_config_reads_excludes_and_levels_and_refuses_unknown_rules() {
        let c = parse(
            "c",
            "exclude: ['**/vendor/**']\nrules: {max-update-zero: off, empty-step: error}\n",
        )
        .unwrap();
        assert_eq!(c.exclude, vec!["**/vendor/**".to_owned()]);
        assert_eq!(c.rules["max-update-zero"], None);
        assert_eq!(c.rules["empty-step"], Some(Severity::Error));
        let e = parse("c", "rules: {empty-stpe: error}\nexclud: []\n").unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(
            e[0].help.as_deref().unwrap().contains("empty-step"),
            "{e:?}"
        );
    }

    /// The spec's `lint` section (its schema comes from `load::spec::Lint`) and this
    /// reader know the same settings, levels and assumptions.
    #[test]
    fn the_spec_section_and_the_config_file_are_one_format() {
        use crate::load::spec::{Lint, LintAssumption, LintLevel, LintRepository};
        let lint = Lint {
            exclude: vec!["charts/**".into()],
            rules: [
                ("empty-step", LintLevel::Error),
                ("max-update-zero", LintLevel::Off),
                ("generator-empty", LintLevel::Note),
                ("dependency-order", LintLevel::Warning),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
            assume: vec![
                LintAssumption::ApplicationHealthCheck,
                LintAssumption::ProgressiveSyncs,
            ],
            repositories: vec![LintRepository {
                url: "https://git.example.com/a.git".into(),
                path: ".".into(),
            }],
        };
        let json = serde_json::to_value(&lint).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut settings = SETTINGS.to_vec();
        settings.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, settings);
        let spec = format!("name: x\nlint: {json}\n");
        let c = section("ladder.yaml", &spec).unwrap().unwrap();
        assert_eq!(c.exclude, lint.exclude);
        assert_eq!(c.rules.len(), 4);
        assert_eq!(c.rules["generator-empty"], Some(Severity::Note));
        assert_eq!(c.assume.len(), Assume::ALL.len());
        assert_eq!(c.repositories[0].path, ".");
        assert!(section("ladder.yaml", "name: x\n").is_none());
        let bad = section("ladder.yaml", "lint: {rulez: {}}\n")
            .unwrap()
            .unwrap_err();
        assert!(bad[0].help.as_deref().unwrap().contains("rules"), "{bad:?}");
    }
}
