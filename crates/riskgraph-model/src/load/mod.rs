//! Loading an inventory: a folder of CSV files or a workbook, plus the `riskgraph.toml` manifest.
//!
//! Files are read in dependency order (nodes, then dependencies, threats, and the files that refer
//! to them), so every reference is checked against what is already loaded, at the cell that makes
//! it. Every problem becomes a diagnostic; loading itself never fails.

mod csv_file;
mod parallel;
mod rows;
pub mod table;
mod xlsx;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Diagnostics, FileIdx, Location};
use crate::inventory::Inventory;
use crate::manifest::Manifest;
use crate::node::RowRef;
use crate::schema::{FileSpec, NODE_FILES};
use crate::values::{Id, closest};
use table::{Cells, Interner, Origin, Table};

/// The name of the manifest file in an inventory folder.
pub const MANIFEST_FILE: &str = "riskgraph.toml";

/// Extensions read as CSV in an inventory folder (the delimiter is sniffed, whatever the name).
const TABLE_EXTENSIONS: [&str; 3] = ["csv", "tsv", "txt"];
/// Extensions read as workbooks.
const WORKBOOK_EXTENSIONS: [&str; 4] = ["xlsx", "xlsm", "xls", "ods"];

/// The result of loading: the inventory (possibly partial when there are errors), what was read,
/// and every problem found.
#[derive(Debug, Default)]
pub struct Loaded {
    pub inventory: Inventory,
    pub diagnostics: Diagnostics,
    pub files: Vec<FileSummary>,
    /// The manifest file, if there was one.
    pub manifest_path: Option<PathBuf>,
    /// The files read, for checksums in reports.
    pub inputs: Vec<PathBuf>,
    /// The lists selectors select through, when loading built them to check the inventory's
    /// selectors: whoever selects next can take them instead of building them again.
    pub node_lists: Option<crate::selector::NodeLists>,
}

/// One table that was read, and how many data rows it had.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FileSummary {
    pub stem: &'static str,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub rows: usize,
}

/// One input file's content, before parsing.
pub struct Source {
    /// The path shown in messages.
    pub display: String,
    pub bytes: Vec<u8>,
}

impl Source {
    /// The file shown as `display`, holding `bytes` (text or bytes).
    pub fn new(display: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            display: display.into(),
            bytes: bytes.into(),
        }
    }
}

/// Loads the inventory at `path`: a folder, or a workbook file.
pub fn load(path: &Path) -> Loaded {
    load_and_check(path, |_| Vec::new())
}

/// Loads the inventory at `path` like [`load`], for a command that uses it and shows no
/// warnings: the check over the whole inventory that can only warn (selectors that match no
/// node, which at a million nodes scans them for each such selector) is left out. Errors, and
/// the warnings found row by row, are the same.
pub fn load_for_use(path: &Path) -> Loaded {
    let mut last = Last {
        quiet: true,
        ..Last::default()
    };
    load_into(path, &mut last)
}

/// The paths of the files loading the folder `dir` reads (the manifest and the tables), in the
/// order it reads them; empty when `dir` cannot be listed.
pub fn folder_inputs(dir: &Path) -> Vec<PathBuf> {
    folder_steps(sorted_entries(dir).unwrap_or_default())
        .into_iter()
        .filter_map(|step| match step {
            FolderStep::Read(_, path) => Some(path),
            FolderStep::Report(_) => None,
        })
        .collect()
}

/// Loads the folder `dir` like [`load_for_use`], with its node and dependency tables taken from
/// `tables` instead of its node and dependency files, which are not read: the tables of the same
/// files, from an earlier load without errors (a snapshot's). The other files are read and
/// checked as usual.
pub fn load_with_tables(dir: &Path, tables: crate::snapshot::Tables) -> Loaded {
    let mut last = Last {
        check: None,
        found: Vec::new(),
        preloaded: Some(tables),
        quiet: true,
    };
    let mut loaded = Loaded::default();
    load_folder(dir, &mut loaded, &mut last);
    loaded.diagnostics.finish();
    loaded
}

