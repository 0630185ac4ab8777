//! The runbook's state: each recovery step of the profile judged against one scan and the
//! journal. A step is done when the scan proves it (its `done_when`), or when the operator
//! marked it; "cannot verify" says why the scan cannot tell, and is never reported as done.

mod proof;

use crate::inventory::{CheckDepth, Inventory};
use crate::journal::{TxState, TxSummary};
use crate::plan::MarkKind;
use crate::profile::{Profile, RunbookStep};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub use proof::Proof;

/// Where one step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// The scan proves it done.
    Done,
    /// The operator marked it done (the scan cannot prove it, or it is a step by hand).
    MarkedDone,
    /// The operator decided not to do it.
    Skipped,
    /// Still to do: the scan shows it is not done, or nobody marked it yet.
    Open,
    /// The scan cannot tell (a check did not run or could not read something); `evidence` says why.
    CannotVerify,
}

impl StepState {
    /// Name as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Done => "done",
            StepState::MarkedDone => "marked_done",
            StepState::Skipped => "skipped",
            StepState::Open => "open",
            StepState::CannotVerify => "cannot_verify",
        }
    }

    /// Nothing more to do for it.
    pub fn settled(self) -> bool {
        matches!(
            self,
            StepState::Done | StepState::MarkedDone | StepState::Skipped
        )
    }
}

/// The operator's latest mark on a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MarkInfo {
    /// The journal transaction holding it.
    pub txid: String,
    /// Done or skipped.
    pub mark: MarkKind,
    /// The operator's note.
    pub note: String,
    /// When, by the context clock (`--now` when fixed).
    pub at: DateTime<Utc>,
    /// When, by the wall clock.
    pub wall_clock: Option<DateTime<Utc>>,
    /// Who (login name).
    pub user: Option<String>,
    /// On which machine.
    pub host: Option<String>,
}

impl MarkInfo {
    /// `done by alice@rescue at 2026-11-22 08:00 UTC: note`.
    pub fn describe(&self) -> String {
        let when = self.wall_clock.unwrap_or(self.at);
        let mut s = format!(
            "marked {} by {}@{} at {}",
            self.mark.as_str(),
            self.user.as_deref().unwrap_or("?"),
            self.host.as_deref().unwrap_or("?"),
            when.format("%Y-%m-%d %H:%M UTC")
        );
        if !self.note.is_empty() {
            s.push_str(&format!(": {}", self.note));
        }
        s
    }
}

/// One step with its state.
#[derive(Debug, Clone, Serialize)]
pub struct StepStatus {
    /// Position in the runbook, from 1.
    pub n: usize,
    /// The step as the profile defines it.
    #[serde(flatten)]
    pub step: RunbookStep,
    /// Ticked from the scan (`automatic`) or only by hand (`manual`).
    pub kind: &'static str,
    /// Where it stands.
    pub state: StepState,
    /// What the scan showed, one fact a line (why it is done, open or cannot be verified).
    pub evidence: Vec<String>,
    /// The operator's latest mark, if any and not cleared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mark: Option<MarkInfo>,
}

/// The whole runbook of a profile under one root.
#[derive(Debug, Clone, Serialize)]
pub struct Runbook {
    /// Profile name.
    pub profile: String,
    /// Product named by the profile.
    pub product: String,
    /// Root the state is about.
    #[serde(serialize_with = "crate::pathser::serialize")]
    pub root: PathBuf,
    /// When the scan ran (`None`: no scan yet).
    pub checked_at: Option<DateTime<Utc>>,
    /// How deep the scan's checks went.
    pub depth: Option<CheckDepth>,
    /// The steps, in the vendor's order.
    pub steps: Vec<StepStatus>,
    /// The first step not settled (open or cannot be verified): what to do next.
    pub next: Option<String>,
}

impl Runbook {
    /// Steps in each state, in [`StepState`] order: done, marked, skipped, open, cannot verify.
    pub fn counts(&self) -> [(StepState, usize); 5] {
        [
            StepState::Done,
            StepState::MarkedDone,
            StepState::Skipped,
            StepState::Open,
            StepState::CannotVerify,
        ]
        .map(|s| (s, self.steps.iter().filter(|x| x.state == s).count()))
    }

