//! `drconsole diff`: compare a backup set (the recommended one by default) with the live
//! server, component by component; exit 0 identical, 1 different, 2 error.

use crate::cli::{DiffArgs, GlobalArgs};
use crate::diff::{self, DiffOptions};
use crate::inventory::{self, CheckDepth, ScanOptions};

/// Exit code when the diff could not be made.
const EXIT_ERROR: i32 = 2;

/// Run `diff`.
pub fn run(g: &GlobalArgs, args: &DiffArgs) -> anyhow::Result<i32> {
    match diff(g, args) {
        Ok(code) => Ok(code),
        Err(err) => {
            eprintln!(
                "drconsole diff: {}",
                crate::escape::escape(&format!("{err:#}"))
            );
            Ok(EXIT_ERROR)
        }
    }
}

fn diff(g: &GlobalArgs, args: &DiffArgs) -> anyhow::Result<i32> {
    let ctx = super::context(g)?;
    let components = crate::component::resolve(&ctx.profile, &args.components)?;
    // Naming a set needs only the listing; finding the recommended one needs full checks.
    let depth = if args.set.is_some() {
        CheckDepth::Quick
    } else {
        CheckDepth::Standard
    };
    let inv = inventory::scan(&ctx, &ScanOptions { depth }, &());
    let known = || {
        let ids: Vec<&str> = inv.backup_sets.iter().map(|s| s.id.as_str()).collect();
        if ids.is_empty() {
            "none found".to_string()
        } else {
            ids.join(", ")
        }
    };
    let set = match &args.set {
        Some(id) => inv
            .backup_sets
            .iter()
            .find(|s| &s.id == id)
            .ok_or_else(|| anyhow::anyhow!("no backup set '{id}' (known sets: {})", known()))?,
        None => inv.recommended_set().or_else(|| newest_carrying(&ctx, &inv, &components)).ok_or_else(|| {
            anyhow::anyhow!(
                "no restorable backup set to compare with (known sets: {}); name one with --set ID",
                known()
            )
        })?,
    };
    let mut opts = DiffOptions::new(ctx.clock.now());
    opts.sample = args.sample;
    opts.unified = args.unified;
    let report = diff::diff_set(&ctx, set, &components, &opts, &());
    if args.json {
        println!("{}", crate::escape::json(&report)?);
    } else {
        print!("{}", diff::report::render_text(&report));
    }
    Ok(report.exit_code())
}

/// A profile whose sets are SQL Server backups never has a restorable set (pages are checked
/// only by SQL Server): its other components compare with the newest set that carries them.
fn newest_carrying<'a>(
    ctx: &crate::context::Context,
    inv: &'a inventory::Inventory,
    components: &[crate::component::Component],
) -> Option<&'a inventory::BackupSet> {
    if ctx.profile.sql_databases.is_empty() {
        return None;
    }
    let (set, _) = inventory::compare::comparison_set(inv, &ctx.profile, components.first()?)?;
    eprintln!(
        "drconsole diff: comparing with {}, the newest backup set that carries {} (name another with --set ID)",
        crate::escape::escape(&set.id),
        components[0]
    );
    Some(set)
}
