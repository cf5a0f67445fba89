//! Problems found in an inventory, each pinned to the file, line and column it came from.
//!
//! Loading never stops at the first problem: every check pushes a [`Diagnostic`] into a
//! [`Diagnostics`] list and carries on, so one run reports everything. The CLI renders them for
//! people, with the offending cell underlined in its line, or as JSON.

use std::fmt;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Serialize;

/// How bad a problem is. Errors make the inventory invalid; warnings do not, unless the user asks
/// for `--deny-warnings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One input file (or workbook sheet) that diagnostics point into.
#[derive(Debug, Clone, Serialize)]
pub struct SourceFile {
    /// The path as the user will recognize it, e.g. `datasets/acme/assets.csv` or
    /// `inventory.xlsx`.
    pub path: String,
    /// The sheet, for workbooks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The decoded text, kept only for files that have diagnostics with byte spans, so the CLI
    /// can show the offending line.
    #[serde(skip)]
    pub text: Option<Arc<str>>,
}

/// Index of a [`SourceFile`] in [`Diagnostics::files`].
pub type FileIdx = u32;

/// Where a problem is: a file, and if known a line, a column and the exact bytes.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Location {
    /// Index into [`Diagnostics::files`]; `None` for problems about the inventory as a whole.
    #[serde(skip)]
    pub file: Option<FileIdx>,
    /// 1-based line in a CSV or TOML file, or 1-based row in a sheet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 1-based column: the field number in a CSV row, the character column in a TOML line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// The column's header, when the location is a table cell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A spreadsheet cell reference such as `C14`, for workbooks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    /// Byte range in the file's text, for the source snippet.
    #[serde(skip)]
    pub span: Option<(usize, usize)>,
}

/// One problem, with everything a user needs to fix it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable, greppable code such as `bad-enum` or `unknown-id`.
    pub code: &'static str,
    /// What is wrong, lowercase, user input in backticks.
    pub message: String,
    /// The offending value, verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(flatten)]
    pub location: Location,
    /// A second place involved, such as the first definition of a duplicate id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<Box<Related>>,
}

/// The most characters a message or help text shows of one backtick-quoted value: a longer one
/// keeps its start and end around `…`. A cell of megabytes then makes a message of one short
/// line; the `value` field keeps it verbatim.
pub const MAX_QUOTED_CHARS: usize = 80;

/// `text` with every backtick-quoted run longer than [`MAX_QUOTED_CHARS`] characters cut in the
/// middle.
fn shorten_quoted(text: String) -> String {
    const HEAD: usize = MAX_QUOTED_CHARS * 3 / 4;
    const TAIL: usize = MAX_QUOTED_CHARS - HEAD - 1;
    let too_long = |run: &str| run.chars().nth(MAX_QUOTED_CHARS).is_some();
    if text.len() <= MAX_QUOTED_CHARS || !text.split('`').skip(1).step_by(2).any(too_long) {
        return text;
    }
    let mut shortened = String::with_capacity(text.len().min(4 * MAX_QUOTED_CHARS));
    for (i, run) in text.split('`').enumerate() {
        if i > 0 {
            shortened.push('`');
        }
        let n_chars = run.chars().count();
        if i % 2 == 1 && n_chars > MAX_QUOTED_CHARS {
            shortened.extend(run.chars().take(HEAD));
            shortened.push('…');
            shortened.extend(run.chars().skip(n_chars - TAIL));
        } else {
            shortened.push_str(run);
        }
    }
    shortened
}

/// A second location attached to a diagnostic.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Related {
    pub message: String,
    #[serde(flatten)]
    pub location: Location,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity,
            code,
            message: shorten_quoted(message.into()),
            value: None,
            help: None,
            location: Location::default(),
            related: None,
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(shorten_quoted(help.into()));
        self
    }

    /// Adds `help` when there is one.
    #[must_use]
    pub fn with_optional_help(mut self, help: Option<String>) -> Self {
        if let Some(help) = help {
            self.help = Some(shorten_quoted(help));
        }
        self
    }

    #[must_use]
    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }

    #[must_use]
    pub fn at(mut self, location: Location) -> Self {
        self.location = location;
        self
    }

    #[must_use]
    pub fn with_related(mut self, message: impl Into<String>, location: Location) -> Self {
        self.related = Some(Box::new(Related {
            message: message.into(),
            location,
        }));
        self
    }
}

/// Files beyond this many diagnostics get one summary diagnostic instead of the rest, so a
/// completely wrong million-row file does not print a million lines.
pub const MAX_DIAGNOSTICS_PER_FILE: usize = 200;

