//! The corpus of invalid inventories in `tests/data/invalid/`: one defect per folder, one test per
//! folder. Each must exit 2, point at a file and line, and match its golden diagnostics.

use crate::{output, riskgraph, root};

/// Validates corpus folder `case` and checks it against its golden diagnostics.
fn check(case: &str) {
    let corpus = root().join("tests/data/invalid");
    let (code, stdout, stderr) = output(riskgraph().current_dir(&corpus).args(["validate", case]));
    assert_eq!(
        code,
        Some(2),
        "{case} should be invalid:\n{stdout}\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{case}: {stderr}");
    // Every diagnostic names its file (`case/assets.csv`), or the inventory folder itself for
    // problems of the whole inventory.
    assert!(stderr.contains(case), "{case}: no file named in:\n{stderr}");
    insta::with_settings!({ snapshot_suffix => case, prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("invalid", stderr);
    });
}

/// One test per corpus folder, named after it.
macro_rules! corpus {
    ($($test:ident: $case:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check($case);
            }
        )*

        /// The folders the tests above cover.
        const CASES: &[&str] = &[$($case),*];
    };
}

corpus! {
    ambiguous_date: "ambiguous-date",
    bad_asset_type: "bad-asset-type",
    bad_boolean: "bad-boolean",
    bad_category_ref: "bad-category-ref",
    bad_commitment_category: "bad-commitment-category",
    bad_context_kind: "bad-context-kind",
    bad_date_in_incident: "bad-date-in-incident",
    bad_date_in_objective: "bad-date-in-objective",
    bad_date_in_vendor: "bad-date-in-vendor",
    bad_dependency_kind: "bad-dependency-kind",
    bad_enum_in_vendor: "bad-enum-in-vendor",
    bad_id_characters: "bad-id-characters",
    bad_iso_id: "bad-iso-id",
    bad_money: "bad-money",
    bad_number_in_process: "bad-number-in-process",
    bad_obligation_type: "bad-obligation-type",
    bad_percentage: "bad-percentage",
    bad_property_list: "bad-property-list",
    bad_segregation_of_duties: "bad-segregation-of-duties",
    bad_selector: "bad-selector",
    bad_soc2_id: "bad-soc2-id",
    bad_threat_category: "bad-threat-category",
    bad_vulnerability_status: "bad-vulnerability-status",
    blank_lines_bad_asset_type: "blank-lines-bad-asset-type",
    bom_crlf_semicolon_missing_value: "bom-crlf-semicolon-missing-value",
    crlf_bom_bad_classification: "crlf-bom-bad-classification",
    crlf_unterminated_quote: "crlf-unterminated-quote",
    duplicate_column: "duplicate-column",
    duplicate_column_via_alias: "duplicate-column-via-alias",
    duplicate_id_across_files: "duplicate-id-across-files",
    duplicate_id_same_file_bom: "duplicate-id-same-file-bom",
    duplicate_threat_id: "duplicate-threat-id",
    duplicate_treatment: "duplicate-treatment",
    effectiveness_over_100_percent: "effectiveness-over-100-percent",
    empty_assets_file: "empty-assets-file",
    factor_out_of_range: "factor-out-of-range",
    iso_2013_id_in_2022_inventory: "iso-2013-id-in-2022-inventory",
    iso_2022_id_in_2013_inventory: "iso-2022-id-in-2013-inventory",
    manifest_bad_appetite: "manifest-bad-appetite",
    manifest_bad_approval_date: "manifest-bad-approval-date",
    manifest_bad_iso_edition: "manifest-bad-iso-edition",
    manifest_bad_quant: "manifest-bad-quant",
    manifest_bad_scale: "manifest-bad-scale",
    manifest_bad_toml_syntax: "manifest-bad-toml-syntax",
    manifest_bad_tsc: "manifest-bad-tsc",
    manifest_grid_wrong_size: "manifest-grid-wrong-size",
    manifest_levels_do_not_cover_scale: "manifest-levels-do-not-cover-scale",
    manifest_levels_not_increasing: "manifest-levels-not-increasing",
    manifest_levels_without_appetite: "manifest-levels-without-appetite",
    manifest_review_unknown_level: "manifest-review-unknown-level",
    manifest_unknown_key: "manifest-unknown-key",
    missing_required_column: "missing-required-column",
    missing_required_column_threat_targets: "missing-required-column-threat-targets",
    missing_required_value: "missing-required-value",
    misspelt_required_column: "misspelt-required-column",
    multiline_cell_bad_rating: "multiline-cell-bad-rating",
    no_node_files: "no-node-files",
    quoted_comma_then_bad_enum: "quoted-comma-then-bad-enum",
    rating_out_of_range: "rating-out-of-range",
    selector_empty_term: "selector-empty-term",
    selector_unknown_prefix: "selector-unknown-prefix",
    self_dependency: "self-dependency",
    semicolon_rating_out_of_range: "semicolon-rating-out-of-range",
    semicolon_unquoted_list: "semicolon-unquoted-list",
    slash_date_unambiguous: "slash-date-unambiguous",
    soa_2013_id: "soa-2013-id",
    soa_duplicate_control: "soa-duplicate-control",
    soc2_criterion_not_in_catalog: "soc2-criterion-not-in-catalog",
    spreadsheet_headers_unknown_dependency_target: "spreadsheet-headers-unknown-dependency-target",
    tab_delimiter_bad_boolean: "tab-delimiter-bad-boolean",
    threat_id_fraud_reserved: "threat-id-fraud-reserved",
    too_many_cells: "too-many-cells",
    treatment_bad_decision: "treatment-bad-decision",
    treatment_not_a_risk_id: "treatment-not-a-risk-id",
    treatment_unknown_node: "treatment-unknown-node",
    treatment_unknown_threat: "treatment-unknown-threat",
    unknown_dependency_source: "unknown-dependency-source",
    unknown_dependency_target: "unknown-dependency-target",
    unknown_node_in_incident: "unknown-node-in-incident",
    unknown_node_in_selector: "unknown-node-in-selector",
    unknown_threat_in_control: "unknown-threat-in-control",
    unknown_threat_in_vulnerability: "unknown-threat-in-vulnerability",
    unterminated_quote: "unterminated-quote",
    utf16_encoding: "utf16-encoding",
    windows_1252_encoding: "windows-1252-encoding",
}

#[test]
fn every_corpus_folder_has_its_test() {
    let mut folders: Vec<String> = std::fs::read_dir(root().join("tests/data/invalid"))
        .expect("the corpus exists")
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    assert_eq!(
        folders, CASES,
        "add a line to `corpus!` for each new folder"
    );
}
