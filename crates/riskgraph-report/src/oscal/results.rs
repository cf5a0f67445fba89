//! The content of the assessment results: observations of the controls, findings on the SOC 2
//! criteria and Annex A controls, and the risks of the register.

use riskgraph_engine::assess::{Assessment, Rated, Risk as RegisterRisk, Source};
use riskgraph_engine::compliance::{Coverage, Requirement, Verdict};
use riskgraph_model::Inventory;
use riskgraph_model::records::Control;
use riskgraph_model::vocabulary::{ControlStatus, TreatmentDecision, TreatmentStatus, Vocabulary};

use super::model::{
    Characterization, Facet, Finding, FindingTarget, Observation, OnDate, Response, Risk, State,
    Task, Timing,
};
use super::{Ids, NS, one_line, riskgraph_prop, timestamp};
use crate::register::Register;
use crate::text::count;

/// An observation per control of `controls.csv`, in file order: its status and when it was last
/// tested, as the inventory records them.
pub(super) fn observations(ids: &Ids<'_>, inventory: &Inventory) -> Vec<Observation> {
    inventory
        .controls
        .iter()
        .map(|control| {
            let status = control.status.as_str();
            let tested = control.last_tested.map_or_else(
                || "no test is recorded".to_owned(),
                |date| format!("last tested on {date}"),
            );
            let mut description = format!("{} is {status}; {tested}", control.id);
            if let Some(due) = control
                .due
                .filter(|_| control.status != ControlStatus::Implemented)
            {
                description = format!("{description}; due {due}");
            }
            description.push('.');
            let props = [
                riskgraph_prop("control-id", control.id.as_str()),
                riskgraph_prop("control-status", status),
                control
                    .last_tested
                    .and_then(|date| riskgraph_prop("last-tested", &date.to_string())),
                control
                    .due
                    .and_then(|date| riskgraph_prop("due", &date.to_string())),
                control
                    .owner
                    .as_deref()
                    .and_then(|owner| riskgraph_prop("owner", owner)),
            ];
            Observation {
                uuid: ids.observation(control.id.as_str()).observation_uuid,
                title: title(control.id.as_str(), &control.name),
                description,
                props: props.into_iter().flatten().collect(),
                methods: vec!["EXAMINE"],
                types: vec!["control-objective"],
                collected: ids.timestamp.clone(),
            }
        })
        .collect()
}

/// A finding per in-scope SOC 2 criterion and per Annex A control the Statement of
/// Applicability does not exclude: satisfied when an implemented control covers it.
pub(super) fn findings(ids: &Ids<'_>, inventory: &Inventory, coverage: &Coverage) -> Vec<Finding> {
    let soc2 = coverage.soc2.iter().map(|r| ("soc2", r));
    let annex_a = coverage
        .annex_a
        .iter()
        .filter(|r| r.verdict != Verdict::Excluded)
        .map(|r| ("iso27001", r));
    soc2.chain(annex_a)
        .map(|(framework, requirement)| finding(ids, inventory, framework, requirement))
        .collect()
}

