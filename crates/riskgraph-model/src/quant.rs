//! The manifest's `[quant]` table: how `riskgraph simulate` turns the assessment into money.
//!
//! ```toml
//! [quant]
//! currency = "USD"
//! years = 100000
//! seed = 1
//! frequency = { 1 = 0.05, 2 = 0.13, 3 = 0.32, 4 = 0.8, 5 = 2 }    # events per year by likelihood
//! loss = { 1 = "1k..10k", 5 = "10M..100M" }                        # loss per event by impact
//! tolerance = [{ loss = "1M", probability = "10%" }, { loss = "10M", probability = "1%" }]
//! ```
//!
//! Every key is optional; levels that `frequency` or `loss` leave out keep their defaults.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::money::{Magnitude, format_amount, parse_amount};

/// The validated `[quant]` table, or its defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Quant {
    /// Whether the manifest has a `[quant]` table.
    pub present: bool,
    /// The currency of every amount, as the outputs name it.
    pub currency: String,
    /// Simulated years.
    pub years: u64,
    pub seed: u64,
    /// Events per year at each likelihood level, `frequency[level - 1]`.
    pub frequency: Vec<f64>,
    /// Loss per event at each impact level, `loss[level - 1]`, for a risk with no money data.
    pub loss: Vec<Magnitude>,
    /// Points of the loss tolerance curve, by increasing loss.
    pub tolerance: Vec<TolerancePoint>,
}

/// A point of the organization's loss tolerance curve: the probability of an annual loss above
/// `loss` that it accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TolerancePoint {
    pub loss: f64,
    pub probability: f64,
}

/// The most years a simulation may run: ten million years hold 80 MB per run.
pub const MAX_YEARS: u64 = 10_000_000;

/// The default number of simulated years.
pub const DEFAULT_YEARS: u64 = 100_000;

/// The default seed: the same inputs give the same figures unless the seed is changed.
pub const DEFAULT_SEED: u64 = 1;

impl Quant {
    /// The defaults on a scale of `scale` levels: rates from 0.05 a year (once in twenty years)
    /// at the lowest likelihood to 2 a year at the highest, evenly spaced on a log scale; losses
    /// per event from 1k..10k at the lowest impact to 10M..100M at the highest, each level a
    /// range of the same ratio.
    pub fn defaults(scale: u8) -> Self {
        let steps = f64::from(scale.max(2) - 1);
        let frequency = (0..scale)
            .map(|i| significant(0.05 * 40f64.powf(f64::from(i) / steps)))
            .collect();
        let decades = 5.0 / f64::from(scale.max(1));
        let loss = (0..scale)
            .map(|i| Magnitude::Range {
                low: significant(10f64.powf(3.0 + decades * f64::from(i))),
                high: significant(10f64.powf(3.0 + decades * f64::from(i + 1))),
            })
            .collect();
        Self {
            present: false,
            currency: String::from("USD"),
            years: DEFAULT_YEARS,
            seed: DEFAULT_SEED,
            frequency,
            loss,
            tolerance: Vec::new(),
        }
    }

    /// Events per year at likelihood `level` (1..=scale).
    pub fn rate(&self, level: i64) -> f64 {
        let at = usize::try_from(level - 1).unwrap_or(0);
        self.frequency
            .get(at)
            .or(self.frequency.last())
            .copied()
            .unwrap_or(0.0)
    }

    /// The loss per event at impact `level` (1..=scale).
    pub fn level_loss(&self, level: i64) -> Magnitude {
        let at = usize::try_from(level - 1).unwrap_or(0);
        self.loss
            .get(at)
            .or(self.loss.last())
            .copied()
            .unwrap_or(Magnitude::Fixed(0.0))
    }
}

/// `x` rounded to two significant digits.
fn significant(x: f64) -> f64 {
    let magnitude = 10f64.powf(x.log10().floor() - 1.0);
    (x / magnitude).round() * magnitude
}

