//! The search: max-product propagation from a set of origins over one [`PropertyGraph`].
//!
//! Nodes are numbered in topological order of their strongly connected components, and every edge
//! goes to a higher number or stays inside its component. So the search needs no priority queue
//! for most of the graph: it settles the labelled nodes in increasing number (a bit set is the
//! queue), and when it meets a component with a cycle it runs Dijkstra inside that component only.
//! A node's label is final when it is settled, because everything that can reach it has been
//! settled before. Reading the adjacency arrays front to back is what makes it fast.
//!
//! A search that keeps settling most of the node numbers it passes switches to pulling: it goes
//! through the rest of the nodes in order, each taking the best offer over the edges into it,
//! whose sources all come earlier and are settled (a component with a cycle takes the offers from
//! outside it, then runs its Dijkstra). Pushing writes the label of each dependent at random;
//! pulling reads the sources' labels at random, packed in 32 bits each so that at a million nodes
//! they stay in a core's cache, and writes each label once, in order, with no pending set. It
//! costs every edge into the nodes left, reached or not, so it pays only when most are; and it
//! is done only when every label fits in 32 bits: costs up to the threshold, and hops up to the
//! graph's bound (its longest chain, a component with a cycle counted by its size). At the
//! default threshold (0.05) that leaves room for bounds up to 4094.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use riskgraph_model::NodeIdx;

use super::graph::{Incoming, REDUNDANT_EDGE};
use super::{Cost, Label, Limits, NO_EDGE, PropertyGraph, PropertyReach};

/// Dijkstra's queue inside a component with a cycle: (cost, hops, node), smallest first.
type ComponentHeap = BinaryHeap<Reverse<(Cost, u32, NodeIdx)>>;

/// A node's label during a search, packed in 12 bytes so a relaxation touches one cache line.
#[derive(Clone, Copy)]
struct Slot {
    cost: Cost,
    /// Hops in the low 31 bits; the top bit says a redundant dependency lies on the path.
    hops: u32,
    /// The dependency row of the last step of the path.
    parent: u32,
}

const REDUNDANT_BIT: u32 = 1 << 31;
const HOPS_MASK: u32 = !REDUNDANT_BIT;
const EMPTY: Slot = Slot {
    cost: Cost::MAX,
    hops: HOPS_MASK,
    parent: NO_EDGE,
};

/// A label's (cost, hops) as one number, in the order labels compete: smaller is better.
fn key(cost: u64, hops: u32) -> u64 {
    cost << 32 | u64::from(hops)
}

/// Whether an offer with key `offered` along dependency row `row` beats a label with key `held`
/// and parent `held_row`: a smaller (cost, hops), or the same through an earlier row. Computed
/// without a branch, so that nothing waits on the comparison.
#[expect(
    clippy::needless_bitwise_bool,
    reason = "a lazy operator would be a branch on a label loaded at random"
)]
fn beats(offered: u64, row: u32, held: u64, held_row: u32) -> bool {
    (offered < held) | ((offered == held) & (row < held_row))
}

/// Whether a node holds a label, even one beyond every threshold (with none, a path can cost
/// `Cost::MAX`): a pushing search settles such a node, so its slot is reset after the search.
fn labelled(slot: Slot) -> bool {
    slot.hops & HOPS_MASK != HOPS_MASK
}

