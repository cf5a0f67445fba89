//! The assessment read through SOC 2 and ISO 27001: which criteria and Annex A controls the
//! organization's controls address and how well ([`coverage`]), and the Statement of
//! Applicability ([`soa`]).
//!
//! Both start from the same [`Index`] of the assessment: per catalog entry, the controls of
//! `controls.csv` that cite it (2013 Annex A ids already read as their 2022 controls by the
//! loader) and the risks those controls treat in the register; per node, the obligations that
//! apply to it. A command that shows both builds the index once.

mod coverage;
mod soa;
mod supply;

use riskgraph_model::Inventory;
use riskgraph_model::catalog::{self, Relationship};
use riskgraph_model::records::Control;
use riskgraph_model::vocabulary::ControlStatus;

use crate::assess::Assessment;
use crate::indexes::Indexed;
use crate::per_node::PerNode;
use crate::propagation::ImpactGraph;

pub use coverage::{
    ClauseEvidence, Coverage, CrosswalkFinding, Requirement, UntestedControl, VendorFinding,
    Verdict, coverage,
};
pub use soa::{SoaEntry, SoaSource, statement_of_applicability};

/// What coverage and the Statement of Applicability both start from, computed once for an
/// assessment: per control, the risks it treats, and per node, the obligations that apply to it.
pub struct Index<'a> {
    inventory: &'a Inventory,
    assessment: &'a Assessment,
    /// Per control of `controls.csv`, the risks of the register it treats, in register order.
    risks_by_control: Vec<Vec<u32>>,
    /// Per node, the obligations whose `applies_to` selects it.
    obligations_of: &'a PerNode,
    indexed: Indexed<'a>,
    /// The impact graph the assessment propagated through, when the caller has it; coverage
    /// builds one with the built-in factors otherwise.
    graph: Option<&'a ImpactGraph>,
}

impl<'a> Index<'a> {
    /// The index of `assessment`, the register of `indexed`'s inventory.
    pub fn new(indexed: Indexed<'a>, assessment: &'a Assessment) -> Self {
        let inventory = indexed.inventory();
        let risks_by_control = risks_per_key(inventory.controls.len(), &assessment.risks, |risk| {
            assessment.controls(risk).iter().copied()
        });
        Self {
            inventory,
            assessment,
            risks_by_control,
            obligations_of: indexed.obligations(),
            indexed,
            graph: None,
        }
    }

    /// The same index, with the impact graph of the session (for the concentration findings).
    #[must_use]
    pub fn with_graph(mut self, graph: &'a ImpactGraph) -> Self {
        self.graph = Some(graph);
        self
    }

    /// SOC 2 and Annex A coverage of the assessment.
    pub fn coverage(&self) -> Coverage {
        coverage::of(self)
    }

    /// The Statement of Applicability of the assessment.
    pub fn statement_of_applicability(&self) -> Vec<SoaEntry> {
        soa::of(self)
    }

    /// The controls citing a catalog entry and the risks they treat, the latter in register
    /// order.
    fn addressed_by(&self, cites: impl Fn(&Control) -> bool) -> (Vec<u32>, Vec<u32>) {
        let controls: Vec<u32> = self
            .inventory
            .controls
            .iter()
            .enumerate()
            .filter(|(_, control)| cites(control))
            .map(|(i, _)| i as u32)
            .collect();
        let mut risks: Vec<u32> = controls
            .iter()
            .flat_map(|&c| self.risks_by_control[c as usize].iter().copied())
            .collect();
        risks.sort_unstable();
        risks.dedup();
        (controls, risks)
    }
}

/// The position in `soa.csv` of the row that decides Annex A control `annex` (a 2022 id without
/// the `A.` prefix), if one does; loading allows one row per control.
pub(crate) fn soa_decision(inventory: &Inventory, annex: &str) -> Option<usize> {
    inventory.soa.iter().position(|row| *row.control == *annex)
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

/// For each of `keys` keys (controls, commitments, obligations), the indexes of the risks
/// `keys_of` names it for, in register order. Each list is counted before it is filled: grown by
/// doubling, lists over tens of millions of risks would take up to twice the room.
fn risks_per_key<I: Iterator<Item = u32>>(
    keys: usize,
    risks: &[crate::assess::Risk],
    keys_of: impl Fn(&crate::assess::Risk) -> I,
) -> Vec<Vec<u32>> {
    let mut counts = vec![0usize; keys];
    for risk in risks {
        for key in keys_of(risk) {
            counts[key as usize] += 1;
        }
    }
    let mut lists: Vec<Vec<u32>> = counts.into_iter().map(Vec::with_capacity).collect();
    for (r, risk) in risks.iter().enumerate() {
        for key in keys_of(risk) {
            lists[key as usize].push(r as u32);
        }
    }
    lists
}
