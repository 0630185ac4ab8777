//! Database diff: schema changes, row counts, and rows added/removed/changed by primary key
//! (or rowid) between a backup member (the "set" side, older) and the live database.
//! Both sides are opened read-only and streamed in key order through a merge-join, so memory
//! stays bounded; tables whose b-tree pages are byte-identical skip the row walk entirely.

use super::Change;
use super::pages::{self, PageFile};
use crate::inventory::{Progress, ProgressSink};
use rusqlite::fallible_streaming_iterator::FallibleStreamingIterator;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Row};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest text or blob shown in a sample value before it is cut.
const VALUE_PREVIEW: usize = 80;

/// Everything that differs between the set's copy of a database and the live one.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DatabaseDiff {
    /// The backup member compared.
    pub set_file: PathBuf,
    /// The live database compared.
    pub live_file: PathBuf,
    /// Why the set side could not be read in full, if it could not.
    pub set_problem: Option<String>,
    /// Why the live side could not be read in full, if it could not.
    pub live_problem: Option<String>,
    /// Tables, columns, indexes, views and triggers added (only live), removed (only set) or changed.
    pub schema: Vec<SchemaChange>,
    /// Every table of either side, by name.
    pub tables: Vec<TableDiff>,
    /// Sums over the tables.
    pub totals: RowTotals,
}

/// One schema object that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaChange {
    /// `table`, `column`, `index`, `view` or `trigger`.
    pub object: String,
    /// The object's name (for a column: the column's).
    pub name: String,
    /// The table a column or index belongs to.
    pub table: Option<String>,
    /// Added (only live), removed (only set) or changed.
    pub change: Change,
    /// Definition in the set (SQL, or a column's declaration).
    pub set: Option<String>,
    /// Definition in the live database.
    pub live: Option<String>,
}

/// Where a table exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// In the set and live.
    Both,
    /// Only in the live database (a restore would drop it).
    OnlyLive,
    /// Only in the set (a restore brings it back).
    OnlySet,
}

/// How a table's rows were compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Its b-tree pages are byte-identical on both sides: same rows, no walk needed.
    IdenticalPages,
    /// Both sides streamed in key order and merged.
    RowWalk,
    /// Identical subtrees skipped by their pages; the rowid ranges of differing pages
    /// streamed and merged.
    ChangedPages,
    /// Only on one side: rows counted.
    Counted,
    /// Not compared (see the table's `note`).
    NotCompared,
}

/// One table's row comparison.
#[derive(Debug, Clone, Serialize)]
pub struct TableDiff {
    /// Table name.
    pub name: String,
    /// Where it exists.
    pub presence: Presence,
    /// The key rows are matched by (`rowid`, a column, or `a, b`).
    pub key: String,
    /// How it was compared.
    pub method: Method,
    /// Rows in the set (up to a read error, see `error`).
    pub set_rows: Option<u64>,
    /// Rows live (up to a read error).
    pub live_rows: Option<u64>,
    /// Rows only live (a restore would lose them).
    pub rows_added: u64,
    /// Rows only in the set (a restore brings them back).
    pub rows_removed: u64,
    /// Rows on both sides whose common columns differ.
    pub rows_changed: u64,
    /// The first changed rows, with their changed columns.
    pub sample_changed: Vec<ChangedRow>,
    /// Keys of the first added rows.
    pub sample_added: Vec<String>,
    /// Keys of the first removed rows.
    pub sample_removed: Vec<String>,
    /// Why rows were not (fully) compared, when they were not.
    pub note: Option<String>,
    /// A read error that stopped the comparison part-way (the counts cover what was read).
    pub error: Option<String>,
}

impl TableDiff {
    /// Whether anything about this table's rows differs (or could not be read).
    pub fn differs(&self) -> bool {
        self.presence != Presence::Both
            || self.rows_added + self.rows_removed + self.rows_changed > 0
            || self.error.is_some()
    }
}

/// One changed row: its key and the columns that differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedRow {
    /// The row's key, e.g. `id=42`.
    pub key: String,
    /// The columns whose values differ.
    pub columns: Vec<ValueChange>,
}

