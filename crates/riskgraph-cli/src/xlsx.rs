//! Excel workbooks (`rust_xlsxwriter`): one worksheet per table, with a frozen, styled header row,
//! an autofilter, columns as wide as their content, numbers stored as numbers, dates as dates,
//! risk level cells coloured, and every text stored as text (a cell that looks like a formula is
//! never one).

use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatBorder, Workbook, XlsxError};

use crate::palette;
use crate::sheets::Sheet;

/// How a column's cells are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A number; an empty cell stays empty.
    Number,
    /// `YYYY-MM-DD`, stored as an Excel date.
    Date,
    /// A risk level name, filled with its level's colour.
    Level,
}

/// A worksheet to write: its name, its table and how each column is stored.
pub struct Tab<'a> {
    pub name: &'a str,
    pub sheet: &'a Sheet,
    /// One per column; missing ones are text.
    pub kinds: Vec<Kind>,
}

/// The widest a column gets, in characters.
const MAX_WIDTH: usize = 60;

/// The workbook's bytes. `levels` are the risk level names, lowest first, for colouring.
pub fn workbook(tabs: &[Tab<'_>], levels: &[&str]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0x00D9_E1EA))
        .set_border_bottom(FormatBorder::Thin);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let level_formats: Vec<Format> = (0..levels.len())
        .map(|i| {
            let (fill, text) = palette::level(i, levels.len());
            Format::new()
                .set_background_color(Color::RGB(fill))
                .set_font_color(Color::RGB(text))
        })
        .collect();
    let mut names: Vec<String> = Vec::new();
    for tab in tabs {
        let worksheet = workbook.add_worksheet();
        let name = sheet_name(tab.name, &names);
        worksheet.set_name(&name)?;
        names.push(name);
        let sheet = tab.sheet;
        let mut widths: Vec<usize> = sheet.columns.iter().map(|c| c.chars().count()).collect();
        for (col, column) in sheet.columns.iter().enumerate() {
            worksheet.write_string_with_format(0, col as u16, *column, &header)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (col, cell) in row.iter().enumerate() {
                widths[col] = widths[col].max(cell.chars().count());
                if cell.is_empty() {
                    continue;
                }
                let c = col as u16;
                match tab.kinds.get(col).copied().unwrap_or(Kind::Text) {
                    Kind::Number => match cell.parse::<f64>() {
                        Ok(n) => worksheet.write_number(r, c, n)?,
                        Err(_) => worksheet.write_string(r, c, cell)?,
                    },
                    Kind::Date => match excel_date(cell) {
                        Some(d) => worksheet.write_datetime_with_format(r, c, &d, &date)?,
                        None => worksheet.write_string(r, c, cell)?,
                    },
                    Kind::Level => match levels.iter().position(|l| *l == cell.as_str()) {
                        Some(i) => {
                            worksheet.write_string_with_format(r, c, cell, &level_formats[i])?
                        }
                        None => worksheet.write_string(r, c, cell)?,
                    },
                    Kind::Text => worksheet.write_string(r, c, cell)?,
                };
            }
        }
        for (col, width) in widths.iter().enumerate() {
            worksheet.set_column_width(col as u16, (width + 2).clamp(6, MAX_WIDTH) as f64)?;
        }
        worksheet.set_freeze_panes(1, 0)?;
        if !sheet.columns.is_empty() {
            let last_col = sheet.columns.len() as u16 - 1;
            worksheet.autofilter(0, 0, sheet.rows.len() as u32, last_col)?;
        }
    }
    workbook.save_to_buffer()
}

/// `YYYY-MM-DD` as an Excel date.
fn excel_date(text: &str) -> Option<ExcelDateTime> {
    let date = riskgraph_model::values::Date::parse(text).ok()?.civil();
    ExcelDateTime::from_ymd(
        u16::try_from(date.year()).ok()?,
        u8::try_from(date.month()).ok()?,
        u8::try_from(date.day()).ok()?,
    )
    .ok()
}

/// A worksheet name Excel accepts (at most 31 characters, none of `[]:*?/\`), unique among
/// `taken` (compared without case, as Excel does).
fn sheet_name(wanted: &str, taken: &[String]) -> String {
    let clean: String = wanted
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
        .take(31)
        .collect();
    let clean = clean.trim_matches('\'').to_owned();
    let clean = if clean.is_empty() {
        String::from("Sheet")
    } else {
        clean
    };
    let free = |name: &str| !taken.iter().any(|t| t.eq_ignore_ascii_case(name));
    if free(&clean) {
        return clean;
    }
    (2..=taken.len() + 1)
        .map(|n| {
            let suffix = format!(" ({n})");
            let base: String = clean.chars().take(31 - suffix.len()).collect();
            format!("{base}{suffix}")
        })
        .find(|name| free(name))
        .unwrap_or(clean)
}

/// An XLSX error as a message for the user.
#[allow(clippy::needless_pass_by_value)] // used as `map_err(to_io)`
pub fn to_io(err: XlsxError) -> std::io::Error {
    std::io::Error::other(format!("cannot build the workbook: {err}"))
}

#[cfg(test)]
mod tests {
    use super::sheet_name;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        assert_eq!(sheet_name("Register", &[]), "Register");
        assert_eq!(sheet_name("a/b: c?", &[]), "a-b- c-");
        let long = "Running controls not tested in the 12 months";
        assert_eq!(sheet_name(long, &[]).chars().count(), 31);
        let taken = vec![String::from("register")];
        assert_eq!(sheet_name("Register", &taken), "Register (2)");
    }
}
