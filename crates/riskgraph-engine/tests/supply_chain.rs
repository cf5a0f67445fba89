//! The supply chain: upstream searches against downstream ones on random graphs, single points of
//! failure, the vendors under each vendor, fourth parties and concentration.

use proptest::prelude::*;
use riskgraph_engine::exposure::{Exposure, NodeFacts, Workspace};
use riskgraph_engine::propagation::{
    Cost, ImpactGraph, Label, Limits, PullRule, RawEdge, Search, cost_of,
};
use riskgraph_engine::supply_chain::{
    DEFAULT_SPOF, Upstream, VendorTies, concentration, fourth_parties, of_critical_process,
    sole_provider_of,
};
use riskgraph_model::values::Property;
use riskgraph_model::{Inventory, Source, load_sources};

const A: Property = Property::Availability;

/// An inventory from CSV texts: `assets` and `vendors` as `id` or `id,criticality` lines (assets
/// take the rest from defaults), `processes` as `id,criticality`, dependency rows as
/// `from,to,kind,strength,redundant,propagates`.
fn inventory(assets: &[&str], processes: &[&str], vendors: &[&str], rows: &[&str]) -> Inventory {
    let mut sources = Vec::new();
    let csv = |header: &str, lines: &[&str], row: &dyn Fn(&str) -> String| {
        let mut text = format!("{header}\n");
        for line in lines {
            text.push_str(&row(line));
            text.push('\n');
        }
        text
    };
    if !assets.is_empty() {
        let row = |line: &str| {
            let (id, in_scope) = line.split_once(',').unwrap_or((line, "yes"));
            format!("{id},{id},software,{in_scope}")
        };
        sources.push(Source::new(
            "assets.csv",
            csv("id,name,type,in_scope", assets, &row),
        ));
    }
    let rated = |line: &str| {
        let (id, criticality) = line.split_once(',').unwrap_or((line, "3"));
        format!("{id},{id},{criticality}")
    };
    if !processes.is_empty() {
        sources.push(Source::new(
            "processes.csv",
            csv("id,name,criticality", processes, &rated),
        ));
    }
    if !vendors.is_empty() {
        sources.push(Source::new(
            "vendors.csv",
            csv("id,name,criticality", vendors, &rated),
        ));
    }
    sources.push(Source::new(
        "dependencies.csv",
        csv(
            "from,to,kind,strength,redundant,propagates",
            rows,
            &|line: &str| line.to_owned(),
        ),
    ));
    let loaded = load_sources(sources);
    assert_eq!(
        loaded.diagnostics.n_errors(),
        0,
        "{:?}",
        loaded.diagnostics.items
    );
    loaded.inventory
}

fn ids(inventory: &Inventory, nodes: &[u32]) -> Vec<String> {
    nodes
        .iter()
        .map(|&n| inventory.node(n).id.to_string())
        .collect()
}

fn acme() -> Inventory {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
    riskgraph_model::load(&root).inventory
}

// --- Upstream against downstream ---

/// Dependency rows as (failing node, dependent node, cost per property, redundant).
type Edges = Vec<(u32, u32, [Option<Cost>; 3], bool)>;

fn factor() -> impl Strategy<Value = Option<Cost>> {
    prop_oneof![
        Just(None),
        Just(Some(0)),
        (1u32..=100).prop_map(|p| cost_of(f64::from(p) / 100.0)),
    ]
}

/// Graphs of up to 40 nodes, mostly forward edges with some backward ones for cycles, costs
/// differing per property.
fn random_graph() -> impl Strategy<Value = (usize, Edges)> {
    (2usize..40).prop_flat_map(|n| {
        let edge = (
            0..n as u32,
            0..n as u32,
            prop::array::uniform3(factor()),
            any::<bool>(),
            0u8..6,
        )
            .prop_map(|(a, b, costs, redundant, back)| {
                if back == 0 {
                    (a, b, costs, redundant)
                } else {
                    (a.min(b), a.max(b), costs, redundant)
                }
            });
        (Just(n), prop::collection::vec(edge, 0..120))
    })
}

fn pull_rule() -> impl Strategy<Value = PullRule> {
    prop_oneof![
        Just(PullRule::NEVER),
        Just(PullRule::AT_ONCE),
        Just(PullRule::DEFAULT),
    ]
}

