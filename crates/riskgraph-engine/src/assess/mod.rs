//! The assessment: every risk scenario scored by the rules, evaluated against the organization's
//! criteria (levels, appetite, treatments, review intervals), checked for inconsistencies and
//! ordered into the register.
//!
//! Scenarios are a threat on an in-scope node its targets select (`<threat-id>@<node-id>`) and
//! the fraud risk of each in-scope business process (`fraud@<process-id>`). Work shared between
//! scenarios is done once: the reach summaries the rules read are computed for every node in one
//! pass ([`crate::reach`]), and the register's reach counts run one search per distinct node and
//! set of properties, not per scenario.

mod evaluate;
mod explain;
pub mod groups;

use std::sync::Arc;

use rayon::prelude::*;
use riskgraph_model::selector::NodeIndex;
use riskgraph_model::values::Property;
use riskgraph_model::{Inventory, NodeDetail, NodeIdx};

use crate::exposure::{NodeFacts, Workspace};
use crate::indexes::{Indexed, Indexes};
use crate::pool::Pool;
use crate::propagation::{ImpactGraph, Limits};
use crate::rank::{COVERED, CompactFacts, PROCESS};
use crate::rules::{RuleError, Rules};
use crate::scenarios::{Inputs, Scenario, Scored, Scratch, scenarios_with};

pub use evaluate::{Finding, FindingCode, Rated, Treatment, level_of};
pub use explain::{Explanation, UnknownRisk, explain, explain_with, find};

/// What an assessment depends on besides the inventory and rules.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The day the assessment is made: incidents of the year before it count, reviews and due
    /// dates are compared with it.
    pub as_of: jiff::civil::Date,
    /// How far impact propagates for the exposure.
    pub limits: Limits,
}

/// The threat of a risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// A threat of `threats.csv`, by index.
    Threat(u32),
    /// The fraud risk of a business process (SOC 2 CC3.3).
    Fraud,
}

impl Source {
    /// How a fraud risk shows its threat in the register: id, name and category.
    pub const FRAUD: (&'static str, &'static str, &'static str) =
        ("fraud", "Fraud (SOC 2 CC3.3)", "fraud");
}

/// What a risk's node reaches when the threat strikes, for the properties it affects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReachCounts {
    /// Nodes reached, the node itself excluded.
    pub nodes: u32,
    /// Business processes among them.
    pub processes: u32,
    /// Commitments that cover the node or a node reached.
    pub commitments: u32,
    /// Those commitments, as indexes into `commitments.csv` in file order; shared by the risks of
    /// a node that propagate the same properties.
    pub commitment_list: Arc<[u32]>,
}

/// One risk of the register.
#[derive(Debug, Clone, PartialEq)]
pub struct Risk {
    /// `<threat-id>@<node-id>` or `fraud@<process-id>`.
    pub id: String,
    pub source: Source,
    pub node: NodeIdx,
    pub inherent: Rated,
    pub residual: Rated,
    /// The controls that mitigate the threat and apply to the node, by file order.
    pub controls: Vec<u32>,
    /// The vulnerabilities that apply, by file order.
    pub vulnerabilities: Vec<u32>,
    /// The incidents of the year before `as_of` that apply, by file order.
    pub incidents: Vec<u32>,
    /// For a fraud risk, the factors the `fraud` rule reported, by name.
    pub fraud_factors: Vec<(String, String)>,
    pub reach: ReachCounts,
    /// Whether the residual level is at most the appetite.
    pub within_appetite: bool,
    pub treatment: Treatment,
    /// The treatment's owner, else the node's, else the threat's (an `owner` column of
    /// `threats.csv`).
    pub owner: Option<String>,
    pub next_review: jiff::civil::Date,
    pub findings: Vec<Finding>,
}

impl Risk {
    /// Whether the next review date has passed.
    pub fn review_overdue(&self, as_of: jiff::civil::Date) -> bool {
        self.next_review < as_of
    }
}

/// The risks `assess --only` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Only {
    /// Those whose residual level is above the appetite.
    AboveAppetite,
    /// Those whose next review date has passed.
    Overdue,
}

impl Only {
    pub const ALL: [Self; 2] = [Self::AboveAppetite, Self::Overdue];

