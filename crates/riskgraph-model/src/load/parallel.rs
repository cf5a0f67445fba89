//! A large, valid `dependencies.csv` read on every thread: the rows are split into chunks at line
//! ends and each chunk resolves its node ids against the finished node index.
//!
//! Only the common case takes this path: a file with no quotes after its header (so every line
//! end ends a row) whose every row is valid. A chunk stops at its first problem of any kind,
//! and the caller then reads the whole file again, one row after another, so diagnostics and
//! their order are exactly the sequential reader's.

use std::cell::Cell;

use rayon::prelude::*;

use super::csv_file;
use super::rows::DependencyColumns;
use super::table::{Cells, Interner, Origin, RawRow, Table};
use crate::diagnostic::{Diagnostics, FileIdx};
use crate::id_index::IdIndex;
use crate::inventory::Inventory;
use crate::node::NodeIdx;
use crate::records::Dependency;
use crate::schema::FileSpec;

/// Files smaller than this are read one row after another: chunks would not pay for themselves.
const MIN_BYTES: usize = 4 << 20;

thread_local! {
    /// The size from which a file is read in chunks; tests lower it to exercise the path on
    /// small files.
    static THRESHOLD: Cell<usize> = const { Cell::new(MIN_BYTES) };
}

#[cfg(test)]
thread_local! {
    /// Whether the last load on this thread read its dependencies in chunks.
    static USED: Cell<bool> = const { Cell::new(false) };
}

/// Reads files of at least `bytes` in chunks during `run`, on this thread.
#[cfg(test)]
pub(crate) fn with_threshold<T>(bytes: usize, run: impl FnOnce() -> T) -> T {
    let before = THRESHOLD.with(|t| t.replace(bytes));
    let result = run();
    THRESHOLD.with(|t| t.set(before));
    result
}

/// Reads `text`, the text of `dependencies.csv` with `delimiter`, in parallel into `inventory`
/// and returns the number of rows; `None`, having changed nothing, when the file does not
/// qualify or has any problem.
pub(super) fn read_dependencies(
    text: &str,
    delimiter: u8,
    file: FileIdx,
    spec: &'static FileSpec,
    index: &IdIndex,
    inventory: &mut Inventory,
) -> Option<usize> {
    if text.len() < THRESHOLD.with(Cell::get) || rayon::current_num_threads() < 2 {
        return None;
    }
    let (header, body) = header(text, delimiter)?;
    let mut diagnostics = Diagnostics::default();
    let origin = Origin::Csv { text, delimiter };
    let table = Table::bind(spec, file, origin, &header, &mut diagnostics);
    if !diagnostics.items.is_empty() {
        return None;
    }
    let line = 1 + text[..body].matches('\n').count() as u64;
    let (dependencies, rows) = dependencies(text, body, line, delimiter, file, &table, index)?;
    inventory.dependencies.extend(dependencies);
    #[cfg(test)]
    USED.with(|used| used.set(true));
    Some(rows)
}

/// The header row of `text` and the byte where the rows after it begin.
fn header(text: &str, delimiter: u8) -> Option<(RawRow, usize)> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut row = RawRow::default();
    if !reader.read_record(&mut row.record).ok()? {
        return None;
    }
    let start = row.record.position().map_or(0, |p| p.byte() as usize);
    // Only a header on the first line: anything before it is left to the sequential reader.
    if start != 0 {
        return None;
    }
    row.line = 1;
    row.byte = 0;
    let body = reader.position().byte() as usize;
    Some((row, body.min(text.len())))
}

/// The rows of `text` after the header, which ends at byte `body` on line `line`, read in
/// parallel: every dependency in file order and the number of rows, or `None` when the file does
/// not qualify or any row has a problem.
fn dependencies(
    text: &str,
    body: usize,
    line: u64,
    delimiter: u8,
    file: FileIdx,
    table: &Table<'_>,
    index: &IdIndex,
) -> Option<(Vec<Dependency>, usize)> {
    if !table.complete || text[body..].contains('"') {
        return None;
    }
    let chunks = chunks(text, body, line, rayon::current_num_threads() * 4);
    let columns = DependencyColumns::bind(table);
    let read: Vec<Option<(Vec<Dependency>, usize)>> = chunks
        .par_iter()
        .map(|&(start, end, line)| {
            read_chunk(
                &text[..end],
                start,
                line,
                delimiter,
                file,
                table,
                columns,
                index,
            )
        })
        .collect();
    let mut all = Vec::with_capacity(read.iter().flatten().map(|(d, _)| d.len()).sum());
    let mut rows = 0;
    for chunk in read {
        let (dependencies, n) = chunk?;
        all.extend(dependencies);
        rows += n;
    }
    Some((all, rows))
}

