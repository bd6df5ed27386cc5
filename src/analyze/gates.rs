//! Gates that run before every rollout, not only the first.
//!
//! RollingSync syncs only Applications that are OutOfSync: one that is Synced and
//! Healthy passes its step without a sync, so its hooks do not run (Argo CD v3.5.1
//! `applicationset/progressivesync/progressive_sync.go:449-462`). A gate (the backup
//! whose PreSync hook must run before anything else deploys) therefore runs again only
//! when its own rendered manifests change. This module makes them change whenever its
//! environment's rollout changes something: a digest of the environment's other
//! Applications (names, destination, sources with their pins and parameters) is handed
//! to the gate where Argo CD renders it into the gate's manifests:
//!
//! - the `kustomize.commonAnnotations` of a kustomization source, which Argo CD applies
//!   with `kustomize edit add annotation` before building, so every resource carries it
//!   (v3.5.1 `util/kustomize/kustomize.go:247-268`);
//! - a Helm parameter the chart renders (the spec names it), passed as a string
//!   (`forceString`, i.e. `--set-string`: v3.5.1 `util/helm/cmd.go:447-449`), so a digest
//!   of digits stays a string.
//!
//! Where the spec names no carrier (`gate: true`), the gate orders only the first
//! rollout, and a warning (`gate-without-digest`) says so.
//!
//! What the digest cannot see: a commit to a branch a component tracks (a
//! `targetRevision` such as `main`) that changes only that component's files. Pinned
//! versions (the version files) make every rollout a change of the spec's output.

use std::fmt::Write as _;

use sha2::{Digest as _, Sha256};

use crate::analyze::model::{Carrier, Destination, Model, Parameter, Source};
use crate::diagnostic::Diagnostic;
use crate::load::spec::{self, Gate};
use crate::load::yaml::PathSeg;

use super::context::Cx;

/// The `kustomize.commonAnnotations` key that carries the digest.
pub const DIGEST_ANNOTATION: &str = "ladder.dev/rollout-digest";

/// The lint rule of a gate without a carrier.
pub static GATE_WITHOUT_DIGEST: &str = "gate-without-digest";

