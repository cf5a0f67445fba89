//! Property test: arbitrary bytes in any inventory file never panic the loader; they become
//! diagnostics.

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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(files in proptest::collection::vec((0..NAMES.len(), csv_like()), 1..4)) {
        let sources = files
            .into_iter()
            .map(|(name, bytes)| Source { display: NAMES[name].to_owned(), bytes })
            .collect();
        let loaded = load_sources(sources);
        // Locations always point inside their file.
        for diagnostic in &loaded.diagnostics.items {
            if let (Some(file), Some((start, end))) = (loaded.diagnostics.file_of(&diagnostic.location), diagnostic.location.span) {
                let text = file.text.as_ref().expect("cited files keep their text");
                prop_assert!(start <= end && end <= text.len());
            }
        }
    }
}
