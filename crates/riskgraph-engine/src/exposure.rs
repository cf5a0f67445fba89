//! Exposure: what a failure or compromise of some origin nodes reaches, per property, with the
//! strongest path to each node, and the summary a GRC analyst reads first.

use std::collections::BTreeMap;

use rayon::prelude::*;

use riskgraph_model::values::Property;
use riskgraph_model::vocabulary::{AssetType, Classification, NodeKind, Vocabulary};
use riskgraph_model::{Inventory, NodeDetail, NodeIdx};

use crate::per_node::PerNode;
use crate::propagation::{Cost, ImpactGraph, Label, Limits, NO_EDGE, Search, impact_of};

/// The rating a node counts with when its file leaves it empty: the middle of the 1..5 scale.
pub const DEFAULT_RATING: u8 = 3;

/// Per-node facts that summaries read, computed once per inventory so a search's summary never
/// goes back to the records.
pub struct NodeFacts {
    /// Value per property: an asset's C/I/A rating, a process's or vendor's criticality.
    pub value: Vec<[u8; 3]>,
    pub kind: Vec<NodeKind>,
    pub classification: Vec<Option<Classification>>,
    pub personal_data: Vec<bool>,
    pub in_scope: Vec<bool>,
    /// The commitments whose `covers` selects each node.
    commitments: PerNode,
}

impl NodeFacts {
    pub fn new(inventory: &Inventory) -> Self {
        Self::indexed(
            inventory,
            &riskgraph_model::selector::NodeIndex::new(inventory),
        )
    }

    /// The facts of `inventory`, selecting through `index`, its node index.
    pub fn indexed(
        inventory: &Inventory,
        index: &riskgraph_model::selector::NodeIndex<'_>,
    ) -> Self {
        let n = inventory.nodes.len();
        let mut facts = Self {
            value: Vec::with_capacity(n),
            kind: Vec::with_capacity(n),
            classification: Vec::with_capacity(n),
            personal_data: Vec::with_capacity(n),
            in_scope: Vec::with_capacity(n),
            commitments: PerNode::selected(
                index,
                inventory.commitments.iter().map(|c| c.covers.as_ref()),
            ),
        };
        for node in &inventory.nodes {
            let rating = |r: Option<riskgraph_model::values::Rating>| {
                r.map_or(DEFAULT_RATING, riskgraph_model::values::Rating::get)
            };
            let (value, classification, personal) = match &node.detail {
                NodeDetail::Asset(a) => (
                    [
                        rating(a.confidentiality),
                        rating(a.integrity),
                        rating(a.availability),
                    ],
                    a.classification,
                    a.personal_data,
                ),
                NodeDetail::Process(p) => ([rating(p.criticality); 3], None, false),
                NodeDetail::Vendor(v) => ([rating(v.criticality); 3], None, false),
            };
            facts.value.push(value);
            facts.kind.push(node.kind());
            facts.classification.push(classification);
            facts.personal_data.push(personal);
            facts.in_scope.push(node.in_scope);
        }
        facts
    }

    pub fn commitments(&self, node: NodeIdx) -> &[u32] {
        self.commitments.of(node)
    }
}

/// The nodes each selector selects (`None` stays `None`). Inventories repeat the same selector on
/// many rows (`*`, `kind:asset`, `tag:internet-facing`), so each distinct one is evaluated once,
/// and the distinct ones in parallel; rows with the same selector share the list.
pub(crate) fn select_each<'s>(
    index: &riskgraph_model::selector::NodeIndex<'_>,
    selectors: impl Iterator<Item = Option<&'s riskgraph_model::selector::Selector>>,
) -> Vec<Option<std::sync::Arc<[NodeIdx]>>> {
    let mut distinct: Vec<&riskgraph_model::selector::Selector> = Vec::new();
    let mut position: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let rows: Vec<Option<usize>> = selectors
        .map(|selector| {
            selector.map(|selector| {
                *position.entry(selector.to_string()).or_insert_with(|| {
                    distinct.push(selector);
                    distinct.len() - 1
                })
            })
        })
        .collect();
    let lists: Vec<std::sync::Arc<[NodeIdx]>> = distinct
        .par_iter()
        .map(|selector| selector.select(index).into())
        .collect();
    rows.into_iter()
        .map(|row| row.map(|at| std::sync::Arc::clone(&lists[at])))
        .collect()
}

