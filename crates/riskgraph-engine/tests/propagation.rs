//! Propagation on hand-computed graphs, and against an exhaustive reference on random ones.

use proptest::prelude::*;
use riskgraph_engine::exposure::{Exposure, NodeFacts, Workspace};
use riskgraph_engine::propagation::{
    Cost, ImpactGraph, Label, Limits, NO_EDGE, PullRule, RawEdge, Search, cost_of,
};
use riskgraph_engine::rank::rank_vendors;
use riskgraph_model::values::Property;
use riskgraph_model::{Inventory, Source, load_sources};

/// An inventory of software assets `a`, `b`... and the given dependency rows
/// (`from,to,kind,strength,redundant,propagates`).
fn inventory(assets: &[&str], dependencies: &[&str]) -> Inventory {
    let mut assets_csv = String::from("id,name,type\n");
    for id in assets {
        assets_csv.push_str(&[id, ",", id, ",software\n"].concat());
    }
    let mut dependencies_csv = String::from("from,to,kind,strength,redundant,propagates\n");
    for row in dependencies {
        dependencies_csv.push_str(row);
        dependencies_csv.push('\n');
    }
    let loaded = load_sources(vec![
        Source::new("assets.csv", assets_csv),
        Source::new("dependencies.csv", dependencies_csv),
    ]);
    assert_eq!(
        loaded.diagnostics.n_errors(),
        0,
        "{:?}",
        loaded.diagnostics.items
    );
    loaded.inventory
}

/// The impact on each node reached from `origin`, by id, rounded to 4 decimals, with hops.
fn impacts(
    inventory: &Inventory,
    origin: &str,
    property: Property,
    limits: Limits,
) -> Vec<(String, f64, u32)> {
    let graph = ImpactGraph::build(inventory);
    let mut workspace = Workspace::new(inventory.nodes.len());
    let origin = inventory.node_idx(origin).unwrap();
    let exposure = Exposure::compute(&graph, &mut workspace, &[origin], &[property], limits);
    exposure
        .nodes
        .iter()
        .map(|r| {
            let hit = r.hit(property).unwrap();
            (
                inventory.node(r.node).id.to_string(),
                (hit.impact() * 10_000.0).round() / 10_000.0,
                hit.hops,
            )
        })
        .collect()
}

fn expect(list: &[(&str, f64, u32)]) -> Vec<(String, f64, u32)> {
    list.iter()
        .map(|&(id, impact, hops)| (id.to_owned(), impact, hops))
        .collect()
}

const C: Property = Property::Confidentiality;
const A: Property = Property::Availability;

#[test]
fn chain_multiplies_factors() {
    let inv = inventory(
        &["a", "b", "c"],
        &["b,a,runs-on,0.5,,", "c,b,runs-on,0.5,,"],
    );
    assert_eq!(
        impacts(&inv, "a", A, Limits::default()),
        expect(&[("a", 1.0, 0), ("b", 0.5, 1), ("c", 0.25, 2)])
    );
    // Impact flows only towards dependents: c's failure reaches nothing.
    assert_eq!(
        impacts(&inv, "c", A, Limits::default()),
        expect(&[("c", 1.0, 0)])
    );
}

#[test]
fn diamond_keeps_the_strongest_path() {
    // d depends on b and c; both depend on a. Via b: 0.5 x 1.0 = 0.5; via c: 0.8 x 0.5 = 0.4.
    let inv = inventory(
        &["a", "b", "c", "d"],
        &[
            "b,a,runs-on,0.5,,",
            "c,a,runs-on,0.8,,",
            "d,b,runs-on,1,,",
            "d,c,runs-on,0.5,,",
        ],
    );
    assert_eq!(
        impacts(&inv, "a", A, Limits::default()),
        expect(&[("a", 1.0, 0), ("c", 0.8, 1), ("b", 0.5, 1), ("d", 0.5, 2)])
    );
    let graph = ImpactGraph::build(&inv);
    let mut workspace = Workspace::new(inv.nodes.len());
    let exposure = Exposure::compute(&graph, &mut workspace, &[0], &[A], Limits::default());
    let path: Vec<&str> = exposure
        .lookup()
        .path(inv.node_idx("d").unwrap(), A)
        .iter()
        .map(|&(n, _)| inv.node(n).id.as_str())
        .collect();
    assert_eq!(path, ["a", "b", "d"]);
}

