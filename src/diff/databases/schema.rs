//! Schemas of both sides of a database diff: tables with their columns, indexes, views and
//! triggers, and the schema changes between them.

use super::SchemaChange;
use crate::diff::Change;
use rusqlite::Connection;
use std::collections::{BTreeMap, BTreeSet};

/// One side's schema.
#[derive(Default)]
pub(super) struct Schema {
    pub(super) tables: BTreeMap<String, TableInfo>,
    /// (kind, name) → (table, normalised SQL) for indexes, views and triggers.
    pub(super) others: BTreeMap<(String, String), (String, String)>,
}

pub(super) struct TableInfo {
    pub(super) root: u32,
    pub(super) sql: String,
    pub(super) columns: Vec<Column>,
    pub(super) without_rowid: bool,
    pub(super) is_virtual: bool,
}

#[derive(Clone, PartialEq, Eq)]
pub(super) struct Column {
    pub(super) name: String,
    pub(super) decl: String,
    /// 1-based position in the primary key, 0 when not part of it.
    pub(super) pk: u32,
}

pub(super) fn read_schema(conn: &Connection) -> rusqlite::Result<Schema> {
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

pub(super) fn read_columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<Column>> {
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
pub(super) fn normalise_sql(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn schema_changes(set: &Schema, live: &Schema) -> Vec<SchemaChange> {
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

pub(super) fn change(
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
