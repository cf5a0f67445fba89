//! `riskgraph coverage`: the assessment read through SOC 2 and ISO 27001, with the gaps of each.

use crate::Outcome;
use crate::error;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub report: super::SheetArgs,
    /// Exit with 1 when an in-scope SOC 2 criterion is a gap (no implemented or partial control)
    #[arg(long)]
    pub fail_on_gap: bool,
}

pub fn run(args: &Args) -> error::Result {
    let (session, assessment) = args.report.assess()?;
    let inventory = session.inventory();
    let coverage = session.coverage(&assessment);
    let width = args.report.inventory.width();
    let format = args.report.format;
    let outcome = crate::output::emit(args.report.inventory.output.as_deref(), |out| {
        riskgraph_report::coverage::write(out, format, inventory, &assessment, &coverage, width)
    })?;
    if !matches!(outcome, Outcome::Success) {
        return Ok(outcome);
    }
    let gaps: Vec<&str> = coverage.gaps().map(|r| r.id.as_str()).collect();
    let message = format!(
        "fail-on-gap: {} in-scope SOC 2 criteri{} with no running control",
        gaps.len(),
        if gaps.len() == 1 { "on" } else { "a" }
    );
    Ok(super::gate(args.fail_on_gap, &message, &gaps))
}