/// Reusable per-thread memory for searches over one property graph: one slot per node, reset
/// before each search by walking the nodes the previous one reached, so a search costs what it
/// reaches, not the size of the graph.
pub struct Search {
    slots: Vec<Slot>,
    /// The labelled nodes not yet settled, as a bit set by node number.
    pending: Vec<u64>,
    /// A bit per word of `pending` that may have a bit set: the scan skips 4096 nodes at a time
    /// where nothing is pending, so a search that reaches a few nodes far apart in the numbering
    /// costs what it reaches. Bits are cleared lazily, when the scan finds their word empty.
    summary: Vec<u64>,
    /// The highest word of `pending` with a bit set since the search began: the scan stops
    /// there instead of reading the rest of the bit set.
    last_word: usize,
    /// The nodes reached, in the order they were settled.
    settled: Vec<NodeIdx>,
    heap: ComponentHeap,
    max_depth: u32,
    pull_rule: PullRule,
    /// The node from which the last search pulled labels, if it switched.
    pulled_from: Option<NodeIdx>,
    /// While pulling, each settled node's (cost, hops, redundancy flag) in one 32-bit word (see
    /// [`Packing`]), the only part of a label that the offers of its edges read. At a million
    /// nodes it fits in a core's cache where the labels do not. Allocated by the first pull; the
    /// words past the node being pulled are left from an earlier search.
    packed: Vec<u32>,
}

/// When a search switches from pushing labels to pulling them: each time it has settled `every`
/// more nodes, it pulls the rest if the nodes settled so far are at least `min_density` percent
/// of the node numbers from the first origin to the last of them.
///
/// On a 1,000,000-node inventory (docs/performance.md), pulling the rest of the graph (from 12-byte
/// labels, before the packed words) took 0.7-0.85 of the time pushing took for the searches that
/// reach more than 84 % of the nodes, and more for every search that reaches less, since it reads
/// every edge into the nodes left. With the packed words, switching at 65 % or 50 % instead of
/// 80 % made the vendor searches no faster. The
/// density so far is the early sign of those: with the default (80 %, looked at every 1024
/// settled nodes), 20 of the 45,000 searches of the vendor ranking pulled, the biggest ones.
/// Measuring each stretch of 1024 nodes on its own instead pulled in 190, mostly searches
/// reaching a third of the graph whose last stretches are dense, and made the ranking 9-13 %
/// slower.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PullRule {
    pub every: usize,
    /// In percent of the node numbers from the first origin on.
    pub min_density: usize,
}

impl PullRule {
    pub const DEFAULT: Self = Self {
        every: 1024,
        min_density: 80,
    };
    /// Never pull.
    pub const NEVER: Self = Self {
        every: usize::MAX,
        min_density: 101,
    };
    /// Pull everything after the first node or component settled (tests use it to check
    /// pulling).
    pub const AT_ONCE: Self = Self {
        every: 1,
        min_density: 0,
    };
}

impl Default for PullRule {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// How a label's (cost, hops, redundancy flag) packs into a 32-bit word: the cost above `shift`
/// bits of hops, above the flag in bit 0. Shifted right by one, words compare like labels, by
/// (cost, hops). A search pulls only when every label it can give fits: hops up to the graph's
/// bound, costs up to the threshold, with room above for `beyond`.
#[derive(Clone, Copy)]
struct Packing {
    shift: u32,
    /// The word of the cheapest label beyond the threshold: no offer within it is worse, no offer
    /// beyond it better, and an unreached node's word, [`UNREACHED`], is worse still.
    beyond: u64,
}

/// An unreached node's packed word.
const UNREACHED: u32 = u32::MAX;

impl Packing {
    fn new(max_hops: u32, max_cost: Cost) -> Option<Self> {
        // An offer adds one hop to a source's: room for max_hops + 1 without a carry.
        let shift = u32::BITS - (max_hops.checked_add(1)?).leading_zeros();
        if !Self::may_fit(max_cost) || shift > 30 {
            return None;
        }
        // At most 2^31 shifted by 31 bits: no bit lost in 64.
        let beyond = (u64::from(max_cost) + 1) << (shift + 1);
        (beyond < u64::from(UNREACHED)).then_some(Self { shift, beyond })
    }

    /// Whether labels within threshold `max_cost` fit with a single bit of hops, the fewest there
    /// can be; if not, no search pulls and the in-edge arrays need not be built.
    fn may_fit(max_cost: Cost) -> bool {
        (u64::from(max_cost) + 1) << 2 < u64::from(UNREACHED)
    }

