//! An output file written in large blocks that bypass the page cache.
//!
//! A register of tens of millions of risks is gigabytes of text. Written through the page cache,
//! the kernel copies every byte into it and then to the disk: on the development machine about
//! 500 MB/s of one core's time, as long as the rest of the assessment. Written with direct I/O
//! (`O_DIRECT` on Linux), whole blocks go from our buffer to the disk without that copy: about
//! 1.8 GB/s, and the write waits on the disk instead of using a core. [`BlockFile`] gathers what it
//! is given into an aligned buffer and writes each full block that way; the last, partial block
//! goes through the page cache as usual, since direct writes must be whole blocks.
//!
//! Where direct I/O is not offered (another system, a file system that refuses it, a block size
//! the buffer does not suit), the blocks are written the usual way, with the same bytes.

use std::fs::File;
use std::io::Write;

/// The size of a block written at once: large enough that the disk, not the call, sets the pace.
pub const BLOCK: usize = 8 << 20;
/// The alignment of the blocks in memory and in the file; a multiple of every usual device's
/// logical block size.
const ALIGN: usize = 4096;

/// A file written a [`BLOCK`] at a time, directly where it can be. Call [`BlockFile::finish`] to
/// write what is left: what is not finished is not written.
pub struct BlockFile<'f> {
    file: &'f File,
    /// [`BLOCK`] bytes starting at `start`, aligned to [`ALIGN`], with room to align them.
    buffer: Vec<u8>,
    start: usize,
    /// How much of the block is filled.
    filled: usize,
    direct: bool,
}

impl<'f> BlockFile<'f> {
    /// Writes to `file` from its current position, directly if the system allows it.
    pub fn new(file: &'f File) -> Self {
        Self::with_direct(file, true)
    }

    /// As [`BlockFile::new`], with direct I/O only if `direct` is asked and allowed.
    fn with_direct(file: &'f File, direct: bool) -> Self {
        let buffer = vec![0u8; BLOCK + ALIGN];
        // `align_offset` may in principle give up; the blocks are then written the usual way.
        let aligned = buffer.as_ptr().align_offset(ALIGN);
        let start = if aligned < ALIGN { aligned } else { 0 };
        let mut blocks = Self {
            file,
            buffer,
            start,
            filled: 0,
            direct: false,
        };
        blocks.direct = direct && aligned < ALIGN && set_direct(file, true).is_ok();
        blocks
    }

    /// Writes what is left, through the page cache, and turns direct I/O off again.
    pub fn finish(mut self) -> std::io::Result<()> {
        if self.direct {
            set_direct(self.file, false)?;
            self.direct = false;
        }
        let (start, filled) = (self.start, self.filled);
        self.filled = 0;
        let mut file = self.file;
        file.write_all(&self.buffer[start..start + filled])
    }

    /// Writes the full block; falls back to the page cache for good if the system refuses a
    /// direct write. A refused write wrote nothing, so the block goes on from where it stopped.
    fn write_block(&mut self) -> std::io::Result<()> {
        let block = &self.buffer[self.start..self.start + self.filled];
        let mut file = self.file;
        let mut done = 0;
        while done < block.len() {
            match file.write(&block[done..]) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(written) => done += written,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) if self.direct && refused(&err) => {
                    set_direct(file, false)?;
                    self.direct = false;
                }
                Err(err) => return Err(err),
            }
        }
        self.filled = 0;
        Ok(())
    }
}

impl Write for BlockFile<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let room = BLOCK - self.filled;
        let taken = bytes.len().min(room);
        let at = self.start + self.filled;
        self.buffer[at..at + taken].copy_from_slice(&bytes[..taken]);
        self.filled += taken;
        if self.filled == BLOCK {
            self.write_block()?;
        }
        Ok(taken)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // Blocks are written whole; the rest waits for `finish`.
        Ok(())
    }
}

