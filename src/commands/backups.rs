//! `drconsole backups`: the sets newest first, the recommended one marked.

use crate::cli::{GlobalArgs, JsonArg};
use crate::inventory::{self, CheckDepth, ScanOptions};
use crate::report;

/// Run `backups`: exit 0 when a set is recommended, 2 when none is restorable.
pub fn run(g: &GlobalArgs, args: &JsonArg) -> anyhow::Result<i32> {
    let ctx = super::context(g)?;
    let progress = super::stderr_progress(args.json);
    let opts = ScanOptions {
        depth: CheckDepth::Standard,
    };
    let inv = inventory::scan(&ctx, &opts, &progress);
    if args.json {
        println!("{}", crate::escape::json(&report::json::backups(&inv))?);
    } else {
        print!("{}", report::text::backups(&inv));
    }
    Ok(if inv.recommended_set().is_some() {
        0
    } else {
        2
    })
}
