//! Drawing one risk's loss events over all the simulated years.
//!
//! Each risk has its own random stream, seeded from the simulation's seed and the risk's id by a
//! stable hash: its events do not depend on the thread that draws them, on the order of the
//! files, or on the other risks (adding one reshuffles nothing).
//!
//! A risk has several runs: inherent, residual, and residual with each of its controls left out.
//! They draw the same events (common random numbers): the stream draws the events of the
//! highest rate among the runs, and each event carries a uniform `keep` and a severity `u`; a
//! run whose rate is `m` times the base keeps the events whose `keep * m_max < m` (Poisson
//! thinning, so each run's events are exactly Poisson at its own rate) and draws each kept
//! event's loss at quantile `u` of its own loss. So a run with a lower rate has a subset of the
//! events of a higher one, and a lower loss draws a lower amount in the same event. The severity
//! is drawn as a standard normal `z` (what lognormal parts need), `u` being its distribution
//! function (what PERT parts need); the stream draws the same numbers whatever the losses are.
//!
//! Most risk-years have no event: with a fixed rate, the stream draws the events of a Poisson
//! process over all the years, one exponential gap after another, rather than a count per year
//! (the same process: each year's count is Poisson with the rate, independently); the years come
//! in order, so the tallies are written front to back. A rate given as a range is drawn per year
//! (a mixed Poisson: one rate per year, then the year's events, found by spending an exponential
//! budget of intensity year by year).

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp1, StandardNormal};
use rand_pcg::Pcg64Mcg;

use super::loss::{Sampler, normal_cdf};

/// How often a risk's events arrive in the base run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    /// Events per year; each run's rate is this times its multiplier.
    Fixed(f64),
    /// A lognormal rate drawn each year, `exp(mu + sigma z)`; each run's rate that year is it
    /// times the run's multiplier.
    Lognormal { mu: f64, sigma: f64 },
}

impl Rate {
    fn mean(self) -> f64 {
        match self {
            Self::Fixed(rate) => rate,
            Self::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
        }
    }
}

/// One run of a risk: how its rate compares with the base rate, and the loss of its events.
#[derive(Debug, Clone)]
pub struct Run {
    pub multiplier: f64,
    pub sampler: Sampler,
}

/// What a risk draws from.
#[derive(Debug, Clone)]
pub struct RiskModel {
    /// The seed of the risk's stream.
    pub stream: u64,
    pub rate: Rate,
    pub runs: Vec<Run>,
}

/// The most events one risk may draw over all the years (a thousand a year for 100,000 years):
/// a hundred million take a few seconds, and beyond it a simulation would run for minutes on
/// one risk.
pub const MAX_EVENTS: f64 = 1e8;

