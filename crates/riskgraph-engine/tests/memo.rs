//! Reusing rule results: for any script, a scenario scored with the memo gets what calling the
//! rules directly gives. The scripts below each read something that differs between scenarios
//! the built-in rules treat alike, so a key that left it out would reuse a wrong result; and
//! generated scripts read one field of a node through every syntax Rhai has for it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use proptest::prelude::*;
use riskgraph_engine::propagation::{ImpactGraph, Limits};
use riskgraph_engine::rules::Rules;
use riskgraph_engine::rules::memo::{Memo, NodeKey, Varying};
use riskgraph_engine::rules::views::{
    AttrData, Context, ContextData, Node, NodeData, ScoresData, Threat, ThreatData,
};
use riskgraph_engine::scenarios::{Inputs, Scored, Scratch, scenarios};
use riskgraph_model::Inventory;

fn acme() -> Inventory {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
    riskgraph_model::load(&root).inventory
}

fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("riskgraph-memo-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, source) in files {
        std::fs::write(dir.join(file), source).unwrap();
    }
    dir
}

/// Scores every scenario with the memo and directly, and checks they agree. Returns how many
/// calls the memo answered.
fn agree(inventory: &Inventory, rules: &Rules) -> u64 {
    let graph = ImpactGraph::build(inventory);
    let inputs = Inputs::new(
        inventory,
        &graph,
        Limits::default(),
        jiff::civil::date(2026, 11, 1),
    );
    let views = inputs.views();
    let mut scratch = Scratch::default();
    for scenario in scenarios(inventory) {
        let reused = inputs.score(rules, views, &mut scratch, scenario).unwrap();
        let ctx = inputs.context(views, scenario);
        let threat = inputs.threat(views, scenario);
        let node = inputs.node(scenario.node);
        let likelihood = rules.likelihood(threat, node, &ctx).unwrap();
        let impact = rules
            .impact(threat, node, &inputs.exposure(scenario), &ctx)
            .unwrap();
        let inherent = ScoresData { likelihood, impact };
        let residual = rules
            .residual(inherent, &inputs.control_views(views, scenario), &ctx)
            .unwrap();
        assert_eq!(reused, Scored { inherent, residual }, "{}", ctx.0.risk);
    }
    scratch.memo.stats.reused
}

#[test]
fn builtin_rules_reuse_most_calls_and_agree() {
    let inventory = acme();
    let reused = agree(&inventory, &Rules::builtin().unwrap());
    // Three calls per scenario; most are the same situation again.
    assert!(reused > scenarios(&inventory).len() as u64, "{reused}");
}

