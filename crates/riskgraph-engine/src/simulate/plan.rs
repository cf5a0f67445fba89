//! What each risk draws from: what its events reach (one walk per node for all its risks), its
//! runs (inherent, residual, and residual without each of its controls), their rates and the
//! loss of their events.

use std::sync::Arc;

use riskgraph_model::money::{Frequency, lognormal};
use riskgraph_model::quant::Quant;
use riskgraph_model::{Inventory, NodeIdx};

use crate::assess::{Item, Source, properties_in, properties_of};
use crate::exposure::Workspace;
use crate::propagation::{ImpactGraph, Limits, impact_of};
use crate::rules::money::{impact_share, level_loss};
use crate::rules::views::{Context, ContextData, Exposure, ReachedData, ScoresData};
use crate::rules::{RuleError, Rules};
use crate::scenarios::{Inputs, Scenario, Scratch, Views};

use super::loss::{Loss, Sampler, Tables};
use super::sample::{Rate, RiskModel, Run, stream};

/// What the events of one origin reach, for one set of properties.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    /// Each reached node's `loss` times its impact, summed.
    pub secondary: Loss,
    /// The vendors reached (the origin excepted), by vendor slot, in the walk's order.
    pub vendors: Vec<u32>,
    /// The reached nodes with a `loss`, when the loss hook reads them.
    pub reached: Vec<ReachedData>,
}

/// What the planning of every risk shares.
pub struct Planner<'a> {
    pub inventory: &'a Inventory,
    pub graph: &'a ImpactGraph,
    pub inputs: &'a Inputs<'a>,
    pub quant: &'a Quant,
    pub limits: Limits,
    pub seed: u64,
    pub tables: &'a Tables,
    /// Whether the loss hook reads `exposure.reached`.
    pub list_reached: bool,
    /// Whether the loss hook is the built-in one, computed here without the script.
    pub builtin_loss: bool,
    /// The nodes a walk looks at.
    pub marks: &'a Marks,
}

/// No index.
pub const NONE: u32 = u32::MAX;

/// The nodes whose reach matters, those with a `loss` and the vendors, found through one array
/// in the impact graph's internal order: a walk settles nodes in that order, so it reads the
/// array front to back instead of the inventory's large records at random. Each has its loss
/// made once, so a walk adds it without allocating.
pub struct Marks {
    /// Per internal node: an index into `marked`, or [`NONE`].
    by_internal: Vec<u32>,
    marked: Vec<Marked>,
    /// Per node: its vendor slot, or [`NONE`].
    pub vendor_slot: Vec<u32>,
    /// Per vendor slot: the vendor.
    pub vendors: Vec<NodeIdx>,
}

struct Marked {
    node: NodeIdx,
    loss: Option<Loss>,
    /// Its vendor slot, or [`NONE`].
    vendor: u32,
}

impl Marks {
    pub fn new(inventory: &Inventory, graph: &ImpactGraph) -> Self {
        let mut vendor_slot = vec![NONE; inventory.nodes.len()];
        let mut vendors = Vec::new();
        for (n, node) in inventory.nodes.iter().enumerate() {
            if matches!(node.detail, riskgraph_model::NodeDetail::Vendor(_)) {
                vendor_slot[n] = vendors.len() as u32;
                vendors.push(n as NodeIdx);
            }
        }
        let mut by_internal = vec![NONE; graph.node_count()];
        let mut marked = Vec::new();
        for (internal, at) in by_internal.iter_mut().enumerate() {
            let node = graph.external(internal as NodeIdx);
            let loss = inventory.node(node).loss.as_deref().map(Loss::of);
            let vendor = vendor_slot[node as usize];
            if loss.is_some() || vendor != NONE {
                *at = marked.len() as u32;
                marked.push(Marked { node, loss, vendor });
            }
        }
        Self {
            by_internal,
            marked,
            vendor_slot,
            vendors,
        }
    }
}

/// A thread's copy of what scoring needs.
pub struct Scoring {
    pub rules: Result<Rules, RuleError>,
    pub views: Views,
    pub scratch: Scratch,
}

/// A risk ready to draw, and what its outcome is reported with.
pub struct Planned {
    pub id: String,
    pub model: RiskModel,
    /// The residual run (the inherent run is the first; they are one when the scores are).
    pub residual_run: usize,
    /// Per control of the risk (by index in `controls.csv`), the run without it.
    pub control_runs: Vec<(u32, usize)>,
    /// Events per year, inherent and residual (their means, for a rate range).
    pub rates: [f64; 2],
}

