//! What scripts see: read-only typed objects registered with Rhai.
//!
//! Each object wraps its data in an `Arc`, built once (per node, per threat, per scenario) and
//! shared by every call that reads it; a call clones pointers, not records. The data types are
//! plain structs that deserialize from the inputs of a rules test case, so a test describes a
//! threat or a node the way the CSV files do.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::civil::Date;
use rhai::{Array, Dynamic, Engine};
use riskgraph_model::money::{Frequency, Magnitude};
use serde::Deserialize;

use crate::simulate::loss::Loss;

/// A date as scripts see it: with the assessment's `as_of` date, so that `days_since(date)`
/// needs no other argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateView {
    pub date: Date,
    pub as_of: Date,
}

impl DateView {
    fn days_since(&mut self) -> i64 {
        i64::from((self.as_of - self.date).get_days())
    }
}

/// A threat.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThreatData {
    pub id: String,
    pub name: String,
    /// A risk category, such as `cyber-attack`.
    pub category: String,
    /// `adversarial`, `accidental`, `environmental`, `structural` or empty.
    pub source: String,
    /// The properties it harms: `confidentiality`, `integrity`, `availability`.
    pub affects: Vec<String>,
    /// Base likelihood, 1..5 (3 when the CSV cell is empty).
    pub likelihood: i64,
    pub tags: Vec<String>,
    /// Loss events per year on each target (`frequency`), for the simulation.
    #[serde(deserialize_with = "super::money::frequency_text")]
    pub frequency: Option<Frequency>,
    /// Loss per event (`loss`), for the simulation.
    #[serde(deserialize_with = "super::money::magnitude_text")]
    pub loss: Option<Magnitude>,
}

/// An asset, process or vendor.
#[derive(Debug, Clone, Deserialize)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "the yes/no columns of the node files"
)]
#[serde(default, deny_unknown_fields)]
pub struct NodeData {
    pub id: String,
    pub name: String,
    /// `asset`, `process` or `vendor`.
    pub kind: String,
    /// An asset's type (`software`, `data`...); empty for processes and vendors.
    #[serde(rename = "type")]
    pub asset_type: String,
    /// An asset's ratings, 1..5; for processes and vendors, their criticality.
    pub confidentiality: i64,
    pub integrity: i64,
    pub availability: i64,
    /// A process's or vendor's criticality, 1..5; for assets, their highest rating.
    pub criticality: i64,
    pub classification: String,
    pub personal_data: bool,
    pub environment: String,
    pub lifecycle: String,
    pub in_scope: bool,
    pub tags: Vec<String>,
    /// Processes: moves money or feeds financial reporting.
    pub financial: bool,
    /// Processes: `full`, `partial`, `none` or empty.
    pub segregation_of_duties: String,
    pub manual_override: bool,
    /// Vendors: `none`, `internal`, `confidential`, `personal` or empty.
    pub data_access: String,
    /// The organization's own columns, by header.
    pub attributes: BTreeMap<String, AttrData>,
    /// What a full hit on the node costs (`loss`), for the simulation.
    #[serde(deserialize_with = "super::money::magnitude_text")]
    pub loss: Option<Magnitude>,
}

impl Default for NodeData {
    fn default() -> Self {
        Self {
            id: String::new(),
            name: String::new(),
            kind: "asset".to_owned(),
            asset_type: String::new(),
            confidentiality: 3,
            integrity: 3,
            availability: 3,
            criticality: 3,
            classification: String::new(),
            personal_data: false,
            environment: String::new(),
            lifecycle: String::new(),
            in_scope: true,
            tags: Vec::new(),
            financial: false,
            segregation_of_duties: String::new(),
            manual_override: false,
            data_access: String::new(),
            attributes: BTreeMap::new(),
            loss: None,
        }
    }
}

/// The value of one of the organization's own columns.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum AttrData {
    Number(f64),
    Text(String),
}

