//! The ways the fuzzer damages an input file: byte-level (flips, quotes, delimiters, NULs,
//! BOMs, line ends, truncation), line-level (duplicated, swapped, dropped lines, huge lines),
//! cell-level (huge cells, odd numbers, unicode controls, empty and renamed headers). Each takes
//! the file's bytes and the run's random source, so a seed gives the same damage every time.

use fastrand::Rng;

/// Values that parse as numbers in some readers and not in others, or overflow them.
const ODD_NUMBERS: [&str; 16] = [
    "1e400",
    "-1e400",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "-0",
    "99999999999999999999",
    "-99999999999999999999",
    "0x10",
    "1_000",
    "1,5",
    "٣",
    "1e-400",
    "0.0000000000000000000000001",
    "  7  ",
];

/// Characters that move a terminal's cursor, change its colours, reverse text or hide.
const CONTROLS: [&str; 10] = [
    "\u{1b}[31m",
    "\u{1b}]8;;http://x\u{7}",
    "\u{202e}",
    "\u{200d}",
    "\u{feff}",
    "\u{7}",
    "\u{8}",
    "\u{0}",
    "\r",
    "\u{85}",
];

/// Texts that try to run as a spreadsheet formula, as HTML or script, move a terminal's cursor,
/// reverse what follows, break a table or a list, or simply take room.
const HOSTILE_TEXT: [&str; 12] = [
    "=cmd|' /C calc'!A0",
    "<script>alert(1)</script>",
    "</td></tr><img src=x onerror=alert(1)>",
    "\u{1b}[2J\u{1b}[31mred",
    "\u{202e}gnp.exe",
    "first line\nsecond line",
    "数据库 🔥 サーバー",
    "a|b;c",
    "\"\"\"",
    "${`x`} {{ y }} %s %n",
    "| --- | --- |",
    "-1+1",
];

/// Replaces a free-text cell (a name, description, owner...) of a data row with hostile text,
/// quoted as CSV quotes it: the inventory stays valid, so the text reaches every renderer.
pub fn hostile_text(rng: &mut Rng, bytes: &mut Vec<u8>) {
    const FREE_TEXT: [&str; 10] = [
        "name",
        "description",
        "summary",
        "statement",
        "justification",
        "lessons",
        "objective",
        "expectation",
        "owner",
        "service",
    ];
    let lines = lines(bytes);
    if lines.len() < 2 {
        return;
    }
    let header = cells(bytes, lines[0].clone());
    let columns: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, cell)| {
            let name = String::from_utf8_lossy(&bytes[(*cell).clone()]).to_ascii_lowercase();
            FREE_TEXT.iter().any(|free| name.contains(free))
        })
        .map(|(at, _)| at)
        .collect();
    if columns.is_empty() {
        return;
    }
    let row = cells(bytes, lines[rng.usize(1..lines.len())].clone());
    let Some(cell) = row.get(columns[rng.usize(..columns.len())]).cloned() else {
        return;
    };
    let text = if rng.u8(..8) == 0 {
        "w".repeat(rng.usize(10_000..=200_000))
    } else {
        HOSTILE_TEXT[rng.usize(..HOSTILE_TEXT.len())].to_owned()
    };
    let quoted = format!("\"{}\"", text.replace('"', "\"\""));
    bytes.splice(cell, quoted.into_bytes());
}

/// One kind of damage, by name (the name goes into the saved failure).
pub struct Mutation {
    pub name: &'static str,
    apply: fn(&mut Rng, &mut Vec<u8>),
}

