//! A table as spreadsheets export it, from a CSV file or a workbook sheet: header matching,
//! row iteration and typed cell parsing that reports each bad cell with its exact location.

use std::sync::Arc;

use csv::StringRecord;
use rustc_hash::FxHashSet;

use crate::diagnostic::{Diagnostic, Diagnostics, FileIdx, Location};
use crate::node::{AttrValue, Attributes, RowRef, Text};
use crate::schema::{FileSpec, fold_header};
use crate::values::{ValueError, closest, split_list};
use crate::vocabulary::Vocabulary;

/// Where the rows come from, which decides how a cell's location is written.
#[derive(Debug)]
pub enum Origin<'a> {
    /// A CSV file's decoded text (for source spans) and its delimiter.
    Csv { text: &'a str, delimiter: u8 },
    /// A workbook sheet whose first column is `first_column` (0-based).
    Sheet { first_column: u32 },
}

/// One row as read: its cells and where it starts.
#[derive(Debug, Default)]
pub struct RawRow {
    pub record: StringRecord,
    /// 1-based line (CSV) or row (sheet) the row starts on.
    pub line: u64,
    /// Byte offset of the row in the CSV text.
    pub byte: u64,
}

/// The header of a table, bound to a file's schema.
#[derive(Debug)]
pub struct Table<'a> {
    pub spec: &'static FileSpec,
    pub file: FileIdx,
    pub origin: Origin<'a>,
    pub headers: Vec<String>,
    /// Record position of each schema column, by schema position.
    bound: Vec<Option<usize>>,
    /// Columns the schema does not know: (record position, header as written).
    attribute_columns: Vec<(usize, Text)>,
    /// Whether every required column is present; rows are read only when they are.
    pub complete: bool,
    header_line: u64,
}

