//! The risk register as people and programs read it: one [`RiskView`] per risk, rendered as a
//! terminal table, JSON, CSV or Markdown.

mod csv;
mod json;
mod markdown;
mod table;
mod workbook;

use std::cmp::Ordering;
use std::sync::OnceLock;

use std::borrow::Cow;

use riskgraph_engine::assess::{Assessment, FindingCode, Rated, Risk, Source};
use riskgraph_engine::session::Session;
use riskgraph_model::records::Control;
use riskgraph_model::vocabulary::Vocabulary;
use riskgraph_model::{Inventory, NodeDetail};

use crate::Format;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use self::csv::{neutralize, write_csv};
pub use json::{
    ControlEntry, Document, Levels, Matrix, Method, OwnedDocument, Summary, Tool, VendorEntry,
    write_json,
};
pub use markdown::{cell as markdown_cell, markdown};
pub use table::{Style, table};
pub use workbook::write_workbook;

/// Version of the JSON register; raised on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

pub use riskgraph_engine::session::Checksum;

/// An assessment ready to render: the risks to show (all, or those a filter kept) and the
/// whole assessment for the summary and matrices.
pub struct Register<'a> {
    pub inventory: &'a Inventory,
    pub assessment: &'a Assessment,
    pub shown: Vec<&'a Risk>,
    /// The `--top` cut that left risks out of `shown`, when one did.
    pub cut: Option<usize>,
    pub inputs: Vec<Checksum>,
    pub rules: Vec<Checksum>,
    /// Per list of what applies ([`Assessment::list_index`]), the SOC 2 criteria and Annex A
    /// controls of its controls, sorted once for the many risks that share the list.
    criteria: Vec<OnceLock<Criteria>>,
}

/// The SOC 2 criteria and Annex A controls (2022 ids, without `A.`) of a list of controls, each
/// in natural order without repeats, as (control, position in its list) pairs: no borrow of
/// the inventory, so that a `Register` can be seen with a shorter lifetime.
struct Criteria {
    soc2: Vec<(u32, u32)>,
    iso27001: Vec<(u32, u32)>,
}

/// How many risks the human formats (table, Markdown) list at most unless `--top` says.
pub const HUMAN_TOP: usize = 10_000;

/// The register's formats.
pub const FORMATS: &[Format] = &[
    Format::Table,
    Format::Json,
    Format::Csv,
    Format::Md,
    Format::Xlsx,
    Format::Html,
    Format::Sarif,
];

/// Writes `register` in `format`: a table in `style`; `html` is the whole report on the
/// session's assessment; `sarif` the risks `sarif` selects, as code-scanning results.
pub fn write(
    out: &mut (dyn std::io::Write + Send),
    format: Format,
    register: &Register<'_>,
    session: &Session,
    style: Style,
    sarif: &crate::sarif::Options<'_>,
) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(out);
    match format {
        Format::Table => out.write_all(table(register, style).as_bytes())?,
        Format::Json => write_json(&mut out, register)?,
        Format::Csv => write_csv(&mut out, register)?,
        Format::Md => out.write_all(markdown(register).as_bytes())?,
        Format::Xlsx => write_workbook(&mut out, register).map_err(crate::xlsx::to_io)?,
        Format::Html => out.write_all(crate::html::build(register, session, None).as_bytes())?,
        Format::Sarif => crate::sarif::write_risks(&mut out, register, session, sarif)?,
        Format::Tree | Format::Dot => {
            return Err(std::io::Error::other(
                "the register has no tree or dot format",
            ));
        }
    }
    out.flush()
}