    /// The name `--only` takes.
    pub fn name(self) -> &'static str {
        match self {
            Self::AboveAppetite => "above-appetite",
            Self::Overdue => "overdue",
        }
    }

    /// Whether `risk` of an assessment made on `as_of` is one of these.
    pub fn keeps(self, risk: &Risk, as_of: jiff::civil::Date) -> bool {
        match self {
            Self::AboveAppetite => !risk.within_appetite,
            Self::Overdue => risk.review_overdue(as_of),
        }
    }
}

/// The register: every risk, residual score descending, then id.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub as_of: jiff::civil::Date,
    pub risks: Vec<Risk>,
}

impl Assessment {
    /// How many risks have a residual level of `level` or above: what `--fail-on` counts.
    pub fn at_or_above(&self, level: usize) -> usize {
        self.risks
            .iter()
            .filter(|risk| risk.residual.level >= level)
            .count()
    }
}

/// One scenario to score.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Item {
    pub(crate) source: Source,
    pub(crate) node: NodeIdx,
}

/// A scored scenario, before evaluation.
struct Scoring {
    scored: Scored,
    fraud_factors: Vec<(String, String)>,
    /// The controls, vulnerabilities and incidents that applied.
    applied: Applied,
}

/// The controls, vulnerabilities and incidents that apply to a scenario, as indexes in file
/// order.
struct Applied {
    controls: Vec<u32>,
    vulnerabilities: Vec<u32>,
    incidents: Vec<u32>,
}

impl Applied {
    /// What applied to the scenario `scratch` scored last.
    fn of(scratch: &Scratch) -> Self {
        let (controls, vulnerabilities, incidents) = scratch.applied();
        Self {
            controls: controls.to_vec(),
            vulnerabilities: vulnerabilities.to_vec(),
            incidents: incidents.to_vec(),
        }
    }
}

/// Assesses `inventory`: scores every scenario with `rules`, propagating through `graph`, then
/// evaluates and orders the risks. Runs on the current rayon pool; the result does not depend on
/// its size. `progress` is called now and then with the number of scenarios scored since its last
/// call and the number of scenarios in all.
pub fn assess(
    inventory: &Inventory,
    graph: &ImpactGraph,
    rules: &Rules,
    settings: Settings,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Assessment, RuleError> {
    let indexes = Indexes::default();
    assess_with(indexes.of(inventory), graph, rules, settings, progress)
}

/// [`assess`] for an inventory whose indexes are already built (or kept for later): each is
/// built at most once, and shared by the scoring inputs, the scenarios and the reach counts.
pub fn assess_with(
    indexed: Indexed<'_>,
    graph: &ImpactGraph,
    rules: &Rules,
    settings: Settings,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Assessment, RuleError> {
    let inventory = indexed.inventory();
    let inputs = Inputs::with(indexed, graph, settings.limits, settings.as_of);
    let items = items(inventory, &indexed.nodes());
    let scorings = score(&inputs, rules, &items, progress)?;
    // The reach counts are the assessment's largest allocation: the inputs, done with, go first.
    drop(inputs);
    let reach = reach_counts(inventory, graph, indexed.facts(), &items, settings.limits);
    let evaluator = evaluate::Evaluator::new(inventory, settings.as_of);
    let mut risks: Vec<Risk> = items
        .par_iter()
        .zip(scorings)
        .zip(reach)
        .map(|((item, scoring), reach)| {
            let Applied {
                controls,
                vulnerabilities,
                incidents,
            } = scoring.applied;
            let mut risk = Risk {
                id: risk_id(inventory, item.source, item.node),
                source: item.source,
                node: item.node,
                inherent: evaluator.rate(scoring.scored.inherent),
                residual: evaluator.rate(scoring.scored.residual),
                controls,
                vulnerabilities,
                incidents,
                fraud_factors: scoring.fraud_factors,
                reach,
                within_appetite: false,
                treatment: Treatment::default(),
                owner: None,
                next_review: settings.as_of,
                findings: Vec::new(),
            };
            evaluator.evaluate(&mut risk);
            risk
        })
        .collect();
    risks.par_sort_unstable_by(|a, b| {
        b.residual
            .score
            .cmp(&a.residual.score)
            .then_with(|| a.id.cmp(&b.id))
            // Only a threat with the id `fraud` shares ids with fraud risks.
            .then_with(|| a.source.cmp(&b.source))
    });
    Ok(Assessment {
        as_of: settings.as_of,
        risks,
    })
}

/// The id of the risk of `source` on `node`.
pub fn risk_id(inventory: &Inventory, source: Source, node: NodeIdx) -> String {
    let node = &inventory.node(node).id;
    match source {
        Source::Threat(t) => format!("{}@{node}", inventory.threats[t as usize].id),
        Source::Fraud => format!("fraud@{node}"),
    }
}

/// Every scenario: threats by file order, each on its nodes by node order, then the fraud risk
/// of each in-scope process by node order.
pub(crate) fn items(inventory: &Inventory, index: &NodeIndex<'_>) -> Vec<Item> {
    let mut items: Vec<Item> = scenarios_with(inventory, index)
        .into_iter()
        .map(|s| Item {
            source: Source::Threat(s.threat),
            node: s.node,
        })
        .collect();
    items.extend(
        inventory
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, node)| node.in_scope && matches!(node.detail, NodeDetail::Process(_)))
            .map(|(i, _)| Item {
                source: Source::Fraud,
                node: i as NodeIdx,
            }),
    );
    items
}

