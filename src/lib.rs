//! ladder compiles a spec of components and their dependencies into Argo CD
//! rollout ladders: ApplicationSets with RollingSync steps, an AppProject, an
//! app-of-apps root, and the Argo CD settings they need.
//!
//! The library is the pure core: a [`Request`] takes spec bytes (and what the caller
//! read for it) and returns the output files as bytes, or every problem found. It never
//! touches the filesystem, the clock, git or the environment; the `ladder` binary does.
//!
//! The tree is the pipeline, one folder per stage, each importing only the stages
//! before it and the shared pieces ([`diagnostic`], [`dag`]):
//! [`load`] → [`analyze`] → [`plan`] → [`render`] → [`emit`], run by [`pipeline`].
//! Beside it, tools that use the stages and are used by none: [`review`] (diff,
//! graph, explain, inventory), [`lint`], [`validate`] (manifests against CRDs) and
//! [`edit`] (promote, new-env, `ladder waves`). `tests/architecture.rs` holds the
//! tree to that.

pub mod analyze;
pub mod dag;
pub mod diagnostic;
pub mod edit;
pub mod emit;
pub mod evidence;
pub mod generate;
pub mod glob;
pub mod import;
pub mod lint;
pub mod load;
pub mod pipeline;
pub mod plan;
pub mod render;
pub mod review;
pub mod simulate;
pub mod validate;

pub use pipeline::{Compilation, Inputs, Planned, Request, Templates, Wanted};
