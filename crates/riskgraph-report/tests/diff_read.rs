//! Reading registers for `diff`: the streamed, compact reader keeps of every risk what reading
//! the whole document into typed views kept, and fails on the same files with the same errors.

use std::path::{Path, PathBuf};

use riskgraph_engine::assess::FindingCode;
use riskgraph_engine::session::Session;
use riskgraph_report::diff::{self, Snapshot};
use riskgraph_report::register::{OwnedDocument, Register, SCHEMA_VERSION, write_json};

fn acme_register() -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
    let print = riskgraph_engine::rules::discard_print();
    let session = Session::open(&root, None, jiff::civil::date(2026, 11, 1), print)
        .unwrap_or_else(|_| panic!("the bundled dataset opens"));
    let assessment = session.assess(&|_, _| {}).expect("the built-in rules run");
    let register = Register::new(&session, &assessment, assessment.risks.iter().collect());
    let mut written = Vec::new();
    write_json(&mut written, &register).unwrap();
    written
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-read");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// How `diff` read a register before it streamed them: the whole text, then every risk as a
/// typed view. Its error messages are the ones users and scripts have seen.
fn read_whole(path: &Path) -> Result<OwnedDocument, String> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let document: OwnedDocument = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{shown}:{}:{}: not a register: {e}; `riskgraph diff` compares outputs of `riskgraph assess --format json`",
            e.line(),
            e.column()
        )
    })?;
    if document.schema_version != SCHEMA_VERSION {
        return Err(format!(
            "{shown}: register schema version {} (this riskgraph reads version {SCHEMA_VERSION}); assess the inventory again with this version",
            document.schema_version
        ));
    }
    if document.summary.shown != document.summary.risks {
        return Err(format!(
            "{shown} lists {} of its {} risks (written with `--only`); compare full registers",
            document.summary.shown, document.summary.risks
        ));
    }
    Ok(document)
}

/// The snapshot holds, risk by risk, what the document read whole holds.
fn assert_same(snapshot: &Snapshot<'_>, document: &OwnedDocument) {
    assert_eq!(snapshot.organization, document.organization);
    assert_eq!(snapshot.as_of, document.as_of);
    assert_eq!(snapshot.levels, document.method.levels);
    assert_eq!(snapshot.controls, document.controls);
    assert_eq!(snapshot.vendors, document.vendors);
    assert_eq!(snapshot.risks.len(), document.risks.len());
    for (risk, view) in snapshot.risks.iter().zip(&document.risks) {
        assert_eq!(risk.id, view.id);
        assert_eq!(risk.threat, view.threat.name);
        assert_eq!(risk.category, view.threat.category);
        assert_eq!(risk.residual, view.residual);
        assert_eq!(risk.exposure, view.exposure);
        let vendor = (view.node.kind == "vendor").then_some(&*view.node.id);
        assert_eq!(risk.vendor, vendor, "{}", risk.id);
        let expired = view
            .findings
            .iter()
            .any(|f| f.code == FindingCode::AcceptanceExpired);
        assert_eq!(risk.acceptance_expired, expired, "{}", risk.id);
        let t = &view.treatment;
        assert_eq!(risk.treatment.decision, t.decision);
        assert_eq!(risk.treatment.approved_by, t.approved_by);
        assert_eq!(risk.treatment.approved_on, t.approved_on);
        assert_eq!(risk.treatment.expires, t.expires);
    }
}

/// Reads `bytes` as a file with both readers: the same document, or the same error.
fn check(name: &str, bytes: &[u8]) {
    let path = scratch(name);
    std::fs::write(&path, bytes).unwrap();
    match (diff::read(&path), read_whole(&path)) {
        (Ok(snapshot), Ok(document)) => assert_same(&snapshot, &document),
        (Err(streamed), Err(whole)) => assert_eq!(streamed.to_string(), whole, "{name}"),
        (Ok(_), Err(whole)) => panic!("{name}: read, but reading it whole failed: {whole}"),
        (Err(streamed), Ok(_)) => panic!("{name}: not read ({streamed}), but reading it whole was"),
    }
}

/// `text` with the first `from` after `after` replaced by `to`.
fn replace_after(text: &str, after: &str, from: &str, to: &str) -> String {
    let start = text.find(after).unwrap();
    let at = start + text[start..].find(from).unwrap();
    format!("{}{to}{}", &text[..at], &text[at + from.len()..])
}

#[test]
fn the_compact_reader_keeps_what_the_typed_document_held() {
    check("register.json", &acme_register());
}

