//! Reuse of rule results between scenarios that look the same to the script.
//!
//! A million scenarios are mostly the same few thousand situations: a likelihood rule that reads
//! the threat's base likelihood, the node's lifecycle and its open vulnerabilities returns the
//! same number for every node where those are the same. Scripts are deterministic functions of
//! their arguments (the sandbox has no clock, randomness, files or state kept between calls), so
//! a call whose arguments agree on everything the script can read returns what an earlier call
//! returned.
//!
//! What a script can read is found from its source: an object's fields are only reachable
//! through their names after a dot (`node.lifecycle`, `c.status`), and the methods that read
//! more (`has_tag("x")`, `attr("x")`) name their argument, usually as a literal. [`ReadSet`]
//! collects those names; the key of a call is the value of every field whose name the script
//! writes, of every object it is given. A field named anywhere counts for every object that has
//! it, so the key can only hold more than the script reads, never less.
//!
//! Memoization is off for a script that prints (its output would appear once per distinct key
//! instead of once per call), that imports helpers (their source is not scanned), that uses
//! function pointers (`Fn("name")` can name a method in a string), template or raw strings, a
//! comment between a dot and a name, or Rhai's `get$`/`set$`/`index$` function names; and for one
//! that reads an `id` or the risk id, which makes every call distinct. The context's fields that are the same for every
//! call of an assessment (`scale`, `as_of`, `organization`, the levels) are not in the key, so a
//! [`Memo`] serves one assessment only.

use std::collections::BTreeSet;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::views::{
    AttrData, ControlData, ExposureData, IncidentData, NodeData, ObligationData, ScoresData,
    ThreatData, VulnerabilityData,
};
use super::{Fraud, RuleError};

/// The names a script writes after a dot, and the literal arguments of its `has_tag` and `attr`
/// calls.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadSet {
    names: BTreeSet<String>,
    /// `has_tag` arguments in ASCII lower case; `None` when one of them is not a string literal.
    tag_literals: Option<BTreeSet<String>>,
    /// `attr` arguments, folded like headers; `None` when one of them is not a string literal.
    attr_literals: Option<BTreeSet<String>>,
    /// Whether results may be reused at all.
    reusable: bool,
    /// A bit per entry of [`FIELDS`] that `names` holds.
    mask: u64,
}

