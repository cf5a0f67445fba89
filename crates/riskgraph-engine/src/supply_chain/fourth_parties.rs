//! Fourth parties (the providers other vendors depend on) ranked by what they reach, and the
//! providers the organization concentrates on.

use rayon::prelude::*;
use riskgraph_model::values::Property;
use riskgraph_model::{Inventory, NodeDetail, NodeIdx};

use super::{VendorTies, spof_cost};
use crate::exposure::{NodeFacts, Workspace, normalized};
use crate::pool::Pool;
use crate::propagation::{ImpactGraph, Limits, Search};
use crate::rank::{COVERED, CRITICAL, CRITICAL_PROCESS, CompactFacts, PROCESS};

/// A provider under other vendors: your vendor's vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FourthParty {
    pub provider: NodeIdx,
    /// The other vendors that depend on it, directly or not, in node order.
    pub vendors: Vec<NodeIdx>,
    /// No in-scope asset or process depends on it except through another vendor.
    pub hidden: bool,
    /// The critical processes (criticality 4 or 5) its failure or breach reaches, in node order.
    pub critical_processes: Vec<NodeIdx>,
    /// The commitments (positions in the inventory) whose `covers` selects it or a node it
    /// reaches, in file order.
    pub commitments: Vec<u32>,
}

/// Every fourth party of the inventory, ranked by the critical processes it reaches, then the
/// vendors that depend on it (most first), then id. What it reaches is propagated over
/// `properties` within `limits`, in parallel; the result does not depend on the thread count.
pub fn fourth_parties(
    inventory: &Inventory,
    graph: &ImpactGraph,
    facts: &NodeFacts,
    ties: &VendorTies,
    properties: &[Property],
    limits: Limits,
) -> Vec<FourthParty> {
    let providers: Vec<NodeIdx> = ties
        .vendors()
        .iter()
        .copied()
        .filter(|&vendor| ties.is_fourth_party(vendor))
        .collect();
    let properties = normalized(properties);
    let compact = CompactFacts::new(inventory, graph, facts);
    let n = inventory.nodes.len();
    let pool = Pool::new(|| Workspace::new(n));
    let mut ranked: Vec<FourthParty> = providers
        .par_iter()
        .map_init(
            || pool.take(),
            |workspace, &provider| {
                let (critical_processes, commitments) = reach(
                    graph,
                    facts,
                    &compact,
                    workspace,
                    provider,
                    &properties,
                    limits,
                );
                FourthParty {
                    provider,
                    vendors: ties.dependents(provider).to_vec(),
                    hidden: ties.is_hidden(provider),
                    critical_processes,
                    commitments,
                }
            },
        )
        .collect();
    ranked.sort_by(|a, b| {
        b.critical_processes
            .len()
            .cmp(&a.critical_processes.len())
            .then(b.vendors.len().cmp(&a.vendors.len()))
            .then_with(|| {
                inventory
                    .node(a.provider)
                    .id
                    .cmp(&inventory.node(b.provider).id)
            })
    });
    ranked
}

/// The critical processes and the commitments a failure of `provider` reaches, folded from the
/// searches as the vendor ranking does.
fn reach(
    graph: &ImpactGraph,
    facts: &NodeFacts,
    compact: &CompactFacts,
    workspace: &mut Workspace,
    provider: NodeIdx,
    properties: &[Property],
    limits: Limits,
) -> (Vec<NodeIdx>, Vec<u32>) {
    let origin = graph.internal(provider);
    let mut processes = Vec::new();
    let mut commitments = Vec::new();
    workspace.for_each_reached(graph, &[provider], properties, limits, |internal, _| {
        let flags = compact.nodes[internal as usize][3];
        // Commitments that cover the provider itself are threatened too.
        if flags & COVERED != 0 {
            commitments.extend_from_slice(facts.commitments(graph.external(internal)));
        }
        if internal != origin && flags & PROCESS != 0 && flags & CRITICAL != 0 {
            processes.push(graph.external(internal));
        }
    });
    processes.sort_unstable();
    commitments.sort_unstable();
    commitments.dedup();
    (processes, commitments)
}

/// How many critical vendors depending on one provider make a concentration.
pub const CONCENTRATION_VENDORS: usize = 3;
/// How many critical processes with no alternative to one provider make a concentration.
pub const CONCENTRATION_PROCESSES: usize = 2;

/// A provider the organization concentrates on (EU DORA Art. 29): several critical vendors
/// under it, or several critical processes with no alternative to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concentration {
    pub provider: NodeIdx,
    /// The critical vendors (criticality 4 or 5) that depend on it, directly or not, in node
    /// order.
    pub critical_vendors: Vec<NodeIdx>,
    /// The critical processes its failure alone takes down (see [`sole_provider_of`]).
    pub sole_provider_of: Vec<NodeIdx>,
}

/// Every vendor under [`CONCENTRATION_VENDORS`] critical vendors or more, or the sole provider of
/// [`CONCENTRATION_PROCESSES`] critical processes or more at threshold `spof`, in node order.
pub fn concentration(
    inventory: &Inventory,
    graph: &ImpactGraph,
    ties: &VendorTies,
    spof: f64,
) -> Vec<Concentration> {
    let pool = Pool::new(|| Search::new(graph.node_count()));
    ties.vendors()
        .par_iter()
        .map_init(
            || pool.take(),
            |search, &provider| {
                let critical_vendors: Vec<NodeIdx> = ties
                    .dependents(provider)
                    .iter()
                    .copied()
                    .filter(|&vendor| is_critical(inventory, vendor))
                    .collect();
                let sole = sole_provider_with(inventory, graph, search, provider, spof);
                Concentration {
                    provider,
                    critical_vendors,
                    sole_provider_of: sole,
                }
            },
        )
        .filter(|c| {
            c.critical_vendors.len() >= CONCENTRATION_VENDORS
                || c.sole_provider_of.len() >= CONCENTRATION_PROCESSES
        })
        .collect()
}

/// The critical processes whose availability a failure of `node` alone reaches at `spof` or
/// more: it is their single point of failure. In node order.
pub fn sole_provider_of(
    inventory: &Inventory,
    graph: &ImpactGraph,
    node: NodeIdx,
    spof: f64,
) -> Vec<NodeIdx> {
    let mut search = Search::new(graph.node_count());
    sole_provider_with(inventory, graph, &mut search, node, spof)
}

fn sole_provider_with(
    inventory: &Inventory,
    graph: &ImpactGraph,
    search: &mut Search,
    node: NodeIdx,
    spof: f64,
) -> Vec<NodeIdx> {
    let limits = Limits {
        max_cost: Limits::default().max_cost.min(spof_cost(spof)),
        max_depth: None,
    };
    search.explore(
        graph.property(Property::Availability),
        &[graph.internal(node)],
        limits,
    );
    let mut processes: Vec<NodeIdx> = search
        .reached()
        .filter(|label| label.hops > 0)
        .map(|label| graph.external(label.node))
        .filter(|&reached| {
            matches!(inventory.node(reached).detail, NodeDetail::Process(_))
                && is_critical(inventory, reached)
        })
        .collect();
    processes.sort_unstable();
    processes
}

/// A process or vendor of criticality 4 or 5.
fn is_critical(inventory: &Inventory, node: NodeIdx) -> bool {
    inventory
        .node(node)
        .criticality()
        .is_some_and(|c| c.get() >= CRITICAL_PROCESS)
}
