//! The node and dependency tables of an inventory in a compact binary form, for the compiled
//! snapshot `blast-radius` keeps beside a large inventory (the file itself, its key and its
//! checks are the engine's `snapshot` module).
//!
//! Only these two tables are stored: they are nearly all of a large inventory's bytes and of its
//! loading time. The other files (threats, controls, the manifest...) are small and are read
//! again through the ordinary loader, handed these tables instead of the node and dependency
//! files ([`crate::load::load_with_tables`]), so their checks run exactly as before.
//!
//! Why by hand and not through a serialization crate: the model's types serialize for the JSON
//! documents (ids, dates and vocabulary as text), not for a round trip, and a million nodes decode
//! fastest when shared texts (owners, tags, locations) stay shared: a node costs two allocations
//! (its id and name), as when the CSV is read. Rows are written in chunks that decode in parallel.
//! Every read is checked; a malformed snapshot decodes to `None`, never to a panic.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::money::Magnitude;
use crate::node::{Asset, AttrValue, Node, NodeDetail, Process, RowRef, Text, Vendor};
use crate::records::Dependency;
use crate::values::{Date, Factor, Id, Properties, Property, Rating};
use crate::vocabulary::{DependencyKind, NodeKind, Vocabulary};

/// Rows per chunk. A job that starts decoding in the middle of a chunk first decodes the rows
/// before its own in that chunk (rows differ in length), so chunks are small beside the
/// rows a job decodes at least ([`CHUNKS_PER_JOB`] chunks' worth).
const NODES_PER_CHUNK: usize = 1 << 10;
const DEPENDENCIES_PER_CHUNK: usize = 1 << 12;
/// The fewest chunks' worth of rows a decoding job takes on.
const CHUNKS_PER_JOB: usize = 16;

/// The node and dependency tables of an inventory that loaded without errors.
#[derive(Debug, Default)]
pub struct Tables {
    pub nodes: Vec<Node>,
    pub dependencies: Vec<Dependency>,
}

/// Appends `nodes` and `dependencies` to `out`: their length in bytes, then the tables, which
/// [`decode`] reads back from a reader over those bytes. The length lets a reader take the
/// tables whole and the rest of a snapshot piece by piece.
pub fn encode(nodes: &[Node], dependencies: &[Dependency], out: &mut Writer<'_>) {
    let mut texts = TextTable::default();
    let node_chunks: Vec<Vec<u8>> = nodes
        .chunks(NODES_PER_CHUNK)
        .map(|chunk| {
            let mut w = Writer::default();
            for node in chunk {
                encode_node(node, &mut texts, &mut w);
            }
            w.into_bytes()
        })
        .collect();
    let dependency_chunks: Vec<Vec<u8>> = dependencies
        .par_chunks(DEPENDENCIES_PER_CHUNK)
        .map(|chunk| {
            let mut w = Writer::default();
            for dependency in chunk {
                encode_dependency(dependency, &mut w);
            }
            w.into_bytes()
        })
        .collect();
    // Each count and length is a u64.
    let strings = |list: &mut dyn Iterator<Item = usize>| list.map(|len| 8 + len).sum::<usize>();
    let len = 8
        + strings(&mut texts.list.iter().map(|text| text.len()))
        + 16
        + strings(&mut node_chunks.iter().map(Vec::len))
        + 16
        + strings(&mut dependency_chunks.iter().map(Vec::len));
    out.u64(len as u64);
    out.u64(texts.list.len() as u64);
    for text in &texts.list {
        out.str(text);
    }
    out.u64(nodes.len() as u64);
    out.u64(node_chunks.len() as u64);
    for chunk in &node_chunks {
        out.bytes(chunk);
    }
    out.u64(dependencies.len() as u64);
    out.u64(dependency_chunks.len() as u64);
    for chunk in &dependency_chunks {
        out.bytes(chunk);
    }
}