/// Every mutation, each as likely as the others.
pub const MUTATIONS: [Mutation; 23] = [
    Mutation {
        name: "flip-bit",
        apply: |rng, bytes| flip_bit(rng, bytes),
    },
    Mutation {
        name: "random-byte",
        apply: |rng, bytes| random_byte(rng, bytes),
    },
    Mutation {
        name: "insert-quote",
        apply: |rng, bytes| insert_at_random(rng, bytes, b"\""),
    },
    Mutation {
        name: "insert-delimiter",
        apply: insert_delimiter,
    },
    Mutation {
        name: "insert-nul",
        apply: |rng, bytes| insert_at_random(rng, bytes, b"\0"),
    },
    Mutation {
        name: "bom",
        apply: bom,
    },
    Mutation {
        name: "crlf",
        apply: |_, bytes| replace_line_ends(bytes, b"\r\n"),
    },
    Mutation {
        name: "cr",
        apply: |_, bytes| replace_line_ends(bytes, b"\r"),
    },
    Mutation {
        name: "truncate",
        apply: truncate,
    },
    Mutation {
        name: "duplicate-line",
        apply: duplicate_line,
    },
    Mutation {
        name: "swap-lines",
        apply: swap_lines,
    },
    Mutation {
        name: "drop-line",
        apply: drop_line,
    },
    Mutation {
        name: "huge-cell",
        apply: huge_cell,
    },
    Mutation {
        name: "huge-line",
        apply: huge_line,
    },
    Mutation {
        name: "odd-number",
        apply: odd_number,
    },
    Mutation {
        name: "empty-cell",
        apply: |rng, bytes| replace_cell(rng, bytes, ""),
    },
    Mutation {
        name: "empty-header",
        apply: |rng, bytes| replace_header(rng, bytes, ""),
    },
    Mutation {
        name: "renamed-header",
        apply: renamed_header,
    },
    Mutation {
        name: "unicode-control",
        apply: unicode_control,
    },
    Mutation {
        name: "swap-cells",
        apply: swap_cells,
    },
    Mutation {
        name: "many-delimiters",
        apply: many_delimiters,
    },
    Mutation {
        name: "empty-file",
        apply: |_, bytes| bytes.clear(),
    },
    Mutation {
        name: "hostile-text",
        apply: hostile_text,
    },
];

impl Mutation {
    pub fn apply(&self, rng: &mut Rng, bytes: &mut Vec<u8>) {
        (self.apply)(rng, bytes);
    }
}

/// A random mutation.
pub fn any(rng: &mut Rng) -> &'static Mutation {
    &MUTATIONS[rng.usize(..MUTATIONS.len())]
}

/// A position in `bytes`, ends included.
fn position(rng: &mut Rng, bytes: &[u8]) -> usize {
    rng.usize(..=bytes.len())
}

fn flip_bit(rng: &mut Rng, bytes: &mut [u8]) {
    if !bytes.is_empty() {
        let at = rng.usize(..bytes.len());
        bytes[at] ^= 1 << rng.u8(..8);
    }
}

fn random_byte(rng: &mut Rng, bytes: &mut [u8]) {
    if !bytes.is_empty() {
        let at = rng.usize(..bytes.len());
        bytes[at] = rng.u8(..);
    }
}

fn insert_at_random(rng: &mut Rng, bytes: &mut Vec<u8>, what: &[u8]) {
    let at = position(rng, bytes);
    bytes.splice(at..at, what.iter().copied());
}

fn insert_delimiter(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let delimiter: &[u8] = match rng.u8(..4) {
        0 => b",",
        1 => b";",
        2 => b"\t",
        _ => b"|",
    };
    insert_at_random(rng, bytes, delimiter);
}

fn bom(rng: &mut Rng, bytes: &mut Vec<u8>) {
    const BOM: &[u8] = "\u{feff}".as_bytes();
    if rng.bool() {
        bytes.splice(0..0, BOM.iter().copied());
    } else {
        insert_at_random(rng, bytes, BOM);
    }
}

fn replace_line_ends(bytes: &mut Vec<u8>, end: &[u8]) {
    let mut replaced = Vec::with_capacity(bytes.len() + bytes.len() / 16);
    for &byte in bytes.iter() {
        if byte == b'\n' {
            replaced.extend_from_slice(end);
        } else {
            replaced.push(byte);
        }
    }
    *bytes = replaced;
}

