//! The write-ahead undo journal: transactions, stash, crash recovery and undo.
//! Each transaction is a folder in the journal (`<id>/log` plus `<id>/stash/`); the log is
//! written ahead of every change, so any crash can be rolled back from it at the next start.

mod batch;
mod dbedit;
mod execute;
pub mod faults;
pub mod fsops;
mod list;
pub mod mark;
mod prune;
pub mod record;
mod recover;
mod undo;

pub use execute::{Committed, ExecError, execute};
pub use list::MarkSummary;
pub use list::{TxState, TxSummary, findings, list};
pub use mark::record_mark;
pub use prune::{PruneReport, prune, prune_preview};
pub use recover::{RecoveryReport, recover, recover_locked};
pub use undo::{
    UndoError, build_undo_plan, default_undo_target, find_undo_target, put_back_warnings,
};

use crate::context::Context;
use crate::plan::{EntryKind, Plan};
use chrono::{DateTime, Utc};
use record::Record;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Why the journal could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// An I/O error on a journal path.
    #[error("cannot {op} {path}: {source}")]
    Io {
        /// What was being done.
        op: String,
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A record in the middle of a log is damaged.
    #[error(
        "the journal log {path} is damaged at offset {offset} ({why}): move that transaction folder away and recover its stash by hand"
    )]
    Corrupt {
        /// The log.
        path: PathBuf,
        /// Byte offset of the damaged record.
        offset: u64,
        /// What is wrong.
        why: String,
    },
    /// A log that does not start with its transaction.
    #[error("the journal log {path} does not begin with a transaction record")]
    NoBegin {
        /// The log.
        path: PathBuf,
    },
    /// A record could not be encoded (a path that is not UTF-8).
    #[error("cannot write a journal record to {path}: {why}")]
    Encode {
        /// The log.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// The state folder, or something in it, is not trusted.
    #[error(transparent)]
    State(#[from] crate::state_dir::StateError),
    /// Another drconsole holds the lock.
    #[error(
        "another drconsole{holder} holds the journal lock {path}: wait for it to finish, then try again"
    )]
    Busy {
        /// The lock file.
        path: PathBuf,
        /// " (pid N)" when known.
        holder: String,
    },
}

impl JournalError {
    /// Wrap an I/O error with its operation and path.
    pub fn io(source: std::io::Error, op: &str, path: &Path) -> Self {
        JournalError::Io {
            op: op.to_string(),
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The journal folder of a context.
#[derive(Debug, Clone)]
pub struct Journal {
    dir: PathBuf,
}

/// Proof that this process holds the journal lock; released on drop.
#[derive(Debug)]
pub struct JournalLock {
    _file: File,
    journal: Journal,
}

impl JournalLock {
    /// The journal this lock guards.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }
}

impl Journal {
    /// The journal of `ctx` (`<state>/journal`); nothing is created yet.
    pub fn of(ctx: &Context) -> Journal {
        Journal {
            dir: ctx.journal_dir(),
        }
    }

    /// A journal in `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Journal {
        Journal { dir: dir.into() }
    }

    /// The journal folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The state folder the journal lives in.
    fn state(&self) -> &Path {
        self.dir.parent().unwrap_or(&self.dir)
    }

    /// Create the journal folder (0700: stashes hold private keys) and the state folder if
    /// missing, durably; refuse either when someone else owns it or can write it.
    pub fn ensure(&self) -> Result<(), JournalError> {
        crate::state_dir::ensure_dir(self.state(), &self.dir)?;
        Ok(())
    }

    /// Whether the journal folder exists; refuses (as `ensure` does) an untrusted one.
    fn trusted_exists(&self) -> Result<bool, JournalError> {
        if !crate::state_dir::check_root(self.state())? {
            return Ok(false);
        }
        Ok(crate::state_dir::check(&self.dir, true)?)
    }

    /// Take the lock, waiting up to `wait` for another drconsole to let go.
    pub fn lock(&self, wait: Duration) -> Result<JournalLock, JournalError> {
        self.ensure()?;
        let path = self.dir.join("lock");
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        // Never through a link: a planted `lock -> /etc/shadow` must not be truncated by root.
        let mut file = crate::state_dir::open_file(&path, &mut opts)?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < wait => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut pid = String::new();
                    let _ = file.read_to_string(&mut pid);
                    let pid = pid.trim();
                    return Err(JournalError::Busy {
                        path,
                        holder: if pid.is_empty() {
                            String::new()
                        } else {
                            format!(" (pid {pid})")
                        },
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(JournalError::io(e, "lock", &path));
                }
            }
        }
        // Who holds it, for the message a second drconsole prints.
        let _ = file
            .set_len(0)
            .and_then(|_| file.rewind())
            .and_then(|_| writeln!(file, "{}", std::process::id()));
        Ok(JournalLock {
            _file: file,
            journal: self.clone(),
        })
    }

    /// Every transaction in the journal, oldest first.
    pub fn transactions(&self) -> Result<Vec<Transaction>, JournalError> {
        let mut out = Vec::new();
        if !self.trusted_exists()? {
            return Ok(out);
        }
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(JournalError::io(e, "read", &self.dir)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| JournalError::io(e, "read", &self.dir))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if seq_of(name).is_none() {
                continue;
            }
            crate::state_dir::check(&entry.path(), true)?;
            let log = entry.path().join("log");
            if !crate::state_dir::check(&log, false)? {
                // A folder without a log never began: nothing was changed for it.
                continue;
            }
            // A crash between creating the log and its first record leaves it empty: that
            // transaction never began and changed nothing.
            if let Some(tx) = Transaction::load(&entry.path())? {
                out.push(tx);
            }
        }
        out.sort_by_key(|t| seq_of(&t.txid));
        Ok(out)
    }

