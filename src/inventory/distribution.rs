//! Distribution points: definitions read through the profile's adapter (a table in a live
//! database, opened read-only), each point's payload folder listed, and every mirror compared
//! with the master (size and time, or content with a full check).

use crate::context::Context;
use crate::findings::{Code, Finding};
use crate::fs::{Confined, FsError};
use crate::inventory::tree::{self, Depth};
use crate::inventory::{
    CheckDepth, DistributionPoint, Inventory, Progress, ProgressSink, ScanOptions,
};
use crate::profile::DistributionPointSource;
use std::path::{Path, PathBuf};

/// Component id of findings about the set of points as a whole.
const ALL_POINTS: &str = "distribution_points";

/// Example paths kept per point.
const SAMPLES: usize = 5;

/// Read and check every distribution point into `inv`.
pub fn scan(ctx: &Context, opts: &ScanOptions, inv: &mut Inventory, progress: &dyn ProgressSink) {
    let Some((db_path, read)) = load(ctx) else {
        return;
    };
    let mut points = match read {
        Ok(p) => p,
        Err(DefinitionsError::Table(why)) => {
            // The database opens, but its definitions table is missing or unreadable.
            inv.findings.push(
                Finding::new(
                    Code::DpDefinitionsUnreadable,
                    ALL_POINTS,
                    format!("distribution points cannot be read: {why}"),
                )
                .at(&db_path),
            );
            return;
        }
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
    // Findings about each point, in point order; the set's findings follow them.
    let mut about: Vec<Vec<Finding>> = vec![Vec::new(); points.len()];
    let mut dirs = Vec::with_capacity(points.len());
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
        // A path from the database is data, not a place to go: it must lie beneath the root.
        let dir = match Confined::stored(&ctx.root, &p.path) {
            Ok(d) => d,
            Err(e) => {
                about[n].push(unsafe_path(&p.name, &e));
                dirs.push(None);
                continue;
            }
        };
        p.path = dir.path();
        // Only opened here: what it holds is counted by the one walk that compares it.
        match dir.open_dir() {
            Ok(_) => {
                p.reachable = true;
                dirs.push(Some(dir));
            }
            Err(why) => {
                let finding = if why.is_link() {
                    unsafe_path(&p.name, &why).at(&p.path)
                } else {
                    unreachable(p, &id, &why)
                };
                about[n].push(finding);
                dirs.push(None);
            }
        }
    }

    let masters: Vec<usize> = (0..points.len()).filter(|&i| points[i].is_master).collect();
    let mut findings = duplicates(&points);
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
    // first reachable one in definition order (the others are compared with it too). The
    // comparisons run side by side, and each one's walks also count what the points hold.
    let reference = masters.iter().copied().find(|&i| dirs[i].is_some());
    let content = opts.depth == CheckDepth::Full;
    let depth = if content {
        Depth::Content
    } else {
        Depth::SizeAndTime
    };
    let mut summaries: Vec<Option<Result<tree::Summary, FsError>>> =
        (0..points.len()).map(|_| None).collect();
    let mut diffs: Vec<Option<tree::FolderDiff>> = (0..points.len()).map(|_| None).collect();
    if let Some(m) = reference
        && let Some(master_dir) = dirs[m].as_ref()
    {
        // One walk of the master for all mirrors; by content, each master file is read once.
        let mirrors: Vec<(usize, &Confined)> = dirs
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != m)
            .filter_map(|(i, d)| Some((i, d.as_ref()?)))
            .collect();
        let folders: Vec<&Confined> = mirrors.iter().map(|&(_, d)| d).collect();
        let label = format!("dp:{}", points[m].name);
        let compared =
            tree::compare_mirrors(master_dir, &folders, depth, SAMPLES, &label, progress);
        let compared = mirrors.iter().map(|&(i, _)| i).zip(compared);
        for (i, c) in compared {
            if summaries[m].is_none() {
                summaries[m] = c.reference.map(Ok);
            }
            summaries[i] = c.other.map(Ok);
            diffs[i] = Some(c.diff);
        }
    }
    // Points no comparison walked (no master, or a master with no mirror) are counted alone.
    for (i, d) in dirs.iter().enumerate() {
        if let (Some(dir), None) = (d, &summaries[i]) {
            summaries[i] = Some(tree::summarize(dir));
        }
    }
    for (i, p) in points.iter_mut().enumerate() {
        let id = format!("dp:{}", p.name);
        match summaries[i].take() {
            Some(Ok(s)) => {
                p.files = s.files;
                p.bytes = s.bytes;
                about[i].extend(
                    s.links_out
                        .iter()
                        .map(|(l, t)| super::folders::link_out(&id, l, t)),
                );
            }
            // Gone or replaced since it was opened above.
            Some(Err(why)) => {
                p.reachable = false;
                about[i].push(unreachable(p, &id, &why));
            }
            None => {}
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

    if let Some(m) = reference {
        let master_name = points[m].name.clone();
        for (i, p) in points.iter_mut().enumerate() {
            let Some(d) = diffs[i].take() else {
                continue;
            };
            let id = format!("dp:{}", p.name);
            // Counted in full; only the first few of each kind are listed.
            p.missing = d.totals.missing;
            p.extra = d.totals.extra;
            p.changed = d.totals.changed;
            p.samples = d.samples(SAMPLES);
            if p.missing + p.extra + p.changed > 0 {
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
    let findings: Vec<Finding> = about.into_iter().flatten().chain(findings).collect();
    inv.distribution_points = points;
    inv.findings.extend(findings);
}

/// The definitions database of the profile and what reading its table gave; `None` when the
/// profile defines no distribution points.
fn load(ctx: &Context) -> Option<(PathBuf, Result<Vec<DistributionPoint>, DefinitionsError>)> {
    let source = ctx.profile.distribution_points.as_ref()?;
    let db = ctx.profile.database(&source.database)?;
    let db_path = ctx.live(&db.path);
    // SQLite opens by name and follows links: the name is checked through the layer first.
    if let Err(e) = crate::fs::checked_file(&ctx.root, &db_path)
        && !e.is_not_found()
    {
        return Some((db_path, Err(DefinitionsError::Database(e.to_string()))));
    }
    let read = read_definitions(&db_path, source);
    Some((db_path, read))
}

/// The definitions alone, read as [`scan`] reads them, with no payload folder listed or
/// compared: for a caller that walks the trees itself (`dp sync` plans from one walk of each
/// tree). Empty when none can be read (the scan's findings say why).
pub fn definitions(ctx: &Context) -> Vec<DistributionPoint> {
    match load(ctx) {
        Some((_, Ok(points))) => points,
        _ => Vec::new(),
    }
}

/// `DP_DUPLICATE` for every name or payload folder that more than one definition holds (paths
/// compared as resolved beneath the root; refused paths are reported as `DP_PATH_UNSAFE`).
pub fn duplicates(points: &[DistributionPoint]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut by_name: std::collections::BTreeMap<&str, Vec<&DistributionPoint>> =
        std::collections::BTreeMap::new();
    let mut by_path: std::collections::BTreeMap<&Path, Vec<&DistributionPoint>> =
        std::collections::BTreeMap::new();
    for p in points {
        by_name.entry(p.name.as_str()).or_default().push(p);
        if p.path.is_absolute() {
            by_path.entry(p.path.as_path()).or_default().push(p);
        }
    }
    let ids = |v: &[&DistributionPoint]| {
        v.iter()
            .map(|p| format!("id {} ({})", p.id, p.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (name, v) in by_name.iter().filter(|(_, v)| v.len() > 1) {
        out.push(Finding::new(
            Code::DpDuplicate,
            format!("dp:{name}"),
            format!(
                "{} definitions are named '{name}' ({}): drconsole cannot tell them apart",
                v.len(),
                ids(v)
            ),
        ));
    }
    for (path, v) in by_path.iter().filter(|(_, v)| v.len() > 1) {
        out.push(
            Finding::new(
                Code::DpDuplicate,
                format!("dp:{}", v[0].name),
                format!(
                    "{} definitions share the payload folder {} ({}): a mirror that is its own master protects nothing",
                    v.len(),
                    path.display(),
                    ids(v)
                ),
            )
            .at(path),
        );
    }
    out
}

fn names(points: &[DistributionPoint], keep: impl Fn(&DistributionPoint) -> bool) -> String {
    points
        .iter()
        .filter(|p| keep(p))
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `DP_UNREACHABLE` for a point whose payload folder cannot be opened.
fn unreachable(p: &DistributionPoint, id: &str, why: &FsError) -> Finding {
    Finding::new(
        Code::DpUnreachable,
        id,
        format!(
            "the payload folder of distribution point {} ({}) cannot be read: {why}",
            p.name, p.address
        ),
    )
    .at(&p.path)
}

/// The `DP_PATH_UNSAFE` finding for a point whose stored payload path was refused (outside
/// the root, the root itself, or through a link): nothing under it is read.
pub fn unsafe_path(name: &str, e: &FsError) -> Finding {
    let path = match e {
        FsError::Escape { path, .. } | FsError::Link { path, .. } => path.clone(),
        _ => PathBuf::new(),
    };
    Finding::new(
        Code::DpPathUnsafe,
        format!("dp:{name}"),
        format!(
            "the payload folder of distribution point {name} is not safely beneath the root: {e}; nothing was read"
        ),
    )
    .at(path)
}

/// Why the definitions could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionsError {
    /// The database is missing or cannot be opened (its own findings say why).
    #[error("{0}")]
    Database(String),
    /// The database opens, but the table or its columns cannot be read.
    #[error("{0}")]
    Table(String),
}

/// Read the definitions table, read-only; why not, as a sentence.
pub fn read_definitions(
    db: &Path,
    source: &DistributionPointSource,
) -> Result<Vec<DistributionPoint>, DefinitionsError> {
    if !db.is_file() {
        return Err(DefinitionsError::Database(format!(
            "{} does not exist",
            db.display()
        )));
    }
    // Opened like an integrity check: WAL content included, no -shm created beside it.
    let conn = super::sqlite::open(db, super::sqlite::Mutability::Live).map_err(|e| {
        DefinitionsError::Database(format!("{} cannot be opened: {e}", db.display()))
    })?;
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
        let why = format!(
            "table {} in {} cannot be read: {e}",
            source.table,
            db.display()
        );
        // A damaged file is the database's finding; a missing table or column is ours.
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
            | Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                DefinitionsError::Database(why)
            }
            _ => DefinitionsError::Table(why),
        }
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
