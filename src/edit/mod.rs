//! Edits of users' files: pure functions from the text of a file to its new text, so
//! comments, order and quoting survive. [`promote`] copies version pins from one
//! environment's version file to the next's (`ladder promote`); [`new_env`] finds the
//! files of an environment and the spec snippet for a new one (`ladder new-env`);
//! [`annotate`] inserts resource sync-wave annotations into rendered manifests
//! (`ladder waves`). The CLI reads and writes the files.
//!
//! May import any pipeline stage; no stage imports an edit.

pub mod annotate;
pub mod new_env;
pub mod promote;
