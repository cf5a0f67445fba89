//! Tables with a title, rendered for the terminal, as CSV or as Markdown: the shape the catalog,
//! coverage and Statement of Applicability reports share.

use std::fmt::Write as _;
use std::io::Write;

use crate::layout::Table;
use crate::register::{markdown_cell, neutralize};

/// One titled table.
pub struct Sheet {
    pub title: String,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    /// Shown instead of an empty table.
    pub empty: &'static str,
}

/// The sheets one after the other, each as a title line and a [`Table`]. Cells are cut to half
/// of `width` columns (the other formats keep them whole); control characters from the
/// inventory are shown as spaces ([`crate::text::printable`]).
pub fn table(sheets: &[Sheet], width: usize) -> String {
    let width = (width / 2).max(24);
    let mut out = String::new();
    for (i, sheet) in sheets.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&sheet.title);
        out.push('\n');
        out.push_str(&"-".repeat(crate::layout::width(&sheet.title)));
        out.push('\n');
        if sheet.rows.is_empty() {
            out.push_str(sheet.empty);
            out.push('\n');
            continue;
        }
        out.push_str(
            &Table::new(&sheet.columns, &sheet.rows)
                .cap(width, "...")
                .render(),
        );
    }
    out
}

/// The sheets as Markdown: a heading per sheet and a table, every cell escaped.
pub fn markdown(heading: &str, sheets: &[Sheet]) -> String {
    let mut out = format!("# {}\n", markdown_cell(heading));
    for sheet in sheets {
        let _ = write!(out, "\n## {}\n\n", markdown_cell(&sheet.title));
        if sheet.rows.is_empty() {
            let _ = writeln!(out, "{}", markdown_cell(sheet.empty));
            continue;
        }
        let _ = writeln!(out, "| {} |", sheet.columns.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(sheet.columns.len()));
        for row in &sheet.rows {
            let cells: Vec<String> = row.iter().map(|c| markdown_cell(c)).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
    }
    out
}

/// One sheet as CSV, formula-looking cells made text.
pub fn write_csv(out: &mut impl Write, sheet: &Sheet) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(&sheet.columns)?;
    for row in &sheet.rows {
        writer.write_record(row.iter().map(|cell| neutralize(cell).into_owned()))?;
    }
    writer.flush()
}

/// The sheets as one CSV table whose first column names the sheet, for reports of several
/// sheets: the other columns are the union of the sheets' columns, in order of appearance.
pub fn write_csv_sections(out: &mut impl Write, sheets: &[(&str, &Sheet)]) -> std::io::Result<()> {
    let mut columns: Vec<&'static str> = vec!["section"];
    for (_, sheet) in sheets {
        for column in &sheet.columns {
            if !columns.contains(column) {
                columns.push(column);
            }
        }
    }
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(&columns)?;
    for (section, sheet) in sheets {
        for row in &sheet.rows {
            let mut record = vec![String::new(); columns.len()];
            (*section).clone_into(&mut record[0]);
            for (column, cell) in sheet.columns.iter().zip(row) {
                let at = columns.iter().position(|c| c == column).unwrap_or(0);
                record[at] = neutralize(cell).into_owned();
            }
            writer.write_record(&record)?;
        }
    }
    writer.flush()
}

/// A sheet as JSON: an array of objects keyed by column name.
pub fn json_rows(sheet: &Sheet) -> serde_json::Value {
    serde_json::Value::Array(
        sheet
            .rows
            .iter()
            .map(|row| {
                serde_json::Value::Object(
                    sheet
                        .columns
                        .iter()
                        .zip(row)
                        .map(|(c, v)| ((*c).to_owned(), serde_json::Value::String(v.clone())))
                        .collect(),
                )
            })
            .collect(),
    )
}

/// `n` things listed by the first `shown` of `ids`, with a count of the rest: `3: a, b, c` or
/// `120: a, b, c, ... (117 more)`. `ids` may hold fewer than `n`, but at least `shown` then.
pub fn abbreviated<'a>(n: usize, ids: impl Iterator<Item = &'a str>, shown: usize) -> String {
    if n == 0 {
        return String::new();
    }
    let first: Vec<&str> = ids.take(shown).collect();
    if n > shown {
        format!("{n}: {}, ... ({} more)", first.join(", "), n - shown)
    } else {
        format!("{n}: {}", first.join(", "))
    }
}

/// Writes `sheets` under `title` in `format`: a table `width` characters wide, Markdown, CSV (one
/// sheet as it is, several with a `section` column) or JSON.
pub fn write_titled(
    out: &mut dyn Write,
    format: crate::Format,
    title: &str,
    sheets: &[Sheet],
    width: usize,
) -> std::io::Result<()> {
    use serde_json::json;

    use crate::Format;

    let mut out = std::io::BufWriter::new(out);
    match format {
        Format::Table => out.write_all(table(sheets, width).as_bytes())?,
        Format::Md => out.write_all(markdown(title, sheets).as_bytes())?,
        Format::Csv => {
            if let [sheet] = sheets {
                write_csv(&mut out, sheet)?;
            } else {
                let keyed: Vec<(&str, &Sheet)> =
                    sheets.iter().map(|s| (s.title.as_str(), s)).collect();
                write_csv_sections(&mut out, &keyed)?;
            }
        }
        Format::Json => {
            let value = json!({
                "title": title,
                "sections": sheets.iter().map(|s| json!({
                    "title": s.title,
                    "rows": json_rows(s),
                })).collect::<Vec<_>>(),
            });
            serde_json::to_writer_pretty(&mut out, &value)?;
            out.write_all(b"\n")?;
        }
        _ => return Err(crate::coverage::unsupported(format)),
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::{Sheet, table};

    #[test]
    fn wide_cells_are_cut_and_aligned_by_display_width() {
        let sheet = Sheet {
            title: String::from("Vendors 供应商"),
            columns: vec!["VENDOR", "NAME", "N"],
            rows: vec![
                vec![
                    "aws".into(),
                    "🦀 Amazon ウェブ サービス ☁️ クラウド".into(),
                    "1".into(),
                ],
                vec!["stripe".into(), "Stripe 决済".into(), "22".into()],
                vec!["gusto".into(), "Gusto".into(), "3".into()],
            ],
            empty: "none",
        };
        // Cells are capped at 24 columns (21 and the ellipsis) and padded by the columns they
        // take, as is the title's underline (14 columns, 11 characters).
        assert_eq!(
            table(&[sheet], 48),
            "Vendors 供应商\n\
             --------------\n\
             VENDOR  NAME                      N\n\
             aws     🦀 Amazon ウェブ サー...  1\n\
             stripe  Stripe 决済               22\n\
             gusto   Gusto                     3\n"
        );
    }
}
