//! The row walk of a database diff: how rows are matched (rowid or primary key), and the
//! streaming merge-join of both sides in key order with counts and sample rows.

use super::open::Opened;
use super::schema::{Column, TableInfo};
use super::{ChangedRow, TableDiff, ValueChange};
use rusqlite::Row;
use rusqlite::fallible_streaming_iterator::FallibleStreamingIterator;
use rusqlite::types::ValueRef;
use std::cmp::Ordering;

/// Longest text or blob shown in a sample value before it is cut.
const VALUE_PREVIEW: usize = 80;

/// Which side a read error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    Set,
    Live,
}

impl Side {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Side::Set => "set",
            Side::Live => "live",
        }
    }
}

/// How rows of a table present on both sides are matched.
pub(super) enum Key {
    /// By rowid; the display name is the INTEGER PRIMARY KEY column when there is one.
    Rowid(String),
    /// By the primary-key columns, in key order.
    Columns(Vec<String>),
}

impl Key {
    pub(super) fn label(&self) -> String {
        match self {
            Key::Rowid(n) => n.clone(),
            Key::Columns(c) => c.join(", "),
        }
    }
    pub(super) fn exprs(&self) -> Vec<String> {
        match self {
            Key::Rowid(_) => vec!["rowid".into()],
            Key::Columns(c) => c.iter().map(|c| quote(c)).collect(),
        }
    }
    pub(super) fn names(&self) -> Vec<String> {
        match self {
            Key::Rowid(n) => vec![n.clone()],
            Key::Columns(c) => c.clone(),
        }
    }
}

pub(super) fn pk_columns(t: &TableInfo) -> Vec<&Column> {
    let mut pk: Vec<&Column> = t.columns.iter().filter(|c| c.pk > 0).collect();
    pk.sort_by_key(|c| c.pk);
    pk
}

/// An INTEGER PRIMARY KEY column is the rowid under another name.
pub(super) fn rowid_alias(t: &TableInfo) -> Option<String> {
    let pk = pk_columns(t);
    match pk.as_slice() {
        [c] if !t.without_rowid && c.decl.to_ascii_uppercase().starts_with("INTEGER") => {
            Some(c.name.clone())
        }
        _ => None,
    }
}

pub(super) fn choose_key(s: &TableInfo, l: &TableInfo) -> Result<Key, String> {
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

#[allow(clippy::too_many_arguments)]
pub(super) fn walk_rows(
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

pub(super) fn range_text(from: i64, to: i64) -> String {
    match (from, to) {
        (i64::MIN, i64::MAX) => "(all)".into(),
        (i64::MIN, t) => format!("≤ {t}"),
        (f, i64::MAX) => format!("≥ {f}"),
        (f, t) => format!("{f}–{t}"),
    }
}

/// Merge-join one key range of both sides, counting and sampling as it goes.
#[allow(clippy::too_many_arguments)]
pub(super) fn merge(
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

pub(super) fn compare_keys(a: &Row<'_>, b: &Row<'_>, nk: usize) -> rusqlite::Result<Ordering> {
    for i in 0..nk {
        let o = sqlite_order(a.get_ref(i)?, b.get_ref(i)?);
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(Ordering::Equal)
}

/// SQLite's sort order under BINARY collation: NULL < numbers < text < blobs.
pub(super) fn sqlite_order(a: ValueRef<'_>, b: ValueRef<'_>) -> Ordering {
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
pub(super) fn same_value(a: ValueRef<'_>, b: ValueRef<'_>) -> bool {
    match (a, b) {
        (ValueRef::Null, ValueRef::Null) => true,
        (ValueRef::Integer(x), ValueRef::Integer(y)) => x == y,
        (ValueRef::Real(x), ValueRef::Real(y)) => x.to_bits() == y.to_bits(),
        (ValueRef::Text(x), ValueRef::Text(y)) | (ValueRef::Blob(x), ValueRef::Blob(y)) => x == y,
        _ => false,
    }
}

pub(super) fn key_text(row: &Row<'_>, names: &[String]) -> String {
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

pub(super) fn quote(ident: &str) -> String {
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
}
