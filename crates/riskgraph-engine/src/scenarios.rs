//! Risk scenarios and what the rules see of each: the core of the assessment's scoring step.
//!
//! A scenario is a threat on an in-scope node its `targets` select (`<threat-id>@<node-id>`).
//! [`Inputs`] prepares, once per inventory, everything the hooks read: a shared view per threat
//! and per node, each node's reach summaries, and the vulnerabilities, incidents, obligations and
//! controls by node, so that building one scenario's inputs costs what applies to it.

use std::sync::Arc;

use rayon::prelude::*;
use riskgraph_model::records::ThreatRef;
use riskgraph_model::selector::NodeIndex;
use riskgraph_model::values::Property;
use riskgraph_model::vocabulary::{RiskCategory, Vocabulary};
use riskgraph_model::{Inventory, NodeDetail, NodeIdx};

use crate::exposure::DEFAULT_RATING;
use crate::indexes::{Indexed, Indexes};
use crate::per_node::PerNode;
use crate::propagation::{ImpactGraph, Limits};
use crate::reach::{ReachSummary, summaries};
use crate::rules::memo::{Memo, NodeKey, Varying, node_classes};
use crate::rules::views::{
    AttrData, Context, ContextData, ControlData, Exposure, ExposureData, IncidentData, Node,
    NodeData, ObligationData, ScoresData, Threat, ThreatData, VulnerabilityData,
};
use crate::rules::{RuleError, Rules};

/// One risk scenario: a threat on a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Scenario {
    pub threat: u32,
    pub node: NodeIdx,
}

/// Every scenario of the inventory: each threat on each in-scope node its targets select, by
/// threat then node order.
pub fn scenarios(inventory: &Inventory) -> Vec<Scenario> {
    scenarios_with(inventory, &NodeIndex::new(inventory))
}

/// [`scenarios`], selecting through `index`, the inventory's node index.
pub fn scenarios_with(inventory: &Inventory, index: &NodeIndex<'_>) -> Vec<Scenario> {
    let mut list = Vec::new();
    let targets = threat_targets(inventory, index);
    for_each_scenario(inventory, &targets, |scenario| list.push(scenario));
    list
}

/// The nodes each threat's targets select, by threat, selected through `index`.
pub fn threat_targets(inventory: &Inventory, index: &NodeIndex<'_>) -> Vec<Option<Arc<[NodeIdx]>>> {
    crate::exposure::select_each(index, inventory.threats.iter().map(|t| Some(&t.targets)))
}

/// Calls `each` with every scenario of `targets` ([`threat_targets`]), in the order of
/// [`scenarios_with`], without listing them.
pub fn for_each_scenario(
    inventory: &Inventory,
    targets: &[Option<Arc<[NodeIdx]>>],
    mut each: impl FnMut(Scenario),
) {
    for (t, nodes) in targets.iter().enumerate() {
        for &node in nodes.as_deref().unwrap_or_default() {
            if inventory.node(node).in_scope {
                each(Scenario {
                    threat: t as u32,
                    node,
                });
            }
        }
    }
}

/// A 1..5 rating as scripts see it: [`DEFAULT_RATING`] when the cell is empty.
fn rating(value: Option<riskgraph_model::values::Rating>) -> i64 {
    i64::from(value.map_or(DEFAULT_RATING, riskgraph_model::values::Rating::get))
}

/// The script-side objects many scenarios share. Every scenario clones some of their reference
/// counts; threads that share one copy make those cache lines bounce between cores, so each
/// scoring thread works on its own [`Views::copy`].
pub struct Views {
    threats: Vec<Threat>,
    vulnerabilities: Vec<Arc<VulnerabilityData>>,
    incidents: Vec<Arc<IncidentData>>,
    obligations: Vec<Arc<ObligationData>>,
    controls: Vec<Arc<ControlData>>,
}

impl Views {
    /// The views of `inventory`'s threats, vulnerabilities, incidents, obligations and controls,
    /// by file order.
    fn new(inventory: &Inventory) -> Self {
        Self {
            threats: inventory.threats.iter().map(threat_view).collect(),
            vulnerabilities: inventory
                .vulnerabilities
                .iter()
                .map(vulnerability_view)
                .collect(),
            incidents: inventory.incidents.iter().map(incident_view).collect(),
            obligations: inventory.obligations.iter().map(obligation_view).collect(),
            controls: inventory.controls.iter().map(control_view).collect(),
        }
    }

    /// A copy with its own reference counts.
    #[must_use]
    pub fn copy(&self) -> Self {
        fn fresh<T: Clone>(list: &[Arc<T>]) -> Vec<Arc<T>> {
            list.iter().map(|x| Arc::new(T::clone(x))).collect()
        }
        Self {
            threats: self
                .threats
                .iter()
                .map(|t| Threat(Arc::new(ThreatData::clone(&t.0))))
                .collect(),
            vulnerabilities: fresh(&self.vulnerabilities),
            incidents: fresh(&self.incidents),
            obligations: fresh(&self.obligations),
            controls: fresh(&self.controls),
        }
    }
}

/// A scoring thread's own state, kept from scenario to scenario: the memo of rule results and
/// the lists of what applies to the scenario at hand.
#[derive(Default)]
pub struct Scratch {
    pub memo: Memo,
    lists: Lists,
    /// The nodes' classes for the `likelihood` and `impact` hooks ([`Inputs::node_classes`]),
    /// when the scenarios are many.
    classes: Option<Arc<NodeClasses>>,
}

/// Per hook, the class of each node by what the hook reads of it ([`node_classes`]).
pub struct NodeClasses {
    likelihood: Option<Vec<u32>>,
    impact: Option<Vec<u32>>,
}

