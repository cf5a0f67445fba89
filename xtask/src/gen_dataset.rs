//! `cargo xtask gen-dataset`: writes a synthetic, valid riskgraph inventory folder of any size, with
//! the layered and heavy-tailed shape of a real estate, for benchmarks and scale tests.
//!
//! The layers, top to bottom: business processes -> applications -> data -> personnel ->
//! hardware -> networks -> facilities -> vendors -> big (fourth-party) vendors. A dependency always
//! points down, or to a later node of the same layer (an application on a shared platform
//! application), and big vendors depend on bigger ones: the graph has no cycles. Most picks are
//! local (an application uses the data of its own business domain); the rest follow a power law, so
//! a few hubs are depended on by a large share of the estate and the biggest vendor reaches most of
//! it.
//!
//! Every file draws from its own `fastrand` generator seeded from `--seed`, and rows are written in
//! a fixed order: the same arguments give byte-identical files.

mod catalog;
mod controls;
mod edges;
mod nodes;
mod selector;
mod threats;
mod vocab;

use std::fmt;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use fastrand::Rng;

use crate::Result;
pub use threats::Breadth;

/// The version of what the generator writes, raised whenever its files change (2: a `loss` per
/// process and a `[quant]` table), so that benchmarks do not reuse an older dataset.
pub const VERSION: u32 = 2;

/// The smallest inventory that still has every layer.
const MIN_NODES: usize = 50;

pub struct Options {
    pub nodes: usize,
    pub seed: u64,
    pub out_dir: PathBuf,
    pub threats: Breadth,
}

/// What was written, for the one-line report.
pub struct Summary {
    pub assets: usize,
    pub processes: usize,
    pub vendors: usize,
    pub dependencies: u64,
    pub threats: usize,
    /// (in-scope node, threat) pairs the threats' targets select: the number of risk scenarios
    /// before fraud scenarios.
    pub scenarios: u64,
    pub vulnerabilities: usize,
    pub controls: usize,
    pub incidents: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes = self.assets + self.processes + self.vendors;
        write!(
            f,
            "{nodes} nodes ({} assets, {} processes, {} vendors), {} dependencies, {} threats \
             selecting {} (node, threat) pairs, {} vulnerabilities, {} controls, {} incidents",
            self.assets,
            self.processes,
            self.vendors,
            self.dependencies,
            self.threats,
            self.scenarios,
            self.vulnerabilities,
            self.controls,
            self.incidents,
        )
    }
}

/// `gen-dataset --nodes N [--seed S] OUT_DIR`.
#[derive(clap::Args)]
pub struct Args {
    /// How many nodes (assets, processes, vendors): `5000`, `50_000`, `10k` or `1M`
    #[arg(long, value_parser = crate::args::count)]
    nodes: usize,
    /// The seed: the same nodes and seed give byte-identical files
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// What the threats target: `narrow` selectors, about one risk per node, or `broad` classes
    /// of nodes (every server, any data asset), tens of risks per node
    #[arg(long, value_enum, default_value_t = Breadth::Narrow)]
    threats: Breadth,
    /// The folder to write the inventory into
    out_dir: PathBuf,
}

