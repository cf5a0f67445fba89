//! One reader per inventory file: turns a row's cells into a typed record, checking every
//! reference against what earlier files defined.
//!
//! A row whose id is valid is kept even when another cell is bad (with a neutral fallback), so
//! one bad cell does not cascade into "unknown id" errors wherever the row is referred to. An
//! inventory with errors is never assessed, so the fallbacks are never scored.
//!
//! This module dispatches to the readers and holds what they share: ids defined twice, node
//! references and unknown node ids, property lists, selector cells and threat references. The
//! readers are grouped by file: `nodes.rs` (assets, processes, vendors), `dependencies.rs`,
//! `threats.rs` (threats, vulnerabilities), `controls.rs` (controls and the Statement of
//! Applicability, with SOC 2 and Annex A ids), `compliance.rs` (commitments, obligations,
//! context, objectives), `incidents.rs` and `treatments.rs`.

mod compliance;
mod controls;
mod dependencies;
mod incidents;
mod nodes;
mod threats;
mod treatments;

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::inventory::Inventory;
use crate::load::table::{Cells, Col, Table};
use crate::load::{LoadState, PendingSelectors};
use crate::node::NodeIdx;
use crate::records::ThreatRef;
use crate::selector::{NodeIndex, NodeLists, Selector};
use crate::values::{Id, Properties, Property, ValueError, closest};
use crate::vocabulary::{RiskCategory, Vocabulary};

use compliance::{commitment_reader, context_reader, objective_reader, obligation_reader};
use controls::{control_reader, soa_reader};
pub(super) use dependencies::DependencyColumns;
use dependencies::dependency_reader;
use incidents::incident_reader;
pub(super) use nodes::AssetColumns;
use nodes::{asset_reader, process_reader, vendor_reader};
use threats::{threat_reader, vulnerability_reader};
use treatments::treatment_reader;

/// Reads one row of a file into the inventory.
pub type RowReader = Box<dyn FnMut(&mut Cells<'_, '_>, &mut LoadState, &mut Inventory)>;

/// Unknown-node suggestions scan every node id; past this many, or on huge inventories, the
/// hint is left out rather than slowing the run.
const MAX_SUGGESTIONS: usize = 50;
const MAX_NODES_FOR_SUGGESTIONS: usize = 200_000;

/// The reader for the file `table` holds, with its columns bound.
pub fn reader_for(table: &Table<'_>) -> RowReader {
    match table.spec.stem {
        "assets" => asset_reader(table),
        "processes" => process_reader(table),
        "vendors" => vendor_reader(table),
        "dependencies" => dependency_reader(table),
        "threats" => threat_reader(table),
        "vulnerabilities" => vulnerability_reader(table),
        "controls" => control_reader(table),
        "commitments" => commitment_reader(table),
        "obligations" => obligation_reader(table),
        "context" => context_reader(table),
        "objectives" => objective_reader(table),
        "incidents" => incident_reader(table),
        "treatments" => treatment_reader(table),
        "soa" => soa_reader(table),
        other => unreachable!("no reader for `{other}`"),
    }
}

fn report_duplicate(
    c: &mut Cells<'_, '_>,
    col: Col,
    what: &str,
    id: &Id,
    first: crate::node::RowRef,
) {
    let first_location = first.location();
    let first_place = c.diagnostics.describe(&first_location);
    let d = Diagnostic::error("duplicate-id", format!("{what} id `{id}` is defined twice"))
        .with_value(id.as_str())
        .with_help(format!(
            "ids must be unique; the first definition is at {first_place}"
        ))
        .with_related("first defined here", first_location);
    c.report(col, d);
}

/// Records a non-node id as defined, or reports it as a duplicate within its file.
fn define(c: &mut Cells<'_, '_>, state: &mut LoadState, col: Col, what: &str) -> Option<Id> {
    let id = c.required(col, Id::parse)?;
    if let Some(&first) = state.seen_ids.get(&id) {
        report_duplicate(c, col, what, &id, first);
        return None;
    }
    state.seen_ids.insert(id.clone(), c.row_ref());
    Some(id)
}

