//! The assessment: agreement between the register and `explain`, determinism across thread
//! counts, and properties that hold for any inventory with the built-in rules.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use riskgraph_engine::assess::{Assessment, Risk, Settings, assess, explain, find};
use riskgraph_engine::propagation::{ImpactGraph, Limits};
use riskgraph_engine::rules::Rules;
use riskgraph_model::Inventory;

fn settings() -> Settings {
    Settings {
        as_of: jiff::civil::date(2026, 11, 1),
        limits: Limits::default(),
    }
}

fn builtin() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| Rules::builtin().expect("the built-in rules compile"))
}

fn run(inventory: &Inventory, threads: usize) -> Assessment {
    let graph = ImpactGraph::build(inventory);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| assess(inventory, &graph, builtin(), settings(), &|_, _| {}).unwrap())
}

fn acme() -> Inventory {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
    riskgraph_model::load(&root).inventory
}

/// Everything the register says of `risk`, to compare risks of different assessments.
fn everything(inventory: &Inventory, assessment: &Assessment, risk: &Risk) -> String {
    format!(
        "{} {:?} {:?} {} {:?} {} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        risk.id(inventory),
        risk.inherent(),
        risk.residual(),
        risk.within_appetite,
        risk.treatment,
        risk.next_review,
        risk.owner(inventory),
        assessment.controls(risk),
        assessment.vulnerabilities(risk),
        assessment.incidents(risk),
        assessment.reach(risk),
        assessment.fraud_factors(risk),
        assessment.findings(inventory, risk),
    )
}

#[test]
fn explain_agrees_with_the_register_on_every_risk() {
    let inventory = acme();
    let assessment = run(&inventory, 2);
    assert!(assessment.risks.len() > 200);
    let graph = ImpactGraph::build(&inventory);
    for risk in &assessment.risks {
        let (source, node) = find(&inventory, &risk.id(&inventory)).unwrap();
        let explanation = explain(&inventory, &graph, builtin(), settings(), source, node).unwrap();
        assert_eq!(
            everything(&inventory, &explanation.assessment, explanation.risk()),
            everything(&inventory, &assessment, risk)
        );
        assert_eq!(
            explanation.exposure.dependents().count(),
            assessment.reach(risk).nodes as usize,
            "{}",
            risk.id(&inventory)
        );
    }
}

/// A register of tens of millions of risks fits in a few GiB only while a risk stays this small.
#[test]
fn a_risk_takes_a_few_dozen_bytes() {
    assert!(size_of::<Risk>() <= 44, "{}", size_of::<Risk>());
}

#[test]
fn the_same_register_on_any_thread_count() {
    let inventory = acme();
    let one = run(&inventory, 1);
    assert_eq!(one, run(&inventory, 2));
    assert_eq!(one, run(&inventory, 8));
}

