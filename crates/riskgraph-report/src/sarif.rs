//! SARIF 2.1.0, so that code-scanning UIs annotate the inventory on pull requests: the risks of
//! an assessment (`assess --format sarif`) and the problems of an inventory (`validate
//! --error-format sarif`), each a result on the row of the CSV file it comes from.
//!
//! A risk's result names the risk, its score and what drives it; its rule is the threat, with
//! its category and what to do about it; its level comes from the residual level (the top two
//! levels are errors, the next a warning, the rest notes). A diagnostic's rule is its code.
//!
//! Paths are URI references relative to the working directory when the file is under it (a
//! repository's checkout, in CI), else the path as given (`file://` for an absolute one). Rows
//! of a workbook's sheet are no lines of a file: their results point at the workbook and name the
//! sheet and row in the message.
//!
//! Each result carries a `partialFingerprints` entry that stays the same while the finding does,
//! so that the same risk or problem is the same alert on the next run: a risk's is a hash of its
//! id (`<threat>@<node>`), never of its row or score; a diagnostic's is a hash of its code, file,
//! column and message, numbered when two are the same.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use riskgraph_engine::assess::{Risk, Source};
use riskgraph_engine::session::Session;
use riskgraph_model::Loaded;
use riskgraph_model::catalog;
use riskgraph_model::diagnostic::{Diagnostic, Diagnostics, Location, Severity};
use riskgraph_model::vocabulary::Vocabulary;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::register::{RatedView, Register, RiskView};
use crate::text::{Newlines, count, printable};

/// The SARIF 2.1.0 schema (OASIS, errata 01) the documents name.
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The `partialFingerprints` key of riskgraph's fingerprints; its version changes only if the
/// way they are computed does (which opens every alert again once).
pub const FINGERPRINT: &str = "riskgraph/v1";

/// What a SARIF log of risks holds and how it names files.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'p> {
    /// Results are the risks at or above this level (a position in the manifest's `levels`,
    /// as `--fail-on` names it); without it, those above appetite.
    pub fail_on: Option<usize>,
    /// Paths are written relative to this folder when under it (the working directory).
    pub working_dir: Option<&'p Path>,
}

/// Which risks become results: those at or above `fail_on` (a level's position in the
/// manifest's `levels`), or without it those above appetite.
pub fn selected(risk: &Risk, fail_on: Option<usize>) -> bool {
    match fail_on {
        Some(level) => risk.residual().level >= level,
        None => !risk.within_appetite,
    }
}

/// Writes the risks of `register` that [`selected`] keeps as a SARIF log.
pub fn write_risks(
    out: &mut dyn Write,
    register: &Register<'_>,
    session: &Session,
    options: &Options<'_>,
) -> std::io::Result<()> {
    let Options {
        fail_on,
        working_dir,
    } = *options;
    let inventory = register.inventory;
    let n_levels = inventory.manifest.levels.len();
    let mut rules = RuleSet::default();
    let mut results = Vec::new();
    for &risk in register.shown.iter().filter(|r| selected(r, fail_on)) {
        let view = register.view(risk);
        let node = inventory.node(risk.node);
        let rule = match risk.source {
            Source::Threat(t) => {
                let threat = &inventory.threats[t as usize];
                rules.add(threat.id.as_str(), || threat_rule(threat))
            }
            Source::Fraud => rules.add(Source::FRAUD.0, fraud_rule),
        };
        let source = session.source_of(node.row);
        let mut message = risk_message(&view, risk.within_appetite);
        let (location, sheet) = match source {
            Some(file) => {
                let location = file_location(&file.path, file.sheet.as_deref(), node.row.line);
                if let Some(sheet) = &file.sheet {
                    let _ = write!(message, " Row {} of sheet `{sheet}`.", node.row.line);
                }
                (location, file.sheet.as_deref())
            }
            None => (PhysicalLocation::of(session.path(), None), None),
        };
        results.push(SarifResult {
            rule_id: rule,
            rule_index: 0,
            level: level_of(risk.residual().level, n_levels),
            message: Text::new(message),
            locations: vec![ResultLocation {
                physical_location: location.relative_to(working_dir),
            }],
            related_locations: Vec::new(),
            partial_fingerprints: fingerprint(&[&view.id]),
            properties: Some(RiskProperties {
                risk: view.id.to_string(),
                node: node.id.as_str(),
                inherent: view.inherent.clone(),
                residual: view.residual.clone(),
                within_appetite: risk.within_appetite,
                treatment: risk.treatment.decision.as_str(),
                sheet,
            }),
        });
    }
    write_log(out, rules, results)
}

