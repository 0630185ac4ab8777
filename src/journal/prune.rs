//! Freeing old stashes: `journal prune --keep N` keeps the N newest transactions undoable and
//! deletes the stashed originals of older ones (their log stays, marked pruned).

use super::fsops;
use super::list::{TxState, summarize};
use super::record::Record;
use super::{JournalError, JournalLock, Transaction};
use chrono::{DateTime, Utc};

/// What a prune did (or would do).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PruneReport {
    /// Transactions whose stash was (or would be) freed.
    pub pruned: Vec<String>,
    /// Bytes freed.
    pub freed_bytes: u64,
}

/// The transactions a prune keeping `keep` would free, and the bytes.
pub fn prune_preview(txs: &[Transaction], keep: usize) -> PruneReport {
    let summaries = summarize(txs);
    let mut report = PruneReport::default();
    // Runbook marks have no stash and are never undone: they neither count nor get pruned.
    for s in summaries.iter().filter(|s| s.changes_files()).skip(keep) {
        // A damaged transaction waits for the operator, who may still want to undo it.
        if s.pruned || matches!(s.state, TxState::Unfinished | TxState::Damaged) {
            continue;
        }
        report.pruned.push(s.id.clone());
        report.freed_bytes += s.bytes_stashed;
    }
    report
}

/// Free the stashes of all but the `keep` newest transactions.
pub fn prune(
    lock: &JournalLock,
    keep: usize,
    at: DateTime<Utc>,
) -> Result<PruneReport, JournalError> {
    let txs = lock.journal().transactions()?;
    let report = prune_preview(&txs, keep);
    for tx in txs.iter().filter(|t| report.pruned.contains(&t.txid)) {
        for intent in tx.intents.values() {
            fsops::remove_durable(&intent.stash)
                .map_err(|e| JournalError::io(e, "free the stash entry", &intent.stash))?;
            // Stashes kept outside the journal live in a folder named after the transaction.
            if let Some(dir) = intent.stash.parent()
                && dir.file_name().is_some_and(|n| n == tx.txid.as_str())
                && std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none())
            {
                let _ = std::fs::remove_dir(dir);
            }
        }
        let stash = tx.dir.join("stash");
        fsops::remove_durable(&stash).map_err(|e| JournalError::io(e, "free", &stash))?;
        tx.log()?.append(&Record::Pruned { at })?;
    }
    Ok(report)
}
