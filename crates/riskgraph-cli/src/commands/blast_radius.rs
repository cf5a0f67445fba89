//! `riskgraph blast-radius`: what a failure or breach of some nodes reaches, and how hard; or every
//! vendor ranked by what it reaches.

use std::path::PathBuf;

use clap::ValueEnum;
use riskgraph_engine::propagation::{DEFAULT_MIN_IMPACT, Limits};
use riskgraph_model::values::Property;
use riskgraph_report::Format;
use riskgraph_report::blast_radius::{self, Query};

use crate::error;

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["from", "rank"])))]
pub struct Args {
    /// The inventory: a folder of CSV files, or a workbook (.xlsx)
    pub path: PathBuf,
    /// The node ids that fail or are breached, together (comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "ID[,ID...]")]
    pub from: Vec<String>,
    /// Rank every vendor by its transitive blast radius instead
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
    /// Output: tree (default with --from), table (default with --rank), json, or dot (Graphviz)
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
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RankWhat {
    Vendors,
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
    if args.rank.is_some() && matches!(args.format, Some(Format::Tree | Format::Dot)) {
        return Err(super::usage(
            "--rank vendors prints a table or json; tree and dot need --from",
        ));
    }
    // A blast radius does not depend on the date.
    let as_of = super::today();
    let session = super::load_and_open(&args.path, args.rules.as_deref(), as_of)?;
    let (inventory, graph) = (session.inventory(), session.graph());
    let limits = Limits::new(args.min, args.depth);
    let query = Query {
        properties: args.property.0.clone(),
        min: args.min,
        depth: args.depth,
    };
    if args.rank.is_some() {
        let format = args.format.unwrap_or(Format::Table);
        let ranks = session.rank_vendors(&args.property.0, limits);
        crate::output::emit(args.output.as_deref(), |out| {
            blast_radius::write_ranking(out, format, inventory, &ranks, &query)
        })
    } else {
        let origins = match inventory.resolve(&args.from) {
            Ok(origins) => origins,
            Err(message) => return Err(super::usage(&message)),
        };
        let exposure = session.exposure(&origins, &args.property.0, limits);
        let summary = exposure.summary(inventory, session.facts());
        let format = args.format.unwrap_or(Format::Tree);
        crate::output::emit(args.output.as_deref(), |out| {
            blast_radius::write_exposure(out, format, inventory, graph, &exposure, &summary, &query)
        })
    }
}
