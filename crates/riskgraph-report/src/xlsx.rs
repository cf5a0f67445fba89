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
    /// A number or a `YYYY-MM-DD` date when the cell reads as one, else text (a column of
    /// mixed values, such as a summary's).
    Auto,
}

/// A worksheet to write: its name, its columns and rows, and how each column is stored.
pub struct Tab<'a> {
    pub name: &'a str,
    pub columns: &'a [&'a str],
    pub rows: Rows<'a>,
    /// One per column; missing ones are text.
    pub kinds: Vec<Kind>,
}

impl<'a> Tab<'a> {
    /// A worksheet of `sheet`'s table.
    pub fn of(name: &'a str, sheet: &'a Sheet, kinds: Vec<Kind>) -> Self {
        Self {
            name,
            columns: &sheet.columns,
            rows: Rows::Held(&sheet.rows),
            kinds,
        }
    }
}

/// The rows of a worksheet.
#[derive(Clone, Copy)]
pub enum Rows<'a> {
    /// Rows already made.
    Held(&'a [Vec<String>]),
    /// `count` rows, each made by `row` from its position when it is written, and streamed to a
    /// temporary file (`rust_xlsxwriter`'s constant-memory mode, which stores text in the cells
    /// rather than in a shared table): a register of millions of risks is never held as text.
    Made {
        count: usize,
        row: &'a dyn Fn(usize) -> Vec<String>,
    },
}

impl Rows<'_> {
    fn len(&self) -> usize {
        match self {
            Self::Held(rows) => rows.len(),
            Self::Made { count, .. } => *count,
        }
    }

    fn row(&self, at: usize) -> std::borrow::Cow<'_, [String]> {
        match self {
            Self::Held(rows) => std::borrow::Cow::Borrowed(&rows[at]),
            Self::Made { row, .. } => std::borrow::Cow::Owned(row(at)),
        }
    }
}

/// The widest a column gets, in characters.
const MAX_WIDTH: usize = 60;
/// Data rows per worksheet: Excel's 1,048,576 rows, less the header. A longer table continues on
/// sheets named like the first with ` (2)`, ` (3)`...
const MAX_ROWS: usize = 1_048_575;
/// The most characters Excel keeps in a cell; a longer text is cut with a note.
const MAX_CELL: usize = 32_767;

