//! Dependencies found in the manifests: what each resource provides and needs (a custom
//! resource its CRD, a namespaced resource its Namespace, an ExternalSecret its
//! (Cluster)SecretStore, a Certificate its (Cluster)Issuer, an Ingress its IngressClass,
//! a PVC its StorageClass, a workload the Secrets and ConfigMaps it mounts or reads), and
//! from that the `dependsOn` edges between components that hand-numbered waves only
//! imply, each with its evidence.
//!
//! It reads Kubernetes manifests, not the spec, and serves `lint` (`dependency-order`
//! among Argo CD Applications, `missing-dependency` for a spec) and `import` (edges
//! proposed for the spec it writes): hence its own module, beside `analyze` and
//! `generate`, which both tools may use. Pure: files come in as parsed documents.
//!
//! Codemap: `thing` ([`Thing`], [`Provided`], [`Need`]), `document` (one document's
//! provides and needs), `pods` (a pod spec's Secret and ConfigMap references), `scan`
//! ([`Resources`]: every file's, the kustomizations and charts, and which files a
//! source path installs), `suggest` (the edges), `path` (file names normalized).
//!
//! Two ways in. With a checkout's files: [`Resources::scan`] them once, take each
//! component's [`Resources::installed`] files (its source path, `directory.recurse`) and
//! ask [`Resources::suggest`]. With each component's own documents (its folder's files,
//! the output of `helm template` or `kustomize build`): [`suggest`]. Either way the
//! [`Suggestions`] are sorted, each edge with the [`Evidence`] to show (a sentence, its
//! place, whether the reference is optional).

mod document;
mod path;
mod pods;
mod scan;
mod suggest;
mod thing;

pub use document::BUILT_IN;
pub use path::{join, normalize};
pub use scan::Resources;
pub use suggest::{Ambiguous, Evidence, Installed, Installs, Suggestion, Suggestions, suggest};
pub use thing::{Need, Provided, Thing};

#[cfg(test)]
mod tests;