    /// The word of a label within the threshold, or [`UNREACHED`] for no label.
    fn pack(self, slot: Slot) -> u32 {
        if !labelled(slot) {
            return UNREACHED;
        }
        let key = (u64::from(slot.cost) << self.shift) | u64::from(slot.hops & HOPS_MASK);
        ((key << 1) | u64::from(slot.hops >> 31)) as u32
    }

    /// The label of `word` (within the threshold) with parent `row`.
    fn unpack(self, word: u32, row: u32) -> Slot {
        let key = word >> 1;
        Slot {
            cost: key >> self.shift,
            hops: (key & ((1 << self.shift) - 1)) | (word << 31),
            parent: row,
        }
    }

    /// What the label of packed word `source` offers over an edge of cost `cost`: one hop more,
    /// and the flag set if the edge is redundant. In 64 bits, so that an unreached source's offer
    /// stays beyond every offer within the threshold.
    fn offer(self, source: u32, cost: Cost, redundant: bool) -> u64 {
        (u64::from(source) + (u64::from(cost) << (self.shift + 1)) + 2) | u64::from(redundant)
    }

    /// Whether the offer `offered` has a smaller (cost, hops) than the word `best`.
    fn better(offered: u64, best: u64) -> bool {
        (offered | 1) < (best & !1)
    }
}

impl Search {
    pub fn new(node_count: usize) -> Self {
        Self {
            slots: vec![EMPTY; node_count],
            pending: vec![0; node_count.div_ceil(64)],
            summary: vec![0; node_count.div_ceil(64).div_ceil(64)],
            last_word: 0,
            settled: Vec::new(),
            heap: BinaryHeap::new(),
            max_depth: HOPS_MASK,
            pull_rule: PullRule::DEFAULT,
            pulled_from: None,
            packed: Vec::new(),
        }
    }

    /// Sets when searches switch to pulling labels (the results do not change).
    pub fn set_pull_rule(&mut self, rule: PullRule) {
        self.pull_rule = rule;
    }

    /// The node from which the last search pulled labels, if it switched to pulling.
    pub fn pulled_from(&self) -> Option<NodeIdx> {
        self.pulled_from
    }

    /// Propagates from `origins` through `graph` within `limits` and returns what it reached.
    pub fn run(
        &mut self,
        graph: &PropertyGraph,
        origins: &[NodeIdx],
        limits: Limits,
    ) -> PropertyReach {
        self.explore(graph, origins, limits);
        PropertyReach {
            labels: self.reached().collect(),
        }
    }

    /// Propagates from `origins` through `graph` within `limits`; the result stays in the search
    /// for [`Search::get`] and [`Search::reached`] until the next one.
    pub fn explore(&mut self, graph: &PropertyGraph, origins: &[NodeIdx], limits: Limits) {
        debug_assert_eq!(self.slots.len(), graph.node_count());
        for &node in &self.settled {
            self.slots[node as usize] = EMPTY;
        }
        self.settled.clear();
        self.max_depth = limits
            .max_depth
            .map_or(HOPS_MASK, |depth| depth.min(HOPS_MASK));
        self.last_word = 0;
        let mut first = NodeIdx::MAX;
        for &origin in origins {
            self.slots[origin as usize] = Slot {
                cost: 0,
                hops: 0,
                parent: NO_EDGE,
            };
            self.mark(origin);
            first = first.min(origin);
        }
        let mut word = first as usize / 64;
        let rule = self.pull_rule;
        self.pulled_from = None;
        let mut next_check = rule.every;
        loop {
            // The word being scanned usually still has pending nodes; the summary is consulted
            // only when it runs dry.
            let mut bits = self.pending.get(word).copied().unwrap_or(0);
            if bits == 0 {
                match self.next_pending(word) {
                    Some(next) => {
                        word = next;
                        bits = self.pending[word];
                    }
                    None => break,
                }
            }
            let node = (word * 64) as NodeIdx + bits.trailing_zeros();
            let after = if graph.alone(node) {
                self.pending[word] &= bits - 1;
                self.settle(graph, node, limits.max_cost, None);
                node + 1
            } else {
                let end = graph.component_end[node as usize];
                self.component(graph, node, end, limits.max_cost);
                end
            };
            let settled = self.settled.len();
            if settled >= next_check {
                let span = (after - first) as usize;
                if settled.saturating_mul(100) >= span.saturating_mul(rule.min_density) {
                    let packing = Packing::may_fit(limits.max_cost)
                        .then(|| Packing::new(graph.incoming().max_hops, limits.max_cost))
                        .flatten();
                    if let Some(packing) = packing {
                        self.pull(graph, word, after, limits.max_cost, packing);
                        break;
                    }
                    // Labels that do not fit in 32 bits are pushed all the way.
                    next_check = usize::MAX;
                } else {
                    next_check = settled.saturating_add(rule.every);
                }
            }
            // Settling only labels higher numbers, so the scan never needs to look back, and
            // no node settles twice (in tests, a slip here fails at once instead of hanging).
            debug_assert!(
                self.settled.len() <= self.slots.len(),
                "a node settled twice"
            );
        }
    }