impl NodeClasses {
    /// How `node` goes in a key of the hook whose classes are `classes`.
    fn key<'a>(classes: Option<&[u32]>, node: NodeIdx, data: &'a NodeData) -> NodeKey<'a> {
        match classes {
            Some(classes) => NodeKey::Class(classes[node as usize]),
            None => NodeKey::Fields(data),
        }
    }
}

/// Which vulnerabilities, incidents and controls apply to a scenario, as indexes into the views.
#[derive(Default)]
struct Lists {
    vulnerabilities: Vec<u32>,
    incidents: Vec<u32>,
    controls: Vec<u32>,
}

impl Scratch {
    /// A scratch whose keys hold the nodes' `classes` (made by [`Inputs::node_classes`] for the
    /// same rules).
    pub fn with_classes(classes: Arc<NodeClasses>) -> Self {
        Self {
            classes: Some(classes),
            ..Self::default()
        }
    }

    /// What applied to the scenario scored last: its controls, vulnerabilities and incidents, as
    /// indexes in file order.
    pub fn applied(&self) -> (&[u32], &[u32], &[u32]) {
        let lists = &self.lists;
        (&lists.controls, &lists.vulnerabilities, &lists.incidents)
    }
}

impl Lists {
    fn clear(&mut self) {
        self.vulnerabilities.clear();
        self.incidents.clear();
        self.controls.clear();
    }
}

/// Everything the hooks read, prepared once per inventory and shared by every scenario.
pub struct Inputs<'a> {
    inventory: &'a Inventory,
    views: Views,
    nodes: Vec<Node>,
    /// Reach summaries per property, by node.
    reach: [Vec<ReachSummary>; 3],
    vulnerabilities_of: PerNode,
    incidents_of: PerNode,
    /// Shared with the session's indexes.
    obligations_of: Arc<PerNode>,
    /// Per vulnerability, the threats it concerns.
    vulnerability_threats: Vec<Threats>,
    /// Per control, the nodes its `applies_to` selects; controls with the same selector share
    /// the set.
    control_nodes: Vec<NodeSet>,
    /// Per threat, the controls that mitigate it and apply to many nodes, as bits or as lists.
    wide_controls: WideControls,
    /// Per node, the controls that apply to it among those that apply to few nodes.
    narrow_controls_of: PerNode,
    /// Per control, the threats it mitigates.
    control_threats: Vec<Threats>,
    /// The controls that mitigate fraud.
    fraud_controls: Vec<u32>,
    base: ContextData,
}

/// What the hooks said of one scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scored {
    pub inherent: ScoresData,
    pub residual: ScoresData,
}

impl<'a> Inputs<'a> {
    /// Prepares the inputs of `inventory` as of `as_of`, with exposures from `graph` within
    /// `limits`.
    pub fn new(
        inventory: &'a Inventory,
        graph: &ImpactGraph,
        limits: Limits,
        as_of: jiff::civil::Date,
    ) -> Self {
        let indexes = Indexes::default();
        Self::prepare(inventory, indexes.of(inventory), graph, limits, as_of)
    }

    /// [`Inputs::new`] for an inventory whose indexes are already built (or kept for later).
    pub fn with(
        indexed: Indexed<'a>,
        graph: &ImpactGraph,
        limits: Limits,
        as_of: jiff::civil::Date,
    ) -> Self {
        Self::prepare(indexed.inventory(), indexed, graph, limits, as_of)
    }

    /// The inputs of `inventory`, whose indexes are `indexed`.
    fn prepare(
        inventory: &'a Inventory,
        indexed: Indexed<'_>,
        graph: &ImpactGraph,
        limits: Limits,
        as_of: jiff::civil::Date,
    ) -> Self {
        debug_assert!(std::ptr::eq(inventory, indexed.inventory()));
        let index = indexed.nodes();
        let facts = indexed.facts();
        let obligations_of = Arc::clone(indexed.obligations());
        // One pass over the graph per property, each sequential: the three at once.
        let reach: Vec<Vec<ReachSummary>> = Property::ALL
            .into_par_iter()
            .map(|p| summaries(graph, facts, p, limits))
            .collect();
        let reach: [Vec<ReachSummary>; 3] = reach.try_into().expect("one per property");
        let vulnerability_threats = inventory
            .vulnerabilities
            .iter()
            .map(|v| Threats::new(inventory, &v.threats))
            .collect();
        let vulnerabilities_of = PerNode::selected(
            &index,
            inventory.vulnerabilities.iter().map(|v| Some(&v.targets)),
        );
        let control_nodes = control_node_sets(inventory, &index);
        let control_threats: Vec<Threats> = inventory
            .controls
            .iter()
            .map(|c| Threats::named(inventory, &c.mitigates))
            .collect();
        let by_threat = wide_controls_of_threat(inventory, &control_nodes, &control_threats);
        let wide_controls = match WideBits::new(inventory, &control_nodes, &by_threat) {
            Some(bits) => WideControls::Bits(bits),
            None => WideControls::ByThreat(by_threat),
        };
        Self {
            inventory,
            views: Views::new(inventory),
            nodes: inventory
                .nodes
                .par_iter()
                .zip(&facts.value)
                .map(|(node, &value)| node_view(node, value))
                .collect(),
            reach,
            vulnerabilities_of,
            vulnerability_threats,
            incidents_of: recent_incidents_by_node(inventory, as_of),
            obligations_of,
            wide_controls,
            narrow_controls_of: narrow_controls_by_node(inventory, &control_nodes),
            control_nodes,
            control_threats,
            fraud_controls: fraud_controls(inventory),
            base: base_context(inventory, as_of),
        }
    }

