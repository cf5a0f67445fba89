//! The changes between two registers as a terminal table, Markdown or the JSON document of
//! `diff --format json`.

use std::io::Write as _;

use schemars::JsonSchema;
use serde::Serialize;

use crate::Format;
use crate::sheets::{self, Sheet};
use crate::text::{Newlines, count, printable};

use super::{Changes, ControlChange, Direction, Exposure, Rated, Rerated, Risk, TreatmentChange};

/// Writes `changes` in `format`: a table `width` characters wide, Markdown or JSON.
pub fn write(
    out: &mut dyn std::io::Write,
    format: Format,
    changes: &Changes<'_>,
    width: usize,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    match format {
        Format::Table => {
            writeln!(out, "{}\n", summary(changes))?;
            out.write_all(sheets::table(&sheets(changes), width).as_bytes())?;
        }
        Format::Md => {
            let mut text = sheets::markdown("Changes between assessments", &sheets(changes));
            let line = crate::register::markdown_cell(&summary(changes));
            text.insert_str(
                text.find('\n').map_or(0, |at| at + 1),
                &format!("\n{line}\n"),
            );
            out.write_all(text.as_bytes())?;
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &document(changes))?;
            out.write_all(b"\n")?;
        }
        _ => return Err(crate::coverage::unsupported(format)),
    }
    out.flush()
}

fn summary(c: &Changes<'_>) -> String {
    let unlisted = if c.compared_controls_and_vendors {
        ""
    } else {
        " (controls and vendors not compared: a register predates their listing)"
    };
    format!(
        "{} as of {} -> as of {}: {} added, {} removed, {} rated higher ({} to a higher level), {} lower; {} changed, {} expired or approved, {}{unlisted}",
        printable(&c.new.organization, Newlines::Replaced),
        printable(&c.old.as_of, Newlines::Replaced),
        printable(&c.new.as_of, Newlines::Replaced),
        count(c.added.len(), "risk"),
        c.removed.len(),
        c.rerated_count(Direction::Up),
        c.increases().count(),
        c.rerated_count(Direction::Down),
        count(c.controls.len(), "control"),
        count(c.treatments.len(), "treatment"),
        count(c.vendors.len(), "new vendor"),
    )
}

fn rated(r: &Rated<'_>) -> String {
    format!("{} ({}x{}={})", r.level, r.likelihood, r.impact, r.score)
}

fn risk_rows<'a>(risks: impl Iterator<Item = &'a Risk<'a>>) -> Vec<Vec<String>> {
    risks
        .map(|r| {
            vec![
                r.id.to_owned(),
                r.threat.to_owned(),
                r.category.to_owned(),
                rated(&r.residual),
            ]
        })
        .collect()
}

fn rerated_row(r: &Rerated<'_>) -> Vec<String> {
    vec![
        r.id.to_owned(),
        r.direction.as_str().to_owned(),
        rated(&r.old),
        rated(&r.new),
    ]
}

fn control_row(c: &ControlChange<'_>) -> Vec<String> {
    vec![
        c.id.to_owned(),
        c.name.to_owned(),
        c.old.unwrap_or("(new)").to_owned(),
        c.new.unwrap_or("(removed)").to_owned(),
    ]
}

fn treatment_row(t: &TreatmentChange<'_>) -> Vec<String> {
    match t {
        TreatmentChange::Expired { risk, expires } => vec![
            (*risk).to_owned(),
            String::from("expired"),
            format!("acceptance expired on {expires}"),
        ],
        TreatmentChange::Approved {
            risk,
            decision,
            by,
            on,
        } => vec![
            (*risk).to_owned(),
            String::from("approved"),
            format!("{decision} approved by {by} on {on}"),
        ],
    }
}

fn sheets(c: &Changes<'_>) -> Vec<Sheet> {
    vec![
        Sheet {
            title: String::from("Risks rated differently"),
            columns: vec!["risk", "direction", "was", "now"],
            rows: c.rerated.iter().map(rerated_row).collect(),
            empty: "no residual rating changed",
        },
        Sheet {
            title: String::from("Risks added"),
            columns: vec!["risk", "threat", "category", "residual"],
            rows: risk_rows(c.added.iter()),
            empty: "no new risks",
        },
        Sheet {
            title: String::from("Risks removed"),
            columns: vec!["risk", "threat", "category", "residual"],
            rows: risk_rows(c.removed.iter()),
            empty: "no risks removed",
        },
        Sheet {
            title: String::from("Controls whose status changed"),
            columns: vec!["control", "name", "was", "now"],
            rows: c.controls.iter().map(control_row).collect(),
            empty: "no control changed status",
        },
        Sheet {
            title: String::from("Treatments expired or approved"),
            columns: vec!["risk", "change", "detail"],
            rows: c.treatments.iter().map(treatment_row).collect(),
            empty: "no treatment expired or was approved",
        },
        Sheet {
            title: String::from("New vendors and their blast radius"),
            columns: vec![
                "vendor",
                "name",
                "criticality",
                "nodes",
                "processes",
                "commitments",
                "through",
            ],
            rows: c
                .vendors
                .iter()
                .map(|v| {
                    vec![
                        v.vendor.id.to_string(),
                        v.vendor.name.to_string(),
                        v.vendor.criticality.to_string(),
                        v.reach.nodes.to_string(),
                        v.reach.processes.to_string(),
                        v.reach.commitments.to_string(),
                        v.through.unwrap_or("").to_owned(),
                    ]
                })
                .collect(),
            empty: "no new vendors",
        },
    ]
}

