//! `drconsole check`: scan everything, print findings, exit with the Nagios code.

use crate::cli::{CheckArgs, GlobalArgs};
use crate::context::Context;
use crate::findings;
use crate::inventory::{self, CheckDepth, ScanOptions};
use crate::report;

/// Run `check`.
pub fn run(g: &GlobalArgs, args: &CheckArgs) -> anyhow::Result<i32> {
    let ctx = super::context(g)?;
    Ok(print(&ctx, args))
}

/// Scan `ctx` and print the report; returns the exit code. Shared with `demo`.
pub fn print(ctx: &Context, args: &CheckArgs) -> i32 {
    let depth = if args.full {
        CheckDepth::Full
    } else if args.quick {
        CheckDepth::Quick
    } else {
        CheckDepth::Standard
    };
    let progress = super::stderr_progress(args.json);
    let mut inv = inventory::scan(ctx, &ScanOptions { depth }, &progress);
    // A damaged journal transaction waits for the operator: it belongs in every check.
    inv.findings
        .extend(crate::journal::findings(&crate::journal::Journal::of(ctx)));
    findings::sort_worst_first(&mut inv.findings);
    if args.json {
        println!(
            "{}",
            crate::escape::json(&report::json::check(&inv)).unwrap_or_default()
        );
    } else {
        print!("{}", report::text::check(&inv));
    }
    findings::worst(&inv.findings).exit_code()
}
