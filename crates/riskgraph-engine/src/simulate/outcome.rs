//! What a simulation reports: the distribution of annual loss, inherent and residual, its loss
//! exceedance curve against the tolerance curve, and the loss per risk, per vendor and per
//! control.
//!
//! Percentiles are nearest-rank: the `q` percentile of `n` years is the `ceil(q n)`-th smallest
//! annual loss.

use riskgraph_model::quant::{Quant, TolerancePoint};
use riskgraph_model::{Inventory, NodeIdx};

use crate::assess::Source;

use super::{Drawn, Settings, Tally};

/// The simulation's result. Amounts are in the currency, per year.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    pub years: u64,
    pub seed: u64,
    pub currency: String,
    pub inherent: Distribution,
    pub residual: Distribution,
    /// About 100 points, by increasing loss; empty when no year has a loss.
    pub curve: Vec<CurvePoint>,
    /// Each point of the tolerance curve, checked.
    pub tolerance: Vec<ToleranceCheck>,
    /// Whether the residual curve stays under the tolerance curve (true without one).
    pub within_tolerance: bool,
    /// By residual mean annual loss, highest first, then id.
    pub risks: Vec<RiskLoss>,
    /// Every vendor, by the loss on and through it, highest first, then id.
    pub vendors: Vec<VendorLoss>,
    /// Every control, by the loss it avoids, highest first, then file order.
    pub controls: Vec<ControlReturn>,
    /// The residual annual loss of each simulated year, in cents, in year order.
    pub residual_years: Vec<u64>,
    /// The inherent annual loss of each simulated year, in cents, in year order.
    pub inherent_years: Vec<u64>,
}

/// The distribution of annual loss over the simulated years.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Distribution {
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    /// The share of years with any loss.
    pub probability_of_loss: f64,
}

/// A point of the loss exceedance curves: the probability of an annual loss above `loss`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    pub loss: f64,
    pub inherent: f64,
    pub residual: f64,
    /// The tolerance curve at `loss`, between its first and last points.
    pub tolerance: Option<f64>,
}

/// A point of the tolerance curve and the simulated probabilities of exceeding its loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToleranceCheck {
    pub loss: f64,
    /// The probability of a larger annual loss the organization tolerates.
    pub tolerated: f64,
    pub inherent: f64,
    pub residual: f64,
    pub within: bool,
}

/// One risk's annual loss.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskLoss {
    pub id: String,
    pub source: Source,
    pub node: NodeIdx,
    /// Events per year, inherent and residual.
    pub frequency: [f64; 2],
    pub inherent_mean: f64,
    pub mean: f64,
    /// The 95th percentile of its residual annual loss.
    pub p95: f64,
    /// Its share of the residual mean annual loss of all risks.
    pub share: f64,
}

/// The residual annual loss of the risks on a vendor, and of the events that reach through it.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorLoss {
    pub node: NodeIdx,
    pub on: f64,
    pub through: f64,
}

/// What a control is worth: the residual mean annual loss without it, less with it.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlReturn {
    /// Its index in `controls.csv`.
    pub control: u32,
    pub avoided: f64,
    pub cost: Option<f64>,
    /// `(avoided - cost) / cost`, when it has a cost above 0.
    pub return_on_cost: Option<f64>,
}

/// How many points the loss exceedance curves have.
const CURVE_POINTS: usize = 100;

impl Simulation {
    /// Whether the residual curve crosses the tolerance curve: `--fail-on-tolerance`.
    pub fn crosses_tolerance(&self) -> bool {
        !self.within_tolerance
    }
}

