//! The compiled snapshot of a large inventory: its node and dependency tables and its impact
//! graph, kept beside the inventory so that the next `blast-radius` on the same files skips
//! parsing them and building the graph.
//!
//! The file is `DIR/.riskgraph/blast-radius.snapshot` (the folder carries a `.gitignore` of `*`,
//! so it never lands in the repository of an inventory kept as code). It is trusted only when
//! everything it was made from is unchanged, which its key says: the SHA-256 of the riskgraph
//! version, the snapshot format and every file loading reads (names, sizes and bytes, the bytes
//! hashed in pieces on every thread: [`inputs_key`]), and separately
//! of the rules scripts (the graph's factors come from `propagation.rhai`). Its payload carries a
//! CRC-32, so a damaged file is found before any of it is used; a snapshot of another version,
//! damaged, cut short or not a snapshot at all is ignored with a warning and written again. It
//! is written only after a load without errors, into a temporary file renamed over the old one
//! once complete, so a reader never sees half a snapshot, whatever runs at the same time.
//!
//! Small inventories are not worth a snapshot ([`Policy::Auto`] keeps one from
//! [`AUTO_MIN_BYTES`] of input on): they load in milliseconds. Under [`Policy::Auto`] the
//! snapshot is written by the second run on the same inputs ([`seen_before`]): writing it costs
//! a tenth more than reading the files, which a first run does not pay.

use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use riskgraph_model::Inventory;
use riskgraph_model::snapshot::{Fields, Reader, Tables, Writer};
use sha2::{Digest, Sha256};

use crate::propagation::ImpactGraph;

/// The first bytes of a snapshot file.
const MAGIC: &[u8; 16] = b"riskgraph-snap\n\0";
/// Raised whenever what a snapshot holds, or how, changes.
const FORMAT: u32 = 3;
/// The folder beside the inventory's files, and the snapshot's name in it.
pub const FOLDER: &str = ".riskgraph";
const FILE: &str = "blast-radius.snapshot";
/// The marker beside it: the key of the inputs the last run without a snapshot saw.
const SEEN: &str = "blast-radius.seen";
/// Inputs from this size on get a snapshot under [`Policy::Auto`] (16 MiB: about 50,000 nodes).
pub const AUTO_MIN_BYTES: u64 = 16 << 20;

/// When a command keeps and reads a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// For inventory folders of [`AUTO_MIN_BYTES`] or more, written from the second run on the
    /// same inputs.
    Auto,
    /// For every inventory folder, written from the first run.
    Always,
    /// Never: read the files, and leave any snapshot alone.
    Never,
}

/// The key of the inputs: what they hash to, and their size in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputsKey {
    pub sha256: [u8; 32],
    pub bytes: u64,
}

/// The snapshot file of the inventory folder `dir`.
pub fn location(dir: &Path) -> PathBuf {
    dir.join(FOLDER).join(FILE)
}

/// The bytes of an input hashed as one piece: the pieces of all the files are hashed on every
/// thread at once, so one large file does not keep a single thread busy while the others wait.
const HASH_PIECE: u64 = 8 << 20;

/// The key of the files loading reads in the folder `dir`.
///
/// Each file is cut into pieces of [`HASH_PIECE`] bytes, hashed in parallel; a file's digest is
/// the SHA-256 of its pieces' digests in order, and the key the SHA-256 of the version line and of
/// each file's name, size and digest. A file whose size changes while it is read is an error:
/// the caller then reads the files without a snapshot.
pub fn inputs_key(dir: &Path) -> std::io::Result<InputsKey> {
    inputs_key_in_pieces(dir, HASH_PIECE)
}