impl Planner<'_> {
    /// What the events of `origin`'s risks reach, for each set of properties in `sets` (a bit
    /// per set, each set itself a bit set over C, I, A), from one walk over their union.
    pub fn reach(&self, workspace: &mut Workspace, origin: NodeIdx, sets: u8) -> [Reach; 8] {
        let mut reach: [Reach; 8] = Default::default();
        if self.marks.marked.is_empty() {
            return reach;
        }
        let union = (0..8u8)
            .filter(|&set| sets & (1 << set) != 0)
            .fold(0u8, |all, set| all | set);
        let properties = properties_in(union);
        let origin_internal = self.graph.internal(origin);
        let by_internal = &self.marks.by_internal;
        workspace.for_each_reached_where(
            self.graph,
            &[origin],
            &properties,
            self.limits,
            |internal| by_internal[internal as usize] != NONE && internal != origin_internal,
            |internal, labels| {
                let at = by_internal[internal as usize];
                let marked = &self.marks.marked[at as usize];
                for set in (1..8u8).filter(|&set| sets & (1 << set) != 0) {
                    let impact = (0..3)
                        .filter(|&p| set & (1 << p) != 0)
                        .filter_map(|p| labels[p].map(|label| impact_of(label.cost)))
                        .fold(0.0, f64::max);
                    if impact <= 0.0 {
                        continue;
                    }
                    let reach = &mut reach[usize::from(set)];
                    if let Some(loss) = &marked.loss {
                        reach.secondary.add_times(loss, impact);
                        if self.list_reached {
                            reach.reached.push(self.reached(marked.node, impact));
                        }
                    }
                    if marked.vendor != NONE {
                        reach.vendors.push(marked.vendor);
                    }
                }
            },
        );
        reach
    }

    fn reached(&self, node: NodeIdx, impact: f64) -> ReachedData {
        let node = self.inventory.node(node);
        ReachedData {
            id: node.id.to_string(),
            kind: riskgraph_model::vocabulary::Vocabulary::as_str(node.kind()).to_owned(),
            impact,
            loss: node.loss.as_deref().copied(),
        }
    }

    /// The property set of `item`'s risk, as [`Planner::reach`] takes it.
    pub fn set_of(&self, item: &Item) -> u8 {
        properties_of(self.inventory, item.source)
    }

    /// Scores `item`'s risk and plans its runs; `reach` is what its events reach.
    pub fn plan(
        &self,
        scoring: &mut Scoring,
        item: &Item,
        reach: &Reach,
    ) -> Result<Planned, RuleError> {
        let Scoring {
            rules,
            views,
            scratch,
        } = scoring;
        let rules = rules.as_ref().map_err(Clone::clone)?;
        let threat = match item.source {
            Source::Threat(t) => Some(t),
            Source::Fraud => None,
        };
        let id = crate::assess::risk_id(self.inventory, item.source, item.node);
        let scored = match threat {
            Some(threat) => {
                let scenario = Scenario {
                    threat,
                    node: item.node,
                };
                self.inputs.score(rules, views, scratch, scenario)?
            }
            None => self.inputs.score_fraud(rules, views, scratch, item.node)?.0,
        };
        let controls: Vec<u32> = scratch.applied().0.to_vec();
        let risk = || id.clone();
        let without = self.inputs.residuals_without_each(
            rules,
            views,
            scratch,
            &risk,
            item.node,
            scored.inherent,
        )?;
        // The runs' scores, each once: inherent first, then the residual, then each other
        // residual a control's absence gives. Runs with the same scores draw the same losses.
        let mut run_scores = vec![scored.inherent];
        let mut run_of = |scores: ScoresData| {
            if let Some(at) = run_scores.iter().position(|&s| s == scores) {
                at
            } else {
                run_scores.push(scores);
                run_scores.len() - 1
            }
        };
        let residual_run = run_of(scored.residual);
        let control_runs: Vec<(u32, usize)> = controls
            .iter()
            .zip(&without)
            .map(|(&control, &residual)| (control, run_of(residual)))
            .collect();
        let (rate, multipliers) = self.rates(threat, &run_scores);
        let base = match rate {
            Rate::Fixed(rate) => rate,
            Rate::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
        };
        let rates = [base * multipliers[0], base * multipliers[residual_run]];
        let mut losses: Vec<(i64, Loss)> = Vec::new();
        let mut runs = Vec::with_capacity(run_scores.len());
        for (at, (scores, multiplier)) in run_scores.iter().zip(multipliers).enumerate() {
            let known = losses.iter().find(|(impact, _)| *impact == scores.impact);
            let loss = if let Some((_, loss)) = known {
                loss.clone()
            } else {
                let run = if at == 0 { "inherent" } else { "residual" };
                let loss = self.loss(rules, views, item, reach, scored.inherent, *scores, run)?;
                losses.push((scores.impact, loss.clone()));
                loss
            };
            runs.push(Run {
                multiplier,
                sampler: Sampler::new(&loss, self.tables),
            });
        }
        Ok(Planned {
            model: RiskModel {
                stream: stream(self.seed, &id),
                rate,
                runs,
            },
            rates,
            id,
            residual_run,
            control_runs,
        })
    }

    /// The base rate of a risk and each run's multiplier: the threat's `frequency` times the
    /// run's likelihood rate over the inherent one; else the run's likelihood rate.
    fn rates(&self, threat: Option<u32>, scores: &[ScoresData]) -> (Rate, Vec<f64>) {
        let frequency = threat.and_then(|t| self.inventory.threats[t as usize].frequency);
        let rate = match frequency {
            None => Rate::Fixed(1.0),
            Some(Frequency::Fixed(rate)) => Rate::Fixed(rate),
            Some(Frequency::Range { low, high }) => {
                let (mu, sigma) = lognormal(low, high);
                Rate::Lognormal { mu, sigma }
            }
        };
        let multipliers = (0..scores.len())
            .map(|at| runs_multiplier(scores, at, self, threat))
            .collect();
        (rate, multipliers)
    }

    /// The loss of one event of `item`'s risk in a run of scores `run_scores`: the built-in rule
    /// computed here, or the organization's `loss` hook.
    #[expect(
        clippy::too_many_arguments,
        reason = "one call site; the arguments are what the hook is given"
    )]
    fn loss(
        &self,
        rules: &Rules,
        views: &Views,
        item: &Item,
        reach: &Reach,
        inherent: ScoresData,
        run_scores: ScoresData,
        run: &str,
    ) -> Result<Loss, RuleError> {
        let levels = &self.quant.loss;
        let share = impact_share(levels, run_scores.impact, inherent.impact);
        let threat = match item.source {
            Source::Threat(t) => Some(t),
            Source::Fraud => None,
        };
        if self.builtin_loss {
            let given = threat
                .and_then(|t| self.inventory.threats[t as usize].loss)
                .or_else(|| self.inventory.node(item.node).loss.as_deref().copied());
            let mut loss = match given {
                Some(magnitude) => Loss::of(&magnitude).times(share),
                None => level_loss(levels, run_scores.impact),
            };
            loss.add(&reach.secondary.times(share));
            return Ok(loss);
        }
        let (threat_view, node_view, mut exposure, context) =
            self.inputs.loss_inputs(views, threat, item.node);
        exposure.secondary_loss = reach.secondary.clone();
        exposure.reached.clone_from(&reach.reached);
        let context = ContextData {
            run: run.to_owned(),
            likelihood: run_scores.likelihood,
            impact: run_scores.impact,
            inherent_likelihood: inherent.likelihood,
            inherent_impact: inherent.impact,
            currency: self.quant.currency.clone(),
            level_loss: levels.clone(),
            ..context
        };
        rules.loss(
            &threat_view,
            &node_view,
            &Exposure(Arc::new(exposure)),
            &Context(Arc::new(context)),
        )
    }
}

/// The multiplier of run `at` of `scores` (see [`Planner::rates`]).
fn runs_multiplier(
    scores: &[ScoresData],
    at: usize,
    planner: &Planner<'_>,
    threat: Option<u32>,
) -> f64 {
    let quant = planner.quant;
    let run = quant.rate(scores[at].likelihood);
    let given = threat.is_some_and(|t| planner.inventory.threats[t as usize].frequency.is_some());
    if !given {
        return run;
    }
    let inherent = quant.rate(scores[0].likelihood);
    if inherent > 0.0 {
        run / inherent
    } else if run > 0.0 || scores[at].likelihood == scores[0].likelihood {
        1.0
    } else {
        0.0
    }
}
