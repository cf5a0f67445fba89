//! The inventory's records other than nodes: dependencies, threats, vulnerabilities, controls,
//! commitments, obligations, context, objectives, incidents and treatments.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::money::{Frequency, Magnitude};
use crate::node::{Attributes, NodeIdx, RowRef, Text};
use crate::selector::Selector;
use crate::values::{Date, Factor, Id, Properties, Rating};
use crate::vocabulary::{
    ContextKind, ControlStatus, DependencyKind, ObligationType, Reduces, RiskCategory,
    ThreatSource, TreatmentDecision, TreatmentStatus, TrustCategory, VulnerabilityStatus,
};

/// "`from` depends on `to`": when `to` fails or is compromised, `from` is affected.
#[derive(Debug, Clone, Copy)]
pub struct Dependency {
    pub from: NodeIdx,
    pub to: NodeIdx,
    pub kind: DependencyKind,
    pub strength: Factor,
    /// `from` has an alternative to `to` (failover, second supplier).
    pub redundant: bool,
    /// The properties whose impact crosses this edge.
    pub propagates: Properties,
    pub row: RowRef,
}

/// A reference to threats: one threat by id, or every threat of a category (`category:X`).
#[derive(Debug, Clone, PartialEq)]
pub enum ThreatRef {
    Id(Id),
    Category(RiskCategory),
}

impl ThreatRef {
    /// Whether this reference names `threat`: by its id, or by its category.
    pub fn refers_to(&self, threat: &Threat) -> bool {
        match self {
            Self::Id(id) => *id == threat.id,
            Self::Category(category) => *category == threat.category,
        }
    }
}

impl fmt::Display for ThreatRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => write!(f, "{id}"),
            Self::Category(category) => write!(f, "category:{category}"),
        }
    }
}

impl Serialize for ThreatRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[derive(Debug, Clone)]
pub struct Threat {
    pub id: Id,
    pub name: Box<str>,
    pub category: RiskCategory,
    pub source: Option<ThreatSource>,
    /// Properties the threat harms; all three when the column is empty.
    pub affects: Properties,
    pub targets: Selector,
    /// Base likelihood before the organization's rules adjust it.
    pub likelihood: Option<Rating>,
    pub description: Option<Box<str>>,
    pub tags: Vec<Text>,
    /// Loss events per year on each target, for the simulation.
    pub frequency: Option<Frequency>,
    /// Loss per event, for the simulation.
    pub loss: Option<Magnitude>,
    pub attributes: Attributes,
    pub row: RowRef,
}

#[derive(Debug, Clone)]
pub struct Vulnerability {
    pub id: Id,
    pub name: Box<str>,
    pub targets: Selector,
    /// Threats the weakness makes likelier; empty means every threat on the targets.
    pub threats: Vec<ThreatRef>,
    pub severity: Option<Rating>,
    pub cve: Option<Box<str>>,
    pub status: VulnerabilityStatus,
    pub found: Option<Date>,
    pub attributes: Attributes,
    pub row: RowRef,
}

#[derive(Debug, Clone)]
pub struct Control {
    pub id: Id,
    pub name: Box<str>,
    pub owner: Option<Text>,
    pub status: ControlStatus,
    pub effectiveness: Option<Factor>,
    pub reduces: Reduces,
    pub mitigates: Vec<ThreatRef>,
    /// The nodes the control protects; `*` when the column is empty.
    pub applies_to: Selector,
    /// SOC 2 criteria ids as written, upper-cased (`CC6.1`).
    pub soc2: Vec<Box<str>>,
    /// ISO 27001:2022 Annex A ids without the `A.` prefix (`5.15`): as written, or the controls
    /// the 2013 ids written correspond to when the manifest sets the 2013 edition.
    pub iso27001: Vec<Box<str>>,
    /// The 2013 Annex A ids as written (`A.9.2.1`), when the manifest sets the 2013 edition.
    pub iso27001_2013: Vec<Box<str>>,
    pub due: Option<Date>,
    pub last_tested: Option<Date>,
    pub tags: Vec<Text>,
    /// What the control costs per year, for its return in the simulation.
    pub cost: Option<f64>,
    pub attributes: Attributes,
    pub row: RowRef,
}

impl Control {
    /// The date the control was due, when it is not implemented and that date is before `as_of`:
    /// the register's `control-overdue` finding.
    pub fn overdue(&self, as_of: jiff::civil::Date) -> Option<jiff::civil::Date> {
        self.due
            .map(Date::civil)
            .filter(|&due| self.status != ControlStatus::Implemented && due < as_of)
    }
}

