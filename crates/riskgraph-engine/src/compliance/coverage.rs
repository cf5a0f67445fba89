//! `coverage`: the in-scope SOC 2 criteria and the Annex A controls with the controls that
//! address them and a verdict; controls citing one framework but none of the other's
//! corresponding entries; the risk categories no threat considers; commitments, obligations and
//! context against the risks; objectives, vendors and control testing that an auditor would flag.

use riskgraph_model::catalog::{self, CategoryGuide, Clause};
use riskgraph_model::manifest::ApprovalState;
use riskgraph_model::manifest::DEFAULT_REVIEW_DAYS;
use riskgraph_model::records::ContextLink;
use riskgraph_model::values::Date;
use riskgraph_model::vocabulary::{
    ContextKind, ControlStatus, RiskCategory, Soc2Report, TreatmentStatus, TrustCategory,
    Vocabulary,
};
use riskgraph_model::{Inventory, NodeDetail, NodeIdx};

use super::{Entry, Index, RiskList, best_status, soa_decision};
use crate::assess::{Assessment, Source};
use crate::indexes::Indexes;

/// How well the organization's controls address a criterion or Annex A control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// At least one implemented control cites it.
    Covered,
    /// Only partially implemented controls do (planned ones do not count: they are not running).
    Partial,
    /// No control cites it, or only planned or not-implemented ones.
    Gap,
    /// An Annex A control `soa.csv` records as not applicable.
    Excluded,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Covered => "covered",
            Self::Partial => "partial",
            Self::Gap => "gap",
            Self::Excluded => "excluded",
        }
    }

    /// The verdict for controls whose best status is `status`.
    pub fn of(status: Option<ControlStatus>) -> Self {
        match status {
            Some(ControlStatus::Implemented) => Self::Covered,
            Some(ControlStatus::Partial) => Self::Partial,
            _ => Self::Gap,
        }
    }
}

/// A SOC 2 criterion or Annex A control, with what addresses it.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    /// `CC6.1`, or `A.5.15` for Annex A.
    pub id: String,
    pub title: &'static str,
    /// The criterion's series, or the control's theme.
    pub group: &'static str,
    /// The controls of `controls.csv` that cite it, in file order.
    pub controls: Vec<u32>,
    /// The risks those controls treat, in register order (indexes into the assessment).
    pub risks: RiskList,
    pub verdict: Verdict,
}

/// A control citing an entry of one framework but none of the entries of the other that the
/// crosswalk corresponds it to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrosswalkFinding {
    pub control: u32,
    /// `CC6.1` or `A.5.15`.
    pub cites: String,
    /// The other framework's entries for it (`A.5.15`... or `CC6.1`...).
    pub corresponds_to: Vec<String>,
}

/// Something a third-party risk review would flag about a vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorFinding {
    pub node: NodeIdx,
    /// `no-assurance`, `stale-report`, `review-overdue`, `no-exit-plan` or `concentration`.
    pub code: &'static str,
    pub message: String,
}

/// A running control (implemented or partial) not tested in the twelve months before the
/// assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UntestedControl {
    pub control: u32,
    pub last_tested: Option<Date>,
}

/// Whether the inventory evidences an ISO 27001 management-system clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClauseEvidence {
    pub clause: &'static Clause,
    pub evidenced: bool,
    /// What was found, or what is missing.
    pub detail: String,
}

/// Everything `riskgraph coverage` reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    /// The SOC 2 categories in scope, security first.
    pub tsc: Vec<TrustCategory>,
    /// The criteria of those categories, in the standard's order.
    pub soc2: Vec<Requirement>,
    /// All 93 Annex A controls of 2022.
    pub annex_a: Vec<Requirement>,
    pub crosswalk: Vec<CrosswalkFinding>,
    /// The risk categories no threat of `threats.csv` has, in the vocabulary's order.
    pub forgotten: Vec<&'static CategoryGuide>,
    /// Per commitment of `commitments.csv`, the risks whose reach includes a node it covers.
    pub commitments: Vec<RiskList>,
    /// Per obligation of `obligations.csv`, the risks on a node it applies to.
    pub obligations: Vec<RiskList>,
    /// Context items (issues and interested parties) linked to no risk, in file order.
    pub unlinked_context: Vec<u32>,
    /// Objectives missing a metric or an owner, with what is missing.
    pub incomplete_objectives: Vec<(u32, Vec<&'static str>)>,
    pub vendors: Vec<VendorFinding>,
    pub untested: Vec<UntestedControl>,
    pub clauses: Vec<ClauseEvidence>,
}