#[test]
fn a_snapshot_of_an_assessment_is_the_snapshot_of_its_document() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
    let print = riskgraph_engine::rules::discard_print();
    let session = Session::open(&root, None, jiff::civil::date(2026, 11, 1), print)
        .unwrap_or_else(|_| panic!("the bundled dataset opens"));
    let assessment = session.assess(&|_, _| {}).expect("the built-in rules run");
    let register = Register::new(&session, &assessment, assessment.risks.iter().collect());
    let mut written = Vec::new();
    write_json(&mut written, &register).unwrap();
    let document: OwnedDocument = serde_json::from_slice(&written).unwrap();
    assert_same(&Snapshot::of(&register), &document);
}

#[test]
fn malformed_registers_fail_with_the_errors_of_the_whole_text() {
    let written = String::from_utf8(acme_register()).unwrap();
    let text = written.as_str();
    let risks = text.find("\"risks\": [").unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not-json", b"{ \"risks\": [ oops ] }".to_vec()),
        ("empty", Vec::new()),
        ("truncated", text.as_bytes()[..text.len() / 2].to_vec()),
        (
            "score-as-text",
            replace_after(
                text,
                "\"risks\"",
                "\"score\": ",
                "\"score\": \"x\", \"_\": ",
            )
            .into(),
        ),
        (
            "risk-without-owner",
            replace_after(text, "\"risks\"", "\n      \"owner\": ", "\n      \"_\": ").into(),
        ),
        (
            "duplicate-field",
            replace_after(
                text,
                "\"risks\"",
                "\n      \"owner\": ",
                "\n      \"owner\": \"x\",\n      \"owner\": ",
            )
            .into(),
        ),
        (
            "risks-as-object",
            format!("{}\"risks\": {{}}\n}}\n", &text[..risks]).into(),
        ),
        (
            "risks-null",
            format!("{}\"risks\": null\n}}\n", &text[..risks]).into(),
        ),
        (
            "risk-as-number",
            format!("{}\"risks\": [1]\n}}\n", &text[..risks]).into(),
        ),
        ("trailing-characters", format!("{text}x").into()),
        (
            "byte-order-mark",
            [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat(),
        ),
        ("crlf", text.replace('\n', "\r\n").into()),
        (
            "unknown-finding",
            replace_after(text, "\"code\": ", "\"code\": \"", "\"code\": \"no-such-").into(),
        ),
        (
            "version-2",
            text.replacen("\"schema_version\": 1", "\"schema_version\": 2", 1)
                .into(),
        ),
        (
            "partial",
            replace_after(text, "\"summary\"", "\"shown\": ", "\"shown\": 1").into(),
        ),
        (
            "unknown-fields",
            format!(
                "{}\"extra\": {{\"a\": [1, \"é\"]}},\n  {}",
                &text[..risks],
                &text[risks..]
            )
            .into(),
        ),
        // Not UTF-8: in a string that is kept, in one that is skipped, and cut at the end.
        ("not-utf8-kept", {
            let at = risks + text[risks..].find("\"name\": \"").unwrap() + 9;
            [&text.as_bytes()[..at], b"\xff", &text.as_bytes()[at..]].concat()
        }),
        (
            "not-utf8-skipped",
            [
                &text.as_bytes()[..risks],
                b"\"extra\": \"a\xc3\",\n  ",
                &text.as_bytes()[risks..],
            ]
            .concat(),
        ),
        (
            "not-utf8-cut-at-the-end",
            [text.as_bytes(), b"\xe2\x82"].concat(),
        ),
    ];
    for (name, bytes) in cases {
        check(name, &bytes);
    }
    // A directory and a missing file.
    let dir = scratch("a-directory");
    std::fs::create_dir_all(&dir).unwrap();
    for path in [dir, scratch("no-such-file.json")] {
        let streamed = diff::read(&path).map(|_| ()).unwrap_err();
        assert_eq!(Err(streamed.to_string()), read_whole(&path).map(|_| ()));
    }
}

#[test]
fn characters_cut_by_the_read_buffer_are_read_whole() {
    // Two-, three- and four-byte characters over several megabytes, in a skipped field and in
    // kept ones, so that the reader's 1 MiB buffer cuts some of them.
    let written = String::from_utf8(acme_register()).unwrap();
    let risks = written.find("\"risks\": [").unwrap();
    let long = "é€😀".repeat(300_000);
    let text = format!(
        "{}\"extra\": \"{long}\",\n  {}",
        &written[..risks],
        &written[risks..]
    )
    .replace("\"Acme SaaS\"", &format!("\"Acme {long}\""));
    check("long-characters.json", text.as_bytes());
    // And a byte that is not UTF-8 after them.
    let bad = [text.as_bytes(), b"\xff"].concat();
    check("long-characters-then-not-utf8.json", &bad);
}
