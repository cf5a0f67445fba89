//! `riskgraph simulate`: annual loss in money, by Monte Carlo simulation of the years ahead.
//!
//! Every risk of the assessment (each threat on each node it targets, and the fraud risk of each
//! process) has a rate of loss events per year and a loss per event. Per simulated year, the
//! number of a risk's events is Poisson with its rate, and each event's loss is drawn from its
//! loss, with the losses of the nodes it reaches drawn in the same event: when a vendor goes
//! down, every process that depends on it loses money in that event, in that year. Risks are
//! otherwise independent, each with its own random stream (see [`sample`]).
//!
//! Each risk is drawn in several runs sharing its events (common random numbers): inherent,
//! residual, and residual with each of its controls left out, which gives the loss each
//! control avoids. Annual totals are kept in whole cents per year, integer sums that do not
//! depend on the order of addition: the figures are the same bytes on any number of threads.
//!
//! The work is done per node, in parallel: one walk of the impact graph finds what the node's
//! risks reach (the nodes with a `loss`, the vendors), then each risk is scored, planned
//! ([`plan`]) and drawn, its events added to the thread's tallies ([`Tally`]).

pub mod loss;
mod outcome;
mod plan;
pub mod sample;

use std::fmt;

use rayon::prelude::*;
use riskgraph_model::{Inventory, NodeIdx};

use crate::assess::{Item, Source, items};
use crate::exposure::Workspace;
use crate::indexes::Indexed;
use crate::pool::Pool;
use crate::propagation::{ImpactGraph, Limits};
use crate::rules::{RuleError, Rules};
use crate::scenarios::{Inputs, Scratch};

pub use outcome::{
    ControlReturn, CurvePoint, Distribution, RiskLoss, Simulation, ToleranceCheck, VendorLoss,
};

/// What a simulation runs with besides the inventory and its rules.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub years: u64,
    pub seed: u64,
    /// The date of the assessment whose risks are simulated.
    pub as_of: jiff::civil::Date,
    pub limits: Limits,
}

/// Why a simulation could not run.
#[derive(Debug, Clone, PartialEq)]
pub enum SimulateError {
    /// Nothing in the inventory is in money and the manifest has no `[quant]` table.
    NoMoneyData,
    /// A rules script failed.
    Rule(RuleError),
    /// A risk would draw too many events to simulate.
    TooManyEvents { risk: String, events: f64 },
}

impl fmt::Display for SimulateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoMoneyData => f.write_str("the inventory has no money data to simulate"),
            Self::Rule(error) => write!(f, "{error}"),
            Self::TooManyEvents { risk, events } => write!(
                f,
                "`{risk}` would draw about {events:.3e} loss events over the simulated years; at most {:.0e}",
                sample::MAX_EVENTS
            ),
        }
    }
}

impl std::error::Error for SimulateError {}

impl From<RuleError> for SimulateError {
    fn from(error: RuleError) -> Self {
        Self::Rule(error)
    }
}

/// Whether `inventory` has anything in money: a threat's `frequency` or `loss`, a node's `loss`,
/// a control's `cost`, or a `[quant]` table.
pub fn has_money_data(inventory: &Inventory) -> bool {
    inventory.manifest.quant.present
        || inventory
            .threats
            .iter()
            .any(|t| t.frequency.is_some() || t.loss.is_some())
        || inventory.nodes.iter().any(|n| n.loss.is_some())
        || inventory.controls.iter().any(|c| c.cost.is_some())
}

/// One thread's sums, in cents: annual totals of every year for the inherent and residual runs,
/// the residual loss on and through each vendor, and the loss each control avoids.
struct Tally {
    inherent: Vec<u64>,
    residual: Vec<u64>,
    /// One risk's residual loss per year, while it is drawn; zero otherwise.
    risk_years: Vec<u64>,
    /// The years of `risk_years` that are not zero.
    touched: Vec<u64>,
    on_vendor: Vec<u128>,
    through_vendor: Vec<u128>,
    avoided: Vec<i128>,
}

impl Tally {
    fn new(years: u64, vendors: usize, controls: usize) -> Self {
        let years = usize::try_from(years).unwrap_or(usize::MAX);
        Self {
            inherent: vec![0; years],
            residual: vec![0; years],
            risk_years: vec![0; years],
            touched: Vec::new(),
            on_vendor: vec![0; vendors],
            through_vendor: vec![0; vendors],
            avoided: vec![0; controls],
        }
    }

    /// Adds `other`'s sums to these.
    fn absorb(&mut self, other: &Self) {
        let add = |a: &mut [u64], b: &[u64]| {
            a.iter_mut()
                .zip(b)
                .for_each(|(x, y)| *x = x.saturating_add(*y));
        };
        add(&mut self.inherent, &other.inherent);
        add(&mut self.residual, &other.residual);
        let add = |a: &mut [u128], b: &[u128]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.on_vendor, &other.on_vendor);
        add(&mut self.through_vendor, &other.through_vendor);
        self.avoided
            .iter_mut()
            .zip(&other.avoided)
            .for_each(|(x, y)| *x += y);
    }
}

/// One risk's outcome, in cents over all the years.
struct Drawn {
    id: String,
    source: Source,
    node: NodeIdx,
    rates: [f64; 2],
    inherent: u128,
    residual: u128,
    /// The 95th percentile of its residual annual loss.
    p95: u64,
}

/// A thread's state: its copy of the rules and views, a workspace for walks, its tallies.
struct Thread {
    scoring: plan::Scoring,
    workspace: Workspace,
    tally: Tally,
}