impl Coverage {
    /// The in-scope criteria with no running control.
    pub fn gaps(&self) -> impl Iterator<Item = &Requirement> {
        self.soc2.iter().filter(|r| r.verdict == Verdict::Gap)
    }
}

/// A vendor of criticality 4 or 5 is critical.
const CRITICAL: u8 = 4;

/// Reads `assessment` (of `inventory`) through both frameworks.
pub fn coverage(inventory: &Inventory, assessment: &Assessment) -> Coverage {
    let indexes = Indexes::default();
    Index::new(indexes.of(inventory), assessment).coverage()
}

/// Reads the assessment of `index` through both frameworks.
pub(super) fn of(index: &Index<'_>) -> Coverage {
    let (inventory, assessment) = (index.inventory, index.assessment);
    let manifest = &inventory.manifest;
    let mut tsc = vec![TrustCategory::Security];
    tsc.extend(
        TrustCategory::ALL
            .iter()
            .filter(|c| **c != TrustCategory::Security && manifest.tsc.contains(c)),
    );
    let soc2 = catalog::soc2()
        .iter()
        .enumerate()
        .filter(|(_, criterion)| tsc.contains(&criterion.category))
        .map(|(at, criterion)| {
            let (controls, risks) = index.addressed_by(Entry::Soc2(at));
            Requirement {
                id: criterion.id.clone(),
                title: &criterion.title,
                group: &criterion.series,
                verdict: Verdict::of(best_status(inventory, &controls, None)),
                controls,
                risks,
            }
        })
        .collect();
    let annex_a = catalog::iso27001_2022()
        .iter()
        .enumerate()
        .map(|(at, control)| {
            let (controls, risks) = index.addressed_by(Entry::AnnexA(at));
            let excluded = soa_decision(inventory, &control.id)
                .is_some_and(|at| !inventory.soa[at].applicable);
            let verdict = if excluded {
                Verdict::Excluded
            } else {
                Verdict::of(best_status(inventory, &controls, Some(&control.id)))
            };
            Requirement {
                id: format!("A.{}", control.id),
                title: &control.title,
                group: control.theme.as_str(),
                verdict,
                controls,
                risks,
            }
        })
        .collect();

    let year_before = assessment
        .as_of
        .checked_sub(jiff::Span::new().years(1))
        .unwrap_or(assessment.as_of);
    Coverage {
        crosswalk: crosswalk_findings(inventory, &tsc),
        tsc,
        soc2,
        annex_a,
        forgotten: forgotten_categories(inventory),
        commitments: commitments_threatened(inventory, assessment),
        obligations: obligations_affected(index),
        unlinked_context: unlinked_context(inventory, assessment),
        incomplete_objectives: incomplete_objectives(inventory),
        vendors: vendor_findings(index, year_before),
        untested: untested_controls(inventory, year_before),
        clauses: clause_evidence(inventory, assessment),
    }
}

/// Controls citing an in-scope SOC 2 criterion but none of its Annex A controls, or an Annex A
/// control but none of its in-scope criteria, by control in file order. An Annex A control a
/// 2013 id reaches only in part (a split control) is not held against the control; one it reaches
/// is shown with the 2013 ids written.
fn crosswalk_findings(inventory: &Inventory, tsc: &[TrustCategory]) -> Vec<CrosswalkFinding> {
    let in_scope = |criterion: &str| {
        catalog::soc2_criterion(criterion).is_some_and(|c| tsc.contains(&c.category))
    };
    let mut findings = Vec::new();
    for (i, control) in inventory.controls.iter().enumerate() {
        for criterion in control.soc2.iter().filter(|c| in_scope(c)) {
            let Some(row) = catalog::soc2_to_iso(criterion) else {
                continue;
            };
            if !row
                .iso27001
                .iter()
                .any(|id| control.iso27001.iter().any(|c| **c == **id))
            {
                findings.push(CrosswalkFinding {
                    control: i as u32,
                    cites: criterion.to_string(),
                    corresponds_to: row.iso27001.iter().map(|id| format!("A.{id}")).collect(),
                });
            }
        }
        for annex in &control.iso27001 {
            if super::cites_in_part(control, annex) {
                continue;
            }
            let criteria: Vec<String> = catalog::iso_to_soc2(annex)
                .map(|row| row.soc2.clone())
                .filter(|criterion| in_scope(criterion))
                .collect();
            if !criteria.is_empty()
                && !criteria
                    .iter()
                    .any(|id| control.soc2.iter().any(|c| **c == **id))
            {
                findings.push(CrosswalkFinding {
                    control: i as u32,
                    cites: cited_as(control, annex),
                    corresponds_to: criteria,
                });
            }
        }
    }
    findings
}

