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

/// What `propagate` measured, wall times in seconds after a warm-up.
pub struct Propagation {
    /// The exposures of the biggest vendor over the three properties (three searches, merged).
    pub exposures: Vec<f64>,
    /// The nodes the exposure reached.
    pub reached: usize,
    /// One search from the biggest vendor, per property (C, I, A).
    pub searches: [Vec<f64>; 3],
}

/// Times `runs` exposures of the biggest vendor and `runs` searches per property.
pub fn propagate(prepared: &Prepared, runs: usize) -> Propagation {
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
    let (first, reached) = run();
    println!(
        "  the first exposure, which also builds each property's in-edge arrays for pulling: {first:.3} s"
    );
    let exposures = (0..runs).map(|_| run().0).collect();
    let mut searches: [Vec<f64>; 3] = Default::default();
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
        searches[property as usize].clone_from(&times);
        times.sort_by(f64::total_cmp);
        let pulled = search
            .pulled_from()
            .map_or("never pulled".to_string(), |node| {
                format!("pulled from node {node}")
            });
        println!(
            "  one search, {property:?}: {labels} nodes, min {:.4} s, median {:.4} s ({pulled})",
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
    Propagation {
        exposures,
        reached,
        searches,
    }
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

/// The scoring benchmark's figures, in seconds.
pub struct ScoreFigures {
    pub scenarios: usize,
    pub prepare: f64,
    pub one_thread: Vec<f64>,
    pub all_threads: Vec<f64>,
    pub rust_twin: Vec<f64>,
}

/// Scores every scenario of the dataset with the built-in rules (likelihood, impact and residual
/// per scenario) on one thread and on `threads`, and the same method written in Rust (the twin,
/// kept here only) on `threads`.
pub fn score(prepared: &Prepared, threads: usize, runs: usize) -> Result<ScoreFigures> {
    use riskgraph_engine::indexes::Indexes;
    use riskgraph_engine::rules::Rules;
    use riskgraph_engine::scenarios::{Inputs, scenarios_with};
    let rules = Rules::builtin().map_err(|errors| format!("built-in rules: {}", errors[0]))?;
    let as_of = jiff::civil::date(2026, 11, 1);
    let started = Instant::now();
    // One node index for the scenarios and the inputs, as in a session.
    let cache = Indexes::default();
    let indexed = cache.of(&prepared.inventory);
    let list = scenarios_with(&prepared.inventory, &indexed.nodes());
    let inputs = Inputs::with(indexed, &prepared.graph, Limits::default(), as_of);
    let prepare = started.elapsed().as_secs_f64();
    let time = |threads: usize, twin: bool| -> Result<Vec<f64>> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        let mut walls = Vec::new();
        for run in 0..=runs {
            let started = Instant::now();
            let scored = pool.install(|| {
                if twin {
                    use rayon::prelude::*;
                    let copies = riskgraph_engine::pool::Pool::new(|| inputs.views().copy());
                    Ok(list
                        .par_iter()
                        .map_init(|| copies.take(), |views, &s| twin_score(&inputs, views, s))
                        .collect::<Vec<_>>())
                } else {
                    inputs.score_all(&rules, &list).map(|v| {
                        v.into_iter()
                            .map(|s| {
                                (
                                    s.inherent.likelihood,
                                    s.inherent.impact,
                                    s.residual.likelihood,
                                    s.residual.impact,
                                )
                            })
                            .collect()
                    })
                }
            });
            let scored = scored.map_err(|e| e.to_string())?;
            std::hint::black_box(&scored);
            if run > 0 {
                walls.push(started.elapsed().as_secs_f64());
            }
        }
        Ok(walls)
    };
    // The twin must agree with the scripts, or the comparison means nothing.
    let scripted = inputs
        .score_all(&rules, &list[..list.len().min(20_000)])
        .map_err(|e| e.to_string())?;
    for (s, &scenario) in scripted.iter().zip(&list) {
        let twin = twin_score(&inputs, inputs.views(), scenario);
        let got = (
            s.inherent.likelihood,
            s.inherent.impact,
            s.residual.likelihood,
            s.residual.impact,
        );
        if got != twin {
            return Err(format!(
                "the Rust twin disagrees with the rules on {scenario:?}: {twin:?} vs {got:?}"
            )
            .into());
        }
    }
    Ok(ScoreFigures {
        scenarios: list.len(),
        prepare,
        one_thread: time(1, false)?,
        all_threads: time(threads, false)?,
        rust_twin: time(threads, true)?,
    })
}

/// The built-in likelihood, impact and residual rules, written in Rust: the benchmark's yardstick.
fn twin_score(
    inputs: &riskgraph_engine::scenarios::Inputs<'_>,
    views: &riskgraph_engine::scenarios::Views,
    scenario: riskgraph_engine::scenarios::Scenario,
) -> (i64, i64, i64, i64) {
    let ctx = inputs.context(views, scenario);
    let ctx = &ctx.0;
    let threat = &inputs.threat(views, scenario).0;
    let node = &inputs.node(scenario.node).0;
    let to_scale = |rating: i64| -> i64 {
        if ctx.scale == 5 {
            return rating;
        }
        let scaled = 1.0 + (rating - 1) as f64 * (ctx.scale - 1) as f64 / 4.0;
        (scaled.round() as i64).clamp(1, ctx.scale)
    };
    // likelihood.rhai
    let mut score = threat.likelihood;
    let worst = ctx
        .vulnerabilities
        .iter()
        .filter(|v| v.status == "open")
        .map(|v| v.severity)
        .max()
        .unwrap_or(0);
    score += match worst {
        5.. => 2,
        4 => 1,
        _ => 0,
    };
    score += match ctx.incidents.len() {
        3.. => 2,
        1.. => 1,
        _ => 0,
    };
    if node
        .tags
        .iter()
        .any(|t| t.eq_ignore_ascii_case("internet-facing"))
    {
        score += 1;
    }
    if node.lifecycle == "legacy" || node.lifecycle == "end-of-life" {
        score += 1;
    }
    let likelihood = to_scale(score.clamp(1, 5));
    // impact.rhai
    let exposure = inputs.exposure(scenario);
    let exposure = &exposure.0;
    let mut value = exposure.max_value;
    if exposure.max_process_criticality >= 4 {
        value = value.max(4.0);
    }
    if exposure.commitment_reached {
        value += 0.5;
    }
    if exposure.personal_data {
        value += 0.5;
    }
    if ctx
        .obligations
        .iter()
        .map(|o| o.severity)
        .max()
        .unwrap_or(0)
        >= 4
    {
        value += 0.5;
    }
    let impact = to_scale((value.round() as i64).clamp(1, 5));
    // residual.rhai
    let (mut through_l, mut through_i) = (1.0f64, 1.0f64);
    for c in inputs.control_views(views, scenario) {
        let weight = match c.status.as_str() {
            "implemented" => 1.0,
            "partial" => 0.5,
            _ => 0.0,
        };
        let strength = (c.effectiveness * weight).clamp(0.0, 1.0);
        if c.reduces == "likelihood" || c.reduces == "both" {
            through_l *= 1.0 - strength;
        }
        if c.reduces == "impact" || c.reduces == "both" {
            through_i *= 1.0 - strength;
        }
    }
    let reduce =
        |score: i64, through: f64| ((score as f64 * through).round() as i64).clamp(1, score.max(1));
    (
        likelihood,
        impact,
        reduce(likelihood, through_l),
        reduce(impact, through_i),
    )
}

/// How many nodes, spread over the inventory, are searched for the biggest upstream.
const UPSTREAM_SAMPLE: usize = 2000;

/// What `upstream` measured, wall times in seconds.
pub struct UpstreamFigures {
    /// The node whose upstream is searched: the one with the most nodes whose failure reaches
    /// its availability, among the nodes with the most dependencies.
    pub target: String,
    /// Building the impact graph read backwards, which the first `--into` of a session does.
    pub build: f64,
    /// The nodes that reach it, over the three properties.
    pub reached: usize,
    /// One upstream search per property (C, I, A), after a warm-up.
    pub searches: [Vec<f64>; 3],
    /// What `blast-radius --into` computes: the three searches merged, and the single points of
    /// failure.
    pub upstreams: Vec<f64>,
    /// The vendors under each vendor (`VendorTies`), and the concentration findings of coverage
    /// from them, once each.
    pub ties: f64,
    pub concentration: f64,
    pub concentrated: usize,
}

/// Times `runs` upstream searches per property into the node with the biggest upstream, and
/// `runs` whole upstreams of it (three properties and the single points of failure).
pub fn upstream(prepared: &Prepared, runs: usize) -> UpstreamFigures {
    use riskgraph_engine::supply_chain::{DEFAULT_SPOF, Upstream};
    let inventory = &prepared.inventory;
    let started = Instant::now();
    let backwards = prepared.graph.upstream();
    let build = started.elapsed().as_secs_f64();
    // The nodes with the most dependencies, and a spread sample of every kind of node (processes
    // sit at the top of the generated estate, so their upstream is the deepest).
    let mut dependencies = vec![0usize; inventory.nodes.len()];
    for dependency in &inventory.dependencies {
        dependencies[dependency.from as usize] += 1;
    }
    let mut candidates: Vec<NodeIdx> = (0..inventory.nodes.len() as NodeIdx).collect();
    candidates.sort_by_key(|&n| (std::cmp::Reverse(dependencies[n as usize]), n));
    candidates.truncate(CANDIDATES);
    let step = (inventory.nodes.len() / UPSTREAM_SAMPLE).max(1);
    candidates.extend(
        (0..inventory.nodes.len())
            .step_by(step)
            .map(|n| n as NodeIdx),
    );
    let mut search = Search::new(inventory.nodes.len());
    let availability = backwards.property(Property::Availability);
    let target = candidates
        .iter()
        .copied()
        .max_by_key(|&n| {
            let reach = search
                .run(availability, &[backwards.internal(n)], Limits::default())
                .labels
                .len();
            (reach, std::cmp::Reverse(n))
        })
        .unwrap_or(0);
    let mut searches: [Vec<f64>; 3] = Default::default();
    for property in Property::ALL {
        let graph = backwards.property(property);
        let origin = backwards.internal(target);
        let mut labels = 0;
        for run in 0..=runs {
            let started = Instant::now();
            search.explore(graph, &[origin], Limits::default());
            let wall = started.elapsed().as_secs_f64();
            labels = search.reached().count();
            if run > 0 {
                searches[property as usize].push(wall);
            }
        }
        println!("  one upstream search, {property:?}: {labels} nodes");
    }
    let mut workspace = Workspace::new(inventory.nodes.len());
    let mut reached = 0;
    let mut upstreams = Vec::new();
    for run in 0..=runs {
        let started = Instant::now();
        let upstream = Upstream::compute(
            &prepared.graph,
            &mut workspace,
            &[target],
            &Property::ALL,
            Limits::default(),
            DEFAULT_SPOF,
        );
        let wall = started.elapsed().as_secs_f64();
        reached = upstream.exposure.nodes.len();
        if run > 0 {
            upstreams.push(wall);
        }
    }
    let started = Instant::now();
    let ties = riskgraph_engine::supply_chain::VendorTies::new(inventory);
    let ties_wall = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let concentrated = riskgraph_engine::supply_chain::concentration(
        inventory,
        &prepared.graph,
        &ties,
        DEFAULT_SPOF,
    )
    .len();
    UpstreamFigures {
        target: inventory.node(target).id.to_string(),
        build,
        reached,
        searches,
        upstreams,
        ties: ties_wall,
        concentration: started.elapsed().as_secs_f64(),
        concentrated,
    }
}
