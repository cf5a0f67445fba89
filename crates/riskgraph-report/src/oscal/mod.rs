//! The assessment as NIST OSCAL 1.1 JSON, the format assessment results move in between GRC
//! platforms, `FedRAMP` tooling and auditors: three documents that reference one another.
//!
//! - `assessment-plan.json`: the plan the results import. It reviews the in-scope SOC 2 criteria
//!   and the applicable Annex A controls, names riskgraph as the assessment platform, and imports
//!   the system from a back-matter resource that describes the inventory's scope (riskgraph
//!   writes no system security plan).
//! - `assessment-results.json`: one result for the assessment date, with an observation per
//!   control of `controls.csv` (status, last tested), a finding per in-scope SOC 2 criterion and
//!   applicable Annex A control (satisfied when `coverage` finds it covered), and a risk per risk
//!   of the register (scores as facets, the treatment as its remediation, due dates of the
//!   controls it waits for as milestones).
//! - `plan-of-action-and-milestones.json`: an item per risk being mitigated (decision
//!   `mitigate`, not done), with the risks and observations it refers to.
//!
//! Every UUID is a version 5 UUID of [`NAMESPACE`] and `organization/kind/id`, and every date is
//! the assessment date at midnight UTC, so the same inventory, rules and `--as-of` give the same
//! bytes, whatever the number of threads.

mod model;
mod poam;
mod results;

use riskgraph_engine::assess::Assessment;
use riskgraph_engine::compliance::{Coverage, Verdict};
use riskgraph_engine::session::Session;
use riskgraph_model::Inventory;
use riskgraph_model::vocabulary::Vocabulary;
use uuid::Uuid;

pub use model::*;

/// The namespace of riskgraph's version 5 UUIDs: the version 5 UUID of the URL namespace and
/// `urn:riskgraph:oscal`.
pub const NAMESPACE: Uuid = Uuid::from_u128(0x5326_daeb_168f_58ce_8d54_ecdb_310b_7571);

/// The namespace of riskgraph's own properties and facets. OSCAL asks for an absolute URL; this
/// one names riskgraph's vocabulary and is not meant to resolve (`.invalid` is reserved for
/// that, RFC 2606).
pub const NS: &str = "https://riskgraph.invalid/ns/oscal";

/// The file names of the three documents, which also link them (`import-ap`).
pub const PLAN_FILE: &str = "assessment-plan.json";
pub const RESULTS_FILE: &str = "assessment-results.json";
pub const POAM_FILE: &str = "plan-of-action-and-milestones.json";

/// The three documents of an assessment.
#[derive(Debug, Clone)]
pub struct Export {
    pub plan: AssessmentPlanDocument,
    pub results: AssessmentResultsDocument,
    /// `None` when no risk is being mitigated: OSCAL requires at least one POA&M item.
    pub poam: Option<PoamDocument>,
}

impl Export {
    /// Each document's file name and bytes (pretty JSON ending in a newline), the plan first.
    pub fn files(&self) -> serde_json::Result<Vec<(&'static str, Vec<u8>)>> {
        fn json(value: &impl serde::Serialize) -> serde_json::Result<Vec<u8>> {
            let mut bytes = serde_json::to_vec_pretty(value)?;
            bytes.push(b'\n');
            Ok(bytes)
        }
        let mut files = vec![
            (PLAN_FILE, json(&self.plan)?),
            (RESULTS_FILE, json(&self.results)?),
        ];
        if let Some(poam) = &self.poam {
            files.push((POAM_FILE, json(poam)?));
        }
        Ok(files)
    }
}

