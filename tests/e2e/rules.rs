//! `riskgraph rules check` and rules folders given to `blast-radius`.

use std::path::{Path, PathBuf};

use crate::validate::tempdir;
use crate::{output, riskgraph};

/// A fresh rules folder `name` whose `propagation.rhai` is `source`.
fn propagation_rules(name: &str, source: &str) -> PathBuf {
    let dir = tempdir(name);
    std::fs::write(dir.join("propagation.rhai"), source).unwrap();
    dir
}

/// `riskgraph blast-radius datasets/acme-saas ARGS --rules DIR`.
fn blast_radius_with_rules(args: &[&str], rules: &Path) -> (Option<i32>, String, String) {
    let mut command = riskgraph();
    command
        .args(["blast-radius", "datasets/acme-saas"])
        .args(args)
        .arg("--rules")
        .arg(rules);
    output(&mut command)
}

/// The row of `svc-payments` in a blast-radius table.
fn payments_row(table: &str) -> &str {
    table
        .lines()
        .find(|l| l.starts_with("svc-payments"))
        .unwrap_or_default()
}

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
    let dir = propagation_rules(
        "rules-broken",
        "fn edge_factor(edge, property) {\n    if edge.redundant { 0.3 } else { 1.0 \n}\n",
    );
    let (code, stdout, stderr) = output(riskgraph().args(["rules", "check"]).arg(&dir));
    assert_eq!(code, Some(2), "{stdout}");
    let path = dir.join("propagation.rhai").display().to_string();
    // The message line names the script, line and column; the snippet shows the script's lines.
    assert!(
        stderr.contains(&format!("× {path}:4:1: syntax error")),
        "{stderr}"
    );
    assert!(stderr.contains(" 3 │ }"), "{stderr}");
    assert!(stderr.contains("invalid rules: 1 problem"), "{stderr}");
}

#[test]
fn a_rules_error_shows_the_offending_token_in_its_line() {
    let dir = propagation_rules(
        "rules-broken-token",
        "fn edge_factor(edge, property) {\n    let x = edge.strength +;\n    x\n}\n",
    );
    let (code, _, stderr) = output(riskgraph().args(["rules", "check"]).arg(&dir));
    assert_eq!(code, Some(2), "{stderr}");
    let path = dir.join("propagation.rhai").display().to_string();
    assert!(stderr.contains(&format!("{path}:2:28")), "{stderr}");
    assert!(
        stderr.contains(" 2 │     let x = edge.strength +;"),
        "{stderr}"
    );
    assert!(stderr.contains("╰── here"), "{stderr}");
}

#[test]
fn blast_radius_uses_the_given_rules() {
    let dir = propagation_rules(
        "rules-half",
        "// Every dependency carries half of any failure.\nfn edge_factor(edge, property) { 0.5 }\n",
    );
    let (code, stdout, stderr) =
        blast_radius_with_rules(&["--from", "stripe", "--format", "table"], &dir);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        payments_row(&stdout).contains("0.50  0.50  0.50     1"),
        "{stdout}"
    );
}

#[test]
fn a_runaway_script_stops_blast_radius_with_exit_2() {
    let dir = propagation_rules(
        "rules-loop",
        "fn edge_factor(edge, property) {\n    loop { }\n}\n",
    );
    let (code, stdout, stderr) = blast_radius_with_rules(&["--rank", "vendors"], &dir);
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

/// The manifest's `[method] rules` folder, relative to the inventory, is the one used; a missing
/// one is an error that says where it was named.
#[test]
fn the_manifests_rules_folder_is_used() {
    let dir = tempdir("rules-manifest");
    for entry in std::fs::read_dir(crate::root().join("datasets/acme-saas")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    let manifest = std::fs::read_to_string(dir.join("riskgraph.toml")).unwrap();
    let manifest = if manifest.contains("[method]") {
        manifest.replacen("[method]", "[method]\nrules = \"my-rules\"", 1)
    } else {
        format!("{manifest}\n[method]\nrules = \"my-rules\"\n")
    };
    std::fs::write(dir.join("riskgraph.toml"), manifest).unwrap();

    let (code, _, stderr) = output(
        riskgraph()
            .arg("blast-radius")
            .arg(&dir)
            .args(["--from", "stripe"]),
    );
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("my-rules") && stderr.contains("`[method] rules` in riskgraph.toml"),
        "{stderr}"
    );

    std::fs::create_dir_all(dir.join("my-rules")).unwrap();
    std::fs::write(
        dir.join("my-rules/propagation.rhai"),
        "fn edge_factor(edge, property) { 0.5 }\n",
    )
    .unwrap();
    let (code, stdout, stderr) = output(
        riskgraph()
            .arg("blast-radius")
            .arg(&dir)
            .args(["--from", "stripe", "--format", "table"]),
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        payments_row(&stdout).contains("0.50  0.50  0.50     1"),
        "{stdout}"
    );
}

#[test]
fn a_script_that_prints_does_not_spoil_the_output() {
    let dir = propagation_rules(
        "rules-print",
        "fn edge_factor(edge, property) { print(`factor for ${edge.kind}`); 1.0 }\n",
    );
    let (code, stdout, stderr) =
        blast_radius_with_rules(&["--from", "stripe", "--format", "json"], &dir);
    assert_eq!(code, Some(0), "{stderr}");
    serde_json::from_str::<serde_json::Value>(&stdout).expect("stdout stays JSON");
    assert!(stderr.contains("rules: factor for provided-by"), "{stderr}");
}