/// The tables `encode` wrote after their length, at the reader's position, or `None` when the
/// bytes are not such tables.
pub fn decode(r: &mut Reader<'_>) -> Option<Tables> {
    let n_texts = r.count()?;
    let mut texts: Vec<Text> = Vec::with_capacity(n_texts.min(r.remaining()));
    for _ in 0..n_texts {
        texts.push(Arc::from(r.str()?));
    }
    let n_nodes = r.count()?;
    let node_chunks = chunks(r)?;
    let n_dependencies = r.count()?;
    let dependency_chunks = chunks(r)?;
    let (nodes, dependencies) = rayon::join(
        || {
            decode_chunks(
                &node_chunks,
                NODES_PER_CHUNK,
                n_nodes,
                |r| decode_node(r, &texts),
                stand_in_node,
            )
        },
        || {
            decode_chunks(
                &dependency_chunks,
                DEPENDENCIES_PER_CHUNK,
                n_dependencies,
                decode_dependency,
                stand_in_dependency,
            )
        },
    );
    Some(Tables {
        nodes: nodes?,
        dependencies: dependencies?,
    })
}

/// The byte strings of the next chunk list.
fn chunks<'a>(r: &mut Reader<'a>) -> Option<Vec<&'a [u8]>> {
    let n = r.count()?;
    let mut list = Vec::with_capacity(n.min(r.remaining()));
    for _ in 0..n {
        list.push(r.bytes()?);
    }
    Some(list)
}

/// Every row of `chunks`, decoded in parallel straight into the returned vector; `None` unless
/// the rows number `expected` and each chunk holds `per_chunk` of them (the last the rest),
/// decoded whole.
///
/// Rows are decoded by index: each of rayon's jobs walks its range of rows with a [`Cursor`],
/// which starts by skipping to the job's first row within its chunk. Collecting an indexed
/// iterator writes each row into its place, with no per-chunk vectors to join afterwards (a
/// million nodes would be copied once more, into memory the system has to clear first). A row
/// that does not decode is replaced by `stand_in()` and the whole table is then dropped.
fn decode_chunks<T: Send>(
    chunks: &[&[u8]],
    per_chunk: usize,
    expected: usize,
    row: impl Fn(&mut Reader<'_>) -> Option<T> + Sync,
    stand_in: impl Fn() -> T + Sync,
) -> Option<Vec<T>> {
    if chunks.len() != expected.div_ceil(per_chunk) {
        return None;
    }
    let failed = AtomicBool::new(false);
    let rows: Vec<T> = (0..expected)
        .into_par_iter()
        .with_min_len(per_chunk * CHUNKS_PER_JOB)
        .map_init(
            || Cursor::new(chunks, per_chunk, expected),
            |cursor, at| {
                cursor.row(at, &row).unwrap_or_else(|| {
                    failed.store(true, Ordering::Relaxed);
                    stand_in()
                })
            },
        )
        .collect();
    (!failed.into_inner()).then_some(rows)
}

/// Where a job decoding rows of a chunk list stands: the reader over the rest of the chunk of
/// the next row, and that row's index.
struct Cursor<'c, 'a> {
    chunks: &'c [&'a [u8]],
    per_chunk: usize,
    expected: usize,
    reader: Reader<'a>,
    next: usize,
}

impl<'c, 'a> Cursor<'c, 'a> {
    fn new(chunks: &'c [&'a [u8]], per_chunk: usize, expected: usize) -> Self {
        Self {
            chunks,
            per_chunk,
            expected,
            reader: Reader::new(&[]),
            // No row yet: the first call positions the cursor.
            next: usize::MAX,
        }
    }

    /// Row `at`, or `None` when the chunks do not decode to such rows.
    fn row<T>(&mut self, at: usize, row: impl Fn(&mut Reader<'a>) -> Option<T>) -> Option<T> {
        if at != self.next {
            let chunk = at / self.per_chunk;
            self.reader = Reader::new(self.chunks.get(chunk)?);
            for _ in chunk * self.per_chunk..at {
                row(&mut self.reader)?;
            }
        } else if at.is_multiple_of(self.per_chunk) {
            self.reader = Reader::new(self.chunks.get(at / self.per_chunk)?);
        }
        let decoded = row(&mut self.reader)?;
        self.next = at + 1;
        // The last row of a chunk leaves none of its bytes.
        let chunk_ends = self.next.is_multiple_of(self.per_chunk) || self.next == self.expected;
        (!chunk_ends || self.reader.remaining() == 0).then_some(decoded)
    }
}

