//! The journal's on-disk records: one transaction log per folder, an append-only file of
//! checksummed lines `LLLLLLLL HHHHHHHHHHHHHHHH {json}\n` (hex length and xxh3-64 of the JSON),
//! fsynced after each record. Reading stops at the first bad record: a torn last record (a
//! crash mid-append, or a damaged commit) is its tail; a bad record with more after it is
//! damage in the middle. Either is reported with the records before it, never guessed around.

use super::JournalError;
use super::faults;
use crate::plan::{EntryKind, Plan};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One journal record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
// Records are built and written one at a time; the size of `Begin` costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Record {
    /// The transaction and its whole plan, before the first change.
    Begin {
        /// Transaction id.
        txid: String,
        /// When it started (context clock: the fixed `--now` when one is set).
        at: DateTime<Utc>,
        /// The plan being executed.
        plan: Plan,
        /// Who ran it, on which host, at what wall-clock time (absent in older journals).
        #[serde(default, skip_serializing_if = "Origin::is_unknown")]
        origin: Origin,
    },
    /// A step is about to run; what was at its target and where things will go.
    Intent {
        /// Index into the plan's steps.
        step: usize,
        /// What was at the target before the step (`None`: nothing).
        had: Option<EntryKind>,
        /// Where the old content goes.
        stash: PathBuf,
        /// The temporary name the new content is written to.
        temp: PathBuf,
    },
    /// The new content of a step is durable under its temporary name (or, for a move, is the
    /// entry about to move in); its hash, so a rollback can tell it from anything else found
    /// at the target later. Written before the step's renames.
    Staged {
        /// Index into the plan's steps.
        step: usize,
        /// Hash of what the step puts at its target (`None`: it leaves the target absent).
        hash: Option<String>,
    },
    /// A step is durable.
    Done {
        /// Index into the plan's steps.
        step: usize,
        /// Bytes moved into the stash.
        stashed: u64,
        /// Bytes of new content written.
        written: u64,
    },
    /// Every step is durable and verified; the hash of each target as left.
    Commit {
        /// When.
        at: DateTime<Utc>,
        /// Root-relative target and the hash of what it holds (`None`: absent).
        hashes: Vec<(PathBuf, Option<String>)>,
    },
    /// A step or a check failed and the rollback begins: even if every step is done, a crash
    /// from here on is finished by rolling back.
    Aborting {
        /// When.
        at: DateTime<Utc>,
        /// Why.
        reason: String,
    },
    /// The transaction was rolled back (the reason says what, if anything, could not be).
    RolledBack {
        /// When.
        at: DateTime<Utc>,
        /// Why.
        reason: String,
    },
    /// The stash was freed; the transaction can no longer be undone.
    Pruned {
        /// When.
        at: DateTime<Utc>,
    },
}

/// Who ran a transaction, where, and when by the wall clock: `at` may be a fixed `--now`,
/// and an operator reading the journal later needs the real time beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The real time it began, whatever the context clock said.
    #[serde(default)]
    pub wall_clock: Option<DateTime<Utc>>,
    /// The login name (`USER`, `LOGNAME` or `USERNAME`), with the `sudo` caller when there is one.
    #[serde(default)]
    pub user: Option<String>,
    /// The machine's own host name (not `--hostname`, which names the server inspected).
    #[serde(default)]
    pub host: Option<String>,
}

impl Origin {
    /// This process: now, its user and its host.
    pub fn here() -> Origin {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let name = env("USER")
            .or_else(|| env("LOGNAME"))
            .or_else(|| env("USERNAME"));
        let user = match (name, env("SUDO_USER")) {
            (Some(n), Some(s)) if n != s => Some(format!("{n} (sudo from {s})")),
            (n, s) => n.or(s),
        };
        Origin {
            wall_clock: Some(Utc::now()),
            user,
            host: sysinfo::System::host_name().ok().filter(|h| !h.is_empty()),
        }
    }

    /// A demo's transaction: the demo's clock and a fixed user and host, so the journal view
    /// of a recording is the same on every take.
    pub fn demo(at: DateTime<Utc>) -> Origin {
        Origin {
            wall_clock: Some(at),
            user: Some("trainer".into()),
            host: Some("demo".into()),
        }
    }

    /// Nothing is known (a journal written before these fields existed).
    pub fn is_unknown(&self) -> bool {
        self.wall_clock.is_none() && self.user.is_none() && self.host.is_none()
    }
}

/// Encode one record as a checksummed line.
pub fn encode(record: &Record) -> Result<Vec<u8>, serde_json::Error> {
    let json = serde_json::to_vec(record)?;
    let mut line = format!(
        "{:08x} {:016x} ",
        json.len(),
        xxhash_rust::xxh3::xxh3_64(&json)
    )
    .into_bytes();
    line.extend_from_slice(&json);
    line.push(b'\n');
    Ok(line)
}

/// Where a log stops being readable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// Byte offset of the first bad record.
    pub offset: u64,
    /// What is wrong with it.
    pub why: String,
    /// Whether it is the last thing in the log (a torn or damaged last record) rather than
    /// damage with more records after it.
    pub tail: bool,
}

