//! Random access to the bytes of a backup: a file on disk, bytes in memory, or the decoded inner
//! stream of a compressed backup. Reads past the end return fewer bytes, never an error, so the
//! readers above can say "truncated" with the offset.

use std::fs::File;
use std::os::unix::fs::FileExt;

/// Bytes readable at any offset.
pub trait Media {
    /// Total length in bytes.
    fn len(&self) -> u64;
    /// Read up to `buf.len()` bytes at `offset`; returns how many were read.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize>;
    /// Whether there are no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Bytes in memory.
pub struct Bytes<'a>(pub &'a [u8]);

impl Media for Bytes<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        let Ok(start) = usize::try_from(offset) else {
            return Ok(0);
        };
        let Some(src) = self.0.get(start..) else {
            return Ok(0);
        };
        let n = src.len().min(buf.len());
        buf[..n].copy_from_slice(&src[..n]);
        Ok(n)
    }
}

/// An open file and its length when opened.
pub struct FileMedia {
    file: File,
    len: u64,
}

impl FileMedia {
    /// Wrap an open file.
    pub fn new(file: File) -> std::io::Result<Self> {
        let len = file.metadata()?.len();
        Ok(FileMedia { file, len })
    }
}

impl Media for FileMedia {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut done = 0;
        while done < buf.len() {
            match self.file.read_at(&mut buf[done..], offset + done as u64) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
}

/// Read exactly `len` bytes at `offset`, or `None` when the media ends first.
pub fn read_exact(media: &dyn Media, offset: u64, len: usize) -> std::io::Result<Option<Vec<u8>>> {
    if offset
        .checked_add(len as u64)
        .is_none_or(|end| end > media.len())
    {
        return Ok(None);
    }
    let mut buf = vec![0u8; len];
    let n = media.read_at(offset, &mut buf)?;
    Ok((n == len).then_some(buf))
}
