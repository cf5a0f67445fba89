//! `riskgraph blast-radius`: an exposure as a tree, a table, JSON or a Graphviz digraph, what can
//! take a node down (`--into`, [`write_upstream`]) in the same formats, and the vendor and fourth
//! party rankings as a table or JSON.

mod fourth_parties;
mod json_nodes;
mod upstream;

pub use fourth_parties::{FourthPartiesDocument, FourthPartyRanked, write_fourth_parties};
pub use upstream::{
    SinglePointOfFailure, UpstreamDocument, UpstreamNode, UpstreamSummary, write_upstream,
};

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

use riskgraph_engine::exposure::{Exposure, Lookup, Reached, Summary};
use riskgraph_engine::propagation::ImpactGraph;
use riskgraph_engine::rank::VendorRank;
use riskgraph_engine::supply_chain::Upstream;
use riskgraph_model::values::Property;
use riskgraph_model::vocabulary::Vocabulary;
use riskgraph_model::{Inventory, Node, NodeDetail, NodeIdx};
use schemars::JsonSchema;
use serde::Serialize;

use crate::Format;
use crate::layout::Table;
use crate::register::Tool;

/// Version of the JSON documents of this module; raised on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// What was asked: the properties that fail, the smallest impact shown and the deepest path.
pub struct Query {
    pub properties: Vec<Property>,
    pub min: f64,
    pub depth: Option<u32>,
}

/// Writes `exposure` (reached in `graph`, summarized as `summary`) in `format`: tree, table,
/// json or dot.
pub fn write_exposure(
    out: &mut dyn std::io::Write,
    format: Format,
    inventory: &Inventory,
    graph: &ImpactGraph,
    exposure: &Exposure,
    summary: &Summary,
    query: &Query,
) -> std::io::Result<()> {
    let view = View {
        inventory,
        graph,
        exposure,
        lookup: exposure.lookup(),
        summary,
        query,
        upstream: None,
    };
    write_exposure_view(out, format, &view)
}

/// Writes `view` in `format`.
fn write_exposure_view(
    out: &mut dyn std::io::Write,
    format: Format,
    view: &View<'_>,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    match format {
        Format::Table => out.write_all(view.table().as_bytes())?,
        Format::Json if view.upstream.is_none() => json_nodes::write_document(&mut out, view)?,
        Format::Json => write_json(&mut out, &view.json())?,
        Format::Dot => out.write_all(view.dot().as_bytes())?,
        _ => out.write_all(view.tree().as_bytes())?,
    }
    out.flush()
}

/// Writes the vendor ranking `ranks` in `format`: json, else a table.
pub fn write_ranking(
    out: &mut dyn std::io::Write,
    format: Format,
    inventory: &Inventory,
    ranks: &[VendorRank],
    query: &Query,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    match format {
        Format::Json => write_json(&mut out, &rank_json(inventory, ranks, query))?,
        _ => out.write_all(rank_table(inventory, ranks, &query.properties).as_bytes())?,
    }
    out.flush()
}

/// Writes `value` as pretty JSON and a newline, without building the text first.
fn write_json(out: &mut impl std::io::Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// `asset/data`, `process`, `vendor`.
fn kind_label(node: &Node) -> String {
    match &node.detail {
        NodeDetail::Asset(asset) => format!("asset/{}", asset.asset_type.as_str()),
        _ => node.kind().as_str().to_owned(),
    }
}

fn asset_type(node: &Node) -> Option<&'static str> {
    node.asset().map(|a| a.asset_type.as_str())
}

/// `C 0.80  I 0.80  A 1.00`, a dash where a property is not reached or not asked for.
fn impacts(reached: &Reached) -> String {
    Property::ALL
        .iter()
        .map(|&p| match reached.impact(p) {
            Some(impact) => format!("{} {impact:.2}", p.letter()),
            None => format!("{}    -", p.letter()),
        })
        .collect::<Vec<_>>()
        .join("  ")
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn property_names(properties: &[Property]) -> String {
    let names: Vec<&str> = properties.iter().map(|p| p.name()).collect();
    match names.as_slice() {
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    }
}

/// One exposure and what it takes to print it.
struct View<'a> {
    inventory: &'a Inventory,
    /// The impact graph as built (its factors label the edges).
    graph: &'a ImpactGraph,
    exposure: &'a Exposure,
    lookup: Lookup<'a>,
    summary: &'a Summary,
    query: &'a Query,
    /// For `--into`: the exposure is read backwards (a node's parent is the next node towards
    /// the targets), with single points of failure.
    upstream: Option<&'a Upstream>,
}

