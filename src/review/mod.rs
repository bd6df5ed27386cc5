//! Review tools: pure functions of a compiled spec that answer a reviewer's questions,
//! each behind one command: what a change does ([`diff`], led by what it deletes:
//! [`deletions`]), the graph ranked by phase
//! ([`graph`]), why a component sits where it does ([`explain`]) and the phase →
//! component listing ([`inventory`]).
//!
//! May import any pipeline stage; no stage imports a review tool.

pub mod compare;
pub mod deletions;
pub mod diff;
pub mod explain;
pub mod graph;
pub mod inventory;
