//! Small text helpers every renderer shares: counts with their noun, text made safe for a
//! terminal or a document, and plain columns.

use std::borrow::Cow;

/// `n` and `noun`, plural unless `n` is 1: `1 node`, `3 nodes`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Whether [`printable`] keeps newlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Newlines {
    /// A newline becomes a space like every other control character: for text shown on one line,
    /// such as a table cell, a heading or a Markdown cell.
    Replaced,
    /// A newline (`\n`, U+000A) is kept: for text laid out in lines, such as `explain`'s output
    /// or an HTML document.
    Kept,
}

/// `text` safe to show in a terminal or a document: every control character (those of
/// [`char::is_control`], the Unicode category Cc: U+0000 to U+001F, U+007F and U+0080 to
/// U+009F, so ESC, the C1 CSI, carriage return, tab and newline among them) becomes one space,
/// except newlines when `newlines` is [`Newlines::Kept`]. Inventory text can then not move the
/// cursor, recolour a terminal or break a line or a column, and words that a line break or a
/// tab separated stay apart. Every other character is kept as it is, format characters such as
/// U+200D or U+202E included. Borrowed when there is nothing to replace.
pub fn printable(text: &str, newlines: Newlines) -> Cow<'_, str> {
    let replaced = |c: char| c.is_control() && !(c == '\n' && newlines == Newlines::Kept);
    if !text.chars().any(replaced) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if replaced(c) { ' ' } else { c })
            .collect(),
    )
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

#[cfg(test)]
mod tests {
    use super::{Newlines, printable};

    #[test]
    fn every_control_character_becomes_one_space() {
        let hostile = "a\u{1b}[31mb\u{9b}2Jc\rd\te\nf\u{7}\u{7f}\0";
        assert_eq!(
            printable(hostile, Newlines::Replaced),
            "a [31mb 2Jc d e f   "
        );
        assert_eq!(printable(hostile, Newlines::Kept), "a [31mb 2Jc d e\nf   ");
    }

    #[test]
    fn other_text_is_borrowed_unchanged() {
        let text = "Zürich 東京 🦀 \u{202e}x\u{200d}";
        assert!(matches!(
            printable(text, Newlines::Replaced),
            std::borrow::Cow::Borrowed(t) if t == text
        ));
    }
}
