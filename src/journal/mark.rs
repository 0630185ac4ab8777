//! Runbook marks: the operator's "done" or "skipped" on a recovery step, kept as a journal
//! transaction without steps (a begin record holding the mark, then its commit), so a mark has
//! the journal's who/when/where, survives a crash the moment the command returns, and shows
//! in `drconsole journal` beside the restores.

use super::record::Record;
use super::{JournalError, JournalLock, LOCK_WAIT, recover};
use crate::context::Context;
use crate::plan::{Action, MarkKind, Plan};

/// Record a mark on `step` of the context's profile under its root; returns the transaction
/// id once the mark is durable (its commit fsynced).
pub fn record_mark(
    ctx: &Context,
    step: &str,
    mark: MarkKind,
    note: &str,
) -> Result<String, JournalError> {
    let lock = super::Journal::of(ctx).lock(LOCK_WAIT)?;
    record_mark_locked(&lock, ctx, step, mark, note)
}

/// [`record_mark`] with the lock already held.
pub fn record_mark_locked(
    lock: &JournalLock,
    ctx: &Context,
    step: &str,
    mark: MarkKind,
    note: &str,
) -> Result<String, JournalError> {
    // An interrupted restore is rolled back before anything new is written, as for any plan.
    recover::recover_locked(lock, ctx.clock.now())?;
    let mut plan = Plan::new(
        Action::Mark {
            profile: ctx.profile.name.clone(),
            step: step.to_string(),
            mark,
            note: note.to_string(),
        },
        ctx.root.clone(),
    );
    plan.components = vec![format!("runbook:{step}")];
    let (txid, _dir, mut log) = super::execute::begin(lock, ctx, &plan)?;
    log.append(&Record::Commit {
        at: ctx.clock.now(),
        hashes: Vec::new(),
    })?;
    Ok(txid)
}