    /// The label of `node` in the last search, if it reached it. A depth limit cuts the tree of
    /// strongest paths: every ancestor of a kept node has fewer hops, so paths stay whole.
    pub fn get(&self, node: NodeIdx) -> Option<Label> {
        let slot = self.slots[node as usize];
        let hops = slot.hops & HOPS_MASK;
        (slot.cost != Cost::MAX && hops <= self.max_depth).then_some(Label {
            node,
            cost: slot.cost,
            hops,
            parent: slot.parent,
            redundant: slot.hops & REDUNDANT_BIT != 0,
        })
    }

    /// The nodes the last search reached, in the order it settled them: an origin or a node's
    /// parent always comes before the node.
    pub fn reached(&self) -> impl Iterator<Item = Label> + '_ {
        self.settled.iter().filter_map(|&node| self.get(node))
    }

    fn mark(&mut self, node: NodeIdx) {
        let mut last_word = self.last_word;
        self.mark_with(node, &mut last_word);
        self.last_word = last_word;
    }

    /// [`Search::mark`] with `last_word` in the caller's hands, for a loop that keeps it in a
    /// register.
    fn mark_with(&mut self, node: NodeIdx, last_word: &mut usize) {
        let word = node as usize / 64;
        let before = self.pending[word];
        self.pending[word] = before | 1 << (node % 64);
        // A word that already had a pending node is in the summary and at or below `last_word`
        // (every search starts with no pending node and `last_word` 0).
        if before == 0 {
            self.summary[word / 64] |= 1 << (word % 64);
            *last_word = (*last_word).max(word);
        }
    }

    /// The first word at or after `word` with a pending node, if any up to `last_word`.
    fn next_pending(&mut self, mut word: usize) -> Option<usize> {
        loop {
            if word > self.last_word || word >= self.pending.len() {
                return None;
            }
            if self.pending[word] != 0 {
                return Some(word);
            }
            // `word` is empty: clear its summary bit and find the next word that may not be.
            let mut block = word / 64;
            self.summary[block] &= !(1 << (word % 64));
            let mut bits = self.summary[block] & (!0u64 << (word % 64));
            while bits == 0 {
                block += 1;
                if block > self.last_word / 64 {
                    return None;
                }
                bits = self.summary[block];
            }
            word = block * 64 + bits.trailing_zeros() as usize;
        }
    }