/// `[quant]` as written: money settings of `riskgraph simulate`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuant {
    /// The currency code or symbol amounts are in (default USD).
    #[schemars(with = "Option<String>")]
    currency: Option<Spanned<String>>,
    /// Simulated years (default 100,000).
    #[schemars(with = "Option<u64>")]
    years: Option<Spanned<i64>>,
    /// The seed of the random streams.
    #[schemars(with = "Option<u64>")]
    seed: Option<Spanned<i64>>,
    /// Loss events per year for each likelihood level (`1 = 0.05`).
    #[schemars(with = "Option<BTreeMap<String, NumberOrText>>")]
    frequency: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    /// Loss per event for each impact level (`3 = "100k..1M"`).
    #[schemars(with = "Option<BTreeMap<String, NumberOrText>>")]
    loss: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    /// Points of the loss tolerance curve.
    #[schemars(with = "Option<Vec<RawTolerance>>")]
    tolerance: Option<Vec<Spanned<RawTolerance>>>,
}

/// A point of the tolerance curve: the chance of an annual loss above `loss` that is tolerated.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawTolerance {
    /// An amount: `5M`, `250000`.
    #[schemars(with = "NumberOrText")]
    loss: Spanned<toml::Value>,
    /// A chance: `0.1` or `"10%"`.
    #[schemars(with = "NumberOrText")]
    probability: Spanned<toml::Value>,
}

/// What a money setting may be written as, for the manifest's schema: a number or a text such as
/// `"2M"`, `"50k..2M"` or `"10%"`.
#[derive(schemars::JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum NumberOrText {
    Number(f64),
    Text(String),
}

/// Where a problem is: a span of the manifest's text, the message and a hint.
pub(crate) type Problem = (std::ops::Range<usize>, String, Option<String>);

/// Validates `raw` on a scale of `scale`: the quant table, and a problem for each bad setting
/// (which keeps its default).
pub(crate) fn check(raw: RawQuant, scale: u8) -> (Quant, Vec<Problem>) {
    let mut quant = Quant::defaults(scale);
    quant.present = true;
    let mut problems: Vec<Problem> = Vec::new();
    let mut problem = |span: std::ops::Range<usize>, message: String, help: &str| {
        problems.push((span, message, Some(help.to_owned())));
    };
    if let Some(currency) = raw.currency {
        let text = currency.get_ref().trim();
        if text.is_empty() || text.chars().count() > 12 || text.chars().any(char::is_control) {
            problem(
                currency.span(),
                format!("`{text}` is not a currency"),
                "write a currency code or symbol such as \"USD\", \"EUR\" or \"$\"",
            );
        } else {
            text.clone_into(&mut quant.currency);
        }
    }
    if let Some(years) = raw.years {
        match u64::try_from(*years.get_ref()) {
            Ok(n @ 1..=MAX_YEARS) => quant.years = n,
            _ => problem(
                years.span(),
                format!(
                    "`years = {}` is out of range 1..={MAX_YEARS}",
                    years.get_ref()
                ),
                "100000 years (the default) gives stable tail figures in well under a second",
            ),
        }
    }
    if let Some(seed) = raw.seed {
        match u64::try_from(*seed.get_ref()) {
            Ok(n) => quant.seed = n,
            Err(_) => problem(
                seed.span(),
                format!("`seed = {}` is negative", seed.get_ref()),
                "a seed is a whole number of 0 or more",
            ),
        }
    }
    for (key, value) in raw.frequency.iter().flatten() {
        let Some(level) = level_key(key, scale, &mut problem) else {
            continue;
        };
        match number(value.get_ref()).filter(|rate| (0.0..=1e6).contains(rate)) {
            Some(rate) => quant.frequency[level] = rate,
            None => problem(
                value.span(),
                format!("`{}` is not a number of events per year", value.get_ref()),
                "write events per year at this likelihood, such as 0.3 (once in about three years)",
            ),
        }
    }
    for (key, value) in raw.loss.iter().flatten() {
        let Some(level) = level_key(key, scale, &mut problem) else {
            continue;
        };
        let parsed = match value.get_ref() {
            toml::Value::String(text) => Magnitude::parse(text).map_err(|e| (e.message, e.help)),
            other => number(other)
                .filter(|x| *x >= 0.0)
                .map(Magnitude::Fixed)
                .ok_or_else(|| (format!("`{other}` is not a loss"), None)),
        };
        match parsed {
            Ok(magnitude) => quant.loss[level] = magnitude,
            Err((message, help)) => problems_push(&mut problem, value.span(), message, help),
        }
    }
    if let Some(points) = raw.tolerance {
        quant.tolerance = tolerance(points, &mut problem);
    }
    (quant, problems)
}

