//! The SQL Server backup reader on backups built here, byte by byte, after the MTF 1.00a layout
//! SQL Server writes (so the verdict logic is tested without the real-backup corpus), and
//! fuzzed: malformed headers and lengths are problems, never panics or huge allocations.

use drconsole::mssql::{self, BackupType, FileVerdict, ProblemKind};
use proptest::prelude::*;

fn xor(b: &[u8]) -> u16 {
    b.chunks_exact(2)
        .fold(0, |a, w| a ^ u16::from_le_bytes([w[0], w[1]]))
}

fn stream(id: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut h = id.to_vec();
    h.extend([0u8; 4]);
    h.extend((data.len() as u64).to_le_bytes());
    h.extend([0u8; 4]);
    let sum = xor(&h);
    h.extend(sum.to_le_bytes());
    h.extend(data);
    while !h.len().is_multiple_of(4) {
        h.push(0);
    }
    h
}

/// A block: header (with `fixed` bytes after the common 52), streams, and a pad stream that
/// fills it to `size` bytes.
fn block(kind: &[u8; 4], fixed: &[u8], streams: &[Vec<u8>], size: usize) -> Vec<u8> {
    let first = 52 + fixed.len();
    let mut h = kind.to_vec();
    h.extend([0u8; 4]);
    h.extend((first as u16).to_le_bytes());
    h.resize(48, 0);
    h.push(2); // Unicode strings
    h.push(0);
    let sum = xor(&h);
    h.extend(sum.to_le_bytes());
    h.extend(fixed);
    for s in streams {
        h.extend(s);
    }
    // The pad stream ends exactly at the block end (no 4-byte alignment after it).
    let pad = size - h.len() - 22;
    let mut spad = stream(b"SPAD", &vec![0u8; pad]);
    spad.truncate(22 + pad);
    h.extend(spad);
    assert_eq!(h.len(), size);
    h
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// MTF_DATE_TIME for a date and time.
fn mtf_date(y: u64, mo: u64, d: u64, h: u64, mi: u64, s: u64) -> [u8; 5] {
    let v = (y << 26) | (mo << 22) | (d << 17) | (h << 12) | (mi << 6) | s;
    let b = v.to_be_bytes();
    [b[3], b[4], b[5], b[6], b[7]]
}

/// SQL Server's configuration stream: one SCIN record with names, type and dates.
fn mqci(db: &str, server: &str, letter: u8, started: [u8; 5], finished: [u8; 5]) -> Vec<u8> {
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

/// The media header: TAPE with soft filemarks of one 512-byte unit and a RAID stream.
fn tape(families: u16, family: u16) -> Vec<u8> {
    let mut fixed = vec![0u8; 44];
    fixed[12..14].copy_from_slice(&1u16.to_le_bytes()); // soft filemark: 1 x 512
    let mut raid = vec![0u8; 32];
    raid[20..22].copy_from_slice(&families.to_le_bytes());
    raid[22..24].copy_from_slice(&family.to_le_bytes());
    block(b"TAPE", &fixed, &[stream(b"RAID", &raid)], 1024)
}

fn sfmb() -> Vec<u8> {
    let mut b = block(b"SFMB", &[], &[], 512);
    // A soft filemark has no streams: zero what the builder padded.
    b[52..].fill(0);
    b
}

/// One backup set: SSET, MSCI, MSDA with `data`, MSLS, SFMB, ESET, SFMB.
fn set(letter: u8, copy_only: bool, data: &[u8]) -> Vec<u8> {
    let start = mtf_date(2026, 11, 30, 22, 15, 0);
    let end = mtf_date(2026, 11, 30, 22, 16, 5);
    let mut sset = vec![0u8; 46];
    sset[0..4].copy_from_slice(&(if copy_only { 0x6u32 } else { 0x4 }).to_le_bytes());
    let mut out = block(b"SSET", &sset, &[], 1024);
    out.extend(block(
        b"MSCI",
        &[0u8; 4],
        &[mqci("Symantec_CMDB", "NS01", letter, start, [0; 5])],
        1024,
    ));
    out.extend(block(
        b"MSDA",
        &[0u8; 8],
        &[stream(b"MQDA", data), stream(b"CSUM", &[1, 2, 3, 4])],
        data.len().div_ceil(512) * 512 + 1024,
    ));
    out.extend(block(
        b"MSLS",
        &[0u8; 4],
        &[mqci("Symantec_CMDB", "NS01", letter, start, end)],
        1024,
    ));
    out.extend(sfmb());
    out.extend(block(b"ESET", &[0u8; 36], &[], 1024));
    out.extend(sfmb());
    out
}

fn backup(letter: u8) -> Vec<u8> {
    let mut b = tape(1, 1);
    b.extend(sfmb());
    b.extend(set(letter, false, &[0x5Au8; 3000]));
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

/// Wrap an MTF stream in the MSSQLBAK container: one chunk per 4096 bytes (soft filemarks go
/// inside the chunks here; SQL Server stores aligned ones raw, which the corpus test covers).
fn compress(mtf: &[u8]) -> Vec<u8> {
    let mut out = b"MSSQLBAK".to_vec();
    out.extend(2u32.to_le_bytes());
    out.resize(0x1E0, 0);
    for piece in mtf.chunks(4096) {
        assert!(piece.len().is_multiple_of(512));
        let enc = xpress_literals(piece);
        let mut h = vec![0x21, (piece.len() / 512) as u8];
        h.extend((enc.len() as u16).to_le_bytes());
        h.resize(28, 0);
        out.extend(h);
        out.extend(enc);
    }
    out
}

#[test]
fn built_backup_reads_complete_with_names_type_and_dates() {
    let r = mssql::read_bytes(&backup(b'D'));
    assert_eq!(r.problems, vec![]);
    assert_eq!(r.verdict(), FileVerdict::Complete);
    let s = &r.sets[0];
    assert_eq!(s.database.as_deref(), Some("Symantec_CMDB"));
    assert_eq!(s.server.as_deref(), Some("NS01"));
    assert_eq!(s.backup_type(), BackupType::Full);
    assert_eq!(
        s.started.map(|d| d.to_string()).as_deref(),
        Some("2026-11-30 22:15:00")
    );
    assert_eq!(
        s.finished.map(|d| d.to_string()).as_deref(),
        Some("2026-11-30 22:16:05")
    );
    assert!(r.checksums_present);
}

#[test]
fn type_letters_and_copy_only_are_reported() {
    for (letter, ty) in [(b'I', BackupType::Differential), (b'L', BackupType::Log)] {
        assert_eq!(mssql::read_bytes(&backup(letter)).sets[0].backup_type(), ty);
    }
    let mut b = tape(1, 1);
    b.extend(sfmb());
    b.extend(set(b'D', true, &[1u8; 100]));
    assert!(mssql::read_bytes(&b).sets[0].copy_only);
}

#[test]
fn a_stripe_without_its_partners_is_incomplete() {
    let mut b = tape(3, 2);
    b.extend(sfmb());
    b.extend(set(b'D', false, &[7u8; 700]));
    let r = mssql::read_bytes(&b);
    assert_eq!(r.verdict(), FileVerdict::Incomplete, "{:#?}", r.problems);
    assert_eq!((r.media.family, r.media.families), (Some(2), Some(3)));
    // Whichever of the two counters holds the count, a value above 1 is never "complete".
    for (families, family) in [(1, 3), (2, 1)] {
        let mut b = tape(families, family);
        b.extend(sfmb());
        b.extend(set(b'D', false, &[7u8; 700]));
        assert_eq!(mssql::read_bytes(&b).verdict(), FileVerdict::Incomplete);
    }
}

#[test]
fn a_set_cut_before_its_end_of_set_block_is_damaged() {
    let b = backup(b'D');
    let cut = b.len() - 512 - 1024 - 512; // before the ESET
    let r = mssql::read_bytes(&b[..cut]);
    assert_eq!(r.verdict(), FileVerdict::Damaged);
    assert!(
        r.problems
            .iter()
            .any(|p| p.kind == ProblemKind::MissingTrailer)
    );
}

#[test]
fn two_appended_sets_are_both_read() {
    let mut b = backup(b'D');
    b.extend(set(b'L', false, &[3u8; 10]));
    let r = mssql::read_bytes(&b);
    assert_eq!(r.verdict(), FileVerdict::Complete, "{:#?}", r.problems);
    assert_eq!(r.sets.len(), 2);
    assert_eq!(r.sets[1].backup_type(), BackupType::Log);
}

#[test]
fn huge_declared_stream_length_is_truncation_not_allocation() {
    let mut b = backup(b'D');
    // The MQDA stream header of the MSDA block: set its length to 2^62 and fix its checksum.
    let at = 1024 + 512 + 1024 + 1024 + 60;
    assert_eq!(&b[at..at + 4], b"MQDA");
    b[at + 8..at + 16].copy_from_slice(&(1u64 << 62).to_le_bytes());
    let sum = xor(&b[at..at + 20]);
    b[at + 20..at + 22].copy_from_slice(&sum.to_le_bytes());
    let r = mssql::read_bytes(&b);
    assert_eq!(r.verdict(), FileVerdict::Damaged);
    assert!(r.problems.iter().any(|p| p.kind == ProblemKind::Truncated));
}

#[test]
fn compressed_built_backup_reads_like_the_plain_one() {
    let plain = backup(b'I');
    let packed = compress(&plain);
    let r = mssql::read_bytes(&packed);
    assert_eq!(r.problems, vec![], "{r:#?}");
    assert_eq!(r.verdict(), FileVerdict::Complete);
    assert_eq!(r.layout, Some(mssql::Layout::Compressed));
    assert_eq!(r.sets[0].backup_type(), BackupType::Differential);
}

#[test]
fn compressed_chunk_that_runs_past_the_file_is_truncation() {
    let packed = compress(&backup(b'D'));
    let r = mssql::read_bytes(&packed[..packed.len() - 100]);
    assert_eq!(r.verdict(), FileVerdict::Damaged);
    assert!(r.problems.iter().any(|p| p.kind == ProblemKind::Truncated));
}

#[test]
fn other_files_are_not_backups() {
    for data in [
        &b""[..],
        b"SQLite format 3\0",
        b"version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 1460736\n",
        b"TAP",
    ] {
        let r = mssql::read_bytes(data);
        assert_ne!(r.verdict(), FileVerdict::Complete);
    }
    assert_eq!(
        mssql::read_bytes(b"PK\x03\x04").verdict(),
        FileVerdict::NotABackup
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any bytes after a TAPE or MSSQLBAK magic: a report, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..4096), compressed in any::<bool>()) {
        let mut b = if compressed { b"MSSQLBAK\x02\0\0\0".to_vec() } else { b"TAPE".to_vec() };
        b.extend(tail);
        let _ = mssql::read_bytes(&b).verdict();
    }

    /// A built backup with bytes overwritten anywhere: never panics, never "complete" unless
    /// the change missed every header and landed in data or padding.
    #[test]
    fn corrupted_built_backups_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), compressed in any::<bool>(), cut in any::<prop::sample::Index>()) {
        let plain = backup(b'D');
        let mut b = if compressed { compress(&plain) } else { plain };
        for (i, v) in edits {
            let at = i.index(b.len());
            b[at] = v;
        }
        let _ = mssql::read_bytes(&b).verdict();
        let at = cut.index(b.len());
        let r = mssql::read_bytes(&b[..at]);
        prop_assert_ne!(r.verdict(), FileVerdict::Complete);
    }

    /// XPRESS decoding of arbitrary input with an arbitrary declared size: an answer, never a
    /// panic, and never more output than declared.
    #[test]
    fn xpress_decoder_never_panics(input in proptest::collection::vec(any::<u8>(), 0..2048), size in 0usize..200_000) {
        if let Ok((out, used)) = mssql::xpress::decode(&input, size) {
            prop_assert_eq!(out.len(), size);
            prop_assert!(used <= input.len());
        }
    }
}