/// A schema column's position in the rows, from [`Table::column`].
#[derive(Debug, Clone, Copy)]
pub struct Col(Option<usize>, &'static str);

impl Col {
    /// The column's position in the file's rows; `None` when the file lacks the column.
    pub fn position(self) -> Option<usize> {
        self.0
    }
}

impl<'a> Table<'a> {
    /// Matches the header row against `spec`, reporting missing, duplicate and doubtful columns.
    pub fn bind(
        spec: &'static FileSpec,
        file: FileIdx,
        origin: Origin<'a>,
        header: &RawRow,
        diagnostics: &mut Diagnostics,
    ) -> Self {
        let headers: Vec<String> = header.record.iter().map(|h| h.trim().to_owned()).collect();
        let mut table = Self {
            spec,
            file,
            origin,
            headers,
            bound: vec![None; spec.columns.len()],
            attribute_columns: Vec::new(),
            complete: true,
            header_line: header.line,
        };
        for (position, header_text) in table.headers.iter().enumerate() {
            let folded = fold_header(header_text);
            if folded.is_empty() {
                continue;
            }
            let Some(column) = spec.columns.iter().position(|c| c.accepts(&folded)) else {
                table
                    .attribute_columns
                    .push((position, Arc::from(header_text.as_str())));
                continue;
            };
            if let Some(first) = table.bound[column] {
                let d = Diagnostic::error(
                    "duplicate-column",
                    format!(
                        "columns `{}` and `{header_text}` both give `{}`",
                        table.headers[first], spec.columns[column].name
                    ),
                )
                .with_help("delete or rename one of them");
                diagnostics.push(d.at(table.cell_location(header, position)));
            } else {
                table.bound[column] = Some(position);
            }
        }
        table.report_doubtful_columns(header, diagnostics);
        for (column, spec_column) in spec.columns.iter().enumerate() {
            if spec_column.required && table.bound[column].is_none() {
                table.complete = false;
                let near = closest(spec_column.name, table.headers.iter().map(String::as_str));
                let help = match near {
                    Some(near) => format!("rename column `{near}` to `{}`", spec_column.name),
                    None => format!(
                        "add a `{}` column; the header is: {}",
                        spec_column.name,
                        table.headers.join(", ")
                    ),
                };
                diagnostics.push(
                    Diagnostic::error(
                        "missing-column",
                        format!("required column `{}` is missing", spec_column.name),
                    )
                    .with_help(help)
                    .at(table.line_location(header.line)),
                );
            }
        }
        table
    }

    /// Unknown columns are kept as attributes, but one that looks like a misspelt schema column
    /// probably is one.
    fn report_doubtful_columns(&self, header: &RawRow, diagnostics: &mut Diagnostics) {
        for (position, header_text) in &self.attribute_columns {
            let unbound = self
                .spec
                .columns
                .iter()
                .zip(&self.bound)
                .filter(|(_, bound)| bound.is_none())
                .map(|(c, _)| c.name);
            if let Some(near) = closest(&fold_header(header_text), unbound) {
                diagnostics.push(
                    Diagnostic::warning(
                        "unknown-column",
                        format!("column `{header_text}` is not a column of {}", self.spec.stem),
                    )
                    .with_help(format!(
                        "did you mean `{near}`? unknown columns are kept as attributes for the rules"
                    ))
                    .at(self.cell_location(header, *position)),
                );
            }
        }
    }

    /// The position of schema column `name`. Panics on a name the schema lacks: that is a bug in
    /// the loader, not in the input.
    pub fn column(&self, name: &'static str) -> Col {
        let index = self
            .spec
            .columns
            .iter()
            .position(|c| c.name == name)
            .unwrap_or_else(|| panic!("`{name}` is not a column of {}", self.spec.stem));
        Col(self.bound[index], name)
    }

    /// Checks a row's shape: cells beyond the header must be empty (Excel leaves such trailing
    /// cells), and cells under an empty header are ignored. Returns false for rows to skip.
    pub fn check_row(&self, row: &RawRow, diagnostics: &mut Diagnostics) -> bool {
        if row.record.iter().all(|cell| trim(cell).is_empty()) {
            return false;
        }
        let n_headers = self.headers.len();
        if let Some(extra) =
            (n_headers..row.record.len()).find(|&i| !trim(&row.record[i]).is_empty())
        {
            let delimiter = match self.origin {
                Origin::Csv { delimiter, .. } => {
                    format!("`{}`", char::from(delimiter).escape_default())
                }
                Origin::Sheet { .. } => String::from("the delimiter"),
            };
            diagnostics.push(
                Diagnostic::error(
                    "too-many-cells",
                    format!("row has {} cells but the header names {n_headers} columns", row.record.len()),
                )
                .with_value(&row.record[extra])
                .with_help(format!(
                    "put quotes around cells that contain {delimiter}, or add a header for the extra column"
                ))
                .at(self.cell_location(row, extra)),
            );
            return false;
        }
        true
    }

    /// Location of a whole line, such as the header.
    pub fn line_location(&self, line: u64) -> Location {
        Location {
            file: Some(self.file),
            line: Some(line),
            ..Location::default()
        }
    }

    /// Location of the cell at record position `position` in `row`.
    pub fn cell_location(&self, row: &RawRow, position: usize) -> Location {
        let field = self
            .headers
            .get(position)
            .filter(|h| !h.is_empty())
            .cloned();
        let mut location = Location {
            file: Some(self.file),
            line: Some(row.line),
            column: Some(position as u32 + 1),
            field,
            cell: None,
            span: None,
        };
        match self.origin {
            Origin::Csv { text, delimiter } => {
                if let Some((start, end)) = field_span(text, row.byte as usize, delimiter, position)
                {
                    let newlines = text.as_bytes()[row.byte as usize..start]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count();
                    location.line = Some(row.line + newlines as u64);
                    location.span = Some((start, end));
                }
            }
            Origin::Sheet { first_column } => {
                location.cell = Some(format!(
                    "{}{}",
                    column_letters(first_column + position as u32),
                    row.line
                ));
            }
        }
        location
    }

    /// The unknown columns of `row` as attributes.
    pub fn attributes(&self, row: &RawRow) -> Attributes {
        self.attribute_columns
            .iter()
            .filter_map(|(position, header)| {
                let cell = row.record.get(*position)?.trim();
                (!cell.is_empty()).then(|| (Arc::clone(header), AttrValue::from_cell(cell)))
            })
            .collect()
    }

    pub fn header_line(&self) -> u64 {
        self.header_line
    }
}

/// Typed access to one row's cells, pushing a diagnostic for each bad cell and returning `None`
/// for it, so one pass reports every problem of the row.
pub struct Cells<'t, 'r> {
    pub table: &'t Table<'t>,
    pub row: &'r RawRow,
    pub diagnostics: &'r mut Diagnostics,
    pub interner: &'r mut Interner,
    /// Whether a required cell was missing or invalid, so the record is unusable.
    pub failed: bool,
}

impl Cells<'_, '_> {
    pub fn row_ref(&self) -> RowRef {
        RowRef {
            file: self.table.file,
            line: u32::try_from(self.row.line).unwrap_or(u32::MAX),
        }
    }

    /// The trimmed cell, or `None` when empty or the column is absent.
    pub fn text(&self, col: Col) -> Option<&str> {
        let cell = trim(self.row.record.get(col.0?)?);
        (!cell.is_empty()).then_some(cell)
    }

    pub fn location(&self, col: Col) -> Location {
        match col.0 {
            Some(position) => self.table.cell_location(self.row, position),
            None => self.table.line_location(self.row.line),
        }
    }

    /// Reports a bad value in `col`.
    pub fn invalid(&mut self, col: Col, value: &str, err: ValueError) {
        let d = Diagnostic::error("bad-value", err.message)
            .with_value(value)
            .with_optional_help(err.help);
        let location = self.location(col);
        self.diagnostics.push(d.at(location));
    }

    /// Reports a problem with `col` that is not a parse error, such as an unknown reference.
    pub fn report(&mut self, col: Col, diagnostic: Diagnostic) {
        let location = self.location(col);
        self.diagnostics.push(diagnostic.at(location));
    }

    /// Parses an optional cell.
    pub fn parse<T>(
        &mut self,
        col: Col,
        parse: impl FnOnce(&str) -> Result<T, ValueError>,
    ) -> Option<T> {
        let text = self.text(col)?;
        match parse(text) {
            Ok(value) => Some(value),
            Err(err) => {
                let text = text.to_owned();
                self.invalid(col, &text, err);
                None
            }
        }
    }

    /// Parses a required cell; a missing or bad value marks the row as failed.
    pub fn required<T>(
        &mut self,
        col: Col,
        parse: impl FnOnce(&str) -> Result<T, ValueError>,
    ) -> Option<T> {
        if self.text(col).is_none() {
            self.failed = true;
            let location = self.location(col);
            self.diagnostics.push(
                Diagnostic::error("missing-value", format!("`{}` is empty", col.1))
                    .with_help(format!(
                        "every {} row needs a `{}`",
                        self.table.spec.stem, col.1
                    ))
                    .at(location),
            );
            return None;
        }
        let value = self.parse(col, parse);
        self.failed |= value.is_none();
        value
    }

    pub fn vocab<V: Vocabulary>(&mut self, col: Col) -> Option<V> {
        self.parse(col, V::parse)
    }

    /// A yes/no cell; empty means `default`.
    pub fn flag(&mut self, col: Col, default: bool) -> bool {
        self.parse(col, crate::values::parse_bool)
            .unwrap_or(default)
    }

    /// Plain text, boxed.
    pub fn string(&self, col: Col) -> Option<Box<str>> {
        self.text(col).map(Box::from)
    }

    /// Text that repeats across rows (owners, locations), shared.
    pub fn shared(&mut self, col: Col) -> Option<Text> {
        let text = self.row.record.get(col.0?)?.trim();
        (!text.is_empty()).then(|| self.interner.intern(text))
    }

    /// A `;`- or `|`-separated list of shared text.
    pub fn shared_list(&mut self, col: Col) -> Vec<Text> {
        let Some(position) = col.0 else {
            return Vec::new();
        };
        let Some(cell) = self.row.record.get(position) else {
            return Vec::new();
        };
        split_list(cell)
            .map(|item| self.interner.intern(item))
            .collect()
    }

    /// A list whose items each parse; bad items are reported and dropped.
    pub fn list<T>(
        &mut self,
        col: Col,
        mut parse: impl FnMut(&str) -> Result<T, ValueError>,
    ) -> Vec<T> {
        let Some(cell) = self.text(col).map(str::to_owned) else {
            return Vec::new();
        };
        let mut items = Vec::new();
        for item in split_list(&cell) {
            match parse(item) {
                Ok(value) => items.push(value),
                Err(err) => self.invalid(col, item, err),
            }
        }
        items
    }

    pub fn attributes(&self) -> Attributes {
        self.table.attributes(self.row)
    }
}

/// Shares repeated text (owners, tags, locations) so a million rows hold a few hundred strings.
#[derive(Debug, Default)]
pub struct Interner(FxHashSet<Text>);

impl Interner {
    pub fn intern(&mut self, text: &str) -> Text {
        if let Some(shared) = self.0.get(text) {
            return Arc::clone(shared);
        }
        let shared: Text = Arc::from(text);
        self.0.insert(Arc::clone(&shared));
        shared
    }
}

/// Spreadsheet column letters for a 0-based column: 0 is `A`, 26 is `AA`.
pub fn column_letters(mut column: u32) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (column % 26) as u8);
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// Byte range of field `index` of the CSV record starting at `start`, quotes included.
fn field_span(text: &str, start: usize, delimiter: u8, index: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut field = 0;
    let mut field_start = start;
    let mut in_quotes = false;
    let mut at = start;
    while at < bytes.len() {
        let byte = bytes[at];
        if in_quotes {
            if byte == b'"' {
                // `""` inside quotes is an escaped quote, not the end of the field.
                if bytes.get(at + 1) == Some(&b'"') {
                    at += 1;
                } else {
                    in_quotes = false;
                }
            }
        } else if byte == b'"' && at == field_start {
            in_quotes = true;
        } else if byte == delimiter || byte == b'\n' || byte == b'\r' {
            if field == index {
                return Some((field_start, at));
            }
            if byte != delimiter {
                return None;
            }
            field += 1;
            field_start = at + 1;
        }
        at += 1;
    }
    (field == index).then_some((field_start, bytes.len()))
}

