//! Planted database damage: pages overwritten in the middle of a file (SQLite notices on the
//! quick check), and an index whose definition no longer matches its entries (only a full
//! `integrity_check` notices, `quick_check` skips index contents).

use super::DemoError;
use super::databases::COMPUTER_NAME_INDEX;
use rand::RngCore;
use rand_chacha::ChaCha8Rng;
use rusqlite::Connection;
use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Overwrite a run of pages in the middle of the database with noise, keeping page 1 (the
/// header and schema) so the file is still recognisably SQLite. Returns the damaged page numbers.
pub(crate) fn damage_pages(path: &Path, rng: &mut ChaCha8Rng) -> Result<Vec<u64>, DemoError> {
    let io = |op: &'static str| move |e| DemoError::io(op, path, e);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io("open"))?;
    let mut header = [0u8; 100];
    file.read_exact(&mut header).map_err(io("read"))?;
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536u64,
        n => u64::from(n),
    };
    let len = file.metadata().map_err(io("inspect"))?.len();
    let pages = len / page_size.max(1);
    if page_size < 512 || pages < 6 {
        return Err(DemoError::TooSmall {
            path: path.to_path_buf(),
        });
    }
    let first = pages / 3;
    let count = (pages / 8).clamp(2, 64);
    let mut noise = vec![0u8; page_size as usize];
    let mut damaged = Vec::new();
    for page in first..first + count {
        rng.fill_bytes(&mut noise);
        // Page numbers are 1-based; page n starts at (n - 1) * page_size.
        file.seek(SeekFrom::Start((page - 1) * page_size))
            .map_err(io("seek in"))?;
        file.write_all(&noise).map_err(io("write"))?;
        damaged.push(page);
    }
    file.sync_all().map_err(io("sync"))?;
    Ok(damaged)
}

/// Redefine the computers-by-name index as an index on the serial number without rebuilding
/// it: every page stays well-formed, but the entries no longer match the table.
pub(crate) fn mismatch_index(path: &Path) -> Result<(), DemoError> {
    let err = |source| DemoError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open(path).map_err(err)?;
    conn.execute_batch("PRAGMA journal_mode=DELETE; PRAGMA writable_schema=ON;")
        .map_err(err)?;
    let changed = conn
        .execute(
            "UPDATE sqlite_master SET sql = ?1 WHERE type = 'index' AND name = ?2",
            rusqlite::params![
                format!("CREATE INDEX {COMPUTER_NAME_INDEX} ON computers(serial)"),
                COMPUTER_NAME_INDEX
            ],
        )
        .map_err(err)?;
    conn.execute_batch("PRAGMA writable_schema=OFF;")
        .map_err(err)?;
    conn.close().map_err(|(_, e)| err(e))?;
    if changed != 1 {
        return Err(DemoError::Plant {
            path: path.to_path_buf(),
            what: format!("no index {COMPUTER_NAME_INDEX} to redefine"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::fleet::rng;

    fn pragma(path: &Path, name: &str) -> Result<String, rusqlite::Error> {
        let conn = Connection::open(path)?;
        let rows: Vec<String> = conn
            .prepare(&format!("PRAGMA {name}"))?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows.join("\n"))
    }

    fn sample_db(path: &Path) {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(
            "CREATE TABLE computers(id INTEGER PRIMARY KEY, name TEXT, serial TEXT);
             CREATE INDEX idx_computers_name ON computers(name);",
        )
        .unwrap();
        let tx = conn.unchecked_transaction().unwrap();
        for i in 0..4000 {
            tx.execute(
                "INSERT INTO computers(name, serial) VALUES (?1, ?2)",
                rusqlite::params![format!("MAC-{i:05}"), format!("C02{:08}", 99_999_999 - i)],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }

    #[test]
    fn redefined_index_passes_quick_check_and_fails_integrity_check() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ServerDatabase.dbbackup");
        sample_db(&path);
        mismatch_index(&path).unwrap();
        assert_eq!(pragma(&path, "quick_check").unwrap(), "ok");
        let full = pragma(&path, "integrity_check").unwrap();
        assert_ne!(full, "ok");
        assert!(full.contains(COMPUTER_NAME_INDEX), "{full}");
    }

    #[test]
    fn damaged_pages_fail_quick_check_but_keep_the_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ServerDatabase.db");
        sample_db(&path);
        let pages = damage_pages(&path, &mut rng(7, "test")).unwrap();
        assert!(!pages.is_empty());
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(b"SQLite format 3\0"));
        match pragma(&path, "quick_check") {
            Ok(text) => assert_ne!(text, "ok"),
            Err(e) => assert!(e.to_string().contains("malformed"), "{e}"),
        }
    }
}