#[test]
fn cycles_terminate() {
    let inv = inventory(
        &["a", "b", "c"],
        &["a,b,runs-on,0.9,,", "b,a,runs-on,0.9,,", "c,b,runs-on,1,,"],
    );
    assert_eq!(
        impacts(&inv, "a", A, Limits::default()),
        expect(&[("a", 1.0, 0), ("b", 0.9, 1), ("c", 0.9, 2)])
    );
}

#[test]
fn a_dependency_on_itself_is_not_a_path() {
    // 0 -> 1 -> 2, where 0 and 1 also depend on themselves at full strength.
    let edge = |failing, dependent| RawEdge {
        failing,
        dependent,
        costs: [Some(0); 3],
        redundant: false,
    };
    let graph = ImpactGraph::from_edges(3, &[edge(0, 0), edge(0, 1), edge(1, 1), edge(1, 2)]);
    let mut search = Search::new(3);
    let reach = search.run(graph.property(C), &[graph.internal(0)], Limits::default());
    let labels: Vec<(u32, Cost, u32, u32)> = reach
        .labels
        .iter()
        .map(|l| (graph.external(l.node), l.cost, l.hops, l.parent))
        .collect();
    assert_eq!(labels, [(0, 0, 0, NO_EDGE), (1, 0, 1, 1), (2, 0, 2, 3)]);
}

#[test]
fn a_pull_reads_nothing_left_by_an_earlier_search_through_a_dependency_on_itself() {
    // o -> c at half strength, b -> c and c -> c at full strength. A search from b labels c
    // (cost 0); a later search from o, with the same Search, must not find that label through
    // c's dependency on itself.
    let edge = |failing, dependent, factor| RawEdge {
        failing,
        dependent,
        costs: [cost_of(factor); 3],
        redundant: false,
    };
    let (o, b, c) = (0, 1, 2);
    let graph = ImpactGraph::from_edges(3, &[edge(o, c, 0.5), edge(b, c, 1.0), edge(c, c, 1.0)]);
    let mut search = Search::new(3);
    search.set_pull_rule(PullRule::AT_ONCE);
    let mut label_of_c = |origin| {
        let reach = search.run(
            graph.property(C),
            &[graph.internal(origin)],
            Limits::default(),
        );
        let label = reach.labels.iter().find(|l| l.node == graph.internal(c));
        label.map(|l| (l.cost, l.hops, l.parent))
    };
    assert_eq!(label_of_c(b), Some((0, 1, 1)));
    assert_eq!(label_of_c(o), Some((cost_of(0.5).unwrap(), 1, 0)));
}

/// The chain 0 -> 1 -> ... -> n - 1, every dependency at full strength.
fn full_strength_chain(n: usize) -> ImpactGraph {
    let edges: Vec<RawEdge> = (0..n as u32 - 1)
        .map(|i| RawEdge {
            failing: i,
            dependent: i + 1,
            costs: [Some(0); 3],
            redundant: false,
        })
        .collect();
    ImpactGraph::from_edges(n, &edges)
}

#[test]
fn a_search_that_reaches_most_nodes_pulls_the_rest() {
    // A chain of 3000 nodes at full strength: 0 -> 1 -> ... -> 2999.
    let n = 3000;
    let graph = full_strength_chain(n);
    let origin = graph.internal(0);
    let mut search = Search::new(n);
    let first = search.run(graph.property(C), &[origin], Limits::default());
    assert_eq!(first.labels.len(), 3000);
    // By default the search looks after 1024 nodes: they were all the nodes it passed.
    assert_eq!(search.pulled_from(), Some(origin + 1024));
    for (rule, from) in [
        (PullRule::NEVER, None),
        (PullRule::AT_ONCE, Some(origin + 1)),
        (
            PullRule {
                every: 10,
                min_density: 100,
            },
            Some(origin + 10),
        ),
    ] {
        search.set_pull_rule(rule);
        let reach = search.run(graph.property(C), &[origin], Limits::default());
        assert_eq!(search.pulled_from(), from, "{rule:?}");
        assert_eq!(reach, first, "{rule:?}");
    }
}

