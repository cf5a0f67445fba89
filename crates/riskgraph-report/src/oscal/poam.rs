//! The plan of action and milestones: an item per risk being mitigated (decision `mitigate`, not
//! done), with the risks and control observations it refers to, so that the document stands on
//! its own.

use riskgraph_engine::assess::Assessment;
use riskgraph_model::Inventory;
use riskgraph_model::records::Control;
use riskgraph_model::vocabulary::{TreatmentDecision, TreatmentStatus, Vocabulary};

use super::model::{
    LocalDefinitions, Observation, Poam, PoamDocument, PoamItem, RelatedRisk, Risk, SystemId,
};
use super::results::{milestones, treatment_description, treatment_status};
use super::{Ids, riskgraph_prop};

/// The POA&M of `assessment`, whose results hold `observations` (one per control, in file order)
/// and `risks` (one per risk, in register order); `None` when no risk is being mitigated.
pub(super) fn poam(
    ids: &Ids<'_>,
    inventory: &Inventory,
    assessment: &Assessment,
    observations: &[Observation],
    risks: &[Risk],
) -> Option<PoamDocument> {
    let mut items = Vec::new();
    let mut item_risks = Vec::new();
    let mut used = vec![false; inventory.controls.len()];
    for (risk, oscal_risk) in assessment.risks.iter().zip(risks) {
        let status = treatment_status(inventory, risk);
        if risk.treatment.decision != TreatmentDecision::Mitigate
            || status == Some(TreatmentStatus::Done)
        {
            continue;
        }
        for &c in assessment.controls(risk) {
            used[c as usize] = true;
        }
        let controls: Vec<&Control> = assessment
            .controls(risk)
            .iter()
            .map(|&c| &inventory.controls[c as usize])
            .collect();
        let milestones = milestones(risk, &controls);
        let row = risk
            .treatment
            .row
            .map(|t| &inventory.treatments[t as usize]);
        let props = [
            riskgraph_prop("risk-id", &risk.id(inventory)),
            risk.owner(inventory)
                .and_then(|owner| riskgraph_prop("owner", owner)),
            row.and_then(|row| row.ticket.as_deref())
                .and_then(|ticket| riskgraph_prop("ticket", ticket)),
            riskgraph_prop(
                "treatment-status",
                status.map_or("open", Vocabulary::as_str),
            ),
            milestones
                .iter()
                .map(|(_, due)| *due)
                .max()
                .and_then(|due| riskgraph_prop("due", &due.to_string())),
        ];
        let due: Vec<String> = milestones
            .iter()
            .map(|(control, due)| format!("{} ({}) by {due}", control.id, control.status))
            .collect();
        items.push(PoamItem {
            uuid: ids.uuid("poam-item", &risk.id(inventory)),
            title: oscal_risk.title.clone(),
            description: treatment_description(inventory, risk),
            props: props.into_iter().flatten().collect(),
            related_observations: controls
                .iter()
                .map(|c| ids.observation(c.id.as_str()))
                .collect(),
            related_risks: vec![RelatedRisk {
                risk_uuid: oscal_risk.uuid.clone(),
            }],
            remarks: (!due.is_empty()).then(|| format!("Controls due: {}.", due.join("; "))),
        });
        item_risks.push(oscal_risk.clone());
    }
    if items.is_empty() {
        return None;
    }
    let observations = observations
        .iter()
        .zip(&used)
        .filter(|(_, used)| **used)
        .map(|(observation, _)| observation.clone())
        .collect();
    Some(PoamDocument {
        poam: Poam {
            uuid: ids.uuid("plan-of-action-and-milestones", &ids.as_of),
            metadata: ids.metadata("plan of action and milestones"),
            system_id: SystemId {
                identifier_type: "https://ietf.org/rfc/rfc4122",
                id: ids.system(),
            },
            local_definitions: LocalDefinitions {
                components: vec![ids.tool()],
            },
            observations,
            risks: item_risks,
            poam_items: items,
        },
    })
}
