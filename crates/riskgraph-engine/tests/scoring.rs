//! Scoring the bundled dataset's scenarios with the built-in rules.

use riskgraph_engine::propagation::{ImpactGraph, Limits};
use riskgraph_engine::rules::Rules;
use riskgraph_engine::scenarios::{Inputs, scenarios};

#[test]
fn every_scenario_scores_within_bounds_and_the_same_on_any_thread_count() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
    let inventory = riskgraph_model::load(&root).inventory;
    let graph = ImpactGraph::build(&inventory);
    let rules = Rules::builtin().unwrap();
    let as_of = jiff::civil::date(2026, 11, 1);
    let inputs = Inputs::new(&inventory, &graph, Limits::default(), as_of);
    let list = scenarios(&inventory);
    assert!(list.len() > 200, "{}", list.len());
    for s in &list {
        assert!(inventory.node(s.node).in_scope);
        let threat = &inventory.threats[s.threat as usize];
        assert!(threat.targets.matches(inventory.node(s.node)));
    }
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| inputs.score_all(&rules, &list).unwrap())
    };
    let scored = run(1);
    assert_eq!(scored, run(2));
    assert_eq!(scored, run(8));
    let scale = i64::from(inventory.manifest.scale);
    for s in &scored {
        for v in [
            s.inherent.likelihood,
            s.inherent.impact,
            s.residual.likelihood,
            s.residual.impact,
        ] {
            assert!((1..=scale).contains(&v));
        }
        // The built-in residual rule never raises a score.
        assert!(s.residual.likelihood <= s.inherent.likelihood);
        assert!(s.residual.impact <= s.inherent.impact);
    }
    // Controls lower some risks, and scores spread over the scale.
    assert!(scored.iter().any(|s| s.residual != s.inherent));
    let impacts: std::collections::BTreeSet<i64> =
        scored.iter().map(|s| s.inherent.impact).collect();
    assert!(impacts.len() >= 3, "{impacts:?}");
}