/// One column of a changed row: set value → live value, as SQL literals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueChange {
    /// Column name.
    pub column: String,
    /// The value in the set.
    pub set: String,
    /// The value live.
    pub live: String,
}

/// Sums over all tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RowTotals {
    /// Tables on either side.
    pub tables: u64,
    /// Tables whose rows differ or that exist on one side only.
    pub tables_differing: u64,
    /// Rows in the set.
    pub set_rows: u64,
    /// Rows live.
    pub live_rows: u64,
    /// Rows only live.
    pub rows_added: u64,
    /// Rows only in the set.
    pub rows_removed: u64,
    /// Rows changed.
    pub rows_changed: u64,
}

impl DatabaseDiff {
    /// Whether the two databases differ in schema or rows.
    pub fn differs(&self) -> bool {
        !self.schema.is_empty() || self.tables.iter().any(TableDiff::differs)
    }

    /// Whether a side could not be read in full.
    pub fn has_problems(&self) -> bool {
        self.set_problem.is_some()
            || self.live_problem.is_some()
            || self.tables.iter().any(|t| t.error.is_some())
    }
}

/// Which side a read error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Set,
    Live,
}

impl Side {
    fn as_str(self) -> &'static str {
        match self {
            Side::Set => "set",
            Side::Live => "live",
        }
    }
}

/// One side's schema.
#[derive(Default)]
struct Schema {
    tables: BTreeMap<String, TableInfo>,
    /// (kind, name) → (table, normalised SQL) for indexes, views and triggers.
    others: BTreeMap<(String, String), (String, String)>,
}

struct TableInfo {
    root: u32,
    sql: String,
    columns: Vec<Column>,
    without_rowid: bool,
    is_virtual: bool,
}

#[derive(Clone, PartialEq, Eq)]
struct Column {
    name: String,
    decl: String,
    /// 1-based position in the primary key, 0 when not part of it.
    pk: u32,
}

/// One side opened for reading.
struct Opened {
    conn: Connection,
    pages: Option<PageFile>,
    schema: Schema,
}

/// Compare the set's copy of a database (`set_file`) with the live one (`live_file`).
/// Never fails: unreadable sides and tables are reported in the result.
pub fn diff_database(
    set_file: &Path,
    live_file: &Path,
    sample: usize,
    progress: &dyn ProgressSink,
) -> DatabaseDiff {
    let mut out = DatabaseDiff {
        set_file: set_file.to_path_buf(),
        live_file: live_file.to_path_buf(),
        ..DatabaseDiff::default()
    };
    // The backup file is not written while we read it, so SQLite may skip locking
    // (`immutable`); the live one may be in use, so it keeps normal read-only locking.
    let set = open_side(set_file, true);
    let live = open_side(live_file, false);
    let (set, live) = match (set, live) {
        (Ok(s), Ok(l)) => (s, l),
        (s, l) => {
            out.set_problem = s.err();
            out.live_problem = l.err();
            return out;
        }
    };
    out.schema = schema_changes(&set.schema, &live.schema);
    let names: BTreeSet<&String> = set
        .schema
        .tables
        .keys()
        .chain(live.schema.tables.keys())
        .collect();
    let total = names.len() as u64;
    for (i, name) in names.into_iter().enumerate() {
        progress.report(Progress {
            job: "diff".into(),
            label: format!("{}: {name}", live_file.display()),
            done: i as u64,
            total,
            bytes_done: 0,
            bytes_total: 0,
            finished: false,
        });
        let t = diff_table(
            name,
            &set,
            &live,
            set.schema.tables.get(name),
            live.schema.tables.get(name),
            sample,
        );
        out.tables.push(t);
    }
    progress.report(Progress {
        job: "diff".into(),
        label: live_file.display().to_string(),
        done: total,
        total,
        bytes_done: 0,
        bytes_total: 0,
        finished: true,
    });
    let mut totals = RowTotals {
        tables: out.tables.len() as u64,
        ..RowTotals::default()
    };
    for t in &out.tables {
        totals.tables_differing += u64::from(t.differs());
        totals.set_rows += t.set_rows.unwrap_or(0);
        totals.live_rows += t.live_rows.unwrap_or(0);
        totals.rows_added += t.rows_added;
        totals.rows_removed += t.rows_removed;
        totals.rows_changed += t.rows_changed;
    }
    out.totals = totals;
    out
}

