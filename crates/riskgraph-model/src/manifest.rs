//! The `riskgraph.toml` manifest: organization, scope, scoring method, review intervals and
//! management approval. Every setting has a default, so the file itself is optional.

use std::collections::BTreeMap;
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diagnostic::{Diagnostic, Diagnostics, FileIdx, Location};
use crate::quant::Quant;
use crate::values::{Date, closest};
use crate::vocabulary::{TrustCategory, Vocabulary};

/// The validated manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub organization: String,
    pub scope_statement: Option<String>,
    /// SOC 2 categories in scope; security is always in.
    pub tsc: Vec<TrustCategory>,
    pub iso27001: IsoEdition,
    /// Likelihood and impact run 1..=scale.
    pub scale: u8,
    pub levels: Vec<Level>,
    /// Highest residual level accepted without treatment.
    pub appetite: String,
    /// The organization's rules folder, relative to the inventory.
    pub rules: Option<PathBuf>,
    /// Optional likelihood x impact grid of level names, `grid[likelihood - 1][impact - 1]`.
    pub grid: Option<Vec<Vec<String>>>,
    /// Days between reviews, per level name.
    pub review_days: BTreeMap<String, u32>,
    pub approval: Option<Approval>,
    /// Limits of the sandbox the rules scripts run in.
    pub sandbox: SandboxLimits,
    /// How `riskgraph simulate` turns the assessment into money (`[quant]`).
    #[serde(skip)]
    pub quant: Quant,
}

/// The `[sandbox]` limits on what one call of a rules script may use. The defaults allow far more
/// than a scoring rule needs and stop a runaway script within milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxLimits {
    /// Operations per call (each loop step, each function call...).
    pub max_operations: u64,
    /// Nested function calls.
    pub max_call_depth: u32,
    /// Characters in a string.
    pub max_string_size: u32,
    /// Items in an array.
    pub max_array_size: u32,
    /// Entries in an object map.
    pub max_map_size: u32,
}

/// The deepest call nesting a rules script may be allowed: beyond it, a recursive script could
/// exhaust a worker thread's stack before the limit stops it.
pub const MAX_CALL_DEPTH: u32 = 64;

impl SandboxLimits {
    fn all_positive(&self) -> bool {
        self.max_operations > 0
            && self.max_call_depth > 0
            && self.max_string_size > 0
            && self.max_array_size > 0
            && self.max_map_size > 0
    }
}

impl Default for SandboxLimits {
    fn default() -> Self {
        Self {
            max_operations: 100_000,
            max_call_depth: 32,
            max_string_size: 10_000,
            max_array_size: 10_000,
            max_map_size: 1_000,
        }
    }
}

/// A named band of scores: a score belongs to the first level whose `max` it does not exceed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Level {
    pub name: String,
    pub max: u32,
}

/// The edition of ISO 27001 whose Annex A ids `controls.csv` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum IsoEdition {
    #[serde(rename = "2022")]
    Iso2022,
    #[serde(rename = "2013")]
    Iso2013,
}

/// Management review of the assessment (ISO 27001 9.3).
#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    pub approved_by: String,
    pub approved_on: Option<Date>,
}

/// Where management approval of an assessment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalState<'a> {
    /// Approved on or after the assessment's date.
    Approved { by: &'a str, on: Date },
    /// The approval recorded predates the assessment: it was given to an earlier one.
    Earlier { by: &'a str, on: Date },
    /// No approver, or no date.
    Pending,
}

impl Manifest {
    /// The approval of the assessment made on `as_of`: `[approval]` counts when it names an
    /// approver and a date no earlier than the assessment's.
    pub fn approval_state(&self, as_of: jiff::civil::Date) -> ApprovalState<'_> {
        match &self.approval {
            Some(Approval {
                approved_by,
                approved_on: Some(on),
            }) if !approved_by.trim().is_empty() => {
                if on.civil() >= as_of {
                    ApprovalState::Approved {
                        by: approved_by,
                        on: *on,
                    }
                } else {
                    ApprovalState::Earlier {
                        by: approved_by,
                        on: *on,
                    }
                }
            }
            _ => ApprovalState::Pending,
        }
    }
}