#[test]
fn a_search_whose_labels_do_not_fit_in_32_bits_keeps_pushing() {
    // Chains at full strength: labels of 3000 hops fit with the default threshold, but not with
    // none, nor labels of 70,000 hops.
    for (n, limits, pulls) in [
        (3000, Limits::default(), true),
        (3000, Limits::new(0.0, None), false),
        (70_000, Limits::default(), false),
    ] {
        let graph = full_strength_chain(n);
        let origin = graph.internal(0);
        let mut search = Search::new(n);
        search.set_pull_rule(PullRule::AT_ONCE);
        let reach = search.run(graph.property(C), &[origin], limits);
        assert_eq!(
            search.pulled_from().is_some(),
            pulls,
            "{n} nodes, {limits:?}"
        );
        assert_eq!(reach.labels.len(), n);
        let last = reach.labels.last().unwrap();
        assert_eq!(
            (last.node, last.hops),
            (graph.internal(n as u32 - 1), n as u32 - 1)
        );
    }
}

#[test]
fn pulling_into_a_cycle_keeps_the_flag_of_the_final_parent() {
    // origin -> hub -> spare -> a (redundant) and hub -> c, with the cycle a -> b -> c -> a, all
    // at full strength. a is reached in 3 hops through spare (row 1, redundant) and through c
    // (row 0): row 0 wins the tie, so neither a nor b has a redundant dependency on its path. A
    // pull that let b copy a's label before the cycle's Dijkstra settled that tie would mark b
    // redundant.
    let edge = |failing, dependent, redundant| RawEdge {
        failing,
        dependent,
        costs: [Some(0); 3],
        redundant,
    };
    let (origin, hub, spare) = (0, 1, 2);
    let (a, b, c) = (3, 4, 5);
    let edges = [
        edge(c, a, false),
        edge(spare, a, true),
        edge(a, b, false),
        edge(b, c, false),
        edge(origin, hub, false),
        edge(hub, spare, false),
        edge(hub, c, false),
    ];
    let graph = ImpactGraph::from_edges(6, &edges);
    let mut search = Search::new(6);
    let mut labels = |rule| {
        search.set_pull_rule(rule);
        let reach = search.run(
            graph.property(C),
            &[graph.internal(origin)],
            Limits::default(),
        );
        let mut labels: Vec<(u32, Cost, u32, u32, bool)> = reach
            .labels
            .iter()
            .map(|l| {
                (
                    graph.external(l.node),
                    l.cost,
                    l.hops,
                    l.parent,
                    l.redundant,
                )
            })
            .collect();
        labels.sort_unstable();
        labels
    };
    let pushed = labels(PullRule::NEVER);
    assert_eq!(pushed[a as usize], (a, 0, 3, 0, false));
    assert_eq!(pushed[b as usize], (b, 0, 4, 2, false));
    assert_eq!(labels(PullRule::AT_ONCE), pushed);
}

#[test]
fn redundancy_weakens_availability_but_not_confidentiality() {
    let inv = inventory(&["a", "b"], &["b,a,runs-on,1,yes,"]);
    assert_eq!(
        impacts(&inv, "a", A, Limits::default()),
        expect(&[("a", 1.0, 0), ("b", 0.3, 1)])
    );
    assert_eq!(
        impacts(&inv, "a", C, Limits::default()),
        expect(&[("a", 1.0, 0), ("b", 1.0, 1)])
    );
}

#[test]
fn kinds_attenuate_per_property() {
    // Using a service carries 0.6 of a breach and 0.9 of an outage.
    let inv = inventory(&["a", "b"], &["b,a,uses,1,,"]);
    assert_eq!(
        impacts(&inv, "a", C, Limits::default()),
        expect(&[("a", 1.0, 0), ("b", 0.6, 1)])
    );
    assert_eq!(
        impacts(&inv, "a", A, Limits::default()),
        expect(&[("a", 1.0, 0), ("b", 0.9, 1)])
    );
}

