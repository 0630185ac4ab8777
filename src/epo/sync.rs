//! The ePO side of `dp sync`: from repository names and a source, the one sync engine's
//! request (`dpsync::Request`) in the order replication uses — per repository `SiteStat.xml`
//! set Disabled first, content (compared with the source's verified replica.log hashes), the
//! `replica.log`s, `catalog.z`, then `SiteStat.xml` Enabled with the source's catalog version
//! last — so a crash leaves each repository whole-before or Disabled, never Enabled with mixed
//! content. The source must verify against its own replica.logs before anything is planned.

use super::sitestat::{self, SiteStat, Status};
use super::verify::{self, RepoReport};
use super::{CATALOG, REPLICA_LOG, SITESTAT};
use crate::context::Context;
use crate::dpsync::{self, Compare, Content, Request, Write};
use crate::fs::{Confined, Kind, Root};
use crate::inventory::ProgressSink;
use crate::inventory::repositories::{self, Checked, Place, Target};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why an ePO sync cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum EpoSyncError {
    /// The profile has no repositories.
    #[error(
        "profile {0} has no repositories: dp sync of ePO repositories needs an ePO profile (--profile epo-windows)"
    )]
    NoRepositories(String),
    /// A name that is not a repository.
    #[error("{name} is not a repository: known are {known} (add others with --repo NAME=DIR)")]
    Unknown { name: String, known: String },
    /// No source named and none verifies.
    #[error(
        "no repository verifies completely, so there is no source to sync from: give one with --from NAME|DIR (a verified copy, e.g. of the vendor's update site)"
    )]
    NoSource,
    /// The source does not verify against its own files.
    #[error("the source {name} does not verify against its own replica.logs, so nothing is written: {}", .problems.join("; "))]
    SourceUnverified { name: String, problems: Vec<String> },
    /// A target is the source.
    #[error("{0} is the source: it cannot be synced from itself")]
    TargetIsSource(String),
    /// A target cannot be read or written.
    #[error("repository {name} cannot be synced: {why}")]
    Target { name: String, why: String },
    /// The engine refused.
    #[error(transparent)]
    Engine(#[from] dpsync::SyncError),
}

/// The catalog version a sync moves a repository from and to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VersionChange {
    /// The repository.
    pub name: String,
    /// Its catalog version now (`None`: unreadable SiteStat.xml).
    pub from: Option<String>,
    /// The source's catalog version it will have.
    pub to: String,
}

/// An ePO sync ready for the engine.
#[derive(Debug)]
pub struct EpoSync {
    /// The engine's request (targets that are already up to date left out).
    pub request: Request,
    /// Per target in the request: the catalog version change.
    pub versions: Vec<VersionChange>,
    /// Named repositories left out because they already equal the source.
    pub up_to_date: Vec<String>,
}

