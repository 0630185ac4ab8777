//! Database diffs on generated databases with known differences.

use drconsole::diff::Change;
use drconsole::diff::databases::{Method, Presence, TableDiff, diff_database};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// A set database: 200 computers, 3000 software rows, a WITHOUT ROWID license table.
fn make_set(dir: &Path) -> PathBuf {
    let path = dir.join("ServerDatabase.dbbackup");
    let c = Connection::open(&path).unwrap();
    c.execute_batch(
        "CREATE TABLE computers(id INTEGER PRIMARY KEY, name TEXT NOT NULL, os TEXT, notes TEXT);
         CREATE INDEX computers_name ON computers(name);
         CREATE TABLE software(id INTEGER PRIMARY KEY, computer INTEGER, title TEXT, version TEXT);
         CREATE TABLE licenses(product TEXT, seat INTEGER, holder TEXT, PRIMARY KEY(product, seat)) WITHOUT ROWID;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<200)
           INSERT INTO computers SELECT i, 'mac-' || i, 'macOS 14.' || (i % 7), 'note ' || i FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<3000)
           INSERT INTO software SELECT i, i % 200, 'App ' || (i % 97), '1.' || (i % 13) FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<50)
           INSERT INTO licenses SELECT 'Office', i, 'user' || i FROM n;",
    )
    .unwrap();
    path
}

/// Live = set + an added table, a dropped column, 3 rows changed, 10 added, 2 deleted.
fn make_live(dir: &Path, set: &Path) -> PathBuf {
    let path = dir.join("ServerDatabase.db");
    std::fs::copy(set, &path).unwrap();
    let c = Connection::open(&path).unwrap();
    c.execute_batch(
        "CREATE TABLE audit_log(id INTEGER PRIMARY KEY, what TEXT);
         INSERT INTO audit_log(what) VALUES ('restore'), ('login');
         ALTER TABLE computers DROP COLUMN notes;
         UPDATE computers SET name = 'renamed-' || id WHERE id IN (5, 17, 120);
         UPDATE computers SET os = NULL WHERE id = 17;
         WITH RECURSIVE n(i) AS (SELECT 201 UNION ALL SELECT i+1 FROM n WHERE i<210)
           INSERT INTO computers SELECT i, 'new-' || i, 'macOS 15.0' FROM n;
         DELETE FROM computers WHERE id IN (3, 44);",
    )
    .unwrap();
    path
}

fn table<'a>(tables: &'a [TableDiff], name: &str) -> &'a TableDiff {
    tables.iter().find(|t| t.name == name).unwrap()
}

#[test]
fn counts_added_removed_and_changed_rows_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let set = make_set(dir.path());
    let live = make_live(dir.path(), &set);
    let d = diff_database(&set, &live, 10, &());
    assert!(d.set_problem.is_none() && d.live_problem.is_none(), "{d:?}");

    let c = table(&d.tables, "computers");
    assert_eq!((c.rows_added, c.rows_removed, c.rows_changed), (10, 2, 3));
    assert_eq!((c.set_rows, c.live_rows), (Some(200), Some(208)));
    assert_eq!(c.key, "id");
    assert_eq!(c.method, Method::ChangedPages);
    let keys: Vec<&str> = c.sample_changed.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["id=5", "id=17", "id=120"]);
    let r17 = &c.sample_changed[1];
    assert_eq!(r17.columns.len(), 2);
    assert_eq!(r17.columns[0].column, "name");
    assert_eq!(r17.columns[0].set, "'mac-17'");
    assert_eq!(r17.columns[0].live, "'renamed-17'");
    assert_eq!(r17.columns[1].column, "os");
    assert_eq!(r17.columns[1].set, "'macOS 14.3'");
    assert_eq!(r17.columns[1].live, "NULL");
    assert_eq!(c.sample_removed, ["id=3", "id=44"]);
    assert_eq!(c.sample_added.len(), 10);
    assert_eq!(c.sample_added[0], "id=201");

    // Untouched tables are proven identical from their pages, without a row walk.
    let s = table(&d.tables, "software");
    assert_eq!(s.method, Method::IdenticalPages);
    assert_eq!((s.set_rows, s.live_rows), (Some(3000), Some(3000)));
    assert!(!s.differs());
    let l = table(&d.tables, "licenses");
    assert_eq!(l.key, "product, seat");
    assert!(!l.differs());

    let a = table(&d.tables, "audit_log");
    assert_eq!(a.presence, Presence::OnlyLive);
    assert_eq!(a.live_rows, Some(2));

    let schema: Vec<(String, String, Change)> = d
        .schema
        .iter()
        .map(|s| (s.object.clone(), s.name.clone(), s.change))
        .collect();
    assert_eq!(
        schema,
        [
            ("table".to_string(), "audit_log".to_string(), Change::Added),
            ("column".to_string(), "notes".to_string(), Change::Removed),
        ]
    );
    assert_eq!(d.schema[1].table.as_deref(), Some("computers"));
    assert_eq!(d.totals.rows_added, 10);
    assert_eq!(d.totals.rows_removed, 2);
    assert_eq!(d.totals.rows_changed, 3);
    assert_eq!(d.totals.tables_differing, 2);
    assert!(d.differs());
}

