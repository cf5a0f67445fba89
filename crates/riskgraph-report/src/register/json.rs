//! The register document: the versioned JSON that `assess --format json` writes and `diff` and
//! `report --previous` read (see the README's "Assessment JSON" section).
//!
//! One set of types does both: text is `Cow`, borrowed from the assessment when writing and owned
//! when reading. Writing streams the risks one by one ([`Risks`]), so a register of a million
//! risks is never held as a document in memory.

use std::borrow::Cow;
use std::io::Write;

use riskgraph_model::NodeDetail;
use riskgraph_model::manifest::Level;
use riskgraph_model::vocabulary::Vocabulary;
use schemars::JsonSchema;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Checksum, Register, RiskView, SCHEMA_VERSION};

/// A register document. `R` is how its risks are held: a list when read, a stream of the
/// assessment's risks when written.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Document<'a, R = Vec<RiskView<'a>>> {
    pub schema_version: u32,
    pub tool: Tool<'a>,
    pub organization: Cow<'a, str>,
    pub scope: Option<Cow<'a, str>>,
    pub as_of: Cow<'a, str>,
    pub method: Method<'a>,
    pub inputs: Cow<'a, [Checksum]>,
    pub rules: Cow<'a, [Checksum]>,
    pub summary: Summary<'a>,
    pub matrix: Matrix<'a>,
    /// Every control of `controls.csv`, for comparing assessments (`riskgraph diff`); absent in
    /// registers written before controls were listed.
    #[serde(default)]
    pub controls: Option<Vec<ControlEntry<'a>>>,
    /// Every vendor, for the same.
    #[serde(default)]
    pub vendors: Option<Vec<VendorEntry<'a>>>,
    pub risks: R,
}

/// A register document as read from a file.
pub type OwnedDocument = Document<'static>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ControlEntry<'a> {
    pub id: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub status: Cow<'a, str>,
    pub owner: Cow<'a, str>,
    pub due: String,
    pub last_tested: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VendorEntry<'a> {
    pub id: Cow<'a, str>,
    pub name: Cow<'a, str>,
    /// 1..5; 0 when empty.
    pub criticality: u8,
    pub in_scope: bool,
}

/// The program that wrote a document, and its version.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Tool<'a> {
    pub name: Cow<'a, str>,
    pub version: Cow<'a, str>,
}

impl Tool<'static> {
    /// This riskgraph.
    pub fn riskgraph() -> Self {
        Self {
            name: Cow::Borrowed("riskgraph"),
            version: Cow::Borrowed(env!("CARGO_PKG_VERSION")),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Method<'a> {
    pub scale: u8,
    pub appetite: Cow<'a, str>,
    pub levels: Cow<'a, [Level]>,
    pub grid: Option<Cow<'a, [Vec<String>]>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Summary<'a> {
    pub risks: usize,
    /// Risks listed in `risks` (fewer than `risks` with `--only`).
    pub shown: usize,
    pub above_appetite: usize,
    pub review_overdue: usize,
    pub with_findings: usize,
    pub inherent: Levels<'a>,
    pub residual: Levels<'a>,
}

/// Counts by level name, lowest level first: a JSON object whose keys keep that order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Levels<'a>(pub Vec<(Cow<'a, str>, u64)>);

impl Serialize for Levels<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, count) in &self.0 {
            map.serialize_entry(name, count)?;
        }
        map.end()
    }
}

impl JsonSchema for Levels<'_> {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("Levels")
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Counts by level name, lowest level first.",
            "type": "object",
            "additionalProperties": { "type": "integer", "minimum": 0 }
        })
    }
}