#[test]
fn zeros_where_a_record_must_be_are_damage() {
    // A preallocated file whose copy stopped early: the tail is zeros, not records.
    let mut packed = compress(&backup(b'D'));
    packed.extend(vec![0u8; 8192]);
    let r = mssql::read_bytes(&packed);
    assert_eq!(r.verdict(), FileVerdict::Damaged, "{:#?}", r.problems);
    let mut plain = backup(b'D');
    plain.extend(vec![0u8; 8192]);
    let r = mssql::read_bytes(&plain);
    assert_eq!(r.verdict(), FileVerdict::Damaged, "{:#?}", r.problems);
    assert!(r.problems.iter().any(|p| p.kind == ProblemKind::NotABlock));
}

#[test]
fn unknown_container_version_is_unverified_not_complete() {
    let mut packed = compress(&backup(b'D'));
    packed[8] = 7;
    assert_eq!(
        mssql::read_bytes(&packed).verdict(),
        FileVerdict::Unverified
    );
}

/// Media that fails with an I/O error from an offset on (a dying disk).
struct FailingMedia {
    data: Vec<u8>,
    fail_from: u64,
}

impl mssql::media::Media for FailingMedia {
    fn len(&self) -> u64 {
        self.data.len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        if offset + buf.len() as u64 > self.fail_from {
            return Err(std::io::Error::other("Input/output error"));
        }
        mssql::media::Bytes(&self.data).read_at(offset, buf)
    }
}

#[test]
fn an_io_error_is_unverified_never_damaged() {
    let plain = backup(b'D');
    for data in [compress(&plain), plain] {
        for fail_from in [0, 2000, 5000] {
            let r = mssql::read_media(&FailingMedia {
                data: data.clone(),
                fail_from,
            });
            assert_eq!(r.verdict(), FileVerdict::Unverified, "{:#?}", r.problems);
        }
    }
}
