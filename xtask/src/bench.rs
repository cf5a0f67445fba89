//! `cargo xtask bench`: end-to-end timings of the release `riskgraph` binary on a generated
//! inventory, compared with the targets the product promises, plus the in-process timing of one
//! propagation after loading (`propagate`, see `bench_engine`).
//!
//! Each run goes through `xtask __measure -- COMMAND...`, a thin wrapper that runs the command and
//! reports its wall time, CPU time and peak RSS. The peak comes from `getrusage(RUSAGE_CHILDREN)`,
//! which is a high-water mark over every child a process has ever waited for; a fresh wrapper per
//! run keeps the measurements of different runs and benchmarks apart.

use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::num::NonZero;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use std::{env, thread};

use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeVal;

use crate::Result;
use crate::{bench_engine, gen_dataset};

/// The task name of the measuring wrapper.
pub const MEASURE_TASK: &str = "__measure";

/// One command to time.
struct Benchmark {
    name: &'static str,
    /// Arguments of `riskgraph`. `{dir}` is the inventory folder, `{threads}` the thread count
    /// (`--threads`, or every core), `{out}` a scratch folder for output files, `{acme}` the
    /// bundled dataset and `{broad}` the same inventory with broad threat lists
    /// (`gen-dataset --threats broad`), generated when a selected benchmark uses it.
    args: &'static [&'static str],
    /// What the product promises, shown next to the measurement.
    target: &'static str,
}

const BENCHMARKS: &[Benchmark] = &[
    Benchmark {
        name: "validate",
        args: &["validate", "{dir}"],
        target: "< 3 s, < 1 GiB",
    },
    Benchmark {
        name: "blast-radius",
        args: &[
            "blast-radius",
            "{dir}",
            "--from",
            "{biggest}",
            "--format",
            "json",
        ],
        target: "load + propagate",
    },
    // With a snapshot (written by the warm-up run: `--cache` keeps one from the first run), then
    // without: the "< 1 s".
    Benchmark {
        name: "blast-radius-depth1",
        args: &[
            "blast-radius",
            "{dir}",
            "--from",
            "{biggest}",
            "--depth",
            "1",
            "--format",
            "json",
            "--cache",
        ],
        target: "< 1 s (snapshot read)",
    },
    Benchmark {
        name: "blast-radius-depth1-no-cache",
        args: &[
            "blast-radius",
            "{dir}",
            "--from",
            "{biggest}",
            "--depth",
            "1",
            "--format",
            "json",
            "--no-cache",
        ],
        target: "files read, no snapshot",
    },
    Benchmark {
        name: "rank-vendors",
        args: &[
            "blast-radius",
            "{dir}",
            "--rank",
            "vendors",
            "--format",
            "json",
            "--threads",
            "{threads}",
        ],
        target: "< 30 s",
    },
    Benchmark {
        name: "rank-vendors-1-thread",
        args: &[
            "blast-radius",
            "{dir}",
            "--rank",
            "vendors",
            "--format",
            "json",
            "--threads",
            "1",
        ],
        target: "2 threads >= 1.7x faster",
    },
    Benchmark {
        name: "blast-radius-into",
        args: &[
            "blast-radius",
            "{dir}",
            "--into",
            "{upstream}",
            "--format",
            "json",
        ],
        target: "load + one --into",
    },
    Benchmark {
        name: "rank-fourth-parties",
        args: &[
            "blast-radius",
            "{dir}",
            "--rank",
            "fourth-parties",
            "--format",
            "json",
            "--threads",
            "{threads}",
        ],
        target: "< 30 s",
    },
    Benchmark {
        name: "assess",
        args: &[
            "assess",
            "{dir}",
            "--format",
            "csv",
            "-o",
            "{out}/register.csv",
            "--as-of",
            "2026-11-01",
            "--threads",
            "{threads}",
        ],
        target: "1M nodes: < 60 s, < 4 GiB; 10k: < 2 s",
    },
    Benchmark {
        name: "assess-broad",
        args: &[
            "assess",
            "{broad}",
            "--format",
            "csv",
            "-o",
            "{out}/register-broad.csv",
            "--as-of",
            "2026-11-01",
            "--threads",
            "{threads}",
        ],
        target: "1M nodes: < 60 s, < 4 GiB",
    },
    Benchmark {
        name: "assess-broad-json",
        args: &[
            "assess",
            "{broad}",
            "--format",
            "json",
            "-o",
            "{out}/register-broad.json",
            "--as-of",
            "2026-11-01",
            "--threads",
            "{threads}",
        ],
        target: "1M nodes: < 4 GiB",
    },
    Benchmark {
        name: "assess-broad-xlsx",
        args: &[
            "assess",
            "{broad}",
            "--format",
            "xlsx",
            "-o",
            "{out}/register-broad.xlsx",
            "--as-of",
            "2026-11-01",
            "--threads",
            "{threads}",
        ],
        target: "1M nodes: < 4 GiB (about 1.6 KB of TMPDIR per row)",
    },
    Benchmark {
        name: "coverage-broad",
        args: &[
            "coverage",
            "{broad}",
            "--format",
            "json",
            "-o",
            "{out}/coverage-broad.json",
            "--as-of",
            "2026-11-01",
            "--threads",
            "{threads}",
        ],
        target: "1M nodes: < 4 GiB",
    },
    Benchmark {
        name: "soa-broad",
        args: &[
            "soa",
            "{broad}",
            "--format",
            "json",
            "-o",
            "{out}/soa-broad.json",
            "--as-of",
            "2026-11-01",
            "--threads",
            "{threads}",
        ],
        target: "1M nodes: < 4 GiB",
    },
    Benchmark {
        name: "report-broad",
        args: &[
            "report",
            "{broad}",
            "-o",
            "{out}/report-broad.html",
            "--as-of",
            "2026-11-01",
            "--threads",
            "{threads}",
        ],
        target: "1M nodes: < 4 GiB",
    },
    Benchmark {
        name: "simulate",
        args: &[
            "simulate",
            "{dir}",
            "--years",
            "1000",
            "--format",
            "json",
            "-o",
            "{out}/loss.json",
            "--as-of",
            "2026-11-01",
            "--threads",
            "{threads}",
        ],
        target: "1,000 years: < 60 s, < 4 GiB",
    },
    Benchmark {
        name: "simulate-acme",
        args: &[
            "simulate",
            "{acme}",
            "--years",
            "100000",
            "--format",
            "json",
            "-o",
            "{out}/acme-loss.json",
            "--as-of",
            "2026-11-01",
            "--threads",
            "{threads}",
        ],
        target: "acme-saas, 100,000 years: < 1 s",
    },
    Benchmark {
        name: "diff",
        args: &[
            "diff",
            "{registers}/old.json",
            "{registers}/new.json",
            "--format",
            "json",
        ],
        target: "1M risks each: < 2 GiB",
    },
];