impl Default for Manifest {
    fn default() -> Self {
        Self {
            organization: String::from("Unnamed organization"),
            scope_statement: None,
            tsc: vec![TrustCategory::Security],
            iso27001: IsoEdition::Iso2022,
            scale: 5,
            levels: default_levels(5),
            appetite: String::from("medium"),
            rules: None,
            grid: None,
            review_days: default_review_days(),
            approval: None,
            sandbox: SandboxLimits::default(),
            quant: Quant::defaults(5),
        }
    }
}

/// low, medium, high and critical at 16%, 36% and 60% of the highest score: 4, 9, 15 and 25 on
/// the usual 5x5 matrix.
pub fn default_levels(scale: u8) -> Vec<Level> {
    let top = u32::from(scale) * u32::from(scale);
    let at = |fraction: f64| ((f64::from(top) * fraction).round() as u32).max(1);
    vec![
        Level {
            name: "low".into(),
            max: at(0.16),
        },
        Level {
            name: "medium".into(),
            max: at(0.36),
        },
        Level {
            name: "high".into(),
            max: at(0.60),
        },
        Level {
            name: "critical".into(),
            max: top,
        },
    ]
}

/// Days between reviews for a level that `[review]` does not list.
pub const DEFAULT_REVIEW_DAYS: u32 = 365;

fn default_review_days() -> BTreeMap<String, u32> {
    [
        ("critical", 30),
        ("high", 90),
        ("medium", 180),
        ("low", 365),
    ]
    .into_iter()
    .map(|(level, days)| (level.to_owned(), days))
    .collect()
}

impl Manifest {
    /// The level of a score, from `levels` (the grid is applied by the caller, which knows the
    /// likelihood and impact).
    pub fn level_of(&self, score: u32) -> Option<&Level> {
        self.levels.iter().find(|level| score <= level.max)
    }

    /// The index of the level `name` names, in any case; or a message naming the levels and the
    /// closest one.
    pub fn level_named(&self, name: &str) -> Result<usize, String> {
        if let Some(at) = self
            .levels
            .iter()
            .position(|l| l.name.eq_ignore_ascii_case(name))
        {
            return Ok(at);
        }
        let hint = crate::values::closest(name, self.levels.iter().map(|l| l.name.as_str()))
            .map_or_else(String::new, |c| format!("; did you mean `{c}`?"));
        Err(format!(
            "`{name}` is not a risk level of this inventory ({}){hint}",
            level_names(&self.levels)
        ))
    }

    /// Parses and validates the manifest text, reporting every problem against `file`.
    pub fn parse(text: &str, file: FileIdx, diagnostics: &mut Diagnostics) -> Self {
        let raw: RawManifest = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(err) => {
                let (message, help) = split_toml_message(err.message());
                diagnostics.push(
                    Diagnostic::error("bad-manifest", message)
                        .with_optional_help(help)
                        .at(toml_location(text, file, err.span())),
                );
                return Self::default();
            }
        };
        Checker {
            text,
            file,
            diagnostics,
        }
        .check(raw)
    }
}

/// Splits toml's multi-line messages ("unknown field `x`, expected one of ...") into a message
/// and a hint.
fn split_toml_message(message: &str) -> (String, Option<String>) {
    let message = message.trim();
    match message.split_once(", expected") {
        Some((head, tail)) => (head.to_owned(), Some(format!("expected{tail}"))),
        None => (message.to_owned(), None),
    }
}

fn toml_location(text: &str, file: FileIdx, span: Option<std::ops::Range<usize>>) -> Location {
    let Some(span) = span else {
        return Location {
            file: Some(file),
            ..Location::default()
        };
    };
    let start = span.start.min(text.len());
    let before = &text[..start];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
    Location {
        file: Some(file),
        line: Some(line),
        column: Some(column),
        field: None,
        cell: None,
        span: Some((start, span.end.min(text.len()).max(start))),
    }
}

/// The JSON Schema (draft 2020-12) of `riskgraph.toml`, derived from the types the manifest is
/// read into, for editors that validate and complete TOML (Taplo's `#:schema` directive).
pub fn json_schema() -> schemars::Schema {
    schemars::generate::SchemaSettings::draft2020_12()
        .with_transform(schemars::transform::RecursiveTransform(without_null))
        .into_generator()
        .into_root_schema_for::<RawManifest>()
}

