//! Money in the inventory: amounts (`50k`, `2.5M`, `$1,200,000`), losses per event as a number or
//! a range, and event frequencies, as `riskgraph simulate` reads them.
//!
//! A loss range is read the way FAIR-style analyses read an estimate: `low..high` is a 90% range
//! (one chance in twenty below `low`, one in twenty above `high`) of a lognormal distribution,
//! and `min..mode..max` a PERT distribution (a Beta of shape 4 scaled to `[min, max]`). A
//! frequency is events per year, a number or a 90% range read as lognormal.

use std::fmt;

use crate::values::ValueError;

/// The standard normal quantile at 0.95: a 90% range spans 2 x 1.6448536 standard deviations.
pub const Z95: f64 = 1.644_853_626_951_472_2;

/// A loss per event: an amount, or a range of amounts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Magnitude {
    /// Exactly this much.
    Fixed(f64),
    /// A 90% range of a lognormal distribution; `0 < low < high`.
    Range { low: f64, high: f64 },
    /// A PERT distribution; `min <= mode <= max`, `min < max`.
    Pert { min: f64, mode: f64, max: f64 },
}

/// Events per year: a rate, or a 90% range of rates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Frequency {
    Fixed(f64),
    /// A 90% range of a lognormal distribution of the rate; `0 < low < high`.
    Range {
        low: f64,
        high: f64,
    },
}

const AMOUNT_HELP: &str =
    "write an amount such as `50000`, `50k`, `2.5M`, `1B` or `$1,200,000` (no negative amounts)";
const RANGE_HELP: &str = "write an amount (`250k`), a 90% range `low..high` (`50k..2M`, read as lognormal) or `min..mode..max` (`10k..100k..1M`, read as PERT)";

impl Magnitude {
    /// Parses `2M`, `50k..2M` or `10k..100k..1M`.
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let parts: Vec<&str> = text.split("..").collect();
        let amounts = parts
            .iter()
            .map(|part| parse_amount(part))
            .collect::<Result<Vec<f64>, ValueError>>()
            .map_err(|err| in_range(text, parts.len(), err, RANGE_HELP))?;
        match *amounts.as_slice() {
            [amount] => Ok(Self::Fixed(amount)),
            [low, high] => lognormal_range(text, low, high).map(|range| match range {
                Some((low, high)) => Self::Range { low, high },
                None => Self::Fixed(low),
            }),
            [min, mode, max] => {
                if !(min <= mode && mode <= max) {
                    Err(ValueError::new(format!(
                        "`{text}` is not in order: a PERT range is `min..mode..max`"
                    ))
                    .with_help("the most likely amount lies between the smallest and the largest"))
                } else if max <= min {
                    Ok(Self::Fixed(min))
                } else {
                    Ok(Self::Pert { min, mode, max })
                }
            }
            _ => Err(ValueError::new(format!("`{text}` has too many `..`")).with_help(RANGE_HELP)),
        }
    }

    /// The mean loss.
    pub fn mean(&self) -> f64 {
        match *self {
            Self::Fixed(amount) => amount,
            Self::Range { low, high } => {
                let (mu, sigma) = lognormal(low, high);
                (mu + sigma * sigma / 2.0).exp()
            }
            Self::Pert { min, mode, max } => (min + 4.0 * mode + max) / 6.0,
        }
    }
}

impl Frequency {
    /// Parses `0.3` or `0.1..2`.
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        const HELP: &str = "write events per year as a number (`0.3`, once in about three years) or a 90% range (`0.1..2`)";
        let parts: Vec<&str> = text.split("..").collect();
        let rates = parts
            .iter()
            .map(|part| parse_rate(part))
            .collect::<Result<Vec<f64>, ValueError>>()
            .map_err(|err| in_range(text, parts.len(), err, HELP))?;
        match *rates.as_slice() {
            [rate] => Ok(Self::Fixed(rate)),
            [low, high] => lognormal_range(text, low, high).map(|range| match range {
                Some((low, high)) => Self::Range { low, high },
                None => Self::Fixed(low),
            }),
            _ => Err(ValueError::new(format!("`{text}` is not a frequency")).with_help(HELP)),
        }
    }

    /// The mean rate.
    pub fn mean(&self) -> f64 {
        match *self {
            Self::Fixed(rate) => rate,
            Self::Range { low, high } => {
                let (mu, sigma) = lognormal(low, high);
                (mu + sigma * sigma / 2.0).exp()
            }
        }
    }
}

