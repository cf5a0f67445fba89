//! `riskgraph assess`: the risk register, with the risk matrices, in the format asked for.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use riskgraph_engine::assess::Assessment;
use riskgraph_engine::session::Session;
use riskgraph_model::Inventory;
use riskgraph_model::values::closest;

use crate::Outcome;
use riskgraph_report::register::{self, Register, Style};

#[derive(clap::Args)]
pub struct Args {
    /// The inventory: a folder of CSV files, or a workbook (.xlsx)
    pub path: PathBuf,
    /// Output: table (for the terminal), json, csv, md (Markdown), xlsx (a workbook, with -o) or
    /// html (the full report)
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
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
    /// Exit with 1 when any residual risk is at or above this level (a gate for CI)
    #[arg(long, value_name = "LEVEL")]
    pub fail_on: Option<String>,
    /// List only the risks above appetite, or those whose review is overdue
    #[arg(long, value_enum)]
    pub only: Option<Only>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Md,
    /// An Excel workbook (needs `-o FILE`)
    Xlsx,
    /// The full HTML report, as `riskgraph report`
    Html,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Only {
    AboveAppetite,
    Overdue,
}

pub fn parse_date(text: &str) -> Result<jiff::civil::Date, String> {
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

pub fn run(args: &Args) -> Outcome {
    if args.format == Format::Xlsx && args.output.is_none() {
        return super::usage("--format xlsx writes a workbook: give it a file with -o FILE.xlsx");
    }
    if args.format == Format::Html && args.only.is_some() {
        return super::usage(
            "--format html writes the whole report; filter its register in the browser instead of with --only",
        );
    }
    super::use_threads(args.threads);
    let Some(loaded) = super::load(&args.path) else {
        return Outcome::Invalid;
    };
    let gate = match &args.fail_on {
        Some(name) => match gate_level(loaded.inventory(), name) {
            Ok(level) => Some(level),
            Err(message) => return super::usage(&message),
        },
        None => None,
    };
    let as_of = args.as_of.unwrap_or_else(today);
    let Some(session) = super::open(loaded, &args.path, args.rules.as_deref(), as_of) else {
        return Outcome::Invalid;
    };
    let Some(assessment) = run_assessment(&session) else {
        return Outcome::Invalid;
    };
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
    let register = Register {
        inventory,
        assessment: &assessment,
        shown,
        inputs: session.input_checksums(),
        rules: session.rule_checksums(),
    };
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let style = Style {
        width: width(to_terminal),
        color: to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let render = |out: &mut dyn Write| -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(out);
        match args.format {
            Format::Table => out.write_all(register::table(&register, style).as_bytes())?,
            Format::Json => register::write_json(&mut out, &register)?,
            Format::Csv => register::write_csv(&mut out, &register)?,
            Format::Md => out.write_all(register::markdown(&register).as_bytes())?,
            Format::Xlsx => {
                out.write_all(
                    &register::workbook(&register).map_err(riskgraph_report::xlsx::to_io)?,
                )?;
            }
            Format::Html => {
                out.write_all(super::report::build(&register, &session, None).as_bytes())?;
            }
        }
        out.flush()
    };
    let written = emit(args.output.as_deref(), render);
    if !matches!(written, Outcome::Success) {
        return written;
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
            return Outcome::GateTripped;
        }
    }
    Outcome::Success
}

/// Runs the session's assessment, with a progress bar on a terminal when the work is large.
/// Prints rules problems and returns `None` on them.
pub fn run_assessment(session: &Session) -> Option<Assessment> {
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
    match result {
        Ok(assessment) => Some(assessment),
        Err(error) => {
            super::print_rule_errors(&[error]);
            None
        }
    }
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

/// The index of the level `name` names, or a usage message with the closest level.
fn gate_level(inventory: &Inventory, name: &str) -> Result<usize, String> {
    let levels = &inventory.manifest.levels;
    if let Some(at) = levels
        .iter()
        .position(|l| l.name.eq_ignore_ascii_case(name))
    {
        return Ok(at);
    }
    let names: Vec<&str> = levels.iter().map(|l| l.name.as_str()).collect();
    let hint = closest(name, names.iter().copied())
        .map_or_else(String::new, |c| format!("; did you mean `{c}`?"));
    Err(format!(
        "--fail-on `{name}` is not a risk level of this inventory ({}){hint}",
        names.join(", ")
    ))
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

/// Writes what `render` renders to `output` (atomically), else to the standard output. A closed
/// standard output (`| head`) gives [`Outcome::StdoutClosed`], which ends the run quietly; any
/// other write error is reported and gives [`Outcome::Invalid`].
pub fn emit(
    output: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Outcome {
    let Some(path) = output else {
        return Outcome::of_stdout(render(&mut std::io::stdout().lock()));
    };
    match write_atomically(path, render) {
        Ok(()) => Outcome::Success,
        Err(err) => {
            let _ = writeln!(
                std::io::stderr(),
                "error: cannot write {}: {err}",
                path.display()
            );
            Outcome::Invalid
        }
    }
}

/// Writes `path` all at once: into a temporary file beside it, renamed over `path` only when
/// complete. On failure (or an interruption) `path` is left as it was.
pub fn write_atomically(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".riskgraph-")
        .suffix(".tmp")
        .tempfile_in(folder)?;
    render(file.as_file_mut())?;
    // The temporary file is private to its owner; the output gets the mode of the file it
    // replaces, or that of a new file.
    let permissions = match std::fs::metadata(path) {
        Ok(existing) => existing.permissions(),
        Err(_) => new_file_permissions(folder)?,
    };
    file.as_file().set_permissions(permissions)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|err| err.error)?;
    Ok(())
}

/// The permissions a new file in `folder` gets (on Unix, read and write for all less the
/// process's umask), found by creating one.
fn new_file_permissions(folder: &Path) -> std::io::Result<std::fs::Permissions> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".riskgraph-mode-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let probe = builder.tempfile_in(folder)?;
    probe.as_file().metadata().map(|m| m.permissions())
}
