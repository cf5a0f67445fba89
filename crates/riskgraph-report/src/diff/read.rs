//! Reading a register document for `diff` and `report --previous`, streamed from the file.
//!
//! The document is parsed from a buffered reader rather than from the file's text, so neither the
//! text (1.6 GB for a million risks) nor a list of every risk's view is ever held: the risks
//! are folded into [`RiskRows`] as they are read. What the reader accepts and how it fails are those
//! of reading the whole text with `serde_json::from_str`: the bytes are checked to be UTF-8 as they
//! pass (as reading the text did first), and when streaming fails for any reason the file is read
//! again the old way, so the error names the same line and column. Only a file that is not a
//! register pays for that second reading.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use crate::register::{Document, SCHEMA_VERSION};

use super::snapshot::{RiskRows, Snapshot};

/// Why a file is not a register `diff` can compare.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: io::Error },
    #[error(
        "{path}:{line}:{column}: not a register: {source}; `riskgraph diff` compares outputs of `riskgraph assess --format json`"
    )]
    NotARegister {
        path: String,
        line: usize,
        column: usize,
        source: serde_json::Error,
    },
    #[error(
        "{path}: register schema version {found} (this riskgraph reads version {SCHEMA_VERSION}); assess the inventory again with this version"
    )]
    Version { path: String, found: u32 },
    #[error(
        "{path} lists {shown} of its {risks} risks (written with `--only`); compare full registers"
    )]
    Partial {
        path: String,
        shown: usize,
        risks: usize,
    },
}

/// A register document whose risks are compact rows.
type Streamed = Document<'static, RiskRows>;

/// How much of the file is read at a time.
const BUFFER: usize = 1 << 20;

/// Reads a register document, or says what is wrong with the file.
pub fn read(path: &Path) -> Result<Snapshot<'static>, ReadError> {
    let shown = path.display().to_string();
    let io_error = |source| ReadError::Io {
        path: shown.clone(),
        source,
    };
    let file = File::open(path).map_err(io_error)?;
    let reader = BufReader::with_capacity(BUFFER, Utf8Checked::new(file));
    let streamed = serde_json::from_reader::<_, Streamed>(reader);
    // On failure, the error as reading the whole text gives it: an I/O or UTF-8 error first,
    // else the parser's with its position in the text.
    let document = if let Ok(document) = streamed {
        document
    } else {
        let text = std::fs::read_to_string(path).map_err(io_error)?;
        serde_json::from_str::<Streamed>(&text).map_err(|source| ReadError::NotARegister {
            path: shown.clone(),
            line: source.line(),
            column: source.column(),
            source,
        })?
    };
    if document.schema_version != SCHEMA_VERSION {
        return Err(ReadError::Version {
            path: shown,
            found: document.schema_version,
        });
    }
    if document.summary.shown != document.summary.risks {
        return Err(ReadError::Partial {
            path: shown,
            shown: document.summary.shown,
            risks: document.summary.risks,
        });
    }
    Ok(Snapshot {
        organization: document.organization,
        as_of: document.as_of,
        levels: document.method.levels,
        controls: document.controls,
        vendors: document.vendors,
        risks: document.risks,
    })
}

/// A reader that fails, as `read_to_string` does, when its bytes are not UTF-8. The parser checks
/// the strings it keeps but not those it skips (unknown fields), so without this a file the old
/// reader refused could be read.
struct Utf8Checked<R> {
    inner: R,
    buffer: Box<[u8]>,
    /// `buffer[start..checked]` is checked and not yet given out; `buffer[checked..filled]` is
    /// the start of a character cut by the end of the last read from `inner`.
    start: usize,
    checked: usize,
    filled: usize,
}

impl<R: Read> Utf8Checked<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            buffer: vec![0; BUFFER].into_boxed_slice(),
            start: 0,
            checked: 0,
            filled: 0,
        }
    }

    /// Reads from `inner` until some checked bytes are ready; false at the end.
    fn refill(&mut self) -> io::Result<bool> {
        self.buffer.copy_within(self.checked..self.filled, 0);
        self.filled -= self.checked;
        (self.start, self.checked) = (0, 0);
        while self.checked == 0 {
            let n = self.inner.read(&mut self.buffer[self.filled..])?;
            if n == 0 {
                // The end: a character still cut is not UTF-8.
                return if self.filled == 0 {
                    Ok(false)
                } else {
                    Err(not_utf8())
                };
            }
            self.filled += n;
            self.checked = match std::str::from_utf8(&self.buffer[..self.filled]) {
                Ok(_) => self.filled,
                Err(error) if error.error_len().is_none() => error.valid_up_to(),
                Err(_) => return Err(not_utf8()),
            };
        }
        Ok(true)
    }
}

/// The error `read_to_string` gives for bytes that are not UTF-8.
fn not_utf8() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "stream did not contain valid UTF-8",
    )
}

impl<R: Read> Read for Utf8Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.start == self.checked && !self.refill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.checked - self.start);
        buf[..n].copy_from_slice(&self.buffer[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }
}
