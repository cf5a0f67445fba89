//! `riskgraph rules check` and rules folders given to `blast-radius`.

use crate::validate::tempdir;
use crate::{output, riskgraph};

#[test]
fn builtin_rules_check() {
    let (code, stdout, stderr) = output(riskgraph().args(["rules", "check"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("ok  propagation.rhai") && stdout.contains("built-in"),
        "{stdout}"
    );
}

#[test]
fn a_broken_script_exits_2_with_its_line_and_column() {
    let dir = tempdir("rules-broken");
    std::fs::write(
        dir.join("propagation.rhai"),
        "fn edge_factor(edge, property) {\n    if edge.redundant { 0.3 } else { 1.0 \n}\n",
    )
    .unwrap();
    let (code, stdout, stderr) = output(riskgraph().args(["rules", "check"]).arg(&dir));
    assert_eq!(code, Some(2), "{stdout}");
    let path = dir.join("propagation.rhai").display().to_string();
    assert!(
        stderr.starts_with(&format!("error: {path}:4:1: syntax error")),
        "{stderr}"
    );
    assert!(stderr.contains("invalid rules: 1 problem"), "{stderr}");
}

#[test]
fn blast_radius_uses_the_given_rules() {
    let dir = tempdir("rules-half");
    std::fs::write(
        dir.join("propagation.rhai"),
        "// Every dependency carries half of any failure.\nfn edge_factor(edge, property) { 0.5 }\n",
    )
    .unwrap();
    let mut command = riskgraph();
    command
        .args([
            "blast-radius",
            "datasets/acme-saas",
            "--from",
            "stripe",
            "--format",
            "table",
            "--rules",
        ])
        .arg(&dir);
    let (code, stdout, stderr) = output(&mut command);
    assert_eq!(code, Some(0), "{stderr}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("svc-payments"))
        .unwrap();
    assert!(line.contains("0.50  0.50  0.50     1"), "{stdout}");
}

#[test]
fn a_runaway_script_stops_blast_radius_with_exit_2() {
    let dir = tempdir("rules-loop");
    std::fs::write(
        dir.join("propagation.rhai"),
        "fn edge_factor(edge, property) {\n    loop { }\n}\n",
    )
    .unwrap();
    let mut command = riskgraph();
    command
        .args([
            "blast-radius",
            "datasets/acme-saas",
            "--rank",
            "vendors",
            "--rules",
        ])
        .arg(&dir);
    let (code, stdout, stderr) = output(&mut command);
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("operations in one call") && stderr.contains("edge_factor for a"),
        "{stderr}"
    );
}

#[test]
fn builtin_rules_pass_their_tests() {
    let (code, stdout, stderr) = output(riskgraph().args(["rules", "test"]));
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("ok    built-in residual.toml: no controls leave the inherent scores"),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with("passed, 0 failed"), "{stdout}");
}

#[test]
fn a_failing_rules_test_exits_1_with_the_difference() {
    let dir = tempdir("rules-failing-test");
    std::fs::write(
        dir.join("likelihood.rhai"),
        "// Every threat is certain.\nfn likelihood(threat, node, ctx) { ctx.scale }\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(
        dir.join("tests/likelihood.toml"),
        "[[case]]\nname = \"base likelihood\"\nhook = \"likelihood\"\nthreat = { likelihood = 2 }\nexpect = 2\n\n\
         [[case]]\nname = \"on scale 3\"\nhook = \"likelihood\"\nctx = { scale = 3 }\nexpect = 3\n",
    )
    .unwrap();
    let (code, stdout, stderr) = output(riskgraph().args(["rules", "test"]).arg(&dir));
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("FAIL") && stdout.contains("base likelihood\n      expected 2, got 5"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok    ") && stdout.contains("1 passed, 1 failed"),
        "{stdout}"
    );
}