fn problems_push(
    problem: &mut impl FnMut(std::ops::Range<usize>, String, &str),
    span: std::ops::Range<usize>,
    message: String,
    help: Option<String>,
) {
    let help = help.unwrap_or_else(|| {
        String::from("write a loss per event: an amount (\"250k\"), a 90% range (\"50k..2M\") or \"min..mode..max\"")
    });
    problem(span, message, &help);
}

/// The level a `frequency` or `loss` key names, as an index; `None` (reported) when it names none.
fn level_key(
    key: &Spanned<String>,
    scale: u8,
    problem: &mut impl FnMut(std::ops::Range<usize>, String, &str),
) -> Option<usize> {
    match key.get_ref().trim().parse::<u8>() {
        Ok(level @ 1..) if level <= scale => Some(usize::from(level - 1)),
        _ => {
            problem(
                key.span(),
                format!(
                    "`{}` is not a level of the scale 1..={scale}",
                    key.get_ref()
                ),
                "key each value by its level: `frequency = { 1 = 0.05, 5 = 2 }`",
            );
            None
        }
    }
}

fn number(value: &toml::Value) -> Option<f64> {
    match value {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(x) if x.is_finite() => Some(*x),
        _ => None,
    }
}

/// The tolerance points, sorted by loss, each checked; the curve must not rise.
fn tolerance(
    points: Vec<Spanned<RawTolerance>>,
    problem: &mut impl FnMut(std::ops::Range<usize>, String, &str),
) -> Vec<TolerancePoint> {
    let mut checked: Vec<(TolerancePoint, std::ops::Range<usize>)> = Vec::new();
    for point in points {
        let span = point.span();
        let raw = point.into_inner();
        let loss = match raw.loss.get_ref() {
            toml::Value::String(text) => parse_amount(text).ok(),
            other => number(other).filter(|x| *x >= 0.0),
        }
        .filter(|loss| *loss > 0.0);
        let probability = match raw.probability.get_ref() {
            toml::Value::String(text) => probability(text),
            other => number(other),
        }
        .filter(|p| *p > 0.0 && *p < 1.0);
        match (loss, probability) {
            (Some(loss), Some(probability)) => {
                checked.push((TolerancePoint { loss, probability }, span));
            }
            (None, _) => problem(
                raw.loss.span(),
                format!("`{}` is not an annual loss", raw.loss.get_ref()),
                "write an amount above 0, such as \"1M\" or 1000000",
            ),
            (_, None) => problem(
                raw.probability.span(),
                format!("`{}` is not a probability", raw.probability.get_ref()),
                "write the probability of a larger annual loss that is tolerated, between 0 and 1 (0.1) or as a percentage (\"10%\")",
            ),
        }
    }
    checked.sort_by(|(a, _), (b, _)| a.loss.total_cmp(&b.loss));
    for pair in checked.windows(2) {
        let ((low, _), (high, span)) = (&pair[0], &pair[1]);
        if high.probability > low.probability || high.loss <= low.loss {
            problem(
                span.clone(),
                format!(
                    "the tolerance curve rises: {} of a loss above {} but {} above {}",
                    percent(low.probability),
                    format_amount(low.loss),
                    percent(high.probability),
                    format_amount(high.loss)
                ),
                "a larger annual loss is tolerated with a smaller probability; give each loss once",
            );
        }
    }
    checked.into_iter().map(|(point, _)| point).collect()
}

/// `0.1` or `10%`.
fn probability(text: &str) -> Option<f64> {
    let text = text.trim();
    match text.strip_suffix('%') {
        Some(number) => number.trim_end().parse::<f64>().ok().map(|p| p / 100.0),
        None => text.parse().ok(),
    }
}

fn percent(probability: f64) -> String {
    format!("{}%", (probability * 1e6).round() / 1e4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_on_a_scale_of_five() {
        let quant = Quant::defaults(5);
        assert_eq!(quant.frequency, [0.05, 0.13, 0.32, 0.8, 2.0]);
        let loss: Vec<String> = quant.loss.iter().map(ToString::to_string).collect();
        assert_eq!(
            loss,
            ["1k..10k", "10k..100k", "100k..1M", "1M..10M", "10M..100M"]
        );
        assert_eq!(vec![quant.rate(5), quant.rate(9)], [2.0, 2.0]);
        assert_eq!(Quant::defaults(3).frequency, [0.05, 0.32, 2.0]);
    }
}
