//! Reuse of rule results between scenarios that look the same to the script.
//!
//! A million scenarios are mostly the same few thousand situations: a likelihood rule that reads
//! the threat's base likelihood, the node's lifecycle and its open vulnerabilities returns the
//! same number for every node where those are the same. Scripts are deterministic functions of
//! their arguments (the sandbox has no clock, randomness, files or state kept between calls), so
//! a call whose arguments agree on everything the script can read returns what an earlier call
//! returned.
//!
//! What a script can read is found from its compiled form, Rhai's AST: [`ReadSet::of`] walks
//! every statement and expression of the script and of each function it defines, closures
//! included. An object's fields are only reachable through their names: after a dot
//! (`node.lifecycle`, `c.status`) or as a string key (`node["lifecycle"]`); and the methods that
//! read more (`has_tag("x")`, `attr("x")`) name their argument, usually as a literal. [`ReadSet`]
//! collects those names; the key of a call is the value of every field whose name the script
//! uses, of every object it is given. A field named anywhere counts for every object that has it,
//! so the key can only hold more than the script reads, never less.
//!
//! Memoization is off for a script that prints (its output would appear once per distinct key
//! instead of once per call); that imports helpers or names a module (`h::f`, `global::X`: the
//! helpers are not walked); that makes a function pointer other than a closure (`Fn("name")`,
//! `call`, `curry`, or a function's name given as a string to an array method, as in
//! `["x"].reduce("has_tag", node)`: a name in a string can be any method); that indexes with a key
//! other than a string or integer literal (`node[k]` could be any field); that interpolates
//! strings; or that holds anything the walk does not know (custom syntax, a kind of node a later
//! Rhai adds). It is off too for a script that reads an `id` or the risk id, which makes every
//! call distinct. A closure is walked like any function, so `ctx.vulnerabilities.filter(|v|
//! v.severity > 3)` keeps reuse. The context's fields that are the same for every call of an
//! assessment (`scale`, `as_of`, `organization`, the levels) are not in the key, so a [`Memo`]
//! serves one assessment only.

use std::collections::BTreeSet;
use std::sync::Arc;

use rhai::{
    AST, ASTFlags, ASTNode, BinaryExpr, Dynamic, Expr, FlowControl, FnCallExpr, FnPtr, Stmt,
    StmtBlock,
};
use rustc_hash::FxHashMap;

use super::views::{
    AttrData, ControlData, ExposureData, IncidentData, NodeData, ObligationData, ScoresData,
    ThreatData, VulnerabilityData,
};
use super::{Fraud, RuleError};

/// The names a script reads its arguments by: the properties and methods after its dots, the
/// string keys it indexes with, and the literal arguments of its `has_tag` and `attr` calls.
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
    /// What the compiled script `ast` can read: every statement of the script and of each
    /// function it defines, closures included, walked to its last expression.
    pub fn of(ast: &AST) -> Self {
        let mut walk = Walk {
            set: Self {
                names: BTreeSet::new(),
                tag_literals: Some(BTreeSet::new()),
                attr_literals: Some(BTreeSet::new()),
                reusable: true,
                mask: 0,
            },
            // Those bound to a type of `this` are not called on others.
            functions: ast
                .iter_functions()
                .filter(|f| f.this_type.is_none())
                .map(|f| (f.name.to_owned(), f.params.len()))
                .collect(),
        };
        // `AST::walk` visits the script's statements and the bodies of all its functions, which
        // the AST does not otherwise show; each statement that starts a body is walked here,
        // where every kind of statement and expression is classified (`walk` itself skips some,
        // such as the value of `break`).
        ast.walk(&mut |path: &[ASTNode<'_>]| {
            if let [ASTNode::Stmt(stmt)] = path {
                walk.stmt(stmt);
            }
            true
        });
        let mut set = walk.set;
        // An id or the risk id makes every call distinct: nothing to reuse, and a memo that
        // would only grow.
        if set.reads("id") || set.reads("risk") {
            set.reusable = false;
        }
        // Money (a threat's `loss` and `frequency`, a node's `loss`) is no field a key holds: a
        // script that reads it runs every time.
        if set.reads("loss") || set.reads("frequency") {
            set.reusable = false;
        }
        set.mask = FIELDS
            .iter()
            .enumerate()
            .filter(|(_, name)| set.names.contains(**name))
            .fold(0, |mask, (bit, _)| mask | 1 << bit);
        set
    }

    /// Whether results of the script may be reused.
    pub fn reusable(&self) -> bool {
        self.reusable
    }

    /// Whether the script reads something by the name `name`: a property, a method, a string
    /// key.
    pub fn reads(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// Whether the script names the field or method `field`, one of [`FIELDS`].
    fn has(&self, field: u8) -> bool {
        self.mask & (1 << field) != 0
    }
}

