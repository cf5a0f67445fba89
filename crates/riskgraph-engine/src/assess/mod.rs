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

use std::borrow::Cow;
use std::sync::Arc;

use rayon::prelude::*;
use riskgraph_model::selector::NodeIndex;
use riskgraph_model::values::Property;
use riskgraph_model::{Inventory, NodeDetail, NodeIdx};
use rustc_hash::FxHashMap;

use crate::exposure::{NodeFacts, Workspace};
use crate::indexes::{Indexed, Indexes};
use crate::pool::Pool;
use crate::propagation::{ImpactGraph, Limits};
use crate::rank::{COVERED, CompactFacts, PROCESS};
use crate::rules::{RuleError, Rules};
use crate::scenarios::{Inputs, Scenario, Scratch, threat_targets};

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

/// One risk of the register, in a few dozen bytes: a register of tens of millions of risks
/// fits in memory. What many risks share (the lists of controls, vulnerabilities and incidents,
/// the reach counts) is kept once in the [`Assessment`] and read through it; what follows from
/// the rest (the id, owner and findings) is worked out when asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Risk {
    pub source: Source,
    pub node: NodeIdx,
    inherent: Rating,
    residual: Rating,
    /// Whether the residual level is at most the appetite.
    pub within_appetite: bool,
    pub treatment: Treatment,
    pub next_review: jiff::civil::Date,
    /// Index into the assessment's lists of what applies.
    applied: u32,
    /// Index into the assessment's reach counts.
    reach: u32,
}

/// A likelihood and impact (each at most the scale, 10) with their level (at most 255, as the
/// manifest allows): three bytes where [`Rated`] takes twenty-four.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rating {
    likelihood: u8,
    impact: u8,
    level: u8,
}

impl Rating {
    const UNSCORED: Self = Self {
        likelihood: 0,
        impact: 0,
        level: 0,
    };

    fn of(rated: Rated) -> Self {
        let byte = |value: u32| u8::try_from(value).unwrap_or(u8::MAX);
        Self {
            likelihood: byte(rated.likelihood),
            impact: byte(rated.impact),
            level: u8::try_from(rated.level).unwrap_or(u8::MAX),
        }
    }

    fn score(self) -> u32 {
        u32::from(self.likelihood) * u32::from(self.impact)
    }

    fn rated(self) -> Rated {
        let (likelihood, impact) = (u32::from(self.likelihood), u32::from(self.impact));
        Rated {
            likelihood,
            impact,
            score: likelihood * impact,
            level: usize::from(self.level),
        }
    }
}

impl Risk {
    /// A risk of `source` on `node`, not yet scored.
    fn unscored(source: Source, node: NodeIdx, as_of: jiff::civil::Date) -> Self {
        Self {
            source,
            node,
            inherent: Rating::UNSCORED,
            residual: Rating::UNSCORED,
            within_appetite: false,
            treatment: Treatment::default(),
            next_review: as_of,
            applied: 0,
            reach: 0,
        }
    }

    /// Likelihood, impact, score and level before controls.
    pub fn inherent(&self) -> Rated {
        self.inherent.rated()
    }

    /// Likelihood, impact, score and level after controls.
    pub fn residual(&self) -> Rated {
        self.residual.rated()
    }

    /// `<threat-id>@<node-id>` or `fraud@<process-id>`.
    pub fn id(&self, inventory: &Inventory) -> String {
        risk_id(inventory, self.source, self.node)
    }

    /// The treatment's owner, else the node's, else the threat's (an `owner` column of
    /// `threats.csv`).
    pub fn owner<'a>(&self, inventory: &'a Inventory) -> Option<&'a str> {
        evaluate::owner(inventory, self)
    }

    /// Whether the next review date has passed.
    pub fn review_overdue(&self, as_of: jiff::civil::Date) -> bool {
        self.next_review < as_of
    }
}

/// The controls that mitigate a risk's threat and apply to its node, the vulnerabilities and the
/// incidents of the year before the assessment that apply, as indexes in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Applied {
    controls: Box<[u32]>,
    vulnerabilities: Box<[u32]>,
    incidents: Box<[u32]>,
}