/// TOML has no null: an absent setting is left out. Takes `null` out of the types an optional
/// setting's schema allows.
fn without_null(schema: &mut schemars::Schema) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if object
        .get("default")
        .is_some_and(serde_json::Value::is_null)
    {
        object.remove("default");
    }
    if let Some(serde_json::Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if let [only] = types.as_slice() {
            let only = only.clone();
            object.insert("type".into(), only);
        }
    }
    let any_of = object.remove("anyOf");
    if let Some(serde_json::Value::Array(mut options)) = any_of {
        options.retain(|option| option.get("type").is_none_or(|t| t != "null"));
        match <[serde_json::Value; 1]>::try_from(options) {
            Ok([serde_json::Value::Object(only)]) => object.extend(only),
            Ok([only]) => {
                object.insert("anyOf".into(), serde_json::Value::Array(vec![only]));
            }
            Err(options) => {
                object.insert("anyOf".into(), serde_json::Value::Array(options));
            }
        }
    }
}

/// `riskgraph.toml` as written, before its values are checked. Its doc comments are the schema's
/// descriptions, which editors show.
#[derive(Debug, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "riskgraph.toml",
    description = "The manifest of a riskgraph inventory: organization, scope, scoring method, review intervals and management approval. Every setting is optional."
)]
struct RawManifest {
    #[serde(default)]
    organization: RawOrganization,
    /// The ISMS scope (ISO 27001 4.3) and the SOC 2 system boundary.
    #[serde(default)]
    scope: RawScope,
    /// How risks are scored and evaluated.
    #[serde(default)]
    method: RawMethod,
    /// Days between reviews of a risk, by the name of its residual level.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, u32>")]
    review: BTreeMap<String, Spanned<i64>>,
    /// Management review of the assessment (ISO 27001 9.3).
    approval: Option<RawApproval>,
    /// Limits on what one call of a rules script may use.
    #[schemars(with = "Option<SandboxLimits>")]
    sandbox: Option<Spanned<toml::Value>>,
    quant: Option<crate::quant::RawQuant>,
}

#[derive(Debug, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Organization")]
struct RawOrganization {
    /// The organization's name, shown on reports.
    name: Option<String>,
}

#[derive(Debug, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Scope")]
struct RawScope {
    /// The ISMS scope and SOC 2 system boundary, in a sentence or two.
    statement: Option<String>,
    /// SOC 2 Trust Services categories in scope: security (always in scope), availability,
    /// confidentiality, processing-integrity, privacy.
    #[schemars(with = "Option<Vec<String>>")]
    tsc: Option<Vec<Spanned<String>>>,
    /// Edition of the Annex A ids written in controls.csv: "2022" (the default) or "2013".
    #[serde(default)]
    #[schemars(schema_with = "iso_edition_schema")]
    iso27001: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Method")]
struct RawMethod {
    /// Computed likelihood and impact run from 1 to `scale` (2..=10, default 5).
    #[schemars(with = "Option<u8>", range(min = 2, max = 10))]
    scale: Option<Spanned<i64>>,
    /// The highest residual level accepted without a treatment decision (default "medium").
    #[schemars(with = "Option<String>")]
    appetite: Option<Spanned<String>>,
    /// The organization's Rhai rules folder, relative to the inventory; files it lacks fall
    /// back to the built-in ones.
    rules: Option<String>,
    /// Risk levels by score, lowest first: a score belongs to the first level whose `max` it
    /// does not exceed.
    #[schemars(with = "Option<Vec<Level>>")]
    levels: Option<Spanned<Vec<Level>>>,
    /// A likelihood x impact grid of level names (row = likelihood 1..scale, column = impact
    /// 1..scale), instead of levels by score.
    #[schemars(with = "Option<Vec<Vec<String>>>")]
    grid: Option<Spanned<Vec<Vec<String>>>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Approval")]
struct RawApproval {
    /// Who approved the assessment.
    approved_by: Option<String>,
    /// When: a TOML date or a `YYYY-MM-DD` string.
    #[serde(default)]
    #[schemars(schema_with = "date_schema")]
    approved_on: Option<Spanned<toml::Value>>,
}

/// `iso27001`: the edition as a string, or as a bare number.
fn iso_edition_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "enum": ["2022", "2013", 2022, 2013] })
}