/// How one property's impact reaches a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub cost: Cost,
    pub hops: u32,
    /// The node one step closer to the origin on the strongest path, and the dependency row.
    pub parent: Option<(NodeIdx, u32)>,
    /// Whether a redundant dependency lies on that path.
    pub redundant: bool,
}

impl Hit {
    pub fn impact(&self) -> f64 {
        impact_of(self.cost)
    }
}

/// A node that the failure reaches.
#[derive(Debug, Clone, PartialEq)]
pub struct Reached {
    pub node: NodeIdx,
    /// Per property (confidentiality, integrity, availability); `None` where not reached.
    pub hits: [Option<Hit>; 3],
    /// The property hit hardest (ties: C, then I, then A).
    pub property: Property,
}

impl Reached {
    pub fn hit(&self, property: Property) -> Option<&Hit> {
        self.hits[property as usize].as_ref()
    }

    pub fn impact(&self, property: Property) -> Option<f64> {
        self.hit(property).map(Hit::impact)
    }

    /// The hit of the property hit hardest.
    pub fn headline(&self) -> &Hit {
        self.hits[self.property as usize]
            .as_ref()
            .expect("a reached node has a hit for its headline property")
    }

    pub fn is_origin(&self) -> bool {
        self.headline().parent.is_none()
    }
}

/// Per-thread memory for computing exposures: one search per property.
pub struct Workspace {
    searches: [Search; 3],
    /// Whether the properties' searches run side by side on the pool's threads.
    parallel: bool,
    /// Per node, the properties that reach it, for [`Workspace::for_each_reached_by`] (made on
    /// first use); all zero between walks.
    marks: Vec<u8>,
    /// The nodes marked, in the order first marked.
    marked: Vec<NodeIdx>,
}

impl Workspace {
    /// A workspace among others that walk in parallel (one per thread of a ranking, the reach
    /// counts, a simulation): its searches run one after another, the threads being busy with
    /// the other walks.
    pub fn new(node_count: usize) -> Self {
        Self {
            searches: std::array::from_fn(|_| Search::new(node_count)),
            parallel: false,
            marks: Vec::new(),
            marked: Vec::new(),
        }
    }

    /// A workspace for one query at a time (an exposure, what can take nodes down): the
    /// properties' searches run side by side.
    pub fn for_one_query(node_count: usize) -> Self {
        Self {
            parallel: true,
            ..Self::new(node_count)
        }
    }

    /// Runs one search per property (`properties` sorted, without repeats) from `origins`
    /// (inventory indexes), then calls `visit` once per node reached by any of them, with the node
    /// (its internal number in `graph`) and its labels per property (confidentiality, integrity,
    /// availability), grouped by the first property that reaches them, each group in that search's
    /// settling order. The order is the same on every run.
    pub fn for_each_reached(
        &mut self,
        graph: &ImpactGraph,
        origins: &[NodeIdx],
        properties: &[Property],
        limits: Limits,
        visit: impl FnMut(NodeIdx, &[Option<Label>; 3]),
    ) {
        self.for_each_reached_where(graph, origins, properties, limits, |_| true, visit);
    }

