//! `blast-radius` through the compiled snapshot kept in `DIR/.riskgraph/`: the same bytes as
//! reading the files, invalidated by any change to an input or to the rules, and never trusted
//! when damaged, cut short or written by another version. Each test works on its own copy of the
//! bundled dataset (`--cache` keeps a snapshot of an inventory that small).

use std::fs;
use std::path::{Path, PathBuf};

use crate::{output, riskgraph};

/// A copy of the bundled dataset in a temporary folder.
fn copy_of_acme() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let source = crate::root().join("datasets/acme-saas");
    for entry in fs::read_dir(source).expect("the dataset") {
        let entry = entry.expect("an entry");
        if entry.path().is_file() {
            fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copied");
        }
    }
    dir
}

fn snapshot_file(dir: &Path) -> PathBuf {
    dir.join(".riskgraph/blast-radius.snapshot")
}

/// Runs `blast-radius DIR ARGS...` and returns its exit code, stdout and stderr.
fn blast_radius(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut command = riskgraph();
    command.arg("blast-radius").arg(dir).args(args);
    output(&mut command)
}

/// Every output a query through the snapshot gives, and the same without it.
fn with_and_without(dir: &Path, query: &[&str]) -> (String, String) {
    let (code, cached, stderr) = blast_radius(dir, &[query, &["--cache"]].concat());
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let (code, fresh, stderr) = blast_radius(dir, &[query, &["--no-cache"]].concat());
    assert_eq!(code, Some(0), "{stderr}");
    (cached, fresh)
}

const QUERIES: &[&[&str]] = &[
    &["--from", "aws", "--format", "json"],
    &["--from", "okta,app-web", "--format", "dot", "--depth", "2"],
    &["--from", "aws", "--format", "tree", "--property", "a"],
    &["--into", "app-web", "--format", "json"],
    &["--into", "app-web", "--format", "table", "--spof", "0.5"],
    &["--rank", "vendors", "--format", "json"],
    &["--rank", "fourth-parties"],
];

#[test]
fn a_snapshot_gives_the_same_bytes_as_the_files() {
    let dir = copy_of_acme();
    for query in QUERIES {
        // The first run writes the snapshot, the second reads it.
        let (written, _) = with_and_without(dir.path(), query);
        assert!(snapshot_file(dir.path()).is_file());
        let (read, fresh) = with_and_without(dir.path(), query);
        assert_eq!(written, fresh, "{query:?}");
        assert_eq!(read, fresh, "{query:?}");
    }
    let ignore = fs::read_to_string(dir.path().join(".riskgraph/.gitignore")).unwrap();
    assert!(ignore.lines().any(|line| line == "*"));
}

