//! The graph impact flows through, laid out for the search: compressed adjacency arrays per
//! property, over nodes renumbered in topological order of their strongly connected components.

use rustc_hash::FxHashMap;
use std::sync::OnceLock;

use rayon::prelude::*;
use riskgraph_model::snapshot::Fields as _;
use riskgraph_model::snapshot::Writer;
use riskgraph_model::values::Property;
use riskgraph_model::{Inventory, NodeIdx};

use super::{Cost, EdgeProfile, cost_of, default_edge_factor};
use crate::per_node::PerNode;
use crate::snapshot::Stream;

/// One dependency row as the graph sees it: `dependent` depends on `failing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawEdge {
    pub failing: NodeIdx,
    pub dependent: NodeIdx,
    /// Cost per property (confidentiality, integrity, availability); `None` where the factor is 0.
    pub costs: [Option<Cost>; 3],
    pub redundant: bool,
}

/// One edge of a [`PropertyGraph`].
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Edge {
    pub dependent: NodeIdx,
    pub cost: Cost,
    /// The dependency row, for paths and to break ties, with [`REDUNDANT_EDGE`] set when the
    /// dependency is redundant.
    pub row: u32,
}

/// The bit of [`Edge::row`] that marks a redundant dependency (rows stay below 2^31).
pub(super) const REDUNDANT_EDGE: u32 = 1 << 31;

impl Edge {
    pub fn row(self) -> u32 {
        self.row & !REDUNDANT_EDGE
    }

    pub fn redundant(self) -> bool {
        self.row & REDUNDANT_EDGE != 0
    }
}

/// The dependents of every node for one property, as compressed adjacency arrays: the edges out of
/// node `u` (to the nodes that depend on `u`) are `edges[offsets[u]..offsets[u + 1]]`, in
/// dependency-row order. Edges whose factor is 0 are left out. Nodes are numbered so that every
/// edge goes to a higher number, except edges inside a strongly connected component, whose nodes
/// have consecutive numbers.
#[derive(Debug, Default)]
pub struct PropertyGraph {
    offsets: Vec<u32>,
    /// Everything a search reads of an edge, in one 12-byte record.
    pub(super) edges: Vec<Edge>,
    /// One past the last node of each node's strongly connected component (each component has its
    /// own end, so two nodes share one exactly when they share the component).
    pub(super) component_end: Vec<NodeIdx>,
    /// The same edges by the node they go into, for a search that pulls labels; built the first
    /// time one does, since most commands never need them (12 bytes per edge, 4 per node).
    incoming: OnceLock<Incoming>,
}

/// The edges into each node from the other nodes it depends on: those into `v` are
/// `edges[offsets[v]..offsets[v + 1]]`, in dependency-row order.
#[derive(Debug, Default)]
pub(super) struct Incoming {
    offsets: Vec<u32>,
    edges: Vec<InEdge>,
    /// No label has more hops than this: the most edges on a path that enters each strongly
    /// connected component once and takes at most its size minus one edges inside.
    pub max_hops: u32,
}

/// One edge of [`Incoming`]: an [`Edge`] seen from the other end.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct InEdge {
    pub failing: NodeIdx,
    pub cost: Cost,
    /// As [`Edge::row`]: the dependency row, with [`REDUNDANT_EDGE`] for a redundant one.
    pub row: u32,
}

impl InEdge {
    pub fn row(self) -> u32 {
        self.row & !REDUNDANT_EDGE
    }

    pub fn redundant(self) -> bool {
        self.row & REDUNDANT_EDGE != 0
    }
}

impl Incoming {
    /// The edges into `node`.
    pub fn into(&self, node: NodeIdx) -> &[InEdge] {
        &self.edges[self.offsets[node as usize] as usize..self.offsets[node as usize + 1] as usize]
    }
}

