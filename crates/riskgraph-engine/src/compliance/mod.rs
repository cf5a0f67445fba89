//! The assessment read through SOC 2 and ISO 27001: which criteria and Annex A controls the
//! organization's controls address and how well ([`coverage`]), and the Statement of
//! Applicability ([`soa`]).
//!
//! Both start from the same index: per catalog entry, the controls of `controls.csv` that cite it
//! (2013 Annex A ids already read as their 2022 controls by the loader) and the risks those
//! controls treat in the register.

mod coverage;
mod soa;

use riskgraph_model::Inventory;
use riskgraph_model::catalog::{self, Relationship};
use riskgraph_model::records::Control;
use riskgraph_model::selector::NodeIndex;
use riskgraph_model::vocabulary::ControlStatus;

use crate::assess::Assessment;
use crate::per_node::PerNode;

pub use coverage::{
    ClauseEvidence, Coverage, CrosswalkFinding, Requirement, UntestedControl, VendorFinding,
    Verdict, coverage,
};
pub use soa::{SoaEntry, SoaSource, statement_of_applicability};

/// Per control of `controls.csv`, the risks of the register it treats, in register order.
pub(crate) fn risks_by_control(inventory: &Inventory, assessment: &Assessment) -> Vec<Vec<u32>> {
    let mut by_control = vec![Vec::new(); inventory.controls.len()];
    for (r, risk) in assessment.risks.iter().enumerate() {
        for &control in &risk.controls {
            by_control[control as usize].push(r as u32);
        }
    }
    by_control
}

/// The position in `soa.csv` of the row that decides Annex A control `annex` (a 2022 id without
/// the `A.` prefix), if one does; loading allows one row per control.
pub(crate) fn soa_decision(inventory: &Inventory, annex: &str) -> Option<usize> {
    inventory.soa.iter().position(|row| *row.control == *annex)
}

/// Per node, the obligations whose `applies_to` selects it.
pub(crate) fn obligations_by_node(inventory: &Inventory) -> PerNode {
    PerNode::obligations(inventory, &NodeIndex::new(inventory))
}

/// The controls citing a catalog entry and the risks they treat, the latter in register order.
pub(crate) fn addressed_by(
    inventory: &Inventory,
    risks_by_control: &[Vec<u32>],
    cites: impl Fn(&riskgraph_model::records::Control) -> bool,
) -> (Vec<u32>, Vec<u32>) {
    let controls: Vec<u32> = inventory
        .controls
        .iter()
        .enumerate()
        .filter(|(_, control)| cites(control))
        .map(|(i, _)| i as u32)
        .collect();
    let mut risks: Vec<u32> = controls
        .iter()
        .flat_map(|&c| risks_by_control[c as usize].iter().copied())
        .collect();
    risks.sort_unstable();
    risks.dedup();
    (controls, risks)
}

/// Whether `control` cites the 2022 Annex A control `annex` only in part: through 2013 controls
/// that were split over several 2022 controls (A.18.2.3 -> 5.36 and 8.8), so that implementing
/// them covers only part of `annex`.
pub(crate) fn cites_in_part(control: &Control, annex: &str) -> bool {
    let mut through = control
        .iso27001_2013
        .iter()
        .flat_map(|old| catalog::to_2022(old))
        .filter(|pair| pair.iso2022 == annex)
        .peekable();
    through.peek().is_some() && through.all(|pair| pair.relationship == Relationship::Superset)
}

/// A control's status as evidence for `annex` (a 2022 Annex A id), or for a SOC 2 criterion when
/// `None`: an implemented control that covers only part of the Annex A control counts as partial.
pub(crate) fn status_for(control: &Control, annex: Option<&str>) -> ControlStatus {
    match (control.status, annex) {
        (ControlStatus::Implemented, Some(annex)) if cites_in_part(control, annex) => {
            ControlStatus::Partial
        }
        (status, _) => status,
    }
}

/// The best status among `controls` as evidence for `annex` (see [`status_for`]): implemented,
/// else partial, else planned, else not-implemented; `None` for no control.
pub(crate) fn best_status(
    inventory: &Inventory,
    controls: &[u32],
    annex: Option<&str>,
) -> Option<ControlStatus> {
    controls
        .iter()
        .map(|&c| status_for(&inventory.controls[c as usize], annex))
        .min_by_key(|status| match status {
            ControlStatus::Implemented => 0,
            ControlStatus::Partial => 1,
            ControlStatus::Planned => 2,
            ControlStatus::NotImplemented => 3,
        })
}