/// Splits `text[body..]` into about `parts` ranges that end at line ends, each with the line it
/// starts on.
fn chunks(text: &str, body: usize, line: u64, parts: usize) -> Vec<(usize, usize, u64)> {
    let bytes = text.as_bytes();
    let size = (bytes.len() - body).div_ceil(parts.max(1)).max(1);
    let mut ranges = Vec::new();
    let (mut start, mut line) = (body, line);
    while start < bytes.len() {
        let target = (start + size).min(bytes.len());
        let end = bytes[target..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |at| target + at + 1);
        ranges.push((start, end, line));
        line += bytes[start..end].iter().filter(|&&b| b == b'\n').count() as u64;
        start = end;
    }
    ranges
}

/// The dependencies of the rows of `text[start..]`, or `None` at the first problem.
#[allow(clippy::too_many_arguments)]
fn read_chunk(
    text: &str,
    start: usize,
    line: u64,
    delimiter: u8,
    file: FileIdx,
    table: &Table<'_>,
    columns: DependencyColumns,
    index: &IdIndex,
) -> Option<(Vec<Dependency>, usize)> {
    let mut diagnostics = Diagnostics::default();
    let mut interner = Interner::default();
    let mut dependencies = Vec::new();
    let mut rows = 0;
    let mut ok = true;
    // The node of the previous row's `from`: rows are usually grouped by the dependent node.
    let mut previous = (String::new(), 0);
    csv_file::read_rows_in(
        text,
        start,
        line,
        delimiter,
        file,
        &mut diagnostics,
        |row, diagnostics| {
            if !ok {
                return;
            }
            match read_row(
                table,
                columns,
                index,
                row,
                diagnostics,
                &mut interner,
                &mut previous,
            ) {
                Row::Dependency(dependency) => {
                    dependencies.push(dependency);
                    rows += 1;
                }
                Row::Blank => {}
                Row::Problem => ok = false,
            }
        },
    );
    (ok && diagnostics.items.is_empty()).then_some((dependencies, rows))
}

/// What one row holds.
enum Row {
    Dependency(Dependency),
    Blank,
    /// Anything the sequential reader would report, or a self-dependency.
    Problem,
}

/// One row, read.
fn read_row(
    table: &Table<'_>,
    columns: DependencyColumns,
    index: &IdIndex,
    row: &RawRow,
    diagnostics: &mut Diagnostics,
    interner: &mut Interner,
    previous: &mut (String, NodeIdx),
) -> Row {
    if !table.check_row(row, diagnostics) {
        return if diagnostics.items.is_empty() {
            Row::Blank
        } else {
            Row::Problem
        };
    }
    let mut cells = Cells {
        table,
        row,
        diagnostics,
        interner,
        failed: false,
    };
    match resolve(&mut cells, columns, index, previous) {
        Some(dependency) if cells.diagnostics.items.is_empty() => Row::Dependency(dependency),
        _ => Row::Problem,
    }
}

/// The row's dependency, with its optional cells read; `None` when an endpoint is missing,
/// invalid or unknown, or the row joins a node to itself.
fn resolve(
    cells: &mut Cells<'_, '_>,
    columns: DependencyColumns,
    index: &IdIndex,
    previous: &mut (String, NodeIdx),
) -> Option<Dependency> {
    let lookup = |cells: &Cells<'_, '_>, col| {
        let text = cells.text(col)?;
        crate::values::Id::check(text).ok()?;
        index.get(text)
    };
    let from = match cells.text(columns.from) {
        Some(text) if !previous.0.is_empty() && previous.0 == text => previous.1,
        _ => {
            let from = lookup(cells, columns.from)?;
            previous.0.clear();
            previous
                .0
                .push_str(cells.text(columns.from).unwrap_or_default());
            previous.1 = from;
            from
        }
    };
    let to = lookup(cells, columns.to)?;
    (from != to).then(|| columns.dependency(cells, from, to))
}