/// The simulation's result from the risks drawn and the summed tallies.
pub(super) fn summarize(
    inventory: &Inventory,
    quant: &Quant,
    settings: &Settings,
    drawn: Vec<Drawn>,
    tally: &Tally,
    vendors: &[NodeIdx],
) -> Simulation {
    let years = settings.years;
    let per_year = |cents: u128| cents as f64 / 100.0 / years as f64;
    let mut inherent_sorted = tally.inherent.clone();
    let mut residual_sorted = tally.residual.clone();
    inherent_sorted.sort_unstable();
    residual_sorted.sort_unstable();
    let total: u128 = drawn.iter().map(|d| d.residual).sum();
    let mut risks: Vec<RiskLoss> = drawn
        .into_iter()
        .map(|d| RiskLoss {
            share: if total > 0 {
                d.residual as f64 / total as f64
            } else {
                0.0
            },
            id: d.id,
            source: d.source,
            node: d.node,
            frequency: d.rates,
            inherent_mean: per_year(d.inherent),
            mean: per_year(d.residual),
            p95: d.p95 as f64 / 100.0,
        })
        .collect();
    risks.sort_by(|a, b| b.mean.total_cmp(&a.mean).then_with(|| a.id.cmp(&b.id)));
    let mut vendors: Vec<VendorLoss> = vendors
        .iter()
        .enumerate()
        .map(|(slot, &node)| VendorLoss {
            node,
            on: per_year(tally.on_vendor[slot]),
            through: per_year(tally.through_vendor[slot]),
        })
        .collect();
    vendors.sort_by(|a, b| {
        (b.on + b.through)
            .total_cmp(&(a.on + a.through))
            .then_with(|| inventory.node(a.node).id.cmp(&inventory.node(b.node).id))
    });
    let controls = controls(inventory, tally, years);
    let curve = curve(&inherent_sorted, &residual_sorted, &quant.tolerance);
    let tolerance = check_tolerance(&inherent_sorted, &residual_sorted, &quant.tolerance);
    let within_tolerance = tolerance.iter().all(|t| t.within)
        && curve
            .iter()
            .all(|p| p.tolerance.is_none_or(|tolerated| p.residual <= tolerated));
    Simulation {
        years,
        seed: settings.seed,
        currency: quant.currency.clone(),
        inherent: distribution(&inherent_sorted),
        residual: distribution(&residual_sorted),
        curve,
        tolerance,
        within_tolerance,
        risks,
        vendors,
        controls,
        residual_years: tally.residual.clone(),
        inherent_years: tally.inherent.clone(),
    }
}

fn controls(inventory: &Inventory, tally: &Tally, years: u64) -> Vec<ControlReturn> {
    let mut controls: Vec<ControlReturn> = inventory
        .controls
        .iter()
        .enumerate()
        .map(|(c, control)| {
            let avoided = tally.avoided[c] as f64 / 100.0 / years as f64;
            ControlReturn {
                control: c as u32,
                avoided,
                cost: control.cost,
                return_on_cost: control
                    .cost
                    .filter(|&cost| cost > 0.0)
                    .map(|cost| (avoided - cost) / cost),
            }
        })
        .collect();
    controls.sort_by(|a, b| {
        b.avoided
            .total_cmp(&a.avoided)
            .then_with(|| a.control.cmp(&b.control))
    });
    controls
}

/// The distribution of annual losses in cents, `sorted` ascending.
fn distribution(sorted: &[u64]) -> Distribution {
    let n = sorted.len();
    if n == 0 {
        return Distribution::default();
    }
    let amount = |cents: u64| cents as f64 / 100.0;
    let at = |q: f64| amount(sorted[nearest_rank(q, n as u64) as usize - 1]);
    let total: u128 = sorted.iter().map(|&c| u128::from(c)).sum();
    let zero = sorted.partition_point(|&c| c == 0);
    Distribution {
        mean: total as f64 / 100.0 / n as f64,
        p50: at(0.5),
        p90: at(0.9),
        p95: at(0.95),
        p99: at(0.99),
        p999: at(0.999),
        max: amount(sorted[n - 1]),
        probability_of_loss: (n - zero) as f64 / n as f64,
    }
}

/// The 1-based rank of the `q` percentile of `n` values: `ceil(q n)`, at least 1. Computed in
/// integers from `q` in thousandths, so `0.95 * 100` is 95, not 95.00000000000001.
fn nearest_rank(q: f64, n: u64) -> u64 {
    let thousandths = u128::from((q * 1000.0).round() as u64);
    (thousandths * u128::from(n)).div_ceil(1000).max(1) as u64
}

/// The `q` percentile (in cents) of the annual losses of `years` years, of which `positive` are
/// the ones above zero, in any order (they are reordered).
pub(super) fn percentile_of_sparse(positive: &mut [u64], years: u64, q: f64) -> u64 {
    let rank = nearest_rank(q, years);
    let zeros = years - positive.len() as u64;
    if rank <= zeros {
        return 0;
    }
    let at = (rank - zeros - 1) as usize;
    *positive.select_nth_unstable(at).1
}

/// The probability that an annual loss in `sorted` (cents, ascending) is above `loss`.
fn exceedance(sorted: &[u64], loss: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let cents = super::sample::cents(loss);
    let above = sorted.len() - sorted.partition_point(|&c| c <= cents);
    above as f64 / sorted.len() as f64
}

