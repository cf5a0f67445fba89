//! `riskgraph diff`: two hand-made registers with every kind of change (and the bytes of each
//! format), the increase gate, a register compared with itself, and files it cannot compare.

use crate::validate::tempdir;
use crate::{output, riskgraph};

const OLD: &str = "tests/data/diff/old.json";
const NEW: &str = "tests/data/diff/new.json";

fn diff_json(old: &str, new: &str) -> serde_json::Value {
    let (code, stdout, stderr) = output(riskgraph().args(["diff", old, new, "--format", "json"]));
    assert_eq!(code, Some(0), "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

fn ids(value: &serde_json::Value, key: &str) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[key].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_kind_of_change_between_two_registers() {
    let changes = diff_json(OLD, NEW);
    assert_eq!(
        ids(&changes["added"], "id"),
        ["T-BREACH@okta", "T-OUTAGE@okta"]
    );
    assert_eq!(ids(&changes["removed"], "id"), ["T-GONE@db"]);
    // In the new register's order: phishing rose a level, ransomware fell one, the leak's score
    // rose within its level.
    let rerated = changes["rerated"].as_array().unwrap();
    let summary: Vec<(&str, &str, bool)> = rerated
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap(),
                r["direction"].as_str().unwrap(),
                r["level_changed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("T-PHISH@staff", "up", true),
            ("T-RANSOM@db", "down", true),
            ("T-LEAK@db", "up", false),
        ]
    );
    assert_eq!(rerated[0]["old"]["level"], "medium");
    assert_eq!(rerated[0]["new"]["level"], "high");
    assert_eq!(changes["increases"], serde_json::json!(["T-PHISH@staff"]));

    let controls: Vec<(String, serde_json::Value, serde_json::Value)> = changes["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["old"].clone(),
                c["new"].clone(),
            )
        })
        .collect();
    assert_eq!(
        controls,
        [
            ("C-MFA".to_owned(), "partial".into(), "implemented".into()),
            (
                "C-DLP".to_owned(),
                serde_json::Value::Null,
                "planned".into()
            ),
            (
                "C-OLD".to_owned(),
                "implemented".into(),
                serde_json::Value::Null
            ),
        ]
    );

    let treatments: Vec<(String, String)> = changes["treatments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["risk"].as_str().unwrap().to_owned(),
                t["change"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        treatments,
        [
            ("T-OUTAGE@aws".to_owned(), "expired".to_owned()),
            ("T-TAX@staff".to_owned(), "approved".to_owned()),
        ]
    );

    let vendors = changes["new_vendors"].as_array().unwrap();
    assert_eq!(ids(&changes["new_vendors"], "id"), ["okta", "stripe"]);
    // Okta's widest risk reaches 40 nodes and 7 processes; Stripe has no risk yet.
    assert_eq!(vendors[0]["reach"]["processes"], 7);
    assert_eq!(vendors[0]["through"], "T-OUTAGE@okta");
    assert_eq!(vendors[1]["reach"]["nodes"], 0);
    assert_eq!(vendors[1]["through"], serde_json::Value::Null);
}

/// Every format's output for the two hand-made registers, byte for byte as the diff wrote it
/// before registers were read into compact rows (`tests/data/diff/expected/`).
#[test]
fn each_format_writes_its_expected_bytes() {
    for format in ["table", "md", "json"] {
        let (code, stdout, stderr) = output(
            riskgraph()
                .env("COLUMNS", "120")
                .args(["diff", OLD, NEW, "--format", format]),
        );
        assert_eq!(code, Some(0), "{stderr}");
        let expected = crate::root().join(format!("tests/data/diff/expected/old-new.{format}"));
        assert_eq!(
            stdout,
            std::fs::read_to_string(expected).unwrap(),
            "diff --format {format}"
        );
    }
}

#[test]
fn fail_on_increase_trips_only_when_a_level_rose() {
    let (code, stdout, stderr) = output(riskgraph().args(["diff", OLD, NEW, "--fail-on-increase"]));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("T-PHISH@staff"), "{stderr}");
    assert!(
        stdout.contains("Risks rated differently"),
        "the report is written first"
    );
    // The other way round, phishing fell and ransomware rose.
    let (code, _, stderr) = output(riskgraph().args(["diff", NEW, OLD, "--fail-on-increase"]));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("T-RANSOM@db"), "{stderr}");
}

