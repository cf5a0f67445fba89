//! `riskgraph catalog`: the SOC 2, ISO 27001:2022 and 2013 catalogs, the clauses, the risk
//! categories and the crosswalks, as sheets.

use riskgraph_model::catalog::{self, Entry};

use crate::sheets::Sheet;

/// A catalog `list` can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Catalog {
    Soc2,
    Iso27001,
    Iso27001_2013,
    Clauses,
    Categories,
    Crosswalk,
}

impl Catalog {
    pub const ALL: [Self; 6] = [
        Self::Soc2,
        Self::Iso27001,
        Self::Iso27001_2013,
        Self::Clauses,
        Self::Categories,
        Self::Crosswalk,
    ];

    /// The name `catalog list` takes.
    pub fn name(self) -> &'static str {
        match self {
            Self::Soc2 => "soc2",
            Self::Iso27001 => "iso27001",
            Self::Iso27001_2013 => "iso27001:2013",
            Self::Clauses => "clauses",
            Self::Categories => "categories",
            Self::Crosswalk => "crosswalk",
        }
    }
}

pub fn list(which: Catalog) -> (String, Sheet) {
    let (title, columns, rows): (&str, Vec<&'static str>, Vec<Vec<String>>) = match which {
        Catalog::Soc2 => (
            "SOC 2 Trust Services Criteria (2017, points of focus revised 2022)",
            vec!["id", "category", "series", "title"],
            catalog::soc2()
                .iter()
                .map(|c| {
                    vec![
                        c.id.clone(),
                        riskgraph_model::vocabulary::Vocabulary::as_str(c.category).to_owned(),
                        c.series.clone(),
                        c.title.clone(),
                    ]
                })
                .collect(),
        ),
        Catalog::Iso27001 => (
            "ISO/IEC 27001:2022 Annex A",
            vec!["id", "theme", "title"],
            catalog::iso27001_2022()
                .iter()
                .map(|c| {
                    vec![
                        format!("A.{}", c.id),
                        c.theme.as_str().to_owned(),
                        c.title.clone(),
                    ]
                })
                .collect(),
        ),
        Catalog::Iso27001_2013 => (
            "ISO/IEC 27001:2013 Annex A",
            vec!["id", "clause", "title", "2022"],
            catalog::iso27001_2013()
                .iter()
                .map(|c| {
                    let to: Vec<String> = catalog::to_2022(&c.id)
                        .map(|m| format!("A.{}", m.iso2022))
                        .collect();
                    vec![
                        c.id.clone(),
                        c.clause.clone(),
                        c.title.clone(),
                        to.join(", "),
                    ]
                })
                .collect(),
        ),
        Catalog::Clauses => (
            "ISO/IEC 27001:2022 clauses an assessment evidences",
            vec!["clause", "title", "evidence"],
            catalog::iso27001_clauses()
                .iter()
                .map(|c| vec![c.id.clone(), c.title.clone(), c.evidence.clone()])
                .collect(),
        ),
        Catalog::Categories => (
            "Risk categories",
            vec!["category", "what it usually means", "example threat"],
            catalog::risk_categories()
                .iter()
                .map(|g| {
                    vec![
                        riskgraph_model::vocabulary::Vocabulary::as_str(g.category).to_owned(),
                        g.meaning.clone(),
                        g.example_threat.clone(),
                    ]
                })
                .collect(),
        ),
        Catalog::Crosswalk => (
            "SOC 2 <-> ISO/IEC 27001:2022 crosswalk",
            vec!["soc2", "iso27001", "rationale"],
            catalog::crosswalk()
                .iter()
                .map(|row| {
                    let ids: Vec<String> =
                        row.iso27001.iter().map(|id| format!("A.{id}")).collect();
                    vec![row.soc2.clone(), ids.join(", "), row.rationale.clone()]
                })
                .collect(),
        ),
    };
    let title = format!("{title}: {} entries", rows.len());
    (
        title.clone(),
        Sheet {
            title,
            columns,
            rows,
            empty: "empty",
        },
    )
}