impl<'de> Deserialize<'de> for Levels<'_> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder<'a>(std::marker::PhantomData<Levels<'a>>);
        impl<'de, 'a> Visitor<'de> for InOrder<'a> {
            type Value = Levels<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("counts by level name")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut levels = Vec::new();
                while let Some((name, count)) = map.next_entry::<String, u64>()? {
                    levels.push((Cow::Owned(name), count));
                }
                Ok(Levels(levels))
            }
        }
        deserializer.deserialize_map(InOrder(std::marker::PhantomData))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Matrix<'a> {
    /// How to read the cells.
    pub layout: Cow<'a, str>,
    pub inherent: Vec<Vec<u64>>,
    pub residual: Vec<Vec<u64>>,
}

/// The risks of a register, each viewed as it is written.
pub struct Risks<'r, 'a>(&'r Register<'a>);

impl Serialize for Risks<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.shown.iter().map(|risk| self.0.view(risk)))
    }
}

impl<'a> Register<'a> {
    /// The register as a document whose risks are held by `risks`.
    pub fn document<R>(&self, risks: R) -> Document<'a, R> {
        let manifest = &self.inventory.manifest;
        Document {
            schema_version: SCHEMA_VERSION,
            tool: Tool::riskgraph(),
            organization: Cow::Borrowed(&manifest.organization),
            scope: manifest.scope_statement.as_deref().map(Cow::Borrowed),
            as_of: Cow::Owned(self.assessment.as_of.to_string()),
            method: Method {
                scale: manifest.scale,
                appetite: Cow::Borrowed(&manifest.appetite),
                levels: Cow::Borrowed(&manifest.levels),
                grid: manifest.grid.as_deref().map(Cow::Borrowed),
            },
            inputs: Cow::Owned(self.inputs.clone()),
            rules: Cow::Owned(self.rules.clone()),
            summary: Summary {
                risks: self.assessment.risks.len(),
                shown: self.shown.len(),
                above_appetite: self.above_appetite(),
                review_overdue: self.overdue(),
                with_findings: self.with_findings(),
                inherent: levels(self.by_level(false)),
                residual: levels(self.by_level(true)),
            },
            matrix: Matrix {
                layout: Cow::Borrowed(
                    "rows are likelihood from the scale down to 1, columns impact from 1 up",
                ),
                inherent: self.matrix(false),
                residual: self.matrix(true),
            },
            controls: Some(self.controls()),
            vendors: Some(self.vendors()),
            risks,
        }
    }

    /// The register as a document holding the views of its listed risks, as `diff` reads one.
    pub fn to_document(&self) -> Document<'_> {
        self.document(self.shown.iter().map(|risk| self.view(risk)).collect())
    }

    fn controls(&self) -> Vec<ControlEntry<'a>> {
        self.inventory
            .controls
            .iter()
            .map(|control| ControlEntry {
                id: Cow::Borrowed(control.id.as_str()),
                name: Cow::Borrowed(&control.name),
                status: Cow::Borrowed(control.status.as_str()),
                owner: Cow::Borrowed(control.owner.as_deref().unwrap_or("")),
                due: control.due.map(|d| d.to_string()).unwrap_or_default(),
                last_tested: control
                    .last_tested
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            })
            .collect()
    }

    fn vendors(&self) -> Vec<VendorEntry<'a>> {
        self.inventory
            .nodes
            .iter()
            .filter_map(|node| match &node.detail {
                NodeDetail::Vendor(vendor) => Some(VendorEntry {
                    id: Cow::Borrowed(node.id.as_str()),
                    name: Cow::Borrowed(&node.name),
                    criticality: vendor
                        .criticality
                        .map_or(0, riskgraph_model::values::Rating::get),
                    in_scope: node.in_scope,
                }),
                _ => None,
            })
            .collect()
    }
}

fn levels(counts: Vec<(&str, u64)>) -> Levels<'_> {
    Levels(
        counts
            .into_iter()
            .map(|(name, count)| (Cow::Borrowed(name), count))
            .collect(),
    )
}

/// Writes the register as pretty-printed JSON, ending with a newline, streaming its risks.
pub fn write_json(out: &mut impl Write, register: &Register<'_>) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &register.document(Risks(register)))?;
    out.write_all(b"\n")
}
