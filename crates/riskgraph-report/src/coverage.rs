//! `riskgraph coverage`: SOC 2 criteria and Annex A controls with the controls addressing them,
//! crosswalk mismatches, forgotten categories and the other findings, in every format.

use std::fmt::Write as _;
use std::io::Write;

use riskgraph_engine::assess::Assessment;
use riskgraph_engine::compliance::{Coverage, Requirement, RiskList, Verdict};
use riskgraph_model::Inventory;
use riskgraph_model::vocabulary::Vocabulary;
use schemars::JsonSchema;
use serde::Serialize;

use crate::Format;
use crate::register::Tool;
use crate::sheets::{self, Sheet, abbreviated};
use crate::xlsx::{self, Kind};

/// How many risk ids a table cell names.
const SHOWN: usize = 5;

/// Writes the coverage of `assessment` in `format`; tables are `width` characters wide.
pub fn write(
    out: &mut dyn Write,
    format: Format,
    inventory: &Inventory,
    assessment: &Assessment,
    coverage: &Coverage,
    width: usize,
) -> std::io::Result<()> {
    let report = Report {
        inventory,
        assessment,
        coverage,
        // A spreadsheet gets every risk id; a page or a terminal the first few and a count.
        full_lists: matches!(format, Format::Csv | Format::Xlsx),
    };
    let mut out = std::io::BufWriter::new(out);
    match format {
        Format::Table => {
            out.write_all(report.summary().as_bytes())?;
            out.write_all(b"\n")?;
            out.write_all(sheets::table(&report.sheets(), width).as_bytes())?;
        }
        Format::Md => {
            let heading = format!("Coverage: {}", inventory.manifest.organization);
            let mut text = sheets::markdown(&heading, &report.sheets());
            let bullets: Vec<String> = report
                .summary()
                .lines()
                .map(|line| format!("- {line}"))
                .collect();
            let bullets = bullets.join("\n") + "\n";
            text.insert_str(
                text.find('\n').map_or(0, |at| at + 1),
                &format!("\n{bullets}"),
            );
            out.write_all(text.as_bytes())?;
        }
        Format::Csv => {
            let sheets = report.sheets();
            let keyed: Vec<(&'static str, &Sheet)> =
                SECTIONS.iter().copied().zip(&sheets).collect();
            sheets::write_csv_sections(&mut out, &keyed)?;
        }
        Format::Xlsx => {
            let sheets = report.sheets();
            let tabs: Vec<xlsx::Tab<'_>> = TAB_NAMES
                .iter()
                .zip(&sheets)
                .map(|(name, sheet)| {
                    let kinds = sheet
                        .columns
                        .iter()
                        .map(|c| {
                            if *c == "last tested" {
                                Kind::Date
                            } else {
                                Kind::Text
                            }
                        })
                        .collect();
                    xlsx::Tab::of(name, sheet, kinds)
                })
                .collect();
            out.write_all(&xlsx::workbook(&tabs, &[], assessment.as_of).map_err(xlsx::to_io)?)?;
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report.json())?;
            out.write_all(b"\n")?;
        }
        Format::Tree | Format::Html | Format::Dot | Format::Sarif => {
            return Err(unsupported(format));
        }
    }
    out.flush()
}

/// The error for a format this output cannot be written in (the CLI never asks for one).
pub(crate) fn unsupported(format: Format) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("this output has no {} format", format.name()),
    )
}

/// The sections of the report, as the CSV's `section` column names them, in the sheets' order.
const SECTIONS: [&str; 11] = [
    "soc2",
    "annex-a",
    "crosswalk",
    "forgotten-category",
    "commitment",
    "obligation",
    "unlinked-context",
    "incomplete-objective",
    "vendor",
    "untested-control",
    "clause",
];

/// The worksheet of each section in a workbook, in the sheets' order.
const TAB_NAMES: [&str; 11] = [
    "SOC 2",
    "Annex A",
    "Crosswalk",
    "Forgotten categories",
    "Commitments",
    "Obligations",
    "Unlinked context",
    "Objectives",
    "Vendors",
    "Untested controls",
    "ISO 27001 clauses",
];

struct Report<'a> {
    inventory: &'a Inventory,
    assessment: &'a Assessment,
    coverage: &'a Coverage,
    /// Whether cells list every risk id, or the first few and a count.
    full_lists: bool,
}

