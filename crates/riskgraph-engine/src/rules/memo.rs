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
}

impl ReadSet {
    /// Scans a hook's source.
    pub fn scan(source: &str) -> Self {
        let mut set = Self {
            names: BTreeSet::new(),
            tag_literals: Some(BTreeSet::new()),
            attr_literals: Some(BTreeSet::new()),
            reusable: true,
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
                '/' if next == Some('*') => {
                    let mut depth = 0;
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
                }
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
    fn int(&mut self, name: &str, value: i64) {
        if self.reads.reads(name) {
            self.bytes.extend_from_slice(&value.to_le_bytes());
        }
    }

    fn float(&mut self, name: &str, value: f64) {
        if self.reads.reads(name) {
            self.bytes.extend_from_slice(&value.to_bits().to_le_bytes());
        }
    }

    fn flag(&mut self, name: &str, value: bool) {
        if self.reads.reads(name) {
            self.bytes.push(u8::from(value));
        }
    }

    fn text(&mut self, name: &str, value: &str) {
        if self.reads.reads(name) {
            self.raw_text(value);
        }
    }

    fn raw_text(&mut self, value: &str) {
        self.bytes
            .extend_from_slice(&(value.len() as u64).to_le_bytes());
        self.bytes.extend_from_slice(value.as_bytes());
    }

    fn date(&mut self, name: &str, value: Option<jiff::civil::Date>) {
        if self.reads.reads(name) {
            match value {
                Some(date) => self.raw_text(&date.to_string()),
                None => self.bytes.push(0xff),
            }
        }
    }

    fn texts(&mut self, name: &str, values: &[String]) {
        if self.reads.reads(name) {
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
        self.texts("tags", tags);
        if !self.reads.reads("has_tag") {
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
        self.text("id", &threat.id);
        self.text("name", &threat.name);
        self.text("category", &threat.category);
        self.text("source", &threat.source);
        self.texts("affects", &threat.affects);
        self.int("likelihood", threat.likelihood);
        self.tags(&threat.tags);
    }

    fn node(&mut self, node: &NodeData) {
        self.text("id", &node.id);
        self.text("name", &node.name);
        self.text("kind", &node.kind);
        self.text("type", &node.asset_type);
        self.int("confidentiality", node.confidentiality);
        self.int("integrity", node.integrity);
        self.int("availability", node.availability);
        self.int("criticality", node.criticality);
        self.text("classification", &node.classification);
        self.flag("personal_data", node.personal_data);
        self.text("environment", &node.environment);
        self.text("lifecycle", &node.lifecycle);
        self.flag("in_scope", node.in_scope);
        self.flag("financial", node.financial);
        self.text("segregation_of_duties", &node.segregation_of_duties);
        self.flag("manual_override", node.manual_override);
        self.text("data_access", &node.data_access);
        self.tags(&node.tags);
        if self.reads.reads("attr") {
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
        self.float("max_value", exposure.max_value);
        self.text("highest_classification", &exposure.highest_classification);
        self.flag("personal_data", exposure.personal_data);
        self.int("max_process_criticality", exposure.max_process_criticality);
        self.flag("commitment_reached", exposure.commitment_reached);
    }

    /// The context's fields that change from call to call; the others are the assessment's.
    fn context(&mut self, ctx: &Varying<'_>) {
        if self.reads.reads("risk") {
            self.raw_text(&(ctx.risk)());
        }
        if self.reads.reads("vulnerabilities") {
            let (all, which) = ctx.vulnerabilities;
            self.count(which.len());
            for v in which.iter().map(|&v| &all[v as usize]) {
                self.text("id", &v.id);
                self.int("severity", v.severity);
                self.text("status", &v.status);
                self.text("cve", &v.cve);
                self.date("found", v.found);
            }
        }
        if self.reads.reads("incidents") {
            let (all, which) = ctx.incidents;
            self.count(which.len());
            for i in which.iter().map(|&i| &all[i as usize]) {
                self.text("id", &i.id);
                self.int("severity", i.severity);
                self.date("date", i.date);
            }
        }
        if self.reads.reads("obligations") {
            let (all, which) = ctx.obligations;
            self.count(which.len());
            for o in which.iter().map(|&o| &all[o as usize]) {
                self.text("id", &o.id);
                self.text("type", &o.obligation_type);
                self.int("severity", o.severity);
            }
        }
    }

    fn controls(&mut self, (all, which): Indexed<'_, ControlData>) {
        self.count(which.len());
        for c in which.iter().map(|&c| &all[c as usize]) {
            self.text("id", &c.id);
            self.text("status", &c.status);
            self.float("effectiveness", c.effectiveness);
            self.text("reduces", &c.reduces);
            self.date("due", c.due);
            self.date("last_tested", c.last_tested);
        }
    }

    fn scores(&mut self, scores: ScoresData) {
        self.int("likelihood", scores.likelihood);
        self.int("impact", scores.impact);
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
