//! The full SQLite `integrity_check` a restore runs on its sources before and on the live
//! databases after: opened read-only and immutable, so checking never creates `-wal`/`-shm`.

use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// How many SQLite messages to keep from a failing check.
const MAX_MESSAGES: usize = 5;

/// Run a full `PRAGMA integrity_check` on `path`; `Err` carries SQLite's first messages.
pub fn full_check(path: &Path) -> Result<(), Vec<String>> {
    let conn = open(path).map_err(|e| vec![e])?;
    let mut stmt = conn
        .prepare("PRAGMA integrity_check")
        .map_err(|e| vec![e.to_string()])?;
    let rows = stmt
        .query_map([], |row| row.get::<_, String>(0))
        .map_err(|e| vec![e.to_string()])?;
    let mut messages = Vec::new();
    for row in rows {
        match row {
            Ok(m) if m == "ok" => {}
            Ok(m) => messages.push(m),
            Err(e) => messages.push(e.to_string()),
        }
        if messages.len() >= MAX_MESSAGES {
            break;
        }
    }
    if messages.is_empty() {
        Ok(())
    } else {
        Err(messages)
    }
}

fn open(path: &Path) -> Result<Connection, String> {
    let Some(text) = path.to_str() else {
        return Err(format!(
            "{} has a name that is not UTF-8; SQLite cannot open it",
            path.display()
        ));
    };
    // A -wal beside the file holds committed pages: immutable mode would ignore it.
    let wal = super::restore::with_suffix(path, "-wal");
    let immutable = !wal.exists();
    let uri = format!(
        "file:{}{}",
        uri_escape(text),
        if immutable { "?immutable=1" } else { "" }
    );
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(&uri, flags).map_err(|e| format!("cannot open: {e}"))
}

/// Escape the characters SQLite's URI parser treats specially.
fn uri_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_database_passes_and_garbage_fails() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("odd name ?#%.db");
        let conn = Connection::open(&db).unwrap();
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
