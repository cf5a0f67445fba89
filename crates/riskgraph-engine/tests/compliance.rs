//! Coverage and the Statement of Applicability on small hand-made inventories: verdicts, the
//! crosswalk's scope, vendor and testing findings at their date boundaries, and each way a
//! Statement of Applicability entry is decided.

use riskgraph_engine::assess::{Assessment, Settings, assess};
use riskgraph_engine::compliance::{
    Coverage, SoaEntry, SoaSource, Verdict, coverage, statement_of_applicability,
};
use riskgraph_engine::propagation::{ImpactGraph, Limits};
use riskgraph_engine::rules::Rules;
use riskgraph_model::Inventory;
use riskgraph_model::vocabulary::ControlStatus;

const AS_OF: (i16, i8, i8) = (2026, 11, 1);

/// Loads the files (name, content) as an inventory, which must be valid.
fn inventory(files: &[(&str, &str)]) -> Inventory {
    let loaded = riskgraph_model::load_sources(
        files
            .iter()
            .map(|&(name, text)| riskgraph_model::Source::new(name, text))
            .collect(),
    );
    assert_eq!(loaded.diagnostics.n_errors(), 0, "{:?}", loaded.diagnostics);
    loaded.inventory
}

fn assessed(inventory: &Inventory) -> Assessment {
    let graph = ImpactGraph::build(inventory);
    let rules = Rules::builtin().unwrap();
    let settings = Settings {
        as_of: jiff::civil::date(AS_OF.0, AS_OF.1, AS_OF.2),
        limits: Limits::default(),
    };
    assess(inventory, &graph, &rules, settings, &|_, _| {}).unwrap()
}

fn covered(files: &[(&str, &str)]) -> (Inventory, Coverage) {
    let inventory = inventory(files);
    let assessment = assessed(&inventory);
    let coverage = coverage(&inventory, &assessment);
    (inventory, coverage)
}

fn verdict_of(coverage: &Coverage, id: &str) -> Verdict {
    coverage
        .soc2
        .iter()
        .chain(&coverage.annex_a)
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("{id} is not in the report"))
        .verdict
}

/// The crosswalk findings as (control id, what it cites).
fn crosswalk_pairs<'a>(
    inventory: &'a Inventory,
    coverage: &'a Coverage,
) -> Vec<(&'a str, &'a str)> {
    coverage
        .crosswalk
        .iter()
        .map(|f| {
            (
                inventory.controls[f.control as usize].id.as_str(),
                f.cites.as_str(),
            )
        })
        .collect()
}

const ASSETS: (&str, &str) = ("assets.csv", "id,name,type\napp,App,software\n");
const THREATS: (&str, &str) = (
    "threats.csv",
    "id,name,category,targets\nT-1,Account takeover,cyber-attack,*\n",
);

#[test]
fn verdicts_follow_the_best_status_and_exclusions() {
    let (_, coverage) = covered(&[
        ASSETS,
        THREATS,
        (
            "controls.csv",
            "id,name,status,mitigates,soc2,iso27001\n\
             C-1,SSO,implemented,T-1,CC6.1,5.15\n\
             C-2,Reviews,partial,T-1,CC6.2;CC6.1,5.18\n\
             C-3,Vault,planned,T-1,CC6.3,5.17\n\
             C-4,Logging,not-implemented,T-1,,8.15\n",
        ),
        (
            "soa.csv",
            "control,applicable,justification\n8.15,no,No systems of our own log anything\n",
        ),
    ]);
    // The best of implemented and partial.
    assert_eq!(verdict_of(&coverage, "CC6.1"), Verdict::Covered);
    assert_eq!(verdict_of(&coverage, "CC6.2"), Verdict::Partial);
    // Planned controls do not run yet.
    assert_eq!(verdict_of(&coverage, "CC6.3"), Verdict::Gap);
    assert_eq!(verdict_of(&coverage, "A.5.17"), Verdict::Gap);
    assert_eq!(verdict_of(&coverage, "CC1.1"), Verdict::Gap);
    assert_eq!(verdict_of(&coverage, "A.5.15"), Verdict::Covered);
    // Excluded in soa.csv, whatever the controls say.
    assert_eq!(verdict_of(&coverage, "A.8.15"), Verdict::Excluded);
    // Security only: no availability, confidentiality, processing integrity or privacy.
    assert_eq!(coverage.soc2.len(), 33);
    assert_eq!(coverage.gaps().count(), 33 - 2);
}

