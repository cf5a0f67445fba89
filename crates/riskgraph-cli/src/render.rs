//! Rendering diagnostics for people (miette, with the offending cell underlined) and for
//! programs (JSON).

use std::fmt;
use std::io::IsTerminal;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use riskgraph_model::diagnostic::{Diagnostic, Diagnostics, Severity};
use riskgraph_report::excerpt::{self, Excerpt};

/// Whether stderr should get colours: a terminal, and `NO_COLOR` unset.
pub fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The width help texts are wrapped to, so output is the same in CI logs and golden tests.
const WIDTH: usize = 100;
/// What comes before each line of help: `  help: `, then eight spaces.
const HELP_INDENT: usize = 8;

/// The report handler: unicode, coloured only on a terminal. It wraps nothing: the message line,
/// which carries the location when there is no snippet, stays one line that people and scripts
/// can grep whatever the path's length; help is wrapped beforehand by [`wrap_help`], and
/// snippets are cut to a window by [`Snippet`].
fn handler() -> GraphicalReportHandler {
    let theme = if stderr_color() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_wrap_lines(false)
}

/// `help` wrapped as the report handler would wrap it at [`WIDTH`] columns.
fn wrap_help(help: &str) -> String {
    textwrap::wrap(help, WIDTH - 2 - HELP_INDENT).join("\n")
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

/// One rules problem as text: its location and message, then the line of the script it points at
/// (the script is read again: an organization's file, or the built-in source).
pub fn rule_error(error: &riskgraph_engine::rules::RuleError) -> String {
    let source = error.line.and_then(|line| {
        let text = error.script_text()?;
        let excerpt = excerpt::at(&text, line, error.column.unwrap_or(1))?;
        Some(Snippet {
            name: error.script.clone(),
            excerpt,
        })
    });
    let label = source
        .as_ref()
        .map(|snippet| LabeledSpan::new_with_span(Some(String::from("here")), snippet.label()));
    let report = Report {
        message: error.to_string(),
        code: "rules",
        severity: Severity::Error,
        help: None,
        source,
        label,
    };
    let mut out = String::new();
    if handler().render_report(&mut out, &report).is_err() {
        out = format!("{}\n", report.message);
    }
    out
}

/// One diagnostic prepared for miette.
struct Report {
    message: String,
    code: &'static str,
    severity: Severity,
    help: Option<String>,
    source: Option<Snippet>,
    label: Option<LabeledSpan>,
}

impl Report {
    fn new(diagnostic: &Diagnostic, all: &Diagnostics) -> Self {
        let location = &diagnostic.location;
        let file = all.file_of(location);
        let source = file.and_then(|f| f.text.clone().map(|text| (f.path.clone(), text)));
        let help = diagnostic.help.as_deref().map(wrap_help);
        if let (Some((path, text)), Some(span)) = (source, location.span) {
            let label_text = location
                .field
                .clone()
                .unwrap_or_else(|| String::from("here"));
            let line = location.line.and_then(|l| usize::try_from(l).ok());
            let snippet = Snippet::new(path, &text, span, line);
            let label = LabeledSpan::new_with_span(Some(label_text), snippet.label());
            return Self {
                message: diagnostic.message.clone(),
                code: diagnostic.code,
                severity: diagnostic.severity,
                help,
                source: Some(snippet),
                label: Some(label),
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
            help,
            source: None,
            label: None,
        }
    }
}

/// A file's excerpt around a diagnostic, named for miette.
struct Snippet {
    name: String,
    excerpt: Excerpt,
}

impl Snippet {
    fn new(name: String, text: &str, span: (usize, usize), line: Option<usize>) -> Self {
        Self {
            name,
            excerpt: Excerpt::new(text, span, line),
        }
    }

    /// The offending span.
    fn label(&self) -> SourceSpan {
        SourceSpan::new(self.excerpt.label.0.into(), self.excerpt.label.1)
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let excerpt = &self.excerpt;
        let contents =
            excerpt
                .text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        // The header names the file's own line and column of the span, not the snippet's.
        let column = if contents.line() == excerpt.label_line {
            (contents.column() + excerpt.label_column.1).saturating_sub(excerpt.label_column.0)
        } else {
            contents.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            *contents.span(),
            contents.line() + excerpt.first_line,
            column,
            contents.line_count(),
        )))
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
