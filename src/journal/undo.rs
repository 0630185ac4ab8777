//! Planning an undo: the reverse of a committed transaction, as a new plan of renames that put
//! each stashed original back and move the transaction's content into the new stash. Undoing
//! an undo therefore redoes, and an undo is as crash-safe as any transaction.

use super::list::{TxState, summarize};
use super::{Journal, JournalError, Transaction};
use crate::plan::{Action, Check, Plan, Precondition, Probe, Step, StepKind};
use std::path::PathBuf;

/// Why an undo cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum UndoError {
    /// No such transaction.
    #[error("no transaction '{0}' in the journal; see `drconsole journal`")]
    NotFound(String),
    /// Nothing committed to undo.
    #[error("nothing to undo: the journal holds no committed transaction")]
    Nothing,
    /// The transaction is not in effect.
    #[error("transaction {txid} is {state}{extra}: only a committed transaction can be undone")]
    NotCommitted {
        /// The transaction.
        txid: String,
        /// Its state.
        state: &'static str,
        /// More detail (who undid it).
        extra: String,
    },
    /// The transaction was made under another root.
    #[error(
        "transaction {txid} changed files under {root}, not under this root: run undo with --root {root}"
    )]
    OtherRoot {
        /// The transaction.
        txid: String,
        /// Its root.
        root: String,
    },
    /// A runbook mark changes no file; a new mark replaces it.
    #[error(
        "transaction {txid} is a runbook mark and changed no file: to take it back, record another (`drconsole runbook mark {step} --clear`)"
    )]
    Mark {
        /// The transaction.
        txid: String,
        /// The step it marked.
        step: String,
    },
    /// Its stash was freed.
    #[error("transaction {0} was pruned: its originals are gone, so it cannot be undone")]
    Pruned(String),
    /// The journal could not be read.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// The newest transaction in effect (committed and not undone).
pub fn default_undo_target(journal: &Journal) -> Result<Transaction, UndoError> {
    let txs = journal.transactions()?;
    let summaries = summarize(&txs);
    let id = summaries
        .iter()
        .filter(|s| s.changes_files())
        .find(|s| matches!(s.state, TxState::Committed | TxState::Damaged))
        .map(|s| s.id.clone())
        .ok_or(UndoError::Nothing)?;
    txs.into_iter()
        .find(|t| t.txid == id)
        .ok_or(UndoError::NotFound(id))
}

/// Find a transaction by id or sequence number.
pub fn find_undo_target(journal: &Journal, id: &str) -> Result<Transaction, UndoError> {
    journal
        .find(id)?
        .ok_or_else(|| UndoError::NotFound(id.to_string()))
}

