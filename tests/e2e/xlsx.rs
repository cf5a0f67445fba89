//! `--format xlsx`: workbooks read back with calamine hold what the JSON and CSV outputs hold,
//! with numbers as numbers, dates as dates and formula-looking text as text.

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};

use crate::validate::tempdir;
use crate::{output, riskgraph};

/// Runs `riskgraph <args> --format xlsx -o <dir>/<name>` and opens the workbook.
fn workbook(name: &str, args: &[&str]) -> calamine::Sheets<Cursor<Vec<u8>>> {
    let path = tempdir(&format!("xlsx-{name}")).join(format!("{name}.xlsx"));
    let (code, _, stderr) = output(
        riskgraph()
            .args(args)
            .args(["--format", "xlsx", "-o"])
            .arg(&path),
    );
    assert_eq!(code, Some(0), "{stderr}");
    let bytes = std::fs::read(&path).unwrap();
    open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap()
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("expected text, got {other:?}"),
    }
}

fn date(cell: &Data) -> String {
    match cell {
        Data::DateTime(d) if d.is_datetime() => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        Data::Empty => String::new(),
        other => panic!("expected a date, got {other:?}"),
    }
}

/// A whole number cell (scores, counts).
fn number(cell: &Data) -> i64 {
    match cell {
        Data::Float(x) if x.fract() == 0.0 => *x as i64,
        Data::Int(n) => *n,
        other => panic!("expected a number, got {other:?}"),
    }
}

/// A cell as the CSV writes its value: whole numbers without a fraction, dates as `YYYY-MM-DD`.
fn shown(cell: &Data) -> String {
    match cell {
        Data::Float(_) | Data::Int(_) => number(cell).to_string(),
        Data::DateTime(_) => date(cell),
        _ => text(cell),
    }
}

#[test]
fn the_register_workbook_equals_the_json_register() {
    let args = ["assess", "datasets/acme-saas", "--as-of", "2026-11-01"];
    let (code, json, _) = output(riskgraph().args(args).args(["--format", "json"]));
    assert_eq!(code, Some(0));
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let risks = json["risks"].as_array().unwrap();

    let mut book = workbook("assess", &args);
    assert_eq!(
        book.sheet_names(),
        ["Register", "Summary", "Inherent matrix", "Residual matrix"]
    );
    let sheet = book.worksheet_range("Register").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let header: Vec<String> = rows[0].iter().map(text).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(rows.len() - 1, risks.len());
    for (row, risk) in rows[1..].iter().zip(risks) {
        assert_eq!(text(&row[col("id")]), risk["id"].as_str().unwrap());
        assert_eq!(
            number(&row[col("residual_score")]),
            risk["residual"]["score"].as_i64().unwrap()
        );
        assert_eq!(
            text(&row[col("residual_level")]),
            risk["residual"]["level"].as_str().unwrap()
        );
        assert_eq!(
            number(&row[col("reached_nodes")]),
            risk["exposure"]["nodes"].as_i64().unwrap()
        );
        assert_eq!(
            date(&row[col("next_review")]),
            risk["next_review"].as_str().unwrap()
        );
        assert_eq!(
            date(&row[col("approved_on")]),
            risk["treatment"]["approved_on"].as_str().unwrap()
        );
    }
    // Every cell of every row reads as the CSV register has it.
    let (_, csv, _) = output(riskgraph().args(args).args(["--format", "csv"]));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        header.iter().map(String::as_str).collect::<Vec<_>>()
    );
    for (row, record) in rows[1..].iter().zip(reader.records()) {
        let record = record.unwrap();
        for (cell, expected) in row.iter().zip(record.iter()) {
            // The CSV marks formula-looking text with an apostrophe; the workbook stores it as text.
            let expected = expected
                .strip_prefix('\'')
                .filter(|rest| rest.starts_with(['=', '+', '-', '@', '\t', '\r']))
                .unwrap_or(expected);
            assert_eq!(shown(cell), expected, "{header:?}");
        }
    }
    let summary = book.worksheet_range("Summary").unwrap();
    let risks_row = summary.rows().find(|r| text(&r[0]) == "risks").unwrap();
    assert_eq!(usize::try_from(number(&risks_row[1])).unwrap(), risks.len());
    let as_of = summary.rows().find(|r| text(&r[0]) == "as of").unwrap();
    assert_eq!(date(&as_of[1]), "2026-11-01");

    // The residual matrix sums to the number of risks.
    let matrix = book.worksheet_range("Residual matrix").unwrap();
    let total: i64 = matrix
        .rows()
        .skip(1)
        .flat_map(|r| r[1..].iter().map(number))
        .sum();
    assert_eq!(usize::try_from(total).unwrap(), risks.len());
}