/// Shared texts by number, so each is stored once and decodes to one shared allocation.
#[derive(Default)]
struct TextTable {
    list: Vec<Text>,
    number: FxHashMap<Text, u32>,
}

impl TextTable {
    fn number(&mut self, text: &Text) -> u32 {
        if let Some(&n) = self.number.get(text) {
            return n;
        }
        let n = self.list.len() as u32;
        self.list.push(Arc::clone(text));
        self.number.insert(Arc::clone(text), n);
        n
    }

    /// 0 for none, else the text's number plus one.
    fn optional(&mut self, text: Option<&Text>) -> u32 {
        text.map_or(0, |t| self.number(t) + 1)
    }
}

fn encode_node(node: &Node, texts: &mut TextTable, w: &mut Writer<'_>) {
    w.str(node.id.as_str());
    w.str(&node.name);
    w.u32(texts.optional(node.owner.as_ref()));
    w.u8(u8::from(node.in_scope));
    w.u32(node.tags.len() as u32);
    for tag in &node.tags {
        w.u32(texts.number(tag));
    }
    w.u32(node.attributes.len() as u32);
    for (column, value) in &node.attributes {
        w.u32(texts.number(column));
        match value {
            AttrValue::Number(number) => {
                w.u8(0);
                w.f64(*number);
            }
            AttrValue::Text(text) => {
                w.u8(1);
                w.u32(texts.number(text));
            }
        }
    }
    match &node.detail {
        NodeDetail::Asset(a) => {
            w.u8(0);
            w.u8(vocabulary(Some(a.asset_type)));
            for rating in [a.confidentiality, a.integrity, a.availability] {
                w.u8(rating.map_or(0, Rating::get));
            }
            w.u8(vocabulary(a.classification));
            w.u8(u8::from(a.personal_data));
            w.u8(vocabulary(a.environment));
            w.u8(vocabulary(a.lifecycle));
            w.u32(texts.optional(a.location.as_ref()));
        }
        NodeDetail::Process(p) => {
            w.u8(1);
            w.u8(p.criticality.map_or(0, Rating::get));
            w.optional_f64(p.rto_hours);
            w.optional_f64(p.rpo_hours);
            w.u8(u8::from(p.financial));
            w.u8(vocabulary(p.segregation_of_duties));
            w.u8(u8::from(p.manual_override));
        }
        NodeDetail::Vendor(v) => {
            w.u8(2);
            w.u32(texts.optional(v.service.as_ref()));
            w.u8(v.criticality.map_or(0, Rating::get));
            w.u8(vocabulary(v.data_access));
            w.u8(vocabulary(v.soc2_report));
            w.date(v.soc2_report_date);
            w.u8(u8::from(v.iso27001_certified));
            w.date(v.last_review);
            w.u32(texts.optional(v.country.as_ref()));
            w.u8(u8::from(v.exit_plan));
        }
    }
    match node.loss.as_deref() {
        None => w.u8(0),
        Some(Magnitude::Fixed(amount)) => {
            w.u8(1);
            w.f64(*amount);
        }
        Some(Magnitude::Range { low, high }) => {
            w.u8(2);
            w.f64(*low);
            w.f64(*high);
        }
        Some(Magnitude::Pert { min, mode, max }) => {
            w.u8(3);
            w.f64(*min);
            w.f64(*mode);
            w.f64(*max);
        }
    }
    w.u32(node.row.file);
    w.u32(node.row.line);
}

