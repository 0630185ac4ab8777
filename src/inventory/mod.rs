//! Scanning: one module per component kind, producing an `Inventory`.
//! `scan` orders the work so the operator's answer comes first: completeness and quick checks
//! everywhere, then full checks of the live databases and of the sets newest first until one
//! is restorable (everything only with `CheckDepth::Full`).

pub mod artifacts;
pub mod backups;
pub mod cache;
pub mod certificates;
pub mod compare;
pub mod coresettings;
pub mod databases;
pub mod distribution;
pub mod folders;
pub mod host;
pub mod matches;
mod model;
pub mod openfiles;
pub mod plistfile;
pub mod progress;
pub mod repositories;
pub mod safepath;
mod schedule;
pub mod setcache;
pub mod settings;
pub mod sqlite;
pub mod sqlsets;
pub mod timestamp;
pub mod tree;
pub mod wal;

pub use model::*;
pub use progress::{Progress, ProgressSink};

use crate::context::Context;
use crate::findings::{self, Finding};
use cache::CheckCache;

/// What a scan should do.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanOptions {
    /// How deep database checks go.
    pub depth: CheckDepth,
}

/// Scan the installation described by `ctx`. Problems become findings; this never fails.
pub fn scan(ctx: &Context, opts: &ScanOptions, progress: &dyn ProgressSink) -> Inventory {
    let _scan =
        tracing::info_span!("scan", root = %crate::escape::path(&ctx.root), depth = ?opts.depth)
            .entered();
    let mut findings: Vec<Finding> = Vec::new();
    let mut inv = Inventory {
        profile: ctx.profile.name.clone(),
        root: ctx.root.clone(),
        scanned_at: ctx.clock.now(),
        depth: opts.depth,
        layout: ctx.profile.layout.clone(),
        expiry_window: ExpiryWindow(ctx.profile.expiry_days),
        ..Inventory::default()
    };
    let discover = tracing::info_span!("phase", name = "discover").entered();
    // The check cache (one entry per database file ever checked: tens of thousands for a long
    // history) is read and decoded on a thread of its own while the folders are listed.
    let (cache_dir, read_cache) = (ctx.cache_dir(), !ctx.no_cache);
    let cache = std::thread::scope(|s| {
        let loading = s.spawn(|| CheckCache::load(&cache_dir, read_cache));
        inv.databases = databases::discover(ctx, &mut findings);
        inv.backup_sets = backups::discover(ctx, &mut findings);
        loading
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    drop(discover);

    tracing::info_span!("phase", name = "database checks")
        .in_scope(|| schedule::check_databases(&mut inv, opts.depth, &cache, progress));
    // A listing's key speaks for the moment of this scan only: no later question to the cache
    // may be answered with it.
    for m in inv
        .backup_sets
        .iter_mut()
        .flat_map(|s| s.members.iter_mut())
    {
        m.file.listed = None;
    }
    // The cache is an optimisation: a read-only state folder only costs the next run time.
    let _ = cache.save();
    // SQL Server sets are read offline here, after the SQLite checks that must never open them.
    inv.backup_sets
        .extend(sqlsets::discover(ctx, &mut findings));
    inv.backup_sets
        .sort_by(|a, b| b.taken_at.cmp(&a.taken_at).then_with(|| a.id.cmp(&b.id)));

    databases::judge(&inv.databases, &mut findings);
    if ctx.profile.databases.is_empty()
        && ctx.profile.sql_databases.is_empty()
        && inv.backup_sets.is_empty()
    {
        // Nothing drconsole verifies is backed up (an ePO server's database is SQL Server's).
        inv.notes
            .push("the profile names no databases: backup sets are not judged".into());
    } else {
        backups::judge(&mut inv, ctx.profile.rpo_hours, &mut findings);
        sqlsets::judge(ctx, &inv, &mut findings);
    }

    // The other components compare with the recommended set, so they come after the verdicts.
    inv.findings.append(&mut findings);
    scan_components(ctx, opts, &mut inv, progress);
    findings = std::mem::take(&mut inv.findings);

    findings::sort_worst_first(&mut findings);
    findings.dedup();
    tracing::info!(
        findings = findings.len(),
        worst = %findings::worst(&findings),
        databases = inv.databases.len(),
        backup_sets = inv.backup_sets.len(),
        "scan finished"
    );
    inv.findings = findings;
    inv
}

/// Certificates, settings, folders, distribution points and host state: they run once
/// databases and backup sets are known, since they compare with the recommended set.
pub fn scan_components(
    ctx: &Context,
    opts: &ScanOptions,
    inv: &mut Inventory,
    progress: &dyn ProgressSink,
) {
    let phase = |name: &'static str| tracing::info_span!("phase", name);
    phase("certificates").in_scope(|| certificates::scan(ctx, opts, inv, progress));
    phase("settings").in_scope(|| settings::scan(ctx, opts, inv, progress));
    phase("folders").in_scope(|| folders::scan(ctx, opts, inv, progress));
    phase("distribution points").in_scope(|| distribution::scan(ctx, opts, inv, progress));
    phase("repositories").in_scope(|| repositories::scan(ctx, opts, inv, progress));
    phase("backup items").in_scope(|| artifacts::scan(ctx, inv));
    phase("host").in_scope(|| host::scan(ctx, opts, inv, progress));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{self, DemoOptions};

    #[test]
    fn a_scans_inventory_carries_no_listing_keys_out_of_the_scan() {
        let tmp = tempfile::tempdir().unwrap();
        let profile = crate::profile::load("lanrev-macos").unwrap();
        let inst =
            demo::generate(&tmp.path().join("root"), &profile, &DemoOptions::default()).unwrap();
        let mut ctx = Context::new(profile, &inst.root);
        ctx.state_dir = tmp.path().join("state");
        // Cold, then warm (answered from the cache by the listings' keys).
        for _ in 0..2 {
            let inv = scan(&ctx, &ScanOptions::default(), &());
            let members: Vec<_> = inv.backup_sets.iter().flat_map(|s| &s.members).collect();
            assert!(!members.is_empty());
            assert!(members.iter().all(|m| m.file.listed.is_none()));
        }
    }
}
