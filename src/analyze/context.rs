//! The analysis context: the spec's file and node tree (for positions), the diagnostics
//! collected so far, and the sandboxed template environment that substitutes
//! `{{ env }}` and `{{ component }}` in spec strings. Every check of this stage reports
//! through it, so analysis never stops at the first problem.

use crate::diagnostic::{Diagnostic, Pos};
use crate::load::yaml::{Node, PathSeg};

pub(super) struct Cx<'a> {
    pub(super) file: &'a str,
    pub(super) tree: &'a Node,
    pub(super) diagnostics: Vec<Diagnostic>,
    pub(super) interp: minijinja::Environment<'static>,
}

impl Cx<'_> {
    pub(super) fn pos(&self, path: &[PathSeg<'_>]) -> Pos {
        self.tree.lookup(path).pos
    }

    pub(super) fn error(
        &mut self,
        path: &[PathSeg<'_>],
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let pos = self.pos(path);
        self.diagnostics
            .push(Diagnostic::new(self.file, pos, message));
        self.diagnostics.last_mut().expect("just pushed")
    }

    /// Substitutes `{{ env }}` (and `{{ component }}`) in a spec string.
    pub(super) fn interpolate(
        &mut self,
        path: &[PathSeg<'_>],
        text: &str,
        env: &str,
        component: &str,
    ) -> Option<String> {
        if !text.contains("{{") && !text.contains("{%") && !text.contains("{#") {
            return Some(text.to_owned());
        }
        let ctx = minijinja::context! { env => env, component => component };
        match self.interp.render_str(text, ctx) {
            Ok(s) => Some(s),
            Err(e) => {
                let detail = e
                    .detail()
                    .map_or_else(|| e.kind().to_string(), str::to_owned);
                self.error(path, format!("cannot substitute `{text}`: {detail}"))
                    .help = Some("strings may use `{{ env }}` and `{{ component }}`".into());
                None
            }
        }
    }
}

pub(super) fn interpolation_env() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::empty();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // No loader, no globals, no filesystem: spec strings can only see `env` and `component`.
    // A small fuel budget bounds loops in hostile input.
    env.set_fuel(Some(10_000));
    env.add_filter("lower", |s: &str| s.to_lowercase());
    env.add_filter("upper", |s: &str| s.to_uppercase());
    env.add_filter("replace", |s: &str, from: &str, to: &str| {
        s.replace(from, to)
    });
    env
}

/// A problem at a path of the spec that a helper of analysis found, for [`Cx`] to report.
#[derive(Debug, Clone)]
pub(super) struct Problem {
    pub(super) path: Vec<PathSeg<'static>>,
    pub(super) message: String,
    pub(super) help: String,
}
