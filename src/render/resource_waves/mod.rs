//! The files `ladder build` adds for components' resource groups, under `waves/`: a
//! kustomize Component of `patches` per component and environment (`kustomize`), and
//! the `syncWaves:` values of charts that read their waves from values (`helm`).
//! Both are pure functions of the waves analysis computed ([`crate::analyze::model::Waves`]).

mod helm;
mod kustomize;

use crate::analyze::model::Source;

/// The files `ladder build` adds for resource groups, under `waves/` (which the root
/// Application does not apply: it reads only the top folder, `directory.recurse: false`):
/// `waves/<component>/<env>/kustomization.yaml` for every environment the component is
/// enabled in with a git path source Helm does not render, and
/// `waves/<component>/values.yaml` for components with a Helm source.
/// With independent environments, each environment's tree has its own.
pub fn files(model: &crate::analyze::model::Model) -> std::collections::BTreeMap<String, String> {
    let mut files = std::collections::BTreeMap::new();
    let independent = model.rollout.topology == crate::load::spec::Topology::Independent;
    for c in &model.components {
        let Some(waves) = &c.waves else { continue };
        for (env, instance) in model.environments.iter().zip(&c.instances) {
            let Some(instance) = instance else { continue };
            let root = if independent {
                format!("{}/waves/{}", env.name, c.name)
            } else {
                format!("waves/{}", c.name)
            };
            // A Helm source reads its waves from values; a kustomize Component reaches
            // only a git path that Helm does not render (Argo CD cannot kustomize a
            // chart), so a component with only Helm sources gets no Component. Nor does
            // one rendered by a plugin (which runs `ladder waves` itself, examples/cmp)
            // or read as a plain folder.
            if instance
                .sources
                .iter()
                .any(|s| s.path.is_some() && !s.is_helm() && !s.is_plugin_or_directory())
            {
                files.insert(
                    format!("{root}/{}/kustomization.yaml", env.name),
                    kustomize::component(waves, &c.name, &env.name),
                );
            }
            if instance.sources.iter().any(Source::is_helm) {
                files.insert(format!("{root}/values.yaml"), helm::values(waves, &c.name));
            }
        }
    }
    files
}
