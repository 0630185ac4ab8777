//! A small writer of SQL Server backup files in the layout the reader expects (MTF 1.00a blocks
//! with checksummed headers, SQL Server's `MQCI` descriptor, soft filemarks, and the `MSSQLBAK`
//! container with literal-only XPRESS chunks), for demo installations and tests. It writes
//! what the reader checks, not a backup SQL Server could restore: the data stream is filler.

use super::header::word_xor;
use chrono::{Datelike, NaiveDateTime, Timelike};

/// One backup set to write.
#[derive(Debug, Clone)]
pub struct SetSpec<'a> {
    /// Database name.
    pub database: &'a str,
    /// Server (instance) name.
    pub server: &'a str,
    /// SQL Server's type letter: `D` full, `I` differential, `L` log.
    pub type_letter: u8,
    /// A copy-only backup.
    pub copy_only: bool,
    /// When it started (server local time).
    pub started: NaiveDateTime,
    /// When it finished.
    pub finished: NaiveDateTime,
    /// The bytes of the data stream.
    pub data: &'a [u8],
}

/// An MTF stream: header (id, length, checksum), data, padded to 4 bytes.
pub fn stream(id: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut h = id.to_vec();
    h.extend([0u8; 4]);
    h.extend((data.len() as u64).to_le_bytes());
    h.extend([0u8; 4]);
    let sum = word_xor(&h);
    h.extend(sum.to_le_bytes());
    h.extend(data);
    while !h.len().is_multiple_of(4) {
        h.push(0);
    }
    h
}

/// A block: common header (with `fixed` bytes after the 52), streams, and a pad stream that
/// fills it to `size` bytes (at least the header and streams plus a pad header).
pub fn block(kind: &[u8; 4], fixed: &[u8], streams: &[Vec<u8>], size: usize) -> Vec<u8> {
    let first = 52 + fixed.len();
    let mut h = kind.to_vec();
    h.extend([0u8; 4]);
    h.extend((first as u16).to_le_bytes());
    h.resize(48, 0);
    h.push(2); // Unicode strings
    h.push(0);
    let sum = word_xor(&h);
    h.extend(sum.to_le_bytes());
    h.extend(fixed);
    for s in streams {
        h.extend(s);
    }
    let size = size.max(h.len() + 22);
    // The pad stream ends exactly at the block end (no 4-byte alignment after it).
    let pad = size - h.len() - 22;
    let mut spad = stream(b"SPAD", &vec![0u8; pad]);
    spad.truncate(22 + pad);
    h.extend(spad);
    h
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// MTF_DATE_TIME: 40 bits, big-endian.
pub fn mtf_date(t: NaiveDateTime) -> [u8; 5] {
    let v = (u64::from(t.year().max(0) as u32) << 26)
        | (u64::from(t.month()) << 22)
        | (u64::from(t.day()) << 17)
        | (u64::from(t.hour()) << 12)
        | (u64::from(t.minute()) << 6)
        | u64::from(t.second());
    let b = v.to_be_bytes();
    [b[3], b[4], b[5], b[6], b[7]]
}

/// SQL Server's configuration stream: one SCIN record with names, type and dates.
pub fn mqci(db: &str, server: &str, letter: u8, started: [u8; 5], finished: [u8; 5]) -> Vec<u8> {
    let mut r = vec![0u8; 0x70];
    r[..4].copy_from_slice(b"SCIN");
    r[0x18..0x1C].copy_from_slice(&[0x40, 0x06, 0x32, 0x0A]);
    r[0x4D..0x52].copy_from_slice(&started);
    r[0x52..0x57].copy_from_slice(&finished);
    r[0x57] = letter;
    let (d, s) = (utf16(db), utf16(server));
    r[0x68..0x6A].copy_from_slice(&(d.len() as u16).to_le_bytes());
    r[0x6A..0x6C].copy_from_slice(&0x70u16.to_le_bytes());
    r[0x6C..0x6E].copy_from_slice(&(s.len() as u16).to_le_bytes());
    r[0x6E..0x70].copy_from_slice(&((0x70 + d.len()) as u16).to_le_bytes());
    r.extend(&d);
    r.extend(&s);
    let len = r.len() as u32;
    r[4..8].copy_from_slice(&len.to_le_bytes());
    stream(b"MQCI", &r)
}

/// The media header: TAPE with soft filemarks of one 512-byte unit and a RAID stream naming the
/// media family count and this file's family.
pub fn tape(families: u16, family: u16) -> Vec<u8> {
    let mut fixed = vec![0u8; 44];
    fixed[12..14].copy_from_slice(&1u16.to_le_bytes()); // soft filemark: 1 x 512
    let mut raid = vec![0u8; 32];
    raid[20..22].copy_from_slice(&families.to_le_bytes());
    raid[22..24].copy_from_slice(&family.to_le_bytes());
    block(b"TAPE", &fixed, &[stream(b"RAID", &raid)], 1024)
}

/// A soft filemark block (no streams).
pub fn sfmb() -> Vec<u8> {
    let mut b = block(b"SFMB", &[], &[], 512);
    b[52..].fill(0);
    b
}

/// One backup set: SSET, MSCI, MSDA with the data, MSLS, SFMB, ESET, SFMB.
pub fn backup_set(spec: &SetSpec) -> Vec<u8> {
    let start = mtf_date(spec.started);
    let end = mtf_date(spec.finished);
    let mut sset = vec![0u8; 46];
    sset[0..4].copy_from_slice(&(if spec.copy_only { 0x6u32 } else { 0x4 }).to_le_bytes());
    let mut out = block(b"SSET", &sset, &[], 1024);
    out.extend(block(
        b"MSCI",
        &[0u8; 4],
        &[mqci(
            spec.database,
            spec.server,
            spec.type_letter,
            start,
            [0; 5],
        )],
        1024,
    ));
    out.extend(block(
        b"MSDA",
        &[0u8; 8],
        &[stream(b"MQDA", spec.data), stream(b"CSUM", &[1, 2, 3, 4])],
        spec.data.len().div_ceil(512) * 512 + 1024,
    ));
    out.extend(block(
        b"MSLS",
        &[0u8; 4],
        &[mqci(
            spec.database,
            spec.server,
            spec.type_letter,
            start,
            end,
        )],
        1024,
    ));
    out.extend(sfmb());
    out.extend(block(b"ESET", &[0u8; 36], &[], 1024));
    out.extend(sfmb());
    out
}

/// A whole uncompressed backup file of one media family holding `sets`, appended in order.
pub fn backup_file(sets: &[SetSpec]) -> Vec<u8> {
    let mut b = tape(1, 1);
    b.extend(sfmb());
    for s in sets {
        b.extend(backup_set(s));
    }
    b
}

/// XPRESS Huffman with every literal an 8-bit code: the bytes themselves, two per 16-bit unit.
fn xpress_literals(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x88u8; 128];
    out.extend([0u8; 128]);
    for pair in data.chunks(2) {
        out.push(*pair.get(1).unwrap_or(&0));
        out.push(pair[0]);
    }
    out
}

