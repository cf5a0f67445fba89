//! A session builds the indexes of its inventory once and hands them to every step; what it
//! answers is what the free functions, which build their own for each call, answer.

use std::path::Path;

use riskgraph_engine::assess::{Settings, assess, explain, find};
use riskgraph_engine::compliance::{coverage, statement_of_applicability};
use riskgraph_engine::exposure::NodeFacts;
use riskgraph_engine::propagation::Limits;
use riskgraph_engine::session::Session;
use riskgraph_model::selector::NodeIndex;

#[test]
fn a_session_answers_as_the_free_functions_do() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
    let as_of = jiff::civil::date(2026, 11, 1);
    let print = riskgraph_engine::rules::discard_print();
    let session = Session::open(&root, None, as_of, print).expect("the bundled dataset opens");
    let inventory = session.inventory();
    let settings = Settings {
        as_of,
        limits: Limits::default(),
    };
    let facts = session.facts();

    let assessment = session.assess(&|_, _| {}).unwrap();
    let alone = assess(
        inventory,
        session.graph(),
        session.rules(),
        settings,
        &|_, _| {},
    )
    .unwrap();
    assert_eq!(assessment, alone);
    assert!(assessment.risks.len() > 200);
    // The assessment used the facts the session had built, and kept them.
    assert!(std::ptr::eq(facts, session.facts()));
    assert_eq!(facts.value, NodeFacts::new(inventory).value);

    let compliance = session.compliance(&assessment);
    assert_eq!(compliance.coverage(), coverage(inventory, &assessment));
    assert_eq!(
        compliance.statement_of_applicability(),
        statement_of_applicability(inventory, &assessment)
    );

    for risk in assessment.risks.iter().step_by(17) {
        let (source, node) = find(inventory, &risk.id(inventory)).unwrap();
        let ours = session.explain(source, node).unwrap();
        let theirs = explain(
            inventory,
            session.graph(),
            session.rules(),
            settings,
            source,
            node,
        )
        .unwrap();
        let mine = ours.risk();
        assert_eq!(
            (mine.source, mine.node, mine.inherent(), mine.residual()),
            (risk.source, risk.node, risk.inherent(), risk.residual())
        );
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
    }

    let built = NodeIndex::new(inventory);
    for threat in &inventory.threats {
        assert_eq!(
            threat.targets.select(&session.node_index()),
            threat.targets.select(&built),
            "{}",
            threat.targets
        );
    }
}
