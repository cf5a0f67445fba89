//! `cargo xtask`: riskgraph's developer tasks: a synthetic inventory generator, end-to-end
//! benchmarks of the release binary, and mutation fuzzing of it. `cargo xtask help` lists them;
//! the arguments are parsed with clap, like the CLI's.
#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a developer tool talks on the terminal"
)]

mod args;
mod bench;
mod bench_engine;
mod fuzz;
mod gen_dataset;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

/// riskgraph's developer tasks.
#[derive(Parser)]
#[command(name = "xtask", bin_name = "cargo xtask", about)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Write a synthetic inventory of N nodes
    ///
    /// A valid inventory folder of N nodes (assets, processes, vendors) with about 4 dependencies
    /// per node; the same N and seed give byte-identical files.
    GenDataset(gen_dataset::Args),
    /// Time the benchmarks on a generated inventory
    ///
    /// Generates target/bench-data/nodes-N-seed-1 if needed, builds the release `riskgraph` (or
    /// times the one at --binary), runs each benchmark after a warm-up and prints min and median
    /// wall time and peak RSS. Benchmarks: validate, blast-radius, blast-radius-depth1,
    /// blast-radius-depth1-no-cache, blast-radius-into,
    /// rank-vendors, rank-vendors-1-thread, rank-fourth-parties, assess; in process, after
    /// loading: propagate, upstream, rank, score.
    Bench(bench::Args),
    /// Mutation fuzzing of the release binary
    ///
    /// Runs the release `riskgraph` on damaged copies of datasets/, tests/data/ and the built-in
    /// rules (byte flips, quotes, delimiters, NULs, BOMs, CR and CRLF, truncation, duplicated
    /// and swapped lines, huge cells and lines, odd numbers, empty and renamed headers, unicode
    /// controls, hostile Rhai, damaged workbooks); fails on an exit code other than 0, 1 or 2, a
    /// panic, a run over 10 s, or an output or temporary file left by a failed run. Failing
    /// inputs are saved under target/fuzz-failures/ with the command that reproduces them.
    Fuzz(fuzz::Args),
    /// Run a command and print its wall time and peak memory (used by `bench`)
    #[command(name = "__measure", hide = true)]
    Measure {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match &cli.task {
        Task::GenDataset(args) => gen_dataset::command(args),
        Task::Bench(args) => bench::command(args),
        Task::Fuzz(args) => fuzz::command(args),
        Task::Measure { command } => bench::measure_command(command),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
