//! `riskgraph report DIR -o report.html`: the assessment as one self-contained HTML file for
//! management and auditors (also `riskgraph assess --format html`).

use std::path::PathBuf;

use riskgraph_report::diff;
use riskgraph_report::register::Register;

use crate::error::{self, Error};

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
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<jiff::civil::Date>,
    /// Worker threads (default: one per core); the output does not depend on it
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

pub fn run(args: &Args) -> error::Result {
    super::use_threads(args.threads);
    let previous = match args.previous.as_deref().map(diff::read).transpose() {
        Ok(previous) => previous,
        Err(err) => return Err(Error::message(err.to_string())),
    };
    let as_of = args.as_of.unwrap_or_else(super::today);
    let session = super::load_and_open(&args.path, args.rules.as_deref(), as_of)?;
    let assessment = super::assess::run_assessment(&session)?;
    let register = Register::new(&session, &assessment, assessment.risks.iter().collect());
    let page = riskgraph_report::html::build(&register, &session, previous.as_ref());
    crate::output::emit(args.output.as_deref(), |out| out.write_all(page.as_bytes()))
}
