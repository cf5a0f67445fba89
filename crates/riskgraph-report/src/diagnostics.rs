//! What `validate` found: the files it read, and every problem as JSON for programs. (People read
//! the problems on the terminal, rendered by the CLI with a snippet of the file.)

use std::fmt::Write as _;
use std::path::Path;

use riskgraph_model::Loaded;
use riskgraph_model::diagnostic::{Diagnostic, Diagnostics};
use riskgraph_model::load::FileSummary;
use schemars::JsonSchema;
use serde::Serialize;

use crate::text::count;

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
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "DiagnosticsDocument")]
pub struct Document<'a> {
    /// Whether the inventory has no errors (and no warnings, with `--deny-warnings`).
    pub valid: bool,
    pub errors: usize,
    pub warnings: usize,
    /// Every table read, with its number of data rows.
    pub files: &'a [FileSummary],
    pub diagnostics: Vec<Entry<'a>>,
}

/// A diagnostic with the path of its file, and the sheet for workbooks.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "DiagnosticEntry")]
pub struct Entry<'a> {
    #[serde(flatten)]
    pub diagnostic: &'a Diagnostic,
    /// The file it points into; absent for problems of the inventory as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<&'a str>,
}

/// `valid: 0 errors, 2 warnings`, or `invalid: ...` (with `(--deny-warnings)` when only
/// warnings made it so).
pub fn verdict(diagnostics: &Diagnostics, valid: bool) -> String {
    let n_errors = diagnostics.n_errors();
    let counts = format!(
        "{}, {}",
        count(n_errors, "error"),
        count(diagnostics.n_warnings(), "warning")
    );
    if valid {
        format!("valid: {counts}")
    } else if n_errors == 0 {
        format!("invalid: {counts} (--deny-warnings)")
    } else {
        format!("invalid: {counts}")
    }
}

/// Writes the document of `validate --error-format json` for `loaded`, and a newline.
pub fn write_json(
    out: &mut dyn std::io::Write,
    loaded: &Loaded,
    valid: bool,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, &document(loaded, valid))?;
    std::io::Write::write_all(&mut out, b"\n")?;
    std::io::Write::flush(&mut out)
}

/// The document of `validate --error-format json` for `loaded`.
pub fn document(loaded: &Loaded, valid: bool) -> Document<'_> {
    Document {
        valid,
        errors: loaded.diagnostics.n_errors(),
        warnings: loaded.diagnostics.n_warnings(),
        files: &loaded.files,
        diagnostics: entries(&loaded.diagnostics),
    }
}

/// Every diagnostic with the file path and sheet spelled out.
pub fn entries(diagnostics: &Diagnostics) -> Vec<Entry<'_>> {
    diagnostics
        .items
        .iter()
        .map(|d| {
            let file = diagnostics.file_of(&d.location);
            Entry {
                diagnostic: d,
                file: file.map(|f| f.path.as_str()),
                sheet: file.and_then(|f| f.sheet.as_deref()),
            }
        })
        .collect()
}
