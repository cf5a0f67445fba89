//! Validated scalar values of the inventory: ids, 1..5 ratings, 0..1 factors, dates, C/I/A sets.
//!
//! Each type is checked once, when a cell is parsed, so the rest of the code never re-checks a
//! range. Parse errors are plain messages plus a hint; the loader attaches the cell location.

use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// Why a cell's text is not a valid value: what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub message: String,
    pub help: Option<String>,
}

impl ValueError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            help: None,
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// A node, threat, control or other record id: `[A-Za-z0-9._:-]+`.
///
/// Cheap to clone: ids are shared between the inventory, its indexes and the risk register.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(Arc<str>);

impl Id {
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        Self::check(text)?;
        Ok(Self(Arc::from(text)))
    }

    /// Checks that `text` is a valid id, without building one.
    pub fn check(text: &str) -> Result<(), ValueError> {
        if text.is_empty() {
            return Err(ValueError::new("id is empty"));
        }
        if let Some(bad) = text.chars().find(|&c| !is_id_char(c)) {
            return Err(ValueError::new(format!(
                "`{text}` is not a valid id: `{bad}` is not allowed"
            ))
            .with_help("ids use letters, digits and `.`, `_`, `:`, `-` only"));
        }
        Ok(())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `c` may appear in an id.
pub fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-')
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::borrow::Borrow<str> for Id {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// An input rating on the fixed 1..=5 scale: asset values, criticality, likelihood, severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Rating(u8);

impl Rating {
    pub const MIN: u8 = 1;
    pub const MAX: u8 = 5;

    pub fn new(value: u8) -> Option<Self> {
        (Self::MIN..=Self::MAX)
            .contains(&value)
            .then_some(Self(value))
    }

    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let value: i64 = text.parse().map_err(|_| {
            ValueError::new(format!("`{text}` is not a whole number")).with_help(format!(
                "ratings are whole numbers from {} to {}",
                Self::MIN,
                Self::MAX
            ))
        })?;
        u8::try_from(value)
            .ok()
            .and_then(Self::new)
            .ok_or_else(|| {
                ValueError::new(format!(
                    "`{text}` is out of range {}..={}",
                    Self::MIN,
                    Self::MAX
                ))
                .with_help(
                    "ratings are always on a 1-5 scale; the manifest's `scale` only sets the scale of computed scores",
                )
            })
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// A factor in 0..=1: dependency strength, control effectiveness. Written `0.8` or `80%`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
pub struct Factor(f32);

impl Factor {
    pub const ONE: Self = Self(1.0);
    pub const ZERO: Self = Self(0.0);

    pub fn new(value: f32) -> Option<Self> {
        (0.0..=1.0).contains(&value).then_some(Self(value))
    }

    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let (number, percent) = match text.strip_suffix('%') {
            Some(number) => (number.trim_end(), true),
            None => (text, false),
        };
        let value: f32 = number
            .parse()
            .ok()
            .filter(|v: &f32| v.is_finite())
            .ok_or_else(|| {
                ValueError::new(format!("`{text}` is not a number"))
                    .with_help("write a fraction such as `0.8` or a percentage such as `80%`")
            })?;
        let value = if percent { value / 100.0 } else { value };
        Self::new(value).ok_or_else(|| {
            let help = if !percent && value.fract() == 0.0 && (2.0..=100.0).contains(&value) {
                format!("fractions run from 0 to 1; for a percentage write `{text}%`")
            } else {
                String::from(
                    "write a fraction from 0 to 1, such as `0.8`, or a percentage such as `80%`",
                )
            };
            ValueError::new(format!("`{text}` is out of range 0..=1")).with_help(help)
        })
    }

    pub fn get(self) -> f32 {
        self.0
    }
}

/// A calendar date, written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(jiff::civil::Date);

impl Date {
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        if let Some(err) = slash_date_error(text) {
            return Err(err);
        }
        let iso_shape = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !iso_shape {
            return Err(ValueError::new(format!("`{text}` is not a date"))
                .with_help("write dates as YYYY-MM-DD, for example `2026-03-31`"));
        }
        text.parse::<jiff::civil::Date>().map(Self).map_err(|_| {
            ValueError::new(format!("`{text}` is not a real calendar date"))
                .with_help("check the month and day")
        })
    }

    pub fn from_ymd(year: i16, month: i8, day: i8) -> Option<Self> {
        jiff::civil::Date::new(year, month, day).ok().map(Self)
    }

    pub fn civil(self) -> jiff::civil::Date {
        self.0
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Self) -> i64 {
        i64::from(later.0.since(self.0).map_or(0, |span| span.get_days()))
    }
}

/// For `03/04/2025`-style dates, the error: ambiguous (naming both readings) when day and month
/// could be either way round, otherwise the one ISO spelling.
fn slash_date_error(text: &str) -> Option<ValueError> {
    let parts: Vec<&str> = text.split(['/', '.']).collect();
    let [a, b, year] = parts.as_slice() else {
        return None;
    };
    let numeric = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    if !(numeric(a) && numeric(b) && numeric(year)) || year.len() != 4 {
        return None;
    }
    let (first, second): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
    let iso = |month: &str, day: &str| format!("`{year}-{month:0>2}-{day:0>2}`");
    let not_iso = || ValueError::new(format!("`{text}` is not an ISO date"));
    Some(match (first <= 12, second <= 12) {
        (true, true) => ValueError::new(format!("`{text}` is an ambiguous date")).with_help(format!(
            "day and month could be either way round; write ISO dates: {} (day first) or {} (month first)",
            iso(b, a),
            iso(a, b)
        )),
        (false, true) => not_iso().with_help(format!("write ISO dates: {}", iso(b, a))),
        (true, false) => not_iso().with_help(format!("write ISO dates: {}", iso(a, b))),
        (false, false) => not_iso().with_help("write dates as YYYY-MM-DD"),
    })
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A set of the security properties confidentiality, integrity and availability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Properties(u8);

/// One security property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Property {
    Confidentiality,
    Integrity,
    Availability,
}

impl Property {
    pub const ALL: [Self; 3] = [Self::Confidentiality, Self::Integrity, Self::Availability];

    /// The name outputs and rules scripts use: `confidentiality`, `integrity`, `availability`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Confidentiality => "confidentiality",
            Self::Integrity => "integrity",
            Self::Availability => "availability",
        }
    }

    pub fn letter(self) -> char {
        match self {
            Self::Confidentiality => 'C',
            Self::Integrity => 'I',
            Self::Availability => 'A',
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// `C`, `confidentiality`, `conf` and so on, case-insensitively.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "c" | "conf" | "confidentiality" => Some(Self::Confidentiality),
            "i" | "int" | "integrity" => Some(Self::Integrity),
            "a" | "avail" | "availability" => Some(Self::Availability),
            _ => None,
        }
    }
}

