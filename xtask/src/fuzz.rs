//! `cargo xtask fuzz`: mutation fuzzing of the release `riskgraph` binary.
//!
//! Each run takes one seed input (an inventory from `datasets/` or the test corpus, or the
//! built-in rules), damages one to three of its files (see [`mutate`]), writes them to a scratch
//! folder, runs one command on them and checks that the binary held up: exit code 0, 1 or 2, no
//! panic, done within [`TIME_LIMIT`], and no output file or temporary file left behind by a run
//! that failed. A run is a pure function of the campaign's seed and its own number, so the same
//! seed gives the same inputs whatever the number of workers. Failing inputs are saved under
//! `target/fuzz-failures/`, each with the command that reproduces it.

mod mutate;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fastrand::Rng;

use crate::Result;

/// The longest a run may take before it counts as a hang.
const TIME_LIMIT: Duration = Duration::from_secs(10);
/// The date every assessment is made at, so runs do not depend on the day.
const AS_OF: &str = "2026-11-01";
/// The largest text a workbook cell holds.
const MAX_CELL_CHARS: usize = 32_767;

/// Snippets that make a Rhai script run away, recurse, or build huge values; the sandbox must
/// stop each with an error.
const HOSTILE_RHAI: [&str; 8] = [
    "loop { }\n",
    "while true { }\n",
    "let s = \"x\"; loop { s += s; }\n",
    "fn f(x) { f(x + 1) } f(0);\n",
    "let a = []; loop { a.push(a); }\n",
    "let m = #{}; for i in 0..100000000 { m[`${i}`] = i; }\n",
    "throw \"stop\";\n",
    "import \"x\" as y;\n",
];

/// The commands a run can exercise, named as `--command` takes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Validate,
    Assess,
    Coverage,
    Soa,
    Report,
    Export,
    Simulate,
    BlastRadius,
    Rules,
    Workbook,
}

const KINDS: [Kind; 10] = [
    Kind::Validate,
    Kind::Assess,
    Kind::Coverage,
    Kind::Soa,
    Kind::Report,
    Kind::Export,
    Kind::Simulate,
    Kind::BlastRadius,
    Kind::Rules,
    Kind::Workbook,
];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Validate => "validate",
            Kind::Assess => "assess",
            Kind::Coverage => "coverage",
            Kind::Soa => "soa",
            Kind::Report => "report",
            Kind::Export => "export",
            Kind::Simulate => "simulate",
            Kind::BlastRadius => "blast-radius",
            Kind::Rules => "rules",
            Kind::Workbook => "workbook",
        }
    }

    fn parse(name: &str) -> Result<Self, String> {
        KINDS.into_iter().find(|k| k.name() == name).ok_or_else(|| {
            let names: Vec<&str> = KINDS.iter().map(|k| k.name()).collect();
            format!("unknown command `{name}`: one of {}", names.join(", "))
        })
    }
}

/// The campaign's settings.
struct Options {
    runs: usize,
    seed: u64,
    only: Option<Kind>,
    workers: usize,
}

/// A folder of input files: an inventory or a rules folder, by path relative to the folder.
#[derive(Clone)]
struct Seed {
    name: String,
    files: Vec<(String, Vec<u8>)>,
}

/// What one run writes and runs.
struct Plan {
    kind: Kind,
    seed_name: String,
    /// Files by path relative to the scratch folder.
    files: Vec<(String, Vec<u8>)>,
    args: Vec<String>,
    /// The output file the command writes with `-o`, if any.
    output: Option<String>,
    mutations: Vec<String>,
}

/// How one run ended.
struct Ran {
    code: Option<i32>,
    failure: Option<String>,
    stderr: String,
}