/// Wrap an MTF stream (a multiple of 512 bytes) in the MSSQLBAK container: one chunk per 4096
/// bytes (soft filemarks go inside the chunks here; SQL Server stores aligned ones raw).
pub fn compress(mtf: &[u8]) -> Vec<u8> {
    let mut out = b"MSSQLBAK".to_vec();
    out.extend(2u32.to_le_bytes());
    out.resize(0x1E0, 0);
    for piece in mtf.chunks(4096) {
        let enc = xpress_literals(piece);
        let mut h = vec![0x21, piece.len().div_ceil(512) as u8];
        h.extend((enc.len() as u16).to_le_bytes());
        h.resize(28, 0);
        out.extend(h);
        out.extend(enc);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mssql::{self, BackupType, FileVerdict};

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn written_backups_read_back_complete_in_both_layouts() {
        let data = vec![0x5Au8; 3000];
        let spec = SetSpec {
            database: "Symantec_CMDB",
            server: "NS01",
            type_letter: b'D',
            copy_only: false,
            started: at("2026-11-21 22:00:00"),
            finished: at("2026-11-21 22:03:10"),
            data: &data,
        };
        let plain = backup_file(&[spec]);
        for bytes in [compress(&plain), plain] {
            let r = mssql::read_bytes(&bytes);
            assert_eq!(r.verdict(), FileVerdict::Complete, "{:#?}", r.problems);
            assert_eq!(r.sets[0].database.as_deref(), Some("Symantec_CMDB"));
            assert_eq!(r.sets[0].backup_type(), BackupType::Full);
            assert_eq!(r.sets[0].finished, Some(at("2026-11-21 22:03:10")));
        }
    }
}