fn decode_node(r: &mut Reader<'_>, texts: &[Text]) -> Option<Node> {
    let text = |n: u32| texts.get(n as usize).cloned();
    let optional_text = |n: u32| match n {
        0 => Some(None),
        n => text(n - 1).map(Some),
    };
    let id = Id::parse(r.str()?).ok()?;
    let name = Box::from(r.str()?);
    let owner = optional_text(r.u32()?)?;
    let in_scope = r.bool()?;
    let n_tags = r.u32()? as usize;
    let mut tags = Vec::with_capacity(n_tags.min(r.remaining()));
    for _ in 0..n_tags {
        tags.push(text(r.u32()?)?);
    }
    let n_attributes = r.u32()? as usize;
    let mut attributes = Vec::with_capacity(n_attributes.min(r.remaining()));
    for _ in 0..n_attributes {
        let column = text(r.u32()?)?;
        let value = match r.u8()? {
            0 => AttrValue::Number(r.f64()?),
            1 => AttrValue::Text(text(r.u32()?)?),
            _ => return None,
        };
        attributes.push((column, value));
    }
    let detail = match r.u8()? {
        0 => NodeDetail::Asset(Asset {
            asset_type: r.vocabulary()??,
            confidentiality: r.rating()?,
            integrity: r.rating()?,
            availability: r.rating()?,
            classification: r.vocabulary()?,
            personal_data: r.bool()?,
            environment: r.vocabulary()?,
            lifecycle: r.vocabulary()?,
            location: optional_text(r.u32()?)?,
        }),
        1 => NodeDetail::Process(Process {
            criticality: r.rating()?,
            rto_hours: r.optional_f64()?,
            rpo_hours: r.optional_f64()?,
            financial: r.bool()?,
            segregation_of_duties: r.vocabulary()?,
            manual_override: r.bool()?,
        }),
        2 => NodeDetail::Vendor(Vendor {
            service: optional_text(r.u32()?)?,
            criticality: r.rating()?,
            data_access: r.vocabulary()?,
            soc2_report: r.vocabulary()?,
            soc2_report_date: r.date()?,
            iso27001_certified: r.bool()?,
            last_review: r.date()?,
            country: optional_text(r.u32()?)?,
            exit_plan: r.bool()?,
        }),
        _ => return None,
    };
    let loss = match r.u8()? {
        0 => None,
        1 => Some(Magnitude::Fixed(r.f64()?)),
        2 => Some(Magnitude::Range {
            low: r.f64()?,
            high: r.f64()?,
        }),
        3 => Some(Magnitude::Pert {
            min: r.f64()?,
            mode: r.f64()?,
            max: r.f64()?,
        }),
        _ => return None,
    };
    let row = RowRef {
        file: r.u32()?,
        line: r.u32()?,
    };
    Some(Node {
        id,
        name,
        owner,
        in_scope,
        tags,
        attributes,
        detail,
        loss: loss.map(Box::new),
        row,
    })
}

fn encode_dependency(d: &Dependency, w: &mut Writer<'_>) {
    w.u32(d.from);
    w.u32(d.to);
    w.u8(vocabulary(Some(d.kind)));
    w.u32(d.strength.get().to_bits());
    w.u8(u8::from(d.redundant));
    w.u8(Property::ALL
        .iter()
        .enumerate()
        .filter(|&(_, &p)| d.propagates.contains(p))
        .fold(0, |bits, (i, _)| bits | 1 << i));
    w.u32(d.row.file);
    w.u32(d.row.line);
}

fn decode_dependency(r: &mut Reader<'_>) -> Option<Dependency> {
    let from = r.u32()?;
    let to = r.u32()?;
    let kind = r.vocabulary()??;
    let strength = Factor::new(f32::from_bits(r.u32()?))?;
    let redundant = r.bool()?;
    let bits = r.u8()?;
    let propagates = Property::ALL
        .iter()
        .enumerate()
        .filter(|&(i, _)| bits & (1 << i) != 0)
        .fold(Properties::NONE, |set, (_, &p)| set.with(p));
    let row = RowRef {
        file: r.u32()?,
        line: r.u32()?,
    };
    Some(Dependency {
        from,
        to,
        kind,
        strength,
        redundant,
        propagates,
        row,
    })
}

