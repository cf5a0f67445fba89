//! The framework catalogs, embedded as data files in `catalogs/`: the SOC 2 Trust Services
//! Criteria (2017, points of focus revised 2022) and the ISO/IEC 27001:2022 Annex A controls.
//!
//! Ids and groupings are the standards' facts; the titles are short descriptions in riskgraph's
//! own words, not the standards' text. The files are parsed once, on first use.

use std::sync::OnceLock;

use crate::vocabulary::{TrustCategory, Vocabulary};

/// A SOC 2 Trust Services Criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    /// `CC6.1`, `A1.2`, `PI1.3`, `P6.7`...
    pub id: String,
    pub category: TrustCategory,
    /// The group it belongs to: `control-environment`, `logical-and-physical-access`... for the
    /// common criteria; `additional-criteria` for availability, confidentiality and processing
    /// integrity; the privacy criteria's own groups (`notice`, `collection`...).
    pub series: String,
    pub title: String,
}

/// The theme of an ISO/IEC 27001:2022 Annex A control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Theme {
    Organizational,
    People,
    Physical,
    Technological,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Organizational => "organizational",
            Self::People => "people",
            Self::Physical => "physical",
            Self::Technological => "technological",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            Self::Organizational,
            Self::People,
            Self::Physical,
            Self::Technological,
        ]
        .into_iter()
        .find(|theme| theme.as_str() == text)
    }
}

/// An ISO/IEC 27001:2022 Annex A control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnexAControl {
    /// `5.1` to `8.34`, without the `A.` prefix.
    pub id: String,
    pub theme: Theme,
    pub title: String,
}

/// Every SOC 2 criterion, in the standard's order.
pub fn soc2() -> &'static [Criterion] {
    static CATALOG: OnceLock<Vec<Criterion>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        rows(include_str!("../catalogs/soc2.csv"))
            .map(|[id, category, series, title]| Criterion {
                id,
                category: TrustCategory::parse(&category)
                    .unwrap_or_else(|_| panic!("soc2.csv: unknown category `{category}`")),
                series,
                title,
            })
            .collect()
    })
}

/// Every ISO/IEC 27001:2022 Annex A control, in the standard's order.
pub fn iso27001_2022() -> &'static [AnnexAControl] {
    static CATALOG: OnceLock<Vec<AnnexAControl>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        rows::<3>(include_str!("../catalogs/iso27001-2022.csv"))
            .map(|[id, theme, title]| AnnexAControl {
                theme: Theme::parse(&theme)
                    .unwrap_or_else(|| panic!("iso27001-2022.csv: unknown theme `{theme}`")),
                id,
                title,
            })
            .collect()
    })
}

/// The SOC 2 criterion `id` (`CC6.1`; case does not matter).
pub fn soc2_criterion(id: &str) -> Option<&'static Criterion> {
    soc2().iter().find(|c| c.id.eq_ignore_ascii_case(id))
}

/// The Annex A control `id` of the 2022 edition (`5.15` or `A.5.15`).
pub fn annex_a_2022(id: &str) -> Option<&'static AnnexAControl> {
    let id = id
        .strip_prefix("A.")
        .or_else(|| id.strip_prefix("a."))
        .unwrap_or(id);
    iso27001_2022().iter().find(|c| c.id == id)
}

/// The records of an embedded catalog file, each with its `N` fields. The files are part of the
/// source, checked by the tests below, so a malformed one is a bug.
fn rows<const N: usize>(text: &'static str) -> impl Iterator<Item = [String; N]> {
    csv::Reader::from_reader(text.as_bytes())
        .into_records()
        .map(|record| {
            let record = record.expect("an embedded catalog is well-formed CSV");
            std::array::from_fn(|i| record.get(i).unwrap_or_default().to_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soc2_has_the_61_criteria_by_category() {
        let all = soc2();
        assert_eq!(all.len(), 61);
        let count = |category: TrustCategory| all.iter().filter(|c| c.category == category).count();
        assert_eq!(count(TrustCategory::Security), 33);
        assert_eq!(count(TrustCategory::Availability), 3);
        assert_eq!(count(TrustCategory::Confidentiality), 2);
        assert_eq!(count(TrustCategory::ProcessingIntegrity), 5);
        assert_eq!(count(TrustCategory::Privacy), 18);
        let series: std::collections::BTreeSet<&str> = all
            .iter()
            .filter(|c| c.category == TrustCategory::Security)
            .map(|c| c.series.as_str())
            .collect();
        assert_eq!(series.len(), 9, "{series:?}");
        assert_eq!(soc2_criterion("cc3.3").unwrap().series, "risk-assessment");
        assert!(soc2_criterion("CC10.1").is_none());
    }

    #[test]
    fn annex_a_2022_has_the_93_controls_by_theme() {
        let all = iso27001_2022();
        assert_eq!(all.len(), 93);
        let count = |theme: Theme| all.iter().filter(|c| c.theme == theme).count();
        assert_eq!(count(Theme::Organizational), 37);
        assert_eq!(count(Theme::People), 8);
        assert_eq!(count(Theme::Physical), 14);
        assert_eq!(count(Theme::Technological), 34);
        // Ids run without gaps within each theme: 5.1-5.37, 6.1-6.8, 7.1-7.14, 8.1-8.34.
        for (clause, last) in [(5, 37), (6, 8), (7, 14), (8, 34)] {
            for n in 1..=last {
                assert!(
                    annex_a_2022(&format!("{clause}.{n}")).is_some(),
                    "{clause}.{n}"
                );
            }
        }
        assert_eq!(annex_a_2022("A.5.15").unwrap().theme, Theme::Organizational);
        assert!(annex_a_2022("5.38").is_none());
    }

    #[test]
    fn ids_are_unique_and_titles_present() {
        let mut ids: Vec<&str> = soc2().iter().map(|c| c.id.as_str()).collect();
        ids.extend(iso27001_2022().iter().map(|c| c.id.as_str()));
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count);
        assert!(soc2().iter().all(|c| !c.title.is_empty()));
        assert!(iso27001_2022().iter().all(|c| !c.title.is_empty()));
    }
}
