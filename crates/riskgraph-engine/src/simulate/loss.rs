//! The loss of one event: a sum of amounts and of scaled distributions that are drawn together.
//!
//! One event has one severity: a long outage costs more at every process it reaches, a large
//! breach more in every system it touches. So every part of an event's loss (the primary loss
//! and the loss at each node it reaches) is drawn at the same quantile `u` of its own
//! distribution: the parts are comonotonic. That is the conservative choice (independent parts
//! would thin the tail), and it makes a sum of parts with the same shape exact and cheap: the
//! parts of 27,000 processes with three distinct ranges are three terms, not 27,000 draws.
//!
//! A [`Loss`] is `constant + sum(coefficient x Q_shape(u))` where each shape is a lognormal of
//! some `sigma` (`Q = exp(sigma z)`, `z` the standard normal quantile of `u`) or a Beta of some
//! `(alpha, beta)` (PERT). A [`Sampler`] is a loss compiled for drawing, its Beta quantiles
//! tabulated once per shape.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use riskgraph_model::money::{Magnitude, format_amount, lognormal, pert_shape};

/// A shape of distribution, keyed by the bits of its parameters so equal shapes merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Shape {
    /// `exp(sigma z)`: a lognormal of median 1.
    Lognormal { sigma: u64 },
    /// A Beta on `[0, 1]`.
    Beta { alpha: u64, beta: u64 },
}

impl Shape {
    fn lognormal(sigma: f64) -> Self {
        Self::Lognormal {
            sigma: sigma.to_bits(),
        }
    }

    fn beta(alpha: f64, beta: f64) -> Self {
        Self::Beta {
            alpha: alpha.to_bits(),
            beta: beta.to_bits(),
        }
    }

    /// The mean of the shape's distribution.
    fn mean(self) -> f64 {
        match self {
            Self::Lognormal { sigma } => {
                let sigma = f64::from_bits(sigma);
                (sigma * sigma / 2.0).exp()
            }
            Self::Beta { alpha, beta } => {
                let (alpha, beta) = (f64::from_bits(alpha), f64::from_bits(beta));
                alpha / (alpha + beta)
            }
        }
    }
}

/// The loss of one event, as a sum of comonotonic parts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loss {
    /// What every event costs for sure.
    pub constant: f64,
    /// Each shape once, by shape, with the sum of its coefficients.
    pub terms: Vec<(Shape, f64)>,
}

impl Loss {
    pub const ZERO: Self = Self {
        constant: 0.0,
        terms: Vec::new(),
    };

    /// The loss a magnitude of the inventory describes.
    pub fn of(magnitude: &Magnitude) -> Self {
        match *magnitude {
            Magnitude::Fixed(amount) => Self::fixed(amount),
            Magnitude::Range { low, high } => {
                let (mu, sigma) = lognormal(low, high);
                Self {
                    constant: 0.0,
                    terms: vec![(Shape::lognormal(sigma), mu.exp())],
                }
            }
            Magnitude::Pert { min, mode, max } => {
                let (alpha, beta) = pert_shape(min, mode, max);
                Self {
                    constant: min,
                    terms: vec![(Shape::beta(alpha, beta), max - min)],
                }
            }
        }
    }

    pub fn fixed(amount: f64) -> Self {
        Self {
            constant: amount,
            terms: Vec::new(),
        }
    }

    /// This loss times `factor` (a share of 0 or more).
    #[must_use]
    pub fn times(&self, factor: f64) -> Self {
        Self {
            constant: self.constant * factor,
            terms: self
                .terms
                .iter()
                .map(|&(shape, coefficient)| (shape, coefficient * factor))
                .collect(),
        }
    }

    /// Adds `other` (drawn in the same event) to this loss.
    pub fn add(&mut self, other: &Self) {
        self.constant += other.constant;
        for &(shape, coefficient) in &other.terms {
            self.add_term(shape, coefficient);
        }
    }

    /// Adds `other` times `factor` (drawn in the same event), without allocating a loss for it.
    pub fn add_times(&mut self, other: &Self, factor: f64) {
        self.constant += other.constant * factor;
        for &(shape, coefficient) in &other.terms {
            self.add_term(shape, coefficient * factor);
        }
    }