/// Decode a log: the records before the first bad one, the length of that valid prefix, and
/// the damage, if any.
pub fn decode(bytes: &[u8]) -> (Vec<Record>, usize, Option<Damage>) {
    let mut records = Vec::new();
    let mut pos = 0usize;
    while pos < bytes.len() {
        match decode_one(&bytes[pos..]) {
            Ok((record, used)) => {
                records.push(record);
                pos += used;
            }
            Err(why) => {
                // Nothing is appended after an unfinished record, so only the last may be torn.
                let rest = &bytes[pos..];
                let tail = !rest[..rest.len().saturating_sub(1)].contains(&b'\n');
                let damage = Damage {
                    offset: pos as u64,
                    why,
                    tail,
                };
                return (records, pos, Some(damage));
            }
        }
    }
    (records, pos, None)
}

fn decode_one(bytes: &[u8]) -> Result<(Record, usize), String> {
    const HEAD: usize = 8 + 1 + 16 + 1;
    if bytes.len() < HEAD {
        return Err("short header".into());
    }
    let head = std::str::from_utf8(&bytes[..HEAD]).map_err(|_| "header is not text")?;
    let len = usize::from_str_radix(&head[..8], 16).map_err(|_| "bad length")?;
    let sum = u64::from_str_radix(&head[9..25], 16).map_err(|_| "bad checksum field")?;
    let end = HEAD + len;
    if bytes.len() < end + 1 || bytes[end] != b'\n' {
        return Err("record cut short".into());
    }
    let json = &bytes[HEAD..end];
    if xxhash_rust::xxh3::xxh3_64(json) != sum {
        return Err("checksum mismatch".into());
    }
    let record = serde_json::from_slice(json).map_err(|e| format!("unreadable record: {e}"))?;
    Ok((record, end + 1))
}

/// An open transaction log, appended to with an fsync per record.
#[derive(Debug)]
pub struct Log {
    file: File,
    path: PathBuf,
}

impl Log {
    /// Create a new log (must not exist), readable only by its owner.
    pub fn create(path: &Path) -> Result<Log, JournalError> {
        let mut o = OpenOptions::new();
        o.append(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600)
                .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
        }
        let file = o
            .open(path)
            .map_err(|e| JournalError::io(e, "create", path))?;
        Ok(Log {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Open an existing log for appending after its `valid` first bytes (a torn tail is cut).
    pub fn reopen(path: &Path, valid: u64) -> Result<Log, JournalError> {
        let file = crate::state_dir::open_file(path, OpenOptions::new().write(true))?;
        let len = file
            .metadata()
            .map_err(|e| JournalError::io(e, "stat", path))?
            .len();
        if len != valid {
            file.set_len(valid)
                .map_err(|e| JournalError::io(e, "truncate the torn record of", path))?;
            file.sync_all()
                .map_err(|e| JournalError::io(e, "fsync", path))?;
            faults::synced(path);
        }
        drop(file);
        let file = crate::state_dir::open_file(path, OpenOptions::new().append(true))?;
        Ok(Log {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Append one record and make it durable before returning.
    pub fn append(&mut self, record: &Record) -> Result<(), JournalError> {
        self.append_all(std::slice::from_ref(record))
    }

    /// Append records in order with one write and one fsync: all of them are durable on
    /// return (a crash before may leave any prefix of them, the last one possibly torn).
    pub fn append_all(&mut self, records: &[Record]) -> Result<(), JournalError> {
        let mut lines = Vec::new();
        for record in records {
            lines.extend(encode(record).map_err(|e| JournalError::Encode {
                path: self.path.clone(),
                why: e.to_string(),
            })?);
        }
        self.file
            .write_all(&lines)
            .map_err(|e| JournalError::io(e, "append to", &self.path))?;
        self.file
            .sync_data()
            .map_err(|e| JournalError::io(e, "fsync", &self.path))?;
        faults::synced(&self.path);
        faults::point();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(n: u64) -> Record {
        Record::Done {
            step: n as usize,
            stashed: n,
            written: n,
        }
    }

    #[test]
    fn a_torn_last_record_is_dropped_and_cut_on_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let mut log = Log::create(&path).unwrap();
        log.append(&rec(1)).unwrap();
        log.append(&rec(2)).unwrap();
        drop(log);
        let full = std::fs::read(&path).unwrap();
        let torn = &full[..full.len() - 5];
        std::fs::write(&path, torn).unwrap();
        let (records, valid, damage) = decode(torn);
        assert_eq!(records, vec![rec(1)]);
        assert!(damage.unwrap().tail);
        let mut log = Log::reopen(&path, valid as u64).unwrap();
        log.append(&rec(3)).unwrap();
        let (records, _, damage) = decode(&std::fs::read(&path).unwrap());
        assert_eq!(damage, None);
        assert_eq!(records, vec![rec(1), rec(3)]);
    }

    #[test]
    fn a_damaged_record_in_the_middle_is_not_a_tail() {
        let mut bytes = encode(&rec(1)).unwrap();
        bytes.extend(encode(&rec(2)).unwrap());
        bytes[30] ^= 0x01;
        let (records, valid, damage) = decode(&bytes);
        assert!(records.is_empty());
        assert_eq!(valid, 0);
        let damage = damage.unwrap();
        assert_eq!((damage.offset, damage.tail), (0, false));
        assert!(damage.why.contains("checksum"), "{damage:?}");
    }
}
