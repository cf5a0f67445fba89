//! Inputs that once broke the binary: lines and cells of megabytes, paths long enough to wrap a
//! diagnostic, errors in several files at once. Each test is named after what broke.

use std::path::{Path, PathBuf};

use crate::validate::tempdir;
use crate::{output, riskgraph};

/// A folder whose path is longer than a terminal line, so that any diagnostic naming a file in it
/// would have been wrapped.
fn deep_tempdir(name: &str) -> PathBuf {
    let deep: PathBuf = std::iter::repeat_n("a-folder-with-a-rather-long-name", 5).collect();
    let dir = tempdir(name).join(deep);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, file: &str, text: &str) {
    std::fs::write(dir.join(file), text).unwrap();
}

#[test]
fn a_diagnostic_message_line_is_not_wrapped_whatever_the_path_length() {
    let dir = deep_tempdir("unwrapped-message");
    write(
        &dir,
        "assets.csv",
        "id,name,type\nweb,Web,software\ndb,DB,data\n",
    );
    write(&dir, "dependencies.csv", "from,to\nweb,db\ndb,web\n");
    let (code, _, stderr) = output(riskgraph().arg("validate").arg(&dir));
    assert_eq!(code, Some(0), "{stderr}");
    let expected = format!(
        "{}:2: dependency cycle: web -> db -> web",
        dir.join("assets.csv").display()
    );
    assert!(
        stderr.lines().any(|line| line.ends_with(&expected)),
        "no line ends with {expected}:\n{stderr}"
    );
}

#[test]
fn a_manifest_line_of_300_000_characters_does_not_panic() {
    let dir = tempdir("long-manifest-line");
    write(&dir, "assets.csv", "id,name,type\nweb,Web,software\n");
    let long = "a".repeat(300_000);
    write(
        &dir,
        "riskgraph.toml",
        &format!("[organization]\nname = \"{long}\" junk\n"),
    );
    for command in ["validate", "assess", "coverage", "soa", "report"] {
        let (code, _, stderr) = output(riskgraph().arg(command).arg(&dir));
        assert_eq!(code, Some(2), "{command}: {stderr}");
        assert!(!stderr.contains("panicked"), "{command}: {stderr}");
        assert!(stderr.contains("riskgraph.toml:2:"), "{command}: {stderr}");
        assert!(stderr.len() < 2_000, "{command}: {} bytes", stderr.len());
    }
}

#[test]
fn an_error_in_a_cell_of_two_million_characters_prints_a_few_short_lines() {
    let dir = tempdir("huge-cell");
    write(&dir, "assets.csv", "id,name,type\nweb,Web,software\n");
    let huge = "y".repeat(2_000_000);
    // The bad kind is the huge cell itself; the extra cell comes after another huge one.
    write(
        &dir,
        "context.csv",
        &format!("id,kind,description\nc1,{huge},fine\nc2,internal-issue,{huge},extra\n"),
    );
    let (code, _, stderr) = output(riskgraph().arg("validate").arg(&dir));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("is not a context kind"), "{stderr}");
    assert!(stderr.contains("row has 4 cells"), "{stderr}");
    assert!(stderr.contains("context.csv:3:2000020]"), "{stderr}");
    assert!(stderr.lines().count() < 40, "{stderr}");
    assert!(
        stderr.lines().all(|line| line.chars().count() < 250),
        "{stderr}"
    );
}

#[test]
fn a_bad_value_in_one_file_does_not_hide_an_unknown_id_in_another() {
    let dir = tempdir("every-error");
    write(
        &dir,
        "assets.csv",
        "id,name,type\nweb,Web,sofware\ndb,DB,data\n",
    );
    write(&dir, "dependencies.csv", "from,to\nweb,clowd\nweb,db\n");
    let (code, _, stderr) = output(riskgraph().arg("validate").arg(&dir));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("`sofware` is not an asset type"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`clowd` is not a known asset, process or vendor"),
        "{stderr}"
    );
    assert!(stderr.contains("invalid: 2 errors"), "{stderr}");
}

#[test]
fn a_reference_to_a_node_row_dropped_for_its_own_error_is_not_reported_twice() {
    let dir = tempdir("dropped-node-row");
    // `db` has a cell too many, so it is not read; the dependency on it is not an unknown id.
    write(
        &dir,
        "assets.csv",
        "id,name,type\nweb,Web,software\ndb,DB,data,extra\n",
    );
    write(&dir, "dependencies.csv", "from,to\nweb,db\nweb,nowhere\n");
    let (code, _, stderr) = output(riskgraph().arg("validate").arg(&dir));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("row has 4 cells"), "{stderr}");
    assert!(!stderr.contains("`db` is not a known"), "{stderr}");
    assert!(stderr.contains("`nowhere` is not a known"), "{stderr}");
}

#[test]
fn a_closed_stdout_ends_every_command_quietly_with_exit_0() {
    let commands: [&[&str]; 13] = [
        &["validate", "datasets/acme-saas"],
        &["assess", "datasets/acme-saas"],
        &["assess", "datasets/acme-saas", "--fail-on", "low"],
        &["blast-radius", "datasets/acme-saas", "--from", "aws"],
        &["blast-radius", "datasets/acme-saas", "--rank", "vendors"],
        &[
            "explain",
            "datasets/acme-saas",
            "T-RANSOM@srv-finance-legacy",
        ],
        &["coverage", "datasets/acme-saas", "--fail-on-gap"],
        &["soa", "datasets/acme-saas"],
        &["report", "datasets/acme-saas"],
        &["catalog", "list", "soc2"],
        &["rules", "check"],
        &["rules", "test", "rules/default"],
        &["completions", "bash"],
    ];
    for args in commands {
        let (reader, writer) = std::io::pipe().unwrap();
        // Nobody reads: every write to the standard output fails with a broken pipe.
        drop(reader);
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_riskgraph"))
            .current_dir(crate::root())
            .args(args)
            .stdout(writer)
            .output()
            .expect("the riskgraph binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[test]
fn the_report_says_reaches_1_node_not_1_nodes() {
    let dir = tempdir("reaches-one-node");
    write(&dir, "assets.csv", "id,name,type\nweb,Web,software\n");
    write(&dir, "vendors.csv", "id,name,criticality\nacme,Acme,4\n");
    write(&dir, "dependencies.csv", "from,to\nweb,acme\n");
    let (code, page, stderr) = output(riskgraph().arg("report").arg(&dir));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(page.contains("acme reaches 1 node<"), "{page}");
}

/// Found by `cargo xtask fuzz` (seed 2026): an id of a megabyte in a reference was compared letter
/// by letter with every node id for a suggestion, which took seconds per cell.
#[test]
fn an_unknown_id_of_a_megabyte_gets_no_suggestion() {
    let dir = tempdir("huge-unknown-id");
    write(&dir, "assets.csv", "id,name,type\nweb,Web,software\n");
    let huge = "a".repeat(1_400_000);
    write(
        &dir,
        "dependencies.csv",
        &format!("from,to\n{huge},web\nweb,{huge}\n"),
    );
    write(
        &dir,
        "incidents.csv",
        &format!("id,date,affected\nI1,2026-01-01,{huge}\n"),
    );
    let (code, _, stderr) = output(riskgraph().arg("validate").arg(&dir));
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stderr.matches("is not a known").count(), 3, "{stderr}");
    assert!(!stderr.contains("did you mean"), "{stderr}");
    assert!(stderr.len() < 4_000, "{} bytes", stderr.len());
}