/// Resolves a required node id cell, reporting unknown ids with the nearest known one.
fn node_ref(
    c: &mut Cells<'_, '_>,
    state: &mut LoadState,
    inventory: &Inventory,
    col: Col,
) -> Option<NodeIdx> {
    // Dependencies hold millions of these cells: look the text up as it is, without building
    // an `Id` for it. Rows often repeat the previous row's node (a spreadsheet lists a node's
    // dependencies together), so the last id found in each column is kept.
    if let (Some(position), Some(text)) = (col.position(), c.text(col))
        && let Some((_, _, node)) = state
            .recent_refs
            .iter()
            .find(|(at, id, _)| *at == position && id == text)
    {
        return Some(*node);
    }
    let node_index = &state.node_index;
    let found = c.required(col, |text| Id::check(text).map(|()| node_index.get(text)))?;
    match (found, col.position()) {
        (None, _) => {
            c.failed = true;
            let id = c.text(col).unwrap_or_default().to_owned();
            report_unknown_node(c, state, inventory, col, &id);
        }
        (Some(node), Some(position)) => {
            let text = c.text(col).unwrap_or_default();
            match state
                .recent_refs
                .iter_mut()
                .find(|(at, ..)| *at == position)
            {
                Some(recent) => {
                    recent.1.clear();
                    recent.1.push_str(text);
                    recent.2 = node;
                }
                None => state.recent_refs.push((position, text.to_owned(), node)),
            }
        }
        (Some(_), None) => {}
    }
    found
}

fn report_unknown_node(
    c: &mut Cells<'_, '_>,
    state: &mut LoadState,
    inventory: &Inventory,
    col: Col,
    id: &str,
) {
    // A node row that was not read for its own error is reported there; an unknown id here
    // that names it (or any id, when a node file could not be read at all) would send the user
    // to the wrong file. Errors in other columns of node rows do not drop the row, so every
    // other reference is still checked: one run reports every problem.
    if state.node_rows_lost || state.lost_node_ids.contains(id) {
        return;
    }
    let suggestion = if state.suggestions_made < MAX_SUGGESTIONS
        && inventory.nodes.len() <= MAX_NODES_FOR_SUGGESTIONS
    {
        state.suggestions_made += 1;
        closest(id, inventory.nodes.iter().map(|n| n.id.as_str()))
    } else {
        None
    };
    let help = match suggestion {
        Some(near) => {
            format!("did you mean `{near}`? node ids come from assets, processes and vendors")
        }
        None => String::from("node ids come from the id columns of assets, processes and vendors"),
    };
    c.report(
        col,
        Diagnostic::error(
            "unknown-id",
            format!("`{id}` is not a known asset, process or vendor"),
        )
        .with_value(id)
        .with_help(help),
    );
}

fn parse_properties(text: &str) -> Result<Properties, ValueError> {
    let mut properties = Properties::NONE;
    for item in text
        .split([';', '|', ',', ' ', '/'])
        .filter(|s| !s.is_empty())
    {
        // `CIA` in one cell is common shorthand; this path runs for millions of dependency
        // rows, so it allocates nothing.
        let letters = item.len() <= 3 && item.bytes().all(|b| b"ciaCIA".contains(&b));
        if letters {
            for letter in item.bytes() {
                let property = match letter.to_ascii_lowercase() {
                    b'c' => Property::Confidentiality,
                    b'i' => Property::Integrity,
                    _ => Property::Availability,
                };
                properties = properties.with(property);
            }
            continue;
        }
        let Some(property) = Property::parse(item) else {
            return Err(ValueError::new(format!("`{item}` is not a security property"))
                .with_help("write a list of C, I and A (confidentiality, integrity, availability), such as `C;I`"));
        };
        properties = properties.with(property);
    }
    Ok(properties)
}

/// Parses a selector cell and warns when it selects no node.
fn selector(
    c: &mut Cells<'_, '_>,
    state: &mut LoadState,
    inventory: &Inventory,
    col: Col,
    required: bool,
) -> Option<Selector> {
    let selector = if required {
        c.required(col, Selector::parse)?
    } else {
        c.parse(col, Selector::parse)?
    };
    check_selector(c, state, inventory, col, &selector);
    Some(selector)
}

