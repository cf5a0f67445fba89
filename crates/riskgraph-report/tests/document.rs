//! The register document: what `assess --format json` writes reads back into the same typed
//! document, field for field, and the document viewed from an assessment is the one written.

use std::path::Path;

use riskgraph_engine::session::Session;
use riskgraph_report::register::{OwnedDocument, Register, write_json};

fn acme() -> Session {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
    let print = riskgraph_engine::rules::discard_print();
    Session::open(&root, None, jiff::civil::date(2026, 11, 1), print)
        .unwrap_or_else(|_| panic!("the bundled dataset opens"))
}

#[test]
fn a_written_register_reads_back_into_the_same_document() {
    let session = acme();
    let assessment = session.assess(&|_, _| {}).expect("the built-in rules run");
    let register = Register::new(&session, &assessment, assessment.risks.iter().collect());
    let mut written = Vec::new();
    write_json(&mut written, &register).unwrap();

    // Every field is typed: reading and writing again loses nothing.
    let read: OwnedDocument = serde_json::from_slice(&written).expect("a register reads back");
    let mut again = serde_json::to_vec_pretty(&read).unwrap();
    again.push(b'\n');
    assert_eq!(
        String::from_utf8(again).unwrap(),
        String::from_utf8(written.clone()).unwrap()
    );

    // The document viewed in memory, as `report --previous` compares it, is the one written.
    let mut viewed = serde_json::to_vec_pretty(&register.to_document()).unwrap();
    viewed.push(b'\n');
    assert_eq!(viewed, written);
    assert_eq!(read.risks.len(), assessment.risks.len());
}

#[test]
fn finding_codes_read_and_write_as_their_names() {
    use riskgraph_engine::assess::FindingCode;
    for code in FindingCode::ALL {
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, format!("\"{}\"", code.as_str()));
        assert_eq!(serde_json::from_str::<FindingCode>(&json).unwrap(), code);
    }
}