#[test]
fn a_register_compared_with_itself_has_no_changes() {
    let dir = tempdir("diff-same");
    let register = dir.join("register.json");
    let (code, _, stderr) = output(riskgraph().args([
        "assess",
        "datasets/acme-saas",
        "--as-of",
        "2026-11-01",
        "--format",
        "json",
        "-o",
        register.to_str().unwrap(),
    ]));
    assert_eq!(code, Some(0), "{stderr}");
    let register = register.to_str().unwrap();
    let changes = diff_json(register, register);
    for key in [
        "added",
        "removed",
        "rerated",
        "controls",
        "treatments",
        "new_vendors",
    ] {
        assert_eq!(changes[key], serde_json::json!([]), "{key}");
    }
    let (code, stdout, _) = output(riskgraph().args([
        "diff",
        register,
        register,
        "--fail-on-increase",
        "--format",
        "md",
    ]));
    assert_eq!(code, Some(0));
    assert!(
        stdout.starts_with("# Changes between assessments\n"),
        "{stdout}"
    );
}

#[test]
fn files_it_cannot_compare_exit_2() {
    let dir = tempdir("diff-bad");
    let not_json = dir.join("notes.json");
    std::fs::write(&not_json, "{ \"risks\": [ oops ] }").unwrap();
    let (code, _, stderr) = output(riskgraph().args(["diff", not_json.to_str().unwrap(), NEW]));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("notes.json:1:"), "{stderr}");
    assert!(stderr.contains("assess --format json"), "{stderr}");

    let filtered = dir.join("filtered.json");
    let text = std::fs::read_to_string(crate::root().join(NEW)).unwrap();
    std::fs::write(&filtered, text.replace("\"shown\": 7", "\"shown\": 2")).unwrap();
    let (code, _, stderr) = output(riskgraph().args(["diff", OLD, filtered.to_str().unwrap()]));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--only"), "{stderr}");

    let (code, _, stderr) = output(riskgraph().args(["diff", OLD, "no/such.json"]));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("cannot read no/such.json"), "{stderr}");
}

/// Writes `value` to `<dir>/<name>` and returns the path.
fn write_json(dir: &std::path::Path, name: &str, value: &serde_json::Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path.to_str().unwrap().to_owned()
}

fn read(path: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(crate::root().join(path)).unwrap()).unwrap()
}

#[test]
fn an_older_register_without_controls_or_vendors() {
    let dir = tempdir("diff-older");
    let mut old = read(OLD);
    let object = old.as_object_mut().unwrap();
    object.remove("controls");
    object.remove("vendors");
    let old = write_json(&dir, "old.json", &old);
    let changes = diff_json(&old, NEW);
    // Not "every control is new": they are not compared.
    assert_eq!(changes["controls"], serde_json::json!([]));
    assert_eq!(changes["new_vendors"], serde_json::json!([]));
    assert_eq!(changes["compared_controls_and_vendors"], false);
    // Risks are compared as before.
    assert_eq!(changes["increases"], serde_json::json!(["T-PHISH@staff"]));
    let (_, stdout, _) = output(riskgraph().args(["diff", &old, NEW]));
    assert!(
        stdout.contains("controls and vendors not compared"),
        "{stdout}"
    );
}

#[test]
fn a_renamed_level_keeps_its_rank() {
    let dir = tempdir("diff-renamed");
    let text = std::fs::read_to_string(crate::root().join(NEW)).unwrap();
    let new = write_json(
        &dir,
        "new.json",
        &serde_json::from_str(&text.replace("\"medium\"", "\"moderate\"")).unwrap(),
    );
    let changes = diff_json(OLD, &new);
    let leak = changes["rerated"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "T-LEAK@db")
        .unwrap();
    // medium (6) -> moderate (9): the same rank, a higher score.
    assert_eq!(leak["direction"], "up");
    assert_eq!(leak["level_changed"], false);
    assert_eq!(changes["increases"], serde_json::json!(["T-PHISH@staff"]));
}
