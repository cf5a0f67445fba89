//! The nodes of the dependency graph: assets, business processes and vendors.
//!
//! All three share an id, a name, an owner, a scope flag, tags and the organization's own columns;
//! what differs lives in [`NodeDetail`].

use std::sync::Arc;

use serde::Serialize;

use crate::diagnostic::FileIdx;
use crate::money::Magnitude;
use crate::values::{Date, Id, Rating};
use crate::vocabulary::{
    AssetType, Classification, DataAccess, Environment, Lifecycle, NodeKind, SegregationOfDuties,
    Soc2Report,
};

/// Position of a node in [`crate::Inventory::nodes`]. `u32` keeps dependency rows small; an
/// inventory has far fewer than four billion nodes.
pub type NodeIdx = u32;

/// Shared text such as owners and tags, which repeat across thousands of rows.
pub type Text = Arc<str>;

/// Where a record was defined, for diagnostics that point back at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RowRef {
    pub file: FileIdx,
    /// 1-based line (CSV) or row (sheet).
    pub line: u32,
}

impl RowRef {
    /// The row as a diagnostic location (whole row: no column).
    pub fn location(self) -> crate::diagnostic::Location {
        crate::diagnostic::Location {
            file: Some(self.file),
            line: Some(u64::from(self.line)),
            ..crate::diagnostic::Location::default()
        }
    }
}

/// A value from a column the schema does not know, kept for the organization's rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AttrValue {
    Number(f64),
    Text(Text),
}

impl AttrValue {
    /// Numbers when the cell reads as one, text otherwise.
    pub fn from_cell(text: &str) -> Self {
        match text.parse::<f64>() {
            Ok(number) if number.is_finite() => Self::Number(number),
            _ => Self::Text(Arc::from(text)),
        }
    }
}

/// The organization's own columns of one row: (column header, value), in column order.
pub type Attributes = Vec<(Text, AttrValue)>;

/// An asset, process or vendor.
#[derive(Debug, Clone)]
pub struct Node {
    pub id: Id,
    pub name: Box<str>,
    pub owner: Option<Text>,
    /// Out-of-scope nodes stay in the graph (impact flows through them) but get no risk scenarios.
    pub in_scope: bool,
    pub tags: Vec<Text>,
    pub attributes: Attributes,
    pub detail: NodeDetail,
    /// What a full hit on the node costs (the `loss` column), for the simulation; boxed, since
    /// few of a large inventory's nodes have one.
    pub loss: Option<Box<Magnitude>>,
    pub row: RowRef,
}

/// What only one kind of node has.
#[derive(Debug, Clone)]
pub enum NodeDetail {
    Asset(Asset),
    Process(Process),
    Vendor(Vendor),
}

#[derive(Debug, Clone)]
pub struct Asset {
    pub asset_type: AssetType,
    pub confidentiality: Option<Rating>,
    pub integrity: Option<Rating>,
    pub availability: Option<Rating>,
    pub classification: Option<Classification>,
    pub personal_data: bool,
    pub environment: Option<Environment>,
    pub lifecycle: Option<Lifecycle>,
    pub location: Option<Text>,
}

#[derive(Debug, Clone)]
pub struct Process {
    pub criticality: Option<Rating>,
    pub rto_hours: Option<f64>,
    pub rpo_hours: Option<f64>,
    /// Moves money or feeds financial reporting (a SOC 2 CC3.3 fraud consideration).
    pub financial: bool,
    pub segregation_of_duties: Option<SegregationOfDuties>,
    pub manual_override: bool,
}

#[derive(Debug, Clone)]
pub struct Vendor {
    pub service: Option<Text>,
    pub criticality: Option<Rating>,
    pub data_access: Option<DataAccess>,
    pub soc2_report: Option<Soc2Report>,
    pub soc2_report_date: Option<Date>,
    pub iso27001_certified: bool,
    pub last_review: Option<Date>,
    pub country: Option<Text>,
    pub exit_plan: bool,
}

impl Node {
    pub fn kind(&self) -> NodeKind {
        match self.detail {
            NodeDetail::Asset(_) => NodeKind::Asset,
            NodeDetail::Process(_) => NodeKind::Process,
            NodeDetail::Vendor(_) => NodeKind::Vendor,
        }
    }

    pub fn asset(&self) -> Option<&Asset> {
        match &self.detail {
            NodeDetail::Asset(asset) => Some(asset),
            _ => None,
        }
    }

    /// A process's or vendor's criticality; assets have none.
    pub fn criticality(&self) -> Option<Rating> {
        match &self.detail {
            NodeDetail::Asset(_) => None,
            NodeDetail::Process(process) => process.criticality,
            NodeDetail::Vendor(vendor) => vendor.criticality,
        }
    }

    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t.eq_ignore_ascii_case(tag))
    }

    /// The organization's column `name` (matched like headers: case and separators ignored).
    pub fn attribute(&self, name: &str) -> Option<&AttrValue> {
        let wanted = crate::schema::fold_header(name);
        self.attributes
            .iter()
            .find(|(column, _)| crate::schema::fold_header(column) == wanted)
            .map(|(_, value)| value)
    }
}
