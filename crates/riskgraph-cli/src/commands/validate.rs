//! `riskgraph validate`: load an inventory, report every problem, exit 2 when it is invalid.

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;
use riskgraph_model::Loaded;

use crate::Outcome;
use crate::error;
use crate::render;
use riskgraph_report::diagnostics;

#[derive(clap::Args)]
pub struct Args {
    /// The inventory: a folder of CSV files, or a workbook (.xlsx)
    pub path: PathBuf,
    /// Treat warnings as errors
    #[arg(long)]
    pub deny_warnings: bool,
    /// How to print problems: `human` (stderr, with the offending cell shown), `json` (one
    /// document on stdout) or `sarif` (code scanning, on stdout)
    #[arg(long, value_enum, default_value_t = ErrorFormat::Human)]
    pub error_format: ErrorFormat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ErrorFormat {
    Human,
    Json,
    Sarif,
}

pub fn run(args: &Args) -> error::Result {
    let loaded = riskgraph_engine::load_and_check(&args.path);
    let n_errors = loaded.diagnostics.n_errors();
    let n_warnings = loaded.diagnostics.n_warnings();
    let valid = n_errors == 0 && !(args.deny_warnings && n_warnings > 0);
    let working_dir = std::env::current_dir().ok();
    let written = match args.error_format {
        ErrorFormat::Human => print_human(args, &loaded, valid),
        ErrorFormat::Json => diagnostics::write_json(&mut std::io::stdout(), &loaded, valid),
        ErrorFormat::Sarif => riskgraph_report::sarif::write_diagnostics(
            &mut std::io::stdout(),
            &args.path,
            &loaded,
            working_dir.as_deref(),
        ),
    };
    // The process ends here: freeing a million nodes one allocation at a time would take a
    // tenth of a second, and the system takes the memory back at once.
    std::mem::forget(loaded);
    match crate::output::stdout(written)? {
        Outcome::Success => {}
        closed => return Ok(closed),
    }
    Ok(if valid {
        Outcome::Success
    } else {
        Outcome::Invalid
    })
}

fn print_human(args: &Args, loaded: &Loaded, valid: bool) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(diagnostics::files(&args.path, loaded).as_bytes())?;
    stdout.flush()?;
    drop(stdout);
    let mut stderr = std::io::stderr().lock();
    stderr.write_all(render::human(&loaded.diagnostics).as_bytes())?;
    let verdict = diagnostics::verdict(&loaded.diagnostics, valid);
    if valid {
        writeln!(std::io::stdout(), "{verdict}")
    } else {
        writeln!(stderr, "{verdict}")
    }
}