impl View<'_> {
    fn node(&self, idx: NodeIdx) -> &Node {
        self.inventory.node(idx)
    }

    fn is_single_point_of_failure(&self, node: NodeIdx) -> bool {
        self.upstream
            .is_some_and(|upstream| upstream.is_single_point_of_failure(node))
    }

    /// What a tree line ends with: a mark on a single point of failure.
    fn spof_mark(&self, node: NodeIdx) -> &'static str {
        if self.is_single_point_of_failure(node) {
            "  [single point of failure]"
        } else {
            ""
        }
    }

    fn heading(&self) -> String {
        let origins: Vec<&str> = self
            .exposure
            .origins
            .iter()
            .map(|&o| self.node(o).id.as_str())
            .collect();
        let title = if self.upstream.is_some() {
            format!("What can take {} down", origins.join(", "))
        } else {
            format!("Blast radius of {}", origins.join(", "))
        };
        let mut text = format!(
            "{title}: {}, impact at least {}",
            property_names(&self.exposure.properties),
            self.query.min
        );
        if let Some(depth) = self.query.depth {
            let _ = write!(text, ", at most {depth} hops");
        }
        if let Some(upstream) = self.upstream {
            let _ = write!(
                text,
                "; single points of failure: availability {} or more",
                upstream.spof
            );
        }
        text.push_str("\n\n");
        text
    }

    /// The dependency kind of the row that brought impact to `reached` (its headline path).
    fn via(&self, reached: &Reached) -> Option<(NodeIdx, &'static str)> {
        reached.headline().parent.map(|(parent, row)| {
            (
                parent,
                self.inventory.dependencies[row as usize].kind.as_str(),
            )
        })
    }

    fn tree(&self) -> String {
        let mut out = self.heading();
        let mut children: std::collections::HashMap<NodeIdx, Vec<&Reached>> =
            std::collections::HashMap::new();
        for reached in self.exposure.dependents() {
            if let Some((parent, _)) = reached.headline().parent {
                children.entry(parent).or_default().push(reached);
            }
        }
        let mut seen = std::collections::HashSet::new();
        let mut stack: Vec<(&Reached, String, bool, bool)> = Vec::new();
        for reached in self.exposure.nodes.iter().filter(|r| r.is_origin()).rev() {
            stack.push((reached, String::new(), true, true));
        }
        while let Some((reached, prefix, last, root)) = stack.pop() {
            if !seen.insert(reached.node) {
                continue;
            }
            let node = self.node(reached.node);
            let (branch, indent) = match (root, last) {
                (true, _) => ("", ""),
                (false, true) => ("└── ", "    "),
                (false, false) => ("├── ", "│   "),
            };
            let via = self
                .via(reached)
                .map(|(_, kind)| format!(" via {kind}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{}  {prefix}{branch}{} ({}){via}{}",
                impacts(reached),
                node.id,
                kind_label(node),
                self.spof_mark(reached.node),
            );
            let child_prefix = format!("{prefix}{indent}");
            if let Some(list) = children.get(&reached.node) {
                for (i, child) in list.iter().enumerate().rev() {
                    stack.push((child, child_prefix.clone(), i + 1 == list.len(), false));
                }
            }
        }
        out.push('\n');
        out.push_str(&self.summary_text());
        out
    }

    fn table(&self) -> String {
        let mut rows = Vec::new();
        for reached in self.exposure.dependents() {
            let node = self.node(reached.node);
            let via = self
                .via(reached)
                .map(|(parent, kind)| format!("{} ({kind})", self.node(parent).id))
                .unwrap_or_default();
            let impact = |p: Property| {
                reached
                    .impact(p)
                    .map_or_else(|| "-".to_owned(), |i| format!("{i:.2}"))
            };
            let mut row = vec![
                node.id.to_string(),
                kind_label(node),
                node.name.to_string(),
                impact(Property::Confidentiality),
                impact(Property::Integrity),
                impact(Property::Availability),
                reached.headline().hops.to_string(),
                via,
            ];
            if self.upstream.is_some() {
                let spof = self.is_single_point_of_failure(reached.node);
                row.push(if spof { "yes" } else { "" }.to_owned());
            }
            rows.push(row);
        }
        let mut out = self.heading();
        let mut header = vec!["NODE", "KIND", "NAME", "C", "I", "A", "HOPS", "VIA"];
        if self.upstream.is_some() {
            header.push("SPOF");
        }
        out.push_str(&Table::new(&header, &rows).right(&[3, 4, 5, 6]).render());
        out.push('\n');
        out.push_str(&self.summary_text());
        out
    }

    fn summary_text(&self) -> String {
        let s = self.summary;
        let inv = self.inventory;
        let id = |n: &NodeIdx| inv.node(*n).id.to_string();
        let list = |items: Vec<String>| {
            if items.is_empty() {
                "none".to_owned()
            } else {
                items.join(", ")
            }
        };
        let counts = |map: &std::collections::BTreeMap<&str, usize>, plural: bool| {
            let word = |k: &str, v: usize| match (plural && v != 1, k) {
                (true, "process") => "processes".to_owned(),
                (true, k) => format!("{k}s"),
                (false, k) => k.to_owned(),
            };
            list(
                map.iter()
                    .map(|(k, v)| format!("{v} {}", word(k, *v)))
                    .collect(),
            )
        };
        let lookup = &self.lookup;
        let processes: Vec<String> = s
            .processes
            .iter()
            .map(|&p| {
                let criticality = inv
                    .node(p)
                    .criticality()
                    .map_or_else(|| "-".to_owned(), |c| c.get().to_string());
                let impact = lookup.get(p).map_or(0.0, |r| r.headline().impact());
                format!("{} (criticality {criticality}, impact {impact:.2})", id(&p))
            })
            .collect();
        let commitments: Vec<String> = s
            .commitments
            .iter()
            .map(|&c| inv.commitments[c as usize].id.to_string())
            .collect();
        let into = self.upstream.is_some();
        let mut rows: Vec<(&str, String)> = vec![
            (
                if into {
                    "nodes upstream"
                } else {
                    "nodes reached"
                },
                format!("{} ({})", s.reached, counts(&s.by_kind, true)),
            ),
            ("asset types", counts(&s.by_type, false)),
            ("in-scope assets", s.in_scope_assets.to_string()),
            ("processes", list(processes)),
            ("commitments", list(commitments)),
            (
                "highest classification",
                s.highest_classification
                    .map_or_else(|| "none".to_owned(), |c| c.as_str().to_owned()),
            ),
            (
                "personal data",
                if s.personal_data { "yes" } else { "no" }.to_owned(),
            ),
            (
                if into { "vendors" } else { "fourth parties" },
                list(s.vendors.iter().map(id).collect()),
            ),
        ];
        if let Some(upstream) = self.upstream {
            let points = upstream
                .single_points_of_failure
                .iter()
                .map(|point| format!("{} (A {:.2})", id(&point.node), point.impact()));
            rows.push(("single points of failure", list(points.collect())));
        } else {
            rows.push((
                "maximum value reached",
                s.max_value.map_or_else(
                    || "none".to_owned(),
                    |(value, node, p)| format!("{value:.2} of 5 ({}, {})", id(&node), p.name()),
                ),
            ));
        }
        // Values line up two columns after the longest label, at column 26 at least.
        let width = rows
            .iter()
            .map(|(label, _)| label.len() + 2)
            .max()
            .unwrap_or(0)
            .max(24);
        let mut out = String::from("Summary\n");
        for (label, value) in rows {
            let _ = writeln!(out, "  {label:<width$}{value}");
        }
        out
    }

    /// The JSON document; its `nodes`, one per node reached, are serialized one at a time as they
    /// are written, so a million nodes never sit in memory as JSON values.
    fn json(&self) -> ExposureDocument<'_> {
        let inv = self.inventory;
        let lookup = &self.lookup;
        let s = self.summary;
        let id = |n: &NodeIdx| inv.node(*n).id.as_str();
        ExposureDocument {
            schema_version: SCHEMA_VERSION,
            tool: Tool::riskgraph(),
            origins: self.exposure.origins.iter().map(id).collect(),
            properties: self.exposure.properties.iter().map(|p| p.name()).collect(),
            min_impact: self.query.min,
            max_depth: self.query.depth,
            nodes: Stream::new(self.exposure.nodes.len(), |i| {
                self.node_json(&self.exposure.nodes[i])
            }),
            summary: ExposureSummary {
                reached: s.reached,
                by_kind: &s.by_kind,
                by_type: &s.by_type,
                in_scope_assets: s.in_scope_assets,
                processes: s
                    .processes
                    .iter()
                    .map(|&p| ProcessReached {
                        id: id(&p),
                        criticality: inv
                            .node(p)
                            .criticality()
                            .map(riskgraph_model::values::Rating::get),
                        impact: lookup.get(p).map(|r| round4(r.headline().impact())),
                    })
                    .collect(),
                commitments: s
                    .commitments
                    .iter()
                    .map(|&c| inv.commitments[c as usize].id.as_str())
                    .collect(),
                highest_classification: s.highest_classification.map(Vocabulary::as_str),
                personal_data: s.personal_data,
                fourth_parties: s.vendors.iter().map(id).collect(),
                max_value: s.max_value.map(|(value, node, p)| MaxValue {
                    value: round4(value),
                    node: id(&node),
                    property: p.name(),
                }),
            },
        }
    }

    /// One node of the JSON document.
    fn node_json(&self, reached: &Reached) -> NodeReached<'_> {
        let inv = self.inventory;
        let node = inv.node(reached.node);
        let hit = reached.headline();
        let path = self.lookup.path(reached.node, reached.property);
        NodeReached {
            id: node.id.as_str(),
            name: &node.name,
            kind: node.kind().as_str(),
            node_type: asset_type(node),
            owner: node.owner.as_deref(),
            in_scope: node.in_scope,
            impact: Impacts(
                self.exposure
                    .properties
                    .iter()
                    .map(|&p| (p.name(), reached.impact(p).map(round4)))
                    .collect(),
            ),
            property: reached.property.name(),
            hops: hit.hops,
            path: path.iter().map(|&(n, _)| inv.node(n).id.as_str()).collect(),
            via: path
                .iter()
                .filter_map(|&(_, row)| row.map(|r| inv.dependencies[r as usize].kind.as_str()))
                .collect(),
        }
    }

    /// A Graphviz digraph of the strongest paths: impact flows along the arrows, from the
    /// origins (bold outline) to their dependents, each shaded by its impact and each edge
    /// labelled with its kind and factor.
    fn dot(&self) -> String {
        let inv = self.inventory;
        let name = if self.upstream.is_some() {
            "upstream"
        } else {
            "blast_radius"
        };
        let mut out = format!(
            "digraph {name} {{\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", colorscheme=oranges9];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
        );
        for reached in &self.exposure.nodes {
            let node = inv.node(reached.node);
            let impact = reached.headline().impact();
            // Shades 1 (palest) to 7 of a single-hue scale, readable with any colour vision.
            let shade = 1 + (impact * 6.0).round() as u32;
            let label = format!("{}\n{}\n{}", node.id, kind_label(node), impacts(reached));
            let origin = if reached.is_origin() {
                ", penwidth=3, color=black"
            } else {
                ""
            };
            let (label, spof) = if self.is_single_point_of_failure(reached.node) {
                (
                    format!("{label}\nsingle point of failure"),
                    ", peripheries=2, color=black",
                )
            } else {
                (label, "")
            };
            let _ = writeln!(
                out,
                "  {} [label={}, fillcolor={shade}{origin}{spof}];",
                dot_string(node.id.as_str()),
                dot_string(&label)
            );
        }
        for reached in self.exposure.dependents() {
            if let Some((parent, row)) = reached.headline().parent {
                let kind = inv.dependencies[row as usize].kind.as_str();
                let factor = self
                    .graph
                    .factors
                    .get(row)
                    .map_or(1.0, |f| f[reached.property as usize]);
                // Arrows follow the impact: from the failing node to its dependent.
                let (failing, dependent) = if self.upstream.is_some() {
                    (reached.node, parent)
                } else {
                    (parent, reached.node)
                };
                let _ = writeln!(
                    out,
                    "  {} -> {} [label={}];",
                    dot_string(inv.node(failing).id.as_str()),
                    dot_string(inv.node(dependent).id.as_str()),
                    dot_string(&format!("{kind} {factor:.2}"))
                );
            }
        }
        out.push_str("}\n");
        out
    }
}