/// How a control wrote a 2022 Annex A id: `A.5.16`, or `A.5.16 (as A.9.2.1)` when it wrote the
/// 2013 ids that correspond to it.
fn cited_as(control: &riskgraph_model::records::Control, annex: &str) -> String {
    let written: Vec<&str> = control
        .iso27001_2013
        .iter()
        .filter(|old| catalog::to_2022(old).any(|pair| pair.iso2022 == annex))
        .map(AsRef::as_ref)
        .collect();
    if written.is_empty() {
        format!("A.{annex}")
    } else {
        format!("A.{annex} (as {})", written.join(", "))
    }
}

/// The categories of the vocabulary that no threat has.
fn forgotten_categories(inventory: &Inventory) -> Vec<&'static CategoryGuide> {
    catalog::risk_categories()
        .iter()
        .filter(|guide| {
            !inventory
                .threats
                .iter()
                .any(|threat| threat.category == guide.category)
        })
        .collect()
}

fn commitments_threatened(inventory: &Inventory, assessment: &Assessment) -> Vec<RiskList> {
    super::risk_lists(inventory.commitments.len(), &assessment.risks, |risk| {
        assessment.reach(risk).commitment_list.iter().copied()
    })
}

fn obligations_affected(index: &Index<'_>) -> Vec<RiskList> {
    let risks = &index.assessment.risks;
    super::risk_lists(index.inventory.obligations.len(), risks, |risk| {
        index.obligations_of.of(risk.node).iter().copied()
    })
}

/// The category of a risk's threat.
fn category_of(inventory: &Inventory, source: Source) -> RiskCategory {
    match source {
        Source::Threat(t) => inventory.threats[t as usize].category,
        Source::Fraud => RiskCategory::Fraud,
    }
}

/// Context items none of whose `related` categories or selectors has a risk: the category of a
/// risk's threat, or a node with a risk.
fn unlinked_context(inventory: &Inventory, assessment: &Assessment) -> Vec<u32> {
    let mut categories: Vec<RiskCategory> = Vec::new();
    let mut has_risk = vec![false; inventory.nodes.len()];
    for risk in &assessment.risks {
        let category = category_of(inventory, risk.source);
        if !categories.contains(&category) {
            categories.push(category);
        }
        has_risk[risk.node as usize] = true;
    }
    inventory
        .context
        .iter()
        .enumerate()
        .filter(|(_, item)| {
            !item.related.iter().any(|link| match link {
                ContextLink::Category(category) => categories.contains(category),
                ContextLink::Nodes(selector) => inventory
                    .nodes
                    .iter()
                    .zip(&has_risk)
                    .any(|(node, &risk)| risk && selector.matches(node)),
            })
        })
        .map(|(i, _)| i as u32)
        .collect()
}

fn incomplete_objectives(inventory: &Inventory) -> Vec<(u32, Vec<&'static str>)> {
    inventory
        .objectives
        .iter()
        .enumerate()
        .filter_map(|(i, objective)| {
            let mut missing = Vec::new();
            if objective.metric.is_none() {
                missing.push("metric");
            }
            if objective.owner.is_none() {
                missing.push("owner");
            }
            (!missing.is_empty()).then_some((i as u32, missing))
        })
        .collect()
}

