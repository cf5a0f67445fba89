//! The nodes of the synthetic inventory (assets, processes, vendors): the facts each one is drawn
//! with, their ids, and the three node files.

use std::fmt;
use std::io::Write;
use std::ops::Range;
use std::path::Path;

use fastrand::Rng;

use super::selector::{attr_bit, class_bit, domain_bit, env_bit, kind_bit, type_bit};
use super::vocab::{
    AssetType, Attr, BIG_VENDOR_SERVICES, CITIES, CLOUD_REGIONS, COUNTRIES, Class, DATA_ACCESS,
    DOMAINS, Env, FIRST_NAMES, Kind, LAST_NAMES, LIFECYCLES, PROCESS_NOUNS, VENDOR_PREFIXES,
    VENDOR_SERVICES, VENDOR_SUFFIXES, is_ai_domain, is_card_domain, is_financial_domain,
};
use super::{
    Date, Layer, Out, Plan, Stream, Text, Title, chance, create, finish, rng_for, weighted, yes_no,
};
use crate::Result;

pub struct Node {
    /// Kind, type, environment, classification and tags as selector bits (see `selector`).
    pub features: u128,
    pub facts: Facts,
    /// The number in the node's id (`asset-000123` has 123); numbers are shuffled per kind.
    pub id_num: u32,
    /// Index into `DOMAINS`.
    pub domain: u8,
    /// Criticality of a process or vendor, 1..=5.
    pub level: u8,
    pub in_scope: bool,
}

/// The facts of a node that the other columns and files are derived from.
#[derive(Clone, Copy)]
pub enum Facts {
    Asset {
        ty: AssetType,
        env: Env,
        class: Class,
        lifecycle: u8,
    },
    Process {
        financial: bool,
    },
    Vendor {
        data_access: u8,
    },
}

pub struct Inventory {
    pub plan: Plan,
    pub nodes: Vec<Node>,
    /// Internal indices of each kind's nodes in id order, the order of the rows in the files.
    pub assets: Vec<u32>,
    pub processes: Vec<u32>,
    pub vendors: Vec<u32>,
    ids: Ids,
}

impl Inventory {
    pub fn id(&self, node: usize) -> Id {
        self.ids.get(node)
    }

    pub fn has(&self, node: usize, attr: Attr) -> bool {
        self.nodes[node].features & attr_bit(attr) != 0
    }
}

/// Draws every node's facts and id.
pub fn build(plan: Plan, seed: u64) -> Inventory {
    let mut rng = rng_for(seed, Stream::Nodes);
    let domains = DomainSizes::new();
    let mut nodes = Vec::with_capacity(plan.total());
    for layer in Layer::ALL {
        let len = plan.range(layer).len();
        for pos in 0..len {
            let domain = domains.at((pos as f64 + 0.5) / len as f64);
            nodes.push(match layer {
                Layer::Process => process(&mut rng, domain),
                Layer::Vendor => vendor(&mut rng, domain),
                Layer::BigVendor => big_vendor(&mut rng, domain, pos),
                _ => asset(&mut rng, layer, domain),
            });
        }
    }
    let assets = number(&mut rng, &mut nodes, plan.span(Layer::App, Layer::Facility));
    let processes = number(&mut rng, &mut nodes, plan.range(Layer::Process));
    let vendors = number(
        &mut rng,
        &mut nodes,
        plan.span(Layer::Vendor, Layer::BigVendor),
    );
    let ids = Ids::new(&nodes, &plan);
    Inventory {
        plan,
        nodes,
        assets,
        processes,
        vendors,
        ids,
    }
}

/// Writes `assets.csv`, `processes.csv` and `vendors.csv`.
pub fn write(inventory: &Inventory, dir: &Path, seed: u64) -> Result<()> {
    let mut out = create(dir, "assets.csv")?;
    write_assets(inventory, &mut out, &mut rng_for(seed, Stream::Assets))?;
    finish(out)?;
    let mut out = create(dir, "processes.csv")?;
    write_processes(inventory, &mut out, &mut rng_for(seed, Stream::Processes))?;
    finish(out)?;
    let mut out = create(dir, "vendors.csv")?;
    write_vendors(inventory, &mut out, &mut rng_for(seed, Stream::Vendors))?;
    finish(out)
}

/// Splits 0..1 into the business domains, the first ones bigger (a Zipf-like law), so that a
/// node's position in its layer gives its domain and neighbours share a domain.
struct DomainSizes {
    cumulative: Vec<f64>,
}

