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

use fixedbitset::FixedBitSet;
use riskgraph_model::catalog::{self, Relationship};
use riskgraph_model::records::Control;
use riskgraph_model::vocabulary::ControlStatus;
use riskgraph_model::{Inventory, NodeIdx};

use crate::assess::Assessment;
use crate::indexes::Indexed;
use crate::per_node::PerNode;
use crate::propagation::ImpactGraph;

pub use coverage::{
    ClauseEvidence, Coverage, CrosswalkFinding, Requirement, UntestedControl, VendorFinding,
    Verdict, coverage,
};
pub use soa::{SoaEntry, SoaSource, statement_of_applicability};

/// How many risks a list of coverage or of the Statement of Applicability names: the first in
/// register order, so the highest. An estate of tens of millions of risks has criteria that treat
/// most of them; the register names every risk's criteria for programs that want them all.
pub const LISTED_RISKS: usize = 10_000;

/// The risks of the register that a catalog entry, commitment or obligation concerns: how many
/// there are, and the first [`LISTED_RISKS`] of them in register order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskList {
    /// How many risks in all.
    pub count: usize,
    /// The first of them in register order (indexes into the assessment), at most
    /// [`LISTED_RISKS`].
    pub listed: Vec<u32>,
}

impl RiskList {
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether `listed` holds only some of the risks.
    pub fn is_cut(&self) -> bool {
        self.count > self.listed.len()
    }
}

/// A SOC 2 criterion or an Annex A control of 2022, by its position in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    Soc2(usize),
    AnnexA(usize),
}

impl Entry {
    /// Every entry: the SOC 2 criteria, then the Annex A controls, each in the catalog's order.
    fn all() -> impl Iterator<Item = Self> {
        let soc2 = (0..catalog::soc2().len()).map(Self::Soc2);
        soc2.chain((0..catalog::iso27001_2022().len()).map(Self::AnnexA))
    }

    /// The entry's position in [`Self::all`].
    fn key(self) -> usize {
        match self {
            Self::Soc2(i) => i,
            Self::AnnexA(i) => catalog::soc2().len() + i,
        }
    }

    /// Whether `control` cites the entry (2013 Annex A ids already read as their 2022 controls).
    fn cited_by(self, control: &Control) -> bool {
        match self {
            Self::Soc2(i) => {
                let id = &catalog::soc2()[i].id;
                control.soc2.iter().any(|c| **c == **id)
            }
            Self::AnnexA(i) => {
                let id = &catalog::iso27001_2022()[i].id;
                control.iso27001.iter().any(|c| **c == **id)
            }
        }
    }
}

