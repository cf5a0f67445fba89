//! `riskgraph assess`: a small register derived by hand, golden registers of the bundled
//! dataset, determinism, the `--fail-on` gate, `-o` and spreadsheet safety.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::{output, riskgraph, root};

const SMALL: &str = "tests/data/assess/small";
const AS_OF: &str = "2026-11-01";

/// Runs assess with `args` and returns stdout, checking it succeeded.
fn assess(path: &str, args: &[&str]) -> String {
    let mut command = riskgraph();
    command.args(["assess", path, "--as-of", AS_OF]).args(args);
    let (code, stdout, stderr) = output(&mut command);
    assert_eq!(code, Some(0), "stderr:\n{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    stdout
}

fn risks(document: &Value) -> &Vec<Value> {
    document["risks"].as_array().expect("a list of risks")
}

/// The register of `tests/data/assess/small`, whose every figure follows from its files and the
/// built-in rules; the derivations are in the comments of the tests below.
fn small() -> Value {
    serde_json::from_str(&assess(SMALL, &["--format", "json"])).unwrap()
}

fn risk<'a>(document: &'a Value, id: &str) -> &'a Value {
    risks(document).iter().find(|r| r["id"] == id).unwrap()
}

/// Likelihood, impact, score and level of one side of a risk.
fn rated(risk: &Value, side: &str) -> (u64, u64, u64, String) {
    let r = &risk[side];
    (
        r["likelihood"].as_u64().unwrap(),
        r["impact"].as_u64().unwrap(),
        r["score"].as_u64().unwrap(),
        r["level"].as_str().unwrap().to_owned(),
    )
}

fn level(l: u64, i: u64, name: &str) -> (u64, u64, u64, String) {
    (l, i, l * i, name.to_owned())
}

