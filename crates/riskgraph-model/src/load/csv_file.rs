//! Reading a CSV file as spreadsheets export it: byte-order mark, encoding check, delimiter
//! sniffing, unterminated quotes.

use crate::diagnostic::{Diagnostic, Diagnostics, FileIdx, Location};
use crate::load::table::RawRow;

/// Decodes a CSV file's bytes as UTF-8 (with or without BOM), or reports why it cannot. The text
/// is the bytes themselves, not a copy: files run to hundreds of megabytes.
pub fn decode(mut bytes: Vec<u8>, file: FileIdx, diagnostics: &mut Diagnostics) -> Option<String> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        diagnostics.push(
            Diagnostic::error("bad-encoding", "file is UTF-16, not UTF-8")
                .with_help("save it as \"CSV UTF-8 (Comma delimited)\" in Excel, or convert it with `iconv -f UTF-16 -t UTF-8`")
                .at(file_location(file)),
        );
        return None;
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(err) => {
            let at = err.utf8_error().valid_up_to();
            let bytes = err.as_bytes();
            let before = &bytes[..at];
            let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            let byte = bytes[at];
            let windows_1252 = looks_like_windows_1252(bytes);
            let message = if windows_1252 {
                format!(
                    "file is not UTF-8: byte 0x{byte:02X} on line {line} looks like Windows-1252 (Excel's \"CSV (Comma delimited)\")"
                )
            } else {
                format!("file is not UTF-8: invalid byte 0x{byte:02X} on line {line}")
            };
            diagnostics.push(
                Diagnostic::error("bad-encoding", message)
                    .with_help(
                        "save it as \"CSV UTF-8 (Comma delimited)\" in Excel, or convert it with `iconv -f WINDOWS-1252 -t UTF-8`",
                    )
                    .at(Location {
                        file: Some(file),
                        line: Some(line),
                        ..Location::default()
                    }),
            );
            None
        }
    }
}

/// Whether invalid UTF-8 is probably Windows-1252: no control bytes, and high bytes that stand
/// alone rather than in multi-byte runs.
fn looks_like_windows_1252(bytes: &[u8]) -> bool {
    let no_controls = !bytes
        .iter()
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'));
    let lone_high_bytes = bytes
        .windows(2)
        .filter(|w| w[0] >= 0x80)
        .all(|w| w[1] < 0x80 || w[0] >= 0xC0);
    no_controls && lone_high_bytes
}

fn file_location(file: FileIdx) -> Location {
    Location {
        file: Some(file),
        ..Location::default()
    }
}

/// The delimiter of the header line: the most frequent of `,`, `;` and tab outside quotes.
pub fn sniff_delimiter(text: &str) -> u8 {
    let header = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut in_quotes = false;
    for byte in header.bytes() {
        if byte == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes && let Some(count) = counts.iter_mut().find(|(d, _)| *d == byte) {
            count.1 += 1;
        }
    }
    // Ties go to the comma, which comes first.
    counts
        .iter()
        .fold(
            (b',', 0),
            |best, &(d, n)| if n > best.1 { (d, n) } else { best },
        )
        .0
}

/// Reports a quoted field that is never closed: the CSV reader would silently swallow the rest
/// of the file into it.
pub fn check_quotes(text: &str, file: FileIdx, diagnostics: &mut Diagnostics) -> bool {
    // Balanced quotes cannot leave a field open; counting them is much cheaper than parsing.
    if memchr::memchr_iter(b'"', text.as_bytes())
        .count()
        .is_multiple_of(2)
    {
        return true;
    }
    let bytes = text.as_bytes();
    let mut in_quotes = false;
    let mut opened_at = 0;
    let mut field_start = true;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if in_quotes {
            if byte == b'"' {
                if bytes.get(at + 1) == Some(&b'"') {
                    at += 1;
                } else {
                    in_quotes = false;
                }
            }
        } else if byte == b'"' && field_start {
            in_quotes = true;
            opened_at = at;
        }
        field_start = matches!(byte, b',' | b';' | b'\t' | b'\n') && !in_quotes;
        at += 1;
    }
    if !in_quotes {
        return true;
    }
    let line = text[..opened_at].matches('\n').count() as u64 + 1;
    diagnostics.push(
        Diagnostic::error("unterminated-quote", "quoted cell is never closed")
            .with_help("a cell that starts with `\"` must end with `\"`; write a quote inside a quoted cell as `\"\"`")
            .at(Location {
                file: Some(file),
                line: Some(line),
                span: Some((opened_at, (opened_at + 1).min(text.len()))),
                ..Location::default()
            }),
    );
    false
}

