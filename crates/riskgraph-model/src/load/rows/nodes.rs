//! The readers of the node files (`assets.csv`, `processes.csv`, `vendors.csv`): the columns
//! they share, each file's own columns, and the node index every later file refers through.

use crate::inventory::Inventory;
use crate::load::LoadState;
use crate::load::table::{Cells, Col, Table};
use crate::money::Magnitude;
use crate::node::{Asset, Node, NodeDetail, NodeIdx, Process, Vendor};
use crate::values::{Date, Id, Rating};
use crate::vocabulary::{AssetType, Vocabulary};

use super::{RowReader, report_duplicate};

/// The columns every node file shares.
#[derive(Clone, Copy)]
struct NodeColumns {
    id: Col,
    name: Col,
    owner: Col,
    in_scope: Col,
    tags: Col,
    loss: Col,
}

impl NodeColumns {
    fn bind(table: &Table<'_>) -> Self {
        Self {
            id: table.column("id"),
            name: table.column("name"),
            owner: table.column("owner"),
            in_scope: table.column("in_scope"),
            tags: table.column("tags"),
            loss: table.column("loss"),
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
            loss: c.parse(self.loss, Magnitude::parse).map(Box::new),
            row: c.row_ref(),
            id,
        }
    }
}

/// The columns of `assets.csv`.
#[derive(Clone, Copy)]
pub(in crate::load) struct AssetColumns {
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

pub(super) fn asset_reader(table: &Table<'_>) -> RowReader {
    let columns = AssetColumns::bind(table);
    Box::new(move |c, state, inventory| {
        let detail = columns.detail(c);
        columns.node.add(c, state, inventory, detail);
    })
}

pub(super) fn process_reader(table: &Table<'_>) -> RowReader {
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

pub(super) fn vendor_reader(table: &Table<'_>) -> RowReader {
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