impl Report<'_> {
    /// The ids of the risks `risks` lists.
    fn risk_ids(&self, risks: &RiskList) -> Vec<String> {
        listed_ids(self.inventory, self.assessment, risks)
    }

    fn risks_cell(&self, risks: &RiskList) -> String {
        if self.full_lists {
            let mut cell = self.risk_ids(risks).join("; ");
            if risks.is_cut() {
                let _ = write!(cell, "; ... ({} more)", risks.count - risks.listed.len());
            }
            cell
        } else {
            let ids = risks.listed.iter().take(SHOWN);
            let ids: Vec<String> = ids
                .map(|&r| self.assessment.risks[r as usize].id(self.inventory))
                .collect();
            abbreviated(risks.count, ids.iter().map(String::as_str), SHOWN)
        }
    }

    fn control_id(&self, control: u32) -> &str {
        self.inventory.controls[control as usize].id.as_str()
    }

    /// `AC-01 (implemented); AC-02 (partial)`.
    fn controls_cell(&self, controls: &[u32]) -> String {
        controls
            .iter()
            .map(|&c| {
                let control = &self.inventory.controls[c as usize];
                format!("{} ({})", control.id, control.status.as_str())
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn summary(&self) -> String {
        let count = |requirements: &[Requirement], verdict: Verdict| {
            requirements.iter().filter(|r| r.verdict == verdict).count()
        };
        let tally = |requirements: &[Requirement]| {
            let mut text = format!(
                "{} covered, {} partial, {} gaps",
                count(requirements, Verdict::Covered),
                count(requirements, Verdict::Partial),
                count(requirements, Verdict::Gap)
            );
            let excluded = count(requirements, Verdict::Excluded);
            if excluded > 0 {
                text = format!("{text}, {excluded} excluded in soa.csv");
            }
            text
        };
        let c = self.coverage;
        let tsc: Vec<&str> = c.tsc.iter().map(|t| t.as_str()).collect();
        format!(
            "SOC 2 ({}): {} criteria in scope, {}\n\
             ISO 27001:2022 Annex A: {} controls, {}\n\
             As of {}: {} risk categories never considered, {} crosswalk mismatches, {} vendor findings, {} controls untested in 12 months\n",
            tsc.join(", "),
            c.soc2.len(),
            tally(&c.soc2),
            c.annex_a.len(),
            tally(&c.annex_a),
            self.assessment.as_of,
            c.forgotten.len(),
            c.crosswalk.len(),
            c.vendors.len(),
            c.untested.len(),
        )
    }

    fn requirement_rows(&self, requirements: &[Requirement]) -> Vec<Vec<String>> {
        requirements
            .iter()
            .map(|r| {
                vec![
                    r.id.clone(),
                    r.group.to_owned(),
                    r.title.to_owned(),
                    r.verdict.as_str().to_owned(),
                    self.controls_cell(&r.controls),
                    self.risks_cell(&r.risks),
                ]
            })
            .collect()
    }

    /// Every section, in the order of [`SECTIONS`].
    fn sheets(&self) -> Vec<Sheet> {
        let mut sheets = self.framework_sheets();
        sheets.extend(self.inventory_sheets());
        sheets.extend(self.finding_sheets());
        sheets
    }

    /// SOC 2, Annex A, the crosswalk and the forgotten categories.
    fn framework_sheets(&self) -> Vec<Sheet> {
        let c = self.coverage;
        let tsc: Vec<&str> = c.tsc.iter().map(|t| t.as_str()).collect();
        let requirement_columns = vec!["id", "group", "title", "verdict", "controls", "risks"];
        vec![
            Sheet {
                title: format!("SOC 2 criteria in scope ({})", tsc.join(", ")),
                columns: requirement_columns.clone(),
                rows: self.requirement_rows(&c.soc2),
                empty: "no criteria in scope",
            },
            Sheet {
                title: String::from("ISO 27001:2022 Annex A"),
                columns: requirement_columns,
                rows: self.requirement_rows(&c.annex_a),
                empty: "no controls",
            },
            Sheet {
                title: String::from(
                    "Controls citing one framework but not the other's corresponding entries",
                ),
                columns: vec!["control", "cites", "none of"],
                rows: c
                    .crosswalk
                    .iter()
                    .map(|f| {
                        vec![
                            self.control_id(f.control).to_owned(),
                            f.cites.clone(),
                            f.corresponds_to.join(", "),
                        ]
                    })
                    .collect(),
                empty: "every control cites both frameworks consistently",
            },
            Sheet {
                title: String::from("Risk categories no threat considers"),
                columns: vec!["category", "what it usually means", "example threat to add"],
                rows: c
                    .forgotten
                    .iter()
                    .map(|g| {
                        vec![
                            g.category.as_str().to_owned(),
                            g.meaning.clone(),
                            g.example_threat.clone(),
                        ]
                    })
                    .collect(),
                empty: "every risk category has a threat",
            },
        ]
    }

    /// Commitments, obligations, context and objectives.
    fn inventory_sheets(&self) -> Vec<Sheet> {
        let inventory = self.inventory;
        let c = self.coverage;
        vec![
            Sheet {
                title: String::from("Commitments and the risks that threaten them"),
                columns: vec!["id", "statement", "risks"],
                rows: inventory
                    .commitments
                    .iter()
                    .zip(&c.commitments)
                    .map(|(commitment, risks)| {
                        vec![
                            commitment.id.to_string(),
                            commitment.statement.to_string(),
                            self.risks_cell(risks),
                        ]
                    })
                    .collect(),
                empty: "no commitments in commitments.csv",
            },
            Sheet {
                title: String::from("Obligations and the risks that affect them"),
                columns: vec!["id", "name", "risks"],
                rows: inventory
                    .obligations
                    .iter()
                    .zip(&c.obligations)
                    .map(|(obligation, risks)| {
                        vec![
                            obligation.id.to_string(),
                            obligation.name.to_string(),
                            self.risks_cell(risks),
                        ]
                    })
                    .collect(),
                empty: "no obligations in obligations.csv",
            },
            Sheet {
                title: String::from("Context issues and interested parties linked to no risk"),
                columns: vec!["id", "kind", "description"],
                rows: c
                    .unlinked_context
                    .iter()
                    .map(|&i| {
                        let item = &inventory.context[i as usize];
                        vec![
                            item.id.to_string(),
                            item.kind.as_str().to_owned(),
                            item.description.to_string(),
                        ]
                    })
                    .collect(),
                empty: "every context item is linked to a risk",
            },
            Sheet {
                title: String::from("Objectives without a metric or an owner"),
                columns: vec!["id", "objective", "missing"],
                rows: c
                    .incomplete_objectives
                    .iter()
                    .map(|(i, missing)| {
                        let objective = &inventory.objectives[*i as usize];
                        vec![
                            objective.id.to_string(),
                            objective.objective.to_string(),
                            missing.join(", "),
                        ]
                    })
                    .collect(),
                empty: "every objective has a metric and an owner",
            },
        ]
    }

    /// Vendor findings, untested controls and the management-system clauses.
    fn finding_sheets(&self) -> Vec<Sheet> {
        let inventory = self.inventory;
        let c = self.coverage;
        vec![
            Sheet {
                title: String::from("Vendor management findings"),
                columns: vec!["vendor", "finding", "detail"],
                rows: c
                    .vendors
                    .iter()
                    .map(|f| {
                        vec![
                            inventory.node(f.node).id.to_string(),
                            f.code.to_owned(),
                            f.message.clone(),
                        ]
                    })
                    .collect(),
                empty: "no vendor findings",
            },
            Sheet {
                title: String::from(
                    "Running controls not tested in the 12 months before the assessment",
                ),
                columns: vec!["control", "name", "status", "last tested"],
                rows: c
                    .untested
                    .iter()
                    .map(|u| {
                        let control = &inventory.controls[u.control as usize];
                        vec![
                            control.id.to_string(),
                            control.name.to_string(),
                            control.status.as_str().to_owned(),
                            u.last_tested
                                .map_or_else(|| String::from("never"), |d| d.to_string()),
                        ]
                    })
                    .collect(),
                empty: "every running control was tested in the last 12 months",
            },
            Sheet {
                title: String::from("ISO 27001 management-system clauses"),
                columns: vec!["clause", "title", "evidenced", "detail"],
                rows: c
                    .clauses
                    .iter()
                    .map(|e| {
                        vec![
                            e.clause.id.clone(),
                            e.clause.title.clone(),
                            String::from(if e.evidenced { "yes" } else { "no" }),
                            e.detail.clone(),
                        ]
                    })
                    .collect(),
                empty: "no clauses",
            },
        ]
    }

    fn requirement_json<'r>(&'r self, r: &'r Requirement) -> RequirementEntry<'r> {
        RequirementEntry {
            id: &r.id,
            group: r.group,
            title: r.title,
            verdict: r.verdict.as_str(),
            controls: r
                .controls
                .iter()
                .map(|&c| {
                    let control = &self.inventory.controls[c as usize];
                    ControlRef {
                        id: control.id.as_str(),
                        status: control.status.as_str(),
                    }
                })
                .collect(),
            risks: self.risk_ids(&r.risks),
            risks_total: total(&r.risks),
        }
    }

    fn commitments_json(&self) -> Vec<CommitmentEntry<'_>> {
        let commitments = &self.inventory.commitments;
        commitments
            .iter()
            .zip(&self.coverage.commitments)
            .map(|(commitment, risks)| CommitmentEntry {
                id: commitment.id.as_str(),
                statement: &commitment.statement,
                risks: self.risk_ids(risks),
                risks_total: total(risks),
            })
            .collect()
    }

    fn obligations_json(&self) -> Vec<ObligationEntry<'_>> {
        let obligations = &self.inventory.obligations;
        obligations
            .iter()
            .zip(&self.coverage.obligations)
            .map(|(obligation, risks)| ObligationEntry {
                id: obligation.id.as_str(),
                name: &obligation.name,
                risks: self.risk_ids(risks),
                risks_total: total(risks),
            })
            .collect()
    }

    fn json(&self) -> Document<'_> {
        let inventory = self.inventory;
        let c = self.coverage;
        Document {
            schema_version: 1,
            tool: Tool::riskgraph(),
            organization: &inventory.manifest.organization,
            as_of: self.assessment.as_of.to_string(),
            tsc: c.tsc.iter().map(|t| t.as_str()).collect(),
            soc2: c.soc2.iter().map(|r| self.requirement_json(r)).collect(),
            annex_a: c.annex_a.iter().map(|r| self.requirement_json(r)).collect(),
            crosswalk: c
                .crosswalk
                .iter()
                .map(|f| CrosswalkEntry {
                    control: self.control_id(f.control),
                    cites: &f.cites,
                    corresponds_to: &f.corresponds_to,
                })
                .collect(),
            forgotten_categories: c
                .forgotten
                .iter()
                .map(|g| ForgottenCategory {
                    category: g.category.as_str(),
                    meaning: &g.meaning,
                    example_threat: &g.example_threat,
                })
                .collect(),
            commitments: self.commitments_json(),
            obligations: self.obligations_json(),
            unlinked_context: c
                .unlinked_context
                .iter()
                .map(|&i| {
                    let item = &inventory.context[i as usize];
                    ContextEntry {
                        id: item.id.as_str(),
                        kind: item.kind.as_str(),
                        description: &item.description,
                    }
                })
                .collect(),
            incomplete_objectives: c
                .incomplete_objectives
                .iter()
                .map(|(i, missing)| {
                    let objective = &inventory.objectives[*i as usize];
                    ObjectiveEntry {
                        id: objective.id.as_str(),
                        objective: &objective.objective,
                        missing,
                    }
                })
                .collect(),
            vendors: c
                .vendors
                .iter()
                .map(|f| VendorFindingEntry {
                    vendor: inventory.node(f.node).id.as_str(),
                    code: f.code,
                    message: &f.message,
                })
                .collect(),
            untested_controls: c
                .untested
                .iter()
                .map(|u| {
                    let control = &inventory.controls[u.control as usize];
                    UntestedEntry {
                        id: control.id.as_str(),
                        status: control.status.as_str(),
                        last_tested: u.last_tested.map(|d| d.to_string()),
                    }
                })
                .collect(),
            clauses: c
                .clauses
                .iter()
                .map(|e| ClauseEntry {
                    clause: &e.clause.id,
                    title: &e.clause.title,
                    evidenced: e.evidenced,
                    detail: &e.detail,
                })
                .collect(),
        }
    }
}

