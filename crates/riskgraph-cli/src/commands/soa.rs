//! `riskgraph soa`: the ISO 27001 Statement of Applicability.

use crate::error;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub report: super::SheetArgs,
}

pub fn run(args: &Args) -> error::Result {
    let (session, assessment) = args.report.assess()?;
    let inventory = session.inventory();
    let entries = session.statement_of_applicability(&assessment);
    let (format, width) = (args.report.format, args.report.inventory.width());
    crate::output::emit(args.report.inventory.output.as_deref(), |out| {
        riskgraph_report::soa::write(out, format, inventory, &assessment, &entries, width)
    })
}