impl Applied {
    /// What applied to the scenario `scratch` scored last.
    fn of(scratch: &Scratch) -> Self {
        let (controls, vulnerabilities, incidents) = scratch.applied();
        Self {
            controls: controls.into(),
            vulnerabilities: vulnerabilities.into(),
            incidents: incidents.into(),
        }
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

/// The register: every risk, residual score descending, then id; and what its risks share.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub as_of: jiff::civil::Date,
    pub risks: Vec<Risk>,
    /// The distinct lists of what applies, the empty one first.
    applied: Vec<Applied>,
    /// The reach counts of each node for each set of properties its risks propagate.
    reach: Vec<ReachCounts>,
    fraud_factors: FraudFactors,
}

impl Assessment {
    /// How many risks have a residual level of `level` or above: what `--fail-on` counts.
    pub fn at_or_above(&self, level: usize) -> usize {
        self.risks
            .iter()
            .filter(|risk| usize::from(risk.residual.level) >= level)
            .count()
    }

    /// The index of the risk's lists of controls, vulnerabilities and incidents, shared by
    /// every risk with the same lists (`0` when all three are empty): what renderers key their
    /// work per list by. Below [`Self::list_count`].
    pub fn list_index(&self, risk: &Risk) -> usize {
        risk.applied as usize
    }

    /// How many distinct lists of controls, vulnerabilities and incidents the risks have.
    pub fn list_count(&self) -> usize {
        self.applied.len()
    }

    /// The controls of the distinct list `list` ([`Self::list_index`]), by file order.
    pub fn controls_of_list(&self, list: usize) -> &[u32] {
        &self.applied[list].controls
    }

    /// The controls that mitigate the risk's threat and apply to its node, by file order.
    pub fn controls(&self, risk: &Risk) -> &[u32] {
        &self.applied[risk.applied as usize].controls
    }

    /// The vulnerabilities that apply to the risk, by file order.
    pub fn vulnerabilities(&self, risk: &Risk) -> &[u32] {
        &self.applied[risk.applied as usize].vulnerabilities
    }

    /// The incidents of the year before `as_of` that apply to the risk, by file order.
    pub fn incidents(&self, risk: &Risk) -> &[u32] {
        &self.applied[risk.applied as usize].incidents
    }

    /// What the risk's node reaches when the threat strikes.
    pub fn reach(&self, risk: &Risk) -> &ReachCounts {
        &self.reach[risk.reach as usize]
    }

    /// The index of the risk's reach counts in [`Self::reach_counts`], shared by the risks of
    /// a node that propagate the same properties.
    pub fn reach_index(&self, risk: &Risk) -> usize {
        risk.reach as usize
    }

    /// Every distinct reach counts of the register.
    pub fn reach_counts(&self) -> &[ReachCounts] {
        &self.reach
    }

    /// For a fraud risk, the factors the `fraud` rule reported, by name; empty for the others.
    pub fn fraud_factors(&self, risk: &Risk) -> &[(String, String)] {
        if risk.source != Source::Fraud {
            return &[];
        }
        self.fraud_factors
            .binary_search_by_key(&risk.node, |(node, _)| *node)
            .map_or(&[], |at| &self.fraud_factors[at].1)
    }

    /// The inconsistencies a reviewer should resolve, in the order the README lists them.
    pub fn findings(&self, inventory: &Inventory, risk: &Risk) -> Vec<Finding> {
        evaluate::findings(inventory, self.as_of, risk, self.controls(risk))
    }
}

/// The factors each fraud risk's rule reported, by node.
type FraudFactors = Vec<(NodeIdx, Vec<(String, String)>)>;

/// One scenario to score.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Item {
    pub(crate) source: Source,
    pub(crate) node: NodeIdx,
}

/// What a scored risk leaves to be kept in risk order: its list of what applied when no
/// earlier risk had it, and for a fraud risk the factors its rule reported.
struct Unseen {
    list: Option<Applied>,
    fraud_factors: Vec<(String, String)>,
}

/// The distinct lists of what applies, each kept once (the empty one first), found by their
/// contents without building them.
struct Lists {
    lists: Vec<Applied>,
    /// The indexes of the lists with each hash of their contents.
    by_hash: FxHashMap<u64, Vec<u32>>,
}