fn open_side(path: &Path, immutable: bool) -> Result<Opened, String> {
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
    let conn = open_read_only(path, immutable && !has_wal)
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

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// Open a database read-only for one streaming pass.
pub(crate) fn open_read_only(path: &Path, immutable: bool) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match uri(path, immutable) {
        Some(uri) => Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)?,
        None => Connection::open_with_flags(path, flags)?,
    };
    // Measured with bench/diff.sh: an 8 MiB page cache scans as fast as 64 MiB plus 256 MiB
    // of mmap did (a 2 MiB one is twice as slow), and without mmap the resident memory stays
    // at ~20 MiB whatever the database size.
    conn.execute_batch("PRAGMA cache_size = -8192; PRAGMA mmap_size = 0; PRAGMA query_only = 1;")?;
    Ok(conn)
}

/// A `file:` URI for SQLite, or `None` when the path is not UTF-8 (opened plainly then).
fn uri(path: &Path, immutable: bool) -> Option<String> {
    let s = path.to_str()?;
    let mut out = String::from("file:");
    if cfg!(windows) {
        out.push('/');
    }
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            '\\' if cfg!(windows) => out.push('/'),
            c => out.push(c),
        }
    }
    out.push_str(if immutable {
        "?mode=ro&immutable=1"
    } else {
        "?mode=ro"
    });
    Some(out)
}

fn read_schema(conn: &Connection) -> rusqlite::Result<Schema> {
    let mut schema = Schema::default();
    let mut stmt = conn
        .prepare("SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, Option<String>>(4)?,
        ))
    })?;
    for row in rows {
        let (kind, name, table, root, sql) = row?;
        let sql = normalise_sql(sql.as_deref().unwrap_or(""));
        match kind.as_str() {
            "table" => {
                // Statistics tables are rebuilt by ANALYZE; they say nothing about the data.
                if name.starts_with("sqlite_stat") {
                    continue;
                }
                let upper = sql.to_ascii_uppercase();
                let is_virtual = upper.starts_with("CREATE VIRTUAL TABLE");
                let columns = if is_virtual {
                    Vec::new()
                } else {
                    read_columns(conn, &name)?
                };
                schema.tables.insert(
                    name,
                    TableInfo {
                        root: root.and_then(|r| u32::try_from(r).ok()).unwrap_or(0),
                        without_rowid: upper.contains("WITHOUT ROWID"),
                        is_virtual,
                        sql,
                        columns,
                    },
                );
            }
            // Automatic indexes have no SQL: they follow from the table's constraints.
            "index" if sql.is_empty() => {}
            "index" | "view" | "trigger" => {
                schema.others.insert((kind, name), (table, sql));
            }
            _ => {}
        }
    }
    Ok(schema)
}

fn read_columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<Column>> {
    let mut stmt = conn.prepare(
        "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid",
    )?;
    let rows = stmt.query_map([table], |r| {
        let name: String = r.get(0)?;
        let ty: String = r.get(1)?;
        let notnull: bool = r.get(2)?;
        let dflt: Option<String> = r.get(3)?;
        let pk: u32 = r.get(4)?;
        let mut decl = if ty.is_empty() {
            "(no type)".to_string()
        } else {
            ty
        };
        if notnull {
            decl.push_str(" NOT NULL");
        }
        if let Some(d) = dflt {
            decl.push_str(" DEFAULT ");
            decl.push_str(&d);
        }
        if pk > 0 {
            decl.push_str(" PRIMARY KEY");
        }
        Ok(Column { name, decl, pk })
    })?;
    rows.collect()
}