impl DomainSizes {
    fn new() -> Self {
        let weights: Vec<f64> = (1..=DOMAINS.len())
            .map(|rank| (rank as f64).powf(-0.7))
            .collect();
        let total: f64 = weights.iter().sum();
        let cumulative = weights
            .iter()
            .scan(0.0, |sum, weight| {
                *sum += weight / total;
                Some(*sum)
            })
            .collect();
        Self { cumulative }
    }

    fn at(&self, fraction: f64) -> u8 {
        self.cumulative
            .partition_point(|&end| end <= fraction)
            .min(DOMAINS.len() - 1) as u8
    }
}

fn asset(rng: &mut Rng, layer: Layer, domain: u8) -> Node {
    let ty = match layer {
        Layer::App if chance(rng, 0.65) => AssetType::Software,
        Layer::App => AssetType::Service,
        Layer::Data => AssetType::Data,
        Layer::Personnel => AssetType::Personnel,
        Layer::Hardware => AssetType::Hardware,
        Layer::Network => AssetType::Network,
        _ => AssetType::Facility,
    };
    let env = Env::ALL[weighted(rng, env_weights(ty))];
    let class = Class::ALL[weighted(rng, class_weights(ty))];
    let lifecycle = match ty {
        AssetType::Personnel | AssetType::Facility => 0,
        _ => weighted(rng, &[88, 9, 3]) as u8,
    };
    let mut tags = Tags {
        rng,
        bits: domain_bit(usize::from(domain)),
    };
    asset_tags(&mut tags, ty, env, usize::from(domain));
    if lifecycle > 0 {
        tags.bits |= attr_bit(Attr::Legacy);
    }
    let features =
        tags.bits | kind_bit(Kind::Asset) | type_bit(ty) | env_bit(env) | class_bit(class);
    Node {
        features,
        facts: Facts::Asset {
            ty,
            env,
            class,
            lifecycle,
        },
        id_num: 0,
        domain,
        level: 0,
        in_scope: chance(rng, 0.96),
    }
}

/// Weights of `Env::ALL` by asset type.
fn env_weights(ty: AssetType) -> &'static [u32] {
    match ty {
        AssetType::Software => &[50, 20, 5, 5, 10, 10],
        AssetType::Service => &[30, 0, 70, 0, 0, 0],
        AssetType::Data => &[40, 25, 20, 5, 0, 10],
        AssetType::Personnel => &[0, 40, 0, 30, 0, 30],
        AssetType::Hardware => &[45, 25, 0, 20, 5, 5],
        AssetType::Network => &[45, 40, 0, 0, 0, 15],
        AssetType::Facility => &[0, 1, 0, 0, 0, 0],
    }
}

/// Weights of `Class::ALL` by asset type.
fn class_weights(ty: AssetType) -> &'static [u32] {
    match ty {
        AssetType::Data => &[8, 30, 50, 12],
        AssetType::Software | AssetType::Service => &[5, 45, 42, 8],
        _ => &[5, 60, 30, 5],
    }
}

/// Tag bits being drawn for one node.
struct Tags<'a> {
    rng: &'a mut Rng,
    bits: u128,
}

impl Tags<'_> {
    fn maybe(&mut self, attr: Attr, p: f64) {
        if chance(self.rng, p) {
            self.bits |= attr_bit(attr);
        }
    }

    fn stage(&mut self) {
        let stage = [Attr::Prod, Attr::Staging, Attr::Dev][weighted(self.rng, &[75, 15, 10])];
        self.bits |= attr_bit(stage);
    }
}

fn asset_tags(tags: &mut Tags, ty: AssetType, env: Env, domain: usize) {
    let financial = if is_financial_domain(domain) {
        0.5
    } else {
        0.02
    };
    let card = if is_card_domain(domain) { 0.4 } else { 0.0 };
    match ty {
        AssetType::Software | AssetType::Service => {
            tags.maybe(Attr::InternetFacing, 0.15);
            if ty == AssetType::Software {
                tags.maybe(Attr::CustomerFacing, 0.10);
            }
            tags.maybe(Attr::Pii, 0.2);
            tags.maybe(Attr::Financial, financial);
            tags.maybe(Attr::Pci, card);
            tags.maybe(Attr::Ai, if is_ai_domain(domain) { 0.4 } else { 0.01 });
            tags.maybe(Attr::CrownJewel, 0.005);
            tags.stage();
        }
        AssetType::Data => {
            tags.maybe(Attr::Pii, 0.3);
            tags.maybe(Attr::Financial, financial);
            tags.maybe(Attr::Pci, card);
            tags.maybe(Attr::CrownJewel, 0.005);
            tags.stage();
        }
        AssetType::Personnel => {
            tags.maybe(Attr::Privileged, 0.1);
            tags.maybe(Attr::Remote, if env == Env::Endpoint { 1.0 } else { 0.0 });
            tags.maybe(
                Attr::FinanceTeam,
                if is_financial_domain(domain) {
                    0.5
                } else {
                    0.02
                },
            );
        }
        AssetType::Hardware => {
            tags.maybe(Attr::Iot, if env == Env::OnPremises { 0.08 } else { 0.0 });
            let personal_device = matches!(env, Env::Endpoint | Env::Mobile);
            tags.maybe(Attr::Byod, if personal_device { 0.2 } else { 0.0 });
            tags.maybe(Attr::Pii, if personal_device { 0.1 } else { 0.0 });
            tags.stage();
        }
        AssetType::Network => {
            tags.maybe(Attr::InternetFacing, 0.1);
            tags.maybe(Attr::Dmz, 0.1);
        }
        AssetType::Facility => {
            let site = if chance(tags.rng, 0.7) {
                Attr::Office
            } else {
                Attr::Datacenter
            };
            tags.bits |= attr_bit(site);
        }
    }
}

