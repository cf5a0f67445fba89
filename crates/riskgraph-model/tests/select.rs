//! Selecting with the node index gives exactly the nodes a selector matches, one by one.

use riskgraph_model::selector::{NodeIndex, Selector};

#[test]
fn indexed_selection_equals_matching_every_node() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
    let inventory = riskgraph_model::load(&root).inventory;
    let index = NodeIndex::new(&inventory);
    let mut selectors: Vec<&Selector> = Vec::new();
    selectors.extend(inventory.threats.iter().map(|t| &t.targets));
    selectors.extend(inventory.vulnerabilities.iter().map(|v| &v.targets));
    selectors.extend(inventory.controls.iter().map(|c| &c.applies_to));
    selectors.extend(
        inventory
            .obligations
            .iter()
            .filter_map(|o| o.applies_to.as_ref()),
    );
    selectors.extend(
        inventory
            .commitments
            .iter()
            .filter_map(|c| c.covers.as_ref()),
    );
    let extra: Vec<Selector> = [
        "*",
        "kind:vendor",
        "type:data&classification:restricted",
        "tag:PCI; kind:process",
        "okta|aws|id:stripe",
        "kind:asset&tag:internet-facing&env:cloud",
        "type:software; type:software&tag:internet-facing",
        "tag:no-such-tag",
    ]
    .iter()
    .map(|text| Selector::parse(text).unwrap())
    .collect();
    selectors.extend(extra.iter());
    assert!(selectors.len() > 100);
    for selector in selectors {
        let expected: Vec<u32> = (0..inventory.nodes.len() as u32)
            .filter(|&i| selector.matches(inventory.node(i)))
            .collect();
        assert_eq!(selector.select(&index), expected, "{selector}");
    }
}