/// The JSON document of `diff --format json` (version 1): what changed between two registers.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "DiffDocument")]
pub struct DiffDocument<'a> {
    pub schema_version: u32,
    pub old: Side<'a>,
    pub new: Side<'a>,
    /// Risks only the new register has.
    pub added: Vec<RiskEntry<'a>>,
    /// Risks only the old register has.
    pub removed: Vec<RiskEntry<'a>>,
    /// Risks in both whose residual rating changed.
    pub rerated: Vec<RerateEntry<'a>>,
    /// Controls added, removed or whose status changed.
    pub controls: Vec<ControlEntryChange<'a>>,
    /// Treatments that expired or were approved.
    pub treatments: Vec<TreatmentEntry<'a>>,
    /// Vendors only the new register has, with their reach.
    pub new_vendors: Vec<NewVendorEntry<'a>>,
    /// Ids of the risks whose residual level rose.
    pub increases: Vec<&'a str>,
    /// Whether controls and vendors were compared: both registers list them.
    pub compared_controls_and_vendors: bool,
}

/// One of the two registers compared.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Side<'a> {
    pub organization: &'a str,
    pub as_of: &'a str,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RiskEntry<'a> {
    pub id: &'a str,
    /// The threat's name.
    pub threat: &'a str,
    pub category: &'a str,
    pub residual: &'a Rated<'a>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RerateEntry<'a> {
    pub id: &'a str,
    /// `up` or `down`.
    pub direction: &'a str,
    pub level_changed: bool,
    pub old: &'a Rated<'a>,
    pub new: &'a Rated<'a>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ControlEntryChange<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// The old status; null when the control is new.
    pub old: Option<&'a str>,
    /// The new status; null when the control was removed.
    pub new: Option<&'a str>,
}

/// What happened to a treatment.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum TreatmentEntry<'a> {
    Expired {
        risk: &'a str,
        change: Expired,
        expires: &'a str,
    },
    Approved {
        risk: &'a str,
        change: Approved,
        decision: &'a str,
        approved_by: &'a str,
        approved_on: &'a str,
    },
}

/// The acceptance expired since the old assessment.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Expired {
    Expired,
}

/// The treatment was approved, or approved again, since the old assessment.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Approved {
    Approved,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct NewVendorEntry<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub criticality: u8,
    pub reach: Exposure,
    /// The risk with that reach; null when no risk is on the vendor.
    pub through: Option<&'a str>,
}

/// The changes as their JSON document.
pub fn document<'a>(c: &'a Changes<'a>) -> DiffDocument<'a> {
    let risk = |r: &'a Risk<'a>| RiskEntry {
        id: r.id,
        threat: r.threat,
        category: r.category,
        residual: &r.residual,
    };
    DiffDocument {
        schema_version: 1,
        old: Side {
            organization: &c.old.organization,
            as_of: &c.old.as_of,
        },
        new: Side {
            organization: &c.new.organization,
            as_of: &c.new.as_of,
        },
        added: c.added.iter().map(risk).collect(),
        removed: c.removed.iter().map(risk).collect(),
        rerated: c
            .rerated
            .iter()
            .map(|r| RerateEntry {
                id: r.id,
                direction: r.direction.as_str(),
                level_changed: r.level_changed,
                old: &r.old,
                new: &r.new,
            })
            .collect(),
        controls: c
            .controls
            .iter()
            .map(|x| ControlEntryChange {
                id: x.id,
                name: x.name,
                old: x.old,
                new: x.new,
            })
            .collect(),
        treatments: c
            .treatments
            .iter()
            .map(|t| match *t {
                TreatmentChange::Expired { risk, expires } => TreatmentEntry::Expired {
                    risk,
                    change: Expired::Expired,
                    expires,
                },
                TreatmentChange::Approved {
                    risk,
                    decision,
                    by,
                    on,
                } => TreatmentEntry::Approved {
                    risk,
                    change: Approved::Approved,
                    decision,
                    approved_by: by,
                    approved_on: on,
                },
            })
            .collect(),
        new_vendors: c
            .vendors
            .iter()
            .map(|v| NewVendorEntry {
                id: &v.vendor.id,
                name: &v.vendor.name,
                criticality: v.vendor.criticality,
                reach: v.reach,
                through: v.through,
            })
            .collect(),
        increases: c.increases().map(|r| r.id).collect(),
        compared_controls_and_vendors: c.compared_controls_and_vendors,
    }
}