/// Whether `err` is the system refusing a direct write (a block size or alignment it does not
/// accept), rather than a failure of the disk.
fn refused(err: &std::io::Error) -> bool {
    #[cfg(target_os = "linux")]
    {
        rustix::io::Errno::from_io_error(err) == Some(rustix::io::Errno::INVAL)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = err;
        false
    }
}

/// Turns direct I/O on or off for `file`.
#[cfg(target_os = "linux")]
fn set_direct(file: &File, on: bool) -> std::io::Result<()> {
    use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
    let flags = fcntl_getfl(file)?;
    let flags = if on {
        flags | OFlags::DIRECT
    } else {
        flags - OFlags::DIRECT
    };
    fcntl_setfl(file, flags)?;
    Ok(())
}

/// Direct I/O is used on Linux only.
#[cfg(not(target_os = "linux"))]
fn set_direct(_file: &File, _on: bool) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Seek as _, Write as _};

    use super::*;

    /// Writes `pieces` through a [`BlockFile`] and reads the file back.
    fn written(pieces: &[&[u8]], direct: bool) -> Vec<u8> {
        let mut file = tempfile::tempfile_in(std::env::temp_dir()).unwrap();
        let mut blocks = BlockFile::with_direct(&file, direct);
        for piece in pieces {
            blocks.write_all(piece).unwrap();
        }
        blocks.finish().unwrap();
        file.rewind().unwrap();
        let mut back = Vec::new();
        file.read_to_end(&mut back).unwrap();
        back
    }

    #[test]
    fn the_file_holds_every_byte_in_order_across_blocks() {
        let big: Vec<u8> = (0..BLOCK * 2 + 12_345).map(|i| (i % 251) as u8).collect();
        for direct in [true, false] {
            for pieces in [
                vec![&big[..]],
                vec![
                    &big[..7],
                    &big[7..BLOCK],
                    &big[BLOCK..=BLOCK * 2],
                    &big[BLOCK * 2 + 1..],
                ],
                big.chunks(999_983).collect(),
            ] {
                assert!(written(&pieces, direct) == big, "direct {direct}");
            }
        }
        assert_eq!(written(&[b"short"], true), b"short");
        assert_eq!(written(&[], true), b"");
    }

    #[test]
    fn a_refused_direct_write_goes_through_the_page_cache() {
        // A block one byte off the alignment: a file system with direct I/O refuses it.
        let big: Vec<u8> = (0..BLOCK * 2 + 3).map(|i| (i % 253) as u8).collect();
        let mut file = tempfile::tempfile_in(std::env::temp_dir()).unwrap();
        let mut blocks = BlockFile::with_direct(&file, true);
        blocks.start += 1;
        blocks.write_all(&big).unwrap();
        assert!(!blocks.direct);
        blocks.finish().unwrap();
        file.rewind().unwrap();
        let mut back = Vec::new();
        file.read_to_end(&mut back).unwrap();
        assert!(back == big);
    }

    #[test]
    fn nothing_past_the_last_full_block_is_written_before_finish() {
        let file = tempfile::tempfile_in(std::env::temp_dir()).unwrap();
        let mut blocks = BlockFile::new(&file);
        blocks.write_all(&vec![b'x'; BLOCK + 10]).unwrap();
        blocks.flush().unwrap();
        assert_eq!(file.metadata().unwrap().len(), BLOCK as u64);
        blocks.finish().unwrap();
        assert_eq!(file.metadata().unwrap().len(), BLOCK as u64 + 10);
    }

    #[test]
    fn the_file_is_left_without_direct_io() {
        let file = tempfile::tempfile_in(std::env::temp_dir()).unwrap();
        let mut blocks = BlockFile::new(&file);
        blocks.write_all(b"abc").unwrap();
        blocks.finish().unwrap();
        (&file).write_all(b"d").unwrap();
        assert_eq!(file.metadata().unwrap().len(), 4);
    }
}
