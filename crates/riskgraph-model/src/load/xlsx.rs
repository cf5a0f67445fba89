//! Reading inventory tables from a workbook (XLSX, and the other formats calamine reads), one
//! sheet per file stem.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, Reader, open_workbook_auto_from_rs};

use crate::diagnostic::{Diagnostic, Diagnostics, FileIdx, Location};
use crate::load::table::RawRow;

/// One sheet: its name, its first column (0-based) and its rows, header first.
pub struct Sheet {
    pub name: String,
    pub first_column: u32,
    pub rows: Vec<RawRow>,
}

/// Reads every sheet of the workbook. A workbook that cannot be opened is one diagnostic.
pub fn read_workbook(bytes: Vec<u8>, file: FileIdx, diagnostics: &mut Diagnostics) -> Vec<Sheet> {
    // calamine is robust, but a panic on a hostile file must still become a diagnostic, never a
    // crash of the whole run.
    let result = catch_unwind(AssertUnwindSafe(move || read_sheets(bytes)));
    match result {
        Ok(Ok(sheets)) => sheets,
        Ok(Err(message)) => {
            diagnostics.push(workbook_error(file, &message));
            Vec::new()
        }
        Err(_) => {
            diagnostics.push(workbook_error(file, "the workbook's structure is corrupt"));
            Vec::new()
        }
    }
}

fn workbook_error(file: FileIdx, message: &str) -> Diagnostic {
    Diagnostic::error("bad-workbook", format!("cannot read workbook: {message}"))
        .with_help("open it in Excel or LibreOffice and save it again as .xlsx")
        .at(Location {
            file: Some(file),
            ..Location::default()
        })
}

fn read_sheets(bytes: Vec<u8>) -> Result<Vec<Sheet>, String> {
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut sheets = Vec::new();
    for name in workbook.sheet_names() {
        let range = workbook.worksheet_range(&name).map_err(|e| e.to_string())?;
        let (first_row, first_column) = range.start().unwrap_or((0, 0));
        let rows = range
            .rows()
            .enumerate()
            .map(|(i, cells)| {
                let mut row = RawRow {
                    line: u64::from(first_row) + i as u64 + 1,
                    ..RawRow::default()
                };
                for cell in cells {
                    row.record.push_field(&cell_text(cell));
                }
                row
            })
            .collect();
        sheets.push(Sheet {
            name,
            first_column,
            rows,
        });
    }
    Ok(sheets)
}

/// A cell as the CSV export of the same sheet would write it: whole numbers without `.0`,
/// booleans as yes/no, dates as `YYYY-MM-DD`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
        Data::Float(x) => x.to_string(),
        Data::Bool(true) => String::from("yes"),
        Data::Bool(false) => String::from("no"),
        Data::DateTime(datetime) if datetime.is_datetime() => {
            let (year, month, day, ..) = datetime.to_ymd_hms_milli();
            format!("{year:04}-{month:02}-{day:02}")
        }
        Data::DateTime(datetime) => datetime.as_f64().to_string(),
        Data::DateTimeIso(text) => text.get(..10).unwrap_or(text).to_owned(),
        Data::Error(err) => format!("#{err:?}"),
    }
}