/// A CSV reader of `text` as inventory files are read: every record, header included, with
/// rows of any length.
pub fn reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// Reads every record of `text`, calling `each` with the header first and then each row.
pub fn read_rows(
    text: &str,
    delimiter: u8,
    file: FileIdx,
    diagnostics: &mut Diagnostics,
    each: impl FnMut(&RawRow, &mut Diagnostics),
) {
    read_rows_in(text, 0, 1, delimiter, file, diagnostics, each);
}

/// Reads the records of `text[start..]`, which begins on line `line`: rows keep their lines and
/// byte offsets in the whole text.
pub fn read_rows_in(
    text: &str,
    start: usize,
    line: u64,
    delimiter: u8,
    file: FileIdx,
    diagnostics: &mut Diagnostics,
    mut each: impl FnMut(&RawRow, &mut Diagnostics),
) {
    let base = start;
    let text = &text[start..];
    let mut reader = reader(text, delimiter);
    let mut row = RawRow::default();
    // Lines are counted here rather than taken from the reader, whose line numbers lag behind
    // on CRLF files; each byte is counted once.
    let bytes = text.as_bytes();
    let (mut counted_to, mut line) = (0usize, line);
    let first_line = line;
    loop {
        let position = reader.position().clone();
        match reader.read_record(&mut row.record) {
            Ok(true) => {
                let mut start = row.record.position().unwrap_or(&position).byte() as usize;
                // A record that follows a CRLF can be reported as starting at its `\n`.
                while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
                    start += 1;
                }
                let start = start.min(bytes.len());
                line += bytes[counted_to.min(start)..start]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count() as u64;
                counted_to = start;
                row.line = line;
                row.byte = (base + start) as u64;
                each(&row, diagnostics);
            }
            Ok(false) => break,
            Err(err) => {
                let line =
                    err.position().map_or(position.line(), csv::Position::line) + (first_line - 1);
                diagnostics.push(
                    Diagnostic::error("malformed-csv", format!("cannot read this row: {err}"))
                        .with_help("check the quotes and delimiters on this line")
                        .at(Location {
                            file: Some(file),
                            line: Some(line),
                            ..Location::default()
                        }),
                );
                break;
            }
        }
    }
}