/// `fuzz [--runs N] [--seed S] [--command CMD] [--workers W] [--binary PATH]`.
#[derive(clap::Args)]
pub struct Args {
    /// How many runs
    #[arg(long, value_parser = crate::args::count, default_value = "1000")]
    runs: usize,
    /// The campaign's seed: the same seed gives the same inputs
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Exercise only this command: validate, assess, coverage, soa, report, blast-radius, rules
    /// or workbook
    #[arg(long, value_parser = Kind::parse)]
    command: Option<Kind>,
    /// Runs at once (default: one per core)
    #[arg(long)]
    workers: Option<usize>,
    /// Fuzz this binary instead of building the release one
    #[arg(long)]
    binary: Option<PathBuf>,
}

pub fn command(args: &Args) -> Result<()> {
    let Args {
        runs,
        seed,
        command: only,
        workers,
        ref binary,
    } = *args;
    let workers = workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, std::num::NonZero::get));
    let binary = binary.clone();
    let root = crate::bench::workspace_root();
    let target = crate::bench::target_dir(&root);
    let binary = match binary {
        // Runs start in a scratch folder: a relative path would no longer name the binary.
        Some(path) => std::path::absolute(&path)
            .ok()
            .filter(|path| path.is_file())
            .ok_or_else(|| format!("no binary at `{}`", path.display()))?,
        None => crate::bench::build_cli(&root, &target)?,
    };
    let options = Options {
        runs,
        seed,
        only,
        workers: workers.max(1),
    };
    campaign(&root, &target, &binary, &options)
}

fn campaign(root: &Path, target: &Path, binary: &Path, options: &Options) -> Result<()> {
    let inventories = inventory_seeds(root)?;
    let rules = read_seed(&root.join("rules/default"), "rules/default")?;
    let work = target.join("fuzz-work");
    let failures_dir = target.join("fuzz-failures");
    let started = Instant::now();
    println!(
        "fuzzing {} with {} runs, seed {}, {} workers, {} seed inventories",
        binary.display(),
        options.runs,
        options.seed,
        options.workers,
        inventories.len()
    );
    let next = AtomicUsize::new(0);
    // Exit codes by command, and the failures.
    let tally: Mutex<BTreeMap<Kind, [usize; 3]>> = Mutex::new(BTreeMap::new());
    let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for worker in 0..options.workers {
            let (next, tally, failures) = (&next, &tally, &failures);
            let (inventories, rules, work, failures_dir) =
                (&inventories, &rules, &work, &failures_dir);
            scope.spawn(move || {
                let scratch = work.join(format!("worker-{worker}"));
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= options.runs {
                        break;
                    }
                    let plan = plan(options, index, inventories, rules);
                    let ran = run(binary, &scratch, &plan);
                    let ran = match ran {
                        Ok(ran) => ran,
                        Err(err) => Ran {
                            code: None,
                            failure: Some(format!("the run could not be set up: {err}")),
                            stderr: String::new(),
                        },
                    };
                    if let Some(code) = ran.code.and_then(|c| usize::try_from(c).ok())
                        && code < 3
                        && let Ok(mut tally) = tally.lock()
                    {
                        tally.entry(plan.kind).or_default()[code] += 1;
                    }
                    if let Some(reason) = &ran.failure {
                        let saved = save_failure(failures_dir, options.seed, index, &plan, &ran);
                        let line = match saved {
                            Ok(dir) => {
                                format!("run {index}: {reason} (saved in {})", dir.display())
                            }
                            Err(err) => format!("run {index}: {reason} (not saved: {err})"),
                        };
                        println!("FAIL {line}");
                        if let Ok(mut failures) = failures.lock() {
                            failures.push(line);
                        }
                    }
                    if (index + 1) % 1_000 == 0 {
                        println!(
                            "{} runs, {:.0} s",
                            index + 1,
                            started.elapsed().as_secs_f64()
                        );
                    }
                }
                let _ = fs::remove_dir_all(&scratch);
            });
        }
    });
    let tally = tally.into_inner().map_err(|_| "a worker panicked")?;
    let failures = failures.into_inner().map_err(|_| "a worker panicked")?;
    println!(
        "\n{:<14} {:>7} {:>7} {:>7}",
        "command", "exit 0", "exit 1", "exit 2"
    );
    for (kind, [ok, gate, invalid]) in &tally {
        println!("{:<14} {ok:>7} {gate:>7} {invalid:>7}", kind.name());
    }
    println!(
        "{} runs in {:.1} s\nfuzz: {} passed, {} failed",
        options.runs,
        started.elapsed().as_secs_f64(),
        options.runs - failures.len(),
        failures.len()
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} of {} runs failed; inputs in {}",
            failures.len(),
            options.runs,
            failures_dir.display()
        )
        .into())
    }
}

