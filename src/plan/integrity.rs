//! The full SQLite `integrity_check` a restore runs on its sources before and on the live
//! databases after, through the scanner's own checker: it covers the committed frames of a
//! `-wal` beside the file — what SQLite itself reads on open — and never creates `-shm`.

use crate::inventory::sqlite::{self, Mutability};
use crate::inventory::{CheckLevel, DbState};
use std::path::Path;

/// Run a full `PRAGMA integrity_check` on `path` now (never from the cache); `Err` carries
/// SQLite's first messages, or why the file could not be verified (which is no pass either).
pub fn full_check(path: &Path) -> Result<(), Vec<String>> {
    let mut file = sqlite::stat(path);
    // `Live`: honour locks and a hot journal as SQLite would on open; a -wal is read either way.
    sqlite::check(&mut file, CheckLevel::Full, Mutability::Live);
    if file.state == DbState::Ok {
        return Ok(());
    }
    if file.state == DbState::Unverifiable {
        return Err(vec![crate::inventory::databases::unverifiable_message(
            &file,
        )]);
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
