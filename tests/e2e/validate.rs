//! `riskgraph validate` on the bundled dataset and in its output formats.

use crate::{output, riskgraph};

#[test]
fn acme_saas_is_valid_with_no_warnings() {
    let (code, stdout, stderr) =
        output(riskgraph().args(["validate", "datasets/acme-saas", "--deny-warnings"]));
    assert_eq!(code, Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    insta::assert_snapshot!(stdout);
}

#[test]
fn json_error_format_lists_files_and_diagnostics() {
    let (code, stdout, _) = output(riskgraph().args([
        "validate",
        "tests/data/invalid/bad-asset-type",
        "--error-format",
        "json",
    ]));
    assert_eq!(code, Some(2));
    let document: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    assert_eq!(document["valid"], false);
    let diagnostic = &document["diagnostics"][0];
    assert_eq!(diagnostic["code"], "bad-value");
    assert_eq!(
        diagnostic["file"],
        "tests/data/invalid/bad-asset-type/assets.csv"
    );
    assert_eq!(diagnostic["field"], "type");
    assert!(diagnostic["line"].as_u64().is_some());
    assert!(
        diagnostic["help"]
            .as_str()
            .unwrap()
            .contains("asset type is one of")
    );
    assert_eq!(diagnostic["value"], "server");
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let dir = tempdir("deny-warnings");
    std::fs::write(
        dir.join("assets.csv"),
        "id,name,type\nweb,Web,software\ndb,DB,data\n",
    )
    .unwrap();
    std::fs::write(dir.join("dependencies.csv"), "from,to\nweb,db\ndb,web\n").unwrap();
    let (code, _, stderr) = output(riskgraph().arg("validate").arg(&dir));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("dependency cycle: web"), "{stderr}");
    let (code, _, stderr) = output(riskgraph().arg("validate").arg(&dir).arg("--deny-warnings"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("(--deny-warnings)"), "{stderr}");
}

#[test]
fn missing_path_exits_2_with_a_hint() {
    let (code, _, stderr) = output(riskgraph().args(["validate", "no/such/folder"]));
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("`no/such/folder` does not exist"),
        "{stderr}"
    );
    assert!(stderr.contains("riskgraph init"), "{stderr}");
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, _) = output(riskgraph().args(["validate"]));
    assert_eq!(code, Some(2));
    let (code, _, _) = output(riskgraph().args(["frobnicate"]));
    assert_eq!(code, Some(2));
}

/// A fresh, empty folder under the target directory.
pub fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