/// Every inventory to start from: the bundled datasets and the test corpus.
fn inventory_seeds(root: &Path) -> Result<Vec<Seed>> {
    let mut seeds = Vec::new();
    for parent in ["datasets", "tests/data/assess", "tests/data/invalid"] {
        let mut folders: Vec<PathBuf> = fs::read_dir(root.join(parent))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.is_dir())
            .collect();
        folders.sort();
        for folder in folders {
            let name = format!(
                "{parent}/{}",
                folder.file_name().unwrap_or_default().to_string_lossy()
            );
            seeds.push(read_seed(&folder, &name)?);
        }
    }
    Ok(seeds)
}

/// The files of `dir` and its subfolders, in name order.
fn read_seed(dir: &Path, name: &str) -> Result<Seed> {
    let mut files = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let mut entries: Vec<PathBuf> = fs::read_dir(dir.join(&relative))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for path in entries {
            let file_name = path.file_name().unwrap_or_default().to_os_string();
            if path.is_dir() {
                pending.push(relative.join(file_name));
            } else {
                let bytes = fs::read(&path)?;
                files.push((
                    relative.join(file_name).to_string_lossy().into_owned(),
                    bytes,
                ));
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Seed {
        name: name.to_owned(),
        files,
    })
}

/// The random source of run `index`: a function of the campaign's seed and the run alone.
fn rng_for(seed: u64, index: usize) -> Rng {
    let mixed = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((index as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9));
    Rng::with_seed(mixed)
}

/// Damages one to three of `files`, one to three times each; returns what was done.
fn damage(rng: &mut Rng, files: &mut [(String, Vec<u8>)], prefix: &str) -> Vec<String> {
    let mut done = Vec::new();
    if files.is_empty() {
        return done;
    }
    for _ in 0..rng.usize(1..=3) {
        let at = rng.usize(..files.len());
        let (name, bytes) = &mut files[at];
        for _ in 0..rng.usize(1..=3) {
            let mutation = mutate::any(rng);
            mutation.apply(rng, bytes);
            done.push(format!("{prefix}{name}: {}", mutation.name));
        }
    }
    done
}

/// A damaged copy of the built-in rules, as `rules-fuzz/`: generic damage, or a hostile snippet
/// at the start of a line of one script.
fn damaged_rules(
    rng: &mut Rng,
    rules: &Seed,
    mutations: &mut Vec<String>,
) -> Vec<(String, Vec<u8>)> {
    let mut files = rules.files.clone();
    if rng.bool() {
        let scripts: Vec<usize> = (0..files.len())
            .filter(|&i| {
                Path::new(&files[i].0)
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("rhai"))
            })
            .collect();
        if !scripts.is_empty() {
            let (name, bytes) = &mut files[scripts[rng.usize(..scripts.len())]];
            let snippet = HOSTILE_RHAI[rng.usize(..HOSTILE_RHAI.len())];
            let line_starts: Vec<usize> = std::iter::once(0)
                .chain(
                    bytes
                        .iter()
                        .enumerate()
                        .filter(|&(_, &b)| b == b'\n')
                        .map(|(at, _)| at + 1),
                )
                .filter(|&at| at <= bytes.len())
                .collect();
            let at = line_starts[rng.usize(..line_starts.len())];
            bytes.splice(at..at, snippet.bytes());
            mutations.push(format!("rules-fuzz/{name}: hostile {snippet:?}"));
        }
    } else {
        mutations.extend(damage(rng, &mut files, "rules-fuzz/"));
    }
    files
        .into_iter()
        .map(|(name, bytes)| (format!("rules-fuzz/{name}"), bytes))
        .collect()
}

