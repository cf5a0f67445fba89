//! Impact propagation: from a failing or compromised node, impact flows to everything that depends
//! on it, attenuated along each dependency by a factor in 0..1, keeping the strongest path.
//!
//! # Fixed-point impacts
//!
//! A factor `f` is stored as its *cost* `-log2(f)` in units of 1/65536 ([`Cost`]), so the impact of a
//! path, the product of its factors, is the exact integer sum of their costs. Integer sums do not
//! depend on the order in which they are added: a one-origin search, a search with a depth limit
//! and the all-origins summaries in [`crate::reach`] give the same numbers, whatever the order in
//! which threads explore the graph. The rounding moves an impact by less than 0.002 % of its value.
//!
//! # Semantics
//!
//! From the origins (impact 1, hop 0), a node's impact is the largest product of factors over the
//! paths that reach it (the smallest total cost); among those paths, the ones with fewest hops
//! count, and its parent is the first edge, in graph order (failing node, then dependency row),
//! that ends such a path. A node is reached when its impact is at least the threshold (`--min`,
//! default 0.05) and, with a depth limit, when that strongest path has at most that many hops: the
//! limits cut the tree of strongest paths without changing any impact or path in what remains.
//! Factors never exceed 1, so the impact never grows along a path and cycles end by themselves.

use std::collections::HashMap;

use riskgraph_model::records::Dependency;
use riskgraph_model::values::Property;
use riskgraph_model::vocabulary::DependencyKind;
use riskgraph_model::{Inventory, NodeIdx};
use serde::Serialize;

/// Attenuation in fixed point: `-log2(factor)` in units of 1/65536. 0 is full impact.
pub type Cost = u32;

/// A factor of 0 (the edge does not carry the property) has no cost: the edge is left out.
const COST_SCALE: f64 = 65536.0;

/// The default threshold below which impact stops propagating.
pub const DEFAULT_MIN_IMPACT: f64 = 0.05;

/// The cost of a factor in 0..=1, or `None` for a factor of 0.
pub fn cost_of(factor: f64) -> Option<Cost> {
    if factor.is_nan() || factor <= 0.0 {
        return None;
    }
    let cost = (-factor.min(1.0).log2() * COST_SCALE).round();
    // Costs beyond u32 are factors below 2^-65535: treat them as no impact at all.
    (cost < f64::from(u32::MAX)).then_some(cost as Cost)
}

/// The impact a cost stands for, in 0..=1.
pub fn impact_of(cost: Cost) -> f64 {
    (-f64::from(cost) / COST_SCALE).exp2()
}

/// Everything about a dependency row that its factor may depend on. Inventories have few distinct
/// profiles, so the factor function (and later the organization's Rhai rule) runs once per profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EdgeProfile {
    pub kind: DependencyKind,
    /// The strength as f32 bits, so profiles can be hashed.
    strength_bits: u32,
    pub redundant: bool,
    /// Whether the row lists the property in its `propagates` column.
    pub propagates: bool,
}

impl EdgeProfile {
    pub fn of(dependency: &Dependency, property: Property) -> Self {
        Self {
            kind: dependency.kind,
            strength_bits: dependency.strength.get().to_bits(),
            redundant: dependency.redundant,
            propagates: dependency.propagates.contains(property),
        }
    }

    pub fn strength(&self) -> f64 {
        f64::from(f32::from_bits(self.strength_bits))
    }
}

/// How much of a property's impact crosses a dependency of `kind`, before strength and
/// redundancy: (confidentiality, integrity, availability). Documented in ARCHITECTURE.md.
pub fn kind_factors(kind: DependencyKind) -> [f64; 3] {
    match kind {
        // Running on a host or keeping data in a store shares its fate completely.
        DependencyKind::RunsOn | DependencyKind::StoresDataIn => [1.0, 1.0, 1.0],
        // A hosting or service provider's breach reaches tenants only in part; its outage fully.
        DependencyKind::HostedBy | DependencyKind::ProvidedBy => [0.8, 0.8, 1.0],
        // Using a service exposes what is sent to it; most outages of a used service hurt.
        DependencyKind::Uses => [0.6, 0.7, 0.9],
        // Whoever manages a system holds its keys; an outage of the manager hurts less.
        DependencyKind::ManagedBy => [0.8, 0.8, 0.5],
        // A site's failure takes down what is in it; its breach is a physical-access risk.
        DependencyKind::LocatedIn => [0.4, 0.4, 1.0],
        DependencyKind::Other => [0.5, 0.5, 0.5],
    }
}