/// Likelihood, impact, score and level of one side of a risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RatedView<'a> {
    pub likelihood: u32,
    pub impact: u32,
    pub score: u32,
    pub level: Cow<'a, str>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ThreatView<'a> {
    pub id: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub category: Cow<'a, str>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct NodeView<'a> {
    pub id: Cow<'a, str>,
    pub kind: Cow<'a, str>,
    /// The asset type; empty for processes and vendors.
    #[serde(rename = "type")]
    pub node_type: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub owner: Cow<'a, str>,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct ExposureView {
    pub nodes: u32,
    pub processes: u32,
    pub commitments: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TreatmentView<'a> {
    pub decision: Cow<'a, str>,
    /// `treatments.csv` when a row matched, `default` otherwise.
    pub source: Cow<'a, str>,
    /// The pattern of the matching row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    pub status: Cow<'a, str>,
    pub owner: Cow<'a, str>,
    pub justification: Cow<'a, str>,
    pub approved_by: Cow<'a, str>,
    pub approved_on: String,
    pub expires: String,
    pub ticket: Cow<'a, str>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct FindingView {
    pub code: FindingCode,
    pub message: String,
}

/// Everything the register says about one risk: what the register document holds per risk, and
/// what every format renders.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RiskView<'a> {
    pub id: Cow<'a, str>,
    pub threat: ThreatView<'a>,
    pub node: NodeView<'a>,
    pub inherent: RatedView<'a>,
    pub residual: RatedView<'a>,
    pub within_appetite: bool,
    pub controls: Vec<Cow<'a, str>>,
    pub soc2: Vec<Cow<'a, str>>,
    pub iso27001: Vec<String>,
    pub vulnerabilities: Vec<Cow<'a, str>>,
    pub incidents: Vec<Cow<'a, str>>,
    pub exposure: ExposureView,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fraud_factors: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub treatment: TreatmentView<'a>,
    pub owner: Cow<'a, str>,
    pub next_review: String,
    pub findings: Vec<FindingView>,
}

impl RiskView<'_> {
    /// The SOC 2 criteria and then the Annex A controls the risk's controls cite.
    pub fn frameworks(&self) -> impl Iterator<Item = String> + '_ {
        self.soc2
            .iter()
            .map(ToString::to_string)
            .chain(self.iso27001.iter().cloned())
    }
}

impl<'a> Register<'a> {
    /// The register of `assessment`, made in `session`, listing `shown` (all its risks, or
    /// those a filter kept), with the checksums of the session's inputs and rules.
    pub fn new(session: &'a Session, assessment: &'a Assessment, shown: Vec<&'a Risk>) -> Self {
        let mut register = Self::of(session.inventory(), assessment, shown);
        register.inputs = session.input_checksums();
        register.rules = session.rule_checksums();
        register
    }

    /// The register of `assessment` showing `shown`, without the checksums of its inputs and
    /// rules.
    pub fn of(inventory: &'a Inventory, assessment: &'a Assessment, shown: Vec<&'a Risk>) -> Self {
        Self {
            inventory,
            assessment,
            shown,
            cut: None,
            inputs: Vec::new(),
            rules: Vec::new(),
            criteria: (0..assessment.list_count())
                .map(|_| OnceLock::new())
                .collect(),
        }
    }

    /// Keeps the highest `top` of the shown risks (they are in register order).
    pub fn cut_to(&mut self, top: usize) {
        if self.shown.len() > top {
            self.shown.truncate(top);
            self.shown.shrink_to_fit();
            self.cut = Some(top);
        }
    }

    /// `N of M risks shown` when some are not, saying why when it was a `--top` cut.
    pub fn shown_note(&self) -> Option<String> {
        let (shown, all) = (self.shown.len(), self.assessment.risks.len());
        if shown == all {
            return None;
        }
        Some(match self.cut {
            None => format!("{shown} of {all} risks shown"),
            Some(top) => format!(
                "{shown} of {all} risks shown: the highest {top} by residual score (--top N shows more; --format csv or json lists them all)"
            ),
        })
    }

