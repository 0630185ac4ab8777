//! The full SQLite `integrity_check` a restore runs on its sources before and on the live
//! databases after, through the scanner's own checker (read-only, never creating `-shm`).

use crate::inventory::sqlite::{self, Mutability};
use crate::inventory::{CheckLevel, DbState};
use std::path::Path;

/// Run a full `PRAGMA integrity_check` on `path` now (never from the cache); `Err` carries
/// SQLite's first messages.
pub fn full_check(path: &Path) -> Result<(), Vec<String>> {
    let mut file = sqlite::stat(path);
    // A -wal beside the file holds committed pages: immutable mode would ignore them.
    let wal = super::restore::with_suffix(path, "-wal");
    let mutability = if wal.exists() {
        Mutability::Live
    } else {
        Mutability::Frozen
    };
    sqlite::check(&mut file, CheckLevel::Full, mutability);
    if file.state == DbState::Ok {
        return Ok(());
    }
    let mut messages = file.messages;
    if messages.is_empty() {
        messages.push(format!("state {:?}", file.state).to_lowercase());
    }
    Err(messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_database_passes_and_garbage_fails() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("odd name ?#%.db");
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
        drop(conn);
        assert_eq!(full_check(&db), Ok(()));
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, vec![7u8; 8192]).unwrap();
        assert!(full_check(&junk).is_err());
        assert!(!dir.path().join("junk.db-shm").exists());
    }
}
