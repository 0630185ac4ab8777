//! Scanning: one module per component kind, producing an `Inventory`.
//! `scan` orders the work so the operator's answer comes first: completeness and quick checks
//! everywhere, then full checks of the live databases and of the sets newest first until one
//! is restorable (everything only with `CheckDepth::Full`).

pub mod backups;
pub mod cache;
pub mod certificates;
pub mod compare;
pub mod databases;
pub mod distribution;
pub mod folders;
pub mod host;
mod model;
pub mod progress;
pub mod safepath;
pub mod settings;
pub mod sqlite;
pub mod timestamp;
pub mod tree;

pub use model::*;
pub use progress::{Progress, ProgressSink};

use crate::context::Context;
use crate::findings::{self, Finding};
use cache::{CheckCache, FileKey};
use rayon::prelude::*;
use sqlite::Mutability;
use std::sync::atomic::{AtomicU64, Ordering};

/// What a scan should do.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanOptions {
    /// How deep database checks go.
    pub depth: CheckDepth,
}

/// Scan the installation described by `ctx`. Problems become findings; this never fails.
pub fn scan(ctx: &Context, opts: &ScanOptions, progress: &dyn ProgressSink) -> Inventory {
    let mut findings: Vec<Finding> = Vec::new();
    let mut inv = Inventory {
        profile: ctx.profile.name.clone(),
        root: ctx.root.clone(),
        scanned_at: ctx.clock.now(),
        depth: opts.depth,
        ..Inventory::default()
    };
    inv.databases = databases::discover(ctx, &mut findings);
    inv.backup_sets = backups::discover(ctx, &mut findings);

    let cache = CheckCache::load(&ctx.cache_dir(), !ctx.no_cache);
    check_databases(&mut inv, opts.depth, &cache, progress);
    // The cache is an optimisation: a read-only state folder only costs the next run time.
    let _ = cache.save();

    databases::judge(&inv.databases, &mut findings);
    backups::judge(&mut inv, ctx.profile.rpo_hours, &mut findings);

    // The other components compare with the recommended set, so they come after the verdicts.
    inv.findings.append(&mut findings);
    scan_components(ctx, opts, &mut inv, progress);
    findings = std::mem::take(&mut inv.findings);

    findings::sort_worst_first(&mut findings);
    findings.dedup();
    inv.findings = findings;
    inv
}

/// One file to check and where its result goes.
struct Job<'a> {
    file: &'a mut model::DbFile,
    mutability: Mutability,
}

/// Run the integrity checks in the order that answers "which set do I restore?" first.
fn check_databases(
    inv: &mut Inventory,
    depth: CheckDepth,
    cache: &CheckCache,
    progress: &dyn ProgressSink,
) {
    // Stage 1: quick checks everywhere (completeness is already known from discovery).
    {
        let mut jobs: Vec<Job> = live_jobs(&mut inv.databases)
            .chain(inv.backup_sets.iter_mut().flat_map(set_jobs))
            .collect();
        run_jobs(&mut jobs, CheckLevel::Quick, "quick check", cache, progress);
    }
    if depth == CheckDepth::Quick {
        return;
    }
    // Stage 2: full checks of the live databases.
    let mut jobs: Vec<Job> = live_jobs(&mut inv.databases).collect();
    let label = "integrity check (live)";
    run_jobs(&mut jobs, CheckLevel::Full, label, cache, progress);
    // Stage 3: sets newest first, until one is restorable (or all of them with Full).
    if depth == CheckDepth::Full {
        let mut jobs: Vec<Job> = inv
            .backup_sets
            .iter_mut()
            .filter(|s| backups::is_candidate(s))
            .flat_map(set_jobs)
            .collect();
        let label = "integrity check (sets)";
        run_jobs(&mut jobs, CheckLevel::Full, label, cache, progress);
        return;
    }
    for set in inv.backup_sets.iter_mut() {
        if !backups::is_candidate(set) {
            continue;
        }
        let label = format!("integrity check (set {})", set.id);
        let mut jobs: Vec<Job> = set_jobs(set).collect();
        run_jobs(&mut jobs, CheckLevel::Full, &label, cache, progress);
        if backups::verdict(set) == Verdict::Restorable {
            break;
        }
    }
}

fn live_jobs(dbs: &mut [LiveDatabase]) -> impl Iterator<Item = Job<'_>> {
    dbs.iter_mut().map(|d| Job {
        file: &mut d.file,
        mutability: Mutability::Live,
    })
}

fn set_jobs(set: &mut BackupSet) -> impl Iterator<Item = Job<'_>> {
    set.members.iter_mut().map(|m| Job {
        file: &mut m.file,
        mutability: Mutability::Frozen,
    })
}

/// Check files in parallel on all cores, biggest first so the pool stays busy to the end.
fn run_jobs(
    jobs: &mut [Job],
    level: CheckLevel,
    job_name: &str,
    cache: &CheckCache,
    progress: &dyn ProgressSink,
) {
    if jobs.is_empty() {
        return;
    }
    jobs.sort_by_key(|j| std::cmp::Reverse(j.file.size));
    let total = jobs.len() as u64;
    let bytes_total: u64 = jobs.iter().map(|j| j.file.size).sum();
    let done = AtomicU64::new(0);
    let bytes_done = AtomicU64::new(0);
    let report = |label: String, finished: bool| {
        progress.report(Progress {
            job: job_name.to_string(),
            label,
            done: done.load(Ordering::Relaxed),
            total,
            bytes_done: bytes_done.load(Ordering::Relaxed),
            bytes_total,
            finished,
        })
    };
    report(String::new(), false);
    jobs.par_iter_mut().for_each(|job| {
        let file = &mut *job.file;
        if file.level < level && !file_has_failed(file) {
            match cache.lookup(file, level) {
                Some(hit) => *file = hit,
                None => {
                    report(file.path.display().to_string(), false);
                    let key = FileKey::of(&file.path);
                    sqlite::check(file, level, job.mutability);
                    cache.store(file, key);
                }
            }
        }
        done.fetch_add(1, Ordering::Relaxed);
        bytes_done.fetch_add(file.size, Ordering::Relaxed);
        report(file.path.display().to_string(), false);
    });
    report(String::new(), true);
}

/// A file that already failed needs no deeper check to know it is bad.
fn file_has_failed(f: &DbFile) -> bool {
    matches!(
        f.state,
        DbState::Missing
            | DbState::Empty
            | DbState::Unreadable
            | DbState::NotSqlite
            | DbState::Corrupt
    )
}

/// Certificates, settings, folders, distribution points and host state: they run once
/// databases and backup sets are known, since they compare with the recommended set.
pub fn scan_components(
    ctx: &Context,
    opts: &ScanOptions,
    inv: &mut Inventory,
    progress: &dyn ProgressSink,
) {
    certificates::scan(ctx, opts, inv, progress);
    settings::scan(ctx, opts, inv, progress);
    folders::scan(ctx, opts, inv, progress);
    distribution::scan(ctx, opts, inv, progress);
    host::scan(ctx, opts, inv, progress);
}