/// The `(mu, sigma)` of the lognormal distribution whose 90% range is `low..high`.
pub fn lognormal(low: f64, high: f64) -> (f64, f64) {
    let (ln_low, ln_high) = (low.ln(), high.ln());
    (
        f64::midpoint(ln_low, ln_high),
        (ln_high - ln_low) / (2.0 * Z95),
    )
}

/// The PERT shape (Beta `alpha`, `beta`) of `min..mode..max`, with `min < max`.
pub fn pert_shape(min: f64, mode: f64, max: f64) -> (f64, f64) {
    let width = max - min;
    (
        1.0 + 4.0 * (mode - min) / width,
        1.0 + 4.0 * (max - mode) / width,
    )
}

/// Checks a 90% range read as lognormal: `Some` for a range, `None` when both ends are the same
/// amount (no uncertainty: that amount).
fn lognormal_range(text: &str, low: f64, high: f64) -> Result<Option<(f64, f64)>, ValueError> {
    if low > high {
        return Err(
            ValueError::new(format!("`{text}` runs backwards")).with_help(format!(
                "write the smaller end first: `{}..{}`",
                format_amount(high),
                format_amount(low)
            )),
        );
    }
    // Both ends the same (the order was checked above).
    if low >= high {
        return Ok(None);
    }
    if low <= 0.0 {
        return Err(ValueError::new(format!(
            "`{text}` starts at 0, which a 90% range cannot (it is read as lognormal)"
        ))
        .with_help(format!(
            "give the amount that is exceeded 95 times in 100, or write a PERT range `0..mode..{}`",
            format_amount(high)
        )));
    }
    Ok(Some((low, high)))
}

/// The error of one end of a range, said of the whole cell.
fn in_range(text: &str, parts: usize, err: ValueError, help: &str) -> ValueError {
    if parts == 1 {
        return err;
    }
    ValueError::new(format!("`{text}` is not a range: {}", err.message)).with_help(help)
}

/// Parses an amount of money: digits with an optional decimal point, optional thousands
/// separators (`,`, `_`, `'` or spaces, between groups of three digits), an optional suffix `k`,
/// `M` (or `mm`) or `B` (or `bn`), and an optional currency symbol before or after.
pub fn parse_amount(text: &str) -> Result<f64, ValueError> {
    let not_amount = || ValueError::new(format!("`{}` is not an amount", text.trim()));
    let mut rest = text.trim();
    for symbol in ['$', '€', '£', '¥', '₹'] {
        if let Some(stripped) = rest.strip_prefix(symbol) {
            rest = stripped.trim_start();
        } else if let Some(stripped) = rest.strip_suffix(symbol) {
            rest = stripped.trim_end();
        }
    }
    if rest.starts_with('-') {
        return Err(ValueError::new(format!("`{}` is negative", text.trim()))
            .with_help("losses and costs are amounts of 0 or more"));
    }
    let (number, multiplier) = split_suffix(rest);
    let digits = without_separators(number.trim_end())
        .map_err(|hint| not_amount().with_help(hint.unwrap_or_else(|| AMOUNT_HELP.to_owned())))?;
    let value: f64 = digits
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| not_amount().with_help(AMOUNT_HELP))?;
    let value = value * multiplier;
    if !value.is_finite() || value > MAX_AMOUNT {
        return Err(ValueError::new(format!("`{}` is too large", text.trim()))
            .with_help(format!("amounts go up to {}", format_amount(MAX_AMOUNT))));
    }
    Ok(value)
}

/// The largest amount accepted: a thousand trillion, far beyond any loss and far within what the
/// simulation's sums in cents hold.
pub const MAX_AMOUNT: f64 = 1e15;

/// The largest frequency accepted, in events per year.
pub const MAX_FREQUENCY: f64 = 1e6;

