//! `riskgraph blast-radius`: what a failure or breach of some nodes reaches, and how hard; what can
//! take some nodes down; or every vendor, or every fourth party, ranked by what it reaches.

use std::path::PathBuf;

use clap::ValueEnum;
use riskgraph_engine::propagation::{DEFAULT_MIN_IMPACT, Limits};
use riskgraph_engine::session::Session;
use riskgraph_engine::snapshot::Policy;
use riskgraph_engine::supply_chain::DEFAULT_SPOF;
use riskgraph_model::values::Property;
use riskgraph_model::{Inventory, NodeIdx};
use riskgraph_report::Format;
use riskgraph_report::blast_radius::{self, Query};

use crate::error;

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["from", "into", "rank"])))]
pub struct Args {
    /// The inventory: a folder of CSV files, or a workbook (.xlsx)
    pub path: PathBuf,
    /// The node ids that fail or are breached, together (comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "ID[,ID...]")]
    pub from: Vec<String>,
    /// What can take these nodes down instead: every node whose failure or breach reaches them
    /// (comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "ID[,ID...]")]
    pub into: Vec<String>,
    /// With --into: a node whose failure alone reaches a target's availability at this factor or
    /// more is a single point of failure (0..1, or a percentage)
    #[arg(long, value_name = "FACTOR", value_parser = parse_spof)]
    pub spof: Option<f64>,
    /// Rank every vendor by its transitive blast radius, or every fourth party (a provider your
    /// vendors depend on), instead
    #[arg(long, value_enum)]
    pub rank: Option<RankWhat>,
    /// The property that fails: c (confidentiality), i (integrity), a (availability) or all
    #[arg(long, default_value = "all", value_parser = parse_property)]
    pub property: PropertyChoice,
    /// Leave out nodes whose impact is below this factor (0..1, or a percentage)
    #[arg(long, default_value_t = DEFAULT_MIN_IMPACT, value_parser = parse_factor)]
    pub min: f64,
    /// Leave out nodes whose strongest path is more than this many hops long
    #[arg(long, value_name = "N")]
    pub depth: Option<u32>,
    /// Output: tree (default with --from and --into), table (default with --rank), json, or dot
    /// (Graphviz)
    #[arg(long, value_parser = super::formats(FORMATS))]
    pub format: Option<Format>,
    /// Write to FILE instead of the standard output (all or nothing: a temporary file is
    /// renamed once complete)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The rules folder whose propagation.rhai sets the edge factors (default: the manifest's
    /// `[method] rules`, else the built-in rules)
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Worker threads for --rank (default: one per core)
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Read the inventory's files and build its graph afresh, without reading or writing the
    /// compiled snapshot kept in DIR/.riskgraph/ (by default from 16 MiB of input, written by
    /// the second run on the same files)
    #[arg(long, conflicts_with = "cache")]
    pub no_cache: bool,
    /// Keep and use the compiled snapshot whatever the inventory's size, written from the first
    /// run
    #[arg(long)]
    pub cache: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RankWhat {
    Vendors,
    FourthParties,
}

/// The formats of an exposure and of the ranking.
const FORMATS: &[Format] = &[Format::Tree, Format::Table, Format::Json, Format::Dot];

#[derive(Clone)]
pub struct PropertyChoice(Vec<Property>);

fn parse_property(text: &str) -> Result<PropertyChoice, String> {
    if text.eq_ignore_ascii_case("all") {
        return Ok(PropertyChoice(Property::ALL.to_vec()));
    }
    Property::parse(text)
        .map(|p| PropertyChoice(vec![p]))
        .ok_or_else(|| format!("`{text}` is not a property; use c, i, a or all"))
}

fn parse_spof(text: &str) -> Result<f64, String> {
    parse_factor(text).ok().filter(|&f| f > 0.0).ok_or_else(|| {
        format!(
            "`{text}` is not a threshold; use a factor above 0 and at most 1, such as 0.8 or 80%"
        )
    })
}

fn parse_factor(text: &str) -> Result<f64, String> {
    // Through the f32's shortest decimal form, so `0.05` stays 0.05 and prints as such.
    riskgraph_model::values::Factor::parse(text)
        .map(|f| f.get().to_string().parse().unwrap_or(DEFAULT_MIN_IMPACT))
        .map_err(|_| {
            format!("`{text}` is not a factor; use a number from 0 to 1, such as 0.05 or 5%")
        })
}

pub fn run(args: &Args) -> error::Result {
    super::use_threads(args.threads);
    if args.spof.is_some() && args.into.is_empty() {
        return Err(super::usage("--spof goes with --into"));
    }
    if args.rank.is_some() && matches!(args.format, Some(Format::Tree | Format::Dot)) {
        return Err(super::usage(
            "--rank prints a table or json; tree and dot need --from or --into",
        ));
    }
    // A blast radius does not depend on the date.
    let as_of = super::today();
    let policy = if args.no_cache {
        Policy::Never
    } else if args.cache {
        Policy::Always
    } else {
        Policy::Auto
    };
    let (session, snapshot) = Session::open_with_snapshot(
        &args.path,
        args.rules.as_deref(),
        as_of,
        super::print_to_stderr(),
        policy,
    )
    .map_err(|error| error::Error::open(&args.path, error))?;
    for warning in &snapshot.warnings {
        super::warn(warning);
    }
    let (outcome, warning) = session.while_saving(snapshot, || answer(args, &session));
    if let Some(warning) = warning {
        super::warn(&warning);
    }
    // The process ends here: freeing a million nodes one by one would only delay the exit.
    std::mem::forget(session);
    outcome
}

/// Computes and writes what `args` asks of `session`.
fn answer(args: &Args, session: &Session) -> error::Result {
    let (inventory, graph) = (session.inventory(), session.graph());
    let limits = Limits::new(args.min, args.depth);
    let query = Query {
        properties: args.property.0.clone(),
        min: args.min,
        depth: args.depth,
    };
    let format = args.format.unwrap_or(Format::Tree);
    if let Some(what) = args.rank {
        let format = args.format.unwrap_or(Format::Table);
        if matches!(what, RankWhat::FourthParties) {
            let parties = session.fourth_parties(&args.property.0, limits);
            return crate::output::emit(args.output.as_deref(), |out| {
                blast_radius::write_fourth_parties(out, format, inventory, &parties, &query)
            });
        }
        let ranks = session.rank_vendors(&args.property.0, limits);
        crate::output::emit(args.output.as_deref(), |out| {
            blast_radius::write_ranking(out, format, inventory, &ranks, &query)
        })
    } else if !args.into.is_empty() {
        let targets = resolve(inventory, &args.into, "--into")?;
        let spof = args.spof.unwrap_or(DEFAULT_SPOF);
        let upstream = session.upstream(&targets, &args.property.0, limits, spof);
        let summary = upstream.exposure.summary(inventory, session.facts());
        crate::output::emit(args.output.as_deref(), |out| {
            blast_radius::write_upstream(out, format, inventory, graph, &upstream, &summary, &query)
        })
    } else {
        let origins = resolve(inventory, &args.from, "--from")?;
        let exposure = session.exposure(&origins, &args.property.0, limits);
        let summary = exposure.summary(inventory, session.facts());
        crate::output::emit(args.output.as_deref(), |out| {
            blast_radius::write_exposure(out, format, inventory, graph, &exposure, &summary, &query)
        })
    }
}

/// The node indexes of `ids`, given with `option`: a usage error naming the first unknown one
/// with the closest id, or saying that none was given.
fn resolve(inventory: &Inventory, ids: &[String], option: &str) -> error::Result<Vec<NodeIdx>> {
    match inventory.resolve(ids) {
        Ok(found) if found.is_empty() => Err(super::usage(&format!(
            "{option} needs at least one node id"
        ))),
        Ok(found) => Ok(found),
        Err(message) => Err(super::usage(&message)),
    }
}