/// What a failure of the scenario's node reaches, for the properties its threat affects. Every
/// figure composes along dependencies, so the assessment computes it for every node at once
/// ([`crate::reach`]); each counts the node itself and what it reaches with an impact at least the
/// threshold.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExposureData {
    /// The largest node value (1..5) times attenuated impact, 0..5.
    pub max_value: f64,
    /// The highest classification reached, or empty.
    pub highest_classification: String,
    pub personal_data: bool,
    /// The highest criticality of a business process reached, 0 when none is.
    pub max_process_criticality: i64,
    /// Whether a node that a commitment's `covers` selects is reached.
    pub commitment_reached: bool,
    /// The loss hook only: what the nodes reached lose, each its `loss` times its impact, drawn
    /// in the same event; zero for the other hooks.
    #[serde(deserialize_with = "super::money::loss_text")]
    pub secondary_loss: Loss,
    /// The loss hook only: the nodes reached that have a `loss` (the node itself excepted).
    pub reached: Vec<ReachedData>,
}

/// A node the event reaches, as the loss hook sees it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReachedData {
    pub id: String,
    /// `asset`, `process` or `vendor`.
    pub kind: String,
    /// The share of the failure that reaches it, 0..1.
    pub impact: f64,
    #[serde(deserialize_with = "super::money::magnitude_text")]
    pub loss: Option<Magnitude>,
}

/// A vulnerability that applies to the scenario.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VulnerabilityData {
    pub id: String,
    /// 1..5.
    pub severity: i64,
    /// `open` or `remediated`.
    pub status: String,
    pub cve: String,
    pub found: Option<Date>,
}

/// An incident of the past 365 days that matches the scenario's threat and node.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IncidentData {
    pub id: String,
    pub date: Option<Date>,
    /// 1..5.
    pub severity: i64,
}

/// A control that mitigates the scenario's threat and applies to its node.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ControlData {
    pub id: String,
    /// `implemented`, `partial`, `planned` or `not-implemented`.
    pub status: String,
    /// 0..1.
    pub effectiveness: f64,
    /// `likelihood`, `impact` or `both`.
    pub reduces: String,
    pub due: Option<Date>,
    pub last_tested: Option<Date>,
}

/// An obligation that applies to the scenario's node.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ObligationData {
    pub id: String,
    /// `law`, `regulation`, `contract` or `standard`.
    #[serde(rename = "type")]
    pub obligation_type: String,
    /// 1..5.
    pub severity: i64,
}

/// The context of one call: the assessment's settings and what applies to the scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContextData {
    /// Computed likelihood and impact run 1..=scale.
    pub scale: i64,
    pub as_of: Date,
    pub organization: String,
    /// The risk being scored, such as `T-RANSOM@app-web`.
    pub risk: String,
    pub vulnerabilities: Vec<Arc<VulnerabilityData>>,
    pub incidents: Vec<Arc<IncidentData>>,
    pub obligations: Vec<Arc<ObligationData>>,
    /// The upper bounds of the levels, lowest first, with their names.
    pub levels: Vec<(String, i64)>,
    /// The loss hook only: the scores of the run being simulated (`inherent` or `residual`).
    pub run: String,
    pub likelihood: i64,
    pub impact: i64,
    /// The loss hook only: the inherent scores.
    pub inherent_likelihood: i64,
    pub inherent_impact: i64,
    /// The loss hook only: the currency of the amounts (`[quant] currency`).
    pub currency: String,
    /// The loss hook only: the loss per event at each impact level (`[quant] loss`), lowest
    /// first.
    #[serde(deserialize_with = "super::money::magnitudes_text")]
    pub level_loss: Vec<Magnitude>,
}

impl Default for ContextData {
    fn default() -> Self {
        Self {
            scale: 5,
            as_of: jiff::civil::date(2026, 1, 1),
            organization: String::new(),
            risk: String::new(),
            vulnerabilities: Vec::new(),
            incidents: Vec::new(),
            obligations: Vec::new(),
            levels: vec![
                ("low".to_owned(), 4),
                ("medium".to_owned(), 9),
                ("high".to_owned(), 15),
                ("critical".to_owned(), 25),
            ],
            run: String::new(),
            likelihood: 0,
            impact: 0,
            inherent_likelihood: 0,
            inherent_impact: 0,
            currency: String::new(),
            level_loss: Vec::new(),
        }
    }
}

/// Inherent scores, for the residual hook.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoresData {
    pub likelihood: i64,
    pub impact: i64,
}