#[test]
fn an_edge_carries_only_the_properties_it_propagates() {
    let inv = inventory(&["a", "b"], &["b,a,runs-on,1,,C"]);
    assert_eq!(
        impacts(&inv, "a", C, Limits::default()),
        expect(&[("a", 1.0, 0), ("b", 1.0, 1)])
    );
    assert_eq!(
        impacts(&inv, "a", A, Limits::default()),
        expect(&[("a", 1.0, 0)])
    );
}

#[test]
fn depth_limit_cuts_the_tree_of_strongest_paths() {
    // t is reached fully over three hops, or at half strength directly.
    let inv = inventory(
        &["a", "x", "y", "t"],
        &[
            "x,a,runs-on,1,,",
            "y,x,runs-on,1,,",
            "t,y,runs-on,1,,",
            "t,a,runs-on,0.5,,",
        ],
    );
    assert_eq!(
        impacts(&inv, "a", A, Limits::default()),
        expect(&[("a", 1.0, 0), ("x", 1.0, 1), ("y", 1.0, 2), ("t", 1.0, 3)])
    );
    // The limit cuts the tree of strongest paths: t's is three hops long, so t is left out
    // rather than shown with a weaker impact than it has.
    assert_eq!(
        impacts(&inv, "a", A, Limits::new(0.05, Some(2))),
        expect(&[("a", 1.0, 0), ("x", 1.0, 1), ("y", 1.0, 2)])
    );
    assert_eq!(
        impacts(&inv, "a", A, Limits::new(0.05, Some(0))),
        expect(&[("a", 1.0, 0)])
    );
}

#[test]
fn threshold_cuts_weak_impact() {
    let inv = inventory(
        &["a", "b", "c"],
        &["b,a,runs-on,0.2,,", "c,b,runs-on,0.2,,"],
    );
    // c would get 0.04, below the default 0.05.
    assert_eq!(
        impacts(&inv, "a", A, Limits::default()),
        expect(&[("a", 1.0, 0), ("b", 0.2, 1)])
    );
    assert_eq!(
        impacts(&inv, "a", A, Limits::new(0.01, None)),
        expect(&[("a", 1.0, 0), ("b", 0.2, 1), ("c", 0.04, 2)])
    );
}

#[test]
fn several_origins_fail_together() {
    let inv = inventory(
        &["a", "b", "c"],
        &["c,a,runs-on,0.5,,", "c,b,runs-on,0.8,,"],
    );
    let graph = ImpactGraph::build(&inv);
    let mut workspace = Workspace::new(3);
    let exposure = Exposure::compute(&graph, &mut workspace, &[0, 1], &[A], Limits::default());
    let c = exposure.nodes.iter().find(|r| r.node == 2).unwrap();
    assert!((c.impact(A).unwrap() - 0.8).abs() < 1e-4);
    assert_eq!(c.hit(A).unwrap().parent.map(|(n, _)| n), Some(1));
}

// --- Random graphs against an exhaustive reference ---

/// The best (cost, hops) of each node over every simple path from the origins, enumerating the
/// paths one by one; then the nodes whose best has more than `depth` hops are dropped.
struct Reference {
    edges: Vec<(u32, u32, Cost, u32)>,
    max_cost: Cost,
    on_path: Vec<bool>,
    best: Vec<Option<(Cost, u32)>>,
}

impl Reference {
    fn run(
        n: usize,
        edges: &[(u32, u32, Option<Cost>, bool)],
        origins: &[u32],
        max_cost: Cost,
        depth: u32,
    ) -> Vec<Option<(Cost, u32)>> {
        let mut reference = Self {
            edges: edges
                .iter()
                .enumerate()
                .filter_map(|(row, &(f, d, c, _))| c.map(|c| (f, d, c, row as u32)))
                .collect(),
            max_cost,
            on_path: vec![false; n],
            best: vec![None; n],
        };
        for &o in origins {
            reference.on_path[o as usize] = true;
        }
        for &origin in origins {
            reference.walk(origin, 0, 0);
        }
        for best in &mut reference.best {
            if best.is_some_and(|(_, hops)| hops > depth) {
                *best = None;
            }
        }
        reference.best
    }

