//! Integration tests: golden output, CLI behaviour, the committed schema, and
//! properties of the planner. Expected outputs are files; `LADDER_BLESS=1 cargo test`
//! rewrites them on purpose.

mod app_of_apps;
mod appset;
mod architecture;
mod as_written;
mod cli;
mod compare;
mod conformance;
mod diff;
mod docs;
mod gates;
mod golden;
mod hardening;
mod import;
mod includes;
mod lint_corpus;
mod lint_formats;
mod project;
mod promotion;
mod properties;
mod safety;
mod simulate;
mod stored_size;
mod support;
mod templates;
mod validate;
mod waves;