/// A list of controls, vulnerabilities and incidents, as scoring leaves them.
type AppliedSlices<'a> = (&'a [u32], &'a [u32], &'a [u32]);

impl Default for Lists {
    fn default() -> Self {
        let mut lists = Self {
            lists: Vec::new(),
            by_hash: FxHashMap::default(),
        };
        lists.add(Applied::default());
        lists
    }
}

impl Lists {
    fn hash((controls, vulnerabilities, incidents): AppliedSlices<'_>) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = rustc_hash::FxHasher::default();
        (controls, vulnerabilities, incidents).hash(&mut hasher);
        hasher.finish()
    }

    /// The index of the list with these contents, if there is one.
    fn find(&self, applied: AppliedSlices<'_>) -> Option<u32> {
        let (controls, vulnerabilities, incidents) = applied;
        self.by_hash
            .get(&Self::hash(applied))?
            .iter()
            .copied()
            .find(|&at| {
                let list = &self.lists[at as usize];
                *list.controls == *controls
                    && *list.vulnerabilities == *vulnerabilities
                    && *list.incidents == *incidents
            })
    }

    /// The index of `list`, added unless there is one with the same contents.
    fn add(&mut self, list: Applied) -> u32 {
        let applied = (&*list.controls, &*list.vulnerabilities, &*list.incidents);
        if let Some(at) = self.find(applied) {
            return at;
        }
        let at = self.lists.len() as u32;
        let hash = Self::hash(applied);
        self.by_hash.entry(hash).or_default().push(at);
        self.lists.push(list);
        at
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
    let targets = threat_targets(inventory, &indexed.nodes());
    let mut risks = unscored_risks(inventory, &targets, settings.as_of);
    let evaluator = evaluate::Evaluator::new(inventory, settings.as_of);
    let (applied, fraud_factors) = score(&inputs, rules, &evaluator, &mut risks, progress)?;
    // The reach counts need the most memory after the risks: the inputs, done with, go first.
    drop(inputs);
    let reach = reach_counts(
        inventory,
        graph,
        indexed.facts(),
        &mut risks,
        settings.limits,
    );
    let order = IdOrder::new(inventory);
    risks.par_sort_unstable_by(|a, b| {
        b.residual
            .score()
            .cmp(&a.residual.score())
            .then_with(|| order.compare(a, b))
            // Only a threat with the id `fraud` shares ids with fraud risks.
            .then_with(|| a.source.cmp(&b.source))
    });
    Ok(Assessment {
        as_of: settings.as_of,
        risks,
        applied,
        reach,
        fraud_factors,
    })
}

/// The order of risk ids (`<threat-id>@<node-id>`) without writing them: ids have no `@`, so
/// comparing two ids is comparing their threat ids followed by `@`, then their node ids.
struct IdOrder {
    /// The rank of each threat's id followed by `@`, and last that of `fraud@`.
    threats: Vec<u32>,
    /// The rank of each node's id.
    nodes: Vec<u32>,
}

impl IdOrder {
    fn new(inventory: &Inventory) -> Self {
        let mut threats: Vec<&str> = inventory.threats.iter().map(|t| t.id.as_str()).collect();
        threats.push(Source::FRAUD.0);
        let at = std::iter::once(b'@');
        let threats = ranks(&threats, |a, b| {
            a.bytes().chain(at.clone()).cmp(b.bytes().chain(at.clone()))
        });
        let nodes: Vec<&str> = inventory.nodes.iter().map(|n| n.id.as_str()).collect();
        let nodes = ranks(&nodes, Ord::cmp);
        Self { threats, nodes }
    }

