//! Lists per node as compressed arrays: the general grouping behind the commitments, obligations
//! and controls of each node, the graph's edge arrays and the cycle checks.

use rayon::prelude::*;
use riskgraph_model::{Inventory, NodeIdx};

use crate::exposure::select_each;

/// Lists per node, as compressed arrays: the items of node `n` are `items[offsets[n]..offsets[n + 1]]`.
pub(crate) struct PerNode {
    offsets: Vec<u32>,
    items: Vec<u32>,
}

impl PerNode {
    /// Item `i` listed under every node that `selectors[i]` selects (none for `None`).
    pub(crate) fn selected<'s>(
        index: &riskgraph_model::selector::NodeIndex<'_>,
        selectors: impl Iterator<Item = Option<&'s riskgraph_model::selector::Selector>>,
    ) -> Self {
        let selected = select_each(index, selectors);
        let mut pairs: Vec<(NodeIdx, u32)> = Vec::new();
        for (i, nodes) in selected.iter().enumerate() {
            if let Some(nodes) = nodes {
                pairs.extend(nodes.iter().map(|&node| (node, i as u32)));
            }
        }
        Self::new(index.node_count(), &mut pairs)
    }

    /// Per node, the obligations whose `applies_to` selects it (what the rules see as a
    /// scenario's obligations).
    pub(crate) fn obligations(
        inventory: &Inventory,
        index: &riskgraph_model::selector::NodeIndex<'_>,
    ) -> Self {
        Self::selected(
            index,
            inventory.obligations.iter().map(|o| o.applies_to.as_ref()),
        )
    }

    /// The (node, item) `pairs` listed per node, each node's items in increasing order.
    pub(crate) fn new(node_count: usize, pairs: &mut [(NodeIdx, u32)]) -> Self {
        pairs.par_sort_unstable();
        Self::grouped(node_count, pairs.iter().copied())
    }

    /// The (node, item) `pairs` listed per node, each node's items in the order given.
    pub(crate) fn grouped(
        node_count: usize,
        pairs: impl Iterator<Item = (NodeIdx, u32)> + Clone,
    ) -> Self {
        let offsets = Self::offsets(node_count, pairs.clone().map(|(node, _)| node));
        let mut items = vec![0; offsets[node_count] as usize];
        let mut next = offsets.clone();
        for (node, item) in pairs {
            let slot = &mut next[node as usize];
            items[*slot as usize] = item;
            *slot += 1;
        }
        Self { offsets, items }
    }

    /// Compressed-array offsets for items grouped by node: the items of node `u` will be at
    /// `offsets[u]..offsets[u + 1]`, given each item's node.
    pub(crate) fn offsets(node_count: usize, nodes: impl Iterator<Item = NodeIdx>) -> Vec<u32> {
        let mut offsets = vec![0u32; node_count + 1];
        for node in nodes {
            offsets[node as usize + 1] += 1;
        }
        for i in 0..node_count {
            offsets[i + 1] += offsets[i];
        }
        offsets
    }

    /// The offsets and the items, for a walk that keeps positions in `items`.
    pub(crate) fn arrays(&self) -> (&[u32], &[u32]) {
        (&self.offsets, &self.items)
    }

    pub(crate) fn of(&self, node: NodeIdx) -> &[u32] {
        let n = node as usize;
        &self.items[self.offsets[n] as usize..self.offsets[n + 1] as usize]
    }
}