/// Checks a parsed selector against the nodes: every id it names must exist (an unknown term
/// prefix such as `typ:` reads as an id, so it gets the prefix it resembles instead), and it
/// should match some node.
fn check_selector(
    c: &mut Cells<'_, '_>,
    state: &mut LoadState,
    inventory: &Inventory,
    col: Col,
    selector: &Selector,
) {
    let unknown: Vec<Id> = selector
        .named_ids()
        .filter(|id| !state.node_index.contains_key(id.as_str()))
        .cloned()
        .collect();
    if unknown.is_empty() {
        defer_selects_nothing(c, state, col, selector);
        return;
    }
    for id in unknown {
        let near_prefix = id.as_str().split_once(':').and_then(|(prefix, _)| {
            closest(
                prefix,
                ["kind", "type", "tag", "env", "classification", "id"],
            )
            .map(|near| (prefix, near))
        });
        match near_prefix {
            Some((prefix, near)) => c.report(
                col,
                Diagnostic::error("bad-selector", format!("`{prefix}:` is not a selector prefix"))
                    .with_value(id.as_str())
                    .with_help(format!(
                        "did you mean `{near}:`? selectors start with kind:, type:, tag:, env:, classification: or id:, or are a bare id"
                    )),
            ),
            None => report_unknown_node(c, state, inventory, col, id.as_str()),
        }
    }
}

/// Queues the "matches no node" check of a selector cell. Checking each cell at once would scan
/// every node per cell; [`selectors_matching_nothing`] checks each distinct selector in
/// one pass over the nodes instead.
fn defer_selects_nothing(c: &Cells<'_, '_>, state: &mut LoadState, col: Col, selector: &Selector) {
    let diagnostic = Diagnostic::warning(
        "selects-nothing",
        format!("selector `{selector}` matches no node"),
    )
    .with_value(selector.as_str())
    .with_help("check the ids, tags and types it names against assets, processes and vendors")
    .at(c.location(col));
    state
        .pending_selectors
        .entry(Box::from(selector.as_str()))
        .or_insert_with(|| (selector.clone(), Vec::new()))
        .1
        .push(diagnostic);
}

/// The warnings of every queued selector that matches no node, in file and line order (none
/// when `quiet`: nobody reads them); and the node lists built to select, when there were
/// selectors.
pub fn selectors_matching_nothing(
    pending: PendingSelectors,
    inventory: &Inventory,
    quiet: bool,
) -> (Vec<Diagnostic>, Option<NodeLists>) {
    if pending.is_empty() {
        return (Vec::new(), None);
    }
    let lists = NodeLists::new(inventory);
    if quiet {
        return (Vec::new(), Some(lists));
    }
    let index = NodeIndex::over(inventory, &lists);
    // Thousands of selectors at a million nodes: each may scan many nodes to find none.
    let pending: Vec<_> = pending.into_values().collect();
    let mut warnings: Vec<Diagnostic> = pending
        .into_par_iter()
        .filter(|(selector, _)| !selector.matches_any(&index))
        .flat_map_iter(|(_, d)| d)
        .collect();
    warnings.sort_by_key(|d| (d.location.file, d.location.line, d.location.column));
    (warnings, Some(lists))
}

/// Parses one `threat id` or `category:X` item.
fn parse_threat_ref(text: &str, known: &[Id]) -> Result<ThreatRef, ValueError> {
    if let Some(category) = text.strip_prefix("category:") {
        return RiskCategory::parse(category.trim()).map(ThreatRef::Category);
    }
    let id = Id::parse(text)?;
    if known.iter().any(|k| k == &id) {
        return Ok(ThreatRef::Id(id));
    }
    let help = match closest(text, known.iter().map(Id::as_str)) {
        Some(near) => format!(
            "did you mean `{near}`? refer to threats by their id, or to a whole category as `category:X`"
        ),
        None => String::from(
            "refer to threats by their id in threats.csv, or to a whole category as `category:X`",
        ),
    };
    Err(ValueError::new(format!("`{text}` is not a known threat")).with_help(help))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_lists() {
        let check = |text: &str, expected: &str| {
            assert_eq!(
                parse_properties(text).map(|p| p.to_string()),
                Ok(expected.to_owned()),
                "{text}"
            );
        };
        check("C;I;A", "CIA");
        check("CIA", "CIA");
        check("a", "A");
        check("Confidentiality, Availability", "CA");
        assert!(parse_properties("X").is_err());
    }
}