/// The carrier of component `c`'s digest, checked against its sources; `None` for a
/// component that is not a gate.
pub(super) fn carrier(
    cx: &mut Cx<'_>,
    c: &spec::Component,
    at: &dyn Fn(&[PathSeg<'static>]) -> Vec<PathSeg<'static>>,
    warnings: &mut Vec<Diagnostic>,
) -> Option<Carrier> {
    use PathSeg::Key;
    let sources: Vec<&spec::Source> = match (&c.source, &c.sources) {
        (Some(s), _) => vec![s],
        (None, Some(list)) => list.iter().collect(),
        (None, None) => Vec::new(),
    };
    // The first source that renders manifests (not a `ref` alone): a chart, else a git
    // path that Helm renders (for a Helm parameter) or that kustomize renders (for the
    // annotation); a plugin or a plain folder can carry neither, and a source carries
    // one tool only (Argo CD refuses two).
    let chart = sources.iter().position(|s| s.chart.is_some());
    let path_by = |helm: bool| {
        sources.iter().position(|s| {
            s.chart.is_none()
                && s.path.is_some()
                && s.plugin.is_none()
                && s.directory.is_none()
                && if helm {
                    s.kustomize.is_none()
                } else {
                    s.helm.is_none()
                }
        })
    };
    let path = path_by(false);
    let helm_path = path_by(true);
    match &c.gate {
        Gate::Flag(false) => None,
        Gate::Flag(true) => {
            let pos = cx.pos(&at(&[Key("gate")]));
            let help = if chart.is_some() {
                "name a parameter its chart renders (e.g. as an annotation of the backup Job): `gate: {helmParameter: rolloutDigest}`"
            } else {
                "for a kustomization, `gate: {kustomize: true}`; for a Helm chart, `gate: {helmParameter: NAME}` naming a parameter the chart renders"
            };
            warnings.push(
                Diagnostic::new(
                    cx.file,
                    pos,
                    format!(
                        "gate `{}` orders only the first rollout: RollingSync syncs only Applications that are OutOfSync, and nothing in `{}`'s manifests changes when the rest of its environment does, so later rollouts pass it without running its hooks",
                        c.name, c.name
                    ),
                )
                .help(help)
                .rule(&GATE_WITHOUT_DIGEST),
            );
            Some(Carrier::Nothing)
        }
        Gate::Digest(digest) => {
            let here = at(&[Key("gate")]);
            match (&digest.helm_parameter, digest.kustomize) {
                (Some(_), true) | (None, false) => {
                    cx.error(
                        &here,
                        format!("gate `{}` needs exactly one of `helmParameter` and `kustomize`", c.name),
                    )
                    .help = Some("`gate: {helmParameter: NAME}` for a Helm chart, `gate: {kustomize: true}` for a kustomization".into());
                    None
                }
                (Some(parameter), false) => {
                    let name_at = at(&[Key("gate"), Key("helmParameter")]);
                    if parameter.trim().is_empty() || parameter.contains(['=', ',']) {
                        cx.error(
                            &name_at,
                            format!("`{parameter}` is not a Helm parameter name"),
                        )
                        .help = Some("a dotted path into the chart's values, e.g. `rolloutDigest` or `backup.rolloutDigest`".into());
                        return None;
                    }
                    if c.image_parameter.as_deref() == Some(parameter.as_str()) {
                        cx.error(
                            &name_at,
                            format!("`{parameter}` is also `imageParameter`; the digest needs its own parameter"),
                        );
                        return None;
                    }
                    // A chart from a Helm repository, else a chart in a git folder.
                    let Some(k) = chart.or(helm_path) else {
                        cx.error(
                            &name_at,
                            format!("gate `{}` has `helmParameter` but no chart or `path` source to set it on", c.name),
                        );
                        return None;
                    };
                    Some(Carrier::Helm(k, parameter.clone()))
                }
                (None, true) => {
                    let Some(k) = path else {
                        cx.error(
                            &at(&[Key("gate"), Key("kustomize")]),
                            format!("gate `{}` has `kustomize: true` but no kustomization source (a git `path` without a chart)", c.name),
                        )
                        .help = Some("for a Helm chart, name a parameter it renders: `gate: {helmParameter: NAME}`".into());
                        return None;
                    };
                    Some(Carrier::Kustomize(k))
                }
            }
        }
    }
}

/// Hands every gate of every environment the digest of that environment's other
/// Applications. Runs once the sources are final (version files applied), so a pin or
/// image tag that changes changes the digest.
pub fn stamp(model: &mut Model) {
    if model.components.iter().all(|c| c.gate.is_none()) {
        return;
    }
    for e in 0..model.environments.len() {
        let digest = digest(model, e);
        for c in &mut model.components {
            let Some(instance) = c.instances[e].as_mut() else {
                continue;
            };
            match &c.gate {
                Some(Carrier::Kustomize(k)) => instance.sources[*k]
                    .common_annotations
                    .push((DIGEST_ANNOTATION.to_owned(), digest.clone())),
                Some(Carrier::Helm(k, name)) => instance.sources[*k].parameters.push(Parameter {
                    name: name.clone(),
                    value: digest.clone(),
                    force_string: true,
                }),
                Some(Carrier::Nothing) | None => {}
            }
        }
    }
}

/// The first 16 hex digits of the SHA-256 of environment `e`'s Applications other than
/// its gates, in name order (components are sorted by name): each one's name,
/// namespace and sources, after the environment's destination. Strings are
/// length-prefixed and lists counted, so no two different sets of Applications encode
/// alike.
fn digest(model: &Model, e: usize) -> String {
    let mut out = Encoder(Sha256::new());
    match &model.environments[e].destination {
        Destination::Server(server) => out.str("server").str(server),
        Destination::Name(name) => out.str("name").str(name),
    };
    for c in model.components.iter().filter(|c| c.gate.is_none()) {
        let Some(instance) = &c.instances[e] else {
            continue;
        };
        out.str(&instance.app).str(&instance.namespace);
        // Only a destination of its own: the environment's is hashed above.
        if instance.destination != model.environments[e].destination {
            match &instance.destination {
                Destination::Server(server) => out.str("server").str(server),
                Destination::Name(name) => out.str("name").str(name),
            };
        }
        out.count(instance.sources.len());
        for s in &instance.sources {
            out.source(s);
        }
    }
    let bytes = out.0.finalize();
    let mut hex = String::with_capacity(16);
    for b in &bytes[..8] {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// An unambiguous encoding of what the digest covers, fed to the hash.
struct Encoder(Sha256);

impl Encoder {
    fn count(&mut self, n: usize) -> &mut Self {
        self.0.update((n as u64).to_le_bytes());
        self
    }

    fn str(&mut self, s: &str) -> &mut Self {
        self.count(s.len());
        self.0.update(s.as_bytes());
        self
    }

    fn opt(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.count(1).str(s),
            None => self.count(0),
        }
    }

    /// Every field of a source that reaches its Application.
    fn source(&mut self, s: &Source) {
        self.str(&s.repo_url).str(&s.target_revision);
        self.opt(s.path.as_deref())
            .opt(s.chart.as_deref())
            .opt(s.reference.as_deref())
            .opt(s.release_name.as_deref());
        self.count(s.value_files.len());
        for f in &s.value_files {
            self.str(f);
        }
        self.count(s.parameters.len());
        for p in &s.parameters {
            self.str(&p.name)
                .str(&p.value)
                .count(usize::from(p.force_string));
        }
        self.count(s.kustomize_images.len());
        for i in &s.kustomize_images {
            self.str(i);
        }
        // The settings sources got later (a name, the tools' other settings, the spec's
        // kustomize annotations), only where a source has them, so the digests of specs
        // without them stay what they were. The marker starts with NUL, which no spec
        // string holds, so it cannot be read as the next source's repository URL.
        let extra = s.name.is_some()
            || s.tag_prefix.is_some()
            || !s.helm_extra.is_empty()
            || !s.kustomize_extra.is_empty()
            || s.directory.is_some()
            || s.plugin.is_some()
            || s.common_annotations
                .iter()
                .any(|(k, _)| k != DIGEST_ANNOTATION);
        if extra {
            self.str("\0settings");
            self.count(s.common_annotations.len());
            for (k, v) in &s.common_annotations {
                self.str(k).str(v);
            }
            self.opt(s.name.as_deref());
            if let Some(prefix) = &s.tag_prefix {
                self.str("\0tagPrefix").str(prefix);
            }
            // As the JSON they are emitted as (in the spec's order).
            for extra in [&s.helm_extra, &s.kustomize_extra] {
                self.str(&serde_json::Value::Object(extra.clone()).to_string());
            }
            for tool in [&s.directory, &s.plugin] {
                self.opt(tool.as_ref().map(ToString::to_string).as_deref());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::model::Model;

    const SPEC: &str = r"
name: shop
output: {path: out}
defaults:
  source: {repoURL: https://github.com/acme/shop.git, targetRevision: main}
  namespace: shop
environments: [{name: dev}, {name: prod}]
components:
  - name: backup
    gate: {helmParameter: rolloutDigest}
    source: {repoURL: https://charts.example.com, chart: backup, targetRevision: BACKUP}
  - {name: web, source: {path: web, targetRevision: WEB}}
  - {name: api, source: {path: api}}
";

    fn model(spec: &str) -> Model {
        crate::Request::new("ladder.yaml", spec.as_bytes())
            .plan()
            .unwrap()
            .model
    }

    /// The digest each environment's gate received.
    fn digests(spec: &str) -> Vec<String> {
        let model = model(spec);
        let backup = model
            .components
            .iter()
            .find(|c| c.name == "backup")
            .unwrap();
        backup
            .instances
            .iter()
            .map(|i| {
                let p = &i.as_ref().unwrap().sources[0].parameters;
                assert_eq!(p.len(), 1);
                assert!(p[0].force_string && p[0].name == "rolloutDigest");
                p[0].value.clone()
            })
            .collect()
    }

    fn with(backup: &str, web: &str) -> String {
        SPEC.replace("BACKUP", backup).replace("WEB", web)
    }

    #[test]
    fn a_change_to_another_application_changes_the_gates_digest() {
        let before = digests(&with("1.0.0", "v1"));
        let after = digests(&with("1.0.0", "v2"));
        assert_ne!(before, after);
        assert_eq!(before, digests(&with("1.0.0", "v1")), "deterministic");
        assert!(before[0].len() == 16 && before[0].chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn the_gates_own_changes_do_not_change_its_digest() {
        assert_eq!(digests(&with("1.0.0", "v1")), digests(&with("2.0.0", "v1")));
    }

    #[test]
    fn each_environment_has_its_own_digest() {
        let d = digests(&with("1.0.0", "v1"));
        // Same sources, but the Applications are named per environment.
        assert_ne!(d[0], d[1]);
    }

    #[test]
    fn the_order_of_components_in_the_spec_does_not_change_the_digest() {
        let spec = with("1.0.0", "v1");
        let reordered = spec.replace(
            "  - {name: web, source: {path: web, targetRevision: v1}}\n  - {name: api, source: {path: api}}\n",
            "  - {name: api, source: {path: api}}\n  - {name: web, source: {path: web, targetRevision: v1}}\n",
        );
        assert_ne!(spec, reordered);
        assert_eq!(digests(&spec), digests(&reordered));
    }

    #[test]
    fn a_kustomize_gate_gets_the_digest_as_a_common_annotation() {
        let spec = with("1.0.0", "v1").replace(
            "    gate: {helmParameter: rolloutDigest}\n    source: {repoURL: https://charts.example.com, chart: backup, targetRevision: 1.0.0}",
            "    gate: {kustomize: true}\n    source: {path: backup}",
        );
        let model = model(&spec);
        let backup = model
            .components
            .iter()
            .find(|c| c.name == "backup")
            .unwrap();
        let source = &backup.instances[0].as_ref().unwrap().sources[0];
        assert_eq!(source.common_annotations.len(), 1);
        assert_eq!(source.common_annotations[0].0, super::DIGEST_ANNOTATION);
        assert!(source.parameters.is_empty());
        assert!(model.warnings.is_empty());
    }
}