    /// Adds `magnitude` times `factor`, without building a loss for it.
    pub fn add_scaled(&mut self, magnitude: &Magnitude, factor: f64) {
        if let Magnitude::Fixed(amount) = *magnitude {
            self.constant += amount * factor;
            return;
        }
        let part = Self::of(magnitude);
        self.constant += part.constant * factor;
        for (shape, coefficient) in part.terms {
            self.add_term(shape, coefficient * factor);
        }
    }

    fn add_term(&mut self, shape: Shape, coefficient: f64) {
        match self.terms.binary_search_by_key(&shape, |&(s, _)| s) {
            Ok(at) => self.terms[at].1 += coefficient,
            Err(at) => self.terms.insert(at, (shape, coefficient)),
        }
    }

    /// The mean loss of an event.
    pub fn mean(&self) -> f64 {
        self.constant
            + self
                .terms
                .iter()
                .map(|&(shape, coefficient)| coefficient * shape.mean())
                .sum::<f64>()
    }

    /// Whether every event costs nothing.
    pub fn is_zero(&self) -> bool {
        self.constant == 0.0 && self.terms.iter().all(|&(_, c)| c == 0.0)
    }

    /// Whether every amount in it is a finite number of 0 or more.
    pub fn is_valid(&self) -> bool {
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        ok(self.constant) && self.terms.iter().all(|&(_, c)| ok(c))
    }
}

impl fmt::Display for Loss {
    /// `250k`, `mean 1.2M` for anything drawn.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.terms.is_empty() {
            f.write_str(&format_amount(self.constant))
        } else {
            write!(
                f,
                "mean {}",
                format_amount((self.mean() * 100.0).round() / 100.0)
            )
        }
    }
}

/// A Beta quantile table, by the bits of its `(alpha, beta)`.
type TableMap = BTreeMap<(u64, u64), Arc<[f64]>>;

/// Quantile tables of Beta distributions, one per shape, made on first use and shared.
#[derive(Debug, Default)]
pub struct Tables(Mutex<TableMap>);

impl Tables {
    /// The quantile table of Beta(`alpha`, `beta`) (given as bits).
    fn beta(&self, alpha: u64, beta: u64) -> Arc<[f64]> {
        let make = || beta_quantiles(f64::from_bits(alpha), f64::from_bits(beta));
        match self.0.lock() {
            Ok(mut tables) => Arc::clone(tables.entry((alpha, beta)).or_insert_with(make)),
            Err(_) => make(),
        }
    }
}

/// A loss compiled for drawing.
#[derive(Debug, Clone, Default)]
pub struct Sampler {
    constant: f64,
    lognormal: Vec<(f64, f64)>,
    beta: Vec<(Arc<[f64]>, f64)>,
}

impl Sampler {
    pub fn new(loss: &Loss, tables: &Tables) -> Self {
        let mut sampler = Self {
            constant: loss.constant,
            ..Self::default()
        };
        for &(shape, coefficient) in &loss.terms {
            if coefficient == 0.0 {
                continue;
            }
            match shape {
                Shape::Lognormal { sigma } => {
                    sampler.lognormal.push((f64::from_bits(sigma), coefficient));
                }
                Shape::Beta { alpha, beta } => {
                    sampler.beta.push((tables.beta(alpha, beta), coefficient));
                }
            }
        }
        sampler
    }

    /// Whether the sampler draws a lognormal part, which needs the normal quantile `z`.
    pub fn needs_z(&self) -> bool {
        !self.lognormal.is_empty()
    }

    /// Whether the sampler draws a PERT part, which needs the quantile `u` itself.
    pub fn needs_u(&self) -> bool {
        !self.beta.is_empty()
    }

    /// The loss at quantile `u` in (0, 1), whose standard normal quantile is `z`.
    pub fn at(&self, u: f64, z: f64) -> f64 {
        self.constant
            + self
                .lognormal
                .iter()
                .map(|&(sigma, coefficient)| coefficient * (sigma * z).exp())
                .sum::<f64>()
            + self.beta_part(u)
    }