/// Writes the diagnostics of `loaded` (the inventory at `inventory`) as a SARIF log, with paths
/// relative to `working_dir`. A problem of the inventory as a whole is put on the inventory's
/// folder or workbook.
pub fn write_diagnostics(
    out: &mut dyn Write,
    inventory: &Path,
    loaded: &Loaded,
    working_dir: Option<&Path>,
) -> std::io::Result<()> {
    let diagnostics = &loaded.diagnostics;
    let mut rules = RuleSet::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut results: Vec<SarifResult<'_>> = Vec::new();
    for diagnostic in &diagnostics.items {
        let rule = rules.add(diagnostic.code, || diagnostic_rule(diagnostic));
        let mut message = diagnostic.message.clone();
        if let Some(help) = &diagnostic.help {
            let _ = write!(message, "; {help}");
        }
        if let Some(place) = sheet_place(diagnostics, &diagnostic.location) {
            let _ = write!(message, " ({place})");
        }
        let location =
            locate(diagnostics, &diagnostic.location, inventory).relative_to(working_dir);
        let related_locations = diagnostic
            .related
            .iter()
            .filter(|related| related.location.file.is_some())
            .map(|related| RelatedLocation {
                id: 0,
                physical_location: locate(diagnostics, &related.location, inventory)
                    .relative_to(working_dir),
                message: Text::new(related.message.clone()),
            })
            .collect();
        let mut fingerprints = fingerprint(&[
            diagnostic.code,
            &location.artifact_location.uri,
            diagnostic.location.field.as_deref().unwrap_or(""),
            &diagnostic.message,
        ]);
        // Two identical problems in one file (the same bad value on two rows) are numbered in
        // file order, as they are listed.
        if let Some(hash) = fingerprints.get_mut(FINGERPRINT) {
            let n = seen.entry(hash.clone()).or_default();
            *n += 1;
            if *n > 1 {
                let _ = write!(hash, ":{n}");
            }
        }
        results.push(SarifResult {
            rule_id: rule,
            rule_index: 0,
            level: match diagnostic.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            message: Text::new(message),
            locations: vec![ResultLocation {
                physical_location: location,
            }],
            related_locations,
            partial_fingerprints: fingerprints,
            properties: None,
        });
    }
    write_log(out, rules, results)
}

/// `error` for the two highest of `n_levels` levels, `warning` for the next, `note` below.
fn level_of(level: usize, n_levels: usize) -> &'static str {
    match n_levels.saturating_sub(level + 1) {
        0 | 1 => "error",
        2 => "warning",
        _ => "note",
    }
}

/// `T-RANSOM@srv-finance-legacy: Ransomware on Legacy finance server (srv-finance-legacy).
/// Residual high, score 12 ...`: the risk, its scores and what drives them, and its treatment.
fn risk_message(view: &RiskView<'_>, within_appetite: bool) -> String {
    let line = |text: &str| printable(text, Newlines::Replaced).into_owned();
    let (inherent, residual) = (&view.inherent, &view.residual);
    let appetite = if within_appetite {
        "within appetite"
    } else {
        "above appetite"
    };
    let mut text = format!(
        "{}: {} on {} ({}). Residual {}, score {} (likelihood {} x impact {}), {appetite}; inherent {}, score {}.",
        line(&view.id),
        line(&view.threat.name),
        line(&view.node.name),
        line(&view.node.id),
        residual.level,
        residual.score,
        residual.likelihood,
        residual.impact,
        inherent.level,
        inherent.score,
    );
    let processes = match view.exposure.processes {
        1 => String::from("1 process"),
        n => format!("{n} processes"),
    };
    let mut drivers = vec![format!(
        "a failure or breach reaches {}, {processes} and {}",
        count(view.exposure.nodes as usize, "node"),
        count(view.exposure.commitments as usize, "commitment"),
    )];
    let listed = |what: &str, ids: &[std::borrow::Cow<'_, str>]| {
        let ids: Vec<String> = ids.iter().map(|id| line(id)).collect();
        format!("{what} {}", ids.join(", "))
    };
    if !view.vulnerabilities.is_empty() {
        drivers.push(listed("vulnerabilities", &view.vulnerabilities));
    }
    if !view.incidents.is_empty() {
        drivers.push(listed("incidents in the past year", &view.incidents));
    }
    if view.controls.is_empty() {
        drivers.push(String::from("no control mitigates it"));
    } else {
        drivers.push(listed("mitigated by", &view.controls));
    }
    if !view.fraud_factors.is_empty() {
        let factors: Vec<String> = view
            .fraud_factors
            .iter()
            .map(|(name, value)| format!("{} {}", line(name), line(value)))
            .collect();
        drivers.push(format!("fraud factors: {}", factors.join(", ")));
    }
    if !view.findings.is_empty() {
        let codes: Vec<&str> = view.findings.iter().map(|f| f.code.as_str()).collect();
        drivers.push(format!("findings: {}", codes.join(", ")));
    }
    let _ = write!(
        text,
        " Drivers: {}. Treatment: {} ({}).",
        drivers.join("; "),
        view.treatment.decision,
        view.treatment.source
    );
    text
}

