//! What changed between two registers written by `riskgraph assess --format json`: risks added
//! and removed, residual levels and scores that rose or fell, controls whose status changed,
//! treatments that expired or were approved, and new vendors with their blast radius.
//!
//! The comparison reads the JSON documents, not inventories: a periodic review keeps last
//! quarter's register, not last quarter's spreadsheets.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use std::io::Write as _;

use schemars::JsonSchema;
use serde::Serialize;

use crate::Format;
use riskgraph_engine::assess::FindingCode;

use crate::register::{
    ControlEntry, ExposureView, OwnedDocument, RatedView, RiskView, SCHEMA_VERSION, VendorEntry,
};
use crate::sheets::{self, Sheet};
use crate::text::{Newlines, count, printable};

/// A register document, read from a file or viewed from an assessment.
pub type Document<'a> = crate::register::Document<'a>;
/// A risk of a register document.
pub type Risk<'a> = RiskView<'a>;
/// One side of a risk's rating.
pub type Rated<'a> = RatedView<'a>;
/// A vendor of a register document.
pub type Vendor<'a> = VendorEntry<'a>;
/// A risk's reach.
pub type Exposure = ExposureView;

/// Why a file is not a register `diff` can compare.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path}:{line}:{column}: not a register: {source}; `riskgraph diff` compares outputs of `riskgraph assess --format json`"
    )]
    NotARegister {
        path: String,
        line: usize,
        column: usize,
        source: serde_json::Error,
    },
    #[error(
        "{path}: register schema version {found} (this riskgraph reads version {SCHEMA_VERSION}); assess the inventory again with this version"
    )]
    Version { path: String, found: u32 },
    #[error(
        "{path} lists {shown} of its {risks} risks (written with `--only`); compare full registers"
    )]
    Partial {
        path: String,
        shown: usize,
        risks: usize,
    },
}

/// Reads a register document, or says what is wrong with the file.
pub fn read(path: &Path) -> Result<OwnedDocument, ReadError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io {
        path: shown.clone(),
        source,
    })?;
    let document: OwnedDocument =
        serde_json::from_str(&text).map_err(|source| ReadError::NotARegister {
            path: shown.clone(),
            line: source.line(),
            column: source.column(),
            source,
        })?;
    if document.schema_version != SCHEMA_VERSION {
        return Err(ReadError::Version {
            path: shown,
            found: document.schema_version,
        });
    }
    if document.summary.shown != document.summary.risks {
        return Err(ReadError::Partial {
            path: shown,
            shown: document.summary.shown,
            risks: document.summary.risks,
        });
    }
    Ok(document)
}

/// Which way a risk moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
        }
    }
}

/// A risk in both registers whose residual rating changed.
#[derive(Debug, Clone)]
pub struct Rerated<'a> {
    pub id: &'a str,
    pub old: &'a Rated<'a>,
    pub new: &'a Rated<'a>,
    pub direction: Direction,
    /// Whether the residual level changed (else only the score did).
    pub level_changed: bool,
}

/// A control added, removed or whose status changed.
#[derive(Debug, Clone)]
pub struct ControlChange<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// `None` when the control is new.
    pub old: Option<&'a str>,
    /// `None` when the control was removed.
    pub new: Option<&'a str>,
}

/// What happened to a risk's treatment.
#[derive(Debug, Clone)]
pub enum TreatmentChange<'a> {
    /// The acceptance expired since the old assessment (a new `acceptance-expired` finding).
    Expired { risk: &'a str, expires: &'a str },
    /// The treatment was approved, or approved again, since the old assessment.
    Approved {
        risk: &'a str,
        decision: &'a str,
        by: &'a str,
        on: &'a str,
    },
}

/// A vendor the new register has and the old one does not, with the widest reach of the risks
/// on it: its blast radius as the register counts it.
#[derive(Debug, Clone)]
pub struct NewVendor<'a> {
    pub vendor: &'a Vendor<'a>,
    pub reach: Exposure,
    /// The risk with that reach; `None` when no risk is on the vendor.
    pub through: Option<&'a str>,
}

