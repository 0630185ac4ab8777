//! The plain-text rendering of a plan: what `--dry-run` prints and the confirmation shows.

use super::{Action, Plan, Status, StepKind};
use crate::escape::{Shown, escape, path};
use std::fmt;

pub use crate::units::bytes;

/// The "Preconditions:" block of a plan (nothing when it has none).
pub fn write_preconditions(f: &mut dyn fmt::Write, plan: &Plan) -> fmt::Result {
    if plan.preconditions.is_empty() {
        return Ok(());
    }
    writeln!(f, "\nPreconditions:")?;
    for p in &plan.preconditions {
        let mark = match p.status {
            Status::Pending => "[ .. ]",
            Status::Pass => "[ ok ]",
            Status::Overridden => "[FORCE]",
            Status::Fail => "[FAIL]",
        };
        writeln!(f, "  {mark} {}", escape(&p.description))?;
        if !p.detail.is_empty() {
            writeln!(f, "         {}", escape(&p.detail))?;
        }
    }
    Ok(())
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.action {
            Action::Restore { set } => writeln!(
                f,
                "Restore {} from backup set {}",
                escape(&self.components.join(", ")),
                Shown(set)
            )?,
            Action::Undo { txid } => writeln!(f, "Undo transaction {}", Shown(txid))?,
            Action::Sync { from, to } => {
                writeln!(f, "Sync {} from {}", escape(&to.join(", ")), Shown(from))?
            }
            Action::Definitions { change } => {
                writeln!(f, "Distribution points: {}", escape(change))?
            }
            Action::Mark { step, mark, .. } => {
                writeln!(f, "Mark runbook step {} {}", Shown(step), mark.as_str())?
            }
        }
        writeln!(f, "Root: {}", path(&self.root))?;
        write_preconditions(f, self)?;
        writeln!(f, "\nSteps:")?;
        for (i, s) in self.steps.iter().enumerate() {
            write!(
                f,
                "  {:>3}. {:<13} {}",
                i + 1,
                s.kind.verb(),
                path(&s.target)
            )?;
            match &s.kind {
                StepKind::CopyFile { source }
                | StepKind::CopyTree { source }
                | StepKind::SyncFile { source } => {
                    write!(f, "\n         from {} ({})", path(source), bytes(s.bytes))?
                }
                StepKind::MoveBack { from } => write!(f, "\n         from {}", path(from))?,
                StepKind::EditDatabase { edit, .. } => {
                    write!(f, "\n         {}", escape(&edit.description))?
                }
                StepKind::WriteFile { .. } => write!(f, " ({})", bytes(s.bytes))?,
                StepKind::Stash | StepKind::CreateDir => {}
            }
            if let Some(old) = &s.replaces {
                let kind = match old.kind {
                    super::EntryKind::File => "file",
                    super::EntryKind::Dir => "folder",
                    super::EntryKind::Symlink => "symbolic link",
                    super::EntryKind::Other => "special file",
                };
                write!(
                    f,
                    "\n         the current {kind} ({}) moves into the stash",
                    bytes(old.bytes)
                )?;
            }
            writeln!(f)?;
        }
        if !self.verify.is_empty() {
            writeln!(
                f,
                "\nAfter the steps: full integrity check of {} database(s); any failure rolls everything back.",
                self.verify.len()
            )?;
        }
        for n in &self.notes {
            writeln!(f, "Note: {}", escape(n))?;
        }
        writeln!(
            f,
            "\nWrites {} of new content; moves {} aside into the stash (renamed, never deleted).",
            bytes(self.bytes_written()),
            bytes(self.bytes_stashed())
        )
    }
}
