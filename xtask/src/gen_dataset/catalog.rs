//! The files that are not nodes or edges: the threat register, vulnerabilities and controls (each
//! in its own module), `incidents.csv` and `riskgraph.toml`.

use std::fmt::Write as _;
use std::fs;
use std::io::Write;
use std::path::Path;

use super::controls::write_controls;
use super::nodes::Inventory;
use super::selector::Counter;
use super::threats::{Breadth, write_threats, write_vulnerabilities};
use super::{Date, Stream, Text, create, finish, rng_for};
use crate::Result;

/// How much of each file was written.
pub struct Written {
    pub threats: usize,
    pub scenarios: u64,
    pub vulnerabilities: usize,
    pub controls: usize,
    pub incidents: usize,
}

pub fn write(inventory: &Inventory, dir: &Path, threats: Breadth, seed: u64) -> Result<Written> {
    let in_scope = Counter::new(
        inventory
            .nodes
            .iter()
            .filter(|n| n.in_scope)
            .map(|n| n.features),
    );
    let nodes = inventory.nodes.len();
    let (threats, scenarios) = write_threats(dir, &in_scope, nodes, threats, seed)?;
    let vulnerabilities = write_vulnerabilities(inventory, dir, &in_scope, seed)?;
    let controls = write_controls(dir, &in_scope, nodes, seed)?;
    let incidents = write_incidents(inventory, dir, seed)?;
    write_manifest(dir, nodes, seed)?;
    Ok(Written {
        threats,
        scenarios,
        vulnerabilities,
        controls,
        incidents,
    })
}

/// Writes `incidents.csv`, a handful of past incidents; returns how many.
fn write_incidents(inventory: &Inventory, dir: &Path, seed: u64) -> Result<usize> {
    const INCIDENTS: [(&str, &str, &str); 6] = [
        (
            "category:cyber-attack",
            "Phishing led to a compromised mailbox, contained in 4 hours",
            "Enforce phishing-resistant MFA, and alert on new inbox rules",
        ),
        (
            "category:service-outage",
            "Cloud region outage, degraded service for 3 hours",
            "Test failover quarterly, and document the manual steps",
        ),
        (
            "category:configuration",
            "Storage bucket briefly public after a change",
            "Block public access at the account level, and review changes to policies",
        ),
        (
            "threat-004",
            "Vendor outage stopped order processing for a day",
            "Keep an exit plan, and a second provider for critical flows",
        ),
        (
            "category:data-integrity",
            "Migration script duplicated ledger entries",
            "Reconcile after every migration, and require a rollback plan",
        ),
        (
            "category:insider",
            "Departed employee kept access to a SaaS tool",
            "Automate offboarding, and review access monthly",
        ),
    ];
    let mut rng = rng_for(seed, Stream::Incidents);
    let mut out = create(dir, "incidents.csv")?;
    writeln!(out, "id,date,threat,affected,severity,summary,lessons")?;
    let count = (3 + inventory.nodes.len() / 200_000).min(10);
    for number in 1..=count {
        let (threat, summary, lessons) = INCIDENTS[(number - 1) % INCIDENTS.len()];
        let mut affected = String::new();
        for _ in 0..rng.usize(1..=3) {
            let node = rng.usize(..inventory.nodes.len());
            if !affected.is_empty() {
                affected.push(';');
            }
            affected.push_str(inventory.id(node).as_str());
        }
        let date = Date::random(&mut rng, 2024..2026);
        let severity = rng.u8(2..=5);
        writeln!(
            out,
            "inc-{number:03},{date},{threat},{affected},{severity},{},{}",
            Text(summary),
            Text(lessons)
        )?;
    }
    finish(out)?;
    Ok(count)
}

fn write_manifest(dir: &Path, nodes: usize, seed: u64) -> Result<()> {
    let mut text = String::new();
    writeln!(
        text,
        "# Synthetic inventory: `cargo xtask gen-dataset --nodes {nodes} --seed {seed}`."
    )?;
    writeln!(text, "[organization]")?;
    writeln!(
        text,
        "name = \"Synthetic Corp ({nodes} nodes, seed {seed})\""
    )?;
    writeln!(text)?;
    writeln!(text, "[scope]")?;
    writeln!(
        text,
        "statement = \"The production platform of Synthetic Corp: its business processes, \
         applications, data, infrastructure, people, sites and vendors.\""
    )?;
    writeln!(
        text,
        "tsc = [\"security\", \"availability\", \"confidentiality\"]"
    )?;
    writeln!(text, "iso27001 = \"2022\"")?;
    writeln!(text)?;
    writeln!(text, "[method]")?;
    writeln!(text, "scale = 5")?;
    writeln!(text, "appetite = \"medium\"")?;
    // Money for `riskgraph simulate`: the likelihood and impact levels in money, and a tolerance
    // curve; processes carry a `loss` (`nodes.rs`).
    writeln!(text)?;
    writeln!(text, "[quant]")?;
    writeln!(text, "currency = \"USD\"")?;
    writeln!(
        text,
        "frequency = {{ 1 = 0.01, 2 = 0.03, 3 = 0.1, 4 = 0.3, 5 = 1 }}"
    )?;
    writeln!(
        text,
        "loss = {{ 1 = \"1k..20k\", 2 = \"10k..100k\", 3 = \"30k..300k\", 4 = \"100k..1M\", 5 = \"300k..5M\" }}"
    )?;
    writeln!(
        text,
        "tolerance = [{{ loss = \"1B\", probability = \"10%\" }}, {{ loss = \"10B\", probability = \"1%\" }}]"
    )?;
    fs::write(dir.join("riskgraph.toml"), text)?;
    Ok(())
}