/// Run `index` of the campaign.
fn plan(options: &Options, index: usize, inventories: &[Seed], rules: &Seed) -> Plan {
    let mut rng = rng_for(options.seed, index);
    let kind = options
        .only
        .unwrap_or_else(|| KINDS[rng.usize(..KINDS.len())]);
    // Valid inventories (the datasets and the assess corpus) more often than invalid ones.
    let n_valid = inventories
        .iter()
        .filter(|s| !s.name.starts_with("tests/data/invalid"))
        .count();
    // A fifth of the runs on inventories put hostile text into a valid one and nothing else, so
    // the text gets past loading to every renderer.
    let hostile_only =
        !matches!(kind, Kind::Rules | Kind::Workbook) && n_valid > 0 && rng.u8(..5) == 0;
    let seed = if (hostile_only || rng.u8(..10) < 6) && n_valid > 0 {
        &inventories[rng.usize(..n_valid)]
    } else {
        &inventories[rng.usize(..inventories.len())]
    };
    let mut mutations = Vec::new();
    let mut inventory = seed.files.clone();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut output = None;
    let mut args: Vec<String> = Vec::new();
    match kind {
        Kind::Rules => {
            let damaged = damaged_rules(&mut rng, rules, &mut mutations);
            files.extend(damaged);
            let verb = if rng.bool() { "check" } else { "test" };
            args.extend(["rules".into(), verb.into(), "rules-fuzz".into()]);
        }
        Kind::Workbook => {
            mutations.extend(damage(&mut rng, &mut inventory, "inv/"));
            let (book, manifest) = workbook(&inventory);
            let mut book = book;
            if rng.u8(..10) < 3 {
                for _ in 0..rng.usize(1..=3) {
                    let mutation = mutate::any(&mut rng);
                    mutation.apply(&mut rng, &mut book);
                    mutations.push(format!("book.xlsx: {}", mutation.name));
                }
            }
            files.push(("book.xlsx".into(), book));
            files.extend(manifest.map(|m| ("riskgraph.toml".to_owned(), m)));
            let verb = ["validate", "assess", "coverage"][rng.usize(..3)];
            args.extend([verb.into(), "book.xlsx".into()]);
            if verb != "validate" {
                args.extend(["--as-of".into(), AS_OF.into()]);
            }
        }
        _ => {
            if hostile_only {
                for _ in 0..rng.usize(1..=4) {
                    let at = rng.usize(..inventory.len());
                    let (name, bytes) = &mut inventory[at];
                    mutate::hostile_text(&mut rng, bytes);
                    mutations.push(format!("inv/{name}: hostile-text"));
                }
            } else {
                mutations.extend(damage(&mut rng, &mut inventory, "inv/"));
            }
            let (command, written) = inventory_command(kind, &mut rng, &inventory);
            args.extend(command);
            output = written;
            if kind == Kind::Assess && rng.u8(..10) < 2 {
                files.extend(damaged_rules(&mut rng, rules, &mut mutations));
                args.extend(["--rules".into(), "rules-fuzz".into()]);
            }
            files.extend(
                inventory
                    .into_iter()
                    .map(|(name, bytes)| (format!("inv/{name}"), bytes)),
            );
        }
    }
    Plan {
        kind,
        seed_name: seed.name.clone(),
        files,
        args,
        output,
        mutations,
    }
}