    /// How many nodes the inventory has.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The class of each node for the `likelihood` and `impact` hooks of `rules`, for keys that
    /// hold a node's class instead of its fields ([`Scratch::with_classes`]).
    pub fn node_classes(&self, rules: &Rules) -> NodeClasses {
        let nodes: Vec<&NodeData> = self.nodes.iter().map(|node| &*node.0).collect();
        let (likelihood, impact) = rayon::join(
            || node_classes(rules.reads("likelihood"), &nodes),
            || node_classes(rules.reads("impact"), &nodes),
        );
        NodeClasses { likelihood, impact }
    }

    /// The shared objects, for a thread to [`Views::copy`].
    pub fn views(&self) -> &Views {
        &self.views
    }

    /// The context a script is given, from what varies between scenarios.
    fn context_of(&self, varying: &Varying<'_>) -> Context {
        let (vulnerabilities, v) = varying.vulnerabilities;
        let (incidents, i) = varying.incidents;
        let (obligations, o) = varying.obligations;
        Context(Arc::new(ContextData {
            risk: (varying.risk)(),
            vulnerabilities: shared(vulnerabilities, v.iter().copied()),
            incidents: shared(incidents, i.iter().copied()),
            obligations: shared(obligations, o.iter().copied()),
            ..self.base.clone()
        }))
    }