    fn walk(&mut self, at: u32, cost: Cost, hops: u32) {
        let here = &mut self.best[at as usize];
        if here.is_none_or(|b| (cost, hops) < b) {
            *here = Some((cost, hops));
        }
        for i in 0..self.edges.len() {
            let (source, next, edge_cost, _) = self.edges[i];
            let next_cost = cost.saturating_add(edge_cost);
            if source == at && !self.on_path[next as usize] && next_cost <= self.max_cost {
                self.on_path[next as usize] = true;
                self.walk(next, next_cost, hops + 1);
                self.on_path[next as usize] = false;
            }
        }
    }
}

/// Dependency rows as (failing node, dependent node, cost, redundant).
type Edges = Vec<(u32, u32, Option<Cost>, bool)>;

fn random_graph() -> impl Strategy<Value = (usize, Edges)> {
    (2usize..8).prop_flat_map(|n| {
        let factor = prop_oneof![
            Just(None),
            Just(Some(0)),
            (1u32..=100).prop_map(|p| cost_of(f64::from(p) / 100.0)),
        ];
        let edge = (0..n as u32, 0..n as u32, factor, any::<bool>());
        (Just(n), prop::collection::vec(edge, 0..20))
    })
}

/// When searches switch from pushing labels to pulling them: never, at once, by default, or
/// after a few nodes at some density.
fn pull_rule() -> impl Strategy<Value = PullRule> {
    prop_oneof![
        Just(PullRule::NEVER),
        Just(PullRule::AT_ONCE),
        Just(PullRule::DEFAULT),
        (1usize..6, 0usize..=100).prop_map(|(every, min_density)| PullRule { every, min_density }),
    ]
}

proptest! {
    #[test]
    fn search_equals_exhaustive_enumeration(
        (n, edges) in random_graph(),
        origins in prop::collection::vec(0u32..8, 1..3),
        min in prop_oneof![Just(0.05), Just(0.3), Just(0.001)],
        depth in prop_oneof![Just(None), (0u32..5).prop_map(Some)],
        rule in pull_rule(),
    ) {
        let origins: Vec<u32> = origins.into_iter().map(|o| o % n as u32).collect();
        let raw: Vec<RawEdge> = edges
            .iter()
            .map(|&(failing, dependent, cost, redundant)| RawEdge {
                failing,
                dependent,
                costs: [cost; 3],
                redundant,
            })
            .collect();
        let graph = ImpactGraph::from_edges(n, &raw);
        let pg = graph.property(C);
        let limits = Limits::new(min, depth);
        let mut search = Search::new(n);
        search.set_pull_rule(rule);
        let internal: Vec<u32> = origins.iter().map(|&o| graph.internal(o)).collect();
        // Labels back in the caller's numbering, by node; parents as dependency rows.
        let mut labels: Vec<Label> = search
            .run(pg, &internal, limits)
            .labels
            .into_iter()
            .map(|l| Label {
                node: graph.external(l.node),
                ..l
            })
            .collect();
        labels.sort_unstable_by_key(|l| l.node);
        let expected = Reference::run(n, &edges, &origins, limits.max_cost, depth.unwrap_or(u32::MAX));
        let got: Vec<Option<(Cost, u32)>> = (0..n as u32)
            .map(|node| labels.iter().find(|l| l.node == node).map(|l| (l.cost, l.hops)))
            .collect();
        prop_assert_eq!(&got, &expected);

        // Parents: the earliest dependency row that ends a best path; impact never grows along
        // it; the redundant flag says whether a redundant edge lies on the path.
        let by_node = |node: u32| labels.iter().find(|l| l.node == node).copied();
        for label in &labels {
            if label.parent == NO_EDGE {
                prop_assert!(origins.contains(&label.node));
                prop_assert!(!label.redundant);
                continue;
            }
            let row = label.parent;
            let (source, dependent, edge_cost, redundant) = edges[row as usize];
            prop_assert_eq!(dependent, label.node);
            let parent = by_node(source).unwrap();
            prop_assert!(parent.cost <= label.cost);
            prop_assert_eq!(parent.cost + edge_cost.unwrap(), label.cost);
            prop_assert_eq!(parent.hops + 1, label.hops);
            prop_assert_eq!(label.redundant, parent.redundant || redundant);
            let first = edges
                .iter()
                .enumerate()
                .filter(|&(_, &(s, d, c, _))| {
                    d == label.node
                        && c.is_some_and(|c| {
                            by_node(s).is_some_and(|p: Label| {
                                p.cost.saturating_add(c) == label.cost && p.hops + 1 == label.hops
                            })
                        })
                })
                .map(|(row, _)| row as u32)
                .min();
            prop_assert_eq!(first, Some(row));
        }

        // The limits only cut: every node kept has the label it has without a depth limit.
        let unlimited = search.run(pg, &internal, Limits::new(min, None)).labels;
        prop_assert!(unlimited.len() >= labels.len());
        for label in &labels {
            let same = unlimited.iter().find(|l| graph.external(l.node) == label.node).unwrap();
            prop_assert_eq!((same.cost, same.hops), (label.cost, label.hops));
        }
    }
}

