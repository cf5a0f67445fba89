//! The checks of the dependency graph that `validate` reports: cycles and isolated nodes, over a
//! petgraph graph (its breadth-first search prints one concrete cycle) whose nodes are assets, processes and vendors and whose edge `X -> Y` is the
//! dependency row "X depends on Y".
//!
//! Node indexes in the graph are the inventory's node indexes, so the two never need a mapping.

use petgraph::graph::{DiGraph, NodeIndex};
use riskgraph_model::diagnostic::Diagnostic;
use riskgraph_model::{Inventory, NodeIdx};

use crate::per_node::PerNode;

/// Edge weight: the position of the dependency row in [`Inventory::dependencies`].
pub type DependencyIdx = u32;

/// The inventory's dependency graph.
pub struct DependencyGraph {
    pub graph: DiGraph<(), DependencyIdx, u32>,
}

impl DependencyGraph {
    pub fn build(inventory: &Inventory) -> Self {
        let mut graph = DiGraph::with_capacity(inventory.nodes.len(), inventory.dependencies.len());
        for _ in &inventory.nodes {
            graph.add_node(());
        }
        for (i, dependency) in inventory.dependencies.iter().enumerate() {
            graph.add_edge(
                NodeIndex::new(dependency.from as usize),
                NodeIndex::new(dependency.to as usize),
                i as DependencyIdx,
            );
        }
        Self { graph }
    }

    /// Groups of nodes that depend on each other in a circle, each in a deterministic order
    /// (found by [`crate::scc`], the engine's one strongly-connected-components implementation).
    pub fn cycles(&self) -> Vec<Vec<NodeIdx>> {
        let edges = self
            .graph
            .raw_edges()
            .iter()
            .map(|e| (e.source().index() as NodeIdx, e.target().index() as NodeIdx));
        crate::scc::cycles(self.graph.node_count(), edges)
    }

    /// One concrete cycle through the strongly connected `component`, starting at its first
    /// node: `a -> b -> c -> a`.
    pub fn one_cycle(&self, component: &[NodeIdx]) -> Vec<NodeIdx> {
        let Some(&start) = component.first() else {
            return Vec::new();
        };
        // Breadth-first search inside the component from `start` back to `start`, so the cycle
        // printed is a shortest one.
        let inside = |n: NodeIdx| component.binary_search(&n).is_ok();
        let mut parent: std::collections::HashMap<NodeIdx, NodeIdx> =
            std::collections::HashMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(node) = queue.pop_front() {
            let mut next: Vec<NodeIdx> = self
                .graph
                .neighbors(NodeIndex::new(node as usize))
                .map(|n| n.index() as NodeIdx)
                .filter(|&n| inside(n))
                .collect();
            next.sort_unstable();
            for n in next {
                if n == start {
                    // Walk the parents back from `node` to `start`, then close the circle.
                    let mut path = vec![node];
                    while let Some(&previous) = path.last().and_then(|at| parent.get(at)) {
                        path.push(previous);
                    }
                    path.reverse();
                    if path.first() != Some(&start) {
                        path.insert(0, start);
                    }
                    path.push(start);
                    return path;
                }
                if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(n) {
                    e.insert(node);
                    queue.push_back(n);
                }
            }
        }
        vec![start]
    }
}

/// Whether the dependencies have no cycle, a dependency of a node on itself included: every node
/// can be peeled off by repeatedly removing the nodes nothing left depends on (Kahn's algorithm).
///
/// Inventories rarely have cycles, and this pass over compressed adjacency arrays costs a fraction
/// of finding the strongly connected components in a petgraph graph, so [`check`] builds that
/// graph only when this says there is a cycle to print.
pub fn acyclic(inventory: &Inventory) -> bool {
    let n = inventory.nodes.len();
    // Each node's dependencies (its `to`s), and how many rows depend on each node.
    let dependencies = PerNode::grouped(n, inventory.dependencies.iter().map(|d| (d.from, d.to)));
    let mut dependents = vec![0u32; n];
    for dependency in &inventory.dependencies {
        dependents[dependency.to as usize] += 1;
    }
    let mut ready: Vec<NodeIdx> = (0..n as NodeIdx)
        .filter(|&node| dependents[node as usize] == 0)
        .collect();
    let mut peeled = 0;
    while let Some(node) = ready.pop() {
        peeled += 1;
        for &target in dependencies.of(node) {
            let left = &mut dependents[target as usize];
            *left -= 1;
            if *left == 0 {
                ready.push(target);
            }
        }
    }
    peeled == n
}