/// Every problem found while loading, with the files they point into.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Diagnostics {
    pub files: Vec<SourceFile>,
    pub items: Vec<Diagnostic>,
    /// Problems pushed per file, listed or not (see [`MAX_DIAGNOSTICS_PER_FILE`]).
    #[serde(skip)]
    per_file: Vec<usize>,
}

impl Diagnostics {
    /// Registers a file and returns the index diagnostics use to point at it.
    pub fn add_file(&mut self, path: impl Into<String>, sheet: Option<String>) -> FileIdx {
        self.files.push(SourceFile {
            path: path.into(),
            sheet,
            text: None,
        });
        (self.files.len() - 1) as FileIdx
    }

    /// Keeps the file's text for source snippets, if any diagnostic points into it.
    pub fn keep_text_if_cited(&mut self, file: FileIdx, text: &str) {
        let cited = self
            .items
            .iter()
            .any(|d| d.location.file == Some(file) && d.location.span.is_some());
        if cited && let Some(source) = self.files.get_mut(file as usize) {
            source.text = Some(Arc::from(text));
        }
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        if let Some(file) = diagnostic.location.file {
            let file = file as usize;
            if self.per_file.len() <= file {
                self.per_file.resize(file + 1, 0);
            }
            self.per_file[file] += 1;
            if self.per_file[file] > MAX_DIAGNOSTICS_PER_FILE {
                return;
            }
        }
        self.items.push(diagnostic);
    }

    /// Turns the per-file overflow counts into diagnostics. Called once, when loading is done.
    pub fn finish(&mut self) {
        for (file, &pushed) in self.per_file.iter().enumerate() {
            let Some(n) = pushed
                .checked_sub(MAX_DIAGNOSTICS_PER_FILE)
                .filter(|&n| n > 0)
            else {
                continue;
            };
            let path = self.files.get(file).map_or("", |f| f.path.as_str());
            self.items.push(
                Diagnostic::error(
                    "too-many-problems",
                    format!("{n} more problems in `{path}` are not listed"),
                )
                .with_help(format!(
                    "only the first {MAX_DIAGNOSTICS_PER_FILE} problems of a file are listed; fix those and run again"
                ))
                .at(Location {
                    file: Some(file as FileIdx),
                    ..Location::default()
                }),
            );
        }
    }

    pub fn n_errors(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn n_warnings(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    /// The file a diagnostic points into.
    pub fn file_of(&self, location: &Location) -> Option<&SourceFile> {
        location.file.and_then(|f| self.files.get(f as usize))
    }

    /// `assets.csv:14:3` or `inventory.xlsx: assets!C14`, for plain-text output.
    pub fn describe(&self, location: &Location) -> String {
        let Some(file) = self.file_of(location) else {
            return String::from("inventory");
        };
        let mut out = file.path.clone();
        match (&file.sheet, &location.cell, location.line) {
            (Some(sheet), Some(cell), _) => out = format!("{out}: {sheet}!{cell}"),
            (Some(sheet), None, Some(line)) => out = format!("{out}: sheet `{sheet}` row {line}"),
            (Some(sheet), None, None) => out = format!("{out}: sheet `{sheet}`"),
            (None, _, Some(line)) => {
                out = format!("{out}:{line}");
                if let Some(column) = location.column {
                    out = format!("{out}:{column}");
                }
            }
            (None, _, None) => {}
        }
        out
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Warning => "warning",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_value_is_cut_in_messages_and_help_but_kept_as_the_value() {
        let huge = "x".repeat(2_000_000);
        let diagnostic = Diagnostic::error("bad-value", format!("`{huge}` is not a context kind"))
            .with_help(format!("did you mean `{huge}`?"))
            .with_value(huge.clone());
        assert!(
            diagnostic.message.len() < 200,
            "{}",
            diagnostic.message.len()
        );
        assert!(diagnostic.message.ends_with("xxx` is not a context kind"));
        assert!(diagnostic.message.contains('…'));
        assert!(diagnostic.help.as_deref().is_some_and(|h| h.len() < 200));
        assert_eq!(diagnostic.value.as_deref(), Some(huge.as_str()));
    }

    #[test]
    fn short_messages_are_kept_as_they_are() {
        let value = "é".repeat(MAX_QUOTED_CHARS);
        let words = "not a quoted value, ".repeat(10);
        let message = format!("`{value}` is {words} and `{value}` is not either");
        assert_eq!(
            Diagnostic::error("bad-value", message.clone()).message,
            message
        );
    }
}