fn process(rng: &mut Rng, domain: u8) -> Node {
    let level = 1 + weighted(rng, &[10, 20, 30, 25, 15]) as u8;
    let financial = chance(
        rng,
        if is_financial_domain(usize::from(domain)) {
            0.7
        } else {
            0.15
        },
    );
    let mut tags = Tags {
        rng,
        bits: kind_bit(Kind::Process) | domain_bit(usize::from(domain)),
    };
    if financial {
        tags.bits |= attr_bit(Attr::Financial);
        tags.maybe(Attr::Sox, 0.5);
    }
    if level == 5 {
        tags.bits |= attr_bit(Attr::Critical);
    }
    tags.maybe(Attr::Pii, 0.3);
    let features = tags.bits;
    Node {
        features,
        facts: Facts::Process { financial },
        id_num: 0,
        domain,
        level,
        in_scope: chance(rng, 0.97),
    }
}

fn vendor(rng: &mut Rng, domain: u8) -> Node {
    let level = 1 + weighted(rng, &[15, 25, 30, 20, 10]) as u8;
    let data_access = weighted(rng, &[30, 30, 25, 15]) as u8;
    let mut tags = Tags {
        rng,
        bits: kind_bit(Kind::Vendor) | domain_bit(usize::from(domain)),
    };
    tags.maybe(Attr::Saas, 0.5);
    vendor_node(tags.bits, domain, level, data_access, chance(rng, 0.95))
}

/// A big vendor; `rank` 0 is the one the most of the estate depends on.
fn big_vendor(rng: &mut Rng, domain: u8, rank: usize) -> Node {
    let level = if rank < 5 { 5 } else { 4 };
    let data_access = if chance(rng, 0.5) { 3 } else { 2 };
    let bits =
        kind_bit(Kind::Vendor) | domain_bit(usize::from(domain)) | attr_bit(Attr::CloudProvider);
    vendor_node(bits, domain, level, data_access, true)
}

fn vendor_node(mut features: u128, domain: u8, level: u8, data_access: u8, in_scope: bool) -> Node {
    if level >= 4 {
        features |= attr_bit(Attr::Critical);
    }
    if usize::from(data_access) == DATA_ACCESS.len() - 1 {
        features |= attr_bit(Attr::Subprocessor);
    }
    Node {
        features,
        facts: Facts::Vendor { data_access },
        id_num: 0,
        domain,
        level,
        in_scope,
    }
}

/// Gives the nodes of `range` the id numbers 1..=len in a random order; returns the nodes in id
/// order.
fn number(rng: &mut Rng, nodes: &mut [Node], range: Range<usize>) -> Vec<u32> {
    let mut order: Vec<u32> = range.map(|node| node as u32).collect();
    rng.shuffle(&mut order);
    for (position, &node) in order.iter().enumerate() {
        nodes[node as usize].id_num = position as u32 + 1;
    }
    order
}

/// The id of every node, formatted on demand: a lookup table of strings would cost a cache miss
/// or two per lookup, and the dependency file looks up millions of ids in random order.
struct Ids {
    numbers: Vec<u32>,
    /// Internal indices: processes come first, then assets, then vendors (see `Layer`).
    assets_start: usize,
    vendors_start: usize,
    /// Digits of the asset, process and vendor numbers.
    widths: [usize; 3],
}