    /// [`Workspace::for_each_reached`] for a walk that needs only which properties reach each
    /// node: `visit` gets the node (its internal number) and the properties that reach it, as
    /// bits over [`Property::ALL`], in the same order. Each search's nodes are marked in a byte
    /// per node instead of being looked up in the other searches' labels: a byte array stays in
    /// the processor's cache, the labels of a million nodes do not.
    pub fn for_each_reached_by(
        &mut self,
        graph: &ImpactGraph,
        origins: &[NodeIdx],
        properties: &[Property],
        limits: Limits,
        mut visit: impl FnMut(NodeIdx, u8),
    ) {
        self.explore(graph, origins, properties, limits);
        if self.marks.len() != graph.node_count() {
            self.marks = vec![0; graph.node_count()];
        }
        for &property in properties {
            for label in self.searches[property as usize].reached() {
                let mark = &mut self.marks[label.node as usize];
                if *mark == 0 {
                    self.marked.push(label.node);
                }
                *mark |= 1 << property as u8;
            }
        }
        for &node in &self.marked {
            visit(node, self.marks[node as usize]);
            self.marks[node as usize] = 0;
        }
        self.marked.clear();
    }

    /// Runs the search of each of `properties` from `origins`, in parallel if the workspace's
    /// searches do.
    fn explore(
        &mut self,
        graph: &ImpactGraph,
        origins: &[NodeIdx],
        properties: &[Property],
        limits: Limits,
    ) {
        let internal: Vec<NodeIdx> = origins.iter().map(|&o| graph.internal(o)).collect();
        let searches: Vec<(&mut Search, Property)> = self
            .searches
            .iter_mut()
            .zip(Property::ALL)
            .filter(|(_, property)| properties.contains(property))
            .collect();
        let explore = |(search, property): (&mut Search, Property)| {
            search.explore(graph.property(property), &internal, limits);
        };
        if self.parallel {
            // The searches are independent: each property's on its own thread.
            searches.into_par_iter().for_each(explore);
        } else {
            searches.into_iter().for_each(explore);
        }
    }

    /// [`Workspace::for_each_reached`] for the nodes `wanted` keeps (given their internal number),
    /// the others skipped before their labels are looked up: a walk that only counts a few nodes
    /// of what it reaches reads no more than it needs.
    pub fn for_each_reached_where(
        &mut self,
        graph: &ImpactGraph,
        origins: &[NodeIdx],
        properties: &[Property],
        limits: Limits,
        wanted: impl Fn(NodeIdx) -> bool,
        mut visit: impl FnMut(NodeIdx, &[Option<Label>; 3]),
    ) {
        self.explore(graph, origins, properties, limits);
        let searches = &self.searches;
        for (i, &property) in properties.iter().enumerate() {
            for label in searches[property as usize].reached() {
                let node = label.node;
                if !wanted(node) {
                    continue;
                }
                // Each node once: from the first property that reaches it.
                if properties[..i]
                    .iter()
                    .any(|&earlier| searches[earlier as usize].get(node).is_some())
                {
                    continue;
                }
                let mut labels = [None; 3];
                labels[property as usize] = Some(label);
                for &later in &properties[i + 1..] {
                    labels[later as usize] = searches[later as usize].get(node);
                }
                visit(node, &labels);
            }
        }
    }
}

/// The result for one set of origins.
#[derive(Debug, Clone, PartialEq)]
pub struct Exposure {
    pub origins: Vec<NodeIdx>,
    pub properties: Vec<Property>,
    /// Origins first, then by headline impact (strongest first), hops, node order.
    pub nodes: Vec<Reached>,
}

impl Exposure {
    /// Propagates from `origins` for each of `properties` and merges the results per node.
    pub fn compute(
        graph: &ImpactGraph,
        workspace: &mut Workspace,
        origins: &[NodeIdx],
        properties: &[Property],
        limits: Limits,
    ) -> Self {
        let properties = normalized(properties);
        let mut nodes: Vec<Reached> = Vec::new();
        workspace.for_each_reached(graph, origins, &properties, limits, |node, labels| {
            let hits = labels.map(|label| {
                label.map(|label| Hit {
                    cost: label.cost,
                    hops: label.hops,
                    parent: (label.parent != NO_EDGE)
                        .then(|| (graph.failing_node(label.parent), label.parent)),
                    redundant: label.redundant,
                })
            });
            nodes.push(Reached {
                node: graph.external(node),
                hits,
                property: headline(&hits),
            });
        });
        // Each node once, so the key orders them totally: the same order on any thread count.
        nodes.par_sort_unstable_by_key(|r| {
            let hit = r.headline();
            (hit.parent.is_some(), hit.cost, hit.hops, r.node)
        });
        let mut origins = origins.to_vec();
        origins.sort_unstable();
        origins.dedup();
        Self {
            origins,
            properties,
            nodes,
        }
    }

