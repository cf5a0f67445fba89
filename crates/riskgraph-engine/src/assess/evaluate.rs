//! Evaluation of a scored risk against the manifest's criteria: score and level, appetite,
//! treatment, owner, next review and consistency findings.

use jiff::civil::Date;
use riskgraph_model::Inventory;
use riskgraph_model::manifest::{DEFAULT_REVIEW_DAYS, Manifest};
use riskgraph_model::node::AttrValue;
use riskgraph_model::vocabulary::{ControlStatus, TreatmentDecision, Vocabulary};

use super::{Risk, Source};
use crate::rules::views::ScoresData;

/// Likelihood and impact with their score and level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rated {
    pub likelihood: u32,
    pub impact: u32,
    /// Likelihood times impact.
    pub score: u32,
    /// Index into the manifest's `levels`, lowest first.
    pub level: usize,
}

/// The level of a likelihood and impact: the grid's cell when the manifest has a grid, else the
/// first level whose `max` the score does not exceed. An index into `manifest.levels`.
pub fn level_of(manifest: &Manifest, likelihood: u32, impact: u32) -> usize {
    let last = manifest.levels.len().saturating_sub(1);
    if let Some(grid) = &manifest.grid {
        let cell = grid
            .get(likelihood.saturating_sub(1) as usize)
            .and_then(|row| row.get(impact.saturating_sub(1) as usize));
        if let Some(name) = cell {
            return manifest
                .levels
                .iter()
                .position(|level| level.name == *name)
                .unwrap_or(last);
        }
    }
    let score = likelihood * impact;
    manifest
        .levels
        .iter()
        .position(|level| score <= level.max)
        .unwrap_or(last)
}

/// How a risk is treated: a row of `treatments.csv`, or the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Treatment {
    pub decision: TreatmentDecision,
    /// The `treatments.csv` row (an index into `inventory.treatments`) whose pattern matched most
    /// specifically; `None` for the default: mitigate above appetite, accept within.
    pub row: Option<u32>,
}

impl Default for Treatment {
    fn default() -> Self {
        Self {
            decision: TreatmentDecision::Mitigate,
            row: None,
        }
    }
}

/// An inconsistency in a risk that a reviewer should resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Finding {
    /// The residual likelihood or impact is above the inherent one.
    ResidualAboveInherent,
    /// The residual score is below the inherent one, but no control is implemented or partial.
    ReducedWithoutControl,
    /// Above appetite, and no row of `treatments.csv` treats it.
    Untreated,
    /// Accepted with no justification.
    AcceptedWithoutJustification,
    /// Accepted with no approver.
    AcceptedWithoutApprover,
    /// Accepted until a date that has passed.
    AcceptanceExpired { expires: Date },
    /// A control not yet implemented whose due date has passed (an index into
    /// `inventory.controls`).
    ControlOverdue { control: u32, due: Date },
    /// The next review date has passed.
    ReviewOverdue { due: Date },
}

/// The kind of a finding: its stable code in filters, CSV and the register document.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum FindingCode {
    ResidualAboveInherent,
    ReducedWithoutControl,
    Untreated,
    AcceptedWithoutJustification,
    AcceptedWithoutApprover,
    AcceptanceExpired,
    ControlOverdue,
    ReviewOverdue,
}

impl FindingCode {
    /// Every finding code, in the order the README lists them.
    pub const ALL: [Self; 8] = [
        Self::ResidualAboveInherent,
        Self::ReducedWithoutControl,
        Self::Untreated,
        Self::AcceptedWithoutJustification,
        Self::AcceptedWithoutApprover,
        Self::AcceptanceExpired,
        Self::ControlOverdue,
        Self::ReviewOverdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ResidualAboveInherent => "residual-above-inherent",
            Self::ReducedWithoutControl => "reduced-without-control",
            Self::Untreated => "untreated",
            Self::AcceptedWithoutJustification => "accepted-without-justification",
            Self::AcceptedWithoutApprover => "accepted-without-approver",
            Self::AcceptanceExpired => "acceptance-expired",
            Self::ControlOverdue => "control-overdue",
            Self::ReviewOverdue => "review-overdue",
        }
    }
}