/// The (cost, hops) of the label of `node` among `labels`, by inventory index.
fn find(labels: &[Label], graph: &ImpactGraph, node: u32) -> Option<(Cost, u32)> {
    labels
        .iter()
        .find(|l| graph.external(l.node) == node)
        .map(|l| (l.cost, l.hops))
}

proptest! {
    /// The impact on the targets of a failure at `x`, read from one upstream search, is what a
    /// search from `x` gives the targets (the strongest of them), for every `x`, every property
    /// and any limits; and the path kept leads from `x` to a target at that cost.
    #[test]
    fn upstream_reads_every_downstream_search_backwards(
        (n, edges) in random_graph(),
        targets in prop::collection::vec(0u32..40, 1..3),
        min in prop_oneof![Just(0.05), Just(0.3), Just(0.001)],
        depth in prop_oneof![Just(None), (0u32..5).prop_map(Some)],
        rule in pull_rule(),
    ) {
        let targets: Vec<u32> = targets.into_iter().map(|t| t % n as u32).collect();
        let raw: Vec<RawEdge> = edges
            .iter()
            .map(|&(failing, dependent, costs, redundant)| RawEdge { failing, dependent, costs, redundant })
            .collect();
        let graph = ImpactGraph::from_edges(n, &raw);
        let upstream = graph.upstream();
        let limits = Limits::new(min, depth);
        let mut search = Search::new(n);
        search.set_pull_rule(rule);
        for property in Property::ALL {
            let internal: Vec<u32> = targets.iter().map(|&t| upstream.internal(t)).collect();
            let back = search.run(upstream.property(property), &internal, limits).labels;
            // The depth limit cuts by the strongest path to any target, as for several origins.
            let unlimited = Limits::new(min, None);
            for x in 0..n as u32 {
                let forward = search
                    .run(graph.property(property), &[graph.internal(x)], unlimited)
                    .labels;
                let expected = targets
                    .iter()
                    .filter_map(|&t| find(&forward, &graph, t))
                    .min()
                    .filter(|&(_, hops)| depth.is_none_or(|d| hops <= d));
                prop_assert_eq!(find(&back, upstream, x), expected, "node {} property {:?}", x, property);
            }
            // Each label's parent is one step towards the targets, over a row from it.
            for label in &back {
                let node = upstream.external(label.node);
                if label.hops == 0 {
                    prop_assert!(targets.contains(&node));
                    continue;
                }
                let row = label.parent as usize;
                let (failing, dependent, costs, _) = edges[row];
                prop_assert_eq!(failing, node);
                prop_assert_eq!(upstream.failing_node(label.parent), dependent);
                let next = find(&back, upstream, dependent).expect("the next node is reached");
                prop_assert_eq!(next.0 + costs[property as usize].unwrap(), label.cost);
                prop_assert_eq!(next.1 + 1, label.hops);
            }
        }
    }
}

#[test]
fn the_upstream_of_the_upstream_is_the_graph() {
    let edge = |failing, dependent, cost| RawEdge {
        failing,
        dependent,
        costs: [Some(cost); 3],
        redundant: false,
    };
    // 0 -> 1 <-> 2 -> 3, 4 alone, and 3 on itself.
    let raw = [
        edge(0, 1, 10),
        edge(1, 2, 20),
        edge(2, 1, 5),
        edge(2, 3, 7),
        edge(3, 3, 0),
    ];
    let graph = ImpactGraph::from_edges(5, &raw);
    let twice = graph.upstream().upstream();
    let mut search = Search::new(5);
    for origin in 0..5 {
        let once = search.run(
            graph.property(A),
            &[graph.internal(origin)],
            Limits::default(),
        );
        let again = search.run(
            twice.property(A),
            &[twice.internal(origin)],
            Limits::default(),
        );
        for node in 0..5 {
            assert_eq!(
                find(&once.labels, &graph, node),
                find(&again.labels, twice, node)
            );
        }
    }
}

// --- Single points of failure ---