impl PropertyGraph {
    /// The arrays for `edges` (failing node, dependent node, cost, redundant), each edge's position
    /// being its dependency row; `None` costs are left out.
    fn new(
        node_count: usize,
        edges: impl Iterator<Item = (NodeIdx, NodeIdx, Option<Cost>, bool)> + Clone,
        component_end: Vec<NodeIdx>,
    ) -> Self {
        let n = node_count;
        let counts = PerNode::offsets(
            n,
            edges
                .clone()
                .filter_map(|(source, _, cost, _)| cost.map(|_| source)),
        );
        let offsets = counts.clone();
        let total = offsets[n] as usize;
        let mut list = vec![Edge::default(); total];
        let mut next = counts;
        for (row, (source, dependent, cost, redundant)) in edges.enumerate() {
            if let Some(cost) = cost {
                let slot = &mut next[source as usize];
                let flag = if redundant { REDUNDANT_EDGE } else { 0 };
                list[*slot as usize] = Edge {
                    dependent,
                    cost,
                    row: (row as u32 & !REDUNDANT_EDGE) | flag,
                };
                *slot += 1;
            }
        }
        Self {
            offsets,
            edges: list,
            component_end,
            incoming: OnceLock::new(),
        }
    }

    /// The edges by the node they go into, built on first use.
    pub(super) fn incoming(&self) -> &Incoming {
        self.incoming.get_or_init(|| {
            let n = self.node_count();
            // A dependency on itself never carries a label (it would offer the node its own, one
            // hop longer), and a pull would read the node's word before writing it.
            let into_other = |failing: NodeIdx| {
                self.edges[self.dependents(failing)]
                    .iter()
                    .filter(move |edge| edge.dependent != failing)
            };
            let offsets = PerNode::offsets(
                n,
                (0..n as NodeIdx).flat_map(|failing| into_other(failing).map(|e| e.dependent)),
            );
            let mut next = offsets.clone();
            let mut edges = vec![InEdge::default(); offsets[n] as usize];
            for failing in 0..n as NodeIdx {
                for edge in into_other(failing) {
                    let at = &mut next[edge.dependent as usize];
                    edges[*at as usize] = InEdge {
                        failing,
                        cost: edge.cost,
                        row: edge.row,
                    };
                    *at += 1;
                }
            }
            for node in 0..n {
                edges[offsets[node] as usize..offsets[node + 1] as usize]
                    .sort_unstable_by_key(|edge| edge.row());
            }
            let max_hops = self.max_hops(&offsets, &edges);
            Incoming {
                offsets,
                edges,
                max_hops,
            }
        })
    }

    /// [`Incoming::max_hops`], from the edges into each node: a strongest path is simple, so it
    /// enters a component at most once and crosses it in fewer edges than it has members.
    fn max_hops(&self, offsets: &[u32], edges: &[InEdge]) -> u32 {
        let n = self.node_count();
        // The most hops of a path that ends in each node's component, by node.
        let mut most = vec![0u32; n];
        let mut overall = 0;
        let mut start = 0;
        while start < n {
            let end = self.component_end[start] as usize;
            let mut entering = 0u32;
            for node in start..end {
                for edge in &edges[offsets[node] as usize..offsets[node + 1] as usize] {
                    if (edge.failing as usize) < start {
                        entering = entering.max(most[edge.failing as usize].saturating_add(1));
                    }
                }
            }
            let hops = entering.saturating_add((end - start - 1) as u32);
            most[start..end].fill(hops);
            overall = overall.max(hops);
            start = end;
        }
        overall
    }

    pub fn node_count(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether `node` is alone in its strongly connected component: on no cycle.
    pub(super) fn alone(&self, node: NodeIdx) -> bool {
        let end = self.component_end[node as usize];
        end == node + 1 && (node == 0 || self.component_end[node as usize - 1] != end)
    }

    /// The first node of `node`'s strongly connected component.
    pub fn component_start(&self, node: NodeIdx) -> NodeIdx {
        let end = self.component_end[node as usize];
        let mut start = node;
        while start > 0 && self.component_end[start as usize - 1] == end {
            start -= 1;
        }
        start
    }

    /// The dependents of `node` with the cost of the edge to each.
    pub fn dependents_of(&self, node: NodeIdx) -> impl Iterator<Item = (NodeIdx, Cost)> + '_ {
        self.edges[self.dependents(node)]
            .iter()
            .map(|edge| (edge.dependent, edge.cost))
    }

