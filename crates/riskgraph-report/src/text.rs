//! Small text helpers every renderer shares: counts with their noun and text made safe for a
//! terminal or a document. Tables are laid out by [`crate::layout`].

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

/// Writes `text` to `out` safe in markup (HTML and SVG content and quoted attribute values):
/// [`printable`] first, then `&`, `<`, `>`, `"` and `'` escaped. The one escaper of the HTML
/// report and of the SVG pictures.
pub fn write_markup(
    out: &mut impl std::fmt::Write,
    text: &str,
    newlines: Newlines,
) -> std::fmt::Result {
    for c in printable(text, newlines).chars() {
        match c {
            '&' => out.write_str("&amp;")?,
            '<' => out.write_str("&lt;")?,
            '>' => out.write_str("&gt;")?,
            '"' => out.write_str("&quot;")?,
            '\'' => out.write_str("&#39;")?,
            c => out.write_char(c)?,
        }
    }
    Ok(())
}

/// [`write_markup`] into a new string, on one line ([`Newlines::Replaced`]): for SVG text.
pub fn markup_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Writing to a `String` cannot fail.
    let _ = write_markup(&mut out, text, Newlines::Replaced);
    out
}

#[cfg(test)]
mod tests {
    use super::{Newlines, markup_line, printable};

    #[test]
    fn markup_is_escaped_after_control_characters_are_replaced() {
        assert_eq!(
            markup_line("<a href=\"x\">Tom's & \u{1b}co</a>\n"),
            "&lt;a href=&quot;x&quot;&gt;Tom&#39;s &amp;  co&lt;/a&gt; "
        );
    }

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