/// The workbook's bytes. `levels` are the risk level names, lowest first, for colouring;
/// `created`, the assessment date, is the workbook's creation date (midnight UTC), so the same
/// assessment gives the same bytes.
pub fn workbook(
    tabs: &[Tab<'_>],
    levels: &[&str],
    created: jiff::civil::Date,
) -> Result<Vec<u8>, XlsxError> {
    let mut bytes = Vec::new();
    write_workbook_of(&mut bytes, tabs, levels, created, MAX_ROWS)?;
    Ok(bytes)
}

/// [`workbook`], written to `out` as it is zipped rather than returned: with tabs of
/// [`Rows::Made`], memory does not grow with the rows.
pub fn write_workbook(
    out: impl std::io::Write + Send,
    tabs: &[Tab<'_>],
    levels: &[&str],
    created: jiff::civil::Date,
) -> Result<(), XlsxError> {
    write_workbook_of(out, tabs, levels, created, MAX_ROWS)
}

/// [`write_workbook`], with at most `max_rows` data rows per worksheet.
fn write_workbook_of(
    out: impl std::io::Write + Send,
    tabs: &[Tab<'_>],
    levels: &[&str],
    created: jiff::civil::Date,
    max_rows: usize,
) -> Result<(), XlsxError> {
    // `rust_xlsxwriter` panics, rather than returning the error, when it cannot write a streamed
    // row to its temporary file (a full disk): that must be an error like any other.
    without_panics(|| write_workbook_unguarded(out, tabs, levels, created, max_rows)).map_err(
        |err| match err {
            Caught::Error(err) => err,
            Caught::Panic(message) => XlsxError::CustomError(format!(
                "{message}. A workbook's register rows take about 1.6 KB each of the temporary \
                 folder ({}) until the workbook is zipped: point TMPDIR at a disk with room, or \
                 write --format csv",
                std::env::temp_dir().display()
            )),
        },
    )
}

/// What went wrong in [`without_panics`].
#[derive(Debug)]
enum Caught<E> {
    Error(E),
    /// A panic, with its message.
    Panic(String),
}

/// Runs `work` on this thread, a panic in it caught and returned with its message instead of
/// printed. The panic hook is the process's: panics elsewhere meanwhile are not printed either
/// (this thread is the only one at work while a workbook is written), and one call at a time
/// swaps it, so that the hook put back is always the one found.
fn without_panics<T, E>(work: impl FnOnce() -> Result<T, E>) -> Result<T, Caught<E>> {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    std::panic::set_hook(hook);
    match result {
        Ok(result) => result.map_err(Caught::Error),
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("the workbook writer stopped");
            Err(Caught::Panic(message.to_owned()))
        }
    }
}

/// What [`write_workbook_of`] does, panics and all.
fn write_workbook_unguarded(
    out: impl std::io::Write + Send,
    tabs: &[Tab<'_>],
    levels: &[&str],
    created: jiff::civil::Date,
    max_rows: usize,
) -> Result<(), XlsxError> {
    let mut workbook = Workbook::new();
    let created = rust_xlsxwriter::ExcelDateTime::from_ymd(
        created.year().try_into().unwrap_or(1900),
        created.month().try_into().unwrap_or(1),
        created.day().try_into().unwrap_or(1),
    )?;
    workbook.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
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
        let count = tab.rows.len();
        // An empty table still gets its worksheet, with the header.
        let parts = count.div_ceil(max_rows).max(1);
        for part in 0..parts {
            let wanted = if part == 0 {
                tab.name.to_owned()
            } else {
                format!("{} ({})", tab.name, part + 1)
            };
            let name = sheet_name(&wanted, &names);
            let worksheet = match tab.rows {
                Rows::Held(_) => workbook.add_worksheet(),
                Rows::Made { .. } => workbook.add_worksheet_with_constant_memory()?,
            };
            worksheet.set_name(&name)?;
            names.push(name);
            let formats = Formats {
                header: &header,
                date: &date,
                levels: &level_formats,
            };
            let rows = part * max_rows..count.min((part + 1) * max_rows);
            write_sheet(worksheet, tab, rows, levels, &formats)?;
        }
    }
    workbook.save_to_writer(out)
}

/// The formats a worksheet's cells use.
struct Formats<'a> {
    header: &'a Format,
    date: &'a Format,
    /// One per level, lowest first.
    levels: &'a [Format],
}

/// One worksheet: the header, the rows of `tab` at positions `rows`, in order, then widths,
/// frozen header and autofilter.
fn write_sheet(
    worksheet: &mut rust_xlsxwriter::Worksheet,
    tab: &Tab<'_>,
    rows: std::ops::Range<usize>,
    levels: &[&str],
    formats: &Formats<'_>,
) -> Result<(), XlsxError> {
    let columns = tab.columns;
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    for (col, column) in columns.iter().enumerate() {
        worksheet.write_string_with_format(0, col as u16, *column, formats.header)?;
    }
    let written = rows.len();
    for (r, at) in rows.enumerate() {
        let r = r as u32 + 1;
        let row = tab.rows.row(at);
        for (col, cell) in row.iter().enumerate() {
            widths[col] = widths[col].max(cell.chars().count());
            if cell.is_empty() {
                continue;
            }
            let c = col as u16;
            let cell = fit_cell(cell);
            let cell = cell.as_ref();
            let kind = tab.kinds.get(col).copied().unwrap_or(Kind::Text);
            // Each cell is parsed once: a number first, then a date, as its kind allows.
            let number = matches!(kind, Kind::Number | Kind::Auto)
                .then(|| cell.parse::<f64>().ok().filter(|n| n.is_finite()))
                .flatten();
            let date = (number.is_none() && matches!(kind, Kind::Date | Kind::Auto))
                .then(|| excel_date(cell))
                .flatten();
            match (kind, number, date) {
                (_, Some(number), _) => {
                    worksheet.write_number(r, c, number)?;
                }
                (_, None, Some(date)) => {
                    worksheet.write_datetime_with_format(r, c, &date, formats.date)?;
                }
                (Kind::Level, None, None) => match levels.iter().position(|l| *l == cell) {
                    Some(i) => {
                        worksheet.write_string_with_format(r, c, cell, &formats.levels[i])?;
                    }
                    None => {
                        worksheet.write_string(r, c, cell)?;
                    }
                },
                _ => {
                    worksheet.write_string(r, c, cell)?;
                }
            }
        }
    }
    for (col, width) in widths.iter().enumerate() {
        worksheet.set_column_width(col as u16, (width + 2).clamp(6, MAX_WIDTH) as f64)?;
    }
    worksheet.set_freeze_panes(1, 0)?;
    if !columns.is_empty() {
        worksheet.autofilter(0, 0, written as u32, columns.len() as u16 - 1)?;
    }
    Ok(())
}

/// `cell`, or its beginning with a note of what was cut when it is longer than a cell holds.
fn fit_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let count = cell.chars().count();
    if count <= MAX_CELL {
        return std::borrow::Cow::Borrowed(cell);
    }
    let note =
        |cut: usize| format!(" ... ({cut} more characters: the CSV or JSON output has them all)");
    let keep = MAX_CELL - note(count).chars().count();
    let mut text: String = cell.chars().take(keep).collect();
    text.push_str(&note(count - keep));
    std::borrow::Cow::Owned(text)
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
    use calamine::Reader;

    use super::*;

    #[test]
    fn a_long_table_continues_on_more_sheets() {
        let sheet = Sheet {
            title: String::from("Register"),
            columns: vec!["id"],
            rows: (0..5).map(|i| vec![i.to_string()]).collect(),
            empty: "",
        };
        let tab = Tab::of("Register", &sheet, vec![Kind::Number]);
        let mut bytes = Vec::new();
        write_workbook_of(&mut bytes, &[tab], &[], jiff::civil::date(2026, 11, 1), 2).unwrap();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(
            book.sheet_names(),
            ["Register", "Register (2)", "Register (3)"]
        );
        let last = book.worksheet_range("Register (3)").unwrap();
        assert_eq!(last.rows().count(), 2, "the header and the fifth row");
    }

    #[test]
    fn rows_made_as_they_are_written_read_back_as_rows_held() {
        let held: Vec<Vec<String>> = (0..5)
            .map(|i| vec![format!("r{i}"), i.to_string(), String::from("2026-11-01")])
            .collect();
        let sheet = Sheet {
            title: String::from("Register"),
            columns: vec!["id", "n", "on"],
            rows: held.clone(),
            empty: "",
        };
        let kinds = vec![Kind::Text, Kind::Number, Kind::Date];
        let row = |at: usize| held[at].clone();
        let made = Tab {
            name: "Register",
            columns: &sheet.columns,
            rows: Rows::Made {
                count: held.len(),
                row: &row,
            },
            kinds: kinds.clone(),
        };
        let read = |tab: Tab<'_>| {
            let mut bytes = Vec::new();
            let created = jiff::civil::date(2026, 11, 1);
            write_workbook_of(&mut bytes, &[tab], &[], created, 2).unwrap();
            let mut book: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
            let names = book.sheet_names();
            let cells: Vec<Vec<String>> = names
                .iter()
                .flat_map(|name| {
                    let range = book.worksheet_range(name).unwrap();
                    let rows: Vec<Vec<String>> = range
                        .rows()
                        .map(|row| row.iter().map(ToString::to_string).collect())
                        .collect();
                    rows
                })
                .collect();
            (names, cells)
        };
        let (names, cells) = read(made);
        assert_eq!(names, ["Register", "Register (2)", "Register (3)"]);
        assert_eq!(cells.len(), 3 + 5, "a header per sheet and every row");
        assert_eq!((names, cells), read(Tab::of("Register", &sheet, kinds)));
    }

    #[test]
    fn a_panic_while_writing_is_an_error_with_its_message() {
        let caught = without_panics(|| -> Result<(), XlsxError> {
            panic!("Couldn't write to xml file: No space left on device")
        });
        match caught {
            Err(Caught::Panic(message)) => assert!(message.ends_with("No space left on device")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            without_panics(|| Err::<(), _>(XlsxError::CustomError(String::from("e")))),
            Err(Caught::Error(XlsxError::CustomError(_)))
        ));
        assert!(matches!(without_panics(|| Ok::<_, ()>(7)), Ok(7)));
    }

    #[test]
    fn a_cell_too_long_for_excel_is_cut_with_a_note() {
        let long = "CC6.1; ".repeat(10_000);
        let cut = fit_cell(&long);
        assert_eq!(cut.chars().count(), MAX_CELL);
        assert!(cut.ends_with("more characters: the CSV or JSON output has them all)"));
        assert_eq!(fit_cell("short"), "short");
    }

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
