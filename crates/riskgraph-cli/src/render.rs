//! Rendering diagnostics for people (miette, with the offending cell underlined) and for
//! programs (JSON).

use std::fmt;
use std::io::IsTerminal;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use riskgraph_model::diagnostic::{Diagnostic, Diagnostics, Severity};

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
        let text = match error.script.strip_prefix("built-in ") {
            Some(file) => riskgraph_engine::rules::default_scripts()
                .find(|(name, _)| *name == file)
                .map(|(_, source)| source.to_owned()),
            None => std::fs::read_to_string(&error.script).ok(),
        }?;
        let start = offset_of(&text, line, error.column.unwrap_or(1))?;
        let end = text[start..]
            .chars()
            .next()
            .filter(|c| *c != '\n')
            .map_or(start, |c| start + c.len_utf8());
        Some(Snippet::new(
            error.script.clone(),
            &text,
            (start, end),
            Some(line),
        ))
    });
    let label = source
        .as_ref()
        .map(|snippet| LabeledSpan::new_with_span(Some(String::from("here")), snippet.label));
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

/// The byte offset of 1-based `line` and `column` (in characters) in `text`, when it is there.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map(|(at, _)| at + 1)?
    };
    let rest = &text[line_start..];
    let line_text = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let within = line_text
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_text.len(), |(at, _)| at);
    Some(line_start + within)
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
            let label = LabeledSpan::new_with_span(Some(label_text), snippet.label);
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

/// Lines up to this many characters are shown whole in a snippet.
const WHOLE_LINE_CHARS: usize = 160;
/// How many characters a snippet of a longer line shows on each side of the offending span.
const SIDE_CHARS: usize = 40;
/// How many characters of the offending span a snippet of a longer line shows at the most.
const SPAN_CHARS: usize = 60;
/// What stands for the text a snippet leaves out.
const ELLIPSIS: &str = "…";

/// The few lines of a file that a diagnostic shows: the offending line and one line on each side,
/// each cut to a window around the offending span when it is long, with control characters
/// replaced. The report handler never sees the whole file, so a diagnostic renders in the same
/// time whatever the size of the file and the length of its lines.
struct Snippet {
    name: String,
    /// The lines shown, joined by `\n`.
    text: String,
    /// The line number (0-based) of the first line shown.
    first_line: usize,
    /// The offending span, in `text`.
    label: SourceSpan,
    /// Which line of `text` holds the label's start.
    label_line: usize,
    /// The byte column of the label's start in its line of `text`, and in the file's line.
    label_column: (usize, usize),
}

impl Snippet {
    /// The snippet of `text` around the byte range `span`, which starts on the 1-based `line`
    /// when the diagnostic knows it.
    fn new(name: String, text: &str, span: (usize, usize), line: Option<usize>) -> Self {
        let start = text.floor_char_boundary(span.0.min(text.len()));
        let line_start = text[..start].rfind(['\n', '\r']).map_or(0, |at| at + 1);
        let line_end = text[start..]
            .find(['\n', '\r'])
            .map_or(text.len(), |at| start + at);
        let end = text.floor_char_boundary(span.1.clamp(start, line_end));
        let line_number = line.map_or_else(
            || {
                text.as_bytes()[..line_start]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
            },
            |line| line.saturating_sub(1),
        );

        let offending = &text[line_start..line_end];
        let (window, offending_shown, label) =
            Window::around(offending, start - line_start, end - line_start);
        let previous = line_start
            .checked_sub(1)
            .map(|newline| {
                let before = text[..newline]
                    .strip_suffix('\r')
                    .unwrap_or(&text[..newline]);
                let from = before.rfind(['\n', '\r']).map_or(0, |at| at + 1);
                &before[from..]
            })
            .filter(|_| line_number > 0);
        let after = &text[line_end..];
        let next_start = line_end + line_break(after).len().min(after.len());
        let next = (next_start < text.len()).then(|| {
            let rest = &text[next_start..];
            &rest[..rest.find(['\n', '\r']).unwrap_or(rest.len())]
        });

        // Each line keeps the break that follows it in the file, so the report handler shows
        // what it would have shown of the whole file: a blank line after the offending one, or
        // a label on a carriage return.
        let mut shown = String::new();
        if let Some(previous) = previous {
            shown.push_str(&window.context(previous));
            shown.push_str(line_break(&text[line_start - 1..]));
        }
        let label_line = usize::from(previous.is_some());
        let label_start = shown.len() + label.0;
        shown.push_str(&offending_shown);
        shown.push_str(line_break(after));
        if let Some(next) = next {
            shown.push_str(&window.context(next));
            shown.push_str(line_break(&text[next_start + next.len()..]));
        }
        Self {
            name,
            text: shown,
            first_line: line_number - label_line,
            label: SourceSpan::new(label_start.into(), label.1 - label.0),
            label_line,
            label_column: (label.0, start - line_start),
        }
    }
}