/// The script-side handles: cheap to clone, read-only.
#[derive(Debug, Clone)]
pub struct Threat(pub Arc<ThreatData>);
#[derive(Debug, Clone)]
pub struct Node(pub Arc<NodeData>);
#[derive(Debug, Clone)]
pub struct Exposure(pub Arc<ExposureData>);
#[derive(Debug, Clone)]
pub struct Context(pub Arc<ContextData>);
#[derive(Debug, Clone)]
struct Vulnerability(Arc<VulnerabilityData>, jiff::civil::Date);
#[derive(Debug, Clone)]
struct Incident(Arc<IncidentData>, jiff::civil::Date);
#[derive(Debug, Clone)]
pub struct Control(pub Arc<ControlData>, pub jiff::civil::Date);
#[derive(Debug, Clone)]
struct Obligation(Arc<ObligationData>);
#[derive(Debug, Clone, Copy)]
pub struct Scores(pub ScoresData);

fn date(date: Option<Date>, as_of: Date) -> Dynamic {
    date.map_or(Dynamic::UNIT, |date| {
        Dynamic::from(DateView { date, as_of })
    })
}

fn strings(list: &[String]) -> Array {
    list.iter().map(|s| Dynamic::from(s.clone())).collect()
}

/// Registers every type, getter and helper with `engine`.
pub fn register(engine: &mut Engine) {
    register_inventory(engine);
    register_scenario(engine);
    register_helpers(engine);
    super::money::register(engine);
}

/// Threats and nodes: what the inventory files describe.
fn register_inventory(engine: &mut Engine) {
    engine
        .register_type_with_name::<DateView>("Date")
        .register_fn("days_since", |d: &mut DateView| d.days_since())
        .register_fn("to_string", |d: &mut DateView| d.date.to_string());

    engine
        .register_type_with_name::<Threat>("Threat")
        .register_get("id", |t: &mut Threat| t.0.id.clone())
        .register_get("name", |t: &mut Threat| t.0.name.clone())
        .register_get("category", |t: &mut Threat| t.0.category.clone())
        .register_get("source", |t: &mut Threat| t.0.source.clone())
        .register_get("affects", |t: &mut Threat| strings(&t.0.affects))
        .register_get("likelihood", |t: &mut Threat| t.0.likelihood)
        .register_get("tags", |t: &mut Threat| strings(&t.0.tags))
        .register_fn("has_tag", |t: &mut Threat, tag: &str| {
            t.0.tags.iter().any(|x| x.eq_ignore_ascii_case(tag))
        });

    engine
        .register_type_with_name::<Node>("Node")
        .register_get("id", |n: &mut Node| n.0.id.clone())
        .register_get("name", |n: &mut Node| n.0.name.clone())
        .register_get("kind", |n: &mut Node| n.0.kind.clone())
        .register_get("type", |n: &mut Node| n.0.asset_type.clone())
        .register_get("confidentiality", |n: &mut Node| n.0.confidentiality)
        .register_get("integrity", |n: &mut Node| n.0.integrity)
        .register_get("availability", |n: &mut Node| n.0.availability)
        .register_get("criticality", |n: &mut Node| n.0.criticality)
        .register_get("classification", |n: &mut Node| n.0.classification.clone())
        .register_get("personal_data", |n: &mut Node| n.0.personal_data)
        .register_get("environment", |n: &mut Node| n.0.environment.clone())
        .register_get("lifecycle", |n: &mut Node| n.0.lifecycle.clone())
        .register_get("in_scope", |n: &mut Node| n.0.in_scope)
        .register_get("tags", |n: &mut Node| strings(&n.0.tags))
        .register_get("financial", |n: &mut Node| n.0.financial)
        .register_get("segregation_of_duties", |n: &mut Node| {
            n.0.segregation_of_duties.clone()
        })
        .register_get("manual_override", |n: &mut Node| n.0.manual_override)
        .register_get("data_access", |n: &mut Node| n.0.data_access.clone())
        .register_fn("has_tag", |n: &mut Node, tag: &str| {
            n.0.tags.iter().any(|x| x.eq_ignore_ascii_case(tag))
        })
        .register_fn("attr", |n: &mut Node, column: &str| {
            let wanted = riskgraph_model::schema::fold_header(column);
            n.0.attributes
                .iter()
                .find(|(name, _)| riskgraph_model::schema::fold_header(name) == wanted)
                .map_or(Dynamic::UNIT, |(_, value)| match value {
                    AttrData::Number(x) => Dynamic::from_float(*x),
                    AttrData::Text(s) => Dynamic::from(s.clone()),
                })
        });
}