fn parse_rate(text: &str) -> Result<f64, ValueError> {
    let text = text.trim();
    let rate: f64 = text
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| {
            ValueError::new(format!("`{text}` is not a number of events per year")).with_help(
                "write a number such as `0.3` (once in about three years) or `12` (monthly)",
            )
        })?;
    if rate < 0.0 {
        return Err(ValueError::new(format!("`{text}` is negative"))
            .with_help("a frequency is 0 or more events per year"));
    }
    if rate > MAX_FREQUENCY {
        return Err(
            ValueError::new(format!("`{text}` is too many events per year"))
                .with_help("frequencies go up to a million events per year"),
        );
    }
    Ok(rate)
}

/// `text` without its amount suffix, and the suffix's multiplier.
fn split_suffix(text: &str) -> (&str, f64) {
    const SUFFIXES: [(&str, f64); 8] = [
        ("bn", 1e9),
        ("BN", 1e9),
        ("mm", 1e6),
        ("MM", 1e6),
        ("k", 1e3),
        ("K", 1e3),
        ("M", 1e6),
        ("B", 1e9),
    ];
    for (suffix, multiplier) in SUFFIXES {
        if let Some(number) = text.strip_suffix(suffix) {
            return (number, multiplier);
        }
    }
    // A lone `m` or `b` reads as million or billion too (`2m`, `1b`), as finance writes them.
    if let Some(number) = text.strip_suffix('m') {
        return (number, 1e6);
    }
    if let Some(number) = text.strip_suffix('b') {
        return (number, 1e9);
    }
    (text, 1.0)
}

/// `number` with its thousands separators removed, checked to separate groups of three digits;
/// `Err` carries a hint when the separators are misplaced.
fn without_separators(number: &str) -> Result<String, Option<String>> {
    let is_separator = |c: char| matches!(c, ',' | '_' | '\'' | ' ' | '\u{a0}' | '\u{202f}');
    if !number.contains(is_separator) {
        return Ok(number.to_owned());
    }
    let (whole, fraction) = match number.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (number, None),
    };
    let groups: Vec<&str> = whole.split(is_separator).collect();
    let well_grouped = groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
        && groups[1..].iter().all(|g| g.len() == 3)
        && fraction.is_none_or(|f| !f.contains(is_separator));
    let all_digits = groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    if !all_digits {
        return Err(None);
    }
    if !well_grouped {
        return Err(Some(String::from(
            "thousands separators go between groups of three digits (`1,200,000`); write decimals with a point (`1.5M`)",
        )));
    }
    let mut digits = groups.concat();
    if let Some(fraction) = fraction {
        digits.push('.');
        digits.push_str(fraction);
    }
    Ok(digits)
}

/// An amount the way a person writes it: `50k`, `2.5M`, `1B`, `1234.5`.
pub fn format_amount(amount: f64) -> String {
    for (unit, suffix) in [(1e9, "B"), (1e6, "M"), (1e3, "k")] {
        let thousandths = amount / unit * 1000.0;
        if amount >= unit && (thousandths - thousandths.round()).abs() < 1e-6 {
            return format!("{}{suffix}", thousandths.round() / 1000.0);
        }
    }
    format!("{amount}")
}