impl ReadSet {
    /// Scans a hook's source.
    pub fn scan(source: &str) -> Self {
        let mut set = Self {
            names: BTreeSet::new(),
            tag_literals: Some(BTreeSet::new()),
            attr_literals: Some(BTreeSet::new()),
            reusable: true,
            mask: 0,
        };
        let chars: Vec<char> = source.chars().collect();
        let mut i = 0;
        let identifier_at = |at: usize| -> (String, usize) {
            let mut end = at;
            while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_') {
                end += 1;
            }
            (chars[at..end].iter().collect(), end)
        };
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            match c {
                '/' if next == Some('/') => {
                    while i < chars.len() && chars[i] != '\n' {
                        i += 1;
                    }
                }
                '/' if next == Some('*') => i = skip_block_comment(&chars, i),
                '"' | '\'' => i = skip_literal(&chars, i).1,
                // Template strings (whose `${...}` is code) and raw strings (`#"..."#`) would
                // need Rhai's own tokenizer to read right; such scripts run every time.
                '`' => {
                    set.reusable = false;
                    i += 1;
                }
                '#' if matches!(next, Some('"' | '#')) => {
                    set.reusable = false;
                    i += 1;
                }
                '.' => {
                    let mut at = i + 1;
                    while at < chars.len() && chars[at].is_whitespace() {
                        at += 1;
                    }
                    if chars.get(at) == Some(&'/') {
                        // A comment between the dot and the name.
                        set.reusable = false;
                    }
                    let (name, end) = identifier_at(at);
                    if chars.get(end) == Some(&'$') {
                        set.reusable = false;
                    }
                    if !name.is_empty() {
                        set.method_argument(&name, &chars, end);
                        set.names.insert(name);
                    }
                    i = end.max(i + 1);
                }
                c if c.is_alphabetic() || c == '_' => {
                    let (word, end) = identifier_at(i);
                    match word.as_str() {
                        // Output, helper modules, and function pointers, which can name a
                        // method in a string: not followed.
                        "print" | "debug" | "import" | "Fn" | "call" | "curry" => {
                            set.reusable = false;
                        }
                        // Methods called as functions, `has_tag(node, x)`: they read the
                        // object all the same, and the literal is not the first argument.
                        "has_tag" => {
                            set.tag_literals = None;
                            set.names.insert(word.clone());
                        }
                        "attr" => {
                            set.attr_literals = None;
                            set.names.insert(word.clone());
                        }
                        _ => {}
                    }
                    if chars.get(end) == Some(&'$') {
                        set.reusable = false;
                    }
                    i = end;
                }
                _ => i += 1,
            }
        }
        // An id or the risk id makes every call distinct: nothing to reuse, and a memo that
        // would only grow.
        if set.reads("id") || set.reads("risk") {
            set.reusable = false;
        }
        set.mask = FIELDS
            .iter()
            .enumerate()
            .filter(|(_, name)| set.names.contains(**name))
            .fold(0, |mask, (bit, _)| mask | 1 << bit);
        set
    }

    /// Records the argument of `.has_tag(...)` or `.attr(...)` when it is a string literal, and
    /// gives up on literals otherwise.
    fn method_argument(&mut self, name: &str, chars: &[char], mut at: usize) {
        let literals = match name {
            "has_tag" => &mut self.tag_literals,
            "attr" => &mut self.attr_literals,
            _ => return,
        };
        let skip_space = |at: &mut usize| {
            while *at < chars.len() && chars[*at].is_whitespace() {
                *at += 1;
            }
        };
        skip_space(&mut at);
        let literal = if chars.get(at) == Some(&'(') {
            at += 1;
            skip_space(&mut at);
            if chars.get(at) == Some(&'"') {
                let (text, end) = skip_literal(chars, at);
                let mut after = end;
                skip_space(&mut after);
                (chars.get(after) == Some(&')') && !text.contains('\\')).then_some(text)
            } else {
                None
            }
        } else {
            None
        };
        match (literal, literals.as_mut()) {
            (Some(text), Some(set)) => {
                // `has_tag` compares ignoring ASCII case only.
                let text = if name == "attr" {
                    riskgraph_model::schema::fold_header(&text)
                } else {
                    text.to_ascii_lowercase()
                };
                set.insert(text);
            }
            _ => *literals = None,
        }
    }

    /// Whether results of the script may be reused.
    pub fn reusable(&self) -> bool {
        self.reusable
    }

    fn reads(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// Whether the script names the field or method `field`, one of [`FIELDS`].
    fn has(&self, field: u8) -> bool {
        self.mask & (1 << field) != 0
    }
}

