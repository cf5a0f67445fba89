//! The register as a versioned JSON document (see the README's "Assessment JSON" section).

use std::io::Write;

use serde::{Serialize, Serializer};

use super::{Checksum, Register, SCHEMA_VERSION};
use riskgraph_model::NodeDetail;
use riskgraph_model::manifest::Level;
use riskgraph_model::vocabulary::Vocabulary;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    tool: Tool,
    organization: &'a str,
    scope: Option<&'a str>,
    as_of: String,
    method: Method<'a>,
    inputs: &'a [Checksum],
    rules: &'a [Checksum],
    summary: Summary<'a>,
    matrix: Matrix,
    /// Every control of `controls.csv`, for comparing assessments (`riskgraph diff`).
    controls: Vec<ControlEntry<'a>>,
    /// Every vendor, for the same.
    vendors: Vec<VendorEntry<'a>>,
    risks: Risks<'a, 'a>,
}

#[derive(Serialize)]
struct ControlEntry<'a> {
    id: &'a str,
    name: &'a str,
    status: &'static str,
    owner: &'a str,
    due: String,
    last_tested: String,
}

#[derive(Serialize)]
struct VendorEntry<'a> {
    id: &'a str,
    name: &'a str,
    /// 1..5; 0 when empty.
    criticality: u8,
    in_scope: bool,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Method<'a> {
    scale: u8,
    appetite: &'a str,
    levels: &'a [Level],
    grid: Option<&'a [Vec<String>]>,
}

#[derive(Serialize)]
struct Summary<'a> {
    risks: usize,
    /// Risks listed in `risks` (fewer than `risks` with `--only`).
    shown: usize,
    above_appetite: usize,
    review_overdue: usize,
    with_findings: usize,
    inherent: Levels<'a>,
    residual: Levels<'a>,
}

/// Counts by level name, lowest level first.
struct Levels<'a>(Vec<(&'a str, u64)>);

impl Serialize for Levels<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, count)| (name, count)))
    }
}

#[derive(Serialize)]
struct Matrix {
    /// How to read the cells.
    layout: &'static str,
    inherent: Vec<Vec<u64>>,
    residual: Vec<Vec<u64>>,
}

/// The risks, each rendered as it is written, so a register of a million risks is never held
/// as JSON values in memory.
struct Risks<'r, 'a>(&'r Register<'a>);

impl Serialize for Risks<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.shown.iter().map(|risk| self.0.view(risk)))
    }
}

/// Writes the register as pretty-printed JSON, ending with a newline.
pub fn write_json(out: &mut impl Write, register: &Register<'_>) -> std::io::Result<()> {
    let manifest = &register.inventory.manifest;
    let document = Document {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "riskgraph",
            version: env!("CARGO_PKG_VERSION"),
        },
        organization: &manifest.organization,
        scope: manifest.scope_statement.as_deref(),
        as_of: register.assessment.as_of.to_string(),
        method: Method {
            scale: manifest.scale,
            appetite: &manifest.appetite,
            levels: &manifest.levels,
            grid: manifest.grid.as_deref(),
        },
        inputs: &register.inputs,
        rules: &register.rules,
        summary: Summary {
            risks: register.assessment.risks.len(),
            shown: register.shown.len(),
            above_appetite: register.above_appetite(),
            review_overdue: register.overdue(),
            with_findings: register.with_findings(),
            inherent: Levels(register.by_level(false)),
            residual: Levels(register.by_level(true)),
        },
        matrix: Matrix {
            layout: "rows are likelihood from the scale down to 1, columns impact from 1 up",
            inherent: register.matrix(false),
            residual: register.matrix(true),
        },
        controls: register
            .inventory
            .controls
            .iter()
            .map(|control| ControlEntry {
                id: control.id.as_str(),
                name: &control.name,
                status: control.status.as_str(),
                owner: control.owner.as_deref().unwrap_or(""),
                due: control.due.map(|d| d.to_string()).unwrap_or_default(),
                last_tested: control
                    .last_tested
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            })
            .collect(),
        vendors: register
            .inventory
            .nodes
            .iter()
            .filter_map(|node| match &node.detail {
                NodeDetail::Vendor(vendor) => Some(VendorEntry {
                    id: node.id.as_str(),
                    name: &node.name,
                    criticality: vendor
                        .criticality
                        .map_or(0, riskgraph_model::values::Rating::get),
                    in_scope: node.in_scope,
                }),
                _ => None,
            })
            .collect(),
        risks: Risks(register),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}
