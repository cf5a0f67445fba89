//! `riskgraph explain`: every input and rule result behind one risk's scores.

use std::io::Write as _;
use std::path::PathBuf;

use super::{parse_date, today};
use crate::Outcome;

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

pub fn run(args: &Args) -> Outcome {
    let Some(loaded) = super::load(&args.path) else {
        return Outcome::Invalid;
    };
    let (source, node) = match loaded.find(&args.risk) {
        Ok(found) => found,
        Err(unknown) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {unknown}");
            if let Some(help) = &unknown.help {
                let _ = writeln!(stderr, "help: {help}");
            }
            return Outcome::Invalid;
        }
    };
    let as_of = args.as_of.unwrap_or_else(today);
    let Some(session) = super::open(loaded, &args.path, args.rules.as_deref(), as_of) else {
        return Outcome::Invalid;
    };
    let explanation = match session.explain(source, node) {
        Ok(explanation) => explanation,
        Err(error) => {
            super::print_rule_errors(&[error]);
            return Outcome::Invalid;
        }
    };
    let origins: Vec<String> = session
        .rules()
        .origins()
        .map(|(file, origin)| {
            if origin.starts_with("built-in") {
                format!("{file} (built-in)")
            } else {
                origin.to_owned()
            }
        })
        .collect();
    let text = riskgraph_report::explain::render(
        session.inventory(),
        &explanation,
        session.as_of(),
        &origins,
    );
    crate::output::emit(args.output.as_deref(), |out| out.write_all(text.as_bytes()))
}
