//! What the steps of an assessment read of an inventory besides its records, built once and
//! shared: the lists selectors select through, the node facts, and the obligations of each node.
//!
//! A [`Session`](crate::session::Session) keeps one [`Indexes`] beside its inventory, so that the
//! assessment, the explanation of a risk, the vendor ranking, coverage and the Statement of
//! Applicability of a command all read the same ones. The free functions called without a
//! session ([`crate::assess::assess`], [`crate::compliance::coverage`]...) make their own for
//! the call. Each part is built on first use: a command that only ranks vendors never selects
//! obligations.

use std::sync::{Arc, OnceLock};

use riskgraph_model::Inventory;
use riskgraph_model::selector::{NodeIndex, NodeLists};

use crate::exposure::NodeFacts;
use crate::per_node::PerNode;
use crate::supply_chain::VendorTies;

/// The indexes of one inventory, each built the first time it is asked for.
///
/// They know nothing of the inventory they index: always view them over the same one
/// ([`Indexes::of`]).
#[derive(Default)]
pub struct Indexes {
    nodes: OnceLock<NodeLists>,
    facts: OnceLock<NodeFacts>,
    obligations: OnceLock<Arc<PerNode>>,
    vendor_ties: OnceLock<VendorTies>,
}

impl Indexes {
    /// Indexes that start from `lists`, the node lists loading built, when it built them.
    pub fn with_node_lists(lists: Option<NodeLists>) -> Self {
        Self {
            nodes: lists.map_or_else(OnceLock::new, OnceLock::from),
            ..Self::default()
        }
    }

    /// These indexes over `inventory`, the inventory they are (or will be) built from.
    pub fn of<'a>(&'a self, inventory: &'a Inventory) -> Indexed<'a> {
        Indexed {
            inventory,
            indexes: self,
        }
    }
}

/// An inventory with its [`Indexes`]: what the steps of an assessment are handed.
///
/// A part is built on the first call that asks for it. Ask for the parts before parallel work
/// that needs them: a thread that builds one would make the others wait.
#[derive(Clone, Copy)]
pub struct Indexed<'a> {
    inventory: &'a Inventory,
    indexes: &'a Indexes,
}

impl<'a> Indexed<'a> {
    pub fn inventory(self) -> &'a Inventory {
        self.inventory
    }

    /// The index selectors select through.
    pub fn nodes(self) -> NodeIndex<'a> {
        let lists = self
            .indexes
            .nodes
            .get_or_init(|| NodeLists::new(self.inventory));
        NodeIndex::over(self.inventory, lists)
    }

    /// What each node is worth to exposure and reach summaries.
    pub fn facts(self) -> &'a NodeFacts {
        self.indexes
            .facts
            .get_or_init(|| NodeFacts::indexed(self.inventory, &self.nodes()))
    }

    /// Per node, the obligations whose `applies_to` selects it: what the rules see of a
    /// scenario's obligations, and what coverage and the Statement of Applicability count.
    pub(crate) fn obligations(self) -> &'a Arc<PerNode> {
        self.indexes
            .obligations
            .get_or_init(|| Arc::new(PerNode::obligations(self.inventory, &self.nodes())))
    }

    /// Which vendors depend on which, and which the organization uses only through another.
    pub fn vendor_ties(self) -> &'a VendorTies {
        self.indexes
            .vendor_ties
            .get_or_init(|| VendorTies::new(self.inventory))
    }
}