/// Reads the rows of `text[start..]`, which begins on line `line` and holds no quote, as
/// [`read_rows_in`] reads them, while `each` returns true. Without quotes every line end ends a
/// row and every delimiter ends a cell, so the lines are split as they are, without the CSV
/// reader's state machine. Returns false when `each` stopped, or at a carriage return inside a
/// line, which the CSV reader would take for a line end. A byte-order mark at `start` stays in
/// the first cell, as the sequential reader of the whole file sees it (a CSV reader started at
/// `start` would drop it; the file's own mark is gone by then).
pub fn read_plain_rows(
    text: &str,
    start: usize,
    line: u64,
    delimiter: u8,
    mut each: impl FnMut(&RawRow) -> bool,
) -> bool {
    let bytes = text.as_bytes();
    let mut row = RawRow::default();
    let (mut at, mut line) = (start, line);
    while at < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        let content = &text[at..end];
        let content = content.strip_suffix('\r').unwrap_or(content);
        // The CSV reader skips empty lines.
        if !content.is_empty() {
            // Cells are short: a loop over the bytes beats a search call per cell.
            row.record.clear();
            let mut cell = 0;
            for (i, &byte) in content.as_bytes().iter().enumerate() {
                if byte == delimiter {
                    row.record.push_field(&content[cell..i]);
                    cell = i + 1;
                } else if byte == b'\r' {
                    return false;
                }
            }
            row.record.push_field(&content[cell..]);
            row.line = line;
            row.byte = at as u64;
            if !each(&row) {
                return false;
            }
        }
        line += 1;
        at = end + 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_the_header_delimiter() {
        assert_eq!(sniff_delimiter("id,name,type\n"), b',');
        assert_eq!(sniff_delimiter("id;name;type\n1,5;x;y"), b';');
        assert_eq!(sniff_delimiter("id\tname\ttype\n"), b'\t');
        assert_eq!(sniff_delimiter("\n\n\"a;b\",c\n"), b',');
        assert_eq!(sniff_delimiter("id\n"), b',');
    }

    #[test]
    fn windows_1252_is_named() {
        let mut diagnostics = Diagnostics::default();
        let file = diagnostics.add_file("assets.csv", None);
        assert!(decode(b"id,name\nx,Caf\xE9\n".to_vec(), file, &mut diagnostics).is_none());
        let message = &diagnostics.items[0].message;
        assert!(message.contains("Windows-1252"), "{message}");
        assert!(message.contains("line 2"), "{message}");
    }

    #[test]
    fn bom_is_dropped() {
        let mut diagnostics = Diagnostics::default();
        assert_eq!(
            decode(b"\xEF\xBB\xBFid\n".to_vec(), 0, &mut diagnostics).as_deref(),
            Some("id\n")
        );
    }

    #[test]
    fn unterminated_quote_names_its_line() {
        let mut diagnostics = Diagnostics::default();
        let file = diagnostics.add_file("assets.csv", None);
        let closed = check_quotes("id,name\na,\"ok\"\nb,\"open\nc,d\n", file, &mut diagnostics);
        assert!(!closed);
        assert_eq!(diagnostics.items[0].location.line, Some(3));
        let mut diagnostics = Diagnostics::default();
        assert!(check_quotes(
            "id,name\na,5\" screen\n",
            file,
            &mut diagnostics
        ));
    }

    /// Every row `read_rows_in` gives for `text[start..]`: cells, line and byte.
    fn rows_of(text: &str, start: usize, plain: bool) -> Option<Vec<(Vec<String>, u64, u64)>> {
        let mut rows = Vec::new();
        let mut keep = |row: &RawRow| {
            let cells = row.record.iter().map(String::from).collect();
            rows.push((cells, row.line, row.byte));
        };
        if plain {
            read_plain_rows(text, start, 3, b';', |row| {
                keep(row);
                true
            })
            .then_some(rows)
        } else {
            let mut diagnostics = Diagnostics::default();
            read_rows_in(text, start, 3, b';', 0, &mut diagnostics, |row, _| {
                keep(row);
            });
            assert!(diagnostics.items.is_empty());
            Some(rows)
        }
    }

    #[test]
    fn a_lone_carriage_return_is_left_to_the_csv_reader() {
        assert_eq!(rows_of("a;b\r\nc\rd;e\n", 0, true), None);
        assert_eq!(
            rows_of("a;b\r\n\r\n;\nc", 0, true),
            rows_of("a;b\r\n\r\n;\nc", 0, false)
        );
    }

    proptest::proptest! {
        /// Split as they are, lines without quotes give the CSV reader's rows, or nothing when a
        /// carriage return stands alone.
        #[test]
        fn plain_rows_are_the_csv_readers_rows(
            text in "([a-z é,;\t]{0,8}(\r\n|\n|\r)?){0,12}",
            start in 0usize..4,
        ) {
            let start = (0..=start.min(text.len())).rev().find(|&at| text.is_char_boundary(at)).unwrap_or(0);
            // A carriage return at the very end ends the last row, as a line end would.
            let lines = text[start..].replace("\r\n", "\n");
            let lone_return = lines.strip_suffix('\r').unwrap_or(&lines).contains('\r');
            let plain = rows_of(&text, start, true);
            proptest::prop_assert_eq!(plain.is_none(), lone_return);
            if let Some(plain) = plain {
                proptest::prop_assert_eq!(Some(plain), rows_of(&text, start, false));
            }
        }
    }
}
