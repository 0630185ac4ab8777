//! `drconsole undo [TXID]`: revert the last (or given) committed transaction as a new
//! journaled transaction. Exit codes as for `restore`.

use super::restore::{Output, run_plan};
use crate::cli::{GlobalArgs, UndoArgs};
use crate::journal::{self, Journal};
use crate::plan::DiskProbe;

/// Run `undo`.
pub fn run(g: &GlobalArgs, args: &UndoArgs) -> anyhow::Result<i32> {
    let ctx = super::context(g)?;
    let out = Output { json: args.json };
    if g.read_only {
        return Ok(out.refused(None, &super::read_only_reason(g)));
    }
    let journal = Journal::of(&ctx);
    let target = match &args.txid {
        Some(id) => journal::find_undo_target(&journal, id),
        None => journal::default_undo_target(&journal),
    };
    let plan = target
        .and_then(|tx| journal::build_undo_plan(&journal, &tx, &ctx.root, args.force, &DiskProbe));
    let mut plan = match plan {
        Ok(p) => p,
        Err(e) => return Ok(out.refused(None, &e.to_string())),
    };
    let lock = journal::prepare(&ctx, &mut plan, args.dry_run)?;
    // What the console warns about before an undo, the command line says too.
    plan.notes.extend(journal::put_back_warnings(&plan));
    let what = match &plan.action {
        crate::plan::Action::Undo { txid } => {
            format!("Undo transaction {}", crate::escape::Shown(txid))
        }
        _ => "Run this plan".to_string(),
    };
    run_plan(&ctx, plan, lock, args.dry_run, args.yes, &out, &what, None)
}
