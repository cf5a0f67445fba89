//! End-to-end tests of the `riskgraph` binary: the bundled dataset, the corpus of invalid
//! inventories with golden diagnostics, and `init`.

mod assess;
mod blast_radius;
mod completions;
mod compliance;
mod diff;
mod explain;
mod hostile;
mod init;
mod invalid;
mod layering;
mod oscal;
mod report;
mod rules;
mod sarif;
mod schema;
mod simulate;
mod snapshot;
mod supply_chain;
mod validate;
mod xlsx;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The workspace root, where `datasets/` and `tests/` are.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `riskgraph` binary, with colour off and the working directory at the workspace root.
pub fn riskgraph() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_riskgraph"));
    command
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    command
}

/// A command's standard output and error as text.
pub fn output(command: &mut Command) -> (Option<i32>, String, String) {
    let output = command.output().expect("the riskgraph binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A reviewable projection of a large JSON document for a golden test: scalars as `key: value`,
/// each element of a list of objects on one line of at most 160 characters (its scalars, lists of
/// up to three values written out, longer lists and large objects as their size), then the
/// SHA-256 of the whole document, so that any change fails the test while the snapshot shows
/// where.
pub fn projection(document: &str) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write as _;

    fn cell(value: &serde_json::Value) -> String {
        match value {
            serde_json::Value::String(text) => text.clone(),
            serde_json::Value::Array(items)
                if items.len() <= 3 && items.iter().all(|i| !i.is_object() && !i.is_array()) =>
            {
                let items: Vec<String> = items.iter().map(cell).collect();
                format!("[{}]", items.join(", "))
            }
            serde_json::Value::Array(items) => format!("[{} items]", items.len()),
            serde_json::Value::Object(fields) => {
                let compact = value.to_string();
                if compact.len() <= 60 {
                    compact
                } else {
                    format!("{{{} fields}}", fields.len())
                }
            }
            other => other.to_string(),
        }
    }

    let value: serde_json::Value = serde_json::from_str(document).expect("valid JSON");
    let mut out = String::new();
    for (key, field) in value.as_object().expect("a JSON object") {
        match field {
            serde_json::Value::Array(items) if items.iter().any(serde_json::Value::is_object) => {
                let _ = writeln!(out, "{key} ({}):", items.len());
                for item in items {
                    let cells: Vec<String> = match item.as_object() {
                        Some(fields) => fields
                            .iter()
                            .map(|(name, value)| format!("{name}={}", cell(value)))
                            .collect(),
                        None => vec![cell(item)],
                    };
                    let line: String = cells.join(" | ").chars().take(160).collect();
                    let _ = writeln!(out, "  {line}");
                }
            }
            serde_json::Value::Object(fields) if field.to_string().len() > 80 => {
                for (name, value) in fields {
                    let _ = writeln!(out, "{key}.{name}: {value}");
                }
            }
            _ => {
                let _ = writeln!(out, "{key}: {}", cell(field));
            }
        }
    }
    let digest = Sha256::digest(document.as_bytes());
    let _ = write!(out, "sha256 of the whole document: ");
    for byte in digest {
        let _ = write!(out, "{byte:02x}");
    }
    out.push('\n');
    out
}