/// The plan that reverts `tx`, which must have been made under `root`. `force` lets the undo
/// go ahead over files changed since the commit (their current content is stashed, not lost).
pub fn build_undo_plan(
    journal: &Journal,
    tx: &Transaction,
    root: &std::path::Path,
    force: bool,
    probe: &dyn Probe,
) -> Result<Plan, UndoError> {
    if let Action::Mark { step, .. } = &tx.plan.action {
        return Err(UndoError::Mark {
            txid: tx.txid.clone(),
            step: step.clone(),
        });
    }
    if tx.plan.root != root {
        return Err(UndoError::OtherRoot {
            txid: tx.txid.clone(),
            root: tx.plan.root.display().to_string(),
        });
    }
    let txs = journal.transactions()?;
    let summary = summarize(&txs)
        .into_iter()
        .find(|s| s.id == tx.txid)
        .ok_or_else(|| UndoError::NotFound(tx.txid.clone()))?;
    let damaged_in_effect = summary.state == TxState::Damaged && tx.all_done();
    if summary.state != TxState::Committed && !damaged_in_effect {
        return Err(UndoError::NotCommitted {
            txid: tx.txid.clone(),
            state: summary.state.as_str(),
            extra: summary
                .undone_by
                .map(|by| format!(" (by {by}; undo {by} to redo it)"))
                .unwrap_or_default(),
        });
    }
    if tx.pruned.is_some() {
        return Err(UndoError::Pruned(tx.txid.clone()));
    }
    if let Err(why) = tx.check_confined(journal.dir()) {
        return Err(UndoError::NotCommitted {
            txid: tx.txid.clone(),
            state: "not drconsole's",
            extra: format!(" ({why})"),
        });
    }
    let mut plan = Plan::new(
        Action::Undo {
            txid: tx.txid.clone(),
        },
        tx.plan.root.clone(),
    );
    plan.components = tx.plan.components.clone();
    // What the undone sync kept its stash out of (payloads clients read), its undo does too.
    plan.stash_outside = tx.plan.stash_outside.clone();
    let mut sources: Vec<PathBuf> = Vec::new();
    for (i, intent) in tx.intents.iter().rev() {
        let Some(step) = tx.plan.steps.get(*i) else {
            continue;
        };
        let kind = match (&step.kind, intent.had) {
            // The step found its folder already there and changed nothing.
            (StepKind::CreateDir, Some(_)) | (StepKind::Stash, None) => continue,
            (_, Some(_)) => {
                sources.push(intent.stash.clone());
                StepKind::MoveBack {
                    from: intent.stash.clone(),
                }
            }
            (_, None) => StepKind::Stash,
        };
        plan.steps.push(Step {
            component: step.component.clone(),
            target: step.target.clone(),
            kind,
            bytes: 0,
            replaces: probe.entry(&plan.abs(&step.target)),
        });
    }
    plan.preconditions.push(Precondition::pending(
        Check::ServerStopped,
        "no server process running",
    ));
    if plan
        .steps
        .iter()
        .any(crate::plan::preconditions::is_database_step)
    {
        plan.preconditions.push(Precondition::pending(
            Check::DatabasesNotInUse,
            crate::plan::restore::IN_USE,
        ));
    }
    plan.preconditions.push(Precondition::pending(
        Check::JournalLock,
        "no other drconsole holds the journal lock",
    ));
    plan.preconditions.push(Precondition::pending(
        Check::TargetsInsideRoot,
        format!("every target inside the root {}", plan.root.display()),
    ));
    for path in sources {
        plan.preconditions.push(Precondition::pending(
            Check::StashPresent { path: path.clone() },
            format!("stashed original {} still there", path.display()),
        ));
    }
    {
        // A damaged commit still leaves the hash each step recorded for what it wrote.
        for (target, hash) in &tx.expected_hashes() {
            plan.preconditions.push(Precondition::pending(
                Check::UnchangedSinceCommit {
                    target: target.clone(),
                    hash: hash.clone(),
                    force,
                },
                format!("{} unchanged since {} committed", target.display(), tx.txid),
            ));
        }
    }
    Ok(plan)
}

/// Databases an undo would put back that fail a full integrity check (often the very reason
/// for the restore being undone), or that cannot be checked: one warning each.
pub fn put_back_warnings(plan: &Plan) -> Vec<String> {
    use crate::inventory::{CheckLevel, DbState, sqlite};
    let mut out = Vec::new();
    for step in &plan.steps {
        let StepKind::MoveBack { from } = &step.kind else {
            continue;
        };
        let name = step.target.to_string_lossy();
        let companion = ["-wal", "-journal", "-shm"]
            .iter()
            .any(|s| name.ends_with(s));
        if !step.component.starts_with("database:") || companion {
            continue;
        }
        let mut file = sqlite::stat(from);
        if file.state == DbState::Unchecked {
            // The stash is the journal's own copy that nothing writes: open it frozen, so
            // checking it never creates a file beside it.
            sqlite::check(&mut file, CheckLevel::Full, sqlite::Mutability::Frozen);
        }
        let what = match file.state {
            DbState::Ok | DbState::QuickOk => continue,
            DbState::Corrupt | DbState::NotSqlite | DbState::Empty => {
                format!("fails its integrity check ({})", file.state.label())
            }
            DbState::Missing | DbState::Unreadable | DbState::Unchecked | DbState::Unverifiable => {
                "cannot be verified: its stashed copy could not be checked".to_string()
            }
        };
        let detail = file
            .messages
            .first()
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        out.push(format!(
            "{} would be put back, and it {what}{detail}",
            step.target.display()
        ));
    }
    out
}