/// A walk through a script's AST, filling its read set.
struct Walk {
    set: ReadSet,
    /// The script's functions for any `this`: name and number of parameters.
    functions: Vec<(String, usize)>,
}

impl Walk {
    /// Results of the script are never reused.
    fn give_up(&mut self) {
        self.set.reusable = false;
    }

    fn block(&mut self, block: &StmtBlock) {
        for stmt in block.statements() {
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            // Closures capturing variables share them: nothing read.
            Stmt::Noop(..) | Stmt::Share(..) => {}
            Stmt::If(flow, ..)
            | Stmt::While(flow, ..)
            | Stmt::Do(flow, ..)
            | Stmt::TryCatch(flow, ..) => self.flow(flow),
            Stmt::For(for_loop, ..) => self.flow(&for_loop.2),
            Stmt::Switch(switch, ..) => {
                let (value, cases) = &**switch;
                self.expr(value);
                // Every case's condition and body, the default and the ranges' included.
                for case in &cases.expressions {
                    self.expr(&case.lhs);
                    self.expr(&case.rhs);
                }
            }
            Stmt::Var(var, ..) => self.expr(&var.1),
            Stmt::Assignment(assignment) => {
                self.expr(&assignment.1.lhs);
                self.expr(&assignment.1.rhs);
            }
            Stmt::FnCall(call, ..) => self.call(call, false),
            Stmt::Block(block) => self.block(block),
            Stmt::Expr(expr) => self.expr(expr),
            Stmt::BreakLoop(value, ..) | Stmt::Return(value, ..) => {
                if let Some(value) = value {
                    self.expr(value);
                }
            }
            // Helper modules are not walked (`export` only makes sense in one), and whatever a
            // later Rhai adds is not known to be harmless.
            _ => self.give_up(),
        }
    }

    fn flow(&mut self, flow: &FlowControl) {
        self.expr(&flow.expr);
        self.block(&flow.body);
        self.block(&flow.branch);
    }

    fn expr(&mut self, expr: &Expr) {
        match expr {
            Expr::BoolConstant(..)
            | Expr::IntegerConstant(..)
            | Expr::FloatConstant(..)
            | Expr::CharConstant(..)
            | Expr::StringConstant(..)
            | Expr::Unit(..)
            | Expr::ThisPtr(..) => {}
            Expr::DynamicConstant(value, ..) => {
                if !harmless(value) {
                    self.give_up();
                }
            }
            // `${...}` turns values into text through calls the AST does not show.
            Expr::InterpolatedString(parts, ..) => {
                self.give_up();
                parts.iter().for_each(|part| self.expr(part));
            }
            Expr::Array(items, ..) => items.iter().for_each(|item| self.expr(item)),
            Expr::Map(map, ..) => {
                map.0.iter().for_each(|(_, value)| self.expr(value));
                if !map.1.values().all(harmless) {
                    self.give_up();
                }
            }
            // `global::X` or a helper module's `h::X`.
            Expr::Variable(variable, ..) => {
                if !variable.2.is_empty() {
                    self.give_up();
                }
            }
            Expr::Property(property, ..) => {
                self.set.names.insert(property.2.to_string());
            }
            Expr::MethodCall(call, ..) => self.call(call, true),
            Expr::FnCall(call, ..) => self.call(call, false),
            Expr::Stmt(block) => self.block(block),
            Expr::Dot(chain, ..) => {
                self.expr(&chain.lhs);
                self.expr(&chain.rhs);
            }
            Expr::Index(chain, flags, ..) => {
                self.index(chain, *flags);
                self.expr(&chain.lhs);
                self.expr(&chain.rhs);
            }
            Expr::And(operands, ..) | Expr::Or(operands, ..) | Expr::Coalesce(operands, ..) => {
                operands.iter().for_each(|operand| self.expr(operand));
            }
            // Custom syntax, and whatever a later Rhai adds.
            _ => self.give_up(),
        }
    }

