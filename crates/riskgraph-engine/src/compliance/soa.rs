//! The ISO 27001 Statement of Applicability (clause 6.1.3 d): every Annex A control of 2022,
//! applicable or excluded, with the justification, the implementation status and the
//! organization's controls implementing it.
//!
//! A row of `soa.csv` decides a control's applicability. Without one, a control is applicable:
//! when controls cite it, because of the risks they treat (with the obligations and commitments
//! those risks affect); when none does, because ISO 27001 expects every control to be considered
//! and an exclusion to be justified, so it shows as applicable and not implemented until the
//! organization records an exclusion.

use std::fmt::Write;

use riskgraph_model::Inventory;
use riskgraph_model::catalog::{self, Theme};
use riskgraph_model::vocabulary::ControlStatus;

use super::{Entry, Index, RiskList, best_status, soa_decision};
use crate::assess::Assessment;
use crate::indexes::Indexes;

/// What decided a control's applicability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoaSource {
    /// A row of `soa.csv` (an index into `inventory.soa`).
    SoaFile(u32),
    /// Controls of `controls.csv` cite it.
    Controls,
    /// Nothing: applicable until an exclusion is recorded.
    Default,
}

/// One line of the Statement of Applicability.
#[derive(Debug, Clone, PartialEq)]
pub struct SoaEntry {
    /// `A.5.1` to `A.8.34`.
    pub id: String,
    pub title: &'static str,
    pub theme: Theme,
    pub applicable: bool,
    pub source: SoaSource,
    pub justification: String,
    /// The risks the implementing controls treat, in register order.
    pub risks: RiskList,
    /// The obligations that apply to those risks' nodes, in file order.
    pub obligations: Vec<u32>,
    /// The commitments those risks reach, in file order.
    pub commitments: Vec<u32>,
    /// The best status among the implementing controls; `None` when no control cites it.
    pub status: Option<ControlStatus>,
    /// The controls of `controls.csv` citing it, in file order.
    pub controls: Vec<u32>,
}

impl SoaEntry {
    /// The implementation status as reports write it: the best of the implementing controls',
    /// `not-implemented` when none implements an applicable control, `excluded` for an excluded
    /// one without controls.
    pub fn status_name(&self) -> &'static str {
        match self.status {
            Some(status) => riskgraph_model::vocabulary::Vocabulary::as_str(status),
            None if self.applicable => "not-implemented",
            None => "excluded",
        }
    }
}

/// How many risk ids a generated justification names before summing up the rest.
const NAMED_RISKS: usize = 3;

/// The Statement of Applicability of `inventory`, whose register is `assessment`.
pub fn statement_of_applicability(inventory: &Inventory, assessment: &Assessment) -> Vec<SoaEntry> {
    let indexes = Indexes::default();
    Index::new(indexes.of(inventory), assessment).statement_of_applicability()
}

/// The Statement of Applicability of the assessment of `index`.
pub(super) fn of(index: &Index<'_>) -> Vec<SoaEntry> {
    let (inventory, assessment) = (index.inventory, index.assessment);
    catalog::iso27001_2022()
        .iter()
        .zip(index.affected_per_annex())
        .enumerate()
        .map(|(at, (annex, (obligations, commitments)))| {
            let (controls, risks) = index.addressed_by(Entry::AnnexA(at));
            let decision = soa_decision(inventory, &annex.id);
            let mut entry = SoaEntry {
                id: format!("A.{}", annex.id),
                title: &annex.title,
                theme: annex.theme,
                applicable: true,
                source: SoaSource::Default,
                justification: String::new(),
                status: best_status(inventory, &controls, Some(&annex.id)),
                risks,
                obligations,
                commitments,
                controls,
            };
            let reasons = reasons(inventory, assessment, &entry);
            match decision {
                Some(at) => {
                    let row = &inventory.soa[at];
                    entry.applicable = row.applicable;
                    entry.source = SoaSource::SoaFile(at as u32);
                    let written = row.justification.as_deref().unwrap_or("");
                    entry.justification = match (row.applicable, written.is_empty()) {
                        (true, true) if entry.controls.is_empty() => String::from(
                            "applicable in soa.csv; no control implements it yet",
                        ),
                        (true, true) => reasons,
                        (true, false) if !entry.controls.is_empty() => {
                            format!("{written}; {reasons}")
                        }
                        (_, false) => written.to_owned(),
                        (false, true) => String::from("excluded in soa.csv, with no justification"),
                    };
                    if !row.applicable && !entry.controls.is_empty() {
                        let cited = control_ids(inventory, &entry.controls);
                        let _ = write!(entry.justification, " (excluded, yet cited by {cited})");
                    }
                }
                None if !entry.controls.is_empty() => {
                    entry.source = SoaSource::Controls;
                    entry.justification = reasons;
                }
                None => {
                    entry.justification = String::from(
                        "no control implements it and soa.csv records no exclusion: implement it or justify excluding it",
                    );
                }
            }
            entry
        })
        .collect()
}

/// The generated justification of a control that controls cite: the risks they treat, then the
/// obligations and commitments those risks affect. Empty when no control cites it.
fn reasons(inventory: &Inventory, assessment: &Assessment, entry: &SoaEntry) -> String {
    if entry.controls.is_empty() {
        return String::new();
    }
    if entry.risks.is_empty() {
        return format!(
            "cited by {}, which treat no risk of the register",
            control_ids(inventory, &entry.controls)
        );
    }
    let named: Vec<String> = entry
        .risks
        .listed
        .iter()
        .take(NAMED_RISKS)
        .map(|&r| assessment.risks[r as usize].id(inventory))
        .collect();
    let mut text = format!(
        "treats {} risk{} ({}{})",
        entry.risks.count,
        if entry.risks.count == 1 { "" } else { "s" },
        named.join(", "),
        if entry.risks.count > NAMED_RISKS {
            ", ..."
        } else {
            ""
        }
    );
    let obligations = entry
        .obligations
        .iter()
        .map(|&o| inventory.obligations[o as usize].id.as_str());
    let commitments = entry
        .commitments
        .iter()
        .map(|&c| inventory.commitments[c as usize].id.as_str());
    for (what, ids) in [
        ("obligations", obligations.collect::<Vec<_>>()),
        ("commitments", commitments.collect()),
    ] {
        if !ids.is_empty() {
            let _ = write!(text, "; {what} {}", ids.join(", "));
        }
    }
    text
}

fn control_ids(inventory: &Inventory, controls: &[u32]) -> String {
    let ids: Vec<&str> = controls
        .iter()
        .map(|&c| inventory.controls[c as usize].id.as_str())
        .collect();
    ids.join(", ")
}