    /// Settles every node from `from` on, in order, with the best label the edges into it offer
    /// (see the module's documentation); every node before `from` is settled, and `word` is the
    /// first word of the pending set that may still have a bit set. The labels are the ones
    /// pushing gives: the best (cost, hops, row) of all offers.
    ///
    /// A component with a cycle takes, for each member, the offers from outside the component,
    /// whose labels are final: what pushing would have offered it. Then it runs its Dijkstra. An
    /// offer from another member would not do: its (cost, hops) may be final while its parent,
    /// and with it the redundancy flag, is still to change through a tie.
    fn pull(
        &mut self,
        graph: &PropertyGraph,
        word: usize,
        from: NodeIdx,
        max_cost: Cost,
        packing: Packing,
    ) {
        self.pulled_from = Some(from);
        let incoming = graph.incoming();
        let n = self.slots.len();
        // Every node before `from` is settled: pack the labels of those reached. The words from
        // `from` on are written in order before they are read: a node reads the words of earlier
        // nodes only (the in-edges leave out dependencies on itself).
        self.packed.resize(n, UNREACHED);
        self.packed[..from as usize].fill(UNREACHED);
        for &node in &self.settled {
            self.packed[node as usize] = packing.pack(self.slots[node as usize]);
        }
        let mut node = from;
        while (node as usize) < n {
            // `node` is the first of its component: alone in it if the component ends after it.
            let end = graph.component_end[node as usize];
            if end == node + 1 {
                let slot = self.pulled(incoming, node, packing, |_| true);
                self.slots[node as usize] = slot;
                self.packed[node as usize] = packing.pack(slot);
                if labelled(slot) {
                    self.settled.push(node);
                }
                node += 1;
            } else {
                let mut first_labelled = None;
                for member in node..end {
                    let slot = self.pulled(incoming, member, packing, |source| source < node);
                    self.slots[member as usize] = slot;
                    if labelled(slot) {
                        self.mark(member);
                        first_labelled.get_or_insert(member);
                    }
                }
                if let Some(member) = first_labelled {
                    self.component(graph, member, end, max_cost);
                }
                for member in node..end {
                    self.packed[member as usize] = packing.pack(self.slots[member as usize]);
                }
                node = end;
            }
        }
        // Nodes marked pending before the switch, or by the components' relaxations, are settled
        // now; the next search must find no pending node. Words before `word` have been emptied
        // by the scan, which cleared their summary bits.
        let last = self.last_word.max(word);
        self.pending[word..=last].fill(0);
        self.summary[word / 64..=last / 64].fill(0);
    }

    /// The label of `node`: the best offer of the edges into it from the nodes `from` accepts,
    /// whose packed words are final; an origin keeps its own.
    ///
    /// A label pushed to `node`, before the switch or by a component's Dijkstra since, need not be
    /// compared: it is the offer of one of these edges, from a source whose label was final when
    /// it pushed. The edges come in dependency-row order, so the first of equal offers is the one
    /// that wins the tie, and a later one wins only with a smaller (cost, hops). The loop has no
    /// branch: whether a source is reached, within the threshold or better is a coin toss, and a
    /// wrong guess would wait on the source's word.
    fn pulled(
        &self,
        incoming: &Incoming,
        node: NodeIdx,
        packing: Packing,
        from: impl Fn(NodeIdx) -> bool,
    ) -> Slot {
        let mut best = packing.beyond;
        let mut row = NO_EDGE;
        for edge in incoming.into(node) {
            if !from(edge.failing) {
                continue;
            }
            let offered = packing.offer(
                self.packed[edge.failing as usize],
                edge.cost,
                edge.redundant(),
            );
            let better = Packing::better(offered, best);
            best = std::hint::select_unpredictable(better, offered, best);
            row = std::hint::select_unpredictable(better, edge.row, row);
        }
        let held = self.slots[node as usize];
        // An origin's label has no hop and no offer beats it; other labels have at least one.
        if best == packing.beyond || held.hops & HOPS_MASK == 0 {
            return held;
        }
        packing.unpack(best as u32, row & !REDUNDANT_EDGE)
    }