/// What coverage and the Statement of Applicability both start from, computed once for an
/// assessment: per catalog entry, the risks its controls treat, and per node, the obligations
/// that apply to it.
pub struct Index<'a> {
    inventory: &'a Inventory,
    assessment: &'a Assessment,
    /// Per distinct list of controls of the register ([`Assessment::list_index`]), the catalog
    /// entries those controls cite, by [`Entry::key`].
    entries_of_list: Vec<Vec<u16>>,
    /// Per catalog entry, by [`Entry::key`], the risks treated by the controls citing it.
    treated: Vec<RiskList>,
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
        // Per control, the entries it cites; then per distinct list of controls, their union: a
        // risk is read through its list, not control by control.
        let cites: Vec<Vec<u16>> = inventory
            .controls
            .iter()
            .map(|control| {
                Entry::all()
                    .filter(|entry| entry.cited_by(control))
                    .map(|entry| entry.key() as u16)
                    .collect()
            })
            .collect();
        let entries_of_list: Vec<Vec<u16>> = (0..assessment.list_count())
            .map(|list| {
                let mut entries: Vec<u16> = assessment
                    .controls_of_list(list)
                    .iter()
                    .flat_map(|&c| cites[c as usize].iter().copied())
                    .collect();
                entries.sort_unstable();
                entries.dedup();
                entries
            })
            .collect();
        let treated = risk_lists(Entry::all().count(), &assessment.risks, |risk| {
            entries_of_list[assessment.list_index(risk)]
                .iter()
                .map(|&key| u32::from(key))
        });
        Self {
            inventory,
            assessment,
            entries_of_list,
            treated,
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

    /// The controls citing a catalog entry, in file order, and the risks they treat.
    fn addressed_by(&self, entry: Entry) -> (Vec<u32>, RiskList) {
        let controls: Vec<u32> = self
            .inventory
            .controls
            .iter()
            .enumerate()
            .filter(|(_, control)| entry.cited_by(control))
            .map(|(i, _)| i as u32)
            .collect();
        (controls, self.treated[entry.key()].clone())
    }

    /// Per Annex A control of 2022, in the catalog's order: the obligations that apply to the
    /// nodes of the risks it treats, and the commitments those risks reach, each in file order.
    /// One pass over the register marks the nodes and reach counts per control; each is then
    /// read once, however many risks share it.
    fn affected_per_annex(&self) -> Vec<(Vec<u32>, Vec<u32>)> {
        let assessment = self.assessment;
        let soc2 = catalog::soc2().len();
        let annex = catalog::iso27001_2022().len();
        let reach = assessment.reach_counts();
        let mut nodes = vec![FixedBitSet::with_capacity(self.inventory.nodes.len()); annex];
        let mut reached = vec![FixedBitSet::with_capacity(reach.len()); annex];
        for risk in &assessment.risks {
            for &key in &self.entries_of_list[assessment.list_index(risk)] {
                if let Some(at) = usize::from(key).checked_sub(soc2) {
                    nodes[at].insert(risk.node as usize);
                    reached[at].insert(assessment.reach_index(risk));
                }
            }
        }
        let mut obligation = vec![false; self.inventory.obligations.len()];
        let mut commitment = vec![false; self.inventory.commitments.len()];
        nodes
            .iter()
            .zip(&reached)
            .map(|(nodes, reached)| {
                obligation.fill(false);
                commitment.fill(false);
                for node in nodes.ones() {
                    for &o in self.obligations_of.of(node as NodeIdx) {
                        obligation[o as usize] = true;
                    }
                }
                for at in reached.ones() {
                    for &c in reach[at].commitment_list.iter() {
                        commitment[c as usize] = true;
                    }
                }
                (marked(&obligation), marked(&commitment))
            })
            .collect()
    }
}

/// The positions of the `true`s of `flags`.
fn marked(flags: &[bool]) -> Vec<u32> {
    flags
        .iter()
        .enumerate()
        .filter(|(_, flag)| **flag)
        .map(|(i, _)| i as u32)
        .collect()
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

/// For each of `keys` keys (catalog entries, commitments, obligations), the risks `keys_of`
/// names it for: how many, and the first [`LISTED_RISKS`] in register order.
fn risk_lists<I: Iterator<Item = u32>>(
    keys: usize,
    risks: &[crate::assess::Risk],
    keys_of: impl Fn(&crate::assess::Risk) -> I,
) -> Vec<RiskList> {
    risk_lists_of(keys, risks, keys_of, LISTED_RISKS)
}

/// [`risk_lists`], listing at most `listed` risks per key.
fn risk_lists_of<R, I: Iterator<Item = u32>>(
    keys: usize,
    risks: &[R],
    keys_of: impl Fn(&R) -> I,
    listed: usize,
) -> Vec<RiskList> {
    let mut lists = vec![RiskList::default(); keys];
    for (r, risk) in risks.iter().enumerate() {
        for key in keys_of(risk) {
            let list = &mut lists[key as usize];
            list.count += 1;
            if list.listed.len() < listed {
                list.listed.push(r as u32);
            }
        }
    }
    lists
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_risk_list_counts_every_risk_and_lists_the_first() {
        // Risk r concerns key 0 always, key 1 when r is even, key 2 never.
        let risks: Vec<u32> = (0..7).collect();
        let keys_of = |r: &u32| std::iter::once(0).chain(r.is_multiple_of(2).then_some(1));
        let lists = risk_lists_of(3, &risks, keys_of, 3);
        let expected = [(7, vec![0, 1, 2]), (4, vec![0, 2, 4]), (0, vec![])];
        for (list, (count, listed)) in lists.iter().zip(expected) {
            assert_eq!((list.count, &list.listed), (count, &listed));
        }
        assert!(lists[0].is_cut() && lists[1].is_cut());
        assert!(!lists[2].is_cut() && lists[2].is_empty());
        let whole = risk_lists_of(3, &risks, keys_of, 10);
        assert_eq!(whole[1].listed, [0, 2, 4, 6]);
        assert!(!whole[1].is_cut());
    }
}