/// One random inventory, as CSV text per file.
#[derive(Debug, Clone)]
struct Random {
    files: Vec<(&'static str, String)>,
}

const CATEGORIES: [&str; 4] = ["cyber-attack", "service-outage", "fraud", "legacy"];
const STATUSES: [&str; 4] = ["implemented", "partial", "planned", "not-implemented"];
const REDUCES: [&str; 3] = ["likelihood", "impact", "both"];
const KINDS: [&str; 4] = ["runs-on", "uses", "hosted-by", "stores-data-in"];
const LEVELS: [&str; 4] = ["low", "medium", "high", "critical"];

fn random_inventory() -> impl Strategy<Value = Random> {
    let assets = prop::collection::vec(
        (1u8..=5, 1u8..=5, 1u8..=5, any::<bool>(), any::<bool>()),
        1..7,
    );
    let processes = prop::collection::vec((1u8..=5, any::<bool>(), 0usize..3), 0..3);
    let dependencies =
        prop::collection::vec((0usize..10, 0usize..10, 0usize..4, any::<bool>()), 0..14);
    let threats = prop::collection::vec((0usize..4, 1u8..8, 1u8..=5, 0usize..3), 1..4);
    let vulnerabilities = prop::collection::vec((1u8..=5, any::<bool>()), 0..3);
    let controls = prop::collection::vec((0usize..4, 0u8..=10, 0usize..3, 0usize..4), 0..6);
    let scale = 3u8..=6;
    let grid = prop::option::of(prop::collection::vec(0usize..4, 36));
    (
        assets,
        processes,
        dependencies,
        threats,
        vulnerabilities,
        controls,
        scale,
        grid,
    )
        .prop_map(
            |(assets, processes, dependencies, threats, vulnerabilities, controls, scale, grid)| {
                let mut ids: Vec<String> = Vec::new();
                let mut csv = String::from(
                    "id,name,type,confidentiality,integrity,availability,personal_data,lifecycle\n",
                );
                for (i, (c, ii, a, personal, legacy)) in assets.iter().enumerate() {
                    let _ = writeln!(
                        csv,
                        "a{i},Asset {i},software,{c},{ii},{a},{},{}",
                        if *personal { "yes" } else { "no" },
                        if *legacy { "legacy" } else { "supported" }
                    );
                    ids.push(format!("a{i}"));
                }
                let mut files = vec![("assets.csv", csv)];
                let mut csv = String::from("id,name,criticality,financial,segregation_of_duties\n");
                for (i, (criticality, financial, sod)) in processes.iter().enumerate() {
                    let _ = writeln!(
                        csv,
                        "p{i},Process {i},{criticality},{},{}",
                        if *financial { "yes" } else { "no" },
                        ["full", "partial", "none"][*sod]
                    );
                    ids.push(format!("p{i}"));
                }
                files.push(("processes.csv", csv));
                let mut csv = String::from("from,to,kind,redundant\n");
                for (from, to, kind, redundant) in dependencies {
                    let (from, to) = (&ids[from % ids.len()], &ids[to % ids.len()]);
                    if from != to {
                        let _ = writeln!(
                            csv,
                            "{from},{to},{},{}",
                            KINDS[kind],
                            if redundant { "yes" } else { "no" }
                        );
                    }
                }
                files.push(("dependencies.csv", csv));
                let mut csv = String::from("id,name,category,affects,targets,likelihood\n");
                for (i, (category, affects, likelihood, targets)) in threats.iter().enumerate() {
                    let affects: Vec<&str> = ["C", "I", "A"]
                        .iter()
                        .enumerate()
                        .filter(|(bit, _)| affects & (1 << bit) != 0)
                        .map(|(_, p)| *p)
                        .collect();
                    let _ = writeln!(
                        csv,
                        "t{i},Threat {i},{},{},{},{likelihood}",
                        CATEGORIES[*category],
                        affects.join(";"),
                        ["*", "kind:asset", "kind:process"][*targets]
                    );
                }
                files.push(("threats.csv", csv));
                let mut csv = String::from("id,name,targets,severity,status\n");
                for (i, (severity, open)) in vulnerabilities.iter().enumerate() {
                    let _ = writeln!(
                        csv,
                        "v{i},Weakness {i},*,{severity},{}",
                        if *open { "open" } else { "remediated" }
                    );
                }
                files.push(("vulnerabilities.csv", csv));
                let csv = controls_csv(&controls);
                files.push(("controls.csv", csv));
                let manifest = manifest(scale, grid.as_deref());
                files.push(("riskgraph.toml", manifest));
                Random { files }
            },
        )
}

/// `controls.csv` rows of (status, effectiveness in tenths, reduces, category mitigated).
fn controls_csv(controls: &[(usize, u8, usize, usize)]) -> String {
    let mut csv = String::from("id,name,status,effectiveness,reduces,mitigates\n");
    for (i, (status, effectiveness, reduces, category)) in controls.iter().enumerate() {
        let _ = writeln!(
            csv,
            "c{i},Control {i},{},{},{},category:{}",
            STATUSES[*status],
            f64::from(*effectiveness) / 10.0,
            REDUCES[*reduces],
            CATEGORIES[*category]
        );
    }
    csv
}

/// A manifest with `scale`, and a grid of level names from `cells` (indexes into [`LEVELS`],
/// six per row) when given.
fn manifest(scale: u8, cells: Option<&[usize]>) -> String {
    let mut manifest = format!("[method]\nscale = {scale}\n");
    if let Some(cells) = cells {
        let s = usize::from(scale);
        let rows: Vec<String> = (0..s)
            .map(|l| {
                let names: Vec<String> = (0..s)
                    .map(|i| format!("\"{}\"", LEVELS[cells[l * 6 + i]]))
                    .collect();
                format!("[{}]", names.join(", "))
            })
            .collect();
        let _ = writeln!(manifest, "grid = [{}]", rows.join(", "));
    }
    manifest
}

fn write(random: &Random) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("riskgraph-assess-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in &random.files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// With the built-in rules, controls never raise a risk; every score is on the scale; every
    /// level is the one the manifest's levels or grid give; the order is the register's.
    #[test]
    fn residual_never_above_inherent_and_levels_agree_with_the_matrix(random in random_inventory()) {
        let loaded = riskgraph_model::load(&write(&random));
        prop_assert_eq!(loaded.diagnostics.n_errors(), 0, "{:?}", loaded.diagnostics.items);
        let inventory = loaded.inventory;
        let manifest = &inventory.manifest;
        let scale = u32::from(manifest.scale);
        let appetite = manifest.levels.iter().position(|l| l.name == manifest.appetite).unwrap();
        let assessment = run(&inventory, 2);
        for risk in &assessment.risks {
            prop_assert!(risk.residual().likelihood <= risk.inherent().likelihood, "{}", risk.id(&inventory));
            prop_assert!(risk.residual().impact <= risk.inherent().impact, "{}", risk.id(&inventory));
            for rated in [risk.inherent(), risk.residual()] {
                prop_assert!((1..=scale).contains(&rated.likelihood));
                prop_assert!((1..=scale).contains(&rated.impact));
                prop_assert_eq!(rated.score, rated.likelihood * rated.impact);
                let level = &manifest.levels[rated.level];
                if let Some(grid) = &manifest.grid {
                    let cell = &grid[rated.likelihood as usize - 1][rated.impact as usize - 1];
                    prop_assert_eq!(cell, &level.name);
                } else {
                    prop_assert!(rated.score <= level.max);
                    if rated.level > 0 {
                        prop_assert!(rated.score > manifest.levels[rated.level - 1].max);
                    }
                }
            }
            prop_assert_eq!(risk.within_appetite, risk.residual().level <= appetite);
            prop_assert!(assessment.findings(&inventory, risk).iter().all(|f| f.code() != "residual-above-inherent"));
        }
        for pair in assessment.risks.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            prop_assert!(
                a.residual().score > b.residual().score
                    || (a.residual().score == b.residual().score && a.id(&inventory) < b.id(&inventory))
            );
        }
    }
}
