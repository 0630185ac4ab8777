//! Rolling back: after a failed step in-process, and at start-up for any transaction a crash
//! left unfinished. Every action is decided from what the journal recorded and what is on
//! disk now, so running it twice, or again after being killed half way, is harmless. A
//! rollback only removes what the journal says this transaction wrote (checked by hash);
//! anything else found at a target is moved into the stash, never deleted.

use super::fsops::{self, exists};
use super::record::Record;
use super::{Intent, Journal, JournalError, JournalLock, Transaction};
use crate::context::Context;
use crate::plan::{Step, StepKind, hash};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What start-up recovery did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RecoveryReport {
    /// Transactions rolled back now.
    pub rolled_back: Vec<String>,
    /// What those rollbacks could not do, or moved aside, one line each.
    pub notes: Vec<String>,
    /// Transactions whose rollback could not finish, with why.
    pub failed: Vec<(String, String)>,
    /// Transactions left for the operator (every step done, commit damaged), with why.
    pub damaged: Vec<(String, String)>,
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
        out.extend(self.notes.iter().cloned());
        out.extend(self.failed.iter().map(|(t, why)| {
            format!("transaction {t} was interrupted and could not be rolled back yet: {why}")
        }));
        out.extend(
            self.damaged
                .iter()
                .map(|(t, why)| format!("transaction {t} needs you: {why}")),
        );
        out
    }
}

/// What one rollback could not do as the journal asked, and what it moved out of the way.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Entries found at a target that this transaction did not write: (target, where it went).
    pub moved_aside: Vec<(PathBuf, PathBuf)>,
    /// Targets that could not be given back what they held before, with why.
    pub not_restored: Vec<String>,
}

impl Outcome {
    /// True when every path holds what it held before and nothing was moved aside.
    pub fn clean(&self) -> bool {
        self.moved_aside.is_empty() && self.not_restored.is_empty()
    }

    /// The outcome in words, for an error message or the journal's reason.
    pub fn describe(&self) -> String {
        if self.clean() {
            return "every path holds what it held before".into();
        }
        let mut parts: Vec<String> = Vec::new();
        if !self.not_restored.is_empty() {
            parts.push(format!(
                "NOT everything could be put back: {}",
                self.not_restored.join("; ")
            ));
        } else {
            parts.push("every original is back in place".into());
        }
        for (target, to) in &self.moved_aside {
            parts.push(format!(
                "{} held content this transaction did not write (placed there after it began): kept at {}",
                target.display(),
                to.display()
            ));
        }
        parts.join("; ")
    }
}