    /// The vulnerabilities on the scenario's node that concern its threat (all threats when the
    /// vulnerability names none), by file order.
    pub fn vulnerabilities(&self, scenario: Scenario) -> impl Iterator<Item = u32> + '_ {
        self.vulnerabilities_of
            .of(scenario.node)
            .iter()
            .copied()
            .filter(move |&v| self.vulnerability_threats[v as usize].contains(scenario.threat))
    }

    /// The incidents of the past year on the scenario's node that concern its threat (all threats
    /// when the incident names none), by file order.
    pub fn incidents(&self, scenario: Scenario) -> impl Iterator<Item = u32> + '_ {
        let threat = &self.inventory.threats[scenario.threat as usize];
        self.incidents_of
            .of(scenario.node)
            .iter()
            .copied()
            .filter(move |&i| {
                self.inventory.incidents[i as usize]
                    .threat
                    .as_ref()
                    .is_none_or(|r| r.refers_to(threat))
            })
    }

    /// The obligations that apply to `node`, by file order.
    pub fn obligations(&self, node: NodeIdx) -> &[u32] {
        self.obligations_of.of(node)
    }

    /// The controls that mitigate the scenario's threat and apply to its node, by file order.
    pub fn controls(&self, scenario: Scenario) -> Vec<u32> {
        let mut controls = Vec::new();
        self.controls_into(scenario, &mut controls);
        controls
    }

    /// Appends [`Inputs::controls`] to `out`: the controls that apply to few nodes, from the
    /// node's list, and those that apply to many, from the threat's list.
    fn controls_into(&self, scenario: Scenario, out: &mut Vec<u32>) {
        let start = out.len();
        out.extend(
            self.narrow_controls_of
                .of(scenario.node)
                .iter()
                .copied()
                .filter(|&c| self.control_threats[c as usize].contains(scenario.threat)),
        );
        let narrow = out.len();
        match &self.wide_controls {
            WideControls::Bits(bits) => bits.controls_into(scenario, out),
            WideControls::ByThreat(by_threat) => out.extend(
                by_threat[scenario.threat as usize]
                    .iter()
                    .copied()
                    .filter(|&c| self.applies(c, scenario.node)),
            ),
        }
        if narrow > start && out.len() > narrow {
            out[start..].sort_unstable();
        }
    }

    /// What the `residual` hook sees of [`Inputs::controls`].
    pub fn control_views(&self, views: &Views, scenario: Scenario) -> Vec<Arc<ControlData>> {
        shared(&views.controls, self.controls(scenario).into_iter())
    }

    fn applies(&self, control: u32, node: NodeIdx) -> bool {
        self.control_nodes[control as usize].contains(node)
    }

    /// The context of one scenario: the vulnerabilities, incidents and obligations that apply.
    pub fn context(&self, views: &Views, scenario: Scenario) -> Context {
        let threat = &self.inventory.threats[scenario.threat as usize];
        Context(Arc::new(ContextData {
            risk: format!("{}@{}", threat.id, self.inventory.node(scenario.node).id),
            vulnerabilities: shared(&views.vulnerabilities, self.vulnerabilities(scenario)),
            incidents: shared(&views.incidents, self.incidents(scenario)),
            obligations: shared(
                &views.obligations,
                self.obligations(scenario.node).iter().copied(),
            ),
            ..self.base.clone()
        }))
    }

    /// What the scenario's node reaches, for the properties its threat affects.
    pub fn exposure(&self, scenario: Scenario) -> Exposure {
        Exposure(Arc::new(self.exposure_data(scenario)))
    }

    /// What the `impact` hook sees of the scenario's exposure.
    pub fn exposure_data(&self, scenario: Scenario) -> ExposureData {
        let affects = self.inventory.threats[scenario.threat as usize].affects;
        let node = scenario.node as usize;
        let mut summaries = [&self.reach[0][node]; 3];
        let mut count = 0;
        for p in Property::ALL {
            if affects.contains(p) {
                summaries[count] = &self.reach[p as usize][node];
                count += 1;
            }
        }
        ReachSummary::exposure(&summaries[..count])
    }

    /// The incidents of the past year on `process` that concern fraud (a threat of category
    /// `fraud`, by id or by category), by file order.
    pub fn fraud_incidents(&self, process: NodeIdx) -> impl Iterator<Item = u32> + '_ {
        self.incidents_of.of(process).iter().copied().filter(|&i| {
            self.inventory.incidents[i as usize]
                .threat
                .as_ref()
                .is_some_and(|r| is_fraud(self.inventory, r))
        })
    }

    /// The controls that mitigate fraud (a threat of category `fraud`, by id or by category) and
    /// apply to `process`, by file order.
    pub fn fraud_controls(&self, process: NodeIdx) -> impl Iterator<Item = u32> + '_ {
        self.fraud_controls
            .iter()
            .copied()
            .filter(move |&c| self.applies(c, process))
    }

    pub fn threat<'v>(&self, views: &'v Views, scenario: Scenario) -> &'v Threat {
        &views.threats[scenario.threat as usize]
    }

    pub fn node(&self, node: NodeIdx) -> &Node {
        &self.nodes[node as usize]
    }

    /// Scores one scenario: inherent likelihood and impact, then residual after its controls.
    ///
    /// `memo` holds the results of earlier calls of the same assessment: a call whose arguments
    /// agree on everything the script reads reuses one (see [`crate::rules::memo`]). The objects
    /// a script is given (the context, the exposure, the controls) are built only when a script
    /// runs.
    pub fn score(
        &self,
        rules: &Rules,
        views: &Views,
        scratch: &mut Scratch,
        scenario: Scenario,
    ) -> Result<Scored, RuleError> {
        let threat = self.threat(views, scenario);
        let node = self.node(scenario.node);
        let Scratch {
            memo,
            lists,
            classes,
        } = scratch;
        let classes = classes.as_deref();
        let key = |of: fn(&NodeClasses) -> Option<&[u32]>| {
            NodeClasses::key(classes.and_then(of), scenario.node, &node.0)
        };
        lists.clear();
        lists.vulnerabilities.extend(self.vulnerabilities(scenario));
        lists.incidents.extend(self.incidents(scenario));
        self.controls_into(scenario, &mut lists.controls);
        let lists = &*lists;
        let risk = || {
            format!(
                "{}@{}",
                self.inventory.threats[scenario.threat as usize].id,
                self.inventory.node(scenario.node).id
            )
        };
        let obligations = self.obligations(scenario.node);
        let varying = Varying {
            risk: &risk,
            vulnerabilities: (&views.vulnerabilities, &lists.vulnerabilities),
            incidents: (&views.incidents, &lists.incidents),
            obligations: (&views.obligations, obligations),
        };
        let mut ctx: Option<Context> = None;
        let mut context = || ctx.get_or_insert_with(|| self.context_of(&varying)).clone();
        let likelihood = memo.likelihood(
            rules.reads("likelihood"),
            (&threat.0, key(|c| c.likelihood.as_deref()), &varying),
            || rules.likelihood(threat, node, &context()),
        )?;
        let exposure = self.exposure_data(scenario);
        let impact = memo.impact(
            rules.reads("impact"),
            (&threat.0, key(|c| c.impact.as_deref()), &exposure, &varying),
            || {
                rules.impact(
                    threat,
                    node,
                    &Exposure(Arc::new(exposure.clone())),
                    &context(),
                )
            },
        )?;
        let inherent = ScoresData { likelihood, impact };
        let residual = residual(
            rules,
            views,
            memo,
            &lists.controls,
            &varying,
            inherent,
            &mut context,
        )?;
        Ok(Scored { inherent, residual })
    }

    /// Scores the fraud scenario of `process`: the `fraud` hook, then residual after the controls
    /// that mitigate fraud there. Also returns the factors the script reported.
    pub fn score_fraud(
        &self,
        rules: &Rules,
        views: &Views,
        scratch: &mut Scratch,
        process: NodeIdx,
    ) -> Result<(Scored, Vec<(String, String)>), RuleError> {
        let node = self.node(process);
        let Scratch { memo, lists, .. } = scratch;
        lists.clear();
        lists.incidents.extend(self.fraud_incidents(process));
        lists.controls.extend(self.fraud_controls(process));
        let lists = &*lists;
        let risk = || format!("fraud@{}", self.inventory.node(process).id);
        let obligations = self.obligations(process);
        let varying = Varying {
            risk: &risk,
            vulnerabilities: (&views.vulnerabilities, &[]),
            incidents: (&views.incidents, &lists.incidents),
            obligations: (&views.obligations, obligations),
        };
        let mut ctx: Option<Context> = None;
        let mut context = || ctx.get_or_insert_with(|| self.context_of(&varying)).clone();
        let fraud = memo.fraud(rules.reads("fraud"), (&node.0, &varying), || {
            rules.fraud(node, &context())
        })?;
        let inherent = ScoresData {
            likelihood: fraud.likelihood,
            impact: fraud.impact,
        };
        let residual = residual(
            rules,
            views,
            memo,
            &lists.controls,
            &varying,
            inherent,
            &mut context,
        )?;
        Ok((Scored { inherent, residual }, fraud.factors))
    }

    /// The residual scores of the risk `scratch` scored last (with [`Inputs::score`] or
    /// [`Inputs::score_fraud`]; `risk` is its id, `node` its node), with each of its controls
    /// left out in turn: one entry per control, in the order of [`Scratch::applied`]. What a
    /// control is worth is the difference it makes.
    pub fn residuals_without_each(
        &self,
        rules: &Rules,
        views: &Views,
        scratch: &mut Scratch,
        risk: &dyn Fn() -> String,
        node: NodeIdx,
        inherent: ScoresData,
    ) -> Result<Vec<ScoresData>, RuleError> {
        let Scratch { memo, lists, .. } = scratch;
        let varying = Varying {
            risk,
            vulnerabilities: (&views.vulnerabilities, &lists.vulnerabilities),
            incidents: (&views.incidents, &lists.incidents),
            obligations: (&views.obligations, self.obligations(node)),
        };
        let mut without = Vec::with_capacity(lists.controls.len());
        let mut others = Vec::with_capacity(lists.controls.len());
        for left_out in 0..lists.controls.len() {
            others.clear();
            others.extend(
                lists
                    .controls
                    .iter()
                    .enumerate()
                    .filter(|&(at, _)| at != left_out)
                    .map(|(_, &c)| c),
            );
            let mut context = || self.context_of(&varying);
            without.push(residual(
                rules,
                views,
                memo,
                &others,
                &varying,
                inherent,
                &mut context,
            )?);
        }
        Ok(without)
    }

    /// What the `loss` hook is given for the risk of `threat` (a threat's index; `None` for the
    /// fraud risk) on `node`, before the simulation adds its money: the threat, the node, the
    /// exposure's summary for the properties the threat affects (integrity for fraud) and the
    /// context of the risk.
    pub fn loss_inputs(
        &self,
        views: &Views,
        threat: Option<u32>,
        node: NodeIdx,
    ) -> (Threat, Node, ExposureData, ContextData) {
        let (threat_view, exposure, context) = if let Some(threat) = threat {
            let scenario = Scenario { threat, node };
            (
                self.threat(views, scenario).clone(),
                self.exposure_data(scenario),
                Arc::unwrap_or_clone(self.context(views, scenario).0),
            )
        } else {
            let (id, name, category) = crate::assess::Source::FRAUD;
            let threat = Threat(Arc::new(ThreatData {
                id: id.to_owned(),
                name: name.to_owned(),
                category: category.to_owned(),
                affects: vec![Property::Integrity.name().to_owned()],
                likelihood: i64::from(DEFAULT_RATING),
                ..ThreatData::default()
            }));
            let integrity = &self.reach[Property::Integrity as usize][node as usize];
            let context = ContextData {
                risk: format!("fraud@{}", self.inventory.node(node).id),
                incidents: shared(&views.incidents, self.fraud_incidents(node)),
                obligations: shared(&views.obligations, self.obligations(node).iter().copied()),
                ..self.base.clone()
            };
            (threat, ReachSummary::exposure(&[integrity]), context)
        };
        (threat_view, self.node(node).clone(), exposure, context)
    }

    /// Scores every scenario in parallel (on the current rayon pool), in their order; the first
    /// error, in scenario order, stops it. Each thread works with its own copy of the rules and of
    /// the shared views.
    pub fn score_all(
        &self,
        rules: &Rules,
        scenarios: &[Scenario],
    ) -> Result<Vec<Scored>, RuleError> {
        let copies =
            crate::pool::Pool::new(|| (rules.fork(), self.views.copy(), Scratch::default()));
        scenarios
            .par_iter()
            .map_init(
                || copies.take(),
                |copy, &scenario| match &mut **copy {
                    (Ok(rules), views, scratch) => self.score(rules, views, scratch, scenario),
                    (Err(error), _, _) => Err(error.clone()),
                },
            )
            .collect()
    }
}