/// A check of the whole inventory that loading runs beside its own last checks.
type Check<'c> = Box<dyn FnOnce(&Inventory) -> Vec<Diagnostic> + Send + 'c>;

/// Loads the inventory at `path` like [`load`], and runs `check` on it once every file is read,
/// on another thread than loading's own checks of the whole inventory; its diagnostics come after
/// all of loading's.
pub fn load_and_check(
    path: &Path,
    check: impl FnOnce(&Inventory) -> Vec<Diagnostic> + Send,
) -> Loaded {
    let mut last = Last {
        check: Some(Box::new(check)),
        ..Last::default()
    };
    load_into(path, &mut last)
}

/// Loads the inventory at `path` with what `last` says to do last.
fn load_into(path: &Path, last: &mut Last<'_>) -> Loaded {
    let mut loaded = Loaded::default();
    let display = path.display().to_string();
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if path.is_file() && WORKBOOK_EXTENSIONS.contains(&extension.as_str()) {
        load_workbook(path, &mut loaded, last);
    } else if path.is_dir() {
        load_folder(path, &mut loaded, last);
    } else {
        let (message, help) = if path.exists() {
            (
                format!("`{display}` is neither an inventory folder nor a workbook"),
                "give the folder that holds assets.csv and the other files, or an .xlsx workbook",
            )
        } else {
            (
                format!("`{display}` does not exist"),
                "give the folder that holds assets.csv and the other files, or an .xlsx workbook; `riskgraph init DIR` creates one",
            )
        };
        loaded
            .diagnostics
            .push(Diagnostic::error("no-inventory", message).with_help(help));
    }
    loaded.diagnostics.finish();
    // Loading that stopped early never reached the check.
    if let Some(check) = last.check.take() {
        last.found = check(&loaded.inventory);
    }
    for diagnostic in std::mem::take(&mut last.found) {
        loaded.diagnostics.push(diagnostic);
    }
    loaded
}

/// What loading does last: the caller's check and what it found.
#[derive(Default)]
struct Last<'c> {
    check: Option<Check<'c>>,
    found: Vec<Diagnostic>,
    /// The node and dependency tables, when they come from a snapshot instead of their files.
    preloaded: Option<crate::snapshot::Tables>,
    /// Leave out the checks of the whole inventory that can only warn ([`load_for_use`]).
    quiet: bool,
}

/// Loads an inventory from in-memory CSV files named like a folder's (`assets.csv`,
/// `riskgraph.toml`), for tests and tools that do not touch the disk.
pub fn load_sources(sources: Vec<Source>) -> Loaded {
    let mut loaded = Loaded::default();
    let mut manifest = None;
    let mut tables = Vec::new();
    for source in sources {
        let name = file_name(&source.display);
        if name.eq_ignore_ascii_case(MANIFEST_FILE) {
            manifest = Some(source);
        } else if let Some(spec) = FileSpec::by_stem(stem_of(&name)) {
            tables.push((spec, source));
        }
    }
    read_csv_inventory(
        "the inventory",
        manifest,
        tables,
        &mut loaded,
        &mut Last::default(),
    );
    loaded.diagnostics.finish();
    loaded
}

fn file_name(display: &str) -> String {
    Path::new(display)
        .file_name()
        .map_or_else(|| display.to_owned(), |n| n.to_string_lossy().into_owned())
}

fn stem_of(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

fn read_file(path: &Path, diagnostics: &mut Diagnostics) -> Option<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(err) => {
            diagnostics.push(unreadable(path, &err));
            None
        }
    }
}

fn unreadable(path: &Path, err: &std::io::Error) -> Diagnostic {
    Diagnostic::error(
        "unreadable",
        format!("cannot read `{}`: {err}", path.display()),
    )
    .with_help("check the file's permissions")
}