#[test]
fn a_redundant_dependency_is_no_single_point_of_failure() {
    // The process uses the app fully; the app runs on the host, which the cloud provides, and
    // keeps its data in a store with a redundant replica.
    let inv = inventory(
        &["app", "host", "store", "replica"],
        &["proc,5"],
        &["cloud,4"],
        &[
            "proc,app,uses,1,no,",
            "app,host,runs-on,1,no,",
            "host,cloud,provided-by,1,no,",
            "app,store,stores-data-in,1,yes,",
            "app,replica,stores-data-in,1,yes,",
        ],
    );
    let graph = ImpactGraph::build(&inv);
    let spofs = of_critical_process(&inv, &graph, inv.node_idx("proc").unwrap());
    let found: Vec<(String, f64)> = spofs
        .iter()
        .map(|s| {
            (
                inv.node(s.node).id.to_string(),
                (s.impact() * 100.0).round() / 100.0,
            )
        })
        .collect();
    let expected = [("app", 0.9), ("host", 0.9), ("cloud", 0.9)];
    assert_eq!(
        found,
        expected
            .map(|(id, impact)| (id.to_owned(), impact))
            .to_vec()
    );
    // The whole upstream lists the store and its replica, weakened, and marks the rest.
    let mut workspace = Workspace::new(inv.nodes.len());
    let process = inv.node_idx("proc").unwrap();
    let upstream = Upstream::compute(
        &graph,
        &mut workspace,
        &[process],
        &Property::ALL,
        Limits::default(),
        DEFAULT_SPOF,
    );
    let store = inv.node_idx("store").unwrap();
    let lookup = upstream.exposure.lookup();
    let hit = lookup.get(store).unwrap();
    assert!((hit.impact(A).unwrap() - 0.27).abs() < 1e-3);
    assert!((hit.impact(Property::Confidentiality).unwrap() - 0.6).abs() < 1e-3);
    assert!(!upstream.is_single_point_of_failure(store));
    assert!(upstream.is_single_point_of_failure(inv.node_idx("cloud").unwrap()));
    assert!(!upstream.is_single_point_of_failure(process));
    // Its path leads to the process, the cloud first.
    let path: Vec<String> = lookup
        .path(inv.node_idx("cloud").unwrap(), A)
        .iter()
        .map(|&(n, _)| inv.node(n).id.to_string())
        .collect();
    assert_eq!(path, ["proc", "app", "host", "cloud"]);
    // A process that is not critical lists none.
    let inv = inventory(&["app"], &["proc,3"], &[], &["proc,app,uses,1,no,"]);
    let graph = ImpactGraph::build(&inv);
    assert!(of_critical_process(&inv, &graph, inv.node_idx("proc").unwrap()).is_empty());
}

#[test]
fn the_threshold_sets_what_counts_as_a_single_point_of_failure() {
    let inv = inventory(
        &["app"],
        &["proc,4"],
        &["saas,3"],
        &["proc,app,uses,1,no,", "app,saas,provided-by,0.85,no,"],
    );
    let graph = ImpactGraph::build(&inv);
    let process = inv.node_idx("proc").unwrap();
    let spofs = |spof: f64| {
        let mut workspace = Workspace::new(inv.nodes.len());
        let upstream = Upstream::compute(
            &graph,
            &mut workspace,
            &[process],
            &[A],
            Limits::default(),
            spof,
        );
        let nodes: Vec<u32> = upstream
            .single_points_of_failure
            .iter()
            .map(|s| s.node)
            .collect();
        ids(&inv, &nodes)
    };
    // The app reaches it at 0.9, the provider at 0.9 x 0.85 = 0.765.
    assert_eq!(spofs(0.8), ["app"]);
    assert_eq!(spofs(0.7), ["app", "saas"]);
    assert!(spofs(0.95).is_empty());
}

// --- Vendors under vendors ---