    /// The key of an index, `x[key]`: a string literal reads the field of that name, an integer
    /// literal an element of an array (or a character, or a bit); any other key could name any
    /// field.
    fn index(&mut self, chain: &BinaryExpr, flags: ASTFlags) {
        // Rhai nests a chain to the right, `a[k][j].p` as Index(a, Index(k, Dot(j, p))): an
        // index's key is the left end of its right side, unless the chain stops there (`BREAK`,
        // where the whole right side is the key, `a[k.p]` as Index(a, Dot(k, p))).
        let key = if flags.contains(ASTFlags::BREAK) {
            &chain.rhs
        } else {
            match &chain.rhs {
                Expr::Index(next, ..) | Expr::Dot(next, ..) => &next.lhs,
                _ => {
                    self.give_up();
                    return;
                }
            }
        };
        match key {
            Expr::StringConstant(name, ..) => {
                self.set.names.insert(name.to_string());
            }
            Expr::IntegerConstant(..) => {}
            _ => self.give_up(),
        }
    }

    /// A call: `f(args)`, or `x.f(args)` when it is a `method` (whose name then counts as read,
    /// `x` being the left side of the dot, not an argument).
    fn call(&mut self, call: &FnCallExpr, method: bool) {
        let name = call.name.as_str();
        // A helper module's function, or Rhai's names for getters, setters and indexers
        // (`get$x`), which scripts cannot write but could reach through a function pointer.
        if call.is_qualified() || name.contains('$') {
            self.give_up();
        }
        let unknown = match name {
            // Output would appear once per distinct key instead of once per call; a function
            // pointer can name any method, a getter included, in a string.
            "print" | "debug" | "eval" | "Fn" | "call" => true,
            // A closure that captures variables is `curry(closure, captured...)`.
            "curry" => method || !call.args.first().is_some_and(is_closure),
            // Array methods that also take the name of the function to call, as a string:
            // `["x"].reduce("has_tag", node)` reads a tag. Only a closure, or a number or
            // character where some of them take one, is known not to be a name; unless the
            // script defines a function of that name for as many arguments, which Rhai calls
            // instead (`fn reduce(score, through)` in the built-in residual rule).
            "all" | "dedup" | "drain" | "filter" | "index_of" | "map" | "reduce" | "reduce_rev"
            | "retain" | "some" | "sort" => {
                let callback = call.args.get(usize::from(!method));
                callback.is_some_and(|arg| !is_closure(arg) && !is_number_or_char(arg))
                    && !self.defines(name, call.args.len())
            }
            _ => false,
        };
        if unknown {
            self.give_up();
        }
        if matches!(name, "has_tag" | "attr") {
            self.literal(name, method, &call.args);
        }
        if method {
            self.set.names.insert(name.to_owned());
        }
        call.args.iter().for_each(|arg| self.expr(arg));
    }

    /// A call of `has_tag` or `attr`: records the argument of `.has_tag("x")` or `.attr("x")`,
    /// and gives up on literals for any other argument or form (`has_tag(node, "x")`).
    fn literal(&mut self, name: &str, method: bool, args: &[Expr]) {
        self.set.names.insert(name.to_owned());
        let literals = if name == "attr" {
            &mut self.set.attr_literals
        } else {
            &mut self.set.tag_literals
        };
        match (method, args, literals.as_mut()) {
            (true, [Expr::StringConstant(text, ..)], Some(set)) => {
                // `has_tag` compares ignoring ASCII case only.
                set.insert(if name == "attr" {
                    riskgraph_model::schema::fold_header(text)
                } else {
                    text.to_ascii_lowercase()
                });
            }
            _ => *literals = None,
        }
    }