    /// The reached nodes other than the origins.
    pub fn dependents(&self) -> impl Iterator<Item = &Reached> {
        self.nodes.iter().filter(|r| !r.is_origin())
    }

    /// Finds the reached nodes by node index, for paths and trees.
    pub fn lookup(&self) -> Lookup<'_> {
        let size = self
            .nodes
            .iter()
            .map(|r| r.node as usize + 1)
            .max()
            .unwrap_or(0);
        let mut position = vec![u32::MAX; size];
        for (i, reached) in self.nodes.iter().enumerate() {
            position[reached.node as usize] = i as u32;
        }
        Lookup {
            exposure: self,
            position,
        }
    }

    pub fn summary(&self, inventory: &Inventory, facts: &NodeFacts) -> Summary {
        Summary::of(self, inventory, facts)
    }
}

/// `properties` sorted, without repeats.
pub fn normalized(properties: &[Property]) -> Vec<Property> {
    let mut properties = properties.to_vec();
    properties.sort_unstable();
    properties.dedup();
    properties
}

/// The property hit hardest: the smallest cost, the first in C, I, A order on a tie.
fn headline(hits: &[Option<Hit>; 3]) -> Property {
    Property::ALL
        .into_iter()
        .filter_map(|p| hits[p as usize].map(|hit| (hit.cost, p)))
        .min()
        .map_or(Property::Confidentiality, |(_, p)| p)
}

/// The reached nodes of an exposure by node index.
pub struct Lookup<'a> {
    exposure: &'a Exposure,
    /// Position in `exposure.nodes` by node index; `u32::MAX` where not reached.
    position: Vec<u32>,
}

impl<'a> Lookup<'a> {
    /// Where `node` is in the exposure's `nodes`, if it was reached.
    pub fn position(&self, node: NodeIdx) -> Option<usize> {
        let i = *self.position.get(node as usize)?;
        (i != u32::MAX).then_some(i as usize)
    }

    pub fn get(&self, node: NodeIdx) -> Option<&'a Reached> {
        let i = *self.position.get(node as usize)?;
        self.exposure.nodes.get(i as usize)
    }

    /// The strongest path of `property` from an origin to `node` (origin first), with the
    /// dependency row of each step after the origin.
    pub fn path(&self, node: NodeIdx, property: Property) -> Vec<(NodeIdx, Option<u32>)> {
        let mut steps = Vec::new();
        let mut at = node;
        // Hops fall by one at each step, so the walk ends at an origin.
        while let Some(hit) = self.get(at).and_then(|r| r.hit(property)) {
            match hit.parent {
                None => {
                    steps.push((at, None));
                    break;
                }
                Some((parent, row)) => {
                    steps.push((at, Some(row)));
                    at = parent;
                }
            }
        }
        steps.reverse();
        steps
    }
}

/// The summary of an exposure. The origins count for classification, personal data and the
/// maximum value (their own failure is part of the harm) but not in the counts of nodes reached.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    /// Nodes reached besides the origins.
    pub reached: usize,
    pub by_kind: BTreeMap<&'static str, usize>,
    /// Assets reached by asset type.
    pub by_type: BTreeMap<&'static str, usize>,
    /// In-scope assets reached.
    pub in_scope_assets: usize,
    /// Business processes reached, strongest first.
    pub processes: Vec<NodeIdx>,
    /// Commitments (positions in the inventory) whose `covers` selects a reached node.
    pub commitments: Vec<u32>,
    pub highest_classification: Option<Classification>,
    pub personal_data: bool,
    /// Vendors reached besides the origins: the fourth parties the impact travels through.
    pub vendors: Vec<NodeIdx>,
    /// The largest node value times attenuated impact, with its node and property.
    pub max_value: Option<(f64, NodeIdx, Property)>,
}