/// The JSON document of `blast-radius --from ID --format json` (version 1): every node reached,
/// with its impact per property and its strongest path, and a summary.
#[derive(Serialize, JsonSchema)]
pub struct ExposureDocument<'a> {
    pub schema_version: u32,
    pub tool: Tool<'a>,
    /// The ids of the nodes that fail or are breached, together.
    pub origins: Vec<&'a str>,
    /// The properties that fail: `confidentiality`, `integrity`, `availability`.
    pub properties: Vec<&'a str>,
    /// Nodes whose impact is below this factor are left out.
    pub min_impact: f64,
    /// Nodes whose strongest path is longer than this many hops are left out; null for no limit.
    pub max_depth: Option<u32>,
    /// The origins and every node reached, strongest impact first.
    pub nodes: Stream<'a, NodeReached<'a>>,
    pub summary: ExposureSummary<'a>,
}

/// A node an exposure reaches.
#[derive(Serialize, JsonSchema)]
pub struct NodeReached<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// `asset`, `process` or `vendor`.
    pub kind: &'a str,
    /// The asset type; null for processes and vendors.
    #[serde(rename = "type")]
    pub node_type: Option<&'a str>,
    pub owner: Option<&'a str>,
    pub in_scope: bool,
    /// The impact (0..1) on the node per property asked for; null where not reached.
    pub impact: Impacts,
    /// The property of the strongest impact, whose path `path` is.
    pub property: &'a str,
    /// Dependencies on the strongest path.
    pub hops: u32,
    /// Node ids from an origin to this node.
    pub path: Vec<&'a str>,
    /// The kind of each dependency along `path`.
    pub via: Vec<&'a str>,
}

