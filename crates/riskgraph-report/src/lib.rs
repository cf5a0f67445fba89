//! riskgraph's renderers: what the engine computes, written for people and programs.
//!
//! The register as a terminal table, CSV, Markdown, JSON and an Excel workbook (`register`); the
//! tables of coverage, the Statement of Applicability, the catalogs and diffs (`sheets`, in every
//! format, with `xlsx` for workbooks); the HTML report (`html`); and the comparison of two
//! register documents (`diff`). Renderers take the engine's types and return text or bytes, or
//! write to a `std::io::Write`: they never print, choose a file or exit.
//!
//! Architecture invariant: this crate does no terminal input or output of its own and parses no
//! command line; the CLI chooses a renderer and where its output goes.

pub mod blast_radius;
pub mod catalog;
pub mod coverage;
pub mod diagnostics;
pub mod diff;
pub mod excerpt;
pub mod explain;
mod format;
pub mod groups;
pub mod html;
pub mod layout;
pub mod lec_svg;
pub mod oscal;
pub mod palette;
pub mod register;
pub mod rules;
pub mod sarif;
pub mod schema;
pub mod sheets;
pub mod simulate;
pub mod soa;
pub mod svg_tree;
pub mod text;
pub mod xlsx;

pub use format::Format;