/// An entry's own fields, then its correspondences.
pub fn show(entry: Entry) -> (String, Vec<Sheet>) {
    let (framework, fields): (&str, Vec<(&'static str, String)>) = match entry {
        Entry::Soc2(c) => (
            "SOC 2 Trust Services Criteria",
            vec![
                (
                    "category",
                    riskgraph_model::vocabulary::Vocabulary::as_str(c.category).to_owned(),
                ),
                ("series", c.series.clone()),
                ("title", c.title.clone()),
            ],
        ),
        Entry::Iso2022(c) => (
            "ISO/IEC 27001:2022 Annex A",
            vec![
                ("theme", c.theme.as_str().to_owned()),
                ("title", c.title.clone()),
            ],
        ),
        Entry::Iso2013(c) => (
            "ISO/IEC 27001:2013 Annex A",
            vec![("clause", c.clause.clone()), ("title", c.title.clone())],
        ),
        Entry::Clause(c) => (
            "ISO/IEC 27001:2022 management-system clause",
            vec![("title", c.title.clone()), ("evidence", c.evidence.clone())],
        ),
    };
    let mut rows = vec![vec![String::from("framework"), framework.to_owned()]];
    rows.extend(fields.into_iter().map(|(k, v)| vec![k.to_owned(), v]));
    let mut sheets = vec![Sheet {
        title: entry.display_id(),
        columns: vec!["field", "value"],
        rows,
        empty: "",
    }];
    if !matches!(entry, Entry::Clause(_)) {
        sheets.push(mappings(entry));
    }
    (entry.display_id(), sheets)
}

/// What `entry` corresponds to in the other catalogs.
pub fn mappings(entry: Entry) -> Sheet {
    let mut rows: Vec<Vec<String>> = Vec::new();
    match entry {
        Entry::Soc2(c) => {
            if let Some(row) = catalog::soc2_to_iso(&c.id) {
                for id in &row.iso27001 {
                    let title = catalog::annex_a_2022(id).map_or("", |a| a.title.as_str());
                    rows.push(vec![
                        format!("A.{id}"),
                        String::from("ISO 27001:2022"),
                        String::from("crosswalk"),
                        title.to_owned(),
                        row.rationale.clone(),
                    ]);
                }
            }
        }
        Entry::Iso2022(c) => {
            for row in catalog::iso_to_soc2(&c.id) {
                let title = catalog::soc2_criterion(&row.soc2).map_or("", |s| s.title.as_str());
                rows.push(vec![
                    row.soc2.clone(),
                    String::from("SOC 2"),
                    String::from("crosswalk"),
                    title.to_owned(),
                    row.rationale.clone(),
                ]);
            }
            for m in catalog::to_2013(&c.id) {
                let title = catalog::annex_a_2013(&m.iso2013).map_or("", |a| a.title.as_str());
                rows.push(vec![
                    m.iso2013.clone(),
                    String::from("ISO 27001:2013"),
                    m.relationship.reversed().as_str().to_owned(),
                    title.to_owned(),
                    String::new(),
                ]);
            }
        }
        Entry::Iso2013(c) => {
            for m in catalog::to_2022(&c.id) {
                let title = catalog::annex_a_2022(&m.iso2022).map_or("", |a| a.title.as_str());
                rows.push(vec![
                    format!("A.{}", m.iso2022),
                    String::from("ISO 27001:2022"),
                    m.relationship.as_str().to_owned(),
                    title.to_owned(),
                    String::new(),
                ]);
            }
        }
        Entry::Clause(_) => {}
    }
    Sheet {
        title: format!("{} corresponds to", entry.display_id()),
        columns: vec!["id", "framework", "relationship", "title", "rationale"],
        rows,
        empty: "nothing: no entry of the other catalogs corresponds to it",
    }
}
