//! Property tests: arbitrary bytes in any inventory file, and arbitrary TOML-shaped manifests,
//! never panic the loader; they become diagnostics whose locations point inside their file.

use proptest::prelude::*;
use riskgraph_model::{Source, load_sources};

const NAMES: [&str; 14] = [
    "riskgraph.toml",
    "assets.csv",
    "processes.csv",
    "vendors.csv",
    "dependencies.csv",
    "threats.csv",
    "vulnerabilities.csv",
    "controls.csv",
    "commitments.csv",
    "obligations.csv",
    "context.csv",
    "objectives.csv",
    "incidents.csv",
    "treatments.csv",
];

/// Bytes biased towards CSV structure, so the fuzzing reaches past the header.
fn csv_like() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(b",".to_vec()),
        Just(b";".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"id,name,type\n".to_vec()),
        Just(b"from,to,strength,propagates\n".to_vec()),
        Just(b"web".to_vec()),
        Just(b"*".to_vec()),
        Just(b"@".to_vec()),
        Just(b"category:fraud".to_vec()),
        Just(b"2026-02-30".to_vec()),
        Just(b"80%".to_vec()),
        Just("é".as_bytes().to_vec()),
        Just(vec![0xE9]),
        Just(vec![0xFF, 0xFE]),
        proptest::collection::vec(any::<u8>(), 0..8),
    ];
    proptest::collection::vec(token, 0..40).prop_map(|parts| parts.concat())
}

/// Text biased towards the manifest's structure: its tables and keys, values of every TOML type,
/// and numbers at and past the edges of what a rating, a scale or a day count holds.
fn manifest_like() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just("[organization]\n"),
        Just("[scope]\n"),
        Just("[method]\n"),
        Just("[review]\n"),
        Just("[approval]\n"),
        Just("[sandbox]\n"),
        Just("[[method.levels]]\n"),
        Just("name = "),
        Just("scale = "),
        Just("appetite = "),
        Just("tsc = "),
        Just("iso27001 = "),
        Just("rules = "),
        Just("levels = "),
        Just("grid = "),
        Just("critical = "),
        Just("approved_on = "),
        Just("max_operations = "),
        Just("\"medium\"\n"),
        Just("\"2013\"\n"),
        Just("[\"security\", \"availability\"]\n"),
        Just("[ { name = \"low\", max = 4 }, { name = \"high\", max = 25 } ]\n"),
        Just("[[1, 2], [3]]\n"),
        Just("5\n"),
        Just("0\n"),
        Just("-1\n"),
        Just("1e400\n"),
        Just("nan\n"),
        Just("-0\n"),
        Just("99999999999999999999\n"),
        Just("9223372036854775807\n"),
        Just("2026-02-30\n"),
        Just("true\n"),
        Just("{ }\n"),
        Just("\"\u{202e}\u{1b}[31m\"\n"),
        Just("# comment\n"),
        Just("\""),
        Just("="),
        Just("\n"),
    ];
    proptest::collection::vec(token, 0..30).prop_map(|parts| parts.concat().into_bytes())
}

/// Every diagnostic's span lies inside the text of its file.
fn spans_are_inside_their_files(loaded: &riskgraph_model::Loaded) -> Result<(), TestCaseError> {
    for diagnostic in &loaded.diagnostics.items {
        if let (Some(file), Some((start, end))) = (
            loaded.diagnostics.file_of(&diagnostic.location),
            diagnostic.location.span,
        ) {
            let text = file.text.as_ref().expect("cited files keep their text");
            prop_assert!(start <= end && end <= text.len());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_manifests_never_panic(manifest in manifest_like(), huge_line in any::<bool>()) {
        let mut manifest = manifest;
        if huge_line {
            manifest.extend_from_slice(b"name = \"");
            manifest.extend(std::iter::repeat_n(b'a', 300_000));
            manifest.extend_from_slice(b"\" junk\n");
        }
        let sources = vec![
            Source::new("riskgraph.toml", manifest),
            Source::new("assets.csv", "id,name,type\nweb,Web,software\n"),
        ];
        spans_are_inside_their_files(&load_sources(sources))?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(files in proptest::collection::vec((0..NAMES.len(), csv_like()), 1..4)) {
        let sources = files
            .into_iter()
            .map(|(name, bytes)| Source { display: NAMES[name].to_owned(), bytes })
            .collect();
        spans_are_inside_their_files(&load_sources(sources))?;
    }
}