/// The in-process benchmarks: one exposure of the biggest vendor, the upstream of the node with the
/// biggest one, and the vendor ranking on one thread and on every core, each after loading.
const PROPAGATE: &str = "propagate";
const UPSTREAM: &str = "upstream";
const IN_PROCESS: [&str; 4] = [PROPAGATE, UPSTREAM, RANK, SCORE];
const RANK: &str = "rank";
const SCORE: &str = "score";

const SEED: u64 = 1;

/// How many lines of a failing command's stderr to show.
const STDERR_LINES: usize = 10;

/// `bench [--nodes N] [--threads T] [--runs R] [--only NAME] [--binary PATH]`.
#[derive(clap::Args)]
pub struct Args {
    /// The size of the generated inventory
    #[arg(long, value_parser = crate::args::count, default_value = "1M")]
    nodes: usize,
    /// Worker threads (`RAYON_NUM_THREADS` and the runs' `--threads`)
    #[arg(long)]
    threads: Option<usize>,
    /// Timed runs of each benchmark, after a warm-up
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Run only the benchmark of this name
    #[arg(long)]
    only: Option<String>,
    /// Time this binary instead of building the release one
    #[arg(long)]
    binary: Option<PathBuf>,
}

pub fn command(args: &Args) -> Result<()> {
    let Args {
        nodes,
        threads,
        runs,
        ref only,
        ref binary,
    } = *args;
    let runs = runs.max(1);
    let binary = binary.clone();
    let selected: Vec<&Benchmark> = BENCHMARKS
        .iter()
        .filter(|b| only.as_deref().is_none_or(|name| b.name == name))
        .collect();
    let wanted = |name: &str| only.as_deref().is_none_or(|only| only == name);
    let in_process = IN_PROCESS.iter().any(|&name| wanted(name));
    if selected.is_empty() && !in_process {
        return Err(unknown_benchmark(only.as_deref()).into());
    }

    let root = workspace_root();
    let target = target_dir(&root);
    let bench_data = target.join("bench-data");
    let uses = |placeholder: &str| selected.iter().any(|b| b.args.contains(&placeholder));
    let (dataset, broad) = ensure_datasets(&bench_data, nodes, uses("{broad}"))?;
    let binary = match binary {
        Some(binary) => binary,
        None => build_cli(&root, &target)?,
    };
    let cores = thread::available_parallelism().map_or(1, NonZero::get);
    let threads_text = threads.unwrap_or(cores).to_string();
    let scratch = bench_data.join("out");
    let logs = bench_data.join("logs");
    fs::create_dir_all(&scratch)?;
    fs::create_dir_all(&logs)?;

    println!(
        "bench: {nodes} nodes in {}, {runs} runs after a warm-up, {threads_text} threads, {cores} cores",
        dataset.display()
    );
    let mut rows = Vec::new();
    let registers = scratch.join("registers");
    if selected.iter().any(|b| b.name == "diff") {
        write_registers(&binary, &dataset, &registers)?;
    }
    let (mut biggest, mut upstream) = (String::new(), String::new());
    if in_process || uses("{biggest}") || uses("{upstream}") {
        let engine = InProcess {
            only: only.as_deref(),
            upstream_needed: uses("{upstream}"),
            threads: threads.unwrap_or(cores),
            runs,
            cores,
        };
        (biggest, upstream) = engine.run(&dataset, &mut rows)?;
    }
    for benchmark in selected {
        let args: Vec<String> = benchmark
            .args
            .iter()
            .map(|arg| {
                arg.replace("{dir}", &dataset.to_string_lossy())
                    .replace("{broad}", &broad.to_string_lossy())
                    .replace("{threads}", &threads_text)
                    .replace("{out}", &scratch.to_string_lossy())
                    .replace("{biggest}", &biggest)
                    .replace("{upstream}", &upstream)
                    .replace("{acme}", &root.join("datasets/acme-saas").to_string_lossy())
                    .replace("{registers}", &registers.to_string_lossy())
            })
            .collect();
        let log = logs.join(format!("{}.stderr", benchmark.name));
        let run = || measure(&binary, &args, threads, &log);
        println!("{}: riskgraph {}", benchmark.name, args.join(" "));
        let warm_up = run()?;
        let mut failure_shown = report_failure(benchmark.name, "warm-up", &warm_up, &log)?;
        let mut samples = Vec::with_capacity(runs);
        for index in 1..=runs {
            let sample = run()?;
            if !failure_shown {
                failure_shown =
                    report_failure(benchmark.name, &format!("run {index}"), &sample, &log)?;
            }
            samples.push(sample);
        }
        rows.push(Row::new(benchmark, &samples, cores));
    }
    print_table(&rows);
    let median_of = |name: &str| {
        rows.iter()
            .find(|row| row.cells[0] == name)
            .and_then(|row| row.cells[3].parse::<f64>().ok())
    };
    if let (Some(one), Some(many)) = (
        median_of("rank-vendors-1-thread"),
        median_of("rank-vendors"),
    ) {
        println!(
            "\nrank-vendors: {threads_text} threads are {:.2}x faster than 1 (medians)",
            one / many
        );
    }
    Ok(())
}