/// The ids of the risks `risks` lists, in its order.
pub(crate) fn listed_ids(
    inventory: &Inventory,
    assessment: &Assessment,
    risks: &RiskList,
) -> Vec<String> {
    risks
        .listed
        .iter()
        .map(|&r| assessment.risks[r as usize].id(inventory))
        .collect()
}

/// How many risks `risks` holds, when it lists only some of them: the JSON `risks_total`.
pub(crate) fn total(risks: &RiskList) -> Option<usize> {
    risks.is_cut().then_some(risks.count)
}

/// The JSON document of `coverage --format json` (version 1): SOC 2 and Annex A coverage with
/// the controls and risks behind each verdict, and every other finding.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "CoverageDocument")]
pub struct Document<'a> {
    pub schema_version: u32,
    pub tool: Tool<'a>,
    pub organization: &'a str,
    /// The assessment date, `YYYY-MM-DD`.
    pub as_of: String,
    /// The SOC 2 categories in scope.
    pub tsc: Vec<&'a str>,
    /// The SOC 2 criteria in scope.
    pub soc2: Vec<RequirementEntry<'a>>,
    /// The ISO 27001:2022 Annex A controls.
    pub annex_a: Vec<RequirementEntry<'a>>,
    /// Controls citing one framework but not the other's corresponding entries.
    pub crosswalk: Vec<CrosswalkEntry<'a>>,
    /// Risk categories no threat considers.
    pub forgotten_categories: Vec<ForgottenCategory<'a>>,
    pub commitments: Vec<CommitmentEntry<'a>>,
    pub obligations: Vec<ObligationEntry<'a>>,
    /// Context issues and interested parties linked to no risk.
    pub unlinked_context: Vec<ContextEntry<'a>>,
    /// Objectives without a metric or an owner.
    pub incomplete_objectives: Vec<ObjectiveEntry<'a>>,
    /// Vendor management findings.
    pub vendors: Vec<VendorFindingEntry<'a>>,
    /// Running controls not tested in the 12 months before the assessment.
    pub untested_controls: Vec<UntestedEntry<'a>>,
    /// ISO 27001 management-system clauses and whether the inventory evidences them.
    pub clauses: Vec<ClauseEntry<'a>>,
}