fn finding(
    ids: &Ids<'_>,
    inventory: &Inventory,
    framework: &'static str,
    requirement: &Requirement,
) -> Finding {
    let controls: Vec<&Control> = requirement
        .controls
        .iter()
        .map(|&c| &inventory.controls[c as usize])
        .collect();
    let listed = controls
        .iter()
        .map(|c| format!("{} ({})", c.id, c.status))
        .collect::<Vec<_>>()
        .join(", ");
    let id = &requirement.id;
    let description = match requirement.verdict {
        Verdict::Covered => format!("An implemented control addresses {id}: {listed}."),
        Verdict::Partial => format!("Only partially implemented controls address {id}: {listed}."),
        _ if controls.is_empty() => format!("No control of the inventory addresses {id}."),
        _ => format!("No running control addresses {id}: {listed}."),
    };
    let satisfied = requirement.verdict == Verdict::Covered;
    Finding {
        uuid: ids.uuid("finding", id),
        title: title(id, requirement.title),
        description,
        props: [
            riskgraph_prop("framework", framework),
            riskgraph_prop("verdict", requirement.verdict.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect(),
        target: FindingTarget {
            target_type: "objective-id",
            target_id: id.clone(),
            status: State {
                state: if satisfied {
                    "satisfied"
                } else {
                    "not-satisfied"
                },
            },
        },
        related_observations: controls
            .iter()
            .map(|c| ids.observation(c.id.as_str()))
            .collect(),
    }
}

/// A risk per risk of the register, in register order.
pub(super) fn risks(ids: &Ids<'_>, inventory: &Inventory, assessment: &Assessment) -> Vec<Risk> {
    let register = Register::of(inventory, assessment, Vec::new());
    assessment
        .risks
        .iter()
        .map(|risk| self::risk(ids, &register, risk))
        .collect()
}

fn risk(ids: &Ids<'_>, register: &Register<'_>, risk: &RegisterRisk) -> Risk {
    let inventory = register.inventory;
    let view = register.view(risk);
    let risk_id = risk.id(inventory);
    let controls: Vec<&Control> = register
        .assessment
        .controls(risk)
        .iter()
        .map(|&c| &inventory.controls[c as usize])
        .collect();
    let description = match risk.source {
        Source::Threat(t) => inventory.threats[t as usize].description.as_deref(),
        Source::Fraud => None,
    }
    .and_then(|text| one_line(Some(text)))
    .unwrap_or_else(|| {
        format!(
            "{} ({}) against the {} {} ({}).",
            view.threat.name, view.threat.category, view.node.kind, view.node.id, view.node.name
        )
    });
    let appetite = &inventory.manifest.appetite;
    let reach = register.assessment.reach(risk);
    let mut statement = format!(
        "Inherent {}, residual {}: {} the appetite ({appetite}). A failure or breach reaches {}, \
         {} and {}.",
        rated(register, risk.inherent()),
        rated(register, risk.residual()),
        if risk.within_appetite {
            "within"
        } else {
            "above"
        },
        count(reach.nodes as usize, "node"),
        match reach.processes {
            1 => "1 business process".to_owned(),
            n => format!("{n} business processes"),
        },
        count(reach.commitments as usize, "commitment"),
    );
    if !controls.is_empty() {
        let ids: Vec<&str> = controls.iter().map(|c| c.id.as_str()).collect();
        statement = format!("{statement} Controls: {}.", ids.join(", "));
    }
    let props = [
        riskgraph_prop("risk-id", &risk_id),
        riskgraph_prop("threat-id", &view.threat.id),
        riskgraph_prop("node-id", &view.node.id),
        riskgraph_prop("category", &view.threat.category),
        riskgraph_prop("owner", &view.owner),
        riskgraph_prop("next-review", &view.next_review),
    ];
    let side = |name: [&'static str; 4], rated: Rated| {
        [
            facet(name[0], rated.likelihood.to_string()),
            facet(name[1], rated.impact.to_string()),
            facet(name[2], rated.score.to_string()),
            facet(name[3], register.level_name(rated.level).to_owned()),
        ]
    };
    let facets = side(
        [
            "inherent-likelihood",
            "inherent-impact",
            "inherent-score",
            "inherent-level",
        ],
        risk.inherent(),
    )
    .into_iter()
    .chain(side(
        [
            "residual-likelihood",
            "residual-impact",
            "residual-score",
            "residual-level",
        ],
        risk.residual(),
    ))
    .collect();
    let milestones = milestones(risk, &controls);
    Risk {
        uuid: ids.uuid("risk", &risk_id),
        title: risk_title(&view.threat.name, &view.node.name),
        description,
        statement,
        props: props.into_iter().flatten().collect(),
        status: status(inventory, risk, register.assessment.as_of),
        characterizations: vec![Characterization {
            origin: ids.by_tool(),
            facets,
        }],
        deadline: milestones.iter().map(|(_, due)| *due).max().map(timestamp),
        remediations: vec![remediation(ids, inventory, risk, &milestones)],
        related_observations: controls
            .iter()
            .map(|c| ids.observation(c.id.as_str()))
            .collect(),
    }
}

/// `high (likelihood 3, impact 4, score 12)`.
fn rated(register: &Register<'_>, rated: Rated) -> String {
    format!(
        "{} (likelihood {}, impact {}, score {})",
        register.level_name(rated.level),
        rated.likelihood,
        rated.impact,
        rated.score
    )
}

fn facet(name: &'static str, value: String) -> Facet {
    Facet {
        name,
        system: NS,
        value,
    }
}

/// The controls a risk being mitigated waits for: not implemented, with a due date.
pub(super) fn milestones<'a>(
    risk: &RegisterRisk,
    controls: &[&'a Control],
) -> Vec<(&'a Control, jiff::civil::Date)> {
    if risk.treatment.decision != TreatmentDecision::Mitigate {
        return Vec::new();
    }
    controls
        .iter()
        .filter(|c| c.status != ControlStatus::Implemented)
        .filter_map(|c| c.due.map(|due| (*c, due.civil())))
        .collect()
}

/// The treatment's status, else `open`.
pub(super) fn treatment_status(
    inventory: &Inventory,
    risk: &RegisterRisk,
) -> Option<TreatmentStatus> {
    risk.treatment
        .row
        .and_then(|t| inventory.treatments[t as usize].status)
}

/// The OSCAL status of a risk, from its treatment: an acceptance is a deviation, approved when
/// the treatment names an approver and has not expired (for the default acceptance within the
/// appetite, when the manifest's `[approval]` does); any other treatment is open, remediating
/// while in progress and closed when done.
fn status(inventory: &Inventory, risk: &RegisterRisk, as_of: jiff::civil::Date) -> &'static str {
    let row = risk
        .treatment
        .row
        .map(|t| &inventory.treatments[t as usize]);
    if risk.treatment.decision == TreatmentDecision::Accept {
        let approved = match row {
            Some(row) => {
                row.approved_by.is_some() && row.expires.is_none_or(|date| date.civil() >= as_of)
            }
            None => inventory.manifest.approval.is_some(),
        };
        return if approved {
            "deviation-approved"
        } else {
            "deviation-requested"
        };
    }
    match treatment_status(inventory, risk) {
        Some(TreatmentStatus::Done) => "closed",
        Some(TreatmentStatus::InProgress) => "remediating",
        Some(TreatmentStatus::Open) | None => "open",
    }
}

/// The risk's treatment as its response: recommended when riskgraph's default applies, planned
/// until done, with a milestone per control it waits for.
fn remediation(
    ids: &Ids<'_>,
    inventory: &Inventory,
    risk: &RegisterRisk,
    milestones: &[(&Control, jiff::civil::Date)],
) -> Response {
    let decision = risk.treatment.decision;
    let row = risk
        .treatment
        .row
        .map(|t| &inventory.treatments[t as usize]);
    let lifecycle = match (row, treatment_status(inventory, risk)) {
        (None, _) => "recommendation",
        (Some(_), Some(TreatmentStatus::Done)) => "completed",
        (Some(_), _) => "planned",
    };
    let description = treatment_description(inventory, risk);
    let risk_id = risk.id(inventory);
    let date = |d: Option<riskgraph_model::values::Date>| d.map(|d| d.to_string());
    let props = [
        riskgraph_prop("decision", decision.as_str()),
        row.map(|row| row.risk.to_string())
            .and_then(|pattern| riskgraph_prop("treatment", &pattern)),
        row.and_then(|row| row.status)
            .and_then(|status| riskgraph_prop("treatment-status", status.as_str())),
        row.and_then(|row| row.owner.as_deref())
            .and_then(|owner| riskgraph_prop("owner", owner)),
        row.and_then(|row| row.ticket.as_deref())
            .and_then(|ticket| riskgraph_prop("ticket", ticket)),
        row.and_then(|row| row.approved_by.as_deref())
            .and_then(|by| riskgraph_prop("approved-by", by)),
        row.and_then(|row| date(row.approved_on))
            .and_then(|on| riskgraph_prop("approved-on", &on)),
        row.and_then(|row| date(row.expires))
            .and_then(|on| riskgraph_prop("expires", &on)),
    ];
    let mut response_title = decision.as_str().to_owned();
    if let Some(first) = response_title.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    Response {
        uuid: ids.uuid("remediation", &risk_id),
        lifecycle,
        title: response_title,
        description,
        props: props.into_iter().flatten().collect(),
        tasks: milestones
            .iter()
            .map(|(control, due)| Task {
                uuid: ids.uuid("milestone", &format!("{risk_id}/{}", control.id)),
                task_type: "milestone",
                title: format!(
                    "Implement {} ({})",
                    title(control.id.as_str(), &control.name),
                    control.status
                ),
                timing: Timing {
                    on_date: OnDate {
                        date: timestamp(*due),
                    },
                },
            })
            .collect(),
    }
}

/// Why the risk is treated as it is: the treatment's justification, else what decided it.
pub(super) fn treatment_description(inventory: &Inventory, risk: &RegisterRisk) -> String {
    let appetite = &inventory.manifest.appetite;
    let Some(row) = risk
        .treatment
        .row
        .map(|t| &inventory.treatments[t as usize])
    else {
        return if risk.within_appetite {
            format!(
                "No row of treatments.csv treats this risk; within the appetite ({appetite}), it \
                 is accepted by default."
            )
        } else {
            format!(
                "No row of treatments.csv treats this risk; above the appetite ({appetite}), it \
                 is to be mitigated by default."
            )
        };
    };
    one_line(row.justification.as_deref()).unwrap_or_else(|| {
        format!(
            "Decided by the row `{}` of treatments.csv, which records no justification.",
            row.risk
        )
    })
}

/// A risk's title: its threat on its node.
fn risk_title(threat: &str, node: &str) -> String {
    title(threat, &format!("on {node}"))
}

/// `id name` (or any two parts) on one line.
fn title(id: &str, name: &str) -> String {
    one_line(Some(&format!("{id} {name}"))).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_one_line() {
        assert_eq!(risk_title("Phishing\n", " Okta "), "Phishing on Okta");
        assert_eq!(title("AC-01", "Single\nsign-on"), "AC-01 Single sign-on");
    }

    #[test]
    fn props_are_left_out_when_empty() {
        assert!(riskgraph_prop("owner", "  ").is_none());
        assert_eq!(
            riskgraph_prop("owner", " CFO ").map(|p| p.value).as_deref(),
            Some("CFO")
        );
    }

    #[test]
    fn related_observation_is_keyed_by_control() {
        let inventory = Inventory::default();
        let ids = Ids::new(&inventory, jiff::civil::date(2026, 11, 1));
        let a = ids.observation("AC-01");
        assert_eq!(a.observation_uuid, ids.uuid("observation", "AC-01"));
        assert_ne!(a.observation_uuid, ids.uuid("observation", "AC-02"));
    }
}