/// The fields and methods a key can hold, by bit in [`ReadSet`]'s mask.
const FIELDS: [&str; 42] = [
    "affects",
    "availability",
    "category",
    "classification",
    "commitment_reached",
    "confidentiality",
    "criticality",
    "cve",
    "data_access",
    "date",
    "due",
    "effectiveness",
    "environment",
    "financial",
    "found",
    "highest_classification",
    "id",
    "impact",
    "in_scope",
    "integrity",
    "kind",
    "last_tested",
    "lifecycle",
    "likelihood",
    "manual_override",
    "max_process_criticality",
    "max_value",
    "name",
    "personal_data",
    "reduces",
    "segregation_of_duties",
    "severity",
    "source",
    "status",
    "tags",
    "type",
    "attr",
    "has_tag",
    "incidents",
    "obligations",
    "risk",
    "vulnerabilities",
];
const AFFECTS: u8 = 0;
const AVAILABILITY: u8 = 1;
const CATEGORY: u8 = 2;
const CLASSIFICATION: u8 = 3;
const COMMITMENT_REACHED: u8 = 4;
const CONFIDENTIALITY: u8 = 5;
const CRITICALITY: u8 = 6;
const CVE: u8 = 7;
const DATA_ACCESS: u8 = 8;
const DATE: u8 = 9;
const DUE: u8 = 10;
const EFFECTIVENESS: u8 = 11;
const ENVIRONMENT: u8 = 12;
const FINANCIAL: u8 = 13;
const FOUND: u8 = 14;
const HIGHEST_CLASSIFICATION: u8 = 15;
const ID: u8 = 16;
const IMPACT: u8 = 17;
const IN_SCOPE: u8 = 18;
const INTEGRITY: u8 = 19;
const KIND: u8 = 20;
const LAST_TESTED: u8 = 21;
const LIFECYCLE: u8 = 22;
const LIKELIHOOD: u8 = 23;
const MANUAL_OVERRIDE: u8 = 24;
const MAX_PROCESS_CRITICALITY: u8 = 25;
const MAX_VALUE: u8 = 26;
const NAME: u8 = 27;
const PERSONAL_DATA: u8 = 28;
const REDUCES: u8 = 29;
const SEGREGATION_OF_DUTIES: u8 = 30;
const SEVERITY: u8 = 31;
const SOURCE: u8 = 32;
const STATUS: u8 = 33;
const TAGS: u8 = 34;
const TYPE: u8 = 35;
const ATTR: u8 = 36;
const HAS_TAG: u8 = 37;
const INCIDENTS: u8 = 38;
const OBLIGATIONS: u8 = 39;
const RISK: u8 = 40;
const VULNERABILITIES: u8 = 41;

/// The index after the block comment opening at `start`; block comments nest.
fn skip_block_comment(chars: &[char], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i < chars.len() {
        if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
            depth += 1;
            i += 2;
        } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                break;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// The text of the string or character literal opening at `start`, and the index after it.
fn skip_literal(chars: &[char], start: usize) -> (String, usize) {
    let quote = chars[start];
    let mut i = start + 1;
    let mut text = String::new();
    while i < chars.len() && chars[i] != quote {
        if chars[i] == '\\' {
            text.push('\\');
            i += 1;
        }
        if let Some(&c) = chars.get(i) {
            text.push(c);
        }
        i += 1;
    }
    (text, i + 1)
}

/// A key under construction: the fields a script reads, in a fixed order, each length-prefixed
/// where its length varies, so two different sets of values never give the same bytes.
struct Key<'r> {
    reads: &'r ReadSet,
    bytes: &'r mut Vec<u8>,
}

