//! The part of the OSCAL 1.1 JSON models that the export writes: assessment plan, assessment
//! results and plan of action and milestones, as serde structs whose field names are OSCAL's.
//!
//! OSCAL forbids empty arrays and empty strings in most places, so every optional list is left
//! out when empty and every optional value when `None`.

use serde::Serialize;

/// The OSCAL version the documents conform to (the last 1.1 release).
pub const OSCAL_VERSION: &str = "1.1.3";

#[derive(Debug, Clone, Serialize)]
pub struct AssessmentPlanDocument {
    #[serde(rename = "assessment-plan")]
    pub plan: AssessmentPlan,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssessmentPlan {
    pub uuid: String,
    pub metadata: Metadata,
    pub import_ssp: Import,
    pub reviewed_controls: ReviewedControls,
    pub assessment_assets: AssessmentAssets,
    pub back_matter: BackMatter,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssessmentResultsDocument {
    #[serde(rename = "assessment-results")]
    pub results: AssessmentResults,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssessmentResults {
    pub uuid: String,
    pub metadata: Metadata,
    pub import_ap: Import,
    pub results: Vec<AssessmentResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PoamDocument {
    #[serde(rename = "plan-of-action-and-milestones")]
    pub poam: Poam,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Poam {
    pub uuid: String,
    pub metadata: Metadata,
    pub system_id: SystemId,
    pub local_definitions: LocalDefinitions,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<Observation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub risks: Vec<Risk>,
    pub poam_items: Vec<PoamItem>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Metadata {
    pub title: String,
    pub last_modified: String,
    pub version: String,
    pub oscal_version: &'static str,
    pub parties: Vec<Party>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Party {
    pub uuid: String,
    #[serde(rename = "type")]
    pub party_type: &'static str,
    pub name: String,
}

/// A property; riskgraph's own carry its namespace.
#[derive(Debug, Clone, Serialize)]
pub struct Prop {
    pub name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ns: Option<&'static str>,
    pub value: String,
}

/// `import-ssp` and `import-ap`.
#[derive(Debug, Clone, Serialize)]
pub struct Import {
    pub href: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemId {
    pub identifier_type: &'static str,
    pub id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ReviewedControls {
    pub control_selections: Vec<ControlSelection>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ControlSelection {
    pub description: String,
    pub include_controls: Vec<SelectControl>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SelectControl {
    pub control_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssessmentAssets {
    pub components: Vec<Component>,
    pub assessment_platforms: Vec<AssessmentPlatform>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct LocalDefinitions {
    pub components: Vec<Component>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Component {
    pub uuid: String,
    #[serde(rename = "type")]
    pub component_type: &'static str,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    pub status: State,
}

#[derive(Debug, Clone, Serialize)]
pub struct State {
    pub state: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssessmentPlatform {
    pub uuid: String,
    pub title: String,
    pub uses_components: Vec<UsesComponent>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct UsesComponent {
    pub component_uuid: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct BackMatter {
    pub resources: Vec<Resource>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    pub uuid: String,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssessmentResult {
    pub uuid: String,
    pub title: String,
    pub description: String,
    pub start: String,
    pub reviewed_controls: ReviewedControls,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<Observation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub risks: Vec<Risk>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    pub uuid: String,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    pub methods: Vec<&'static str>,
    pub types: Vec<&'static str>,
    pub collected: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Finding {
    pub uuid: String,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    pub target: FindingTarget,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_observations: Vec<RelatedObservation>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct FindingTarget {
    #[serde(rename = "type")]
    pub target_type: &'static str,
    pub target_id: String,
    pub status: State,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct RelatedObservation {
    pub observation_uuid: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Risk {
    pub uuid: String,
    pub title: String,
    pub description: String,
    pub statement: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    pub status: &'static str,
    pub characterizations: Vec<Characterization>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    pub remediations: Vec<Response>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_observations: Vec<RelatedObservation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Characterization {
    pub origin: Origin,
    pub facets: Vec<Facet>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Origin {
    pub actors: Vec<Actor>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Actor {
    #[serde(rename = "type")]
    pub actor_type: &'static str,
    pub actor_uuid: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Facet {
    pub name: &'static str,
    pub system: &'static str,
    pub value: String,
}

/// A risk's response (`remediations`): its treatment.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    pub uuid: String,
    pub lifecycle: &'static str,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<Task>,
}

/// A milestone of a response: a control due by a date.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub uuid: String,
    #[serde(rename = "type")]
    pub task_type: &'static str,
    pub title: String,
    pub timing: Timing,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Timing {
    pub on_date: OnDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct OnDate {
    pub date: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct PoamItem {
    pub uuid: String,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_observations: Vec<RelatedObservation>,
    pub related_risks: Vec<RelatedRisk>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct RelatedRisk {
    pub risk_uuid: String,
}