/// What applies to one scenario: its exposure, vulnerabilities, incidents, controls,
/// obligations, the context and the inherent scores.
fn register_scenario(engine: &mut Engine) {
    engine
        .register_type_with_name::<Exposure>("Exposure")
        .register_get("max_value", |e: &mut Exposure| e.0.max_value)
        .register_get("highest_classification", |e: &mut Exposure| {
            e.0.highest_classification.clone()
        })
        .register_get("personal_data", |e: &mut Exposure| e.0.personal_data)
        .register_get("max_process_criticality", |e: &mut Exposure| {
            e.0.max_process_criticality
        })
        .register_get("commitment_reached", |e: &mut Exposure| {
            e.0.commitment_reached
        });

    engine
        .register_type_with_name::<Vulnerability>("Vulnerability")
        .register_get("id", |v: &mut Vulnerability| v.0.id.clone())
        .register_get("severity", |v: &mut Vulnerability| v.0.severity)
        .register_get("status", |v: &mut Vulnerability| v.0.status.clone())
        .register_get("cve", |v: &mut Vulnerability| v.0.cve.clone())
        .register_get("found", |v: &mut Vulnerability| date(v.0.found, v.1));

    engine
        .register_type_with_name::<Incident>("Incident")
        .register_get("id", |i: &mut Incident| i.0.id.clone())
        .register_get("severity", |i: &mut Incident| i.0.severity)
        .register_get("date", |i: &mut Incident| date(i.0.date, i.1));

    engine
        .register_type_with_name::<Control>("Control")
        .register_get("id", |c: &mut Control| c.0.id.clone())
        .register_get("status", |c: &mut Control| c.0.status.clone())
        .register_get("effectiveness", |c: &mut Control| c.0.effectiveness)
        .register_get("reduces", |c: &mut Control| c.0.reduces.clone())
        .register_get("due", |c: &mut Control| date(c.0.due, c.1))
        .register_get("last_tested", |c: &mut Control| date(c.0.last_tested, c.1));

    engine
        .register_type_with_name::<Obligation>("Obligation")
        .register_get("id", |o: &mut Obligation| o.0.id.clone())
        .register_get("type", |o: &mut Obligation| o.0.obligation_type.clone())
        .register_get("severity", |o: &mut Obligation| o.0.severity);

    engine
        .register_type_with_name::<Context>("Context")
        .register_get("scale", |c: &mut Context| c.0.scale)
        .register_get("as_of", |c: &mut Context| {
            Dynamic::from(DateView {
                date: c.0.as_of,
                as_of: c.0.as_of,
            })
        })
        .register_get("organization", |c: &mut Context| c.0.organization.clone())
        .register_get("risk", |c: &mut Context| c.0.risk.clone())
        .register_get("vulnerabilities", |c: &mut Context| -> Array {
            let as_of = c.0.as_of;
            c.0.vulnerabilities
                .iter()
                .map(|v| Dynamic::from(Vulnerability(Arc::clone(v), as_of)))
                .collect()
        })
        .register_get("incidents", |c: &mut Context| -> Array {
            let as_of = c.0.as_of;
            c.0.incidents
                .iter()
                .map(|i| Dynamic::from(Incident(Arc::clone(i), as_of)))
                .collect()
        })
        .register_get("obligations", |c: &mut Context| -> Array {
            c.0.obligations
                .iter()
                .map(|o| Dynamic::from(Obligation(Arc::clone(o))))
                .collect()
        })
        .register_fn("level_of", |c: &mut Context, score: i64| {
            c.0.levels
                .iter()
                .find(|(_, max)| score <= *max)
                .or(c.0.levels.last())
                .map_or_else(String::new, |(name, _)| name.clone())
        });

    engine
        .register_type_with_name::<Scores>("Scores")
        .register_get("likelihood", |s: &mut Scores| s.0.likelihood)
        .register_get("impact", |s: &mut Scores| s.0.impact);
}

/// Helpers every hook may use.
fn register_helpers(engine: &mut Engine) {
    engine
        .register_fn("clamp", |x: i64, low: i64, high: i64| {
            x.clamp(low, high.max(low))
        })
        .register_fn("clamp", |x: f64, low: f64, high: f64| {
            x.clamp(low, high.max(low))
        })
        .register_fn("max", |a: i64, b: i64| a.max(b))
        .register_fn("max", |a: f64, b: f64| a.max(b))
        .register_fn("min", |a: i64, b: i64| a.min(b))
        .register_fn("min", |a: f64, b: f64| a.min(b));
}
