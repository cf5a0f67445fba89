//! What changed between two registers written by `riskgraph assess --format json`: risks added
//! and removed, residual levels and scores that rose or fell, controls whose status changed,
//! treatments that expired or were approved, and new vendors with their blast radius.
//!
//! The comparison reads the JSON documents, not inventories: a periodic review keeps last
//! quarter's register, not last quarter's spreadsheets. Each register is read into a
//! [`Snapshot`] (`snapshot.rs`), which keeps of each risk only what is compared and shown, streamed
//! from the file (`read.rs`); `write.rs` renders the changes.

mod read;
mod snapshot;
mod write;

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

pub use read::{ReadError, read};
pub use snapshot::{Risk, RiskRows, Snapshot, Treatment};
pub use write::{
    Approved, ControlEntryChange, DiffDocument, Expired, NewVendorEntry, RerateEntry, RiskEntry,
    Side, TreatmentEntry, document, write,
};

use crate::register::{ControlEntry, ExposureView, RatedView, VendorEntry};

/// One side of a risk's rating.
pub type Rated<'a> = RatedView<'a>;
/// A vendor of a register document.
pub type Vendor<'a> = VendorEntry<'a>;
/// A risk's reach.
pub type Exposure = ExposureView;

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
    pub old: Rated<'a>,
    pub new: Rated<'a>,
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
    pub old: &'a Snapshot<'a>,
    pub new: &'a Snapshot<'a>,
    pub added: Vec<Risk<'a>>,
    pub removed: Vec<Risk<'a>>,
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

/// Compares two registers: `old` as read from a file, `new` read or viewed.
pub fn compare<'a>(old: &'a Snapshot<'a>, new: &'a Snapshot<'a>) -> Changes<'a> {
    let old_risks: HashMap<&str, usize> = (0..old.risks.len())
        .map(|index| (old.risks.id(index), index))
        .collect();
    let mut added = Vec::new();
    let mut rerated = Vec::new();
    let mut treatments = Vec::new();
    let mut kept = vec![false; old.risks.len()];
    for risk in new.risks.iter() {
        match old_risks.get(risk.id) {
            None => added.push(risk),
            Some(&index) => {
                kept[index] = true;
                let before = old.risks.get(index);
                rerated.extend(rerate(old, new, &before, &risk));
                treatments.extend(treatment_changes(&before, &risk));
            }
        }
    }
    // A risk is removed when no new risk has its id (an id listed twice is looked up once).
    let removed = old
        .risks
        .iter()
        .filter(|risk| !old_risks.get(risk.id).is_some_and(|&index| kept[index]))
        .collect();
    Changes {
        old,
        new,
        added,
        removed,
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
    old: &Snapshot<'_>,
    new: &Snapshot<'_>,
    before: &Risk<'a>,
    risk: &Risk<'a>,
) -> Option<Rerated<'a>> {
    let (a, b) = (&before.residual, &risk.residual);
    let rank =
        |snapshot: &Snapshot<'_>, name: &str| snapshot.levels.iter().position(|l| l.name == name);
    let ranks = match (rank(old, &a.level), rank(new, &b.level)) {
        (Some(x), Some(y)) if old.levels.len() == new.levels.len() => Some((x, y)),
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
        id: risk.id,
        old: a.clone(),
        new: b.clone(),
        direction,
        level_changed,
    })
}

/// An acceptance that expired since, and an approval given since.
fn treatment_changes<'a>(before: &Risk<'a>, risk: &Risk<'a>) -> Vec<TreatmentChange<'a>> {
    let mut changes = Vec::new();
    if risk.acceptance_expired && !before.acceptance_expired {
        changes.push(TreatmentChange::Expired {
            risk: risk.id,
            expires: risk.treatment.expires,
        });
    }
    let t = &risk.treatment;
    if !t.approved_on.is_empty() && t.approved_on != before.treatment.approved_on {
        changes.push(TreatmentChange::Approved {
            risk: risk.id,
            decision: t.decision,
            by: t.approved_by,
            on: t.approved_on,
        });
    }
    changes
}

/// Controls whose status changed, new ones (in the new register's order), then removed ones.
fn control_changes<'a>(old: &'a Snapshot<'a>, new: &'a Snapshot<'a>) -> Vec<ControlChange<'a>> {
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
fn new_vendors<'a>(old: &'a Snapshot<'a>, new: &'a Snapshot<'a>) -> Vec<NewVendor<'a>> {
    let (Some(before), Some(after)) = (&old.vendors, &new.vendors) else {
        return Vec::new();
    };
    let known: HashSet<&str> = before.iter().map(|v| v.id.as_ref()).collect();
    // The widest risk on each vendor, in one pass over the register.
    let mut widest: HashMap<&str, (Exposure, &str)> = HashMap::new();
    for risk in new.risks.iter() {
        let Some(vendor) = risk.vendor else { continue };
        widest
            .entry(vendor)
            .and_modify(|best| {
                if best.0 < risk.exposure {
                    *best = (risk.exposure, risk.id);
                }
            })
            .or_insert((risk.exposure, risk.id));
    }
    after
        .iter()
        .filter(|v| !known.contains(v.id.as_ref()))
        .map(|vendor| {
            let widest = widest.get(vendor.id.as_ref()).copied();
            NewVendor {
                vendor,
                reach: widest.map(|(reach, _)| reach).unwrap_or_default(),
                through: widest.map(|(_, id)| id),
            }
        })
        .collect()
}
