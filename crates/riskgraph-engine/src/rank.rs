//! Vendors ranked by their transitive blast radius: every vendor's exposure over the three
//! properties, computed in parallel, reduced to the figures a third-party risk review asks for.

use rayon::prelude::*;
use riskgraph_model::values::Property;
use riskgraph_model::vocabulary::NodeKind;
use riskgraph_model::{Inventory, NodeDetail, NodeIdx};

use crate::exposure::{NodeFacts, Workspace, normalized};
use crate::pool::Pool;
use crate::propagation::{ImpactGraph, Limits};

/// The criticality from which a business process counts as critical (4 and 5 on the 1..5 scale).
pub const CRITICAL_PROCESS: u8 = 4;

/// One vendor's blast radius.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorRank {
    pub vendor: NodeIdx,
    /// The sum, over the in-scope nodes the vendor reaches (itself excluded), of the node's value
    /// times its attenuated impact, taking for each node the property where that product is
    /// largest (among the properties ranked on). Values are 1..5: an asset's C/I/A rating, a process's or vendor's criticality.
    pub score: f64,
    pub reached: usize,
    pub processes: usize,
    pub commitments: usize,
    pub in_scope_assets: usize,
    /// Other vendors on its paths (fourth parties), by node order.
    pub fourth_parties: Vec<NodeIdx>,
    /// Critical processes whose strongest availability path from the vendor has no redundant
    /// dependency: nothing takes over when the vendor goes down.
    pub single_points_of_failure: Vec<NodeIdx>,
}

/// Ranks every vendor of the inventory by the failure of `properties`, highest score first (ties: vendor id order). Runs on the
/// current rayon thread pool; the result does not depend on its size.
pub fn rank_vendors(
    inventory: &Inventory,
    graph: &ImpactGraph,
    facts: &NodeFacts,
    properties: &[Property],
    limits: Limits,
) -> Vec<VendorRank> {
    let vendors: Vec<NodeIdx> = inventory
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, node)| matches!(node.detail, NodeDetail::Vendor(_)))
        .map(|(i, _)| i as NodeIdx)
        .collect();
    let properties = normalized(properties);
    let compact = CompactFacts::new(inventory, graph, facts);
    let n = inventory.nodes.len();
    let pool = Pool::new(|| Workspace::new(n));
    let mut ranks: Vec<VendorRank> = vendors
        .par_iter()
        .map_init(
            || pool.take(),
            |workspace, &vendor| {
                rank_one(
                    graph,
                    facts,
                    &compact,
                    workspace,
                    vendor,
                    &properties,
                    limits,
                )
            },
        )
        .collect();
    ranks.sort_by(|a, b| {
        b.score.total_cmp(&a.score).then_with(|| {
            inventory
                .node(a.vendor)
                .id
                .cmp(&inventory.node(b.vendor).id)
        })
    });
    ranks
}

/// What the ranking and the assessment's reach counts read of each node, four bytes per node in
/// the graph's internal order, so that folding a search that reaches most of the estate reads
/// memory front to back.
pub(crate) struct CompactFacts {
    /// Per internal node: the value per property, then the flags below.
    pub(crate) nodes: Vec<[u8; 4]>,
}

const IN_SCOPE: u8 = 1;
const ASSET: u8 = 1 << 1;
pub(crate) const PROCESS: u8 = 1 << 2;
const VENDOR: u8 = 1 << 3;
pub(crate) const CRITICAL: u8 = 1 << 4;
pub(crate) const COVERED: u8 = 1 << 5;

impl CompactFacts {
    pub(crate) fn new(inventory: &Inventory, graph: &ImpactGraph, facts: &NodeFacts) -> Self {
        let nodes = (0..graph.node_count() as NodeIdx)
            .map(|internal| {
                let node = graph.external(internal);
                let n = node as usize;
                let mut flags = match facts.kind[n] {
                    NodeKind::Asset => ASSET,
                    NodeKind::Process => PROCESS,
                    NodeKind::Vendor => VENDOR,
                };
                if facts.in_scope[n] {
                    flags |= IN_SCOPE;
                }
                if let NodeDetail::Process(process) = &inventory.nodes[n].detail
                    && process
                        .criticality
                        .is_some_and(|c| c.get() >= CRITICAL_PROCESS)
                {
                    flags |= CRITICAL;
                }
                if !facts.commitments(node).is_empty() {
                    flags |= COVERED;
                }
                let [c, i, a] = facts.value[n];
                [c, i, a, flags]
            })
            .collect();
        Self { nodes }
    }
}

/// `log2(v)` for a value `v` of 1..=5, in cost units (1/65536 of a halving).
fn value_bonus(value: u8) -> f64 {
    f64::from(value.max(1)).log2() * 65536.0
}

/// One vendor's figures, folded straight from the searches: a ranking needs no paths or order.
fn rank_one(
    graph: &ImpactGraph,
    facts: &NodeFacts,
    compact: &CompactFacts,
    workspace: &mut Workspace,
    vendor: NodeIdx,
    properties: &[Property],
    limits: Limits,
) -> VendorRank {
    let mut rank = VendorRank {
        vendor,
        score: 0.0,
        reached: 0,
        processes: 0,
        commitments: 0,
        in_scope_assets: 0,
        fourth_parties: Vec::new(),
        single_points_of_failure: Vec::new(),
    };
    let mut commitments = Vec::new();
    let origin = graph.internal(vendor);
    workspace.for_each_reached(graph, &[vendor], properties, limits, |internal, labels| {
        let [c, i, a, flags] = compact.nodes[internal as usize];
        // Commitments that cover the vendor itself are threatened too; the rest counts dependents.
        if flags & COVERED != 0 {
            commitments.extend_from_slice(facts.commitments(graph.external(internal)));
        }
        if internal == origin {
            return;
        }
        rank.reached += 1;
        if flags & VENDOR != 0 {
            rank.fourth_parties.push(graph.external(internal));
        } else if flags & PROCESS != 0 {
            rank.processes += 1;
        } else if flags & IN_SCOPE != 0 {
            rank.in_scope_assets += 1;
        }
        let critical = flags & PROCESS != 0 && flags & CRITICAL != 0;
        if critical && labels[Property::Availability as usize].is_some_and(|l| !l.redundant) {
            rank.single_points_of_failure.push(graph.external(internal));
        }
        if flags & IN_SCOPE == 0 {
            return;
        }
        // value x impact = 2^(log2(value) - cost / 65536): the largest over the properties is the
        // one with the smallest cost less the value's bonus, so one exp2 per node.
        let values = [c, i, a];
        let best = properties
            .iter()
            .filter_map(|&p| {
                let label = labels[p as usize]?;
                Some(f64::from(label.cost) - value_bonus(values[p as usize]))
            })
            .fold(f64::INFINITY, f64::min);
        rank.score += (-best / 65536.0).exp2();
    });
    commitments.sort_unstable();
    commitments.dedup();
    rank.commitments = commitments.len();
    rank.fourth_parties.sort_unstable();
    rank.single_points_of_failure.sort_unstable();
    // Nodes come in the same order on every run, so the sum is the same; rounding to 1/1000
    // keeps it readable.
    rank.score = (rank.score * 1000.0).round() / 1000.0;
    rank
}
