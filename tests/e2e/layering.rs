//! The crates' layering, read from `cargo metadata`: each crate depends only on the crates below
//! it (model, then engine, then the renderers, then the CLI), and the library crates depend on
//! nothing that draws on a terminal or renders diagnostics, nor the model on the engine's Rhai and
//! petgraph.

use std::collections::BTreeMap;

/// The workspace crates from the bottom layer up.
const LAYERS: [&str; 4] = [
    "riskgraph-model",
    "riskgraph-engine",
    "riskgraph-report",
    "riskgraph-cli",
];

/// Crates that draw on a terminal, render diagnostics or parse command lines: the CLI's business.
const TERMINAL: [&str; 7] = [
    "miette",
    "indicatif",
    "terminal_size",
    "textwrap",
    "clap",
    "clap_complete",
    "owo-colors",
];

/// Each workspace crate's normal (not dev or build) dependencies, by name.
fn dependencies() -> BTreeMap<String, Vec<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| String::from("cargo"));
    let output = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(crate::root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let mut crates = BTreeMap::new();
    for package in metadata["packages"].as_array().expect("a package list") {
        let names = package["dependencies"]
            .as_array()
            .expect("a dependency list")
            .iter()
            .filter(|d| d["kind"].is_null())
            .filter_map(|d| d["name"].as_str().map(str::to_owned))
            .collect();
        let name = package["name"].as_str().expect("a name").to_owned();
        crates.insert(name, names);
    }
    crates
}

#[test]
fn each_crate_depends_only_on_the_crates_below_it() {
    let crates = dependencies();
    for (layer, name) in LAYERS.iter().enumerate() {
        let depends = crates
            .get(*name)
            .unwrap_or_else(|| panic!("no crate {name}"));
        for above in &LAYERS[layer..] {
            assert!(
                !depends.iter().any(|d| d == above),
                "{name} depends on {above}, which is not below it"
            );
        }
    }
}

#[test]
fn the_library_crates_know_nothing_of_the_terminal() {
    let crates = dependencies();
    for name in ["riskgraph-model", "riskgraph-engine", "riskgraph-report"] {
        for dependency in &crates[name] {
            assert!(
                !TERMINAL.contains(&dependency.as_str()),
                "{name} depends on {dependency}, a terminal crate"
            );
        }
    }
    for dependency in &crates["riskgraph-model"] {
        assert!(
            !["rhai", "petgraph"].contains(&dependency.as_str()),
            "the model depends on {dependency}: scripting and graphs are the engine's"
        );
    }
}