/// A SOC 2 criterion or an Annex A control, with its verdict.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RequirementEntry<'a> {
    pub id: &'a str,
    pub group: &'a str,
    pub title: &'a str,
    /// `covered`, `partial`, `gap` or `excluded`.
    pub verdict: &'a str,
    pub controls: Vec<ControlRef<'a>>,
    /// Ids of the risks its controls treat, highest first: all of them, or the first 10,000
    /// when there are more.
    pub risks: Vec<String>,
    /// How many risks its controls treat, when `risks` lists only the first 10,000 of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risks_total: Option<usize>,
}

/// A control of `controls.csv` and its status.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ControlRef<'a> {
    pub id: &'a str,
    pub status: &'a str,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CrosswalkEntry<'a> {
    pub control: &'a str,
    pub cites: &'a str,
    pub corresponds_to: &'a [String],
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ForgottenCategory<'a> {
    pub category: &'a str,
    pub meaning: &'a str,
    pub example_threat: &'a str,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CommitmentEntry<'a> {
    pub id: &'a str,
    pub statement: &'a str,
    /// Ids of the risks, highest first: all of them, or the first 10,000 when there are more.
    pub risks: Vec<String>,
    /// How many risks there are, when `risks` lists only the first 10,000 of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risks_total: Option<usize>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ObligationEntry<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// Ids of the risks, highest first: all of them, or the first 10,000 when there are more.
    pub risks: Vec<String>,
    /// How many risks there are, when `risks` lists only the first 10,000 of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risks_total: Option<usize>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ContextEntry<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub description: &'a str,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ObjectiveEntry<'a> {
    pub id: &'a str,
    pub objective: &'a str,
    /// What it lacks: `metric`, `owner`.
    pub missing: &'a [&'a str],
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct VendorFindingEntry<'a> {
    pub vendor: &'a str,
    pub code: &'a str,
    pub message: &'a str,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct UntestedEntry<'a> {
    pub id: &'a str,
    pub status: &'a str,
    /// `YYYY-MM-DD`, or null when never tested.
    pub last_tested: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ClauseEntry<'a> {
    pub clause: &'a str,
    pub title: &'a str,
    pub evidenced: bool,
    pub detail: &'a str,
}