/// Scores every item in parallel, in their order. On errors, the first in item order is returned,
/// whatever the thread count. Each thread works with its own copy of the rules and of the shared
/// views.
fn score(
    inputs: &Inputs<'_>,
    rules: &Rules,
    items: &[Item],
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Vec<Scoring>, RuleError> {
    const REPORT_EVERY: u64 = 4096;
    let total = items.len() as u64;
    let copies = Pool::new(|| {
        (
            rules.fork(),
            inputs.views().copy(),
            Scratch::default(),
            0_u64,
        )
    });
    let scored: Vec<Result<Scoring, RuleError>> = items
        .par_iter()
        .map_init(
            || copies.take(),
            |copy, item| {
                let (rules, views, scratch, done) = &mut **copy;
                let rules = rules.as_ref().map_err(Clone::clone)?;
                *done += 1;
                if *done % REPORT_EVERY == 0 {
                    progress(REPORT_EVERY, total);
                }
                match item.source {
                    Source::Threat(threat) => {
                        let scenario = Scenario {
                            threat,
                            node: item.node,
                        };
                        let scored = inputs.score(rules, views, scratch, scenario)?;
                        Ok(Scoring {
                            scored,
                            fraud_factors: Vec::new(),
                            applied: Applied::of(scratch),
                        })
                    }
                    Source::Fraud => {
                        let (scored, fraud_factors) =
                            inputs.score_fraud(rules, views, scratch, item.node)?;
                        Ok(Scoring {
                            scored,
                            fraud_factors,
                            applied: Applied::of(scratch),
                        })
                    }
                }
            },
        )
        .collect();
    // rayon's collect into a `Result` returns whichever error a thread met first.
    scored.into_iter().collect()
}

/// The properties a scenario propagates, as a bit set over [`Property::ALL`]: the threat's
/// `affects`; integrity for fraud, which corrupts records and payments.
pub(crate) fn properties_of(inventory: &Inventory, source: Source) -> u8 {
    match source {
        Source::Threat(t) => {
            let affects = inventory.threats[t as usize].affects;
            Property::ALL
                .iter()
                .filter(|&&p| affects.contains(p))
                .fold(0, |bits, &p| bits | 1 << p as u8)
        }
        Source::Fraud => 1 << Property::Integrity as u8,
    }
}

/// The properties in `bits`, a bit set over [`Property::ALL`], in that order.
pub(crate) fn properties_in(bits: u8) -> Vec<Property> {
    Property::ALL
        .into_iter()
        .filter(|&p| bits & (1 << p as u8) != 0)
        .collect()
}

/// The reach counts of every item. Many items share a node, so there is one walk per distinct
/// node, over the union of the properties its items propagate, counting for each set of
/// properties at once; the nodes are walked in parallel.
fn reach_counts(
    inventory: &Inventory,
    graph: &ImpactGraph,
    facts: &NodeFacts,
    items: &[Item],
    limits: Limits,
) -> Vec<ReachCounts> {
    // Per node, the property sets its items propagate, as a bit set over the 8 possible sets.
    let mut wanted: Vec<(NodeIdx, u8)> = items
        .iter()
        .map(|item| (item.node, properties_of(inventory, item.source)))
        .collect();
    wanted.par_sort_unstable();
    wanted.dedup();
    let mut nodes: Vec<(NodeIdx, u8)> = Vec::new();
    for &(node, properties) in &wanted {
        match nodes.last_mut() {
            Some((last, sets)) if *last == node => *sets |= 1 << properties,
            _ => nodes.push((node, 1 << properties)),
        }
    }
    let compact = CompactFacts::new(inventory, graph, facts);
    let pool = Pool::new(|| Workspace::new(inventory.nodes.len()));
    // Walks from nodes close in the graph's internal (topological) order touch the same memory,
    // so each thread walks a run of them: far fewer cache misses than inventory order.
    let mut order: Vec<u32> = (0..nodes.len() as u32).collect();
    order.par_sort_unstable_by_key(|&i| graph.internal(nodes[i as usize].0));
    let walked: Vec<[ReachCounts; 8]> = order
        .par_iter()
        .map(|&i| nodes[i as usize])
        .map_init(
            || pool.take(),
            |workspace, (node, sets)| {
                count_reach_sets(graph, facts, &compact, workspace, node, sets, limits)
            },
        )
        .collect();
    let mut counts =
        vec![std::array::from_fn::<ReachCounts, 8, _>(|_| ReachCounts::default()); nodes.len()];
    for (&i, reach) in order.iter().zip(walked) {
        counts[i as usize] = reach;
    }
    items
        .iter()
        .map(|item| {
            let at = nodes
                .binary_search_by_key(&item.node, |&(node, _)| node)
                .expect("every item's node was walked");
            counts[at][usize::from(properties_of(inventory, item.source))].clone()
        })
        .collect()
}

/// The reach of `origin` for each property set in `sets` (a bit set over the sets, themselves
/// bit sets over [`Property::ALL`]), from one walk over their union.
fn count_reach_sets(
    graph: &ImpactGraph,
    facts: &NodeFacts,
    compact: &CompactFacts,
    workspace: &mut Workspace,
    origin: NodeIdx,
    sets: u8,
    limits: Limits,
) -> [ReachCounts; 8] {
    let union = (0..8u8)
        .filter(|&set| sets & (1 << set) != 0)
        .fold(0u8, |all, set| all | set);
    let properties = properties_in(union);
    // Per reached node, the properties that reach it; counted per set at the end.
    let mut nodes = [0u32; 8];
    let mut processes = [0u32; 8];
    let mut covered: Vec<(u32, u8)> = Vec::new();
    let origin_internal = graph.internal(origin);
    workspace.for_each_reached(graph, &[origin], &properties, limits, |internal, labels| {
        let reached_by = labels
            .iter()
            .enumerate()
            .filter(|(_, label)| label.is_some())
            .fold(0u8, |bits, (p, _)| bits | 1 << p);
        let node_flags = compact.nodes[internal as usize][3];
        if node_flags & COVERED != 0 {
            let node = graph.external(internal);
            covered.extend(facts.commitments(node).iter().map(|&c| (c, reached_by)));
        }
        if internal == origin_internal {
            return;
        }
        // The sets that share a property with `reached_by` count the node.
        nodes[usize::from(reached_by)] += 1;
        if node_flags & PROCESS != 0 {
            processes[usize::from(reached_by)] += 1;
        }
    });
    covered.sort_unstable();
    let mut result: [ReachCounts; 8] = std::array::from_fn(|_| ReachCounts::default());
    for set in (0..8u8).filter(|&set| sets & (1 << set) != 0) {
        let counts = &mut result[usize::from(set)];
        for reached_by in 1..8u8 {
            if reached_by & set != 0 {
                counts.nodes += nodes[usize::from(reached_by)];
                counts.processes += processes[usize::from(reached_by)];
            }
        }
        let mut list: Vec<u32> = Vec::new();
        for &(commitment, reached_by) in &covered {
            if reached_by & set != 0 && list.last() != Some(&commitment) {
                list.push(commitment);
            }
        }
        counts.commitments = list.len() as u32;
        if !list.is_empty() {
            counts.commitment_list = list.into();
        }
    }
    result
}
