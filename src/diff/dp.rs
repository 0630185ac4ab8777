//! Distribution points for `dp:NAME`: their definitions from the live database (the profile
//! says which table and columns) and the payload a point is compared with.

use super::databases;
use crate::context::Context;
use crate::findings::Finding;
use crate::fs::{Confined, Kind};
use crate::inventory::BackupSet;
use crate::inventory::distribution::unsafe_path;
use std::path::Path;

/// Why `dp:NAME` cannot be compared.
pub(super) enum Refusal {
    /// A payload path leads outside the root: refused, nothing read (`DP_PATH_UNSAFE`).
    Unsafe(Finding),
    /// Anything else, as a sentence.
    Other(String),
}

/// For `dp:NAME`: the reference payload (the set's copy under `DistributionPoints/NAME`
/// when the set carries one, else the master's payload), what it is, and the point's payload.
pub(super) fn paths(
    ctx: &Context,
    set: &BackupSet,
    name: &str,
) -> Result<(Confined, String, Confined), Refusal> {
    let points = read_points(ctx).map_err(Refusal::Other)?;
    let point = points.iter().find(|p| p.0 == name).ok_or_else(|| {
        let known: Vec<&str> = points.iter().map(|p| p.0.as_str()).collect();
        Refusal::Other(format!(
            "no distribution point named '{name}' (known: {})",
            known.join(", ")
        ))
    })?;
    let payload = confined(ctx, point)?;
    let in_set = Confined::new(&set.path, Path::new("DistributionPoints").join(name))
        .map_err(|e| Refusal::Unsafe(unsafe_path(name, &e)))?;
    if matches!(in_set.stat(), Ok(Some(m)) if m.kind == Kind::Dir) {
        let what = format!("the set's copy of '{name}'");
        return Ok((in_set, what, payload));
    }
    // The first master whose payload can be read (a dead master is no reference), as the
    // scan chooses; else the first master, whose folder then reports itself.
    let readable =
        |p: &&&Point| Confined::stored(&ctx.root, &p.1).is_ok_and(|c| c.open_dir().is_ok());
    let masters: Vec<&Point> = points.iter().filter(|p| p.2 && p.0 != name).collect();
    let master = masters
        .iter()
        .find(readable)
        .or(masters.first())
        .copied()
        .ok_or_else(|| {
            Refusal::Other(format!(
                "'{name}' has no reference to compare with: the set has no DistributionPoints/{name} and there is no other master"
            ))
        })?;
    let what = format!("the master '{}'", master.0);
    Ok((confined(ctx, master)?, what, payload))
}

fn confined(ctx: &Context, point: &Point) -> Result<Confined, Refusal> {
    Confined::stored(&ctx.root, &point.1).map_err(|e| Refusal::Unsafe(unsafe_path(&point.0, &e)))
}

/// (name, stored payload path, is_master) of a distribution point.
type Point = (String, std::path::PathBuf, bool);

/// (name, payload path, is_master) of every distribution point in the live database.
fn read_points(ctx: &Context) -> Result<Vec<Point>, String> {
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
    // SQLite opens by name and follows links: the name is checked through the layer first.
    crate::fs::checked_file(&ctx.root, &db).map_err(|e| e.to_string())?;
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
    let read = || -> rusqlite::Result<Vec<Point>> {
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([], |r| {
            let name: String = r.get(0)?;
            let path: String = r.get(1)?;
            let master: Option<i64> = r.get(2)?;
            Ok((name, path.into(), master.unwrap_or(0) != 0))
        })?;
        rows.collect()
    };
    read().map_err(|e| format!("{}: cannot read table {}: {e}", db.display(), src.table))
}
