//! The in-process part of `cargo xtask bench`: timings that the product promises "after loading",
//! which a whole `riskgraph` run cannot isolate. The inventory is loaded once with the engine
//! crate, then the measured step runs several times on it.

use std::path::Path;
use std::time::Instant;

use riskgraph_engine::exposure::{Exposure, NodeFacts, Workspace};
use riskgraph_engine::propagation::{ImpactGraph, Limits, Search};
use riskgraph_engine::rank::rank_vendors;
use riskgraph_model::values::Property;
use riskgraph_model::{Inventory, NodeDetail, NodeIdx};

use crate::Result;

/// A loaded inventory, its impact graph and the vendor whose failure reaches the most nodes.
pub struct Prepared {
    pub inventory: Inventory,
    pub graph: ImpactGraph,
    pub biggest: NodeIdx,
    pub biggest_reach: usize,
}

impl Prepared {
    pub fn biggest_id(&self) -> String {
        self.inventory.node(self.biggest).id.to_string()
    }
}

/// How many vendors, those with the most direct dependents, are searched to find the biggest.
const CANDIDATES: usize = 50;

pub fn prepare(dataset: &Path) -> Result<Prepared> {
    let started = Instant::now();
    let loaded = riskgraph_model::load(dataset);
    if loaded.diagnostics.n_errors() > 0 {
        return Err(format!("the dataset in {} has errors", dataset.display()).into());
    }
    let inventory = loaded.inventory;
    let load = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let graph = ImpactGraph::build(&inventory);
    let build = started.elapsed().as_secs_f64();
    println!("engine: loaded in {load:.2} s, impact graph built in {build:.3} s");

    // The vendor with the largest availability reach among those with the most direct dependents.
    let mut dependents = vec![0usize; inventory.nodes.len()];
    for dependency in &inventory.dependencies {
        dependents[dependency.to as usize] += 1;
    }
    let mut vendors: Vec<NodeIdx> = (0..inventory.nodes.len() as NodeIdx)
        .filter(|&n| matches!(inventory.node(n).detail, NodeDetail::Vendor(_)))
        .collect();
    vendors.sort_by_key(|&v| (std::cmp::Reverse(dependents[v as usize]), v));
    vendors.truncate(CANDIDATES);
    let availability = graph.property(Property::Availability);
    let mut search = Search::new(inventory.nodes.len());
    let (biggest, biggest_reach) = vendors
        .iter()
        .map(|&v| {
            (
                v,
                search
                    .run(availability, &[graph.internal(v)], Limits::default())
                    .labels
                    .len(),
            )
        })
        .max_by_key(|&(v, reach)| (reach, std::cmp::Reverse(v)))
        .ok_or("the dataset has no vendor")?;
    Ok(Prepared {
        inventory,
        graph,
        biggest,
        biggest_reach,
    })
}

/// Wall times in seconds of `runs` exposures of the biggest vendor over the three properties
/// (three searches, merged), after a warm-up; and the number of nodes reached.
pub fn propagate(prepared: &Prepared, runs: usize) -> (Vec<f64>, usize) {
    let mut workspace = Workspace::new(prepared.inventory.nodes.len());
    let mut run = || {
        let started = Instant::now();
        let exposure = Exposure::compute(
            &prepared.graph,
            &mut workspace,
            &[prepared.biggest],
            &Property::ALL,
            Limits::default(),
        );
        (started.elapsed().as_secs_f64(), exposure.nodes.len())
    };
    let (_, reached) = run();
    let walls = (0..runs).map(|_| run().0).collect();
    // The searches alone, without merging them into an exposure.
    let mut search = Search::new(prepared.inventory.nodes.len());
    for property in Property::ALL {
        let graph = prepared.graph.property(property);
        let origin = prepared.graph.internal(prepared.biggest);
        let mut times = Vec::new();
        let mut labels = 0;
        // A warm-up, then `runs` timed searches.
        for _ in 0..=runs {
            let started = Instant::now();
            search.explore(graph, &[origin], Limits::default());
            times.push(started.elapsed().as_secs_f64());
            labels = search.reached().count();
        }
        times.remove(0);
        times.sort_by(f64::total_cmp);
        println!(
            "  one search, {property:?}: {labels} nodes, min {:.4} s, median {:.4} s",
            times[0],
            times[times.len() / 2]
        );
    }
    // Summaries for every node as an origin at once, the way the assessment reads exposures.
    let facts = NodeFacts::new(&prepared.inventory);
    let started = Instant::now();
    let all = riskgraph_engine::reach::summaries(
        &prepared.graph,
        &facts,
        Property::Availability,
        Limits::default(),
    );
    println!(
        "  all-origin reach summaries, Availability: {} origins in {:.3} s",
        all.len(),
        started.elapsed().as_secs_f64()
    );
    (walls, reached)
}

/// Wall times in seconds of ranking every vendor on a pool of `threads` threads: `runs` runs
/// after a warm-up (the figures the ranking alone costs, without loading).
pub fn rank(prepared: &Prepared, threads: usize, runs: usize) -> Result<Vec<f64>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let facts = NodeFacts::new(&prepared.inventory);
    let run = || {
        let started = Instant::now();
        let ranks = pool.install(|| {
            rank_vendors(
                &prepared.inventory,
                &prepared.graph,
                &facts,
                &Property::ALL,
                Limits::default(),
            )
        });
        std::hint::black_box(ranks);
        started.elapsed().as_secs_f64()
    };
    run();
    Ok((0..runs).map(|_| run()).collect())
}
