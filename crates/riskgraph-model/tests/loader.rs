//! Data-driven tests of inventory import: each spreadsheet quirk loads as the plain CSV would,
//! and each problem is reported at its cell.

use riskgraph_model::node::{AttrValue, NodeDetail};
use riskgraph_model::vocabulary::AssetType;
use riskgraph_model::{Loaded, Source, load_sources};

fn load(files: &[(&str, &[u8])]) -> Loaded {
    load_sources(
        files
            .iter()
            .map(|(name, bytes)| Source {
                display: (*name).to_owned(),
                bytes: bytes.to_vec(),
            })
            .collect(),
    )
}

/// Loads `assets` (as `assets.csv`) and returns the (id, name, type) of each asset, or the
/// messages of the diagnostics.
fn assets(bytes: &[u8]) -> Result<Vec<(String, String, AssetType)>, Vec<String>> {
    let loaded = load(&[("assets.csv", bytes)]);
    if loaded.diagnostics.n_errors() > 0 {
        return Err(loaded
            .diagnostics
            .items
            .iter()
            .map(|d| d.message.clone())
            .collect());
    }
    Ok(loaded
        .inventory
        .nodes
        .iter()
        .map(|n| match &n.detail {
            NodeDetail::Asset(a) => (n.id.to_string(), n.name.to_string(), a.asset_type),
            _ => unreachable!(),
        })
        .collect())
}

fn expected() -> Vec<(String, String, AssetType)> {
    vec![
        ("web".into(), "Web app".into(), AssetType::Software),
        (
            "db".into(),
            "Main, primary database".into(),
            AssetType::Data,
        ),
    ]
}

#[test]
fn spreadsheet_quirks_load_like_plain_csv() {
    let cases: &[(&str, &[u8])] = &[
        ("plain", b"id,name,type\nweb,Web app,software\ndb,\"Main, primary database\",data\n"),
        ("bom", b"\xEF\xBB\xBFid,name,type\nweb,Web app,software\ndb,\"Main, primary database\",data\n"),
        ("semicolon", b"id;name;type\nweb;Web app;software\ndb;Main, primary database;data\n"),
        ("tab", b"id\tname\ttype\nweb\tWeb app\tsoftware\ndb\tMain, primary database\tdata\n"),
        ("crlf", b"id,name,type\r\nweb,Web app,software\r\ndb,\"Main, primary database\",data\r\n"),
        ("no final newline", b"id,name,type\nweb,Web app,software\ndb,\"Main, primary database\",data"),
        ("blank lines", b"\nid,name,type\n\nweb,Web app,software\n\n\ndb,\"Main, primary database\",data\n\n"),
        ("header variants", b"Asset ID,Asset Name,Asset-Type\nweb,Web app,software\ndb,\"Main, primary database\",data\n"),
        ("case and spacing of enums", b"id,name,type\nweb,Web app, Software \ndb,\"Main, primary database\",DATA\n"),
        ("trailing empty columns", b"id,name,type,,\nweb,Web app,software,,\ndb,\"Main, primary database\",data,,\n,,,,\n"),
        ("short rows", b"id,name,type,owner\nweb,Web app,software\ndb,\"Main, primary database\",data\n"),
        ("semicolon with quoted delimiter", b"id;name;type\nweb;\"Web app\";software\ndb;\"Main, primary database\";data\n"),
    ];
    for (name, bytes) in cases {
        assert_eq!(assets(bytes), Ok(expected()), "{name}");
    }
}

#[test]
fn quoted_cells_keep_quotes_and_newlines() {
    let loaded = load(&[(
        "assets.csv",
        b"id,name,type\nweb,\"The \"\"main\"\" app\nsecond line\",software\n",
    )]);
    assert_eq!(loaded.diagnostics.n_errors(), 0);
    assert_eq!(
        &*loaded.inventory.nodes[0].name,
        "The \"main\" app\nsecond line"
    );
}

#[test]
fn unknown_columns_become_attributes() {
    let loaded = load(&[(
        "assets.csv",
        b"id,name,type,Cost Center,Annual Cost\nweb,Web,software,ENG-1,1200.5\n",
    )]);
    assert_eq!(loaded.diagnostics.items.len(), 0);
    let web = &loaded.inventory.nodes[0];
    assert_eq!(
        web.attribute("cost_center"),
        Some(&AttrValue::Text("ENG-1".into()))
    );
    assert_eq!(
        web.attribute("annual cost"),
        Some(&AttrValue::Number(1200.5))
    );
}