impl Key<'_> {
    fn int(&mut self, field: u8, value: i64) {
        if self.reads.has(field) {
            self.bytes.extend_from_slice(&value.to_le_bytes());
        }
    }

    fn float(&mut self, field: u8, value: f64) {
        if self.reads.has(field) {
            self.bytes.extend_from_slice(&value.to_bits().to_le_bytes());
        }
    }

    fn flag(&mut self, field: u8, value: bool) {
        if self.reads.has(field) {
            self.bytes.push(u8::from(value));
        }
    }

    fn text(&mut self, field: u8, value: &str) {
        if self.reads.has(field) {
            self.raw_text(value);
        }
    }

    fn raw_text(&mut self, value: &str) {
        self.bytes
            .extend_from_slice(&(value.len() as u64).to_le_bytes());
        self.bytes.extend_from_slice(value.as_bytes());
    }

    fn date(&mut self, field: u8, value: Option<jiff::civil::Date>) {
        if self.reads.has(field) {
            match value {
                Some(date) => self.raw_text(&date.to_string()),
                None => self.bytes.push(0xff),
            }
        }
    }

    fn texts(&mut self, field: u8, values: &[String]) {
        if self.reads.has(field) {
            self.count(values.len());
            for value in values {
                self.raw_text(value);
            }
        }
    }

    fn count(&mut self, n: usize) {
        self.bytes.extend_from_slice(&(n as u64).to_le_bytes());
    }

    /// What `has_tag` and `tags` can tell of `tags`.
    fn tags(&mut self, tags: &[String]) {
        self.texts(TAGS, tags);
        if !self.reads.has(HAS_TAG) {
            return;
        }
        if let Some(literals) = &self.reads.tag_literals {
            for literal in literals {
                let has = tags.iter().any(|t| t.eq_ignore_ascii_case(literal));
                self.bytes.push(u8::from(has));
            }
        } else {
            self.count(tags.len());
            for tag in tags {
                self.raw_text(&tag.to_ascii_lowercase());
            }
        }
    }

    fn threat(&mut self, threat: &ThreatData) {
        self.text(ID, &threat.id);
        self.text(NAME, &threat.name);
        self.text(CATEGORY, &threat.category);
        self.text(SOURCE, &threat.source);
        self.texts(AFFECTS, &threat.affects);
        self.int(LIKELIHOOD, threat.likelihood);
        self.tags(&threat.tags);
    }

    fn node(&mut self, node: &NodeData) {
        self.text(ID, &node.id);
        self.text(NAME, &node.name);
        self.text(KIND, &node.kind);
        self.text(TYPE, &node.asset_type);
        self.int(CONFIDENTIALITY, node.confidentiality);
        self.int(INTEGRITY, node.integrity);
        self.int(AVAILABILITY, node.availability);
        self.int(CRITICALITY, node.criticality);
        self.text(CLASSIFICATION, &node.classification);
        self.flag(PERSONAL_DATA, node.personal_data);
        self.text(ENVIRONMENT, &node.environment);
        self.text(LIFECYCLE, &node.lifecycle);
        self.flag(IN_SCOPE, node.in_scope);
        self.flag(FINANCIAL, node.financial);
        self.text(SEGREGATION_OF_DUTIES, &node.segregation_of_duties);
        self.flag(MANUAL_OVERRIDE, node.manual_override);
        self.text(DATA_ACCESS, &node.data_access);
        self.tags(&node.tags);
        if self.reads.has(ATTR) {
            let attribute = |key: &mut Self, value: Option<&AttrData>| match value {
                None => key.bytes.push(0),
                Some(AttrData::Number(x)) => {
                    key.bytes.push(1);
                    key.bytes.extend_from_slice(&x.to_bits().to_le_bytes());
                }
                Some(AttrData::Text(s)) => {
                    key.bytes.push(2);
                    key.raw_text(s);
                }
            };
            if let Some(literals) = &self.reads.attr_literals {
                for literal in literals {
                    let value = node
                        .attributes
                        .iter()
                        .find(|(name, _)| riskgraph_model::schema::fold_header(name) == *literal)
                        .map(|(_, value)| value);
                    attribute(self, value);
                }
            } else {
                self.count(node.attributes.len());
                for (name, value) in &node.attributes {
                    self.raw_text(name);
                    attribute(self, Some(value));
                }
            }
        }
    }

    fn exposure(&mut self, exposure: &ExposureData) {
        self.float(MAX_VALUE, exposure.max_value);
        self.text(HIGHEST_CLASSIFICATION, &exposure.highest_classification);
        self.flag(PERSONAL_DATA, exposure.personal_data);
        self.int(MAX_PROCESS_CRITICALITY, exposure.max_process_criticality);
        self.flag(COMMITMENT_REACHED, exposure.commitment_reached);
    }

    /// The context's fields that change from call to call; the others are the assessment's.
    fn context(&mut self, ctx: &Varying<'_>) {
        if self.reads.has(RISK) {
            self.raw_text(&(ctx.risk)());
        }
        if self.reads.has(VULNERABILITIES) {
            let (all, which) = ctx.vulnerabilities;
            self.count(which.len());
            for v in which.iter().map(|&v| &all[v as usize]) {
                self.text(ID, &v.id);
                self.int(SEVERITY, v.severity);
                self.text(STATUS, &v.status);
                self.text(CVE, &v.cve);
                self.date(FOUND, v.found);
            }
        }
        if self.reads.has(INCIDENTS) {
            let (all, which) = ctx.incidents;
            self.count(which.len());
            for i in which.iter().map(|&i| &all[i as usize]) {
                self.text(ID, &i.id);
                self.int(SEVERITY, i.severity);
                self.date(DATE, i.date);
            }
        }
        if self.reads.has(OBLIGATIONS) {
            let (all, which) = ctx.obligations;
            self.count(which.len());
            for o in which.iter().map(|&o| &all[o as usize]) {
                self.text(ID, &o.id);
                self.text(TYPE, &o.obligation_type);
                self.int(SEVERITY, o.severity);
            }
        }
    }

    fn controls(&mut self, (all, which): Indexed<'_, ControlData>) {
        self.count(which.len());
        for c in which.iter().map(|&c| &all[c as usize]) {
            self.text(ID, &c.id);
            self.text(STATUS, &c.status);
            self.float(EFFECTIVENESS, c.effectiveness);
            self.text(REDUCES, &c.reduces);
            self.date(DUE, c.due);
            self.date(LAST_TESTED, c.last_tested);
        }
    }

    fn scores(&mut self, scores: ScoresData) {
        self.int(LIKELIHOOD, scores.likelihood);
        self.int(IMPACT, scores.impact);
    }
}

