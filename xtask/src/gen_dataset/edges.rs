//! `dependencies.csv`: each node's dependencies, drawn layer by layer so that they always point
//! down the estate (or forward within a layer), which keeps the graph acyclic.

use std::io::Write;
use std::path::Path;

use fastrand::Rng;

use super::nodes::{Facts, Inventory, Node};
use super::vocab::{AssetType, Env};
use super::{Layer, Plan, Stream, chance, create, finish, power_rank, rng_for, yes_no};
use crate::Result;

/// Writes `dependencies.csv`; returns the number of rows.
///
/// Rows come grouped by `from` node, processes first, then assets and vendors, each in id order.
pub fn write(inventory: &Inventory, dir: &Path, seed: u64) -> Result<u64> {
    let mut out = create(dir, "dependencies.csv")?;
    writeln!(out, "from,to,kind,strength,redundant,propagates")?;
    let mut picker = Picker {
        plan: &inventory.plan,
        nodes: &inventory.nodes,
        rng: rng_for(seed, Stream::Dependencies),
        edges: Vec::new(),
    };
    let mut touched = vec![false; inventory.nodes.len()];
    let mut rows = 0;
    let froms = inventory
        .processes
        .iter()
        .chain(&inventory.assets)
        .chain(&inventory.vendors);
    for &from in froms {
        let from = from as usize;
        let from_id = inventory.id(from);
        for edge in picker.edges_of(from) {
            touched[from] = true;
            touched[edge.to] = true;
            write!(
                out,
                "{from_id},{},{},",
                inventory.id(edge.to),
                edge.kind.name()
            )?;
            // A strength of 1 is the default; leave the cell empty as people do.
            if edge.tenths < 10 {
                write!(out, "0.{}", edge.tenths)?;
            }
            writeln!(out, ",{},{}", yes_no(edge.redundant), edge.propagates)?;
            rows += 1;
        }
    }
    if let Some(isolated) = touched.iter().position(|&touched| !touched) {
        let id = inventory.id(isolated);
        return Err(format!("bug: node `{id}` is in no dependency").into());
    }
    finish(out)?;
    Ok(rows)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DepKind {
    RunsOn,
    HostedBy,
    StoresDataIn,
    Uses,
    ProvidedBy,
    ManagedBy,
    LocatedIn,
    Other,
}

impl DepKind {
    fn name(self) -> &'static str {
        match self {
            Self::RunsOn => "runs-on",
            Self::HostedBy => "hosted-by",
            Self::StoresDataIn => "stores-data-in",
            Self::Uses => "uses",
            Self::ProvidedBy => "provided-by",
            Self::ManagedBy => "managed-by",
            Self::LocatedIn => "located-in",
            Self::Other => "other",
        }
    }
}

struct Edge {
    to: usize,
    kind: DepKind,
    /// Strength in tenths, 0..=10.
    tenths: u8,
    redundant: bool,
    /// The `propagates` cell.
    propagates: &'static str,
}

/// Draws the dependencies of one node at a time.
struct Picker<'a> {
    plan: &'a Plan,
    nodes: &'a [Node],
    rng: Rng,
    edges: Vec<Edge>,
}

/// How many tries a pick gets to find a target the node does not depend on yet.
const TRIES: usize = 4;