/// The threats a list of references (`threats` of a vulnerability) names, by threat index: every
/// threat when the list is empty. Resolved once, so a scenario does not compare ids as text.
struct Threats(Option<Box<[u64]>>);

impl Threats {
    fn new(inventory: &Inventory, references: &[ThreatRef]) -> Self {
        if references.is_empty() {
            return Self(None);
        }
        let mut bits = vec![0u64; inventory.threats.len().div_ceil(64)];
        for (t, threat) in inventory.threats.iter().enumerate() {
            if references.iter().any(|r| r.refers_to(threat)) {
                bits[t / 64] |= 1 << (t % 64);
            }
        }
        Self(Some(bits.into()))
    }

    /// The threats `references` names; none when it is empty (a control's `mitigates`).
    fn named(inventory: &Inventory, references: &[ThreatRef]) -> Self {
        if references.is_empty() {
            return Self(Some(vec![0; inventory.threats.len().div_ceil(64)].into()));
        }
        Self::new(inventory, references)
    }

    fn contains(&self, threat: u32) -> bool {
        self.0
            .as_ref()
            .is_none_or(|bits| bits[threat as usize / 64] & (1 << (threat % 64)) != 0)
    }
}

/// A set of nodes: a sorted list when it holds few (a binary search within a few cache lines), a
/// bit set otherwise, so that asking whether a control applies to a node costs one memory read
/// rather than a binary search over thousands of entries, each step a cache miss. Scoring asks it
/// for every control of every scenario's threat.
#[derive(Clone)]
enum NodeSet {
    List(Arc<[NodeIdx]>),
    Bits(Arc<[u64]>),
}

impl NodeSet {
    fn new(nodes: &Arc<[NodeIdx]>, node_count: usize) -> Self {
        const FEW: usize = 512;
        if nodes.len() <= FEW {
            return Self::List(Arc::clone(nodes));
        }
        Self::bits(nodes, node_count)
    }

    /// The set as bits, however few nodes it holds.
    fn bits(nodes: &[NodeIdx], node_count: usize) -> Self {
        let mut bits = vec![0u64; node_count.div_ceil(64)];
        for &node in nodes {
            bits[node as usize / 64] |= 1 << (node % 64);
        }
        Self::Bits(bits.into())
    }

    /// Whether the set is a bit set: it holds many nodes.
    fn is_wide(&self) -> bool {
        matches!(self, Self::Bits(_))
    }

    fn contains(&self, node: NodeIdx) -> bool {
        match self {
            Self::List(nodes) => nodes.binary_search(&node).is_ok(),
            Self::Bits(bits) => bits[node as usize / 64] & (1 << (node % 64)) != 0,
        }
    }
}