fn truncate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let at = position(rng, bytes);
    bytes.truncate(at);
}

/// The byte ranges of the lines of `bytes`, each with its line end.
fn lines(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        if byte == b'\n' {
            ranges.push(start..at + 1);
            start = at + 1;
        }
    }
    if start < bytes.len() {
        ranges.push(start..bytes.len());
    }
    ranges
}

fn duplicate_line(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let lines = lines(bytes);
    if lines.is_empty() {
        return;
    }
    let line = lines[rng.usize(..lines.len())].clone();
    let copy = bytes[line.clone()].to_vec();
    let at = lines[rng.usize(..lines.len())].end;
    bytes.splice(at..at, copy);
}

fn swap_lines(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let lines = lines(bytes);
    if lines.len() < 2 {
        return;
    }
    let (a, b) = (rng.usize(..lines.len()), rng.usize(..lines.len()));
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.swap(a, b);
    let mut swapped = Vec::with_capacity(bytes.len() + 1);
    for i in order {
        let mut line = bytes[lines[i].clone()].to_vec();
        if !line.ends_with(b"\n") {
            line.push(b'\n');
        }
        swapped.extend(line);
    }
    *bytes = swapped;
}

fn drop_line(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let lines = lines(bytes);
    if !lines.is_empty() {
        let line = lines[rng.usize(..lines.len())].clone();
        bytes.drain(line);
    }
}

/// A run of 100,000 to 2,000,000 characters, sometimes with delimiters or quotes in it.
fn huge_text(rng: &mut Rng) -> Vec<u8> {
    let n = rng.usize(100_000..=2_000_000);
    let unit: &[u8] = match rng.u8(..4) {
        0 => b"a",
        1 => "é".as_bytes(),
        2 => b"ab,",
        _ => b"x\"",
    };
    unit.repeat(n / unit.len())
}

fn huge_cell(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let text = huge_text(rng);
    replace_cell_bytes(rng, bytes, &text);
}

fn huge_line(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let mut line = huge_text(rng);
    line.push(b'\n');
    let lines = lines(bytes);
    let at = if lines.is_empty() {
        0
    } else {
        lines[rng.usize(..lines.len())].start
    };
    bytes.splice(at..at, line);
}

fn odd_number(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let value = ODD_NUMBERS[rng.usize(..ODD_NUMBERS.len())];
    replace_cell(rng, bytes, value);
}

fn unicode_control(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let control = CONTROLS[rng.usize(..CONTROLS.len())];
    insert_at_random(rng, bytes, control.as_bytes());
}

fn many_delimiters(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let n = rng.usize(100..=20_000);
    let run = b",".repeat(n);
    let lines = lines(bytes);
    let at = lines
        .get(1)
        .map_or(bytes.len(), |line| line.end.saturating_sub(1));
    bytes.splice(at..at, run);
}

/// The byte ranges of the cells of one line (split on commas, quotes ignored: the damage need
/// not respect them).
fn cells(bytes: &[u8], line: std::ops::Range<usize>) -> Vec<std::ops::Range<usize>> {
    let end = if bytes[..line.end].ends_with(b"\r\n") {
        line.end - 2
    } else if bytes[..line.end].ends_with(b"\n") {
        line.end - 1
    } else {
        line.end
    };
    let mut ranges = Vec::new();
    let mut start = line.start;
    for (at, &byte) in bytes.iter().enumerate().take(end).skip(line.start) {
        if matches!(byte, b',' | b';' | b'\t') {
            ranges.push(start..at);
            start = at + 1;
        }
    }
    ranges.push(start..end);
    ranges
}

fn replace_cell(rng: &mut Rng, bytes: &mut Vec<u8>, value: &str) {
    replace_cell_bytes(rng, bytes, value.as_bytes());
}

