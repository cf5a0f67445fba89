//! `riskgraph report DIR -o report.html`: the assessment as one self-contained HTML file for
//! management and auditors (also `riskgraph assess --format html`).

use std::path::PathBuf;

use riskgraph_engine::propagation::Limits;
use riskgraph_engine::session::Session;
use riskgraph_model::values::Property;

use crate::Outcome;
use riskgraph_report::diff;
use riskgraph_report::html::{Report, html};
use riskgraph_report::register::{self, Register};

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
    let as_of = args.as_of.unwrap_or_else(super::assess::today);
    let Some(session) = super::load_and_open(&args.path, args.rules.as_deref(), as_of) else {
        return Outcome::Invalid;
    };
    let Some(assessment) = super::assess::run_assessment(&session) else {
        return Outcome::Invalid;
    };
    let register = Register {
        inventory: session.inventory(),
        assessment: &assessment,
        shown: assessment.risks.iter().collect(),
        inputs: session.input_checksums(),
        rules: session.rule_checksums(),
    };
    let page = build(&register, &session, previous.as_ref());
    super::assess::emit(args.output.as_deref(), |out| out.write_all(page.as_bytes()))
}

/// The report of `register`, assessed in `session`, as HTML, with the changes since `previous`
/// when given.
pub fn build(
    register: &Register<'_>,
    session: &Session,
    previous: Option<&diff::Document>,
) -> String {
    let coverage = session.coverage(register.assessment);
    let soa = session.statement_of_applicability(register.assessment);

    let limits = Limits::default();
    let mut ranks = session.rank_vendors(&Property::ALL, limits);
    ranks.truncate(TOP_VENDORS);
    let origins: Vec<_> = ranks.iter().map(|rank| rank.vendor).collect();
    let exposures = session.exposures(&origins, &Property::ALL, limits);
    let vendors: Vec<_> = ranks.into_iter().zip(exposures).collect();

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
