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