#[test]
fn costs_match_float_products() {
    let inv = inventory(&["a", "b", "c"], &["b,a,uses,0.7,,", "c,b,hosted-by,0.9,,"]);
    let got = impacts(&inv, "a", C, Limits::default());
    let expected = 0.6 * 0.7 * 0.8 * 0.9;
    assert!((got[2].1 - expected).abs() < 1e-4, "{got:?}");
}

#[test]
fn ranking_is_the_same_on_1_2_and_8_threads() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
    let loaded = riskgraph_model::load(&root);
    let inventory = loaded.inventory;
    let graph = ImpactGraph::build(&inventory);
    let facts = NodeFacts::new(&inventory);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                rank_vendors(
                    &inventory,
                    &graph,
                    &facts,
                    &Property::ALL,
                    Limits::default(),
                )
            })
    };
    let one = run(1);
    assert!(!one.is_empty());
    assert_eq!(one, run(2));
    assert_eq!(one, run(8));
}

/// Bellman-Ford to a fixpoint: relax every edge until no (cost, hops) improves. Slow and obviously
/// right, for graphs too big to enumerate paths.
fn fixpoint(
    n: usize,
    edges: &[(u32, u32, Option<Cost>, bool)],
    origins: &[u32],
    max_cost: Cost,
) -> Vec<Option<(Cost, u32)>> {
    let mut best: Vec<Option<(Cost, u32)>> = vec![None; n];
    for &o in origins {
        best[o as usize] = Some((0, 0));
    }
    loop {
        let mut changed = false;
        for &(failing, dependent, cost, _) in edges {
            let (Some((c, h)), Some(w)) = (best[failing as usize], cost) else {
                continue;
            };
            let candidate = (c.saturating_add(w), h + 1);
            if candidate.0 <= max_cost && best[dependent as usize].is_none_or(|b| candidate < b) {
                best[dependent as usize] = Some(candidate);
                changed = true;
            }
        }
        if !changed {
            return best;
        }
    }
}

fn big_random_graph() -> impl Strategy<Value = (usize, Edges)> {
    (60usize..200).prop_flat_map(|n| {
        let factor = prop_oneof![
            Just(None),
            Just(Some(0)),
            (1u32..=100).prop_map(|p| cost_of(f64::from(p) / 100.0)),
        ];
        // Mostly forward edges, some backward ones to make cycles of every size.
        let edge = (0..n as u32, 0..n as u32, factor, any::<bool>(), 0u8..10).prop_map(
            |(a, b, c, r, back)| {
                if back == 0 || a == b {
                    (a, b, c, r)
                } else {
                    (a.min(b), a.max(b), c, r)
                }
            },
        );
        (Just(n), prop::collection::vec(edge, 0..600))
    })
}