/// `cell` without its leading and trailing whitespace. Most cells have none: a cell that starts
/// and ends with a visible ASCII character is returned as it is, without the Unicode-aware scan
/// of [`str::trim`] (which also removes the no-break spaces spreadsheets leave).
pub(crate) fn trim(cell: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b.is_ascii());
    let bytes = cell.as_bytes();
    if visible(bytes.first()) && visible(bytes.last()) {
        cell
    } else {
        cell.trim()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_lose_ascii_and_unicode_spaces_around_them() {
        for (cell, trimmed) in [
            ("app", "app"),
            (" app", "app"),
            ("app\t", "app"),
            ("\u{a0}app\u{a0}", "app"),
            ("café", "café"),
            ("é ", "é"),
            ("a b", "a b"),
            ("   ", ""),
            ("", ""),
        ] {
            assert_eq!(trim(cell), trimmed, "{cell:?}");
        }
    }

    #[test]
    fn column_letters_like_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(2), "C");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn field_spans_skip_quoted_delimiters() {
        let text = "a,b\nx,\"y, \"\"z,\"\"\",w\n";
        let span = |index| field_span(text, 4, b',', index).map(|(s, e)| &text[s..e]);
        assert_eq!(span(0), Some("x"));
        assert_eq!(span(1), Some("\"y, \"\"z,\"\"\""));
        assert_eq!(span(2), Some("w"));
        assert_eq!(span(3), None);
    }
}