/// How much a redundant dependency keeps of the availability impact (the alternative takes over);
/// confidentiality and integrity are not weakened: a breach of either of two providers exposes
/// the data.
pub const REDUNDANT_AVAILABILITY: f64 = 0.3;

/// The built-in edge factor: the kind's factor for the property, times the row's strength, times
/// [`REDUNDANT_AVAILABILITY`] for availability over a redundant dependency; 0 when the row does not
/// propagate the property.
pub fn default_edge_factor(edge: &EdgeProfile, property: Property) -> f64 {
    if !edge.propagates {
        return 0.0;
    }
    let mut factor = kind_factors(edge.kind)[property as usize] * edge.strength();
    if edge.redundant && property == Property::Availability {
        factor *= REDUNDANT_AVAILABILITY;
    }
    factor
}

/// The dependents of every node for one property, as compressed adjacency arrays: the edges out of
/// node `u` (to the nodes that depend on `u`) are `edges[offsets[u]..offsets[u + 1]]`, in
/// dependency-row order. Edges whose factor is 0 are left out.
#[derive(Debug, Default)]
pub struct PropertyGraph {
    offsets: Vec<u32>,
    /// (dependent node, cost), the hot data of a search.
    edges: Vec<(NodeIdx, Cost)>,
    /// The dependency row of each edge, for paths.
    rows: Vec<u32>,
}

impl PropertyGraph {
    /// Builds the arrays from `edges`: (failing node, dependent node, cost or `None` to leave the
    /// edge out), the edge's position being its dependency row.
    pub fn from_edges(
        node_count: usize,
        edges: impl Iterator<Item = (NodeIdx, NodeIdx, Option<Cost>)> + Clone,
    ) -> Self {
        let n = node_count;
        let mut counts = vec![0u32; n + 1];
        for (source, _, cost) in edges.clone() {
            if cost.is_some() {
                counts[source as usize + 1] += 1;
            }
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let offsets = counts.clone();
        let total = offsets[n] as usize;
        let mut list = vec![(0, 0); total];
        let mut rows = vec![0; total];
        let mut next = counts;
        for (row, (source, dependent, cost)) in edges.enumerate() {
            if let Some(cost) = cost {
                let slot = &mut next[source as usize];
                list[*slot as usize] = (dependent, cost);
                rows[*slot as usize] = row as u32;
                *slot += 1;
            }
        }
        Self {
            offsets,
            edges: list,
            rows,
        }
    }

    /// The edges as (failing node, dependent node, cost), in edge order.
    pub fn edges(&self) -> impl Iterator<Item = (NodeIdx, NodeIdx, Cost)> + '_ {
        (0..self.node_count() as NodeIdx).flat_map(move |source| {
            self.edges[self.dependents(source)]
                .iter()
                .map(move |&(dependent, cost)| (source, dependent, cost))
        })
    }

    pub fn node_count(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// The edges from `node` to its dependents, with their positions.
    fn dependents(&self, node: NodeIdx) -> std::ops::Range<usize> {
        self.offsets[node as usize] as usize..self.offsets[node as usize + 1] as usize
    }

    /// The dependency row behind edge `edge`.
    pub fn row(&self, edge: u32) -> u32 {
        self.rows[edge as usize]
    }

    /// The node that `edge` leaves: the one whose failure it carries.
    pub fn source_of(&self, edge: u32) -> NodeIdx {
        // offsets is sorted: the source is the last node whose first edge is at or before `edge`.
        (self.offsets.partition_point(|&start| start <= edge) - 1) as NodeIdx
    }
}

/// The graph that impact flows through: for each property, each node's dependents with the cost
/// of the edge.
#[derive(Debug)]
pub struct ImpactGraph {
    pub properties: [PropertyGraph; 3],
    /// Each dependency row's factor per property (confidentiality, integrity, availability).
    pub factors: Vec<[f64; 3]>,
    /// Each dependency row's `redundant` flag.
    pub redundant: Vec<bool>,
}

impl ImpactGraph {
    /// Builds the graph with the built-in edge factors.
    pub fn build(inventory: &Inventory) -> Self {
        Self::with_factors(inventory, default_edge_factor)
    }