#[test]
fn scripts_that_read_what_the_builtin_ones_do_not() {
    let inventory = acme();
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            "node-id",
            &[(
                "likelihood.rhai",
                "fn likelihood(threat, node, ctx) { node.id.len() % 5 + 1 }",
            )],
        ),
        (
            "dynamic-tag",
            &[(
                "likelihood.rhai",
                "fn likelihood(threat, node, ctx) { let t = \"pii\"; if node.has_tag(t) { 5 } else { 1 } }",
            )],
        ),
        (
            "tag-as-function",
            &[(
                "likelihood.rhai",
                "fn likelihood(threat, node, ctx) { if has_tag(node, \"crown-jewel\") { 5 } else { 2 } }",
            )],
        ),
        (
            "attribute",
            &[(
                "impact.rhai",
                "fn impact(threat, node, exposure, ctx) { if node.attr(\"Cost Center\") == \"ENG-100\" { 5 } else { clamp(exposure.max_value.round().to_int(), 1, 5) } }",
            )],
        ),
        (
            "attribute-as-function",
            &[(
                "impact.rhai",
                "fn impact(threat, node, exposure, ctx) { if attr(node, \"cost_center\") == \"ENG-100\" { 4 } else { 2 } }",
            )],
        ),
        (
            "obligation-type",
            &[(
                "impact.rhai",
                "fn impact(threat, node, exposure, ctx) { let i = 1; for o in ctx.obligations { if o.type == \"law\" { i += 1; } } clamp(i, 1, 5) }",
            )],
        ),
        (
            "risk-id",
            &[(
                "residual.rhai",
                "fn residual(inherent, controls, ctx) { #{ likelihood: clamp(ctx.risk.len() % inherent.likelihood + 1, 1, 5), impact: inherent.impact } }",
            )],
        ),
        (
            "vulnerability-age",
            &[(
                "likelihood.rhai",
                "fn likelihood(threat, node, ctx) { let s = 1; for v in ctx.vulnerabilities { if v.found != () && v.found.days_since() < 900 { s += 2; } } clamp(s, 1, 5) }",
            )],
        ),
        (
            "helper-function",
            &[(
                "likelihood.rhai",
                "fn likelihood(threat, node, ctx) { weight(node) }\nfn weight(n) { if n.name.len() > 20 { 4 } else { 2 } }",
            )],
        ),
        (
            "tag-by-name",
            &[(
                "likelihood.rhai",
                "fn likelihood(threat, node, ctx) { if [\"internet-facing\"].reduce(\"has_tag\", node) { 5 } else { 1 } }",
            )],
        ),
        (
            "lifecycle-in-closure",
            &[(
                "likelihood.rhai",
                "fn likelihood(threat, node, ctx) { [node].map(|n| if n.lifecycle == \"legacy\" { 5 } else { 1 })[0] }",
            )],
        ),
        (
            "control-ids",
            &[(
                "residual.rhai",
                "fn residual(inherent, controls, ctx) { let l = inherent.likelihood; for c in controls { if c.id.len() > 5 { l -= 1; } } #{ likelihood: clamp(l, 1, 5), impact: inherent.impact } }",
            )],
        ),
    ];
    for (name, files) in cases {
        let dir = folder(name, files);
        let rules = Rules::load(
            Some(&dir),
            riskgraph_model::manifest::SandboxLimits::default(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        agree(&inventory, &rules);
    }
}

/// A field of a node, with two values that differ.
struct Field {
    name: &'static str,
    /// Reads it from the node in variable `{}`, with `.name` (or the method).
    dot: &'static str,
    /// Reads it with a string key, or, for a method, as a function.
    key: &'static str,
    /// The first value, in Rhai.
    first: &'static str,
    set: fn(&mut NodeData, bool),
}

const NODE_FIELDS: &[Field] = &[
    Field {
        name: "name",
        dot: "{}.name",
        key: "{}[\"name\"]",
        first: "\"Payments\"",
        set: |n, first| n.name = if first { "Payments" } else { "Billing" }.into(),
    },
    Field {
        name: "kind",
        dot: "{}.kind",
        key: "{}[\"kind\"]",
        first: "\"asset\"",
        set: |n, first| n.kind = if first { "asset" } else { "process" }.into(),
    },
    Field {
        name: "type",
        dot: "{}.type",
        key: "{}[\"type\"]",
        first: "\"software\"",
        set: |n, first| n.asset_type = if first { "software" } else { "data" }.into(),
    },
    Field {
        name: "confidentiality",
        dot: "{}.confidentiality",
        key: "{}[\"confidentiality\"]",
        first: "2",
        set: |n, first| n.confidentiality = if first { 2 } else { 4 },
    },
    Field {
        name: "integrity",
        dot: "{}.integrity",
        key: "{}[\"integrity\"]",
        first: "2",
        set: |n, first| n.integrity = if first { 2 } else { 4 },
    },
    Field {
        name: "availability",
        dot: "{}.availability",
        key: "{}[\"availability\"]",
        first: "2",
        set: |n, first| n.availability = if first { 2 } else { 4 },
    },
    Field {
        name: "criticality",
        dot: "{}.criticality",
        key: "{}[\"criticality\"]",
        first: "5",
        set: |n, first| n.criticality = if first { 5 } else { 1 },
    },
    Field {
        name: "classification",
        dot: "{}.classification",
        key: "{}[\"classification\"]",
        first: "\"internal\"",
        set: |n, first| n.classification = if first { "internal" } else { "restricted" }.into(),
    },
    Field {
        name: "personal_data",
        dot: "{}.personal_data",
        key: "{}[\"personal_data\"]",
        first: "true",
        set: |n, first| n.personal_data = first,
    },
    Field {
        name: "environment",
        dot: "{}.environment",
        key: "{}[\"environment\"]",
        first: "\"production\"",
        set: |n, first| n.environment = if first { "production" } else { "staging" }.into(),
    },
    Field {
        name: "lifecycle",
        dot: "{}.lifecycle",
        key: "{}[\"lifecycle\"]",
        first: "\"legacy\"",
        set: |n, first| n.lifecycle = if first { "legacy" } else { "active" }.into(),
    },
    Field {
        name: "in_scope",
        dot: "{}.in_scope",
        key: "{}[\"in_scope\"]",
        first: "false",
        set: |n, first| n.in_scope = !first,
    },
    Field {
        name: "tags",
        dot: "{}.tags",
        key: "{}[\"tags\"]",
        first: "[\"pii\"]",
        set: |n, first| n.tags = vec![if first { "pii" } else { "internal" }.into()],
    },
    Field {
        name: "financial",
        dot: "{}.financial",
        key: "{}[\"financial\"]",
        first: "true",
        set: |n, first| n.financial = first,
    },
    Field {
        name: "segregation_of_duties",
        dot: "{}.segregation_of_duties",
        key: "{}[\"segregation_of_duties\"]",
        first: "\"none\"",
        set: |n, first| n.segregation_of_duties = if first { "none" } else { "full" }.into(),
    },
    Field {
        name: "manual_override",
        dot: "{}.manual_override",
        key: "{}[\"manual_override\"]",
        first: "true",
        set: |n, first| n.manual_override = first,
    },
    Field {
        name: "data_access",
        dot: "{}.data_access",
        key: "{}[\"data_access\"]",
        first: "\"personal\"",
        set: |n, first| n.data_access = if first { "personal" } else { "none" }.into(),
    },
    Field {
        name: "has_tag",
        dot: "{}.has_tag(\"PII\")",
        key: "has_tag({}, \"pii\")",
        first: "true",
        set: |n, first| {
            n.tags = if first {
                vec!["pii".into()]
            } else {
                Vec::new()
            }
        },
    },
    Field {
        name: "attr",
        dot: "{}.attr(\"Cost Center\")",
        key: "attr({}, \"cost_center\")",
        first: "\"ENG\"",
        set: |n, first| {
            n.attributes = BTreeMap::from([(
                "cost_center".to_owned(),
                AttrData::Text(if first { "ENG" } else { "OPS" }.into()),
            )]);
        },
    },
];

/// How the field is read from an object.
#[derive(Debug, Clone, Copy)]
enum Read {
    Dot,
    Key,
    /// `.to_string()` of what `Dot` reads.
    Method,
}

/// What surrounds the read: each keeps its value.
#[derive(Debug, Clone, Copy)]
enum Wrap {
    /// `let a = node; a.f`
    Alias,
    /// `[node].map(|x| x.f)[0]`
    Closure,
    /// `[0].map(|i| node.f)[0]`: the closure captures the node.
    Capture,
    /// `fn g(p) { p.f }`
    Function,
    /// `fn m() { this.f }`, called as `node.m()`.
    Method,
    Block,
    If,
    Loop,
    While,
    Do,
    For,
    Switch,
    Try,
    Map,
}

const WRAPS: [Wrap; 14] = [
    Wrap::Alias,
    Wrap::Closure,
    Wrap::Capture,
    Wrap::Function,
    Wrap::Method,
    Wrap::Block,
    Wrap::If,
    Wrap::Loop,
    Wrap::While,
    Wrap::Do,
    Wrap::For,
    Wrap::Switch,
    Wrap::Try,
    Wrap::Map,
];

/// An expression reading `field` from the object in `var` the way `read` does, inside
/// `wraps` (outermost first); the functions it needs go to `functions`.
fn render(field: &Field, read: Read, wraps: &[Wrap], var: &str, functions: &mut String) -> String {
    let Some((&wrap, inner)) = wraps.split_first() else {
        let dot = field.dot.replace("{}", var);
        return match read {
            Read::Dot => dot,
            Read::Key => field.key.replace("{}", var),
            Read::Method => format!("{dot}.to_string()"),
        };
    };
    let i = inner.len();
    let mut inside = |var: &str| render(field, read, inner, var, functions);
    match wrap {
        Wrap::Alias => format!("{{ let a{i} = {var}; {} }}", inside(&format!("a{i}"))),
        Wrap::Closure => format!("[{var}].map(|x{i}| {})[0]", inside(&format!("x{i}"))),
        Wrap::Capture => format!("[0].map(|z{i}| {})[0]", inside(var)),
        Wrap::Function => {
            let body = inside(&format!("p{i}"));
            writeln!(functions, "fn g{i}(p{i}) {{ {body} }}").unwrap();
            format!("g{i}({var})")
        }
        Wrap::Method => {
            let body = inside(&format!("t{i}"));
            writeln!(functions, "fn m{i}() {{ let t{i} = this; {body} }}").unwrap();
            format!("{var}.m{i}()")
        }
        Wrap::Block => format!("{{ {} }}", inside(var)),
        Wrap::If => format!(
            "if type_of({var}) != \"\" {{ {} }} else {{ () }}",
            inside(var)
        ),
        Wrap::Loop => format!("loop {{ break {}; }}", inside(var)),
        Wrap::While => format!(
            "{{ let r{i} = (); let n{i} = 0; while n{i} < 1 {{ r{i} = {}; n{i} += 1; }} r{i} }}",
            inside(var)
        ),
        Wrap::Do => format!(
            "{{ let r{i} = (); do {{ r{i} = {}; }} while false; r{i} }}",
            inside(var)
        ),
        Wrap::For => format!(
            "{{ let r{i} = (); for k{i} in 0..1 {{ r{i} = {}; }} r{i} }}",
            inside(var)
        ),
        Wrap::Switch => format!(
            "switch type_of({var}) {{ \"x\" => (), _ => {} }}",
            inside(var)
        ),
        Wrap::Try => format!(
            "{{ let r{i} = (); try {{ r{i} = {}; }} catch {{ }} r{i} }}",
            inside(var)
        ),
        Wrap::Map => format!("#{{ v{i}: {} }}.v{i}", inside(var)),
    }
}

/// A likelihood rule that reads `field` once, the way `read` and `wraps` say, and returns 1 for
/// the field's first value and 2 for any other.
fn script(field: &Field, read: Read, wraps: &[Wrap]) -> String {
    let mut functions = String::new();
    let value = render(field, read, wraps, "node", &mut functions);
    let first = match read {
        Read::Method => format!("({}).to_string()", field.first),
        Read::Dot | Read::Key => field.first.to_owned(),
    };
    format!(
        "fn likelihood(threat, node, ctx) {{\n    let v = {value};\n    if v == {first} {{ 1 }} else {{ 2 }}\n}}\n{functions}"
    )
}

fn generated() -> impl Strategy<Value = (usize, Read, Vec<Wrap>)> {
    (
        0..NODE_FIELDS.len(),
        prop_oneof![Just(Read::Dot), Just(Read::Key), Just(Read::Method)],
        proptest::collection::vec(proptest::sample::select(&WRAPS[..]), 0..4),
    )
}

/// The rules with `likelihood.rhai` from `source`, in a folder of their own for `test`.
fn likelihood_rules(test: &str, source: &str) -> Rules {
    let dir = folder(test, &[("likelihood.rhai", source)]);
    Rules::load(
        Some(&dir),
        riskgraph_model::manifest::SandboxLimits::default(),
    )
    .unwrap_or_else(|e| panic!("{source}\n{e:?}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    /// Whatever the syntax, the read set names the field (these syntaxes all keep reuse; a
    /// script that gave it up would be safe too, only slower).
    #[test]
    fn the_read_set_names_a_field_however_it_is_read((field, read, wraps) in generated()) {
        let field = &NODE_FIELDS[field];
        let source = script(field, read, &wraps);
        let rules = likelihood_rules("read-set", &source);
        let reads = rules.reads("likelihood");
        prop_assert!(!reads.reusable() || reads.reads(field.name), "{source}\n{reads:?}");
        prop_assert!(reads.reusable(), "{source}\n{reads:?}");
    }

    /// Two nodes that differ only in the field: the memo answers each as the script does, so two
    /// different answers never become one.
    #[test]
    fn nodes_that_differ_in_a_read_field_get_their_own_answers(
        (field, read, wraps) in generated()
    ) {
        let field = &NODE_FIELDS[field];
        let source = script(field, read, &wraps);
        let rules = likelihood_rules("answers", &source);
        let reads = rules.reads("likelihood");
        let threat = Threat(Arc::new(ThreatData::default()));
        let ctx = Context(Arc::new(ContextData::default()));
        let risk = String::new;
        let varying = Varying {
            risk: &risk,
            vulnerabilities: (&[], &[]),
            incidents: (&[], &[]),
            obligations: (&[], &[]),
        };
        let mut memo = Memo::default();
        let mut answers = Vec::new();
        for first in [true, false] {
            let mut data = NodeData::default();
            (field.set)(&mut data, first);
            let node = Node(Arc::new(data));
            let direct = rules.likelihood(&threat, &node, &ctx);
            let memoized = memo.likelihood(reads, (&threat.0, NodeKey::Fields(&node.0), &varying), || {
                rules.likelihood(&threat, &node, &ctx)
            });
            prop_assert_eq!(&memoized, &direct, "{}", source);
            answers.push(direct);
        }
        // The script does depend on the field: it runs and tells the two apart, unless it reads
        // with a string key, which a node does not have (an error, or `()` in a `try`).
        let key_fails = matches!(read, Read::Key) && field.key.starts_with("{}[");
        match &answers[..] {
            [Ok(first), Ok(second)] if !key_fails => prop_assert_ne!(first, second, "{}", source),
            [first, second] if key_fails => prop_assert_eq!(first, second, "{}", source),
            other => prop_assert!(false, "{}\n{:?}", source, other),
        }
    }
}