proptest! {
    #[test]
    fn search_equals_a_fixpoint_on_bigger_graphs(
        (n, edges) in big_random_graph(),
        origins in prop::collection::vec(0u32..200, 1..4),
        others in prop::collection::vec(0u32..200, 1..4),
        rules in prop::collection::vec(pull_rule(), 1..4),
    ) {
        let origins: Vec<u32> = origins.into_iter().map(|o| o % n as u32).collect();
        let raw: Vec<RawEdge> = edges
            .iter()
            .map(|&(failing, dependent, cost, redundant)| RawEdge { failing, dependent, costs: [cost; 3], redundant })
            .collect();
        let graph = ImpactGraph::from_edges(n, &raw);
        let limits = Limits::new(0.01, None);
        let internal: Vec<u32> = origins.iter().map(|&o| graph.internal(o)).collect();
        let mut search = Search::new(n);
        search.set_pull_rule(PullRule::NEVER);
        let pushed = search.run(graph.property(C), &internal, limits);
        let others: Vec<u32> = others.into_iter().map(|o| graph.internal(o % n as u32)).collect();
        // Twice per rule with the same search, after a search from other origins, to check that
        // nothing of one search is left in the next; pulling gives the same labels, parents
        // included, as pushing.
        for rule in rules {
            search.set_pull_rule(rule);
            for _ in 0..2 {
                search.run(graph.property(C), &others, limits);
                let reach = search.run(graph.property(C), &internal, limits);
                let mut got: Vec<Option<(Cost, u32)>> = vec![None; n];
                for label in &reach.labels {
                    got[graph.external(label.node) as usize] = Some((label.cost, label.hops));
                }
                prop_assert_eq!(&got, &fixpoint(n, &edges, &origins, limits.max_cost));
                // In the same order too: sums over the nodes reached come out the same.
                prop_assert_eq!(&reach.labels, &pushed.labels);
            }
        }
    }
}

#[test]
fn ranking_agrees_with_each_vendors_exposure() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
    let inventory = riskgraph_model::load(&root).inventory;
    let graph = ImpactGraph::build(&inventory);
    let facts = NodeFacts::new(&inventory);
    let ranks = rank_vendors(
        &inventory,
        &graph,
        &facts,
        &Property::ALL,
        Limits::default(),
    );
    let mut workspace = Workspace::new(inventory.nodes.len());
    for rank in &ranks {
        let exposure = Exposure::compute(
            &graph,
            &mut workspace,
            &[rank.vendor],
            &Property::ALL,
            Limits::default(),
        );
        let summary = exposure.summary(&inventory, &facts);
        assert_eq!(rank.reached, summary.reached);
        assert_eq!(rank.processes, summary.processes.len());
        assert_eq!(rank.commitments, summary.commitments.len());
        assert_eq!(rank.in_scope_assets, summary.in_scope_assets);
        let mut vendors = summary.vendors.clone();
        vendors.sort_unstable();
        assert_eq!(rank.fourth_parties, vendors);
        let mut alone: Vec<u32> = exposure
            .dependents()
            .filter(|r| match &inventory.node(r.node).detail {
                riskgraph_model::NodeDetail::Process(p) => {
                    p.criticality.is_some_and(|c| c.get() >= 4)
                }
                _ => false,
            })
            .filter(|r| r.hit(Property::Availability).is_some_and(|h| !h.redundant))
            .map(|r| r.node)
            .collect();
        alone.sort_unstable();
        assert_eq!(rank.single_points_of_failure, alone);
        assert!(rank.score > 0.0 || rank.reached == 0);
    }
}

