//! `blast-radius --into`: what can take some nodes down, in the formats of an exposure. The tree,
//! table and Graphviz digraph are an exposure's, read backwards and with the single points of
//! failure marked; the JSON document has a shape of its own.

use std::collections::BTreeMap;

use riskgraph_engine::exposure::{Reached, Summary};
use riskgraph_engine::propagation::ImpactGraph;
use riskgraph_engine::supply_chain::Upstream;
use riskgraph_model::vocabulary::Vocabulary;
use riskgraph_model::{Inventory, NodeIdx};
use schemars::JsonSchema;
use serde::Serialize;

use super::{
    Impacts, ProcessReached, Query, SCHEMA_VERSION, Stream, View, asset_type, round4,
    write_exposure_view, write_json,
};
use crate::Format;
use crate::register::Tool;

/// Writes `upstream` (found through `graph`, the impact graph as built, summarized as `summary`)
/// in `format`: tree, table, json or dot.
pub fn write_upstream(
    out: &mut dyn std::io::Write,
    format: Format,
    inventory: &Inventory,
    graph: &ImpactGraph,
    upstream: &Upstream,
    summary: &Summary,
    query: &Query,
) -> std::io::Result<()> {
    let exposure = &upstream.exposure;
    let view = View {
        inventory,
        graph,
        exposure,
        lookup: exposure.lookup(),
        summary,
        query,
        upstream: Some(upstream),
    };
    if format == Format::Json {
        let mut out = std::io::BufWriter::new(out);
        write_json(&mut out, &view.upstream_json(upstream))?;
        return std::io::Write::flush(&mut out);
    }
    write_exposure_view(out, format, &view)
}

impl View<'_> {
    /// The JSON document of `--into`; its `nodes` are serialized one at a time, as an exposure's.
    fn upstream_json<'a>(&'a self, upstream: &'a Upstream) -> UpstreamDocument<'a> {
        let inv = self.inventory;
        let lookup = &self.lookup;
        let s = self.summary;
        let id = |n: &NodeIdx| inv.node(*n).id.as_str();
        UpstreamDocument {
            schema_version: SCHEMA_VERSION,
            tool: Tool::riskgraph(),
            targets: self.exposure.origins.iter().map(id).collect(),
            properties: self.exposure.properties.iter().map(|p| p.name()).collect(),
            min_impact: self.query.min,
            max_depth: self.query.depth,
            spof: upstream.spof,
            nodes: Stream::new(self.exposure.nodes.len(), |i| {
                self.upstream_node_json(&self.exposure.nodes[i])
            }),
            summary: UpstreamSummary {
                upstream: s.reached,
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
                vendors: s.vendors.iter().map(id).collect(),
                single_points_of_failure: upstream
                    .single_points_of_failure
                    .iter()
                    .map(|point| SinglePointOfFailure {
                        id: id(&point.node),
                        availability: round4(point.impact()),
                        hops: point.hops,
                    })
                    .collect(),
            },
        }
    }

    /// One node of the `--into` document: its impact on the targets, and its strongest path from
    /// it to a target (the way impact flows), with the dependency kind of each step.
    fn upstream_node_json(&self, reached: &Reached) -> UpstreamNode<'_> {
        let inv = self.inventory;
        let node = inv.node(reached.node);
        let mut path = self.lookup.path(reached.node, reached.property);
        // The lookup walks from the target; each step's row joins it to the node before it.
        let via: Vec<&str> = path
            .iter()
            .rev()
            .filter_map(|&(_, row)| row.map(|r| inv.dependencies[r as usize].kind.as_str()))
            .collect();
        path.reverse();
        UpstreamNode {
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
            hops: reached.headline().hops,
            single_point_of_failure: self.is_single_point_of_failure(reached.node),
            path: path.iter().map(|&(n, _)| inv.node(n).id.as_str()).collect(),
            via,
        }
    }
}

/// The JSON document of `blast-radius --into ID --format json` (version 1): every node whose
/// failure or breach reaches the targets, with its impact on them and its strongest path, and a
/// summary with the single points of failure.
#[derive(Serialize, JsonSchema)]
pub struct UpstreamDocument<'a> {
    /// The version of this document; raised on any incompatible change.
    pub schema_version: u32,
    /// The program that wrote the document.
    pub tool: Tool<'a>,
    /// The ids of the nodes whose failure or breach is traced back.
    pub targets: Vec<&'a str>,
    /// The properties that fail: `confidentiality`, `integrity`, `availability`.
    pub properties: Vec<&'a str>,
    /// Nodes whose impact on the targets is below this factor are left out.
    pub min_impact: f64,
    /// Nodes whose strongest path is longer than this many hops are left out; null for no limit.
    pub max_depth: Option<u32>,
    /// The availability impact (0..1) from which a node alone is a single point of failure.
    pub spof: f64,
    /// The targets and every node upstream of them, strongest impact first.
    pub nodes: Stream<'a, UpstreamNode<'a>>,
    /// What is upstream of the targets, counted.
    pub summary: UpstreamSummary<'a>,
}

/// A node whose failure or breach reaches the targets of `--into`.
#[derive(Serialize, JsonSchema)]
pub struct UpstreamNode<'a> {
    /// The node's id.
    pub id: &'a str,
    /// The node's name.
    pub name: &'a str,
    /// `asset`, `process` or `vendor`.
    pub kind: &'a str,
    /// The asset type; null for processes and vendors.
    #[serde(rename = "type")]
    pub node_type: Option<&'a str>,
    /// The node's owner; null when the inventory names none.
    pub owner: Option<&'a str>,
    /// Whether the node is in scope.
    pub in_scope: bool,
    /// The impact (0..1) of the node's failure on the targets per property; null where none.
    pub impact: Impacts,
    /// The property of the strongest impact, whose path `path` is.
    pub property: &'a str,
    /// Dependencies on the strongest path.
    pub hops: u32,
    /// Whether the node's failure alone reaches a target's availability at `spof` or more.
    pub single_point_of_failure: bool,
    /// Node ids from this node to a target, the way impact flows.
    pub path: Vec<&'a str>,
    /// The kind of each dependency along `path`.
    pub via: Vec<&'a str>,
}

/// What is upstream of the targets of `--into`, counted.
#[derive(Serialize, JsonSchema)]
pub struct UpstreamSummary<'a> {
    /// Nodes upstream besides the targets.
    pub upstream: usize,
    /// Nodes upstream by kind.
    pub by_kind: &'a BTreeMap<&'static str, usize>,
    /// Assets upstream by asset type.
    pub by_type: &'a BTreeMap<&'static str, usize>,
    /// In-scope assets upstream.
    pub in_scope_assets: usize,
    /// Business processes upstream, strongest first.
    pub processes: Vec<ProcessReached<'a>>,
    /// Ids of the commitments whose `covers` selects a node upstream.
    pub commitments: Vec<&'a str>,
    /// The highest data classification upstream; null when none.
    pub highest_classification: Option<&'a str>,
    /// Whether personal data is upstream.
    pub personal_data: bool,
    /// Vendors upstream besides the targets.
    pub vendors: Vec<&'a str>,
    /// The single points of failure, strongest first, then fewest hops.
    pub single_points_of_failure: Vec<SinglePointOfFailure<'a>>,
}

/// A node whose failure alone reaches a target's availability at `spof` or more.
#[derive(Serialize, JsonSchema)]
pub struct SinglePointOfFailure<'a> {
    /// The node's id.
    pub id: &'a str,
    /// The availability impact (0..1) of its failure on the target.
    pub availability: f64,
    /// Dependencies on its strongest availability path to the target.
    pub hops: u32,
}
