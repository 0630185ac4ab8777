//! The full SQLite `integrity_check` a restore runs on its sources before and on the live
//! databases after, through the scanner's own checker: it covers the committed frames of a
//! `-wal` beside the file — what SQLite itself reads on open — and never creates `-shm`.

use crate::inventory::cache::{CheckCache, FileKey};
use crate::inventory::sqlite::{self, Mutability};
use crate::inventory::{CheckLevel, DbFile, DbState};
use std::path::Path;

/// Run a full `PRAGMA integrity_check` on `path` now (never from the cache); `Err` carries
/// SQLite's first messages, or why the file could not be verified (which is no pass either).
pub fn full_check(path: &Path) -> Result<(), Vec<String>> {
    let mut file = sqlite::stat(path);
    // `Live`: honour locks and a hot journal as SQLite would on open; a -wal is read either way.
    sqlite::check(&mut file, CheckLevel::Full, Mutability::Live);
    verdict(file)
}

/// A full check's result as a pass or SQLite's messages.
fn verdict(file: DbFile) -> Result<(), Vec<String>> {
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

/// [`full_check`], answered from the check cache when it remembers a full check of exactly
/// these bytes (path, size, time, inode and `-wal` unchanged); a fresh result is remembered.
/// `Ok(true)` says the answer came from the cache.
pub fn full_check_cached(path: &Path, cache: &CheckCache) -> Result<bool, Vec<String>> {
    let file = sqlite::stat(path);
    if let Some(known) = cache.lookup(&file, CheckLevel::Full) {
        match known.state {
            DbState::Ok if known.level == CheckLevel::Full => return Ok(true),
            DbState::Corrupt | DbState::NotSqlite if !known.messages.is_empty() => {
                return Err(known.messages);
            }
            _ => {}
        }
    }
    let key = FileKey::of(path);
    let mut file = sqlite::stat(path);
    sqlite::check(&mut file, CheckLevel::Full, Mutability::Live);
    cache.store(&file, key);
    // Only an optimisation: a cache that cannot be saved costs the next run a check.
    let _ = cache.save();
    verdict(file).map(|()| false)
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

    #[test]
    fn a_cached_full_verdict_answers_for_the_same_bytes_only() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.db");
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
        drop(conn);
        let cache = CheckCache::load(&dir.path().join("cache"), true);
        // Checked afresh, remembered, then answered from the cache.
        assert_eq!(full_check_cached(&db, &cache), Ok(false));
        let again = CheckCache::load(&dir.path().join("cache"), true);
        assert_eq!(full_check_cached(&db, &again), Ok(true));
        // Garbage written over it: another version, checked afresh, and it fails.
        std::fs::write(&db, vec![7u8; 8192]).unwrap();
        assert!(full_check_cached(&db, &again).is_err());
    }
}
