//! One module per command: an `Args` struct and a `run` function.

pub mod assess;
pub mod blast_radius;
pub mod catalog;
pub mod completions;
pub mod coverage;
pub mod diff;
pub mod explain;
pub mod init;
pub mod report;
pub mod rules;
pub mod soa;
pub mod validate;

use std::io::Write;
use std::path::Path;

use riskgraph_engine::rules::Rules;
use riskgraph_model::Inventory;

use crate::render;

/// Loads the inventory at `path` for a command that works on it. When it has errors, prints them
/// (as `validate` does) and returns `None`. Warnings are left to `validate`, so the graph checks,
/// which only warn (cycles, isolated nodes), are not run here.
pub fn load_valid(path: &Path) -> Option<Inventory> {
    load_valid_with_inputs(path).map(|(inventory, _)| inventory)
}

/// [`load_valid`], with the paths of the files it read.
pub fn load_valid_with_inputs(path: &Path) -> Option<(Inventory, Vec<std::path::PathBuf>)> {
    let loaded = riskgraph_model::load(path);
    let n_errors = loaded.diagnostics.n_errors();
    if n_errors == 0 {
        return Some((loaded.inventory, loaded.inputs));
    }
    let mut errors = loaded.diagnostics;
    errors
        .items
        .retain(|d| d.severity == riskgraph_model::Severity::Error);
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(render::human(&errors).as_bytes());
    let s = if n_errors == 1 { "" } else { "s" };
    let _ = writeln!(stderr, "invalid: {n_errors} error{s} in {}", path.display());
    None
}

/// The rules for the inventory at `inventory_path`: the folder of `--rules` when given, else the
/// manifest's `[method] rules` (relative to the inventory's folder), else the built-in rules.
/// Prints the problems and returns `None` when a script is broken.
pub fn load_rules(
    inventory_path: &Path,
    inventory: &Inventory,
    flag: Option<&Path>,
) -> Option<Rules> {
    let base = if inventory_path.is_dir() {
        inventory_path
    } else {
        inventory_path.parent().unwrap_or(Path::new("."))
    };
    let from_manifest = flag.is_none() && inventory.manifest.rules.is_some();
    let folder = flag.map(Path::to_path_buf).or_else(|| {
        inventory
            .manifest
            .rules
            .as_ref()
            .map(|rules| base.join(rules))
    });
    match Rules::load(folder.as_deref(), inventory.manifest.sandbox) {
        Ok(rules) => Some(rules),
        Err(mut errors) => {
            if from_manifest {
                for error in &mut errors {
                    error.context.get_or_insert_with(|| {
                        String::from("the rules folder named by `[method] rules` in riskgraph.toml")
                    });
                }
            }
            print_rule_errors(&errors);
            None
        }
    }
}

/// The graph impact flows through, with the edge factors of `rules`. Prints the problem and
/// returns `None` when the propagation rule fails on an edge.
pub fn impact_graph(
    inventory: &Inventory,
    rules: &Rules,
) -> Option<riskgraph_engine::propagation::ImpactGraph> {
    match riskgraph_engine::propagation::ImpactGraph::with_rules(inventory, rules) {
        Ok(graph) => Some(graph),
        Err(error) => {
            print_rule_errors(&[error]);
            None
        }
    }
}

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

/// A usage error: the message on stderr, exit 2.
pub fn usage(message: &str) -> crate::Outcome {
    let _ = writeln!(std::io::stderr(), "error: {message}");
    crate::Outcome::Invalid
}

/// Prints rules problems to stderr, one per line, with a count.
pub fn print_rule_errors(errors: &[riskgraph_engine::rules::RuleError]) {
    let mut stderr = std::io::stderr().lock();
    for error in errors {
        let _ = writeln!(stderr, "error: {error}");
    }
    let s = if errors.len() == 1 { "" } else { "s" };
    let _ = writeln!(stderr, "invalid rules: {} problem{s}", errors.len());
}

/// The outputs of `coverage` and `soa`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SheetFormat {
    Table,
    Json,
    Csv,
    Md,
    /// An Excel workbook (needs `-o FILE`)
    Xlsx,
}

/// The arguments of the commands that assess an inventory and report on it in one of the
/// register's formats (`coverage`, `soa`).
#[derive(clap::Args)]
pub struct ReportArgs {
    /// The inventory: a folder of CSV files, or a workbook (.xlsx)
    pub path: std::path::PathBuf,
    /// Output: table (for the terminal), json, csv, md (Markdown) or xlsx (a workbook, with -o)
    #[arg(long, value_enum, default_value_t = SheetFormat::Table)]
    pub format: SheetFormat,
    /// Write to FILE instead of the standard output (all or nothing)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// The rules folder (default: the manifest's `[method] rules`, else the built-in rules)
    #[arg(long, value_name = "DIR")]
    pub rules: Option<std::path::PathBuf>,
    /// The date of the assessment (default: today, UTC)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = assess::parse_date)]
    pub as_of: Option<jiff::civil::Date>,
    /// Worker threads (default: one per core); the output does not depend on it
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

impl ReportArgs {
    /// Loads the inventory and rules and runs the assessment; `None` when any of it is invalid
    /// (the problems were printed).
    pub fn assess(&self) -> Option<(Inventory, riskgraph_engine::assess::Assessment)> {
        if self.format == SheetFormat::Xlsx && self.output.is_none() {
            usage("--format xlsx writes a workbook: give it a file with -o FILE.xlsx");
            return None;
        }
        use_threads(self.threads);
        let inventory = load_valid(&self.path)?;
        let rules = load_rules(&self.path, &inventory, self.rules.as_deref())?;
        let as_of = self.as_of.unwrap_or_else(assess::today);
        let graph = impact_graph(&inventory, &rules)?;
        let assessment = assess::run_assessment(&inventory, &graph, &rules, as_of)?;
        Some((inventory, assessment))
    }

    /// Characters per line for a table on the standard output.
    pub fn width(&self) -> usize {
        use std::io::IsTerminal;
        assess::width(self.output.is_none() && std::io::stdout().is_terminal())
    }
}
