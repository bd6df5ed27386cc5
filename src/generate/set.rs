//! What evaluating a generator gives: parameter sets, or why there are none.

use crate::diagnostic::Pos;
use crate::load::yaml::Node;

/// One parameter set a generator yields, and where it came from (for messages).
#[derive(Debug, Clone)]
pub(super) struct ParamSet {
    /// The parameters, as a mapping (nested for Go templates, flat keys for fasttemplate).
    pub params: Node,
    /// The folder or file of the checkout it was made from, as messages name it.
    pub origin: Option<String>,
}

/// Why a generator's parameter sets are not known.
#[derive(Debug, Clone)]
pub(super) enum Failure {
    /// ladder cannot evaluate it (a generator kind, a template function): where, why.
    Unknown(Pos, String),
    /// The controller fails on it too (and changes no Application): where, why.
    Fails(Pos, String),
    /// A git generator reads a repository no checkout among the inputs is: where, why,
    /// and its URL.
    Elsewhere(Pos, String, String),
}
