//! Vendors ranked by their transitive blast radius: every vendor's exposure over the three
//! properties, computed in parallel, reduced to the figures a third-party risk review asks for.

use std::sync::Mutex;

use rayon::prelude::*;
use riskgraph_model::values::Property;
use riskgraph_model::{Inventory, NodeDetail, NodeIdx};

use crate::exposure::{Exposure, NodeFacts, Workspace};
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
    let pool = WorkspacePool::new(inventory.nodes.len());
    let mut ranks: Vec<VendorRank> = vendors
        .par_iter()
        .map_init(
            || pool.take(),
            |workspace, &vendor| {
                let exposure = Exposure::compute(graph, workspace, &[vendor], properties, limits);
                rank_one(inventory, facts, &exposure)
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

fn rank_one(inventory: &Inventory, facts: &NodeFacts, exposure: &Exposure) -> VendorRank {
    let vendor = exposure.origins[0];
    let summary = exposure.summary(inventory, facts);
    let mut score = 0.0;
    let mut single_points_of_failure = Vec::new();
    for reached in exposure.dependents() {
        let n = reached.node as usize;
        if !facts.in_scope[n] {
            continue;
        }
        let best = exposure
            .properties
            .iter()
            .filter_map(|&p| {
                reached
                    .impact(p)
                    .map(|impact| f64::from(facts.value[n][p as usize]) * impact)
            })
            .fold(0.0, f64::max);
        score += best;
        if let NodeDetail::Process(process) = &inventory.nodes[n].detail {
            let critical = process
                .criticality
                .is_some_and(|c| c.get() >= CRITICAL_PROCESS);
            let alone = reached
                .hit(Property::Availability)
                .is_some_and(|hit| !hit.redundant);
            if critical && alone {
                single_points_of_failure.push(reached.node);
            }
        }
    }
    single_points_of_failure.sort_unstable();
    let mut fourth_parties = summary.vendors.clone();
    fourth_parties.sort_unstable();
    VendorRank {
        vendor,
        // Summing in the exposure's fixed order keeps the score identical on every run; rounding
        // to 1/1000 keeps it readable.
        score: (score * 1000.0).round() / 1000.0,
        reached: summary.reached,
        processes: summary.processes.len(),
        commitments: summary.commitments.len(),
        in_scope_assets: summary.in_scope_assets,
        fourth_parties,
        single_points_of_failure,
    }
}

/// Workspaces handed out to rayon jobs and given back when a job ends, so a ranking allocates one
/// node-sized workspace per thread rather than one per job.
pub struct WorkspacePool {
    node_count: usize,
    free: Mutex<Vec<Workspace>>,
}

impl WorkspacePool {
    pub fn new(node_count: usize) -> Self {
        Self {
            node_count,
            free: Mutex::new(Vec::new()),
        }
    }

    pub fn take(&self) -> Pooled<'_> {
        let workspace = self
            .free
            .lock()
            .ok()
            .and_then(|mut free| free.pop())
            .unwrap_or_else(|| Workspace::new(self.node_count));
        Pooled {
            pool: self,
            workspace: Some(workspace),
        }
    }
}

/// A workspace on loan from a [`WorkspacePool`].
pub struct Pooled<'a> {
    pool: &'a WorkspacePool,
    workspace: Option<Workspace>,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Workspace;
    fn deref(&self) -> &Workspace {
        self.workspace.as_ref().expect("present until dropped")
    }
}

impl std::ops::DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Workspace {
        self.workspace.as_mut().expect("present until dropped")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let (Some(workspace), Ok(mut free)) = (self.workspace.take(), self.pool.free.lock()) {
            free.push(workspace);
        }
    }
}