fn unknown_benchmark(name: Option<&str>) -> String {
    let mut names: Vec<&str> = BENCHMARKS.iter().map(|b| b.name).collect();
    names.extend(IN_PROCESS);
    format!(
        "no benchmark named `{}`; there are: {}",
        name.unwrap_or_default(),
        names.join(", ")
    )
}

/// The in-process benchmarks to run.
struct InProcess<'a> {
    /// The one benchmark asked for with `--only`; every one without.
    only: Option<&'a str>,
    /// Whether an end-to-end benchmark needs the node with the biggest upstream.
    upstream_needed: bool,
    threads: usize,
    runs: usize,
    cores: usize,
}

impl InProcess<'_> {
    fn wants(&self, name: &str) -> bool {
        self.only.is_none_or(|only| only == name)
    }

    /// The `upstream` benchmark into `rows` when asked for; returns the node it searched into.
    fn upstream(&self, prepared: &bench_engine::Prepared, rows: &mut Vec<Row>) -> String {
        let measured = bench_engine::upstream(prepared, self.runs.max(5));
        println!(
            "{UPSTREAM}: what can take {} down: {} nodes over C, I and A (the graph read backwards built in {:.3} s)",
            measured.target, measured.reached, measured.build
        );
        println!(
            "  vendors under vendors in {:.3} s; {} concentration findings in {:.3} s",
            measured.ties, measured.concentrated, measured.concentration
        );
        if self.wants(UPSTREAM) {
            for (property, walls) in ["c", "i", "a"].iter().zip(&measured.searches) {
                let name = format!("{UPSTREAM}-one-search-{property}");
                rows.push(Row::in_process(&name, "< 50 ms", walls, self.cores));
            }
            rows.push(Row::in_process(
                &format!("{UPSTREAM}-cia-spof"),
                "(three searches, merged, and the SPOFs)",
                &measured.upstreams,
                self.cores,
            ));
        }
        measured.target
    }

    /// Loads the dataset, runs the selected benchmarks into `rows`; returns the biggest vendor's id
    /// and the id of the node with the biggest upstream (empty unless it was needed).
    fn run(&self, dataset: &Path, rows: &mut Vec<Row>) -> Result<(String, String)> {
        let prepared = bench_engine::prepare(dataset)?;
        let biggest = prepared.biggest_id();
        println!(
            "biggest vendor: {biggest} (its outage reaches {} nodes)",
            prepared.biggest_reach
        );
        if self.wants(PROPAGATE) {
            let measured = bench_engine::propagate(&prepared, self.runs.max(5));
            println!(
                "{PROPAGATE}: exposure of {biggest} over C, I and A: {} nodes reached",
                measured.reached
            );
            for (property, walls) in ["c", "i", "a"].iter().zip(&measured.searches) {
                let name = format!("{PROPAGATE}-one-search-{property}");
                rows.push(Row::in_process(&name, "< 50 ms", walls, self.cores));
            }
            rows.push(Row::in_process(
                &format!("{PROPAGATE}-exposure-cia"),
                "(three searches, merged)",
                &measured.exposures,
                self.cores,
            ));
        }
        let upstream = if self.wants(UPSTREAM) || self.upstream_needed {
            self.upstream(&prepared, rows)
        } else {
            String::new()
        };
        if self.wants(RANK) {
            let many = self.threads;
            let one = bench_engine::rank(&prepared, 1, self.runs)?;
            let all = bench_engine::rank(&prepared, many, self.runs)?;
            println!(
                "{RANK}: vendors ranked in process; {many} threads are {:.2}x faster than 1 (medians)",
                median(one.clone()) / median(all.clone())
            );
            rows.push(Row::in_process(
                "rank-1-thread",
                "(ranking alone)",
                &one,
                self.cores,
            ));
            rows.push(Row::in_process(
                &format!("rank-{many}-threads"),
                ">= 1.7x faster",
                &all,
                self.cores,
            ));
        }
        if self.wants(SCORE) {
            let many = self.threads;
            let figures = bench_engine::score(&prepared, many, self.runs)?;
            let (one, all, twin) = (
                median(figures.one_thread.clone()),
                median(figures.all_threads.clone()),
                median(figures.rust_twin.clone()),
            );
            println!(
                "{SCORE}: {} scenarios (inputs prepared in {:.2} s); {many} threads {:.2}x faster than 1; \
                 rules {:.1}x the Rust twin's time (medians)",
                figures.scenarios,
                figures.prepare,
                one / all,
                all / twin
            );
            rows.push(Row::in_process(
                "score-1-thread",
                "(scoring alone)",
                &figures.one_thread,
                self.cores,
            ));
            rows.push(Row::in_process(
                &format!("score-{many}-threads"),
                "< 1.5 s, >= 1.7x",
                &figures.all_threads,
                self.cores,
            ));
            rows.push(Row::in_process(
                "score-rust-twin",
                "rules within 10x",
                &figures.rust_twin,
                self.cores,
            ));
        }
        Ok((biggest, upstream))
    }
}

