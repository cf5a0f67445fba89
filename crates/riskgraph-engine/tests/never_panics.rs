//! Property test: arbitrary rules scripts and rules test files never panic the engine. A script
//! that does not compile, runs away or returns nonsense, and a test file that does not parse,
//! each become a rule error; the ones that load are run on every hook, through their test cases
//! and through a whole assessment.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use riskgraph_engine::assess::{Settings, assess};
use riskgraph_engine::propagation::{ImpactGraph, Limits as PropagationLimits};
use riskgraph_engine::rules::{Limits, Rules, testing};

const HOOKS: [&str; 5] = [
    "likelihood.rhai",
    "impact.rhai",
    "fraud.rhai",
    "residual.rhai",
    "propagation.rhai",
];

/// Text biased towards Rhai: the fields scripts read, arithmetic, control flow, and the things
/// a hostile script tries (endless loops, deep recursion, growing strings and arrays).
fn rhai_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("threat.likelihood"),
        Just("node.criticality"),
        Just("exposure.processes"),
        Just("edge.strength"),
        Just("ctx.scale"),
        Just("ctx.vulnerabilities"),
        Just("controls"),
        Just(" + "),
        Just(" * "),
        Just(" / 0"),
        Just(" % "),
        Just("1"),
        Just("0"),
        Just("-1"),
        Just("1e308"),
        Just("9223372036854775807"),
        Just("\"text\""),
        Just("()"),
        Just("[1, 2]"),
        Just("#{ likelihood: 3 }"),
        Just("let x = "),
        Just("x"),
        Just(";\n"),
        Just("if x > 1 { "),
        Just(" } else { "),
        Just(" }"),
        Just("for v in ctx.vulnerabilities { "),
        Just("loop { }"),
        Just("while true { }"),
        Just("fn f(n) { f(n + 1) } f(0)"),
        Just("let s = \"x\"; loop { s += s; }"),
        Just("throw \"stop\""),
        Just("print(\"hello\")"),
        Just("import \"os\" as os;"),
        Just("eval(\"1\")"),
        Just("("),
        Just(")"),
        Just("{"),
        Just("}"),
    ];
    proptest::collection::vec(token, 0..24).prop_map(|parts| parts.concat())
}

/// Text biased towards the rules test files' TOML.
fn test_file_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("[[case]]\n"),
        Just("name = \"a case\"\n"),
        Just("hook = \"likelihood\"\n"),
        Just("hook = \"propagation\"\n"),
        Just("hook = \"fraud\"\n"),
        Just("hook = \"nope\"\n"),
        Just("threat = { likelihood = 2 }\n"),
        Just("node = { criticality = 9 }\n"),
        Just("ctx = { vulnerabilities = [{ severity = 5, status = \"open\" }] }\n"),
        Just("edge = { kind = \"uses\", strength = 1e400 }\n"),
        Just("expect = 2\n"),
        Just("expect = -1\n"),
        Just("expect = { likelihood = 1 }\n"),
        Just("expect = \"x\"\n"),
        Just("= \n"),
        Just("\"\n"),
    ];
    proptest::collection::vec(token, 0..16).prop_map(|parts| parts.concat())
}

/// A small valid inventory: a threat on a server a process depends on, with a control.
fn inventory() -> riskgraph_model::Inventory {
    use riskgraph_model::{Source, load_sources};
    let loaded = load_sources(vec![
        Source::new(
            "assets.csv",
            "id,name,type,confidentiality,integrity,availability\nsrv,Server,hardware,4,4,5\n",
        ),
        Source::new(
            "processes.csv",
            "id,name,criticality,financial\nbilling,Billing,5,yes\n",
        ),
        Source::new("dependencies.csv", "from,to\nbilling,srv\n"),
        Source::new(
            "threats.csv",
            "id,name,category,targets,likelihood\nT1,Outage,service-outage,kind:asset,3\n",
        ),
        Source::new(
            "controls.csv",
            "id,name,status,effectiveness,mitigates\nC1,Backups,implemented,0.5,T1\n",
        ),
    ]);
    assert_eq!(
        loaded.diagnostics.n_errors(),
        0,
        "{:?}",
        loaded.diagnostics.items
    );
    loaded.inventory
}

/// A fresh rules folder of this process.
fn folder() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("riskgraph-never-panics-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    dir
}

fn exercise(dir: &Path, inventory: &riskgraph_model::Inventory) {
    let limits = Limits::default();
    let Ok(rules) = Rules::load(Some(dir), limits) else {
        return;
    };
    if let Ok(files) = testing::read_folder(dir) {
        let _ = testing::run(&rules, &files);
    }
    let Ok(graph) = ImpactGraph::with_rules(inventory, &rules) else {
        return;
    };
    let settings = Settings {
        as_of: jiff::civil::date(2026, 11, 1),
        limits: PropagationLimits::default(),
    };
    let _ = assess(inventory, &graph, &rules, settings, &|_, _| {});
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn arbitrary_rules_and_test_files_never_panic(
        hook in 0..HOOKS.len(),
        script in rhai_like(),
        test_file in test_file_like(),
    ) {
        let dir = folder();
        std::fs::write(dir.join(HOOKS[hook]), &script).unwrap();
        std::fs::write(dir.join("tests").join("cases.toml"), &test_file).unwrap();
        exercise(&dir, &inventory());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