pub fn command(args: &Args) -> Result<()> {
    let started = Instant::now();
    let options = Options {
        nodes: args.nodes,
        seed: args.seed,
        out_dir: args.out_dir.clone(),
        threats: args.threats,
    };
    let summary = generate(&options)?;
    println!(
        "{}: {summary} (seed {}, {:.2} s)",
        args.out_dir.display(),
        args.seed,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Writes the inventory folder `options.out_dir`, replacing the files it writes.
pub fn generate(options: &Options) -> Result<Summary> {
    let plan = Plan::new(options.nodes)?;
    let dir = options.out_dir.as_path();
    fs::create_dir_all(dir)?;
    let inventory = nodes::build(plan, options.seed);
    nodes::write(&inventory, dir, options.seed)?;
    let dependencies = edges::write(&inventory, dir, options.seed)?;
    let catalog = catalog::write(&inventory, dir, options.threats, options.seed)?;
    Ok(Summary {
        assets: inventory.assets.len(),
        processes: inventory.processes.len(),
        vendors: inventory.vendors.len(),
        dependencies,
        threats: catalog.threats,
        scenarios: catalog.scenarios,
        vulnerabilities: catalog.vulnerabilities,
        controls: catalog.controls,
        incidents: catalog.incidents,
    })
}

/// The layers of the estate, top (depends on the most) to bottom.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Layer {
    Process,
    App,
    Data,
    Personnel,
    Hardware,
    Network,
    Facility,
    Vendor,
    BigVendor,
}

impl Layer {
    const ALL: [Self; 9] = [
        Self::Process,
        Self::App,
        Self::Data,
        Self::Personnel,
        Self::Hardware,
        Self::Network,
        Self::Facility,
        Self::Vendor,
        Self::BigVendor,
    ];
}

/// How many nodes each layer has. Nodes are numbered internally layer after layer, so each layer
/// is a contiguous range of internal indices (the ids written to the files are shuffled).
struct Plan {
    starts: [usize; Layer::ALL.len() + 1],
}

impl Plan {
    fn new(nodes: usize) -> Result<Self> {
        if nodes < MIN_NODES {
            return Err(format!("`--nodes` must be at least {MIN_NODES}").into());
        }
        if u32::try_from(nodes).is_err() {
            return Err("`--nodes` must fit in 32 bits".into());
        }
        let share = |fraction: f64| ((nodes as f64 * fraction).round() as usize).max(1);
        let processes = share(0.03);
        let vendors = share(0.015).max(3);
        let big_vendors = (vendors / 50).clamp(2, 100);
        let apps = share(0.20);
        let data = share(0.28);
        let personnel = share(0.10);
        let networks = share(0.12);
        let facilities = share(0.005);
        let hardware =
            nodes - (processes + vendors + apps + data + personnel + networks + facilities);
        let sizes = [
            processes,
            apps,
            data,
            personnel,
            hardware,
            networks,
            facilities,
            vendors - big_vendors,
            big_vendors,
        ];
        let mut starts = [0; Layer::ALL.len() + 1];
        for (layer, size) in sizes.into_iter().enumerate() {
            starts[layer + 1] = starts[layer] + size;
        }
        Ok(Self { starts })
    }

    fn total(&self) -> usize {
        self.starts[Layer::ALL.len()]
    }

    fn range(&self, layer: Layer) -> Range<usize> {
        self.starts[layer as usize]..self.starts[layer as usize + 1]
    }

    /// The nodes of the layers `first..=last`.
    fn span(&self, first: Layer, last: Layer) -> Range<usize> {
        self.range(first).start..self.range(last).end
    }

    fn layer_of(&self, node: usize) -> Layer {
        let after = self.starts[1..].partition_point(|&end| end <= node);
        Layer::ALL[after]
    }
}

/// One independent random stream per output file, so that changing how one file is generated
/// leaves the others byte-identical.
#[derive(Clone, Copy)]
enum Stream {
    Nodes = 1,
    Assets,
    Processes,
    Vendors,
    Dependencies,
    Threats,
    Vulnerabilities,
    Controls,
    Incidents,
}

fn rng_for(seed: u64, stream: Stream) -> Rng {
    Rng::with_seed(seed ^ (stream as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// True with probability `p`.
fn chance(rng: &mut Rng, p: f64) -> bool {
    rng.f64() < p
}

/// An index into `weights`, drawn in proportion to the weights.
fn weighted(rng: &mut Rng, weights: &[u32]) -> usize {
    let mut left = rng.u32(..weights.iter().sum::<u32>());
    for (index, &weight) in weights.iter().enumerate() {
        if left < weight {
            return index;
        }
        left -= weight;
    }
    weights.len() - 1
}

/// A rank in `0..len` drawn from a power law: rank 0 is the most likely, and the larger
/// `exponent`, the more the draws concentrate on the first ranks.
fn power_rank(rng: &mut Rng, len: usize, exponent: f64) -> usize {
    ((rng.f64().powf(exponent) * len as f64) as usize).min(len - 1)
}

/// A calendar date; days stop at 28 so that every month is valid.
struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    fn random(rng: &mut Rng, years: Range<u16>) -> Self {
        Self {
            year: rng.u16(years),
            month: rng.u8(1..=12),
            day: rng.u8(1..=28),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

/// A CSV field, quoted when it holds a delimiter, a quote or a line break.
struct Text<'a>(&'a str);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.contains([',', '"', '\n', '\r']) {
            write!(f, "\"{}\"", self.0.replace('"', "\"\""))
        } else {
            f.write_str(self.0)
        }
    }
}

/// A tag as the start of a name ("Payments database 12", "HR operations 3"): capitalized, or in
/// capitals when it is an acronym.
struct Title<'a>(&'a str);

impl fmt::Display for Title<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if matches!(self.0, "hr" | "crm" | "kyc" | "vpn" | "ci-cd") {
            return f.write_str(&self.0.to_ascii_uppercase());
        }
        let mut chars = self.0.chars();
        if let Some(first) = chars.next() {
            write!(f, "{}{}", first.to_ascii_uppercase(), chars.as_str())?;
        }
        Ok(())
    }
}

type Out = BufWriter<File>;

fn create(dir: &Path, name: &str) -> Result<Out> {
    let path = dir.join(name);
    let file =
        File::create(&path).map_err(|e| format!("cannot create `{}`: {e}", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 20, file))
}

/// Flushes `out`, reporting the error that dropping a `BufWriter` would swallow.
fn finish(mut out: Out) -> Result<()> {
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_covers_every_node_and_layer() {
        for nodes in [MIN_NODES, 2_000, 1_000_000] {
            let plan = Plan::new(nodes).unwrap();
            assert_eq!(plan.total(), nodes);
            for layer in Layer::ALL {
                let range = plan.range(layer);
                assert!(!range.is_empty(), "{layer:?} is empty for {nodes} nodes");
                assert_eq!(plan.layer_of(range.start), layer);
                assert_eq!(plan.layer_of(range.end - 1), layer);
            }
        }
    }

    #[test]
    fn text_is_quoted_only_when_needed() {
        assert_eq!(Text("plain").to_string(), "plain");
        assert_eq!(Text("a, b").to_string(), "\"a, b\"");
        assert_eq!(Text("say \"hi\"").to_string(), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn titles() {
        assert_eq!(Title("payments").to_string(), "Payments");
        assert_eq!(Title("ci-cd").to_string(), "CI-CD");
    }
}