/// `__measure -- COMMAND [ARGS...]`: runs the command with its stdout discarded, then prints one
/// line `exit=CODE wall=SECONDS cpu=SECONDS maxrss_kib=KIB` for `bench` to read.
pub fn measure_command(args: &[String]) -> Result<()> {
    let command = args.strip_prefix(&["--".to_owned()]).unwrap_or(args);
    let [program, rest @ ..] = command else {
        return Err(format!("usage: xtask {MEASURE_TASK} -- COMMAND [ARGS...]").into());
    };
    let started = Instant::now();
    let status = Command::new(program)
        .args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run `{program}`: {e}"))?;
    let wall = started.elapsed().as_secs_f64();
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN)?;
    let cpu = seconds(usage.user_time()) + seconds(usage.system_time());
    let exit = match (status.code(), status.signal()) {
        (Some(code), _) => code.to_string(),
        (None, Some(signal)) => format!("signal-{signal}"),
        (None, None) => "unknown".to_owned(),
    };
    // On Linux `ru_maxrss` is in KiB.
    println!(
        "exit={exit} wall={wall:.6} cpu={cpu:.6} maxrss_kib={}",
        usage.max_rss()
    );
    Ok(())
}

fn seconds(time: TimeVal) -> f64 {
    time.tv_sec() as f64 + time.tv_usec() as f64 / 1e6
}

