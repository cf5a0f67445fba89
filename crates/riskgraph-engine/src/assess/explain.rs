//! One risk, with everything behind its scores: what `riskgraph explain` shows.

use riskgraph_model::values::{Property, closest};
use riskgraph_model::{Inventory, NodeDetail, NodeIdx};

use super::evaluate::Evaluator;
use super::{
    Applied, Assessment, Rating, Risk, Settings, Source, count_reach_sets, properties_in,
    properties_of,
};
use crate::exposure::{Exposure, Workspace};
use crate::indexes::{Indexed, Indexes};
use crate::propagation::ImpactGraph;
use crate::rank::CompactFacts;
use crate::rules::views::{ExposureData, ScoresData};
use crate::rules::{RuleError, Rules};
use crate::scenarios::{Inputs, Scenario, Scratch};
use crate::supply_chain::{self, SinglePoint};

/// A risk, evaluated as in the register, with the inputs and results of each rule.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The assessment of this one risk: the risk and the lists it refers to.
    pub assessment: Assessment,
    /// The properties the scenario propagates.
    pub properties: Vec<Property>,
    /// What the `impact` rule saw of the exposure (threat scenarios only).
    pub exposure_seen: Option<ExposureData>,
    /// Every node reached, with its strongest path.
    pub exposure: Exposure,
    /// The obligations that apply to the node, by file order.
    pub obligations: Vec<u32>,
    /// What the `likelihood` and `impact` rules (or the `fraud` rule) returned.
    pub inherent: ScoresData,
    /// What the `residual` rule returned.
    pub residual: ScoresData,
    /// For a critical process (criticality 4 or 5), the nodes whose failure alone takes it down
    /// (availability impact at least [`crate::supply_chain::DEFAULT_SPOF`]), strongest first;
    /// empty for any other node.
    pub single_points_of_failure: Vec<SinglePoint>,
}

impl Explanation {
    /// The risk explained.
    pub fn risk(&self) -> &Risk {
        &self.assessment.risks[0]
    }
}

/// Why a risk id names no risk of the inventory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UnknownRisk {
    pub message: String,
    pub help: Option<String>,
}

/// The scenario a risk id names: `<threat-id>@<node-id>` for a threat its targets select on an
/// in-scope node, `fraud@<process-id>` for an in-scope process.
pub fn find(inventory: &Inventory, id: &str) -> Result<(Source, NodeIdx), UnknownRisk> {
    let unknown = |message: String, help: Option<String>| Err(UnknownRisk { message, help });
    let Some((threat_id, node_id)) = id.split_once('@') else {
        return unknown(
            format!("`{id}` is not a risk id"),
            Some("risk ids are `<threat-id>@<node-id>` or `fraud@<process-id>`".into()),
        );
    };
    let Some(node) = inventory.node_idx(node_id) else {
        let hint = closest(node_id, inventory.nodes.iter().map(|n| n.id.as_str()));
        return unknown(
            format!("no asset, process or vendor has the id `{node_id}`"),
            hint.map(|h| format!("did you mean `{threat_id}@{h}`?")),
        );
    };
    let record = inventory.node(node);
    if !record.in_scope {
        return unknown(
            format!("`{node_id}` is out of scope, so it has no risks"),
            Some("set its in_scope column to yes to assess it".into()),
        );
    }
    let threat = inventory
        .threats
        .iter()
        .position(|t| t.id.as_str() == threat_id);
    match threat {
        Some(t) => {
            let threat = &inventory.threats[t];
            if threat.targets.matches(record) {
                Ok((Source::Threat(t as u32), node))
            } else {
                unknown(
                    format!("threat `{threat_id}` does not target `{node_id}`"),
                    Some(format!("its targets are `{}`", threat.targets)),
                )
            }
        }
        None if threat_id == "fraud" => {
            if matches!(record.detail, NodeDetail::Process(_)) {
                Ok((Source::Fraud, node))
            } else {
                unknown(
                    format!("`{node_id}` is not a business process, so it has no fraud risk"),
                    None,
                )
            }
        }
        None => {
            let hint = closest(
                threat_id,
                inventory
                    .threats
                    .iter()
                    .map(|t| t.id.as_str())
                    .chain(["fraud"]),
            );
            unknown(
                format!("no threat has the id `{threat_id}`"),
                hint.map(|h| format!("did you mean `{h}@{node_id}`?")),
            )
        }
    }
}

/// Assesses the one risk of `source` on `node` as [`super::assess`] would, keeping what each
/// rule saw and returned.
pub fn explain(
    inventory: &Inventory,
    graph: &ImpactGraph,
    rules: &Rules,
    settings: Settings,
    source: Source,
    node: NodeIdx,
) -> Result<Explanation, RuleError> {
    let indexes = Indexes::default();
    explain_with(indexes.of(inventory), graph, rules, settings, source, node)
}

/// [`explain`] for an inventory whose indexes are already built (or kept for later).
pub fn explain_with(
    indexed: Indexed<'_>,
    graph: &ImpactGraph,
    rules: &Rules,
    settings: Settings,
    source: Source,
    node: NodeIdx,
) -> Result<Explanation, RuleError> {
    let inventory = indexed.inventory();
    let facts = indexed.facts();
    let inputs = Inputs::with(indexed, graph, settings.limits, settings.as_of);
    let views = inputs.views();
    let mut scratch = Scratch::default();
    let (scored, fraud_factors, exposure_seen) = match source {
        Source::Threat(threat) => {
            let scenario = Scenario { threat, node };
            let scored = inputs.score(rules, views, &mut scratch, scenario)?;
            (scored, Vec::new(), Some(inputs.exposure_data(scenario)))
        }
        Source::Fraud => {
            let (scored, factors) = inputs.score_fraud(rules, views, &mut scratch, node)?;
            (scored, factors, None)
        }
    };
    let applied = Applied::of(&scratch);
    let bits = properties_of(inventory, source);
    let properties = properties_in(bits);
    let mut workspace = Workspace::new(inventory.nodes.len());
    let compact = CompactFacts::new(inventory, graph, facts);
    let reach = count_reach_sets(
        graph,
        facts,
        &compact,
        &mut workspace,
        node,
        1 << bits,
        settings.limits,
    )[usize::from(bits)]
    .clone();
    let exposure = Exposure::compute(graph, &mut workspace, &[node], &properties, settings.limits);
    let evaluator = Evaluator::new(inventory, settings.as_of);
    let mut risk = Risk::unscored(source, node, settings.as_of);
    risk.inherent = Rating::of(evaluator.rate(scored.inherent));
    risk.residual = Rating::of(evaluator.rate(scored.residual));
    risk.applied = 1;
    evaluator.evaluate(&mut risk);
    let fraud_factors = match source {
        Source::Fraud => vec![(node, fraud_factors)],
        Source::Threat(_) => Vec::new(),
    };
    let assessment = Assessment {
        as_of: settings.as_of,
        risks: vec![risk],
        applied: vec![Applied::default(), applied],
        reach: vec![reach],
        fraud_factors,
    };
    Ok(Explanation {
        assessment,
        properties,
        exposure_seen,
        exposure,
        obligations: inputs.obligations(node).to_vec(),
        inherent: scored.inherent,
        residual: scored.residual,
        single_points_of_failure: supply_chain::of_critical_process(inventory, graph, node),
    })
}