#[test]
fn no_cache_neither_reads_nor_writes_a_snapshot() {
    let dir = copy_of_acme();
    let (code, _, stderr) = blast_radius(dir.path(), &["--from", "aws", "--no-cache"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!dir.path().join(".riskgraph").exists());
    // A damaged snapshot is not even looked at.
    fs::create_dir_all(dir.path().join(".riskgraph")).unwrap();
    fs::write(snapshot_file(dir.path()), b"not a snapshot").unwrap();
    let (code, _, stderr) = blast_radius(dir.path(), &["--from", "aws", "--no-cache"]);
    assert_eq!(code, Some(0));
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(
        fs::read(snapshot_file(dir.path())).unwrap(),
        b"not a snapshot"
    );
}

#[test]
fn a_small_inventory_gets_no_snapshot_unless_asked() {
    let dir = copy_of_acme();
    let (code, _, stderr) = blast_radius(dir.path(), &["--from", "aws"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!dir.path().join(".riskgraph").exists());
}

#[test]
fn changing_any_input_or_the_rules_invalidates_the_snapshot() {
    let dir = copy_of_acme();
    let query = ["--from", "aws", "--format", "json"];
    with_and_without(dir.path(), &query);
    let before = fs::read(snapshot_file(dir.path())).unwrap();
    // A node's name (nodes come from the snapshot), a dependency's strength (the graph), and a
    // file read anyway (threats).
    let edits: &[(&str, &str, &str)] = &[
        ("assets.csv", "Kubernetes", "Kubernetes cluster"),
        ("dependencies.csv", "provided-by", "uses"),
        ("threats.csv", "Ransomware", "Ransomware attack"),
    ];
    let mut previous = before;
    for &(file, from, to) in edits {
        let path = dir.path().join(file);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} has no `{from}`");
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let (cached, fresh) = with_and_without(dir.path(), &query);
        assert_eq!(cached, fresh, "after editing {file}");
        let now = fs::read(snapshot_file(dir.path())).unwrap();
        assert_ne!(
            now, previous,
            "the snapshot was not written again after editing {file}"
        );
        previous = now;
    }
    // Rules: a propagation script of the inventory's own halves every factor.
    let rules = dir.path().join("my-rules");
    fs::create_dir_all(&rules).unwrap();
    let builtin = crate::root().join("rules/default/propagation.rhai");
    let script = fs::read_to_string(builtin).unwrap();
    fs::write(rules.join("propagation.rhai"), script).unwrap();
    let with_rules = |extra: &[&str]| {
        let args = [&query[..], &["--rules", rules.to_str().unwrap()], extra].concat();
        let (code, stdout, stderr) = blast_radius(dir.path(), &args);
        assert_eq!(code, Some(0), "{stderr}");
        stdout
    };
    assert_eq!(with_rules(&["--cache"]), with_rules(&["--no-cache"]));
    let before = with_rules(&["--no-cache"]);
    fs::write(
        rules.join("propagation.rhai"),
        "fn edge_factor(edge, property) { if edge.propagates { 0.5 } else { 0.0 } }\n",
    )
    .unwrap();
    let cached = with_rules(&["--cache"]);
    assert_ne!(cached, before, "the new rules change the answer");
    assert_eq!(cached, with_rules(&["--no-cache"]));
    assert_eq!(cached, with_rules(&["--cache"]));
}

#[test]
fn a_damaged_or_foreign_snapshot_is_ignored_with_a_warning_and_written_again() {
    let dir = copy_of_acme();
    let query = ["--from", "aws", "--format", "json"];
    let (_, expected) = with_and_without(dir.path(), &query);
    let good = fs::read(snapshot_file(dir.path())).unwrap();
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    // The tables are read whole and the graph a piece at a time: a flip in either is found.
    let mut flipped_in_tables = good.clone();
    flipped_in_tables[200] ^= 0x01;
    let mut flipped_near_the_end = good.clone();
    let near_the_end = good.len() - 3;
    flipped_near_the_end[near_the_end] ^= 0x80;
    let mut longer = good.clone();
    longer.push(0);
    let mut foreign = good.clone();
    // The version follows the 16-byte magic and the format number: `0.1.0` becomes `9.1.0`.
    let version_at = 16 + 4 + 8;
    foreign[version_at] = b'9';
    // The format number, a u32 after the magic: one this build does not read.
    let mut other_format = good.clone();
    other_format[16] = other_format[16].wrapping_add(1);
    let damaged: &[(&str, Vec<u8>, &str)] = &[
        ("cut short", good[..good.len() / 3].to_vec(), "cut short"),
        ("one bit flipped", flipped, "damaged"),
        (
            "one bit flipped in the tables",
            flipped_in_tables,
            "damaged",
        ),
        (
            "one bit flipped near the end",
            flipped_near_the_end,
            "damaged",
        ),
        ("a byte too many", longer, "damaged"),
        ("empty", Vec::new(), "not a riskgraph snapshot"),
        (
            "not a snapshot",
            b"id,name\n".to_vec(),
            "not a riskgraph snapshot",
        ),
        ("another version", foreign, "written by riskgraph 9.1.0"),
        ("another format", other_format, "snapshot format"),
    ];
    for (what, bytes, reason) in damaged {
        fs::write(snapshot_file(dir.path()), bytes).unwrap();
        let (code, stdout, stderr) = blast_radius(dir.path(), &[&query[..], &["--cache"]].concat());
        assert_eq!(code, Some(0), "{what}: {stderr}");
        assert_eq!(stdout, expected, "{what}");
        assert!(
            stderr.starts_with("warning: ignored the snapshot") && stderr.contains(reason),
            "{what}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{what}: {stderr}");
        // Written again, whole: the next run reads it without a word.
        assert_eq!(fs::read(snapshot_file(dir.path())).unwrap(), good, "{what}");
        let (code, stdout, stderr) = blast_radius(dir.path(), &[&query[..], &["--cache"]].concat());
        assert_eq!(
            (code, stdout.as_str(), stderr.as_str()),
            (Some(0), expected.as_str(), "")
        );
    }
}

#[test]
fn errors_and_exit_codes_do_not_change_with_a_snapshot() {
    let dir = copy_of_acme();
    with_and_without(dir.path(), &["--from", "aws"]);
    // An unknown id: the same usage error either way.
    let cached = blast_radius(dir.path(), &["--from", "nope", "--cache"]);
    let fresh = blast_radius(dir.path(), &["--from", "nope", "--no-cache"]);
    assert_eq!(cached, fresh);
    assert_eq!(cached.0, Some(2));
    // An inventory with an error: reported as before, and no snapshot is written for it.
    let path = dir.path().join("assets.csv");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replacen(",software,", ",sofware,", 1)).unwrap();
    fs::remove_dir_all(dir.path().join(".riskgraph")).unwrap();
    let cached = blast_radius(dir.path(), &["--from", "aws", "--cache"]);
    let fresh = blast_radius(dir.path(), &["--from", "aws", "--no-cache"]);
    assert_eq!(cached, fresh);
    assert_ne!(cached.0, Some(0));
    assert!(!snapshot_file(dir.path()).exists());
}

#[test]
fn runs_at_the_same_time_leave_one_whole_snapshot_and_no_temporary_file() {
    let dir = copy_of_acme();
    let query = ["--from", "aws", "--format", "json", "--cache"];
    let (_, expected, _) = blast_radius(
        dir.path(),
        &["--from", "aws", "--format", "json", "--no-cache"],
    );
    let outputs: Vec<(Option<i32>, String, String)> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| blast_radius(dir.path(), &query)))
            .collect();
        runs.into_iter().map(|run| run.join().unwrap()).collect()
    });
    for (code, stdout, stderr) in outputs {
        assert_eq!(code, Some(0), "{stderr}");
        assert_eq!(stdout, expected);
    }
    let names: Vec<String> = fs::read_dir(dir.path().join(".riskgraph"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, [".gitignore", "blast-radius.snapshot"]);
    let (code, stdout, stderr) = blast_radius(dir.path(), &query);
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (Some(0), expected.as_str(), "")
    );
}

#[cfg(unix)]
#[test]
fn the_snapshot_gets_the_mode_of_a_new_file_so_whoever_shares_the_folder_can_read_it() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = copy_of_acme();
    let (code, _, stderr) = blast_radius(dir.path(), &["--from", "aws", "--cache"]);
    assert_eq!(code, Some(0), "{stderr}");
    let probe = dir.path().join("probe");
    fs::write(&probe, "").unwrap();
    let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&snapshot_file(dir.path())), mode(&probe));
}
