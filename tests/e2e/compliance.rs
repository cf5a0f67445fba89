//! `riskgraph coverage`, `soa` and `catalog`: golden reports of the bundled dataset, the gap gate,
//! inventories written against ISO 27001:2013, and the catalogs' lookups and round trips.

use crate::validate::tempdir;
use crate::{output, riskgraph};

const AS_OF: &str = "2026-11-01";

/// Runs `riskgraph <command> <path> --as-of AS_OF <extra>` and returns its stdout; it must
/// succeed.
fn report(command: &str, path: &str, extra: &[&str]) -> String {
    let (code, stdout, stderr) = output(
        riskgraph()
            .args([command, path, "--as-of", AS_OF])
            .args(extra),
    );
    assert_eq!(code, Some(0), "{stderr}");
    stdout
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("valid JSON")
}

#[test]
fn golden_coverage_and_soa_of_the_bundled_dataset() {
    insta::assert_snapshot!(
        "acme-coverage-json",
        crate::projection(&report(
            "coverage",
            "datasets/acme-saas",
            &["--format", "json"]
        ))
    );
    insta::assert_snapshot!(
        "acme-soa-json",
        crate::projection(&report("soa", "datasets/acme-saas", &["--format", "json"]))
    );
    insta::assert_snapshot!(
        "acme-soa-md",
        report("soa", "datasets/acme-saas", &["--format", "md"])
    );
}