/// The rule of a threat: its name, description and category, and how to act on its risks.
fn threat_rule(threat: &riskgraph_model::records::Threat) -> Rule {
    let category = threat.category.as_str();
    let name = printable(&threat.name, Newlines::Replaced).into_owned();
    let meaning = catalog::risk_categories()
        .iter()
        .find(|guide| guide.category == threat.category)
        .map(|guide| format!(" {}", guide.meaning))
        .unwrap_or_default();
    let help = format!(
        "A risk of threat {id} ({category}).{meaning} Lower it with controls whose `mitigates` names {id} or category:{category} and apply to the node, or record a decision for `{id}@<node>` in treatments.csv; `riskgraph explain DIR RISK_ID` shows every input behind its scores.",
        id = threat.id,
    );
    Rule {
        id: threat.id.to_string(),
        short_description: Text::new(name.clone()),
        full_description: Some(Text::new(
            threat.description.as_deref().map_or(name, |description| {
                printable(description, Newlines::Replaced).into_owned()
            }),
        )),
        help: Some(Text::new(help)),
        default_configuration: None,
        properties: RuleProperties {
            category: Some(category.to_owned()),
            tags: vec![String::from("risk"), category.to_owned()],
        },
    }
}

/// The rule of the fraud risk of each process (SOC 2 CC3.3).
fn fraud_rule() -> Rule {
    let (id, name, category) = Source::FRAUD;
    Rule {
        id: id.to_owned(),
        short_description: Text::new(name.to_owned()),
        full_description: Some(Text::new(String::from(
            "The fraud risk of a business process: incentive or pressure, opportunity and rationalization, scored by the fraud rule from the process's attributes, access and controls.",
        ))),
        help: Some(Text::new(String::from(
            "Lower it with segregation of duties, approvals and controls whose `mitigates` names category:fraud, or record a decision for `fraud@<process>` in treatments.csv; `riskgraph explain DIR RISK_ID` shows the factors.",
        ))),
        default_configuration: None,
        properties: RuleProperties {
            category: Some(category.to_owned()),
            tags: vec![String::from("risk"), category.to_owned()],
        },
    }
}

/// The rule of a diagnostic code.
fn diagnostic_rule(diagnostic: &Diagnostic) -> Rule {
    Rule {
        id: diagnostic.code.to_owned(),
        short_description: Text::new(format!("inventory check `{}`", diagnostic.code)),
        full_description: None,
        help: Some(Text::new(String::from(
            "`riskgraph validate DIR` lists every problem of the inventory with the offending cell.",
        ))),
        default_configuration: Some(Configuration {
            level: match diagnostic.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
        }),
        properties: RuleProperties {
            category: None,
            tags: vec![String::from("inventory")],
        },
    }
}

/// `assets!C14` or `sheet assets, row 14`, for a location in a workbook's sheet.
fn sheet_place(diagnostics: &Diagnostics, location: &Location) -> Option<String> {
    let sheet = diagnostics.file_of(location)?.sheet.as_deref()?;
    Some(match (&location.cell, location.line) {
        (Some(cell), _) => format!("{sheet}!{cell}"),
        (None, Some(line)) => format!("sheet `{sheet}`, row {line}"),
        (None, None) => format!("sheet `{sheet}`"),
    })
}

/// Where a diagnostic points: its file and line, else the inventory itself.
fn locate(diagnostics: &Diagnostics, location: &Location, inventory: &Path) -> PhysicalLocation {
    match diagnostics.file_of(location) {
        Some(file) => {
            let line = location
                .line
                .map_or(0, |l| u32::try_from(l).unwrap_or(u32::MAX));
            file_location(&file.path, file.sheet.as_deref(), line)
        }
        None => PhysicalLocation::of(inventory, None),
    }
}

/// A line of a text file, or a workbook (whose rows are no lines).
fn file_location(path: &str, sheet: Option<&str>, line: u32) -> PhysicalLocation {
    let region = (sheet.is_none() && line > 0).then_some(Region {
        start_line: u64::from(line),
    });
    PhysicalLocation::of(Path::new(path), region)
}