impl Finding {
    /// The finding's kind.
    pub fn kind(&self) -> FindingCode {
        match self {
            Self::ResidualAboveInherent => FindingCode::ResidualAboveInherent,
            Self::ReducedWithoutControl => FindingCode::ReducedWithoutControl,
            Self::Untreated => FindingCode::Untreated,
            Self::AcceptedWithoutJustification => FindingCode::AcceptedWithoutJustification,
            Self::AcceptedWithoutApprover => FindingCode::AcceptedWithoutApprover,
            Self::AcceptanceExpired { .. } => FindingCode::AcceptanceExpired,
            Self::ControlOverdue { .. } => FindingCode::ControlOverdue,
            Self::ReviewOverdue { .. } => FindingCode::ReviewOverdue,
        }
    }

    /// A stable short name for filters and JSON.
    pub fn code(&self) -> &'static str {
        self.kind().as_str()
    }

    /// What is wrong, in a sentence.
    pub fn message(&self, inventory: &Inventory) -> String {
        match self {
            Self::ResidualAboveInherent => {
                "residual likelihood or impact is above the inherent one".to_owned()
            }
            Self::ReducedWithoutControl => {
                "residual is below inherent, but no control is implemented or partial".to_owned()
            }
            Self::Untreated => "above appetite and no treatment in treatments.csv".to_owned(),
            Self::AcceptedWithoutJustification => "accepted without a justification".to_owned(),
            Self::AcceptedWithoutApprover => "accepted without an approver".to_owned(),
            Self::AcceptanceExpired { expires } => format!("acceptance expired on {expires}"),
            Self::ControlOverdue { control, due } => format!(
                "control {} is {} and was due on {due}",
                inventory.controls[*control as usize].id,
                inventory.controls[*control as usize].status.as_str()
            ),
            Self::ReviewOverdue { due } => format!("review was due on {due}"),
        }
    }
}

/// Evaluates scored risks against one inventory's manifest and treatments.
pub(super) struct Evaluator<'a> {
    inventory: &'a Inventory,
    as_of: Date,
    appetite: usize,
}

impl<'a> Evaluator<'a> {
    pub(super) fn new(inventory: &'a Inventory, as_of: Date) -> Self {
        let manifest = &inventory.manifest;
        let appetite = manifest
            .levels
            .iter()
            .position(|level| level.name == manifest.appetite)
            .unwrap_or(0);
        Self {
            inventory,
            as_of,
            appetite,
        }
    }

    /// Score and level of what a rule returned (already checked to be within 1..=scale).
    pub(super) fn rate(&self, scores: ScoresData) -> Rated {
        let likelihood = scores.likelihood.clamp(1, i64::from(u32::MAX)) as u32;
        let impact = scores.impact.clamp(1, i64::from(u32::MAX)) as u32;
        Rated {
            likelihood,
            impact,
            score: likelihood * impact,
            level: level_of(&self.inventory.manifest, likelihood, impact),
        }
    }

    /// Fills in appetite, treatment and next review of a scored risk.
    pub(super) fn evaluate(&self, risk: &mut Risk) {
        let inventory = self.inventory;
        let manifest = &inventory.manifest;
        let residual = risk.residual();
        risk.within_appetite = residual.level <= self.appetite;
        risk.treatment = self.treatment(risk, risk.within_appetite);
        let row = risk
            .treatment
            .row
            .map(|t| &inventory.treatments[t as usize]);
        let level = &manifest.levels[residual.level].name;
        let days = manifest
            .review_days
            .get(level)
            .copied()
            .unwrap_or(DEFAULT_REVIEW_DAYS);
        let from = row
            .and_then(|t| t.approved_on)
            .map_or(self.as_of, riskgraph_model::values::Date::civil);
        risk.next_review = from
            .checked_add(jiff::Span::new().days(i64::from(days)))
            .unwrap_or(Date::MAX);
    }

