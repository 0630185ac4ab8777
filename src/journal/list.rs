//! The journal as a list of transactions with their states: plain data for `drconsole journal`,
//! its JSON and the console's journal view.

use super::{Journal, JournalError, Transaction};
use crate::plan::Action;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// Where a transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TxState {
    /// Committed and in effect.
    Committed,
    /// Failed or interrupted, and put back.
    RolledBack,
    /// Reverted by a later committed undo.
    Undone,
    /// Interrupted and not rolled back yet (recovery does it at the next start).
    Unfinished,
    /// Every step finished but the commit is missing or damaged, or the log is damaged before
    /// its end: never rolled back automatically, left for the operator (see `damage`).
    Damaged,
}

impl TxState {
    /// Name as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TxState::Committed => "committed",
            TxState::RolledBack => "rolled back",
            TxState::Undone => "undone",
            TxState::Unfinished => "unfinished",
            TxState::Damaged => "damaged",
        }
    }
}

/// One line of the journal.
#[derive(Debug, Clone, Serialize)]
pub struct TxSummary {
    /// Transaction id.
    pub id: String,
    /// When it began (context clock).
    pub at: DateTime<Utc>,
    /// Who ran it, on which host, at what wall-clock time.
    #[serde(flatten)]
    pub origin: super::record::Origin,
    /// `restore` or `undo`.
    pub action: String,
    /// The backup set a restore came from.
    pub set: Option<String>,
    /// The transaction an undo reverted.
    pub undoes: Option<String>,
    /// Component ids touched.
    pub components: Vec<String>,
    /// The root it changed files under (undo must run with the same `--root`).
    pub root: std::path::PathBuf,
    /// Where it stands.
    pub state: TxState,
    /// The committed undo that reverted it.
    pub undone_by: Option<String>,
    /// Steps in its plan.
    pub steps: usize,
    /// Bytes of new content written.
    pub bytes_written: u64,
    /// Bytes held in its stash (0 once pruned).
    pub bytes_stashed: u64,
    /// Whether its stash was freed.
    pub pruned: bool,
    /// Why it was rolled back.
    pub reason: Option<String>,
    /// For a damaged transaction: what is wrong and what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub damage: Option<String>,
    /// For a runbook mark: the step, the mark and the note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mark: Option<MarkSummary>,
}

/// A runbook mark as the journal lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MarkSummary {
    /// The profile whose runbook holds the step.
    pub profile: String,
    /// The step's id.
    pub step: String,
    /// `done`, `skipped` or `cleared`.
    pub mark: crate::plan::MarkKind,
    /// The operator's note.
    pub note: String,
}

impl TxSummary {
    /// When it began by the wall clock, with the context clock beside it when that was fixed
    /// (`--now`) to another time: `2026-12-01 14:30:02 UTC (--now 2026-11-22 08:00:00 UTC)`.
    pub fn when(&self) -> String {
        let fmt = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
        match self.origin.wall_clock {
            Some(w) if (w - self.at).num_seconds().abs() > 60 => {
                format!("{} (--now {})", fmt(w), fmt(self.at))
            }
            Some(w) => fmt(w),
            None => fmt(self.at),
        }
    }

    /// Whether it changed files (restores and undos), not only the journal (marks).
    pub fn changes_files(&self) -> bool {
        self.mark.is_none()
    }

    /// Who ran it and where: `alice@lanrev01`, `?` for what older journals did not record.
    pub fn who(&self) -> String {
        format!(
            "{}@{}",
            self.origin.user.as_deref().unwrap_or("?"),
            self.origin.host.as_deref().unwrap_or("?")
        )
    }
}

/// Every transaction, newest first.
pub fn list(journal: &Journal) -> Result<Vec<TxSummary>, JournalError> {
    Ok(summarize(&journal.transactions()?))
}

/// Summaries of `txs` (oldest first in), newest first out.
pub fn summarize(txs: &[Transaction]) -> Vec<TxSummary> {
    // Newest first, so an undo's own state is known before it counts against its target.
    let mut undone_by: BTreeMap<&str, &str> = BTreeMap::new();
    for tx in txs.iter().rev() {
        if !tx.in_effect() || undone_by.contains_key(tx.txid.as_str()) {
            continue;
        }
        if let Action::Undo { txid } = &tx.plan.action {
            undone_by.entry(txid.as_str()).or_insert(tx.txid.as_str());
        }
    }
    txs.iter()
        .rev()
        .map(|tx| {
            let by = undone_by.get(tx.txid.as_str()).map(|s| s.to_string());
            let damage = tx.damaged();
            let state = if tx.in_effect() && by.is_some() {
                TxState::Undone
            } else if tx.commit.is_some() {
                TxState::Committed
            } else if damage.is_some() {
                TxState::Damaged
            } else if tx.rolled_back.is_some() {
                TxState::RolledBack
            } else {
                TxState::Unfinished
            };
            let (set, undoes) = match &tx.plan.action {
                Action::Restore { set } => (Some(set.clone()), None),
                Action::Undo { txid } => (None, Some(txid.clone())),
                Action::Sync { .. } | Action::Definitions { .. } => (None, None),
                Action::Mark { .. } => (None, None),
            };
            let mark = match &tx.plan.action {
                Action::Mark {
                    profile,
                    step,
                    mark,
                    note,
                } => Some(MarkSummary {
                    profile: profile.clone(),
                    step: step.clone(),
                    mark: *mark,
                    note: note.clone(),
                }),
                _ => None,
            };
            // An undo moves the stashed originals back out, so an undone stash is empty.
            let stashed =
                if tx.pruned.is_some() || !matches!(state, TxState::Committed | TxState::Damaged) {
                    0
                } else {
                    tx.done.values().map(|(s, _)| s).sum()
                };
            TxSummary {
                id: tx.txid.clone(),
                at: tx.at,
                origin: tx.origin.clone(),
                action: tx.plan.action.name().to_string(),
                set,
                undoes,
                components: tx.plan.components.clone(),
                root: tx.plan.root.clone(),
                state,
                undone_by: if state == TxState::Undone { by } else { None },
                steps: tx.plan.steps.len(),
                bytes_written: tx.done.values().map(|(_, w)| w).sum(),
                bytes_stashed: stashed,
                pruned: tx.pruned.is_some(),
                reason: tx.rolled_back.as_ref().map(|(_, r)| r.clone()),
                damage,
                mark,
            }
        })
        .collect()
}

/// Findings about the journal: each damaged transaction, which waits for the operator.
pub fn findings(journal: &Journal) -> Vec<crate::findings::Finding> {
    use crate::findings::{Code, Finding};
    let txs = match journal.transactions() {
        Ok(t) => t,
        Err(e) => {
            return vec![Finding::new(
                Code::JournalDamaged,
                "journal",
                format!("the undo journal cannot be read: {e}"),
            )];
        }
    };
    txs.iter()
        .filter_map(|tx| {
            tx.damaged().map(|why| {
                Finding::new(
                    Code::JournalDamaged,
                    "journal",
                    format!("transaction {}: {why}", tx.txid),
                )
                .at(tx.dir.join("log"))
            })
        })
        .collect()
}