#[test]
fn lists_booleans_and_percentages() {
    let loaded = load(&[
        ("assets.csv", b"id,name,type,tags,personal_data,in_scope\nweb,Web,software,a; b|c,X,\ndb,DB,data,,no,n\n"),
        ("threats.csv", b"id,name,category,targets\nT1,Outage,service-outage,*\n"),
        ("controls.csv", b"id,name,status,effectiveness,mitigates\nC1,Backups,implemented,80%,T1|category:fraud\n"),
    ]);
    assert_eq!(
        loaded.diagnostics.n_errors(),
        0,
        "{:?}",
        loaded.diagnostics.items
    );
    let web = &loaded.inventory.nodes[0];
    let tags: Vec<&str> = web.tags.iter().map(|t| &**t).collect();
    assert_eq!(tags, ["a", "b", "c"]);
    assert!(web.asset().unwrap().personal_data);
    assert!(web.in_scope, "an empty in_scope cell means in scope");
    assert!(!loaded.inventory.nodes[1].in_scope);
    let control = &loaded.inventory.controls[0];
    assert_eq!(
        control
            .effectiveness
            .map(riskgraph_model::values::Factor::get),
        Some(0.8)
    );
    assert_eq!(control.mitigates.len(), 2);
}

/// Loads `files` and returns each diagnostic as `file:line:column: message`.
fn problems(files: &[(&str, &[u8])]) -> Vec<String> {
    let loaded = load(files);
    loaded
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
        .collect()
}

#[test]
fn every_problem_is_reported_at_its_cell() {
    let check = |files: &[(&str, &[u8])], expected: &[&str]| {
        assert_eq!(problems(files), expected, "{files:?}");
    };
    check(
        &[(
            "assets.csv",
            b"id,name,type,confidentiality\nweb,Web,sofware,9\ndb,DB,data,3\n",
        )],
        &[
            "assets.csv:2:3: `sofware` is not an asset type",
            "assets.csv:2:4: `9` is out of range 1..=5",
        ],
    );
    check(
        &[(
            "assets.csv",
            b"id;name;type\r\nweb;Web;software\r\nweb;Again;data\r\n",
        )],
        &["assets.csv:3:1: node id `web` is defined twice"],
    );
    check(
        &[("assets.csv", b"id,name\nweb,Web\n")],
        &["assets.csv:1: required column `type` is missing"],
    );
    check(
        &[
            ("assets.csv", b"id,name,type\nweb,Web,software\n"),
            (
                "vendors.csv",
                b"id,name,last_review\nweb,Dup,2026-01-01\nokta,Okta,03/04/2025\n",
            ),
        ],
        &[
            "vendors.csv:2:1: node id `web` is defined twice",
            "vendors.csv:3:3: `03/04/2025` is an ambiguous date",
        ],
    );
    check(
        &[
            (
                "assets.csv",
                b"id,name,type\nweb,Web,software\ndb,DB,data\n",
            ),
            (
                "dependencies.csv",
                b"from,to,strength\nweb,db,80\nweb,dbx,1\n",
            ),
        ],
        &[
            "dependencies.csv:2:3: `80` is out of range 0..=1",
            "dependencies.csv:3:2: `dbx` is not a known asset, process or vendor",
        ],
    );
    check(
        &[("assets.csv", b"id,name,type\nweb,\"Web\nApp\",sofware\n")],
        &["assets.csv:3:3: `sofware` is not an asset type"],
    );
    check(
        &[("assets.csv", b"id,name,type\nweb,Web, the app,software\n")],
        &["assets.csv:2:4: row has 4 cells but the header names 3 columns"],
    );
}

#[test]
fn windows_1252_fails_naming_the_encoding() {
    let problems = problems(&[("assets.csv", b"id,name,type\nweb,Caf\xE9 app,software\n")]);
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].starts_with("assets.csv:2: file is not UTF-8"),
        "{problems:?}"
    );
    assert!(problems[0].contains("Windows-1252"), "{problems:?}");
}

#[test]
fn treatments_are_checked_against_threats_and_nodes() {
    let base: [(&str, &[u8]); 2] = [
        (
            "assets.csv",
            b"id,name,type\nweb,Web,software\nhq,HQ,facility\n",
        ),
        (
            "threats.csv",
            b"id,name,category,targets\nT1,Breach,data-breach,type:software\n",
        ),
    ];
    let with = |treatments: &'static [u8]| {
        let mut files = base.to_vec();
        files.push(("treatments.csv", treatments));
        problems(&files)
    };
    assert!(with(b"risk,decision\nT1@web,accept\nT1@*,mitigate\n*@*,transfer\n").is_empty());
    assert_eq!(
        with(b"risk,decision\nT2@web,accept\n"),
        ["treatments.csv:2:1: risk `T2@web` names unknown threat `T2`"]
    );
    assert_eq!(
        with(b"risk,decision\nT1@hq,accept\n"),
        ["treatments.csv:2:1: risk `T1@hq` does not exist"]
    );
    assert_eq!(
        with(b"risk,decision\nT1-web,accept\n"),
        ["treatments.csv:2:1: `T1-web` is not a risk id"]
    );
    assert_eq!(
        with(b"risk,decision\nT1@web,accept\nT1@web,avoid\n"),
        ["treatments.csv:3:1: risk `T1@web` has two treatments"]
    );
}