impl Properties {
    pub const ALL: Self = Self(0b111);
    pub const NONE: Self = Self(0);

    pub fn contains(self, property: Property) -> bool {
        self.0 & property.bit() != 0
    }

    #[must_use]
    pub fn with(self, property: Property) -> Self {
        Self(self.0 | property.bit())
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Property> {
        Property::ALL.into_iter().filter(move |p| self.contains(*p))
    }
}

impl fmt::Display for Properties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for property in self.iter() {
            write!(f, "{}", property.letter())?;
        }
        Ok(())
    }
}

impl Serialize for Properties {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Parses a yes/no cell: yes/no, true/false, y/n, 1/0, x (empty cells are handled by the caller).
pub fn parse_bool(text: &str) -> Result<bool, ValueError> {
    const YES: [&str; 7] = ["yes", "y", "true", "t", "1", "x", "✓"];
    const NO: [&str; 5] = ["no", "n", "false", "f", "0"];
    // Compared in place: this runs for millions of cells, and a lowercase copy is an allocation.
    let word = text.trim();
    let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(word));
    match (is(&YES), is(&NO)) {
        (true, _) => Ok(true),
        (_, true) => Ok(false),
        _ => Err(
            ValueError::new(format!("`{text}` is not a yes/no value")).with_help(
                "write yes or no (also accepted: true/false, y/n, 1/0, x or an empty cell)",
            ),
        ),
    }
}

