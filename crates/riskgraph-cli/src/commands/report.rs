//! `riskgraph report DIR -o report.html`: the assessment as one self-contained HTML file for
//! management and auditors (also `riskgraph assess --format html`).

use std::path::PathBuf;

use riskgraph_report::diff;
use riskgraph_report::register::Register;

use crate::error::{self, Error};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inventory: super::Assessing,
    /// An earlier register (`assess --format json`), to show what changed since
    #[arg(long, value_name = "OLD.json")]
    pub previous: Option<PathBuf>,
}

pub fn run(args: &Args) -> error::Result {
    let previous = match args.previous.as_deref().map(diff::read).transpose() {
        Ok(previous) => previous,
        Err(err) => return Err(Error::message(err.to_string())),
    };
    let (session, assessment) = args.inventory.assess()?;
    let register = Register::new(&session, &assessment, assessment.risks.iter().collect());
    let page = riskgraph_report::html::build(&register, &session, previous.as_ref());
    crate::output::emit(args.inventory.output.as_deref(), |out| {
        out.write_all(page.as_bytes())
    })
}
