//! The supply chain on the bundled dataset: what can take a process down (`blast-radius --into`)
//! and its single points of failure, the fourth parties under the vendors, and what `coverage`
//! and `explain` say of them.

use crate::{output, riskgraph};

/// Runs blast-radius with `args` on the bundled dataset and returns stdout, checking it succeeded.
fn blast_radius(args: &[&str]) -> String {
    let mut command = riskgraph();
    command
        .args(["blast-radius", "datasets/acme-saas"])
        .args(args);
    let (code, stdout, stderr) = output(&mut command);
    assert_eq!(code, Some(0), "stderr:\n{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    stdout
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&blast_radius(&all)).expect("valid JSON")
}

/// The ids of a JSON list of ids, or of objects with an `id`.
fn ids(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| {
            item.as_str()
                .or_else(|| item["id"].as_str())
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn what_can_take_software_development_down_in_every_format() {
    for format in ["tree", "table", "json", "dot"] {
        let stdout = blast_radius(&["--into", "proc-sdlc", "--format", format]);
        insta::assert_snapshot!(format!("into-sdlc-{format}"), stdout);
    }
}

#[test]
fn a_hidden_fourth_party_is_a_single_point_of_failure_and_a_redundant_dependency_protects() {
    // Software development stops with GitHub, and with the DNS provider GitHub uses, which no
    // one at the company depends on directly.
    let sdlc = json(&["--into", "proc-sdlc"]);
    assert_eq!(
        ids(&sdlc["summary"]["single_points_of_failure"]),
        ["ci-pipeline", "scm-github", "github", "parallax-dns"]
    );
    // Incident management falls back to CloudWatch alarms when Datadog is down: Datadog reaches
    // it at 0.9 x 0.3, and nothing alone takes it down.
    let incidents = json(&["--into", "proc-incident-mgmt"]);
    assert!(ids(&incidents["summary"]["single_points_of_failure"]).is_empty());
    let nodes = incidents["nodes"].as_array().unwrap();
    let datadog = nodes.iter().find(|n| n["id"] == "datadog").unwrap();
    assert_eq!(datadog["impact"]["availability"], 0.27);
    assert_eq!(datadog["single_point_of_failure"], false);
    assert!(nodes.iter().all(|n| n["single_point_of_failure"] == false));
}

#[test]
fn json_paths_lead_from_each_node_to_the_target() {
    let document = json(&["--into", "proc-billing"]);
    assert_eq!(document["targets"], serde_json::json!(["proc-billing"]));
    assert_eq!(document["spof"], 0.8);
    let nodes = document["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["id"], "proc-billing");
    for node in nodes {
        let path = node["path"].as_array().unwrap();
        assert_eq!(path.first().unwrap(), &node["id"]);
        assert_eq!(path.last().unwrap(), "proc-billing");
        assert_eq!(path.len() as u64, node["hops"].as_u64().unwrap() + 1);
        assert_eq!(node["via"].as_array().unwrap().len() + 1, path.len());
    }
    assert_eq!(
        document["summary"]["upstream"].as_u64().unwrap() as usize,
        nodes.len() - 1
    );
}

/// The impact on the target of a failure at each node is what `--from` that node gives the
/// target, property by property.
#[test]
fn upstream_agrees_with_the_blast_radius_of_each_node() {
    let document = json(&["--into", "proc-billing"]);
    for node in document["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .step_by(3)
    {
        let id = node["id"].as_str().unwrap();
        let from = json(&["--from", id]);
        let reached = from["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == "proc-billing")
            .unwrap_or_else(|| panic!("{id} reaches proc-billing"));
        assert_eq!(reached["impact"], node["impact"], "{id}");
        assert_eq!(reached["hops"], node["hops"], "{id}");
    }
}

#[test]
fn the_spof_threshold_is_the_users() {
    let spofs = |args: &[&str]| {
        let mut all = vec!["--into", "proc-payroll"];
        all.extend_from_slice(args);
        ids(&json(&all)["summary"]["single_points_of_failure"])
    };
    // Payroll runs on Gusto, which AWS hosts at 0.8.
    assert_eq!(spofs(&[]), ["data-hr", "svc-payroll", "gusto", "aws"]);
    assert_eq!(
        spofs(&["--spof", "0.9"]),
        ["data-hr", "svc-payroll", "gusto"]
    );
    // svc-payroll takes it down fully through data-hr, two hops away.
    assert_eq!(spofs(&["--spof", "95%", "--depth", "1"]), ["data-hr"]);
    let table = blast_radius(&[
        "--into",
        "proc-payroll",
        "--spof",
        "0.9",
        "--format",
        "table",
    ]);
    assert!(
        table.contains("single points of failure: availability 0.9 or more"),
        "{table}"
    );
}

#[test]
fn fourth_parties_ranked() {
    let table = blast_radius(&["--rank", "fourth-parties"]);
    insta::assert_snapshot!("rank-fourth-parties", table);
    let document = json(&["--rank", "fourth-parties"]);
    let parties = document["fourth_parties"].as_array().unwrap();
    assert_eq!(
        ids(&document["fourth_parties"]),
        [
            "aws",
            "parallax-dns",
            "google-workspace",
            "slack",
            "zendesk"
        ]
    );
    let parallax = &parties[1];
    assert_eq!(parallax["hidden"], true);
    assert_eq!(
        ids(&parallax["vendors"]),
        [
            "okta",
            "github",
            "slack",
            "datadog",
            "pagerduty",
            "brightdesk"
        ]
    );
    assert!(parties.iter().filter(|p| p["hidden"] == true).count() == 1);
}

#[test]
fn supply_chain_outputs_do_not_depend_on_the_thread_count() {
    for args in [
        &["--rank", "fourth-parties", "--format", "json"][..],
        &["--into", "proc-billing,proc-sdlc", "--format", "json"],
    ] {
        let run = |threads: &str| {
            let mut all = args.to_vec();
            all.extend(["--threads", threads]);
            blast_radius(&all)
        };
        let one = run("1");
        assert_eq!(one, run("2"), "{args:?}");
        assert_eq!(one, run("8"), "{args:?}");
    }
}

#[test]
fn coverage_flags_concentration_and_hidden_fourth_parties() {
    let (code, stdout, stderr) = output(riskgraph().args([
        "coverage",
        "datasets/acme-saas",
        "--format",
        "json",
        "--as-of",
        "2026-11-01",
    ]));
    assert_eq!(code, Some(0), "{stderr}");
    let document: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let findings: Vec<(String, String, String)> = document["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap().to_owned();
            (text("vendor"), text("code"), text("message"))
        })
        .collect();
    let of = |vendor: &str| -> Vec<&(String, String, String)> {
        findings.iter().filter(|f| f.0 == vendor).collect()
    };
    let parallax = of("parallax-dns");
    let codes: Vec<&str> = parallax.iter().map(|f| f.1.as_str()).collect();
    assert_eq!(
        codes,
        [
            "no-assurance",
            "review-overdue",
            "no-exit-plan",
            "concentration"
        ]
    );
    for (_, _, message) in &parallax {
        assert!(
            message.ends_with(
                "; a hidden fourth party, used only through okta, github, slack and 3 more"
            ),
            "{message}"
        );
    }
    assert!(
        parallax[3]
            .2
            .starts_with("under 3 critical vendors (okta, github and datadog):"),
        "{}",
        parallax[3].2
    );
    let aws = of("aws");
    assert!(aws.iter().any(|f| {
        f.1 == "concentration"
            && f.2
                .contains("the single point of failure of 4 critical processes")
    }));
    assert!(aws.iter().all(|f| !f.2.contains("hidden")));
}

#[test]
fn explain_lists_the_single_points_of_failure_of_a_critical_process() {
    let explain = |risk: &str| {
        let (code, stdout, stderr) = output(riskgraph().args([
            "explain",
            "datasets/acme-saas",
            risk,
            "--as-of",
            "2026-11-01",
        ]));
        assert_eq!(code, Some(0), "{stderr}");
        stdout
    };
    let sdlc = explain("fraud@proc-sdlc");
    assert!(
        sdlc.contains("Single points of failure of this critical process (availability impact 0.8 or more, no alternative on the way): 4\n")
            && sdlc.contains("    0.81 A  parallax-dns (vendor, 3 hops)\n"),
        "{sdlc}"
    );
    let incidents = explain("fraud@proc-incident-mgmt");
    assert!(
        incidents.contains("no alternative on the way): none\n"),
        "{incidents}"
    );
    // A process that is not critical has no such section.
    assert!(!explain("fraud@proc-onboarding").contains("Single points of failure"));
}