/// What a scenario's context holds that changes from call to call: the risk id (made only if the
/// script reads it) and which vulnerabilities, incidents and obligations apply, as indexes into
/// the shared views.
pub struct Varying<'a> {
    pub risk: &'a dyn Fn() -> String,
    pub vulnerabilities: Indexed<'a, VulnerabilityData>,
    pub incidents: Indexed<'a, IncidentData>,
    pub obligations: Indexed<'a, ObligationData>,
}

/// Some of the shared views: all of them, and the indexes of those that apply.
pub type Indexed<'a, T> = (&'a [Arc<T>], &'a [u32]);

/// Results of one assessment's calls, by the key of what the script read. One per thread.
#[derive(Default)]
pub struct Memo {
    likelihood: FxHashMap<Box<[u8]>, i64>,
    impact: FxHashMap<Box<[u8]>, i64>,
    residual: FxHashMap<Box<[u8]>, ScoresData>,
    fraud: FxHashMap<Box<[u8]>, Fraud>,
    /// The key being built, kept to save an allocation per call.
    key: Vec<u8>,
    pub stats: Stats,
}

/// How often the memo answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Calls answered from the memo.
    pub reused: u64,
    /// Calls made to the script.
    pub called: u64,
}

/// The cached result for `key`, or `call`'s, kept when it succeeds. `key` is `None` when the
/// script's results are not reused.
fn reuse<T: Clone>(
    map: &mut FxHashMap<Box<[u8]>, T>,
    key: Option<&[u8]>,
    stats: &mut Stats,
    call: impl FnOnce() -> Result<T, RuleError>,
) -> Result<T, RuleError> {
    let Some(key) = key else {
        stats.called += 1;
        return call();
    };
    if let Some(found) = map.get(key) {
        stats.reused += 1;
        return Ok(found.clone());
    }
    stats.called += 1;
    let result = call()?;
    map.insert(key.into(), result.clone());
    Ok(result)
}