/// Everything that changed, each list in the new register's order (removed risks and controls
/// in the old one's).
#[derive(Debug)]
pub struct Changes<'a> {
    pub old: &'a Document<'a>,
    pub new: &'a Document<'a>,
    pub added: Vec<&'a Risk<'a>>,
    pub removed: Vec<&'a Risk<'a>>,
    pub rerated: Vec<Rerated<'a>>,
    pub controls: Vec<ControlChange<'a>>,
    pub treatments: Vec<TreatmentChange<'a>>,
    pub vendors: Vec<NewVendor<'a>>,
    /// Whether controls and vendors were compared: both registers list them.
    pub compared_controls_and_vendors: bool,
}

impl Changes<'_> {
    /// The risks whose residual level rose.
    pub fn increases(&self) -> impl Iterator<Item = &Rerated<'_>> {
        self.rerated
            .iter()
            .filter(|r| r.level_changed && r.direction == Direction::Up)
    }

    /// How many risks were rated differently in `direction`.
    pub fn rerated_count(&self, direction: Direction) -> usize {
        self.rerated
            .iter()
            .filter(|r| r.direction == direction)
            .count()
    }
}

/// Compares two registers.
/// Compares two register documents: `old` as read from a file, `new` read or viewed.
pub fn compare<'a>(old: &'a Document<'a>, new: &'a Document<'a>) -> Changes<'a> {
    let old_risks: HashMap<&str, &Risk<'a>> =
        old.risks.iter().map(|r| (r.id.as_ref(), r)).collect();
    let new_ids: HashSet<&str> = new.risks.iter().map(|r| r.id.as_ref()).collect();
    let mut added = Vec::new();
    let mut rerated = Vec::new();
    let mut treatments = Vec::new();
    for risk in &new.risks {
        match old_risks.get(risk.id.as_ref()) {
            None => added.push(risk),
            Some(before) => {
                rerated.extend(rerate(old, new, before, risk));
                treatments.extend(treatment_changes(before, risk));
            }
        }
    }
    Changes {
        old,
        new,
        added,
        removed: old
            .risks
            .iter()
            .filter(|r| !new_ids.contains(r.id.as_ref()))
            .collect(),
        rerated,
        controls: control_changes(old, new),
        treatments,
        vendors: new_vendors(old, new),
        compared_controls_and_vendors: old.controls.is_some()
            && new.controls.is_some()
            && old.vendors.is_some()
            && new.vendors.is_some(),
    }
}

/// How the residual rating of a risk in both registers moved, if it did. Each level ranks in its
/// own register's method, so a renamed level keeps its place; when the methods have different
/// numbers of levels, or a name is unknown, the score decides.
fn rerate<'a>(
    old: &Document<'_>,
    new: &Document<'_>,
    before: &'a Risk<'a>,
    risk: &'a Risk<'a>,
) -> Option<Rerated<'a>> {
    let (a, b) = (&before.residual, &risk.residual);
    let rank =
        |doc: &Document<'_>, name: &str| doc.method.levels.iter().position(|l| l.name == name);
    let ranks = match (rank(old, &a.level), rank(new, &b.level)) {
        (Some(x), Some(y)) if old.method.levels.len() == new.method.levels.len() => Some((x, y)),
        _ => None,
    };
    let by_level = ranks.map_or(Ordering::Equal, |(x, y)| x.cmp(&y));
    let direction = match by_level.then(a.score.cmp(&b.score)) {
        Ordering::Less => Direction::Up,
        Ordering::Greater => Direction::Down,
        Ordering::Equal => return None,
    };
    let level_changed = ranks.map_or(a.level != b.level, |(x, y)| x != y);
    Some(Rerated {
        id: &risk.id,
        old: a,
        new: b,
        direction,
        level_changed,
    })
}