#[test]
fn an_inventory_needs_a_node_file() {
    assert_eq!(
        problems(&[("threats.csv", b"id,name,category,targets\nT1,x,fraud,*\n")])[0],
        "inventory: `the inventory` has no assets, processes or vendors"
    );
}

#[test]
fn selector_prefix_hint_only_for_selectors() {
    // In a dependency, `env:db` is an id like any other, not a misspelt selector.
    assert_eq!(
        problems(&[
            ("assets.csv", b"id,name,type\nweb,Web,software\n"),
            ("dependencies.csv", b"from,to\nweb,env:db\n"),
        ]),
        ["dependencies.csv:2:2: `env:db` is not a known asset, process or vendor"]
    );
    assert_eq!(
        problems(&[
            ("assets.csv", b"id,name,type\nweb,Web,software\n"),
            (
                "threats.csv",
                b"id,name,category,targets\nT1,x,fraud,typ:software\n"
            ),
        ]),
        ["threats.csv:2:4: `typ:` is not a selector prefix"]
    );
}

#[test]
fn context_selectors_are_checked_like_the_others() {
    assert_eq!(
        problems(&[
            ("assets.csv", b"id,name,type\nweb,Web,software\n"),
            (
                "context.csv",
                b"id,kind,description,related\nX1,internal-issue,Old stack,supply-chain; wbe\n"
            ),
        ]),
        ["context.csv:2:4: `wbe` is not a known asset, process or vendor"]
    );
}

#[test]
fn a_node_file_with_errors_causes_no_knock_on_unknown_ids() {
    assert_eq!(
        problems(&[
            ("assets.csv", b"id,name\nweb,Web\n"),
            ("dependencies.csv", b"from,to\nweb,db\n"),
        ]),
        ["assets.csv:1: required column `type` is missing"]
    );
}

#[test]
fn a_bad_value_in_a_node_file_does_not_hide_unknown_ids_elsewhere() {
    let reported = problems(&[
        ("assets.csv", b"id,name,type\nweb,Web,sofware\ndb,DB,data\n"),
        ("dependencies.csv", b"from,to\nweb,clowd\nweb,db\n"),
    ]);
    assert_eq!(reported.len(), 2, "{reported:?}");
    assert!(
        reported[0].starts_with("assets.csv:2:3: `sofware`"),
        "{reported:?}"
    );
    assert!(
        reported[1].starts_with("dependencies.csv:2:2: `clowd`"),
        "{reported:?}"
    );
}

/// A folder is read in file-name order: a second file for a table and a misspelt table name are
/// reported where they fall in that order, other files are ignored, and the inputs list the files
/// read, manifest last.
#[test]
fn a_folder_reports_its_files_in_name_order() {
    let dir = std::env::temp_dir().join(format!("riskgraph-folder-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files: [(&str, &str); 6] = [
        ("assets.csv", "id,name,type\napp,App,software\n"),
        ("assets.tsv", "id\tname\ttype\ndb\tDatabase\tdata\n"),
        ("notes.txt", "not a table\n"),
        ("riskgraph.toml", "[scope]\n"),
        ("threat.csv", "id,name,category\n"),
        ("vendors.csv", "id,name,type\nacme,Acme,saas\n"),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let loaded = riskgraph_model::load(&dir);
    let reported: Vec<(&str, &str)> = loaded
        .diagnostics
        .items
        .iter()
        .map(|d| (d.code, d.message.as_str()))
        .collect();
    let path = |name: &str| dir.join(name).display().to_string();
    assert_eq!(
        reported,
        [
            (
                "duplicate-file",
                format!(
                    "`{}` and `{}` both hold assets",
                    path("assets.csv"),
                    path("assets.tsv")
                )
                .as_str()
            ),
            (
                "unknown-file",
                format!(
                    "`{}` is not an inventory table and is ignored",
                    path("threat.csv")
                )
                .as_str()
            ),
        ]
    );
    let inputs: Vec<String> = loaded
        .inputs
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(inputs, ["assets.csv", "vendors.csv", "riskgraph.toml"]);
    assert_eq!(loaded.inventory.nodes.len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A table file that cannot be read does not keep a second file for the same table from being
/// read.
#[cfg(target_os = "linux")]
#[test]
fn an_unreadable_table_gives_way_to_a_readable_one() {
    let dir = std::env::temp_dir().join(format!("riskgraph-unreadable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A regular file whose reading fails, even for root: the first page of this process's
    // memory is not mapped.
    std::os::unix::fs::symlink("/proc/self/mem", dir.join("assets.csv")).unwrap();
    std::fs::write(
        dir.join("assets.tsv"),
        "id\tname\ttype\ndb\tDatabase\tdata\n",
    )
    .unwrap();
    let loaded = riskgraph_model::load(&dir);
    let codes: Vec<&str> = loaded.diagnostics.items.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["unreadable"]);
    assert_eq!(loaded.inventory.nodes.len(), 1);
    assert_eq!(loaded.inputs, [dir.join("assets.tsv")]);
    std::fs::remove_dir_all(&dir).unwrap();
}