/// Plan-ready request to bring the repositories `names` up to `from` (a repository name or a
/// folder; default: the master, else the recommended source). `full` compares every byte and
/// rewrites every replica.log and catalog.z instead of trusting the verified hashes.
pub fn request(
    ctx: &Context,
    names: &[String],
    from: Option<&str>,
    full: bool,
    progress: &dyn ProgressSink,
) -> Result<EpoSync, EpoSyncError> {
    let layout = ctx
        .profile
        .repositories
        .as_ref()
        .ok_or_else(|| EpoSyncError::NoRepositories(ctx.profile.name.clone()))?;
    let mut notes = Vec::new();
    let all = repositories::targets(ctx, layout, &mut notes);
    let known = || {
        all.iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut wanted: Vec<Target> = Vec::new();
    for n in names {
        let t = all
            .iter()
            .find(|t| t.name == *n)
            .ok_or_else(|| EpoSyncError::Unknown {
                name: n.clone(),
                known: known(),
            })?;
        if !wanted.iter().any(|w| w.name == t.name) {
            wanted.push(t.clone());
        }
    }
    // The source: named, a folder, or the recommended one (which needs every repository
    // verified to be chosen).
    // Repositories verified while choosing the source: the targets among them are not hashed
    // a second time below.
    let mut verified: Vec<Checked> = Vec::new();
    let source: Checked = match from {
        Some(f) if all.iter().any(|t| t.name == f) => {
            let t = all.iter().find(|t| t.name == f).cloned();
            repositories::verify_all(t.into_iter().collect(), progress)
                .pop()
                .ok_or(EpoSyncError::NoSource)?
        }
        Some(dir) => {
            let p = PathBuf::from(dir);
            let abs = if p.is_absolute() { p } else { ctx.root.join(p) };
            let t = Target {
                name: abs.display().to_string(),
                origin: "--from",
                address: abs.display().to_string(),
                place: Place::Given(abs),
            };
            repositories::verify_all(vec![t], progress)
                .pop()
                .ok_or(EpoSyncError::NoSource)?
        }
        None => {
            let mut checked = repositories::verify_all(all.clone(), progress);
            let (_, best) = repositories::reference(&checked);
            let best = best.ok_or(EpoSyncError::NoSource)?;
            let best = checked.swap_remove(best);
            verified = checked;
            best
        }
    };
    let src_report = match &source.report {
        Ok(r) if source.usable_as_source() => r,
        Ok(r) => {
            return Err(EpoSyncError::SourceUnverified {
                name: source.target.name.clone(),
                problems: unverified(r),
            });
        }
        Err(e) => {
            return Err(EpoSyncError::SourceUnverified {
                name: source.target.name.clone(),
                problems: vec![e.to_string()],
            });
        }
    };
    let to_version = source.catalog_version().unwrap_or_default().to_string();
    if let Some(t) = wanted
        .iter()
        .find(|t| t.name == source.target.name || t.place.path() == source.target.place.path())
    {
        return Err(EpoSyncError::TargetIsSource(t.name.clone()));
    }
    let src_root = source
        .target
        .place
        .open()
        .map_err(|e| EpoSyncError::SourceUnverified {
            name: source.target.name.clone(),
            problems: vec![e.to_string()],
        })?;
    let source_dir = match &source.target.place {
        Place::Beneath(c) => c.clone(),
        Place::Given(p) => {
            Confined::new(p.clone(), "").map_err(|e| EpoSyncError::SourceUnverified {
                name: source.target.name.clone(),
                problems: vec![e.to_string()],
            })?
        }
    };
    let folders = source_folders(&src_root)?;
    let mut expected = BTreeMap::new();
    let mut logs: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for rel in &folders {
        let log_rel = rel.join(REPLICA_LOG);
        let bytes = verify::read_capped(&src_root, &log_rel)
            .ok()
            .flatten()
            .unwrap_or_default();
        for item in super::replica::parse(&bytes).items {
            if let Some(h) = item.sha256.as_deref().and_then(unhex) {
                expected.insert(rel.join(&item.name), h);
            }
        }
        if let Some(h) = verify::hash_reader(&bytes[..])
            .ok()
            .and_then(|h| unhex(&h.sha256))
        {
            expected.insert(log_rel.clone(), h);
        }
        logs.push((log_rel, bytes));
    }

    // Targets: beneath the root, readable, and not already equal to the source.
    let targets_checked = reuse_or_verify(wanted, verified, progress);
    let mut request = Request {
        source: dpsync::Source {
            name: source.target.name.clone(),
            dir: source_dir,
        },
        targets: Vec::new(),
        compare: if full {
            Compare::Content
        } else {
            Compare::Expected(expected.clone())
        },
        first: Vec::new(),
        last: Vec::new(),
    };
    let mut versions = Vec::new();
    let mut up_to_date = Vec::new();
    for c in targets_checked {
        let name = c.target.name.clone();
        let report = c.report.as_ref().map_err(|e| EpoSyncError::Target {
            name: name.clone(),
            why: e.to_string(),
        })?;
        if !full && in_step(report, src_report, &to_version) {
            up_to_date.push(name);
            continue;
        }
        let path = c.target.place.path();
        let dir = Confined::within(&ctx.root, &path).map_err(|_| EpoSyncError::Target {
            name: name.clone(),
            why: format!(
                "{} is not beneath the root {}: a sync writes only beneath the root (give --root a folder holding it)",
                path.display(),
                ctx.root.display()
            ),
        })?;
        let root = dir.open_dir().map_err(|e| EpoSyncError::Target {
            name: name.clone(),
            why: e.to_string(),
        })?;
        let ti = request.targets.len();
        let from_version = c.catalog_version().map(str::to_string);
        request.first.push(Write {
            target: ti,
            rel: PathBuf::from(SITESTAT),
            content: Content::Bytes(sitestat::render(&SiteStat {
                status: Status::Disabled,
                catalog_version: from_version.clone().unwrap_or_else(|| to_version.clone()),
            })),
        });
        // replica.logs that differ (all of them with --full), deepest first; then catalog.z.
        for (log_rel, bytes) in logs.iter().rev() {
            let theirs = verify::read_capped(&root, log_rel).ok().flatten();
            if full || theirs.as_deref() != Some(&bytes[..]) {
                request.last.push(Write {
                    target: ti,
                    rel: log_rel.clone(),
                    content: Content::FromSource,
                });
            }
        }
        let catalog_differs = match (
            expected.get(Path::new(CATALOG)),
            verify::hash_file(&root, Path::new(CATALOG)),
        ) {
            (Some(want), Ok(h)) => unhex(&h.sha256).as_ref() != Some(want),
            _ => true,
        };
        if full || catalog_differs {
            request.last.push(Write {
                target: ti,
                rel: PathBuf::from(CATALOG),
                content: Content::FromSource,
            });
        }
        request.last.push(Write {
            target: ti,
            rel: PathBuf::from(SITESTAT),
            content: Content::Bytes(sitestat::render(&SiteStat {
                status: Status::Enabled,
                catalog_version: to_version.clone(),
            })),
        });
        versions.push(VersionChange {
            name: name.clone(),
            from: from_version,
            to: to_version.clone(),
        });
        request.targets.push(dpsync::Target {
            name: name.clone(),
            component: format!("dp:{name}"),
            dir,
        });
    }
    Ok(EpoSync {
        request,
        versions,
        up_to_date,
    })
}

/// Whether a target already equals the source: verified, Enabled, same version, same content.
/// The verification of each of `wanted`, in its order: the one this request already made (the
/// same repository, at the same folder), else a fresh one (those side by side).
fn reuse_or_verify(
    wanted: Vec<Target>,
    mut done: Vec<Checked>,
    progress: &dyn ProgressSink,
) -> Vec<Checked> {
    let mut slots: Vec<Option<Checked>> = Vec::with_capacity(wanted.len());
    let mut todo: Vec<(usize, Target)> = Vec::new();
    for (i, t) in wanted.into_iter().enumerate() {
        let same = done
            .iter()
            .position(|c| c.target.name == t.name && c.target.place.path() == t.place.path());
        match same {
            Some(k) => slots.push(Some(done.swap_remove(k))),
            None => {
                slots.push(None);
                todo.push((i, t));
            }
        }
    }
    let (at, targets): (Vec<usize>, Vec<Target>) = todo.into_iter().unzip();
    for (i, c) in at
        .into_iter()
        .zip(repositories::verify_all(targets, progress))
    {
        slots[i] = Some(c);
    }
    slots.into_iter().flatten().collect()
}

fn in_step(target: &RepoReport, source: &RepoReport, version: &str) -> bool {
    target.verifies()
        && matches!(&target.sitestat, Some(Ok(s)) if s.status == Status::Enabled && s.catalog_version == version)
        && target.fingerprint == source.fingerprint
        && target.counts.unlisted == 0
}

/// What makes a source unusable, one line each.
fn unverified(r: &RepoReport) -> Vec<String> {
    let mut out: Vec<String> = r.samples.clone();
    out.extend(
        r.problems
            .iter()
            .chain(&r.unsafe_names)
            .map(|p| format!("{} {}", p.file.display(), p.problem)),
    );
    match &r.sitestat {
        None => out.push(format!("no {SITESTAT}")),
        Some(Ok(s)) if s.status == Status::Disabled => {
            out.push(format!("{SITESTAT} says Disabled (being written)"))
        }
        _ => {}
    }
    match &r.catalog {
        Some(verify::CatalogState::Missing) => out.push(format!("no {CATALOG}")),
        Some(verify::CatalogState::Damaged(why)) => out.push(format!("{CATALOG} {why}")),
        _ => {}
    }
    if out.is_empty() {
        out.push("it could not be read completely".into());
    }
    out
}

/// Every folder of the source (root first), in path order.
fn source_folders(root: &Root) -> Result<Vec<PathBuf>, EpoSyncError> {
    let mut out = vec![PathBuf::new()];
    for e in root.walk() {
        let e = e.map_err(|e| EpoSyncError::SourceUnverified {
            name: root.path().display().to_string(),
            problems: vec![e.to_string()],
        })?;
        if e.meta.kind == Kind::Dir {
            out.push(e.rel);
        }
    }
    Ok(out)
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        let hex = std::str::from_utf8(chunk).ok()?;
        out[i] = u8::from_str_radix(hex, 16).ok()?;
    }
    Some(out)
}

#[cfg(all(test, unix))]
mod tests;
