//! A register as `diff` compares it: the document's header (organization, date, method, controls
//! and vendors) and, per risk, only what the comparison and its outputs use, in compact rows.
//!
//! A register of a million risks read as typed views ([`crate::register::RiskView`]) took about
//! 2 KB of memory a risk: twenty owned strings each, most of them repeated from risk to risk. Here a risk is
//! one row of numbers: its id is a stretch of one text shared by all ids, and the strings that
//! repeat (threat names, categories, levels, treatment fields, vendor ids) are interned once per
//! register. The risks are read one at a time from the document's `risks` array and folded into
//! rows as they come, so the whole list of views never exists.

use std::borrow::Cow;
use std::collections::HashMap;

use riskgraph_engine::assess::FindingCode;
use riskgraph_model::manifest::Level;
use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::register::{ControlEntry, ExposureView, RatedView, RiskView, VendorEntry};

/// A register, read from a file or viewed from an assessment, as `diff` compares it.
#[derive(Debug)]
pub struct Snapshot<'a> {
    pub organization: Cow<'a, str>,
    pub as_of: Cow<'a, str>,
    /// The method's levels, lowest first.
    pub levels: Cow<'a, [Level]>,
    /// Every control, when the register lists them.
    pub controls: Option<Vec<ControlEntry<'a>>>,
    /// Every vendor, when the register lists them.
    pub vendors: Option<Vec<VendorEntry<'a>>>,
    pub risks: RiskRows,
}

/// The risks of a register in its order, one compact row each.
#[derive(Debug, Default)]
pub struct RiskRows {
    /// Every risk id, one after the other; a row keeps where its id ends.
    ids: String,
    strings: Interned,
    rows: Vec<Row>,
}

/// One risk, as the diff sees it.
#[derive(Debug, Clone)]
pub struct Risk<'a> {
    pub id: &'a str,
    /// The threat's name.
    pub threat: &'a str,
    pub category: &'a str,
    pub residual: RatedView<'a>,
    pub exposure: ExposureView,
    /// The node's id when the node is a vendor.
    pub vendor: Option<&'a str>,
    /// Whether the risk has an `acceptance-expired` finding.
    pub acceptance_expired: bool,
    pub treatment: Treatment<'a>,
}

/// The parts of a risk's treatment the diff reports.
#[derive(Debug, Clone, Copy)]
pub struct Treatment<'a> {
    pub decision: &'a str,
    pub approved_by: &'a str,
    pub approved_on: &'a str,
    pub expires: &'a str,
}

/// An interned string: its index in [`Interned::texts`].
type Symbol = u32;

/// No vendor: the row's node is not a vendor.
const NO_VENDOR: Symbol = Symbol::MAX;

/// A risk's row: 72 bytes, whatever its text.
#[derive(Debug, Clone, Copy)]
struct Row {
    /// Where the risk's id ends in [`RiskRows::ids`]; it starts where the previous row's ends.
    id_end: usize,
    threat: Symbol,
    category: Symbol,
    likelihood: u32,
    impact: u32,
    score: u32,
    level: Symbol,
    exposure: ExposureView,
    vendor: Symbol,
    decision: Symbol,
    approved_by: Symbol,
    approved_on: Symbol,
    expires: Symbol,
    acceptance_expired: bool,
}

const _: () = assert!(std::mem::size_of::<Row>() == 72);

/// Strings kept once each, numbered in the order they first came.
#[derive(Debug, Default)]
struct Interned {
    texts: Vec<Box<str>>,
    numbers: HashMap<Box<str>, Symbol>,
}

impl Interned {
    fn intern(&mut self, text: &str) -> Symbol {
        if let Some(&symbol) = self.numbers.get(text) {
            return symbol;
        }
        // A row adds at most seven strings, so four billion of them would take 40 GB of rows
        // before this could fail.
        let symbol = Symbol::try_from(self.texts.len())
            .ok()
            .filter(|&s| s != NO_VENDOR)
            .expect("fewer than four billion distinct strings in a register");
        self.texts.push(text.into());
        self.numbers.insert(text.into(), symbol);
        symbol
    }

