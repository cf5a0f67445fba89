//! `blast-radius --into`: what can take some nodes down, in the formats of an exposure. The tree,
//! table and Graphviz digraph are an exposure's, read backwards and with the single points of
//! failure marked; the JSON document has a shape of its own.

use riskgraph_engine::exposure::{Reached, Summary};
use riskgraph_engine::propagation::ImpactGraph;
use riskgraph_engine::supply_chain::Upstream;
use riskgraph_model::vocabulary::Vocabulary;
use riskgraph_model::{Inventory, NodeIdx};
use serde_json::{Value, json};

use super::{
    Document, Query, SCHEMA_VERSION, View, asset_type, round4, write_exposure_view, write_json,
};
use crate::Format;

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
    fn upstream_json(&self, upstream: &Upstream) -> Document<'_> {
        let inv = self.inventory;
        let lookup = &self.lookup;
        let s = self.summary;
        let id = |n: &NodeIdx| inv.node(*n).id.as_str();
        let head = json!({
            "schema_version": SCHEMA_VERSION,
            "tool": { "name": "riskgraph", "version": env!("CARGO_PKG_VERSION") },
            "targets": self.exposure.origins.iter().map(id).collect::<Vec<_>>(),
            "properties": self.exposure.properties.iter().map(|p| p.name()).collect::<Vec<_>>(),
            "min_impact": self.query.min,
            "max_depth": self.query.depth,
            "spof": upstream.spof,
            "nodes": null,
            "summary": {
                "upstream": s.reached,
                "by_kind": s.by_kind,
                "by_type": s.by_type,
                "in_scope_assets": s.in_scope_assets,
                "processes": s.processes.iter().map(|&p| {
                    json!({
                        "id": id(&p),
                        "criticality": inv.node(p).criticality().map(riskgraph_model::values::Rating::get),
                        "impact": lookup.get(p).map(|r| round4(r.headline().impact())),
                    })
                }).collect::<Vec<_>>(),
                "commitments": s.commitments.iter().map(|&c| inv.commitments[c as usize].id.as_str()).collect::<Vec<_>>(),
                "highest_classification": s.highest_classification.map(Vocabulary::as_str),
                "personal_data": s.personal_data,
                "vendors": s.vendors.iter().map(id).collect::<Vec<_>>(),
                "single_points_of_failure": upstream.single_points_of_failure.iter().map(|point| json!({
                    "id": id(&point.node),
                    "availability": round4(point.impact()),
                    "hops": point.hops,
                })).collect::<Vec<_>>(),
            },
        });
        Document {
            head,
            key: "nodes",
            len: self.exposure.nodes.len(),
            item: Box::new(|i| self.upstream_node_json(&self.exposure.nodes[i])),
        }
    }

    /// One node of the `--into` document: its impact on the targets, and its strongest path from
    /// it to a target (the way impact flows), with the dependency kind of each step.
    fn upstream_node_json(&self, reached: &Reached) -> Value {
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
        let impact: serde_json::Map<String, Value> = self
            .exposure
            .properties
            .iter()
            .map(|&p| (p.name().to_owned(), json!(reached.impact(p).map(round4))))
            .collect();
        json!({
            "id": node.id.as_str(),
            "name": &*node.name,
            "kind": node.kind().as_str(),
            "type": asset_type(node),
            "owner": node.owner.as_deref(),
            "in_scope": node.in_scope,
            "impact": impact,
            "property": reached.property.name(),
            "hops": reached.headline().hops,
            "single_point_of_failure": self.is_single_point_of_failure(reached.node),
            "path": path.iter().map(|&(n, _)| inv.node(n).id.as_str()).collect::<Vec<_>>(),
            "via": via,
        })
    }
}