    /// The amount every event costs.
    pub fn constant(&self) -> f64 {
        self.constant
    }

    /// The lognormal parts: `(sigma, coefficient)`, each drawing `coefficient * exp(sigma z)`.
    pub fn lognormal(&self) -> &[(f64, f64)] {
        &self.lognormal
    }

    /// The PERT parts at quantile `u`.
    pub fn beta_part(&self, u: f64) -> f64 {
        self.beta
            .iter()
            .map(|(table, coefficient)| coefficient * interpolate(table, u))
            .sum()
    }
}

/// The standard normal distribution function at `z`.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z * std::f64::consts::FRAC_1_SQRT_2)
}

/// Intervals of a Beta quantile table.
const BETA_STEPS: usize = 4096;

/// The quantiles of Beta(`alpha`, `beta`), `alpha, beta >= 1` (PERT's), at `u = i / BETA_STEPS`:
/// the distribution function integrated on a grid eight times finer (trapezoids), inverted by
/// interpolation. The table's mean is the Beta's to a few parts in a million.
fn beta_quantiles(alpha: f64, beta: f64) -> Arc<[f64]> {
    const FINE: usize = BETA_STEPS * 8;
    let density = |x: f64| x.powf(alpha - 1.0) * (1.0 - x).powf(beta - 1.0);
    let mut cdf = Vec::with_capacity(FINE + 1);
    cdf.push(0.0);
    let mut previous = density(0.0);
    let mut total = 0.0;
    for i in 1..=FINE {
        let current = density(i as f64 / FINE as f64);
        total += f64::midpoint(previous, current);
        cdf.push(total);
        previous = current;
    }
    let mut table = Vec::with_capacity(BETA_STEPS + 1);
    let mut at = 0;
    for j in 0..=BETA_STEPS {
        let target = total * j as f64 / BETA_STEPS as f64;
        while at < FINE && cdf[at + 1] < target {
            at += 1;
        }
        let x = if at >= FINE {
            1.0
        } else {
            let span = cdf[at + 1] - cdf[at];
            let within = if span > 0.0 {
                ((target - cdf[at]) / span).clamp(0.0, 1.0)
            } else {
                0.0
            };
            (at as f64 + within) / FINE as f64
        };
        table.push(x);
    }
    table.into()
}

fn interpolate(table: &[f64], u: f64) -> f64 {
    let position = u * BETA_STEPS as f64;
    let at = (position as usize).min(BETA_STEPS - 1);
    let within = position - at as f64;
    table[at] + within * (table[at + 1] - table[at])
}