/// What stands in for a node row that does not decode, in a table about to be dropped.
fn stand_in_node() -> Node {
    Node {
        id: Id::parse("stand-in").expect("a valid id"),
        name: Box::default(),
        owner: None,
        in_scope: false,
        tags: Vec::new(),
        attributes: Vec::new(),
        detail: NodeDetail::Process(Process {
            criticality: None,
            rto_hours: None,
            rpo_hours: None,
            financial: false,
            segregation_of_duties: None,
            manual_override: false,
        }),
        loss: None,
        row: RowRef::default(),
    }
}

/// What stands in for a dependency row that does not decode, in a table about to be dropped.
fn stand_in_dependency() -> Dependency {
    Dependency {
        from: 0,
        to: 0,
        kind: DependencyKind::Other,
        strength: Factor::ZERO,
        redundant: false,
        propagates: Properties::NONE,
        row: RowRef::default(),
    }
}

/// 0 for none, else the value's position in its vocabulary plus one.
fn vocabulary<V: Vocabulary + PartialEq>(value: Option<V>) -> u8 {
    value.map_or(0, |v| v.position() as u8 + 1)
}

/// The count of nodes of each kind, in the order of the node files: assets, processes, vendors.
pub fn rows_by_kind(nodes: &[Node]) -> [usize; 3] {
    let mut rows = [0; 3];
    for node in nodes {
        rows[match node.kind() {
            NodeKind::Asset => 0,
            NodeKind::Process => 1,
            NodeKind::Vendor => 2,
        }] += 1;
    }
    rows
}

/// Bytes a [`Writer`] holds before it hands them to its sink.
const SPILL_BYTES: usize = 1 << 20;

/// Little-endian bytes, appended to a buffer; or, made by [`Writer::streaming`], handed to a
/// sink a megabyte at a time, so that a snapshot of hundreds of megabytes never sits whole in
/// memory.
#[derive(Default)]
pub struct Writer<'s> {
    buf: Vec<u8>,
    sink: Option<&'s mut dyn std::io::Write>,
    /// The first error of the sink: what follows it is dropped, and [`Writer::finish`] returns it.
    error: Option<std::io::Error>,
}

impl<'s> Writer<'s> {
    /// A writer that hands what it is given to `sink`; [`Writer::finish`] hands over the rest.
    pub fn streaming(sink: &'s mut dyn std::io::Write) -> Self {
        Self {
            buf: Vec::with_capacity(SPILL_BYTES + (64 << 10)),
            sink: Some(sink),
            error: None,
        }
    }

