//! `riskgraph assess`: the risk register, with the risk matrices, in the format asked for.

use std::io::{IsTerminal, Write};

use riskgraph_engine::assess::groups::{self, GroupBy};
use riskgraph_engine::assess::{Assessment, Only, Risk};
use riskgraph_engine::session::Session;
use riskgraph_model::Inventory;
use riskgraph_report::groups::Grouped;
use riskgraph_report::text::count;

use riskgraph_report::Format;

use crate::Outcome;
use crate::error;
use riskgraph_report::register::{self, Register, Style};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inventory: super::Assessing,
    /// Output: table (for the terminal), json, csv, md (Markdown), xlsx (a workbook, with -o),
    /// html (the full report) or sarif (code scanning: the risks at or above --fail-on, else
    /// above appetite, on their inventory rows)
    #[arg(long, value_parser = super::formats(register::FORMATS), default_value = "table")]
    pub format: Format,
    /// Exit with 1 when any residual risk is at or above this level (a gate for CI)
    #[arg(long, value_name = "LEVEL")]
    pub fail_on: Option<String>,
    /// List only the risks above appetite, or those whose review is overdue
    #[arg(long, value_parser = super::one_of(&Only::ALL, Only::name))]
    pub only: Option<Only>,
    /// List only the N highest risks (table and md list at most 10,000 unless told)
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// One row per threat, category, node-type, owner or vendor: its risks per residual level,
    /// those above appetite and its highest risk (formats table, json, csv, md)
    #[arg(long, value_name = "BY", value_parser = super::one_of(&GroupBy::ALL, GroupBy::name))]
    pub group_by: Option<GroupBy>,
}

pub fn run(args: &Args) -> error::Result {
    if args.format == Format::Xlsx && args.inventory.output.is_none() {
        return Err(super::usage(
            "--format xlsx writes a workbook: give it a file with -o FILE.xlsx",
        ));
    }
    if args.format == Format::Html && (args.only.is_some() || args.top.is_some()) {
        return Err(super::usage(
            "--format html writes the whole report; filter its register in the browser instead of with --only or --top",
        ));
    }
    if args.group_by.is_some() {
        if !riskgraph_report::groups::FORMATS.contains(&args.format) {
            return Err(super::usage("--group-by writes table, json, csv or md"));
        }
        if args.top.is_some() {
            return Err(super::usage(
                "--top lists the highest risks; --group-by lists every group",
            ));
        }
    }
    let loaded = args.inventory.load()?;
    let gate = match &args.fail_on {
        Some(name) => match loaded.inventory().manifest.level_named(name) {
            Ok(level) => Some(level),
            Err(message) => return Err(super::usage(&format!("--fail-on {message}"))),
        },
        None => None,
    };
    let session = args.inventory.open(loaded)?;
    let assessment = run_assessment(&session)?;
    let inventory = session.inventory();

    let keep = |risk: &&Risk| {
        args.only
            .is_none_or(|only| only.keeps(risk, assessment.as_of))
    };
    let to_terminal = args.inventory.output.is_none() && std::io::stdout().is_terminal();
    let written = if let Some(by) = args.group_by {
        let groups = groups::group(&assessment, inventory, by, |risk| keep(&risk));
        let grouped = Grouped {
            inventory,
            assessment: &assessment,
            by,
            groups: &groups,
            risks: assessment.risks.iter().filter(keep).count(),
        };
        let width = super::width(to_terminal);
        crate::output::emit(args.inventory.output.as_deref(), |out| {
            riskgraph_report::groups::write(out, args.format, &grouped, width)
        })?
    } else {
        // Sized first: tens of millions of risks would otherwise take twice the room.
        let mut shown = Vec::with_capacity(assessment.risks.iter().filter(keep).count());
        shown.extend(assessment.risks.iter().filter(keep));
        let mut register = Register::new(&session, &assessment, shown);
        let human = matches!(args.format, Format::Table | Format::Md);
        if let Some(top) = args.top.or(human.then_some(register::HUMAN_TOP)) {
            register.cut_to(top);
        }
        let style = Style {
            width: super::width(to_terminal),
            color: to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
        let working_dir = std::env::current_dir().ok();
        let sarif = riskgraph_report::sarif::Options {
            fail_on: gate,
            working_dir: working_dir.as_deref(),
        };
        crate::output::emit(args.inventory.output.as_deref(), |out| {
            register::write(out, args.format, &register, &session, style, &sarif)
        })?
    };
    if !matches!(written, Outcome::Success) {
        return Ok(written);
    }

    let Some(gate) = gate.filter(|&level| assessment.at_or_above(level) > 0) else {
        return Ok(Outcome::Success);
    };
    let _ = writeln!(
        std::io::stderr(),
        "fail-on: {} with a residual level of {} or above",
        count(assessment.at_or_above(gate), "risk"),
        inventory.manifest.levels[gate].name
    );
    Ok(Outcome::GateTripped)
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