/// A date: editors give TOML dates to a schema as strings.
fn date_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "string", "format": "date" })
}

/// Validates the raw manifest, one check per setting, pushing a diagnostic for each problem and
/// falling back to the default so later checks still run.
struct Checker<'a> {
    text: &'a str,
    file: FileIdx,
    diagnostics: &'a mut Diagnostics,
}

impl Checker<'_> {
    fn error<T>(&mut self, spanned: &Spanned<T>, message: String, help: Option<String>) {
        self.diagnostics.push(
            Diagnostic::error("bad-manifest", message)
                .with_optional_help(help)
                .at(toml_location(self.text, self.file, Some(spanned.span()))),
        );
    }

    fn check(mut self, raw: RawManifest) -> Manifest {
        let mut manifest = Manifest::default();
        if let Some(name) = raw.organization.name {
            manifest.organization = name;
        }
        manifest.scope_statement = raw.scope.statement;
        if let Some(tsc) = raw.scope.tsc {
            manifest.tsc = vec![TrustCategory::Security];
            for category in tsc {
                match TrustCategory::parse(category.get_ref()) {
                    Ok(c) if !manifest.tsc.contains(&c) => manifest.tsc.push(c),
                    Ok(_) => {}
                    Err(err) => {
                        self.error(&category, err.message, err.help);
                    }
                }
            }
        }
        if let Some(edition) = raw.scope.iso27001 {
            let text = match edition.get_ref() {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            match text.as_str() {
                "2022" => manifest.iso27001 = IsoEdition::Iso2022,
                "2013" => manifest.iso27001 = IsoEdition::Iso2013,
                _ => self.error(
                    &edition,
                    format!("`{text}` is not an ISO 27001 edition"),
                    Some(String::from("write iso27001 = \"2022\" or \"2013\"")),
                ),
            }
        }
        let levels_span = raw.method.levels.as_ref().map(Spanned::span);
        self.check_method(raw.method, &mut manifest);
        manifest.quant = Quant::defaults(manifest.scale);
        if let Some(quant) = raw.quant {
            let (quant, problems) = crate::quant::check(quant, manifest.scale);
            for (span, message, help) in problems {
                self.diagnostics.push(
                    Diagnostic::error("bad-manifest", message)
                        .with_optional_help(help)
                        .at(toml_location(self.text, self.file, Some(span))),
                );
            }
            manifest.quant = quant;
        }
        self.check_review(&raw.review, levels_span, &mut manifest);
        if let Some(approval) = raw.approval {
            manifest.approval = self.check_approval(approval);
        }
        if let Some(sandbox) = raw.sandbox {
            match SandboxLimits::deserialize(sandbox.get_ref().clone()) {
                Ok(limits) if limits.all_positive() && limits.max_call_depth <= MAX_CALL_DEPTH => {
                    manifest.sandbox = limits;
                }
                Ok(limits) if limits.all_positive() => self.error(
                    &sandbox,
                    format!(
                        "`max_call_depth = {}` is too deep; at most {MAX_CALL_DEPTH}",
                        limits.max_call_depth
                    ),
                    Some(String::from(
                        "deeper recursion would overflow the native stack before the limit stops it",
                    )),
                ),
                Ok(_) => self.error(
                    &sandbox,
                    String::from("every `[sandbox]` limit must be at least 1"),
                    None,
                ),
                Err(err) => self.error(
                    &sandbox,
                    format!("bad `[sandbox]` section: {}", err.message()),
                    Some(String::from(
                        "settings are max_operations, max_call_depth, max_string_size, \
                         max_array_size and max_map_size, each a whole number",
                    )),
                ),
            }
        }
        manifest
    }

    /// The `[review]` intervals, and a warning for levels without one.
    fn check_review(
        &mut self,
        review: &BTreeMap<String, Spanned<i64>>,
        levels_span: Option<std::ops::Range<usize>>,
        manifest: &mut Manifest,
    ) {
        for (level, days) in review {
            if !manifest.levels.iter().any(|l| &l.name == level) {
                let names = level_names(&manifest.levels);
                self.error(
                    days,
                    format!("`[review] {level}` is not a risk level"),
                    Some(format!("levels are: {names}")),
                );
            } else if let Ok(n) = u32::try_from(*days.get_ref()) {
                manifest.review_days.insert(level.clone(), n);
            } else {
                self.error(
                    days,
                    format!("`{}` is not a number of days", days.get_ref()),
                    Some(String::from("review intervals are whole days, such as 90")),
                );
            }
        }
        let unreviewed: Vec<&str> = manifest
            .levels
            .iter()
            .filter(|l| !manifest.review_days.contains_key(&l.name))
            .map(|l| l.name.as_str())
            .collect();
        if let Some(first) = unreviewed.first() {
            self.diagnostics.push(
                Diagnostic::warning(
                    "no-review-interval",
                    format!(
                        "no review interval for {}: their risks are reviewed every {DEFAULT_REVIEW_DAYS} days",
                        unreviewed
                            .iter()
                            .map(|l| format!("`{l}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .with_help(format!("add it under `[review]`, such as `{first} = 90`"))
                .at(toml_location(self.text, self.file, levels_span)),
            );
        }
    }

    fn check_method(&mut self, method: RawMethod, manifest: &mut Manifest) {
        if let Some(scale) = method.scale {
            match u8::try_from(*scale.get_ref()) {
                Ok(s @ 2..=10) => {
                    manifest.scale = s;
                    manifest.levels = default_levels(s);
                }
                _ => self.error(
                    &scale,
                    format!("scale `{}` is out of range 2..=10", scale.get_ref()),
                    Some(String::from("most methods use 5 (a 5x5 matrix) or 3")),
                ),
            }
        }
        manifest.rules = method.rules.map(PathBuf::from);
        if let Some(levels) = &method.levels {
            self.check_levels(levels, manifest);
        }
        if method.appetite.is_none()
            && let Some(levels) = &method.levels
            && !manifest.levels.iter().any(|l| l.name == manifest.appetite)
        {
            let names = level_names(&manifest.levels);
            self.error(
                levels,
                format!(
                    "these levels have no `{}`, the default appetite",
                    manifest.appetite
                ),
                Some(format!(
                    "set `appetite` to the highest level accepted without treatment: {names}"
                )),
            );
        }
        if let Some(appetite) = method.appetite {
            if manifest
                .levels
                .iter()
                .any(|l| l.name == *appetite.get_ref())
            {
                manifest.appetite.clone_from(appetite.get_ref());
            } else {
                let names = level_names(&manifest.levels);
                let near = closest(
                    appetite.get_ref(),
                    manifest.levels.iter().map(|l| l.name.as_str()),
                );
                let help = match near {
                    Some(near) => format!("did you mean `{near}`? levels are: {names}"),
                    None => format!("appetite names a level: {names}"),
                };
                self.error(
                    &appetite,
                    format!("appetite `{}` is not a risk level", appetite.get_ref()),
                    Some(help),
                );
            }
        }
        if let Some(grid) = method.grid {
            self.check_grid(&grid, manifest);
        }
    }

    fn check_levels(&mut self, levels: &Spanned<Vec<Level>>, manifest: &mut Manifest) {
        let top = u32::from(manifest.scale) * u32::from(manifest.scale);
        let list = levels.get_ref();
        let mut problems = Vec::new();
        if list.is_empty() {
            problems.push(String::from("`levels` is empty"));
        }
        // A risk keeps its level in a byte: registers of tens of millions of risks stay small.
        if list.len() > usize::from(u8::MAX) {
            problems.push(format!(
                "{} levels are listed; at most 255 are allowed",
                list.len()
            ));
        }
        for pair in list.windows(2) {
            if pair[1].max <= pair[0].max {
                problems.push(format!(
                    "level `{}` (max {}) must have a higher max than `{}` (max {})",
                    pair[1].name, pair[1].max, pair[0].name, pair[0].max
                ));
            }
        }
        for (i, level) in list.iter().enumerate() {
            if list[..i].iter().any(|l| l.name == level.name) {
                problems.push(format!("level `{}` is listed twice", level.name));
            }
        }
        let mut help =
            String::from("list levels from lowest to highest, each with a greater `max`");
        if let Some(last) = list.last()
            && last.max < top
        {
            problems.push(format!(
                "scores up to {top} (scale {} x {}) are possible but the last level `{}` stops at {}",
                manifest.scale, manifest.scale, last.name, last.max
            ));
            help = format!("raise the max of `{}` to {top}", last.name);
        }
        if problems.is_empty() {
            manifest.levels.clone_from(list);
        }
        for problem in problems {
            self.error(levels, problem, Some(help.clone()));
        }
    }

    fn check_grid(&mut self, grid: &Spanned<Vec<Vec<String>>>, manifest: &mut Manifest) {
        let scale = usize::from(manifest.scale);
        let rows = grid.get_ref();
        if rows.len() != scale || rows.iter().any(|row| row.len() != scale) {
            self.error(
                grid,
                format!("`grid` must have {scale} rows of {scale} level names"),
                Some(String::from("row n is likelihood n, column m is impact m")),
            );
            return;
        }
        let unknown: Vec<&String> = rows
            .iter()
            .flatten()
            .filter(|name| !manifest.levels.iter().any(|l| &l.name == *name))
            .collect();
        if let Some(name) = unknown.first() {
            let names = level_names(&manifest.levels);
            self.error(
                grid,
                format!("grid cell `{name}` is not a risk level"),
                Some(format!("levels are: {names}")),
            );
            return;
        }
        manifest.grid = Some(rows.clone());
    }

    fn check_approval(&mut self, approval: RawApproval) -> Option<Approval> {
        let approved_on = approval.approved_on.and_then(|value| {
            let text = match value.get_ref() {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            match Date::parse(&text) {
                Ok(date) => Some(date),
                Err(err) => {
                    self.error(&value, err.message, err.help);
                    None
                }
            }
        });
        approval.approved_by.map(|approved_by| Approval {
            approved_by,
            approved_on,
        })
    }
}

fn level_names(levels: &[Level]) -> String {
    levels
        .iter()
        .map(|l| l.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Manifest, Vec<String>) {
        let mut diagnostics = Diagnostics::default();
        let file = diagnostics.add_file("riskgraph.toml", None);
        let manifest = Manifest::parse(text, file, &mut diagnostics);
        let messages = diagnostics
            .items
            .iter()
            .map(|d| format!("{}: {}", d.location.line.unwrap_or(0), d.message))
            .collect();
        (manifest, messages)
    }

    #[test]
    fn sandbox_limits_are_read_and_checked() {
        let (manifest, problems) = parse("[sandbox]\nmax_operations = 5000\nmax_call_depth = 8\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(manifest.sandbox.max_operations, 5000);
        assert_eq!(manifest.sandbox.max_call_depth, 8);
        assert_eq!(
            manifest.sandbox.max_map_size,
            SandboxLimits::default().max_map_size
        );

        let (manifest, problems) = parse("[sandbox]\nmax_operatons = 5000\n");
        assert_eq!(manifest.sandbox, SandboxLimits::default());
        assert!(
            problems[0].starts_with("1: bad `[sandbox]` section: unknown field `max_operatons`"),
            "{problems:?}"
        );
        let (_, problems) = parse("[sandbox]\nmax_call_depth = 0\n");
        assert!(problems[0].contains("at least 1"), "{problems:?}");
        let (_, problems) = parse("[sandbox]\nmax_call_depth = -3\n");
        assert_eq!(problems.len(), 1, "{problems:?}");
        let (manifest, problems) = parse("[sandbox]\nmax_call_depth = 100000\n");
        assert!(problems[0].contains("too deep; at most 64"), "{problems:?}");
        assert_eq!(manifest.sandbox.max_call_depth, 32);
    }

    #[test]
    fn empty_manifest_gets_defaults() {
        let (manifest, problems) = parse("");
        assert!(problems.is_empty());
        assert_eq!(manifest.scale, 5);
        let maxes: Vec<u32> = manifest.levels.iter().map(|l| l.max).collect();
        assert_eq!(maxes, [4, 9, 15, 25]);
        assert_eq!(manifest.appetite, "medium");
    }

    #[test]
    fn problems_carry_their_toml_line() {
        let (_, problems) = parse("[method]\nscale = 5\nappetite = \"meduim\"\n");
        assert_eq!(problems, ["3: appetite `meduim` is not a risk level"]);
        // Custom levels without the default appetite need one named.
        let (_, problems) = parse(
            "[method]\nlevels = [{ name = \"ok\", max = 9 }, { name = \"bad\", max = 25 }]\n",
        );
        assert_eq!(
            problems[0],
            "2: these levels have no `medium`, the default appetite"
        );
        let (manifest, problems) = parse(
            "[method]\nappetite = \"ok\"\nlevels = [{ name = \"ok\", max = 9 }, { name = \"bad\", max = 25 }]\n",
        );
        assert_eq!(
            problems,
            ["3: no review interval for `ok`, `bad`: their risks are reviewed every 365 days"]
        );
        assert_eq!(manifest.appetite, "ok");
        let (_, problems) = parse("[method]\nscael = 5\n");
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("2: unknown field `scael`"),
            "{problems:?}"
        );
    }

    #[test]
    fn levels_must_cover_the_scale() {
        let (_, problems) = parse(
            "[method]\nlevels = [{ name = \"low\", max = 4 }, { name = \"high\", max = 20 }]\n",
        );
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("stops at 20"), "{problems:?}");
        let many: Vec<String> = (1..=256)
            .map(|max| format!("{{ name = \"l{max}\", max = {max} }}"))
            .collect();
        let (_, problems) = parse(&format!(
            "[method]\nappetite = \"l1\"\nlevels = [{}]\n",
            many.join(", ")
        ));
        assert!(
            problems
                .iter()
                .any(|p| p.contains("256 levels are listed; at most 255")),
            "{problems:?}"
        );
    }

    #[test]
    fn quant_is_read_and_checked_at_its_lines() {
        let (manifest, problems) = parse(
            "[quant]\ncurrency = \"EUR\"\nyears = 5000\nseed = 7\nfrequency = { 1 = 0.01, 5 = 4 }\n\
             loss = { 3 = \"200k..2M\", 4 = 5000000 }\n\
             tolerance = [{ loss = \"10M\", probability = \"1%\" }, { loss = 1000000, probability = 0.1 }]\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let quant = &manifest.quant;
        assert!(quant.present);
        assert_eq!(
            (quant.currency.as_str(), quant.years, quant.seed),
            ("EUR", 5000, 7)
        );
        assert_eq!(quant.frequency, [0.01, 0.13, 0.32, 0.8, 4.0]);
        assert_eq!(quant.loss[2].to_string(), "200k..2M");
        assert_eq!(quant.loss[3].to_string(), "5M");
        let points: Vec<(f64, f64)> = quant
            .tolerance
            .iter()
            .map(|p| (p.loss, p.probability))
            .collect();
        assert_eq!(points, [(1e6, 0.1), (1e7, 0.01)]);

        let (manifest, problems) = parse(
            "[quant]\nyears = 0\nfrequency = { 6 = 1 }\nloss = { 1 = \"2M..1k\" }\n\
             tolerance = [{ loss = \"1M\", probability = \"1%\" }, { loss = \"10M\", probability = 0.1 }]\n",
        );
        assert_eq!(
            problems,
            [
                "2: `years = 0` is out of range 1..=10000000",
                "3: `6` is not a level of the scale 1..=5",
                "4: `2M..1k` runs backwards",
                "5: the tolerance curve rises: 1% of a loss above 1M but 10% above 10M",
            ]
        );
        assert_eq!(manifest.quant.years, 100_000);
        assert!(!Manifest::default().quant.present);
        let (_, problems) = parse("[quant]\nyeras = 5\n");
        assert!(
            problems[0].starts_with("2: unknown field `yeras`"),
            "{problems:?}"
        );
    }

    #[test]
    fn approval_date_as_toml_date_or_string() {
        let (manifest, problems) =
            parse("[approval]\napproved_by = \"CEO\"\napproved_on = 2026-06-30\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            manifest.approval.unwrap().approved_on,
            Date::from_ymd(2026, 6, 30)
        );
        let (_, problems) =
            parse("[approval]\napproved_by = \"CEO\"\napproved_on = \"30/06/2026\"\n");
        assert_eq!(problems, ["3: `30/06/2026` is not an ISO date"]);
    }
}
