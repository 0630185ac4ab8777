//! Field layouts: the MTF common block header, stream header and packed date (MTF 1.00a), and
//! SQL Server's backup-set descriptor (the `SCIN` record of the `MQCI` configuration stream).
//! The SCIN offsets were read from backups of SQL Server 2008 R2 and 2016 (see docs/inspect.md).

use super::BackupSet;
use chrono::{NaiveDate, NaiveDateTime};

/// Size of the MTF common block header.
pub const BLOCK_HEADER: usize = 52;
/// Size of an MTF stream header.
pub const STREAM_HEADER: usize = 22;

/// Little-endian u16 at `at`, if inside.
pub fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// Little-endian u32 at `at`, if inside.
pub fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Little-endian u64 at `at`, if inside.
pub fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// MTF's header checksum: the XOR of the 16-bit words before it.
pub fn word_xor(b: &[u8]) -> u16 {
    b.chunks_exact(2)
        .fold(0u16, |acc, w| acc ^ u16::from_le_bytes([w[0], w[1]]))
}

/// An MTF common block header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockHeader {
    /// Four-letter block type (`TAPE`, `SSET`, `MSDA`...).
    pub kind: [u8; 4],
    /// Block attributes.
    pub attributes: u32,
    /// Offset of the first stream from the block start.
    pub first_event: u16,
    /// String type (1 ANSI, 2 Unicode).
    pub string_type: u8,
}

impl BlockHeader {
    /// Parse 52 bytes; `None` when the checksum does not match.
    pub fn parse(b: &[u8]) -> Option<BlockHeader> {
        if b.len() < BLOCK_HEADER || word_xor(&b[..50]) != u16_at(b, 50)? {
            return None;
        }
        Some(BlockHeader {
            kind: b[..4].try_into().ok()?,
            attributes: u32_at(b, 4)?,
            first_event: u16_at(b, 8)?,
            string_type: b[48],
        })
    }

    /// The block type for messages.
    pub fn name(&self) -> String {
        printable(&self.kind)
    }
}

/// An MTF stream header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamHeader {
    /// Four-letter stream id (`SPAD`, `MQCI`, `CSUM`...).
    pub id: [u8; 4],
    /// Data length after the header.
    pub length: u64,
}

impl StreamHeader {
    /// Parse 22 bytes; `None` when the checksum does not match.
    pub fn parse(b: &[u8]) -> Option<StreamHeader> {
        if b.len() < STREAM_HEADER || word_xor(&b[..20]) != u16_at(b, 20)? {
            return None;
        }
        Some(StreamHeader {
            id: b[..4].try_into().ok()?,
            length: u64_at(b, 8)?,
        })
    }

    /// The stream id for messages.
    pub fn name(&self) -> String {
        printable(&self.id)
    }
}

/// Four bytes as text, non-printable bytes as `.`.
pub fn printable(b: &[u8]) -> String {
    b.iter()
        .map(|&c| if c.is_ascii_graphic() { c as char } else { '.' })
        .collect()
}

/// MTF_DATE_TIME: 40 bits, big-endian: year 14, month 4, day 5, hour 5, minute 6, second 6.
/// All zero means "not set".
pub fn mtf_date(b: &[u8]) -> Option<NaiveDateTime> {
    let b = b.get(..5)?;
    let v = b.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x));
    if v == 0 {
        return None;
    }
    let year = (v >> 26) as i32;
    let month = ((v >> 22) & 0xF) as u32;
    let day = ((v >> 17) & 0x1F) as u32;
    let hour = ((v >> 12) & 0x1F) as u32;
    let minute = ((v >> 6) & 0x3F) as u32;
    let second = (v & 0x3F) as u32;
    NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, second)
}

/// A string named by an MTF_TAPE_ADDRESS (size, offset) inside `block`.
pub fn tape_string(block: &[u8], at: usize, unicode: bool) -> Option<String> {
    let size = usize::from(u16_at(block, at)?);
    let offset = usize::from(u16_at(block, at + 2)?);
    if size == 0 {
        return None;
    }
    let raw = block.get(offset..offset + size)?;
    Some(decode_string(raw, unicode))
}

fn decode_string(raw: &[u8], unicode: bool) -> String {
    let s = if unicode {
        let units: Vec<u16> = raw
            .chunks_exact(2)
            .map(|w| u16::from_le_bytes([w[0], w[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(raw).into_owned()
    };
    s.trim_end_matches('\0').to_string()
}

/// Offsets inside the SCIN record.
mod scin {
    pub const VERSION: usize = 0x18;
    pub const STARTED: usize = 0x4D;
    pub const FINISHED: usize = 0x52;
    pub const TYPE: usize = 0x57;
    pub const DATABASE: usize = 0x68;
    pub const SERVER: usize = 0x6C;
}

/// Find the SCIN record in an MQCI stream's data: records are a 4-byte tag and a u32 length
/// that counts the tag and itself.
pub fn find_scin(mqci: &[u8]) -> Option<&[u8]> {
    let mut at = 0usize;
    while at + 8 <= mqci.len() {
        let len = u32_at(mqci, at + 4)? as usize;
        if len < 8 {
            return None;
        }
        let rec = mqci.get(at..at.checked_add(len)?)?;
        if &rec[..4] == b"SCIN" {
            return Some(rec);
        }
        at += len;
    }
    None
}

/// Fill a set from the SCIN record of the configuration stream that opens it.
pub fn apply_scin_start(set: &mut BackupSet, scin: &[u8]) {
    set.database = tape_string(scin, scin::DATABASE, true).or(set.database.take());
    set.server = tape_string(scin, scin::SERVER, true).or(set.server.take());
    if let Some(&letter) = scin.get(scin::TYPE)
        && letter.is_ascii_uppercase()
    {
        set.type_letter = Some(letter);
    }
    set.started = mtf_date(scin.get(scin::STARTED..).unwrap_or_default()).or(set.started);
    if let (Some(build), Some(&minor), Some(&major)) = (
        u16_at(scin, scin::VERSION),
        scin.get(scin::VERSION + 2),
        scin.get(scin::VERSION + 3),
    ) && major > 0
    {
        set.version = Some((major, minor, build));
    }
}

/// Fill the finish date from the SCIN record of the trailer's configuration stream.
pub fn apply_scin_end(set: &mut BackupSet, scin: &[u8]) {
    if let Some(done) = mtf_date(scin.get(scin::FINISHED..).unwrap_or_default()) {
        set.finished = Some(done);
    }
    if set.database.is_none() {
        apply_scin_start(set, scin);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_packed_dates() {
        // 2017-05-18 04:17:40 as SQL Server 2008 R2 wrote it.
        let d = mtf_date(&[0x1f, 0x85, 0x64, 0x44, 0x68]).unwrap();
        assert_eq!(d.to_string(), "2017-05-18 04:17:40");
        assert_eq!(mtf_date(&[0; 5]), None);
        // Month 15 is no date: not set rather than a panic.
        assert_eq!(mtf_date(&[0x1f, 0x83, 0xC0, 0, 0]), None);
    }

    #[test]
    fn scin_walk_stops_on_bad_lengths() {
        assert_eq!(find_scin(b"SFGI\x02\0\0\0"), None);
        assert_eq!(find_scin(b"SCIN\xff\xff\xff\xff"), None);
        let mut rec = b"SCIN".to_vec();
        rec.extend(12u32.to_le_bytes());
        rec.extend([0; 4]);
        assert_eq!(find_scin(&rec).map(<[u8]>::len), Some(12));
    }
}