/// Start-up recovery for `ctx`: roll back every unfinished transaction. Reads only when the
/// journal is clean; skips (and says so) when another drconsole holds the lock.
pub fn recover(ctx: &Context) -> Result<RecoveryReport, JournalError> {
    let journal = Journal::of(ctx);
    if !journal.dir().is_dir() {
        return Ok(RecoveryReport::default());
    }
    let txs = journal.transactions()?;
    let damaged: Vec<(String, String)> = txs
        .iter()
        .filter_map(|t| t.damaged().map(|why| (t.txid.clone(), why)))
        .collect();
    if !txs.iter().any(Transaction::unfinished) {
        return Ok(RecoveryReport {
            damaged,
            ..RecoveryReport::default()
        });
    }
    let _recovery =
        tracing::info_span!("recovery", journal = %crate::escape::path(journal.dir())).entered();
    let lock = match journal.lock(Duration::ZERO) {
        Ok(lock) => lock,
        Err(JournalError::Busy { .. }) => {
            return Ok(RecoveryReport {
                busy: true,
                damaged,
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
        if let Some(why) = tx.damaged() {
            report.damaged.push((tx.txid.clone(), why));
            continue;
        }
        if !tx.unfinished() {
            continue;
        }
        if let Err(why) = tx.check_confined(lock.journal().dir()) {
            report.failed.push((
                tx.txid.clone(),
                format!("{why}: it was not written by drconsole, so nothing it names was touched; move {} out of the journal", tx.dir.display()),
            ));
            continue;
        }
        match rollback(&tx) {
            Ok(outcome) => {
                let mut reason =
                    "interrupted before its commit; rolled back at the next start".to_string();
                if !outcome.clean() {
                    reason = format!("{reason}: {}", outcome.describe());
                    report
                        .notes
                        .push(format!("transaction {}: {}", tx.txid, outcome.describe()));
                }
                tx.log()?.append(&Record::RolledBack { at, reason })?;
                report.rolled_back.push(tx.txid.clone());
            }
            Err(why) => report.failed.push((tx.txid.clone(), why)),
        }
    }
    Ok(report)
}

/// Put every path the transaction touched back as it was, last step first, then remove the
/// stash folders it made under the root if they ended up empty.
pub(super) fn rollback(tx: &Transaction) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    for (i, intent) in tx.intents.iter().rev() {
        let step = tx.plan.steps.get(*i).ok_or_else(|| {
            format!(
                "the journal of {} names step {} that its plan does not have",
                tx.txid,
                i + 1
            )
        })?;
        rollback_step(tx, *i, step, intent, &mut out).map_err(|e| e.to_string())?;
    }
    for intent in tx.intents.values() {
        remove_empty_stash(tx, &intent.stash);
    }
    Ok(out)
}

fn rollback_step(
    tx: &Transaction,
    i: usize,
    step: &Step,
    intent: &Intent,
    out: &mut Outcome,
) -> std::io::Result<()> {
    // Never through a link planted on the way since the transaction began.
    crate::plan::preconditions::check_inside_root(&tx.plan.root, &step.target)
        .map_err(std::io::Error::other)?;
    let target = tx.plan.abs(&step.target);
    // The temporary copy is ours alone (created exclusively under a name with the
    // transaction's id) and never the only copy of anything.
    fsops::remove_durable(&intent.temp)?;
    // A copy into the stash across file systems that a crash interrupted (never the only copy:
    // the original is removed only once the copy is complete under the stash's name).
    fsops::remove_durable(&fsops::move_partial(&intent.stash))?;
    if matches!(step.kind, StepKind::EditDatabase { .. }) {
        // SQLite's companions of an edited copy interrupted mid-edit.
        for suffix in ["-wal", "-shm", "-journal"] {
            fsops::remove_durable(&super::dbedit::companion(&intent.temp, suffix))?;
        }
    }
    let ours = tx.staged.get(&i);
    let stashed = exists(&intent.stash);
    match &step.kind {
        StepKind::CreateDir => {
            if intent.had.is_none() && is_real_dir(&target) {
                let empty = std::fs::read_dir(&target).is_ok_and(|mut d| d.next().is_none());
                if empty {
                    std::fs::remove_dir(&target)
                        .map_err(|e| fsops::annotate(e, "remove the created folder", &target))?;
                    if let Some(p) = target.parent() {
                        fsops::fsync_dir(p)?;
                    }
                } else {
                    move_aside(intent, &target, out)?;
                }
            }
        }
        StepKind::MoveBack { from } => {
            if exists(&target) && (intent.had.is_none() || stashed) {
                // The moved-in entry goes back where it came from (another transaction's
                // stash); anything else found here is kept aside.
                if holds(&target, ours) {
                    if exists(from) {
                        // Both names of an unfinished rename survived a power cut.
                        fsops::remove_durable(&target)?;
                    } else {
                        fsops::move_durable(&target, from, &fsops::move_partial(from))?;
                    }
                } else {
                    move_aside(intent, &target, out)?;
                }
            }
            restore_original(step, intent, &target, stashed, ours, out)?;
        }
        StepKind::CopyFile { .. }
        | StepKind::CopyTree { .. }
        | StepKind::SyncFile { .. }
        | StepKind::WriteFile { .. }
        | StepKind::EditDatabase { .. }
        | StepKind::Stash => {
            if intent.had.is_some() {
                if stashed {
                    clear_target(intent, &target, ours, out)?;
                }
                restore_original(step, intent, &target, stashed, ours, out)?;
            } else if !matches!(step.kind, StepKind::Stash) && exists(&target) {
                // Nothing was there before: remove our copy, keep anything else.
                if holds(&target, ours) {
                    fsops::remove_durable(&target)?;
                } else {
                    move_aside(intent, &target, out)?;
                }
            }
        }
    }
    Ok(())
}

/// Put the stashed original back, or say exactly why it cannot be.
fn restore_original(
    step: &Step,
    intent: &Intent,
    target: &Path,
    stashed: bool,
    ours: Option<&Option<String>>,
    out: &mut Outcome,
) -> std::io::Result<()> {
    if intent.had.is_none() {
        return Ok(());
    }
    if stashed {
        if exists(target) {
            // MoveBack leaves nothing here; anything still here is cleared first.
            clear_target(intent, target, ours, out)?;
        }
        return fsops::move_durable(&intent.stash, target, &intent.temp);
    }
    // No stash entry: either the original never moved (it is still in place), or the stash
    // was removed by hand. The hash of what this step wrote tells the two apart.
    let ours_there = matches!(ours, Some(Some(_))) && holds(target, ours);
    if ours_there {
        out.not_restored.push(format!(
            "{} still holds the content this transaction wrote, because its original (stashed at {}) is gone",
            step.target.display(),
            intent.stash.display()
        ));
    } else if ours.is_some() && !exists(target) {
        out.not_restored.push(format!(
            "{} is missing, because its original (stashed at {}) is gone",
            step.target.display(),
            intent.stash.display()
        ));
    }
    Ok(())
}

/// Make room at `target` for the original: remove what this transaction wrote there, or an
/// exact copy of the original (a power cut can leave both names of a rename), and move
/// anything else into the stash.
fn clear_target(
    intent: &Intent,
    target: &Path,
    ours: Option<&Option<String>>,
    out: &mut Outcome,
) -> std::io::Result<()> {
    if !exists(target) {
        return Ok(());
    }
    let duplicate = || {
        let a = hash::content_hash(target).ok().flatten();
        a.is_some() && a == hash::content_hash(&intent.stash).ok().flatten()
    };
    if holds(target, ours) || duplicate() {
        fsops::remove_durable(target)
    } else {
        move_aside(intent, target, out)
    }
}

/// Whether `target` holds exactly what the journal says this step put there.
fn holds(target: &Path, ours: Option<&Option<String>>) -> bool {
    match ours {
        Some(Some(h)) => hash::content_hash(target).ok().flatten().as_deref() == Some(h),
        _ => false,
    }
}

/// Move an entry this transaction did not write out of the way, into its stash, under a name
/// beside the step's stash entry.
fn move_aside(intent: &Intent, target: &Path, out: &mut Outcome) -> std::io::Result<()> {
    let dir = intent.stash.parent().unwrap_or(Path::new("."));
    fsops::create_dirs_durable(dir, 0o700)?;
    let base = intent
        .stash
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut n = 1;
    let to = loop {
        let name = if n == 1 {
            format!("{base}.found")
        } else {
            format!("{base}.found-{n}")
        };
        let p = dir.join(name);
        if !exists(&p) {
            break p;
        }
        n += 1;
    };
    fsops::move_durable(target, &to, &fsops::move_partial(&to))?;
    out.moved_aside.push((target.to_path_buf(), to));
    Ok(())
}

/// A stash folder this transaction made under the root (`.drconsole-stash/<txid>`), and the
/// `.drconsole-stash` above it, are removed once empty: a rolled-back transaction leaves
/// nothing behind in the server's tree.
fn remove_empty_stash(tx: &Transaction, stash: &Path) {
    let Some(dir) = stash.parent() else { return };
    if dir.file_name().is_none_or(|n| n != tx.txid.as_str()) || !dir.starts_with(&tx.plan.root) {
        return;
    }
    for d in [Some(dir), dir.parent()].into_iter().flatten() {
        if std::fs::read_dir(d).is_ok_and(|mut e| e.next().is_none())
            && std::fs::remove_dir(d).is_ok()
            && let Some(p) = d.parent()
        {
            let _ = fsops::fsync_dir(p);
        }
    }
}

fn is_real_dir(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir())
}
