//! Reach summaries for every origin at once: what the rules see as a scenario's exposure.
//!
//! The assessment needs, for each of up to millions of scenarios, a few facts about what the
//! scenario's node reaches: the highest value times impact, the highest classification, whether
//! personal data is reached. One search per origin would cost the whole graph each time. These
//! facts compose along edges instead: "the cheapest path from `u` to a node with classification at
//! least `c`" is 0 when `u` itself qualifies, and otherwise the cheapest edge cost plus the same
//! figure at a dependent. So one pass over the graph, dependents before the nodes they depend on,
//! gives them for every origin; inside a strongly connected component a small Dijkstra settles
//! the members.
//!
//! Semantics, the same as a one-origin search's [`crate::exposure::Summary`] with the same
//! threshold and no depth limit: a node counts when its impact is at least the threshold, and the
//! origin itself counts. Costs are integers, so both ways give the same numbers exactly (tested
//! in `tests/propagation.rs`).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use riskgraph_model::NodeIdx;
use riskgraph_model::values::Property;
use riskgraph_model::vocabulary::Classification;

use crate::exposure::NodeFacts;
use crate::propagation::{Cost, ImpactGraph, Limits, impact_of};

/// How many figures a summary keeps: values at least 1..=5, classifications at least
/// public..=restricted, personal data, business processes of criticality at least 1..=5, and a node
/// covered by a commitment.
const FIGURES: usize = 5 + 4 + 1 + 5 + 1;
const VALUE: usize = 0;
const CLASSIFICATION: usize = 5;
const PERSONAL: usize = 9;
const PROCESS: usize = 10;
const COMMITMENT: usize = 15;

/// What an origin reaches, for one property: the smallest cost to a node of each kind of interest,
/// or `Cost::MAX` when none is reached within the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReachSummary {
    costs: [Cost; FIGURES],
}

impl ReachSummary {
    const NONE: Self = Self {
        costs: [Cost::MAX; FIGURES],
    };

    /// The largest value times impact reached: a value of 1..=5 times the impact of the cheapest
    /// path to a node of at least that value.
    pub fn max_value(&self) -> Option<f64> {
        (1..=5u8)
            .filter_map(|v| {
                let cost = self.costs[VALUE + usize::from(v) - 1];
                (cost != Cost::MAX).then(|| f64::from(v) * impact_of(cost))
            })
            .max_by(f64::total_cmp)
    }

    /// The highest classification reached.
    pub fn highest_classification(&self) -> Option<Classification> {
        CLASSIFICATIONS
            .iter()
            .enumerate()
            .rev()
            .find(|&(i, _)| self.costs[CLASSIFICATION + i] != Cost::MAX)
            .map(|(_, &c)| c)
    }

    /// The strongest impact with which personal data is reached, if it is.
    pub fn personal_data(&self) -> Option<f64> {
        let cost = self.costs[PERSONAL];
        (cost != Cost::MAX).then(|| impact_of(cost))
    }

    /// The highest criticality of a business process reached (the origin included), if any.
    pub fn max_process_criticality(&self) -> Option<u8> {
        (1..=5u8)
            .rev()
            .find(|&r| self.costs[PROCESS + usize::from(r) - 1] != Cost::MAX)
    }

    /// Whether a node that a commitment covers is reached (the origin included).
    pub fn commitment_reached(&self) -> bool {
        self.costs[COMMITMENT] != Cost::MAX
    }

    /// What the rules see of the exposure for a threat that affects `summaries`' properties: the
    /// strongest of each figure over them.
    pub fn exposure(summaries: &[&Self]) -> crate::rules::views::ExposureData {
        let max_value = summaries
            .iter()
            .filter_map(|s| s.max_value())
            .fold(0.0, f64::max);
        crate::rules::views::ExposureData {
            max_value,
            highest_classification: summaries
                .iter()
                .filter_map(|s| s.highest_classification())
                .max()
                .map_or_else(String::new, |c| {
                    riskgraph_model::vocabulary::Vocabulary::as_str(c).to_owned()
                }),
            personal_data: summaries.iter().any(|s| s.personal_data().is_some()),
            max_process_criticality: summaries
                .iter()
                .filter_map(|s| s.max_process_criticality())
                .max()
                .map_or(0, i64::from),
            commitment_reached: summaries.iter().any(|s| s.commitment_reached()),
            ..crate::rules::views::ExposureData::default()
        }
    }