#[test]
fn sample_size_limits_the_rows_shown_not_the_counts() {
    let dir = tempfile::tempdir().unwrap();
    let set = make_set(dir.path());
    let live = make_live(dir.path(), &set);
    let d = diff_database(&set, &live, 1, &());
    let c = table(&d.tables, "computers");
    assert_eq!(c.sample_changed.len(), 1);
    assert_eq!(c.sample_added.len(), 1);
    assert_eq!((c.rows_added, c.rows_removed, c.rows_changed), (10, 2, 3));
}

#[test]
fn a_vacuumed_copy_with_the_same_rows_is_identical() {
    let dir = tempfile::tempdir().unwrap();
    let set = make_set(dir.path());
    let live = dir.path().join("live.db");
    let c = Connection::open(&set).unwrap();
    // Rebuild with another page size so no page can be byte-identical.
    c.execute_batch(&format!(
        "PRAGMA page_size=1024; VACUUM INTO '{}';",
        live.display()
    ))
    .unwrap();
    drop(c);
    let d = diff_database(&set, &live, 5, &());
    assert!(!d.differs(), "{:#?}", d.tables);
    assert_eq!(table(&d.tables, "software").method, Method::RowWalk);
    assert_eq!(d.totals.live_rows, 200 + 3000 + 50);
}

#[test]
fn without_rowid_tables_match_rows_by_primary_key() {
    let dir = tempfile::tempdir().unwrap();
    let set = make_set(dir.path());
    let live = dir.path().join("live.db");
    std::fs::copy(&set, &live).unwrap();
    let c = Connection::open(&live).unwrap();
    c.execute_batch(
        "UPDATE licenses SET holder = 'alice' WHERE product = 'Office' AND seat = 7;
         INSERT INTO licenses VALUES ('Acrobat', 1, 'bob');",
    )
    .unwrap();
    drop(c);
    let d = diff_database(&set, &live, 5, &());
    let l = table(&d.tables, "licenses");
    assert_eq!((l.rows_added, l.rows_removed, l.rows_changed), (1, 0, 1));
    assert_eq!(l.sample_changed[0].key, "product='Office', seat=7");
    assert_eq!(l.sample_added, ["product='Acrobat', seat=1"]);
}

#[test]
fn a_corrupt_table_is_reported_and_the_other_tables_still_compared() {
    let dir = tempfile::tempdir().unwrap();
    let set = make_set(dir.path());
    let live = make_live(dir.path(), &set);
    // Smash three leaf pages of the software table in the set copy.
    let c = Connection::open(&set).unwrap();
    let page_size: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
    let leaves: Vec<i64> = c
        .prepare("SELECT pageno FROM dbstat WHERE name = 'software' AND pagetype = 'leaf' LIMIT 3 OFFSET 2")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    drop(c);
    assert_eq!(leaves.len(), 3);
    let mut bytes = std::fs::read(&set).unwrap();
    for pg in leaves {
        let at = ((pg - 1) * page_size) as usize;
        bytes[at..at + page_size as usize].fill(0x5a);
    }
    std::fs::write(&set, &bytes).unwrap();

    let d = diff_database(&set, &live, 5, &());
    let s = table(&d.tables, "software");
    let err = s.error.as_deref().unwrap();
    assert!(err.starts_with("set: "), "{err}");
    // Only the damaged leaves' rowid ranges are lost; the rest of the table was compared.
    assert!(
        err.contains("could not be compared, the counts cover the rest"),
        "{err}"
    );
    assert_eq!(s.method, Method::ChangedPages);
    assert!(d.has_problems());
    let c = table(&d.tables, "computers");
    assert_eq!((c.rows_added, c.rows_removed, c.rows_changed), (10, 2, 3));
}

#[test]
fn a_side_that_is_not_a_database_is_reported_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("garbage.dbbackup");
    std::fs::write(
        &set,
        b"this is not a database at all, just some text".repeat(100),
    )
    .unwrap();
    let live = make_set(dir.path());
    let d = diff_database(&set, &live, 5, &());
    let p = d.set_problem.as_deref().unwrap();
    assert!(p.contains("garbage.dbbackup"), "{p}");
    assert!(d.live_problem.is_none());
    let empty = dir.path().join("empty.dbbackup");
    std::fs::write(&empty, b"").unwrap();
    let d = diff_database(&empty, &live, 5, &());
    assert!(d.set_problem.as_deref().unwrap().contains("empty"));
}