#[test]
fn the_crosswalk_checks_in_scope_criteria_only() {
    let (inventory, coverage) = covered(&[
        ASSETS,
        THREATS,
        (
            "controls.csv",
            "id,name,status,mitigates,soc2,iso27001\n\
             C-1,SSO,implemented,T-1,CC6.1,5.15\n\
             C-2,Capacity,implemented,T-1,A1.1,8.6\n\
             C-3,Privacy notice,implemented,T-1,P1.1,\n\
             C-4,Passwords,implemented,T-1,CC6.1;cc6.1,\n",
        ),
    ]);
    let findings = crosswalk_pairs(&inventory, &coverage);
    // C-1 is consistent; availability and privacy are out of scope, so neither A1.1 nor A.8.6
    // (whose only criterion is A1.1) is held against C-2, nor P1.1 against C-3; C-4 cites CC6.1
    // twice but is reported once.
    assert_eq!(findings, [("C-4", "CC6.1")]);
    assert_eq!(
        coverage.crosswalk[0].corresponds_to,
        [
            "A.5.15", "A.5.16", "A.5.17", "A.8.2", "A.8.3", "A.8.5", "A.8.22", "A.8.24"
        ]
    );
}

#[test]
fn a_split_2013_control_covers_its_2022_controls_in_part() {
    let (inventory, coverage) = covered(&[
        ("riskgraph.toml", "[scope]\niso27001 = \"2013\"\n"),
        ASSETS,
        THREATS,
        (
            "controls.csv",
            "id,name,status,mitigates,soc2,iso27001\n\
             C-1,Compliance reviews,implemented,T-1,CC4.1,A.18.2.3\n\
             C-2,Provisioning,implemented,T-1,CC6.3,A.9.2.1\n",
        ),
    ]);
    // A.18.2.3 was split into 5.36 and 8.8: an implemented control covers each in part.
    assert_eq!(verdict_of(&coverage, "A.5.36"), Verdict::Partial);
    assert_eq!(verdict_of(&coverage, "A.8.8"), Verdict::Partial);
    assert_eq!(verdict_of(&coverage, "A.5.16"), Verdict::Covered);
    let findings = crosswalk_pairs(&inventory, &coverage);
    // A.8.8 (vulnerabilities, CC3.2 and CC7.1) is not held against C-1; A.5.16 (CC6.1 and
    // CC6.2, neither cited) is shown as written.
    assert_eq!(findings, [("C-2", "CC6.3"), ("C-2", "A.5.16 (as A.9.2.1)")]);
}

#[test]
fn vendor_and_testing_findings_at_their_boundaries() {
    let (inventory, coverage) = covered(&[
        (
            "vendors.csv",
            "id,name,criticality,soc2_report,soc2_report_date,iso27001_certified,last_review,exit_plan,in_scope\n\
             v-none,No assurance,5,none,,no,2026-10-01,no,yes\n\
             v-iso,Certified,4,,,yes,2026-10-01,yes,yes\n\
             v-year,Report exactly a year old,3,type2,2025-11-01,no,2026-10-01,no,yes\n\
             v-old,Report a year and a day old,3,type2,2025-10-31,no,2026-10-01,no,yes\n\
             v-undated,Undated report,2,type1,,no,,no,yes\n\
             v-out,Out of scope,5,none,,no,,no,no\n",
        ),
        (
            "threats.csv",
            "id,name,category,targets\nT-1,Outage,service-outage,id:v-year\n",
        ),
        (
            "controls.csv",
            "id,name,status,last_tested\n\
             C-year,Tested a year ago,implemented,2025-11-01\n\
             C-old,Tested a year and a day ago,partial,2025-10-31\n\
             C-never,Never tested,implemented,\n\
             C-planned,Not running,planned,\n",
        ),
    ]);
    let findings: Vec<(&str, &str)> = coverage
        .vendors
        .iter()
        .map(|f| (inventory.node(f.node).id.as_str(), f.code))
        .collect();
    assert_eq!(
        findings,
        [
            ("v-none", "no-assurance"),
            ("v-none", "no-exit-plan"),
            ("v-old", "stale-report"),
            ("v-undated", "stale-report"),
            ("v-undated", "review-overdue"),
        ]
    );
    let untested: Vec<&str> = coverage
        .untested
        .iter()
        .map(|u| inventory.controls[u.control as usize].id.as_str())
        .collect();
    assert_eq!(untested, ["C-old", "C-never"]);
}

