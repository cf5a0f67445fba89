//! The columns of every inventory file: canonical names, which are required, and the aliases
//! spreadsheet users write instead.
//!
//! This table is the single source for header matching, for `riskgraph init`'s header rows and for
//! the column reference in the README.

/// One column of an inventory file.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    /// Canonical header, lowercase snake case.
    pub name: &'static str,
    pub required: bool,
    /// Other headers accepted for this column.
    pub aliases: &'static [&'static str],
}

/// One inventory file (or workbook sheet).
#[derive(Debug, Clone, Copy)]
pub struct FileSpec {
    /// File stem and sheet name: `assets` for `assets.csv`.
    pub stem: &'static str,
    pub columns: &'static [ColumnSpec],
}

const fn req(name: &'static str, aliases: &'static [&'static str]) -> ColumnSpec {
    ColumnSpec {
        name,
        required: true,
        aliases,
    }
}

const fn opt(name: &'static str, aliases: &'static [&'static str]) -> ColumnSpec {
    ColumnSpec {
        name,
        required: false,
        aliases,
    }
}

const OWNER: ColumnSpec = opt("owner", &["owned by", "responsible", "accountable"]);
const TAGS: ColumnSpec = opt("tags", &["tag", "labels"]);
const IN_SCOPE: ColumnSpec = opt("in_scope", &["scope", "in scope?"]);
/// What a full hit on a node costs, for `riskgraph simulate`.
const NODE_LOSS: ColumnSpec = opt(
    "loss",
    &["loss if hit", "financial impact", "loss magnitude"],
);

pub const ASSETS: FileSpec = FileSpec {
    stem: "assets",
    columns: &[
        req("id", &["asset id", "asset"]),
        req("name", &["asset name", "title"]),
        req("type", &["asset type", "kind", "category"]),
        OWNER,
        opt("confidentiality", &["c", "conf"]),
        opt("integrity", &["i", "int"]),
        opt("availability", &["a", "avail"]),
        opt("classification", &["data classification", "sensitivity"]),
        opt(
            "personal_data",
            &["pii", "personal", "contains personal data"],
        ),
        opt("environment", &["env", "hosting"]),
        opt("lifecycle", &["lifecycle status", "support status"]),
        opt("location", &["region", "site"]),
        IN_SCOPE,
        TAGS,
        NODE_LOSS,
    ],
};

pub const PROCESSES: FileSpec = FileSpec {
    stem: "processes",
    columns: &[
        req("id", &["process id", "process"]),
        req("name", &["process name", "title"]),
        OWNER,
        opt("criticality", &["business criticality", "priority"]),
        opt(
            "rto_hours",
            &["rto", "rto (hours)", "recovery time objective"],
        ),
        opt(
            "rpo_hours",
            &["rpo", "rpo (hours)", "recovery point objective"],
        ),
        opt(
            "financial",
            &["financial process", "moves money", "financial reporting"],
        ),
        opt("segregation_of_duties", &["sod", "segregation"]),
        opt("manual_override", &["manual overrides", "override"]),
        IN_SCOPE,
        TAGS,
        NODE_LOSS,
    ],
};

pub const VENDORS: FileSpec = FileSpec {
    stem: "vendors",
    columns: &[
        req("id", &["vendor id", "supplier id", "vendor"]),
        req("name", &["vendor name", "supplier name", "supplier"]),
        opt("service", &["service provided", "services"]),
        OWNER,
        opt("criticality", &["vendor criticality", "tier"]),
        opt("data_access", &["data access level", "access to data"]),
        opt("soc2_report", &["soc 2", "soc2", "soc 2 report type"]),
        opt(
            "soc2_report_date",
            &["soc 2 date", "soc2 date", "report date"],
        ),
        opt(
            "iso27001_certified",
            &["iso 27001", "iso27001", "iso certified"],
        ),
        opt(
            "last_review",
            &["last reviewed", "last review date", "reviewed on"],
        ),
        opt("country", &["jurisdiction", "hq country"]),
        opt("exit_plan", &["exit strategy", "has exit plan"]),
        IN_SCOPE,
        TAGS,
        NODE_LOSS,
    ],
};

pub const DEPENDENCIES: FileSpec = FileSpec {
    stem: "dependencies",
    columns: &[
        req("from", &["dependent", "source", "node"]),
        req("to", &["depends on", "dependency", "target"]),
        opt("kind", &["dependency kind", "relationship", "type"]),
        opt("strength", &["weight"]),
        opt("redundant", &["redundancy", "has failover"]),
        opt("propagates", &["properties", "cia"]),
    ],
};

pub const THREATS: FileSpec = FileSpec {
    stem: "threats",
    columns: &[
        req("id", &["threat id"]),
        req("name", &["threat", "threat name", "title"]),
        req("category", &["risk category", "threat category"]),
        opt("source", &["threat source", "origin"]),
        opt("affects", &["cia", "properties"]),
        req("targets", &["applies to", "selector"]),
        opt("likelihood", &["base likelihood"]),
        opt("description", &["details"]),
        TAGS,
        opt(
            "frequency",
            &[
                "annual frequency",
                "events per year",
                "loss event frequency",
            ],
        ),
        opt("loss", &["loss per event", "loss magnitude"]),
    ],
};

pub const VULNERABILITIES: FileSpec = FileSpec {
    stem: "vulnerabilities",
    columns: &[
        req("id", &["vulnerability id", "vuln id"]),
        req("name", &["vulnerability", "title"]),
        req("targets", &["affected", "applies to"]),
        opt("threats", &["threat", "exploited by"]),
        opt("severity", &["rating"]),
        opt("cve", &["cve id"]),
        opt("status", &["state"]),
        opt("found", &["found on", "discovered", "date found"]),
    ],
};

pub const CONTROLS: FileSpec = FileSpec {
    stem: "controls",
    columns: &[
        req("id", &["control id", "control ref"]),
        req("name", &["control", "control name", "title"]),
        OWNER,
        opt("status", &["implementation status", "state"]),
        opt("effectiveness", &["effective", "effectiveness %"]),
        opt("reduces", &["reduction"]),
        opt("mitigates", &["threats", "mitigated threats"]),
        opt("applies_to", &["scope", "applies", "targets"]),
        opt(
            "soc2",
            &["soc 2", "tsc", "soc2 criteria", "trust services criteria"],
        ),
        opt("iso27001", &["iso 27001", "iso", "annex a", "iso controls"]),
        opt("due", &["due date", "target date"]),
        opt("last_tested", &["tested", "last test", "last test date"]),
        TAGS,
        opt("cost", &["annual cost", "cost per year"]),
    ],
};

pub const COMMITMENTS: FileSpec = FileSpec {
    stem: "commitments",
    columns: &[
        req("id", &["commitment id"]),
        req("statement", &["commitment", "requirement"]),
        opt("category", &["trust services category", "tsc"]),
        opt("target", &["sla"]),
        opt("covers", &["applies to", "scope"]),
        opt("source", &["document", "reference"]),
    ],
};

pub const OBLIGATIONS: FileSpec = FileSpec {
    stem: "obligations",
    columns: &[
        req("id", &["obligation id"]),
        req("name", &["obligation", "title"]),
        opt("type", &["obligation type", "kind"]),
        opt("jurisdiction", &["country", "region"]),
        opt("applies_to", &["scope", "covers"]),
        OWNER,
        opt("severity", &["penalty", "impact"]),
    ],
};

pub const CONTEXT: FileSpec = FileSpec {
    stem: "context",
    columns: &[
        req("id", &["context id"]),
        req("kind", &["type", "context kind"]),
        req("description", &["issue", "party", "name"]),
        opt("expectation", &["expectations", "needs", "requirement"]),
        opt("related", &["relates to", "links"]),
    ],
};

pub const OBJECTIVES: FileSpec = FileSpec {
    stem: "objectives",
    columns: &[
        req("id", &["objective id"]),
        req("objective", &["name", "title"]),
        opt("metric", &["measure", "kpi"]),
        opt("target", &["goal"]),
        OWNER,
        opt("due", &["due date", "deadline"]),
    ],
};

pub const INCIDENTS: FileSpec = FileSpec {
    stem: "incidents",
    columns: &[
        req("id", &["incident id"]),
        req("date", &["occurred", "incident date"]),
        opt("threat", &["threat id", "category"]),
        opt("affected", &["affected nodes", "assets affected"]),
        opt("severity", &["rating"]),
        opt("summary", &["description", "title"]),
        opt("lessons", &["lessons learned"]),
    ],
};

pub const TREATMENTS: FileSpec = FileSpec {
    stem: "treatments",
    columns: &[
        req("risk", &["risk id", "risks"]),
        req("decision", &["treatment", "option"]),
        opt("status", &["state"]),
        OWNER,
        opt("justification", &["rationale", "reason"]),
        opt("approved_by", &["approver"]),
        opt("approved_on", &["approval date", "approved"]),
        opt("expires", &["expiry", "expiry date", "review by"]),
        opt("ticket", &["reference", "issue", "link"]),
    ],
};

/// Decisions for the Statement of Applicability: which Annex A controls are excluded, and why.
pub const SOA: FileSpec = FileSpec {
    stem: "soa",
    columns: &[
        req(
            "control",
            &["annex a", "annex a control", "control id", "iso27001"],
        ),
        req("applicable", &["applies", "included", "applicability"]),
        opt(
            "justification",
            &[
                "reason",
                "rationale",
                "exclusion reason",
                "justification for exclusion",
            ],
        ),
    ],
};

/// Every table file, in loading order: node files first, since the others refer to nodes.
pub const FILES: [&FileSpec; 14] = [
    &ASSETS,
    &PROCESSES,
    &VENDORS,
    &DEPENDENCIES,
    &THREATS,
    &VULNERABILITIES,
    &CONTROLS,
    &COMMITMENTS,
    &OBLIGATIONS,
    &CONTEXT,
    &OBJECTIVES,
    &INCIDENTS,
    &TREATMENTS,
    &SOA,
];

/// The stems of the files that define nodes; an inventory needs at least one of them.
pub const NODE_FILES: [&str; 3] = ["assets", "processes", "vendors"];

/// Folds a header for matching: lowercase, with everything but letters and digits dropped, so
/// `Asset ID`, `asset_id` and `asset-id` are the same header.
pub fn fold_header(header: &str) -> String {
    header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl ColumnSpec {
    /// Whether `folded` (see [`fold_header`]) names this column.
    pub fn accepts(&self, folded: &str) -> bool {
        fold_header(self.name) == folded || self.aliases.iter().any(|a| fold_header(a) == folded)
    }
}

impl FileSpec {
    pub fn column_names(&self) -> impl Iterator<Item = &'static str> {
        self.columns.iter().map(|c| c.name)
    }

    pub fn by_stem(stem: &str) -> Option<&'static FileSpec> {
        FILES
            .iter()
            .copied()
            .find(|f| f.stem.eq_ignore_ascii_case(stem))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_header_is_claimed_by_two_columns_of_one_file() {
        for file in FILES {
            for (i, a) in file.columns.iter().enumerate() {
                for b in &file.columns[i + 1..] {
                    let spellings = std::iter::once(a.name).chain(a.aliases.iter().copied());
                    for spelling in spellings {
                        assert!(
                            !b.accepts(&fold_header(spelling)),
                            "{}: `{spelling}` names both {} and {}",
                            file.stem,
                            a.name,
                            b.name
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn headers_fold_spreadsheet_spellings() {
        assert!(ASSETS.columns[0].accepts(&fold_header("Asset ID")));
        assert!(ASSETS.columns[0].accepts(&fold_header("asset-id")));
        assert!(VENDORS.columns[6].accepts(&fold_header("SOC 2")));
    }
}