/// `partialFingerprints` with the SHA-256 of `parts`, each ended by a NUL.
fn fingerprint(parts: &[&str]) -> BTreeMap<&'static str, String> {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let hex = hasher
        .finalize()
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        });
    BTreeMap::from([(FINGERPRINT, hex)])
}

/// `path` as a URI reference: relative to `working_dir` when it is under it, else as given
/// (an absolute path as a `file://` URI).
pub fn uri(path: &Path, working_dir: Option<&Path>) -> String {
    let relative = working_dir.and_then(|dir| {
        let absolute = normalized(&dir.join(path));
        absolute
            .strip_prefix(normalized(dir))
            .ok()
            .map(Path::to_path_buf)
    });
    match relative {
        Some(relative) => encode(&slashes(&relative)),
        None if path.is_absolute() => format!("file://{}", encode(&slashes(path))),
        None => encode(&slashes(path)),
    }
}

/// `path` without `.` and with each `..` taking out the component before it, as written (links
/// are not followed).
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn slashes(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Percent-encodes every byte but the unreserved characters of RFC 3986 and `/`.
fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

fn write_log(
    out: &mut dyn Write,
    rules: RuleSet,
    mut results: Vec<SarifResult<'_>>,
) -> std::io::Result<()> {
    let index: HashMap<&str, usize> = rules
        .0
        .keys()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    for result in &mut results {
        result.rule_index = index.get(result.rule_id.as_str()).copied().unwrap_or(0);
    }
    let rules: Vec<Rule> = rules.0.into_values().collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "riskgraph",
                    version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            results,
        }],
    };
    let mut out = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, &log)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The rules of a log, each made once, listed by id.
#[derive(Default)]
struct RuleSet(BTreeMap<String, Rule>);

impl RuleSet {
    /// The id of the rule `id`, made by `rule` the first time.
    fn add(&mut self, id: &str, rule: impl FnOnce() -> Rule) -> String {
        if !self.0.contains_key(id) {
            self.0.insert(id.to_owned(), rule());
        }
        id.to_owned()
    }
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
struct Driver {
    name: &'static str,
    version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    short_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_configuration: Option<Configuration>,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    tags: Vec<String>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

impl Text {
    fn new(text: String) -> Self {
        Self { text }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<ResultLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<RiskProperties<'a>>,
}

/// What a code-scanning UI does not show but a program reading the log may want.
#[derive(Serialize)]
struct RiskProperties<'a> {
    risk: String,
    node: &'a str,
    inherent: RatedView<'a>,
    residual: RatedView<'a>,
    within_appetite: bool,
    treatment: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sheet: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation {
    id: usize,
    physical_location: PhysicalLocation,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
    /// The path before it is made a URI.
    #[serde(skip)]
    path: PathBuf,
}

impl PhysicalLocation {
    fn of(path: &Path, region: Option<Region>) -> Self {
        Self {
            artifact_location: ArtifactLocation {
                uri: uri(path, None),
            },
            region,
            path: path.to_path_buf(),
        }
    }

    fn relative_to(mut self, working_dir: Option<&Path>) -> Self {
        let mut uri = uri(&self.path, working_dir);
        // A folder (an inventory as a whole) ends with a slash.
        if self.path.is_dir() && !uri.ends_with('/') {
            uri.push('/');
        }
        self.artifact_location.uri = uri;
        self
    }
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u64,
}

#[cfg(test)]
mod tests {
    use super::{level_of, uri};
    use std::path::Path;

    #[test]
    fn paths_are_relative_to_the_working_directory_when_under_it() {
        let cwd = Some(Path::new("/repo"));
        let check = |path: &str, expected: &str| {
            assert_eq!(uri(Path::new(path), cwd), expected, "{path}");
        };
        check("datasets/acme/assets.csv", "datasets/acme/assets.csv");
        check("./datasets/acme/assets.csv", "datasets/acme/assets.csv");
        check("/repo/datasets/acme/assets.csv", "datasets/acme/assets.csv");
        check("../repo/inv/assets.csv", "inv/assets.csv");
        check("../elsewhere/assets.csv", "../elsewhere/assets.csv");
        check("/elsewhere/assets.csv", "file:///elsewhere/assets.csv");
        check(
            "my inventory/vendors #1.csv",
            "my%20inventory/vendors%20%231.csv",
        );
        assert_eq!(uri(Path::new("a/b.csv"), None), "a/b.csv");
    }

    #[test]
    fn the_top_two_levels_are_errors_the_next_a_warning_the_rest_notes() {
        let levels: Vec<&str> = (0..5).map(|level| level_of(level, 5)).collect();
        assert_eq!(levels, ["note", "note", "warning", "error", "error"]);
        assert_eq!(level_of(0, 2), "error");
    }
}