/// The `residual` hook after `inherent`, reused or run with the scenario's controls (`lists`)
/// and its context, made by `context` only if the script runs.
fn residual(
    rules: &Rules,
    views: &Views,
    memo: &mut Memo,
    controls: &[u32],
    varying: &Varying<'_>,
    inherent: ScoresData,
    context: &mut dyn FnMut() -> Context,
) -> Result<ScoresData, RuleError> {
    memo.residual(
        rules.reads("residual"),
        (inherent, (&views.controls, controls), varying),
        || {
            let controls = shared(&views.controls, controls.iter().copied());
            rules.residual(inherent, &controls, &context())
        },
    )
}

/// Whether `reference` names fraud: the category, or a threat of that category.
fn is_fraud(inventory: &Inventory, reference: &ThreatRef) -> bool {
    match reference {
        ThreatRef::Category(category) => *category == RiskCategory::Fraud,
        ThreatRef::Id(id) => inventory
            .threats
            .iter()
            .any(|t| t.id == *id && t.category == RiskCategory::Fraud),
    }
}

/// The shared views of `items`.
fn shared<T>(views: &[Arc<T>], items: impl Iterator<Item = u32>) -> Vec<Arc<T>> {
    items.map(|i| Arc::clone(&views[i as usize])).collect()
}

fn threat_view(threat: &riskgraph_model::records::Threat) -> Threat {
    Threat(Arc::new(ThreatData {
        id: threat.id.to_string(),
        name: threat.name.to_string(),
        category: threat.category.as_str().to_owned(),
        source: threat
            .source
            .map_or_else(String::new, |s| s.as_str().to_owned()),
        affects: threat.affects.iter().map(|p| p.name().to_owned()).collect(),
        likelihood: rating(threat.likelihood),
        tags: threat.tags.iter().map(ToString::to_string).collect(),
        frequency: threat.frequency,
        loss: threat.loss,
    }))
}

fn vulnerability_view(
    vulnerability: &riskgraph_model::records::Vulnerability,
) -> Arc<VulnerabilityData> {
    Arc::new(VulnerabilityData {
        id: vulnerability.id.to_string(),
        severity: rating(vulnerability.severity),
        status: vulnerability.status.as_str().to_owned(),
        cve: vulnerability.cve.as_deref().unwrap_or_default().to_owned(),
        found: vulnerability
            .found
            .map(riskgraph_model::values::Date::civil),
    })
}

fn incident_view(incident: &riskgraph_model::records::Incident) -> Arc<IncidentData> {
    Arc::new(IncidentData {
        id: incident.id.to_string(),
        date: Some(incident.date.civil()),
        severity: rating(incident.severity),
    })
}

fn obligation_view(obligation: &riskgraph_model::records::Obligation) -> Arc<ObligationData> {
    Arc::new(ObligationData {
        id: obligation.id.to_string(),
        obligation_type: obligation
            .obligation_type
            .map_or_else(String::new, |t| t.as_str().to_owned()),
        severity: rating(obligation.severity),
    })
}

fn control_view(control: &riskgraph_model::records::Control) -> Arc<ControlData> {
    Arc::new(ControlData {
        id: control.id.to_string(),
        status: control.status.as_str().to_owned(),
        effectiveness: control.effectiveness.map_or(0.0, |e| f64::from(e.get())),
        reduces: control.reduces.as_str().to_owned(),
        due: control.due.map(riskgraph_model::values::Date::civil),
        last_tested: control
            .last_tested
            .map(riskgraph_model::values::Date::civil),
    })
}

/// Per node, the incidents of the 365 days up to `as_of` that affected it.
fn recent_incidents_by_node(inventory: &Inventory, as_of: jiff::civil::Date) -> PerNode {
    let window = jiff::Span::new().days(365);
    let since = as_of.checked_sub(window).unwrap_or(as_of);
    let mut pairs = Vec::new();
    for (i, incident) in inventory.incidents.iter().enumerate() {
        let date = incident.date.civil();
        if date > since && date <= as_of {
            pairs.extend(incident.affected.iter().map(|&node| (node, i as u32)));
        }
    }
    PerNode::new(inventory.nodes.len(), &mut pairs)
}

/// Per control, the nodes its `applies_to` selects; controls with the same selector share the
/// set.
fn control_node_sets(inventory: &Inventory, index: &NodeIndex<'_>) -> Vec<NodeSet> {
    let n = inventory.nodes.len();
    let mut sets: std::collections::HashMap<*const NodeIdx, NodeSet> =
        std::collections::HashMap::new();
    crate::exposure::select_each(
        index,
        inventory.controls.iter().map(|c| Some(&c.applies_to)),
    )
    .into_iter()
    .map(|nodes| {
        let nodes = nodes.unwrap_or_else(|| Arc::from([]));
        sets.entry(nodes.as_ptr())
            .or_insert_with(|| NodeSet::new(&nodes, n))
            .clone()
    })
    .collect()
}

/// Per threat, the controls that mitigate it (`control_threats`) among those that apply to many
/// nodes (`control_nodes`).
fn wide_controls_of_threat(
    inventory: &Inventory,
    control_nodes: &[NodeSet],
    control_threats: &[Threats],
) -> Vec<Vec<u32>> {
    (0..inventory.threats.len() as u32)
        .map(|t| {
            (0..inventory.controls.len() as u32)
                .filter(|&c| {
                    control_nodes[c as usize].is_wide() && control_threats[c as usize].contains(t)
                })
                .collect()
        })
        .collect()
}

/// Per threat, the controls that mitigate it and apply to many nodes: as bits when they fit in
/// [`WideBits::MAX_WORDS`], else a list per threat, each control looked up in its bit set.
enum WideControls {
    Bits(WideBits),
    ByThreat(Vec<Vec<u32>>),
}