/// A non-negative number such as hours.
pub fn parse_non_negative(text: &str) -> Result<f64, ValueError> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .ok_or_else(|| {
            ValueError::new(format!("`{text}` is not a non-negative number"))
                .with_help("write a number of hours such as `4` or `0.5`")
        })
}

/// Splits a list cell on `;` or `|`, trimming items and dropping empty ones.
pub fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split([';', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The closest of `candidates` to `input` by edit distance, when close enough to be a likely typo.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let input_lower = input.to_ascii_lowercase();
    let n_chars = input.chars().count();
    let limit = (n_chars / 3).clamp(1, 4);
    candidates
        .into_iter()
        // The distance is at least the difference in length: most candidates are ruled out
        // without computing it, and a value of megabytes costs no more than a short one.
        .filter(|c| c.chars().count().abs_diff(n_chars) <= limit)
        .map(|c| {
            (
                strsim::damerau_levenshtein(&input_lower, &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_near_misses_only() {
        let ids = ["app-web", "db-main", "aws"];
        assert_eq!(closest("app-wbe", ids), Some("app-web"));
        assert_eq!(closest("AWS", ids), Some("aws"));
        assert_eq!(closest("clowd", ids), None);
        // A cell of megabytes is no near miss of anything (and is not compared letter by letter).
        assert_eq!(closest(&"a".repeat(1_400_000), ids), None);
    }

    #[test]
    fn factors_accept_fractions_and_percentages() {
        let check = |text: &str, expected: Option<f32>| {
            assert_eq!(
                Factor::parse(text).ok().map(Factor::get),
                expected,
                "{text}"
            );
        };
        check("0.8", Some(0.8));
        check("80%", Some(0.8));
        check("80 %", Some(0.8));
        check("1", Some(1.0));
        check("0", Some(0.0));
        check("80", None);
        check("-0.1", None);
        check("NaN", None);
        check("high", None);
    }

    #[test]
    fn percentage_hint_for_bare_whole_numbers() {
        let err = Factor::parse("80").unwrap_err();
        assert!(err.help.unwrap().contains("`80%`"));
    }

    #[test]
    fn dates_are_iso_only() {
        assert!(Date::parse("2026-02-28").is_ok());
        assert!(Date::parse("2026-02-30").is_err());
        assert!(Date::parse("2026-2-3").is_err());
        let err = Date::parse("03/04/2025").unwrap_err();
        assert!(err.message.contains("ambiguous"));
        assert!(err.help.unwrap().contains("2025-04-03"));
        let err = Date::parse("30/06/2025").unwrap_err();
        assert_eq!(err.message, "`30/06/2025` is not an ISO date");
        assert_eq!(err.help.as_deref(), Some("write ISO dates: `2025-06-30`"));
    }

    #[test]
    fn ratings_are_one_to_five() {
        assert_eq!(Rating::parse("5").map(Rating::get), Ok(5));
        assert!(Rating::parse("0").is_err());
        assert!(Rating::parse("6").is_err());
        assert!(Rating::parse("3.5").is_err());
        assert!(Rating::parse("300").is_err());
    }

    #[test]
    fn booleans_in_spreadsheet_spellings() {
        for yes in ["yes", "YES", "y", "True", "1", "x", "X", " Yes ", "✓", "t"] {
            assert_eq!(parse_bool(yes), Ok(true), "{yes}");
        }
        for no in ["no", "N", "false", "0", "\tNo", "F"] {
            assert_eq!(parse_bool(no), Ok(false), "{no}");
        }
        for neither in ["maybe", "", "yess", "nope", "10"] {
            assert!(parse_bool(neither).is_err(), "{neither}");
        }
    }

    #[test]
    fn ids_reject_spaces() {
        assert!(Id::parse("aws:us-east-1.db_2").is_ok());
        assert!(Id::parse("two words").is_err());
        assert!(Id::parse("").is_err());
    }

    #[test]
    fn closest_finds_typos_only() {
        let names = ["software", "hardware", "data"];
        assert_eq!(closest("sofware", names), Some("software"));
        assert_eq!(closest("Hardwre", names), Some("hardware"));
        assert_eq!(closest("spaceship", names), None);
        assert_eq!(closest("tpye", ["type", "name"]), Some("type"));
    }
}
