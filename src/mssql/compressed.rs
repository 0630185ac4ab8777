//! The `MSSQLBAK` container of compressed backups: after a 480-byte file header, records of
//! XPRESS-compressed chunks (tag 0x21: decoded size in 512-byte units, compressed length, a
//! check value), pad records (0x24), a chunk index (0x2C, runs to the next 4 KiB boundary) and
//! soft filemark blocks stored as they are. Every chunk is decoded completely when the file is
//! opened; the decoded chunks, in order, are the same MTF stream an uncompressed backup holds.
//! The chunk check value has no public algorithm: it is reported as not verified.

use super::header::{self, u16_at, u32_at};
use super::media::{Media, read_exact};
use super::{BackupReport, Problem, ProblemKind, xpress};
use std::cell::RefCell;

/// Where the first record starts (container version 2).
pub const FIRST_RECORD: u64 = 0x1E0;
/// Header bytes of a compressed chunk record.
pub const CHUNK_HEADER: u64 = 28;
/// Header bytes of a pad record.
pub const PAD_HEADER: u64 = 24;
/// Record tags.
pub const TAG_CHUNK: u8 = 0x21;
/// Pad record tag.
pub const TAG_PAD: u8 = 0x24;
/// Chunk index record tag.
pub const TAG_INDEX: u8 = 0x2C;
/// The container alignment the index record pads to.
const ALIGN: u64 = 4096;

/// Where one piece of the decoded stream comes from.
#[derive(Debug, Clone, Copy)]
struct Piece {
    /// Offset in the decoded stream.
    inner: u64,
    /// Decoded length.
    size: u64,
    /// Offset of the data in the file.
    outer: u64,
    /// Bytes in the file (compressed length, or `size` when stored).
    stored: u64,
    /// Whether the bytes are XPRESS-compressed.
    compressed: bool,
}

/// The decoded MTF stream of a compressed backup, decoding chunks on demand.
pub struct Inner<'a> {
    outer: &'a dyn Media,
    pieces: Vec<Piece>,
    len: u64,
    cache: RefCell<Option<(usize, Vec<u8>)>>,
}

impl Inner<'_> {
    fn piece_bytes(&self, index: usize) -> std::io::Result<Vec<u8>> {
        if let Some((i, bytes)) = self.cache.borrow().as_ref()
            && *i == index
        {
            return Ok(bytes.clone());
        }
        let piece = self.pieces[index];
        let bytes = load(self.outer, &piece)?
            .ok_or_else(|| std::io::Error::other("a chunk changed since it was checked"))?;
        *self.cache.borrow_mut() = Some((index, bytes.clone()));
        Ok(bytes)
    }
}

impl Media for Inner<'_> {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut done = 0usize;
        while done < buf.len() {
            let pos = offset + done as u64;
            let idx = self.pieces.partition_point(|p| p.inner + p.size <= pos);
            let Some(piece) = self.pieces.get(idx) else {
                break;
            };
            let bytes = self.piece_bytes(idx)?;
            let start = (pos - piece.inner) as usize;
            let n = bytes.len().saturating_sub(start).min(buf.len() - done);
            if n == 0 {
                break;
            }
            buf[done..done + n].copy_from_slice(&bytes[start..start + n]);
            done += n;
        }
        Ok(done)
    }
}

/// Decode (or copy) one piece; `None` when it does not decode (cannot happen for pieces that
/// passed `open`, unless the file changed).
fn load(outer: &dyn Media, piece: &Piece) -> std::io::Result<Option<Vec<u8>>> {
    let Some(raw) = read_exact(outer, piece.outer, piece.stored as usize)? else {
        return Ok(None);
    };
    if !piece.compressed {
        return Ok(Some(raw));
    }
    Ok(xpress::decode(&raw, piece.size as usize)
        .ok()
        .map(|(out, _)| out))
}

/// Walk the container, decoding every chunk; problems go to `report`. The returned stream holds
/// the pieces up to the first one that is missing or does not decode.
pub fn open<'a>(outer: &'a dyn Media, report: &mut BackupReport) -> Inner<'a> {
    let mut inner = Inner {
        outer,
        pieces: Vec::new(),
        len: 0,
        cache: RefCell::new(None),
    };
    if let Err(problem) = scan(outer, &mut inner) {
        report.problems.push(problem);
    }
    report.not_verified.push(
        "the check value in each compressed chunk's header (no public algorithm; chunks were verified by decoding them completely)"
            .into(),
    );
    inner
}