    fn get(&self, symbol: Symbol) -> &str {
        &self.texts[symbol as usize]
    }
}

impl RiskRows {
    /// How many risks there are.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The risk at `index`, in register order.
    pub fn get(&self, index: usize) -> Risk<'_> {
        let row = &self.rows[index];
        let start = index
            .checked_sub(1)
            .map_or(0, |before| self.rows[before].id_end);
        let text = |symbol| self.strings.get(symbol);
        Risk {
            id: &self.ids[start..row.id_end],
            threat: text(row.threat),
            category: text(row.category),
            residual: RatedView {
                likelihood: row.likelihood,
                impact: row.impact,
                score: row.score,
                level: Cow::Borrowed(text(row.level)),
            },
            exposure: row.exposure,
            vendor: (row.vendor != NO_VENDOR).then(|| text(row.vendor)),
            acceptance_expired: row.acceptance_expired,
            treatment: Treatment {
                decision: text(row.decision),
                approved_by: text(row.approved_by),
                approved_on: text(row.approved_on),
                expires: text(row.expires),
            },
        }
    }

    /// The risks in register order.
    pub fn iter(&self) -> impl Iterator<Item = Risk<'_>> {
        (0..self.rows.len()).map(|index| self.get(index))
    }

    /// Only the id of the risk at `index`, without looking at the rest of its row.
    pub fn id(&self, index: usize) -> &str {
        let start = index
            .checked_sub(1)
            .map_or(0, |before| self.rows[before].id_end);
        &self.ids[start..self.rows[index].id_end]
    }

    /// Adds a risk after the others, keeping what the diff needs of it.
    pub fn push(&mut self, risk: &RiskView<'_>) {
        self.ids.push_str(&risk.id);
        let strings = &mut self.strings;
        let row = Row {
            id_end: self.ids.len(),
            threat: strings.intern(&risk.threat.name),
            category: strings.intern(&risk.threat.category),
            likelihood: risk.residual.likelihood,
            impact: risk.residual.impact,
            score: risk.residual.score,
            level: strings.intern(&risk.residual.level),
            exposure: risk.exposure,
            vendor: if risk.node.kind == "vendor" {
                strings.intern(&risk.node.id)
            } else {
                NO_VENDOR
            },
            decision: strings.intern(&risk.treatment.decision),
            approved_by: strings.intern(&risk.treatment.approved_by),
            approved_on: strings.intern(&risk.treatment.approved_on),
            expires: strings.intern(&risk.treatment.expires),
            acceptance_expired: risk
                .findings
                .iter()
                .any(|f| f.code == FindingCode::AcceptanceExpired),
        };
        self.rows.push(row);
    }
}

/// The `risks` array of a register document, read one risk at a time. Each element is read as the
/// full typed view, so a malformed risk fails with the error reading the document as a list of
/// views gives (the same message, line and column), and is then folded into a row and dropped.
impl<'de> Deserialize<'de> for RiskRows {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneByOne;
        impl<'de> Visitor<'de> for OneByOne {
            type Value = RiskRows;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                // What serde says of a `Vec`, so errors read as they did.
                f.write_str("a sequence")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RiskRows, A::Error> {
                let mut rows = RiskRows::default();
                while let Some(risk) = seq.next_element::<RiskView<'_>>()? {
                    rows.push(&risk);
                }
                Ok(rows)
            }
        }
        deserializer.deserialize_seq(OneByOne)
    }
}

impl<'a> Snapshot<'a> {
    /// The register `register` writes as its document, as `report --previous` compares it with an
    /// earlier one.
    pub fn of(register: &crate::register::Register<'a>) -> Self {
        let document = register.document(());
        let mut risks = RiskRows::default();
        for risk in &register.shown {
            risks.push(&register.view(risk));
        }
        Self {
            organization: document.organization,
            as_of: document.as_of,
            levels: document.method.levels,
            controls: document.controls,
            vendors: document.vendors,
            risks,
        }
    }
}
