//! What scripts see of money: the `Loss` type, the threat's `loss` and `frequency`, a node's
//! `loss`, the nodes an event reaches and the simulation's context, for the `loss` hook.
//!
//! A `Loss` is the loss of one event (see [`crate::simulate::loss`]): an amount or a
//! distribution, or a sum of them drawn in the same event. Scripts add losses (`a + b`), scale
//! them (`a * 0.5`, `a.times(0.5)`), read their `mean`, and make them from text
//! (`loss("50k..2M")`) or a number (`loss(250000)`).

use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, EvalAltResult, Position};
use riskgraph_model::money::{Frequency, Magnitude};
use serde::{Deserialize, Deserializer};

use super::views::{Context, Exposure, Node, ReachedData, Threat};
use crate::simulate::loss::Loss;

/// A node reached by an event, as scripts see it.
#[derive(Debug, Clone)]
pub struct Reached(pub Arc<ReachedData>);

/// Registers the `Loss` type, its operators and constructors, and the money fields of threats,
/// nodes, exposures and contexts.
pub fn register(engine: &mut Engine) {
    engine
        .register_type_with_name::<Loss>("Loss")
        .register_get("mean", |l: &mut Loss| l.mean())
        .register_fn("is_zero", |l: &mut Loss| l.is_zero())
        .register_fn("to_string", |l: &mut Loss| l.to_string())
        .register_fn("to_debug", |l: &mut Loss| l.to_string())
        .register_fn("times", |l: &mut Loss, x: f64| scaled(l, x))
        .register_fn("times", |l: &mut Loss, x: i64| scaled(l, x as f64))
        .register_fn("*", |l: Loss, x: f64| scaled(&l, x))
        .register_fn("*", |l: Loss, x: i64| scaled(&l, x as f64))
        .register_fn("*", |x: f64, l: Loss| scaled(&l, x))
        .register_fn("*", |x: i64, l: Loss| scaled(&l, x as f64))
        .register_fn("+", |a: Loss, b: Loss| sum(a, &b))
        .register_fn("+", |a: Loss, x: f64| plus(a, x))
        .register_fn("+", |a: Loss, x: i64| plus(a, x as f64))
        .register_fn("+", |x: f64, a: Loss| plus(a, x))
        .register_fn("+", |x: i64, a: Loss| plus(a, x as f64))
        .register_fn("loss", |text: &str| -> Result<Loss, Box<EvalAltResult>> {
            Magnitude::parse(text)
                .map(|m| Loss::of(&m))
                .map_err(|err| err.message.into())
        })
        .register_fn("loss", |x: f64| plus(Loss::ZERO, x))
        .register_fn("loss", |x: i64| plus(Loss::ZERO, x as f64));

    engine
        .register_get("loss", |t: &mut Threat| magnitude(t.0.loss.as_ref()))
        .register_get("frequency", |t: &mut Threat| {
            t.0.frequency
                .as_ref()
                .map_or(Dynamic::UNIT, |f| Dynamic::from_float(f.mean()))
        })
        .register_get("loss", |n: &mut Node| magnitude(n.0.loss.as_ref()))
        .register_get("secondary_loss", |e: &mut Exposure| {
            e.0.secondary_loss.clone()
        })
        .register_get("reached", |e: &mut Exposure| -> Array {
            e.0.reached
                .iter()
                .map(|r| Dynamic::from(Reached(Arc::new(r.clone()))))
                .collect()
        });

    engine
        .register_type_with_name::<Reached>("Reached")
        .register_get("id", |r: &mut Reached| r.0.id.clone())
        .register_get("kind", |r: &mut Reached| r.0.kind.clone())
        .register_get("impact", |r: &mut Reached| r.0.impact)
        .register_get("loss", |r: &mut Reached| magnitude(r.0.loss.as_ref()));

    engine
        .register_get("run", |c: &mut Context| c.0.run.clone())
        .register_get("likelihood", |c: &mut Context| c.0.likelihood)
        .register_get("impact", |c: &mut Context| c.0.impact)
        .register_get("inherent_likelihood", |c: &mut Context| {
            c.0.inherent_likelihood
        })
        .register_get("inherent_impact", |c: &mut Context| c.0.inherent_impact)
        .register_get("currency", |c: &mut Context| c.0.currency.clone())
        .register_get("impact_loss", |c: &mut Context| {
            level_loss(&c.0.level_loss, c.0.impact)
        })
        .register_get("impact_share", |c: &mut Context| {
            impact_share(&c.0.level_loss, c.0.impact, c.0.inherent_impact)
        })
        .register_fn("level_loss", |c: &mut Context, level: i64| {
            level_loss(&c.0.level_loss, level)
        });
}