    /// Whether the script defines a function `name` with `params` parameters (called as a
    /// method, `this` is not one of them).
    fn defines(&self, name: &str, params: usize) -> bool {
        self.functions
            .iter()
            .any(|(defined, n)| defined == name && *n == params)
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

/// Whether `value`, a constant the parser or optimizer made, is harmless: a function pointer
/// only when it points to a closure (an anonymous function of the script, walked with the
/// others), arrays and maps when their items are.
fn harmless(value: &Dynamic) -> bool {
    if let Some(pointer) = value.read_lock::<FnPtr>() {
        return pointer.is_anonymous() && pointer.iter_curry().all(harmless);
    }
    if let Some(items) = value.read_lock::<rhai::Array>() {
        return items.iter().all(harmless);
    }
    if let Some(map) = value.read_lock::<rhai::Map>() {
        return map.values().all(harmless);
    }
    value.is_unit()
        || value.is_bool()
        || value.is_int()
        || value.is_float()
        || value.is_char()
        || value.is_string()
        || value.is::<std::ops::Range<rhai::INT>>()
        || value.is::<std::ops::RangeInclusive<rhai::INT>>()
}

/// Whether `expr` is a closure: a constant pointer to an anonymous function of the script, with
/// the variables it captures curried in (`{ share ...; curry(closure, captured...) }`).
fn is_closure(expr: &Expr) -> bool {
    match expr {
        Expr::DynamicConstant(value, ..) => value
            .read_lock::<FnPtr>()
            .is_some_and(|pointer| pointer.is_anonymous() && !pointer.is_curried()),
        Expr::Stmt(block) => {
            let curry = |call: &FnCallExpr| {
                call.name == "curry"
                    && !call.is_qualified()
                    && call.args.first().is_some_and(is_closure)
            };
            match block.statements() {
                [Stmt::Share(..), Stmt::FnCall(call, ..)] => curry(call),
                [Stmt::Share(..), Stmt::Expr(expr)] => {
                    matches!(&**expr, Expr::FnCall(call, ..) if curry(call))
                }
                _ => false,
            }
        }
        _ => false,
    }
}

fn is_number_or_char(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::IntegerConstant(..) | Expr::FloatConstant(..) | Expr::CharConstant(..)
    )
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

/// A scenario's node as a key holds it: by the fields the script reads, or by its class among
/// the assessment's nodes ([`node_classes`]).
#[derive(Clone, Copy)]
pub enum NodeKey<'a> {
    Fields(&'a NodeData),
    Class(u32),
}

impl Key<'_> {
    fn node_key(&mut self, node: NodeKey<'_>) {
        match node {
            NodeKey::Fields(node) => {
                self.bytes.push(0);
                self.node(node);
            }
            NodeKey::Class(class) => {
                self.bytes.push(1);
                self.bytes.extend_from_slice(&class.to_le_bytes());
            }
        }
    }
}

/// The class of each of `nodes` for a script that reads `reads`: two nodes have the same class
/// when they agree on everything the script can read of a node, so a key may hold the class
/// instead of the fields. Across tens of millions of scenarios each node's fields were put in
/// keys again and again; this puts them in a key once per node. `None` when the script's results
/// are not reused.
pub fn node_classes(reads: &ReadSet, nodes: &[&NodeData]) -> Option<Vec<u32>> {
    use rayon::prelude::*;
    if !reads.reusable {
        return None;
    }
    let keys: Vec<Vec<u8>> = nodes
        .par_iter()
        .map(|node| {
            let mut bytes = Vec::new();
            Key {
                reads,
                bytes: &mut bytes,
            }
            .node(node);
            bytes
        })
        .collect();
    let mut classes: FxHashMap<&[u8], u32> = FxHashMap::default();
    Some(
        keys.iter()
            .map(|key| {
                let next = classes.len() as u32;
                *classes.entry(key).or_insert(next)
            })
            .collect(),
    )
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
        (threat, node, ctx): (&ThreatData, NodeKey<'_>, &Varying<'_>),
        call: impl FnOnce() -> Result<i64, RuleError>,
    ) -> Result<i64, RuleError> {
        let keyed = self.key(reads, |k| {
            k.threat(threat);
            k.node_key(node);
            k.context(ctx);
        });
        let key = keyed.then_some(self.key.as_slice());
        reuse(&mut self.likelihood, key, &mut self.stats, call)
    }

