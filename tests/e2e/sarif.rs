//! `assess --format sarif` and `validate --error-format sarif`: SARIF 2.1.0 that the OASIS schema
//! accepts, results on the rows they come from, and fingerprints that hold still.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::{output, riskgraph, root};

const ACME: &str = "datasets/acme-saas";
const AS_OF: [&str; 2] = ["--as-of", "2026-11-01"];

/// The vendored OASIS SARIF 2.1.0 schema (see its README for where it comes from).
fn sarif_schema() -> jsonschema::Validator {
    let path = root().join("tests/data/schemas/sarif-2.1.0/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

/// `text` parsed, after checking it against the SARIF schema.
fn valid_sarif(text: &str) -> Value {
    let log: Value = serde_json::from_str(text).expect("SARIF is JSON");
    let errors: Vec<String> = sarif_schema()
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid SARIF 2.1.0:\n{}",
        errors.join("\n")
    );
    log
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().unwrap()
}

/// Risk id -> fingerprint.
fn fingerprints(log: &Value) -> BTreeMap<String, String> {
    results(log)
        .iter()
        .map(|r| {
            (
                r["properties"]["risk"].as_str().unwrap().to_owned(),
                r["partialFingerprints"]["riskgraph/v1"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
}

fn assess_sarif(path: &str, extra: &[&str]) -> (Option<i32>, String) {
    let (code, stdout, stderr) = output(
        riskgraph()
            .args(["assess", path, "--format", "sarif"])
            .args(AS_OF)
            .args(extra),
    );
    assert!(
        code == Some(0) || code == Some(1),
        "exit {code:?}:\n{stderr}"
    );
    (code, stdout)
}

/// The 1-based line of `assets.csv`, `processes.csv` or `vendors.csv` of `folder` that defines
/// node `id`.
fn line_of(file: &Path, id: &str) -> u64 {
    let text = std::fs::read_to_string(file).unwrap();
    let at = text
        .lines()
        .position(|line| line.split(',').next() == Some(id))
        .unwrap_or_else(|| panic!("{id} in {}", file.display()));
    at as u64 + 1
}

#[test]
fn assess_sarif_of_acme_saas_is_valid_sarif_with_a_result_per_risk_above_appetite() {
    let (code, text) = assess_sarif(ACME, &[]);
    // Without --fail-on nothing gates the exit code.
    assert_eq!(code, Some(0));
    let log = valid_sarif(&text);
    assert_eq!(log["version"], "2.1.0");
    let register: Value = serde_json::from_str(
        &output(
            riskgraph()
                .args(["assess", ACME, "--format", "json"])
                .args(AS_OF),
        )
        .1,
    )
    .unwrap();
    let above: Vec<&str> = register["risks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["within_appetite"] == false)
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let listed: Vec<&str> = results(&log)
        .iter()
        .map(|r| r["properties"]["risk"].as_str().unwrap())
        .collect();
    assert!(!listed.is_empty());
    assert_eq!(listed, above, "the risks above appetite, in register order");

    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for result in results(&log) {
        let risk = result["properties"]["risk"].as_str().unwrap();
        let (threat, node) = risk.split_once('@').unwrap();
        assert_eq!(result["ruleId"], threat);
        let rule = &rules[result["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], threat);
        assert!(rule["properties"]["category"].is_string(), "{rule}");
        assert!(
            rule["help"]["text"]
                .as_str()
                .unwrap()
                .contains("treatments.csv")
        );
        // The message names the risk, its score and what drives it.
        let message = result["message"]["text"].as_str().unwrap();
        let score = result["properties"]["residual"]["score"].as_u64().unwrap();
        assert!(message.starts_with(&format!("{risk}: ")), "{message}");
        assert!(
            message.contains(&format!("score {score} (likelihood")),
            "{message}"
        );
        assert!(
            message.contains("Drivers: a failure or breach reaches"),
            "{message}"
        );
        // Levels: the top two of low, medium, high, critical are errors.
        let level = result["properties"]["residual"]["level"].as_str().unwrap();
        let expected = match level {
            "critical" | "high" => "error",
            "medium" => "warning",
            _ => "note",
        };
        assert_eq!(result["level"], expected, "{risk}");
        // On the row of the node in its CSV file, relative to the working directory.
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.starts_with("datasets/acme-saas/"), "{uri}");
        assert_eq!(
            location["region"]["startLine"].as_u64().unwrap(),
            line_of(&root().join(uri), node),
            "{risk}"
        );
    }
}

#[test]
fn fail_on_chooses_the_results_and_still_gates_the_exit_code() {
    let (code, text) = assess_sarif(ACME, &["--fail-on", "low"]);
    assert_eq!(code, Some(1));
    let all = results(&valid_sarif(&text)).len();
    let (code, text) = assess_sarif(ACME, &["--fail-on", "critical"]);
    let log = valid_sarif(&text);
    let critical = results(&log);
    assert!(critical.len() < all);
    assert!(
        critical
            .iter()
            .all(|r| r["properties"]["residual"]["level"] == "critical")
    );
    assert_eq!(code, Some(i32::from(!critical.is_empty())));
    let register: Value = serde_json::from_str(
        &output(
            riskgraph()
                .args(["assess", ACME, "--format", "json"])
                .args(AS_OF),
        )
        .1,
    )
    .unwrap();
    assert_eq!(all as u64, register["summary"]["risks"].as_u64().unwrap());
}

#[test]
fn same_sarif_whatever_the_thread_count() {
    let (_, one) = assess_sarif(ACME, &["--threads", "1"]);
    let (_, four) = assess_sarif(ACME, &["--threads", "4"]);
    assert_eq!(one, four);
}

#[test]
fn fingerprints_hold_across_runs_and_unrelated_inventory_changes() {
    let (_, first) = assess_sarif(ACME, &["--fail-on", "low"]);
    let (_, again) = assess_sarif(ACME, &["--fail-on", "low"]);
    assert_eq!(first, again);
    let before = fingerprints(&valid_sarif(&first));
    let distinct: std::collections::BTreeSet<&String> = before.values().collect();
    assert_eq!(distinct.len(), before.len(), "one fingerprint per risk");

    // An unrelated change: a new asset row at the top of assets.csv moves every asset's line.
    let folder = crate::validate::tempdir("sarif-fingerprints");
    for entry in std::fs::read_dir(root().join(ACME)).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_file() {
            std::fs::copy(entry.path(), folder.join(entry.file_name())).unwrap();
        }
    }
    let assets = folder.join("assets.csv");
    let text = std::fs::read_to_string(&assets).unwrap();
    let (header, rows) = text.split_once('\n').unwrap();
    let columns = header.split(',').count();
    let mut row = vec![""; columns];
    row[0] = "printer-lobby";
    row[1] = "Lobby printer";
    row[2] = "hardware";
    std::fs::write(&assets, format!("{header}\n{}\n{rows}", row.join(","))).unwrap();
    let (_, moved) = assess_sarif(folder.to_str().unwrap(), &["--fail-on", "low"]);
    let after = fingerprints(&valid_sarif(&moved));
    let mut compared = 0;
    for (risk, fingerprint) in &before {
        if let Some(now) = after.get(risk) {
            assert_eq!(now, fingerprint, "{risk}");
            compared += 1;
        }
    }
    assert_eq!(compared, before.len(), "every risk is still there");
    // While the results on assets moved down a line.
    let lines = |log: &Value| -> BTreeMap<String, (String, u64)> {
        results(log)
            .iter()
            .map(|r| {
                let location = &r["locations"][0]["physicalLocation"];
                let uri = location["artifactLocation"]["uri"].as_str().unwrap();
                let file = uri.rsplit('/').next().unwrap().to_owned();
                let line = location["region"]["startLine"].as_u64().unwrap();
                (
                    r["properties"]["risk"].as_str().unwrap().to_owned(),
                    (file, line),
                )
            })
            .collect()
    };
    let (old_lines, new_lines) = (lines(&valid_sarif(&first)), lines(&valid_sarif(&moved)));
    let mut on_assets = 0;
    for (risk, (file, line)) in &old_lines {
        let shift = u64::from(file == "assets.csv");
        on_assets += shift;
        assert_eq!(new_lines[risk], (file.clone(), line + shift), "{risk}");
    }
    assert!(on_assets > 0);
}

#[test]
fn paths_are_relative_to_the_working_directory_or_as_given() {
    // Run from `datasets/` with an absolute path: the inventory is under the working directory.
    let absolute = root().join(ACME).canonicalize().unwrap();
    let (code, stdout, stderr) = output(
        riskgraph()
            .current_dir(root().join("datasets").canonicalize().unwrap())
            .args(["assess", absolute.to_str().unwrap(), "--format", "sarif"])
            .args(AS_OF),
    );
    assert_eq!(code, Some(0), "{stderr}");
    let log = valid_sarif(&stdout);
    let uri = &results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert!(uri.as_str().unwrap().starts_with("acme-saas/"), "{uri}");
    // From `tests/`, it is not: the path stays as given.
    let (_, stdout, _) = output(
        riskgraph()
            .current_dir(root().join("tests").canonicalize().unwrap())
            .args(["assess", absolute.to_str().unwrap(), "--format", "sarif"])
            .args(AS_OF),
    );
    let log = valid_sarif(&stdout);
    let uri = &results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert!(uri.as_str().unwrap().starts_with("file:///"), "{uri}");
}

#[test]
fn a_workbook_risk_points_at_the_workbook_and_names_its_sheet() {
    let workbook = crate::assess::small_as_workbook("sarif-workbook");
    let (_, text) = assess_sarif(workbook.to_str().unwrap(), &["--fail-on", "low"]);
    let log = valid_sarif(&text);
    let result = &results(&log)[0];
    let location = &result["locations"][0]["physicalLocation"];
    assert!(
        location["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("/inventory.xlsx")
    );
    assert!(location.get("region").is_none(), "{location}");
    assert!(
        result["message"]["text"]
            .as_str()
            .unwrap()
            .contains(" of sheet `"),
        "{result}"
    );
}

#[test]
fn validate_sarif_flags_the_line_that_broke() {
    let case = "tests/data/invalid/bad-asset-type";
    let (code, stdout, _) = output(riskgraph().args(["validate", case, "--error-format", "sarif"]));
    assert_eq!(code, Some(2));
    let log = valid_sarif(&stdout);
    let (_, json, _) = output(riskgraph().args(["validate", case, "--error-format", "json"]));
    let json: Value = serde_json::from_str(&json).unwrap();
    let diagnostic = &json["diagnostics"][0];
    let result = &results(&log)[0];
    assert_eq!(result["ruleId"], diagnostic["code"]);
    assert_eq!(result["level"], "error");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], diagnostic["file"]);
    assert_eq!(location["region"]["startLine"], diagnostic["line"]);
    assert!(
        result["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with(diagnostic["message"].as_str().unwrap())
    );
}

#[test]
fn validate_sarif_of_every_corpus_case_is_valid_sarif_with_a_location_per_result() {
    let mut cases: Vec<_> = std::fs::read_dir(root().join("tests/data/invalid"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    cases.sort();
    let schema = sarif_schema();
    for case in &cases {
        let (code, stdout, stderr) = output(
            riskgraph()
                .current_dir(root().join("tests/data/invalid"))
                .args(["validate", case, "--error-format", "sarif"]),
        );
        assert_eq!(code, Some(2), "{case}: {stderr}");
        let log: Value = serde_json::from_str(&stdout).unwrap();
        assert!(schema.is_valid(&log), "{case}");
        let results = results(&log);
        assert!(!results.is_empty(), "{case}");
        for result in results {
            let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert!(uri.starts_with(&format!("{case}/")), "{case}: {uri}");
        }
        let prints: std::collections::BTreeSet<&str> = results
            .iter()
            .map(|r| r["partialFingerprints"]["riskgraph/v1"].as_str().unwrap())
            .collect();
        assert_eq!(prints.len(), results.len(), "{case}: distinct fingerprints");
    }
    // A valid inventory gives a log with no results, and exit 0.
    let (code, stdout, _) = output(riskgraph().args(["validate", ACME, "--error-format", "sarif"]));
    assert_eq!(code, Some(0));
    assert!(results(&valid_sarif(&stdout)).is_empty());
}