    /// Builds the graph with `factor(edge, property)`, called once per distinct edge profile and
    /// property. Factors are clamped to 0..=1.
    pub fn with_factors(
        inventory: &Inventory,
        mut factor: impl FnMut(&EdgeProfile, Property) -> f64,
    ) -> Self {
        let mut cache: HashMap<(EdgeProfile, Property), f64> = HashMap::new();
        let factors: Vec<[f64; 3]> = inventory
            .dependencies
            .iter()
            .map(|dependency| {
                Property::ALL.map(|property| {
                    let profile = EdgeProfile::of(dependency, property);
                    *cache.entry((profile, property)).or_insert_with(|| {
                        let f = factor(&profile, property);
                        if f.is_nan() { 0.0 } else { f.clamp(0.0, 1.0) }
                    })
                })
            })
            .collect();
        let properties = Property::ALL.map(|property| {
            let edges = inventory
                .dependencies
                .iter()
                .zip(&factors)
                .map(move |(d, f)| (d.to, d.from, cost_of(f[property as usize])));
            PropertyGraph::from_edges(inventory.nodes.len(), edges)
        });
        Self {
            properties,
            factors,
            redundant: inventory.dependencies.iter().map(|d| d.redundant).collect(),
        }
    }

    pub fn property(&self, property: Property) -> &PropertyGraph {
        &self.properties[property as usize]
    }
}

/// Where a search stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// The largest cost still reached (the threshold as a cost).
    pub max_cost: Cost,
    /// The most hops from an origin, if limited.
    pub max_depth: Option<u32>,
}

impl Limits {
    /// Limits from a threshold impact in 0..=1 and an optional depth.
    pub fn new(min_impact: f64, max_depth: Option<u32>) -> Self {
        Self {
            max_cost: cost_of(min_impact).unwrap_or(Cost::MAX),
            max_depth,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::new(DEFAULT_MIN_IMPACT, None)
    }
}

/// One node a search reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Label {
    pub node: NodeIdx,
    pub cost: Cost,
    pub hops: u32,
    /// The edge (in the property graph) that ends its strongest path; `NO_EDGE` for an origin.
    pub parent: u32,
}

/// The parent of an origin.
pub const NO_EDGE: u32 = u32::MAX;

/// The nodes one search reached, origins first, then in the order they were settled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PropertyReach {
    pub labels: Vec<Label>,
}

impl PropertyReach {
    /// Labels in node order, for lookups and for comparing results.
    pub fn sorted(&self) -> Vec<Label> {
        let mut labels = self.labels.clone();
        labels.sort_unstable_by_key(|label| label.node);
        labels
    }
}

/// Reusable per-thread memory for searches: one slot per node, reset after each search by walking
/// the nodes it touched, so a search costs what it reaches, not the size of the graph.
pub struct Search {
    cost: Vec<Cost>,
    hops: Vec<u32>,
    parent: Vec<u32>,
    touched: Vec<NodeIdx>,
    heap: RadixHeap,
}

impl Search {
    pub fn new(node_count: usize) -> Self {
        Self {
            cost: vec![Cost::MAX; node_count],
            hops: vec![u32::MAX; node_count],
            parent: vec![NO_EDGE; node_count],
            touched: Vec::new(),
            heap: RadixHeap::default(),
        }
    }

    /// Propagates from `origins` through `graph` within `limits`.
    pub fn run(
        &mut self,
        graph: &PropertyGraph,
        origins: &[NodeIdx],
        limits: Limits,
    ) -> PropertyReach {
        debug_assert_eq!(self.cost.len(), graph.node_count());
        let mut labels = self.dijkstra(graph, origins, limits.max_cost);
        if let Some(depth) = limits.max_depth {
            // Cutting the tree of strongest paths: every ancestor of a kept node has fewer hops.
            labels.retain(|label| label.hops <= depth);
        }
        for &node in &self.touched {
            self.cost[node as usize] = Cost::MAX;
            self.hops[node as usize] = u32::MAX;
            self.parent[node as usize] = NO_EDGE;
        }
        self.touched.clear();
        PropertyReach { labels }
    }

    fn start(&mut self, origins: &[NodeIdx]) {
        for &origin in origins {
            if self.cost[origin as usize] == Cost::MAX {
                self.cost[origin as usize] = 0;
                self.hops[origin as usize] = 0;
                self.touched.push(origin);
            }
        }
    }

    /// Whether the path ending with `edge` at (`cost`, `hops`) beats `node`'s current label.
    fn better(&self, node: NodeIdx, cost: Cost, hops: u32, edge: u32) -> bool {
        let i = node as usize;
        (cost, hops, edge) < (self.cost[i], self.hops[i], self.parent[i])
    }

    fn label(&self, node: NodeIdx) -> Label {
        let i = node as usize;
        Label {
            node,
            cost: self.cost[i],
            hops: self.hops[i],
            parent: self.parent[i],
        }
    }

