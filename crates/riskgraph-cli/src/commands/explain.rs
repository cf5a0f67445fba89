//! `riskgraph explain`: every input and rule result behind one risk's scores.

use std::path::PathBuf;

use super::{parse_date, today};
use crate::error::{self, Error};

#[derive(clap::Args)]
pub struct Args {
    /// The inventory: a folder of CSV files, or a workbook (.xlsx)
    pub path: PathBuf,
    /// The risk: `<threat-id>@<node-id>`, or `fraud@<process-id>`
    pub risk: String,
    /// Write to FILE instead of the standard output (all or nothing: a temporary file is
    /// renamed once complete)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The rules folder (default: the manifest's `[method] rules`, else the built-in rules)
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// The date of the assessment (default: today, UTC)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub as_of: Option<jiff::civil::Date>,
}

pub fn run(args: &Args) -> error::Result {
    let loaded = super::load(&args.path)?;
    let (source, node) = loaded.find(&args.risk).map_err(|unknown| Error::Message {
        message: unknown.to_string(),
        help: unknown.help.clone(),
    })?;
    let as_of = args.as_of.unwrap_or_else(today);
    let session = super::open(loaded, &args.path, args.rules.as_deref(), as_of)?;
    let explanation = session.explain(source, node)?;
    let origins = riskgraph_report::explain::rules_named(session.rules());
    let text = riskgraph_report::explain::render(
        session.inventory(),
        &explanation,
        session.as_of(),
        &origins,
    );
    crate::output::emit(args.output.as_deref(), |out| out.write_all(text.as_bytes()))
}