/// The line break at the start of `text`, as a snippet shows it: `\r\n` as it is, a lone `\r` as
/// `\n`, none as "".
fn line_break(text: &str) -> &'static str {
    if text.starts_with("\r\n") {
        "\r\n"
    } else if text.starts_with(['\n', '\r']) {
        "\n"
    } else {
        ""
    }
}

/// The part of a long line that a snippet shows, in characters.
#[derive(Clone, Copy)]
struct Window {
    /// Whether lines are cut at all: short offending lines are shown whole.
    cut: bool,
    first_char: usize,
    n_chars: usize,
}

impl Window {
    /// The window for `line`, whose offending span is the byte range `start..end`; the line as
    /// the window shows it; and the span's byte range in that text.
    fn around(line: &str, start: usize, end: usize) -> (Self, String, (usize, usize)) {
        let n_chars = line.chars().count();
        let whole = Self {
            cut: false,
            first_char: 0,
            n_chars,
        };
        let window = if n_chars <= WHOLE_LINE_CHARS {
            whole
        } else {
            let span_first = line[..start].chars().count();
            let span_chars = line[start..end].chars().count();
            // A long span is shown in part, and the ellipsis follows it at once.
            let after = if span_chars > SPAN_CHARS {
                0
            } else {
                SIDE_CHARS
            };
            let first_char = span_first.saturating_sub(SIDE_CHARS);
            Self {
                cut: true,
                first_char,
                n_chars: span_first - first_char + span_chars.min(SPAN_CHARS) + after,
            }
        };
        let (shown, label) = window.apply_with_span(line, start, end);
        (window, shown, label)
    }

    /// A line before or after the offending one: whole when it is short, else in the same
    /// window, or from its start when the window begins past its end.
    fn context(self, line: &str) -> String {
        let n_chars = line.chars().count();
        let window = if n_chars <= WHOLE_LINE_CHARS {
            Self {
                cut: false,
                first_char: 0,
                n_chars,
            }
        } else if self.first_char + SIDE_CHARS >= n_chars {
            Self {
                cut: true,
                first_char: 0,
                n_chars: 2 * SIDE_CHARS,
            }
        } else {
            self
        };
        window.apply_with_span(line, 0, 0).0
    }

    /// `line` as the window shows it: its characters in the window, an ellipsis for each side
    /// that was cut, and control characters replaced by `�` so the file's text cannot move the
    /// cursor or recolour a terminal; and the byte range `start..end` of `line` as shown.
    fn apply_with_span(self, line: &str, start: usize, end: usize) -> (String, (usize, usize)) {
        let mut shown = String::new();
        let mut span = (None, None);
        let mut chars = line.char_indices().skip(self.first_char).peekable();
        if self.cut && self.first_char > 0 {
            shown.push_str(ELLIPSIS);
        }
        for _ in 0..self.n_chars {
            let Some((at, ch)) = chars.next() else { break };
            if at >= start && span.0.is_none() {
                span.0 = Some(shown.len());
            }
            if at >= end && span.1.is_none() {
                span.1 = Some(shown.len());
            }
            shown.push(if ch.is_control() && ch != '\t' {
                '\u{fffd}'
            } else {
                ch
            });
        }
        let cut_after = self.cut && chars.peek().is_some();
        let span_start = span.0.unwrap_or(shown.len());
        let span_end = span.1.unwrap_or(shown.len()).max(span_start);
        if cut_after {
            shown.push_str(ELLIPSIS);
        }
        (shown, (span_start, span_end))
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let contents =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        // The header names the file's own line and column of the span, not the snippet's.
        let column = if contents.line() == self.label_line {
            (contents.column() + self.label_column.1).saturating_sub(self.label_column.0)
        } else {
            contents.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            *contents.span(),
            contents.line() + self.first_line,
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
