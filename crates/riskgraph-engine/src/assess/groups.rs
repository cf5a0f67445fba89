//! The register read a page at a time: risks grouped by threat, risk category, node type, owner
//! or vendor, each group with its count per residual level, its highest risk and how many are
//! above the appetite (`assess --group-by`). A register of millions of risks reads as a few
//! dozen rows.

use std::collections::HashMap;

use riskgraph_model::vocabulary::Vocabulary;
use riskgraph_model::{Inventory, NodeDetail, NodeIdx};

use super::{Assessment, Risk, Source};

/// What `assess --group-by` groups risks by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// The threat's id (`fraud` for fraud risks).
    Threat,
    /// The threat's risk category.
    Category,
    /// The node's asset type, or `process` or `vendor`.
    NodeType,
    /// The risk's owner (the treatment's, else the node's, else the threat's).
    Owner,
    /// The vendor the risk is on, or each vendor its node depends on directly: a risk on an asset
    /// hosted by two vendors counts under both.
    Vendor,
}

impl GroupBy {
    pub const ALL: [Self; 5] = [
        Self::Threat,
        Self::Category,
        Self::NodeType,
        Self::Owner,
        Self::Vendor,
    ];

    /// The name `--group-by` takes, and the heading of the group column.
    pub fn name(self) -> &'static str {
        match self {
            Self::Threat => "threat",
            Self::Category => "category",
            Self::NodeType => "node-type",
            Self::Owner => "owner",
            Self::Vendor => "vendor",
        }
    }
}

/// The group of risks without a value: no owner, or no vendor under the node.
pub const NONE: &str = "(none)";

/// One group of risks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The threat id, category, node type, owner or vendor id; [`NONE`] for the risks without.
    pub key: String,
    /// How many risks of the group have each residual level, lowest level first.
    pub per_level: Vec<usize>,
    /// How many are above the appetite.
    pub above_appetite: usize,
    /// The group's highest risk, an index into the assessment's risks (the register's order, so
    /// the first risk of the group).
    pub highest: usize,
}

impl Group {
    pub fn risks(&self) -> usize {
        self.per_level.iter().sum()
    }
}

/// The groups by `by` of `assessment`'s risks that `keep` keeps, highest first: by the register
/// position of their highest risk, so the group of the register's first risk comes first; ties
/// (a risk in two vendor groups) by key.
pub fn group(
    assessment: &Assessment,
    inventory: &Inventory,
    by: GroupBy,
    keep: impl Fn(&Risk) -> bool,
) -> Vec<Group> {
    let levels = inventory.manifest.levels.len();
    let vendors = if by == GroupBy::Vendor {
        vendors_under(inventory)
    } else {
        Vec::new()
    };
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut keys: Vec<&str> = Vec::new();
    for (at, risk) in assessment.risks.iter().enumerate() {
        if !keep(risk) {
            continue;
        }
        keys.clear();
        keys_of(inventory, risk, by, &vendors, &mut keys);
        for &key in &keys {
            let slot = *index.entry(key).or_insert_with(|| {
                groups.push(Group {
                    key: key.to_owned(),
                    per_level: vec![0; levels],
                    above_appetite: 0,
                    highest: at,
                });
                groups.len() - 1
            });
            let group = &mut groups[slot];
            if let Some(count) = group.per_level.get_mut(risk.residual().level) {
                *count += 1;
            }
            group.above_appetite += usize::from(!risk.within_appetite);
        }
    }
    groups.sort_by(|a, b| a.highest.cmp(&b.highest).then_with(|| a.key.cmp(&b.key)));
    groups
}

/// Pushes the groups `risk` counts under by `by` onto `keys`; `vendors` is [`vendors_under`]'s
/// list when grouping by vendor.
fn keys_of<'a>(
    inventory: &'a Inventory,
    risk: &'a Risk,
    by: GroupBy,
    vendors: &[Vec<NodeIdx>],
    keys: &mut Vec<&'a str>,
) {
    let node = inventory.node(risk.node);
    let key = match (by, risk.source) {
        (GroupBy::Threat, Source::Threat(t)) => inventory.threats[t as usize].id.as_str(),
        (GroupBy::Category, Source::Threat(t)) => inventory.threats[t as usize].category.as_str(),
        (GroupBy::Threat, Source::Fraud) => Source::FRAUD.0,
        (GroupBy::Category, Source::Fraud) => Source::FRAUD.2,
        (GroupBy::NodeType, _) => match &node.detail {
            NodeDetail::Asset(asset) => asset.asset_type.as_str(),
            NodeDetail::Process(_) => "process",
            NodeDetail::Vendor(_) => "vendor",
        },
        (GroupBy::Owner, _) => risk.owner(inventory).unwrap_or(NONE),
        (GroupBy::Vendor, _) => {
            let under = &vendors[risk.node as usize];
            keys.extend(under.iter().map(|&v| inventory.node(v).id.as_str()));
            if under.is_empty() {
                keys.push(NONE);
            }
            return;
        }
    };
    keys.push(key);
}

/// Per node, the vendors a risk on it counts under: the node itself when it is a vendor, else
/// the vendors it depends on directly, in id order.
fn vendors_under(inventory: &Inventory) -> Vec<Vec<NodeIdx>> {
    let is_vendor = |idx: NodeIdx| matches!(inventory.node(idx).detail, NodeDetail::Vendor(_));
    let mut under: Vec<Vec<NodeIdx>> = vec![Vec::new(); inventory.nodes.len()];
    for (idx, list) in under.iter_mut().enumerate() {
        let idx = idx as NodeIdx;
        if is_vendor(idx) {
            list.push(idx);
        }
    }
    for dependency in &inventory.dependencies {
        if is_vendor(dependency.to) && !is_vendor(dependency.from) {
            under[dependency.from as usize].push(dependency.to);
        }
    }
    for list in &mut under {
        list.sort_by(|&a, &b| {
            inventory
                .node(a)
                .id
                .as_str()
                .cmp(inventory.node(b).id.as_str())
        });
        list.dedup();
    }
    under
}