    /// The positions of the edges from `node` to its dependents.
    pub(super) fn dependents(&self, node: NodeIdx) -> std::ops::Range<usize> {
        self.offsets[node as usize] as usize..self.offsets[node as usize + 1] as usize
    }

    /// The dependency row behind edge `edge`.
    pub fn row(&self, edge: u32) -> u32 {
        self.edges[edge as usize].row()
    }

    /// The edges as (failing node, dependent node, cost, dependency row), in edge order.
    pub fn edges(&self) -> impl Iterator<Item = (NodeIdx, NodeIdx, Cost, u32)> + '_ {
        (0..self.node_count() as NodeIdx).flat_map(move |source| {
            self.dependents(source).map(move |e| {
                let edge = self.edges[e];
                (source, edge.dependent, edge.cost, edge.row())
            })
        })
    }

    /// The same edges the other way round, over the nodes numbered backwards (node `v` becomes
    /// `n - 1 - v`): the edges out of a node are those into it here, in dependency-row order, so
    /// a search over the result walks from dependents to what they depend on. The numbering stays
    /// a topological order of the components. Dependencies on themselves, which never carry a
    /// label, are left out.
    fn reversed(&self) -> Self {
        let n = self.node_count();
        let last = n.saturating_sub(1) as NodeIdx;
        let into_other = || {
            (0..n as NodeIdx).flat_map(move |failing| {
                self.edges[self.dependents(failing)]
                    .iter()
                    .filter(move |edge| edge.dependent != failing)
                    .map(move |edge| (failing, *edge))
            })
        };
        let offsets = PerNode::offsets(n, into_other().map(|(_, edge)| last - edge.dependent));
        let mut next = offsets.clone();
        let mut edges = vec![Edge::default(); offsets[n] as usize];
        for (failing, edge) in into_other() {
            let at = &mut next[(last - edge.dependent) as usize];
            edges[*at as usize] = Edge {
                dependent: last - failing,
                cost: edge.cost,
                row: edge.row,
            };
            *at += 1;
        }
        for node in 0..n {
            edges[offsets[node] as usize..offsets[node + 1] as usize]
                .sort_unstable_by_key(|edge| edge.row());
        }
        // A component [start, end) becomes [n - end, n - start).
        let mut component_end = vec![0; n];
        let mut start = 0;
        while start < n {
            let end = self.component_end[start] as usize;
            component_end[n - end..n - start].fill((n - start) as NodeIdx);
            start = end;
        }
        Self {
            offsets,
            edges,
            component_end,
            incoming: OnceLock::new(),
        }
    }
}

/// Each dependency row's factors per property (confidentiality, integrity, availability). Rows
/// come from a few edge profiles, so each distinct triple is kept once and each row holds its
/// number: 4 bytes a row instead of 24 (a million-node inventory has millions of rows).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RowFactors {
    distinct: Vec<[f64; 3]>,
    of_row: Vec<u32>,
}

impl RowFactors {
    /// The factors of `rows`, in row order, stopping at the first error.
    pub fn try_from_rows<E>(rows: impl Iterator<Item = Result<[f64; 3], E>>) -> Result<Self, E> {
        let mut factors = Self::default();
        factors.of_row.reserve(rows.size_hint().0);
        let mut numbers: FxHashMap<[u64; 3], u32> = FxHashMap::default();
        for row in rows {
            let row = row?;
            let number = *numbers.entry(row.map(f64::to_bits)).or_insert_with(|| {
                factors.distinct.push(row);
                (factors.distinct.len() - 1) as u32
            });
            factors.of_row.push(number);
        }
        Ok(factors)
    }

