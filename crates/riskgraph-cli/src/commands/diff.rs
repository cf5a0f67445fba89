//! `riskgraph diff OLD.json NEW.json`: what changed between two assessments.

use std::path::PathBuf;

use riskgraph_report::Format;
use riskgraph_report::diff::{compare, read};

use crate::Outcome;
use crate::error::{self, Error};

#[derive(clap::Args)]
pub struct Args {
    /// The earlier register (`riskgraph assess --format json`)
    pub old: PathBuf,
    /// The later register
    pub new: PathBuf,
    /// Output: table (for the terminal), json or md (Markdown)
    #[arg(long, value_parser = super::formats(FORMATS), default_value = "table")]
    pub format: Format,
    /// Exit with 1 when the residual level of any risk rose (a gate for a scheduled job)
    #[arg(long)]
    pub fail_on_increase: bool,
}

/// The formats of a diff.
const FORMATS: &[Format] = &[Format::Table, Format::Json, Format::Md];

pub fn run(args: &Args) -> error::Result {
    let (old, new) = match (read(&args.old), read(&args.new)) {
        (Ok(old), Ok(new)) => (old, new),
        (old, new) => {
            let errors = [old.err(), new.err()]
                .into_iter()
                .flatten()
                .map(|err| err.to_string())
                .collect();
            return Err(Error::Messages(errors));
        }
    };
    let changes = compare(&old, &new);
    let width = super::width(std::io::IsTerminal::is_terminal(&std::io::stdout()));
    let outcome = crate::output::emit(None, |out| {
        riskgraph_report::diff::write(out, args.format, &changes, width)
    })?;
    if !matches!(outcome, Outcome::Success) {
        return Ok(outcome);
    }
    let rose: Vec<&str> = changes.increases().map(|r| r.id).collect();
    let message = format!(
        "fail-on-increase: the residual level of {} risk{} rose",
        rose.len(),
        if rose.len() == 1 { "" } else { "s" }
    );
    Ok(super::gate(args.fail_on_increase, &message, &rose))
}