    /// Settles the labelled members of the component `[start, end)`: Dijkstra on (cost, hops)
    /// from their labels, which are final for every path that enters from outside.
    fn component(&mut self, graph: &PropertyGraph, member: NodeIdx, end: NodeIdx, max_cost: Cost) {
        let start = graph.component_start(member);
        let mut heap = std::mem::take(&mut self.heap);
        heap.clear();
        for node in start..end {
            let (word, bit) = (node as usize / 64, 1u64 << (node % 64));
            if self.pending[word] & bit != 0 {
                self.pending[word] &= !bit;
                let slot = self.slots[node as usize];
                heap.push(Reverse((slot.cost, slot.hops & HOPS_MASK, node)));
            }
        }
        while let Some(Reverse((cost, hops, node))) = heap.pop() {
            let slot = self.slots[node as usize];
            if (cost, hops) != (slot.cost, slot.hops & HOPS_MASK) {
                continue; // a stale entry: the node was improved after this push
            }
            self.settle(graph, node, max_cost, Some((start..end, &mut heap)));
        }
        self.heap = heap;
    }

    /// Settles `node` and relaxes the edges to its dependents. A dependent whose label improves
    /// goes on the component's heap when it is inside `component`, in the bit set otherwise.
    ///
    /// A label improves with a smaller (cost, hops); on a tie, the earlier dependency row becomes
    /// the parent. A node settles only after every node with a smaller key that can reach it, so
    /// all the ties are known by then.
    fn settle(
        &mut self,
        graph: &PropertyGraph,
        node: NodeIdx,
        max_cost: Cost,
        mut component: Option<(std::ops::Range<NodeIdx>, &mut ComponentHeap)>,
    ) {
        self.settled.push(node);
        let slot = self.slots[node as usize];
        if component.is_none() {
            self.relax(graph, node, slot, max_cost);
            return;
        }
        let next_hops = (slot.hops & HOPS_MASK) + 1;
        let flag = slot.hops & REDUNDANT_BIT;
        for e in graph.dependents(node) {
            let edge = graph.edges[e];
            let (next, edge_cost) = (edge.dependent, edge.cost);
            let next_cost = slot.cost.saturating_add(edge_cost);
            if next_cost > max_cost {
                continue;
            }
            let target = &mut self.slots[next as usize];
            let target_key = (target.cost, target.hops & HOPS_MASK);
            let improves = (next_cost, next_hops) < target_key;
            let ties =
                !improves && (next_cost, next_hops) == target_key && edge.row() < target.parent;
            if !(improves || ties) {
                continue;
            }
            let redundant = if edge.redundant() {
                REDUNDANT_BIT
            } else {
                flag
            };
            *target = Slot {
                cost: next_cost,
                hops: next_hops | redundant,
                parent: edge.row(),
            };
            match &mut component {
                Some((members, heap)) if members.contains(&next) => {
                    if improves {
                        heap.push(Reverse((next_cost, next_hops, next)));
                    }
                }
                _ => self.mark(next),
            }
        }
    }