/// The arguments of a run of `kind` on the inventory in `inv/`, and the file it writes with `-o`.
fn inventory_command(
    kind: Kind,
    rng: &mut Rng,
    inventory: &[(String, Vec<u8>)],
) -> (Vec<String>, Option<String>) {
    let strings = |items: &[&str]| -> Vec<String> { items.iter().map(|&s| s.to_owned()).collect() };
    let mut output = None;
    let args = match kind {
        Kind::Validate => {
            let mut args = strings(&["validate", "inv"]);
            if rng.bool() {
                args.extend(strings(&["--error-format", "json"]));
            }
            args
        }
        Kind::Assess => {
            let format = ["table", "json", "csv", "md", "xlsx", "html"][rng.usize(..6)];
            let mut args = strings(&["assess", "inv", "--as-of", AS_OF, "--format", format]);
            if matches!(format, "xlsx" | "html") || rng.bool() {
                output = Some(format!("out.{format}"));
            }
            args.extend(output.iter().flat_map(|o| ["-o".to_owned(), o.clone()]));
            args
        }
        Kind::Coverage | Kind::Soa => {
            let format = ["table", "json", "csv", "md", "xlsx"][rng.usize(..5)];
            let verb = if kind == Kind::Coverage {
                "coverage"
            } else {
                "soa"
            };
            if format == "xlsx" {
                output = Some(String::from("out.xlsx"));
            }
            let mut args = strings(&[verb, "inv", "--as-of", AS_OF, "--format", format]);
            args.extend(output.iter().flat_map(|o| ["-o".to_owned(), o.clone()]));
            args
        }
        Kind::Report => {
            output = Some(String::from("report.html"));
            strings(&["report", "inv", "--as-of", AS_OF, "-o", "report.html"])
        }
        Kind::Export => {
            // The output is a folder: an invalid run must not create it.
            output = Some(String::from("oscal"));
            strings(&["export", "oscal", "inv", "--as-of", AS_OF, "-o", "oscal"])
        }
        Kind::Simulate => {
            let format = ["table", "json", "csv", "md", "xlsx"][rng.usize(..5)];
            let mut args = strings(&[
                "simulate", "inv", "--as-of", AS_OF, "--years", "1000", "--format", format,
            ]);
            if format == "xlsx" || rng.bool() {
                output = Some(format!("out.{format}"));
            }
            args.extend(output.iter().flat_map(|o| ["-o".to_owned(), o.clone()]));
            args
        }
        Kind::BlastRadius => {
            let mut args = strings(&["blast-radius", "inv"]);
            match rng.u8(..8) {
                0 => args.extend(strings(&["--rank", "vendors"])),
                1 => args.extend(strings(&["--rank", "fourth-parties"])),
                pick => {
                    let id = some_node_id(rng, inventory);
                    let format = ["tree", "table", "json", "dot"][rng.usize(..4)];
                    let direction = if pick < 5 { "--from" } else { "--into" };
                    args.extend([direction.into(), id, "--format".into(), format.into()]);
                }
            }
            args
        }
        // Their inputs are not an inventory folder: `plan` builds their commands.
        Kind::Rules | Kind::Workbook => Vec::new(),
    };
    (args, output)
}

/// The id in the first cell of a random row of a node file, as damaged.
fn some_node_id(rng: &mut Rng, inventory: &[(String, Vec<u8>)]) -> String {
    let node_files: Vec<&Vec<u8>> = inventory
        .iter()
        .filter(|(name, _)| ["assets.csv", "processes.csv", "vendors.csv"].contains(&name.as_str()))
        .map(|(_, bytes)| bytes)
        .collect();
    let fallback = || String::from("aws");
    if node_files.is_empty() {
        return fallback();
    }
    let text = String::from_utf8_lossy(node_files[rng.usize(..node_files.len())]);
    let rows: Vec<&str> = text.lines().skip(1).collect();
    if rows.is_empty() {
        return fallback();
    }
    let row = rows[rng.usize(..rows.len())];
    let id = row.split([',', ';', '\t']).next().unwrap_or("").trim();
    // An argument cannot hold a NUL, and one that starts with `-` is an option.
    // A huge id would pass the system's limit on a command line.
    if id.is_empty() || id.starts_with('-') || id.contains('\0') || id.len() > 200 {
        fallback()
    } else {
        id.to_owned()
    }
}