/// The controls that apply to many nodes, as bits: per node those that apply to it, per threat
/// those that mitigate it. The controls of a scenario among them are the bits both have, one AND
/// per 64 controls, instead of a look into a bit set per control of the threat (a cache miss
/// each, for tens of millions of scenarios).
struct WideBits {
    /// The controls that apply to many nodes, in file order: bit `i` stands for the `i`th.
    controls: Vec<u32>,
    /// Words per node and per threat.
    words: usize,
    of_node: Vec<u64>,
    of_threat: Vec<u64>,
}

impl WideBits {
    /// The most memory the bits per node may take, in words: 128 MiB (1,024 such controls at a
    /// million nodes).
    const MAX_WORDS: usize = 16 << 20;
    /// Nodes whose bits one job fills: 64 per word of each control's bit set.
    const RUN: usize = 64 * 64;

    /// The bits of the controls that apply to many nodes (`control_nodes`) and of those that
    /// mitigate each threat among them (`by_threat`, [`wide_controls_of_threat`]), unless there
    /// are no such controls or they would take more than [`WideBits::MAX_WORDS`].
    fn new(
        inventory: &Inventory,
        control_nodes: &[NodeSet],
        by_threat: &[Vec<u32>],
    ) -> Option<Self> {
        Self::with(
            inventory,
            control_nodes,
            by_threat,
            Self::MAX_WORDS,
            Self::RUN,
        )
    }

    /// [`WideBits::new`] with at most `max_words` words for the nodes, filled `run` nodes (a
    /// multiple of 64) at a time.
    fn with(
        inventory: &Inventory,
        control_nodes: &[NodeSet],
        by_threat: &[Vec<u32>],
        max_words: usize,
        run: usize,
    ) -> Option<Self> {
        let controls: Vec<u32> = (0..control_nodes.len() as u32)
            .filter(|&c| control_nodes[c as usize].is_wide())
            .collect();
        let words = controls.len().div_ceil(64);
        let nodes = inventory.nodes.len();
        if words == 0 || nodes.saturating_mul(words) > max_words {
            return None;
        }
        let mut of_node = vec![0u64; nodes * words];
        of_node
            .par_chunks_mut(run * words)
            .enumerate()
            .for_each(|(job, out)| {
                let first = job * run;
                for (i, &c) in controls.iter().enumerate() {
                    let NodeSet::Bits(set) = &control_nodes[c as usize] else {
                        continue;
                    };
                    let (word, bit) = (i / 64, 1u64 << (i % 64));
                    let end = (first + run).min(nodes).div_ceil(64);
                    for (w, &members) in set.iter().enumerate().take(end).skip(first / 64) {
                        let mut members = members;
                        while members != 0 {
                            let node = w * 64 + members.trailing_zeros() as usize;
                            out[(node - first) * words + word] |= bit;
                            members &= members - 1;
                        }
                    }
                }
            });
        let mut of_threat = vec![0u64; by_threat.len() * words];
        for (out, wide) in of_threat.chunks_mut(words).zip(by_threat) {
            for c in wide {
                // Both lists are in file order.
                let i = controls.binary_search(c).expect("a control on many nodes");
                out[i / 64] |= 1 << (i % 64);
            }
        }
        Some(Self {
            controls,
            words,
            of_node,
            of_threat,
        })
    }

    /// Appends the controls that apply to many nodes, mitigate the scenario's threat and apply
    /// to its node, in file order.
    fn controls_into(&self, scenario: Scenario, out: &mut Vec<u32>) {
        let node = &self.of_node[scenario.node as usize * self.words..][..self.words];
        let threat = &self.of_threat[scenario.threat as usize * self.words..][..self.words];
        for (w, (&a, &b)) in node.iter().zip(threat).enumerate() {
            let mut both = a & b;
            while both != 0 {
                out.push(self.controls[w * 64 + both.trailing_zeros() as usize]);
                both &= both - 1;
            }
        }
    }
}

/// Per node, the controls that apply to it among those that apply to few nodes.
fn narrow_controls_by_node(inventory: &Inventory, control_nodes: &[NodeSet]) -> PerNode {
    let mut pairs: Vec<(NodeIdx, u32)> = Vec::new();
    for (c, set) in control_nodes.iter().enumerate() {
        if let NodeSet::List(nodes) = set {
            pairs.extend(nodes.iter().map(|&node| (node, c as u32)));
        }
    }
    PerNode::new(inventory.nodes.len(), &mut pairs)
}

/// The controls that mitigate fraud, by file order.
fn fraud_controls(inventory: &Inventory) -> Vec<u32> {
    (0..inventory.controls.len() as u32)
        .filter(|&c| {
            inventory.controls[c as usize]
                .mitigates
                .iter()
                .any(|r| is_fraud(inventory, r))
        })
        .collect()
}

/// What every scenario's context shares: the manifest's scale, organization and levels, and the
/// assessment date.
fn base_context(inventory: &Inventory, as_of: jiff::civil::Date) -> ContextData {
    let manifest = &inventory.manifest;
    ContextData {
        scale: i64::from(manifest.scale),
        as_of,
        organization: manifest.organization.clone(),
        levels: manifest
            .levels
            .iter()
            .map(|l| (l.name.clone(), i64::from(l.max)))
            .collect(),
        ..ContextData::default()
    }
}

