//! `riskgraph blast-radius` on the bundled dataset: golden output for each format, the vendor
//! ranking, and the errors a user can make.

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

#[test]
fn cloud_provider_in_every_format() {
    for format in ["tree", "table", "json", "dot"] {
        let stdout = blast_radius(&["--from", "aws", "--format", format]);
        insta::assert_snapshot!(format!("aws-{format}"), stdout);
    }
}

#[test]
fn identity_provider_in_every_format() {
    for format in ["tree", "table", "json", "dot"] {
        let stdout = blast_radius(&["--from", "okta", "--format", format]);
        insta::assert_snapshot!(format!("okta-{format}"), stdout);
    }
}

#[test]
fn json_lists_every_node_with_its_path() {
    let stdout = blast_radius(&["--from", "okta", "--format", "json"]);
    let document: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    assert_eq!(document["schema_version"], 1);
    let nodes = document["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["id"], "okta");
    for node in nodes {
        let path = node["path"].as_array().unwrap();
        assert_eq!(path.first().unwrap(), "okta");
        assert_eq!(path.last().unwrap(), &node["id"]);
        assert_eq!(path.len() as u64, node["hops"].as_u64().unwrap() + 1);
        assert_eq!(node["via"].as_array().unwrap().len() + 1, path.len());
    }
    assert_eq!(
        document["summary"]["reached"].as_u64().unwrap() as usize,
        nodes.len() - 1
    );
}

#[test]
fn limits_narrow_the_result() {
    let count = |args: &[&str]| {
        let mut all = vec!["--from", "aws", "--format", "json"];
        all.extend_from_slice(args);
        let document: serde_json::Value = serde_json::from_str(&blast_radius(&all)).unwrap();
        document["nodes"].as_array().unwrap().len()
    };
    let everything = count(&[]);
    let near = count(&["--depth", "1"]);
    let strong = count(&["--min", "0.5"]);
    let availability = count(&["--property", "a"]);
    assert!(near < everything && strong < everything && availability <= everything);
    assert!(near > 1, "aws has direct dependents");
    assert_eq!(count(&["--depth", "0"]), 1);
    assert_eq!(count(&["--min", "50%"]), strong);
}

#[test]
fn several_origins_fail_together() {
    let stdout = blast_radius(&[
        "--from",
        "stripe,twilio",
        "--property",
        "a",
        "--format",
        "table",
    ]);
    assert!(
        stdout.starts_with("Blast radius of stripe, twilio: availability"),
        "{stdout}"
    );
    assert!(
        stdout.contains("svc-payments") && stdout.contains("svc-messaging"),
        "{stdout}"
    );
}

#[test]
fn vendors_ranked_by_blast_radius() {
    let table = blast_radius(&["--rank", "vendors"]);
    insta::assert_snapshot!("rank-vendors", table);
    let json = blast_radius(&["--rank", "vendors", "--format", "json"]);
    let document: serde_json::Value = serde_json::from_str(&json).unwrap();
    let vendors = document["vendors"].as_array().unwrap();
    assert_eq!(vendors[0]["id"], "aws");
    let scores: Vec<f64> = vendors
        .iter()
        .map(|v| v["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
}

#[test]
fn ranking_is_the_same_whatever_the_thread_count() {
    let one = blast_radius(&["--rank", "vendors", "--format", "json", "--threads", "1"]);
    let two = blast_radius(&["--rank", "vendors", "--format", "json", "--threads", "2"]);
    let eight = blast_radius(&["--rank", "vendors", "--format", "json", "--threads", "8"]);
    assert_eq!(one, two);
    assert_eq!(one, eight);
}

#[test]
fn unknown_origin_exits_2_with_a_suggestion() {
    let (code, stdout, stderr) =
        output(riskgraph().args(["blast-radius", "datasets/acme-saas", "--from", "aws,strpe"]));
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("`strpe`") && stderr.contains("did you mean `stripe`?"),
        "{stderr}"
    );
}

#[test]
fn unknown_target_exits_2_with_a_suggestion() {
    let (code, stdout, stderr) = output(riskgraph().args([
        "blast-radius",
        "datasets/acme-saas",
        "--into",
        "proc-biling",
    ]));
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("`proc-biling`") && stderr.contains("did you mean `proc-billing`?"),
        "{stderr}"
    );
}

#[test]
fn a_bad_spof_threshold_exits_2_with_a_hint() {
    for value in ["0", "1.5", "high", "-0.2", "80"] {
        let (code, stdout, stderr) = output(riskgraph().args([
            "blast-radius",
            "datasets/acme-saas",
            "--into",
            "proc-billing",
            &format!("--spof={value}"),
        ]));
        assert_eq!(code, Some(2), "{value}: {stderr}");
        assert!(stdout.is_empty());
        assert!(
            stderr.contains(&format!("`{value}` is not a threshold"))
                && stderr.contains("such as 0.8 or 80%"),
            "{value}: {stderr}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["--from", "aws", "--property", "x"][..],
        &["--from", "aws", "--min", "2"],
        &["--rank", "vendors", "--format", "dot"],
        &["--rank", "fourth-parties", "--format", "tree"],
        &["--from", "aws", "--into", "proc-billing"],
        &["--from", "aws", "--spof", "0.5"],
        &["--into", ","],
        &[],
    ] {
        let mut command = riskgraph();
        command
            .args(["blast-radius", "datasets/acme-saas"])
            .args(args);
        let (code, stdout, stderr) = output(&mut command);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}");
        assert!(!stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn invalid_inventory_exits_2_with_its_errors() {
    let (code, _, stderr) = output(riskgraph().args([
        "blast-radius",
        "tests/data/invalid/bad-asset-type",
        "--rank",
        "vendors",
    ]));
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("assets.csv") && stderr.contains("server"),
        "{stderr}"
    );
}

/// The DOT output renders with Graphviz. `.ci/run` installs it; elsewhere, without it, the render
/// check is skipped.
#[test]
fn dot_output_renders_with_graphviz() {
    use std::io::Write;

    let dot = blast_radius(&["--from", "aws", "--format", "dot"]);
    let child = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        assert!(
            std::env::var_os("CI").is_none(),
            "graphviz `dot` must be installed in CI"
        );
        return;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let rendered = child.wait_with_output().unwrap();
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let svg = String::from_utf8_lossy(&rendered.stdout);
    assert!(svg.contains("<svg") && svg.contains("svc&#45;payments"));
}

/// Every command writes through the same output path: `-o FILE` holds what the standard output
/// would have.
#[test]
fn blast_radius_and_explain_write_to_a_file_with_o() {
    let dir = crate::validate::tempdir("output-flag");
    let cases: [(&str, Vec<&str>); 3] = [
        (
            "tree.txt",
            vec!["blast-radius", "datasets/acme-saas", "--from", "aws"],
        ),
        (
            "rank.json",
            vec![
                "blast-radius",
                "datasets/acme-saas",
                "--rank",
                "vendors",
                "--format",
                "json",
            ],
        ),
        (
            "explain.txt",
            vec![
                "explain",
                "datasets/acme-saas",
                "fraud@proc-billing",
                "--as-of",
                "2026-11-01",
            ],
        ),
    ];
    for (file, args) in cases {
        let (code, stdout, stderr) = crate::output(crate::riskgraph().args(&args));
        assert_eq!(code, Some(0), "{stderr}");
        let path = dir.join(file);
        let (code, written, stderr) =
            crate::output(crate::riskgraph().args(&args).arg("-o").arg(&path));
        assert_eq!(code, Some(0), "{stderr}");
        assert!(written.is_empty(), "{written}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), stdout, "{file}");
    }
}