/// A SOC 2 service commitment or system requirement.
#[derive(Debug, Clone)]
pub struct Commitment {
    pub id: Id,
    pub statement: Box<str>,
    pub category: Option<TrustCategory>,
    pub target: Option<Box<str>>,
    pub covers: Option<Selector>,
    pub source: Option<Box<str>>,
    pub row: RowRef,
}

/// A legal, regulatory or contractual obligation.
#[derive(Debug, Clone)]
pub struct Obligation {
    pub id: Id,
    pub name: Box<str>,
    pub obligation_type: Option<ObligationType>,
    pub jurisdiction: Option<Box<str>>,
    pub applies_to: Option<Selector>,
    pub owner: Option<Text>,
    pub severity: Option<Rating>,
    pub row: RowRef,
}

/// What an ISO 27001 context item relates to.
#[derive(Debug, Clone, PartialEq)]
pub enum ContextLink {
    Category(RiskCategory),
    Nodes(Selector),
}

/// An internal or external issue, or an interested party (ISO 27001 clauses 4.1 and 4.2).
#[derive(Debug, Clone)]
pub struct ContextItem {
    pub id: Id,
    pub kind: ContextKind,
    pub description: Box<str>,
    pub expectation: Option<Box<str>>,
    pub related: Vec<ContextLink>,
    pub row: RowRef,
}

/// A row of `soa.csv`: the organization's decision on one Annex A control for the Statement of
/// Applicability.
#[derive(Debug, Clone)]
pub struct Applicability {
    /// The 2022 Annex A id without the prefix (`5.7`).
    pub control: Box<str>,
    pub applicable: bool,
    /// Why the control is excluded (or, for an applicable one, anything to add to the risks).
    pub justification: Option<Box<str>>,
    pub row: RowRef,
}

/// An information security objective (ISO 27001 clause 6.2).
#[derive(Debug, Clone)]
pub struct Objective {
    pub id: Id,
    pub objective: Box<str>,
    pub metric: Option<Box<str>>,
    pub target: Option<Box<str>>,
    pub owner: Option<Text>,
    pub due: Option<Date>,
    pub row: RowRef,
}

#[derive(Debug, Clone)]
pub struct Incident {
    pub id: Id,
    pub date: Date,
    pub threat: Option<ThreatRef>,
    pub affected: Vec<NodeIdx>,
    pub severity: Option<Rating>,
    pub summary: Option<Box<str>>,
    pub lessons: Option<Box<str>>,
    pub row: RowRef,
}

/// A pattern over risk ids `<threat-id>@<node-id>`, where `*` matches any run of characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskPattern {
    pub threat: Box<str>,
    pub node: Box<str>,
}

impl RiskPattern {
    pub fn matches(&self, threat_id: &str, node_id: &str) -> bool {
        wildcard_match(&self.threat, threat_id) && wildcard_match(&self.node, node_id)
    }

    /// How many literal characters the pattern has: the most specific match wins.
    pub fn specificity(&self) -> usize {
        self.threat.len() + self.node.len()
            - self.threat.matches('*').count()
            - self.node.matches('*').count()
    }
}

impl fmt::Display for RiskPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.threat, self.node)
    }
}

impl Serialize for RiskPattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Whether `text` matches `pattern`, in which `*` stands for any run of characters.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// A risk treatment decision (ISO 27001 6.1.3).
#[derive(Debug, Clone)]
pub struct Treatment {
    pub risk: RiskPattern,
    pub decision: TreatmentDecision,
    pub status: Option<TreatmentStatus>,
    pub owner: Option<Text>,
    pub justification: Option<Box<str>>,
    pub approved_by: Option<Box<str>>,
    pub approved_on: Option<Date>,
    pub expires: Option<Date>,
    pub ticket: Option<Box<str>>,
    pub row: RowRef,
}

#[cfg(test)]
mod tests {
    use super::wildcard_match;

    #[test]
    fn wildcards() {
        let check = |pattern: &str, text: &str, expected: bool| {
            assert_eq!(
                wildcard_match(pattern, text),
                expected,
                "{pattern} ~ {text}"
            );
        };
        check("*", "anything", true);
        check("*", "", true);
        check("T-1", "T-1", true);
        check("T-1", "T-12", false);
        check("T-*", "T-12", true);
        check("*-db", "prod-db", true);
        check("*-db", "prod-db2", false);
        check("a*b*c", "aXXbYYc", true);
        check("a*b*c", "acb", false);
        check("ab*ab", "ab", false);
    }
}
