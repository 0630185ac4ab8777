//! The write-ahead undo journal: transactions, stash, crash recovery and undo.
//! Each transaction is a folder in the journal (`<id>/log` plus `<id>/stash/`); the log is
//! written ahead of every change, so any crash can be rolled back from it at the next start.

mod execute;
pub mod faults;
pub mod fsops;
mod list;
mod prune;
pub mod record;
mod recover;
mod undo;

pub use execute::{Committed, ExecError, execute};
pub use list::{TxState, TxSummary, list};
pub use prune::{PruneReport, prune, prune_preview};
pub use recover::{RecoveryReport, recover, recover_locked};
pub use undo::{UndoError, build_undo_plan, default_undo_target, find_undo_target};

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

    /// Create the journal folder (0700: stashes hold private keys) if missing.
    pub fn ensure(&self) -> Result<(), JournalError> {
        if !self.dir.is_dir() {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                b.mode(0o700);
            }
            b.create(&self.dir)
                .map_err(|e| JournalError::io(e, "create the journal folder", &self.dir))?;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(&self.dir)
                .map_err(|e| JournalError::io(e, "inspect", &self.dir))?;
            if meta.permissions().mode() & 0o077 != 0 {
                std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))
                    .map_err(|e| JournalError::io(e, "make private (0700)", &self.dir))?;
            }
        }
        Ok(())
    }

    /// Take the lock, waiting up to `wait` for another drconsole to let go.
    pub fn lock(&self, wait: Duration) -> Result<JournalLock, JournalError> {
        self.ensure()?;
        let path = self.dir.join("lock");
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| JournalError::io(e, "open", &path))?;
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
            let log = entry.path().join("log");
            if !log.is_file() {
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
    /// Steps that finished: (stashed bytes, written bytes) by index.
    pub done: BTreeMap<usize, (u64, u64)>,
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
        let bytes = std::fs::read(&log).map_err(|e| JournalError::io(e, "read", &log))?;
        let (records, valid) = record::decode(&bytes, &log)?;
        let mut it = records.into_iter();
        let Some(first) = it.next() else {
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
            done: BTreeMap::new(),
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
                Record::Done {
                    step,
                    stashed,
                    written,
                } => {
                    tx.done.insert(step, (stashed, written));
                }
                Record::Commit { at, hashes } => tx.commit = Some((at, hashes)),
                Record::RolledBack { at, reason } => tx.rolled_back = Some((at, reason)),
                Record::Pruned { at } => tx.pruned = Some(at),
            }
        }
        Ok(Some(tx))
    }

    /// Neither committed nor rolled back: a crash interrupted it.
    pub fn unfinished(&self) -> bool {
        self.commit.is_none() && self.rolled_back.is_none()
    }

    /// Open the log to append more records.
    fn log(&self) -> Result<record::Log, JournalError> {
        record::Log::reopen(&self.dir.join("log"), self.valid_len)
    }
}

#[cfg(all(test, unix))]
mod tests;