#[test]
fn coverage_formats_agree() {
    let value = json(&report(
        "coverage",
        "datasets/acme-saas",
        &["--format", "json"],
    ));
    let soc2 = value["soc2"].as_array().unwrap();
    // Security's 33 common criteria, availability's 3 and confidentiality's 2.
    assert_eq!(soc2.len(), 38);
    assert_eq!(value["annex_a"].as_array().unwrap().len(), 93);
    let gaps: Vec<&str> = soc2
        .iter()
        .filter(|c| c["verdict"] == "gap")
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(gaps.contains(&"CC1.2"), "{gaps:?}");

    let csv = report("coverage", "datasets/acme-saas", &["--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let csv_gaps: Vec<&str> = records
        .iter()
        .filter(|r| &r[0] == "soc2" && &r[4] == "gap")
        .map(|r| &r[1])
        .collect();
    assert_eq!(csv_gaps, gaps);

    let table = report("coverage", "datasets/acme-saas", &[]);
    assert!(
        table.starts_with("SOC 2 (security, availability, confidentiality): 38 criteria in scope")
    );
    assert!(table.contains("\nVendor management findings\n"));
    let markdown = report("coverage", "datasets/acme-saas", &["--format", "md"]);
    assert!(markdown.starts_with("# Coverage: Acme SaaS\n"));
    assert!(markdown.contains("\n## ISO 27001:2022 Annex A\n"));
}

#[test]
fn fail_on_gap_trips_only_on_an_in_scope_gap() {
    let (code, _, stderr) = output(riskgraph().args([
        "coverage",
        "datasets/acme-saas",
        "--as-of",
        AS_OF,
        "--fail-on-gap",
    ]));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("CC1.2"), "{stderr}");

    // One implemented control citing every common criterion: no gap, so the gate passes; the
    // privacy criteria it lacks are not in scope.
    let dir = tempdir("coverage-no-gap");
    let criteria: Vec<String> = (1..=9)
        .flat_map(|series| {
            let last = [5, 3, 4, 2, 3, 8, 5, 1, 2][series - 1];
            (1..=last).map(move |n| format!("CC{series}.{n}"))
        })
        .collect();
    assert_eq!(criteria.len(), 33);
    std::fs::write(dir.join("assets.csv"), "id,name,type\napp,App,software\n").unwrap();
    std::fs::write(
        dir.join("threats.csv"),
        "id,name,category,targets\nT-1,Attack,cyber-attack,*\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("controls.csv"),
        format!(
            "id,name,status,mitigates,soc2\nC-1,Everything,implemented,T-1,{}\n",
            criteria.join(";")
        ),
    )
    .unwrap();
    let dir = dir.to_str().unwrap();
    let (code, stdout, stderr) = output(riskgraph().args([
        "coverage",
        dir,
        "--as-of",
        AS_OF,
        "--fail-on-gap",
        "--format",
        "json",
    ]));
    assert_eq!(code, Some(0), "{stderr}");
    let value = json(&stdout);
    assert!(
        value["soc2"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["verdict"] == "covered")
    );
    // Nineteen categories are absent: everything but cyber-attack.
    let forgotten: Vec<&str> = value["forgotten_categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["category"].as_str().unwrap())
        .collect();
    assert_eq!(forgotten.len(), 19);
    assert!(!forgotten.contains(&"cyber-attack"));
    // The control cites SOC 2 only, so every criterion is a crosswalk mismatch.
    assert_eq!(value["crosswalk"].as_array().unwrap().len(), 33);
}

#[test]
fn an_inventory_written_against_2013_reports_2022_controls() {
    let dir = tempdir("iso-2013");
    std::fs::write(dir.join("riskgraph.toml"), "[scope]\niso27001 = \"2013\"\n").unwrap();
    std::fs::write(dir.join("assets.csv"), "id,name,type\napp,App,software\n").unwrap();
    std::fs::write(
        dir.join("threats.csv"),
        "id,name,category,targets\nT-1,Account takeover,cyber-attack,*\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("controls.csv"),
        "id,name,status,mitigates,soc2,iso27001\nAC-1,Joiners and leavers,implemented,T-1,CC6.2,A.9.2.1;A.9.2.6\n",
    )
    .unwrap();
    let dir = dir.to_str().unwrap();
    let register = json(&report("assess", dir, &["--format", "json"]));
    assert_eq!(
        register["risks"][0]["iso27001"],
        serde_json::json!(["A.5.16", "A.5.18"])
    );
    let soa = json(&report("soa", dir, &["--format", "json"]));
    let implemented: Vec<&str> = soa["controls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "implemented")
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(implemented, ["A.5.16", "A.5.18"]);
}

#[test]
fn soa_applies_the_decisions_of_soa_csv() {
    let soa = json(&report("soa", "datasets/acme-saas", &["--format", "json"]));
    let controls = soa["controls"].as_array().unwrap();
    assert_eq!(controls.len(), 93);
    let entry = |id: &str| controls.iter().find(|c| c["id"] == id).unwrap();
    assert_eq!(entry("A.8.30")["applicable"], false);
    assert_eq!(entry("A.8.30")["decided_by"], "soa.csv");
    assert!(
        entry("A.8.30")["justification"]
            .as_str()
            .unwrap()
            .starts_with("No software development")
    );
    // Cited by controls: applicable because of the risks they treat.
    assert_eq!(entry("A.5.17")["decided_by"], "controls");
    assert!(
        entry("A.5.17")["justification"]
            .as_str()
            .unwrap()
            .starts_with("treats ")
    );
    // Neither cited nor excluded: applicable and not implemented.
    assert_eq!(entry("A.5.2")["status"], "not-implemented");
    assert_eq!(entry("A.5.2")["decided_by"], "default");

    // An exclusion without a reason is a warning.
    let dir = tempdir("soa-unjustified");
    std::fs::write(dir.join("assets.csv"), "id,name,type\napp,App,software\n").unwrap();
    std::fs::write(dir.join("soa.csv"), "control,applicable\nA.7.4,no\n").unwrap();
    let (code, _, stderr) = output(riskgraph().arg("validate").arg(&dir));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("exclusion-without-justification"),
        "{stderr}"
    );
}

#[test]
fn catalog_lists_have_the_standards_counts() {
    for (catalog, rows) in [
        ("soc2", 61),
        ("iso27001", 93),
        ("iso27001:2013", 114),
        ("clauses", 10),
        ("categories", 20),
        ("crosswalk", 61),
    ] {
        let (code, stdout, stderr) =
            output(riskgraph().args(["catalog", "list", catalog, "--format", "csv"]));
        assert_eq!(code, Some(0), "{stderr}");
        assert_eq!(stdout.lines().count(), rows + 1, "{catalog}");
    }
}

/// The 2013 correspondence and the crosswalk are data worth pinning row by row: a changed pair
/// shows in review.
#[test]
fn golden_correspondence_and_crosswalk() {
    for catalog in ["iso27001:2013", "crosswalk"] {
        let (code, stdout, stderr) =
            output(riskgraph().args(["catalog", "list", catalog, "--format", "csv"]));
        assert_eq!(code, Some(0), "{stderr}");
        insta::assert_snapshot!(format!("catalog-{}", catalog.replace(':', "-")), stdout);
    }
}

/// The ids `catalog map ID` lists.
fn mapped(id: &str) -> Vec<String> {
    let (code, stdout, stderr) =
        output(riskgraph().args(["catalog", "map", id, "--format", "json"]));
    assert_eq!(code, Some(0), "{stderr}");
    json(&stdout)["sections"][0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn catalog_map_round_trips() {
    let iso = mapped("CC6.1");
    assert_eq!(
        iso,
        [
            "A.5.15", "A.5.16", "A.5.17", "A.8.2", "A.8.3", "A.8.5", "A.8.22", "A.8.24"
        ]
    );
    for id in &iso {
        assert!(mapped(id).contains(&String::from("CC6.1")), "{id}");
    }
    assert_eq!(mapped("A.9.2.1"), ["A.5.16"]);
    assert!(mapped("5.16").contains(&String::from("A.9.2.1")));
    assert_eq!(mapped("A.18.2.3"), ["A.5.36", "A.8.8"]);
    for id in ["A.5.36", "A.8.8"] {
        assert!(mapped(id).contains(&String::from("A.18.2.3")), "{id}");
    }
}

#[test]
fn catalog_show_and_unknown_ids() {
    let (code, stdout, _) = output(riskgraph().args(["catalog", "show", "a.5.15"]));
    assert_eq!(code, Some(0));
    assert!(stdout.starts_with("A.5.15\n"), "{stdout}");
    assert!(stdout.contains("CC6.1"), "{stdout}");
    assert!(
        stdout.contains("A.9.1.1"),
        "the 2013 predecessors: {stdout}"
    );
    let (code, stdout, _) =
        output(riskgraph().args(["catalog", "show", "clause:6.1.3", "--format", "md"]));
    assert_eq!(code, Some(0));
    assert!(stdout.contains("Statement of Applicability"), "{stdout}");

    let (code, _, stderr) = output(riskgraph().args(["catalog", "show", "CC10.1"]));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("did you mean CC1.1?"), "{stderr}");
    let (code, _, stderr) = output(riskgraph().args(["catalog", "map", "clause:9.3"]));
    assert_eq!(code, Some(2), "{stderr}");
}

#[test]
fn reports_do_not_depend_on_the_thread_count() {
    for command in ["coverage", "soa"] {
        let one = report(
            command,
            "datasets/acme-saas",
            &["--format", "json", "--threads", "1"],
        );
        let four = report(
            command,
            "datasets/acme-saas",
            &["--format", "json", "--threads", "4"],
        );
        assert_eq!(one, four, "{command}");
    }
}

#[test]
fn lists_of_more_than_ten_thousand_risks_name_the_highest_and_count_all() {
    use std::fmt::Write as _;
    let folder = tempdir("compliance-ten-thousand");
    let mut assets = String::from("id,name,type,confidentiality,integrity,availability\n");
    for i in 0..10_050 {
        // Varied ratings, so that register order is not file order.
        let _ = writeln!(
            assets,
            "a{i},Asset {i},hardware,{},3,{}",
            1 + i % 5,
            1 + i % 3
        );
    }
    std::fs::write(folder.join("assets.csv"), assets).unwrap();
    std::fs::write(
        folder.join("threats.csv"),
        "id,name,category,targets,likelihood\nT1,Theft,physical,kind:asset,3\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("controls.csv"),
        "id,name,status,effectiveness,mitigates,applies_to,soc2,iso27001\n\
         C1,Locked rooms,implemented,0.5,T1,kind:asset,CC6.4,7.1\n\
         C2,Asset tags,implemented,0.5,T1,id:a7,CC6.4,7.9\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("obligations.csv"),
        "id,name,type,applies_to\nOB-1,Insurance terms,contract,kind:asset\n",
    )
    .unwrap();
    let path = folder.to_str().unwrap();
    let csv = report("assess", path, &["--format", "csv"]);
    let register: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|line| line.split(',').next().unwrap())
        .collect();
    assert_eq!(register.len(), 10_050);
    let highest: Vec<&str> = register[..10_000].to_vec();

    let coverage = json(&report("coverage", path, &["--format", "json"]));
    let entry = |list: &str, id: &str| {
        coverage[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["id"] == id)
            .unwrap()
            .clone()
    };
    let ids = |entry: &serde_json::Value| -> Vec<String> {
        let risks = entry["risks"].as_array().unwrap();
        risks
            .iter()
            .map(|r| r.as_str().unwrap().to_owned())
            .collect()
    };
    for (list, id) in [
        ("soc2", "CC6.4"),
        ("annex_a", "A.7.1"),
        ("obligations", "OB-1"),
    ] {
        let entry = entry(list, id);
        assert_eq!(ids(&entry), highest, "{id}");
        assert_eq!(entry["risks_total"], 10_050, "{id}");
    }
    // A list under the limit is whole, without a total.
    let tags = entry("annex_a", "A.7.9");
    assert_eq!(ids(&tags), ["T1@a7"]);
    assert!(tags.get("risks_total").is_none());

    let soa = json(&report("soa", path, &["--format", "json"]));
    let control = soa["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["id"] == "A.7.1")
        .unwrap();
    assert_eq!(ids(control), highest);
    assert_eq!(control["risks_total"], 10_050);
    assert_eq!(control["obligations"], serde_json::json!(["OB-1"]));
    let justification = control["justification"].as_str().unwrap();
    assert!(
        justification.starts_with(&format!("treats 10050 risks ({}, ", highest[0])),
        "{justification}"
    );

    let markdown = report("coverage", path, &["--format", "md"]);
    assert!(
        markdown.contains(&format!("10050: {}, ", highest[0])),
        "a page counts every risk"
    );
    assert!(markdown.contains("(10045 more)"));
    let sheet = report("coverage", path, &["--format", "csv"]);
    assert!(
        sheet.contains("; ... (50 more)"),
        "a CSV cell says how many it leaves out"
    );
}