    /// The relaxations of [`Search::settle`] for a node on no cycle, written so that nothing waits
    /// on the dependents' labels. Its dependents all come later in the numbering, except itself
    /// through a dependency on itself, which never improves a label and is skipped.
    ///
    /// Those labels are scattered over the whole slot array, so reading them waits on memory. A
    /// branch on whether a label improves is a coin toss, and a wrong guess would stall the
    /// processor until the label arrives; instead the new label is chosen without a branch, and
    /// every dependent within the threshold is marked pending whether its label improved or not,
    /// so the scan for the next node does not wait either. Marking one whose label did not
    /// improve changes nothing: it holds a label already and comes after this node, so it is
    /// pending already.
    fn relax(&mut self, graph: &PropertyGraph, node: NodeIdx, slot: Slot, max_cost: Cost) {
        let next_hops = (slot.hops & HOPS_MASK) + 1;
        let flag = slot.hops & REDUNDANT_BIT;
        // Kept in a register: through `self`, every mark would wait on the previous one.
        let mut last_word = self.last_word;
        for e in graph.dependents(node) {
            let edge = graph.edges[e];
            let next = edge.dependent;
            let next_cost = slot.cost.saturating_add(edge.cost);
            if next_cost > max_cost || next == node {
                continue;
            }
            let target = &mut self.slots[next as usize];
            let offered = key(u64::from(next_cost), next_hops);
            let held = key(u64::from(target.cost), target.hops & HOPS_MASK);
            let better = beats(offered, edge.row(), held, target.parent);
            let redundant = std::hint::select_unpredictable(edge.redundant(), REDUNDANT_BIT, flag);
            let offer = Slot {
                cost: next_cost,
                hops: next_hops | redundant,
                parent: edge.row(),
            };
            *target = std::hint::select_unpredictable(better, offer, *target);
            self.mark_with(next, &mut last_word);
        }
        self.last_word = last_word;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(cost: Cost, hops: u32, redundant: bool) -> Slot {
        Slot {
            cost,
            hops: hops | if redundant { REDUNDANT_BIT } else { 0 },
            parent: 7,
        }
    }

    #[test]
    fn labels_are_packed_only_when_they_all_fit_in_32_bits() {
        let threshold = super::super::cost_of(0.05).unwrap();
        // 3000 hops need 12 bits, leaving 19 for costs up to the threshold.
        let packing = Packing::new(2999, threshold).unwrap();
        assert_eq!(packing.shift, 12);
        assert!(Packing::new(2999, Cost::MAX).is_none());
        assert!(Packing::new(70_000, threshold).is_none());
        assert!(Packing::new(4094, threshold).is_some());
        assert!(Packing::new(4095, threshold).is_none());
        // One bit of hops leaves 30 for costs.
        assert!(Packing::may_fit((1 << 30) - 2) && Packing::new(0, (1 << 30) - 2).is_some());
        assert!(!Packing::may_fit((1 << 30) - 1) && Packing::new(0, (1 << 30) - 1).is_none());
        assert!(Packing::new(1 << 30, 0).is_none());
        assert!(Packing::new(u32::MAX, 0).is_none());
        // 4 bits of hops: the cheapest label beyond the threshold must stay below UNREACHED.
        assert!(Packing::new(14, (1 << 27) - 2).is_some());
        assert!(Packing::new(14, (1 << 27) - 1).is_none());
        assert_eq!(Packing::new(15, 1000).unwrap().shift, 5);
    }

    #[test]
    fn packed_offers_compare_like_labels() {
        let max_cost = 1000;
        let packing = Packing::new(14, max_cost).unwrap();
        let source = packing.pack(slot(400, 3, false));
        assert_eq!(packing.pack(EMPTY), UNREACHED);
        let unpacked = packing.unpack(source, 7);
        assert_eq!((unpacked.cost, unpacked.hops, unpacked.parent), (400, 3, 7));

        let offer = |cost, redundant| packing.offer(source, cost, redundant);
        let label = |offered: u64| {
            let slot = packing.unpack(offered as u32, 0);
            (
                slot.cost,
                slot.hops & HOPS_MASK,
                slot.hops & REDUNDANT_BIT != 0,
            )
        };
        assert_eq!(label(offer(600, false)), (1000, 4, false));
        assert_eq!(label(offer(5, true)), (405, 4, true));
        let redundant_source = packing.pack(slot(400, 3, true));
        assert_eq!(
            label(packing.offer(redundant_source, 5, false)),
            (405, 4, true)
        );

        // At the threshold an offer counts; one unit beyond, or from an unreached source, not.
        assert!(Packing::better(offer(600, false), packing.beyond));
        assert!(!Packing::better(offer(601, false), packing.beyond));
        assert!(!Packing::better(
            packing.offer(UNREACHED, 0, false),
            packing.beyond
        ));
        // (cost, hops) decides; the flag does not, so an equal offer does not beat an earlier one.
        let held = packing.pack(slot(405, 4, true));
        assert!(!Packing::better(offer(5, false), u64::from(held)));
        assert!(!Packing::better(offer(5, true), u64::from(held)));
        assert!(Packing::better(offer(4, true), u64::from(held)));
        let fewer_hops = packing.pack(slot(405, 3, false));
        assert!(!Packing::better(offer(5, false), u64::from(fewer_hops)));
        assert!(Packing::better(u64::from(fewer_hops), offer(5, true)));
    }
}