/// Collapse whitespace so formatting-only differences in stored SQL do not count.
fn normalise_sql(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn schema_changes(set: &Schema, live: &Schema) -> Vec<SchemaChange> {
    let mut out = Vec::new();
    let names: BTreeSet<&String> = set.tables.keys().chain(live.tables.keys()).collect();
    for name in names {
        match (set.tables.get(name), live.tables.get(name)) {
            (Some(s), None) => out.push(change(
                "table",
                name,
                None,
                Change::Removed,
                Some(&s.sql),
                None,
            )),
            (None, Some(l)) => out.push(change(
                "table",
                name,
                None,
                Change::Added,
                None,
                Some(&l.sql),
            )),
            (Some(s), Some(l)) => {
                for c in &s.columns {
                    match l.columns.iter().find(|x| x.name == c.name) {
                        None => out.push(change(
                            "column",
                            &c.name,
                            Some(name),
                            Change::Removed,
                            Some(&c.decl),
                            None,
                        )),
                        Some(lc) if lc.decl != c.decl => out.push(change(
                            "column",
                            &c.name,
                            Some(name),
                            Change::Changed,
                            Some(&c.decl),
                            Some(&lc.decl),
                        )),
                        Some(_) => {}
                    }
                }
                for c in &l.columns {
                    if !s.columns.iter().any(|x| x.name == c.name) {
                        out.push(change(
                            "column",
                            &c.name,
                            Some(name),
                            Change::Added,
                            None,
                            Some(&c.decl),
                        ));
                    }
                }
                if s.columns.is_empty() && l.columns.is_empty() && s.sql != l.sql {
                    out.push(change(
                        "table",
                        name,
                        None,
                        Change::Changed,
                        Some(&s.sql),
                        Some(&l.sql),
                    ));
                }
            }
            (None, None) => {}
        }
    }
    let keys: BTreeSet<&(String, String)> = set.others.keys().chain(live.others.keys()).collect();
    for key in keys {
        let (kind, name) = key;
        let s = set.others.get(key);
        let l = live.others.get(key);
        let table = s.or(l).map(|(t, _)| t.as_str());
        let what = match (s, l) {
            (Some(_), None) => Change::Removed,
            (None, Some(_)) => Change::Added,
            (Some(a), Some(b)) if a.1 != b.1 => Change::Changed,
            _ => continue,
        };
        out.push(change(
            kind,
            name,
            table,
            what,
            s.map(|x| x.1.as_str()),
            l.map(|x| x.1.as_str()),
        ));
    }
    out
}

fn change(
    object: &str,
    name: &str,
    table: Option<&str>,
    change: Change,
    set: Option<&str>,
    live: Option<&str>,
) -> SchemaChange {
    SchemaChange {
        object: object.to_string(),
        name: name.to_string(),
        table: table.map(str::to_string),
        change,
        set: set.map(str::to_string),
        live: live.map(str::to_string),
    }
}

/// How rows of a table present on both sides are matched.
enum Key {
    /// By rowid; the display name is the INTEGER PRIMARY KEY column when there is one.
    Rowid(String),
    /// By the primary-key columns, in key order.
    Columns(Vec<String>),
}

impl Key {
    fn label(&self) -> String {
        match self {
            Key::Rowid(n) => n.clone(),
            Key::Columns(c) => c.join(", "),
        }
    }
    fn exprs(&self) -> Vec<String> {
        match self {
            Key::Rowid(_) => vec!["rowid".into()],
            Key::Columns(c) => c.iter().map(|c| quote(c)).collect(),
        }
    }
    fn names(&self) -> Vec<String> {
        match self {
            Key::Rowid(n) => vec![n.clone()],
            Key::Columns(c) => c.clone(),
        }
    }
}

fn pk_columns(t: &TableInfo) -> Vec<&Column> {
    let mut pk: Vec<&Column> = t.columns.iter().filter(|c| c.pk > 0).collect();
    pk.sort_by_key(|c| c.pk);
    pk
}

/// An INTEGER PRIMARY KEY column is the rowid under another name.
fn rowid_alias(t: &TableInfo) -> Option<String> {
    let pk = pk_columns(t);
    match pk.as_slice() {
        [c] if !t.without_rowid && c.decl.to_ascii_uppercase().starts_with("INTEGER") => {
            Some(c.name.clone())
        }
        _ => None,
    }
}

fn choose_key(s: &TableInfo, l: &TableInfo) -> Result<Key, String> {
    let pk_s: Vec<String> = pk_columns(s).iter().map(|c| c.name.clone()).collect();
    let pk_l: Vec<String> = pk_columns(l).iter().map(|c| c.name.clone()).collect();
    if !s.without_rowid && !l.without_rowid {
        let alias_s = rowid_alias(s);
        if alias_s.is_some() && alias_s == rowid_alias(l) {
            return Ok(Key::Rowid(alias_s.unwrap_or_default()));
        }
        // A declared non-integer key survives VACUUM; rowids of such tables may not.
        if !pk_s.is_empty() && pk_s == pk_l {
            return Ok(Key::Columns(pk_s));
        }
        return Ok(Key::Rowid("rowid".into()));
    }
    if !pk_s.is_empty() && pk_s == pk_l {
        return Ok(Key::Columns(pk_s));
    }
    Err(format!(
        "primary key differs (set: {}, live: {}); rows not matched",
        pk_s.join(", "),
        pk_l.join(", ")
    ))
}

fn new_table(name: &str, presence: Presence, method: Method) -> TableDiff {
    TableDiff {
        name: name.to_string(),
        presence,
        key: String::new(),
        method,
        set_rows: None,
        live_rows: None,
        rows_added: 0,
        rows_removed: 0,
        rows_changed: 0,
        sample_changed: Vec::new(),
        sample_added: Vec::new(),
        sample_removed: Vec::new(),
        note: None,
        error: None,
    }
}

fn diff_table(
    name: &str,
    set: &Opened,
    live: &Opened,
    s: Option<&TableInfo>,
    l: Option<&TableInfo>,
    sample: usize,
) -> TableDiff {
    match (s, l) {
        (Some(s), Some(l)) => diff_both(name, set, live, s, l, sample),
        (Some(s), None) => {
            let mut t = new_table(name, Presence::OnlySet, Method::Counted);
            match count(set, name, s) {
                Ok(n) => t.set_rows = n,
                Err(e) => t.error = Some(format!("set: {e}")),
            }
            t
        }
        (None, Some(l)) => {
            let mut t = new_table(name, Presence::OnlyLive, Method::Counted);
            match count(live, name, l) {
                Ok(n) => t.live_rows = n,
                Err(e) => t.error = Some(format!("live: {e}")),
            }
            t
        }
        (None, None) => new_table(name, Presence::Both, Method::NotCompared),
    }
}

fn count(side: &Opened, name: &str, t: &TableInfo) -> rusqlite::Result<Option<u64>> {
    if t.is_virtual {
        return Ok(None);
    }
    if !t.without_rowid
        && let Some(pf) = &side.pages
        && let Some(n) = pages::count_rows(pf, t.root)
    {
        return Ok(Some(n));
    }
    let sql = format!("SELECT count(*) FROM main.{}", quote(name));
    side.conn
        .query_row(&sql, [], |r| r.get::<_, i64>(0))
        .map(|n| Some(n as u64))
}

fn diff_both(
    name: &str,
    set: &Opened,
    live: &Opened,
    s: &TableInfo,
    l: &TableInfo,
    sample: usize,
) -> TableDiff {
    let mut t = new_table(name, Presence::Both, Method::RowWalk);
    if s.is_virtual || l.is_virtual {
        t.method = Method::NotCompared;
        t.note = Some("virtual table: its shadow tables are compared instead".into());
        return t;
    }
    let key = match choose_key(s, l) {
        Ok(k) => k,
        Err(note) => {
            t.method = Method::NotCompared;
            t.note = Some(note);
            t.set_rows = count(set, name, s).ok().flatten();
            t.live_rows = count(live, name, l).ok().flatten();
            return t;
        }
    };
    t.key = key.label();
    // Pages first: identical subtrees need no row walk; only differing rowid ranges do.
    let plan = match (&set.pages, &live.pages) {
        (Some(pa), Some(pb)) if !s.without_rowid && !l.without_rowid => {
            pages::plan_table(pa, s.root, pb, l.root)
        }
        _ => None,
    };
    let mut clean_rows = 0;
    let mut ranges = None;
    if let Some(plan) = plan {
        if plan.dirty.is_empty() {
            t.method = Method::IdenticalPages;
            t.set_rows = Some(plan.clean_rows);
            t.live_rows = Some(plan.clean_rows);
            return t;
        }
        // Ranges are rowid ranges: usable when rows are matched by rowid.
        if matches!(key, Key::Rowid(_)) {
            t.method = Method::ChangedPages;
            clean_rows = plan.clean_rows;
            ranges = Some(plan.dirty);
        }
    }
    let key_names = key.names();
    let values: Vec<String> = s
        .columns
        .iter()
        .filter(|c| !key_names.contains(&c.name) && l.columns.iter().any(|x| x.name == c.name))
        .map(|c| c.name.clone())
        .collect();
    let mut set_rows = clean_rows;
    let mut live_rows = clean_rows;
    let result = walk_rows(
        name,
        set,
        live,
        &key,
        &values,
        ranges.as_deref(),
        sample,
        &mut t,
        &mut set_rows,
        &mut live_rows,
    );
    t.set_rows = Some(set_rows);
    t.live_rows = Some(live_rows);
    if let Err((side, e)) = result {
        t.error = Some(format!("{}: {e}", side.as_str()));
        // The walk stopped in places: count each side on its own, as far as it can be read.
        t.set_rows = count(set, name, s).ok().flatten();
        t.live_rows = count(live, name, l).ok().flatten();
    }
    t
}

#[allow(clippy::too_many_arguments)]
fn walk_rows(
    name: &str,
    set: &Opened,
    live: &Opened,
    key: &Key,
    values: &[String],
    ranges: Option<&[(i64, i64)]>,
    sample: usize,
    t: &mut TableDiff,
    set_rows: &mut u64,
    live_rows: &mut u64,
) -> Result<(), (Side, String)> {
    let keys = key.exprs();
    let mut select: Vec<String> = keys.clone();
    select.extend(values.iter().map(|c| quote(c)));
    let sql = format!(
        "SELECT {} FROM main.{}{} ORDER BY {}",
        select.join(", "),
        quote(name),
        if ranges.is_some() {
            " WHERE rowid BETWEEN ?1 AND ?2"
        } else {
            ""
        },
        keys.join(", ")
    );
    let nk = keys.len();
    let key_names = key.names();
    let mut stmt_s = set
        .conn
        .prepare(&sql)
        .map_err(|e| (Side::Set, e.to_string()))?;
    let mut stmt_l = live
        .conn
        .prepare(&sql)
        .map_err(|e| (Side::Live, e.to_string()))?;
    let whole = [(i64::MIN, i64::MAX)];
    // A damaged page stops only its own range: the other ranges are still compared.
    let mut first_error = None;
    let mut failed: Vec<String> = Vec::new();
    for &(from, to) in ranges.unwrap_or(&whole) {
        let params: &[i64] = if ranges.is_some() { &[from, to] } else { &[] };
        let r = merge(
            &mut stmt_s,
            &mut stmt_l,
            params,
            nk,
            &key_names,
            values,
            sample,
            t,
            set_rows,
            live_rows,
        );
        if let Err(e) = r {
            failed.push(range_text(from, to));
            first_error.get_or_insert(e);
        }
    }
    match first_error {
        None => Ok(()),
        Some((side, e)) if ranges.is_some() && failed != ["(all)"] => {
            let shown: Vec<&str> = failed.iter().take(3).map(String::as_str).collect();
            let more = if failed.len() > 3 { ", …" } else { "" };
            Err((
                side,
                format!(
                    "{e}; rows with rowid {}{more} could not be compared, the counts cover the rest",
                    shown.join(", ")
                ),
            ))
        }
        Some((side, e)) if *set_rows + *live_rows == 0 => {
            Err((side, format!("{e}; no rows could be compared")))
        }
        Some((side, e)) => Err((
            side,
            format!("{e}; compared up to there ({set_rows} set rows, {live_rows} live rows read)"),
        )),
    }
}

fn range_text(from: i64, to: i64) -> String {
    match (from, to) {
        (i64::MIN, i64::MAX) => "(all)".into(),
        (i64::MIN, t) => format!("≤ {t}"),
        (f, i64::MAX) => format!("≥ {f}"),
        (f, t) => format!("{f}–{t}"),
    }
}

/// Merge-join one key range of both sides, counting and sampling as it goes.
#[allow(clippy::too_many_arguments)]
fn merge(
    stmt_s: &mut rusqlite::Statement<'_>,
    stmt_l: &mut rusqlite::Statement<'_>,
    params: &[i64],
    nk: usize,
    key_names: &[String],
    values: &[String],
    sample: usize,
    t: &mut TableDiff,
    set_rows: &mut u64,
    live_rows: &mut u64,
) -> Result<(), (Side, rusqlite::Error)> {
    let p = rusqlite::params_from_iter(params.iter());
    let mut rs = stmt_s.query(p).map_err(|e| (Side::Set, e))?;
    let p = rusqlite::params_from_iter(params.iter());
    let mut rl = stmt_l.query(p).map_err(|e| (Side::Live, e))?;
    rs.advance().map_err(|e| (Side::Set, e))?;
    rl.advance().map_err(|e| (Side::Live, e))?;
    loop {
        let ord = match (rs.get(), rl.get()) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(a), Some(b)) => compare_keys(a, b, nk).map_err(|e| (Side::Set, e))?,
        };
        match ord {
            Ordering::Less => {
                if let Some(a) = rs.get() {
                    t.rows_removed += 1;
                    if t.sample_removed.len() < sample {
                        t.sample_removed.push(key_text(a, key_names));
                    }
                }
                *set_rows += 1;
                rs.advance().map_err(|e| (Side::Set, e))?;
            }
            Ordering::Greater => {
                if let Some(b) = rl.get() {
                    t.rows_added += 1;
                    if t.sample_added.len() < sample {
                        t.sample_added.push(key_text(b, key_names));
                    }
                }
                *live_rows += 1;
                rl.advance().map_err(|e| (Side::Live, e))?;
            }
            Ordering::Equal => {
                if let (Some(a), Some(b)) = (rs.get(), rl.get()) {
                    let mut first_diff = None;
                    for i in nk..nk + values.len() {
                        let va = a.get_ref(i).map_err(|e| (Side::Set, e))?;
                        let vb = b.get_ref(i).map_err(|e| (Side::Live, e))?;
                        if !same_value(va, vb) {
                            first_diff = Some(i);
                            break;
                        }
                    }
                    if let Some(first) = first_diff {
                        t.rows_changed += 1;
                        if t.sample_changed.len() < sample {
                            let mut columns = Vec::new();
                            for i in first..nk + values.len() {
                                let va = a.get_ref(i).map_err(|e| (Side::Set, e))?;
                                let vb = b.get_ref(i).map_err(|e| (Side::Live, e))?;
                                if !same_value(va, vb) {
                                    columns.push(ValueChange {
                                        column: values[i - nk].clone(),
                                        set: literal(va),
                                        live: literal(vb),
                                    });
                                }
                            }
                            t.sample_changed.push(ChangedRow {
                                key: key_text(a, key_names),
                                columns,
                            });
                        }
                    }
                }
                *set_rows += 1;
                *live_rows += 1;
                rs.advance().map_err(|e| (Side::Set, e))?;
                rl.advance().map_err(|e| (Side::Live, e))?;
            }
        }
    }
    Ok(())
}

