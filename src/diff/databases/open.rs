//! Opening both sides of a database diff: read-only SQLite connections (immutable for the
//! backup copy), the raw page reader for the fast path, and each side's schema.

use super::schema::{Schema, read_schema};
use crate::diff::pages::PageFile;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// One side opened for reading.
pub(super) struct Opened {
    pub(super) conn: Connection,
    pub(super) pages: Option<PageFile>,
    pub(super) schema: Schema,
}

pub(super) fn open_side(path: &Path, immutable: bool) -> Result<Opened, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.len() == 0 {
        return Err(format!("{} is empty (0 bytes)", path.display()));
    }
    // A write-ahead log may hold pages newer than the main file: raw page reads (and an
    // immutable open, which ignores the log) would see stale content.
    let wal = sibling(path, "-wal");
    let has_wal = std::fs::metadata(&wal)
        .map(|m| m.len() > 0)
        .unwrap_or(false);
    let conn = open_read_only(path, immutable)
        .map_err(|e| format!("{} cannot be opened: {e}", path.display()))?;
    let schema = read_schema(&conn)
        .map_err(|e| format!("{}: cannot read the schema: {e}", path.display()))?;
    let pages = if has_wal { None } else { PageFile::open(path) };
    Ok(Opened {
        conn,
        pages,
        schema,
    })
}

pub(super) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// Open a database read-only for one streaming pass, the way integrity checks open it (see
/// `inventory::sqlite`): committed `-wal` frames included, nothing created beside the file, so
/// `diff` and `check` read the same content. `immutable` marks a backup copy nobody writes.
pub fn open_read_only(path: &Path, immutable: bool) -> rusqlite::Result<Connection> {
    use crate::inventory::sqlite::{self, Mutability};
    let mutability = if immutable {
        Mutability::Frozen
    } else {
        Mutability::Live
    };
    let conn = sqlite::open(path, mutability)?;
    // Measured with bench/diff.sh: an 8 MiB page cache scans as fast as 64 MiB plus 256 MiB
    // of mmap did (a 2 MiB one is twice as slow), and without mmap the resident memory stays
    // at ~20 MiB whatever the database size.
    conn.execute_batch("PRAGMA cache_size = -8192; PRAGMA mmap_size = 0; PRAGMA query_only = 1;")?;
    Ok(conn)
}
