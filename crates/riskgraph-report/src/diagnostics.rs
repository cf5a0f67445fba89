//! What `validate` found: the files it read, and every problem as JSON for programs. (People read
//! the problems on the terminal, rendered by the CLI with a snippet of the file.)

use std::fmt::Write as _;
use std::path::Path;

use riskgraph_model::Loaded;
use riskgraph_model::diagnostic::Diagnostics;

/// `Loaded PATH`, then a line per file read with its number of rows, then the manifest.
pub fn files(path: &Path, loaded: &Loaded) -> String {
    let mut out = format!("Loaded {}\n", path.display());
    for file in &loaded.files {
        let name = match &file.sheet {
            Some(sheet) => format!("sheet {sheet}"),
            None => file_name(&file.path),
        };
        let unit = if file.rows == 1 { "row" } else { "rows" };
        let _ = writeln!(out, "  {name:<24} {:>9} {unit}", file.rows);
    }
    if let Some(manifest) = &loaded.manifest_path {
        let name = file_name(&manifest.display().to_string());
        let _ = writeln!(out, "  {name:<24} {:>9}", "manifest");
    }
    out
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned())
}

/// The JSON document of `validate --error-format json`: whether the inventory is `valid`, the
/// counts, the files read and every diagnostic.
pub fn document(loaded: &Loaded, valid: bool) -> serde_json::Value {
    serde_json::json!({
        "valid": valid,
        "errors": loaded.diagnostics.n_errors(),
        "warnings": loaded.diagnostics.n_warnings(),
        "files": loaded.files,
        "diagnostics": json(&loaded.diagnostics),
    })
}

/// Every diagnostic as a JSON value, with the file path and sheet spelled out.
pub fn json(diagnostics: &Diagnostics) -> Vec<serde_json::Value> {
    diagnostics
        .items
        .iter()
        .map(|d| {
            let mut value = serde_json::to_value(d).unwrap_or(serde_json::Value::Null);
            if let (Some(file), Some(object)) =
                (diagnostics.file_of(&d.location), value.as_object_mut())
            {
                object.insert("file".into(), file.path.clone().into());
                if let Some(sheet) = &file.sheet {
                    object.insert("sheet".into(), sheet.clone().into());
                }
            }
            value
        })
        .collect()
}