impl Memo {
    /// Builds the key of a call into the kept buffer; false when the script is not reused.
    fn key(&mut self, reads: &ReadSet, build: impl FnOnce(&mut Key<'_>)) -> bool {
        self.key.clear();
        if !reads.reusable {
            return false;
        }
        build(&mut Key {
            reads,
            bytes: &mut self.key,
        });
        true
    }

    /// The `likelihood` of a scenario: reused, or `call`ed.
    pub fn likelihood(
        &mut self,
        reads: &ReadSet,
        (threat, node, ctx): (&ThreatData, &NodeData, &Varying<'_>),
        call: impl FnOnce() -> Result<i64, RuleError>,
    ) -> Result<i64, RuleError> {
        let keyed = self.key(reads, |k| {
            k.threat(threat);
            k.node(node);
            k.context(ctx);
        });
        let key = keyed.then_some(self.key.as_slice());
        reuse(&mut self.likelihood, key, &mut self.stats, call)
    }

    /// The `impact` of a scenario: reused, or `call`ed.
    pub fn impact(
        &mut self,
        reads: &ReadSet,
        (threat, node, exposure, ctx): (&ThreatData, &NodeData, &ExposureData, &Varying<'_>),
        call: impl FnOnce() -> Result<i64, RuleError>,
    ) -> Result<i64, RuleError> {
        let keyed = self.key(reads, |k| {
            k.threat(threat);
            k.node(node);
            k.exposure(exposure);
            k.context(ctx);
        });
        let key = keyed.then_some(self.key.as_slice());
        reuse(&mut self.impact, key, &mut self.stats, call)
    }

    /// The `residual` of a scenario whose controls are `controls` (indexes into the views):
    /// reused, or `call`ed.
    pub fn residual(
        &mut self,
        reads: &ReadSet,
        (inherent, controls, ctx): (ScoresData, Indexed<'_, ControlData>, &Varying<'_>),
        call: impl FnOnce() -> Result<ScoresData, RuleError>,
    ) -> Result<ScoresData, RuleError> {
        let keyed = self.key(reads, |k| {
            k.scores(inherent);
            k.controls(controls);
            k.context(ctx);
        });
        let key = keyed.then_some(self.key.as_slice());
        reuse(&mut self.residual, key, &mut self.stats, call)
    }

    /// The `fraud` of a process: reused, or `call`ed.
    pub fn fraud(
        &mut self,
        reads: &ReadSet,
        (process, ctx): (&NodeData, &Varying<'_>),
        call: impl FnOnce() -> Result<Fraud, RuleError>,
    ) -> Result<Fraud, RuleError> {
        let keyed = self.key(reads, |k| {
            k.node(process);
            k.context(ctx);
        });
        let key = keyed.then_some(self.key.as_slice());
        reuse(&mut self.fraud, key, &mut self.stats, call)
    }
}

#[cfg(test)]
mod tests {
    use super::ReadSet;

    fn names(set: &ReadSet) -> Vec<&str> {
        set.names.iter().map(String::as_str).collect()
    }

    #[test]
    fn finds_the_names_after_dots_outside_comments_and_strings() {
        let set = ReadSet::scan(
            "// node.id in a comment\n/* threat.name /* nested */ ctx.risk */\n\
             fn likelihood(threat, node, ctx) {\n  let s = \"node.name\";\n  \
             threat.likelihood + node . lifecycle.len()\n}",
        );
        assert_eq!(names(&set), ["len", "lifecycle", "likelihood"]);
        assert!(set.reusable());
        // Backticks and hashes in comments are only comments.
        assert!(ReadSet::scan("// `ctx.scale` # \"x\"\nnode.lifecycle").reusable());
    }

    #[test]
    fn literal_arguments_of_has_tag_and_attr() {
        let set =
            ReadSet::scan(r#"node.has_tag("Internet-Facing") || node.attr("Cost Centre") == 1"#);
        assert_eq!(
            set.tag_literals
                .as_ref()
                .unwrap()
                .iter()
                .collect::<Vec<_>>(),
            ["internet-facing"]
        );
        assert_eq!(set.attr_literals.as_ref().unwrap().len(), 1);
        let dynamic = ReadSet::scan("let t = \"x\"; node.has_tag(t)");
        assert!(dynamic.tag_literals.is_none());
        let as_function = ReadSet::scan("has_tag(node, \"x\")");
        assert!(as_function.tag_literals.is_none());
        assert!(as_function.reads("has_tag"));
    }

    #[test]
    fn printing_importing_and_special_names_turn_reuse_off() {
        for source in [
            "print(node.id)",
            "debug(1)",
            "import \"helpers\" as h;",
            "node.get$lifecycle()",
            "Fn(\"has_tag\").call(node, \"x\")",
            "let s = `don't`; node.lifecycle",
            "let s = #\"C:\\\"#; node.lifecycle",
            "node./* x */lifecycle",
            "node.id",
            "ctx.risk.len()",
        ] {
            assert!(!ReadSet::scan(source).reusable(), "{source}");
        }
    }
}
