//! The framework catalogs, embedded as data files in `catalogs/`: the SOC 2 Trust Services
//! Criteria (2017, points of focus revised 2022), the ISO/IEC 27001:2022 Annex A controls and the
//! management-system clauses an assessment evidences, the 2013 Annex A controls with their
//! correspondence to 2022, a SOC 2 <-> ISO 27001:2022 crosswalk, and a guide to the risk
//! categories.
//!
//! Ids, groupings and the 2013 -> 2022 correspondence are the standards' facts; titles,
//! rationales and guidance are riskgraph's own words, not the standards' text. The files are
//! parsed once, on first use.

use std::sync::OnceLock;

use crate::values::closest;
use crate::vocabulary::{RiskCategory, TrustCategory, Vocabulary};

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
    let id = without_annex_prefix(id);
    iso27001_2022().iter().find(|c| c.id == id)
}

/// A management-system clause of ISO/IEC 27001:2022 that an assessment evidences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// `4.1`, `6.1.2`, `9.3`...
    pub id: String,
    pub title: String,
    /// What riskgraph reads or produces that evidences it.
    pub evidence: String,
}

/// The clauses 4-10 an assessment evidences, in the standard's order.
pub fn iso27001_clauses() -> &'static [Clause] {
    static CATALOG: OnceLock<Vec<Clause>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        rows(include_str!("../catalogs/iso27001-clauses.csv"))
            .map(|[id, title, evidence]| Clause {
                id,
                title,
                evidence,
            })
            .collect()
    })
}

/// An ISO/IEC 27001:2013 Annex A control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnexA2013Control {
    /// `A.5.1.1` to `A.18.2.3`, with the prefix.
    pub id: String,
    /// The 2013 clause it belongs to: `access-control`, `cryptography`...
    pub clause: String,
    pub title: String,
}

/// Every ISO/IEC 27001:2013 Annex A control, in the standard's order.
pub fn iso27001_2013() -> &'static [AnnexA2013Control] {
    static CATALOG: OnceLock<Vec<AnnexA2013Control>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        rows(include_str!("../catalogs/iso27001-2013.csv"))
            .map(|[id, clause, title]| AnnexA2013Control { id, clause, title })
            .collect()
    })
}

/// The Annex A control `id` of the 2013 edition (`A.9.2.1` or `9.2.1`).
pub fn annex_a_2013(id: &str) -> Option<&'static AnnexA2013Control> {
    let bare = without_annex_prefix(id);
    iso27001_2013().iter().find(|c| &c.id[2..] == bare)
}

/// How a 2013 control relates to a 2022 control it corresponds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Relationship {
    /// One to one: the control was renumbered.
    Equal,
    /// The 2013 control was merged with others into the broader 2022 control.
    Subset,
    /// The 2013 control was split: the 2022 control covers part of it.
    Superset,
}

impl Relationship {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equal => "equal",
            Self::Subset => "subset",
            Self::Superset => "superset",
        }
    }

    /// The relationship seen from the other side (2022 -> 2013).
    #[must_use]
    pub fn reversed(self) -> Self {
        match self {
            Self::Equal => Self::Equal,
            Self::Subset => Self::Superset,
            Self::Superset => Self::Subset,
        }
    }
}

/// One pair of the 2013 -> 2022 correspondence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correspondence {
    /// The 2013 control, with the prefix (`A.9.2.1`).
    pub iso2013: String,
    /// The 2022 control, without it (`5.16`).
    pub iso2022: String,
    /// The 2013 control's relationship to the 2022 control.
    pub relationship: Relationship,
}

/// The 2013 -> 2022 correspondence of ISO/IEC 27002:2022 Annex B, by 2013 control.
pub fn correspondence() -> &'static [Correspondence] {
    static CATALOG: OnceLock<Vec<Correspondence>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        rows(include_str!("../catalogs/iso27001-2013-to-2022.csv"))
            .map(|[iso2013, iso2022, relationship]| Correspondence {
                iso2013,
                iso2022,
                relationship: match relationship.as_str() {
                    "equal" => Relationship::Equal,
                    "subset" => Relationship::Subset,
                    "superset" => Relationship::Superset,
                    other => panic!("iso27001-2013-to-2022.csv: unknown relationship `{other}`"),
                },
            })
            .collect()
    })
}

/// The 2022 controls a 2013 control (`A.9.2.1` or `9.2.1`) corresponds to.
pub fn to_2022(id: &str) -> impl Iterator<Item = &'static Correspondence> {
    let bare = without_annex_prefix(id).to_owned();
    correspondence()
        .iter()
        .filter(move |c| c.iso2013[2..] == bare)
}