    /// The factors of dependency row `row`, or `None` past the last row (a graph built without
    /// factors has none).
    pub fn get(&self, row: u32) -> Option<[f64; 3]> {
        let number = *self.of_row.get(row as usize)?;
        self.distinct.get(number as usize).copied()
    }

    /// Every row's factors, in row order.
    pub fn iter(&self) -> impl Iterator<Item = [f64; 3]> + '_ {
        self.of_row.iter().map(|&n| self.distinct[n as usize])
    }
}

/// The graph that impact flows through: for each property, each node's dependents with the cost
/// of the edge.
///
/// Inside, nodes are renumbered in topological order of their strongly connected components (the
/// members of a component consecutive, in inventory order), so that a search can settle nodes in
/// increasing number, reading the adjacency arrays front to back. [`super::Search`] works on these
/// internal numbers; [`ImpactGraph::internal`] and [`ImpactGraph::external`] translate.
#[derive(Debug)]
pub struct ImpactGraph {
    pub properties: [PropertyGraph; 3],
    /// Each dependency row's factor per property (confidentiality, integrity, availability).
    pub factors: RowFactors,
    /// The inventory node of each internal number.
    node_of: Vec<NodeIdx>,
    /// The internal number of each inventory node.
    internal_of: Vec<NodeIdx>,
    /// Each dependency row's failing node (its `to`), as an inventory index.
    row_failing: Vec<NodeIdx>,
    /// Each dependency row's dependent node (its `from`), as an inventory index.
    row_dependent: Vec<NodeIdx>,
    /// The graph read backwards ([`ImpactGraph::upstream`]), built the first time it is asked
    /// for: only `blast-radius --into` and the single points of failure need it.
    upstream: OnceLock<Box<ImpactGraph>>,
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
        let infallible: Result<Self, std::convert::Infallible> =
            Self::try_with_factors(inventory, |edge, property| Ok(factor(edge, property)));
        match infallible {
            Ok(graph) => graph,
        }
    }

    /// Builds the graph with the `edge_factor` hook of the organization's rules.
    pub fn with_rules(
        inventory: &Inventory,
        rules: &crate::rules::Rules,
    ) -> Result<Self, crate::rules::RuleError> {
        Self::try_with_factors(inventory, |edge, property| {
            rules.edge_factor(edge, property)
        })
    }

    /// Like [`ImpactGraph::with_factors`], stopping at the first error of `factor`.
    pub fn try_with_factors<E>(
        inventory: &Inventory,
        mut factor: impl FnMut(&EdgeProfile, Property) -> Result<f64, E>,
    ) -> Result<Self, E> {
        let mut cache: FxHashMap<(EdgeProfile, Property), f64> = FxHashMap::default();
        let factors = RowFactors::try_from_rows(inventory.dependencies.iter().map(|dependency| {
            let mut row = [0.0; 3];
            for property in Property::ALL {
                let profile = EdgeProfile::of(dependency, property);
                let cached = cache.get(&(profile, property)).copied();
                row[property as usize] = if let Some(f) = cached {
                    f
                } else {
                    let f = factor(&profile, property)?;
                    let f = if f.is_nan() { 0.0 } else { f.clamp(0.0, 1.0) };
                    cache.insert((profile, property), f);
                    f
                };
            }
            Ok(row)
        }))?;
        let edges: Vec<RawEdge> = inventory
            .dependencies
            .iter()
            .zip(factors.iter())
            .map(|(d, f)| RawEdge {
                failing: d.to,
                dependent: d.from,
                costs: f.map(cost_of),
                redundant: d.redundant,
            })
            .collect();
        let mut graph = Self::from_edges(inventory.nodes.len(), &edges);
        graph.factors = factors;
        Ok(graph)
    }

    /// Builds the graph from dependency rows given as raw edges between node indexes below
    /// `node_count`. `factors` is left empty.
    pub fn from_edges(node_count: usize, edges: &[RawEdge]) -> Self {
        let n = node_count;
        let (node_of, component_end) =
            crate::scc::topological_components(n, edges.iter().map(|e| (e.failing, e.dependent)));
        let mut internal_of = vec![0; n];
        for (internal, &node) in node_of.iter().enumerate() {
            internal_of[node as usize] = internal as NodeIdx;
        }
        let properties = Property::ALL.map(|property| {
            let internal_of = &internal_of;
            let list = edges.iter().map(move |e| {
                (
                    internal_of[e.failing as usize],
                    internal_of[e.dependent as usize],
                    e.costs[property as usize],
                    e.redundant,
                )
            });
            PropertyGraph::new(n, list, component_end.clone())
        });
        Self {
            properties,
            factors: RowFactors::default(),
            node_of,
            internal_of,
            row_failing: edges.iter().map(|e| e.failing).collect(),
            row_dependent: edges.iter().map(|e| e.dependent).collect(),
            upstream: OnceLock::new(),
        }
    }

    pub fn property(&self, property: Property) -> &PropertyGraph {
        &self.properties[property as usize]
    }

    pub fn node_count(&self) -> usize {
        self.node_of.len()
    }

    /// The internal number of inventory node `node`.
    pub fn internal(&self, node: NodeIdx) -> NodeIdx {
        self.internal_of[node as usize]
    }

    /// The inventory node of internal number `internal`.
    pub fn external(&self, internal: NodeIdx) -> NodeIdx {
        self.node_of[internal as usize]
    }

    /// The node whose failure dependency row `row` carries (its `to`), as an inventory index.
    /// In the [`ImpactGraph::upstream`] graph, the row's dependent (its `from`): the node one
    /// step closer to the origins of a search there.
    pub fn failing_node(&self, row: u32) -> NodeIdx {
        self.row_failing[row as usize]
    }

    /// The graph with every edge turned round, built on first use and kept: a search from some
    /// nodes over it reaches every node whose failure reaches them, with the same label (cost and
    /// hops) as a search from that node gives them here, since the cost of a path is the same
    /// sum read either way. Among equally strong paths the one kept differs: the earliest row at
    /// each step from the node reached, where a search here keeps the earliest row at each step
    /// towards it. Its `factors` are empty: read them from this graph.
    pub fn upstream(&self) -> &ImpactGraph {
        self.upstream.get_or_init(|| {
            let n = self.node_count();
            let last = n.saturating_sub(1) as NodeIdx;
            Box::new(ImpactGraph {
                properties: std::array::from_fn(|p| self.properties[p].reversed()),
                factors: RowFactors::default(),
                node_of: self.node_of.iter().rev().copied().collect(),
                internal_of: self.internal_of.iter().map(|&i| last - i).collect(),
                row_failing: self.row_dependent.clone(),
                row_dependent: self.row_failing.clone(),
                upstream: OnceLock::new(),
            })
        })
    }
}