/// The inventory's tables as one workbook, a sheet per file (cells as text, cut to what a cell
/// holds), and its manifest, which stands beside a workbook.
fn workbook(inventory: &[(String, Vec<u8>)]) -> (Vec<u8>, Option<Vec<u8>>) {
    let mut book = rust_xlsxwriter::Workbook::new();
    // A fixed creation time, so the same seed makes the same workbook bytes whenever it runs.
    if let Ok(created) = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 1, 1) {
        book.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    }
    let mut manifest = None;
    for (name, bytes) in inventory {
        if name == "riskgraph.toml" {
            manifest = Some(bytes.clone());
            continue;
        }
        let Some(stem) = name.strip_suffix(".csv") else {
            continue;
        };
        let delimiter = sniff(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(bytes.as_slice());
        let Ok(sheet) = book.add_worksheet().set_name(stem) else {
            continue;
        };
        for (row, record) in reader.byte_records().enumerate() {
            let Ok(record) = record else {
                // The rest of a damaged file is left out, as a spreadsheet import might.
                break;
            };
            let Ok(row) = u32::try_from(row) else { break };
            for (column, cell) in record.iter().enumerate() {
                let text = String::from_utf8_lossy(cell);
                let text: String = text.chars().take(MAX_CELL_CHARS).collect();
                let Ok(column) = u16::try_from(column) else {
                    break;
                };
                let _ = sheet.write_string(row, column, text);
            }
        }
    }
    let bytes = book.save_to_buffer().unwrap_or_default();
    (bytes, manifest)
}

/// The delimiter of a CSV file's first line: the commonest of comma, semicolon and tab.
fn sniff(bytes: &[u8]) -> u8 {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&d| (first.iter().filter(|&&b| b == d).count(), d == b','))
        .unwrap_or(b',')
}

/// Writes `plan`'s files into `scratch`, runs the command there and judges how it ended.
fn run(binary: &Path, scratch: &Path, plan: &Plan) -> Result<Ran> {
    if scratch.exists() {
        fs::remove_dir_all(scratch)?;
    }
    fs::create_dir_all(scratch)?;
    for (name, bytes) in &plan.files {
        let path = scratch.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, bytes)?;
    }
    let stdout = fs::File::create(scratch.join(".stdout"))?;
    let stderr_path = scratch.join(".stderr");
    let stderr = fs::File::create(&stderr_path)?;
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(&plan.args)
        .current_dir(scratch)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()?;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let stderr = fs::read(&stderr_path).unwrap_or_default();
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    let code = status.and_then(|s| s.code());
    let failure = match (status, code) {
        (None, _) => Some(format!("still running after {} s", TIME_LIMIT.as_secs())),
        (Some(status), None) => Some(format!("ended by a signal ({status})")),
        (_, Some(code)) if !(0..=2).contains(&code) => Some(format!("exit code {code}")),
        _ if stderr.contains("panicked") => Some(String::from("panicked")),
        (_, Some(2))
            if plan
                .output
                .as_ref()
                .is_some_and(|o| scratch.join(o).exists()) =>
        {
            Some(String::from("an invalid run left its output file"))
        }
        _ => leftover_temporary(scratch)?.map(|name| format!("left a temporary file `{name}`")),
    };
    Ok(Ran {
        code,
        failure,
        stderr,
    })
}

