//! The `riskgraph` command-line tool: parses arguments, runs one command, maps the outcome to an
//! exit code.
//!
//! Architecture invariant: the CLI holds no domain logic. Loading, checking and scoring live in
//! the library crates; this crate parses, dispatches and renders.

mod commands;
mod error;
mod output;
mod render;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Risk assessment for SOC 2 and ISO 27001 from the spreadsheets you already keep.
#[derive(Parser)]
#[command(name = "riskgraph", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load an inventory and report every problem in it
    Validate(commands::validate::Args),
    /// The risk register: every risk scored, evaluated and treated, with the risk matrices
    Assess(commands::assess::Args),
    /// Create a new inventory to fill in
    Init(commands::init::Args),
    /// Every input and rule result behind one risk's scores
    Explain(commands::explain::Args),
    /// What a failure or breach of some nodes reaches, and how hard; or vendors ranked by it
    BlastRadius(commands::blast_radius::Args),
    /// SOC 2 criteria and Annex A coverage, forgotten risk categories, vendor and testing findings
    Coverage(commands::coverage::Args),
    /// The ISO 27001 Statement of Applicability
    Soa(commands::soa::Args),
    /// What changed between two assessments (outputs of `assess --format json`)
    Diff(commands::diff::Args),
    /// The full report for management and auditors, as one self-contained HTML file
    Report(commands::report::Args),
    /// The assessment for other tools: NIST OSCAL assessment results and POA&M
    #[command(subcommand)]
    Export(commands::export::Command),
    /// Annual loss in money: Monte Carlo simulation, loss exceedance, tolerance, controls' return
    Simulate(commands::simulate::Args),
    /// The SOC 2, ISO 27001:2022 and 2013 catalogs and the crosswalks between them
    #[command(subcommand)]
    Catalog(commands::catalog::Command),
    /// Check the Rhai scoring rules
    #[command(subcommand)]
    Rules(commands::rules::Command),
    /// The JSON Schema of a JSON document riskgraph writes, or of riskgraph.toml
    Schema(commands::schema::Args),
    /// The shell completion script for bash, zsh, fish, powershell or elvish
    Completions(commands::completions::Args),
}

/// How a command ended, mapped to the exit codes the design fixes.
pub enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1: a gate the user asked for tripped.
    GateTripped,
    /// Exit 2: `validate` found the inventory invalid (its report is the command's output).
    Invalid,
    /// Exit 0, quietly: the standard output was closed (`| head`), so nobody reads the rest.
    StdoutClosed,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version to stdout with success, usage errors to stderr.
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let outcome = match cli.command {
        Command::Validate(args) => commands::validate::run(&args),
        Command::Assess(args) => commands::assess::run(&args),
        Command::Init(args) => commands::init::run(&args),
        Command::Explain(args) => commands::explain::run(&args),
        Command::BlastRadius(args) => commands::blast_radius::run(&args),
        Command::Rules(command) => commands::rules::run(&command),
        Command::Coverage(args) => commands::coverage::run(&args),
        Command::Soa(args) => commands::soa::run(&args),
        Command::Catalog(command) => commands::catalog::run(&command),
        Command::Diff(args) => commands::diff::run(&args),
        Command::Report(args) => commands::report::run(&args),
        Command::Export(command) => commands::export::run(&command),
        Command::Simulate(args) => commands::simulate::run(&args),
        Command::Completions(args) => commands::completions::run(&args),
        Command::Schema(args) => commands::schema::run(&args),
    };
    // Exit codes are decided here, and only here.
    match outcome {
        Ok(Outcome::Success | Outcome::StdoutClosed) => ExitCode::SUCCESS,
        Ok(Outcome::GateTripped) => ExitCode::from(1),
        Ok(Outcome::Invalid) => ExitCode::from(2),
        Err(error) => {
            error::report(&error);
            ExitCode::from(2)
        }
    }
}