    pub fn level_name(&self, level: usize) -> &'a str {
        &self.inventory.manifest.levels[level].name
    }

    fn rated(&self, rated: Rated) -> RatedView<'a> {
        RatedView {
            likelihood: rated.likelihood,
            impact: rated.impact,
            score: rated.score,
            level: Cow::Borrowed(self.level_name(rated.level)),
        }
    }

    /// The view of one risk.
    pub fn view(&self, risk: &'a Risk) -> RiskView<'a> {
        let inventory = self.inventory;
        let threat = match risk.source {
            Source::Threat(t) => {
                let threat = &inventory.threats[t as usize];
                ThreatView {
                    id: Cow::Borrowed(threat.id.as_str()),
                    name: Cow::Borrowed(&threat.name),
                    category: Cow::Borrowed(threat.category.as_str()),
                }
            }
            Source::Fraud => {
                let (id, name, category) = Source::FRAUD;
                ThreatView {
                    id: Cow::Borrowed(id),
                    name: Cow::Borrowed(name),
                    category: Cow::Borrowed(category),
                }
            }
        };
        let node = inventory.node(risk.node);
        let assessment = self.assessment;
        let list = assessment.controls(risk);
        let controls: Vec<_> = list
            .iter()
            .map(|&c| &inventory.controls[c as usize])
            .collect();
        let criteria = self.criteria[assessment.list_index(risk)].get_or_init(|| Criteria {
            soc2: criteria_of(inventory, list, |c| &c.soc2),
            iso27001: criteria_of(inventory, list, |c| &c.iso27001),
        });
        let text = |t: Option<&'a str>| Cow::Borrowed(t.unwrap_or_default());
        RiskView {
            id: Cow::Owned(risk.id(inventory)),
            threat,
            node: NodeView {
                id: Cow::Borrowed(node.id.as_str()),
                kind: Cow::Borrowed(node.kind().as_str()),
                node_type: Cow::Borrowed(match &node.detail {
                    NodeDetail::Asset(asset) => asset.asset_type.as_str(),
                    _ => "",
                }),
                name: Cow::Borrowed(&node.name),
                owner: text(node.owner.as_deref()),
            },
            inherent: self.rated(risk.inherent()),
            residual: self.rated(risk.residual()),
            within_appetite: risk.within_appetite,
            controls: controls
                .iter()
                .map(|c| Cow::Borrowed(c.id.as_str()))
                .collect(),
            soc2: (criteria.soc2.iter())
                .map(|&pair| Cow::Borrowed(criterion(inventory, pair, |c| &c.soc2)))
                .collect(),
            iso27001: (criteria.iso27001.iter())
                .map(|&pair| format!("A.{}", criterion(inventory, pair, |c| &c.iso27001)))
                .collect(),
            vulnerabilities: assessment
                .vulnerabilities(risk)
                .iter()
                .map(|&v| Cow::Borrowed(inventory.vulnerabilities[v as usize].id.as_str()))
                .collect(),
            incidents: assessment
                .incidents(risk)
                .iter()
                .map(|&i| Cow::Borrowed(inventory.incidents[i as usize].id.as_str()))
                .collect(),
            exposure: ExposureView {
                nodes: assessment.reach(risk).nodes,
                processes: assessment.reach(risk).processes,
                commitments: assessment.reach(risk).commitments,
            },
            fraud_factors: assessment
                .fraud_factors(risk)
                .iter()
                .map(|(name, value)| (Cow::Borrowed(name.as_str()), Cow::Borrowed(value.as_str())))
                .collect(),
            treatment: self.treatment(risk),
            owner: text(risk.owner(inventory)),
            next_review: risk.next_review.to_string(),
            findings: assessment
                .findings(inventory, risk)
                .iter()
                .map(|f| FindingView {
                    code: f.kind(),
                    message: f.message(inventory),
                })
                .collect(),
        }
    }

    fn treatment(&self, risk: &'a Risk) -> TreatmentView<'a> {
        let row = risk
            .treatment
            .row
            .map(|t| &self.inventory.treatments[t as usize]);
        let text = |t: Option<&'a str>| Cow::Borrowed(t.unwrap_or_default());
        let date = |d: Option<riskgraph_model::values::Date>| {
            d.map_or_else(String::new, |d| d.civil().to_string())
        };
        TreatmentView {
            decision: Cow::Borrowed(risk.treatment.decision.as_str()),
            source: Cow::Borrowed(if row.is_some() {
                "treatments.csv"
            } else {
                "default"
            }),
            pattern: row.map(|t| t.risk.to_string()),
            status: Cow::Borrowed(row.and_then(|t| t.status).map_or("", Vocabulary::as_str)),
            owner: text(row.and_then(|t| t.owner.as_deref())),
            justification: text(row.and_then(|t| t.justification.as_deref())),
            approved_by: text(row.and_then(|t| t.approved_by.as_deref())),
            approved_on: date(row.and_then(|t| t.approved_on)),
            expires: date(row.and_then(|t| t.expires)),
            ticket: text(row.and_then(|t| t.ticket.as_deref())),
        }
    }

    /// Counts per likelihood (rows, highest first) and impact (columns, lowest first), of the
    /// inherent or residual side of every risk.
    pub fn matrix(&self, residual: bool) -> Vec<Vec<u64>> {
        let scale = usize::from(self.inventory.manifest.scale);
        let mut cells = vec![vec![0u64; scale]; scale];
        for risk in &self.assessment.risks {
            let rated = if residual {
                risk.residual()
            } else {
                risk.inherent()
            };
            let row = scale - (rated.likelihood as usize).clamp(1, scale);
            let column = (rated.impact as usize).clamp(1, scale) - 1;
            cells[row][column] += 1;
        }
        cells
    }

    /// How many risks have each level, lowest level first, on the inherent or residual side.
    pub fn by_level(&self, residual: bool) -> Vec<(&'a str, u64)> {
        let levels = &self.inventory.manifest.levels;
        let mut counts = vec![0u64; levels.len()];
        for risk in &self.assessment.risks {
            let rated = if residual {
                risk.residual()
            } else {
                risk.inherent()
            };
            counts[rated.level] += 1;
        }
        levels
            .iter()
            .map(|level| level.name.as_str())
            .zip(counts)
            .collect()
    }

    pub fn above_appetite(&self) -> usize {
        self.assessment
            .risks
            .iter()
            .filter(|r| !r.within_appetite)
            .count()
    }

    pub fn overdue(&self) -> usize {
        self.assessment
            .risks
            .iter()
            .filter(|r| r.review_overdue(self.assessment.as_of))
            .count()
    }

    pub fn with_findings(&self) -> usize {
        self.assessment
            .risks
            .iter()
            .filter(|r| !self.assessment.findings(self.inventory, r).is_empty())
            .count()
    }
}

/// The ids `of` gives for each control of `list`, in natural order without repeats, as
/// (control, position) pairs.
fn criteria_of(
    inventory: &Inventory,
    list: &[u32],
    of: fn(&Control) -> &[Box<str>],
) -> Vec<(u32, u32)> {
    let id = |&pair: &(u32, u32)| criterion(inventory, pair, of);
    let mut ids: Vec<(u32, u32)> = list
        .iter()
        .flat_map(|&c| (0..of(&inventory.controls[c as usize]).len()).map(move |at| (c, at as u32)))
        .collect();
    ids.sort_by(|a, b| natural(id(a), id(b)));
    ids.dedup_by(|a, b| id(a) == id(b));
    ids
}

/// The id at `position` among those `of` gives for `control`.
fn criterion(
    inventory: &Inventory,
    (control, position): (u32, u32),
    of: fn(&Control) -> &[Box<str>],
) -> &str {
    &of(&inventory.controls[control as usize])[position as usize]
}

/// Compares ids the way people number them: `CC6.2` before `CC6.10`, `5.9` before `5.15`.
pub fn natural(a: &str, b: &str) -> Ordering {
    fn parts(s: &str) -> impl Iterator<Item = (bool, &str)> {
        let mut rest = s;
        std::iter::from_fn(move || {
            let first = rest.chars().next()?;
            let digit = first.is_ascii_digit();
            let end = rest
                .find(|c: char| c.is_ascii_digit() != digit)
                .unwrap_or(rest.len());
            let (part, tail) = rest.split_at(end);
            rest = tail;
            Some((digit, part))
        })
    }
    let mut a_parts = parts(a);
    let mut b_parts = parts(b);
    loop {
        match (a_parts.next(), b_parts.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some((true, x)), Some((true, y))) => {
                let x = x.trim_start_matches('0');
                let y = y.trim_start_matches('0');
                let order = x.len().cmp(&y.len()).then_with(|| x.cmp(y));
                if order != Ordering::Equal {
                    return order;
                }
            }
            (Some((_, x)), Some((_, y))) => {
                if x != y {
                    return x.cmp(y);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::natural;

    #[test]
    fn natural_order() {
        let mut ids = vec!["CC6.10", "CC6.2", "5.15", "5.9", "A1.2", "CC10.1", "CC6.1"];
        ids.sort_by(|a, b| natural(a, b));
        assert_eq!(
            ids,
            ["5.9", "5.15", "A1.2", "CC6.1", "CC6.2", "CC6.10", "CC10.1"]
        );
        // Annex A ids with their prefix, as the report's framework filter lists them.
        let mut ids = vec!["CC6.10", "A.5.9", "CC6.2", "A.5.15"];
        ids.sort_by(|a, b| natural(a, b));
        assert_eq!(ids, ["A.5.9", "A.5.15", "CC6.2", "CC6.10"]);
    }
}