/// The all-origins summaries equal what each origin's own search gives, on the bundled dataset
/// with `extra` dependency rows (some closing cycles) added.
fn check_summaries_agree(extra: &[(u32, u32, f32, bool)]) {
    use riskgraph_model::records::Dependency;
    use riskgraph_model::values::{Factor, Properties};
    use riskgraph_model::vocabulary::DependencyKind;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
    let mut inventory = riskgraph_model::load(&root).inventory;
    let n = inventory.nodes.len() as u32;
    for &(from, to, strength, redundant) in extra {
        inventory.dependencies.push(Dependency {
            from: from % n,
            to: to % n,
            kind: DependencyKind::Uses,
            strength: Factor::new(strength).unwrap(),
            redundant,
            propagates: Properties::ALL,
            row: riskgraph_model::node::RowRef::default(),
        });
    }
    let graph = ImpactGraph::build(&inventory);
    let facts = NodeFacts::new(&inventory);
    let mut workspace = Workspace::new(inventory.nodes.len());
    for property in Property::ALL {
        for limits in [Limits::default(), Limits::new(0.3, None)] {
            let all = riskgraph_engine::reach::summaries(&graph, &facts, property, limits);
            for origin in 0..n {
                let exposure =
                    Exposure::compute(&graph, &mut workspace, &[origin], &[property], limits);
                let one = exposure.summary(&inventory, &facts);
                let composed = &all[origin as usize];
                assert_eq!(
                    composed.max_value(),
                    one.max_value.map(|(v, _, _)| v),
                    "origin {origin}"
                );
                assert_eq!(
                    composed.highest_classification(),
                    one.highest_classification
                );
                assert_eq!(composed.personal_data().is_some(), one.personal_data);
                assert_eq!(composed.commitment_reached(), !one.commitments.is_empty());
                let max_process = exposure
                    .nodes
                    .iter()
                    .filter_map(|r| match &inventory.node(r.node).detail {
                        riskgraph_model::NodeDetail::Process(p) => Some(
                            p.criticality
                                .map_or(3, riskgraph_model::values::Rating::get),
                        ),
                        _ => None,
                    })
                    .max();
                assert_eq!(
                    composed.max_process_criticality(),
                    max_process,
                    "origin {origin}"
                );
            }
        }
    }
}

#[test]
fn all_origin_summaries_equal_one_search_each() {
    check_summaries_agree(&[]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    #[test]
    fn all_origin_summaries_hold_with_cycles(
        extra in prop::collection::vec((0u32..200, 0u32..200, 0.1f32..=1.0, any::<bool>()), 1..40)
    ) {
        check_summaries_agree(&extra);
    }
}

proptest! {
    /// With costs that differ per property, every node of an all-properties exposure hangs in
    /// the tree of headline parents: following them always ends at an origin.
    #[test]
    fn the_headline_tree_holds_every_node(
        n in 2usize..30,
        edges in prop::collection::vec(
            (0u32..30, 0u32..30, prop::array::uniform3(prop_oneof![Just(None), (1u32..=100).prop_map(|p| cost_of(f64::from(p) / 100.0))]), any::<bool>()),
            0..80,
        ),
        origins in prop::collection::vec(0u32..30, 1..3),
    ) {
        let raw: Vec<RawEdge> = edges
            .iter()
            .map(|&(f, d, costs, redundant)| RawEdge { failing: f % n as u32, dependent: d % n as u32, costs, redundant })
            .collect();
        let origins: Vec<u32> = origins.into_iter().map(|o| o % n as u32).collect();
        let graph = ImpactGraph::from_edges(n, &raw);
        let mut workspace = Workspace::new(n);
        for depth in [None, Some(2)] {
            let exposure = Exposure::compute(&graph, &mut workspace, &origins, &Property::ALL, Limits::new(0.01, depth));
            let lookup = exposure.lookup();
            let mut seen = std::collections::HashSet::new();
            for reached in &exposure.nodes {
                prop_assert!(seen.insert(reached.node), "node {} listed twice", reached.node);
                let mut at = reached;
                for _ in 0..=n {
                    match at.headline().parent {
                        None => break,
                        Some((parent, _)) => at = lookup.get(parent).expect("a parent is reached"),
                    }
                }
                prop_assert!(at.is_origin(), "node {}'s parents loop", reached.node);
            }
        }
    }
}