/// Simulates `indexed`'s risks as scored by `rules` through `graph`, with `quant`'s money.
pub fn simulate(
    indexed: Indexed<'_>,
    graph: &ImpactGraph,
    rules: &Rules,
    settings: Settings,
) -> Result<Simulation, SimulateError> {
    let inventory = indexed.inventory();
    if !has_money_data(inventory) {
        return Err(SimulateError::NoMoneyData);
    }
    let quant = &inventory.manifest.quant;
    let inputs = Inputs::with(indexed, graph, settings.limits, settings.as_of);
    let mut items = items(inventory, &indexed.nodes());
    items.sort_by_key(|item| (item.node, item.source));
    let marks = plan::Marks::new(inventory, graph);
    let reads = rules.reads("loss");
    let tables = loss::Tables::default();
    let planner = plan::Planner {
        inventory,
        graph,
        inputs: &inputs,
        quant,
        limits: settings.limits,
        seed: settings.seed,
        tables: &tables,
        list_reached: !rules.builtin_loss() && (reads.reads("reached") || !reads.reusable()),
        builtin_loss: rules.builtin_loss(),
        marks: &marks,
    };
    let threads = Pool::new(|| Thread {
        scoring: plan::Scoring {
            rules: rules.fork(),
            views: inputs.views().copy(),
            scratch: Scratch::default(),
        },
        workspace: Workspace::new(inventory.nodes.len()),
        tally: Tally::new(
            settings.years,
            marks.vendors.len(),
            inventory.controls.len(),
        ),
    });
    let groups = groups(&items);
    let drawn: Vec<Result<Vec<Drawn>, SimulateError>> = groups
        .par_iter()
        .map_init(
            || threads.take(),
            |thread, group| draw_group(&planner, thread, &items[group.clone()], settings.years),
        )
        .collect();
    let mut risks = Vec::with_capacity(items.len());
    for group in drawn {
        risks.extend(group?);
    }
    let mut tallies = threads.into_values().into_iter().map(|t| t.tally);
    let mut tally = tallies
        .next()
        .unwrap_or_else(|| Tally::new(settings.years, 0, 0));
    for other in tallies {
        tally.absorb(&other);
    }
    Ok(outcome::summarize(
        inventory,
        quant,
        &settings,
        risks,
        &tally,
        &marks.vendors,
    ))
}

/// The items of each node, as ranges of `items` (sorted by node).
fn groups(items: &[Item]) -> Vec<std::ops::Range<usize>> {
    let mut groups = Vec::new();
    let mut start = 0;
    for at in 1..=items.len() {
        if at == items.len() || items[at].node != items[start].node {
            groups.push(start..at);
            start = at;
        }
    }
    groups
}

/// Plans and draws the risks of one node (`group`), adding their events to `thread`'s tallies.
fn draw_group(
    plans: &plan::Planner<'_>,
    thread: &mut Thread,
    group: &[Item],
    years: u64,
) -> Result<Vec<Drawn>, SimulateError> {
    let Some(first) = group.first() else {
        return Ok(Vec::new());
    };
    let sets = group
        .iter()
        .fold(0u8, |sets, item| sets | 1 << plans.set_of(item));
    let reach = plans.reach(&mut thread.workspace, first.node, sets);
    let mut drawn = Vec::with_capacity(group.len());
    for item in group {
        let reach = &reach[usize::from(plans.set_of(item))];
        let planned = plans.plan(&mut thread.scoring, item, reach)?;
        let events = planned.model.expected_events(years);
        if events > sample::MAX_EVENTS {
            return Err(SimulateError::TooManyEvents {
                risk: planned.id,
                events,
            });
        }
        let (sums, p95) = draw_risk(&planned, &mut thread.tally, years);
        let residual = sums[planned.residual_run];
        let tally = &mut thread.tally;
        let slot = plans.marks.vendor_slot[item.node as usize];
        if slot != plan::NONE {
            tally.on_vendor[slot as usize] += residual;
        }
        for &slot in &reach.vendors {
            tally.through_vendor[slot as usize] += residual;
        }
        for &(control, run) in &planned.control_runs {
            tally.avoided[control as usize] += sums[run].cast_signed() - residual.cast_signed();
        }
        drawn.push(Drawn {
            id: planned.id,
            source: item.source,
            node: item.node,
            rates: planned.rates,
            inherent: sums[0],
            residual,
            p95,
        });
    }
    Ok(drawn)
}

/// Draws one risk into `tally`: the sum over all years of each run's losses, and the 95th
/// percentile of its residual annual loss.
fn draw_risk(planned: &plan::Planned, tally: &mut Tally, years: u64) -> (Vec<u128>, u64) {
    let mut sums = vec![0u128; planned.model.runs.len()];
    let Tally {
        inherent,
        residual,
        risk_years,
        touched,
        ..
    } = tally;
    let residual_run = planned.residual_run;
    planned.model.draw(years, |year, run, cents| {
        sums[run] += u128::from(cents);
        let year = year as usize;
        if run == 0 {
            inherent[year] = inherent[year].saturating_add(cents);
        }
        if run == residual_run {
            residual[year] = residual[year].saturating_add(cents);
            if cents > 0 {
                if risk_years[year] == 0 {
                    touched.push(year as u64);
                }
                risk_years[year] = risk_years[year].saturating_add(cents);
            }
        }
    });
    let mut losses: Vec<u64> = touched.iter().map(|&y| risk_years[y as usize]).collect();
    for &year in touched.iter() {
        risk_years[year as usize] = 0;
    }
    touched.clear();
    let p95 = outcome::percentile_of_sparse(&mut losses, years, 0.95);
    (sums, p95)
}
