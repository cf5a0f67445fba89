//! `riskgraph simulate`: annual loss in money, by Monte Carlo simulation of the years ahead.

use std::io::Write;

use riskgraph_engine::simulate::SimulateError;
use riskgraph_report::Format;
use riskgraph_report::simulate::{FORMATS, Report};

use crate::Outcome;
use crate::error::{self, Error};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inventory: super::Assessing,
    /// Simulated years (default: `[quant] years`, else 100,000)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=riskgraph_model::quant::MAX_YEARS))]
    pub years: Option<u64>,
    /// The seed of the random streams (default: `[quant] seed`, else 1)
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Output: table (for the terminal), json, csv, md (Markdown) or xlsx (a workbook, with -o)
    #[arg(long, value_parser = super::formats(FORMATS), default_value = "table")]
    pub format: Format,
    /// Exit with 1 when the residual loss exceedance curve crosses the tolerance curve
    #[arg(long)]
    pub fail_on_tolerance: bool,
}

pub fn run(args: &Args) -> error::Result {
    if args.format == Format::Xlsx && args.inventory.output.is_none() {
        return Err(super::usage(
            "--format xlsx writes a workbook: give it a file with -o FILE.xlsx",
        ));
    }
    let session = args.inventory.open(args.inventory.load()?)?;
    let quant = &session.inventory().manifest.quant;
    let years = args.years.unwrap_or(quant.years);
    let simulation = session
        .simulate(years, args.seed.unwrap_or(quant.seed))
        .map_err(|error| match error {
            SimulateError::NoMoneyData => Error::with_help(
                format!("nothing in {} is in money", args.inventory.path.display()),
                "fill in `frequency` and `loss` in threats.csv, `loss` in assets.csv, processes.csv \
                 or vendors.csv, `cost` in controls.csv, or add a `[quant]` table to riskgraph.toml \
                 (its defaults put likelihood and impact in money)",
            ),
            SimulateError::Rule(error) => error.into(),
            too_many @ SimulateError::TooManyEvents { .. } => Error::with_help(
                too_many.to_string(),
                "lower the risk's frequency, or simulate fewer years with --years",
            ),
        })?;
    let report = Report {
        inventory: session.inventory(),
        simulation: &simulation,
        as_of: session.as_of(),
        inputs: session.input_checksums(),
        rules: session.all_rule_checksums(),
    };
    let width = args.inventory.width();
    let written = crate::output::emit(args.inventory.output.as_deref(), |out| {
        riskgraph_report::simulate::write(out, args.format, &report, width)
    })?;
    if !matches!(written, Outcome::Success) || !args.fail_on_tolerance {
        return Ok(written);
    }
    if !simulation.crosses_tolerance() {
        return Ok(Outcome::Success);
    }
    let _ = writeln!(
        std::io::stderr(),
        "fail-on-tolerance: the residual loss exceedance curve crosses the tolerance curve"
    );
    Ok(Outcome::GateTripped)
}