/// What an exposure reaches, counted.
#[derive(Serialize, JsonSchema)]
pub struct ExposureSummary<'a> {
    /// Nodes reached besides the origins.
    pub reached: usize,
    pub by_kind: &'a BTreeMap<&'static str, usize>,
    /// Assets reached by asset type.
    pub by_type: &'a BTreeMap<&'static str, usize>,
    pub in_scope_assets: usize,
    /// Business processes reached, strongest first.
    pub processes: Vec<ProcessReached<'a>>,
    /// Ids of the commitments whose `covers` selects a reached node.
    pub commitments: Vec<&'a str>,
    pub highest_classification: Option<&'a str>,
    pub personal_data: bool,
    /// Vendors reached besides the origins.
    pub fourth_parties: Vec<&'a str>,
    /// The largest node value times attenuated impact.
    pub max_value: Option<MaxValue<'a>>,
}

#[derive(Serialize, JsonSchema)]
pub struct ProcessReached<'a> {
    pub id: &'a str,
    pub criticality: Option<u8>,
    pub impact: Option<f64>,
}

#[derive(Serialize, JsonSchema)]
pub struct MaxValue<'a> {
    pub value: f64,
    pub node: &'a str,
    pub property: &'a str,
}

/// Impacts by property name, in the order the properties were asked for.
pub struct Impacts(Vec<(&'static str, Option<f64>)>);

impl Serialize for Impacts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, impact)| (name, impact)))
    }
}

