//! The dependency graph: nodes are assets, processes and vendors, and an edge `X -> Y` is the
//! dependency row "X depends on Y".
//!
//! Node indexes in the graph are the inventory's node indexes, so the two never need a mapping.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use riskgraph_model::diagnostic::Diagnostic;
use riskgraph_model::{Inventory, NodeIdx};

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

    /// Groups of nodes that depend on each other in a circle, each in a deterministic order.
    pub fn cycles(&self) -> Vec<Vec<NodeIdx>> {
        let mut cycles: Vec<Vec<NodeIdx>> = tarjan_scc(&self.graph)
            .into_iter()
            .filter(|component| component.len() > 1)
            .map(|component| {
                component
                    .into_iter()
                    .map(|n| n.index() as NodeIdx)
                    .collect()
            })
            .collect();
        for cycle in &mut cycles {
            cycle.sort_unstable();
        }
        cycles.sort_unstable();
        cycles
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

/// Graph-level findings for `riskgraph validate`: dependency cycles (one printed per group of
/// nodes) and nodes that nothing depends on and that depend on nothing.
pub fn check(inventory: &Inventory, graph: &DependencyGraph) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for component in graph.cycles() {
        let cycle = graph.one_cycle(&component);
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