impl Ids {
    fn new(nodes: &[Node], plan: &Plan) -> Self {
        let assets = plan.span(Layer::App, Layer::Facility);
        let vendors = plan.span(Layer::Vendor, Layer::BigVendor);
        let width = |count: usize, min: usize| count.to_string().len().max(min);
        Self {
            numbers: nodes.iter().map(|node| node.id_num).collect(),
            widths: [
                width(assets.len(), 6),
                width(plan.range(Layer::Process).len(), 5),
                width(vendors.len(), 4),
            ],
            assets_start: assets.start,
            vendors_start: vendors.start,
        }
    }

    fn get(&self, node: usize) -> Id {
        let (prefix, width): (&[u8], usize) = if node < self.assets_start {
            (b"proc-", self.widths[1])
        } else if node < self.vendors_start {
            (b"asset-", self.widths[0])
        } else {
            (b"vendor-", self.widths[2])
        };
        let mut id = Id {
            bytes: [0; 24],
            len: prefix.len() + width,
        };
        id.bytes[..prefix.len()].copy_from_slice(prefix);
        let mut number = self.numbers[node];
        for digit in id.bytes[prefix.len()..id.len].iter_mut().rev() {
            *digit = b'0' + (number % 10) as u8;
            number /= 10;
        }
        id
    }
}

/// A node id (`asset-000123`), on the stack.
pub struct Id {
    bytes: [u8; 24],
    len: usize,
}