    /// The `impact` of a scenario: reused, or `call`ed.
    pub fn impact(
        &mut self,
        reads: &ReadSet,
        (threat, node, exposure, ctx): (&ThreatData, NodeKey<'_>, &ExposureData, &Varying<'_>),
        call: impl FnOnce() -> Result<i64, RuleError>,
    ) -> Result<i64, RuleError> {
        let keyed = self.key(reads, |k| {
            k.threat(threat);
            k.node_key(node);
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
    use std::collections::BTreeSet;

    use super::{FIELDS, ReadSet};

    /// The read set of `source`, compiled as the rules are (imports left unresolved).
    fn read_set(source: &str) -> ReadSet {
        let engine = super::super::sandboxed_engine(
            super::super::Limits::default(),
            None,
            &super::super::discard_print(),
        );
        let ast = engine
            .compile(source)
            .unwrap_or_else(|err| panic!("{source}: {err}"));
        ReadSet::of(&ast)
    }

    fn names(set: &ReadSet) -> Vec<&str> {
        set.names.iter().map(String::as_str).collect()
    }

    #[test]
    fn finds_the_names_after_dots_outside_comments_and_strings() {
        let set = read_set(
            "// node.id in a comment\n/* threat.name /* nested */ ctx.risk */\n\
             fn likelihood(threat, node, ctx) {\n  let s = \"node.name\";\n  \
             threat.likelihood + node . lifecycle.len()\n}",
        );
        assert_eq!(names(&set), ["len", "lifecycle", "likelihood"]);
        assert!(set.reusable());
        // Backticks and hashes in comments are only comments.
        assert!(read_set("// `ctx.scale` # \"x\"\nnode.lifecycle").reusable());
    }

    #[test]
    fn strings_and_comments_are_what_rhai_reads() {
        // The text scan gave up on these; the AST holds plain strings and the name after the
        // comment.
        for source in [
            "let s = `don't`; node.lifecycle",
            "let s = #\"C:\\\"#; node.lifecycle",
            "node./* x */lifecycle",
        ] {
            let set = read_set(source);
            assert!(set.reusable(), "{source}");
            assert_eq!(names(&set), ["lifecycle"], "{source}");
        }
    }

    #[test]
    fn literal_arguments_of_has_tag_and_attr() {
        let set = read_set(r#"node.has_tag("Internet-Facing") || node.attr("Cost Centre") == 1"#);
        assert_eq!(
            set.tag_literals
                .as_ref()
                .unwrap()
                .iter()
                .collect::<Vec<_>>(),
            ["internet-facing"]
        );
        assert_eq!(set.attr_literals.as_ref().unwrap().len(), 1);
        let dynamic = read_set("let t = \"x\"; node.has_tag(t)");
        assert!(dynamic.tag_literals.is_none());
        let as_function = read_set("has_tag(node, \"x\")");
        assert!(as_function.tag_literals.is_none());
        assert!(as_function.reads("has_tag"));
        let attr_as_function = read_set("attr(node, \"x\")");
        assert!(attr_as_function.attr_literals.is_none());
        assert!(attr_as_function.reads("attr"));
        // A closure's call counts like any other.
        let in_closure = read_set("[node].filter(|n| n.has_tag(\"A\") && n.attr(k) == 1)");
        assert_eq!(
            in_closure
                .tag_literals
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>(),
            ["a"]
        );
        assert!(in_closure.attr_literals.is_none());
    }

    #[test]
    fn string_keys_are_names_and_other_keys_turn_reuse_off() {
        for (source, read) in [
            ("node[\"lifecycle\"]", &["lifecycle"][..]),
            ("node[(\"lifecycle\")]", &["lifecycle"]),
            ("node[\"a\"][\"b\"].c", &["a", "b", "c"]),
            ("node.tags[0]", &["tags"]),
            ("node.tags[-1].len()", &["len", "tags"]),
            ("node?[\"a\"]?.b", &["a", "b"]),
            // Folded into one string by Rhai's optimizer, as it runs.
            ("node[\"life\" + \"cycle\"]", &["lifecycle"]),
        ] {
            let set = read_set(source);
            assert!(set.reusable(), "{source}");
            assert_eq!(names(&set), read, "{source}");
        }
        for source in [
            "node[k]",
            "node[k].lifecycle",
            "node[\"a\"][k]",
            "node.tags[k]",
            "node.attributes[k][\"x\"]",
            "node[k.lifecycle]",
            "node[\"xlifecycle\".sub_string(1)]",
            "node[\"life\" + k]",
            "node[\"id\"]",
        ] {
            assert!(!read_set(source).reusable(), "{source}");
        }
    }

    #[test]
    fn reads_inside_functions_closures_and_every_statement() {
        for source in [
            "fn likelihood(threat, node, ctx) { weight(node) } fn weight(n) { n.lifecycle }",
            "fn likelihood(threat, node, ctx) { node.weight() } fn weight() { this.lifecycle }",
            "fn f(node) { [node].map(|x| x.lifecycle)[0] }",
            "fn f(node) { [0].map(|i| node.lifecycle)[0] }",
            "fn f(node) { [node].map(|x| { let y = x; y.lifecycle }) }",
            "fn f(node) { ctx.vulnerabilities.filter(|v| node.lifecycle == v.status) }",
            "fn f(node) { loop { break node.lifecycle; } }",
            "fn f(node) { let r = (); while r == () { r = node.lifecycle; } r }",
            "fn f(node) { let r = (); do { r = node.lifecycle; } until r != (); r }",
            "fn f(node) { for i in 0..1 { return node.lifecycle; } }",
            "fn f(node) { for i in 0..=1 { return node.lifecycle; } }",
            "fn f(node) { for (t, i) in [1, 2] { return node.lifecycle; } }",
            "fn f(node) { switch type_of(node) { \"x\" => 1, _ => node.lifecycle } }",
            "fn f(node) { switch 2 { 1 => 1, 2 if node.lifecycle == \"\" => 2, 0..9 => 3 } }",
            "fn f(node) { switch 5 { 1 => 1, 0..9 => node.lifecycle } }",
            "fn f(node) { try { throw node.lifecycle; } catch (e) { e } }",
            "fn f(node) { if type_of(node) == \"\" { 1 } else if true { node.lifecycle } }",
            "fn f(node) { #{ a: node.lifecycle }.a }",
            "fn f(node) { node.lifecycle ?? 1 }",
            "let x = 1; { { node.lifecycle } }",
        ] {
            let set = read_set(source);
            assert!(set.reusable(), "{source}");
            assert!(set.reads("lifecycle"), "{source}: {:?}", names(&set));
        }
    }

    #[test]
    fn printing_importing_and_pointers_turn_reuse_off() {
        for source in [
            "print(node.lifecycle)",
            "debug(1)",
            "fn f(node) { if node.x { print(\"x\") } }",
            "import \"helpers\" as h;",
            "fn f(node) { h::weight(node) }",
            "fn f(node) { global::X }",
            "Fn(\"has_tag\").call(node, \"x\")",
            "let f = Fn(\"has_tag\"); f(node, \"x\")",
            "[Fn(\"has_tag\")]",
            "let f = |x| x.lifecycle; f.call(node)",
            "let f = |x, y| x + y; f.curry(1)",
            "[\"pii\"].reduce(\"has_tag\", node)",
            "reduce([\"pii\"], \"has_tag\", node)",
            "let n = \"has_tag\"; [\"pii\"].reduce(n, node)",
            "node.name.index_of(\"x\")",
            "[node].map(f)",
            "let s = `${node.lifecycle}`;",
            "node.id",
            "ctx.risk.len()",
        ] {
            assert!(!read_set(source).reusable(), "{source}");
        }
        // Rhai's own names for getters and setters cannot be written in a script.
        let engine = super::super::sandboxed_engine(
            super::super::Limits::default(),
            None,
            &super::super::discard_print(),
        );
        assert!(engine.compile("node.get$lifecycle()").is_err());
        assert!(engine.compile("get$lifecycle(node)").is_err());
    }

    #[test]
    fn closures_and_numbers_keep_array_methods_reusable() {
        for source in [
            "[node].map(|x| x.lifecycle)",
            "map([node], |x| x.lifecycle)",
            "ctx.vulnerabilities.filter(|v| v.severity > 3).len()",
            "ctx.vulnerabilities.reduce(|sum, v| sum + v.severity, 0)",
            "let w = 2; ctx.obligations.map(|o| o.severity * w)",
            "node.tags.sort(); node.tags.drain(0, 1); node.tags.index_of(3)",
            // The script's own functions are called instead of Rhai's of the same arity.
            "fn f(node) { reduce(node.criticality, 0.5) } fn reduce(score, through) { score }",
            "fn f(node) { [\"pii\"].reduce(\"has_tag\", node) } fn reduce(a, b) { 4 }",
        ] {
            assert!(read_set(source).reusable(), "{source}");
        }
        // Rhai's `reduce(array, name, initial)` called: the script's has another arity, or is
        // only for another type of `this`.
        for native in [
            "fn f(node) { [\"pii\"].reduce(\"has_tag\", node) } fn reduce(a, b, c) { 4 }",
            "fn f(node) { [\"pii\"].reduce(\"has_tag\", node) } fn Node.reduce(a, b) { 4 }",
        ] {
            assert!(!read_set(native).reusable(), "{native}");
        }
    }

    #[test]
    fn builtin_scripts_stay_reusable_with_the_fields_they_read() {
        let expected: [(&str, &[&str]); 4] = [
            (
                "likelihood",
                &[
                    "has_tag",
                    "incidents",
                    "lifecycle",
                    "likelihood",
                    "severity",
                    "status",
                    "vulnerabilities",
                ],
            ),
            (
                "impact",
                &[
                    "commitment_reached",
                    "max_process_criticality",
                    "max_value",
                    "obligations",
                    "personal_data",
                    "severity",
                ],
            ),
            (
                "fraud",
                &[
                    "criticality",
                    "financial",
                    "has_tag",
                    "incidents",
                    "manual_override",
                    "segregation_of_duties",
                ],
            ),
            (
                "residual",
                &["effectiveness", "impact", "likelihood", "reduces", "status"],
            ),
        ];
        let rules = super::super::Rules::builtin().unwrap();
        for (hook, fields) in expected {
            let set = rules.reads(hook);
            assert!(set.reusable(), "{hook}");
            let read: Vec<&str> = FIELDS
                .iter()
                .enumerate()
                .filter(|&(bit, _)| set.has(bit as u8))
                .map(|(_, name)| *name)
                .collect();
            let mut read = read;
            read.sort_unstable();
            assert_eq!(read, fields, "{hook}");
            assert_eq!(
                set.attr_literals.as_ref().map(BTreeSet::len),
                Some(0),
                "{hook}"
            );
        }
        let tags = |hook| rules.reads(hook).tag_literals.clone().unwrap();
        assert_eq!(
            tags("likelihood").into_iter().collect::<Vec<_>>(),
            ["internet-facing"]
        );
        assert_eq!(
            tags("fraud").into_iter().collect::<Vec<_>>(),
            ["privileged-access"]
        );
    }
}
