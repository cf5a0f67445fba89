//! The files of a new, empty inventory, as written by `riskgraph init`.
//!
//! The manifest's first line, `#:schema ./riskgraph.schema.json`, is the directive by which
//! editors that validate TOML with a JSON Schema (Taplo, Even Better TOML) find the manifest's
//! schema, written beside it: a file, so that completion works offline and matches this version.

use crate::load::MANIFEST_FILE;
use crate::manifest;
use crate::schema::FILES;

/// The file `init` writes the manifest's JSON Schema to, which the manifest's `#:schema`
/// directive names.
pub const MANIFEST_SCHEMA_FILE: &str = "riskgraph.schema.json";

/// The manifest's JSON Schema, pretty-printed, ending with a newline.
pub fn manifest_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&manifest::json_schema()).unwrap_or_default();
    text.push('\n');
    text
}

/// Every file of a new inventory: (file name, content).
pub fn files() -> Vec<(String, String)> {
    let mut files = vec![
        (
            MANIFEST_FILE.to_owned(),
            include_str!("../templates/riskgraph.toml").to_owned(),
        ),
        (MANIFEST_SCHEMA_FILE.to_owned(), manifest_schema_text()),
        (
            String::from("README.md"),
            include_str!("../templates/README.md").to_owned(),
        ),
    ];
    for spec in FILES {
        let header = spec.column_names().collect::<Vec<_>>().join(",");
        files.push((format!("{}.csv", spec.stem), format!("{header}\n")));
    }
    files
}