fn codes(risk: &Value) -> Vec<String> {
    risk["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn small_register_threats_on_assets() {
    let document = small();
    // T1 on db: base 3, open vulnerability V1 of severity 5 adds 2: likelihood 5. Impact: db's
    // own confidentiality 5, a critical process (billing, via app) reached, plus halves for the
    // commitment on billing, personal data and the severity-5 law: 6.5, kept to 5.
    let t1 = risk(&document, "T1@db");
    assert_eq!(rated(t1, "inherent"), level(5, 5, "critical"));
    // C1 (implemented, 0.6, impact) leaves 40% of 5 = 2; C2 (partial: half of 0.8, likelihood)
    // leaves 60% of 5 = 3.
    assert_eq!(rated(t1, "residual"), level(3, 2, "medium"));
    assert_eq!(t1["controls"], serde_json::json!(["C1", "C2"]));
    assert_eq!(t1["soc2"], serde_json::json!(["CC6.1", "CC6.2", "CC6.3"]));
    assert_eq!(t1["iso27001"], serde_json::json!(["A.5.18", "A.8.24"]));
    assert_eq!(t1["vulnerabilities"], serde_json::json!(["V1"]));
    // Confidentiality flows db -> app -> billing; the commitment covers billing.
    assert_eq!(
        t1["exposure"],
        serde_json::json!({"nodes": 2, "processes": 1, "commitments": 1})
    );
    assert_eq!(t1["within_appetite"], true);
    assert_eq!(t1["treatment"]["decision"], "accept");
    assert_eq!(t1["treatment"]["source"], "default");
    assert_eq!(t1["owner"], "DBA");
    assert_eq!(t1["next_review"], "2027-04-30"); // medium: 180 days after the as-of date
    assert_eq!(t1["findings"], serde_json::json!([]));

    // T3 on old: base 2, legacy adds 1: 3. Impact: its own availability 2; nothing depends on
    // it. No controls; medium is within appetite, so accepted by default.
    let t3 = risk(&document, "T3@old");
    assert_eq!(rated(t3, "inherent"), level(3, 2, "medium"));
    assert_eq!(rated(t3, "residual"), level(3, 2, "medium"));
    assert_eq!(t3["owner"], "IT Ops"); // no node owner: the threat's
    assert_eq!(
        t3["exposure"],
        serde_json::json!({"nodes": 0, "processes": 0, "commitments": 0})
    );
}

#[test]
fn small_register_vendor_outage_and_fraud() {
    let document = small();
    // T2 on host: base 2, one incident in the past year (I1; I0 is older) adds 1: 3. Impact:
    // availability flows host -> db -> app (1.0 each) -> billing (0.9): 5 x 0.9 = 4.5, plus
    // halves for the commitment and personal data reached: 5.5, kept to 5.
    let t2 = risk(&document, "T2@host");
    assert_eq!(rated(t2, "inherent"), level(3, 5, "high"));
    // C3 is only planned: no reduction.
    assert_eq!(rated(t2, "residual"), level(3, 5, "high"));
    assert_eq!(t2["incidents"], serde_json::json!(["I1"]));
    assert_eq!(
        t2["exposure"],
        serde_json::json!({"nodes": 3, "processes": 1, "commitments": 1})
    );
    assert_eq!(t2["within_appetite"], false);
    // `T2@host` is more specific than `T2@*`.
    assert_eq!(t2["treatment"]["pattern"], "T2@host");
    assert_eq!(t2["treatment"]["status"], "in-progress");
    assert_eq!(t2["treatment"]["ticket"], "OPS-1");
    assert_eq!(t2["owner"], "SRE Lead");
    // High: 90 days after the treatment's approval on 2026-10-01.
    assert_eq!(t2["next_review"], "2026-12-30");
    assert_eq!(codes(t2), ["control-overdue"]);
    assert_eq!(
        t2["findings"][0]["message"],
        "control C3 is planned and was due on 2026-06-30"
    );

    // Fraud in billing: incentive 2 (financial), opportunity 2 (no segregation of duties), no
    // fraud incidents: likelihood 1 + 4 = 5; impact criticality 5 + 1 for money, kept to 5.
    let fraud = risk(&document, "fraud@billing");
    assert_eq!(fraud["threat"]["category"], "fraud");
    assert_eq!(rated(fraud, "inherent"), level(5, 5, "critical"));
    // C4 (implemented, 0.5, likelihood): 2.5 rounds to 3.
    assert_eq!(rated(fraud, "residual"), level(3, 5, "high"));
    assert_eq!(fraud["controls"], serde_json::json!(["C4"]));
    assert_eq!(
        fraud["fraud_factors"],
        serde_json::json!([
            ["incentive", "2"],
            ["opportunity", "2"],
            ["rationalization", "0"]
        ])
    );
    assert_eq!(fraud["owner"], "CFO");
    assert_eq!(fraud["next_review"], "2027-01-30");
    assert_eq!(
        codes(fraud),
        [
            "accepted-without-justification",
            "accepted-without-approver",
            "acceptance-expired"
        ]
    );
}

#[test]
fn small_register_order_summary_and_matrices() {
    let document = small();
    // Residual score descending, then id: "T2@host" sorts before "fraud@billing" (upper case
    // first), "T1@db" before "T3@old".
    let ids: Vec<&str> = risks(&document)
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["T2@host", "fraud@billing", "T1@db", "T3@old"]);
    // Summary and matrices count the same risks.
    let summary = &document["summary"];
    assert_eq!(summary["risks"], 4);
    assert_eq!(summary["above_appetite"], 2);
    assert_eq!(summary["with_findings"], 2);
    assert_eq!(
        summary["residual"],
        serde_json::json!({"low": 0, "medium": 2, "high": 2, "critical": 0})
    );
    // Rows are likelihood 5 down to 1, columns impact 1 up to 5.
    let residual = &document["matrix"]["residual"];
    assert_eq!(residual[2], serde_json::json!([0, 2, 0, 0, 2]));
    let inherent = &document["matrix"]["inherent"];
    assert_eq!(inherent[0], serde_json::json!([0, 0, 0, 0, 2]));
    assert_eq!(inherent[2], serde_json::json!([0, 1, 0, 0, 1]));
    assert_eq!(document["as_of"], AS_OF);
    assert_eq!(document["schema_version"], 1);
    let files: Vec<&str> = document["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(files.contains(&"assets.csv") && files.contains(&"riskgraph.toml"));
    assert!(
        document["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["sha256"].as_str().unwrap().len() == 64)
    );
}

#[test]
fn golden_registers_of_the_bundled_dataset() {
    let json = assess("datasets/acme-saas", &["--format", "json"]);
    insta::assert_snapshot!("acme-register-json", crate::projection(&json));
    let md = assess("datasets/acme-saas", &["--format", "md"]);
    insta::assert_snapshot!("acme-register-md", md);
}

#[test]
fn table_has_the_matrices_and_the_top_ten() {
    let stdout = assess("datasets/acme-saas", &[]);
    assert!(stdout.starts_with("Risk register of Acme SaaS as of 2026-11-01"));
    assert!(stdout.contains("Risk matrix: risks per cell"));
    assert!(stdout.contains("\nTop 10 by residual score\n"));
    assert!(!stdout.contains('\x1b'), "no colour when not a terminal");
    // Not a terminal: 120 characters unless COLUMNS says otherwise.
    assert!(stdout.lines().all(|l| l.chars().count() <= 120));
    let narrow = {
        let mut command = riskgraph();
        command
            .env("COLUMNS", "80")
            .args(["assess", "datasets/acme-saas", "--as-of", AS_OF]);
        output(&mut command).1
    };
    // The table's lines, after the title.
    let table: Vec<&str> = narrow.lines().skip(2).take(40).collect();
    assert!(table.iter().all(|l| l.chars().count() <= 80), "{table:#?}");
}

#[test]
fn same_bytes_whatever_the_thread_count() {
    let run = |threads: &str| {
        assess(
            "datasets/acme-saas",
            &["--format", "json", "--threads", threads],
        )
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    assert_eq!(one, run("8"));
    assert_eq!(one, run("2"), "two runs, same bytes");
}

#[test]
fn fail_on_trips_at_or_above_the_level() {
    let gate = |level: &str| {
        let mut command = riskgraph();
        command.args([
            "assess",
            SMALL,
            "--as-of",
            AS_OF,
            "--format",
            "csv",
            "--fail-on",
            level,
        ]);
        output(&mut command)
    };
    // The highest residual level is high.
    let (code, stdout, stderr) = gate("high");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.starts_with("id,"), "the register is still written");
    assert!(
        stderr.contains("2 risks with a residual level of high or above"),
        "{stderr}"
    );
    assert_eq!(gate("medium").0, Some(1));
    let (code, _, stderr) = gate("critical");
    assert_eq!(code, Some(0), "{stderr}");
    let (code, _, stderr) = gate("hihg");
    assert_eq!(code, Some(2));
    assert!(stderr.contains("did you mean `high`?"), "{stderr}");
}

#[test]
fn only_filters_the_listed_risks() {
    let document: Value = serde_json::from_str(&assess(
        SMALL,
        &["--format", "json", "--only", "above-appetite"],
    ))
    .unwrap();
    let ids: Vec<&str> = risks(&document)
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["T2@host", "fraud@billing"]);
    assert_eq!(document["summary"]["risks"], 4);
    assert_eq!(document["summary"]["shown"], 2);
    // No review is overdue on the as-of date. A year later, the one counted from its
    // treatment's approval is; the others count from the as-of date itself.
    let document: Value =
        serde_json::from_str(&assess(SMALL, &["--format", "json", "--only", "overdue"])).unwrap();
    assert!(risks(&document).is_empty());
    let mut command = riskgraph();
    command.args([
        "assess",
        SMALL,
        "--as-of",
        "2027-11-01",
        "--format",
        "json",
        "--only",
        "overdue",
    ]);
    let (code, stdout, stderr) = output(&mut command);
    assert_eq!(code, Some(0), "{stderr}");
    let document: Value = serde_json::from_str(&stdout).unwrap();
    let ids: Vec<&str> = risks(&document)
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["T2@host"]);
    assert_eq!(risks(&document)[0]["findings"][1]["code"], "review-overdue");
}