    fn compare(&self, a: &Risk, b: &Risk) -> std::cmp::Ordering {
        let threat = |risk: &Risk| match risk.source {
            Source::Threat(t) => self.threats[t as usize],
            Source::Fraud => self.threats[self.threats.len() - 1],
        };
        threat(a)
            .cmp(&threat(b))
            .then_with(|| self.nodes[a.node as usize].cmp(&self.nodes[b.node as usize]))
    }
}

/// The rank of each of `ids` in the order `compare` gives; equal ids get the same rank.
fn ranks(ids: &[&str], compare: impl Fn(&str, &str) -> std::cmp::Ordering + Sync) -> Vec<u32> {
    let mut order: Vec<u32> = (0..ids.len() as u32).collect();
    order.par_sort_unstable_by(|&a, &b| compare(ids[a as usize], ids[b as usize]));
    let mut ranks = vec![0; ids.len()];
    let mut rank = 0;
    for (at, pair) in order.iter().enumerate() {
        if at > 0 && compare(ids[order[at - 1] as usize], ids[*pair as usize]).is_ne() {
            rank += 1;
        }
        ranks[*pair as usize] = rank;
    }
    ranks
}

/// The id of the risk of `source` on `node`.
pub fn risk_id(inventory: &Inventory, source: Source, node: NodeIdx) -> String {
    let mut id = String::new();
    push_risk_id(&mut id, inventory, source, node);
    id
}

/// Appends the id of the risk of `source` on `node`, `threat@node`, to `out`: written by hand
/// rather than formatted, since renderers ask for tens of millions of ids.
pub fn push_risk_id(out: &mut String, inventory: &Inventory, source: Source, node: NodeIdx) {
    let node = inventory.node(node).id.as_str();
    let threat = match source {
        Source::Threat(t) => inventory.threats[t as usize].id.as_str(),
        Source::Fraud => Source::FRAUD.0,
    };
    out.reserve(threat.len() + 1 + node.len());
    out.push_str(threat);
    out.push('@');
    out.push_str(node);
}

/// Every scenario: threats by file order, each on its nodes by node order, then the fraud risk
/// of each in-scope process by node order.
pub(crate) fn items(inventory: &Inventory, index: &NodeIndex<'_>) -> Vec<Item> {
    let targets = threat_targets(inventory, index);
    sources(inventory, &targets)
        .iter()
        .flat_map(|(source, nodes)| {
            nodes.iter().map(|&node| Item {
                source: *source,
                node,
            })
        })
        .collect()
}

/// Every risk, unscored, in the order of [`items`]. The vector is sized first (one grown by
/// doubling would hold up to twice the risks' memory, and three times while it moves), then
/// filled in parallel, in place.
fn unscored_risks(
    inventory: &Inventory,
    targets: &[Option<Arc<[NodeIdx]>>],
    as_of: jiff::civil::Date,
) -> Vec<Risk> {
    let sources = sources(inventory, targets);
    // Where each source's risks start.
    let mut starts = Vec::with_capacity(sources.len());
    let mut count = 0;
    for (_, nodes) in &sources {
        starts.push(count);
        count += nodes.len();
    }
    let mut risks = Vec::with_capacity(count);
    risks.par_extend((0..count).into_par_iter().map(|i| {
        let s = starts.partition_point(|&start| start <= i) - 1;
        let (source, nodes) = &sources[s];
        Risk::unscored(*source, nodes[i - starts[s]], as_of)
    }));
    risks
}

/// Per source of risks, in the order of [`items`], the nodes it has a risk on: each threat's
/// targets (`targets`, [`threat_targets`]) in scope, then the processes in scope for fraud.
fn sources<'t>(
    inventory: &Inventory,
    targets: &'t [Option<Arc<[NodeIdx]>>],
) -> Vec<(Source, Cow<'t, [NodeIdx]>)> {
    let in_scope: Vec<bool> = inventory.nodes.par_iter().map(|n| n.in_scope).collect();
    let mut sources: Vec<(Source, Cow<'t, [NodeIdx]>)> = targets
        .par_iter()
        .enumerate()
        .map(|(t, nodes)| {
            let nodes = nodes.as_deref().unwrap_or_default();
            let nodes = if nodes.iter().all(|&n| in_scope[n as usize]) {
                Cow::Borrowed(nodes)
            } else {
                Cow::Owned(
                    nodes
                        .iter()
                        .copied()
                        .filter(|&n| in_scope[n as usize])
                        .collect(),
                )
            };
            (Source::Threat(t as u32), nodes)
        })
        .collect();
    let processes = inventory
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, node)| node.in_scope && matches!(node.detail, NodeDetail::Process(_)));
    let processes = processes.map(|(i, _)| i as NodeIdx).collect();
    sources.push((Source::Fraud, Cow::Owned(processes)));
    sources
}