/// A temporary output file left in `scratch` or in the folder `export` writes into, if any.
fn leftover_temporary(scratch: &Path) -> Result<Option<String>> {
    for folder in [scratch.to_path_buf(), scratch.join("oscal")] {
        if !folder.is_dir() {
            continue;
        }
        for entry in fs::read_dir(&folder)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if name.starts_with(".riskgraph-") {
                return Ok(Some(name));
            }
        }
    }
    Ok(None)
}

/// Saves a failing run's inputs, how it was damaged and the command that reproduces it.
fn save_failure(dir: &Path, seed: u64, index: usize, plan: &Plan, ran: &Ran) -> Result<PathBuf> {
    let case = dir.join(format!("seed-{seed}-run-{index}-{}", plan.kind.name()));
    if case.exists() {
        fs::remove_dir_all(&case)?;
    }
    for (name, bytes) in &plan.files {
        let path = case.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, bytes)?;
    }
    let quoted: Vec<String> = plan.args.iter().map(|a| shell_quote(a)).collect();
    let stderr_tail: String = {
        let lines: Vec<&str> = ran.stderr.lines().collect();
        lines[lines.len().saturating_sub(40)..]
            .iter()
            .map(|line| line.chars().take(300).collect::<String>() + "\n")
            .collect()
    };
    let note = format!(
        "failure: {}\nseed input: {}\nreproduce (in this folder): riskgraph {}\nor: cargo xtask fuzz --seed {seed} --runs {} (run {index})\n\ndamage:\n{}\n\nstderr (last lines):\n{stderr_tail}",
        ran.failure.as_deref().unwrap_or(""),
        plan.seed_name,
        quoted.join(" "),
        index + 1,
        plan.mutations.join("\n"),
    );
    fs::write(case.join("FAILURE.txt"), note)?;
    Ok(case)
}

fn shell_quote(arg: &str) -> String {
    if arg
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./@:=,".contains(c))
    {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeds() -> (Vec<Seed>, Seed) {
        let inventory = Seed {
            name: "datasets/tiny".into(),
            files: vec![
                (
                    "assets.csv".into(),
                    b"id,name,type\nweb,Web,software\n".to_vec(),
                ),
                ("vendors.csv".into(), b"id,name\naws,AWS\n".to_vec()),
            ],
        };
        let rules = Seed {
            name: "rules/default".into(),
            files: vec![("likelihood.rhai".into(), b"let x = 1;\nx\n".to_vec())],
        };
        (vec![inventory], rules)
    }

    #[test]
    fn the_same_seed_plans_the_same_runs() {
        let (inventories, rules) = seeds();
        let options = Options {
            runs: 50,
            seed: 9,
            only: None,
            workers: 2,
        };
        for index in 0..50 {
            let a = plan(&options, index, &inventories, &rules);
            let b = plan(&options, index, &inventories, &rules);
            assert_eq!(a.args, b.args);
            assert_eq!(a.files, b.files);
            assert_eq!(a.mutations, b.mutations);
        }
    }

    #[test]
    fn a_workbook_is_the_same_bytes_whenever_it_is_made() {
        let (inventories, _) = seeds();
        let (first, _) = workbook(&inventories[0].files);
        // The workbook records when it was made, to the second.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let (second, _) = workbook(&inventories[0].files);
        assert!(
            first == second,
            "the workbook depends on the time it was made"
        );
    }

    #[test]
    fn command_restricts_every_run_to_one_kind() {
        let (inventories, rules) = seeds();
        let options = Options {
            runs: 20,
            seed: 1,
            only: Some(Kind::Workbook),
            workers: 1,
        };
        for index in 0..20 {
            let plan = plan(&options, index, &inventories, &rules);
            assert_eq!(plan.kind, Kind::Workbook);
            assert!(plan.files.iter().any(|(name, _)| name == "book.xlsx"));
        }
    }

    #[test]
    fn commands_are_named_as_the_option_takes_them() {
        for kind in KINDS {
            assert_eq!(Kind::parse(kind.name()), Ok(kind));
        }
        assert!(Kind::parse("frobnicate").is_err());
    }
}