/// One measured run.
struct Sample {
    exit: String,
    wall: f64,
    cpu: f64,
    max_rss_kib: u64,
}

/// Runs `binary args` once through the measuring wrapper, its stderr going to `log`.
fn measure(binary: &Path, args: &[String], threads: Option<usize>, log: &Path) -> Result<Sample> {
    // Each run starts without the last run's output (`-o FILE`): the broad register (15 GB),
    // written beside its predecessor before it replaces it, would need twice the disk.
    for pair in args.windows(2).filter(|pair| pair[0] == "-o") {
        let _ = fs::remove_file(&pair[1]);
    }
    let mut command = Command::new(env::current_exe()?);
    command
        .arg(MEASURE_TASK)
        .arg("--")
        .arg(binary)
        .args(args)
        .stdin(Stdio::null())
        .stderr(File::create(log)?);
    if let Some(threads) = threads {
        command.env("RAYON_NUM_THREADS", threads.to_string());
    }
    let output = command.output()?;
    let report = String::from_utf8_lossy(&output.stdout);
    parse_report(&report).ok_or_else(|| {
        format!(
            "the measuring wrapper failed ({}); see `{}`",
            output.status,
            log.display()
        )
        .into()
    })
}

fn parse_report(report: &str) -> Option<Sample> {
    let mut sample = Sample {
        exit: String::new(),
        wall: f64::NAN,
        cpu: f64::NAN,
        max_rss_kib: 0,
    };
    for field in report.lines().last()?.split_whitespace() {
        match field.split_once('=')? {
            ("exit", value) => value.clone_into(&mut sample.exit),
            ("wall", value) => sample.wall = value.parse().ok()?,
            ("cpu", value) => sample.cpu = value.parse().ok()?,
            ("maxrss_kib", value) => sample.max_rss_kib = value.parse().ok()?,
            _ => {}
        }
    }
    (!sample.exit.is_empty() && sample.wall.is_finite()).then_some(sample)
}

/// Shows the start of the stderr of a run that did not exit with 0; returns whether it did.
fn report_failure(name: &str, run: &str, sample: &Sample, log: &Path) -> Result<bool> {
    if sample.exit == "0" {
        return Ok(false);
    }
    println!(
        "{name} ({run}) exited with {}; stderr ({}) begins:",
        sample.exit,
        log.display()
    );
    let reader = BufReader::new(File::open(log)?);
    for line in reader.lines().take(STDERR_LINES) {
        let line = line?;
        let shown: String = line.chars().take(200).collect();
        println!("    {shown}");
    }
    Ok(true)
}