impl Summary {
    /// The summary of `exposure`, tallied over blocks of its nodes on every thread, the blocks'
    /// tallies then merged in order: the same summary whatever the thread count.
    fn of(exposure: &Exposure, inventory: &Inventory, facts: &NodeFacts) -> Self {
        Self::in_blocks(exposure, inventory, facts, 1 << 14)
    }

    /// [`Summary::of`], tallied `block` nodes at a time.
    fn in_blocks(
        exposure: &Exposure,
        inventory: &Inventory,
        facts: &NodeFacts,
        block: usize,
    ) -> Self {
        let tallies: Vec<Tally> = exposure
            .nodes
            .par_chunks(block)
            .map(|block| Tally::of(block, &exposure.properties, inventory, facts))
            .collect();
        let mut all = Tally::default();
        for tally in tallies {
            all.merge(tally);
        }
        let counted = |counts: &[usize], name: &dyn Fn(usize) -> &'static str| {
            counts
                .iter()
                .enumerate()
                .filter(|&(_, &count)| count > 0)
                .map(|(at, &count)| (name(at), count))
                .collect::<BTreeMap<&'static str, usize>>()
        };
        Self {
            reached: all.reached,
            by_kind: counted(&all.by_kind, &|at| NodeKind::ALL[at].as_str()),
            by_type: counted(&all.by_type, &|at| AssetType::ALL[at].as_str()),
            in_scope_assets: all.in_scope_assets,
            processes: all.processes,
            commitments: all.commitments.into_iter().collect(),
            highest_classification: all.highest_classification,
            personal_data: all.personal_data,
            vendors: all.vendors,
            max_value: all.max_value,
        }
    }
}

/// What [`Summary::of`] counts over some of an exposure's nodes: kinds and asset types by their
/// position in their vocabulary.
#[derive(Default)]
struct Tally {
    reached: usize,
    by_kind: Vec<usize>,
    by_type: Vec<usize>,
    in_scope_assets: usize,
    processes: Vec<NodeIdx>,
    vendors: Vec<NodeIdx>,
    commitments: std::collections::BTreeSet<u32>,
    highest_classification: Option<Classification>,
    personal_data: bool,
    max_value: Option<(f64, NodeIdx, Property)>,
}

impl Tally {
    fn of(
        nodes: &[Reached],
        properties: &[Property],
        inventory: &Inventory,
        facts: &NodeFacts,
    ) -> Self {
        let mut tally = Self {
            by_kind: vec![0; NodeKind::ALL.len()],
            by_type: vec![0; AssetType::ALL.len()],
            ..Self::default()
        };
        for reached in nodes {
            let n = reached.node as usize;
            let node = &inventory.nodes[n];
            if !reached.is_origin() {
                tally.reached += 1;
                tally.by_kind[node.kind().position()] += 1;
                match &node.detail {
                    NodeDetail::Asset(asset) => {
                        tally.by_type[asset.asset_type.position()] += 1;
                        if node.in_scope {
                            tally.in_scope_assets += 1;
                        }
                    }
                    NodeDetail::Process(_) => tally.processes.push(reached.node),
                    NodeDetail::Vendor(_) => tally.vendors.push(reached.node),
                }
            }
            tally
                .commitments
                .extend(facts.commitments(reached.node).iter().copied());
            tally.highest_classification =
                tally.highest_classification.max(facts.classification[n]);
            tally.personal_data |= facts.personal_data[n];
            for &property in properties {
                if let Some(impact) = reached.impact(property) {
                    let value = f64::from(facts.value[n][property as usize]) * impact;
                    tally.offer(value, reached.node, property);
                }
            }
        }
        tally
    }