/// The 2013 controls that correspond to a 2022 control (`5.16` or `A.5.16`).
pub fn to_2013(id: &str) -> impl Iterator<Item = &'static Correspondence> {
    let bare = without_annex_prefix(id).to_owned();
    correspondence().iter().filter(move |c| c.iso2022 == bare)
}

/// One row of the SOC 2 <-> ISO 27001:2022 crosswalk: a criterion and the Annex A controls whose
/// objective substantially overlaps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crosswalk {
    pub soc2: String,
    /// 2022 ids without the prefix, in numeric order.
    pub iso27001: Vec<String>,
    pub rationale: String,
}

/// The crosswalk, one row per SOC 2 criterion in the standard's order.
pub fn crosswalk() -> &'static [Crosswalk] {
    static CATALOG: OnceLock<Vec<Crosswalk>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        rows(include_str!("../catalogs/soc2-iso27001-2022.csv"))
            .map(|[soc2, iso27001, rationale]| Crosswalk {
                soc2,
                iso27001: iso27001.split(';').map(str::to_owned).collect(),
                rationale,
            })
            .collect()
    })
}

/// The crosswalk row of a SOC 2 criterion.
pub fn soc2_to_iso(criterion: &str) -> Option<&'static Crosswalk> {
    crosswalk()
        .iter()
        .find(|row| row.soc2.eq_ignore_ascii_case(criterion))
}

/// The crosswalk rows that list a 2022 Annex A control (`5.15` or `A.5.15`).
pub fn iso_to_soc2(control: &str) -> impl Iterator<Item = &'static Crosswalk> {
    let bare = without_annex_prefix(control).to_owned();
    crosswalk()
        .iter()
        .filter(move |row| row.iso27001.contains(&bare))
}

/// What a risk category usually means and a threat that would cover it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryGuide {
    pub category: RiskCategory,
    pub meaning: String,
    pub example_threat: String,
}

/// A guide to every risk category, in the vocabulary's order.
pub fn risk_categories() -> &'static [CategoryGuide] {
    static CATALOG: OnceLock<Vec<CategoryGuide>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        rows(include_str!("../catalogs/risk-categories.csv"))
            .map(|[category, meaning, example_threat]| CategoryGuide {
                category: RiskCategory::parse(&category)
                    .unwrap_or_else(|_| panic!("risk-categories.csv: unknown `{category}`")),
                meaning,
                example_threat,
            })
            .collect()
    })
}

/// An entry of any catalog, as `catalog show` finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Soc2(&'static Criterion),
    Iso2022(&'static AnnexAControl),
    Iso2013(&'static AnnexA2013Control),
    Clause(&'static Clause),
}

impl Entry {
    /// The entry's id as the reports write it: `CC6.1`, `A.5.15`, `A.9.2.1`, `clause 9.3`.
    pub fn display_id(self) -> String {
        match self {
            Self::Soc2(c) => c.id.clone(),
            Self::Iso2022(c) => format!("A.{}", c.id),
            Self::Iso2013(c) => c.id.clone(),
            Self::Clause(c) => format!("clause {}", c.id),
        }
    }
}

/// The entry `id` names: a SOC 2 criterion (`CC6.1`), a 2022 Annex A control (`5.15` or
/// `A.5.15`), a 2013 one (`A.9.2.1`, three numbers) or a management-system clause (`clause:9.3`,
/// since clause numbers overlap Annex A's). Case does not matter.
pub fn lookup(id: &str) -> Option<Entry> {
    let id = id.trim();
    let lower = id.to_ascii_lowercase();
    if let Some(clause) = lower
        .strip_prefix("clause:")
        .or_else(|| lower.strip_prefix("clause "))
    {
        let clause = clause.trim();
        return iso27001_clauses()
            .iter()
            .find(|c| c.id == clause)
            .map(Entry::Clause);
    }
    if let Some(criterion) = soc2_criterion(id) {
        return Some(Entry::Soc2(criterion));
    }
    if let Some(control) = annex_a_2022(id) {
        return Some(Entry::Iso2022(control));
    }
    annex_a_2013(id).map(Entry::Iso2013)
}

/// The catalog id closest to `id`, for a "did you mean" hint.
pub fn closest_id(id: &str) -> Option<String> {
    let all: Vec<String> = soc2()
        .iter()
        .map(|c| c.id.clone())
        .chain(iso27001_2022().iter().map(|c| format!("A.{}", c.id)))
        .chain(iso27001_2013().iter().map(|c| c.id.clone()))
        .collect();
    closest(id, all.iter().map(String::as_str)).map(str::to_owned)
}

/// The SOC 2 criterion id closest to `id`.
pub fn closest_soc2(id: &str) -> Option<&'static str> {
    closest(id, soc2().iter().map(|c| c.id.as_str()))
}

/// The 2022 Annex A id closest to `id` (written without the prefix).
pub fn closest_2022(id: &str) -> Option<&'static str> {
    closest(
        without_annex_prefix(id),
        iso27001_2022().iter().map(|c| c.id.as_str()),
    )
}