/// What loading a folder does with one of its files.
enum FolderStep {
    /// Read the file: the manifest (no spec) or an inventory table.
    Read(Option<&'static FileSpec>, PathBuf),
    /// Report a file that is not read: a table name that looks misspelt.
    Report(Diagnostic),
}

/// The steps for the files at `paths`, in order. Files that are neither the manifest nor a table
/// are skipped.
fn folder_steps(paths: Vec<PathBuf>) -> Vec<FolderStep> {
    let mut steps = Vec::new();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if name.eq_ignore_ascii_case(MANIFEST_FILE) {
            steps.push(FolderStep::Read(None, path));
            continue;
        }
        if !path.is_file() || !TABLE_EXTENSIONS.contains(&extension.as_str()) {
            continue;
        }
        let stem = stem_of(&name);
        if let Some(spec) = FileSpec::by_stem(stem) {
            steps.push(FolderStep::Read(Some(spec), path));
        } else {
            let unknown = unknown_table(&path.display().to_string(), stem, None);
            steps.extend(unknown.map(FolderStep::Report));
        }
    }
    steps
}

/// The entries of the folder `dir`, sorted: directory order differs between file systems, and
/// sorting keeps output reproducible.
fn sorted_entries(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    Ok(paths)
}

fn load_folder(dir: &Path, loaded: &mut Loaded, last: &mut Last<'_>) {
    let paths = match sorted_entries(dir) {
        Ok(paths) => paths,
        Err(err) => {
            loaded.diagnostics.push(Diagnostic::error(
                "unreadable",
                format!("cannot read folder `{}`: {err}", dir.display()),
            ));
            return;
        }
    };
    let steps = folder_steps(paths);
    // The files are read all at once, on every thread: a large inventory is hundreds of
    // megabytes. Then the steps are taken in order. (A second file for a table is read for
    // nothing; it is rare.) Tables handed over already are not read.
    let preloaded = last.preloaded.is_some();
    let contents: Vec<Option<std::io::Result<Vec<u8>>>> = steps
        .par_iter()
        .map(|step| match step {
            FolderStep::Read(Some(spec), _) if preloaded && is_preloaded(spec.stem) => {
                Some(Ok(Vec::new()))
            }
            FolderStep::Read(_, path) => Some(std::fs::read(path)),
            FolderStep::Report(_) => None,
        })
        .collect();
    let mut manifest = None;
    let mut tables: Vec<(&'static FileSpec, Source)> = Vec::new();
    for (step, content) in steps.into_iter().zip(contents) {
        let (spec, path) = match step {
            FolderStep::Report(diagnostic) => {
                loaded.diagnostics.push(diagnostic);
                continue;
            }
            FolderStep::Read(spec, path) => (spec, path),
        };
        // A table read already, from another file, is not taken twice. The first file that could
        // be read holds it.
        if let Some(spec) = spec
            && let Some((_, earlier)) = tables.iter().find(|(s, _)| s.stem == spec.stem)
        {
            loaded.diagnostics.push(
                Diagnostic::error(
                    "duplicate-file",
                    format!(
                        "`{}` and `{}` both hold {}",
                        earlier.display,
                        path.display(),
                        spec.stem
                    ),
                )
                .with_help("keep one of them"),
            );
            continue;
        }
        let bytes = match content {
            Some(Ok(bytes)) => Some(bytes),
            Some(Err(err)) => {
                loaded.diagnostics.push(unreadable(&path, &err));
                None
            }
            None => None,
        };
        let source = bytes.map(|bytes| Source {
            display: path.display().to_string(),
            bytes,
        });
        match (spec, source) {
            (None, source) => {
                manifest = source;
                loaded.manifest_path = Some(path);
            }
            (Some(spec), Some(source)) => {
                tables.push((spec, source));
                loaded.inputs.push(path);
            }
            (Some(_), None) => {}
        }
    }
    if let Some(path) = &loaded.manifest_path {
        loaded.inputs.push(path.clone());
    }
    read_csv_inventory(&dir.display().to_string(), manifest, tables, loaded, last);
}

/// A table file or sheet whose name is not an inventory table: worth a warning only when it
/// looks like a misspelt one, since folders and workbooks hold other things too.
fn unknown_table(display: &str, stem: &str, sheet: Option<&str>) -> Option<Diagnostic> {
    let stems = crate::schema::FILES.iter().map(|f| f.stem);
    let near = closest(stem, stems)?;
    let what = match sheet {
        Some(sheet) => format!("sheet `{sheet}` of `{display}`"),
        None => format!("`{display}`"),
    };
    Some(
        Diagnostic::warning(
            "unknown-file",
            format!("{what} is not an inventory table and is ignored"),
        )
        .with_help(format!("did you mean `{near}`?")),
    )
}

fn read_manifest(source: Option<Source>, loaded: &mut Loaded) {
    let Some(source) = source else {
        return;
    };
    let file = loaded.diagnostics.add_file(&source.display, None);
    let Some(text) = csv_file::decode(source.bytes, file, &mut loaded.diagnostics) else {
        return;
    };
    loaded.inventory.manifest = Manifest::parse(&text, file, &mut loaded.diagnostics);
    loaded.diagnostics.keep_text_if_cited(file, &text);
}

fn read_csv_inventory(
    inventory: &str,
    manifest: Option<Source>,
    mut tables: Vec<(&'static FileSpec, Source)>,
    loaded: &mut Loaded,
    last: &mut Last<'_>,
) {
    read_manifest(manifest, loaded);
    require_node_file(inventory, tables.iter().map(|(spec, _)| spec.stem), loaded);
    let mut state = LoadState::default();
    let mut interner = Interner::default();
    let mut preloaded = last.preloaded.take();
    if preloaded.is_none() {
        // Room for every node and dependency up front: the tables are large, and growing them
        // copies them.
        let lines = |stems: &[&str]| -> usize {
            tables
                .iter()
                .filter(|(spec, _)| stems.contains(&spec.stem))
                .map(|(_, source)| {
                    source
                        .bytes
                        .par_chunks(1 << 20)
                        .map(|chunk| memchr::memchr_iter(b'\n', chunk).count())
                        .sum::<usize>()
                })
                .sum()
        };
        let nodes = lines(&NODE_FILES);
        loaded.inventory.nodes.reserve(nodes);
        state.node_index.reserve(nodes);
        loaded
            .inventory
            .dependencies
            .reserve(lines(&["dependencies"]));
    }
    for spec in crate::schema::FILES {
        let Some(at) = tables.iter().position(|(s, _)| s.stem == spec.stem) else {
            continue;
        };
        let (_, source) = tables.swap_remove(at);
        let file = loaded.diagnostics.add_file(&source.display, None);
        if let Some(tables) = preloaded.as_mut().filter(|_| is_preloaded(spec.stem)) {
            place_table(spec, file, tables, loaded, &mut state);
        } else {
            read_csv_table(spec, source, file, loaded, &mut state, &mut interner);
        }
        finish_file(&mut state);
    }
    finish_inventory(&mut state, loaded, last);
}

/// Whether the table of `stem` comes from a snapshot when loading is handed one.
fn is_preloaded(stem: &str) -> bool {
    stem == "dependencies" || NODE_FILES.contains(&stem)
}

/// Moves the rows of the table `spec` (file number `file`) from `tables` into the inventory,
/// as reading its file without errors would have: the nodes of that kind, indexed by id, or the
/// dependencies.
fn place_table(
    spec: &'static FileSpec,
    file: FileIdx,
    tables: &mut crate::snapshot::Tables,
    loaded: &mut Loaded,
    state: &mut LoadState,
) {
    let inventory = &mut loaded.inventory;
    let rows = if spec.stem == "dependencies" {
        inventory.dependencies = std::mem::take(&mut tables.dependencies);
        inventory.dependencies.len()
    } else {
        // Nodes come assets first, then processes, then vendors: the node files' order.
        let kind = match spec.stem {
            "assets" => Some(crate::vocabulary::NodeKind::Asset),
            "processes" => Some(crate::vocabulary::NodeKind::Process),
            "vendors" => Some(crate::vocabulary::NodeKind::Vendor),
            _ => None,
        };
        let count = tables
            .nodes
            .iter()
            .take_while(|node| Some(node.kind()) == kind)
            .count();
        let first = inventory.nodes.len();
        if first == 0 {
            // The first node file takes the table's allocation, the rows after it moving out:
            // a million nodes are not copied to another million.
            let after = tables.nodes.split_off(count);
            inventory.nodes = std::mem::replace(&mut tables.nodes, after);
        } else {
            inventory.nodes.extend(tables.nodes.drain(..count));
        }
        state.node_index.reserve(count);
        for (i, node) in inventory.nodes[first..].iter().enumerate() {
            state
                .node_index
                .insert(node.id.as_str(), (first + i) as crate::node::NodeIdx);
        }
        count
    };
    loaded.files.push(FileSummary {
        stem: spec.stem,
        path: loaded.diagnostics.files[file as usize].path.clone(),
        sheet: None,
        rows,
    });
}

/// Reads one CSV file into the inventory; problems become diagnostics against `file`.
fn read_csv_table(
    spec: &'static FileSpec,
    source: Source,
    file: FileIdx,
    loaded: &mut Loaded,
    state: &mut LoadState,
    interner: &mut Interner,
) {
    let is_node_file = NODE_FILES.contains(&spec.stem);
    let Some(text) = csv_file::decode(source.bytes, file, &mut loaded.diagnostics) else {
        state.node_rows_lost |= is_node_file;
        return;
    };
    if !csv_file::check_quotes(&text, file, &mut loaded.diagnostics) {
        state.node_rows_lost |= is_node_file;
        loaded.diagnostics.keep_text_if_cited(file, &text);
        return;
    }
    let delimiter = csv_file::sniff_delimiter(&text);
    let chunked = match spec.stem {
        "assets" => parallel::read_assets(
            &text,
            delimiter,
            file,
            spec,
            &mut state.node_index,
            &mut loaded.inventory,
        ),
        "dependencies" => parallel::read_dependencies(
            &text,
            delimiter,
            file,
            spec,
            &state.node_index,
            &mut loaded.inventory,
        ),
        _ => None,
    };
    if let Some(rows) = chunked {
        loaded.files.push(FileSummary {
            stem: spec.stem,
            path: loaded.diagnostics.files[file as usize].path.clone(),
            sheet: None,
            rows,
        });
        return;
    }
    let mut table: Option<(Table<'_>, rows::RowReader)> = None;
    let mut n_rows = 0;
    let inventory = &mut loaded.inventory;
    csv_file::read_rows(
        &text,
        delimiter,
        file,
        &mut loaded.diagnostics,
        |row, diagnostics| match &mut table {
            None => {
                let origin = Origin::Csv {
                    text: &text,
                    delimiter,
                };
                let bound = Table::bind(spec, file, origin, row, diagnostics);
                let reader = rows::reader_for(&bound);
                table = Some((bound, reader));
            }
            Some((table, reader)) => {
                if read_row(table, reader, row, diagnostics, interner, state, inventory) {
                    n_rows += 1;
                }
            }
        },
    );
    if table.is_none() {
        state.node_rows_lost |= is_node_file;
        loaded.diagnostics.push(empty_file(file));
    }
    loaded.files.push(FileSummary {
        stem: spec.stem,
        path: loaded.diagnostics.files[file as usize].path.clone(),
        sheet: None,
        rows: n_rows,
    });
    loaded.diagnostics.keep_text_if_cited(file, &text);
}

/// Reads one data row, CSV or sheet: checks its shape, then hands its cells to the file's
/// reader. Returns whether the row counted (blank and malformed rows do not).
fn read_row(
    table: &Table<'_>,
    reader: &mut rows::RowReader,
    row: &table::RawRow,
    diagnostics: &mut Diagnostics,
    interner: &mut Interner,
    state: &mut LoadState,
    inventory: &mut Inventory,
) -> bool {
    // Asked only when a row is not read, so the rows that are pay nothing for it.
    let is_node_file = || NODE_FILES.contains(&table.spec.stem);
    if !table.complete {
        state.node_rows_lost |= is_node_file();
        return false;
    }
    if !table.check_row(row, diagnostics) {
        // A malformed node row is not read: its id, if it has one, is not a node, and references
        // to it are not reported as unknown (the row's own error says what is wrong).
        if is_node_file()
            && let Some(id) = table
                .column("id")
                .position()
                .and_then(|at| row.record.get(at))
                .map(table::trim)
                .filter(|id| !id.is_empty())
        {
            state.lost_node_ids.insert(Box::from(id));
        }
        return false;
    }
    let mut cells = Cells {
        table,
        row,
        diagnostics,
        interner,
        failed: false,
    };
    reader(&mut cells, state, inventory);
    true
}

/// Bookkeeping after each file, however its reading ended.
fn finish_file(state: &mut LoadState) {
    // Ids other than node ids are unique within their own file only.
    state.seen_ids.clear();
    state.recent_refs.clear();
}

/// Hands the node index to the inventory, then runs the checks that need the whole inventory:
/// loading's own, and beside them the caller's, whose diagnostics wait in `last`.
fn finish_inventory(state: &mut LoadState, loaded: &mut Loaded, last: &mut Last<'_>) {
    loaded.inventory.node_index = std::mem::take(&mut state.node_index);
    let pending = std::mem::take(&mut state.pending_selectors);
    let inventory = &loaded.inventory;
    let check = last.check.take();
    let quiet = last.quiet;
    let ((unmatched, node_lists), found) = rayon::join(
        || rows::selectors_matching_nothing(pending, inventory, quiet),
        || check.map(|check| check(inventory)),
    );
    loaded.node_lists = node_lists;
    for warning in unmatched {
        loaded.diagnostics.push(warning);
    }
    last.found = found.unwrap_or_default();
}

fn empty_file(file: FileIdx) -> Diagnostic {
    Diagnostic::error("empty-file", "file has no header row")
        .with_help(
            "the first row names the columns; `riskgraph init` writes every file with its header",
        )
        .at(Location {
            file: Some(file),
            ..Location::default()
        })
}

fn require_node_file<'a>(
    inventory: &str,
    stems: impl Iterator<Item = &'a str>,
    loaded: &mut Loaded,
) {
    let stems: Vec<&str> = stems.collect();
    if !NODE_FILES.iter().any(|n| stems.contains(n)) {
        loaded.diagnostics.push(
            Diagnostic::error("no-nodes", format!("`{inventory}` has no assets, processes or vendors"))
                .with_help("add at least one of assets.csv, processes.csv or vendors.csv (or sheets of those names)"),
        );
    }
}

fn load_workbook(path: &Path, loaded: &mut Loaded, last: &mut Last<'_>) {
    let Some(bytes) = read_file(path, &mut loaded.diagnostics) else {
        return;
    };
    loaded.inputs.push(path.to_path_buf());
    let display = path.display().to_string();
    // A workbook carries tables only; its manifest is the riskgraph.toml beside it.
    let manifest_path = path.with_file_name(MANIFEST_FILE);
    if manifest_path.is_file() {
        let manifest = read_file(&manifest_path, &mut loaded.diagnostics).map(|bytes| Source {
            display: manifest_path.display().to_string(),
            bytes,
        });
        read_manifest(manifest, loaded);
        loaded.inputs.push(manifest_path.clone());
        loaded.manifest_path = Some(manifest_path);
    }
    let workbook_file = loaded.diagnostics.add_file(&display, None);
    let mut sheets = xlsx::read_workbook(bytes, workbook_file, &mut loaded.diagnostics);
    if !loaded.diagnostics.items.is_empty() && sheets.is_empty() {
        return;
    }
    let mut matched: Vec<(&'static FileSpec, xlsx::Sheet)> = Vec::new();
    for sheet in sheets.drain(..) {
        match FileSpec::by_stem(sheet.name.trim()) {
            Some(spec) => matched.push((spec, sheet)),
            None => {
                if let Some(unknown) = unknown_table(&display, sheet.name.trim(), Some(&sheet.name))
                {
                    loaded.diagnostics.push(unknown);
                }
            }
        }
    }
    require_node_file(&display, matched.iter().map(|(spec, _)| spec.stem), loaded);
    let mut state = LoadState::default();
    let mut interner = Interner::default();
    for spec in crate::schema::FILES {
        let Some(at) = matched.iter().position(|(s, _)| s.stem == spec.stem) else {
            continue;
        };
        let (_, sheet) = matched.swap_remove(at);
        let file = loaded
            .diagnostics
            .add_file(&display, Some(sheet.name.clone()));
        read_sheet(spec, &sheet, file, loaded, &mut state, &mut interner);
        finish_file(&mut state);
    }
    finish_inventory(&mut state, loaded, last);
}

/// Reads one workbook sheet into the inventory; problems become diagnostics against `file`.
fn read_sheet(
    spec: &'static FileSpec,
    sheet: &xlsx::Sheet,
    file: FileIdx,
    loaded: &mut Loaded,
    state: &mut LoadState,
    interner: &mut Interner,
) {
    let mut rows = sheet.rows.iter();
    let Some(header) = rows.next() else {
        state.node_rows_lost |= NODE_FILES.contains(&spec.stem);
        loaded.diagnostics.push(empty_file(file));
        return;
    };
    let origin = Origin::Sheet {
        first_column: sheet.first_column,
    };
    let table = Table::bind(spec, file, origin, header, &mut loaded.diagnostics);
    let mut reader = rows::reader_for(&table);
    let mut n_rows = 0;
    for row in rows {
        let diagnostics = &mut loaded.diagnostics;
        if read_row(
            &table,
            &mut reader,
            row,
            diagnostics,
            interner,
            state,
            &mut loaded.inventory,
        ) {
            n_rows += 1;
        }
    }
    loaded.files.push(FileSummary {
        stem: spec.stem,
        path: loaded.diagnostics.files[file as usize].path.clone(),
        sheet: Some(sheet.name.clone()),
        rows: n_rows,
    });
}

/// Selectors waiting for the "matches no node" check, by their text, each with the warnings of
/// the cells that use it.
pub(crate) type PendingSelectors =
    std::collections::BTreeMap<Box<str>, (crate::selector::Selector, Vec<Diagnostic>)>;

/// What loading has learned so far, for checking the references of later files.
#[derive(Default)]
pub(crate) struct LoadState {
    pub node_index: crate::id_index::IdIndex,
    /// Ids defined by the file being read, other than node ids (which `node_index` holds).
    pub seen_ids: FxHashMap<Id, RowRef>,
    pub threat_ids: Vec<Id>,
    /// Treatment patterns seen, to catch the same pattern twice.
    pub treatment_patterns: FxHashMap<String, RowRef>,
    /// Whether a node file lost rows whose ids cannot be known: a file that could not be read,
    /// or a header without a required column (see `rows::report_unknown_node`).
    pub node_rows_lost: bool,
    /// The ids of node rows that were not read for their own errors (a malformed row, an
    /// invalid id): references to them are not reported again as unknown.
    pub lost_node_ids: rustc_hash::FxHashSet<Box<str>>,
    /// Selector cells whose "matches no node" check waits for the end of loading, by selector.
    pub pending_selectors: PendingSelectors,
    /// How many unknown-node suggestions were computed: each scans every node id.
    pub suggestions_made: usize,
    /// The last node id each column of the file being read resolved, by column position.
    pub recent_refs: Vec<(usize, String, crate::node::NodeIdx)>,
}