/// (added, removed, changed) of table `t` computed by SQL over both files.
fn expected_counts(set: &Path, live: &Path) -> (u64, u64, u64) {
    let c = Connection::open(live).unwrap();
    c.execute("ATTACH ?1 AS s", [set.to_str().unwrap()])
        .unwrap();
    let q = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64;
    (
        q("SELECT count(*) FROM main.t WHERE id NOT IN (SELECT id FROM s.t)"),
        q("SELECT count(*) FROM s.t WHERE id NOT IN (SELECT id FROM main.t)"),
        q("SELECT count(*) FROM main.t JOIN s.t AS o USING (id) WHERE main.t.v IS NOT o.v"),
    )
}

#[test]
fn only_changed_pages_are_walked_and_the_counts_match_sql() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set.db");
    let c = Connection::open(&set).unwrap();
    // Even ids only, so rows can later be inserted between them (leaf splits, new interior cells).
    c.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<20000)
           INSERT INTO t SELECT 2 * i, printf('value %d %.40c', i, 'x') FROM n;",
    )
    .unwrap();
    drop(c);
    let live = dir.path().join("live.db");
    std::fs::copy(&set, &live).unwrap();
    let c = Connection::open(&live).unwrap();
    c.execute_batch(
        "UPDATE t SET v = 'changed' WHERE id % 1094 = 0;
         UPDATE t SET v = NULL WHERE id = 30000;
         DELETE FROM t WHERE id % 3002 = 2;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<300)
           INSERT INTO t SELECT 20001 + 2 * i, printf('inserted %d %.60c', i, 'y') FROM n;
         INSERT INTO t VALUES (50000, 'appended');",
    )
    .unwrap();
    drop(c);
    let (added, removed, changed) = expected_counts(&set, &live);
    assert!(
        added == 301 && removed > 5 && changed > 30,
        "{added} {removed} {changed}"
    );

    let d = diff_database(&set, &live, 3, &());
    let t = table(&d.tables, "t");
    assert_eq!(t.method, Method::ChangedPages);
    assert_eq!(
        (t.rows_added, t.rows_removed, t.rows_changed),
        (added, removed, changed)
    );
    assert_eq!(
        (t.set_rows, t.live_rows),
        (Some(20000), Some(20000 + added - removed))
    );

    // The same pair compared with no page shortcut (another page size) gives the same answer.
    let vac = dir.path().join("vacuumed.db");
    let c = Connection::open(&set).unwrap();
    c.execute_batch(&format!(
        "PRAGMA page_size=8192; VACUUM INTO '{}';",
        vac.display()
    ))
    .unwrap();
    drop(c);
    let full = diff_database(&vac, &live, 3, &());
    let f = table(&full.tables, "t");
    assert_eq!(f.method, Method::RowWalk);
    assert_eq!(
        (
            f.rows_added,
            f.rows_removed,
            f.rows_changed,
            f.set_rows,
            f.live_rows
        ),
        (
            t.rows_added,
            t.rows_removed,
            t.rows_changed,
            t.set_rows,
            t.live_rows
        )
    );
    assert_eq!(f.sample_changed, t.sample_changed);
}

#[test]
fn an_untouched_without_rowid_table_is_proven_identical_from_its_pages() {
    let dir = tempfile::tempdir().unwrap();
    let set = make_set(dir.path());
    let live = make_live(dir.path(), &set);
    let d = diff_database(&set, &live, 5, &());
    let l = table(&d.tables, "licenses");
    assert_eq!(l.method, Method::IdenticalPages);
    assert_eq!((l.set_rows, l.live_rows), (Some(50), Some(50)));
}

#[test]
fn a_without_rowid_table_with_long_keys_counts_its_rows_from_pages() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set.db");
    let c = Connection::open(&set).unwrap();
    // Keys longer than a page spill to overflow pages, in interior and leaf index cells alike.
    c.execute_batch(
        "PRAGMA page_size = 1024;
         CREATE TABLE k(name TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<300)
           INSERT INTO k SELECT printf('%06d', i) || hex(randomblob(700)), i FROM n;",
    )
    .unwrap();
    drop(c);
    let live = dir.path().join("live.db");
    std::fs::copy(&set, &live).unwrap();
    let d = diff_database(&set, &live, 5, &());
    let k = table(&d.tables, "k");
    assert_eq!(k.method, Method::IdenticalPages);
    assert_eq!(k.set_rows, Some(300));
    let c = Connection::open(&live).unwrap();
    c.execute("UPDATE k SET v = -1 WHERE v = 150", []).unwrap();
    drop(c);
    let d = diff_database(&set, &live, 5, &());
    let k = table(&d.tables, "k");
    assert_eq!(k.method, Method::RowWalk);
    assert_eq!(
        (k.rows_changed, k.set_rows, k.live_rows),
        (1, Some(300), Some(300))
    );
}