fn scaled(loss: &Loss, factor: f64) -> Result<Loss, Box<EvalAltResult>> {
    if factor.is_finite() && factor >= 0.0 {
        Ok(loss.times(factor))
    } else {
        Err(format!("a loss can only be multiplied by a number of 0 or more, not {factor}").into())
    }
}

fn sum(mut a: Loss, b: &Loss) -> Loss {
    a.add(b);
    a
}

fn plus(mut a: Loss, amount: f64) -> Result<Loss, Box<EvalAltResult>> {
    if amount.is_finite() && amount >= 0.0 {
        a.constant += amount;
        Ok(a)
    } else {
        Err(Box::new(EvalAltResult::ErrorRuntime(
            format!("an amount of money is 0 or more, not {amount}").into(),
            Position::NONE,
        )))
    }
}

fn magnitude(magnitude: Option<&Magnitude>) -> Dynamic {
    magnitude.map_or(Dynamic::UNIT, |m| Dynamic::from(Loss::of(m)))
}

/// The loss per event at impact `level` of `levels` (the highest level's above the top, the
/// lowest's below the bottom).
pub fn level_loss(levels: &[Magnitude], level: i64) -> Loss {
    let at = usize::try_from(level.saturating_sub(1)).unwrap_or(0);
    levels
        .get(at)
        .or(levels.last())
        .map_or(Loss::ZERO, Loss::of)
}

/// The share of a risk's inherent loss left at impact `impact`: the mean loss of its level over
/// that of the inherent impact's level (1 when they are the same, or when the latter is 0).
pub fn impact_share(levels: &[Magnitude], impact: i64, inherent_impact: i64) -> f64 {
    if impact == inherent_impact {
        return 1.0;
    }
    let inherent = level_loss(levels, inherent_impact).mean();
    if inherent > 0.0 {
        level_loss(levels, impact).mean() / inherent
    } else {
        1.0
    }
}

/// Reads a rules test's `loss = "50k..2M"`.
pub(super) fn magnitude_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Magnitude>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    text.map(|t| Magnitude::parse(&t).map_err(|e| serde::de::Error::custom(e.message)))
        .transpose()
}

/// Reads a rules test's `frequency = "0.1..2"` (or a number).
pub(super) fn frequency_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Frequency>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Number(f64),
        Text(String),
    }
    match Option::<Written>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Written::Number(rate)) => Frequency::parse(&rate.to_string())
            .map(Some)
            .map_err(|e| serde::de::Error::custom(e.message)),
        Some(Written::Text(text)) => Frequency::parse(&text)
            .map(Some)
            .map_err(|e| serde::de::Error::custom(e.message)),
    }
}

/// Reads a rules test's `secondary_loss = "10k..1M"`.
pub(super) fn loss_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Loss, D::Error> {
    Ok(magnitude_text(deserializer)?.map_or(Loss::ZERO, |m| Loss::of(&m)))
}

/// Reads a rules test's `level_loss = ["1k..10k", ...]`.
pub(super) fn magnitudes_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Magnitude>, D::Error> {
    Vec::<String>::deserialize(deserializer)?
        .iter()
        .map(|t| Magnitude::parse(t).map_err(|e| serde::de::Error::custom(e.message)))
        .collect()
}
