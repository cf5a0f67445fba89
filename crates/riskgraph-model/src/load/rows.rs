//! One reader per inventory file: turns a row's cells into a typed record, checking every
//! reference against what earlier files defined.
//!
//! A row whose id is valid is kept even when another cell is bad (with a neutral fallback), so
//! one bad cell does not cascade into "unknown id" errors wherever the row is referred to. An
//! inventory with errors is never assessed, so the fallbacks are never scored.

use rayon::prelude::*;

use crate::catalog;
use crate::diagnostic::Diagnostic;
use crate::inventory::Inventory;
use crate::load::table::{Cells, Col, Table};
use crate::load::{LoadState, PendingSelectors};
use crate::manifest::IsoEdition;
use crate::node::{Asset, Node, NodeDetail, NodeIdx, Process, Vendor};
use crate::records::{
    Applicability, Commitment, ContextItem, ContextLink, Control, Dependency, Incident, Objective,
    Obligation, RiskPattern, Threat, ThreatRef, Treatment, Vulnerability,
};
use crate::selector::Selector;
use crate::values::{
    Date, Factor, Id, Properties, Property, Rating, ValueError, closest, is_id_char,
};
use crate::vocabulary::{
    AssetType, ControlStatus, DependencyKind, Reduces, RiskCategory, Vocabulary,
    VulnerabilityStatus,
};

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

/// The columns every node file shares.
#[derive(Clone, Copy)]
struct NodeColumns {
    id: Col,
    name: Col,
    owner: Col,
    in_scope: Col,
    tags: Col,
}

impl NodeColumns {
    fn bind(table: &Table<'_>) -> Self {
        Self {
            id: table.column("id"),
            name: table.column("name"),
            owner: table.column("owner"),
            in_scope: table.column("in_scope"),
            tags: table.column("tags"),
        }
    }

    /// Reads the shared columns and adds the node, unless its id is bad or taken.
    fn add(
        self,
        c: &mut Cells<'_, '_>,
        state: &mut LoadState,
        inventory: &mut Inventory,
        detail: NodeDetail,
    ) {
        let Some(id) = c.required(self.id, Id::parse) else {
            if let Some(text) = c.text(self.id) {
                state.lost_node_ids.insert(Box::from(text));
            }
            return;
        };
        if let Some(first) = state.node_index.get(id.as_str()) {
            let first_row = inventory.nodes[first as usize].row;
            report_duplicate(c, self.id, "node", &id, first_row);
            return;
        }
        let node = self.rest(c, id, detail);
        state
            .node_index
            .insert(node.id.as_str(), inventory.nodes.len() as NodeIdx);
        inventory.nodes.push(node);
    }

    /// The node of the row whose id is `id`: its other shared columns and `detail`.
    fn rest(self, c: &mut Cells<'_, '_>, id: Id, detail: NodeDetail) -> Node {
        let name = c
            .required(self.name, |s| Ok(Box::from(s)))
            .unwrap_or_else(|| Box::from(id.as_str()));
        Node {
            name,
            owner: c.shared(self.owner),
            in_scope: c.flag(self.in_scope, true),
            tags: c.shared_list(self.tags),
            attributes: c.attributes(),
            detail,
            row: c.row_ref(),
            id,
        }
    }
}

/// The columns of `assets.csv`.
#[derive(Clone, Copy)]
pub(super) struct AssetColumns {
    node: NodeColumns,
    asset_type: Col,
    confidentiality: Col,
    integrity: Col,
    availability: Col,
    classification: Col,
    personal_data: Col,
    environment: Col,
    lifecycle: Col,
    location: Col,
}

impl AssetColumns {
    pub fn bind(table: &Table<'_>) -> Self {
        Self {
            node: NodeColumns::bind(table),
            asset_type: table.column("type"),
            confidentiality: table.column("confidentiality"),
            integrity: table.column("integrity"),
            availability: table.column("availability"),
            classification: table.column("classification"),
            personal_data: table.column("personal_data"),
            environment: table.column("environment"),
            lifecycle: table.column("lifecycle"),
            location: table.column("location"),
        }
    }

