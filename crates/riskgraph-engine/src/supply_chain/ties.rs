//! Which vendors depend on which, directly or through other nodes, and which vendors the
//! organization depends on only through another vendor.
//!
//! These are facts of the dependency rows alone, whatever the factors: a vendor depends on a
//! provider when a chain of dependency rows leads from it to the provider. Vendors depend on few
//! things, so each vendor's walk towards its providers is short; the walks stop at the first
//! vendor they meet, which gives the graph of vendors on vendors. That graph is condensed with
//! petgraph (vendors that depend on each other in a cycle become one node), and each condensed
//! node's providers are the union of its successors' and their providers, taken in petgraph's
//! order of the condensation, which comes successors first.

use petgraph::graph::{DiGraph, NodeIndex};
use rayon::prelude::*;
use riskgraph_model::{Inventory, NodeDetail, NodeIdx};

use crate::per_node::PerNode;
use crate::pool::Pool;

/// The vendors under each vendor, and whether the organization depends on each directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorTies {
    /// The vendors of the inventory, in node order.
    vendors: Vec<NodeIdx>,
    /// Per vendor (at its position in `vendors`), the other vendors that depend on it, directly
    /// or through other nodes, in node order.
    dependents: Vec<Vec<NodeIdx>>,
    /// Per vendor, whether an in-scope asset or process depends on it other than through
    /// another vendor.
    direct: Vec<bool>,
}

impl VendorTies {
    pub fn new(inventory: &Inventory) -> Self {
        let n = inventory.nodes.len();
        let vendors: Vec<NodeIdx> = (0..n as NodeIdx)
            .filter(|&node| is_vendor(inventory, node))
            .collect();
        let depends_on = PerNode::grouped(
            n,
            inventory
                .dependencies
                .iter()
                .filter(|d| d.from != d.to)
                .map(|d| (d.from, d.to)),
        );
        let position = |node: NodeIdx| vendors.binary_search(&node).ok();
        let providers = nearest_vendors(inventory, &depends_on, &vendors);
        let under = transitive(&providers);
        let mut dependents = vec![Vec::new(); vendors.len()];
        for (v, providers) in under.iter().enumerate() {
            for &p in providers {
                dependents[p as usize].push(vendors[v]);
            }
        }
        let mut direct = vec![false; vendors.len()];
        for vendor in used_directly(inventory, &depends_on) {
            if let Some(at) = position(vendor) {
                direct[at] = true;
            }
        }
        Self {
            vendors,
            dependents,
            direct,
        }
    }

    /// The vendors of the inventory, in node order.
    pub fn vendors(&self) -> &[NodeIdx] {
        &self.vendors
    }

    /// The other vendors that depend on `vendor`, directly or not, in node order; none for a node
    /// that is not a vendor.
    pub fn dependents(&self, vendor: NodeIdx) -> &[NodeIdx] {
        self.position(vendor)
            .map_or(&[], |at| self.dependents[at].as_slice())
    }

    /// Whether other vendors depend on `vendor`: a fourth party, your vendor's vendor.
    pub fn is_fourth_party(&self, vendor: NodeIdx) -> bool {
        !self.dependents(vendor).is_empty()
    }

    /// Whether `vendor` is a fourth party that no in-scope asset or process depends on except
    /// through another vendor, so that no review of the organization's own suppliers covers it.
    pub fn is_hidden(&self, vendor: NodeIdx) -> bool {
        self.position(vendor)
            .is_some_and(|at| !self.direct[at] && !self.dependents[at].is_empty())
    }

    fn position(&self, vendor: NodeIdx) -> Option<usize> {
        self.vendors.binary_search(&vendor).ok()
    }
}

fn is_vendor(inventory: &Inventory, node: NodeIdx) -> bool {
    matches!(inventory.node(node).detail, NodeDetail::Vendor(_))
}

/// Per vendor (by position), the positions of the vendors it depends on with no other vendor in
/// between, in increasing order.
fn nearest_vendors(
    inventory: &Inventory,
    depends_on: &PerNode,
    vendors: &[NodeIdx],
) -> Vec<Vec<u32>> {
    let n = inventory.nodes.len();
    // A stamp per node, the walk's number: no clearing between walks.
    let pool = Pool::new(|| (vec![u32::MAX; n], Vec::new()));
    let (offsets, targets) = depends_on.arrays();
    vendors
        .par_iter()
        .enumerate()
        .map_init(
            || pool.take(),
            |scratch, (walk, &vendor)| {
                let (seen, stack) = &mut **scratch;
                let mut found = Vec::new();
                stack.clear();
                stack.push(vendor);
                seen[vendor as usize] = walk as u32;
                while let Some(node) = stack.pop() {
                    let range =
                        offsets[node as usize] as usize..offsets[node as usize + 1] as usize;
                    for &next in &targets[range] {
                        if std::mem::replace(&mut seen[next as usize], walk as u32) == walk as u32 {
                            continue;
                        }
                        match vendors.binary_search(&next) {
                            Ok(at) => found.push(at as u32),
                            Err(_) => stack.push(next),
                        }
                    }
                }
                found.sort_unstable();
                found
            },
        )
        .collect()
}

/// Per vendor (by position), every vendor it depends on, directly or through others (itself only
/// when it is on a cycle, which the caller leaves out), in increasing order.
fn transitive(providers: &[Vec<u32>]) -> Vec<Vec<u32>> {
    let mut graph: DiGraph<u32, ()> = DiGraph::with_capacity(providers.len(), 0);
    for v in 0..providers.len() {
        graph.add_node(v as u32);
    }
    for (v, list) in providers.iter().enumerate() {
        for &p in list {
            graph.add_edge(NodeIndex::new(v), NodeIndex::new(p as usize), ());
        }
    }
    // Kosaraju's components come in reverse topological order: a condensed node's successors
    // come before it, so their closures are complete when it is reached.
    let condensed = petgraph::algo::condensation(graph, true);
    let mut closure: Vec<Vec<u32>> = vec![Vec::new(); condensed.node_count()];
    let mut under = vec![Vec::new(); providers.len()];
    for component in condensed.node_indices() {
        let members = &condensed[component];
        let mut all: Vec<u32> = if members.len() > 1 {
            members.clone()
        } else {
            Vec::new()
        };
        for next in condensed.neighbors(component) {
            all.extend_from_slice(&condensed[next]);
            all.extend_from_slice(&closure[next.index()]);
        }
        all.sort_unstable();
        all.dedup();
        for &member in members {
            under[member as usize] = all.iter().copied().filter(|&p| p != member).collect();
        }
        closure[component.index()] = all;
    }
    under
}

/// The vendors that an in-scope asset or process depends on with no other vendor in between.
fn used_directly(inventory: &Inventory, depends_on: &PerNode) -> Vec<NodeIdx> {
    let n = inventory.nodes.len();
    let (offsets, targets) = depends_on.arrays();
    let mut seen = vec![false; n];
    let mut stack: Vec<NodeIdx> = (0..n as NodeIdx)
        .filter(|&node| inventory.node(node).in_scope && !is_vendor(inventory, node))
        .collect();
    for &node in &stack {
        seen[node as usize] = true;
    }
    let mut used = Vec::new();
    while let Some(node) = stack.pop() {
        let range = offsets[node as usize] as usize..offsets[node as usize + 1] as usize;
        for &next in &targets[range] {
            if std::mem::replace(&mut seen[next as usize], true) {
                continue;
            }
            if is_vendor(inventory, next) {
                used.push(next);
            } else {
                stack.push(next);
            }
        }
    }
    used
}