/// Third-party findings for the in-scope vendors, by vendor in node order. A critical vendor
/// (criticality 4 or 5) needs a SOC 2 report or an ISO 27001 certificate and an exit plan; any
/// vendor's report must be under a year old and its last review within the review interval of
/// its highest residual level (the lowest level's interval when it has no risk); a provider the
/// organization concentrates on is flagged, and every finding of a hidden fourth party says so.
fn vendor_findings(index: &Index<'_>, year_before: jiff::civil::Date) -> Vec<VendorFinding> {
    let (inventory, assessment) = (index.inventory, index.assessment);
    let supply = super::supply::Supply::of(index);
    let manifest = &inventory.manifest;
    let mut highest: Vec<Option<usize>> = vec![None; inventory.nodes.len()];
    for risk in &assessment.risks {
        let level = &mut highest[risk.node as usize];
        *level = (*level).max(Some(risk.residual().level));
    }
    let mut findings = Vec::new();
    for (i, node) in inventory.nodes.iter().enumerate() {
        let NodeDetail::Vendor(vendor) = &node.detail else {
            continue;
        };
        if !node.in_scope {
            continue;
        }
        let first = findings.len();
        let mut push = |code: &'static str, message: String| {
            findings.push(VendorFinding {
                node: i as NodeIdx,
                code,
                message,
            });
        };
        let critical = vendor.criticality.is_some_and(|c| c.get() >= CRITICAL);
        let report = vendor
            .soc2_report
            .filter(|report| *report != Soc2Report::None);
        if critical && report.is_none() && !vendor.iso27001_certified {
            push(
                "no-assurance",
                String::from(
                    "critical vendor with neither a SOC 2 report nor an ISO 27001 certificate",
                ),
            );
        }
        if report.is_some() {
            match vendor.soc2_report_date {
                None => push(
                    "stale-report",
                    String::from("SOC 2 report with no date: its period cannot be checked"),
                ),
                Some(date) if date.civil() < year_before => push(
                    "stale-report",
                    format!("SOC 2 report dated {date}, more than 12 months before the assessment"),
                ),
                Some(_) => {}
            }
        }
        let level = highest[i].unwrap_or(0);
        let level_name = &manifest.levels[level].name;
        let days = manifest
            .review_days
            .get(level_name)
            .copied()
            .unwrap_or(DEFAULT_REVIEW_DAYS);
        match vendor.last_review {
            None => push("review-overdue", String::from("never reviewed")),
            Some(date) => {
                let due = date
                    .civil()
                    .checked_add(jiff::Span::new().days(i64::from(days)))
                    .unwrap_or(date.civil());
                if due < assessment.as_of {
                    push(
                        "review-overdue",
                        format!(
                            "last reviewed {date}; a vendor whose highest residual level is {level_name} is reviewed every {days} days"
                        ),
                    );
                }
            }
        }
        if critical && !vendor.exit_plan {
            push(
                "no-exit-plan",
                String::from("critical vendor with no exit plan"),
            );
        }
        if let Some(message) = supply.concentration(i as NodeIdx) {
            push("concentration", message);
        }
        if let Some(note) = supply.hidden_note(i as NodeIdx) {
            for finding in &mut findings[first..] {
                finding.message.push_str(&note);
            }
        }
    }
    findings
}

/// Implemented and partial controls whose last test is missing or older than a year.
fn untested_controls(
    inventory: &Inventory,
    year_before: jiff::civil::Date,
) -> Vec<UntestedControl> {
    inventory
        .controls
        .iter()
        .enumerate()
        .filter(|(_, control)| {
            matches!(
                control.status,
                ControlStatus::Implemented | ControlStatus::Partial
            ) && control
                .last_tested
                .is_none_or(|date| date.civil() < year_before)
        })
        .map(|(i, control)| UntestedControl {
            control: i as u32,
            last_tested: control.last_tested,
        })
        .collect()
}

/// The counts the clause evidence is read from.
struct Counts {
    issues: usize,
    parties: usize,
    risks: usize,
    objectives: usize,
    complete_objectives: usize,
    overdue_reviews: usize,
    late_controls: usize,
    treatments_moving: usize,
    lessons: usize,
}