#[cfg(test)]
mod tests {
    use super::{chunks, with_threshold};
    use crate::load::{Loaded, Source, load_sources};

    fn load(dependencies: &str, chunked: bool) -> Loaded {
        let assets: String = std::iter::once(String::from("id,name,type\n"))
            .chain((0..300).map(|i| format!("a{i},Asset {i},software\n")))
            .collect();
        let sources = vec![
            Source {
                display: String::from("assets.csv"),
                bytes: assets.into_bytes(),
            },
            Source {
                display: String::from("dependencies.csv"),
                bytes: dependencies.as_bytes().to_vec(),
            },
        ];
        let threshold = if chunked { 0 } else { usize::MAX };
        super::USED.with(|used| used.set(false));
        with_threshold(threshold, || load_sources(sources))
    }

    fn used_chunks() -> bool {
        super::USED.with(std::cell::Cell::get)
    }

    /// Everything loading says about the dependencies, as text.
    fn outcome(loaded: &Loaded) -> String {
        format!(
            "{:?}\n{:?}\n{:?}",
            loaded.inventory.dependencies, loaded.diagnostics.items, loaded.files
        )
    }

    fn dependencies(rows: usize, line_end: &str) -> String {
        let mut text = format!("from,to,kind,strength{line_end}");
        for i in 0..rows {
            let kind = ["uses", "runs-on", "stores-data-in"][i % 3];
            let _ = std::fmt::Write::write_fmt(
                &mut text,
                format_args!(
                    "a{},a{},{kind},0.{}{line_end}",
                    i % 300,
                    (i * 7 + 1) % 300,
                    i % 10
                ),
            );
        }
        text
    }

    #[test]
    fn chunks_read_what_the_sequential_reader_reads() {
        for line_end in ["\n", "\r\n"] {
            let text = dependencies(2000, line_end);
            let sequential = load(&text, false);
            assert!(
                sequential.diagnostics.items.is_empty(),
                "{:?}",
                sequential.diagnostics.items
            );
            assert_eq!(sequential.inventory.dependencies.len(), 2000);
            let chunked = load(&text, true);
            // On a machine with one core there is nothing to split over.
            assert_eq!(used_chunks(), rayon::current_num_threads() > 1);
            assert_eq!(outcome(&chunked), outcome(&sequential));
        }
    }

    #[test]
    fn any_problem_gives_the_sequential_diagnostics() {
        let good = dependencies(2000, "\n");
        let broken = [
            good.replace("a5,a36,", "a5,zz9,"),         // unknown id
            good.replace("a9,a64,", "a9,a9,"),          // self-dependency
            good.replace("runs-on,0.4", "running,0.4"), // bad kind
            good.replace("a12,a85,", "a12,a85,uses,0.5,extra\na12,a85,"), // extra cell
            good.replace("a30,a211,", "\"a30\",a211,"), // quotes
            good.replace("a40,a281,", "a 40,a281,"),    // bad id
            good.replace("a7,a50,", ",a50,"),           // missing value
        ];
        for text in &broken {
            assert_ne!(text, &good);
            let chunked = load(text, true);
            assert!(
                !used_chunks(),
                "a problem falls back to the sequential reader"
            );
            assert_eq!(outcome(&chunked), outcome(&load(text, false)));
        }
        // Blank lines are no problem: they are skipped either way.
        let blank = good.replace("a20,a141,", "\n\na20,a141,");
        let chunked = load(&blank, true);
        assert_eq!(used_chunks(), rayon::current_num_threads() > 1);
        assert_eq!(outcome(&chunked), outcome(&load(&blank, false)));
    }

    #[test]
    fn chunks_end_at_line_ends_and_know_their_lines() {
        let text = "from,to\na,b\nc,d\ne,f\ng,h\n";
        let body = "from,to\n".len();
        let ranges = chunks(text, body, 2, 3);
        assert_eq!(ranges.first().unwrap().0, body);
        assert_eq!(ranges.last().unwrap().1, text.len());
        for pair in ranges.windows(2) {
            assert_eq!(pair[0].1, pair[1].0);
            assert_eq!(text.as_bytes()[pair[0].1 - 1], b'\n');
        }
        for &(start, _, line) in &ranges {
            let before = text[..start].matches('\n').count() as u64;
            assert_eq!(line, before + 1);
        }
    }
}
