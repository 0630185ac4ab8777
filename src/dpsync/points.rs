//! Distribution points as sync sources and targets: the definitions as the scan reads them,
//! a point's name (or a folder) resolved to a root-confined tree, the sync request for
//! `dp sync`, and which point would make the best master. Profile-agnostic: it works on
//! `Inventory::distribution_points`, whichever reader (LANrev table, ePO repositories) filled it.

use super::{Compare, Request, Source, Target};
use crate::context::Context;
use crate::fs::{Confined, Kind};
use crate::inventory::{CheckDepth, DistributionPoint, Inventory, ProgressSink, ScanOptions};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Only the distribution points (definitions, payload listings, mirror comparisons and their
/// findings), without the rest of a full scan.
pub fn scan_points(ctx: &Context, full: bool, progress: &dyn ProgressSink) -> Inventory {
    let mut inv = Inventory::default();
    let opts = ScanOptions {
        depth: if full {
            CheckDepth::Full
        } else {
            CheckDepth::Standard
        },
    };
    crate::inventory::distribution::scan(ctx, &opts, &mut inv, progress);
    crate::inventory::repositories::scan(ctx, &opts, &mut inv, progress);
    inv
}

/// The payload folder of `p`, confined beneath the root.
pub fn tree_of(ctx: &Context, p: &DistributionPoint) -> Result<Confined, String> {
    Confined::stored(&ctx.root, &p.path).map_err(|e| {
        format!(
            "the payload folder of {} is not safely beneath the root: {e}",
            p.name
        )
    })
}

/// Why a sync request cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// A name that is no point (a usage error).
    #[error("no distribution point named '{name}' (defined: {known})")]
    Unknown {
        /// The name.
        name: String,
        /// The names defined.
        known: String,
    },
    /// Refused, with why.
    #[error("{0}")]
    Refused(String),
}

/// The request that brings the points `names` up to `from` (a point's name or a folder;
/// default: the one master). `full` compares by content.
pub fn sync_request(
    ctx: &Context,
    points: &[DistributionPoint],
    names: &[String],
    from: Option<&str>,
    full: bool,
) -> Result<Request, RequestError> {
    let known = || {
        points
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let one = |name: &str| -> Result<&DistributionPoint, RequestError> {
        let found: Vec<&DistributionPoint> = points.iter().filter(|p| p.name == name).collect();
        match found.as_slice() {
            [p] => Ok(p),
            [] => Err(RequestError::Unknown {
                name: name.to_string(),
                known: known(),
            }),
            _ => Err(RequestError::Refused(format!(
                "{} definitions are named '{name}' (ids {}, DP_DUPLICATE): retire or rename one first",
                found.len(),
                found
                    .iter()
                    .map(|p| p.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    };
    let source = match from {
        Some(f) if points.iter().any(|p| p.name == f) => {
            let p = one(f)?;
            Source {
                name: p.name.clone(),
                dir: tree_of(ctx, p).map_err(RequestError::Refused)?,
            }
        }
        Some(f) => {
            let dir = PathBuf::from(f);
            let abs = std::path::absolute(&dir)
                .map_err(|e| RequestError::Refused(format!("--from {f} cannot be located: {e}")))?;
            if !abs.is_dir() {
                return Err(RequestError::Unknown {
                    name: f.to_string(),
                    known: format!("{}; nor is it a folder", known()),
                });
            }
            Source {
                name: abs.display().to_string(),
                dir: Confined::new(abs, "").map_err(|e| RequestError::Refused(e.to_string()))?,
            }
        }
        None => {
            let masters: Vec<&DistributionPoint> = points.iter().filter(|p| p.is_master).collect();
            match masters.as_slice() {
                [m] => Source {
                    name: m.name.clone(),
                    dir: tree_of(ctx, m).map_err(RequestError::Refused)?,
                },
                [] => {
                    return Err(RequestError::Refused(
                        "no point is the master (DP_NO_MASTER): promote one first, or name the source with --from".into(),
                    ));
                }
                many => {
                    return Err(RequestError::Refused(format!(
                        "{} points are masters ({}): demote all but one first, or name the source with --from",
                        many.len(),
                        many.iter()
                            .map(|p| p.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
        }
    };
    let mut targets = Vec::new();
    for name in names {
        let p = one(name)?;
        if p.name == source.name {
            return Err(RequestError::Refused(format!(
                "{name} is the source of this sync; name the mirrors to bring up to it"
            )));
        }
        if targets.iter().any(|t: &Target| t.name == p.name) {
            continue;
        }
        targets.push(Target {
            name: p.name.clone(),
            component: format!("dp:{}", p.name),
            dir: tree_of(ctx, p).map_err(RequestError::Refused)?,
        });
    }
    Ok(Request {
        source,
        targets,
        compare: if full {
            Compare::Content
        } else {
            Compare::SizeAndTime
        },
        first: Vec::new(),
        last: Vec::new(),
    })
}

/// How good a master one point would make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// The point.
    pub name: String,
    /// Whether its payload folder can be read.
    pub reachable: bool,
    /// Payload files it holds.
    pub files: u64,
    /// Files some readable point holds that it lacks.
    pub lacking: u64,
    /// Its newest payload file's modification time.
    pub newest: Option<DateTime<Utc>>,
}

/// Every point judged as a master: readable first, then fewest files lacking against the
/// union of all readable payloads, then newest content, then the current master; the first
/// one is the best (none when no payload can be read).
pub fn master_candidates(ctx: &Context, points: &[DistributionPoint]) -> Vec<Candidate> {
    let mut listings: Vec<(usize, BTreeSet<PathBuf>, Option<DateTime<Utc>>)> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let Ok(dir) = tree_of(ctx, p) else { continue };
        let Ok(root) = dir.open_dir() else { continue };
        let mut files = BTreeSet::new();
        let mut newest: Option<DateTime<Utc>> = None;
        let mut complete = true;
        for e in root.walk() {
            match e {
                Ok(e) if e.meta.kind == Kind::File => {
                    newest = newest.max(e.meta.modified());
                    files.insert(e.rel);
                }
                Ok(_) => {}
                Err(_) => complete = false,
            }
        }
        // A payload that cannot be listed completely cannot be judged complete.
        if complete {
            listings.push((i, files, newest));
        }
    }
    let union: BTreeSet<&Path> = listings
        .iter()
        .flat_map(|(_, files, _)| files.iter().map(PathBuf::as_path))
        .collect();
    let mut out: Vec<(bool, Candidate)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| match listings.iter().find(|(j, _, _)| *j == i) {
            Some((_, files, newest)) => (
                p.is_master,
                Candidate {
                    name: p.name.clone(),
                    reachable: true,
                    files: files.len() as u64,
                    lacking: union.iter().filter(|f| !files.contains(**f)).count() as u64,
                    newest: *newest,
                },
            ),
            None => (
                p.is_master,
                Candidate {
                    name: p.name.clone(),
                    reachable: false,
                    files: 0,
                    lacking: union.len() as u64,
                    newest: None,
                },
            ),
        })
        .collect();
    out.sort_by(|(am, a), (bm, b)| {
        b.reachable
            .cmp(&a.reachable)
            .then(a.lacking.cmp(&b.lacking))
            .then(b.newest.cmp(&a.newest))
            .then(bm.cmp(am))
            .then(a.name.cmp(&b.name))
    });
    out.into_iter().map(|(_, c)| c).collect()
}
