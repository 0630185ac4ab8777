//! Database diff: schema changes, row counts, and rows added/removed/changed by primary key
//! (or rowid) between a backup member (the "set" side, older) and the live database.
//! Pages first (`pages`): identical subtrees are skipped; the rest is streamed in key order
//! through a merge-join (`rows`), so memory stays bounded whatever the table size.

mod open;
mod rows;
mod schema;

use super::Change;
use super::pages;
use crate::inventory::{Progress, ProgressSink};
use open::{Opened, open_side};
use rows::{Key, choose_key, quote, walk_rows};
use schema::{TableInfo, schema_changes};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use open::open_read_only;
pub use rows::literal;

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
    if let Some(pf) = &side.pages
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
    // WITHOUT ROWID tables are keyed b-trees: identical or walked whole.
    if s.without_rowid
        && l.without_rowid
        && let (Some(pa), Some(pb)) = (&set.pages, &live.pages)
        && let Some(rows) = pages::identical_rows(pa, s.root, pb, l.root)
    {
        t.method = Method::IdenticalPages;
        t.set_rows = Some(rows);
        t.live_rows = Some(rows);
        return t;
    }
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