#[test]
fn csv_has_one_row_per_risk() {
    let stdout = assess(SMALL, &["--format", "csv"]);
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "id");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[0][column("id")], "T2@host");
    assert_eq!(&rows[0][column("residual_level")], "high");
    assert_eq!(&rows[2][column("soc2")], "CC6.1; CC6.2; CC6.3");
    assert_eq!(
        &rows[1][column("findings")],
        "accepted-without-justification; accepted-without-approver; acceptance-expired"
    );
}

/// Copies the small inventory into a fresh folder under the target directory.
fn copy_small(name: &str) -> std::path::PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    for entry in std::fs::read_dir(root().join(SMALL)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), folder.join(entry.file_name())).unwrap();
    }
    folder
}

#[test]
fn csv_cells_never_run_as_formulas() {
    let folder = copy_small("assess-csv-injection");
    std::fs::write(
        folder.join("assets.csv"),
        "id,name,type,owner,confidentiality,integrity,availability,classification,personal_data,lifecycle,tags,in_scope\n\
         db,\"=cmd|' /C calc'!A0\",data,+DBA,5,4,3,restricted,yes,supported,,yes\n\
         app,Web application,software,App Lead,2,3,4,internal,no,supported,internet-facing,yes\n\
         old,@SUM(1+1),hardware,-IT,1,1,2,internal,no,legacy,,yes\n",
    )
    .unwrap();
    let stdout = assess(folder.to_str().unwrap(), &["--format", "csv"]);
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    let header = reader.headers().unwrap().clone();
    let mut names = Vec::new();
    for row in reader.records() {
        let row = row.unwrap();
        for cell in &row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} would run as a formula"
            );
        }
        names.push(row[header.iter().position(|h| h == "node_name").unwrap()].to_owned());
    }
    assert!(
        names.contains(&"'=cmd|' /C calc'!A0".to_owned()),
        "{names:?}"
    );
    assert!(names.contains(&"'@SUM(1+1)".to_owned()), "{names:?}");
    assert!(stdout.contains("'+DBA") && stdout.contains("'-IT"));
}

