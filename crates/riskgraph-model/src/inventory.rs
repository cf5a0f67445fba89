//! The loaded inventory: every record of every file, with nodes indexed by id.

use crate::manifest::Manifest;
use crate::node::{Node, NodeIdx};
use crate::records::{
    Applicability, Commitment, ContextItem, Control, Dependency, Incident, Objective, Obligation,
    Threat, Treatment, Vulnerability,
};

/// Everything an assessment reads, validated.
#[derive(Debug, Default)]
pub struct Inventory {
    pub manifest: Manifest,
    /// Assets, then processes, then vendors, each in file order.
    pub nodes: Vec<Node>,
    pub dependencies: Vec<Dependency>,
    pub threats: Vec<Threat>,
    pub vulnerabilities: Vec<Vulnerability>,
    pub controls: Vec<Control>,
    pub commitments: Vec<Commitment>,
    pub obligations: Vec<Obligation>,
    pub context: Vec<ContextItem>,
    pub objectives: Vec<Objective>,
    pub incidents: Vec<Incident>,
    pub treatments: Vec<Treatment>,
    /// The Statement of Applicability decisions of `soa.csv`, in file order.
    pub soa: Vec<Applicability>,
    pub(crate) node_index: crate::id_index::IdIndex,
}

impl Inventory {
    /// The index of the node with id `id`.
    pub fn node_idx(&self, id: &str) -> Option<NodeIdx> {
        self.node_index.get(id)
    }

    pub fn node(&self, idx: NodeIdx) -> &Node {
        &self.nodes[idx as usize]
    }

    pub fn node_by_id(&self, id: &str) -> Option<&Node> {
        self.node_idx(id).map(|idx| self.node(idx))
    }

    /// The node indexes of `ids` (trimmed, empty ones skipped), or a message naming the first
    /// unknown one with the closest id; empty when none was given.
    pub fn resolve(&self, ids: &[String]) -> Result<Vec<NodeIdx>, String> {
        let mut found = Vec::new();
        for id in ids.iter().map(|id| id.trim()).filter(|id| !id.is_empty()) {
            let Some(idx) = self.node_idx(id) else {
                let ids = self.nodes.iter().map(|n| n.id.as_str());
                let hint = crate::values::closest(id, ids).map_or_else(
                    || "the ids are those of assets.csv, processes.csv and vendors.csv".to_owned(),
                    |near| format!("did you mean `{near}`?"),
                );
                return Err(format!(
                    "no asset, process or vendor has the id `{id}`; {hint}"
                ));
            };
            found.push(idx);
        }
        Ok(found)
    }

    pub fn threat(&self, id: &str) -> Option<&Threat> {
        self.threats.iter().find(|t| t.id.as_str() == id)
    }
}
