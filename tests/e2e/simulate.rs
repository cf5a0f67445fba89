//! `riskgraph simulate`: golden outputs for the bundled dataset, the same bytes on any thread
//! count, the tolerance gate, and clear errors without money data or with a broken loss rule.

use std::path::PathBuf;

use crate::validate::tempdir;
use crate::{output, projection, riskgraph, root};

const ACME: &str = "datasets/acme-saas";
const AS_OF: &str = "2026-11-01";
/// Few enough years for a debug build, enough for stable figures.
const YEARS: &str = "20000";

fn simulate(inventory: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    output(
        riskgraph()
            .args(["simulate", inventory, "--as-of", AS_OF, "--years", YEARS])
            .args(extra),
    )
}

#[test]
fn the_bundled_dataset_in_money() {
    let (code, stdout, stderr) = simulate(ACME, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    insta::assert_snapshot!("simulate_table", stdout);
    let (code, stdout, stderr) = simulate(ACME, &["--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let document: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(document["years"], 20_000);
    assert_eq!(document["seed"], 2026);
    assert_eq!(document["currency"], "USD");
    assert!(document["curve"].as_array().unwrap().len() >= 90);
    let rules: Vec<&str> = document["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"loss.rhai"), "{rules:?}");
    insta::assert_snapshot!("simulate_json", projection(&stdout));
}

#[test]
fn the_same_bytes_on_any_thread_count_and_others_with_another_seed() {
    let run = |extra: &[&str]| {
        let (code, stdout, stderr) = simulate(ACME, &[&["--format", "json"], extra].concat());
        assert_eq!(code, Some(0), "{stderr}");
        stdout
    };
    let one = run(&["--threads", "1"]);
    assert_eq!(one, run(&["--threads", "2"]));
    assert_ne!(one, run(&["--threads", "2", "--seed", "7"]));
}

#[test]
fn every_format_writes() {
    for format in ["md", "csv"] {
        let (code, stdout, stderr) = simulate(ACME, &["--format", format]);
        assert_eq!(code, Some(0), "{format}: {stderr}");
        assert!(stdout.contains("T-SAAS-OUTAGE@aws"), "{format}");
    }
    let (_, csv, _) = simulate(ACME, &["--format", "csv"]);
    assert!(
        csv.starts_with("section,measure,inherent,residual,"),
        "{csv}"
    );
    let (code, _, stderr) = simulate(ACME, &["--format", "xlsx"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("-o FILE.xlsx"), "{stderr}");
    let workbook = tempdir("simulate-xlsx").join("loss.xlsx");
    let (code, _, stderr) = simulate(
        ACME,
        &["--format", "xlsx", "-o", workbook.to_str().unwrap()],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(std::fs::read(&workbook).unwrap().starts_with(b"PK"));
}

/// A copy of the bundled dataset whose manifest ends with `tail` instead of its tolerance.
fn acme_with_tolerance(name: &str, tolerance: &str) -> PathBuf {
    let folder = tempdir(name);
    for entry in std::fs::read_dir(root().join(ACME)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), folder.join(entry.file_name())).unwrap();
    }
    let manifest = folder.join("riskgraph.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let start = text.find("tolerance = [").unwrap();
    let end = start + text[start..].find(']').unwrap() + 1;
    std::fs::write(
        &manifest,
        format!("{}{tolerance}{}", &text[..start], &text[end..]),
    )
    .unwrap();
    folder
}

#[test]
fn the_tolerance_gate() {
    let (code, _, stderr) = simulate(ACME, &["--fail-on-tolerance"]);
    assert_eq!(code, Some(0), "{stderr}");
    let strict = acme_with_tolerance(
        "simulate-strict",
        "tolerance = [{ loss = \"1M\", probability = \"5%\" }]",
    );
    let out = strict.join("loss.json");
    let (code, _, stderr) = simulate(
        strict.to_str().unwrap(),
        &[
            "--fail-on-tolerance",
            "--format",
            "json",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("crosses the tolerance curve"), "{stderr}");
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(document["within_tolerance"], false);
}

#[test]
fn without_money_data_it_says_what_to_fill_in() {
    let (code, stdout, stderr) = simulate("tests/data/assess/small", &[]);
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    for hint in ["nothing in", "`frequency`", "`loss`", "`cost`", "[quant]"] {
        assert!(stderr.contains(hint), "{hint}: {stderr}");
    }
}

#[test]
fn a_risk_with_too_many_events_is_refused_before_it_runs() {
    let folder = tempdir("simulate-too-many");
    std::fs::write(
        folder.join("assets.csv"),
        "id,name,type\nweb,Web,software\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("threats.csv"),
        "id,name,category,targets,frequency,loss\nT,Bots,cyber-attack,web,1000000,1k\n",
    )
    .unwrap();
    let (code, stdout, stderr) = simulate(folder.to_str().unwrap(), &[]);
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("`T@web` would draw about 2.000e10 loss events"),
        "{stderr}"
    );
    assert!(stderr.contains("--years"), "{stderr}");
}

#[test]
fn usage_errors() {
    let (code, _, stderr) = simulate(ACME, &["--years", "0"]);
    assert_eq!(code, Some(2), "{stderr}");
    let (code, _, _) = simulate(ACME, &["--format", "html"]);
    assert_eq!(code, Some(2));
}

#[test]
fn a_broken_loss_rule_names_its_script_and_the_risk() {
    let rules = tempdir("simulate-bad-loss");
    std::fs::write(
        rules.join("loss.rhai"),
        "fn loss(threat, node, exposure, ctx) {\n    \"a lot\"\n}\n",
    )
    .unwrap();
    let (code, stdout, stderr) = simulate(ACME, &["--rules", rules.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert!(stderr.contains("loss.rhai"), "{stderr}");
    assert!(stderr.contains("loss must return a Loss"), "{stderr}");
    assert!(stderr.contains('@'), "{stderr}");
}

#[test]
fn the_documented_insurance_rule_runs_and_lowers_the_loss() {
    let rules = tempdir("simulate-insurance");
    let readme = std::fs::read_to_string(root().join("rules/README.md")).unwrap();
    let start = readme
        .find("// The built-in method, then our cyber insurance")
        .unwrap();
    let script = &readme[start..start + readme[start..].find("```").unwrap()];
    std::fs::write(rules.join("loss.rhai"), script).unwrap();
    let mean = |extra: &[&str]| {
        let (code, stdout, stderr) = simulate(ACME, &[&["--format", "json"], extra].concat());
        assert_eq!(code, Some(0), "{stderr}");
        let document: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        document["summary"]["residual"]["mean"].as_f64().unwrap()
    };
    let insured = mean(&["--rules", rules.to_str().unwrap()]);
    assert!(insured < mean(&[]), "{insured}");
}