#[test]
fn output_file_is_whole_or_untouched() {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("assess-output");
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    let target = folder.join("register.json");
    let leftovers = || {
        std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name != "register.json")
            .collect::<Vec<_>>()
    };

    let mut command = riskgraph();
    command.args(["assess", SMALL, "--as-of", AS_OF, "--format", "json", "-o"]);
    command.arg(&target);
    let (code, stdout, stderr) = output(&mut command);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.is_empty(), "the register goes to the file");
    let written = std::fs::read_to_string(&target).unwrap();
    assert_eq!(written, assess(SMALL, &["--format", "json"]));
    assert!(leftovers().is_empty(), "{:?}", leftovers());
    // The output has the mode of any new file, not the temporary file's private one.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let plain = folder.join("plain");
        std::fs::write(&plain, "").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&target), mode(&plain));
        std::fs::remove_file(&plain).unwrap();
    }

    // A run that fails (here, a rule that never ends) leaves the previous file as it was.
    let rules = folder.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("likelihood.rhai"),
        "fn likelihood(threat, node, ctx) { loop { } }\n",
    )
    .unwrap();
    let mut command = riskgraph();
    command.args([
        "assess", SMALL, "--as-of", AS_OF, "--format", "json", "--rules",
    ]);
    command.arg(&rules).arg("-o").arg(&target);
    let (code, _, stderr) = output(&mut command);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("likelihood.rhai"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), written);
    assert_eq!(leftovers(), ["rules"]);

    // A folder that does not exist: an error, and nothing written.
    let mut command = riskgraph();
    command.args(["assess", SMALL, "--as-of", AS_OF, "-o"]);
    command.arg(folder.join("missing/register.txt"));
    let (code, _, stderr) = output(&mut command);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("cannot write"), "{stderr}");
}

#[test]
fn bad_arguments_exit_2() {
    let mut command = riskgraph();
    command.args(["assess", SMALL, "--as-of", "03/04/2026"]);
    let (code, _, stderr) = output(&mut command);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--as-of"), "{stderr}");
    let mut command = riskgraph();
    command.args(["assess", "tests/data/assess/missing"]);
    let (code, _, stderr) = output(&mut command);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("does not exist"), "{stderr}");
}

#[test]
fn a_workbook_assesses_like_the_folder() {
    let path = small_as_workbook("assess-workbook");
    let from_workbook: Value =
        serde_json::from_str(&assess(path.to_str().unwrap(), &["--format", "json"])).unwrap();
    let from_folder = small();
    assert_eq!(from_workbook["risks"], from_folder["risks"]);
    assert_eq!(from_workbook["inputs"][0]["file"], "inventory.xlsx");
}

/// The small inventory as a workbook, `inventory.xlsx`, with its manifest beside it, in a fresh
/// folder `name` under the target directory.
pub fn small_as_workbook(name: &str) -> std::path::PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(root().join(SMALL))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    for file in &files {
        if file.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(file, folder.join("riskgraph.toml")).unwrap();
            continue;
        }
        let stem = file.file_stem().unwrap().to_str().unwrap();
        let sheet = workbook.add_worksheet().set_name(stem).unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(file)
            .unwrap();
        for (row, record) in reader.records().enumerate() {
            for (column, cell) in record.unwrap().iter().enumerate() {
                if !cell.is_empty() {
                    sheet.write_string(row as u32, column as u16, cell).unwrap();
                }
            }
        }
    }
    let path = folder.join("inventory.xlsx");
    workbook.save(&path).unwrap();
    path
}