/// An acceptance that expired since, and an approval given since.
fn treatment_changes<'a>(before: &'a Risk<'a>, risk: &'a Risk<'a>) -> Vec<TreatmentChange<'a>> {
    let mut changes = Vec::new();
    let expired = |r: &Risk<'_>| {
        r.findings
            .iter()
            .any(|f| f.code == FindingCode::AcceptanceExpired)
    };
    if expired(risk) && !expired(before) {
        changes.push(TreatmentChange::Expired {
            risk: &risk.id,
            expires: &risk.treatment.expires,
        });
    }
    let t = &risk.treatment;
    if !t.approved_on.is_empty() && t.approved_on != before.treatment.approved_on {
        changes.push(TreatmentChange::Approved {
            risk: &risk.id,
            decision: &t.decision,
            by: &t.approved_by,
            on: &t.approved_on,
        });
    }
    changes
}

/// Controls whose status changed, new ones (in the new register's order), then removed ones.
fn control_changes<'a>(old: &'a Document<'a>, new: &'a Document<'a>) -> Vec<ControlChange<'a>> {
    let (Some(old), Some(new)) = (&old.controls, &new.controls) else {
        return Vec::new();
    };
    let before: HashMap<&str, &ControlEntry<'a>> = old.iter().map(|c| (c.id.as_ref(), c)).collect();
    let after: HashSet<&str> = new.iter().map(|c| c.id.as_ref()).collect();
    let mut controls = Vec::new();
    for control in new {
        match before.get(control.id.as_ref()).copied() {
            Some(before) if before.status == control.status => {}
            before => controls.push(ControlChange {
                id: &control.id,
                name: &control.name,
                old: before.map(|c| c.status.as_ref()),
                new: Some(&control.status),
            }),
        }
    }
    for control in old {
        if !after.contains(control.id.as_ref()) {
            controls.push(ControlChange {
                id: &control.id,
                name: &control.name,
                old: Some(&control.status),
                new: None,
            });
        }
    }
    controls
}

/// The vendors only the new register has, each with the widest reach of the risks on it (the
/// first risk in register order among equals).
fn new_vendors<'a>(old: &'a Document<'a>, new: &'a Document<'a>) -> Vec<NewVendor<'a>> {
    let (Some(before), Some(after)) = (&old.vendors, &new.vendors) else {
        return Vec::new();
    };
    let known: HashSet<&str> = before.iter().map(|v| v.id.as_ref()).collect();
    // The widest risk on each vendor, in one pass over the register.
    let mut widest: HashMap<&str, &Risk<'a>> = HashMap::new();
    for risk in new.risks.iter().filter(|r| r.node.kind == "vendor") {
        widest
            .entry(risk.node.id.as_ref())
            .and_modify(|best| {
                if best.exposure < risk.exposure {
                    *best = risk;
                }
            })
            .or_insert(risk);
    }
    after
        .iter()
        .filter(|v| !known.contains(v.id.as_ref()))
        .map(|vendor| {
            let widest = widest.get(vendor.id.as_ref()).copied();
            NewVendor {
                vendor,
                reach: widest.map(|r| r.exposure).unwrap_or_default(),
                through: widest.map(|r| r.id.as_ref()),
            }
        })
        .collect()
}

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
        c.rerated_count(crate::diff::Direction::Up),
        c.increases().count(),
        c.rerated_count(crate::diff::Direction::Down),
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
                r.id.to_string(),
                r.threat.name.to_string(),
                r.threat.category.to_string(),
                rated(&r.residual),
            ]
        })
        .collect()
}

fn rerated_row(r: &Rerated<'_>) -> Vec<String> {
    vec![
        r.id.to_owned(),
        r.direction.as_str().to_owned(),
        rated(r.old),
        rated(r.new),
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
            rows: risk_rows(c.added.iter().copied()),
            empty: "no new risks",
        },
        Sheet {
            title: String::from("Risks removed"),
            columns: vec!["risk", "threat", "category", "residual"],
            rows: risk_rows(c.removed.iter().copied()),
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
    let risk = |r: &&'a Risk<'a>| RiskEntry {
        id: &r.id,
        threat: &r.threat.name,
        category: &r.threat.category,
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
                old: r.old,
                new: r.new,
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