/// The graph in a snapshot ([`crate::snapshot`]): the arrays as built, with the edges into each
/// node (built here first when no search has needed them yet), so that a command that opens the
/// snapshot builds nothing. Each row's failing and dependent nodes are the inventory's, and are
/// taken from its dependencies when decoding.
impl ImpactGraph {
    pub(crate) fn encode(&self, w: &mut Writer<'_>) {
        w.u32s(&self.node_of);
        w.u32s(&self.properties[0].component_end);
        for graph in &self.properties {
            w.u32s(&graph.offsets);
            w.records(graph.edges.iter().map(|e| [e.dependent, e.cost, e.row]));
            let incoming = graph.incoming();
            w.u32(incoming.max_hops);
            w.u32s(&incoming.offsets);
            w.records(incoming.edges.iter().map(|e| [e.failing, e.cost, e.row]));
        }
        // Factors come from a few edge profiles: each distinct row of them once, then a number
        // per dependency row.
        let factors = &self.factors;
        w.u64(factors.distinct.len() as u64);
        for row in &factors.distinct {
            for factor in row {
                w.f64(*factor);
            }
        }
        w.u32s(&factors.of_row);
    }

    /// What [`ImpactGraph::encode`] wrote for an inventory of `node_count` nodes whose
    /// dependency rows have these failing (`to`) and dependent (`from`) nodes, or `None` when the
    /// bytes are not such a graph.
    #[expect(
        clippy::needless_bitwise_bool,
        reason = "checks that do not stop early become vector instructions"
    )]
    pub(crate) fn decode(
        r: &mut Stream,
        node_count: usize,
        row_failing: Vec<NodeIdx>,
        row_dependent: Vec<NodeIdx>,
    ) -> Option<Self> {
        let node_of = r.u32s()?;
        let component_end = r.u32s()?;
        if node_of.len() != node_count || component_end.len() != node_count {
            return None;
        }
        let mut internal_of = vec![0; node_count];
        for (internal, &node) in node_of.iter().enumerate() {
            *internal_of.get_mut(node as usize)? = internal as NodeIdx;
        }
        // The arrays are read in turn from the file; they are checked on every thread.
        let mut parts = Vec::with_capacity(3);
        for _ in 0..3 {
            let offsets = r.u32s()?;
            let edges = r.records(|[dependent, cost, row]| Edge {
                dependent,
                cost,
                row,
            })?;
            let max_hops = r.u32()?;
            let in_offsets = r.u32s()?;
            let in_edges = r.records(|[failing, cost, row]| InEdge { failing, cost, row })?;
            parts.push((offsets, edges, max_hops, in_offsets, in_edges));
        }
        let n_factors = r.count()?;
        let mut table = Vec::with_capacity(n_factors.min(r.remaining()));
        for _ in 0..n_factors {
            table.push([r.f64()?, r.f64()?, r.f64()?]);
        }
        let numbers = r.u32s()?;
        let n_rows = row_failing.len();
        if numbers.len() != n_rows || row_dependent.len() != n_rows {
            return None;
        }
        if numbers.iter().any(|&n| n as usize >= table.len()) {
            return None;
        }
        let factors = RowFactors {
            distinct: table,
            of_row: numbers,
        };
        let properties: Vec<Option<PropertyGraph>> = parts
            .into_par_iter()
            .map(|part| decode_property(part, node_count, n_rows, &component_end))
            .collect();
        let ends_fit = component_end
            .iter()
            .enumerate()
            .fold(true, |ok, (i, &end)| {
                ok & ((end as usize) > i) & ((end as usize) <= node_count)
            });
        let rows_fit = row_failing
            .iter()
            .chain(&row_dependent)
            .fold(true, |ok, &node| ok & ((node as usize) < node_count));
        if !ends_fit || !rows_fit {
            return None;
        }
        let mut properties = properties.into_iter();
        let mut next = || properties.next().flatten();
        Some(Self {
            properties: [next()?, next()?, next()?],
            factors,
            node_of,
            internal_of,
            row_failing,
            row_dependent,
            upstream: OnceLock::new(),
        })
    }
}

