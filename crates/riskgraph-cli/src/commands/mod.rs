//! One module per command: an `Args` struct and a `run` function.

pub mod blast_radius;
pub mod init;
pub mod validate;

use std::io::Write;
use std::path::Path;

use riskgraph_model::Inventory;

use crate::render;

/// Loads and checks the inventory at `path` for a command that works on it. When it has errors,
/// prints them (as `validate` does) and returns `None`; warnings are left to `validate`.
pub fn load_valid(path: &Path) -> Option<Inventory> {
    let loaded = riskgraph_engine::load_and_check(path);
    let n_errors = loaded.diagnostics.n_errors();
    if n_errors == 0 {
        return Some(loaded.inventory);
    }
    let mut errors = loaded.diagnostics;
    errors
        .items
        .retain(|d| d.severity == riskgraph_model::Severity::Error);
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(render::human(&errors).as_bytes());
    let s = if n_errors == 1 { "" } else { "s" };
    let _ = writeln!(stderr, "invalid: {n_errors} error{s} in {}", path.display());
    None
}
