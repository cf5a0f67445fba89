//! `riskgraph soa`: the ISO 27001 Statement of Applicability, in every format.

use std::io::Write;

use riskgraph_engine::assess::Assessment;
use riskgraph_engine::compliance::{SoaEntry, SoaSource};
use riskgraph_model::Inventory;
use schemars::JsonSchema;
use serde::Serialize;

use crate::Format;
use crate::register::Tool;
use crate::sheets::{self, Sheet};
use crate::text::{Newlines, printable};
use crate::xlsx;

/// Writes the Statement of Applicability `entries` of `assessment` in `format`; tables are
/// `width` characters wide.
pub fn write(
    out: &mut dyn Write,
    format: Format,
    inventory: &Inventory,
    assessment: &Assessment,
    entries: &[SoaEntry],
    width: usize,
) -> std::io::Result<()> {
    let sheet = sheet(inventory, entries);
    let summary = summary(entries);
    let organization = printable(&inventory.manifest.organization, Newlines::Replaced);
    let heading = format!("Statement of Applicability: {organization}");
    let mut out = std::io::BufWriter::new(out);
    match format {
        Format::Table => {
            writeln!(out, "{heading}, as of {}", assessment.as_of)?;
            if let Some(scope) = &inventory.manifest.scope_statement {
                writeln!(out, "Scope: {}", printable(scope, Newlines::Replaced))?;
            }
            writeln!(out, "{summary}\n")?;
            out.write_all(sheets::table(std::slice::from_ref(&sheet), width).as_bytes())?;
        }
        Format::Md => {
            let mut text = sheets::markdown(&heading, std::slice::from_ref(&sheet));
            let mut preface = format!("\nAs of {}. {summary}\n", assessment.as_of);
            if let Some(scope) = &inventory.manifest.scope_statement {
                let scope = crate::register::markdown_cell(scope);
                preface = format!("{preface}\nScope: {scope}\n");
            }
            text.insert_str(text.find('\n').map_or(0, |at| at + 1), &preface);
            out.write_all(text.as_bytes())?;
        }
        Format::Csv => sheets::write_csv(&mut out, &sheet)?,
        Format::Xlsx => {
            let levels: Vec<&str> = Vec::new();
            let tab = xlsx::Tab::of("Statement of Applicability", &sheet, Vec::new());
            out.write_all(
                &xlsx::workbook(&[tab], &levels, assessment.as_of).map_err(xlsx::to_io)?,
            )?;
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &document(inventory, assessment, entries))?;
            out.write_all(b"\n")?;
        }
        Format::Tree | Format::Html | Format::Dot | Format::Sarif => {
            return Err(crate::coverage::unsupported(format));
        }
    }
    out.flush()
}

/// The JSON document of `soa --format json` (version 1): every Annex A control, whether it
/// applies and why, and what implements it.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "SoaDocument")]
pub struct Document<'a> {
    pub schema_version: u32,
    pub tool: Tool<'a>,
    pub organization: &'a str,
    /// The manifest's scope statement.
    pub scope: Option<&'a str>,
    /// The assessment date, `YYYY-MM-DD`.
    pub as_of: String,
    pub controls: Vec<Entry<'a>>,
}

/// One Annex A control of the Statement of Applicability.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "SoaEntry")]
pub struct Entry<'a> {
    pub id: &'a str,
    pub theme: &'a str,
    pub title: &'a str,
    pub applicable: bool,
    /// `soa.csv`, `controls` or `default`.
    pub decided_by: &'a str,
    pub justification: &'a str,
    pub status: &'a str,
    /// Ids of the controls of `controls.csv` that cite it.
    pub implemented_by: Vec<&'a str>,
    /// Ids of the risks its implementing controls treat, highest first: all of them, or the
    /// first 10,000 when there are more.
    pub risks: Vec<String>,
    /// How many risks its implementing controls treat, when `risks` lists only the first 10,000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risks_total: Option<usize>,
    pub obligations: Vec<&'a str>,
    pub commitments: Vec<&'a str>,
}

/// The Statement of Applicability as its JSON document.
pub fn document<'a>(
    inventory: &'a Inventory,
    assessment: &'a Assessment,
    entries: &'a [SoaEntry],
) -> Document<'a> {
    Document {
        schema_version: 1,
        tool: Tool::riskgraph(),
        organization: &inventory.manifest.organization,
        scope: inventory.manifest.scope_statement.as_deref(),
        as_of: assessment.as_of.to_string(),
        controls: entries
            .iter()
            .map(|e| Entry {
                id: &e.id,
                theme: e.theme.as_str(),
                title: e.title,
                applicable: e.applicable,
                decided_by: decided_by(e.source),
                justification: &e.justification,
                status: e.status_name(),
                implemented_by: ids(inventory, e),
                risks: crate::coverage::listed_ids(inventory, assessment, &e.risks),
                risks_total: crate::coverage::total(&e.risks),
                obligations: e
                    .obligations
                    .iter()
                    .map(|&o| inventory.obligations[o as usize].id.as_str())
                    .collect(),
                commitments: e
                    .commitments
                    .iter()
                    .map(|&c| inventory.commitments[c as usize].id.as_str())
                    .collect(),
            })
            .collect(),
    }
}

/// Where the applicability decision came from.
fn decided_by(source: SoaSource) -> &'static str {
    match source {
        SoaSource::SoaFile(_) => "soa.csv",
        SoaSource::Controls => "controls",
        SoaSource::Default => "default",
    }
}

fn ids<'a>(inventory: &'a Inventory, entry: &SoaEntry) -> Vec<&'a str> {
    entry
        .controls
        .iter()
        .map(|&c| inventory.controls[c as usize].id.as_str())
        .collect()
}

fn summary(entries: &[SoaEntry]) -> String {
    let applicable = entries.iter().filter(|e| e.applicable).count();
    let count = |wanted: &str| {
        entries
            .iter()
            .filter(|e| e.applicable && e.status_name() == wanted)
            .count()
    };
    format!(
        "{} Annex A controls: {applicable} applicable ({} implemented, {} partial, {} planned, {} not implemented), {} excluded.",
        entries.len(),
        count("implemented"),
        count("partial"),
        count("planned"),
        count("not-implemented"),
        entries.len() - applicable,
    )
}

fn sheet(inventory: &Inventory, entries: &[SoaEntry]) -> Sheet {
    Sheet {
        title: String::from("Annex A controls (ISO/IEC 27001:2022)"),
        columns: vec![
            "control",
            "theme",
            "title",
            "applicable",
            "status",
            "implemented by",
            "justification",
        ],
        rows: entries
            .iter()
            .map(|e| {
                vec![
                    e.id.clone(),
                    e.theme.as_str().to_owned(),
                    e.title.to_owned(),
                    String::from(if e.applicable { "yes" } else { "no" }),
                    e.status_name().to_owned(),
                    ids(inventory, e).join(", "),
                    e.justification.clone(),
                ]
            })
            .collect(),
        empty: "no controls",
    }
}