    /// The transaction with this id, or sequence number (`3` for `0003-…`).
    pub fn find(&self, id: &str) -> Result<Option<Transaction>, JournalError> {
        let want_seq = id.parse::<u64>().ok();
        Ok(self
            .transactions()?
            .into_iter()
            .find(|t| t.txid == id || (want_seq.is_some() && seq_of(&t.txid) == want_seq)))
    }

    fn next_txid(&self, at: DateTime<Utc>) -> Result<String, JournalError> {
        let mut max = 0;
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                if let Some(n) = e.file_name().to_str().and_then(seq_of) {
                    max = max.max(n);
                }
            }
        }
        Ok(format!("{:04}-{}", max + 1, at.format("%Y%m%dT%H%M%SZ")))
    }
}

/// How long a mutating action waits for another drconsole to release the journal.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// Check `plan`'s preconditions now, taking the journal lock for it. A preview only peeks at
/// the lock (and creates nothing) and returns `None`; otherwise the lock is returned when it
/// was taken, to be handed to `execute` if the plan is ready.
pub fn prepare(
    ctx: &Context,
    plan: &mut Plan,
    preview: bool,
) -> Result<Option<JournalLock>, JournalError> {
    let journal = Journal::of(ctx);
    let (lock, status) = if preview && !journal.dir().is_dir() {
        (None, Ok(()))
    } else {
        match journal.lock(if preview { Duration::ZERO } else { LOCK_WAIT }) {
            Ok(l) => (Some(l), Ok(())),
            Err(e @ JournalError::Busy { .. }) => (None, Err(e.to_string())),
            Err(e) => return Err(e),
        }
    };
    crate::plan::check_preconditions(ctx, plan, status);
    Ok(if preview { None } else { lock })
}

/// The sequence number of a transaction id (`0003-20261122T080000Z` is 3).
fn seq_of(name: &str) -> Option<u64> {
    let (seq, rest) = name.split_once('-')?;
    (seq.len() >= 4 && rest.len() == 16 && rest.ends_with('Z'))
        .then(|| seq.parse().ok())
        .flatten()
}

/// A root-relative target and the hash of what it held at commit (`None`: absent).
pub type TargetHash = (PathBuf, Option<String>);

/// A step's intent as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    /// What was at the target before.
    pub had: Option<EntryKind>,
    /// Where the old content goes.
    pub stash: PathBuf,
    /// Temporary name of the new content.
    pub temp: PathBuf,
}

/// One transaction as read back from its log.
#[derive(Debug, Clone)]
pub struct Transaction {
    /// Its id.
    pub txid: String,
    /// Its folder in the journal.
    pub dir: PathBuf,
    /// When it began.
    pub at: DateTime<Utc>,
    /// Who ran it, where, and when by the wall clock.
    pub origin: record::Origin,
    /// The plan it executed.
    pub plan: Plan,
    /// Steps that began, by index.
    pub intents: BTreeMap<usize, Intent>,
    /// Hash of what each step put (or is about to put) at its target, by index.
    pub staged: BTreeMap<usize, Option<String>>,
    /// Steps that finished: (stashed bytes, written bytes) by index.
    pub done: BTreeMap<usize, (u64, u64)>,
    /// Why an in-process rollback began, if one did.
    pub aborting: Option<String>,
    /// Where the log stops being readable, if it does.
    pub damage: Option<record::Damage>,
    /// The commit: when, and the hash of every target.
    pub commit: Option<(DateTime<Utc>, Vec<TargetHash>)>,
    /// The rollback: when and why.
    pub rolled_back: Option<(DateTime<Utc>, String)>,
    /// When the stash was freed.
    pub pruned: Option<DateTime<Utc>>,
    /// Length of the valid part of the log.
    valid_len: u64,
}