    /// Dijkstra on (cost, hops) with a monotone radix heap. Each node is
    /// settled once; all the paths that tie with its best are known by then (they come from nodes
    /// with smaller keys), so its parent is final too.
    fn dijkstra(
        &mut self,
        graph: &PropertyGraph,
        origins: &[NodeIdx],
        max_cost: Cost,
    ) -> Vec<Label> {
        self.start(origins);
        let mut heap = std::mem::take(&mut self.heap);
        heap.clear();
        for &node in &self.touched {
            heap.push(key(0, 0), node);
        }
        let mut settled = Vec::with_capacity(self.touched.len());
        while let Some((popped, node)) = heap.pop() {
            let i = node as usize;
            let (cost, hops) = (self.cost[i], self.hops[i]);
            if popped != key(cost, hops) {
                continue; // a stale entry: the node was improved after this push
            }
            settled.push(self.label(node));
            for e in graph.dependents(node) {
                let (next, edge_cost) = graph.edges[e];
                let next_cost = cost.saturating_add(edge_cost);
                if next_cost > max_cost {
                    continue;
                }
                let was = self.cost[next as usize];
                if self.better(next, next_cost, hops + 1, e as u32) {
                    let improves_key = (next_cost, hops + 1) < (was, self.hops[next as usize]);
                    if was == Cost::MAX {
                        self.touched.push(next);
                    }
                    self.cost[next as usize] = next_cost;
                    self.hops[next as usize] = hops + 1;
                    self.parent[next as usize] = e as u32;
                    if improves_key {
                        heap.push(key(next_cost, hops + 1), next);
                    }
                }
            }
        }
        self.heap = heap;
        settled
    }
}

fn key(cost: Cost, hops: u32) -> u64 {
    (u64::from(cost) << 32) | u64::from(hops)
}

/// A monotone priority queue for integer keys: pops never go below the last key popped, which
/// Dijkstra guarantees. Bucket `b` holds keys that first differ from the last popped key at bit
/// `b - 1`, so each entry moves down at most 64 times and most pops are a plain `Vec::pop`.
struct RadixHeap {
    last: u64,
    buckets: [Vec<(u64, NodeIdx)>; 65],
    len: usize,
}

impl Default for RadixHeap {
    fn default() -> Self {
        Self {
            last: 0,
            buckets: std::array::from_fn(|_| Vec::new()),
            len: 0,
        }
    }
}

impl RadixHeap {
    fn clear(&mut self) {
        self.last = 0;
        self.len = 0;
        for bucket in &mut self.buckets {
            bucket.clear();
        }
    }

    fn bucket(&self, key: u64) -> usize {
        (64 - (key ^ self.last).leading_zeros()) as usize
    }

    fn push(&mut self, key: u64, value: NodeIdx) {
        debug_assert!(key >= self.last);
        let b = self.bucket(key);
        self.buckets[b].push((key, value));
        self.len += 1;
    }

    fn pop(&mut self) -> Option<(u64, NodeIdx)> {
        if self.len == 0 {
            return None;
        }
        if self.buckets[0].is_empty() {
            let b = self.buckets.iter().position(|bucket| !bucket.is_empty())?;
            let entries = std::mem::take(&mut self.buckets[b]);
            self.last = entries.iter().map(|&(key, _)| key).min()?;
            for &(key, value) in &entries {
                let to = self.bucket(key);
                self.buckets[to].push((key, value));
            }
            // Keep the allocation of the emptied bucket.
            let mut entries = entries;
            entries.clear();
            self.buckets[b] = entries;
        }
        self.len -= 1;
        self.buckets[0].pop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_round_trip_within_rounding() {
        for factor in [1.0, 0.9, 0.8, 0.5, 0.3, 0.05, 0.001] {
            let back = impact_of(cost_of(factor).unwrap());
            assert!((back - factor).abs() / factor < 2e-5, "{factor} -> {back}");
        }
        assert_eq!(cost_of(1.0), Some(0));
        assert_eq!(cost_of(0.5), Some(65536));
        assert_eq!(cost_of(0.0), None);
    }

    #[test]
    fn radix_heap_pops_in_order() {
        let mut heap = RadixHeap::default();
        for (i, k) in [5u64, 3, 9, 3, 100, 7].into_iter().enumerate() {
            heap.push(k, i as u32);
        }
        let mut keys = Vec::new();
        while let Some((k, _)) = heap.pop() {
            keys.push(k);
            if k == 7 {
                heap.push(8, 99);
            }
        }
        assert_eq!(keys, [3, 3, 5, 7, 8, 9, 100]);
    }
}