    /// What was written, for a writer without a sink.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Hands the rest to the sink; the sink's first error, if it gave one.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.hand_over();
        self.error.map_or(Ok(()), Err)
    }

    /// Bytes held, not yet handed to a sink.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Hands the buffer to the sink once it holds [`SPILL_BYTES`].
    fn spill(&mut self) {
        if self.buf.len() >= SPILL_BYTES {
            self.hand_over();
        }
    }

    fn hand_over(&mut self) {
        if let Some(sink) = self.sink.as_mut() {
            if self.error.is_none() {
                self.error = sink.write_all(&self.buf).err();
            }
            self.buf.clear();
        }
    }

    pub fn u8(&mut self, value: u8) {
        self.buf.push(value);
    }

    pub fn u32(&mut self, value: u32) {
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    pub fn u64(&mut self, value: u64) {
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    pub fn f64(&mut self, value: f64) {
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    fn optional_f64(&mut self, value: Option<f64>) {
        match value {
            None => self.u8(0),
            Some(value) => {
                self.u8(1);
                self.f64(value);
            }
        }
    }

    fn date(&mut self, date: Option<Date>) {
        match date {
            None => self.u8(0),
            Some(date) => {
                let civil = date.civil();
                self.u8(1);
                self.buf.extend_from_slice(&civil.year().to_le_bytes());
                self.buf.extend_from_slice(&civil.month().to_le_bytes());
                self.buf.extend_from_slice(&civil.day().to_le_bytes());
            }
        }
    }

    /// A length, then the bytes.
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.u64(bytes.len() as u64);
        for piece in bytes.chunks(SPILL_BYTES) {
            self.buf.extend_from_slice(piece);
            self.spill();
        }
    }

    pub fn str(&mut self, text: &str) {
        self.bytes(text.as_bytes());
    }

    /// A length, then each value.
    pub fn u32s(&mut self, values: &[u32]) {
        self.u64(values.len() as u64);
        for piece in values.chunks(SPILL_BYTES / 4) {
            for value in piece {
                self.buf.extend_from_slice(&value.to_le_bytes());
            }
            self.spill();
        }
    }

    /// The byte length of `records`, then each record's three values: what
    /// [`Reader::bytes`] reads back as one byte string.
    pub fn records(&mut self, records: impl ExactSizeIterator<Item = [u32; 3]>) {
        self.u64(records.len() as u64 * 12);
        for (i, record) in records.enumerate() {
            for value in record {
                self.buf.extend_from_slice(&value.to_le_bytes());
            }
            if i % 4096 == 4095 {
                self.spill();
            }
        }
        self.spill();
    }
}

/// The fixed-width fields of a snapshot, little-endian, from whatever holds its bytes: the
/// tables in memory ([`Reader`]) or the rest of the file read through a buffer.
pub trait Fields {
    /// The next `n` bytes; `None` when fewer are left.
    fn next_bytes(&mut self, n: usize) -> Option<&[u8]>;

    /// The next `N` bytes.
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.next_bytes(N)?.try_into().ok()
    }

    fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }

    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    fn f64(&mut self) -> Option<f64> {
        self.array().map(f64::from_le_bytes)
    }

    /// A count or length: a `u64` that fits in memory.
    fn count(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }
}

impl Fields for Reader<'_> {
    fn next_bytes(&mut self, n: usize) -> Option<&[u8]> {
        self.take(n)
    }
}

/// Little-endian bytes, read with every length checked.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
}