/// Scores every risk in parallel, a chunk at a time so that what scoring returns stays small, and
/// rates and evaluates it; returns the distinct lists of what applied (each risk keeps the index of its own)
/// and the fraud factors by node. On errors, the first in risk order is returned, whatever the
/// thread count. Each thread works with its own copy of the rules and of the shared views.
fn score(
    inputs: &Inputs<'_>,
    rules: &Rules,
    evaluator: &evaluate::Evaluator<'_>,
    risks: &mut [Risk],
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<(Vec<Applied>, FraudFactors), RuleError> {
    const REPORT_EVERY: u64 = 4096;
    const CHUNK: usize = 1 << 16;
    let total = risks.len() as u64;
    // With many scenarios per node, keys hold each node's class instead of its fields: worked
    // out once per node, they save putting the fields in a key per scenario.
    let classes =
        (risks.len() >= 2 * inputs.node_count()).then(|| Arc::new(inputs.node_classes(rules)));
    let copies = Pool::new(|| {
        (
            rules.fork(),
            inputs.views().copy(),
            classes
                .as_ref()
                .map_or_else(Scratch::default, |c| Scratch::with_classes(Arc::clone(c))),
            0_u64,
        )
    });
    let mut lists = Lists::default();
    let mut fraud_factors = Vec::new();
    for chunk in risks.chunks_mut(CHUNK) {
        // Each risk is rated in place; what it applied is looked up among the lists seen in
        // earlier chunks, and only a list not seen yet is returned, to be added in risk order.
        let scored: Vec<Result<Unseen, RuleError>> = chunk
            .par_iter_mut()
            .map_init(
                || copies.take(),
                |copy, risk| {
                    let (rules, views, scratch, done) = &mut **copy;
                    let rules = rules.as_ref().map_err(Clone::clone)?;
                    *done += 1;
                    if *done % REPORT_EVERY == 0 {
                        progress(REPORT_EVERY, total);
                    }
                    let (scored, fraud_factors) = match risk.source {
                        Source::Threat(threat) => {
                            let scenario = Scenario {
                                threat,
                                node: risk.node,
                            };
                            (inputs.score(rules, views, scratch, scenario)?, Vec::new())
                        }
                        Source::Fraud => inputs.score_fraud(rules, views, scratch, risk.node)?,
                    };
                    risk.inherent = Rating::of(evaluator.rate(scored.inherent));
                    risk.residual = Rating::of(evaluator.rate(scored.residual));
                    evaluator.evaluate(risk);
                    let applied = scratch.applied();
                    let list = match lists.find(applied) {
                        Some(index) => {
                            risk.applied = index;
                            None
                        }
                        None => Some(Applied::of(scratch)),
                    };
                    Ok(Unseen {
                        list,
                        fraud_factors,
                    })
                },
            )
            .collect();
        // In risk order: the first error whatever the thread count, the new lists numbered the
        // same way.
        for (risk, unseen) in chunk.iter_mut().zip(scored) {
            let unseen = unseen?;
            if let Some(list) = unseen.list {
                risk.applied = lists.add(list);
            }
            if risk.source == Source::Fraud {
                fraud_factors.push((risk.node, unseen.fraud_factors));
            }
        }
    }
    let applied = lists.lists;
    Ok((applied, fraud_factors))
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

/// The reach counts of every risk: sets each risk's index into the table it returns. Many risks
/// share a node, so there is one walk per distinct node, over the union of the properties its
/// risks propagate, counting for each set of properties at once; the nodes are walked in
/// parallel. The table holds each walked node's counts for each of its sets, by node, then set.
fn reach_counts(
    inventory: &Inventory,
    graph: &ImpactGraph,
    facts: &NodeFacts,
    risks: &mut [Risk],
    limits: Limits,
) -> Vec<ReachCounts> {
    // Per node, the property sets its risks propagate, as a bit set over the 8 possible sets.
    let mut sets = vec![0u8; inventory.nodes.len()];
    for risk in risks.iter() {
        sets[risk.node as usize] |= 1 << properties_of(inventory, risk.source);
    }
    let nodes: Vec<(NodeIdx, u8)> = sets
        .iter()
        .enumerate()
        .filter(|&(_, &sets)| sets != 0)
        .map(|(node, &sets)| (node as NodeIdx, sets))
        .collect();
    let compact = CompactFacts::new(inventory, graph, facts);
    let pool = Pool::new(|| Workspace::new(inventory.nodes.len()));
    // Walks from nodes close in the graph's internal (topological) order touch the same memory,
    // so each thread walks a run of them: far fewer cache misses than inventory order.
    let mut order: Vec<u32> = (0..nodes.len() as u32).collect();
    order.par_sort_unstable_by_key(|&i| graph.internal(nodes[i as usize].0));
    let walked: Vec<Vec<ReachCounts>> = order
        .par_iter()
        .map(|&i| nodes[i as usize])
        .map_init(
            || pool.take(),
            |workspace, (node, sets)| {
                let mut counts =
                    count_reach_sets(graph, facts, &compact, workspace, node, sets, limits);
                (0..8u8)
                    .filter(|&set| sets & (1 << set) != 0)
                    .map(|set| std::mem::take(&mut counts[usize::from(set)]))
                    .collect()
            },
        )
        .collect();
    let mut by_node: Vec<Vec<ReachCounts>> = vec![Vec::new(); nodes.len()];
    for (&i, counts) in order.iter().zip(walked) {
        by_node[i as usize] = counts;
    }
    // Where each node's counts start in the table.
    let mut first = vec![0u32; inventory.nodes.len()];
    let mut table = Vec::with_capacity(by_node.iter().map(Vec::len).sum());
    for (&(node, _), counts) in nodes.iter().zip(by_node) {
        first[node as usize] = table.len() as u32;
        table.extend(counts);
    }
    risks.par_iter_mut().for_each(|risk| {
        let set = properties_of(inventory, risk.source);
        let below = sets[risk.node as usize] & ((1u8 << set) - 1);
        risk.reach = first[risk.node as usize] + below.count_ones();
    });
    table
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
    workspace.for_each_reached_by(
        graph,
        &[origin],
        &properties,
        limits,
        |internal, reached_by| {
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
        },
    );
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

#[cfg(test)]
mod tests {
    use riskgraph_model::NodeDetail;
    use riskgraph_model::selector::NodeIndex;

    use super::{Source, items, threat_targets, unscored_risks};

    /// The risks filled in parallel, and the items, are the scenarios one after the other: each
    /// threat's targets in scope, then the fraud risk of each process in scope.
    #[test]
    fn unscored_risks_are_the_items_in_order() {
        let mut inventory = crate::bundled_inventory();
        let process = inventory
            .nodes
            .iter()
            .position(|n| n.in_scope && matches!(n.detail, NodeDetail::Process(_)))
            .expect("a process in scope");
        inventory.nodes[process].in_scope = false;
        assert!(inventory.nodes.iter().filter(|n| !n.in_scope).count() > 1);
        let as_of = jiff::civil::date(2026, 11, 1);
        let index = NodeIndex::new(&inventory);
        let mut expected: Vec<_> = crate::scenarios::scenarios_with(&inventory, &index)
            .into_iter()
            .map(|scenario| (Source::Threat(scenario.threat), scenario.node))
            .collect();
        expected.extend(
            (0..inventory.nodes.len() as u32)
                .filter(|&n| {
                    let node = &inventory.nodes[n as usize];
                    node.in_scope && matches!(node.detail, NodeDetail::Process(_))
                })
                .map(|n| (Source::Fraud, n)),
        );
        let listed: Vec<_> = items(&inventory, &index)
            .into_iter()
            .map(|item| (item.source, item.node))
            .collect();
        assert_eq!(listed, expected);
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let risks = pool
                .install(|| unscored_risks(&inventory, &threat_targets(&inventory, &index), as_of));
            let listed: Vec<_> = risks.iter().map(|r| (r.source, r.node)).collect();
            assert_eq!(listed, expected);
        }
    }
}