fn scan(outer: &dyn Media, inner: &mut Inner<'_>) -> Result<(), Problem> {
    let len = outer.len();
    let head = read(outer, 0, 16)?.ok_or_else(|| {
        Problem::at(
            ProblemKind::Truncated,
            0,
            "the file ends inside the MSSQLBAK header",
        )
    })?;
    let version = u32_at(&head, 8).unwrap_or(0);
    if version != 2 {
        return Err(Problem::at(
            ProblemKind::Unknown,
            8,
            format!("MSSQLBAK container version {version} is not one this reader knows (2)"),
        ));
    }
    if len < FIRST_RECORD {
        return Err(Problem::at(
            ProblemKind::Truncated,
            len,
            format!("the file ends after {len} bytes, inside the MSSQLBAK header"),
        ));
    }
    let mut filemark = 4096u64;
    let mut at = FIRST_RECORD;
    // Every record moves forward by at least its header; the bound only guards the guard.
    for _ in 0..=(len / PAD_HEADER + 1) {
        if at >= len {
            return Ok(());
        }
        let Some(tag) = read(outer, at, 4)? else {
            return Err(Problem::at(
                ProblemKind::Truncated,
                at,
                format!("the file ends inside a container record at byte {at}"),
            ));
        };
        if tag == b"SFMB" {
            if at + filemark > len {
                return Err(Problem::at(
                    ProblemKind::Truncated,
                    at,
                    format!("the soft filemark at byte {at} runs past the end of the file"),
                ));
            }
            inner.push(Piece {
                inner: inner.len,
                size: filemark,
                outer: at,
                stored: filemark,
                compressed: false,
            });
            at += filemark;
            continue;
        }
        match tag[0] {
            TAG_CHUNK => {
                let hdr = read(outer, at, CHUNK_HEADER as usize)?
                    .ok_or_else(|| truncated(at, "chunk header"))?;
                let size = u64::from(hdr[1]) * 512;
                let stored = u64::from(u16_at(&hdr, 2).unwrap_or(0));
                let data = at + CHUNK_HEADER;
                if data + stored > len {
                    return Err(Problem::at(
                        ProblemKind::Truncated,
                        at,
                        format!(
                            "the compressed chunk at byte {at} declares {stored} bytes; the file ends {} bytes after its header",
                            len.saturating_sub(data)
                        ),
                    ));
                }
                if size == 0 {
                    return Err(Problem::at(
                        ProblemKind::Undecodable,
                        at,
                        format!("the compressed chunk at byte {at} declares no decoded bytes"),
                    ));
                }
                let piece = Piece {
                    inner: inner.len,
                    size,
                    outer: data,
                    stored,
                    compressed: true,
                };
                let raw =
                    read(outer, data, stored as usize)?.ok_or_else(|| truncated(at, "chunk"))?;
                match xpress::decode(&raw, size as usize) {
                    Ok((out, _)) => {
                        if inner.len == 0 && out.starts_with(b"TAPE") {
                            filemark = u64::from(u16_at(&out, 64).unwrap_or(8)).max(1) * 512;
                        }
                        *inner.cache.borrow_mut() = Some((inner.pieces.len(), out));
                    }
                    Err(e) => {
                        return Err(Problem::at(
                            ProblemKind::Undecodable,
                            at,
                            format!("the compressed chunk at byte {at} does not decode: {e}"),
                        ));
                    }
                }
                inner.push(piece);
                at = data + stored;
            }
            TAG_PAD => {
                let hdr = read(outer, at, 4)?.ok_or_else(|| truncated(at, "pad record"))?;
                at += PAD_HEADER + u64::from(u16_at(&hdr, 2).unwrap_or(0));
            }
            TAG_INDEX => at = (at / ALIGN + 1) * ALIGN,
            0 if tag == [0; 4] => {
                return Err(Problem::at(
                    ProblemKind::NotABlock,
                    at,
                    format!(
                        "zeros at byte {at} where a container record must be: the file was not written to its end"
                    ),
                ));
            }
            _ => {
                return Err(Problem::at(
                    ProblemKind::Unknown,
                    at,
                    format!(
                        "an unknown container record ({}) at byte {at}: the rest of the file is not checked",
                        header::printable(&tag)
                    ),
                ));
            }
        }
    }
    Ok(())
}

impl Inner<'_> {
    fn push(&mut self, piece: Piece) {
        self.len += piece.size;
        self.pieces.push(piece);
    }
}

fn truncated(at: u64, what: &str) -> Problem {
    Problem::at(
        ProblemKind::Truncated,
        at,
        format!("the {what} at byte {at} runs past the end of the file"),
    )
}

fn read(media: &dyn Media, at: u64, len: usize) -> Result<Option<Vec<u8>>, Problem> {
    read_exact(media, at, len).map_err(|e| {
        Problem::at(
            ProblemKind::Unknown,
            at,
            format!("cannot read {len} bytes at byte {at} ({e}): drconsole cannot verify the rest"),
        )
    })
}