#[expect(
    clippy::option_option,
    reason = "the outer `None` is a malformed snapshot, the inner one an empty cell"
)]
impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len()
    }

    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    fn bool(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn optional_f64(&mut self) -> Option<Option<f64>> {
        match self.u8()? {
            0 => Some(None),
            1 => self.f64().map(Some),
            _ => None,
        }
    }

    /// `Some(None)` for no rating, `None` for a byte that is no rating.
    fn rating(&mut self) -> Option<Option<Rating>> {
        match self.u8()? {
            0 => Some(None),
            n => Rating::new(n).map(Some),
        }
    }

    fn vocabulary<V: Vocabulary>(&mut self) -> Option<Option<V>> {
        match self.u8()? {
            0 => Some(None),
            n => V::ALL.get(usize::from(n) - 1).copied().map(Some),
        }
    }

    fn date(&mut self) -> Option<Option<Date>> {
        match self.u8()? {
            0 => Some(None),
            1 => {
                let year = i16::from_le_bytes(self.array()?);
                let month = i8::from_le_bytes(self.array()?);
                let day = i8::from_le_bytes(self.array()?);
                Date::from_ymd(year, month, day).map(Some)
            }
            _ => None,
        }
    }

    /// A length, then that many bytes.
    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.count()?;
        self.take(n)
    }

    pub fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    /// What [`Writer::u32s`] wrote.
    pub fn u32s(&mut self) -> Option<Vec<u32>> {
        let n = self.count()?;
        let bytes = self.take(n.checked_mul(4)?)?;
        Some(
            bytes
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_of_the_bundled_dataset_come_back_whole() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/acme-saas");
        let loaded = crate::load(&dir);
        assert_eq!(loaded.diagnostics.n_errors(), 0);
        let inventory = &loaded.inventory;
        let mut w = Writer::default();
        encode(&inventory.nodes, &inventory.dependencies, &mut w);
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes);
        assert_eq!(r.count(), Some(bytes.len() - 8));
        let bytes = r.take(bytes.len() - 8).unwrap();
        let tables = decode(&mut Reader::new(bytes)).expect("decodes");
        assert_eq!(
            format!("{:?}", tables.nodes),
            format!("{:?}", inventory.nodes)
        );
        assert_eq!(
            format!("{:?}", tables.dependencies),
            format!("{:?}", inventory.dependencies)
        );
        // Every cut short decodes to nothing rather than to a partial table or a panic.
        for cut in (0..bytes.len()).step_by(97) {
            assert!(decode(&mut Reader::new(&bytes[..cut])).is_none());
        }
    }

    /// Rows of a few bytes each (a length, then that many bytes), `per_chunk` to a chunk.
    fn chunked(rows: &[Vec<u8>], per_chunk: usize) -> Vec<Vec<u8>> {
        rows.chunks(per_chunk)
            .map(|chunk| {
                let mut w = Writer::default();
                for row in chunk {
                    w.u8(row.len() as u8);
                    for &byte in row {
                        w.u8(byte);
                    }
                }
                w.into_bytes()
            })
            .collect()
    }

    fn read_row(r: &mut Reader<'_>) -> Option<Vec<u8>> {
        let len = r.u8()?;
        (0..len).map(|_| r.u8()).collect()
    }

    #[test]
    fn rows_decode_in_place_from_any_row_of_any_chunk() {
        let rows: Vec<Vec<u8>> = (0..50u8).map(|i| vec![i; usize::from(i % 4)]).collect();
        for per_chunk in [1, 3, 7, 50, 64] {
            let chunks = chunked(&rows, per_chunk);
            let slices: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
            let decoded = decode_chunks(&slices, per_chunk, rows.len(), read_row, Vec::new);
            assert_eq!(decoded.as_ref(), Some(&rows), "{per_chunk} rows a chunk");
            // A job may start anywhere: a cursor skips to its first row.
            for first in 0..rows.len() {
                let mut cursor = Cursor::new(&slices, per_chunk, rows.len());
                for (at, row) in rows.iter().enumerate().skip(first) {
                    assert_eq!(cursor.row(at, read_row).as_ref(), Some(row));
                }
            }
        }
    }

    #[test]
    fn chunks_of_other_sizes_or_with_bytes_left_do_not_decode() {
        let rows: Vec<Vec<u8>> = (0..10u8).map(|i| vec![i; 2]).collect();
        let chunks = chunked(&rows, 4);
        let slices: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
        let decode = |slices: &[&[u8]], per_chunk, expected| {
            decode_chunks(slices, per_chunk, expected, read_row, Vec::new)
        };
        assert!(decode(&slices, 4, 10).is_some());
        // Rows counted otherwise than they were written.
        assert!(decode(&slices, 5, 10).is_none());
        assert!(decode(&slices, 4, 9).is_none());
        assert!(decode(&slices, 4, 11).is_none());
        assert!(decode(&slices, 4, 13).is_none());
        // A chunk with a row too many, or too few.
        let mut longer = chunks.clone();
        longer[1].extend_from_slice(&[1, 7]);
        let slices: Vec<&[u8]> = longer.iter().map(Vec::as_slice).collect();
        assert!(decode(&slices, 4, 10).is_none());
        let mut shorter = chunks.clone();
        let cut = shorter[0].len() - 3;
        shorter[0].truncate(cut);
        let slices: Vec<&[u8]> = shorter.iter().map(Vec::as_slice).collect();
        assert!(decode(&slices, 4, 10).is_none());
    }
}
