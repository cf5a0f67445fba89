//! A large, valid `assets.csv` or `dependencies.csv` read on every thread: the rows are split
//! into chunks at line ends; asset chunks build their records, then the ids are indexed in file
//! order; dependency chunks resolve their endpoints against the finished node index.
//!
//! Only the common case takes this path: a file with no quotes after its header (so every line
//! end ends a row and every delimiter a cell: lines are split as they are, without the CSV
//! reader) whose every row is valid. A chunk stops at its first problem of any kind (for
//! assets, a duplicate id too), and the caller then reads the whole file again, one row after
//! another, so diagnostics and their order are exactly the sequential reader's.

use std::cell::Cell;

use rayon::prelude::*;

use super::csv_file;
use super::rows::{AssetColumns, DependencyColumns};
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
    /// Whether the last load on this thread read its dependencies, and its assets, in chunks.
    static USED: Cell<(bool, bool)> = const { Cell::new((false, false)) };
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
    let bound = bind(text, delimiter, file, spec)?;
    let columns = DependencyColumns::bind(&bound.table);
    let (dependencies, rows) = read_all(
        &bound,
        |cells, scratch: &mut Endpoints| resolve(cells, columns, index, scratch),
        |dependencies, scratch| resolve_to(dependencies, &scratch, index),
    )?;
    append(&mut inventory.dependencies, dependencies);
    #[cfg(test)]
    USED.with(|used| used.set((true, used.get().1)));
    Some(rows)
}

/// Reads `text`, the text of `assets.csv`, in parallel into `inventory` and `index`, which must
/// both be empty (it is the first node file), and returns the number of rows; `None`, leaving
/// both empty, when the file does not qualify or has any problem, a duplicate id included.
pub(super) fn read_assets(
    text: &str,
    delimiter: u8,
    file: FileIdx,
    spec: &'static FileSpec,
    index: &mut IdIndex,
    inventory: &mut Inventory,
) -> Option<usize> {
    if !index.is_empty() || !inventory.nodes.is_empty() {
        return None;
    }
    let bound = bind(text, delimiter, file, spec)?;
    let columns = AssetColumns::bind(&bound.table);
    let (nodes, rows) = read_all(
        &bound,
        |cells, (): &mut ()| columns.node(cells),
        |_, ()| true,
    )?;
    // Ids are checked against each other in file order, as the sequential reader does.
    let reserved = index.capacity_hint();
    for (i, node) in nodes.iter().flatten().enumerate() {
        if index.insert(node.id.as_str(), i as NodeIdx).is_some() {
            *index = IdIndex::default();
            index.reserve(reserved);
            return None;
        }
    }
    append(&mut inventory.nodes, nodes);
    #[cfg(test)]
    USED.with(|used| used.set((used.get().0, true)));
    Some(rows)
}

/// How many chunks a file is read in: a few per thread on a small machine, so that a thread that
/// finishes early takes another. [`append`] moves exactly this many.
const PARTS: usize = 8;

/// Moves the records of `chunks` to the end of `all` in order, on every thread: each record
/// lands in its place directly, so the copying and the first touch of the table's memory are
/// shared out. (More than [`PARTS`] chunks, which `chunks` never makes, are moved one by one.)
fn append<T: Send>(all: &mut Vec<T>, chunks: Vec<Vec<T>>) {
    if chunks.len() > PARTS {
        for chunk in chunks {
            all.extend(chunk);
        }
        return;
    }
    let mut chunks = chunks.into_iter();
    let mut next = || chunks.next().unwrap_or_default().into_par_iter();
    // Chains of indexed iterators stay indexed, so `par_extend` writes in place.
    let first = next().chain(next()).chain(next().chain(next()));
    let second = next().chain(next()).chain(next().chain(next()));
    all.par_extend(first.chain(second));
}

/// A file ready to read in chunks: its text and bound header, and where its rows begin.
struct Bound<'t> {
    text: &'t str,
    delimiter: u8,
    table: Table<'t>,
    /// The byte after the header row.
    body: usize,
    /// The line `body` is on.
    line: u64,
}