impl Transaction {
    /// Read a transaction folder; `None` when its log holds no complete record.
    fn load(dir: &Path) -> Result<Option<Transaction>, JournalError> {
        let log = dir.join("log");
        let mut bytes = Vec::new();
        crate::state_dir::open_file(&log, std::fs::OpenOptions::new().read(true))?
            .read_to_end(&mut bytes)
            .map_err(|e| JournalError::io(e, "read", &log))?;
        let (records, valid, damage) = record::decode(&bytes);
        let mut it = records.into_iter();
        let Some(first) = it.next() else {
            if let Some(d) = damage.filter(|d| !d.tail) {
                return Err(JournalError::Corrupt {
                    path: log,
                    offset: d.offset,
                    why: d.why,
                });
            }
            return Ok(None);
        };
        let Record::Begin {
            txid,
            at,
            plan,
            origin,
        } = first
        else {
            return Err(JournalError::NoBegin { path: log });
        };
        let mut tx = Transaction {
            txid,
            dir: dir.to_path_buf(),
            at,
            origin,
            plan,
            intents: BTreeMap::new(),
            staged: BTreeMap::new(),
            done: BTreeMap::new(),
            aborting: None,
            damage,
            commit: None,
            rolled_back: None,
            pruned: None,
            valid_len: valid as u64,
        };
        for r in it {
            match r {
                Record::Begin { .. } => {
                    return Err(JournalError::Corrupt {
                        path: log,
                        offset: 0,
                        why: "a second transaction record".into(),
                    });
                }
                Record::Intent {
                    step,
                    had,
                    stash,
                    temp,
                } => {
                    tx.intents.insert(step, Intent { had, stash, temp });
                }
                Record::Staged { step, hash } => {
                    tx.staged.insert(step, hash);
                }
                Record::Done {
                    step,
                    stashed,
                    written,
                } => {
                    tx.done.insert(step, (stashed, written));
                }
                Record::Aborting { reason, .. } => tx.aborting = Some(reason),
                Record::Commit { at, hashes } => tx.commit = Some((at, hashes)),
                Record::RolledBack { at, reason } => tx.rolled_back = Some((at, reason)),
                Record::Pruned { at } => tx.pruned = Some(at),
            }
        }
        Ok(Some(tx))
    }

    /// Every step of the plan has its done record.
    pub fn all_done(&self) -> bool {
        (0..self.plan.steps.len()).all(|i| self.done.contains_key(&i))
    }

    /// Neither committed nor rolled back, and interrupted before its last step finished (or
    /// during its rollback): recovery rolls it back.
    pub fn unfinished(&self) -> bool {
        // A mark is whole only with its commit: without one it never happened, and the
        // rollback (of nothing) records that.
        let mark = !self.plan.action.changes_files();
        self.commit.is_none()
            && self.rolled_back.is_none()
            && self.damage.as_ref().is_none_or(|d| d.tail)
            && (self.aborting.is_some() || !self.all_done() || mark)
    }

    /// Neither committed nor rolled back, and not to be rolled back automatically: every step
    /// finished but the commit record is missing or damaged, or the log is damaged before its
    /// end. Says why, for the operator; `None` for every other transaction.
    pub fn damaged(&self) -> Option<String> {
        if self.commit.is_some() || self.rolled_back.is_some() || self.unfinished() {
            return None;
        }
        Some(match &self.damage {
            Some(d) if !d.tail => format!(
                "its log is damaged at offset {} ({}): the records after that cannot be trusted, so nothing was rolled back automatically; compare the paths it names with the backup set, then restore or undo by hand",
                d.offset, d.why
            ),
            Some(d) => format!(
                "every step finished, but its last record is damaged at offset {} ({}); it was not rolled back: check the restored paths, then keep them or `drconsole undo {}`",
                d.offset, d.why, self.txid
            ),
            None => format!(
                "every step finished, but it was interrupted before its commit (its final checks did not complete); it was not rolled back: check the restored paths, then keep them or `drconsole undo {}`",
                self.txid
            ),
        })
    }

