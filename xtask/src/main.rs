//! `cargo xtask`: riskgraph's developer tasks: a synthetic inventory generator, end-to-end
//! benchmarks of the release binary, and mutation fuzzing of it. `cargo xtask help` lists them.
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

use args::Args;

type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

const USAGE: &str = "\
usage: cargo xtask TASK [OPTIONS]

tasks:
  gen-dataset --nodes N [--seed S] OUT_DIR
      Write a synthetic, valid inventory folder of N nodes (assets, processes, vendors) with
      about 4 dependencies per node. The same N and seed give byte-identical files.
      N may be written 5000, 50_000, 10k or 1M; the seed defaults to 1.
  bench [--nodes N] [--threads T] [--runs R] [--only NAME] [--binary PATH]
      Generate target/bench-data/nodes-N-seed-1 if needed (N defaults to 1M), build the release
      `riskgraph` (or time the one at PATH), run each benchmark R times (default 3) after a
      warm-up and print min and median wall time and peak RSS. --threads sets
      RAYON_NUM_THREADS and the `{threads}` argument of the runs. Benchmarks: validate,
      blast-radius, rank-vendors, rank-vendors-1-thread; in process, after loading: propagate,
      rank, score.
  fuzz [--runs N] [--seed S] [--command CMD] [--workers W] [--binary PATH]
      Build the release `riskgraph` (or use the one at PATH) and run it N times (default 1000)
      on damaged copies of datasets/, tests/data/ and the built-in rules: byte flips, quotes,
      delimiters, NULs, BOMs, CR and CRLF, truncation, duplicated and swapped lines, huge cells
      and lines, odd numbers, empty and renamed headers, unicode controls, hostile Rhai, damaged
      workbooks. Fails on an exit code other than 0, 1 or 2, a panic, a run over 10 s, or an
      output or temporary file left by a failed run; each failing input is saved under
      target/fuzz-failures/ with the command that reproduces it. The same seed (default 1) gives
      the same inputs. CMD: validate, assess, coverage, soa, report, blast-radius, rules or
      workbook (default: all).
  help
      Show this message.";

fn main() -> ExitCode {
    let mut argv = std::env::args().skip(1);
    let Some(task) = argv.next() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest: Vec<String> = argv.collect();
    let outcome = match task.as_str() {
        "gen-dataset" => gen_dataset::command(Args::new(rest)),
        "bench" => bench::command(Args::new(rest)),
        "fuzz" => fuzz::command(Args::new(rest)),
        bench::MEASURE_TASK => bench::measure_command(&rest),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => {
            eprintln!("error: unknown task `{other}`\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
