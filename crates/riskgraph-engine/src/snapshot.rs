//! The compiled snapshot of a large inventory: its node and dependency tables and its impact
//! graph, kept beside the inventory so that the next `blast-radius` on the same files skips
//! parsing them and building the graph.
//!
//! The file is `DIR/.riskgraph/blast-radius.snapshot` (the folder carries a `.gitignore` of `*`,
//! so it never lands in the repository of an inventory kept as code). It is trusted only when
//! everything it was made from is unchanged, which its key says: the SHA-256 of the riskgraph
//! version, the snapshot format and every file loading reads (names and bytes), and separately
//! of the rules scripts (the graph's factors come from `propagation.rhai`). Its payload carries a
//! CRC-32, so a damaged file is found before any of it is used; a snapshot of another version,
//! damaged, cut short or not a snapshot at all is ignored with a warning and written again. It
//! is written only after a load without errors, into a temporary file renamed over the old one
//! once complete, so a reader never sees half a snapshot, whatever runs at the same time.
//!
//! Small inventories are not worth a snapshot ([`Policy::Auto`] keeps one from
//! [`AUTO_MIN_BYTES`] of input on): they load in milliseconds.

use std::io::{Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use riskgraph_model::Inventory;
use riskgraph_model::snapshot::{Reader, Tables, Writer};
use sha2::{Digest, Sha256};

use crate::propagation::ImpactGraph;

/// The first bytes of a snapshot file.
const MAGIC: &[u8; 16] = b"riskgraph-snap\n\0";
/// Raised whenever what a snapshot holds, or how, changes.
const FORMAT: u32 = 1;
/// The folder beside the inventory's files, and the snapshot's name in it.
pub const FOLDER: &str = ".riskgraph";
const FILE: &str = "blast-radius.snapshot";
/// Inputs from this size on get a snapshot under [`Policy::Auto`] (16 MiB: about 50,000 nodes).
pub const AUTO_MIN_BYTES: u64 = 16 << 20;

/// When a command keeps and reads a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// For inventory folders of [`AUTO_MIN_BYTES`] or more.
    Auto,
    /// For every inventory folder.
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

/// The key of the files loading reads in the folder `dir`, each hashed on its own thread.
pub fn inputs_key(dir: &Path) -> std::io::Result<InputsKey> {
    let files = riskgraph_model::load::folder_inputs(dir);
    let digests: std::io::Result<Vec<([u8; 32], u64)>> = files
        .par_iter()
        .map(|path| {
            let mut file = std::fs::File::open(path)?;
            let mut hasher = Sha256::new();
            let bytes = std::io::copy(&mut file, &mut hasher)?;
            Ok((hasher.finalize().into(), bytes))
        })
        .collect();
    let mut hasher = Sha256::new();
    hasher.update(version_line());
    let mut total = 0;
    for (path, (digest, bytes)) in files.iter().zip(digests?) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update(bytes.to_le_bytes());
        hasher.update(digest);
        total += bytes;
    }
    Ok(InputsKey {
        sha256: hasher.finalize().into(),
        bytes: total,
    })
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

/// A snapshot of the inputs at hand, read and checked, not yet decoded.
pub struct Fresh {
    rules: [u8; 32],
    /// The whole file; the payload starts at `start`.
    bytes: Vec<u8>,
    start: usize,
}

/// Reads the snapshot at `file` and checks it against `inputs`.
pub fn read(file: &Path, inputs: &InputsKey) -> Found {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Found::Missing,
        Err(err) => return Found::Unusable(format!("it cannot be read: {err}")),
    };
    let mut r = Reader::new(&bytes);
    if r.take(MAGIC.len()) != Some(MAGIC.as_slice()) {
        return Found::Unusable(String::from("it is not a riskgraph snapshot"));
    }
    let (Some(format), Some(version)) = (r.u32(), r.str()) else {
        return Found::Unusable(String::from("it is cut short"));
    };
    if format != FORMAT || version != env!("CARGO_PKG_VERSION") {
        return Found::Unusable(format!(
            "it was written by riskgraph {version} (format {format}), not by this version"
        ));
    }
    let header = (|| {
        let inputs: [u8; 32] = r.take(32)?.try_into().ok()?;
        let rules: [u8; 32] = r.take(32)?.try_into().ok()?;
        let crc = r.u32()?;
        let payload = r.bytes()?;
        Some((inputs, rules, crc, payload, r.remaining()))
    })();
    let Some((key, rules, crc, payload, trailing)) = header else {
        return Found::Unusable(String::from("it is cut short"));
    };
    if key != inputs.sha256 {
        return Found::Stale;
    }
    if trailing != 0 || crc32fast::hash(payload) != crc {
        return Found::Unusable(String::from("it is damaged (its checksum does not match)"));
    }
    let start = bytes.len() - payload.len();
    Found::Fresh(Fresh {
        rules,
        bytes,
        start,
    })
}

impl Fresh {
    /// Whether the graph was built with these rules.
    pub fn rules_match(&self, rules: [u8; 32]) -> bool {
        self.rules == rules
    }

    /// The node and dependency tables, and the bytes after them (the graph).
    pub fn tables(&self) -> Option<(Tables, Reader<'_>)> {
        let mut r = Reader::new(self.bytes.get(self.start..)?);
        let tables = riskgraph_model::snapshot::decode(&mut r)?;
        Some((tables, r))
    }
}

/// The graph after the tables, for an inventory of `node_count` nodes with dependency rows
/// from `row_dependent` to `row_failing`.
pub fn graph(
    mut r: Reader<'_>,
    node_count: usize,
    row_failing: Vec<u32>,
    row_dependent: Vec<u32>,
) -> Option<ImpactGraph> {
    let graph = ImpactGraph::decode(&mut r, node_count, row_failing, row_dependent)?;
    (r.remaining() == 0).then_some(graph)
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
