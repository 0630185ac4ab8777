//! Rolling back: after a failed step in-process, and at start-up for any transaction a crash
//! left without a commit. Every action is decided from what the journal recorded and what is
//! on disk now, so running it twice, or again after being killed half way, is harmless.

use super::fsops::{self, exists};
use super::record::Record;
use super::{Intent, Journal, JournalError, JournalLock, Transaction};
use crate::context::Context;
use crate::plan::{Plan, Step, StepKind};
use chrono::{DateTime, Utc};
use std::path::Path;
use std::time::Duration;

/// What start-up recovery did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RecoveryReport {
    /// Transactions rolled back now.
    pub rolled_back: Vec<String>,
    /// Transactions whose rollback could not finish, with why.
    pub failed: Vec<(String, String)>,
    /// Another drconsole holds the lock (its transaction is not ours to touch).
    pub busy: bool,
}

impl RecoveryReport {
    /// One line per event, for stderr or a log.
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .rolled_back
            .iter()
            .map(|t| format!("recovered: transaction {t} was interrupted and has been rolled back"))
            .collect();
        out.extend(self.failed.iter().map(|(t, why)| {
            format!("transaction {t} was interrupted and could not be rolled back yet: {why}")
        }));
        out
    }
}

/// Start-up recovery for `ctx`: roll back every unfinished transaction. Reads only when the
/// journal is clean; skips (and says so) when another drconsole holds the lock.
pub fn recover(ctx: &Context) -> Result<RecoveryReport, JournalError> {
    let journal = Journal::of(ctx);
    if !journal.dir().is_dir() {
        return Ok(RecoveryReport::default());
    }
    if !journal.transactions()?.iter().any(Transaction::unfinished) {
        return Ok(RecoveryReport::default());
    }
    let lock = match journal.lock(Duration::ZERO) {
        Ok(lock) => lock,
        Err(JournalError::Busy { .. }) => {
            return Ok(RecoveryReport {
                busy: true,
                ..RecoveryReport::default()
            });
        }
        Err(e) => return Err(e),
    };
    recover_locked(&lock, ctx.clock.now())
}

/// Roll back every unfinished transaction of the locked journal.
pub fn recover_locked(
    lock: &JournalLock,
    at: DateTime<Utc>,
) -> Result<RecoveryReport, JournalError> {
    let mut report = RecoveryReport::default();
    for tx in lock.journal().transactions()? {
        if !tx.unfinished() {
            continue;
        }
        match rollback(&tx) {
            Ok(()) => {
                tx.log()?.append(&Record::RolledBack {
                    at,
                    reason: "interrupted before its commit; rolled back at the next start".into(),
                })?;
                report.rolled_back.push(tx.txid.clone());
            }
            Err(why) => report.failed.push((tx.txid.clone(), why)),
        }
    }
    Ok(report)
}

/// Put every path the transaction touched back as it was, last step first.
pub(super) fn rollback(tx: &Transaction) -> Result<(), String> {
    for (i, intent) in tx.intents.iter().rev() {
        let step = tx.plan.steps.get(*i).ok_or_else(|| {
            format!(
                "the journal of {} names step {} that its plan does not have",
                tx.txid,
                i + 1
            )
        })?;
        rollback_step(&tx.plan, step, intent).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn rollback_step(plan: &Plan, step: &Step, intent: &Intent) -> std::io::Result<()> {
    let target = plan.abs(&step.target);
    // The temporary copy is ours alone and never the only copy of anything.
    fsops::remove_durable(&intent.temp)?;
    let stashed = exists(&intent.stash);
    match &step.kind {
        StepKind::CreateDir => {
            if intent.had.is_none() && is_real_dir(&target) {
                std::fs::remove_dir(&target)
                    .map_err(|e| fsops::annotate(e, "remove the created folder", &target))?;
                if let Some(p) = target.parent() {
                    fsops::fsync_dir(p)?;
                }
            }
        }
        StepKind::MoveBack { from } => {
            // The moved-in entry goes back where it came from (another transaction's stash).
            let moved_in = exists(&target) && !exists(from) && (intent.had.is_none() || stashed);
            if moved_in {
                fsops::rename_durable(&target, from)?;
            }
            if intent.had.is_some() && stashed {
                put_back(&intent.stash, &target)?;
            }
        }
        StepKind::CopyFile { .. } | StepKind::CopyTree { .. } | StepKind::Stash => {
            if intent.had.is_some() {
                // No stash entry means the original never moved: it is still in place.
                if stashed {
                    put_back(&intent.stash, &target)?;
                }
            } else if !matches!(step.kind, StepKind::Stash) && exists(&target) {
                // Nothing was there before: what is there now is our copy.
                fsops::remove_durable(&target)?;
            }
        }
    }
    Ok(())
}

/// Move a stashed entry back to `target`, replacing whatever copy is there.
fn put_back(stash: &Path, target: &Path) -> std::io::Result<()> {
    if exists(target) && (is_real_dir(target) || is_real_dir(stash)) {
        // rename() cannot replace a folder, nor a file with a folder.
        fsops::remove_durable(target)?;
    }
    fsops::rename_durable(stash, target)
}

fn is_real_dir(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir())
}
