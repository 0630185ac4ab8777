//! The database-edit step: a SQLite database replaced as a whole by a modified copy written
//! beside it. The copy (with the `-wal` content the plan stashed first, if any) is changed in
//! one SQLite transaction, checked with `integrity_check`, folded back into one file and
//! fsynced; the journal then renames it into place like any restored file.

use super::faults;
use super::fsops::{self, Attrs};
use crate::plan::modes::Modes;
use crate::plan::{DbEdit, SqlValue};
use std::io;
use std::path::{Path, PathBuf};

/// The name SQLite gives a companion of `db` (`-wal`, `-shm`, `-journal`).
pub fn companion(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// Write the edited copy of `db` to the new file `temp`: `wal` is the database's `-wal` (as
/// stashed by an earlier step) whose committed frames belong to it. Returns the copy's size.
pub fn write_edited_copy(
    db: &Path,
    wal: Option<&Path>,
    temp: &Path,
    edit: &DbEdit,
    replaced: Option<Attrs>,
    modes: &Modes,
) -> io::Result<u64> {
    let result = edit_inner(db, wal, temp, edit, replaced, modes);
    // SQLite's own companions of the copy are never left beside the live database; the copy
    // itself is removed by the caller's rollback (it is the step's temporary name).
    for suffix in ["-wal", "-shm", "-journal"] {
        let _ = fsops::remove_durable(&companion(temp, suffix));
    }
    result
}

fn edit_inner(
    db: &Path,
    wal: Option<&Path>,
    temp: &Path,
    edit: &DbEdit,
    replaced: Option<Attrs>,
    modes: &Modes,
) -> io::Result<u64> {
    fsops::copy_file(db, temp, replaced, None, modes)?;
    if let Some(wal) = wal {
        fsops::copy_file(wal, &companion(temp, "-wal"), None, None, modes)?;
    }
    let sql = |e: rusqlite::Error| io::Error::other(format!("{}: {e}", edit.description));
    {
        let mut conn = rusqlite::Connection::open_with_flags(
            temp,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql)?;
        conn.execute_batch("PRAGMA synchronous=FULL;")
            .map_err(sql)?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql)?;
        for st in &edit.statements {
            let params: Vec<rusqlite::types::Value> = st
                .params
                .iter()
                .map(|p| match p {
                    SqlValue::Int(i) => rusqlite::types::Value::Integer(*i),
                    SqlValue::Text(t) => rusqlite::types::Value::Text(t.clone()),
                    SqlValue::Null => rusqlite::types::Value::Null,
                })
                .collect();
            let n = tx
                .execute(&st.sql, rusqlite::params_from_iter(params))
                .map_err(sql)?;
            if let Some(want) = st.rows
                && n as u64 != want
            {
                return Err(io::Error::other(format!(
                    "{}: `{}` changed {n} row(s), {want} expected; nothing was changed",
                    edit.description, st.sql
                )));
            }
        }
        for (query, want) in &edit.checks {
            let got: i64 = tx.query_row(query, [], |r| r.get(0)).map_err(sql)?;
            if got != *want {
                return Err(io::Error::other(format!(
                    "{}: `{query}` gives {got}, {want} expected; nothing was changed",
                    edit.description
                )));
            }
        }
        tx.commit().map_err(sql)?;
        faults::point();
        // Fold any WAL back into the one file that will be renamed into place.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(sql)?;
        let messages: Vec<String> = conn
            .prepare("PRAGMA integrity_check")
            .and_then(|mut s| {
                s.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(sql)?;
        if messages != ["ok"] {
            return Err(io::Error::other(format!(
                "the edited copy of {} fails its integrity check: {}",
                db.display(),
                messages.join("; ")
            )));
        }
        conn.close().map_err(|(_, e)| sql(e))?;
    }
    if fsops::exists(&companion(temp, "-wal"))
        && std::fs::metadata(companion(temp, "-wal")).is_ok_and(|m| m.len() > 0)
    {
        return Err(io::Error::other(format!(
            "the edited copy of {} still has log content after its checkpoint",
            db.display()
        )));
    }
    let f = std::fs::File::open(temp).map_err(|e| fsops::annotate(e, "open", temp))?;
    f.sync_all()
        .map_err(|e| fsops::annotate(e, "fsync", temp))?;
    faults::synced(temp);
    faults::point();
    Ok(f.metadata().map(|m| m.len()).unwrap_or(0))
}