impl JsonSchema for Impacts {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("Impacts")
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let impact =
            schemars::json_schema!({ "type": ["number", "null"], "minimum": 0, "maximum": 1 });
        let properties: serde_json::Map<String, serde_json::Value> = Property::ALL
            .iter()
            .map(|p| (p.name().to_owned(), impact.clone().to_value()))
            .collect();
        schemars::json_schema!({
            "type": "object",
            "properties": properties,
            "additionalProperties": false
        })
    }
}

/// The JSON document of `blast-radius --rank vendors --format json` (version 1): every vendor
/// ranked by its transitive blast radius.
#[derive(Serialize, JsonSchema)]
pub struct RankingDocument<'a> {
    pub schema_version: u32,
    pub tool: Tool<'a>,
    pub properties: Vec<&'a str>,
    pub min_impact: f64,
    pub max_depth: Option<u32>,
    /// Highest score first.
    pub vendors: Stream<'a, VendorRanked<'a>>,
}

#[derive(Serialize, JsonSchema)]
pub struct VendorRanked<'a> {
    /// 1 for the widest blast radius.
    pub rank: usize,
    pub id: &'a str,
    pub name: &'a str,
    /// Value x impact summed over the in-scope nodes reached.
    pub score: f64,
    pub reached: usize,
    pub processes: usize,
    pub commitments: usize,
    pub in_scope_assets: usize,
    pub fourth_parties: Vec<&'a str>,
    pub single_points_of_failure: Vec<&'a str>,
}