/// Graph-level findings for `riskgraph validate`: dependency cycles (one printed per group of
/// nodes) and nodes that nothing depends on and that depend on nothing.
pub fn check(inventory: &Inventory) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let (acyclic, isolated) = rayon::join(|| acyclic(inventory), || isolated(inventory));
    let cycles = if acyclic {
        Vec::new()
    } else {
        let graph = DependencyGraph::build(inventory);
        graph
            .cycles()
            .into_iter()
            .map(|component| (graph.one_cycle(&component), component))
            .collect()
    };
    for (cycle, component) in cycles {
        let names: Vec<&str> = cycle
            .iter()
            .map(|&n| inventory.node(n).id.as_str())
            .collect();
        let first = inventory.node(component[0]);
        diagnostics.push(
            Diagnostic::warning(
                "dependency-cycle",
                format!("dependency cycle: {}", names.join(" -> ")),
            )
            .with_help(format!(
                "{} nodes depend on each other in a circle; impact propagation handles it, but check that each row is right",
                component.len()
            ))
            .at(first.row.location()),
        );
    }
    diagnostics.extend(isolated);
    diagnostics
}

/// A warning for each node that nothing depends on and that depends on nothing.
fn isolated(inventory: &Inventory) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut has_edge = vec![false; inventory.nodes.len()];
    for dependency in &inventory.dependencies {
        has_edge[dependency.from as usize] = true;
        has_edge[dependency.to as usize] = true;
    }
    // Only when there are dependencies at all: a first inventory of assets alone is not wrong.
    if !inventory.dependencies.is_empty() {
        for (node, _) in inventory
            .nodes
            .iter()
            .zip(&has_edge)
            .filter(|(_, has)| !**has)
        {
            diagnostics.push(
                Diagnostic::warning("isolated-node", format!("nothing depends on `{}` and it depends on nothing", node.id))
                    .with_help("add its dependencies in dependencies.csv, or it will never be reached by a failure elsewhere")
                    .at(node.row.location()),
            );
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use riskgraph_model::{Source, load_sources};

    use super::*;

    /// An inventory of `n` assets `a0`, `a1`... with the dependency rows `(from, to)`.
    fn inventory(n: usize, rows: &[(usize, usize)]) -> Inventory {
        use std::fmt::Write;
        let mut assets = String::from("id,name,type\n");
        for i in 0..n {
            writeln!(assets, "a{i},a{i},software").unwrap();
        }
        let mut dependencies = String::from("from,to,kind\n");
        for (from, to) in rows {
            writeln!(dependencies, "a{from},a{to},uses").unwrap();
        }
        let loaded = load_sources(vec![
            Source::new("assets.csv", assets),
            Source::new("dependencies.csv", dependencies),
        ]);
        assert_eq!(loaded.diagnostics.n_errors(), 0);
        loaded.inventory
    }

    #[test]
    fn peeling_finds_cycles_wherever_they_are() {
        assert!(acyclic(&inventory(3, &[(0, 1), (1, 2), (0, 2)])));
        assert!(!acyclic(&inventory(2, &[(0, 1), (1, 0)])));
        // A cycle downstream of nodes on no cycle, and one upstream.
        assert!(!acyclic(&inventory(4, &[(0, 1), (1, 2), (2, 3), (3, 2)])));
        assert!(!acyclic(&inventory(4, &[(0, 1), (1, 0), (1, 2), (2, 3)])));
        assert!(acyclic(&inventory(2, &[])));
    }

    proptest! {
        #[test]
        fn peeling_agrees_with_strongly_connected_components(
            (n, rows) in (2usize..9).prop_flat_map(|n| {
                let row = (0..n, 0..n).prop_filter("no row joins a node to itself", |(f, t)| f != t);
                (Just(n), prop::collection::vec(row, 0..14))
            })
        ) {
            let inventory = inventory(n, &rows);
            let cycles = DependencyGraph::build(&inventory).cycles();
            prop_assert_eq!(acyclic(&inventory), cycles.is_empty());
            prop_assert_eq!(check(&inventory).iter().any(|d| d.code == "dependency-cycle"), !cycles.is_empty());
        }
    }
}
