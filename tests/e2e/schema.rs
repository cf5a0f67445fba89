//! `riskgraph schema`: every JSON document of the test corpus validates against the schema of its
//! kind, and the manifest's schema against the manifests.

use serde_json::Value;

use crate::{output, riskgraph, root};

const ACME: &str = "datasets/acme-saas";
const SMALL: &str = "tests/data/assess/small";
const AS_OF: [&str; 2] = ["--as-of", "2026-11-01"];

/// The schema `riskgraph schema name` prints, compiled.
fn schema(name: &str) -> jsonschema::Validator {
    let (code, stdout, stderr) = output(riskgraph().args(["schema", name]));
    assert_eq!(code, Some(0), "{stderr}");
    let schema: Value = serde_json::from_str(&stdout).expect("a schema is JSON");
    assert_eq!(
        schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "{name}"
    );
    jsonschema::draft202012::new(&schema).expect("the schema compiles")
}

/// Checks that `document` (the output of `what`) is valid against `validator`.
fn check(validator: &jsonschema::Validator, what: &str, document: &str) {
    let value: Value = serde_json::from_str(document).unwrap_or_else(|e| panic!("{what}: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
}

/// The standard output of `riskgraph args`, which must exit with 0, 1 or 2.
fn run(args: &[&str]) -> String {
    let (code, stdout, stderr) = output(riskgraph().args(args));
    assert!(matches!(code, Some(0..=2)), "{args:?}: {stderr}");
    stdout
}

#[test]
fn registers_validate_against_the_register_schema() {
    let register = schema("register");
    for inventory in [ACME, SMALL] {
        for extra in [&[][..], &["--only", "above-appetite"]] {
            let mut args = vec!["assess", inventory, "--format", "json"];
            args.extend(AS_OF);
            args.extend(extra);
            check(&register, &args.join(" "), &run(&args));
        }
    }
    for file in ["old.json", "new.json"] {
        let path = root().join("tests/data/diff").join(file);
        check(&register, file, &std::fs::read_to_string(path).unwrap());
    }
}

#[test]
fn coverage_and_soa_validate_against_their_schemas() {
    let (coverage, soa) = (schema("coverage"), schema("soa"));
    for inventory in [ACME, SMALL] {
        let args = [
            "coverage", inventory, "--format", "json", AS_OF[0], AS_OF[1],
        ];
        check(&coverage, &args.join(" "), &run(&args));
        let args = ["soa", inventory, "--format", "json", AS_OF[0], AS_OF[1]];
        check(&soa, &args.join(" "), &run(&args));
    }
}

#[test]
fn blast_radius_documents_validate_against_the_blast_radius_schema() {
    let blast_radius = schema("blast-radius");
    // Every document `blast-radius --format json` writes: exposures, what can take nodes down,
    // the vendor ranking and the fourth parties.
    for (inventory, query) in [
        (ACME, "--from aws"),
        (ACME, "--from okta,github --property c"),
        (ACME, "--from aws --depth 1"),
        (ACME, "--rank vendors"),
        (SMALL, "--rank vendors"),
        (ACME, "--into proc-sdlc"),
        (ACME, "--into proc-incident-mgmt"),
        (ACME, "--into proc-sdlc,proc-billing --property a"),
        (ACME, "--into proc-sdlc --spof 0.5"),
        (ACME, "--into proc-sdlc --depth 2"),
        (ACME, "--rank fourth-parties"),
        (SMALL, "--rank fourth-parties"),
    ] {
        let mut args = vec!["blast-radius", inventory];
        args.extend(query.split_whitespace());
        args.extend(["--format", "json"]);
        check(&blast_radius, &args.join(" "), &run(&args));
    }
}

#[test]
fn diffs_validate_against_the_diff_schema() {
    let diff = schema("diff");
    let old = "tests/data/diff/old.json";
    let new = "tests/data/diff/new.json";
    for (a, b) in [(old, new), (new, old), (old, old)] {
        let args = ["diff", a, b, "--format", "json"];
        check(&diff, &args.join(" "), &run(&args));
    }
}

#[test]
fn diagnostics_of_every_corpus_case_validate_against_the_diagnostics_schema() {
    let diagnostics = schema("diagnostics");
    check(
        &diagnostics,
        ACME,
        &run(&["validate", ACME, "--error-format", "json"]),
    );
    let mut cases: Vec<_> = std::fs::read_dir(root().join("tests/data/invalid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    for case in &cases {
        let path = case.to_str().unwrap();
        check(
            &diagnostics,
            path,
            &run(&["validate", path, "--error-format", "json"]),
        );
    }
    // A workbook's diagnostics name their sheet.
    let workbook = crate::assess::small_as_workbook("schema-workbook");
    let document = run(&[
        "validate",
        workbook.to_str().unwrap(),
        "--error-format",
        "json",
    ]);
    check(&diagnostics, "workbook", &document);
}

/// A TOML document as the JSON an editor validates: dates become strings.
fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(
            table
                .into_iter()
                .map(|(key, value)| (key, toml_to_json(value)))
                .collect(),
        ),
    }
}

fn manifest_json(text: &str) -> Value {
    toml_to_json(toml::from_str::<toml::Value>(text).expect("TOML"))
}

#[test]
fn the_manifest_schema_accepts_the_manifests_and_rejects_what_validate_rejects() {
    let manifest = schema("manifest");
    for path in [
        "datasets/acme-saas/riskgraph.toml",
        "tests/data/assess/small/riskgraph.toml",
        "crates/riskgraph-model/templates/riskgraph.toml",
    ] {
        let text = std::fs::read_to_string(root().join(path)).unwrap();
        let errors: Vec<String> = manifest
            .iter_errors(&manifest_json(&text))
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{path}:\n{}", errors.join("\n"));
    }
    for bad in [
        "[organisation]\nname = \"Acme\"\n",
        "[method]\nscale = 11\n",
        "[method]\nlevels = [{ name = \"low\" }]\n",
        "[scope]\niso27001 = \"2017\"\n",
        "[sandbox]\nmax_operatons = 5\n",
        "[review]\nhigh = \"90\"\n",
    ] {
        assert!(!manifest.is_valid(&manifest_json(bad)), "{bad}");
        assert!(
            manifest.is_valid(&manifest_json("[method]\nscale = 4\n")),
            "a good one"
        );
    }
}

#[test]
fn init_writes_the_manifest_schema_and_points_the_manifest_at_it() {
    let dir = crate::validate::tempdir("schema-init").join("inventory");
    let (code, _, stderr) = output(riskgraph().arg("init").arg(&dir));
    assert_eq!(code, Some(0), "{stderr}");
    let manifest = std::fs::read_to_string(dir.join("riskgraph.toml")).unwrap();
    assert_eq!(
        manifest.lines().next(),
        Some("#:schema ./riskgraph.schema.json")
    );
    let written = std::fs::read_to_string(dir.join("riskgraph.schema.json")).unwrap();
    assert_eq!(written, run(&["schema", "manifest"]));
}

#[test]
fn schemas_are_the_same_bytes_every_run_and_unknown_names_are_usage_errors() {
    for name in [
        "register",
        "coverage",
        "soa",
        "blast-radius",
        "diff",
        "diagnostics",
        "manifest",
    ] {
        assert_eq!(run(&["schema", name]), run(&["schema", name]), "{name}");
    }
    let (code, _, stderr) = output(riskgraph().args(["schema", "registre"]));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("register"), "{stderr}");
}