#[test]
fn a_review_is_overdue_after_the_interval_of_the_vendors_highest_level() {
    // A vendor with no risk is reviewed at the lowest level's interval: 365 days by default.
    let (inventory, coverage) = covered(&[
        (
            "vendors.csv",
            "id,name,criticality,last_review\n\
             v-quiet,No risk,3,2025-11-01\n\
             v-stale,No risk and old,3,2025-10-31\n",
        ),
        ("threats.csv", "id,name,category,targets\n"),
    ]);
    let overdue: Vec<&str> = coverage
        .vendors
        .iter()
        .filter(|f| f.code == "review-overdue")
        .map(|f| inventory.node(f.node).id.as_str())
        .collect();
    assert_eq!(overdue, ["v-stale"]);
}

fn soa_entry<'a>(entries: &'a [SoaEntry], id: &str) -> &'a SoaEntry {
    entries.iter().find(|e| e.id == id).unwrap()
}

#[test]
fn each_way_an_soa_entry_is_decided() {
    let inventory = inventory(&[
        ASSETS,
        THREATS,
        (
            "controls.csv",
            "id,name,status,mitigates,iso27001\n\
             C-1,SSO,implemented,T-1,5.15\n\
             C-2,Unused,implemented,,5.16\n\
             C-3,Logging,partial,T-1,8.15\n",
        ),
        (
            "soa.csv",
            "control,applicable,justification\n\
             5.15,yes,Access is our main exposure\n\
             5.7,yes,\n\
             7.4,no,No premises\n\
             8.15,no,\n",
        ),
    ]);
    let assessment = assessed(&inventory);
    let entries = statement_of_applicability(&inventory, &assessment);
    assert_eq!(entries.len(), 93);

    let written = soa_entry(&entries, "A.5.15");
    assert_eq!(written.source, SoaSource::SoaFile(0));
    assert!(written.applicable);
    assert_eq!(
        written.justification,
        "Access is our main exposure; treats 1 risk (T-1@app)"
    );
    assert_eq!(written.status, Some(ControlStatus::Implemented));

    let blank = soa_entry(&entries, "A.5.7");
    assert_eq!(
        blank.justification,
        "applicable in soa.csv; no control implements it yet"
    );
    assert_eq!(blank.status, None);

    let excluded = soa_entry(&entries, "A.7.4");
    assert!(!excluded.applicable);
    assert_eq!(excluded.justification, "No premises");

    let excluded_yet_cited = soa_entry(&entries, "A.8.15");
    assert!(!excluded_yet_cited.applicable);
    assert_eq!(
        excluded_yet_cited.justification,
        "excluded in soa.csv, with no justification (excluded, yet cited by C-3)"
    );

    let cited = soa_entry(&entries, "A.5.16");
    assert_eq!(cited.source, SoaSource::Controls);
    assert_eq!(
        cited.justification,
        "cited by C-2, which treat no risk of the register"
    );

    let neither = soa_entry(&entries, "A.5.2");
    assert_eq!(neither.source, SoaSource::Default);
    assert!(neither.applicable);
    assert!(
        neither
            .justification
            .starts_with("no control implements it")
    );
}