impl Id {
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever written into `bytes`.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A person's name, the same few people owning most of a domain.
fn owner(rng: &mut Rng, domain: u8) -> String {
    let person = usize::from(domain) * 5 + rng.usize(..3);
    let first = FIRST_NAMES[person % FIRST_NAMES.len()];
    let last = LAST_NAMES[(person / FIRST_NAMES.len() + person) % LAST_NAMES.len()];
    format!("{first} {last}")
}

/// A 1..=5 rating around `base`.
fn rating(rng: &mut Rng, base: u8) -> u8 {
    (base + rng.u8(0..=2)).saturating_sub(1).clamp(1, 5)
}

fn tags_cell(out: &mut Out, node: &Node) -> Result<()> {
    out.write_all(DOMAINS[usize::from(node.domain)].as_bytes())?;
    for attr in Attr::ALL {
        if node.features & attr_bit(attr) != 0 {
            write!(out, ";{}", attr.name())?;
        }
    }
    Ok(())
}

fn write_assets(inventory: &Inventory, out: &mut Out, rng: &mut Rng) -> Result<()> {
    writeln!(
        out,
        "id,name,type,owner,confidentiality,integrity,availability,classification,personal_data,\
         environment,lifecycle,location,in_scope,tags"
    )?;
    for &node_index in &inventory.assets {
        let node_index = node_index as usize;
        let node = &inventory.nodes[node_index];
        let Facts::Asset {
            ty,
            env,
            class,
            lifecycle,
        } = node.facts
        else {
            unreachable!("the asset list holds assets only");
        };
        let id = inventory.id(node_index);
        let domain = Title(DOMAINS[usize::from(node.domain)]);
        let noun = ty.nouns()[rng.usize(..ty.nouns().len())];
        let number = node.id_num;
        let owner = owner(rng, node.domain);
        let value = class as u8 + 1 + u8::from(inventory.has(node_index, Attr::CrownJewel));
        let confidentiality = rating(rng, value);
        let integrity = rating(rng, value);
        let infrastructure = matches!(
            ty,
            AssetType::Hardware | AssetType::Network | AssetType::Facility
        );
        let availability = rating(rng, value + u8::from(infrastructure));
        let personal = yes_no(inventory.has(node_index, Attr::Pii));
        let location = match env {
            Env::Cloud => CLOUD_REGIONS[rng.usize(..CLOUD_REGIONS.len())],
            Env::OnPremises | Env::Hybrid => CITIES[rng.usize(..CITIES.len())],
            Env::Saas => "vendor-hosted",
            Env::Endpoint => "remote",
            Env::Mobile => "mobile fleet",
        };
        write!(
            out,
            "{id},{domain} {noun} {number},{},{owner},{confidentiality},{integrity},{availability},{},\
             {personal},{},{},{location},{},",
            ty.name(),
            class.name(),
            env.name(),
            LIFECYCLES[usize::from(lifecycle)],
            yes_no(node.in_scope),
        )?;
        tags_cell(out, node)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn write_processes(inventory: &Inventory, out: &mut Out, rng: &mut Rng) -> Result<()> {
    writeln!(
        out,
        "id,name,owner,criticality,rto_hours,rpo_hours,financial,segregation_of_duties,\
         manual_override,in_scope,tags,loss"
    )?;
    for &node_index in &inventory.processes {
        let node_index = node_index as usize;
        let node = &inventory.nodes[node_index];
        let Facts::Process { financial } = node.facts else {
            unreachable!("the process list holds processes only");
        };
        let id = inventory.id(node_index);
        let domain = Title(DOMAINS[usize::from(node.domain)]);
        let noun = PROCESS_NOUNS[rng.usize(..PROCESS_NOUNS.len())];
        let number = node.id_num;
        let owner = owner(rng, node.domain);
        let criticality = node.level;
        let rto_choices: &[u32] = match criticality {
            5 => &[1, 2, 4],
            4 => &[4, 8, 12],
            3 => &[24],
            2 => &[48, 72],
            _ => &[168],
        };
        let rto = rto_choices[rng.usize(..rto_choices.len())];
        let rpo = rto / [1, 2, 4][rng.usize(..3)];
        let sod_weights = if financial {
            [60, 30, 10]
        } else {
            [40, 40, 20]
        };
        let sod = ["full", "partial", "none"][weighted(rng, &sod_weights)];
        let manual_override = yes_no(chance(rng, 0.2));
        write!(
            out,
            "{id},{domain} {noun} {number},{owner},{criticality},{rto},{rpo},{},{sod},{manual_override},{},",
            yes_no(financial),
            yes_no(node.in_scope),
        )?;
        tags_cell(out, node)?;
        // What a full hit costs, by criticality: drawn from no generator, so every other cell
        // of the inventory is what it was before processes had a loss.
        let loss = ["1k..20k", "5k..50k", "10k..200k", "50k..1M", "100k..3M"]
            [usize::from(criticality.clamp(1, 5) - 1)];
        writeln!(out, ",{loss}")?;
    }
    Ok(())
}

fn write_vendors(inventory: &Inventory, out: &mut Out, rng: &mut Rng) -> Result<()> {
    writeln!(
        out,
        "id,name,service,owner,criticality,data_access,soc2_report,soc2_report_date,\
         iso27001_certified,last_review,country,exit_plan,in_scope,tags"
    )?;
    let big_vendors = inventory.plan.range(Layer::BigVendor);
    for &node_index in &inventory.vendors {
        let node_index = node_index as usize;
        let node = &inventory.nodes[node_index];
        let Facts::Vendor { data_access } = node.facts else {
            unreachable!("the vendor list holds vendors only");
        };
        let id = inventory.id(node_index);
        let big_rank = big_vendors
            .contains(&node_index)
            .then(|| node_index - big_vendors.start);
        let (name, service, soc2) = if let Some(rank) = big_rank {
            let service = BIG_VENDOR_SERVICES[rank % BIG_VENDOR_SERVICES.len()];
            (big_vendor_name(rank), service, 2)
        } else {
            let prefix = VENDOR_PREFIXES[rng.usize(..VENDOR_PREFIXES.len())];
            let suffix = VENDOR_SUFFIXES[rng.usize(..VENDOR_SUFFIXES.len())];
            let service = VENDOR_SERVICES[rng.usize(..VENDOR_SERVICES.len())];
            let soc2 = weighted(rng, &[45, 15, 40]);
            (format!("{prefix} {suffix} {}", node.id_num), service, soc2)
        };
        let owner = owner(rng, node.domain);
        let soc2_date = match soc2 {
            0 => String::new(),
            _ => Date::random(rng, 2024..2026).to_string(),
        };
        let iso = yes_no(big_rank.is_some() || chance(rng, 0.4));
        let last_review = Date::random(rng, 2024..2026);
        let country = if big_rank.is_some() {
            "US"
        } else {
            COUNTRIES[rng.usize(..COUNTRIES.len())]
        };
        let exit_plan = yes_no(chance(rng, if big_rank.is_some() { 0.5 } else { 0.3 }));
        write!(
            out,
            "{id},{},{service},{owner},{},{},{},{soc2_date},{iso},{last_review},{country},{exit_plan},{},",
            Text(&name),
            node.level,
            DATA_ACCESS[usize::from(data_access)],
            ["none", "type1", "type2"][soc2],
            yes_no(node.in_scope),
        )?;
        tags_cell(out, node)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn big_vendor_name(rank: usize) -> String {
    let prefix = VENDOR_PREFIXES[rank % VENDOR_PREFIXES.len()];
    let suffix = VENDOR_SUFFIXES[(rank / VENDOR_PREFIXES.len()) % VENDOR_SUFFIXES.len()];
    let round = rank / (VENDOR_PREFIXES.len() * VENDOR_SUFFIXES.len());
    if round == 0 {
        format!("{prefix} {suffix}")
    } else {
        format!("{prefix} {suffix} {}", round + 1)
    }
}
