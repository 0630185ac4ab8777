//! A corpus of generated SQLite files, one per class an administrator meets, each with the
//! verdict drconsole must give — cross-checked against what `sqlite3 FILE 'PRAGMA
//! integrity_check'` says about a copy (skipped with a note where sqlite3 is absent).

use drconsole::inventory::sqlite::{self, Mutability};
use drconsole::inventory::{CheckLevel, DbState, Unverifiable};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn make_db(path: &Path, rows: usize) {
    let c = Connection::open(path).unwrap();
    c.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v INTEGER);
         CREATE INDEX t_name ON t(name);",
    )
    .unwrap();
    let tx = c.unchecked_transaction().unwrap();
    for i in 0..rows {
        tx.execute(
            "INSERT INTO t(name, v) VALUES (?1, ?2)",
            (format!("name-{i:06}-{}", "x".repeat(40)), i as i64),
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

/// A WAL database copied while open (db + wal, no shm), after `sql` ran in WAL mode.
fn wal_copy(dir: &Path, name: &str, sql: &str) -> PathBuf {
    let live = dir.join(format!("{name}.live"));
    make_db(&live, 300);
    let c = Connection::open(&live).unwrap();
    c.execute_batch("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;")
        .unwrap();
    c.execute_batch(sql).unwrap();
    let out = dir.join(name);
    std::fs::copy(&live, &out).unwrap();
    std::fs::copy(with_suffix(&live, "-wal"), with_suffix(&out, "-wal")).unwrap();
    drop(c);
    out
}

/// What drconsole must say about one file.
#[derive(Debug, PartialEq)]
enum Expect {
    Ok { wal: bool },
    Corrupt,
    NotSqlite,
    Empty,
    Unverifiable(Unverifiable),
}

fn corpus(dir: &Path) -> Vec<(&'static str, PathBuf, Expect)> {
    let mut v = Vec::new();
    let good = dir.join("good.db");
    make_db(&good, 500);
    v.push((
        "a sound rollback-journal database",
        good,
        Expect::Ok { wal: false },
    ));

    let wal_ok = wal_copy(dir, "wal-ok.db", "INSERT INTO t(name, v) VALUES ('w', 1);");
    v.push((
        "committed WAL frames, sound",
        wal_ok,
        Expect::Ok { wal: true },
    ));

    let wal_bad = wal_copy(
        dir,
        "wal-bad.db",
        "PRAGMA writable_schema=ON; DELETE FROM sqlite_schema WHERE name = 't_name';",
    );
    v.push((
        "committed WAL frames that orphan an index",
        wal_bad,
        Expect::Corrupt,
    ));

    let torn = wal_copy(
        dir,
        "wal-torn.db",
        "INSERT INTO t(name, v) VALUES ('w', 1); DELETE FROM t WHERE id > 10;",
    );
    // Break the last frame's checksum: SQLite stops before it, as after a torn write.
    let wal = with_suffix(&torn, "-wal");
    let mut bytes = std::fs::read(&wal).unwrap();
    let n = bytes.len();
    bytes[n - 10] ^= 0xff;
    std::fs::write(&wal, &bytes).unwrap();
    v.push(("a torn last WAL frame", torn, Expect::Ok { wal: true }));

    let damaged = dir.join("damaged.db");
    make_db(&damaged, 3000);
    let mut bytes = std::fs::read(&damaged).unwrap();
    for b in &mut bytes[4096 * 3..4096 * 5] {
        *b = 0xA5;
    }
    std::fs::write(&damaged, &bytes).unwrap();
    v.push(("two overwritten pages", damaged, Expect::Corrupt));

    let text = dir.join("notes.db");
    std::fs::write(&text, b"not a database at all\n").unwrap();
    v.push(("a text file", text, Expect::NotSqlite));

    let empty = dir.join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    v.push(("zero bytes", empty, Expect::Empty));

    for (name, sql, expect) in [
        (
            "collation.db",
            "CREATE INDEX t_name ON t(name COLLATE app_nocase)",
            Unverifiable::Collation {
                name: "app_nocase".into(),
            },
        ),
        (
            "function.db",
            "CREATE INDEX t_name ON t(app_key(name))",
            Unverifiable::Function {
                name: "app_key".into(),
            },
        ),
    ] {
        let p = dir.join(name);
        make_db(&p, 100);
        let c = Connection::open(&p).unwrap();
        c.execute_batch("PRAGMA writable_schema=ON;").unwrap();
        c.execute(
            "UPDATE sqlite_schema SET sql = ?1 WHERE name = 't_name'",
            [sql],
        )
        .unwrap();
        drop(c);
        v.push((
            "a schema needing the application",
            p,
            Expect::Unverifiable(expect),
        ));
    }
    v
}

/// What sqlite3 says about a copy of `db` (with its -wal): `Some(true)` for "ok",
/// `Some(false)` for any other answer or error, `None` without sqlite3.
fn sqlite3_says(db: &Path) -> Option<(bool, String)> {
    let t = tempfile::tempdir().unwrap();
    let copy = t.path().join("x.db");
    std::fs::copy(db, &copy).unwrap();
    let _ = std::fs::copy(with_suffix(db, "-wal"), with_suffix(&copy, "-wal"));
    let out = std::process::Command::new("sqlite3")
        .arg(&copy)
        .arg("PRAGMA integrity_check;")
        .output()
        .ok()?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((said.trim() == "ok", said))
}

#[test]
fn every_class_gets_its_verdict_and_sqlite3_agrees() {
    let t = tempfile::tempdir().unwrap();
    let mut cross_checked = 0;
    for (what, path, expect) in corpus(t.path()) {
        let mut f = sqlite::stat(&path);
        sqlite::check(&mut f, CheckLevel::Full, Mutability::Frozen);
        let got = match f.state {
            DbState::Ok => Expect::Ok {
                wal: f.wal.is_some_and(|w| w.frames > 0),
            },
            DbState::Corrupt => Expect::Corrupt,
            DbState::NotSqlite => Expect::NotSqlite,
            DbState::Empty => Expect::Empty,
            DbState::Unverifiable => Expect::Unverifiable(f.unverifiable.clone().unwrap()),
            other => panic!("{what}: unexpected state {other:?} {:?}", f.messages),
        };
        assert_eq!(got, expect, "{what}: {:?}", f.messages);
        if matches!(expect, Expect::Empty | Expect::NotSqlite) {
            continue;
        }
        let Some((ok, said)) = sqlite3_says(&path) else {
            eprintln!("sqlite3 is not installed: cross-check skipped");
            continue;
        };
        cross_checked += 1;
        match expect {
            Expect::Ok { .. } => assert!(ok, "{what}: sqlite3 says {said}"),
            Expect::Corrupt => assert!(!ok, "{what}: sqlite3 says {said}"),
            Expect::Unverifiable(Unverifiable::Collation { name })
            | Expect::Unverifiable(Unverifiable::Function { name }) => {
                assert!(!ok && said.contains(&name), "{what}: sqlite3 says {said}")
            }
            _ => {}
        }
    }
    eprintln!("{cross_checked} verdicts cross-checked with sqlite3");
}
