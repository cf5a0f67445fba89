//! One module per command: an `Args` struct and a `run` function.

pub mod assess;
pub mod blast_radius;
pub mod catalog;
pub mod completions;
pub mod coverage;
pub mod diff;
pub mod explain;
pub mod export;
pub mod init;
pub mod report;
pub mod rules;
pub mod schema;
pub mod simulate;
pub mod soa;
pub mod validate;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use riskgraph_engine::assess::Assessment;
use riskgraph_engine::session::{self, Session};
use riskgraph_report::Format;

use crate::error::{Error, Result};

/// Runs the parallel work on `threads` worker threads, or one per core when `None`.
pub fn use_threads(threads: Option<usize>) {
    if let Some(threads) = threads {
        // Only fails when a pool exists already, which cannot happen before the first command.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build_global();
    }
}

/// After the output is written: exit 1 with `message` and the ids that tripped a gate the user
/// asked for (`--fail-on-gap`, `--fail-on-increase`), else success.
pub fn gate(asked: bool, message: &str, ids: &[&str]) -> crate::Outcome {
    if !asked || ids.is_empty() {
        return crate::Outcome::Success;
    }
    let _ = writeln!(std::io::stderr(), "{message}: {}", ids.join(", "));
    crate::Outcome::GateTripped
}

/// A usage error (exit 2).
pub fn usage(message: &str) -> Error {
    Error::message(message)
}

/// The outputs of `coverage` and `soa`.
pub const SHEET_FORMATS: &[Format] = &[
    Format::Table,
    Format::Json,
    Format::Csv,
    Format::Md,
    Format::Xlsx,
];

/// A `--format` parser that takes the formats in `allowed` only (clap lists them in help, errors
/// and completions).
pub fn formats(allowed: &'static [Format]) -> impl clap::builder::TypedValueParser<Value = Format> {
    one_of(allowed, Format::name)
}

/// A parser that takes one of `allowed` by its `name`.
pub fn one_of<T: Copy + Send + Sync + 'static>(
    allowed: &'static [T],
    name: fn(T) -> &'static str,
) -> impl clap::builder::TypedValueParser<Value = T> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(allowed.iter().map(move |&t| name(t))).map(
        move |chosen| {
            allowed
                .iter()
                .copied()
                .find(|&t| name(t) == chosen)
                .unwrap_or(allowed[0])
        },
    )
}

/// The arguments of every command that assesses an inventory: what to assess, how, and where
/// the output goes.
#[derive(clap::Args)]
pub struct Assessing {
    /// The inventory: a folder of CSV files, or a workbook (.xlsx)
    pub path: PathBuf,
    /// Write to FILE instead of the standard output (all or nothing: a temporary file is
    /// renamed once complete)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The rules folder (default: the manifest's `[method] rules`, else the built-in rules)
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// The date of the assessment, for incidents, due dates and reviews (default: today, UTC)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub as_of: Option<jiff::civil::Date>,
    /// Worker threads (default: one per core); the output does not depend on it
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

impl Assessing {
    /// Reads and checks the inventory, on the threads asked for.
    pub fn load(&self) -> Result<session::Loaded> {
        use_threads(self.threads);
        Session::load(&self.path).map_err(|error| Error::open(&self.path, error))
    }

    /// Opens `loaded` (this inventory) with its rules at the assessment date.
    pub fn open(&self, loaded: session::Loaded) -> Result<Session> {
        let as_of = self.as_of.unwrap_or_else(today);
        loaded
            .open(self.rules.as_deref(), as_of, print_to_stderr())
            .map_err(|error| Error::open(&self.path, error))
    }

    /// Opens the inventory's session and runs the assessment.
    pub fn assess(&self) -> Result<(Session, Assessment)> {
        let session = self.open(self.load()?)?;
        let assessment = assess::run_assessment(&session)?;
        Ok((session, assessment))
    }

    /// Characters per line for a table on the standard output.
    pub fn width(&self) -> usize {
        width(self.output.is_none() && std::io::stdout().is_terminal())
    }
}

/// The arguments of `coverage` and `soa`.
#[derive(clap::Args)]
pub struct SheetArgs {
    #[command(flatten)]
    pub inventory: Assessing,
    /// Output: table (for the terminal), json, csv, md (Markdown) or xlsx (a workbook, with -o)
    #[arg(long, value_parser = formats(SHEET_FORMATS), default_value = "table")]
    pub format: Format,
}

impl SheetArgs {
    /// Opens the inventory's session and runs the assessment.
    pub fn assess(&self) -> Result<(Session, Assessment)> {
        if self.format == Format::Xlsx && self.inventory.output.is_none() {
            return Err(usage(
                "--format xlsx writes a workbook: give it a file with -o FILE.xlsx",
            ));
        }
        self.inventory.assess()
    }
}

/// Reads a `--as-of` date.
pub fn parse_date(text: &str) -> std::result::Result<jiff::civil::Date, String> {
    riskgraph_model::values::Date::parse(text)
        .map(riskgraph_model::values::Date::civil)
        .map_err(|err| match err.help {
            Some(help) => format!("{}; {help}", err.message),
            None => err.message,
        })
}

/// Today in UTC: the default `--as-of`.
pub fn today() -> jiff::civil::Date {
    jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

/// Characters per line for the table: the terminal's width, else `COLUMNS`, else 120.
pub fn width(to_terminal: bool) -> usize {
    if to_terminal && let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size() {
        return usize::from(w);
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&c: &usize| c >= 40)
        .unwrap_or(120)
}

/// A warning on stderr, after `warning: `.
pub fn warn(message: &str) {
    let _ = writeln!(std::io::stderr(), "warning: {message}");
}

/// What rules scripts print, on stderr, each line after `rules: `, never in a command's output.
pub fn print_to_stderr() -> riskgraph_engine::rules::PrintSink {
    std::sync::Arc::new(|text| {
        let _ = writeln!(std::io::stderr(), "rules: {text}");
    })
}