/// One line of the result table.
struct Row {
    cells: [String; 8],
}

impl Row {
    const HEADER: [&str; 8] = [
        "benchmark",
        "target",
        "min s",
        "median s",
        "peak RSS MiB",
        "cores",
        "cpu s (median)",
        "exit",
    ];

    fn new(benchmark: &Benchmark, samples: &[Sample], cores: usize) -> Self {
        let walls: Vec<f64> = samples.iter().map(|s| s.wall).collect();
        let cpus: Vec<f64> = samples.iter().map(|s| s.cpu).collect();
        let min = walls.iter().copied().fold(f64::INFINITY, f64::min);
        let peak_kib = samples.iter().map(|s| s.max_rss_kib).max().unwrap_or(0);
        let mut exits: Vec<&str> = samples.iter().map(|s| s.exit.as_str()).collect();
        exits.dedup();
        Self {
            cells: [
                benchmark.name.to_owned(),
                benchmark.target.to_owned(),
                format!("{min:.3}"),
                format!("{:.3}", median(walls)),
                format!("{:.1}", peak_kib as f64 / 1024.0),
                cores.to_string(),
                format!("{:.3}", median(cpus)),
                exits.join("/"),
            ],
        }
    }
}

impl Row {
    /// A row for an in-process measurement: wall times only.
    fn in_process(name: &str, target: &str, walls: &[f64], cores: usize) -> Self {
        let min = walls.iter().copied().fold(f64::INFINITY, f64::min);
        // Tenths of a millisecond, and microseconds below ten milliseconds.
        let seconds = |s: f64| {
            if s < 0.01 {
                format!("{s:.6}")
            } else {
                format!("{s:.4}")
            }
        };
        Self {
            cells: [
                name.to_owned(),
                target.to_owned(),
                seconds(min),
                seconds(median(walls.to_vec())),
                "-".to_owned(),
                cores.to_string(),
                "-".to_owned(),
                "0".to_owned(),
            ],
        }
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        f64::midpoint(values[middle - 1], values[middle])
    }
}

fn print_table(rows: &[Row]) {
    let mut widths = Row::HEADER.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(&row.cells) {
            *width = (*width).max(cell.len());
        }
    }
    let line = |cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("| {} |", padded.join(" | "));
    };
    println!();
    line(&Row::HEADER);
    let rules: Vec<String> = widths.iter().map(|&width| "-".repeat(width)).collect();
    line(&rules.iter().map(String::as_str).collect::<Vec<_>>());
    for row in rows {
        line(&row.cells.iter().map(String::as_str).collect::<Vec<_>>());
    }
}

/// The generated inventory for `nodes`, and when `broad` is asked for the same with broad threat
/// lists (else an empty path).
fn ensure_datasets(bench_data: &Path, nodes: usize, broad: bool) -> Result<(PathBuf, PathBuf)> {
    let narrow = ensure_dataset(bench_data, nodes, gen_dataset::Breadth::Narrow)?;
    let broad = if broad {
        ensure_dataset(bench_data, nodes, gen_dataset::Breadth::Broad)?
    } else {
        PathBuf::new()
    };
    Ok((narrow, broad))
}

/// The generated inventory for `nodes`, generated first unless a complete one is there.
fn ensure_dataset(
    bench_data: &Path,
    nodes: usize,
    threats: gen_dataset::Breadth,
) -> Result<PathBuf> {
    // The generator's version is in the name: a dataset an older generator left is not reused.
    let broad = match threats {
        gen_dataset::Breadth::Narrow => "",
        gen_dataset::Breadth::Broad => "-broad",
    };
    let dir = bench_data.join(format!(
        "nodes-{nodes}-seed-{SEED}{broad}-v{}",
        gen_dataset::VERSION
    ));
    let marker = dir.join(".complete");
    if marker.exists() {
        println!("using the dataset in {}", dir.display());
        return Ok(dir);
    }
    if dir.exists() {
        // A generation that was interrupted: start over.
        fs::remove_dir_all(&dir)?;
    }
    println!("generating {nodes} nodes into {}", dir.display());
    let started = Instant::now();
    let options = gen_dataset::Options {
        nodes,
        seed: SEED,
        out_dir: dir.clone(),
        threats,
    };
    let summary = gen_dataset::generate(&options)?;
    println!("{summary} ({:.2} s)", started.elapsed().as_secs_f64());
    // Written last: its presence means every file is complete.
    fs::write(&marker, format!("{summary}\n"))?;
    Ok(dir)
}