    /// The figures of a node by itself.
    fn own(facts: &NodeFacts, node: NodeIdx, property: Property) -> Self {
        let n = node as usize;
        let mut own = Self::NONE;
        let value = facts.value[n][property as usize];
        for v in 1..=value.min(5) {
            own.costs[VALUE + usize::from(v) - 1] = 0;
        }
        if let Some(classification) = facts.classification[n] {
            for (i, c) in CLASSIFICATIONS.iter().enumerate() {
                if *c <= classification {
                    own.costs[CLASSIFICATION + i] = 0;
                }
            }
        }
        if facts.personal_data[n] {
            own.costs[PERSONAL] = 0;
        }
        if facts.kind[n] == riskgraph_model::vocabulary::NodeKind::Process {
            // A process's value is its criticality, for every property.
            for r in 1..=value.min(5) {
                own.costs[PROCESS + usize::from(r) - 1] = 0;
            }
        }
        if !facts.commitments(node).is_empty() {
            own.costs[COMMITMENT] = 0;
        }
        own
    }

    /// Takes, figure by figure, the cheaper of `self` and `other` reached over an edge of `cost`;
    /// returns whether anything improved.
    fn absorb(&mut self, other: &Self, cost: Cost, max_cost: Cost) -> bool {
        let mut improved = false;
        for (mine, theirs) in self.costs.iter_mut().zip(&other.costs) {
            let through = theirs.saturating_add(cost);
            if through <= max_cost && through < *mine {
                *mine = through;
                improved = true;
            }
        }
        improved
    }
}

const CLASSIFICATIONS: [Classification; 4] = [
    Classification::Public,
    Classification::Internal,
    Classification::Confidential,
    Classification::Restricted,
];

/// The reach summary of every node (by inventory index) as an origin, for `property`, within the
/// threshold of `limits` (its depth limit does not apply here).
pub fn summaries(
    graph: &ImpactGraph,
    facts: &NodeFacts,
    property: Property,
    limits: Limits,
) -> Vec<ReachSummary> {
    let pg = graph.property(property);
    let n = graph.node_count();
    let max_cost = limits.max_cost;
    // By internal number; dependents have higher numbers, so walk down.
    let mut by_internal = vec![ReachSummary::NONE; n];
    let mut internal = n as NodeIdx;
    while internal > 0 {
        let end = internal;
        let start = pg.component_start(end - 1);
        for u in (start..end).rev() {
            let mut summary = ReachSummary::own(facts, graph.external(u), property);
            for (dependent, cost) in pg.dependents_of(u) {
                if dependent >= end {
                    let other = by_internal[dependent as usize];
                    summary.absorb(&other, cost, max_cost);
                }
            }
            by_internal[u as usize] = summary;
        }
        if end - start > 1 {
            settle_component(
                pg_edges_inside(pg, start, end),
                &mut by_internal,
                start,
                end,
                max_cost,
            );
        }
        internal = start;
    }
    let mut by_node = vec![ReachSummary::NONE; n];
    for (i, summary) in by_internal.into_iter().enumerate() {
        by_node[graph.external(i as NodeIdx) as usize] = summary;
    }
    by_node
}

/// The edges between members of the component `[start, end)`: (from, to, cost).
fn pg_edges_inside(
    pg: &crate::propagation::PropertyGraph,
    start: NodeIdx,
    end: NodeIdx,
) -> Vec<(NodeIdx, NodeIdx, Cost)> {
    (start..end)
        .flat_map(|u| {
            pg.dependents_of(u)
                .filter(move |&(d, _)| (start..end).contains(&d))
                .map(move |(d, cost)| (u, d, cost))
        })
        .collect()
}

/// Inside a component, a member reaches what its dependents in the component reach: per figure,
/// a multi-source Dijkstra backwards over the component's edges, from the figures each member has
/// from itself and from outside.
fn settle_component(
    edges: Vec<(NodeIdx, NodeIdx, Cost)>,
    summaries: &mut [ReachSummary],
    start: NodeIdx,
    end: NodeIdx,
    max_cost: Cost,
) {
    let size = (end - start) as usize;
    // Edges into each member (the member depended on), as (member depending on it, cost).
    let mut into: Vec<Vec<(NodeIdx, Cost)>> = vec![Vec::new(); size];
    for (u, d, cost) in edges {
        into[(d - start) as usize].push((u, cost));
    }
    for figure in 0..FIGURES {
        let mut heap: BinaryHeap<Reverse<(Cost, NodeIdx)>> = (start..end)
            .map(|u| Reverse((summaries[u as usize].costs[figure], u)))
            .filter(|Reverse((cost, _))| *cost != Cost::MAX)
            .collect();
        while let Some(Reverse((cost, d))) = heap.pop() {
            if cost != summaries[d as usize].costs[figure] {
                continue;
            }
            for &(u, edge) in &into[(d - start) as usize] {
                let through = cost.saturating_add(edge);
                let mine = &mut summaries[u as usize].costs[figure];
                if through <= max_cost && through < *mine {
                    *mine = through;
                    heap.push(Reverse((through, u)));
                }
            }
        }
    }
}
