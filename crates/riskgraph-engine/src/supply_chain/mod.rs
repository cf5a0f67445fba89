//! The supply chain, both directions: what can take a node down (`blast-radius --into`) and its
//! single points of failure; the providers under the vendors (fourth parties), whether anyone
//! reviews them, and where the organization concentrates on one provider.
//!
//! Upstream is propagation read backwards: the impact on a target of a failure at `x` is what a
//! search from `x` gives the target. One search over the impact graph turned round
//! ([`ImpactGraph::upstream`]) gives it for every `x` at once, with the same fixed-point costs, so
//! the numbers are exactly those of `--from x`, and the search is the tuned one.

mod fourth_parties;
mod ties;

use riskgraph_model::values::Property;
use riskgraph_model::{Inventory, NodeIdx};

use crate::exposure::{Exposure, Workspace};
use crate::propagation::{Cost, ImpactGraph, Limits, Search, cost_of, impact_of};

pub use fourth_parties::{
    CONCENTRATION_PROCESSES, CONCENTRATION_VENDORS, Concentration, FourthParty, concentration,
    fourth_parties, sole_provider_of,
};
pub use ties::VendorTies;

/// The availability impact from which a node's failure alone takes a target down: nothing on the
/// way takes over (a redundant dependency keeps at most 0.3 of it).
pub const DEFAULT_SPOF: f64 = 0.8;

/// A node whose failure alone reaches a target's availability at the single-point-of-failure
/// threshold or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SinglePoint {
    pub node: NodeIdx,
    /// The cost of its strongest availability path to the target.
    pub cost: Cost,
    pub hops: u32,
}

impl SinglePoint {
    pub fn impact(&self) -> f64 {
        impact_of(self.cost)
    }
}

/// What can take some targets down: every node whose failure or breach reaches one of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Upstream {
    /// The targets as origins, then every node that reaches them, strongest first. A node's hits
    /// are the impact its failure has on the targets (the strongest over them) per property; its
    /// parent is the next node on its strongest path towards them, and the dependency row between
    /// the two (the parent depends on it).
    pub exposure: Exposure,
    /// The threshold of the single points of failure.
    pub spof: f64,
    /// The nodes other than the targets whose failure alone reaches a target's availability at
    /// `spof` or more, within the same limits; strongest first, then fewest hops, node order.
    pub single_points_of_failure: Vec<SinglePoint>,
    /// The same nodes in node order, to look them up.
    sorted: Vec<NodeIdx>,
}

impl Upstream {
    /// What reaches `targets` over `properties` within `limits`, through `graph` (the impact graph
    /// as built, not its upstream), with the single points of failure at `spof` (0..=1).
    pub fn compute(
        graph: &ImpactGraph,
        workspace: &mut Workspace,
        targets: &[NodeIdx],
        properties: &[Property],
        limits: Limits,
        spof: f64,
    ) -> Self {
        let exposure = Exposure::compute(graph.upstream(), workspace, targets, properties, limits);
        let mut search = Search::new(graph.node_count());
        let single_points_of_failure =
            single_points_of_failure(graph, &mut search, targets, limits, spof);
        let mut sorted: Vec<NodeIdx> = single_points_of_failure.iter().map(|s| s.node).collect();
        sorted.sort_unstable();
        Self {
            exposure,
            spof,
            single_points_of_failure,
            sorted,
        }
    }

    pub fn is_single_point_of_failure(&self, node: NodeIdx) -> bool {
        self.sorted.binary_search(&node).is_ok()
    }
}

/// The nodes other than `targets` whose failure alone reaches a target's availability at `spof`
/// or more (and within `limits`), strongest first, then fewest hops, then node order. `search`
/// must be sized for `graph`.
pub fn single_points_of_failure(
    graph: &ImpactGraph,
    search: &mut Search,
    targets: &[NodeIdx],
    limits: Limits,
    spof: f64,
) -> Vec<SinglePoint> {
    let upstream = graph.upstream();
    let limits = Limits {
        max_cost: limits.max_cost.min(spof_cost(spof)),
        max_depth: limits.max_depth,
    };
    let internal: Vec<NodeIdx> = targets.iter().map(|&t| upstream.internal(t)).collect();
    search.explore(upstream.property(Property::Availability), &internal, limits);
    let mut points: Vec<SinglePoint> = search
        .reached()
        // The targets are the origins, with no hop.
        .filter(|label| label.hops > 0)
        .map(|label| SinglePoint {
            node: upstream.external(label.node),
            cost: label.cost,
            hops: label.hops,
        })
        .collect();
    points.sort_unstable_by_key(|p| (p.cost, p.hops, p.node));
    points
}

/// The single points of failure of every critical process, as [`single_points_of_failure`] at
/// the default threshold and limits; none for any other node.
pub fn of_critical_process(
    inventory: &Inventory,
    graph: &ImpactGraph,
    node: NodeIdx,
) -> Vec<SinglePoint> {
    let critical = matches!(
        &inventory.node(node).detail,
        riskgraph_model::NodeDetail::Process(p)
            if p.criticality.is_some_and(|c| c.get() >= crate::rank::CRITICAL_PROCESS)
    );
    if !critical {
        return Vec::new();
    }
    let mut search = Search::new(graph.node_count());
    single_points_of_failure(graph, &mut search, &[node], Limits::default(), DEFAULT_SPOF)
}

/// The largest cost that is still a single point of failure at `spof`: the threshold's own cost
/// counts, as `--min`'s does; every impact is at least 0.
pub(crate) fn spof_cost(spof: f64) -> Cost {
    cost_of(spof).unwrap_or(Cost::MAX)
}
