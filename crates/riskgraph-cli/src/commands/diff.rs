//! `riskgraph diff OLD.json NEW.json`: what changed between two assessments.

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;
use serde_json::json;

use crate::Outcome;
use riskgraph_report::diff::{Changes, ControlChange, Rerated, TreatmentChange, compare, read};
use riskgraph_report::sheets::{self, Sheet};
use riskgraph_report::text::{count, without_controls};

#[derive(clap::Args)]
pub struct Args {
    /// The earlier register (`riskgraph assess --format json`)
    pub old: PathBuf,
    /// The later register
    pub new: PathBuf,
    /// Output: table (for the terminal), json or md (Markdown)
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit with 1 when the residual level of any risk rose (a gate for a scheduled job)
    #[arg(long)]
    pub fail_on_increase: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Md,
}

pub fn run(args: &Args) -> Outcome {
    let (old, new) = match (read(&args.old), read(&args.new)) {
        (Ok(old), Ok(new)) => (old, new),
        (old, new) => {
            for err in [old.err(), new.err()].into_iter().flatten() {
                let _ = writeln!(std::io::stderr(), "error: {err}");
            }
            return Outcome::Invalid;
        }
    };
    let changes = compare(&old, &new);
    let outcome = crate::output::emit(None, |out| {
        let mut out = std::io::BufWriter::new(out);
        match args.format {
            Format::Table => {
                let width = super::width(std::io::IsTerminal::is_terminal(&std::io::stdout()));
                writeln!(out, "{}\n", summary(&changes))?;
                out.write_all(sheets::table(&sheets(&changes), width).as_bytes())?;
            }
            Format::Md => {
                let mut text = sheets::markdown("Changes between assessments", &sheets(&changes));
                let line = riskgraph_report::register::markdown_cell(&summary(&changes));
                text.insert_str(
                    text.find('\n').map_or(0, |at| at + 1),
                    &format!("\n{line}\n"),
                );
                out.write_all(text.as_bytes())?;
            }
            Format::Json => {
                serde_json::to_writer_pretty(&mut out, &to_json(&changes))?;
                out.write_all(b"\n")?;
            }
        }
        out.flush()
    });
    if !matches!(outcome, Outcome::Success) {
        return outcome;
    }
    let rose: Vec<&str> = changes.increases().map(|r| r.id).collect();
    let message = format!(
        "fail-on-increase: the residual level of {} risk{} rose",
        rose.len(),
        if rose.len() == 1 { "" } else { "s" }
    );
    super::gate(args.fail_on_increase, &message, &rose)
}

fn summary(c: &Changes<'_>) -> String {
    let unlisted = if c.compared_controls_and_vendors {
        ""
    } else {
        " (controls and vendors not compared: a register predates their listing)"
    };
    format!(
        "{} as of {} -> as of {}: {} added, {} removed, {} rated higher ({} to a higher level), {} lower; {} changed, {} expired or approved, {}{unlisted}",
        without_controls(&c.new.organization),
        without_controls(&c.old.as_of),
        without_controls(&c.new.as_of),
        count(c.added.len(), "risk"),
        c.removed.len(),
        c.rerated_count(riskgraph_report::diff::Direction::Up),
        c.increases().count(),
        c.rerated_count(riskgraph_report::diff::Direction::Down),
        count(c.controls.len(), "control"),
        count(c.treatments.len(), "treatment"),
        count(c.vendors.len(), "new vendor"),
    )
}

fn rated(r: &riskgraph_report::diff::Rated) -> String {
    format!("{} ({}x{}={})", r.level, r.likelihood, r.impact, r.score)
}

fn risk_rows<'a>(
    risks: impl Iterator<Item = &'a riskgraph_report::diff::Risk>,
) -> Vec<Vec<String>> {
    risks
        .map(|r| {
            vec![
                r.id.clone(),
                r.threat.name.clone(),
                r.threat.category.clone(),
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
                        v.vendor.id.clone(),
                        v.vendor.name.clone(),
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

fn to_json(c: &Changes<'_>) -> serde_json::Value {
    let rated = |r: &riskgraph_report::diff::Rated| json!({ "likelihood": r.likelihood, "impact": r.impact, "score": r.score, "level": r.level });
    let risk = |r: &riskgraph_report::diff::Risk| {
        json!({
            "id": r.id,
            "threat": r.threat.name,
            "category": r.threat.category,
            "residual": rated(&r.residual),
        })
    };
    json!({
        "schema_version": 1,
        "old": { "organization": c.old.organization, "as_of": c.old.as_of },
        "new": { "organization": c.new.organization, "as_of": c.new.as_of },
        "added": c.added.iter().map(|r| risk(r)).collect::<Vec<_>>(),
        "removed": c.removed.iter().map(|r| risk(r)).collect::<Vec<_>>(),
        "rerated": c.rerated.iter().map(|r| json!({
            "id": r.id,
            "direction": r.direction.as_str(),
            "level_changed": r.level_changed,
            "old": rated(r.old),
            "new": rated(r.new),
        })).collect::<Vec<_>>(),
        "controls": c.controls.iter().map(|x| json!({
            "id": x.id, "name": x.name, "old": x.old, "new": x.new,
        })).collect::<Vec<_>>(),
        "treatments": c.treatments.iter().map(|t| match t {
            TreatmentChange::Expired { risk, expires } => json!({
                "risk": risk, "change": "expired", "expires": expires,
            }),
            TreatmentChange::Approved { risk, decision, by, on } => json!({
                "risk": risk, "change": "approved", "decision": decision, "approved_by": by, "approved_on": on,
            }),
        }).collect::<Vec<_>>(),
        "new_vendors": c.vendors.iter().map(|v| json!({
            "id": v.vendor.id,
            "name": v.vendor.name,
            "criticality": v.vendor.criticality,
            "reach": { "nodes": v.reach.nodes, "processes": v.reach.processes, "commitments": v.reach.commitments },
            "through": v.through,
        })).collect::<Vec<_>>(),
        "increases": c.increases().map(|r| r.id).collect::<Vec<_>>(),
        "compared_controls_and_vendors": c.compared_controls_and_vendors,
    })
}