    /// The step with this id.
    pub fn step(&self, id: &str) -> Option<&StepStatus> {
        self.steps.iter().find(|s| s.step.id == id)
    }
}

/// Judge `profile`'s runbook under `root` against a scan (`None` before the first one lands)
/// and the journal's transactions (any order; marks and restores of other roots are ignored).
pub fn evaluate(
    profile: &Profile,
    root: &Path,
    inv: Option<&Inventory>,
    journal: &[TxSummary],
) -> Runbook {
    let mine: Vec<&TxSummary> = journal.iter().filter(|t| t.root == root).collect();
    let steps: Vec<StepStatus> = profile
        .runbook
        .iter()
        .enumerate()
        .map(|(i, step)| judge(i + 1, step, profile, inv, &mine))
        .collect();
    let next = steps
        .iter()
        .find(|s| !s.state.settled())
        .map(|s| s.step.id.clone());
    Runbook {
        profile: profile.name.clone(),
        product: profile.product.clone(),
        root: root.to_path_buf(),
        checked_at: inv.map(|i| i.scanned_at),
        depth: inv.map(|i| i.depth),
        steps,
        next,
    }
}

/// The latest committed mark of `profile`'s step `id`; a `cleared` mark ends the one before.
fn latest_mark(profile: &str, id: &str, journal: &[&TxSummary]) -> Option<MarkInfo> {
    let latest = journal
        .iter()
        .filter(|t| t.state == TxState::Committed)
        .filter_map(|t| t.mark.as_ref().map(|m| (t, m)))
        .filter(|(_, m)| m.profile == profile && m.step == id)
        // Transaction ids begin with their sequence number, so the greatest is the newest.
        .max_by(|a, b| a.0.id.cmp(&b.0.id))?;
    let (t, m) = latest;
    (m.mark != MarkKind::Cleared).then(|| MarkInfo {
        txid: t.id.clone(),
        mark: m.mark,
        note: m.note.clone(),
        at: t.at,
        wall_clock: t.origin.wall_clock,
        user: t.origin.user.clone(),
        host: t.origin.host.clone(),
    })
}

fn judge(
    n: usize,
    step: &RunbookStep,
    profile: &Profile,
    inv: Option<&Inventory>,
    journal: &[&TxSummary],
) -> StepStatus {
    let mark = latest_mark(&profile.name, &step.id, journal);
    let proof = step.done_when.as_ref().map(|d| match inv {
        Some(inv) => proof::prove(d, profile, inv, journal),
        None => Proof::unknown("not checked yet: the scan is still running"),
    });
    let mut evidence: Vec<String> = proof.as_ref().map(|p| p.lines.clone()).unwrap_or_default();
    let marked = mark.as_ref().map(|m| m.mark);
    let state = match (proof.as_ref().map(|p| p.verdict), marked) {
        (_, Some(MarkKind::Skipped)) => StepState::Skipped,
        (Some(proof::Verdict::Proven), _) => StepState::Done,
        // What the scan shows now outweighs a mark made earlier: the server may have been
        // started again, or a restore undone, since.
        (Some(proof::Verdict::Open), Some(MarkKind::Done)) => {
            evidence.push(
                "it was marked done, but the scan shows it is not: check it again".to_string(),
            );
            StepState::Open
        }
        (Some(proof::Verdict::Unknown), Some(MarkKind::Done)) | (None, Some(MarkKind::Done)) => {
            StepState::MarkedDone
        }
        (Some(proof::Verdict::Open), _) => StepState::Open,
        (Some(proof::Verdict::Unknown), _) => StepState::CannotVerify,
        (None, _) => {
            evidence.push("done by hand: mark it done (or skipped) when it is".to_string());
            StepState::Open
        }
    };
    StepStatus {
        n,
        step: step.clone(),
        kind: if step.automatic() {
            "automatic"
        } else {
            "manual"
        },
        state,
        evidence,
        mark,
    }
}

#[cfg(test)]
mod tests;
