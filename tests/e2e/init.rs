//! `riskgraph init`: a new inventory that validates, and no overwriting.

use crate::validate::tempdir;
use crate::{output, riskgraph};

#[test]
fn init_writes_every_file_and_the_result_validates() {
    let dir = tempdir("init").join("inventory");
    let (code, stdout, stderr) = output(riskgraph().arg("init").arg(&dir));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("29 files"), "{stdout}");
    for name in [
        "riskgraph.toml",
        "riskgraph.schema.json",
        "README.md",
        "assets.csv",
        "treatments.csv",
        "soa.csv",
        "rules/propagation.rhai",
        "rules/likelihood.rhai",
        "rules/tests/residual.toml",
        "rules/loss.rhai",
        "rules/tests/loss.toml",
    ] {
        assert!(dir.join(name).is_file(), "{name}");
    }
    let assets = std::fs::read_to_string(dir.join("assets.csv")).unwrap();
    assert!(assets.starts_with("id,name,type,owner,"), "{assets}");
    // Empty tables with headers and the commented manifest are a valid (if empty) inventory.
    let (code, stdout, stderr) = output(riskgraph().arg("validate").arg(&dir));
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    // The copied rules pass their copied tests.
    let (code, stdout, stderr) = output(riskgraph().args(["rules", "test"]).arg(dir.join("rules")));
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

#[test]
fn init_refuses_to_overwrite() {
    let dir = tempdir("init-existing");
    std::fs::write(dir.join("assets.csv"), "precious data\n").unwrap();
    let (code, _, stderr) = output(riskgraph().arg("init").arg(&dir));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("refusing to overwrite"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.join("assets.csv")).unwrap(),
        "precious data\n"
    );
    assert!(
        !dir.join("riskgraph.toml").exists(),
        "nothing is written when anything exists"
    );
}
