//! Dependency graph and assessment engine for riskgraph.
//!
//! Architecture invariant: the engine does no terminal output; it returns values and
//! diagnostics for the CLI to render.

pub mod assess;
pub mod checks;
pub mod compliance;
pub mod exposure;
pub mod indexes;
pub mod per_node;
pub mod pool;
pub mod propagation;
pub mod rank;
pub mod reach;
pub mod rules;
pub mod scc;
pub mod scenarios;
pub mod session;
pub mod simulate;
pub mod snapshot;
pub mod supply_chain;

use std::path::Path;

use riskgraph_model::Loaded;

/// Loads the inventory at `path` and adds the graph-level findings (cycles, isolated nodes) to
/// its diagnostics, after loading's own: everything `riskgraph validate` reports. The graph is
/// checked beside loading's last checks, which also need the whole inventory.
pub fn load_and_check(path: &Path) -> Loaded {
    riskgraph_model::load::load_and_check(path, checks::check)
}

/// The files of a new inventory (`riskgraph init`), as (relative path, content): the model's
/// templates, the built-in rules to edit (the manifest points `[method] rules` at `rules/`) and
/// their test cases.
pub fn new_inventory_files() -> Vec<(String, String)> {
    let mut files = riskgraph_model::template::files();
    for (file, source) in rules::default_scripts() {
        files.push((format!("rules/{file}"), source.to_owned()));
    }
    for (file, content) in rules::testing::DEFAULT_TESTS {
        files.push((format!("rules/tests/{file}"), (*content).to_owned()));
    }
    files
}

/// The bundled example inventory, `datasets/acme-saas`, for the unit tests.
#[cfg(test)]
fn bundled_inventory() -> riskgraph_model::Inventory {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
    riskgraph_model::load(&root).inventory
}
