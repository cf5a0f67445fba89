//! The bundled dataset's controls cite only criteria and controls the catalogs have.

use riskgraph_model::catalog::{annex_a_2022, soc2_criterion};

#[test]
fn the_bundled_controls_cite_catalogued_ids() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
    let inventory = riskgraph_model::load(&root).inventory;
    assert!(!inventory.controls.is_empty());
    for control in &inventory.controls {
        for id in &control.soc2 {
            assert!(soc2_criterion(id).is_some(), "{}: SOC 2 {id}", control.id);
        }
        for id in &control.iso27001 {
            assert!(annex_a_2022(id).is_some(), "{}: Annex A {id}", control.id);
        }
    }
}

/// An inventory written against ISO 27001:2013 loads with its controls translated to 2022, and
/// keeps the ids as written.
#[test]
fn controls_written_against_2013_read_as_2022() {
    let loaded = riskgraph_model::load_sources(vec![
        riskgraph_model::Source::new("riskgraph.toml", "[scope]\niso27001 = \"2013\"\n"),
        riskgraph_model::Source::new("assets.csv", "id,name,type\napp,App,software\n"),
        riskgraph_model::Source::new(
            "controls.csv",
            "id,name,status,soc2,iso27001\n\
             AC-1,Access reviews,implemented,CC6.2,A.9.2.5;9.2.6;A.18.2.3\n",
        ),
    ]);
    assert_eq!(loaded.diagnostics.n_errors(), 0, "{:?}", loaded.diagnostics);
    let control = &loaded.inventory.controls[0];
    // A.9.2.5 and A.9.2.6 both became 5.18; A.18.2.3 was split into 5.36 and 8.8.
    let ids: Vec<&str> = control.iso27001.iter().map(AsRef::as_ref).collect();
    assert_eq!(ids, ["5.18", "5.36", "8.8"]);
    let written: Vec<&str> = control.iso27001_2013.iter().map(AsRef::as_ref).collect();
    assert_eq!(written, ["A.9.2.5", "A.9.2.6", "A.18.2.3"]);
}