    fn detail(self, c: &mut Cells<'_, '_>) -> NodeDetail {
        NodeDetail::Asset(Asset {
            asset_type: c
                .required(self.asset_type, AssetType::parse)
                .unwrap_or(AssetType::Software),
            confidentiality: c.parse(self.confidentiality, Rating::parse),
            integrity: c.parse(self.integrity, Rating::parse),
            availability: c.parse(self.availability, Rating::parse),
            classification: c.vocab(self.classification),
            personal_data: c.flag(self.personal_data, false),
            environment: c.vocab(self.environment),
            lifecycle: c.vocab(self.lifecycle),
            location: c.shared(self.location),
        })
    }

    /// The asset of the row, without checking its id against other nodes; `None` when its id is
    /// missing or invalid (reported).
    pub fn node(self, c: &mut Cells<'_, '_>) -> Option<Node> {
        let detail = self.detail(c);
        let id = c.required(self.node.id, Id::parse)?;
        Some(self.node.rest(c, id, detail))
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

fn asset_reader(table: &Table<'_>) -> RowReader {
    let columns = AssetColumns::bind(table);
    Box::new(move |c, state, inventory| {
        let detail = columns.detail(c);
        columns.node.add(c, state, inventory, detail);
    })
}

fn process_reader(table: &Table<'_>) -> RowReader {
    let node = NodeColumns::bind(table);
    let criticality = table.column("criticality");
    let recovery_time = table.column("rto_hours");
    let recovery_point = table.column("rpo_hours");
    let financial = table.column("financial");
    let segregation_of_duties = table.column("segregation_of_duties");
    let manual_override = table.column("manual_override");
    Box::new(move |c, state, inventory| {
        let detail = NodeDetail::Process(Process {
            criticality: c.parse(criticality, Rating::parse),
            rto_hours: c.parse(recovery_time, crate::values::parse_non_negative),
            rpo_hours: c.parse(recovery_point, crate::values::parse_non_negative),
            financial: c.flag(financial, false),
            segregation_of_duties: c.vocab(segregation_of_duties),
            manual_override: c.flag(manual_override, false),
        });
        node.add(c, state, inventory, detail);
    })
}

fn vendor_reader(table: &Table<'_>) -> RowReader {
    let node = NodeColumns::bind(table);
    let service = table.column("service");
    let criticality = table.column("criticality");
    let data_access = table.column("data_access");
    let soc2_report = table.column("soc2_report");
    let soc2_report_date = table.column("soc2_report_date");
    let iso27001_certified = table.column("iso27001_certified");
    let last_review = table.column("last_review");
    let country = table.column("country");
    let exit_plan = table.column("exit_plan");
    Box::new(move |c, state, inventory| {
        let detail = NodeDetail::Vendor(Vendor {
            service: c.shared(service),
            criticality: c.parse(criticality, Rating::parse),
            data_access: c.vocab(data_access),
            soc2_report: c.vocab(soc2_report),
            soc2_report_date: c.parse(soc2_report_date, Date::parse),
            iso27001_certified: c.flag(iso27001_certified, false),
            last_review: c.parse(last_review, Date::parse),
            country: c.shared(country),
            exit_plan: c.flag(exit_plan, false),
        });
        node.add(c, state, inventory, detail);
    })
}

/// Resolves a node id cell, reporting unknown ids with the nearest known one.
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

/// The columns of `dependencies.csv`.
#[derive(Clone, Copy)]
pub(super) struct DependencyColumns {
    pub from: Col,
    pub to: Col,
    kind: Col,
    strength: Col,
    redundant: Col,
    propagates: Col,
}

impl DependencyColumns {
    pub fn bind(table: &Table<'_>) -> Self {
        Self {
            from: table.column("from"),
            to: table.column("to"),
            kind: table.column("kind"),
            strength: table.column("strength"),
            redundant: table.column("redundant"),
            propagates: table.column("propagates"),
        }
    }

    /// The dependency of the row `c` between nodes `from` and `to`; bad optional cells are
    /// reported and take their defaults.
    pub fn dependency(self, c: &mut Cells<'_, '_>, from: NodeIdx, to: NodeIdx) -> Dependency {
        Dependency {
            from,
            to,
            kind: c.vocab(self.kind).unwrap_or(DependencyKind::Other),
            strength: c.parse(self.strength, Factor::parse).unwrap_or(Factor::ONE),
            redundant: c.flag(self.redundant, false),
            propagates: c
                .parse(self.propagates, parse_properties)
                .unwrap_or(Properties::ALL),
            row: c.row_ref(),
        }
    }
}

fn dependency_reader(table: &Table<'_>) -> RowReader {
    let columns = DependencyColumns::bind(table);
    Box::new(move |c, state, inventory| {
        let from_idx = node_ref(c, state, inventory, columns.from);
        let to_idx = node_ref(c, state, inventory, columns.to);
        let dependency =
            columns.dependency(c, from_idx.unwrap_or_default(), to_idx.unwrap_or_default());
        if let (Some(f), Some(t)) = (from_idx, to_idx) {
            if f == t {
                c.report(
                    columns.to,
                    Diagnostic::error(
                        "self-dependency",
                        format!("`{}` depends on itself", inventory.nodes[f as usize].id),
                    )
                    .with_help("a dependency joins two different nodes"),
                );
                return;
            }
            inventory.dependencies.push(dependency);
        }
    })
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

/// The warnings of every queued selector that matches no node, in file and line order.
pub fn selectors_matching_nothing(
    pending: PendingSelectors,
    inventory: &Inventory,
) -> Vec<Diagnostic> {
    if pending.is_empty() {
        return Vec::new();
    }
    let index = crate::selector::NodeIndex::new(inventory);
    // Thousands of selectors at a million nodes: each may scan many nodes to find none.
    let pending: Vec<_> = pending.into_values().collect();
    let mut warnings: Vec<Diagnostic> = pending
        .into_par_iter()
        .filter(|(selector, _)| !selector.matches_any(&index))
        .flat_map_iter(|(_, d)| d)
        .collect();
    warnings.sort_by_key(|d| (d.location.file, d.location.line, d.location.column));
    warnings
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

fn threat_reader(table: &Table<'_>) -> RowReader {
    let id = table.column("id");
    let name = table.column("name");
    let category = table.column("category");
    let source = table.column("source");
    let affects = table.column("affects");
    let targets = table.column("targets");
    let likelihood = table.column("likelihood");
    let description = table.column("description");
    let tags = table.column("tags");
    Box::new(move |c, state, inventory| {
        let Some(threat_id) = define(c, state, id, "threat") else {
            return;
        };
        if threat_id.as_str() == "fraud" {
            // `fraud@<process>` is the id of each process's fraud risk.
            c.invalid(
                id,
                "fraud",
                ValueError::new("`fraud` is reserved for the fraud risk of each process")
                    .with_help("give the threat another id, such as `T-FRAUD`"),
            );
            return;
        }
        let threat = Threat {
            id: threat_id.clone(),
            name: c.required(name, |s| Ok(Box::from(s))).unwrap_or_default(),
            category: c
                .required(category, RiskCategory::parse)
                .unwrap_or(RiskCategory::CyberAttack),
            source: c.vocab(source),
            affects: c
                .parse(affects, parse_properties)
                .unwrap_or(Properties::ALL),
            targets: selector(c, state, inventory, targets, true).unwrap_or_else(Selector::all),
            likelihood: c.parse(likelihood, Rating::parse),
            description: c.string(description),
            tags: c.shared_list(tags),
            attributes: c.attributes(),
            row: c.row_ref(),
        };
        state.threat_ids.push(threat_id);
        inventory.threats.push(threat);
    })
}

fn vulnerability_reader(table: &Table<'_>) -> RowReader {
    let id = table.column("id");
    let name = table.column("name");
    let targets = table.column("targets");
    let threats = table.column("threats");
    let severity = table.column("severity");
    let cve = table.column("cve");
    let status = table.column("status");
    let found = table.column("found");
    Box::new(move |c, state, inventory| {
        let Some(vulnerability_id) = define(c, state, id, "vulnerability") else {
            return;
        };
        let known = std::mem::take(&mut state.threat_ids);
        let vulnerability = Vulnerability {
            id: vulnerability_id,
            name: c.required(name, |s| Ok(Box::from(s))).unwrap_or_default(),
            targets: selector(c, state, inventory, targets, true).unwrap_or_else(Selector::all),
            threats: c.list(threats, |item| parse_threat_ref(item, &known)),
            severity: c.parse(severity, Rating::parse),
            cve: c.string(cve),
            status: c.vocab(status).unwrap_or(VulnerabilityStatus::Open),
            found: c.parse(found, Date::parse),
            attributes: c.attributes(),
            row: c.row_ref(),
        };
        state.threat_ids = known;
        inventory.vulnerabilities.push(vulnerability);
    })
}

/// `CC6.1`, `A1.2`, `C1.1`, `PI1.3`, `P4.2`: the shape of a SOC 2 criterion id.
fn parse_soc2(text: &str) -> Result<Box<str>, ValueError> {
    let upper = text.trim().to_ascii_uppercase();
    let letters_end = upper
        .find(|ch: char| ch.is_ascii_digit())
        .unwrap_or(upper.len());
    let (series, number) = upper.split_at(letters_end);
    let numeric = number.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && a.bytes().chain(b.bytes()).all(|x| x.is_ascii_digit())
    });
    if matches!(series, "CC" | "A" | "C" | "PI" | "P") && numeric {
        Ok(Box::from(upper))
    } else {
        Err(ValueError::new(format!("`{text}` is not a SOC 2 criterion id"))
            .with_help("SOC 2 Trust Services Criteria ids look like `CC6.1`, `A1.2`, `C1.1`, `PI1.3` or `P4.2`"))
    }
}

/// `items` without repeats, in first-seen order.
fn unique(mut items: Vec<Box<str>>) -> Vec<Box<str>> {
    let mut seen = Vec::with_capacity(items.len());
    items.retain(|item| {
        let new = !seen.contains(item);
        if new {
            seen.push(item.clone());
        }
        new
    });
    items
}

/// A SOC 2 criterion of the catalog, upper-cased.
fn parse_criterion(text: &str) -> Result<Box<str>, ValueError> {
    let id = parse_soc2(text)?;
    if catalog::soc2_criterion(&id).is_some() {
        return Ok(id);
    }
    let help = match catalog::closest_soc2(&id) {
        Some(near) => format!("did you mean {near}? `riskgraph catalog list soc2` lists them all"),
        None => String::from("`riskgraph catalog list soc2` lists the criteria"),
    };
    Err(ValueError::new(format!("{id} is not a SOC 2 criterion")).with_help(help))
}

/// An Annex A control of the manifest's edition, as the 2022 controls it stands for (itself, or
/// the controls a 2013 one corresponds to), without the `A.` prefix.
fn parse_annex_a(text: &str, edition: IsoEdition) -> Result<Vec<Box<str>>, ValueError> {
    let bare = parse_iso(text)?;
    match edition {
        IsoEdition::Iso2022 => {
            if catalog::annex_a_2022(&bare).is_some() {
                return Ok(vec![bare]);
            }
            if catalog::annex_a_2013(&bare).is_some() {
                let ids: Vec<String> = catalog::to_2022(&bare).map(|c| c.iso2022.clone()).collect();
                return Err(ValueError::new(format!(
                    "A.{bare} is an ISO 27001:2013 id, and riskgraph.toml uses the 2022 edition"
                ))
                .with_help(format!(
                    "in 2022 it is {}; set [scope] iso27001 = \"2013\" in riskgraph.toml or use \
                     those ids",
                    ids.join(", ")
                )));
            }
            let help = match catalog::closest_2022(&bare) {
                Some(near) => format!(
                    "did you mean {near}? 2022 controls run 5.1-5.37, 6.1-6.8, 7.1-7.14 and 8.1-8.34"
                ),
                None => String::from("2022 controls run 5.1-5.37, 6.1-6.8, 7.1-7.14 and 8.1-8.34"),
            };
            Err(
                ValueError::new(format!("A.{bare} is not an ISO 27001:2022 Annex A control"))
                    .with_help(help),
            )
        }
        IsoEdition::Iso2013 => {
            if catalog::annex_a_2013(&bare).is_some() {
                return Ok(catalog::to_2022(&bare)
                    .map(|c| Box::from(c.iso2022.as_str()))
                    .collect());
            }
            if catalog::annex_a_2022(&bare).is_some() {
                return Err(ValueError::new(format!(
                    "A.{bare} is an ISO 27001:2022 id, and riskgraph.toml sets iso27001 = \"2013\""
                ))
                .with_help(
                    "write 2013 ids (A.5.1.1 to A.18.2.3), or set [scope] iso27001 = \"2022\" when \
                     the whole file uses 2022 ids",
                ));
            }
            let help = match catalog::closest_2013(&bare) {
                Some(near) => format!(
                    "did you mean {near}? `riskgraph catalog list iso27001:2013` lists them all"
                ),
                None => String::from("`riskgraph catalog list iso27001:2013` lists the controls"),
            };
            Err(
                ValueError::new(format!("A.{bare} is not an ISO 27001:2013 Annex A control"))
                    .with_help(help),
            )
        }
    }
}

/// `A.5.15` or `5.15` (2022), `A.9.2.1` (2013): the shape of an Annex A control id.
fn parse_iso(text: &str) -> Result<Box<str>, ValueError> {
    let trimmed = text.trim();
    let bare = trimmed
        .strip_prefix("A.")
        .or_else(|| trimmed.strip_prefix("a."))
        .unwrap_or(trimmed);
    let parts: Vec<&str> = bare.split('.').collect();
    let numeric = (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|x| x.is_ascii_digit()));
    if numeric {
        Ok(Box::from(bare))
    } else {
        Err(
            ValueError::new(format!("`{text}` is not an ISO 27001 Annex A control id"))
                .with_help("Annex A ids look like `A.5.15` or `5.15` (2022) or `A.9.2.1` (2013)"),
        )
    }
}

fn control_reader(table: &Table<'_>) -> RowReader {
    let id = table.column("id");
    let name = table.column("name");
    let owner = table.column("owner");
    let status = table.column("status");
    let effectiveness = table.column("effectiveness");
    let reduces = table.column("reduces");
    let mitigates = table.column("mitigates");
    let applies_to = table.column("applies_to");
    let soc2 = table.column("soc2");
    let iso27001 = table.column("iso27001");
    let due = table.column("due");
    let last_tested = table.column("last_tested");
    let tags = table.column("tags");
    Box::new(move |c, state, inventory| {
        let Some(control_id) = define(c, state, id, "control") else {
            return;
        };
        let status = match c.text(status) {
            None => {
                c.report(
                    status,
                    Diagnostic::warning(
                        "missing-status",
                        format!(
                            "control `{control_id}` has no status; it counts as not implemented"
                        ),
                    )
                    .with_help("set status to implemented, partial, planned or not-implemented"),
                );
                ControlStatus::NotImplemented
            }
            Some(_) => c.vocab(status).unwrap_or(ControlStatus::NotImplemented),
        };
        let known = std::mem::take(&mut state.threat_ids);
        let edition = inventory.manifest.iso27001;
        let cited = c.list(iso27001, |item| {
            Ok((parse_iso(item)?, parse_annex_a(item, edition)?))
        });
        // Reports speak 2022: ids of 2013 stand for the 2022 controls they correspond to.
        let mut iso27001: Vec<Box<str>> = Vec::new();
        let mut iso27001_2013: Vec<Box<str>> = Vec::new();
        for (bare, ids) in cited {
            let written: Box<str> = format!("A.{bare}").into();
            if edition == IsoEdition::Iso2013 && !iso27001_2013.contains(&written) {
                iso27001_2013.push(written);
            }
            for id in ids {
                if !iso27001.contains(&id) {
                    iso27001.push(id);
                }
            }
        }
        let control = Control {
            id: control_id,
            name: c.required(name, |s| Ok(Box::from(s))).unwrap_or_default(),
            owner: c.shared(owner),
            status,
            effectiveness: c.parse(effectiveness, Factor::parse),
            reduces: c.vocab(reduces).unwrap_or(Reduces::Both),
            mitigates: c.list(mitigates, |item| parse_threat_ref(item, &known)),
            applies_to: selector(c, state, inventory, applies_to, false)
                .unwrap_or_else(Selector::all),
            soc2: unique(c.list(soc2, parse_criterion)),
            iso27001,
            iso27001_2013,
            due: c.parse(due, Date::parse),
            last_tested: c.parse(last_tested, Date::parse),
            tags: c.shared_list(tags),
            attributes: c.attributes(),
            row: c.row_ref(),
        };
        state.threat_ids = known;
        inventory.controls.push(control);
    })
}

fn commitment_reader(table: &Table<'_>) -> RowReader {
    let id = table.column("id");
    let statement = table.column("statement");
    let category = table.column("category");
    let target = table.column("target");
    let covers = table.column("covers");
    let source = table.column("source");
    Box::new(move |c, state, inventory| {
        let Some(commitment_id) = define(c, state, id, "commitment") else {
            return;
        };
        let commitment = Commitment {
            id: commitment_id,
            statement: c
                .required(statement, |s| Ok(Box::from(s)))
                .unwrap_or_default(),
            category: c.vocab(category),
            target: c.string(target),
            covers: selector(c, state, inventory, covers, false),
            source: c.string(source),
            row: c.row_ref(),
        };
        inventory.commitments.push(commitment);
    })
}

fn obligation_reader(table: &Table<'_>) -> RowReader {
    let id = table.column("id");
    let name = table.column("name");
    let obligation_type = table.column("type");
    let jurisdiction = table.column("jurisdiction");
    let applies_to = table.column("applies_to");
    let owner = table.column("owner");
    let severity = table.column("severity");
    Box::new(move |c, state, inventory| {
        let Some(obligation_id) = define(c, state, id, "obligation") else {
            return;
        };
        let obligation = Obligation {
            id: obligation_id,
            name: c.required(name, |s| Ok(Box::from(s))).unwrap_or_default(),
            obligation_type: c.vocab(obligation_type),
            jurisdiction: c.string(jurisdiction),
            applies_to: selector(c, state, inventory, applies_to, false),
            owner: c.shared(owner),
            severity: c.parse(severity, Rating::parse),
            row: c.row_ref(),
        };
        inventory.obligations.push(obligation);
    })
}

fn context_reader(table: &Table<'_>) -> RowReader {
    let id = table.column("id");
    let kind = table.column("kind");
    let description = table.column("description");
    let expectation = table.column("expectation");
    let related = table.column("related");
    Box::new(move |c, state, inventory| {
        let Some(context_id) = define(c, state, id, "context") else {
            return;
        };
        let links = c.list(related, |item| {
            let category = item.strip_prefix("category:").unwrap_or(item);
            match RiskCategory::parse(category) {
                Ok(category) => Ok(ContextLink::Category(category)),
                Err(_) => Selector::parse(item).map(ContextLink::Nodes).map_err(|_| {
                    ValueError::new(format!("`{item}` is neither a risk category nor a selector"))
                        .with_help("relate context to risk categories such as `supply-chain`, or to nodes with selectors such as `tag:pci`")
                }),
            }
        });
        for link in &links {
            if let ContextLink::Nodes(selector) = link {
                check_selector(c, state, inventory, related, selector);
            }
        }
        let item = ContextItem {
            id: context_id,
            kind: c
                .required(kind, crate::vocabulary::ContextKind::parse)
                .unwrap_or(crate::vocabulary::ContextKind::InternalIssue),
            description: c
                .required(description, |s| Ok(Box::from(s)))
                .unwrap_or_default(),
            expectation: c.string(expectation),
            related: links,
            row: c.row_ref(),
        };
        inventory.context.push(item);
    })
}

fn objective_reader(table: &Table<'_>) -> RowReader {
    let id = table.column("id");
    let objective = table.column("objective");
    let metric = table.column("metric");
    let target = table.column("target");
    let owner = table.column("owner");
    let due = table.column("due");
    Box::new(move |c, state, inventory| {
        let Some(objective_id) = define(c, state, id, "objective") else {
            return;
        };
        let item = Objective {
            id: objective_id,
            objective: c
                .required(objective, |s| Ok(Box::from(s)))
                .unwrap_or_default(),
            metric: c.string(metric),
            target: c.string(target),
            owner: c.shared(owner),
            due: c.parse(due, Date::parse),
            row: c.row_ref(),
        };
        inventory.objectives.push(item);
    })
}

fn soa_reader(table: &Table<'_>) -> RowReader {
    let control = table.column("control");
    let applicable = table.column("applicable");
    let justification = table.column("justification");
    Box::new(move |c, state, inventory| {
        // The Statement of Applicability lists the 2022 controls, whatever the manifest's edition.
        let Some(id) = c.required(control, |text| {
            let bare = parse_iso(text)?;
            if catalog::annex_a_2013(&bare).is_some() {
                let ids: Vec<String> = catalog::to_2022(&bare).map(|c| c.iso2022.clone()).collect();
                return Err(ValueError::new(format!(
                    "A.{bare} is an ISO 27001:2013 id; the Statement of Applicability lists the 2022 controls"
                ))
                .with_help(format!("in 2022 it is {}", ids.join(", "))));
            }
            let ids = parse_annex_a(text, IsoEdition::Iso2022)?;
            Id::parse(&ids[0])
        }) else {
            return;
        };
        if let Some(&first) = state.seen_ids.get(&id) {
            report_duplicate(c, control, "Annex A control", &id, first);
            return;
        }
        state.seen_ids.insert(id.clone(), c.row_ref());
        let Some(applicable) = c.required(applicable, crate::values::parse_bool) else {
            return;
        };
        let justification = c.string(justification);
        if !applicable && justification.is_none() {
            c.report(
                control,
                Diagnostic::warning(
                    "exclusion-without-justification",
                    format!("Annex A {id} is excluded without a justification"),
                )
                .with_help("ISO 27001 6.1.3 asks for the reason of every exclusion; write it in `justification`"),
            );
        }
        inventory.soa.push(Applicability {
            control: Box::from(id.as_str()),
            applicable,
            justification,
            row: c.row_ref(),
        });
    })
}

fn incident_reader(table: &Table<'_>) -> RowReader {
    let id = table.column("id");
    let date = table.column("date");
    let threat = table.column("threat");
    let affected = table.column("affected");
    let severity = table.column("severity");
    let summary = table.column("summary");
    let lessons = table.column("lessons");
    Box::new(move |c, state, inventory| {
        let Some(incident_id) = define(c, state, id, "incident") else {
            return;
        };
        let date = c.required(date, Date::parse);
        let known = std::mem::take(&mut state.threat_ids);
        let threat = c.parse(threat, |item| parse_threat_ref(item, &known));
        state.threat_ids = known;
        let mut nodes = Vec::new();
        for item in c.list(affected, Id::parse) {
            match state.node_index.get(item.as_str()) {
                Some(idx) => nodes.push(idx),
                None => report_unknown_node(c, state, inventory, affected, item.as_str()),
            }
        }
        let Some(date) = date else {
            return;
        };
        inventory.incidents.push(Incident {
            id: incident_id,
            date,
            threat,
            affected: nodes,
            severity: c.parse(severity, Rating::parse),
            summary: c.string(summary),
            lessons: c.string(lessons),
            row: c.row_ref(),
        });
    })
}

fn parse_pattern_part(part: &str, what: &str) -> Result<Box<str>, ValueError> {
    if part.is_empty() || !part.chars().all(|ch| ch == '*' || is_id_char(ch)) {
        return Err(
            ValueError::new(format!("`{part}` is not a {what} id or pattern")).with_help(
                "ids use letters, digits and `.`, `_`, `:`, `-`; `*` matches any run of characters",
            ),
        );
    }
    Ok(Box::from(part))
}

fn parse_risk_pattern(text: &str) -> Result<RiskPattern, ValueError> {
    let Some((threat, node)) = text.split_once('@') else {
        return Err(ValueError::new(format!("`{text}` is not a risk id"))
            .with_help("risk ids are `<threat-id>@<node-id>`, such as `T-PHISH@okta`; `*` matches any run of characters, as in `T-PHISH@*`"));
    };
    Ok(RiskPattern {
        threat: parse_pattern_part(threat.trim(), "threat")?,
        node: parse_pattern_part(node.trim(), "node")?,
    })
}

/// Checks the literal parts of a treatment's risk pattern against the inventory.
fn check_pattern(
    c: &mut Cells<'_, '_>,
    state: &mut LoadState,
    inventory: &Inventory,
    col: Col,
    pattern: &RiskPattern,
) {
    let threat_literal = !pattern.threat.contains('*');
    let node_literal = !pattern.node.contains('*');
    let is_fraud = &*pattern.threat == "fraud";
    if threat_literal
        && !is_fraud
        && !state
            .threat_ids
            .iter()
            .any(|t| t.as_str() == &*pattern.threat)
    {
        let help = match closest(&pattern.threat, state.threat_ids.iter().map(Id::as_str)) {
            Some(near) => {
                format!("did you mean `{near}`? the part before `@` is a threat id, or `fraud`")
            }
            None => String::from(
                "the part before `@` is a threat id from threats.csv, or `fraud` for fraud risks",
            ),
        };
        c.report(
            col,
            Diagnostic::error(
                "unknown-id",
                format!("risk `{pattern}` names unknown threat `{}`", pattern.threat),
            )
            .with_value(pattern.to_string())
            .with_help(help),
        );
        return;
    }
    if !node_literal {
        return;
    }
    let Some(node_idx) = state.node_index.get(&pattern.node) else {
        report_unknown_node(c, state, inventory, col, &pattern.node);
        return;
    };
    let node = &inventory.nodes[node_idx as usize];
    let no_scenario = if is_fraud {
        (node.kind() != crate::vocabulary::NodeKind::Process).then(|| {
            format!(
                "fraud risks exist for processes only, and `{}` is not one",
                node.id
            )
        })
    } else if threat_literal {
        inventory
            .threats
            .iter()
            .find(|t| t.id.as_str() == &*pattern.threat)
            .filter(|t| !t.targets.matches(node))
            .map(|t| {
                format!(
                    "threat `{}` targets `{}`, which does not select `{}`",
                    t.id, t.targets, node.id
                )
            })
    } else {
        None
    };
    if let Some(reason) = no_scenario {
        c.report(
            col,
            Diagnostic::warning("no-such-risk", format!("risk `{pattern}` does not exist"))
                .with_value(pattern.to_string())
                .with_help(reason),
        );
    }
}

fn treatment_reader(table: &Table<'_>) -> RowReader {
    let risk = table.column("risk");
    let decision = table.column("decision");
    let status = table.column("status");
    let owner = table.column("owner");
    let justification = table.column("justification");
    let approved_by = table.column("approved_by");
    let approved_on = table.column("approved_on");
    let expires = table.column("expires");
    let ticket = table.column("ticket");
    Box::new(move |c, state, inventory| {
        let pattern = c.required(risk, parse_risk_pattern);
        if let Some(pattern) = &pattern {
            check_pattern(c, state, inventory, risk, pattern);
            let key = pattern.to_string();
            if let Some(&first) = state.treatment_patterns.get(&key) {
                let first_location = first.location();
                let first_place = c.diagnostics.describe(&first_location);
                c.report(
                    risk,
                    Diagnostic::error(
                        "duplicate-treatment",
                        format!("risk `{key}` has two treatments"),
                    )
                    .with_help(format!(
                        "keep one row per risk pattern; the other is at {first_place}"
                    ))
                    .with_related("other treatment", first_location),
                );
            } else {
                state.treatment_patterns.insert(key, c.row_ref());
            }
        }
        let decision = c.required(decision, crate::vocabulary::TreatmentDecision::parse);
        let treatment = Treatment {
            risk: pattern.unwrap_or(RiskPattern {
                threat: Box::from("*"),
                node: Box::from("*"),
            }),
            decision: decision.unwrap_or(crate::vocabulary::TreatmentDecision::Mitigate),
            status: c.vocab(status),
            owner: c.shared(owner),
            justification: c.string(justification),
            approved_by: c.string(approved_by),
            approved_on: c.parse(approved_on, Date::parse),
            expires: c.parse(expires, Date::parse),
            ticket: c.string(ticket),
            row: c.row_ref(),
        };
        if !c.failed {
            inventory.treatments.push(treatment);
        }
    })
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

    #[test]
    fn framework_id_shapes() {
        assert_eq!(parse_soc2("cc6.1").as_deref(), Ok("CC6.1"));
        assert_eq!(parse_soc2("PI1.3").as_deref(), Ok("PI1.3"));
        assert!(parse_soc2("CC6").is_err());
        assert!(parse_soc2("XX1.1").is_err());
        assert_eq!(parse_iso("A.5.15").as_deref(), Ok("5.15"));
        assert_eq!(parse_iso("8.8").as_deref(), Ok("8.8"));
        assert_eq!(parse_iso("A.9.2.1").as_deref(), Ok("9.2.1"));
        assert!(parse_iso("A.5").is_err());
    }

    #[test]
    fn risk_patterns() {
        assert!(parse_risk_pattern("T-1@okta").is_ok());
        assert!(parse_risk_pattern("*@legacy-*").is_ok());
        assert!(parse_risk_pattern("T-1").is_err());
        assert!(parse_risk_pattern("T 1@x").is_err());
    }
}
