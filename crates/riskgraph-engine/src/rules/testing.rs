//! `riskgraph rules test`: test cases kept next to the rules, in `tests/*.toml`.
//!
//! A file holds `[[case]]` tables: a `name`, the `hook`, its inputs described like the CSV rows
//! (`threat`, `node` or `process`, `exposure`, `ctx`, `inherent`, `controls`, `edge` and
//! `property`), and the `expect`ed result: an integer for `likelihood` and `impact`, a number for
//! `edge_factor`, a table for `fraud` and `residual` (only the keys it lists are compared).

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use super::views::{
    Context, ContextData, ControlData, Exposure, ExposureData, Node, NodeData, ScoresData, Threat,
    ThreatData,
};
use super::{RuleError, Rules};
use crate::propagation::EdgeProfile;
use crate::simulate::loss::Loss;

/// The built-in rules' tests: (file name, content).
pub const DEFAULT_TESTS: &[(&str, &str)] = &[
    (
        "likelihood.toml",
        include_str!("../../../../rules/default/tests/likelihood.toml"),
    ),
    (
        "impact.toml",
        include_str!("../../../../rules/default/tests/impact.toml"),
    ),
    (
        "fraud.toml",
        include_str!("../../../../rules/default/tests/fraud.toml"),
    ),
    (
        "residual.toml",
        include_str!("../../../../rules/default/tests/residual.toml"),
    ),
    (
        "propagation.toml",
        include_str!("../../../../rules/default/tests/propagation.toml"),
    ),
    (
        "loss.toml",
        include_str!("../../../../rules/default/tests/loss.toml"),
    ),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    hook: String,
    #[serde(default)]
    threat: ThreatData,
    #[serde(default, alias = "process")]
    node: NodeData,
    #[serde(default)]
    exposure: ExposureData,
    #[serde(default)]
    ctx: ContextData,
    #[serde(default)]
    inherent: ScoresData,
    #[serde(default)]
    controls: Vec<ControlData>,
    #[serde(default)]
    edge: EdgeData,
    #[serde(default)]
    property: String,
    expect: toml::Value,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct EdgeData {
    kind: String,
    strength: f32,
    redundant: bool,
    propagates: bool,
}

impl Default for EdgeData {
    fn default() -> Self {
        Self {
            kind: "other".to_owned(),
            strength: 1.0,
            redundant: false,
            propagates: true,
        }
    }
}

/// The outcome of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `file: name`.
    pub case: String,
    /// `None` when it passed; what differed otherwise.
    pub failure: Option<String>,
}

/// Runs every case of `files` ((name, content)) against `rules`. A file that does not parse is an
/// error naming it; a case that fails is an outcome.
pub fn run(rules: &Rules, files: &[(String, String)]) -> Result<Vec<Outcome>, RuleError> {
    let mut outcomes = Vec::new();
    for (name, content) in files {
        let file: File = toml::from_str(content).map_err(|err| {
            let (line, column) = err
                .span()
                .map(|span| line_column(content, span.start))
                .unzip();
            RuleError {
                script: name.clone(),
                line,
                column,
                message: format!("cannot read the test file: {}", err.message()),
                context: None,
            }
        })?;
        for case in file.case {
            let label = format!("{name}: {}", case.name);
            outcomes.push(Outcome {
                case: label,
                failure: run_case(rules, case).err(),
            });
        }
    }
    Ok(outcomes)
}

/// The test files of `folder/tests`, sorted by name.
pub fn read_folder(folder: &Path) -> Result<Vec<(String, String)>, RuleError> {
    let dir = folder.join("tests");
    let error = |message: String| RuleError {
        script: dir.display().to_string(),
        line: None,
        column: None,
        message,
        context: None,
    };
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| error(format!("cannot list the tests: {e}")))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            std::fs::read_to_string(&path)
                .map(|content| (path.display().to_string(), content))
                .map_err(|e| error(format!("cannot read `{}`: {e}", path.display())))
        })
        .collect()
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

