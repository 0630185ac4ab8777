//! The SQL Server backup reader against real backups from public repositories
//! (`../shared/corpora/mssql/`, see its SOURCES.md) and against truncated and corrupted copies
//! of them made here. Skips with a printed reason when the corpus folder is absent.

use drconsole::mssql::{self, BackupType, FileVerdict, ProblemKind};
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/mssql");
    let dir = if dir.is_dir() {
        dir
    } else {
        PathBuf::from("/work/shared/corpora/mssql")
    };
    if dir.join("SOURCES.md").is_file() {
        Some(dir)
    } else {
        eprintln!("skipped: the SQL Server backup corpus (../shared/corpora/mssql) is absent");
        None
    }
}

fn load(name: &str) -> Option<Vec<u8>> {
    let path = corpus()?.join(name);
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!("skipped: {} cannot be read: {e}", path.display());
            None
        }
    }
}

fn date(s: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

#[test]
fn reads_sql2008r2_full_backup() {
    let Some(data) = load("ok_sql2008r2_dborphanusers_full.bak") else {
        return;
    };
    let r = mssql::read_bytes(&data);
    assert_eq!(r.problems, vec![], "{r:#?}");
    assert_eq!(r.verdict(), FileVerdict::Complete);
    assert_eq!(r.layout, Some(mssql::Layout::Mtf));
    assert_eq!(r.sets.len(), 1);
    let s = &r.sets[0];
    assert_eq!(s.database.as_deref(), Some("dbOrphanUsers"));
    assert_eq!(s.server.as_deref(), Some("SQL2008"));
    assert_eq!(s.backup_type(), BackupType::Full);
    assert!(!s.copy_only);
    assert_eq!(s.started, Some(date("2017-05-18 04:17:40")));
    assert_eq!(s.finished, Some(date("2017-05-18 04:17:41")));
    assert_eq!(s.version, Some((10, 50, 1600)));
    assert!(r.checksums_present);
    assert_eq!(r.media.families, Some(1));
    assert!(r.not_verified.iter().any(|n| n.contains("WITH CHECKSUM")));
}

#[test]
fn reads_sql2008r2_differential_and_log_backups() {
    let (Some(diff), Some(log)) = (
        load("ok_sql2008r2_dborphanusers_diff.bak"),
        load("ok_sql2008r2_dborphanusers_log.trn"),
    ) else {
        return;
    };
    let d = mssql::read_bytes(&diff);
    assert_eq!(d.verdict(), FileVerdict::Complete, "{d:#?}");
    assert_eq!(d.sets[0].backup_type(), BackupType::Differential);
    assert_eq!(d.sets[0].started, Some(date("2017-05-18 04:18:19")));
    let l = mssql::read_bytes(&log);
    assert_eq!(l.verdict(), FileVerdict::Complete, "{l:#?}");
    // The MTF set attributes say "normal" as for a full; only SQL Server's descriptor says log.
    assert_eq!(l.sets[0].backup_type(), BackupType::Log);
    assert_eq!(l.sets[0].started, Some(date("2017-05-18 04:18:31")));
    assert_eq!(l.sets[0].database.as_deref(), Some("dbOrphanUsers"));
}

#[test]
fn reads_sql2016_compressed_backup() {
    let Some(data) = load("ok_sql2016_testdb_full_compressed.bak") else {
        return;
    };
    let r = mssql::read_bytes(&data);
    assert_eq!(r.problems, vec![], "{r:#?}");
    assert_eq!(r.verdict(), FileVerdict::Complete);
    assert_eq!(r.layout, Some(mssql::Layout::Compressed));
    assert_eq!(r.sets.len(), 1);
    let s = &r.sets[0];
    assert_eq!(s.database.as_deref(), Some("TestDb"));
    assert_eq!(s.server.as_deref(), Some("DESKTOP-FQGSB0N"));
    assert_eq!(s.backup_type(), BackupType::Full);
    assert_eq!(s.started, Some(date("2020-06-28 19:06:42")));
    assert_eq!(s.version.map(|v| (v.0, v.2)), Some((13, 4259)));
    assert!(r.not_verified.iter().any(|n| n.contains("check value")));
}

#[test]
fn media_header_without_backup_set_is_not_a_backup() {
    let Some(data) = load("bad_media_header_only_no_backupset.bak") else {
        return;
    };
    let r = mssql::read_bytes(&data);
    assert_eq!(r.verdict(), FileVerdict::NotABackup, "{r:#?}");
    assert_eq!(r.media.name.as_deref(), Some("SQLServerBackups"));
    assert!(r.sets.is_empty());
}

#[test]
fn every_truncation_of_a_real_backup_is_damaged() {
    for name in [
        "ok_sql2008r2_dborphanusers_log.trn",
        "ok_sql2016_testdb_full_compressed.bak",
    ] {
        let Some(data) = load(name) else {
            return;
        };
        let len = data.len();
        let mut cuts: Vec<usize> = (1..24).map(|i| len * i / 24).collect();
        cuts.extend([len - 1, len - 512, 100, 4096, 0x1E0 + 10]);
        for cut in cuts {
            let r = mssql::read_bytes(&data[..cut]);
            assert_eq!(
                r.verdict(),
                FileVerdict::Damaged,
                "{name} cut at {cut}: {:#?}",
                r.problems
            );
        }
    }
}

#[test]
fn flipped_header_bytes_are_bad_checksums() {
    let Some(data) = load("ok_sql2008r2_dborphanusers_full.bak") else {
        return;
    };
    // A byte of the SSET block header, then a byte of the MQCI stream header.
    for at in [0x600 + 20, 0xE38 + 10] {
        let mut bad = data.clone();
        bad[at] ^= 0x40;
        let r = mssql::read_bytes(&bad);
        assert_eq!(r.verdict(), FileVerdict::Damaged);
        assert!(
            r.problems
                .iter()
                .any(|p| p.kind == ProblemKind::BadChecksum),
            "{:#?}",
            r.problems
        );
    }
}

#[test]
fn corrupted_compressed_chunk_does_not_decode() {
    let Some(data) = load("ok_sql2016_testdb_full_compressed.bak") else {
        return;
    };
    // Break the Huffman table of the second chunk (record at 0x2000, table at 0x201C).
    let mut bad = data.clone();
    for b in &mut bad[0x201C..0x201C + 16] {
        *b = 0x11;
    }
    let r = mssql::read_bytes(&bad);
    assert_eq!(r.verdict(), FileVerdict::Damaged);
    assert!(
        r.problems
            .iter()
            .any(|p| p.kind == ProblemKind::Undecodable),
        "{:#?}",
        r.problems
    );
}

#[test]
fn appended_sets_are_all_listed() {
    let (Some(full), Some(diff)) = (
        load("ok_sql2008r2_dborphanusers_full.bak"),
        load("ok_sql2008r2_dborphanusers_diff.bak"),
    ) else {
        return;
    };
    // A second set appended after the first one's trailer: the diff without its own media header.
    let mut both = full.clone();
    both.extend_from_slice(&diff[0x600..]);
    let r = mssql::read_bytes(&both);
    assert_eq!(r.verdict(), FileVerdict::Complete, "{:#?}", r.problems);
    let types: Vec<_> = r.sets.iter().map(|s| s.backup_type()).collect();
    assert_eq!(types, [BackupType::Full, BackupType::Differential]);
}