/// The OSCAL documents of `assessment`, made in `session`.
pub fn export(session: &Session, assessment: &Assessment) -> Export {
    let inventory = session.inventory();
    let coverage = session.coverage(assessment);
    let ids = Ids::new(inventory, assessment.as_of);
    let reviewed = reviewed_controls(&coverage);
    let observations = results::observations(&ids, inventory);
    let risks = results::risks(&ids, inventory, assessment);
    let poam = poam::poam(&ids, inventory, assessment, &observations, &risks);
    let result = AssessmentResult {
        uuid: ids.uuid("result", &ids.as_of),
        title: format!("Risk assessment of {}", ids.as_of),
        description: one_line(inventory.manifest.scope_statement.as_deref())
            .unwrap_or_else(|| format!("The risk assessment of {}", ids.organization)),
        start: ids.timestamp.clone(),
        reviewed_controls: reviewed.clone(),
        findings: results::findings(&ids, inventory, &coverage),
        observations,
        risks,
    };
    Export {
        plan: AssessmentPlanDocument {
            plan: plan(&ids, inventory, reviewed),
        },
        results: AssessmentResultsDocument {
            results: AssessmentResults {
                uuid: ids.uuid("assessment-results", &ids.as_of),
                metadata: ids.metadata("risk assessment results"),
                import_ap: Import {
                    href: PLAN_FILE.to_owned(),
                    remarks: None,
                },
                results: vec![result],
            },
        },
        poam,
    }
}

/// What every document's UUIDs and dates derive from.
struct Ids<'a> {
    organization: &'a str,
    /// `YYYY-MM-DD`.
    as_of: String,
    /// The assessment date at midnight UTC.
    timestamp: String,
}

impl<'a> Ids<'a> {
    fn new(inventory: &'a Inventory, as_of: jiff::civil::Date) -> Self {
        Self {
            organization: &inventory.manifest.organization,
            as_of: as_of.to_string(),
            timestamp: timestamp(as_of),
        }
    }

    /// The version 5 UUID of `organization/kind/id`. Neither kinds nor ids contain `/`, so
    /// distinct objects get distinct names.
    fn uuid(&self, kind: &str, id: &str) -> String {
        let name = format!("{}/{kind}/{id}", self.organization);
        Uuid::new_v5(&NAMESPACE, name.as_bytes()).to_string()
    }

    /// The metadata of the document called `what`.
    fn metadata(&self, what: &str) -> Metadata {
        Metadata {
            title: one_line(Some(&format!(
                "{}: {what}, {}",
                self.organization, self.as_of
            )))
            .unwrap_or_else(|| what.to_owned()),
            last_modified: self.timestamp.clone(),
            version: self.as_of.clone(),
            oscal_version: OSCAL_VERSION,
            parties: vec![Party {
                uuid: self.uuid("party", "organization"),
                party_type: "organization",
                name: one_line(Some(self.organization)).unwrap_or_else(|| "Organization".into()),
            }],
        }
    }

    /// riskgraph, the tool that characterizes the risks: a component of the plan, and of the
    /// POA&M's local definitions.
    fn tool(&self) -> Component {
        Component {
            uuid: self.uuid("component", "riskgraph"),
            component_type: "software",
            title: "riskgraph".to_owned(),
            description: "Risk assessment from the organization's inventory: scores each risk \
                          with the organization's rules and reads the register through SOC 2 \
                          and ISO 27001."
                .to_owned(),
            props: riskgraph_prop("version", env!("CARGO_PKG_VERSION"))
                .into_iter()
                .collect(),
            status: State {
                state: "operational",
            },
        }
    }

    /// The origin of what riskgraph computed: the tool.
    fn by_tool(&self) -> Origin {
        Origin {
            actors: vec![Actor {
                actor_type: "tool",
                actor_uuid: self.uuid("component", "riskgraph"),
            }],
        }
    }

    /// The UUID of the observation of control `id`.
    fn observation(&self, control_id: &str) -> RelatedObservation {
        RelatedObservation {
            observation_uuid: self.uuid("observation", control_id),
        }
    }

    /// The back-matter resource that stands for the system: the inventory's scope.
    fn system(&self) -> String {
        self.uuid("system", "scope")
    }
}