fn compare_keys(a: &Row<'_>, b: &Row<'_>, nk: usize) -> rusqlite::Result<Ordering> {
    for i in 0..nk {
        let o = sqlite_order(a.get_ref(i)?, b.get_ref(i)?);
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(Ordering::Equal)
}

/// SQLite's sort order under BINARY collation: NULL < numbers < text < blobs.
fn sqlite_order(a: ValueRef<'_>, b: ValueRef<'_>) -> Ordering {
    fn class(v: &ValueRef<'_>) -> u8 {
        match v {
            ValueRef::Null => 0,
            ValueRef::Integer(_) | ValueRef::Real(_) => 1,
            ValueRef::Text(_) => 2,
            ValueRef::Blob(_) => 3,
        }
    }
    match (a, b) {
        (ValueRef::Integer(x), ValueRef::Integer(y)) => x.cmp(&y),
        (ValueRef::Integer(x), ValueRef::Real(y)) => (x as f64).total_cmp(&y),
        (ValueRef::Real(x), ValueRef::Integer(y)) => x.total_cmp(&(y as f64)),
        (ValueRef::Real(x), ValueRef::Real(y)) => x.total_cmp(&y),
        (ValueRef::Text(x), ValueRef::Text(y)) | (ValueRef::Blob(x), ValueRef::Blob(y)) => x.cmp(y),
        (a, b) => class(&a).cmp(&class(&b)),
    }
}

/// Same storage class and same value (an integer 1 and a real 1.0 differ: a restore changes it).
fn same_value(a: ValueRef<'_>, b: ValueRef<'_>) -> bool {
    match (a, b) {
        (ValueRef::Null, ValueRef::Null) => true,
        (ValueRef::Integer(x), ValueRef::Integer(y)) => x == y,
        (ValueRef::Real(x), ValueRef::Real(y)) => x.to_bits() == y.to_bits(),
        (ValueRef::Text(x), ValueRef::Text(y)) | (ValueRef::Blob(x), ValueRef::Blob(y)) => x == y,
        _ => false,
    }
}

fn key_text(row: &Row<'_>, names: &[String]) -> String {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let v = row.get_ref(i).map(literal).unwrap_or_else(|_| "?".into());
            format!("{n}={v}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value as an SQL literal, long text and blobs cut to a preview.
pub fn literal(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(r) => format!("{r:?}"),
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t);
            let mut cut: String = s.chars().take(VALUE_PREVIEW).collect();
            if cut.len() < s.len() {
                cut.push('…');
            }
            format!("'{}'", cut.replace('\'', "''"))
        }
        ValueRef::Blob(b) => {
            let hex: String = b
                .iter()
                .take(VALUE_PREVIEW / 2)
                .map(|x| format!("{x:02x}"))
                .collect();
            if b.len() > VALUE_PREVIEW / 2 {
                format!("x'{hex}…' ({} bytes)", b.len())
            } else {
                format!("x'{hex}'")
            }
        }
    }
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_order_puts_null_numbers_text_blobs_in_that_order() {
        let v = [
            ValueRef::Null,
            ValueRef::Integer(-3),
            ValueRef::Real(2.5),
            ValueRef::Integer(3),
            ValueRef::Text(b"A"),
            ValueRef::Text(b"a"),
            ValueRef::Blob(b"\0"),
        ];
        for w in v.windows(2) {
            assert_eq!(sqlite_order(w[0], w[1]), Ordering::Less, "{:?}", w);
        }
    }

    #[test]
    fn literals_quote_text_and_cut_long_blobs() {
        assert_eq!(literal(ValueRef::Text(b"it's")), "'it''s'");
        assert_eq!(literal(ValueRef::Null), "NULL");
        assert!(literal(ValueRef::Blob(&[7u8; 100])).ends_with("(100 bytes)"));
    }

    #[test]
    fn uris_escape_query_characters() {
        let u = uri(Path::new("/a b/c?d#e%f.db"), true).unwrap();
        if cfg!(unix) {
            assert_eq!(u, "file:/a b/c%3fd%23e%25f.db?mode=ro&immutable=1");
        }
    }
}
