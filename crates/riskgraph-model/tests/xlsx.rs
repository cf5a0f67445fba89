//! A workbook whose sheets are named like the inventory files loads exactly like the CSV folder,
//! and its diagnostics cite sheet and cell.

use std::fmt::Write;

use riskgraph_model::{Loaded, Source, load, load_sources};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// Writes a workbook to a fresh path and loads it.
fn load_workbook(name: &str, build: impl FnOnce(&mut Workbook)) -> (Loaded, String) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("inventory.xlsx");
    let mut workbook = Workbook::new();
    build(&mut workbook);
    workbook.save(&path).unwrap();
    (load(&path), path.display().to_string())
}

/// A summary of the loaded nodes and dependencies that both loaders must agree on.
fn fingerprint(loaded: &Loaded) -> String {
    let mut out = String::new();
    for node in &loaded.inventory.nodes {
        let asset = node.asset();
        writeln!(
            out,
            "{} {:?} {:?} {:?} {:?} {} {:?}",
            node.id,
            node.name,
            asset.map(|a| a.asset_type),
            asset.and_then(|a| a.confidentiality),
            asset.map(|a| a.personal_data),
            node.in_scope,
            node.attributes
        )
        .unwrap();
    }
    for dependency in &loaded.inventory.dependencies {
        writeln!(
            out,
            "{}->{} {:?} {:?}",
            dependency.from, dependency.to, dependency.strength, dependency.propagates
        )
        .unwrap();
    }
    for vendor in &loaded.inventory.nodes {
        if let riskgraph_model::NodeDetail::Vendor(v) = &vendor.detail {
            writeln!(out, "{:?} {:?}", v.last_review, v.criticality).unwrap();
        }
    }
    out
}

#[test]
fn workbook_loads_like_the_csv_folder() {
    let (from_workbook, _) = load_workbook("workbook-equivalent", |workbook| {
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let assets = workbook.add_worksheet().set_name("assets").unwrap();
        for (col, header) in [
            "Asset ID",
            "Asset Name",
            "Type",
            "Confidentiality",
            "Personal Data",
            "In Scope",
            "Cost Center",
        ]
        .iter()
        .enumerate()
        {
            assets.write_string(0, col as u16, *header).unwrap();
        }
        assets.write_string(1, 0, "web").unwrap();
        assets.write_string(1, 1, "Web app").unwrap();
        assets.write_string(1, 2, "Software").unwrap();
        assets.write_number(1, 3, 4).unwrap();
        assets.write_boolean(1, 4, true).unwrap();
        assets.write_string(1, 5, "yes").unwrap();
        assets.write_number(1, 6, 100).unwrap();
        assets.write_string(2, 0, "db").unwrap();
        assets.write_string(2, 1, "Database").unwrap();
        assets.write_string(2, 2, "data").unwrap();
        assets.write_number(2, 3, 5).unwrap();
        assets.write_boolean(2, 4, false).unwrap();
        assets.write_string(2, 5, "no").unwrap();
        assets.write_string(2, 6, "ENG-1").unwrap();
        let vendors = workbook.add_worksheet().set_name("vendors").unwrap();
        vendors.write_string(0, 0, "id").unwrap();
        vendors.write_string(0, 1, "name").unwrap();
        vendors.write_string(0, 2, "criticality").unwrap();
        vendors.write_string(0, 3, "last_review").unwrap();
        vendors.write_string(1, 0, "aws").unwrap();
        vendors.write_string(1, 1, "AWS").unwrap();
        vendors.write_number(1, 2, 5.0).unwrap();
        let reviewed = ExcelDateTime::from_ymd(2026, 3, 31).unwrap();
        vendors
            .write_datetime_with_format(1, 3, &reviewed, &date)
            .unwrap();
        let dependencies = workbook.add_worksheet().set_name("dependencies").unwrap();
        dependencies.write_string(0, 0, "from").unwrap();
        dependencies.write_string(0, 1, "to").unwrap();
        dependencies.write_string(0, 2, "strength").unwrap();
        dependencies.write_string(0, 3, "propagates").unwrap();
        dependencies.write_string(1, 0, "web").unwrap();
        dependencies.write_string(1, 1, "db").unwrap();
        dependencies.write_number(1, 2, 0.8).unwrap();
        dependencies.write_string(1, 3, "C;I").unwrap();
        dependencies.write_string(2, 0, "db").unwrap();
        dependencies.write_string(2, 1, "aws").unwrap();
        // A percentage cell holds 0.5 and shows 50%.
        let percent = Format::new().set_num_format("0%");
        dependencies
            .write_number_with_format(2, 2, 0.5, &percent)
            .unwrap();
        // Sheets that are not inventory tables are ignored.
        workbook
            .add_worksheet()
            .set_name("Notes")
            .unwrap()
            .write_string(0, 0, "anything")
            .unwrap();
    });
    assert_eq!(
        from_workbook.diagnostics.items.len(),
        0,
        "{:?}",
        from_workbook.diagnostics.items
    );
    let from_csv = load_sources(vec![
        Source::new(
            "assets.csv",
            "id,name,type,confidentiality,personal_data,in_scope,Cost Center\nweb,Web app,software,4,yes,yes,100\ndb,Database,data,5,no,no,ENG-1\n",
        ),
        Source::new(
            "vendors.csv",
            "id,name,criticality,last_review\naws,AWS,5,2026-03-31\n",
        ),
        Source::new(
            "dependencies.csv",
            "from,to,strength,propagates\nweb,db,0.8,C;I\ndb,aws,50%,\n",
        ),
    ]);
    assert_eq!(from_csv.diagnostics.items.len(), 0);
    assert_eq!(fingerprint(&from_workbook), fingerprint(&from_csv));
    assert_eq!(from_workbook.files.len(), 3);
}