    /// Keeps `value` as the largest when it is, a tie going to the lower node (so blocks merge
    /// to the same result in any order), and for one node to the property offered first.
    fn offer(&mut self, value: f64, node: NodeIdx, property: Property) {
        let better = self.max_value.is_none_or(|(best, best_node, _)| {
            value.total_cmp(&best).then(best_node.cmp(&node)).is_gt()
        });
        if better {
            self.max_value = Some((value, node, property));
        }
    }

    /// Adds `later`, the tally of the nodes after these.
    fn merge(&mut self, later: Self) {
        if self.by_kind.is_empty() {
            *self = later;
            return;
        }
        self.reached += later.reached;
        for (mine, theirs) in self.by_kind.iter_mut().zip(later.by_kind) {
            *mine += theirs;
        }
        for (mine, theirs) in self.by_type.iter_mut().zip(later.by_type) {
            *mine += theirs;
        }
        self.in_scope_assets += later.in_scope_assets;
        self.processes.extend(later.processes);
        self.vendors.extend(later.vendors);
        self.commitments.extend(later.commitments);
        self.highest_classification = self
            .highest_classification
            .max(later.highest_classification);
        self.personal_data |= later.personal_data;
        if let Some((value, node, property)) = later.max_value {
            self.offer(value, node, property);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The properties that reach each node, from the marks, are those whose labels reach it, in
    /// the same order; the marks are clear again for the next walk.
    #[test]
    fn reached_by_gives_the_properties_of_the_labels() {
        let inventory = crate::bundled_inventory();
        let graph = ImpactGraph::build(&inventory);
        let mut workspace = Workspace::new(inventory.nodes.len());
        let sets: [&[Property]; 4] = [
            &Property::ALL,
            &[Property::Confidentiality],
            &[Property::Integrity, Property::Availability],
            &[Property::Confidentiality, Property::Availability],
        ];
        let mut mixed = 0;
        for origin in 0..inventory.nodes.len() as NodeIdx {
            for properties in sets {
                for limits in [Limits::new(0.0, None), Limits::new(0.3, Some(2))] {
                    let mut expected = Vec::new();
                    workspace.for_each_reached(
                        &graph,
                        &[origin],
                        properties,
                        limits,
                        |node, labels| {
                            let bits = (0..3)
                                .filter(|&p| labels[p].is_some())
                                .fold(0u8, |b, p| b | 1 << p);
                            expected.push((node, bits));
                        },
                    );
                    let mut found = Vec::new();
                    workspace.for_each_reached_by(
                        &graph,
                        &[origin],
                        properties,
                        limits,
                        |node, bits| {
                            found.push((node, bits));
                        },
                    );
                    assert_eq!(found, expected, "from {origin}, {properties:?}");
                    mixed += found
                        .iter()
                        .filter(|(_, bits)| bits.count_ones() == 2)
                        .count();
                }
            }
        }
        assert!(mixed > 0, "some nodes reached by some properties only");
        assert!(workspace.marks.iter().all(|&mark| mark == 0));
    }

    #[test]
    fn a_summary_is_the_same_whatever_the_blocks_it_is_tallied_in() {
        let inventory = crate::bundled_inventory();
        let graph = ImpactGraph::build(&inventory);
        let facts = NodeFacts::new(&inventory);
        let mut workspace = Workspace::new(inventory.nodes.len());
        for origins in [&["aws"][..], &["okta", "stripe"]] {
            let ids: Vec<String> = origins.iter().map(|&id| id.to_owned()).collect();
            let origins = inventory.resolve(&ids).unwrap();
            let exposure = Exposure::compute(
                &graph,
                &mut workspace,
                &origins,
                &Property::ALL,
                Limits::new(0.0, None),
            );
            assert!(exposure.nodes.len() > 10);
            let whole = Summary::in_blocks(&exposure, &inventory, &facts, usize::MAX);
            assert!(whole.reached > 0 && whole.max_value.is_some());
            for block in [1, 2, 3, 7] {
                assert_eq!(
                    Summary::in_blocks(&exposure, &inventory, &facts, block),
                    whole
                );
            }
        }
    }
}