#[test]
fn vendors_depend_on_vendors_through_other_nodes_and_cycles() {
    // a and b depend on each other; b runs on a platform (out of scope: it is b's) that the cloud
    // provides; c uses a; the company's app uses c only, and its old, out-of-scope app uses the
    // cloud directly.
    let inv = inventory(
        &["app", "platform,no", "old-app,no"],
        &[],
        &["a", "b", "c", "cloud", "lonely"],
        &[
            "a,b,uses,1,no,",
            "b,a,uses,1,no,",
            "b,platform,runs-on,1,no,",
            "platform,cloud,provided-by,1,no,",
            "c,a,uses,1,no,",
            "app,c,uses,1,no,",
            "old-app,cloud,uses,1,no,",
        ],
    );
    let ties = VendorTies::new(&inv);
    let under = |id: &str| ids(&inv, ties.dependents(inv.node_idx(id).unwrap()));
    assert_eq!(under("a"), ["b", "c"]);
    assert_eq!(under("b"), ["a", "c"]);
    assert_eq!(under("cloud"), ["a", "b", "c"]);
    assert!(under("c").is_empty() && under("lonely").is_empty());
    let hidden = |id: &str| ties.is_hidden(inv.node_idx(id).unwrap());
    // Only an in-scope asset or process makes a vendor used directly; c is not a fourth party.
    assert!(hidden("a") && hidden("b") && hidden("cloud"));
    assert!(!hidden("c") && !hidden("lonely"));
    assert!(!ties.is_fourth_party(inv.node_idx("c").unwrap()));
    assert!(ties.dependents(inv.node_idx("app").unwrap()).is_empty());
}

#[test]
fn fourth_parties_and_concentration_on_the_bundled_dataset() {
    let inv = acme();
    let graph = ImpactGraph::build(&inv);
    let facts = NodeFacts::new(&inv);
    let ties = VendorTies::new(&inv);
    let ranked = fourth_parties(
        &inv,
        &graph,
        &facts,
        &ties,
        &Property::ALL,
        Limits::default(),
    );
    let providers: Vec<u32> = ranked.iter().map(|f| f.provider).collect();
    assert_eq!(
        ids(&inv, &providers),
        [
            "aws",
            "parallax-dns",
            "google-workspace",
            "slack",
            "zendesk"
        ]
    );
    let parallax = &ranked[1];
    assert!(parallax.hidden && !ranked[0].hidden);
    assert_eq!(
        ids(&inv, &parallax.vendors),
        [
            "okta",
            "github",
            "slack",
            "datadog",
            "pagerduty",
            "brightdesk"
        ]
    );
    // What it reaches is what its exposure reaches.
    let mut workspace = Workspace::new(inv.nodes.len());
    for party in &ranked {
        let exposure = Exposure::compute(
            &graph,
            &mut workspace,
            &[party.provider],
            &Property::ALL,
            Limits::default(),
        );
        let summary = exposure.summary(&inv, &facts);
        assert_eq!(party.commitments, summary.commitments);
        let mut critical: Vec<u32> = summary
            .processes
            .iter()
            .copied()
            .filter(|&p| inv.node(p).criticality().is_some_and(|c| c.get() >= 4))
            .collect();
        critical.sort_unstable();
        assert_eq!(party.critical_processes, critical);
    }
    let concentrated: Vec<(String, Vec<String>, Vec<String>)> =
        concentration(&inv, &graph, &ties, DEFAULT_SPOF)
            .iter()
            .map(|c| {
                (
                    inv.node(c.provider).id.to_string(),
                    ids(&inv, &c.critical_vendors),
                    ids(&inv, &c.sole_provider_of),
                )
            })
            .collect();
    assert_eq!(concentrated.len(), 2, "{concentrated:?}");
    assert_eq!(concentrated[0].0, "aws");
    assert_eq!(
        concentrated[0].2,
        [
            "proc-saas-delivery",
            "proc-billing",
            "proc-payroll",
            "proc-support"
        ]
    );
    assert_eq!(
        concentrated[1],
        (
            "parallax-dns".to_owned(),
            vec!["okta".to_owned(), "github".to_owned(), "datadog".to_owned()],
            vec!["proc-sdlc".to_owned()]
        )
    );
    let github = inv.node_idx("github").unwrap();
    assert_eq!(
        ids(&inv, &sole_provider_of(&inv, &graph, github, DEFAULT_SPOF)),
        ["proc-sdlc"]
    );
}

#[test]
fn fourth_parties_are_the_same_on_1_2_and_8_threads() {
    let inv = acme();
    let graph = ImpactGraph::build(&inv);
    let facts = NodeFacts::new(&inv);
    let ties = VendorTies::new(&inv);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                (
                    fourth_parties(
                        &inv,
                        &graph,
                        &facts,
                        &ties,
                        &Property::ALL,
                        Limits::default(),
                    ),
                    concentration(&inv, &graph, &ties, DEFAULT_SPOF),
                    VendorTies::new(&inv),
                )
            })
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(8));
}