/// [`inputs_key`] with pieces of `piece` bytes.
fn inputs_key_in_pieces(dir: &Path, piece: u64) -> std::io::Result<InputsKey> {
    let files = riskgraph_model::load::folder_inputs(dir);
    let sizes = files
        .iter()
        .map(|path| std::fs::metadata(path).map(|m| m.len()))
        .collect::<std::io::Result<Vec<u64>>>()?;
    let pieces: Vec<(usize, u64)> = sizes
        .iter()
        .enumerate()
        .flat_map(|(file, &size)| {
            (0..size.div_ceil(piece).max(1)).map(move |at| (file, at * piece))
        })
        .collect();
    let digests = pieces
        .par_iter()
        .map_init(
            || vec![0; 64 << 10],
            |buffer, &(file, at)| {
                let len = piece.min(sizes[file] - at);
                piece_digest(&files[file], at, len, buffer)
            },
        )
        .collect::<std::io::Result<Vec<[u8; 32]>>>()?;
    let mut hasher = Sha256::new();
    hasher.update(version_line());
    let mut total = 0;
    for (file, path) in files.iter().enumerate() {
        if std::fs::metadata(path)?.len() != sizes[file] {
            return Err(std::io::Error::other("an input changed while it was read"));
        }
        let mut of_file = Sha256::new();
        for (_, digest) in pieces.iter().zip(&digests).filter(|((f, _), _)| *f == file) {
            of_file.update(digest);
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update(sizes[file].to_le_bytes());
        hasher.update(of_file.finalize());
        total += sizes[file];
    }
    Ok(InputsKey {
        sha256: hasher.finalize().into(),
        bytes: total,
    })
}

/// The SHA-256 of the `len` bytes of `path` from `at`, read through `buffer`.
fn piece_digest(path: &Path, at: u64, len: u64, buffer: &mut [u8]) -> std::io::Result<[u8; 32]> {
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(at))?;
    let mut hasher = Sha256::new();
    let mut left = len;
    while left > 0 {
        let want = buffer
            .len()
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        file.read_exact(&mut buffer[..want])?;
        hasher.update(&buffer[..want]);
        left -= want as u64;
    }
    Ok(hasher.finalize().into())
}

/// The key of the rules scripts: each hook's file name and source.
pub fn rules_key(rules: &crate::rules::Rules) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(version_line());
    for (file, _, source) in rules.sources() {
        for part in [file, source] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
    }
    hasher.finalize().into()
}