impl Counts {
    fn new(inventory: &Inventory, assessment: &Assessment) -> Self {
        let count_context = |kinds: &[ContextKind]| {
            inventory
                .context
                .iter()
                .filter(|item| kinds.contains(&item.kind))
                .count()
        };
        // As the register's `control-overdue` finding, whether or not a risk names the control.
        let late_controls = inventory
            .controls
            .iter()
            .filter(|control| control.overdue(assessment.as_of).is_some())
            .count();
        Self {
            issues: count_context(&[ContextKind::InternalIssue, ContextKind::ExternalIssue]),
            parties: count_context(&[ContextKind::InterestedParty]),
            risks: assessment.risks.len(),
            objectives: inventory.objectives.len(),
            complete_objectives: inventory
                .objectives
                .iter()
                .filter(|o| o.metric.is_some() && o.owner.is_some())
                .count(),
            overdue_reviews: assessment
                .risks
                .iter()
                .filter(|risk| risk.review_overdue(assessment.as_of))
                .count(),
            late_controls,
            treatments_moving: inventory
                .treatments
                .iter()
                .filter(|t| {
                    matches!(
                        t.status,
                        Some(TreatmentStatus::InProgress | TreatmentStatus::Done)
                    )
                })
                .count(),
            lessons: inventory
                .incidents
                .iter()
                .filter(|incident| incident.lessons.is_some())
                .count(),
        }
    }
}

/// `1 risk`, `2 risks`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What the inventory and register show for each management-system clause.
fn clause_evidence(inventory: &Inventory, assessment: &Assessment) -> Vec<ClauseEvidence> {
    let counts = Counts::new(inventory, assessment);
    catalog::iso27001_clauses()
        .iter()
        .map(|clause| {
            let (evidenced, detail) = evidence_of(&clause.id, inventory, assessment, &counts);
            ClauseEvidence {
                clause,
                evidenced,
                detail,
            }
        })
        .collect()
}

/// Whether the inventory evidences the clause `id`, and what was found or is missing.
fn evidence_of(
    id: &str,
    inventory: &Inventory,
    assessment: &Assessment,
    n: &Counts,
) -> (bool, String) {
    let manifest = &inventory.manifest;
    match id {
        "4.1" => (
            n.issues > 0,
            format!(
                "{} in context.csv",
                plural(
                    n.issues,
                    "internal or external issue",
                    "internal and external issues"
                )
            ),
        ),
        "4.2" => (
            n.parties > 0,
            format!(
                "{} in context.csv",
                plural(n.parties, "interested party", "interested parties")
            ),
        ),
        "4.3" => match &manifest.scope_statement {
            Some(_) => (true, String::from("[scope] statement in riskgraph.toml")),
            None => (
                false,
                String::from("no [scope] statement in riskgraph.toml"),
            ),
        },
        "6.1.2" => (
            n.risks > 0,
            format!(
                "{} scored against the appetite `{}`",
                plural(n.risks, "risk", "risks"),
                manifest.appetite
            ),
        ),
        "6.1.3" => (
            !inventory.treatments.is_empty(),
            format!(
                "{} in treatments.csv; the Statement of Applicability from `riskgraph soa`",
                plural(
                    inventory.treatments.len(),
                    "treatment decision",
                    "treatment decisions"
                )
            ),
        ),
        "6.2" => (
            n.complete_objectives > 0,
            format!(
                "{} of {} with a metric and an owner",
                n.complete_objectives,
                plural(n.objectives, "objective", "objectives")
            ),
        ),
        "8.2" => (
            n.risks > 0 && n.overdue_reviews == 0,
            format!(
                "{} past their review date on {}",
                plural(n.overdue_reviews, "risk", "risks"),
                assessment.as_of
            ),
        ),
        "8.3" => (
            n.treatments_moving > 0 && n.late_controls == 0,
            format!(
                "{} in progress or done; {} not implemented by its due date",
                plural(n.treatments_moving, "treatment", "treatments"),
                plural(n.late_controls, "control", "controls")
            ),
        ),
        "9.3" => match manifest.approval_state(assessment.as_of) {
            ApprovalState::Approved { by, on } => (true, format!("approved by {by} on {on}")),
            ApprovalState::Earlier { by, on } => (
                false,
                format!(
                    "the approval in riskgraph.toml (by {by} on {on}) predates this assessment: approval pending"
                ),
            ),
            ApprovalState::Pending => (
                false,
                String::from(
                    "no [approval] with an approver and a date in riskgraph.toml: approval pending",
                ),
            ),
        },
        "10.1" => (
            n.lessons > 0,
            format!(
                "{} with lessons learned",
                plural(n.lessons, "incident", "incidents")
            ),
        ),
        _ => (false, String::from("not evidenced by the inventory")),
    }
}