/// Any document `blast-radius --format json` writes: an exposure (`--from`), what can take
/// nodes down (`--into`), the vendor ranking (`--rank vendors`) or the fourth parties (`--rank
/// fourth-parties`). Only its schema is used.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
pub enum BlastRadiusDocument<'a> {
    Exposure(ExposureDocument<'a>),
    Upstream(UpstreamDocument<'a>),
    Ranking(RankingDocument<'a>),
    FourthParties(FourthPartiesDocument<'a>),
}

/// A list serialized as it is written, one element at a time, each made by `item(i)`: a million
/// elements never sit in memory together. Its schema is that of a `Vec<T>`.
pub struct Stream<'a, T> {
    len: usize,
    item: Box<dyn Fn(usize) -> T + 'a>,
}

impl<'a, T> Stream<'a, T> {
    pub fn new(len: usize, item: impl Fn(usize) -> T + 'a) -> Self {
        Self {
            len,
            item: Box::new(item),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<T: Serialize> Serialize for Stream<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((0..self.len).map(|i| (self.item)(i)))
    }
}

impl<T: JsonSchema> JsonSchema for Stream<'_, T> {
    fn inline_schema() -> bool {
        <Vec<T>>::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        <Vec<T>>::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        <Vec<T>>::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Vec<T>>::json_schema(generator)
    }
}

/// A double-quoted DOT string.
fn dot_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

fn rank_table(inventory: &Inventory, ranks: &[VendorRank], properties: &[Property]) -> String {
    // At most four ids per cell, so a vendor that reaches thousands stays on one line; the JSON
    // output lists them all.
    let ids = |list: &[NodeIdx]| {
        let id = |n: &NodeIdx| inventory.node(*n).id.to_string();
        match list.len() {
            0 => "-".to_owned(),
            1..=4 => list.iter().map(id).collect::<Vec<_>>().join(", "),
            n => {
                let first: Vec<String> = list.iter().take(3).map(id).collect();
                format!("{}, and {} more", first.join(", "), n - 3)
            }
        }
    };
    let header = [
        "RANK",
        "VENDOR",
        "NAME",
        "SCORE",
        "REACHED",
        "PROCESSES",
        "COMMITMENTS",
        "ASSETS",
        "FOURTH PARTIES",
        "SINGLE POINTS OF FAILURE",
    ];
    let mut rows = Vec::with_capacity(ranks.len());
    for (i, rank) in ranks.iter().enumerate() {
        let vendor = inventory.node(rank.vendor);
        rows.push([
            (i + 1).to_string(),
            vendor.id.to_string(),
            vendor.name.to_string(),
            format!("{:.1}", rank.score),
            rank.reached.to_string(),
            rank.processes.to_string(),
            rank.commitments.to_string(),
            rank.in_scope_assets.to_string(),
            ids(&rank.fourth_parties),
            ids(&rank.single_points_of_failure),
        ]);
    }
    let mut out = format!(
        "Vendors by blast radius of {} (score: value x impact summed over the in-scope nodes reached)\n\n",
        property_names(properties)
    );
    out.push_str(
        &Table::new(&header, &rows)
            .right(&[0, 3, 4, 5, 6, 7])
            .render(),
    );
    out
}

fn rank_json<'a>(
    inventory: &'a Inventory,
    ranks: &'a [VendorRank],
    query: &Query,
) -> RankingDocument<'a> {
    let vendor = move |i: usize| {
        let rank = &ranks[i];
        let id = |n: &NodeIdx| inventory.node(*n).id.as_str();
        VendorRanked {
            rank: i + 1,
            id: id(&rank.vendor),
            name: &inventory.node(rank.vendor).name,
            score: rank.score,
            reached: rank.reached,
            processes: rank.processes,
            commitments: rank.commitments,
            in_scope_assets: rank.in_scope_assets,
            fourth_parties: rank.fourth_parties.iter().map(id).collect(),
            single_points_of_failure: rank.single_points_of_failure.iter().map(id).collect(),
        }
    };
    RankingDocument {
        schema_version: SCHEMA_VERSION,
        tool: Tool::riskgraph(),
        properties: query.properties.iter().map(|p| p.name()).collect(),
        min_impact: query.min,
        max_depth: query.depth,
        vendors: Stream::new(ranks.len(), vendor),
    }
}