#[test]
fn workbook_diagnostics_cite_sheet_and_cell() {
    let (loaded, path) = load_workbook("workbook-diagnostics", |workbook| {
        let assets = workbook.add_worksheet().set_name("assets").unwrap();
        for (row, cells) in [
            ["id", "name", "type"],
            ["web", "Web", "software"],
            ["db", "DB", "sofware"],
        ]
        .iter()
        .enumerate()
        {
            for (col, text) in cells.iter().enumerate() {
                assets.write_string(row as u32, col as u16, *text).unwrap();
            }
        }
    });
    let described: Vec<String> = loaded
        .diagnostics
        .items
        .iter()
        .map(|d| {
            format!(
                "{}: {}",
                loaded.diagnostics.describe(&d.location),
                d.message
            )
        })
        .collect();
    assert_eq!(
        described,
        [format!("{path}: assets!C3: `sofware` is not an asset type")]
    );
}

#[test]
fn corrupt_workbook_is_one_clear_error() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("workbook-corrupt");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("broken.xlsx");
    std::fs::write(&path, b"PK\x03\x04 this is not really a zip file").unwrap();
    let loaded = load(&path);
    assert_eq!(
        loaded.diagnostics.n_errors(),
        1,
        "{:?}",
        loaded.diagnostics.items
    );
    assert!(
        loaded.diagnostics.items[0]
            .message
            .starts_with("cannot read workbook")
    );
}

#[test]
fn empty_node_sheet_causes_no_knock_on_unknown_ids() {
    let (loaded, path) = load_workbook("workbook-empty-sheet", |workbook| {
        workbook.add_worksheet().set_name("assets").unwrap();
        let dependencies = workbook.add_worksheet().set_name("dependencies").unwrap();
        for (row, cells) in [["from", "to"], ["web", "db"]].iter().enumerate() {
            for (col, text) in cells.iter().enumerate() {
                dependencies
                    .write_string(row as u32, col as u16, *text)
                    .unwrap();
            }
        }
    });
    let messages: Vec<String> = loaded
        .diagnostics
        .items
        .iter()
        .map(|d| {
            format!(
                "{}: {}",
                loaded.diagnostics.describe(&d.location),
                d.message
            )
        })
        .collect();
    assert_eq!(
        messages,
        [format!("{path}: sheet `assets`: file has no header row")]
    );
}