    /// In effect on disk: committed, or every step done with a damaged or missing commit.
    pub fn in_effect(&self) -> bool {
        self.commit.is_some() || (self.damaged().is_some() && self.all_done())
    }

    /// The hash each target should hold now that the transaction is in effect: the commit's,
    /// else the one its last step recorded (folders the plan created are covered by their
    /// contents). A target without a recorded hash is left out.
    pub fn expected_hashes(&self) -> Vec<TargetHash> {
        if let Some((_, hashes)) = &self.commit {
            return hashes.clone();
        }
        let mut out: Vec<TargetHash> = Vec::new();
        for (i, step) in self.plan.steps.iter().enumerate().rev() {
            if out.iter().any(|(t, _)| *t == step.target) {
                continue;
            }
            if matches!(step.kind, crate::plan::StepKind::CreateDir) {
                continue;
            }
            let hash = match (&step.kind, self.staged.get(&i)) {
                (_, Some(h)) => h.clone(),
                (crate::plan::StepKind::Stash, None) => None,
                _ => continue,
            };
            out.push((step.target.clone(), hash));
        }
        out
    }

    /// Check that every path the log names lies where this transaction may act: targets
    /// inside the root of its own plan, temporary names beside them, stash entries in its own
    /// stash, moved-in entries in a stash of this journal or under the root. A log that names
    /// anything else was not written by drconsole and is never acted on.
    pub fn check_confined(&self, journal_dir: &Path) -> Result<(), String> {
        let root = &self.plan.root;
        if !clean_absolute(root) {
            return Err(format!(
                "its root {} is not a plain absolute path",
                root.display()
            ));
        }
        for step in &self.plan.steps {
            if !crate::plan::is_plain_relative(&step.target) {
                return Err(format!(
                    "it names {} as a target, which is not inside its root {}",
                    step.target.display(),
                    root.display()
                ));
            }
            if let crate::plan::StepKind::MoveBack { from } = &step.kind {
                let in_journal = from.starts_with(journal_dir);
                let in_root_stash = from.starts_with(root)
                    && from
                        .components()
                        .any(|c| c.as_os_str() == ".drconsole-stash");
                if !clean_absolute(from) || !(in_journal || in_root_stash) {
                    return Err(format!(
                        "it moves {} in, which is not in a drconsole stash",
                        from.display()
                    ));
                }
            }
        }
        for (i, intent) in &self.intents {
            let step =
                self.plan.steps.get(*i).ok_or_else(|| {
                    format!("it names step {} that its plan does not have", i + 1)
                })?;
            let target = self.plan.abs(&step.target);
            let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else {
                return Err(format!("{} has no parent folder", target.display()));
            };
            let name = name.to_string_lossy();
            let temp = parent.join(format!(".{name}.drconsole-{}-{i}.tmp", self.txid));
            if intent.temp != temp {
                return Err(format!(
                    "its temporary name {} is not the one drconsole gives step {}",
                    intent.temp.display(),
                    i + 1
                ));
            }
            let stash_name = format!("{i:04}-{name}");
            let stash_dir = intent.stash.parent().unwrap_or(Path::new(""));
            let own = stash_dir == self.dir.join("stash");
            let under_root = stash_dir
                .file_name()
                .is_some_and(|n| n == self.txid.as_str())
                && stash_dir
                    .parent()
                    .and_then(Path::file_name)
                    .is_some_and(|n| n == ".drconsole-stash")
                && stash_dir.starts_with(root);
            if !clean_absolute(&intent.stash)
                || intent.stash.file_name().is_none_or(|n| *n != *stash_name)
                || !(own || under_root)
            {
                return Err(format!(
                    "its stash entry {} is not in its own stash",
                    intent.stash.display()
                ));
            }
        }
        Ok(())
    }

    /// Open the log to append more records.
    fn log(&self) -> Result<record::Log, JournalError> {
        let path = self.dir.join("log");
        if let Some(d) = self.damage.as_ref().filter(|d| !d.tail) {
            // Appending would cut off the records after the damage: keep them for the operator.
            return Err(JournalError::Corrupt {
                path,
                offset: d.offset,
                why: d.why.clone(),
            });
        }
        record::Log::reopen(&path, self.valid_len)
    }
}

/// An absolute path made only of plain names (no `.`, no `..`).
fn clean_absolute(p: &Path) -> bool {
    use std::path::Component;
    p.is_absolute()
        && p.components().all(|c| {
            matches!(
                c,
                Component::RootDir | Component::Prefix(_) | Component::Normal(_)
            )
        })
}

#[cfg(all(test, unix))]
mod tests;