#[test]
fn formula_looking_text_stays_text() {
    let dir = tempdir("xlsx-formula-inventory");
    std::fs::write(
        dir.join("assets.csv"),
        "id,name,type\napp,=HYPERLINK(\"x\"),software\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("threats.csv"),
        "id,name,category,targets\nT-1,\"=cmd|' /C calc'!A0\",cyber-attack,*\n",
    )
    .unwrap();
    let dir = dir.to_str().unwrap();
    let mut book = workbook("formula", &["assess", dir, "--as-of", "2026-11-01"]);
    let sheet = book.worksheet_range("Register").unwrap();
    let row: Vec<String> = sheet
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(|c| match c {
            Data::String(s) => s.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    assert!(row.contains(&String::from("=cmd|' /C calc'!A0")), "{row:?}");
    assert!(row.contains(&String::from("=HYPERLINK(\"x\")")), "{row:?}");
    let formulas = book.worksheet_formula("Register").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formula cell"
    );
}

#[test]
fn coverage_and_soa_workbooks_have_a_sheet_per_table() {
    let args = ["coverage", "datasets/acme-saas", "--as-of", "2026-11-01"];
    let mut book = workbook("coverage", &args);
    assert_eq!(book.sheet_names().len(), 11);
    let soc2 = book.worksheet_range("SOC 2").unwrap();
    // Security, availability and confidentiality: 38 criteria and the header.
    assert_eq!(soc2.rows().count(), 39);
    let untested = book.worksheet_range("Untested controls").unwrap();
    let last_tested = untested.rows().nth(1).unwrap()[3].clone();
    assert!(matches!(last_tested, Data::DateTime(_)), "{last_tested:?}");

    let mut book = workbook(
        "soa",
        &["soa", "datasets/acme-saas", "--as-of", "2026-11-01"],
    );
    let soa = book.worksheet_range("Statement of Applicability").unwrap();
    assert_eq!(soa.rows().count(), 94);
}

#[test]
fn a_workbook_needs_an_output_file() {
    for command in ["assess", "coverage", "soa"] {
        let (code, stdout, stderr) =
            output(riskgraph().args([command, "datasets/acme-saas", "--format", "xlsx"]));
        assert_eq!(code, Some(2), "{command}");
        assert!(stdout.is_empty());
        assert!(stderr.contains("-o FILE.xlsx"), "{stderr}");
    }
}

#[test]
fn the_same_assessment_gives_the_same_workbook_bytes() {
    let dir = tempdir("xlsx-same-bytes");
    for command in ["assess", "coverage", "soa"] {
        let bytes: Vec<Vec<u8>> = (0..2)
            .map(|run| {
                if run == 1 {
                    // A workbook records when it was made: a second later must change nothing.
                    std::thread::sleep(std::time::Duration::from_millis(1100));
                }
                let path = dir.join(format!("{command}-{run}.xlsx"));
                let (code, _, stderr) = output(
                    riskgraph()
                        .args([command, "datasets/acme-saas", "--as-of", "2026-11-01"])
                        .args(["--format", "xlsx", "-o"])
                        .arg(&path),
                );
                assert_eq!(code, Some(0), "{stderr}");
                std::fs::read(&path).unwrap()
            })
            .collect();
        assert!(bytes[0] == bytes[1], "{command}: the two workbooks differ");
    }
}