/// The view of `node`, whose values per property (`NodeFacts::value`) are `value`.
fn node_view(node: &riskgraph_model::Node, value: [u8; 3]) -> Node {
    let text = |t: Option<&str>| t.unwrap_or_default().to_owned();
    let [confidentiality, integrity, availability] = value.map(i64::from);
    let mut data = NodeData {
        id: node.id.to_string(),
        name: node.name.to_string(),
        kind: node.kind().as_str().to_owned(),
        confidentiality,
        integrity,
        availability,
        // A process's or vendor's value is its criticality for all three; an asset's
        // criticality is its highest rating.
        criticality: confidentiality.max(integrity).max(availability),
        in_scope: node.in_scope,
        tags: node.tags.iter().map(ToString::to_string).collect(),
        attributes: node
            .attributes
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    riskgraph_model::node::AttrValue::Number(x) => AttrData::Number(*x),
                    riskgraph_model::node::AttrValue::Text(s) => AttrData::Text(s.to_string()),
                };
                (name.to_string(), value)
            })
            .collect(),
        loss: node.loss.as_deref().copied(),
        ..NodeData::default()
    };
    match &node.detail {
        NodeDetail::Asset(a) => {
            a.asset_type.as_str().clone_into(&mut data.asset_type);
            data.classification = text(a.classification.map(Vocabulary::as_str));
            data.personal_data = a.personal_data;
            data.environment = text(a.environment.map(Vocabulary::as_str));
            data.lifecycle = text(a.lifecycle.map(Vocabulary::as_str));
        }
        NodeDetail::Process(p) => {
            data.financial = p.financial;
            data.segregation_of_duties = text(p.segregation_of_duties.map(Vocabulary::as_str));
            data.manual_override = p.manual_override;
        }
        NodeDetail::Vendor(v) => {
            data.data_access = text(v.data_access.map(Vocabulary::as_str));
        }
    }
    Node(Arc::new(data))
}

#[cfg(test)]
mod tests {
    use riskgraph_model::selector::NodeIndex;

    use std::sync::Arc;

    use super::{
        Inputs, NodeSet, Scenario, Scratch, Threats, WideBits, control_node_sets,
        wide_controls_of_threat,
    };
    use crate::propagation::{ImpactGraph, Limits};
    use crate::rules::Rules;

    /// Keys that hold the nodes' classes reuse results exactly when keys that hold their
    /// fields do: every scenario scores the same, with as many calls to the scripts.
    #[test]
    fn node_classes_score_as_the_fields_do() {
        let inventory = crate::bundled_inventory();
        let graph = ImpactGraph::build(&inventory);
        let rules = Rules::builtin().expect("the built-in rules compile");
        let inputs = Inputs::new(
            &inventory,
            &graph,
            Limits::default(),
            jiff::civil::date(2026, 11, 1),
        );
        let classes = inputs.node_classes(&rules);
        let likelihood = classes
            .likelihood
            .as_ref()
            .expect("the built-in likelihood is reused");
        let distinct: std::collections::BTreeSet<u32> = likelihood.iter().copied().collect();
        assert!(distinct.len() > 1 && distinct.len() < inventory.nodes.len());
        assert!(classes.impact.is_some());
        let views = inputs.views().copy();
        let mut fields = Scratch::default();
        let mut by_class = Scratch::with_classes(Arc::new(classes));
        let scenarios = super::scenarios(&inventory);
        assert!(scenarios.len() > 100);
        for &scenario in &scenarios {
            let expected = inputs.score(&rules, &views, &mut fields, scenario).unwrap();
            let scored = inputs
                .score(&rules, &views, &mut by_class, scenario)
                .unwrap();
            assert_eq!(scored, expected);
            assert_eq!(by_class.applied(), fields.applied());
        }
        assert_eq!(by_class.memo.stats, fields.memo.stats);
        assert!(fields.memo.stats.reused > 0);
    }

    /// The controls of a scenario among those that apply to many nodes are the same from the
    /// bits as from a look into each control's set, in the same order.
    #[test]
    fn wide_bits_give_each_scenarios_controls_in_order() {
        let inventory = crate::bundled_inventory();
        let n = inventory.nodes.len();
        // Every control as wide: the bundled dataset has no set of more than a few nodes.
        let control_nodes: Vec<NodeSet> =
            control_node_sets(&inventory, &NodeIndex::new(&inventory))
                .iter()
                .map(|set| {
                    let nodes: Vec<u32> =
                        (0..n as u32).filter(|&node| set.contains(node)).collect();
                    NodeSet::bits(&nodes, n)
                })
                .collect();
        let control_threats: Vec<Threats> = inventory
            .controls
            .iter()
            .map(|c| Threats::named(&inventory, &c.mitigates))
            .collect();
        assert!(
            inventory.controls.len() > 64,
            "more than one word of controls"
        );
        // One job for all the nodes, and one per 64 nodes.
        let by_threat = wide_controls_of_threat(&inventory, &control_nodes, &control_threats);
        let bits = WideBits::new(&inventory, &control_nodes, &by_threat)
            .expect("bits for a small inventory");
        let runs = WideBits::with(&inventory, &control_nodes, &by_threat, n * 2, 64)
            .expect("bits for a small inventory");
        assert!(n > 64 && runs.of_node == bits.of_node);
        let mut found = 0;
        for threat in 0..inventory.threats.len() as u32 {
            for node in 0..n as u32 {
                let expected: Vec<u32> = (0..inventory.controls.len() as u32)
                    .filter(|&c| {
                        control_threats[c as usize].contains(threat)
                            && control_nodes[c as usize].contains(node)
                    })
                    .collect();
                let mut controls = vec![u32::MAX];
                bits.controls_into(Scenario { threat, node }, &mut controls);
                assert_eq!(controls[1..], expected, "threat {threat}, node {node}");
                found += expected.len();
            }
        }
        assert!(found > 100);
        // Past the memory limit, the controls are looked up one by one.
        assert!(WideBits::with(&inventory, &control_nodes, &by_threat, n, 64).is_none());
    }
}