/// The assessment plan: what is reviewed, by what, of which system.
fn plan(ids: &Ids<'_>, inventory: &Inventory, reviewed: ReviewedControls) -> AssessmentPlan {
    let tool = ids.tool();
    AssessmentPlan {
        uuid: ids.uuid("assessment-plan", &ids.as_of),
        metadata: ids.metadata("risk assessment plan"),
        import_ssp: Import {
            href: format!("#{}", ids.system()),
            remarks: Some(
                "The system is the scope of the organization's riskgraph inventory, described in \
                 back-matter; no system security plan is imported."
                    .to_owned(),
            ),
        },
        reviewed_controls: reviewed,
        assessment_assets: AssessmentAssets {
            assessment_platforms: vec![AssessmentPlatform {
                uuid: ids.uuid("assessment-platform", "riskgraph"),
                title: "riskgraph".to_owned(),
                uses_components: vec![UsesComponent {
                    component_uuid: tool.uuid.clone(),
                }],
            }],
            components: vec![tool],
        },
        back_matter: BackMatter {
            resources: vec![Resource {
                uuid: ids.system(),
                title: format!("{}: the system in scope", ids.organization),
                description: one_line(inventory.manifest.scope_statement.as_deref())
                    .unwrap_or_else(|| {
                        "The nodes of the inventory marked in scope (assets, processes and \
                         vendors)."
                            .to_owned()
                    }),
            }],
        },
    }
}

/// The criteria and controls reviewed: the in-scope SOC 2 criteria, and the Annex A controls the
/// Statement of Applicability does not exclude.
fn reviewed_controls(coverage: &Coverage) -> ReviewedControls {
    let select = |ids: Vec<&String>| -> Vec<SelectControl> {
        ids.into_iter()
            .map(|id| SelectControl {
                control_id: id.clone(),
            })
            .collect()
    };
    let categories: Vec<&str> = coverage.tsc.iter().map(|c| c.as_str()).collect();
    let mut selections = vec![ControlSelection {
        description: format!(
            "SOC 2 Trust Services Criteria of the categories in scope: {}",
            categories.join(", ")
        ),
        include_controls: select(coverage.soc2.iter().map(|r| &r.id).collect()),
        remarks: None,
    }];
    let (excluded, applicable): (Vec<_>, Vec<_>) = coverage
        .annex_a
        .iter()
        .partition(|r| r.verdict == Verdict::Excluded);
    if !applicable.is_empty() {
        let excluded: Vec<&str> = excluded.iter().map(|r| r.id.as_str()).collect();
        selections.push(ControlSelection {
            description: "ISO/IEC 27001:2022 Annex A controls applicable in the Statement of \
                          Applicability"
                .to_owned(),
            include_controls: select(applicable.iter().map(|r| &r.id).collect()),
            remarks: (!excluded.is_empty()).then(|| {
                format!(
                    "Not applicable in soa.csv, so not reviewed: {}.",
                    excluded.join(", ")
                )
            }),
        });
    }
    ReviewedControls {
        control_selections: selections,
    }
}

/// `date` at midnight UTC, as OSCAL writes a date and time.
fn timestamp(date: jiff::civil::Date) -> String {
    format!("{date}T00:00:00Z")
}

/// `text` on one line with single spaces, `None` when empty: OSCAL's titles and property values
/// have no line breaks and no leading or trailing space.
fn one_line(text: Option<&str>) -> Option<String> {
    let line = text?.split_whitespace().collect::<Vec<_>>().join(" ");
    (!line.is_empty()).then_some(line)
}

/// A property in riskgraph's namespace, `None` when `value` is empty.
fn riskgraph_prop(name: &'static str, value: &str) -> Option<Prop> {
    one_line(Some(value)).map(|value| Prop {
        name,
        ns: Some(NS),
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_namespace_is_the_uuid_of_its_urn() {
        assert_eq!(
            NAMESPACE,
            Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:riskgraph:oscal")
        );
    }

    #[test]
    fn one_line_collapses_whitespace_and_drops_empty_text() {
        assert_eq!(one_line(Some("  a\n b\t c ")).as_deref(), Some("a b c"));
        assert_eq!(one_line(Some(" \n ")), None);
        assert_eq!(one_line(None), None);
    }
}
