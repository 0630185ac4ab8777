//! `drconsole check`: scan everything, print findings, exit with the Nagios code.

use crate::cli::{CheckArgs, CheckFormat, GlobalArgs};
use crate::context::Context;
use crate::findings;
use crate::inventory::{self, CheckDepth, ScanOptions};
use crate::report;

/// Run `check`.
pub fn run(g: &GlobalArgs, args: &CheckArgs) -> anyhow::Result<i32> {
    let ctx = super::context(g)?;
    print(&ctx, args)
}

/// Scan `ctx` and print (or write to `--output`) the report; returns the exit code. Shared with
/// `demo`.
pub fn print(ctx: &Context, args: &CheckArgs) -> anyhow::Result<i32> {
    let depth = if args.full {
        CheckDepth::Full
    } else if args.quick {
        CheckDepth::Quick
    } else {
        CheckDepth::Standard
    };
    let format = args.format();
    // Duration is reported, never judged: it only feeds drconsole_check_duration_seconds.
    let started = std::time::Instant::now();
    let progress = super::stderr_progress(format != CheckFormat::Text || args.output.is_some());
    let mut inv = inventory::scan(ctx, &ScanOptions { depth }, &progress);
    // A damaged journal transaction waits for the operator: it belongs in every check.
    inv.findings
        .extend(crate::journal::findings(&crate::journal::Journal::of(ctx)));
    findings::sort_worst_first(&mut inv.findings);
    if format == CheckFormat::Json && args.output.is_none() {
        // Streamed: a long history's report is never held whole in memory.
        let mut out = std::io::stdout().lock();
        crate::escape::json_to_writer(&report::json::check(&inv), &mut out)?;
        std::io::Write::write_all(&mut out, b"\n")?;
        return Ok(findings::worst(&inv.findings).exit_code());
    }
    let text = match format {
        CheckFormat::Json => format!(
            "{}\n",
            crate::escape::json(&report::json::check(&inv)).unwrap_or_default()
        ),
        CheckFormat::Text => report::text::check(&inv),
        CheckFormat::Nagios => report::nagios::check(&inv, ctx.profile.rpo_hours),
        CheckFormat::Openmetrics => report::openmetrics::check(&inv, started.elapsed()),
    };
    match &args.output {
        Some(dest) => super::output::write_atomic(dest, &text)?,
        None => print!("{text}"),
    }
    Ok(findings::worst(&inv.findings).exit_code())
}