/// One property's arrays, as [`ImpactGraph::encode`] wrote them: the offsets and edges out of
/// each node, the hop bound, the offsets and edges into each node.
type PropertyParts = (Vec<u32>, Vec<Edge>, u32, Vec<u32>, Vec<InEdge>);

/// One property's graph from its `parts`, or `None` when they do not fit an inventory of
/// `node_count` nodes and `n_rows` dependency rows.
#[expect(
    clippy::needless_bitwise_bool,
    reason = "checks that do not stop early become vector instructions"
)]
fn decode_property(
    (offsets, edges, max_hops, in_offsets, in_edges): PropertyParts,
    node_count: usize,
    n_rows: usize,
    component_end: &[NodeIdx],
) -> Option<PropertyGraph> {
    // Each array is checked in one pass that does not stop early, which the compiler turns
    // into vector instructions: a snapshot is nearly always whole.
    let fits = |offsets: &[u32], len: usize| {
        offsets.len() == node_count + 1
            && offsets.windows(2).fold(true, |ok, w| ok & (w[0] <= w[1]))
            && offsets.last().is_some_and(|&last| last as usize == len)
    };
    let (Ok(nodes), Ok(rows)) = (u32::try_from(node_count), u32::try_from(n_rows)) else {
        return None;
    };
    let edges_fit = edges.iter().fold(true, |ok, e| {
        ok & (e.dependent < nodes) & (e.row & !REDUNDANT_EDGE < rows)
    });
    let in_edges_fit = in_edges.iter().fold(true, |ok, e| {
        ok & (e.failing < nodes) & (e.row & !REDUNDANT_EDGE < rows)
    });
    (fits(&offsets, edges.len()) && fits(&in_offsets, in_edges.len()) && edges_fit && in_edges_fit)
        .then(|| PropertyGraph {
            offsets,
            edges,
            component_end: component_end.to_vec(),
            incoming: OnceLock::from(Incoming {
                offsets: in_offsets,
                edges: in_edges,
                max_hops,
            }),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(failing: NodeIdx, dependent: NodeIdx) -> RawEdge {
        RawEdge {
            failing,
            dependent,
            costs: [Some(0); 3],
            redundant: false,
        }
    }

    #[test]
    fn components_come_in_topological_order() {
        // 0 -> 1 <-> 2 -> 3, and 4 alone.
        let edges = [edge(0, 1), edge(1, 2), edge(2, 1), edge(2, 3)];
        let (order, ends) =
            crate::scc::topological_components(5, edges.iter().map(|e| (e.failing, e.dependent)));
        let position = |node: NodeIdx| order.iter().position(|&n| n == node).unwrap();
        assert!(position(0) < position(1) && position(2) < position(3));
        assert_eq!(position(1).abs_diff(position(2)), 1);
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [0, 1, 2, 3, 4]);
        for (i, &end) in ends.iter().enumerate() {
            let cyclic = matches!(order[i], 1 | 2);
            assert_eq!(
                end as usize - i,
                if cyclic {
                    2 - (i - position(1).min(position(2)))
                } else {
                    1
                }
            );
        }
    }

    #[test]
    fn the_hop_bound_counts_each_component_once() {
        // 0 -> 1 <-> 2 -> 3, and 4 alone: the longest simple path, 0 -> 1 -> 2 -> 3, has 3 hops.
        let edges = [edge(0, 1), edge(1, 2), edge(2, 1), edge(2, 3)];
        let graph = ImpactGraph::from_edges(5, &edges);
        assert_eq!(graph.property(Property::Integrity).incoming().max_hops, 3);
        // Edges into a node come in dependency-row order, whichever node they come from.
        let graph = ImpactGraph::from_edges(3, &[edge(1, 2), edge(0, 2)]);
        let pg = graph.property(Property::Integrity);
        let into = pg.incoming().into(graph.internal(2));
        assert_eq!(into.iter().map(|e| e.row()).collect::<Vec<_>>(), [0, 1]);
    }

    #[test]
    fn every_edge_goes_forward_or_inside_a_component() {
        let mut rng = 12345u64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % 40) as NodeIdx
        };
        let edges: Vec<RawEdge> = (0..80).map(|_| edge(next(), next())).collect();
        let graph = ImpactGraph::from_edges(40, &edges);
        let pg = graph.property(Property::Availability);
        for (source, dependent, _, _) in pg.edges() {
            let end = pg.component_end[source as usize];
            assert!(
                dependent > source
                    || (dependent < end && pg.component_end[dependent as usize] == end)
            );
        }
    }
}