/// Writes the two registers the `diff` benchmark compares into `registers`: `old.json`, the
/// assessment of `dataset`, and `new.json`, that of a copy whose every fourth control changed
/// status and which accepts or approves some treatments, so that the diff has risks rated
/// differently, controls changed and treatments expired or approved. The copy's unchanged files
/// are hard links.
fn write_registers(binary: &Path, dataset: &Path, registers: &Path) -> Result<()> {
    let changed = registers.join("inventory");
    if changed.exists() {
        fs::remove_dir_all(&changed)?;
    }
    fs::create_dir_all(&changed)?;
    for entry in fs::read_dir(dataset)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "controls.csv" || name == ".complete" {
            continue;
        }
        fs::hard_link(entry.path(), changed.join(&name))?;
    }
    // The generator's controls have no quoted cells: the status is the fourth cell.
    let controls = fs::read_to_string(dataset.join("controls.csv"))?;
    let mut lines: Vec<String> = Vec::new();
    for (index, line) in controls.lines().enumerate() {
        let mut cells: Vec<&str> = line.split(',').collect();
        if index % 4 == 2 && cells.len() > 3 {
            cells[3] = match cells[3] {
                "implemented" => "partial",
                "partial" | "planned" => "implemented",
                _ => "planned",
            };
        }
        lines.push(cells.join(","));
    }
    fs::write(changed.join("controls.csv"), lines.join("\n") + "\n")?;
    fs::write(
        changed.join("treatments.csv"),
        "risk,decision,status,owner,justification,approved_by,approved_on,expires,ticket\n\
         threat-001@*,accept,done,CFO,Compensating monitoring,CEO,2025-06-30,2026-06-30,GRC-1\n\
         fraud@*,mitigate,in-progress,CFO,Segregation of duties review,CFO,2026-09-01,,GRC-2\n",
    )?;
    for (inventory, register) in [(dataset, "old.json"), (changed.as_path(), "new.json")] {
        let out = registers.join(register);
        println!("diff: writing {}", out.display());
        let status = Command::new(binary)
            .arg("assess")
            .arg(inventory)
            .args(["--format", "json", "--as-of", "2026-11-01", "-o"])
            .arg(&out)
            .stdout(Stdio::null())
            .status()?;
        if !status.success() {
            return Err(format!(
                "`riskgraph assess` of {} failed ({status})",
                inventory.display()
            )
            .into());
        }
    }
    Ok(())
}

/// Builds `riskgraph` in release mode; returns the binary's path.
pub(crate) fn build_cli(root: &Path, target: &Path) -> Result<PathBuf> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    println!("building: cargo build --release -p riskgraph-cli");
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "riskgraph-cli"])
        .current_dir(root)
        .status()?;
    if !status.success() {
        return Err(format!("`cargo build --release -p riskgraph-cli` failed ({status})").into());
    }
    let binary = target.join("release").join("riskgraph");
    if !binary.is_file() {
        return Err(format!("the build did not produce `{}`", binary.display()).into());
    }
    Ok(binary)
}

pub(crate) fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Cargo's target directory: `CARGO_TARGET_DIR` (relative to the workspace root) or `target`.
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |dir| root.join(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_wrapper_report() {
        let sample = parse_report("exit=0 wall=1.5 cpu=2.25 maxrss_kib=2048\n").unwrap();
        assert_eq!(sample.exit, "0");
        assert!((sample.wall - 1.5).abs() < 1e-9);
        assert_eq!(sample.max_rss_kib, 2048);
        assert!(parse_report("garbage").is_none());
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert!((median(vec![3.0, 1.0, 2.0]) - 2.0).abs() < 1e-9);
        assert!((median(vec![4.0, 1.0, 2.0, 3.0]) - 2.5).abs() < 1e-9);
    }
}
