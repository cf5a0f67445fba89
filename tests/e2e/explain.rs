//! `riskgraph explain`: what lies behind one risk, and the mistakes a user can make naming it.

use crate::{output, riskgraph};

const SMALL: &str = "tests/data/assess/small";

fn explain(risk: &str) -> (Option<i32>, String, String) {
    let mut command = riskgraph();
    command.args(["explain", SMALL, risk, "--as-of", "2026-11-01"]);
    output(&mut command)
}

#[test]
fn threat_and_fraud_risks() {
    for (name, risk) in [
        ("threat", "T1@db"),
        ("fraud", "fraud@billing"),
        ("vendor", "T2@host"),
    ] {
        let (code, stdout, stderr) = explain(risk);
        assert_eq!(code, Some(0), "{stderr}");
        insta::assert_snapshot!(format!("explain-{name}"), stdout);
    }
}

#[test]
fn unknown_risks_exit_2_with_a_hint() {
    for (risk, message, help) in [
        (
            "T1@app",
            "threat `T1` does not target `app`",
            "its targets are `id:db`",
        ),
        (
            "T9@db",
            "no threat has the id `T9`",
            "did you mean `T1@db`?",
        ),
        (
            "T1@dbb",
            "no asset, process or vendor has the id `dbb`",
            "did you mean `T1@db`?",
        ),
        ("fraud@db", "`db` is not a business process", ""),
        (
            "T1-db",
            "`T1-db` is not a risk id",
            "`<threat-id>@<node-id>`",
        ),
    ] {
        let (code, stdout, stderr) = explain(risk);
        assert_eq!(code, Some(2), "{risk}");
        assert!(stdout.is_empty());
        assert!(stderr.contains(message), "{risk}: {stderr}");
        assert!(stderr.contains(help), "{risk}: {stderr}");
    }
}