/// The seed of the stream of risk `id` in a simulation seeded `seed`: FNV-1a over the seed's
/// bytes and the id's, mixed by `SplitMix64`'s finalizer. Stable across platforms and versions,
/// unlike the standard library's hashers.
pub fn stream(seed: u64, id: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in seed.to_le_bytes().iter().chain(id.as_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = hash.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniform number in the open interval (0, 1), so its normal quantile is finite.
fn open_unit(rng: &mut Pcg64Mcg) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// An amount in whole cents, the unit every sum is kept in: integer sums do not depend on the
/// order of addition, so totals are the same whatever the thread count. Amounts beyond what a
/// `u64` holds (1.8e17 units of currency) are held at that.
pub fn cents(amount: f64) -> u64 {
    // Amounts are never negative, so adding a half and truncating rounds (and is cheaper than
    // `round`, which matters in the event loop).
    (amount * 100.0 + 0.5) as u64
}

impl RiskModel {
    /// The expected number of events the stream draws over `years`.
    pub fn expected_events(&self, years: u64) -> f64 {
        self.rate.mean() * self.highest_multiplier() * years as f64
    }

    fn highest_multiplier(&self) -> f64 {
        self.runs
            .iter()
            .map(|run| run.multiplier)
            .fold(0.0, f64::max)
    }

    /// Draws the risk's events over `years` and calls `visit(year, run, cents)` for the loss of
    /// each run that keeps each event, run by run in their order, event by event in the order
    /// drawn. The caller checks [`RiskModel::expected_events`] first.
    pub fn draw(&self, years: u64, mut visit: impl FnMut(u64, usize, u64)) {
        let highest = self.highest_multiplier();
        if highest <= 0.0 || years == 0 {
            return;
        }
        let parts = Parts::of(&self.runs);
        let mut rng = Pcg64Mcg::seed_from_u64(self.stream);
        let mut factors = vec![0.0; parts.sigmas.len()];
        let mut event = |rng: &mut Pcg64Mcg, year: u64| {
            let keep = open_unit(rng) * highest;
            let z: f64 = StandardNormal.sample(rng);
            let u = if parts.needs_u { normal_cdf(z) } else { 0.5 };
            // Each distinct lognormal shape's factor `exp(sigma z)`, at most once per event, and
            // only for the shapes of runs that keep it.
            factors.fill(f64::NAN);
            for (at, run) in self.runs.iter().enumerate() {
                if keep < run.multiplier {
                    let mut lognormal = 0.0;
                    for &(shape, coefficient) in &parts.lognormal[at] {
                        if factors[shape].is_nan() {
                            factors[shape] = (parts.sigmas[shape] * z).exp();
                        }
                        lognormal += coefficient * factors[shape];
                    }
                    let loss = run.sampler.constant() + lognormal + run.sampler.beta_part(u);
                    visit(year, at, cents(loss));
                }
            }
        };
        match self.rate {
            Rate::Fixed(rate) => {
                // The events of a Poisson process, one exponential gap after the other: years
                // come in order, so the tallies are written front to back.
                let per_year = rate * highest;
                let end = years as f64;
                let mut time = 0.0;
                loop {
                    let gap: f64 = Exp1.sample(&mut rng);
                    time += gap / per_year;
                    if time >= end {
                        break;
                    }
                    event(&mut rng, time as u64);
                }
            }
            Rate::Lognormal { mu, sigma } => {
                // A Poisson process whose rate is drawn each year: an exponential budget of
                // intensity is spent year by year; an event falls where it runs out.
                let mut budget: f64 = Exp1.sample(&mut rng);
                for year in 0..years {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    let mut intensity = (mu + sigma * z).exp() * highest;
                    while budget < intensity {
                        intensity -= budget;
                        event(&mut rng, year);
                        budget = Exp1.sample(&mut rng);
                    }
                    budget -= intensity;
                }
            }
        }
    }
}

/// The runs' lognormal parts over the distinct shapes of the risk, so that an event computes
/// `exp(sigma z)` once per shape rather than once per run.
struct Parts {
    sigmas: Vec<f64>,
    /// Per run, `(shape, coefficient)`: an index into `sigmas`.
    lognormal: Vec<Vec<(usize, f64)>>,
    needs_u: bool,
}

impl Parts {
    fn of(runs: &[Run]) -> Self {
        let mut sigmas: Vec<f64> = Vec::new();
        let lognormal = runs
            .iter()
            .map(|run| {
                run.sampler
                    .lognormal()
                    .iter()
                    .map(|&(sigma, coefficient)| {
                        let shape = sigmas
                            .iter()
                            .position(|s| s.to_bits() == sigma.to_bits())
                            .unwrap_or_else(|| {
                                sigmas.push(sigma);
                                sigmas.len() - 1
                            });
                        (shape, coefficient)
                    })
                    .collect()
            })
            .collect();
        Self {
            sigmas,
            lognormal,
            needs_u: runs.iter().any(|run| run.sampler.needs_u()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::loss::{Loss, Tables};

    fn model(rate: Rate, runs: &[(f64, f64)]) -> RiskModel {
        let tables = Tables::default();
        RiskModel {
            stream: stream(7, "T@x"),
            rate,
            runs: runs
                .iter()
                .map(|&(multiplier, amount)| Run {
                    multiplier,
                    sampler: Sampler::new(&Loss::fixed(amount), &tables),
                })
                .collect(),
        }
    }

    #[test]
    fn streams_differ_by_seed_and_id_and_never_change() {
        assert_ne!(stream(1, "T@a"), stream(2, "T@a"));
        assert_ne!(stream(1, "T@a"), stream(1, "T@b"));
        // Fixed forever: a changed hash would change every published figure.
        assert_eq!(stream(1, "T-RANSOM@app-web"), stream(1, "T-RANSOM@app-web"));
        assert_eq!(format!("{:016x}", stream(0, "")), "5ba314b8cfda3b6b");
    }

    #[test]
    fn a_lower_rate_keeps_a_subset_of_the_events() {
        let model = model(Rate::Fixed(0.5), &[(1.0, 10.0), (0.4, 10.0), (0.0, 10.0)]);
        let mut years: [Vec<u64>; 3] = Default::default();
        model.draw(100_000, |year, run, _| years[run].push(year));
        let (all, some) = (years[0].len() as f64, years[1].len() as f64);
        assert!((all / 50_000.0 - 1.0).abs() < 0.02, "{all}");
        assert!((some / all - 0.4).abs() < 0.02, "{some} of {all}");
        assert!(years[2].is_empty());
        let mut kept = years[0].clone();
        kept.sort_unstable();
        assert!(years[1].iter().all(|year| kept.binary_search(year).is_ok()));
    }

    #[test]
    fn a_rate_range_draws_a_rate_each_year() {
        // A 90% range 0.1..2: mean rate exp(mu + sigma^2 / 2).
        let (mu, sigma) = riskgraph_model::money::lognormal(0.1, 2.0);
        let model = model(Rate::Lognormal { mu, sigma }, &[(1.0, 1.0)]);
        let mut events = 0u64;
        model.draw(200_000, |_, _, _| events += 1);
        let expected = (mu + sigma * sigma / 2.0).exp() * 200_000.0;
        assert!(
            (events as f64 / expected - 1.0).abs() < 0.02,
            "{events} vs {expected}"
        );
    }
}