impl Picker<'_> {
    fn edges_of(&mut self, from: usize) -> &[Edge] {
        self.edges.clear();
        let layer = self.plan.layer_of(from);
        let range = self.plan.range(layer);
        let at = Position {
            from,
            fraction: (from - range.start) as f64 / range.len() as f64,
        };
        match layer {
            Layer::Process => self.process(at),
            Layer::App => self.app(at),
            Layer::Data => self.data(at),
            Layer::Personnel => self.personnel(at),
            Layer::Hardware => self.hardware(at),
            Layer::Network => self.network(at),
            Layer::Facility => self.facility(),
            Layer::Vendor => self.vendor(),
            Layer::BigVendor => self.big_vendor(from - range.start),
        }
        &self.edges
    }

    fn process(&mut self, at: Position) {
        let apps = self.rng.usize(3..=8);
        self.add_n(apps, DepKind::Uses, |p| Some(p.mixed(Layer::App, at, 0.15)));
        self.add_n(1, DepKind::ManagedBy, |p| {
            Some(p.mixed(Layer::Personnel, at, 0.05))
        });
        if chance(&mut self.rng, 0.5) {
            self.add_n(1, DepKind::Uses, |p| Some(p.mixed(Layer::Data, at, 0.1)));
        }
        if chance(&mut self.rng, 0.3) {
            self.add_n(1, DepKind::Uses, |p| Some(p.small_vendor()));
        }
    }

    fn app(&mut self, at: Position) {
        let data = self.rng.usize(1..=5);
        self.add_n(data, DepKind::StoresDataIn, |p| {
            Some(p.mixed(Layer::Data, at, 0.1))
        });
        if self.asset_type(at.from) == AssetType::Software {
            let hosts = self.rng.usize(1..=2);
            self.add_n(hosts, DepKind::RunsOn, |p| {
                Some(p.mixed(Layer::Hardware, at, 0.2))
            });
            if chance(&mut self.rng, 0.2) {
                self.add_n(1, DepKind::ProvidedBy, |p| Some(p.small_vendor()));
            }
        } else {
            self.add_n(1, DepKind::ProvidedBy, |p| Some(p.any_vendor(0.3)));
            if chance(&mut self.rng, 0.3) {
                self.add_n(1, DepKind::RunsOn, |p| {
                    Some(p.mixed(Layer::Hardware, at, 0.2))
                });
            }
        }
        if chance(&mut self.rng, 0.4) {
            let platforms = self.rng.usize(1..=2);
            self.add_n(platforms, DepKind::Uses, |p| p.forward(at.from));
        }
        if chance(&mut self.rng, 0.5) {
            self.add_n(1, DepKind::ManagedBy, |p| {
                Some(p.mixed(Layer::Personnel, at, 0.05))
            });
        }
    }

    fn data(&mut self, at: Position) {
        match self.asset_env(at.from) {
            Env::Cloud => self.add_n(1, DepKind::HostedBy, |p| Some(p.big_vendor_pick(1.5))),
            Env::Saas => self.add_n(1, DepKind::HostedBy, |p| Some(p.small_vendor())),
            _ => {}
        }
        let hosts = self.rng.usize(1..=4);
        self.add_n(hosts, DepKind::HostedBy, |p| {
            Some(p.mixed(Layer::Hardware, at, 0.15))
        });
        if chance(&mut self.rng, 0.6) {
            self.add_n(1, DepKind::Other, |p| p.forward(at.from));
        }
    }

    fn personnel(&mut self, at: Position) {
        self.add_n(1, DepKind::LocatedIn, |p| {
            Some(p.shared(Layer::Facility, 1.5))
        });
        let devices = self.rng.usize(1..=4);
        self.add_n(devices, DepKind::Uses, |p| {
            Some(p.mixed(Layer::Hardware, at, 0.05))
        });
        if chance(&mut self.rng, 0.3) {
            self.add_n(1, DepKind::ProvidedBy, |p| Some(p.small_vendor()));
        }
        if chance(&mut self.rng, 0.4) {
            self.add_n(1, DepKind::ManagedBy, |p| p.forward(at.from));
        }
    }

    fn hardware(&mut self, at: Position) {
        let networks = self.rng.usize(1..=3);
        self.add_n(networks, DepKind::Uses, |p| {
            Some(p.mixed(Layer::Network, at, 0.3))
        });
        let env = self.asset_env(at.from);
        if matches!(env, Env::Cloud | Env::Hybrid) {
            self.add_n(1, DepKind::HostedBy, |p| Some(p.big_vendor_pick(1.5)));
        }
        if matches!(env, Env::OnPremises | Env::Hybrid) {
            self.add_n(1, DepKind::LocatedIn, |p| {
                Some(p.shared(Layer::Facility, 1.5))
            });
        }
        if matches!(env, Env::Endpoint | Env::Mobile) && chance(&mut self.rng, 0.5) {
            self.add_n(1, DepKind::ManagedBy, |p| Some(p.small_vendor()));
        }
        if chance(&mut self.rng, 0.5) {
            self.add_n(1, DepKind::RunsOn, |p| p.forward(at.from));
        }
        if chance(&mut self.rng, 0.15) {
            self.add_n(1, DepKind::ManagedBy, |p| Some(p.small_vendor()));
        }
    }

    fn network(&mut self, at: Position) {
        if chance(&mut self.rng, 0.6) {
            self.add_n(1, DepKind::Uses, |p| p.forward(at.from));
        }
        self.add_n(1, DepKind::ProvidedBy, |p| Some(p.any_vendor(0.5)));
        if matches!(self.asset_env(at.from), Env::OnPremises | Env::Hybrid) {
            self.add_n(1, DepKind::LocatedIn, |p| {
                Some(p.shared(Layer::Facility, 1.5))
            });
        }
    }

    fn facility(&mut self) {
        let providers = self.rng.usize(1..=2);
        self.add_n(providers, DepKind::ProvidedBy, |p| Some(p.any_vendor(0.3)));
    }

    /// A small vendor runs on one to three big (fourth-party) vendors.
    fn vendor(&mut self) {
        self.add_n(1, DepKind::HostedBy, |p| Some(p.big_vendor_pick(2.0)));
        let more = self.rng.usize(0..=2);
        self.add_n(more, DepKind::Uses, |p| Some(p.big_vendor_pick(2.0)));
    }

    /// A big vendor depends on one or two bigger ones, so every big vendor reaches the biggest.
    fn big_vendor(&mut self, rank: usize) {
        if rank == 0 {
            return;
        }
        let start = self.plan.range(Layer::BigVendor).start;
        let count = self.rng.usize(1..=2);
        self.add_n(count, DepKind::Uses, |p| {
            Some(start + power_rank(&mut p.rng, rank, 2.0))
        });
    }

    /// Adds up to `count` dependencies on targets drawn by `pick`, skipping repeated targets.
    fn add_n(&mut self, count: usize, kind: DepKind, pick: impl Fn(&mut Self) -> Option<usize>) {
        for _ in 0..count {
            for _ in 0..TRIES {
                let Some(to) = pick(self) else { return };
                if !self.edges.iter().any(|edge| edge.to == to) {
                    self.push(to, kind);
                    break;
                }
            }
        }
    }

    fn push(&mut self, to: usize, kind: DepKind) {
        let rng = &mut self.rng;
        let (tenths, propagates) = match kind {
            DepKind::RunsOn | DepKind::HostedBy | DepKind::StoresDataIn => (10, "C;I;A"),
            DepKind::Uses if chance(rng, 0.3) => (rng.u8(5..=10), "A"),
            DepKind::Uses => (rng.u8(5..=10), "C;I;A"),
            DepKind::ProvidedBy => (rng.u8(6..=10), "C;I;A"),
            DepKind::ManagedBy => (rng.u8(3..=7), "C;I"),
            DepKind::LocatedIn if chance(rng, 0.2) => (rng.u8(6..=10), "C;A"),
            DepKind::LocatedIn => (rng.u8(6..=10), "A"),
            DepKind::Other => (rng.u8(3..=8), ""),
        };
        let redundancy = match kind {
            DepKind::LocatedIn | DepKind::HostedBy => 0.2,
            DepKind::RunsOn => 0.15,
            _ => 0.05,
        };
        let redundant = chance(rng, redundancy);
        self.edges.push(Edge {
            to,
            kind,
            tenths,
            redundant,
            propagates,
        });
    }

    /// Usually a neighbour of `at` in `layer` (same business domain), sometimes a shared hub.
    fn mixed(&mut self, layer: Layer, at: Position, p_shared: f64) -> usize {
        if chance(&mut self.rng, p_shared) {
            self.shared(layer, 3.0)
        } else {
            self.local(layer, at)
        }
    }

    /// A node of `layer` near the relative position of `at` in its own layer.
    fn local(&mut self, layer: Layer, at: Position) -> usize {
        let range = self.plan.range(layer);
        let len = range.len();
        let window = (len / 400).max(3);
        let center = ((at.fraction * len as f64) as usize).min(len - 1);
        let low = center.saturating_sub(window);
        let high = (center + window).min(len - 1);
        range.start + self.rng.usize(low..=high)
    }

    /// A hub of `layer`, drawn by a power law and scattered over the layer (hubs of every domain).
    fn shared(&mut self, layer: Layer, exponent: f64) -> usize {
        let range = self.plan.range(layer);
        let rank = power_rank(&mut self.rng, range.len(), exponent);
        range.start + scatter(rank, range.len())
    }

    /// A later node of the same layer: next door, or one of the hubs at the end of the layer.
    fn forward(&mut self, from: usize) -> Option<usize> {
        let end = self.plan.range(self.plan.layer_of(from)).end;
        let room = end - from - 1;
        if room == 0 {
            return None;
        }
        let step = if self.rng.bool() {
            self.rng.usize(..room.min(50))
        } else {
            room - 1 - power_rank(&mut self.rng, room, 3.0)
        };
        Some(from + 1 + step)
    }

    /// A big vendor; rank 0, the biggest, is the most likely.
    fn big_vendor_pick(&mut self, exponent: f64) -> usize {
        let range = self.plan.range(Layer::BigVendor);
        range.start + power_rank(&mut self.rng, range.len(), exponent)
    }

    fn small_vendor(&mut self) -> usize {
        self.shared(Layer::Vendor, 2.0)
    }

    fn any_vendor(&mut self, p_big: f64) -> usize {
        if chance(&mut self.rng, p_big) {
            self.big_vendor_pick(1.5)
        } else {
            self.small_vendor()
        }
    }

    fn asset_type(&self, node: usize) -> AssetType {
        match self.nodes[node].facts {
            Facts::Asset { ty, .. } => ty,
            _ => unreachable!("only assets have a type"),
        }
    }

    fn asset_env(&self, node: usize) -> Env {
        match self.nodes[node].facts {
            Facts::Asset { env, .. } => env,
            _ => unreachable!("only assets have an environment"),
        }
    }
}

/// Where the node whose dependencies are drawn sits.
#[derive(Clone, Copy)]
struct Position {
    from: usize,
    /// Its relative position in its layer, 0..1.
    fraction: f64,
}

/// Maps hub ranks to positions all over a layer (a bijection: the multiplier is a prime).
fn scatter(rank: usize, len: usize) -> usize {
    (rank as u64 * 2_654_435_761 % len as u64) as usize
}
