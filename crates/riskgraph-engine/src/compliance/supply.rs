//! The supply-chain side of the vendor findings: the providers the organization concentrates on
//! (`concentration`), and the note on any finding of a hidden fourth party, which no review of
//! the organization's own suppliers covers.

use riskgraph_model::{Inventory, NodeIdx};

use super::Index;
use crate::propagation::ImpactGraph;
use crate::supply_chain::{self, Concentration, DEFAULT_SPOF, VendorTies};

/// What the vendor findings read of the supply chain.
pub(super) struct Supply<'a> {
    inventory: &'a Inventory,
    ties: &'a VendorTies,
    /// In node order of the providers.
    concentration: Vec<Concentration>,
}

impl<'a> Supply<'a> {
    pub(super) fn of(index: &Index<'a>) -> Self {
        let inventory = index.inventory;
        let ties = index.indexed.vendor_ties();
        let built;
        let graph = if let Some(graph) = index.graph {
            graph
        } else {
            built = ImpactGraph::build(inventory);
            &built
        };
        Self {
            inventory,
            ties,
            concentration: supply_chain::concentration(inventory, graph, ties, DEFAULT_SPOF),
        }
    }

    /// The `concentration` finding of `vendor`, if the organization concentrates on it.
    pub(super) fn concentration(&self, vendor: NodeIdx) -> Option<String> {
        let at = self
            .concentration
            .binary_search_by_key(&vendor, |c| c.provider)
            .ok()?;
        let found = &self.concentration[at];
        let mut parts = Vec::new();
        if found.critical_vendors.len() >= supply_chain::CONCENTRATION_VENDORS {
            parts.push(format!(
                "under {} critical vendors ({})",
                found.critical_vendors.len(),
                self.ids(&found.critical_vendors)
            ));
        }
        if found.sole_provider_of.len() >= supply_chain::CONCENTRATION_PROCESSES {
            parts.push(format!(
                "the single point of failure of {} critical processes ({})",
                found.sole_provider_of.len(),
                self.ids(&found.sole_provider_of)
            ));
        }
        Some(format!(
            "{}: one failure of this provider reaches them all at once",
            parts.join(" and ")
        ))
    }

    /// What every finding of `vendor` adds when it is a hidden fourth party.
    pub(super) fn hidden_note(&self, vendor: NodeIdx) -> Option<String> {
        self.ties.is_hidden(vendor).then(|| {
            format!(
                "; a hidden fourth party, used only through {}",
                self.ids(self.ties.dependents(vendor))
            )
        })
    }

    /// `a, b, c and 2 more`.
    fn ids(&self, nodes: &[NodeIdx]) -> String {
        const SHOWN: usize = 3;
        let id = |n: &NodeIdx| self.inventory.node(*n).id.to_string();
        let first: Vec<String> = nodes.iter().take(SHOWN).map(id).collect();
        match nodes.len() {
            n if n > SHOWN => format!("{} and {} more", first.join(", "), n - SHOWN),
            1 => first.join(""),
            _ => match first.split_last() {
                Some((last, init)) => format!("{} and {last}", init.join(", ")),
                None => String::new(),
            },
        }
    }
}
