//! The rules scripts: the built-in `edge_factor` matches the documented factors, an
//! organization's folder overrides it, and broken or hostile scripts fail cleanly and fast.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use riskgraph_engine::propagation::{EdgeProfile, ImpactGraph, default_edge_factor};
use riskgraph_engine::rules::{Limits, RuleError, Rules};
use riskgraph_model::records::Dependency;
use riskgraph_model::values::{Factor, Properties, Property};
use riskgraph_model::vocabulary::{DependencyKind, Vocabulary};

/// A fresh folder holding `propagation.rhai` with `source`.
fn rules_folder(name: &str, source: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("riskgraph-rules-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("propagation.rhai"), source).unwrap();
    dir
}

fn profile(
    kind: DependencyKind,
    strength: f32,
    redundant: bool,
    propagates: bool,
    property: Property,
) -> EdgeProfile {
    let dependency = Dependency {
        from: 0,
        to: 1,
        kind,
        strength: Factor::new(strength).unwrap(),
        redundant,
        propagates: if propagates {
            Properties::ALL
        } else {
            Properties::NONE
        },
        row: riskgraph_model::node::RowRef::default(),
    };
    EdgeProfile::of(&dependency, property)
}

/// The cases that failed, with what differed.
fn failures(outcomes: &[riskgraph_engine::rules::testing::Outcome]) -> Vec<String> {
    outcomes
        .iter()
        .filter_map(|o| o.failure.as_ref().map(|f| format!("{}: {f}", o.case)))
        .collect()
}

/// The edge factor of a plain `uses` dependency under the rules in `source`.
fn load_and_call(name: &str, source: &str) -> Result<f64, Vec<RuleError>> {
    let dir = rules_folder(name, source);
    let rules = Rules::load(Some(&dir), Limits::default())?;
    let edge = profile(
        DependencyKind::Uses,
        1.0,
        false,
        true,
        Property::Availability,
    );
    rules
        .edge_factor(&edge, Property::Availability)
        .map_err(|e| vec![e])
}

#[test]
fn builtin_edge_factor_is_the_documented_one() {
    let rules = Rules::builtin().unwrap();
    for &kind in DependencyKind::ALL {
        for strength in [1.0, 0.7, 0.25, 0.0] {
            for redundant in [false, true] {
                for propagates in [false, true] {
                    for property in Property::ALL {
                        let edge = profile(kind, strength, redundant, propagates, property);
                        let script = rules.edge_factor(&edge, property).unwrap();
                        assert_eq!(
                            script.to_bits(),
                            default_edge_factor(&edge, property).to_bits(),
                            "{} {strength} {redundant} {propagates} {property:?}",
                            kind.as_str()
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn an_organizations_script_overrides_the_builtin_one() {
    let factor = load_and_call("override", "fn edge_factor(edge, property) { 0.25 }").unwrap();
    assert!((factor - 0.25).abs() < 1e-12);

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
    let inventory = riskgraph_model::load(&root).inventory;
    let dir = rules_folder("halve", "fn edge_factor(edge, property) { 0.5 }");
    let rules = Rules::load(Some(&dir), Limits::default()).unwrap();
    let graph = ImpactGraph::with_rules(&inventory, &rules).unwrap();
    assert!(
        graph
            .factors
            .iter()
            .flatten()
            .all(|f| (f - 0.5).abs() < 1e-12)
    );
}

#[test]
fn a_syntax_error_names_line_and_column() {
    let errors = load_and_call(
        "syntax",
        "fn edge_factor(edge, property) {\n    let x = ;\n    x\n}\n",
    )
    .unwrap_err();
    let error = &errors[0];
    assert!(error.script.ends_with("propagation.rhai"), "{error}");
    assert_eq!(error.line, Some(2), "{error}");
    assert!(error.column.is_some(), "{error}");
    assert!(error.message.starts_with("syntax error"), "{error}");
}

#[test]
fn a_missing_or_misshapen_hook_is_reported() {
    let errors = load_and_call("missing", "fn something_else(x) { 1.0 }").unwrap_err();
    assert!(
        errors[0].message.contains("does not define `edge_factor`"),
        "{}",
        errors[0]
    );
    let errors = load_and_call("arity", "fn edge_factor(edge) { 1.0 }").unwrap_err();
    assert!(
        errors[0].message.contains("riskgraph calls it with 2"),
        "{}",
        errors[0]
    );
}

#[test]
fn wrong_results_are_reported_with_the_edge() {
    let errors = load_and_call("range", "fn edge_factor(edge, property) { 1.5 }").unwrap_err();
    assert!(errors[0].message.contains("from 0 to 1"), "{}", errors[0]);
    assert!(
        errors[0]
            .context
            .as_deref()
            .unwrap()
            .contains("uses dependency"),
        "{}",
        errors[0]
    );
    let errors = load_and_call("type", r#"fn edge_factor(edge, property) { "high" }"#).unwrap_err();
    assert!(
        errors[0].message.contains("must return a number"),
        "{}",
        errors[0]
    );
    // An integer is a number too.
    assert!(
        (load_and_call("int", "fn edge_factor(edge, property) { 1 }").unwrap() - 1.0).abs() < 1e-12
    );
}

/// Hostile scripts end quickly with an error that says what happened.
#[test]
fn hostile_scripts_fail_cleanly_and_fast() {
    let cases = [
        (
            "loop",
            "fn edge_factor(edge, property) { loop { } }",
            "operations",
        ),
        (
            "recursion",
            "fn edge_factor(edge, property) { edge_factor(edge, property) }",
            "nested more than",
        ),
        (
            "strings",
            r#"fn edge_factor(edge, property) { let s = "x"; loop { s += s; } }"#,
            "too large",
        ),
        (
            "eval",
            r#"fn edge_factor(edge, property) { eval("1.0") }"#,
            "",
        ),
        (
            "import",
            r#"import "../../../etc/passwd" as p; fn edge_factor(edge, property) { 1.0 }"#,
            "",
        ),
    ];
    for (name, source, expected) in cases {
        let started = Instant::now();
        let result = load_and_call(name, source);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{name} took {:?}",
            started.elapsed()
        );
        let errors = result.expect_err(name);
        assert!(
            errors[0].to_string().contains(expected),
            "{name}: {}",
            errors[0]
        );
    }
}

#[test]
fn a_missing_rules_folder_is_an_error() {
    let errors = Rules::load(
        Some(std::path::Path::new("/no/such/rules")),
        Limits::default(),
    )
    .unwrap_err();
    assert!(errors[0].message.contains("does not exist"));
}

#[test]
fn the_builtin_rules_pass_their_tests() {
    let rules = Rules::builtin().unwrap();
    let files: Vec<(String, String)> = riskgraph_engine::rules::testing::DEFAULT_TESTS
        .iter()
        .map(|(name, content)| ((*name).to_owned(), (*content).to_owned()))
        .collect();
    let outcomes = riskgraph_engine::rules::testing::run(&rules, &files).unwrap();
    assert!(outcomes.len() >= 30, "{}", outcomes.len());
    let failures = failures(&outcomes);
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_failing_case_says_what_differed() {
    let rules = Rules::builtin().unwrap();
    let file = r#"
[[case]]
name = "wrong on purpose"
hook = "residual"
inherent = { likelihood = 4, impact = 5 }
expect = { likelihood = 3, impact = 5 }
"#;
    let outcomes =
        riskgraph_engine::rules::testing::run(&rules, &[("t.toml".to_owned(), file.to_owned())])
            .unwrap();
    assert_eq!(
        outcomes[0].failure.as_deref(),
        Some("likelihood: expected 3, got 4")
    );
    let broken = "[[case]]\nname = 1\n";
    let error =
        riskgraph_engine::rules::testing::run(&rules, &[("b.toml".to_owned(), broken.to_owned())])
            .unwrap_err();
    assert_eq!(error.line, Some(2), "{error}");
}

#[test]
fn the_sandbox_limits_come_from_the_manifest_settings() {
    let dir = rules_folder(
        "limits",
        "fn edge_factor(edge, property) { let n = 0; for i in 0..2000 { n += 1; } 0.5 }",
    );
    let edge = profile(
        DependencyKind::Uses,
        1.0,
        false,
        true,
        Property::Availability,
    );
    let roomy = Rules::load(Some(&dir), Limits::default()).unwrap();
    assert!(roomy.edge_factor(&edge, Property::Availability).is_ok());
    let tight = Limits {
        max_operations: 1000,
        ..Limits::default()
    };
    let tight = Rules::load(Some(&dir), tight).unwrap();
    let error = tight
        .edge_factor(&edge, Property::Availability)
        .unwrap_err();
    assert!(
        error.message.contains("more than 1000 operations"),
        "{error}"
    );
}

#[test]
fn scripts_import_helpers_from_their_folder() {
    let dir = rules_folder(
        "import-helper",
        "import \"helpers\" as helpers;\nfn edge_factor(edge, property) { helpers::half() }",
    );
    std::fs::write(dir.join("helpers.rhai"), "fn half() { 0.5 }").unwrap();
    let rules = Rules::load(Some(&dir), Limits::default()).unwrap();
    let edge = profile(
        DependencyKind::Uses,
        1.0,
        false,
        true,
        Property::Availability,
    );
    assert!((rules.edge_factor(&edge, Property::Availability).unwrap() - 0.5).abs() < 1e-12);
}

/// The fields and helpers `rules/README.md` documents work as documented.
#[test]
fn documented_fields_and_helpers_work() {
    use riskgraph_engine::rules::testing;
    let dir =
        std::env::temp_dir().join(format!("riskgraph-rules-{}-documented", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(
        dir.join("likelihood.rhai"),
        r#"fn likelihood(threat, node, ctx) {
    let unit = node.attr("Business Unit");
    let missing = node.attr("nothing");
    let score = if unit == "payments" && missing == () { 4 } else { 1 };
    if ctx.level_of(20) == "critical" && ctx.level_of(3) == "low" { score } else { 1 }
}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("residual.rhai"),
        r"fn residual(inherent, controls, ctx) {
    let stale = 0;
    for c in controls {
        if c.last_tested != () && c.last_tested.days_since() > 365 && days_since(c.last_tested) > 365 {
            stale += 1;
        }
        if c.due == () { stale += 10; }
    }
    #{ likelihood: clamp(stale + 1, 1, ctx.scale), impact: min(inherent.impact, max(2, 1)) }
}",
    )
    .unwrap();
    std::fs::write(
        dir.join("tests/documented.toml"),
        r#"
[[case]]
name = "attributes and levels"
hook = "likelihood"
node = { attributes = { "business_unit" = "payments" } }
expect = 4

[[case]]
name = "dates and missing dates"
hook = "residual"
inherent = { likelihood = 5, impact = 5 }
ctx = { as_of = "2026-11-01" }
controls = [
  { last_tested = "2025-01-01", due = "2027-01-01" },
  { last_tested = "2026-10-01", due = "2027-01-01" },
  { due = "2027-01-01" },
]
expect = { likelihood = 2, impact = 2 }

[[case]]
name = "a missing due date"
hook = "residual"
inherent = { likelihood = 5, impact = 5 }
controls = [{ last_tested = "2020-01-01" }]
expect = { likelihood = 5 }
"#,
    )
    .unwrap();
    let rules = Rules::load(Some(&dir), Limits::default()).unwrap();
    let files = testing::read_folder(&dir).unwrap();
    let outcomes = testing::run(&rules, &files).unwrap();
    let failures = failures(&outcomes);
    assert_eq!(outcomes.len(), 3);
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn helpers_that_import_each_other_fail_cleanly() {
    let dir = rules_folder(
        "mutual-import",
        "import \"a\" as a;\nfn edge_factor(edge, property) { 1.0 }",
    );
    std::fs::write(dir.join("a.rhai"), "import \"b\" as b; fn x() { 1 }").unwrap();
    std::fs::write(dir.join("b.rhai"), "import \"a\" as a; fn y() { 2 }").unwrap();
    let errors = Rules::load(Some(&dir), Limits::default()).unwrap_err();
    let message = errors[0].to_string();
    assert!(
        message.contains("error in the imported script `a`") && message.contains("in module 'b'"),
        "{message}"
    );

    let dir = rules_folder(
        "missing-import",
        "import \"nothere\" as n;\nfn edge_factor(edge, property) { 1.0 }",
    );
    let errors = Rules::load(Some(&dir), Limits::default()).unwrap_err();
    assert!(
        errors[0]
            .message
            .contains("no such script in the rules folder"),
        "{}",
        errors[0]
    );
}

#[cfg(unix)]
#[test]
fn a_link_leading_out_of_the_rules_folder_is_refused() {
    let outside =
        std::env::temp_dir().join(format!("riskgraph-outside-{}.rhai", std::process::id()));
    std::fs::write(&outside, "fn secret() { 42 }").unwrap();
    let dir = rules_folder(
        "symlink",
        "import \"escape\" as e;\nfn edge_factor(edge, property) { 1.0 }",
    );
    std::os::unix::fs::symlink(&outside, dir.join("escape.rhai")).unwrap();
    let errors = Rules::load(Some(&dir), Limits::default()).unwrap_err();
    assert!(
        errors[0].message.contains("leads outside the rules folder"),
        "{}",
        errors[0]
    );
}

#[test]
fn strengths_reach_scripts_as_written() {
    let rules = Rules::builtin().unwrap();
    let edge = profile(
        DependencyKind::Uses,
        0.8,
        false,
        true,
        Property::Availability,
    );
    assert!((edge.strength() - 0.8).abs() < f64::EPSILON);
    let factor = rules.edge_factor(&edge, Property::Availability).unwrap();
    assert!((factor - 0.72).abs() < 1e-12, "{factor}");
}

#[test]
fn what_a_script_prints_goes_to_the_sink_the_caller_chooses() {
    let dir = rules_folder(
        "print-sink",
        "fn edge_factor(edge, property) { print(`factor for ${edge.kind}`); debug(\"here\"); 1.0 }\n",
    );
    let printed = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = {
        let printed = printed.clone();
        std::sync::Arc::new(move |text: &str| printed.lock().unwrap().push(text.to_owned()))
    };
    let rules = Rules::load_printing_to(Some(&dir), Limits::default(), sink).unwrap();
    let edge = profile(
        DependencyKind::Uses,
        1.0,
        false,
        true,
        Property::Availability,
    );
    let factor = rules.edge_factor(&edge, Property::Availability).unwrap();
    assert!((factor - 1.0).abs() < 1e-9, "{factor}");
    let printed = printed.lock().unwrap().clone();
    assert_eq!(printed.len(), 2, "{printed:?}");
    assert_eq!(printed[0], "factor for uses");
    assert!(printed[1].ends_with(": \"here\""), "{printed:?}");
    // A fork prints to the same sink.
    let fork = rules.fork().unwrap();
    fork.edge_factor(&edge, Property::Availability).unwrap();
}
