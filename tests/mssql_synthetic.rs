//! The SQL Server backup reader on backups built here, byte by byte, after the MTF 1.00a layout
//! SQL Server writes (so the verdict logic is tested without the real-backup corpus), and
//! fuzzed: malformed headers and lengths are problems, never panics or huge allocations.

use drconsole::mssql::writer::{self, SetSpec, compress, sfmb, tape};
use drconsole::mssql::{self, BackupType, FileVerdict, ProblemKind};
use proptest::prelude::*;

fn xor(b: &[u8]) -> u16 {
    drconsole::mssql::header::word_xor(b)
}

fn at(s: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

/// One backup set of Symantec_CMDB on NS01 (the builder lives in `mssql::writer`).
fn set(letter: u8, copy_only: bool, data: &[u8]) -> Vec<u8> {
    writer::backup_set(&SetSpec {
        database: "Symantec_CMDB",
        server: "NS01",
        type_letter: letter,
        copy_only,
        started: at("2026-11-30 22:15:00"),
        finished: at("2026-11-30 22:16:05"),
        data,
    })
}

fn backup(letter: u8) -> Vec<u8> {
    let mut b = tape(1, 1);
    b.extend(sfmb());
    b.extend(set(letter, false, &[0x5Au8; 3000]));
    b
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
