//! Distribution points: definitions read through the profile's adapter (a table in a live
//! database, opened read-only), each point's payload folder listed, and every mirror compared
//! with the master (size and time, or content with a full check).

use crate::context::Context;
use crate::findings::{Code, Finding};
use crate::inventory::{
    CheckDepth, DistributionPoint, Inventory, Progress, ProgressSink, ScanOptions, tree,
};
use crate::profile::DistributionPointSource;
use std::path::{Path, PathBuf};

/// Component id of findings about the set of points as a whole.
const ALL_POINTS: &str = "distribution_points";

/// Example paths kept per point.
const SAMPLES: usize = 5;

/// Read and check every distribution point into `inv`.
pub fn scan(ctx: &Context, opts: &ScanOptions, inv: &mut Inventory, progress: &dyn ProgressSink) {
    let Some(source) = &ctx.profile.distribution_points else {
        return;
    };
    let Some(db) = ctx.profile.database(&source.database) else {
        return;
    };
    let db_path = ctx.live(&db.path);
    let mut points = match read_definitions(&db_path, source) {
        Ok(p) => p,
        Err(why) => {
            // The database's own findings (missing, corrupt) already say what is wrong.
            inv.notes
                .push(format!("distribution points not checked: {why}"));
            return;
        }
    };
    if points.is_empty() {
        inv.notes.push(format!(
            "no distribution points are defined in {}",
            db_path.display()
        ));
        return;
    }
    for p in &mut points {
        p.path = resolve_path(ctx, &p.path);
    }
    let mut findings = Vec::new();
    let mut trees = Vec::with_capacity(points.len());
    let total = points.len() as u64;
    for (n, p) in points.iter_mut().enumerate() {
        let id = format!("dp:{}", p.name);
        progress.report(Progress {
            job: "distribution points".into(),
            label: id.clone(),
            done: n as u64,
            total,
            bytes_done: 0,
            bytes_total: 0,
            finished: false,
        });
        let listed = if p.path.is_dir() {
            tree::list(&p.path, &id, &mut findings).map_err(|f| f.message)
        } else if p.path.exists() {
            Err(format!("{} is not a folder", p.path.display()))
        } else {
            Err(format!("{} does not exist", p.path.display()))
        };
        match listed {
            Ok(t) => {
                p.reachable = true;
                p.files = t.files.len() as u64;
                p.bytes = t.bytes;
                trees.push(Some(t));
            }
            Err(why) => {
                findings.push(
                    Finding::new(
                        Code::DpUnreachable,
                        &id,
                        format!(
                            "the payload folder of distribution point {} ({}) cannot be read: {why}",
                            p.name, p.address
                        ),
                    )
                    .at(&p.path),
                );
                trees.push(None);
            }
        }
    }

    progress.report(Progress {
        job: "distribution points".into(),
        label: "listed".into(),
        done: total,
        total,
        bytes_done: 0,
        bytes_total: 0,
        finished: true,
    });

    let masters: Vec<usize> = (0..points.len()).filter(|&i| points[i].is_master).collect();
    match masters.len() {
        0 => findings.push(Finding::new(
            Code::DpNoMaster,
            ALL_POINTS,
            format!(
                "none of the {} distribution points ({}) is the master",
                points.len(),
                names(&points, |_| true)
            ),
        )),
        1 => {}
        n => findings.push(Finding::new(
            Code::DpMultipleMasters,
            ALL_POINTS,
            format!(
                "{n} distribution points are masters ({}); there must be exactly one",
                names(&points, |p| p.is_master)
            ),
        )),
    }
    if points.len() == 1 {
        findings.push(Finding::new(
            Code::DpSingle,
            ALL_POINTS,
            format!(
                "{} is the only distribution point: a lost point means lost payloads",
                points[0].name
            ),
        ));
    }

    // Every other reachable point is compared with the master; with several masters, with the
    // first reachable one in definition order (the others are compared with it too).
    let reference = masters.iter().copied().find(|&i| trees[i].is_some());
    if let Some(m) = reference
        && let Some(master_tree) = trees[m].take()
    {
        let content = opts.depth == CheckDepth::Full;
        let master_name = points[m].name.clone();
        for (i, p) in points.iter_mut().enumerate() {
            let Some(mirror) = trees[i].as_ref().filter(|_| i != m) else {
                continue;
            };
            let id = format!("dp:{}", p.name);
            let d = tree::diff(&master_tree, mirror, content, &id, progress);
            p.missing = d.missing.len() as u64;
            p.extra = d.extra.len() as u64;
            p.changed = d.changed.len() as u64;
            p.samples = d.samples(SAMPLES);
            if d.total() > 0 {
                findings.push(
                    Finding::new(
                        Code::DpOutOfSync,
                        &id,
                        format!(
                            "{} differs from the master {master_name}: {} missing, {} extra, {} changed ({}){}",
                            p.name,
                            p.missing,
                            p.extra,
                            p.changed,
                            if content { "by content" } else { "by size and time" },
                            if p.samples.is_empty() {
                                String::new()
                            } else {
                                format!("; e.g. {}", p.samples.join(", "))
                            }
                        ),
                    )
                    .at(&p.path),
                );
            }
        }
    }
    inv.distribution_points = points;
    inv.findings.extend(findings);
}

fn names(points: &[DistributionPoint], keep: impl Fn(&DistributionPoint) -> bool) -> String {
    points
        .iter()
        .filter(|p| keep(p))
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A stored path: absolute as given, relative ones under the root.
fn resolve_path(ctx: &Context, stored: &Path) -> PathBuf {
    if stored.is_absolute() {
        stored.to_path_buf()
    } else {
        ctx.root.join(stored)
    }
}

/// Read the definitions table, read-only; why not, as a sentence.
pub fn read_definitions(
    db: &Path,
    source: &DistributionPointSource,
) -> Result<Vec<DistributionPoint>, String> {
    if !db.is_file() {
        return Err(format!("{} does not exist", db.display()));
    }
    // Opened like an integrity check: WAL content included, no -shm created beside it.
    let conn = super::sqlite::open(db, super::sqlite::Mutability::Live)
        .map_err(|e| format!("{} cannot be opened: {e}", db.display()))?;
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let sql = format!(
        "SELECT {}, {}, {}, {}, {} FROM {} ORDER BY {}",
        q(&source.id_column),
        q(&source.name_column),
        q(&source.address_column),
        q(&source.path_column),
        q(&source.master_column),
        q(&source.table),
        q(&source.id_column),
    );
    let unreadable = |e: rusqlite::Error| {
        format!(
            "table {} in {} cannot be read: {e}",
            source.table,
            db.display()
        )
    };
    let mut stmt = conn.prepare(&sql).map_err(unreadable)?;
    let rows = stmt
        .query_map([], |row| {
            let text = |i: usize| -> rusqlite::Result<String> {
                Ok(row.get::<_, Option<String>>(i)?.unwrap_or_default())
            };
            Ok(DistributionPoint {
                id: row.get(0)?,
                name: text(1)?,
                address: text(2)?,
                path: PathBuf::from(text(3)?),
                is_master: row.get::<_, Option<i64>>(4)?.unwrap_or(0) != 0,
                ..DistributionPoint::default()
            })
        })
        .map_err(unreadable)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(unreadable)
}