    /// The treatment of `risk`: the row whose pattern matches its id with the most literal
    /// characters (the earliest row on a tie), else the default.
    fn treatment(&self, risk: &Risk, within_appetite: bool) -> Treatment {
        let threat = match risk.source {
            Source::Threat(t) => self.inventory.threats[t as usize].id.as_str(),
            Source::Fraud => Source::FRAUD.0,
        };
        let node = self.inventory.node(risk.node).id.as_str();
        let best = self
            .inventory
            .treatments
            .iter()
            .enumerate()
            .filter(|(_, t)| t.risk.matches(threat, node))
            .max_by(|(a, x), (b, y)| {
                x.risk
                    .specificity()
                    .cmp(&y.risk.specificity())
                    .then(b.cmp(a))
            });
        match best {
            Some((row, treatment)) => Treatment {
                decision: treatment.decision,
                row: Some(row as u32),
            },
            None if within_appetite => Treatment {
                decision: TreatmentDecision::Accept,
                row: None,
            },
            None => Treatment::default(),
        }
    }
}

/// The owner of an evaluated risk: the treatment's, else the node's, else the threat's.
pub(super) fn owner<'a>(inventory: &'a Inventory, risk: &Risk) -> Option<&'a str> {
    let row = risk
        .treatment
        .row
        .map(|t| &inventory.treatments[t as usize]);
    row.and_then(|t| t.owner.as_deref())
        .or(inventory.node(risk.node).owner.as_deref())
        .or_else(|| match risk.source {
            Source::Threat(t) => threat_owner(&inventory.threats[t as usize].attributes),
            Source::Fraud => None,
        })
}

/// The findings of an evaluated risk of an assessment made on `as_of`, whose `controls` apply.
pub(super) fn findings(
    inventory: &Inventory,
    as_of: Date,
    risk: &Risk,
    controls: &[u32],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let row = risk
        .treatment
        .row
        .map(|t| &inventory.treatments[t as usize]);
    let (inherent, residual) = (risk.inherent(), risk.residual());
    if residual.likelihood > inherent.likelihood || residual.impact > inherent.impact {
        findings.push(Finding::ResidualAboveInherent);
    }
    let working_control = controls.iter().any(|&c| {
        matches!(
            inventory.controls[c as usize].status,
            ControlStatus::Implemented | ControlStatus::Partial
        )
    });
    if residual.score < inherent.score && !working_control {
        findings.push(Finding::ReducedWithoutControl);
    }
    if !risk.within_appetite && row.is_none() {
        findings.push(Finding::Untreated);
    }
    if let Some(row) = row
        && risk.treatment.decision == TreatmentDecision::Accept
    {
        if row.justification.as_deref().is_none_or(str::is_empty) {
            findings.push(Finding::AcceptedWithoutJustification);
        }
        if row.approved_by.as_deref().is_none_or(str::is_empty) {
            findings.push(Finding::AcceptedWithoutApprover);
        }
        if let Some(expires) = row.expires.map(riskgraph_model::values::Date::civil)
            && expires < as_of
        {
            findings.push(Finding::AcceptanceExpired { expires });
        }
    }
    for &c in controls {
        let control = &inventory.controls[c as usize];
        if let Some(due) = control.overdue(as_of) {
            findings.push(Finding::ControlOverdue { control: c, due });
        }
    }
    if risk.next_review < as_of {
        findings.push(Finding::ReviewOverdue {
            due: risk.next_review,
        });
    }
    findings
}

/// The `owner` column of `threats.csv`, kept as an attribute.
fn threat_owner(attributes: &riskgraph_model::node::Attributes) -> Option<&str> {
    attributes
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("owner"))
        .and_then(|(_, value)| match value {
            AttrValue::Text(text) if !text.is_empty() => Some(&**text),
            _ => None,
        })
}
