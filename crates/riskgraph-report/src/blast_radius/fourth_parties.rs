//! `blast-radius --rank fourth-parties`: the providers other vendors depend on, as a table or JSON.

use riskgraph_engine::supply_chain::FourthParty;
use riskgraph_model::{Inventory, NodeIdx};
use schemars::JsonSchema;
use serde::Serialize;

use super::{Query, SCHEMA_VERSION, Stream, property_names, write_json};
use crate::Format;
use crate::layout::Table;
use crate::register::Tool;

/// Writes the fourth parties `parties` (ranked) in `format`: json, else a table.
pub fn write_fourth_parties(
    out: &mut dyn std::io::Write,
    format: Format,
    inventory: &Inventory,
    parties: &[FourthParty],
    query: &Query,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    match format {
        Format::Json => write_json(&mut out, &json_document(inventory, parties, query))?,
        _ => std::io::Write::write_all(&mut out, table(inventory, parties, query).as_bytes())?,
    }
    std::io::Write::flush(&mut out)
}

fn table(inventory: &Inventory, parties: &[FourthParty], query: &Query) -> String {
    // At most four ids per cell, as in the vendor ranking; the JSON output lists them all.
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
        "PROVIDER",
        "NAME",
        "HIDDEN",
        "CRITICAL PROCESSES",
        "COMMITMENTS",
        "VENDORS",
        "VENDORS DEPENDING ON IT",
        "CRITICAL PROCESSES REACHED",
    ];
    let rows: Vec<[String; 9]> = parties
        .iter()
        .enumerate()
        .map(|(i, party)| {
            let provider = inventory.node(party.provider);
            [
                (i + 1).to_string(),
                provider.id.to_string(),
                provider.name.to_string(),
                if party.hidden { "yes" } else { "no" }.to_owned(),
                party.critical_processes.len().to_string(),
                party.commitments.len().to_string(),
                party.vendors.len().to_string(),
                ids(&party.vendors),
                ids(&party.critical_processes),
            ]
        })
        .collect();
    let mut out = format!(
        "Fourth parties: the providers your vendors depend on, by critical processes reached (failure of {}), then vendors depending on them\n\n",
        property_names(&query.properties)
    );
    if rows.is_empty() {
        out.push_str("No vendor depends on another vendor.\n");
        return out;
    }
    out.push_str(&Table::new(&header, &rows).right(&[0, 4, 5, 6]).render());
    out.push_str(
        "\nhidden: no in-scope asset or process depends on it except through another vendor, so no review of your own suppliers covers it\n",
    );
    out
}

fn json_document<'a>(
    inventory: &'a Inventory,
    parties: &'a [FourthParty],
    query: &Query,
) -> FourthPartiesDocument<'a> {
    let party = move |i: usize| {
        let party = &parties[i];
        let id = |n: &NodeIdx| inventory.node(*n).id.as_str();
        FourthPartyRanked {
            rank: i + 1,
            id: id(&party.provider),
            name: &inventory.node(party.provider).name,
            hidden: party.hidden,
            vendors: party.vendors.iter().map(id).collect(),
            critical_processes: party.critical_processes.iter().map(id).collect(),
            commitments: party
                .commitments
                .iter()
                .map(|&c| inventory.commitments[c as usize].id.as_str())
                .collect(),
        }
    };
    FourthPartiesDocument {
        schema_version: SCHEMA_VERSION,
        tool: Tool::riskgraph(),
        properties: query.properties.iter().map(|p| p.name()).collect(),
        min_impact: query.min,
        max_depth: query.depth,
        fourth_parties: Stream::new(parties.len(), party),
    }
}

/// The JSON document of `blast-radius --rank fourth-parties --format json` (version 1): the
/// providers other vendors depend on, ranked.
#[derive(Serialize, JsonSchema)]
pub struct FourthPartiesDocument<'a> {
    /// The version of this document; raised on any incompatible change.
    pub schema_version: u32,
    /// The program that wrote the document.
    pub tool: Tool<'a>,
    /// The properties that fail: `confidentiality`, `integrity`, `availability`.
    pub properties: Vec<&'a str>,
    /// Nodes whose impact is below this factor are not counted as reached.
    pub min_impact: f64,
    /// Paths longer than this many hops are not followed; null for no limit.
    pub max_depth: Option<u32>,
    /// The providers, by critical processes reached, then vendors depending on them.
    pub fourth_parties: Stream<'a, FourthPartyRanked<'a>>,
}

/// A provider other vendors depend on.
#[derive(Serialize, JsonSchema)]
pub struct FourthPartyRanked<'a> {
    /// 1 for the provider that reaches the most critical processes.
    pub rank: usize,
    /// The provider's id.
    pub id: &'a str,
    /// The provider's name.
    pub name: &'a str,
    /// Whether no in-scope asset or process depends on it except through another vendor.
    pub hidden: bool,
    /// Ids of the other vendors that depend on it, directly or not.
    pub vendors: Vec<&'a str>,
    /// Ids of the critical processes (criticality 4 or 5) its failure or breach reaches.
    pub critical_processes: Vec<&'a str>,
    /// Ids of the commitments whose `covers` selects it or a node it reaches.
    pub commitments: Vec<&'a str>,
}