/// The standard normal quantile of `p` in (0, 1): Wichura's algorithm AS 241 (PPND16),
/// accurate to about 1e-16.
#[expect(
    clippy::excessive_precision,
    reason = "the coefficients as published, digit for digit"
)]
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 8] = [
        3.387_132_872_796_366_5,
        133.141_667_891_784_38,
        1_971.590_950_306_551_3,
        13_731.693_765_509_461,
        45_921.953_931_549_87,
        67_265.770_927_008_7,
        33_430.575_583_588_13,
        2_509.080_928_730_122_7,
    ];
    const B: [f64; 8] = [
        1.0,
        42.313_330_701_600_91,
        687.187_007_492_057_9,
        5_394.196_021_424_751,
        21_213.794_301_586_597,
        39_307.895_800_092_71,
        28_729.085_735_721_943,
        5_226.495_278_852_545,
    ];
    const C: [f64; 8] = [
        1.423_437_110_749_683_5,
        4.630_337_846_156_546,
        5.769_497_221_460_691,
        3.647_848_324_763_204_5,
        1.270_458_252_452_368_4,
        0.241_780_725_177_450_6,
        0.022_723_844_989_269_184,
        7.745_450_142_783_414e-4,
    ];
    const D: [f64; 8] = [
        1.0,
        2.053_191_626_637_759,
        1.676_384_830_183_803_8,
        0.689_767_334_985_1,
        0.148_103_976_427_480_08,
        0.015_198_666_563_616_457,
        5.475_938_084_995_345e-4,
        1.050_750_071_644_416_9e-9,
    ];
    const E: [f64; 8] = [
        6.657_904_643_501_103,
        5.463_784_911_164_114,
        1.784_826_539_917_291_3,
        0.296_560_571_828_504_9,
        0.026_532_189_526_576_124,
        0.001_242_660_947_388_078_4,
        2.711_555_568_743_487_6e-5,
        2.010_334_399_292_288e-7,
    ];
    const F: [f64; 8] = [
        1.0,
        0.599_832_206_555_888,
        0.136_929_880_922_735_8,
        0.014_875_361_290_850_615,
        7.868_691_311_456_133e-4,
        1.846_318_317_510_054_8e-5,
        1.421_511_758_316_446e-7,
        2.044_263_103_389_939_7e-15,
    ];
    let ratio = |coefficients: [f64; 8], denominators: [f64; 8], x: f64| {
        let poly = |c: [f64; 8]| c.iter().rev().fold(0.0, |sum, &k| sum * x + k);
        poly(coefficients) / poly(denominators)
    };
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180_625 - q * q;
        return q * ratio(A, B, r);
    }
    let r = if q < 0.0 { p } else { 1.0 - p };
    let r = (-r.ln()).sqrt();
    let value = if r <= 5.0 {
        ratio(C, D, r - 1.6)
    } else {
        ratio(E, F, r - 5.0)
    };
    if q < 0.0 { -value } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles() {
        assert!(normal_quantile(0.5).abs() < 1e-15);
        assert!((normal_quantile(0.95) - riskgraph_model::money::Z95).abs() < 1e-12);
        assert!((normal_quantile(0.025) + 1.959_963_984_540_054).abs() < 1e-12);
        assert!((normal_quantile(1e-10) + 6.361_340_902_404_056).abs() < 1e-9);
    }

    #[test]
    fn the_distribution_function_inverts_the_quantile() {
        for p in [1e-9, 0.001, 0.05, 0.3, 0.5, 0.77, 0.975, 0.999_999] {
            let back = normal_cdf(normal_quantile(p));
            assert!((back - p).abs() < 1e-12 * p.max(1e-3), "{p}: {back}");
        }
    }

    #[test]
    fn a_lognormal_range_draws_its_ends_at_5_and_95_percent() {
        let loss = Loss::of(&Magnitude::Range {
            low: 50_000.0,
            high: 2_000_000.0,
        });
        let sampler = Sampler::new(&loss, &Tables::default());
        let at = |u: f64| sampler.at(u, normal_quantile(u));
        assert!((at(0.05) - 50_000.0).abs() < 1e-6);
        assert!((at(0.95) - 2_000_000.0).abs() < 1e-4);
    }

    #[test]
    fn beta_tables_keep_the_mean() {
        for (min, mode, max) in [(0.0, 25.0, 100.0), (10.0, 10.0, 20.0), (0.0, 99.0, 100.0)] {
            let magnitude = Magnitude::Pert { min, mode, max };
            let sampler = Sampler::new(&Loss::of(&magnitude), &Tables::default());
            let n = 200_000;
            let mean: f64 = (0..n)
                .map(|i| sampler.at((f64::from(i) + 0.5) / f64::from(n), 0.0))
                .sum::<f64>()
                / f64::from(n);
            assert!(
                (mean - magnitude.mean()).abs() < 1e-4 * max,
                "{magnitude}: {mean} against {}",
                magnitude.mean()
            );
            assert!((sampler.at(1e-9, 0.0) - min).abs() < 0.01 * (max - min));
        }
    }

    #[test]
    fn parts_of_one_shape_merge() {
        let range = Magnitude::Range {
            low: 10.0,
            high: 1000.0,
        };
        let mut loss = Loss::ZERO;
        loss.add_scaled(&range, 0.5);
        loss.add_scaled(&range, 0.25);
        loss.add_scaled(&Magnitude::Fixed(7.0), 2.0);
        assert_eq!(loss.terms.len(), 1);
        assert!((loss.mean() - (0.75 * range.mean() + 14.0)).abs() < 1e-9);
        assert_eq!(Loss::fixed(250_000.0).to_string(), "250k");
    }
}
