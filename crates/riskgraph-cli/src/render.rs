//! Rendering diagnostics for people (miette, with the offending cell underlined) and for
//! programs (JSON).

use std::fmt;
use std::io::IsTerminal;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use riskgraph_model::diagnostic::{Diagnostic, Diagnostics, Severity};

/// Whether stderr should get colours: a terminal, and `NO_COLOR` unset.
pub fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The report handler: unicode, coloured only on a terminal, and a fixed width elsewhere so
/// output is the same in CI logs and golden tests.
fn handler() -> GraphicalReportHandler {
    let theme = if stderr_color() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme).with_width(100)
}

/// Renders every diagnostic as text.
pub fn human(diagnostics: &Diagnostics) -> String {
    let handler = handler();
    let mut out = String::new();
    for diagnostic in &diagnostics.items {
        let report = Report::new(diagnostic, diagnostics);
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&report.to_string());
            out.push('\n');
        }
    }
    out
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

/// One diagnostic prepared for miette.
struct Report {
    message: String,
    code: &'static str,
    severity: Severity,
    help: Option<String>,
    source: Option<NamedSource<Arc<str>>>,
    label: Option<LabeledSpan>,
}

impl Report {
    fn new(diagnostic: &Diagnostic, all: &Diagnostics) -> Self {
        let location = &diagnostic.location;
        let file = all.file_of(location);
        let source = file.and_then(|f| f.text.clone().map(|text| (f.path.clone(), text)));
        if let (Some((path, text)), Some((start, end))) = (source, location.span) {
            let label_text = location
                .field
                .clone()
                .unwrap_or_else(|| String::from("here"));
            let span = SourceSpan::new(start.into(), end.saturating_sub(start));
            return Self {
                message: diagnostic.message.clone(),
                code: diagnostic.code,
                severity: diagnostic.severity,
                help: diagnostic.help.clone(),
                source: Some(NamedSource::new(path, text)),
                label: Some(LabeledSpan::new_with_span(Some(label_text), span)),
            };
        }
        // Without a snippet, the location goes into the message itself: `file:line:column
        // (field)` for CSV, `workbook: sheet!C3` for a workbook cell.
        let mut place = all.describe(location);
        if let Some(field) = location.field.as_ref().filter(|_| location.cell.is_none()) {
            place = format!("{place} ({field})");
        }
        Self {
            message: format!("{place}: {}", diagnostic.message),
            code: diagnostic.code,
            severity: diagnostic.severity,
            help: diagnostic.help.clone(),
            source: None,
            label: None,
        }
    }
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.label
            .clone()
            .map(|l| Box::new(std::iter::once(l)) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}

/// `text` without control characters, so inventory text cannot move the cursor or recolour a
/// terminal.
pub fn without_controls(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

/// Lays out `rows` (the first is the header) in columns two spaces apart, right-aligning the
/// columns listed in `right`; the last column is not padded.
pub fn columns<R: AsRef<[String]>>(rows: &[R], right: &[usize]) -> String {
    let n = rows.iter().map(|row| row.as_ref().len()).max().unwrap_or(0);
    let mut widths = vec![0usize; n];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row.as_ref()) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.as_ref().iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = widths[i] - cell.chars().count();
            if right.contains(&i) {
                line.extend(std::iter::repeat_n(' ', pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                if i + 1 < n {
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