/// The 2013 Annex A id closest to `id` (written with the prefix).
pub fn closest_2013(id: &str) -> Option<&'static str> {
    let with_prefix = format!("A.{}", without_annex_prefix(id));
    closest(&with_prefix, iso27001_2013().iter().map(|c| c.id.as_str()))
}

/// `id` without a leading `A.` or `a.`.
fn without_annex_prefix(id: &str) -> &str {
    let id = id.trim();
    id.strip_prefix("A.")
        .or_else(|| id.strip_prefix("a."))
        .unwrap_or(id)
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
    fn annex_a_2013_has_the_114_controls() {
        let all = iso27001_2013();
        assert_eq!(all.len(), 114);
        let clauses: std::collections::BTreeSet<&str> =
            all.iter().map(|c| c.clause.as_str()).collect();
        assert_eq!(clauses.len(), 14);
        assert_eq!(annex_a_2013("A.9.2.1").unwrap().clause, "access-control");
        assert_eq!(annex_a_2013("18.2.3").unwrap().id, "A.18.2.3");
        assert!(annex_a_2013("A.5.15").is_none());
    }

    #[test]
    fn every_2013_control_corresponds_to_a_2022_control() {
        for control in iso27001_2013() {
            let targets: Vec<_> = to_2022(&control.id).collect();
            assert!(!targets.is_empty(), "{}", control.id);
            for target in &targets {
                assert!(annex_a_2022(&target.iso2022).is_some(), "{target:?}");
                // The relationship follows from how many controls each side has.
                let sources = to_2013(&target.iso2022).count();
                let expected = match (targets.len(), sources) {
                    (1, 1) => Relationship::Equal,
                    (1, _) => Relationship::Subset,
                    _ => Relationship::Superset,
                };
                assert_eq!(target.relationship, expected, "{target:?}");
            }
        }
        let pairs: Vec<_> = to_2022("A.9.2.1").map(|c| c.iso2022.as_str()).collect();
        assert_eq!(pairs, ["5.16"]);
        let split: Vec<_> = to_2022("A.18.2.3").map(|c| c.iso2022.as_str()).collect();
        assert_eq!(split, ["5.36", "8.8"]);
        // The controls new in 2022 have no 2013 counterpart.
        assert_eq!(to_2013("5.7").count(), 0);
        assert_eq!(to_2013("A.5.17").count(), 3);
    }

    #[test]
    fn crosswalk_rows_name_catalogued_ids() {
        assert_eq!(crosswalk().len(), soc2().len());
        for (row, criterion) in crosswalk().iter().zip(soc2()) {
            assert_eq!(row.soc2, criterion.id);
            assert!(!row.iso27001.is_empty() && !row.rationale.is_empty());
            for id in &row.iso27001 {
                assert!(annex_a_2022(id).is_some(), "{}: {id}", row.soc2);
            }
        }
        let cc61 = &soc2_to_iso("cc6.1").unwrap().iso27001;
        assert_eq!(
            cc61,
            &["5.15", "5.16", "5.17", "8.2", "8.3", "8.5", "8.22", "8.24"]
        );
        assert!(iso_to_soc2("A.5.15").any(|row| row.soc2 == "CC6.1"));
    }

    /// What the crosswalk review decided for a pair.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Decision {
        /// A missing pair that was added; the rationale says why it corresponds.
        Added,
        /// A missing pair that was deliberately not added; the rationale says why.
        LeftOut,
        /// A questioned pair that stays.
        Kept,
        /// A questioned pair that was taken out; the rationale says why.
        Removed,
    }

    /// The pairs the crosswalk review judged, pinned so that an edit undoing a decision fails
    /// here and has to be argued again.
    #[test]
    fn crosswalk_review_decisions_hold() {
        use Decision::{Added, Kept, LeftOut, Removed};
        const PRIVACY: [&str; 18] = [
            "P1.1", "P2.1", "P3.1", "P3.2", "P4.1", "P4.2", "P4.3", "P5.1", "P5.2", "P6.1", "P6.2",
            "P6.3", "P6.4", "P6.5", "P6.6", "P6.7", "P7.1", "P8.1",
        ];
        let mut decisions = vec![
            // Missing pairs.
            ("CC7.3", "8.16", Added),
            ("CC7.4", "5.25", Added),
            ("CC7.4", "5.27", Added),
            ("CC8.1", "5.8", Added),
            ("CC8.1", "8.27", Added),
            ("CC3.2", "8.8", Added),
            ("CC6.8", "8.16", LeftOut),
            ("CC7.1", "8.15", Added),
            ("CC6.2", "5.15", Added),
            ("CC6.1", "5.16", Added),
            ("CC6.1", "8.22", Added),
            ("CC9.2", "6.6", Added),
            ("CC7.5", "5.24", Added),
            ("CC7.5", "8.14", LeftOut),
            ("A1.2", "8.6", LeftOut),
            ("CC7.2", "8.6", LeftOut),
            // Weaker pairs that were there.
            ("CC4.1", "8.34", Removed),
            ("CC2.1", "8.15", Removed),
            ("PI1.1", "8.26", Kept),
            ("PI1.1", "5.37", Removed),
            ("PI1.2", "8.26", Kept),
            ("PI1.3", "8.26", Kept),
            ("PI1.3", "5.37", Kept),
            ("PI1.4", "8.26", Kept),
        ];
        decisions.extend(PRIVACY.map(|p| (p, "5.34", Kept)));
        for (criterion, control, decision) in decisions {
            let row = soc2_to_iso(criterion).unwrap();
            let listed = row.iso27001.iter().any(|id| id == control);
            let expected = matches!(decision, Added | Kept);
            assert_eq!(listed, expected, "{criterion} -> {control}: {decision:?}");
            // The rationale records an added or a left-out pair.
            let recorded = match decision {
                Added => row.rationale.contains(&format!("{control} ")),
                LeftOut | Removed => row.rationale.contains(&format!("{control} is left out: ")),
                Kept => true,
            };
            assert!(
                recorded,
                "{criterion} -> {control} ({decision:?}): {}",
                row.rationale
            );
        }
        // 8.34 (systems protected during audit tests) now corresponds to no criterion, like 5.32.
        assert_eq!(iso_to_soc2("8.34").count(), 0);
        assert_eq!(iso_to_soc2("5.32").count(), 0);
    }

    #[test]
    fn every_mapping_round_trips() {
        for row in crosswalk() {
            for id in &row.iso27001 {
                assert!(iso_to_soc2(id).any(|back| back.soc2 == row.soc2), "{id}");
            }
        }
        for pair in correspondence() {
            let back = to_2013(&pair.iso2022).find(|back| back.iso2013 == pair.iso2013);
            assert_eq!(back, Some(pair));
        }
    }

    #[test]
    fn clauses_and_category_guide_are_complete() {
        let clauses: Vec<&str> = iso27001_clauses().iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            clauses,
            [
                "4.1", "4.2", "4.3", "6.1.2", "6.1.3", "6.2", "8.2", "8.3", "9.3", "10.1"
            ]
        );
        let categories: Vec<RiskCategory> = risk_categories().iter().map(|g| g.category).collect();
        assert_eq!(categories, RiskCategory::ALL);
    }

    #[test]
    fn lookup_finds_every_kind_of_id() {
        assert!(matches!(lookup("cc6.1"), Some(Entry::Soc2(_))));
        assert!(matches!(lookup("A.5.15"), Some(Entry::Iso2022(_))));
        assert!(matches!(lookup("8.2"), Some(Entry::Iso2022(_))));
        assert!(matches!(lookup("A.9.2.1"), Some(Entry::Iso2013(_))));
        assert!(matches!(lookup("clause:8.2"), Some(Entry::Clause(_))));
        assert!(lookup("CC10.1").is_none());
        assert_eq!(closest_soc2("CC10.1"), Some("CC1.1"));
        assert_eq!(closest_id("A.9.2.10").as_deref(), Some("A.9.2.1"));
    }

    #[test]
    fn ids_are_unique_and_titles_present() {
        let mut ids: Vec<&str> = soc2().iter().map(|c| c.id.as_str()).collect();
        ids.extend(iso27001_2022().iter().map(|c| c.id.as_str()));
        ids.extend(iso27001_2013().iter().map(|c| c.id.as_str()));
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count);
        assert!(soc2().iter().all(|c| !c.title.is_empty()));
        assert!(iso27001_2022().iter().all(|c| !c.title.is_empty()));
        assert!(iso27001_2013().iter().all(|c| !c.title.is_empty()));
    }
}
