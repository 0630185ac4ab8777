//! Distribution points for `dp:NAME`: their definitions from the live database (the profile
//! says which table and columns) and the payload a point is compared with.

use super::databases;
use crate::context::Context;
use crate::inventory::BackupSet;
use std::path::{Path, PathBuf};

/// For `dp:NAME`: the reference payload (the set's copy under `DistributionPoints/NAME`
/// when the set carries one, else the master's payload), what it is, and the point's payload.
pub(super) fn paths(
    ctx: &Context,
    set: &BackupSet,
    name: &str,
) -> Result<(PathBuf, String, PathBuf), String> {
    let points = read_points(ctx)?;
    let point = points.iter().find(|p| p.0 == name).ok_or_else(|| {
        let known: Vec<&str> = points.iter().map(|p| p.0.as_str()).collect();
        format!(
            "no distribution point named '{name}' (known: {})",
            known.join(", ")
        )
    })?;
    let in_set = set.path.join("DistributionPoints").join(name);
    if in_set.is_dir() {
        let what = format!("the set's copy of '{name}'");
        return Ok((in_set, what, point.1.clone()));
    }
    let master = points
        .iter()
        .find(|p| p.2 && p.0 != name)
        .ok_or_else(|| {
            format!(
                "'{name}' has no reference to compare with: the set has no DistributionPoints/{name} and there is no other master"
            )
        })?;
    let what = format!("the master '{}'", master.0);
    Ok((master.1.clone(), what, point.1.clone()))
}

/// (name, payload path, is_master) of every distribution point in the live database.
fn read_points(ctx: &Context) -> Result<Vec<(String, PathBuf, bool)>, String> {
    let src = ctx
        .profile
        .distribution_points
        .as_ref()
        .ok_or("the profile defines no distribution points")?;
    let db = ctx
        .profile
        .database(&src.database)
        .map(|d| ctx.live(&d.path))
        .ok_or("the profile's distribution-point database is not defined")?;
    let conn = databases::open_read_only(&db, false)
        .map_err(|e| format!("{}: cannot open: {e}", db.display()))?;
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let sql = format!(
        "SELECT {}, {}, {} FROM {}",
        q(&src.name_column),
        q(&src.path_column),
        q(&src.master_column),
        q(&src.table)
    );
    let read = || -> rusqlite::Result<Vec<(String, PathBuf, bool)>> {
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([], |r| {
            let name: String = r.get(0)?;
            let path: String = r.get(1)?;
            let master: Option<i64> = r.get(2)?;
            Ok((
                name,
                payload_path(ctx, Path::new(&path)),
                master.unwrap_or(0) != 0,
            ))
        })?;
        rows.collect()
    };
    read().map_err(|e| format!("{}: cannot read table {}: {e}", db.display(), src.table))
}

/// A payload path as reachable from here: absolute paths as they are, relative ones under the root.
fn payload_path(ctx: &Context, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        ctx.live(p)
    }
}
