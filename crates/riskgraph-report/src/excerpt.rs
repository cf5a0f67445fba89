//! The few lines of a file that a diagnostic shows: the offending line and one line on each
//! side, each cut to a window around the offending span when it is long, with control characters
//! replaced. Whoever renders the diagnostic never sees the whole file, so it renders in the same
//! time whatever the size of the file and the length of its lines.

/// Lines up to this many characters are shown whole in a snippet.
const WHOLE_LINE_CHARS: usize = 160;
/// How many characters a snippet of a longer line shows on each side of the offending span.
const SIDE_CHARS: usize = 40;
/// How many characters of the offending span a snippet of a longer line shows at the most.
const SPAN_CHARS: usize = 60;
/// What stands for the text a snippet leaves out.
const ELLIPSIS: &str = "…";

/// The lines of a file around a diagnostic's span, as a diagnostic shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// The lines shown, joined by `\n`.
    pub text: String,
    /// The line number (0-based) of the first line shown.
    pub first_line: usize,
    /// The offending span in `text`: its byte offset and length.
    pub label: (usize, usize),
    /// Which line of `text` holds the label's start.
    pub label_line: usize,
    /// The byte column of the label's start in its line of `text`, and in the file's line.
    pub label_column: (usize, usize),
}

impl Excerpt {
    /// The excerpt of `text` around the byte range `span`, which starts on the 1-based `line`
    /// when the diagnostic knows it.
    pub fn new(text: &str, span: (usize, usize), line: Option<usize>) -> Self {
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
            text: shown,
            first_line: line_number - label_line,
            label: (label_start, label.1 - label.0),
            label_line,
            label_column: (label.0, start - line_start),
        }
    }
}

/// The excerpt of `text` at the character at 1-based `line` and `column`, when it is there.
pub fn at(text: &str, line: usize, column: usize) -> Option<Excerpt> {
    let start = offset_of(text, line, column)?;
    let end = text[start..]
        .chars()
        .next()
        .filter(|c| *c != '\n')
        .map_or(start, |c| start + c.len_utf8());
    Some(Excerpt::new(text, (start, end), Some(line)))
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

#[cfg(test)]
mod tests {
    use super::{Excerpt, at};

    #[test]
    fn a_short_line_is_shown_whole_with_its_neighbours() {
        let text = "id,name\na1,Laptop\na2,Server\n";
        let start = text.find("Laptop").unwrap();
        let excerpt = Excerpt::new(text, (start, start + 6), Some(2));
        assert_eq!(excerpt.text, "id,name\na1,Laptop\na2,Server\n");
        assert_eq!(excerpt.first_line, 0);
        assert_eq!(excerpt.label_line, 1);
        assert_eq!(
            &excerpt.text[excerpt.label.0..][..excerpt.label.1],
            "Laptop"
        );
    }

    #[test]
    fn a_long_line_is_cut_to_a_window_around_the_span() {
        let line = format!("{}BAD{}", "x".repeat(5_000), "y".repeat(5_000));
        let text = format!("id\n{line}\n");
        let start = text.find("BAD").unwrap();
        let excerpt = Excerpt::new(&text, (start, start + 3), None);
        assert!(excerpt.text.chars().count() < 200, "{}", excerpt.text);
        assert!(excerpt.text.contains("…xxxx"));
        assert!(excerpt.text.contains("yyyy…"));
        assert_eq!(&excerpt.text[excerpt.label.0..][..excerpt.label.1], "BAD");
        assert_eq!(excerpt.label_column.1, 5_000);
    }

    #[test]
    fn control_characters_are_replaced() {
        let text = "a\u{1b}[31mb\n";
        let excerpt = Excerpt::new(text, (0, 1), Some(1));
        assert_eq!(excerpt.text, "a\u{fffd}[31mb\n");
    }

    #[test]
    fn a_position_past_the_text_has_no_excerpt() {
        assert!(at("let x = 1;\n", 5, 1).is_none());
        let excerpt = at("let x = 1;\nlet y = ;\n", 2, 9).unwrap();
        assert_eq!(&excerpt.text[excerpt.label.0..][..excerpt.label.1], ";");
    }
}