impl fmt::Display for Magnitude {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Fixed(amount) => f.write_str(&format_amount(amount)),
            Self::Range { low, high } => {
                write!(f, "{}..{}", format_amount(low), format_amount(high))
            }
            Self::Pert { min, mode, max } => write!(
                f,
                "{}..{}..{}",
                format_amount(min),
                format_amount(mode),
                format_amount(max)
            ),
        }
    }
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Fixed(rate) => write!(f, "{rate}"),
            Self::Range { low, high } => write!(f, "{low}..{high}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_the_ways_people_write_them() {
        let check = |text: &str, expected: f64| {
            assert_eq!(parse_amount(text), Ok(expected), "{text}");
        };
        check("50000", 50_000.0);
        check("50k", 50_000.0);
        check("50 K", 50_000.0);
        check("2.5M", 2_500_000.0);
        check("2.5mm", 2_500_000.0);
        check("2m", 2_000_000.0);
        check("1B", 1e9);
        check("1.2bn", 1.2e9);
        check("$1,200,000", 1_200_000.0);
        check("1 200 000 €", 1_200_000.0);
        check("1'200'000.50", 1_200_000.5);
        check("£ 3k", 3_000.0);
        check("0", 0.0);
    }

    #[test]
    fn bad_amounts_say_why() {
        let message = |text: &str| parse_amount(text).unwrap_err();
        assert_eq!(message("-5k").message, "`-5k` is negative");
        assert!(
            message("1,5M")
                .help
                .unwrap()
                .contains("groups of three digits")
        );
        assert!(message("12,34,567").help.unwrap().contains("three digits"));
        assert_eq!(message("lots").message, "`lots` is not an amount");
        assert_eq!(message("").message, "`` is not an amount");
        assert_eq!(message("5e400").message, "`5e400` is not an amount");
        assert_eq!(message("2000000B").message, "`2000000B` is too large");
        assert!(parse_amount("NaN").is_err());
        assert!(parse_amount("inf").is_err());
    }

    #[test]
    fn ranges_and_pert() {
        assert_eq!(Magnitude::parse("250k"), Ok(Magnitude::Fixed(250_000.0)));
        assert_eq!(
            Magnitude::parse("50k..2M"),
            Ok(Magnitude::Range {
                low: 50_000.0,
                high: 2_000_000.0
            })
        );
        assert_eq!(
            Magnitude::parse("10k..100k..1M"),
            Ok(Magnitude::Pert {
                min: 10_000.0,
                mode: 100_000.0,
                max: 1_000_000.0
            })
        );
        assert_eq!(Magnitude::parse("5k..5k"), Ok(Magnitude::Fixed(5_000.0)));
        assert_eq!(
            Magnitude::parse("0..10k..50k"),
            Ok(Magnitude::Pert {
                min: 0.0,
                mode: 10_000.0,
                max: 50_000.0
            })
        );
        let err = Magnitude::parse("2M..50k").unwrap_err();
        assert_eq!(err.message, "`2M..50k` runs backwards");
        assert_eq!(
            err.help.as_deref(),
            Some("write the smaller end first: `50k..2M`")
        );
        assert!(
            Magnitude::parse("0..1M")
                .unwrap_err()
                .help
                .unwrap()
                .contains("PERT")
        );
        assert!(Magnitude::parse("1M..10k..2M").is_err());
        assert!(Magnitude::parse("1..2..3..4").is_err());
        let err = Magnitude::parse("50k..lots").unwrap_err();
        assert_eq!(
            err.message,
            "`50k..lots` is not a range: `lots` is not an amount"
        );
    }

    #[test]
    fn means_are_the_closed_forms() {
        let range = Magnitude::parse("50k..2M").unwrap();
        let (mu, sigma) = lognormal(50_000.0, 2_000_000.0);
        assert!((range.mean() - (mu + sigma * sigma / 2.0).exp()).abs() < 1e-6);
        // The median of a 90% range is the geometric mean of its ends.
        assert!((mu.exp() - (50_000.0_f64 * 2_000_000.0).sqrt()).abs() < 1e-6);
        let pert = Magnitude::parse("10k..100k..1M").unwrap();
        assert!((pert.mean() - 1_410_000.0 / 6.0).abs() < 1e-9);
        assert_eq!(pert_shape(0.0, 25.0, 100.0), (2.0, 4.0));
    }

    #[test]
    fn frequencies() {
        assert_eq!(Frequency::parse("0.3"), Ok(Frequency::Fixed(0.3)));
        assert_eq!(
            Frequency::parse("0.1..2"),
            Ok(Frequency::Range {
                low: 0.1,
                high: 2.0
            })
        );
        assert_eq!(Frequency::parse("0"), Ok(Frequency::Fixed(0.0)));
        assert!(Frequency::parse("-1").is_err());
        assert!(Frequency::parse("often").is_err());
        assert!(Frequency::parse("0..2").is_err());
        assert!(Frequency::parse("1e9").is_err());
    }

    #[test]
    fn amounts_print_back_short() {
        assert_eq!(format_amount(50_000.0), "50k");
        assert_eq!(format_amount(2_500_000.0), "2.5M");
        assert_eq!(format_amount(1e9), "1B");
        assert_eq!(format_amount(1234.5), "1234.5");
        assert_eq!(format_amount(1_100_000.0), "1.1M");
        assert_eq!(format_amount(12.0), "12");
        assert_eq!(
            Magnitude::parse("$50,000..2M").unwrap().to_string(),
            "50k..2M"
        );
    }
}