/// `text` with its header bound to `spec`, when the file qualifies for chunks: large enough,
/// several threads, a clean header on the first line, and no quote after it (so every line end
/// ends a row).
fn bind<'t>(
    text: &'t str,
    delimiter: u8,
    file: FileIdx,
    spec: &'static FileSpec,
) -> Option<Bound<'t>> {
    if text.len() < THRESHOLD.with(Cell::get) || rayon::current_num_threads() < 2 {
        return None;
    }
    let (header, body) = header(text, delimiter)?;
    if memchr::memchr(b'"', &text.as_bytes()[body..]).is_some() {
        return None;
    }
    let mut diagnostics = Diagnostics::default();
    let origin = Origin::Csv { text, delimiter };
    let table = Table::bind(spec, file, origin, &header, &mut diagnostics);
    if !diagnostics.items.is_empty() || !table.complete {
        return None;
    }
    let line = 1 + text[..body].matches('\n').count() as u64;
    Some(Bound {
        text,
        delimiter,
        table,
        body,
        line,
    })
}

/// The header row of `text` and the byte where the rows after it begin.
fn header(text: &str, delimiter: u8) -> Option<(RawRow, usize)> {
    let mut reader = csv_file::reader(text, delimiter);
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

/// Every record `read` makes of the rows of `bound`, chunk by chunk in file order, with the
/// number of rows; `None` when any row has a problem. Each chunk gets its own `S`, starting from
/// the default, which `finish` receives with the chunk's records once its rows are read; `finish`
/// returning false is a problem. The records stay in their chunks so the caller moves them once.
fn read_all<T: Send, S: Default>(
    bound: &Bound<'_>,
    read: impl Fn(&mut Cells<'_, '_>, &mut S) -> Option<T> + Sync,
    finish: impl Fn(&mut [T], S) -> bool + Sync,
) -> Option<(Vec<Vec<T>>, usize)> {
    let chunks = chunks(bound.text, bound.body, bound.line, PARTS);
    let read: Vec<Option<(Vec<T>, usize)>> = chunks
        .par_iter()
        .map(|chunk| read_chunk(bound, chunk, &read, &finish))
        .collect();
    let mut all = Vec::with_capacity(read.len());
    let mut rows = 0;
    for chunk in read {
        let (records, n) = chunk?;
        all.push(records);
        rows += n;
    }
    Some((all, rows))
}

/// A range of a file's rows, read on one thread.
struct Chunk {
    /// The bytes `start..end` of the text, which end at a line end or the end of the text.
    start: usize,
    end: usize,
    /// The line `start` is on, and how many line ends the range has.
    line: u64,
    lines: usize,
}

/// Splits `text[body..]` into about `parts` chunks that end at line ends; the first begins on
/// line `line`.
fn chunks(text: &str, body: usize, line: u64, parts: usize) -> Vec<Chunk> {
    let bytes = text.as_bytes();
    let size = (bytes.len() - body).div_ceil(parts.max(1)).max(1);
    let mut bounds = Vec::new();
    let mut start = body;
    while start < bytes.len() {
        let target = (start + size).min(bytes.len());
        let end = memchr::memchr(b'\n', &bytes[target..]).map_or(bytes.len(), |at| target + at + 1);
        bounds.push((start, end));
        start = end;
    }
    // Each chunk's lines are counted on its own thread; the first line of each follows.
    let lines: Vec<usize> = bounds
        .par_iter()
        .map(|&(start, end)| memchr::memchr_iter(b'\n', &bytes[start..end]).count())
        .collect();
    let mut line = line;
    bounds
        .into_iter()
        .zip(lines)
        .map(|((start, end), lines)| {
            let first = line;
            line += lines as u64;
            Chunk {
                start,
                end,
                line: first,
                lines,
            }
        })
        .collect()
}

/// The records of the rows of `bound.text[start..end]`, which begins on line `line`, or `None` at
/// the first problem.
fn read_chunk<T, S: Default>(
    bound: &Bound<'_>,
    chunk: &Chunk,
    read: &impl Fn(&mut Cells<'_, '_>, &mut S) -> Option<T>,
    finish: &impl Fn(&mut [T], S) -> bool,
) -> Option<(Vec<T>, usize)> {
    let mut diagnostics = Diagnostics::default();
    let mut interner = Interner::default();
    // A row per line at most (the last may lack its line end): the records never move.
    let mut records = Vec::with_capacity(chunk.lines + 1);
    let mut scratch = S::default();
    let ok = csv_file::read_plain_rows(
        &bound.text[..chunk.end],
        chunk.start,
        chunk.line,
        bound.delimiter,
        |row| {
            if !bound.table.check_row(row, &mut diagnostics) {
                // A blank row is skipped; any other refusal is a problem.
                return diagnostics.items.is_empty();
            }
            let mut cells = Cells {
                table: &bound.table,
                row,
                diagnostics: &mut diagnostics,
                interner: &mut interner,
                failed: false,
            };
            match read(&mut cells, &mut scratch) {
                Some(record) if cells.diagnostics.items.is_empty() => {
                    records.push(record);
                    true
                }
                _ => false,
            }
        },
    );
    let rows = records.len();
    (ok && diagnostics.items.is_empty() && finish(&mut records, scratch)).then_some((records, rows))
}

/// What a chunk of dependencies keeps of its endpoints while its rows are read.
#[derive(Default)]
struct Endpoints {
    /// The previous row's `from` and its node: rows are usually grouped by the dependent node.
    previous: (String, NodeIdx),
    /// The `to` ids of the chunk's dependencies so far, one after the other, and where each ends.
    to_text: String,
    to_ends: Vec<usize>,
}

/// The row's dependency, with its optional cells read and its `to` left for [`resolve_to`]; `None`
/// when an endpoint is missing or `from` is not in the index.
fn resolve(
    cells: &mut Cells<'_, '_>,
    columns: DependencyColumns,
    index: &IdIndex,
    endpoints: &mut Endpoints,
) -> Option<Dependency> {
    // The ids are not checked here: the index holds valid ids only, so an invalid one is not
    // found, and the sequential reader that takes over says what is wrong with it.
    let previous = &mut endpoints.previous;
    let from = match cells.text(columns.from) {
        Some(text) if !previous.0.is_empty() && previous.0 == text => previous.1,
        _ => {
            let from = index.get(cells.text(columns.from)?)?;
            previous.0.clear();
            previous
                .0
                .push_str(cells.text(columns.from).unwrap_or_default());
            previous.1 = from;
            from
        }
    };
    endpoints.to_text.push_str(cells.text(columns.to)?);
    endpoints.to_ends.push(endpoints.to_text.len());
    Some(columns.dependency(cells, from, NodeIdx::MAX))
}

/// Looks up the `to` of each of a chunk's `dependencies`, together after its rows are read:
/// each lookup reads a random place in a large table, and a loop of lookups alone lets the
/// processor wait on many of them together instead of one per row between parsing. False when
/// an id is unknown or a row joins a node to itself.
fn resolve_to(dependencies: &mut [Dependency], endpoints: &Endpoints, index: &IdIndex) -> bool {
    let mut start = 0;
    for (dependency, &end) in dependencies.iter_mut().zip(&endpoints.to_ends) {
        let Some(to) = index.get(&endpoints.to_text[start..end]) else {
            return false;
        };
        if to == dependency.from {
            return false;
        }
        dependency.to = to;
        start = end;
    }
    dependencies.len() == endpoints.to_ends.len()
}

#[cfg(test)]
mod tests {
    use super::{chunks, with_threshold};
    use crate::load::{Loaded, Source, load_sources};

    fn load(dependencies: &str, chunked: bool) -> Loaded {
        let assets: String = std::iter::once(String::from("id,name,type\n"))
            .chain((0..300).map(|i| format!("a{i},Asset {i},software\n")))
            .collect();
        load_with(&assets, dependencies, chunked)
    }

    fn load_with(assets: &str, dependencies: &str, chunked: bool) -> Loaded {
        let sources = vec![
            Source::new("assets.csv", assets),
            Source::new("dependencies.csv", dependencies),
        ];
        let threshold = if chunked { 0 } else { usize::MAX };
        super::USED.with(|used| used.set((false, false)));
        with_threshold(threshold, || load_sources(sources))
    }

    /// Whether the last load read its dependencies in chunks.
    fn used_chunks() -> bool {
        super::USED.with(std::cell::Cell::get).0
    }

    /// Whether the last load read its assets in chunks.
    fn used_chunks_for_assets() -> bool {
        super::USED.with(std::cell::Cell::get).1
    }

    /// Everything loading says, as text.
    fn outcome(loaded: &Loaded) -> String {
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}",
            loaded.inventory.nodes,
            loaded.inventory.dependencies,
            loaded.diagnostics.items,
            loaded.files
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
            good.replace("a60,a121,", "a60,a 121,"),    // bad id in `to`
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
        assert_eq!(ranges.first().unwrap().start, body);
        assert_eq!(ranges.last().unwrap().end, text.len());
        for pair in ranges.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
            assert_eq!(text.as_bytes()[pair[0].end - 1], b'\n');
        }
        for chunk in &ranges {
            let before = text[..chunk.start].matches('\n').count() as u64;
            assert_eq!(chunk.line, before + 1);
            assert_eq!(
                chunk.lines,
                text[chunk.start..chunk.end].matches('\n').count()
            );
        }
    }

    fn assets(rows: usize) -> String {
        let mut text = String::from(
            "id,name,type,owner,confidentiality,classification,personal_data,location,tags,cost centre\n",
        );
        for i in 0..rows {
            let kind = ["software", "data", "hardware"][i % 3];
            let _ = std::fmt::Write::write_fmt(
                &mut text,
                format_args!(
                    "a{i},Asset {i},{kind},Owner {},{},internal,{},site-{},t{};t{},{}\n",
                    i % 7,
                    i % 5 + 1,
                    if i % 2 == 0 { "yes" } else { "no" },
                    i % 4,
                    i % 3,
                    i % 11,
                    i * 10
                ),
            );
        }
        text
    }

    #[test]
    fn assets_in_chunks_are_the_sequential_assets() {
        let good = assets(300);
        let deps = dependencies(2000, "\n");
        let sequential = load_with(&good, &deps, false);
        assert!(
            sequential.diagnostics.items.is_empty(),
            "{:?}",
            sequential.diagnostics.items
        );
        let chunked = load_with(&good, &deps, true);
        assert_eq!(used_chunks_for_assets(), rayon::current_num_threads() > 1);
        assert_eq!(used_chunks(), rayon::current_num_threads() > 1);
        assert_eq!(outcome(&chunked), outcome(&sequential));
        // Ids resolve through the index the chunks built.
        assert_eq!(chunked.inventory.node_idx("a299"), Some(299));

        let broken = [
            good.replace("\na17,", "\na16,"), // duplicate id
            good.replace("a21,Asset 21,software", "a21,Asset 21,sofware"), // bad type
            good.replace("a33,Asset 33,", "a33,,"), // missing name
            good.replace(",Owner 3,4,", ",Owner 3,9,"), // rating out of range
            good.replace("a40,Asset 40", "\"a40\",Asset 40"), // quotes
            good.replace("\na50,", "\n,"),    // missing id
        ];
        for text in &broken {
            assert_ne!(text, &good);
            let chunked = load_with(text, &deps, true);
            assert!(
                !used_chunks_for_assets(),
                "a problem falls back to the sequential reader"
            );
            assert_eq!(outcome(&chunked), outcome(&load_with(text, &deps, false)));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Whatever the bytes, chunks give what the sequential reader gives.
        #[test]
        fn any_text_reads_the_same_in_chunks(
            assets in "id,name,type\n(\u{FEFF}?a[0-9]{1,2},[a-zé ;\"\r]{0,6},(software|data|bad)\r?\n){0,40}",
            deps in "from,to,kind\n(a[0-9]{1,2},a[0-9]{1,2}(,uses|,runs-on|,x|)(,9)?\r?\n|\n){0,60}",
        ) {
            let chunked = load_with(&assets, &deps, true);
            let sequential = load_with(&assets, &deps, false);
            proptest::prop_assert_eq!(outcome(&chunked), outcome(&sequential));
        }
    }
}