fn run_case(rules: &Rules, case: Case) -> Result<(), String> {
    let ctx = Context(Arc::new(case.ctx));
    let threat = Threat(Arc::new(case.threat));
    let node = Node(Arc::new(case.node));
    let failed = |err: RuleError| err.to_string();
    match case.hook.as_str() {
        "likelihood" => {
            let got = rules.likelihood(&threat, &node, &ctx).map_err(failed)?;
            compare_int(&case.expect, got)
        }
        "impact" => {
            let exposure = Exposure(Arc::new(case.exposure));
            let got = rules
                .impact(&threat, &node, &exposure, &ctx)
                .map_err(failed)?;
            compare_int(&case.expect, got)
        }
        "fraud" => {
            let got = rules.fraud(&node, &ctx).map_err(failed)?;
            let mut actual: Vec<(String, String)> = vec![
                ("likelihood".to_owned(), got.likelihood.to_string()),
                ("impact".to_owned(), got.impact.to_string()),
            ];
            actual.extend(got.factors);
            compare_table(&case.expect, &actual)
        }
        "residual" => {
            let controls: Vec<Arc<ControlData>> = case.controls.into_iter().map(Arc::new).collect();
            let got = rules
                .residual(case.inherent, &controls, &ctx)
                .map_err(failed)?;
            let actual = vec![
                ("likelihood".to_owned(), got.likelihood.to_string()),
                ("impact".to_owned(), got.impact.to_string()),
            ];
            compare_table(&case.expect, &actual)
        }
        "edge_factor" => {
            use riskgraph_model::vocabulary::{DependencyKind, Vocabulary};
            let kind = DependencyKind::parse(&case.edge.kind)
                .map_err(|_| format!("`{}` is not a dependency kind", case.edge.kind))?;
            let property = riskgraph_model::values::Property::parse(&case.property)
                .ok_or_else(|| format!("`{}` is not a property", case.property))?;
            let edge = EdgeProfile::new(
                kind,
                case.edge.strength,
                case.edge.redundant,
                case.edge.propagates,
            );
            let got = rules.edge_factor(&edge, property).map_err(failed)?;
            let expected = case
                .expect
                .as_float()
                .or_else(|| case.expect.as_integer().map(|i| i as f64))
                .ok_or("`expect` must be a number for edge_factor")?;
            if (got - expected).abs() < 1e-9 {
                Ok(())
            } else {
                Err(format!("expected {expected}, got {got}"))
            }
        }
        "loss" => loss_case(rules, &threat, &node, case.exposure, ctx, &case.expect),
        other => Err(format!(
            "`{other}` is not a hook; use likelihood, impact, fraud, residual, edge_factor or loss"
        )),
    }
}

/// A case of the `loss` hook: the context's scores default to impact 3 (both runs) and its loss
/// ranges to the defaults of `[quant]` on its scale; `expect` is a loss, compared term by term,
/// or a number, compared with the mean loss.
fn loss_case(
    rules: &Rules,
    threat: &Threat,
    node: &Node,
    exposure: ExposureData,
    ctx: Context,
    expect: &toml::Value,
) -> Result<(), String> {
    let mut data = Arc::unwrap_or_clone(ctx.0);
    let or = |x: i64, default: i64| if x == 0 { default } else { x };
    data.impact = or(data.impact, or(data.inherent_impact, 3));
    data.inherent_impact = or(data.inherent_impact, data.impact);
    data.likelihood = or(data.likelihood, or(data.inherent_likelihood, 3));
    data.inherent_likelihood = or(data.inherent_likelihood, data.likelihood);
    if data.run.is_empty() {
        data.run = String::from("inherent");
    }
    if data.level_loss.is_empty() {
        let scale = u8::try_from(data.scale.clamp(2, 10)).unwrap_or(5);
        data.level_loss = riskgraph_model::quant::Quant::defaults(scale).loss;
    }
    let got = rules
        .loss(
            threat,
            node,
            &Exposure(Arc::new(exposure)),
            &Context(Arc::new(data)),
        )
        .map_err(|err| err.to_string())?;
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
    match expect {
        toml::Value::String(text) => {
            let expected = riskgraph_model::money::Magnitude::parse(text)
                .map(|m| Loss::of(&m))
                .map_err(|err| format!("`expect`: {}", err.message))?;
            let same = close(got.constant, expected.constant)
                && got.terms.len() == expected.terms.len()
                && got
                    .terms
                    .iter()
                    .zip(&expected.terms)
                    .all(|(a, b)| a.0 == b.0 && close(a.1, b.1));
            if same {
                Ok(())
            } else {
                Err(format!("expected {text} (mean {expected}), got {got}"))
            }
        }
        other => {
            let expected = other
                .as_float()
                .or_else(|| other.as_integer().map(|i| i as f64))
                .ok_or("`expect` must be a loss (\"50k..2M\") or its mean for the loss hook")?;
            if close(got.mean(), expected) {
                Ok(())
            } else {
                Err(format!("expected a mean of {expected}, got {}", got.mean()))
            }
        }
    }
}

fn compare_int(expect: &toml::Value, got: i64) -> Result<(), String> {
    let expected = expect
        .as_integer()
        .ok_or("`expect` must be an integer for this hook")?;
    if expected == got {
        Ok(())
    } else {
        Err(format!("expected {expected}, got {got}"))
    }
}

fn compare_table(expect: &toml::Value, actual: &[(String, String)]) -> Result<(), String> {
    let table = expect
        .as_table()
        .ok_or("`expect` must be a table for this hook, such as { likelihood = 3, impact = 4 }")?;
    let mut differences = Vec::new();
    for (key, value) in table {
        let expected = match value {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match actual.iter().find(|(k, _)| k == key) {
            Some((_, got)) if *got == expected => {}
            Some((_, got)) => differences.push(format!("{key}: expected {expected}, got {got}")),
            None => differences.push(format!("{key}: expected {expected}, got nothing")),
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(differences.join("; "))
    }
}
