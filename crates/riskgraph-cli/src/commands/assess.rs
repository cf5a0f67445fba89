//! `riskgraph assess`: the risk register, with the risk matrices, in the format asked for.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::ValueEnum;
use riskgraph_engine::assess::Assessment;
use riskgraph_engine::session::Session;
use riskgraph_model::Inventory;

use riskgraph_report::Format;

use super::today;
use crate::Outcome;
use crate::error;
use riskgraph_report::register::{self, Register, Style};

#[derive(clap::Args)]
pub struct Args {
    /// The inventory: a folder of CSV files, or a workbook (.xlsx)
    pub path: PathBuf,
    /// Output: table (for the terminal), json, csv, md (Markdown), xlsx (a workbook, with -o),
    /// html (the full report) or sarif (code scanning: the risks at or above --fail-on, else
    /// above appetite, on their inventory rows)
    #[arg(long, value_parser = super::formats(register::FORMATS), default_value = "table")]
    pub format: Format,
    /// Write to FILE instead of the standard output (all or nothing: a temporary file is
    /// renamed once complete)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The rules folder (default: the manifest's `[method] rules`, else the built-in rules)
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// The date of the assessment, for incidents, due dates and reviews (default: today, UTC)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<jiff::civil::Date>,
    /// Worker threads (default: one per core); the output does not depend on it
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Exit with 1 when any residual risk is at or above this level (a gate for CI)
    #[arg(long, value_name = "LEVEL")]
    pub fail_on: Option<String>,
    /// List only the risks above appetite, or those whose review is overdue
    #[arg(long, value_enum)]
    pub only: Option<Only>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Only {
    AboveAppetite,
    Overdue,
}

pub fn run(args: &Args) -> error::Result {
    if args.format == Format::Xlsx && args.output.is_none() {
        return Err(super::usage(
            "--format xlsx writes a workbook: give it a file with -o FILE.xlsx",
        ));
    }
    if args.format == Format::Html && args.only.is_some() {
        return Err(super::usage(
            "--format html writes the whole report; filter its register in the browser instead of with --only",
        ));
    }
    super::use_threads(args.threads);
    let loaded = super::load(&args.path)?;
    let gate = match &args.fail_on {
        Some(name) => match loaded.inventory().manifest.level_named(name) {
            Ok(level) => Some(level),
            Err(message) => return Err(super::usage(&format!("--fail-on {message}"))),
        },
        None => None,
    };
    let as_of = args.as_of.unwrap_or_else(today);
    let session = super::open(loaded, &args.path, args.rules.as_deref(), as_of)?;
    let assessment = run_assessment(&session)?;
    let inventory = session.inventory();

    let shown = assessment
        .risks
        .iter()
        .filter(|risk| match args.only {
            None => true,
            Some(Only::AboveAppetite) => !risk.within_appetite,
            Some(Only::Overdue) => risk.review_overdue(assessment.as_of),
        })
        .collect();
    let register = Register::new(&session, &assessment, shown);
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let style = Style {
        width: super::width(to_terminal),
        color: to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let working_dir = std::env::current_dir().ok();
    let sarif = riskgraph_report::sarif::Options {
        fail_on: gate,
        working_dir: working_dir.as_deref(),
    };
    let written = crate::output::emit(args.output.as_deref(), |out| {
        register::write(out, args.format, &register, &session, style, &sarif)
    })?;
    if !matches!(written, Outcome::Success) {
        return Ok(written);
    }

    if let Some(gate) = gate {
        let tripped = assessment
            .risks
            .iter()
            .filter(|risk| risk.residual.level >= gate)
            .count();
        if tripped > 0 {
            let level = &inventory.manifest.levels[gate].name;
            let s = if tripped == 1 { "" } else { "s" };
            let _ = writeln!(
                std::io::stderr(),
                "fail-on: {tripped} risk{s} with a residual level of {level} or above"
            );
            return Ok(Outcome::GateTripped);
        }
    }
    Ok(Outcome::Success)
}

/// Runs the session's assessment, with a progress bar on a terminal when the work is large.
pub fn run_assessment(session: &Session) -> error::Result<Assessment> {
    let bar = progress_bar(session.inventory());
    let progress = |done: u64, total: u64| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.inc(done);
        }
    };
    let result = session.assess(&progress);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    Ok(result?)
}

/// A progress bar on stderr for an inventory large enough to take a while, when stderr is a
/// terminal.
fn progress_bar(inventory: &Inventory) -> Option<indicatif::ProgressBar> {
    const LARGE: usize = 20_000;
    if inventory.nodes.len() < LARGE || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "scoring {bar:40} {human_pos}/{human_len} scenarios, {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}