/// The loss exceedance curves at [`CURVE_POINTS`] losses evenly spaced on a log scale, from the
/// smallest annual loss above zero (or a millionth of the largest) to the largest annual loss or
/// tolerance point, with the tolerance curve between its first and last points.
fn curve(inherent: &[u64], residual: &[u64], tolerance: &[TolerancePoint]) -> Vec<CurvePoint> {
    let smallest = |sorted: &[u64]| sorted.iter().copied().find(|&c| c > 0);
    let largest = |sorted: &[u64]| sorted.last().copied().unwrap_or(0);
    let top = (largest(inherent).max(largest(residual)) as f64 / 100.0)
        .max(tolerance.last().map_or(0.0, |p| p.loss));
    if top <= 0.0 {
        return Vec::new();
    }
    let bottom = [smallest(inherent), smallest(residual)]
        .into_iter()
        .flatten()
        .map(|c| c as f64 / 100.0)
        .chain(tolerance.first().map(|p| p.loss))
        .fold(top, f64::min)
        .max(top / 1e6);
    let ratio = (top / bottom).ln();
    (0..CURVE_POINTS)
        .map(|i| {
            let loss = if i + 1 == CURVE_POINTS {
                top
            } else {
                bottom * (ratio * i as f64 / (CURVE_POINTS - 1) as f64).exp()
            };
            CurvePoint {
                loss,
                inherent: exceedance(inherent, loss),
                residual: exceedance(residual, loss),
                tolerance: tolerated_at(tolerance, loss),
            }
        })
        .collect()
}

/// The tolerance curve at `loss`: straight on log-log axes between its points, absent outside
/// them.
pub fn tolerated_at(points: &[TolerancePoint], loss: f64) -> Option<f64> {
    let (first, last) = (points.first()?, points.last()?);
    if loss < first.loss || loss > last.loss {
        return None;
    }
    let pair = points
        .windows(2)
        .find(|pair| loss <= pair[1].loss)
        .map_or((first, first), |pair| (&pair[0], &pair[1]));
    let (a, b) = pair;
    if loss <= a.loss || b.loss <= a.loss {
        return Some(a.probability);
    }
    if loss >= b.loss {
        return Some(b.probability);
    }
    let t = (loss.ln() - a.loss.ln()) / (b.loss.ln() - a.loss.ln());
    Some((a.probability.ln() + t * (b.probability.ln() - a.probability.ln())).exp())
}

fn check_tolerance(
    inherent: &[u64],
    residual: &[u64],
    points: &[TolerancePoint],
) -> Vec<ToleranceCheck> {
    points
        .iter()
        .map(|point| {
            let residual = exceedance(residual, point.loss);
            ToleranceCheck {
                loss: point.loss,
                tolerated: point.probability,
                inherent: exceedance(inherent, point.loss),
                residual,
                within: residual <= point.probability,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(nearest_rank(0.95, 100), 95);
        assert_eq!(nearest_rank(0.999, 100), 100);
        assert_eq!(nearest_rank(0.5, 1), 1);
        assert_eq!(nearest_rank(0.95, 100_000), 95_000);
        let mut positive = vec![30, 10, 20];
        // 100 years, 3 with a loss: the 95th percentile is 0, the 99th the second smallest.
        assert_eq!(percentile_of_sparse(&mut positive, 100, 0.95), 0);
        assert_eq!(percentile_of_sparse(&mut positive, 100, 0.99), 20);
        assert_eq!(percentile_of_sparse(&mut positive, 100, 1.0), 30);
    }

    #[test]
    fn the_tolerance_curve_is_straight_on_log_axes() {
        let points = [
            TolerancePoint {
                loss: 1e6,
                probability: 0.1,
            },
            TolerancePoint {
                loss: 1e8,
                probability: 0.001,
            },
        ];
        assert!((tolerated_at(&points, 1e7).unwrap() - 0.01).abs() < 1e-12);
        assert_eq!(tolerated_at(&points, 1e5), None);
        assert_eq!(tolerated_at(&points, 1e6), Some(0.1));
    }

    #[test]
    fn distributions_of_annual_losses() {
        let mut years: Vec<u64> = (0..1000)
            .map(|i| if i < 900 { 0 } else { 100 * i })
            .collect();
        years.sort_unstable();
        let d = distribution(&years);
        assert_eq!(vec![d.p50, d.p90, d.p95, d.max], [0.0, 0.0, 949.0, 999.0]);
        assert!((d.probability_of_loss - 0.1).abs() < 1e-12);
        assert!((exceedance(&years, 949.0) - 0.05).abs() < 1e-12);
    }
}
