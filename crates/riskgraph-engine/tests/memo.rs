//! Reusing rule results: for any script, a scenario scored with the memo gets what calling the
//! rules directly gives. The scripts below each read something that differs between scenarios
//! the built-in rules treat alike, so a key that left it out would reuse a wrong result.

use std::path::{Path, PathBuf};

use riskgraph_engine::propagation::{ImpactGraph, Limits};
use riskgraph_engine::rules::Rules;
use riskgraph_engine::rules::views::ScoresData;
use riskgraph_engine::scoring::{Inputs, Scored, Scratch, scenarios};
use riskgraph_model::Inventory;

fn acme() -> Inventory {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
    riskgraph_model::load(&root).inventory
}

fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("riskgraph-memo-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, source) in files {
        std::fs::write(dir.join(file), source).unwrap();
    }
    dir
}

/// Scores every scenario with the memo and directly, and checks they agree. Returns how many
/// calls the memo answered.
fn agree(inventory: &Inventory, rules: &Rules) -> u64 {
    let graph = ImpactGraph::build(inventory);
    let inputs = Inputs::new(
        inventory,
        &graph,
        Limits::default(),
        jiff::civil::date(2026, 11, 1),
    );
    let views = inputs.views();
    let mut scratch = Scratch::default();
    for scenario in scenarios(inventory) {
        let reused = inputs.score(rules, views, &mut scratch, scenario).unwrap();
        let ctx = inputs.context(views, scenario);
        let threat = inputs.threat(views, scenario);
        let node = inputs.node(scenario.node);
        let likelihood = rules.likelihood(threat, node, &ctx).unwrap();
        let impact = rules
            .impact(threat, node, &inputs.exposure(scenario), &ctx)
            .unwrap();
        let inherent = ScoresData { likelihood, impact };
        let residual = rules
            .residual(inherent, &inputs.control_views(views, scenario), &ctx)
            .unwrap();
        assert_eq!(reused, Scored { inherent, residual }, "{}", ctx.0.risk);
    }
    scratch.memo.stats.reused
}

#[test]
fn builtin_rules_reuse_most_calls_and_agree() {
    let inventory = acme();
    let reused = agree(&inventory, &Rules::builtin().unwrap());
    // Three calls per scenario; most are the same situation again.
    assert!(reused > scenarios(&inventory).len() as u64, "{reused}");
}

#[test]
fn scripts_that_read_what_the_builtin_ones_do_not() {
    let inventory = acme();
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            "node-id",
            &[(
                "likelihood.rhai",
                "fn likelihood(threat, node, ctx) { node.id.len() % 5 + 1 }",
            )],
        ),
        (
            "dynamic-tag",
            &[(
                "likelihood.rhai",
                "fn likelihood(threat, node, ctx) { let t = \"pii\"; if node.has_tag(t) { 5 } else { 1 } }",
            )],
        ),
        (
            "tag-as-function",
            &[(
                "likelihood.rhai",
                "fn likelihood(threat, node, ctx) { if has_tag(node, \"crown-jewel\") { 5 } else { 2 } }",
            )],
        ),
        (
            "attribute",
            &[(
                "impact.rhai",
                "fn impact(threat, node, exposure, ctx) { if node.attr(\"Cost Center\") == \"ENG-100\" { 5 } else { clamp(exposure.max_value.round().to_int(), 1, 5) } }",
            )],
        ),
        (
            "attribute-as-function",
            &[(
                "impact.rhai",
                "fn impact(threat, node, exposure, ctx) { if attr(node, \"cost_center\") == \"ENG-100\" { 4 } else { 2 } }",
            )],
        ),
        (
            "obligation-type",
            &[(
                "impact.rhai",
                "fn impact(threat, node, exposure, ctx) { let i = 1; for o in ctx.obligations { if o.type == \"law\" { i += 1; } } clamp(i, 1, 5) }",
            )],
        ),
        (
            "risk-id",
            &[(
                "residual.rhai",
                "fn residual(inherent, controls, ctx) { #{ likelihood: clamp(ctx.risk.len() % inherent.likelihood + 1, 1, 5), impact: inherent.impact } }",
            )],
        ),
        (
            "vulnerability-age",
            &[(
                "likelihood.rhai",
                "fn likelihood(threat, node, ctx) { let s = 1; for v in ctx.vulnerabilities { if v.found != () && v.found.days_since() < 900 { s += 2; } } clamp(s, 1, 5) }",
            )],
        ),
        (
            "helper-function",
            &[(
                "likelihood.rhai",
                "fn likelihood(threat, node, ctx) { weight(node) }\nfn weight(n) { if n.name.len() > 20 { 4 } else { 2 } }",
            )],
        ),
        (
            "tag-by-name",
            &[(
                "likelihood.rhai",
                "fn likelihood(threat, node, ctx) { if [\"internet-facing\"].reduce(\"has_tag\", node) { 5 } else { 1 } }",
            )],
        ),
        (
            "lifecycle-in-closure",
            &[(
                "likelihood.rhai",
                "fn likelihood(threat, node, ctx) { [node].map(|n| if n.lifecycle == \"legacy\" { 5 } else { 1 })[0] }",
            )],
        ),
        (
            "control-ids",
            &[(
                "residual.rhai",
                "fn residual(inherent, controls, ctx) { let l = inherent.likelihood; for c in controls { if c.id.len() > 5 { l -= 1; } } #{ likelihood: clamp(l, 1, 5), impact: inherent.impact } }",
            )],
        ),
    ];
    for (name, files) in cases {
        let dir = folder(name, files);
        let rules = Rules::load(
            Some(&dir),
            riskgraph_model::manifest::SandboxLimits::default(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        agree(&inventory, &rules);
    }
}
