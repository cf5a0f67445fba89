//! `riskgraph report DIR -o report.html`: the assessment as one self-contained HTML file for
//! management and auditors (also `riskgraph assess --format html`).

use std::path::PathBuf;

use riskgraph_engine::compliance::{coverage, statement_of_applicability};
use riskgraph_engine::exposure::{Exposure, NodeFacts, Workspace};
use riskgraph_engine::propagation::{ImpactGraph, Limits};
use riskgraph_engine::rank::rank_vendors;
use riskgraph_model::values::Property;

use crate::Outcome;
use crate::diff;
use crate::register::{self, Register};
use crate::report::{Report, html};

#[derive(clap::Args)]
pub struct Args {
    /// The inventory: a folder of CSV files, or a workbook (.xlsx)
    pub path: PathBuf,
    /// Write to FILE (all or nothing) instead of the standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// An earlier register (`assess --format json`), to show what changed since
    #[arg(long, value_name = "OLD.json")]
    pub previous: Option<PathBuf>,
    /// The rules folder (default: the manifest's `[method] rules`, else the built-in rules)
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// The date of the assessment (default: today, UTC)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::assess::parse_date)]
    pub as_of: Option<jiff::civil::Date>,
    /// Worker threads (default: one per core); the output does not depend on it
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// How many vendors the supply chain section shows.
const TOP_VENDORS: usize = 10;

pub fn run(args: &Args) -> Outcome {
    super::use_threads(args.threads);
    let previous = match args.previous.as_deref().map(diff::read).transpose() {
        Ok(previous) => previous,
        Err(message) => return super::usage(&message),
    };
    let Some((inventory, inputs)) = super::load_valid_with_inputs(&args.path) else {
        return Outcome::Invalid;
    };
    let Some(rules) = super::load_rules(&args.path, &inventory, args.rules.as_deref()) else {
        return Outcome::Invalid;
    };
    let as_of = args.as_of.unwrap_or_else(super::assess::today);
    let Some(graph) = super::impact_graph(&inventory, &rules) else {
        return Outcome::Invalid;
    };
    let Some(assessment) = super::assess::run_assessment(&inventory, &graph, &rules, as_of) else {
        return Outcome::Invalid;
    };
    let register = Register {
        inventory: &inventory,
        assessment: &assessment,
        shown: assessment.risks.iter().collect(),
        inputs: super::assess::input_checksums(&args.path, &inputs),
        rules: super::assess::rule_checksums(&rules),
    };
    let page = build(&register, &graph, previous.as_ref());
    super::assess::emit(args.output.as_deref(), |out| out.write_all(page.as_bytes()))
}

/// The report of `register`, assessed over `graph`, as HTML, with the changes since `previous`
/// when given.
pub fn build(
    register: &Register<'_>,
    graph: &ImpactGraph,
    previous: Option<&diff::Document>,
) -> String {
    let inventory = register.inventory;
    let coverage = coverage(inventory, register.assessment);
    let soa = statement_of_applicability(inventory, register.assessment);

    let facts = NodeFacts::new(inventory);
    let limits = Limits::default();
    let ranks = rank_vendors(inventory, graph, &facts, &Property::ALL, limits);
    let mut workspace = Workspace::new(inventory.nodes.len());
    let vendors: Vec<_> = ranks
        .into_iter()
        .take(TOP_VENDORS)
        .map(|rank| {
            let exposure = Exposure::compute(
                graph,
                &mut workspace,
                &[rank.vendor],
                &Property::ALL,
                limits,
            );
            (rank, exposure)
        })
        .collect();

    // The changes compare registers as documents: this one, written and read back.
    let current = previous.map(|_| {
        let mut json = Vec::new();
        register::write_json(&mut json, register).expect("writing to memory cannot fail");
        serde_json::from_slice::<diff::Document>(&json).expect("a register reads back")
    });
    let changes = previous
        .zip(current.as_ref())
        .map(|(old, new)| diff::compare(old, new));
    html(&Report {
        register,
        coverage: &coverage,
        soa: &soa,
        vendors: &vendors,
        changes: changes.as_ref(),
    })
}
