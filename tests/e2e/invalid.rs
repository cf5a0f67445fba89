//! The corpus of invalid inventories in `tests/data/invalid/`: one defect per folder. Each must
//! exit 2, point at a file and line, and match its golden diagnostics.

use crate::{output, riskgraph, root};

#[test]
fn every_invalid_inventory_exits_2_with_golden_diagnostics() {
    let corpus = root().join("tests/data/invalid");
    let mut cases: Vec<String> = std::fs::read_dir(&corpus)
        .expect("the corpus exists")
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert!(cases.len() >= 25, "the corpus has {} cases", cases.len());
    for case in cases {
        let (code, stdout, stderr) =
            output(riskgraph().current_dir(&corpus).args(["validate", &case]));
        assert_eq!(
            code,
            Some(2),
            "{case} should be invalid:\n{stdout}\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{case}: {stderr}");
        // Every diagnostic names its file (`case/assets.csv`), or the inventory folder itself for
        // problems of the whole inventory.
        assert!(
            stderr.contains(&case),
            "{case}: no file named in:\n{stderr}"
        );
        insta::with_settings!({ snapshot_suffix => case.clone(), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("invalid", stderr);
        });
    }
}
