//! Domain types and inventory loading for riskgraph.
//!
//! Architecture invariant: this crate knows nothing of Rhai, petgraph or the terminal. It turns
//! the files a GRC team keeps into typed, validated records and a list of diagnostics.

pub mod catalog;
pub mod diagnostic;
pub mod id_index;
pub mod inventory;
pub mod load;
pub mod manifest;
pub mod money;
pub mod node;
pub mod quant;
pub mod records;
pub mod schema;
pub mod selector;
pub mod snapshot;
pub mod template;
pub mod values;
pub mod vocabulary;

pub use diagnostic::{Diagnostic, Diagnostics, Location, Severity};
pub use inventory::Inventory;
pub use load::{Loaded, Source, load, load_for_use, load_sources, load_with_tables};
pub use manifest::Manifest;
pub use node::{Node, NodeDetail, NodeIdx};
