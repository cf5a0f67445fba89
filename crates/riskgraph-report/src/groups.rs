//! `assess --group-by`: one row per group of risks, with its count per residual level, the risks
//! above the appetite and its highest risk, as a terminal table, Markdown, CSV or JSON.

use std::io::Write;

use riskgraph_engine::assess::Assessment;
use riskgraph_engine::assess::groups::{Group, GroupBy};
use riskgraph_model::Inventory;
use serde::Serialize;

use crate::Format;
use crate::layout::Table;
use crate::register::{markdown_cell, neutralize};
use crate::text::{Newlines, count, printable};

/// The formats of a grouped register.
pub const FORMATS: &[Format] = &[Format::Table, Format::Json, Format::Csv, Format::Md];

/// What `assess --group-by` writes.
pub struct Grouped<'a> {
    pub inventory: &'a Inventory,
    pub assessment: &'a Assessment,
    pub by: GroupBy,
    pub groups: &'a [Group],
    /// How many risks were grouped: all of the assessment's, or those a filter kept.
    pub risks: usize,
}

/// The JSON document.
#[derive(Serialize)]
struct Document<'a> {
    organization: &'a str,
    as_of: String,
    group_by: &'static str,
    risks: usize,
    groups: Vec<GroupRow<'a>>,
}

#[derive(Serialize)]
struct GroupRow<'a> {
    key: &'a str,
    risks: usize,
    /// Level name -> risks with that residual level, lowest level first.
    per_level: Vec<LevelCount<'a>>,
    above_appetite: usize,
    highest: Highest<'a>,
}

#[derive(Serialize)]
struct LevelCount<'a> {
    level: &'a str,
    risks: usize,
}

#[derive(Serialize)]
struct Highest<'a> {
    id: String,
    residual_score: u32,
    residual_level: &'a str,
}

impl Grouped<'_> {
    fn level_names(&self) -> Vec<&str> {
        let levels = &self.inventory.manifest.levels;
        levels.iter().map(|l| l.name.as_str()).collect()
    }

    fn title(&self) -> String {
        format!(
            "Risks by {}: {} ({} in {})",
            self.by.name(),
            self.inventory.manifest.organization,
            count(self.risks, "risk"),
            count(self.groups.len(), "group"),
        )
    }

    fn header(&self) -> Vec<&str> {
        let mut header = vec![self.by.name(), "risks"];
        header.extend(self.level_names());
        header.extend(["above appetite", "highest risk", "highest residual"]);
        header
    }

    /// A row per group, the cells as [`Self::header`] names them.
    fn rows(&self) -> Vec<Vec<String>> {
        let names = self.level_names();
        self.groups
            .iter()
            .map(|group| {
                let highest = &self.assessment.risks[group.highest];
                let mut row = vec![group.key.clone(), group.risks().to_string()];
                row.extend(group.per_level.iter().map(usize::to_string));
                row.push(group.above_appetite.to_string());
                row.push(highest.id(self.inventory));
                let level = names.get(highest.residual().level).copied().unwrap_or("");
                row.push(format!("{} ({level})", highest.residual().score));
                row
            })
            .collect()
    }

    fn document(&self) -> Document<'_> {
        let names = self.level_names();
        let groups = self
            .groups
            .iter()
            .map(|group| {
                let highest = &self.assessment.risks[group.highest];
                GroupRow {
                    key: &group.key,
                    risks: group.risks(),
                    per_level: names
                        .iter()
                        .zip(&group.per_level)
                        .map(|(&level, &risks)| LevelCount { level, risks })
                        .collect(),
                    above_appetite: group.above_appetite,
                    highest: Highest {
                        id: highest.id(self.inventory),
                        residual_score: highest.residual().score,
                        residual_level: names.get(highest.residual().level).copied().unwrap_or(""),
                    },
                }
            })
            .collect();
        Document {
            organization: &self.inventory.manifest.organization,
            as_of: self.assessment.as_of.to_string(),
            group_by: self.by.name(),
            risks: self.risks,
            groups,
        }
    }
}

/// Writes `grouped` in `format`; a table is cut to `width` columns per cell at most.
pub fn write(
    out: &mut dyn Write,
    format: Format,
    grouped: &Grouped<'_>,
    width: usize,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    match format {
        Format::Table => {
            let title = printable(&grouped.title(), Newlines::Replaced).into_owned();
            let underline = "-".repeat(crate::layout::width(&title));
            writeln!(out, "{title}\n{underline}")?;
            // The table makes its cells printable.
            let rows = grouped.rows();
            let header = grouped.header();
            let table = Table::new(&header, &rows).cap((width / 2).max(24), "...");
            out.write_all(table.render().as_bytes())?;
        }
        Format::Md => {
            writeln!(out, "# {}\n", markdown_cell(&grouped.title()))?;
            let header = grouped.header();
            writeln!(out, "| {} |", header.join(" | "))?;
            writeln!(out, "|{}", "---|".repeat(header.len()))?;
            for row in grouped.rows() {
                let cells: Vec<String> = row.iter().map(|c| markdown_cell(c)).collect();
                writeln!(out, "| {} |", cells.join(" | "))?;
            }
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(&mut out);
            writer.write_record(grouped.header())?;
            for row in grouped.rows() {
                writer.write_record(row.iter().map(|cell| neutralize(cell).into_owned()))?;
            }
            writer.flush()?;
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &grouped.document())?;
            out.write_all(b"\n")?;
        }
        _ => return Err(crate::coverage::unsupported(format)),
    }
    out.flush()
}