#[test]
fn group_by_reads_the_register_a_page_at_a_time() {
    // small: T2@host (high, above appetite), fraud@billing, T1@db, T3@old.
    let stdout = assess(SMALL, &["--group-by", "vendor", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "vendor");
    assert_eq!(&header[1], "risks");
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    // The vendor's own risk counts under it; db is hosted by it directly; the rest have none.
    let keys: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(keys, [("host", "2"), ("(none)", "2")]);
    assert_eq!(rows[0][header.len() - 2], "T2@host");

    let document: Value = serde_json::from_str(&assess(
        SMALL,
        &["--group-by", "category", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(document["group_by"], "category");
    assert_eq!(document["risks"], 4);
    let groups = document["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 4);
    assert_eq!(groups[0]["key"], "service-outage");
    assert_eq!(groups[0]["highest"]["id"], "T2@host");
    let total: u64 = groups
        .iter()
        .flat_map(|g| g["per_level"].as_array().unwrap())
        .map(|l| l["risks"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 4);

    // --only filters before grouping.
    let document: Value = serde_json::from_str(&assess(
        SMALL,
        &[
            "--group-by",
            "threat",
            "--only",
            "above-appetite",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let keys: Vec<&str> = document["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["T2", "fraud"]);
    assert_eq!(document["risks"], 2);

    let table = assess("datasets/acme-saas", &["--group-by", "owner"]);
    assert!(
        table.starts_with("Risks by owner: Acme SaaS (265 risks in "),
        "{table}"
    );
}

#[test]
fn top_lists_the_highest_risks_and_says_how_many_are_left_out() {
    let table = assess(SMALL, &["--top", "2"]);
    assert!(
        table.contains("2 of 4 risks shown: the highest 2 by residual score"),
        "{table}"
    );
    let stdout = assess(SMALL, &["--top", "1", "--format", "csv"]);
    let ids: Vec<String> = csv::Reader::from_reader(stdout.as_bytes())
        .records()
        .map(|r| r.unwrap()[0].to_owned())
        .collect();
    assert_eq!(ids, ["T2@host"]);
    let document: Value =
        serde_json::from_str(&assess(SMALL, &["--top", "3", "--format", "json"])).unwrap();
    assert_eq!(risks(&document).len(), 3);
    assert_eq!(document["summary"]["risks"], 4);
    // Without --top, a small register is listed whole.
    assert!(!assess(SMALL, &[]).contains("risks shown"));
}

#[test]
fn group_by_and_top_refuse_what_does_not_fit() {
    for args in [
        &["--group-by", "threat", "--format", "xlsx", "-o", "x.xlsx"][..],
        &["--group-by", "threat", "--top", "3"],
        &["--top", "3", "--format", "html"],
        &["--group-by", "colour"],
    ] {
        let mut command = riskgraph();
        command.args(["assess", SMALL, "--as-of", AS_OF]).args(args);
        let (code, stdout, stderr) = output(&mut command);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}");
        assert!(!stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn human_formats_list_at_most_ten_thousand_risks_unless_told() {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("assess-ten-thousand");
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    let mut assets = String::from("id,name,type,confidentiality,integrity,availability\n");
    for i in 0..10_050 {
        let _ = writeln!(assets, "a{i},Asset {i},hardware,3,3,3");
    }
    std::fs::write(folder.join("assets.csv"), assets).unwrap();
    std::fs::write(
        folder.join("threats.csv"),
        "id,name,category,targets,likelihood\nT1,Theft,physical,kind:asset,3\n",
    )
    .unwrap();
    let path = folder.to_str().unwrap();
    let table = assess(path, &[]);
    assert!(
        table.contains("10000 of 10050 risks shown: the highest 10000 by residual score"),
        "{}",
        &table[..400]
    );
    let markdown = assess(path, &["--format", "md", "--top", "20000"]);
    assert!(!markdown.contains("risks shown"));
    let csv = assess(path, &["--format", "csv"]);
    assert_eq!(csv.lines().count(), 10_051);
}