/// Replaces a random cell of a data row (or of the header, for a file with no data row).
fn replace_cell_bytes(rng: &mut Rng, bytes: &mut Vec<u8>, value: &[u8]) {
    let lines = lines(bytes);
    if lines.is_empty() {
        bytes.extend_from_slice(value);
        return;
    }
    let row = if lines.len() > 1 {
        rng.usize(1..lines.len())
    } else {
        0
    };
    let cells = cells(bytes, lines[row].clone());
    let cell = cells[rng.usize(..cells.len())].clone();
    bytes.splice(cell, value.iter().copied());
}

fn replace_header(rng: &mut Rng, bytes: &mut Vec<u8>, value: &str) {
    let lines = lines(bytes);
    let Some(header) = lines.first() else {
        return;
    };
    let cells = cells(bytes, header.clone());
    let cell = cells[rng.usize(..cells.len())].clone();
    bytes.splice(cell, value.bytes());
}

fn renamed_header(rng: &mut Rng, bytes: &mut Vec<u8>) {
    const NAMES: [&str; 10] = [
        "ID",
        "Asset ID",
        "asset-id",
        "name ",
        "Typ",
        "targets;affects",
        "\"id\"",
        "id",
        "criticality",
        "zzz",
    ];
    let name = NAMES[rng.usize(..NAMES.len())];
    replace_header(rng, bytes, name);
}

fn swap_cells(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let lines = lines(bytes);
    if lines.len() < 2 {
        return;
    }
    let row = rng.usize(1..lines.len());
    let cells = cells(bytes, lines[row].clone());
    if cells.len() < 2 {
        return;
    }
    let (a, b) = (rng.usize(..cells.len()), rng.usize(..cells.len()));
    let (first, second) = (cells[a.min(b)].clone(), cells[a.max(b)].clone());
    if first == second {
        return;
    }
    let first_text = bytes[first.clone()].to_vec();
    let second_text = bytes[second.clone()].to_vec();
    // The later cell first, so the earlier range stays valid.
    bytes.splice(second, first_text);
    bytes.splice(first, second_text);
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"id,name,type\nweb,Web,software\ndb,DB,data\n";

    #[test]
    fn the_same_seed_damages_a_file_the_same_way() {
        for mutation in &MUTATIONS {
            let damage = |seed| {
                let mut bytes = SAMPLE.to_vec();
                mutation.apply(&mut Rng::with_seed(seed), &mut bytes);
                bytes
            };
            assert_eq!(damage(7), damage(7), "{}", mutation.name);
        }
    }

    #[test]
    fn every_mutation_handles_empty_and_one_line_files() {
        for mutation in &MUTATIONS {
            for input in [&b""[..], b"id", b"id,name\r\n", b"\n\n"] {
                let mut bytes = input.to_vec();
                mutation.apply(&mut Rng::with_seed(1), &mut bytes);
            }
        }
    }

    #[test]
    fn hostile_text_goes_into_a_free_text_cell_quoted() {
        for seed in 0..20 {
            let mut bytes = SAMPLE.to_vec();
            hostile_text(&mut Rng::with_seed(seed), &mut bytes);
            let text = String::from_utf8(bytes).unwrap();
            let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
            let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
            assert_eq!(rows.len(), 2, "{text}");
            assert!(rows.iter().all(|row| row.len() == 3), "{text}");
            let changed = rows
                .iter()
                .filter(|row| !["Web", "DB"].contains(&&row[1]))
                .count();
            assert_eq!(changed, 1, "{text}");
        }
    }

    #[test]
    fn cells_are_replaced_in_data_rows() {
        let mut bytes = SAMPLE.to_vec();
        replace_cell(&mut Rng::with_seed(3), &mut bytes, "1e400");
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("id,name,type\n"), "{text}");
        assert!(text.contains("1e400"), "{text}");
    }
}