fn version_line() -> String {
    format!(
        "riskgraph {} snapshot {FORMAT}\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// What was found at a snapshot's location.
pub enum Found {
    /// No snapshot.
    Missing,
    /// A snapshot of other inputs: the inventory changed since.
    Stale,
    /// A file that cannot be trusted, and why.
    Unusable(String),
    /// A snapshot of these inputs, checked whole.
    Fresh(Fresh),
}

/// A snapshot of the inputs at hand, its node and dependency tables read, the rest (the graph)
/// still in the file. Its checksum is known only once it is read whole
/// ([`Fresh::graph_and_check`]): until then, what decodes from it is not to be used.
pub struct Fresh {
    inputs: [u8; 32],
    rules: [u8; 32],
    /// The node and dependency tables, as [`riskgraph_model::snapshot::decode`] reads them.
    tables: Vec<u8>,
    /// The rest of the payload.
    rest: Stream,
    /// The CRC-32 of the payload up to the tables, and the one the header gives for it all.
    crc_before_tables: crc32fast::Hasher,
    crc: u32,
}

impl Found {
    /// What was found, for the inputs `inputs`: a snapshot of other inputs is stale.
    #[must_use]
    pub fn of(self, inputs: &InputsKey) -> Self {
        match self {
            Found::Fresh(fresh) if fresh.inputs != inputs.sha256 => Found::Stale,
            found => found,
        }
    }
}

/// Why a snapshot whose checksum fails is ignored.
pub const DAMAGED: &str = "it is damaged (its checksum does not match)";

/// Reads the header and the tables of the snapshot at `file`. Whether it is a snapshot of the
/// inputs at hand is for [`Found::of`] to say: the inputs are hashed meanwhile.
pub fn read(file: &Path) -> Found {
    let mut handle = match std::fs::File::open(file) {
        Ok(handle) => handle,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Found::Missing,
        Err(err) => return Found::Unusable(format!("it cannot be read: {err}")),
    };
    let file_len = handle.metadata().map_or(0, |m| m.len());
    // The header is short: the magic, the format, the version, two keys, the checksum, the
    // payload's length and the tables' length (the payload's first 8 bytes).
    let mut head = Vec::with_capacity(256);
    if let Err(err) = (&mut handle).take(256).read_to_end(&mut head) {
        return Found::Unusable(format!("it cannot be read: {err}"));
    }
    let mut r = Reader::new(&head);
    if r.take(MAGIC.len()) != Some(MAGIC.as_slice()) {
        return Found::Unusable(String::from("it is not a riskgraph snapshot"));
    }
    let (Some(format), Some(version)) = (r.u32(), r.str()) else {
        return Found::Unusable(String::from("it is cut short"));
    };
    if version != env!("CARGO_PKG_VERSION") {
        return Found::Unusable(format!(
            "it was written by riskgraph {version} (format {format}), not by this version"
        ));
    }
    if format != FORMAT {
        return Found::Unusable(format!(
            "it is in an older or newer snapshot format ({format}; this build reads {FORMAT})"
        ));
    }
    let header = (|| {
        let inputs: [u8; 32] = r.take(32)?.try_into().ok()?;
        let rules: [u8; 32] = r.take(32)?.try_into().ok()?;
        let crc = r.u32()?;
        let payload = r.u64()?;
        let tables = r.u64()?;
        Some((inputs, rules, crc, payload, tables))
    })();
    let Some((key, rules, crc, payload, tables_len)) = header else {
        return Found::Unusable(String::from("it is cut short"));
    };
    let tables_at = (head.len() - r.remaining()) as u64;
    let payload_at = tables_at - 8;
    match file_len.cmp(&payload_at.saturating_add(payload)) {
        std::cmp::Ordering::Less => return Found::Unusable(String::from("it is cut short")),
        std::cmp::Ordering::Greater => return Found::Unusable(String::from(DAMAGED)),
        std::cmp::Ordering::Equal => {}
    }
    let Some(rest_len) = payload
        .checked_sub(8)
        .and_then(|left| left.checked_sub(tables_len))
    else {
        return Found::Unusable(String::from(DAMAGED));
    };
    let tables = (|| {
        handle.seek(SeekFrom::Start(tables_at))?;
        let mut tables = vec![0; usize::try_from(tables_len).map_err(std::io::Error::other)?];
        handle.read_exact(&mut tables)?;
        Ok::<_, std::io::Error>(tables)
    })();
    let tables = match tables {
        Ok(tables) => tables,
        Err(err) => return Found::Unusable(format!("it cannot be read: {err}")),
    };
    let mut crc_before_tables = crc32fast::Hasher::new();
    crc_before_tables.update(&tables_len.to_le_bytes());
    Found::Fresh(Fresh {
        inputs: key,
        rules,
        tables,
        rest: Stream::new(handle, rest_len),
        crc_before_tables,
        crc,
    })
}

impl Fresh {
    /// Whether the graph was built with these rules.
    pub fn rules_match(&self, rules: [u8; 32]) -> bool {
        self.rules == rules
    }

    /// The node and dependency tables.
    pub fn tables(&self) -> Option<Tables> {
        let mut r = Reader::new(&self.tables);
        let tables = riskgraph_model::snapshot::decode(&mut r)?;
        (r.remaining() == 0).then_some(tables)
    }

    /// The graph after the tables, for an inventory of `node_count` nodes with dependency rows
    /// from `row_dependent` to `row_failing`; and whether the whole payload's checksum holds
    /// (the rest of the file is read through it even when the graph does not decode).
    pub fn graph_and_check(
        &mut self,
        node_count: usize,
        row_failing: Vec<u32>,
        row_dependent: Vec<u32>,
    ) -> (Option<ImpactGraph>, bool) {
        let mut crc = self.crc_before_tables.clone();
        let rest = &mut self.rest;
        let (graph, ()) = rayon::join(
            || {
                ImpactGraph::decode(rest, node_count, row_failing, row_dependent)
                    .filter(|_| rest.remaining() == 0)
            },
            || crc.update(&self.tables),
        );
        match rest.finish() {
            Some(rest_crc) => {
                crc.combine(&rest_crc);
                (graph, crc.finalize() == self.crc)
            }
            None => (None, false),
        }
    }
}

/// The part of a snapshot file after its tables, read in order a piece at a time through one
/// reused buffer (so the file's bytes are copied once, into the arrays they decode to), with
/// its CRC-32 kept. Every read is checked against what is left.
pub struct Stream {
    file: std::io::BufReader<std::fs::File>,
    remaining: u64,
    crc: crc32fast::Hasher,
    buffer: Vec<u8>,
    /// A read failed or asked for more than is left: every later read fails too.
    failed: bool,
}

/// The bytes a [`Stream`] reads at a time into its buffer, a multiple of 12 (a record).
const STREAM_PIECE: usize = 12 << 16;

impl Stream {
    fn new(file: std::fs::File, remaining: u64) -> Self {
        Self {
            file: std::io::BufReader::with_capacity(64 << 10, file),
            remaining,
            crc: crc32fast::Hasher::new(),
            buffer: Vec::new(),
            failed: false,
        }
    }

    /// Bytes left, at most `usize::MAX`.
    pub fn remaining(&self) -> usize {
        usize::try_from(self.remaining).unwrap_or(usize::MAX)
    }

    /// The next `n` bytes, in the reused buffer.
    fn next(&mut self, n: usize) -> Option<&[u8]> {
        if self.failed || n as u64 > self.remaining {
            self.failed = true;
            return None;
        }
        self.buffer.resize(n, 0);
        if self.file.read_exact(&mut self.buffer).is_err() {
            self.failed = true;
            return None;
        }
        self.remaining -= n as u64;
        self.crc.update(&self.buffer);
        Some(&self.buffer)
    }

    /// What [`riskgraph_model::snapshot::Writer::u32s`] wrote.
    pub fn u32s(&mut self) -> Option<Vec<u32>> {
        let n = self.count()?;
        if n.checked_mul(4)? > self.remaining() {
            self.failed = true;
            return None;
        }
        let mut values = Vec::with_capacity(n);
        while values.len() < n {
            let piece = (n - values.len()).min(STREAM_PIECE / 4);
            let bytes = self.next(piece * 4)?;
            values.extend(
                bytes
                    .chunks_exact(4)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
        }
        Some(values)
    }

    /// What [`riskgraph_model::snapshot::Writer::records`] wrote, each record made into a `T`.
    pub fn records<T>(&mut self, record: impl Fn([u32; 3]) -> T) -> Option<Vec<T>> {
        let len = self.count()?;
        if len % 12 != 0 || len > self.remaining() {
            self.failed = true;
            return None;
        }
        let n = len / 12;
        let mut values = Vec::with_capacity(n);
        while values.len() < n {
            let piece = (n - values.len()).min(STREAM_PIECE / 12);
            let bytes = self.next(piece * 12)?;
            values.extend(bytes.chunks_exact(12).map(|b| {
                let word = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
                record([word(0), word(4), word(8)])
            }));
        }
        Some(values)
    }

    /// Reads what is left through the checksum: the CRC-32 of all the stream's bytes, or `None`
    /// when the file could not be read to its end.
    fn finish(&mut self) -> Option<crc32fast::Hasher> {
        // A failed check of a length is not a failed read: the rest is read all the same, so a
        // damaged length is reported by the checksum.
        self.failed = false;
        while self.remaining > 0 {
            let piece = self.remaining().min(STREAM_PIECE);
            self.next(piece)?;
        }
        Some(self.crc.clone())
    }
}

impl Fields for Stream {
    fn next_bytes(&mut self, n: usize) -> Option<&[u8]> {
        self.next(n)
    }
}

/// Whether an earlier run saw the inputs `inputs` (the marker beside the snapshot `file` holds
/// their key); if not, the marker now does. Under [`Policy::Auto`] a snapshot is written from the
/// second run on the same inputs, so a first run costs what reading the files does, and an
/// inventory queried once never gets one.
pub fn seen_before(file: &Path, inputs: &InputsKey) -> bool {
    let marker = file.with_file_name(SEEN);
    if std::fs::read(&marker).is_ok_and(|key| key == inputs.sha256) {
        return true;
    }
    // Not worth failing over: without the marker, the next run records it again.
    if prepare_folder(file).is_ok() {
        let _ = std::fs::write(&marker, inputs.sha256);
    }
    false
}

/// Creates the folder of the snapshot `file` with its `.gitignore`; the folder.
fn prepare_folder(file: &Path) -> std::io::Result<&Path> {
    let folder = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)?;
    let ignore = folder.join(".gitignore");
    if !ignore.exists() {
        // Not worth failing over: the snapshot works without it.
        let _ = std::fs::write(
            &ignore,
            "# riskgraph's compiled snapshots: rebuilt when needed\n*\n",
        );
    }
    Ok(folder)
}

/// Writes the snapshot of `inventory` and `graph` at `file`, keyed by `inputs` and `rules`:
/// into a temporary file beside it, renamed over `file` once complete. The payload is encoded
/// straight into the file a megabyte at a time; its length and checksum, known at the end, are
/// then written into the header.
pub fn write(
    file: &Path,
    inputs: &InputsKey,
    rules: [u8; 32],
    inventory: &Inventory,
    graph: &ImpactGraph,
) -> std::io::Result<()> {
    let mut head = Writer::default();
    for &byte in MAGIC {
        head.u8(byte);
    }
    head.u32(FORMAT);
    head.str(env!("CARGO_PKG_VERSION"));
    let mut head = head.into_bytes();
    head.extend_from_slice(&inputs.sha256);
    head.extend_from_slice(&rules);
    let checksum_at = head.len() as u64;
    // The checksum and the payload's length, filled in once the payload is written.
    head.extend_from_slice(&[0; 12]);

    let folder = prepare_folder(file)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-snapshot-");
    // The mode of any new file (read and write for all, less the umask), not the temporary
    // file's owner-only one: whoever shares the inventory's folder can read the snapshot.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temporary = builder.tempfile_in(folder)?;
    temporary.write_all(&head)?;
    let mut sink = Checksummed {
        file: temporary.as_file_mut(),
        crc: crc32fast::Hasher::new(),
        len: 0,
    };
    let mut payload = Writer::streaming(&mut sink);
    riskgraph_model::snapshot::encode(&inventory.nodes, &inventory.dependencies, &mut payload);
    graph.encode(&mut payload);
    payload.finish()?;
    let (crc, len) = (sink.crc.finalize(), sink.len);
    let file_handle = temporary.as_file_mut();
    file_handle.seek(SeekFrom::Start(checksum_at))?;
    file_handle.write_all(&crc.to_le_bytes())?;
    file_handle.write_all(&len.to_le_bytes())?;
    // Not synced to disk: a snapshot cut short by a crash fails its checksum and is rebuilt.
    temporary.persist(file).map_err(|err| err.error)?;
    Ok(())
}

/// A file that keeps the CRC-32 and the length of what is written to it.
struct Checksummed<'a> {
    file: &'a mut std::fs::File,
    crc: crc32fast::Hasher,
    len: u64,
}

impl std::io::Write for Checksummed<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(bytes)?;
        self.crc.update(&bytes[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder of its own under the temporary directory, removed when dropped.
    struct Folder(PathBuf);

    impl Folder {
        fn new(name: &str) -> Self {
            let path = std::env::temp_dir().join(format!(
                "riskgraph-inputs-key-{}-{name}",
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn the_key_covers_every_piece_of_a_large_file() {
        // Pieces of 4 KiB in tests: three pieces and a bit, hashed on both threads.
        const PIECE: u64 = 4096;
        let len = 3 * PIECE as usize + 1000;
        let assets: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
        let key = |name: &str, assets: &[u8]| {
            let folder = Folder::new(name);
            std::fs::write(folder.0.join("assets.csv"), assets).unwrap();
            std::fs::write(folder.0.join("vendors.csv"), "id,name\n").unwrap();
            inputs_key_in_pieces(&folder.0, PIECE).unwrap()
        };
        let original = key("original", &assets);
        assert_eq!(original.bytes, len as u64 + 8);
        assert_eq!(key("copy", &assets), original);
        for at in [0, PIECE as usize - 1, 2 * PIECE as usize + 7, len - 1] {
            let mut changed = assets.clone();
            changed[at] ^= 1;
            assert_ne!(
                key("changed", &changed).sha256,
                original.sha256,
                "byte {at}"
            );
        }
        // The same bytes moved across a piece's boundary.
        let mut shifted = assets.clone();
        shifted.rotate_left(1);
        assert_ne!(key("shifted", &shifted).sha256, original.sha256);
    }
}
