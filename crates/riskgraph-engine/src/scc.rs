//! Strongly connected components: the one implementation, used by the impact graph (to number
//! nodes in topological order of their components) and by the cycle check of `validate`.

use riskgraph_model::NodeIdx;

use crate::per_node::PerNode;

/// The strongly connected components of the `n` nodes joined by `edges`, each with more than one
/// member (the cycles), members in increasing order, components in order of their first member.
pub(crate) fn cycles(
    n: usize,
    edges: impl Iterator<Item = (NodeIdx, NodeIdx)> + Clone,
) -> Vec<Vec<NodeIdx>> {
    let (order, component_end) = topological_components(n, edges);
    let mut cycles = Vec::new();
    let mut at = 0;
    while at < order.len() {
        let end = component_end[at] as usize;
        if end - at > 1 {
            cycles.push(order[at..end].to_vec());
        }
        at = end;
    }
    cycles.sort_unstable();
    cycles
}

/// The nodes in topological order of the strongly connected components of `edges`, each a
/// (from, to) pair (for the impact graph: failing node before dependents), each component's members consecutive and in index order; and, per position
/// in that order, one past the end of the position's component.
///
/// Tarjan's algorithm, iterative so that long dependency chains cannot overflow the stack. It
/// completes components dependents first, so the order is the reverse of completion.
pub(crate) fn topological_components(
    n: usize,
    edges: impl Iterator<Item = (NodeIdx, NodeIdx)> + Clone,
) -> (Vec<NodeIdx>, Vec<NodeIdx>) {
    const UNVISITED: u32 = u32::MAX;
    let dependents = PerNode::grouped(n, edges);
    let (offsets, targets) = dependents.arrays();

    let mut index = vec![UNVISITED; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<NodeIdx> = Vec::new();
    let mut calls: Vec<(NodeIdx, u32)> = Vec::new();
    let mut counter = 0u32;
    // Components as they complete: members in `completed`, split by `ends`.
    let mut completed: Vec<NodeIdx> = Vec::with_capacity(n);
    let mut ends: Vec<usize> = Vec::new();
    for start in 0..n as NodeIdx {
        if index[start as usize] != UNVISITED {
            continue;
        }
        // The node to enter next: the walk's start, then each unvisited dependent it meets.
        let mut enter = Some(start);
        loop {
            if let Some(w) = enter.take() {
                index[w as usize] = counter;
                low[w as usize] = counter;
                counter += 1;
                stack.push(w);
                on_stack[w as usize] = true;
                calls.push((w, offsets[w as usize]));
            }
            let Some(&mut (v, ref mut position)) = calls.last_mut() else {
                break;
            };
            if *position < offsets[v as usize + 1] {
                let w = targets[*position as usize];
                *position += 1;
                if index[w as usize] == UNVISITED {
                    enter = Some(w);
                } else if on_stack[w as usize] {
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent as usize] = low[parent as usize].min(low[v as usize]);
            }
            if low[v as usize] == index[v as usize] {
                let begin = completed.len();
                while let Some(w) = stack.pop() {
                    on_stack[w as usize] = false;
                    completed.push(w);
                    if w == v {
                        break;
                    }
                }
                completed[begin..].sort_unstable();
                ends.push(completed.len());
            }
        }
    }

    let mut order = Vec::with_capacity(n);
    let mut component_end = Vec::with_capacity(n);
    let mut end = n;
    for (k, &stop) in ends.iter().enumerate().rev() {
        let begin = if k == 0 { 0 } else { ends[k - 1] };
        let members = &completed[begin..stop];
        let first = order.len();
        order.extend_from_slice(members);
        component_end.extend(std::iter::repeat_n(
            (first + members.len()) as NodeIdx,
            members.len(),
        ));
        end -= members.len();
    }
    debug_assert_eq!(end, 0);
    (order, component_end)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// petgraph's Tarjan, as the reference: its components with more than one member, sorted.
    fn reference(n: usize, edges: &[(NodeIdx, NodeIdx)]) -> Vec<Vec<NodeIdx>> {
        let mut graph = petgraph::graph::DiGraph::<(), ()>::new();
        let nodes: Vec<_> = (0..n).map(|_| graph.add_node(())).collect();
        for &(from, to) in edges {
            graph.add_edge(nodes[from as usize], nodes[to as usize], ());
        }
        let mut cycles: Vec<Vec<NodeIdx>> = petgraph::algo::tarjan_scc(&graph)
            .into_iter()
            .filter(|component| component.len() > 1)
            .map(|component| {
                let mut members: Vec<NodeIdx> =
                    component.iter().map(|n| n.index() as NodeIdx).collect();
                members.sort_unstable();
                members
            })
            .collect();
        cycles.sort_unstable();
        cycles
    }

    #[test]
    fn a_cycle_and_a_self_loop() {
        // 0 -> 1 -> 2 -> 0, 3 -> 3, 4 alone: a self-loop is a component of one member.
        let edges = [(0, 1), (1, 2), (2, 0), (3, 3), (2, 4)];
        assert_eq!(cycles(5, edges.iter().copied()), vec![vec![0, 1, 2]]);
    }

    proptest! {
        #[test]
        fn the_cycles_are_petgraphs(
            n in 1usize..40,
            raw in proptest::collection::vec((0u32..40, 0u32..40), 0..120),
        ) {
            let edges: Vec<(NodeIdx, NodeIdx)> = raw
                .into_iter()
                .map(|(a, b)| (a % n as u32, b % n as u32))
                .collect();
            prop_assert_eq!(cycles(n, edges.iter().copied()), reference(n, &edges));
        }
    }
}
