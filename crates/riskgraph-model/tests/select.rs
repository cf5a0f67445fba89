//! Selecting with the node index gives exactly the nodes a selector matches, one by one.

use riskgraph_model::selector::{NodeIndex, Selector};

#[test]
fn indexed_selection_equals_matching_every_node() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
    let loaded = riskgraph_model::load(&root);
    let inventory = loaded.inventory;
    let index = NodeIndex::new(&inventory);
    // The lists loading built to check its selectors select the same.
    let kept = loaded
        .node_lists
        .expect("loading checks the selectors with node lists");
    let kept = NodeIndex::over(&inventory, &kept);
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
        assert_eq!(selector.select(&kept), expected, "{selector}");
    }
}

/// Every selector cell that matches no node gets a warning, in file and line order, and one
/// that matches through an id, a tag or a type does not.
#[test]
fn selectors_matching_nothing_are_warned_in_file_order() {
    let loaded = riskgraph_model::load_sources(vec![
        riskgraph_model::Source::new(
            "assets.csv",
            "id,name,type,tags\napp,App,software,web\ndb,Database,data,\n",
        ),
        riskgraph_model::Source::new(
            "threats.csv",
            "id,name,category,targets,likelihood\n\
             T1,One,cyber-attack,tag:mobile,3\n\
             T2,Two,cyber-attack,tag:WEB,3\n\
             T3,Three,cyber-attack,type:hardware; tag:none,3\n\
             T4,Four,cyber-attack,id:db,3\n",
        ),
        riskgraph_model::Source::new(
            "controls.csv",
            "id,name,status,applies_to\n\
             C1,One,implemented,tag:web&type:data\n\
             C2,Two,implemented,type:software\n\
             C3,Three,implemented,tag:mobile\n",
        ),
    ]);
    let warnings: Vec<(String, u64, String)> = loaded
        .diagnostics
        .items
        .iter()
        .filter(|d| d.code == "selects-nothing")
        .map(|d| {
            let file = &loaded.diagnostics.files[d.location.file.unwrap() as usize];
            (
                file.path.clone(),
                d.location.line.unwrap(),
                d.value.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        warnings,
        [
            ("threats.csv".to_owned(), 2, "tag:mobile".to_owned()),
            (
                "threats.csv".to_owned(),
                4,
                "type:hardware; tag:none".to_owned()
            ),
            ("controls.csv".to_owned(), 2, "tag:web&type:data".to_owned()),
            ("controls.csv".to_owned(), 4, "tag:mobile".to_owned()),
        ]
    );
}

/// Loading for use leaves out only the warnings of selectors matching nothing: the inventory,
/// the node lists, the errors and the other warnings are those of a full load.
#[test]
fn loading_for_use_skips_only_the_selectors_matching_nothing() {
    let dir = std::env::temp_dir().join(format!("riskgraph-load-for-use-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files = [
        (
            "assets.csv",
            "id,name,type,tags\napp,App,software,web\ndb,Database,data,\n",
        ),
        (
            "threats.csv",
            "id,name,category,targets,likelihood\n\
             T1,One,cyber-attack,tag:mobile,3\n\
             T2,Two,cyber-attack,tag:web,3\n",
        ),
        (
            "dependencies.csv",
            "from,to,kind\napp,db,stores-data-in\napp,db,uses\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let full = riskgraph_model::load(&dir);
    let quiet = riskgraph_model::load_for_use(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    let codes = |loaded: &riskgraph_model::Loaded| -> Vec<&'static str> {
        loaded.diagnostics.items.iter().map(|d| d.code).collect()
    };
    assert!(codes(&full).contains(&"selects-nothing"));
    let without: Vec<&str> = codes(&full)
        .into_iter()
        .filter(|&code| code != "selects-nothing")
        .collect();
    assert_eq!(codes(&quiet), without);
    assert_eq!(
        format!("{:?}", quiet.inventory.threats),
        format!("{:?}", full.inventory.threats)
    );
    assert_eq!(quiet.inventory.nodes.len(), 2);
    assert!(quiet.node_lists.is_some());
}
