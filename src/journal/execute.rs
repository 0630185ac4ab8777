//! Executing a plan as a transaction: the plan is journaled before the first change, each step
//! is journaled as intent before it runs and as done after; databases are checked before the
//! commit; any failure rolls the whole transaction back from its stash.

use super::fsops;
use super::record::{Log, Record};
use super::{JournalError, JournalLock, Transaction, recover};
use crate::context::Context;
use crate::inventory::cache::{CheckCache, FileKey, Stamp};
use crate::inventory::sqlite::{self, Mutability};
use crate::inventory::{CheckLevel, DbFile, DbState, Progress, ProgressSink};
use crate::plan::modes::{Modes, folder_mode};
use crate::plan::{DiskProbe, EntryKind, Plan, Probe, Step, StepKind, hash, integrity};
use std::path::{Path, PathBuf};

/// A committed transaction.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Committed {
    /// Its id (give it to `undo`).
    pub txid: String,
    /// Steps run.
    pub steps: usize,
    /// Bytes of new content written.
    pub bytes_written: u64,
    /// Bytes moved into the stash.
    pub bytes_stashed: u64,
    /// Symbolic links and special files inside copied folders that were not copied.
    pub skipped: Vec<PathBuf>,
}

/// Why a plan did not commit.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// Preconditions failed or were not checked.
    #[error("not run, nothing changed: {0}")]
    NotReady(String),
    /// The journal could not be written before any change.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A step failed; the transaction was rolled back.
    #[error("{cause}; transaction {txid} was rolled back: {outcome}")]
    RolledBack {
        /// The transaction.
        txid: String,
        /// What failed.
        cause: String,
        /// What the rollback achieved, in words.
        outcome: String,
    },
    /// A database failed its check after the restore; everything was put back.
    #[error(
        "{} fails the integrity check after the restore ({}); transaction {txid} was rolled back: {outcome}",
        database.display(),
        messages.join("; ")
    )]
    VerifyFailed {
        /// What the rollback achieved, in words.
        outcome: String,
        /// The transaction.
        txid: String,
        /// The database that failed.
        database: PathBuf,
        /// SQLite's messages.
        messages: Vec<String>,
    },
    /// A step failed and the rollback could not finish either.
    #[error(
        "{cause}; rolling back transaction {txid} did not finish ({rollback}): fix that, then run any drconsole command to finish the rollback (the originals are safe in the stash)"
    )]
    RollbackIncomplete {
        /// The transaction.
        txid: String,
        /// What failed first.
        cause: String,
        /// What stopped the rollback.
        rollback: String,
    },
}

/// Start a transaction: its folder, its log and the begin record holding the whole plan, each
/// durable before the first change. Returns the id, the folder and the open log.
pub(super) fn begin(
    lock: &JournalLock,
    ctx: &Context,
    plan: &Plan,
) -> Result<(String, PathBuf, Log), JournalError> {
    let at = ctx.clock.now();
    let journal = lock.journal();
    let txid = journal.next_txid(at)?;
    let dir = journal.dir().join(&txid);
    fsops::create_dir_private(&dir).map_err(|e| JournalError::io(e, "create", &dir))?;
    fsops::fsync_dir(journal.dir()).map_err(|e| JournalError::io(e, "fsync", journal.dir()))?;
    let mut log = Log::create(&dir.join("log"))?;
    log.append(&Record::Begin {
        txid: txid.clone(),
        at,
        plan: plan.clone(),
        origin: if ctx.demo {
            super::record::Origin::demo(at)
        } else {
            super::record::Origin::here()
        },
    })?;
    fsops::fsync_dir(&dir).map_err(|e| JournalError::io(e, "fsync", &dir))?;
    Ok((txid, dir, log))
}

/// Run `plan` as one journaled transaction. The plan's preconditions must have been checked
/// and hold; `lock` proves this process holds the journal lock.
pub fn execute(
    ctx: &Context,
    lock: &JournalLock,
    plan: &Plan,
    progress: &dyn ProgressSink,
) -> Result<Committed, ExecError> {
    if plan.preconditions.is_empty() || !plan.ready() {
        let failed: Vec<String> = plan
            .preconditions
            .iter()
            .filter(|p| {
                !matches!(
                    p.status,
                    crate::plan::Status::Pass | crate::plan::Status::Overridden
                )
            })
            .map(|p| p.description.clone())
            .collect();
        return Err(ExecError::NotReady(if failed.is_empty() {
            "the plan has no checked preconditions".into()
        } else {
            format!("preconditions not met: {}", failed.join("; "))
        }));
    }
    // A crash may have left a transaction behind: it must be rolled back before a new one.
    let report = recover::recover_locked(lock, ctx.clock.now())?;
    if let Some((txid, why)) = report.failed.first() {
        return Err(ExecError::NotReady(format!(
            "transaction {txid} from an earlier run could not be rolled back yet: {why}"
        )));
    }
    // A prompt or a confirmation dialog may have waited for minutes: whatever was checked
    // then is checked again now, before anything is written.
    crate::plan::preconditions::recheck_at_write(ctx, plan).map_err(ExecError::NotReady)?;
    let journal = lock.journal();
    let (txid, dir, mut log) = begin(lock, ctx, plan)?;

    let mut run = Run {
        profile: &ctx.profile,
        txid: &txid,
        dir: &dir,
        journal_dir: journal.dir(),
        plan,
        log: &mut log,
        skipped: Vec::new(),
        written: 0,
        stashed: 0,
        landed: Vec::new(),
        stashes: std::collections::BTreeMap::new(),
    };
    let job = plan.action.name();
    let _tx = tracing::info_span!("transaction", txid = %txid, action = job).entered();
    let total_bytes = plan.bytes_written();
    let mut i = 0;
    while i < plan.steps.len() {
        let end = super::batch::batch_end(plan, i);
        if end > i + 1 {
            let _batch = tracing::info_span!("batch", from = i, to = end).entered();
            progress.report(Progress {
                job: job.into(),
                label: plan.steps[i].target.display().to_string(),
                done: i as u64,
                total: plan.steps.len() as u64,
                bytes_done: run.written,
                bytes_total: total_bytes,
                finished: false,
            });
            if let Err(cause) = run.batch(i..end) {
                return Err(abort(&dir, &mut log, ctx, &txid, cause, None));
            }
            i = end;
            continue;
        }
        let step = &plan.steps[i];
        let _step = tracing::info_span!("step", n = i, target = %crate::escape::path(&step.target))
            .entered();
        progress.report(Progress {
            job: job.into(),
            label: step.target.display().to_string(),
            done: i as u64,
            total: plan.steps.len() as u64,
            bytes_done: run.written,
            bytes_total: total_bytes,
            finished: false,
        });
        // And again right before each database step: a server started mid-way must not
        // have a database replaced under it (everything done so far is rolled back).
        let checked = crate::plan::preconditions::check_database_step(ctx, plan, step)
            .map_err(|why| format!("stopped before {}: {why}", step.target.display()));
        if let Err(cause) = checked.and_then(|()| run.step(i, step)) {
            return Err(abort(&dir, &mut log, ctx, &txid, cause, None));
        }
        i = end;
    }
    let cache = CheckCache::load(&ctx.cache_dir(), !ctx.no_cache);
    let mut proven = Vec::new();
    for db in &plan.verify {
        let _verify = tracing::info_span!("verify", target = %crate::escape::path(db)).entered();
        let path = plan.abs(db);
        progress.report(Progress {
            job: "integrity".into(),
            label: db.display().to_string(),
            done: plan.steps.len() as u64,
            total: plan.steps.len() as u64,
            bytes_done: run.written,
            bytes_total: total_bytes,
            finished: false,
        });
        let verified = match verify_restored(&cache, plan, &run.landed, db, &path) {
            Ok(p) => {
                proven.extend(p);
                Ok(())
            }
            Err(messages) => Err(messages),
        };
        if let Err(messages) = verified {
            let cause = format!("{} fails the integrity check", path.display());
            return Err(abort(
                &dir,
                &mut log,
                ctx,
                &txid,
                cause,
                Some((path, messages)),
            ));
        }
    }
    let mut hashes: Vec<(PathBuf, Option<String>)> = Vec::new();
    // Looked up by target, not searched: a sync filling a new mirror has a step per file.
    let mut seen: std::collections::HashSet<&Path> = std::collections::HashSet::new();
    let last_landed: std::collections::HashMap<&Path, &Landed> =
        run.landed.iter().map(|l| (l.target.as_path(), l)).collect();
    for step in &plan.steps {
        if !seen.insert(step.target.as_path()) {
            continue;
        }
        let path = plan.abs(&step.target);
        // A copied file still as it was right after its rename holds what its copy hashed.
        let known = last_landed
            .get(step.target.as_path())
            .filter(|l| l.at_rename.is_some() && stamp_and_mode(&path) == l.at_rename)
            .and_then(|l| l.copied.hash.clone());
        if let Some(h) = known {
            hashes.push((step.target.clone(), Some(h)));
            continue;
        }
        match hash::content_hash(&path) {
            Ok(h) => hashes.push((step.target.clone(), h)),
            Err(e) => {
                let cause = format!("cannot read back {}: {e}", path.display());
                return Err(abort(&dir, &mut log, ctx, &txid, cause, None));
            }
        }
    }
    let (written, stashed, skipped) = (run.written, run.stashed, std::mem::take(&mut run.skipped));
    if let Err(e) = log.append(&Record::Commit {
        at: ctx.clock.now(),
        hashes,
    }) {
        return Err(abort(&dir, &mut log, ctx, &txid, e.to_string(), None));
    }
    remember_verified(&cache, proven);
    tracing::info!(written, stashed, "committed");
    progress.report(Progress {
        job: job.into(),
        label: txid.clone(),
        done: plan.steps.len() as u64,
        total: plan.steps.len() as u64,
        bytes_done: written,
        bytes_total: total_bytes,
        finished: true,
    });
    Ok(Committed {
        txid,
        steps: plan.steps.len(),
        bytes_written: written,
        bytes_stashed: stashed,
        skipped,
    })
}

/// Roll the transaction back after `cause` and say how that went.
fn abort(
    dir: &Path,
    log: &mut Log,
    ctx: &Context,
    txid: &str,
    cause: String,
    verify: Option<(PathBuf, Vec<String>)>,
) -> ExecError {
    tracing::warn!(txid, cause = %crate::escape::escape(&cause), "rolling back");
    // From here a crash finishes the rollback, even when every step is done.
    let _ = log.append(&Record::Aborting {
        at: ctx.clock.now(),
        reason: cause.clone(),
    });
    // Re-read what is durable: rollback works from the journal, exactly as after a crash.
    let result = match Transaction::load(dir) {
        Ok(Some(tx)) => recover::rollback(&tx),
        Ok(None) => Ok(recover::Outcome::default()),
        Err(e) => Err(e.to_string()),
    };
    let outcome = match result {
        Ok(o) => o,
        Err(rollback) => {
            return ExecError::RollbackIncomplete {
                txid: txid.into(),
                cause,
                rollback,
            };
        }
    };
    let reason = if outcome.clean() {
        cause.clone()
    } else {
        format!("{cause}; {}", outcome.describe())
    };
    if let Err(e) = log.append(&Record::RolledBack {
        at: ctx.clock.now(),
        reason,
    }) {
        return ExecError::RollbackIncomplete {
            txid: txid.into(),
            cause,
            rollback: format!("the paths are back, but the journal could not record it: {e}"),
        };
    }
    let outcome = outcome.describe();
    match verify {
        Some((database, messages)) => ExecError::VerifyFailed {
            txid: txid.into(),
            database,
            messages,
            outcome,
        },
        None => ExecError::RolledBack {
            txid: txid.into(),
            cause,
            outcome,
        },
    }
}

pub(super) struct Run<'a> {
    pub(super) profile: &'a crate::profile::Profile,
    pub(super) txid: &'a str,
    pub(super) dir: &'a Path,
    pub(super) journal_dir: &'a Path,
    pub(super) plan: &'a Plan,
    pub(super) log: &'a mut Log,
    pub(super) skipped: Vec<PathBuf>,
    pub(super) written: u64,
    pub(super) stashed: u64,
    /// Files copied into place, with what was learnt while copying them.
    pub(super) landed: Vec<Landed>,
    /// Where each finished step moved its target's old content (for a later step that reads it).
    pub(super) stashes: std::collections::BTreeMap<usize, PathBuf>,
}

/// A file a step copied into place: its target, what the copy learnt (hash, source version),
/// and how the target looked right after the rename (so a later look can tell it is unchanged).
pub(super) struct Landed {
    pub(super) target: PathBuf,
    pub(super) source: PathBuf,
    pub(super) copied: fsops::Copied,
    pub(super) at_rename: Option<(Stamp, u32)>,
    /// The copy as read back while it was fsynced, for a database the commit must prove.
    pub(super) read_back: Option<fsops::ReadBack>,
}

/// Stamp and mode of what is at `path` (not following a link), the two things a file's
/// content hash depends on besides its bytes.
pub(super) fn stamp_and_mode(path: &Path) -> Option<(Stamp, u32)> {
    let m = std::fs::symlink_metadata(path)
        .ok()
        .filter(|m| m.is_file())?;
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        m.permissions().mode() & 0o7777
    };
    #[cfg(not(unix))]
    let mode = 0;
    Some((Stamp::of_meta(&m), mode))
}

impl Run<'_> {
    fn step(&mut self, i: usize, step: &Step) -> Result<(), String> {
        // Checked again right before the change: the tree may have moved since the preview.
        crate::plan::preconditions::check_inside_root(&self.plan.root, &step.target)?;
        let target = self.plan.abs(&step.target);
        let before = DiskProbe.entry(&target);
        let had = before.map(|e| e.kind);
        let parent = target
            .parent()
            .ok_or_else(|| format!("{} has no parent folder", target.display()))?
            .to_path_buf();
        let name = target
            .file_name()
            .ok_or_else(|| format!("{} has no file name", target.display()))?
            .to_string_lossy()
            .into_owned();
        let stash = self.stash_dir(&parent).join(format!("{i:04}-{name}"));
        let temp = parent.join(format!(".{name}.drconsole-{}-{i}.tmp", self.txid));
        self.log
            .append(&Record::Intent {
                step: i,
                had,
                stash: stash.clone(),
                temp: temp.clone(),
            })
            .map_err(|e| e.to_string())?;
        let io = |e: std::io::Error| e.to_string();
        let mut written = 0;
        let mut copy: Option<(PathBuf, fsops::Copied)> = None;
        let mut read_back = None;
        // Modes by purpose, never the set's own (see `plan::modes`).
        let modes = Modes::for_step(self.profile, &step.component, &step.target);
        // New content is complete and durable under its temporary name before the old one moves.
        match &step.kind {
            StepKind::CreateDir => {
                if had.is_none() {
                    let mode = folder_mode(&self.profile.modes, &step.target);
                    fsops::create_dir_durable(&target, mode).map_err(io)?;
                } else if had != Some(EntryKind::Dir) {
                    return Err(format!(
                        "{} should be a folder but is a {:?}",
                        target.display(),
                        had
                    ));
                }
                return self.done(i, 0, 0);
            }
            StepKind::CopyFile { source } | StepKind::SyncFile { source } => {
                let replaced = (had == Some(EntryKind::File))
                    .then(|| fsops::attrs(&target))
                    .flatten();
                // A new file takes the owner of the folder it lands in.
                let owner = fsops::attrs(&parent).and_then(|a| a.owner);
                let keep_time = matches!(step.kind, StepKind::SyncFile { .. });
                let copied = if !keep_time && self.proves(&step.target) {
                    let (copied, back) =
                        fsops::copy_file_read_back(source, &temp, replaced, owner, &modes)
                            .map_err(io)?;
                    read_back = back;
                    copied
                } else {
                    fsops::copy_file_hashed(source, &temp, replaced, owner, &modes, keep_time)
                        .map_err(io)?
                };
                written = copied.bytes;
                copy = Some((source.clone(), copied));
            }
            StepKind::WriteFile { base64 } => {
                use base64::Engine as _;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(base64)
                    .map_err(|e| {
                        format!(
                            "the plan's content for {} is damaged: {e}",
                            target.display()
                        )
                    })?;
                let replaced = (had == Some(EntryKind::File))
                    .then(|| fsops::attrs(&target))
                    .flatten();
                let owner = fsops::attrs(&parent).and_then(|a| a.owner);
                written = fsops::write_new(&bytes, &temp, replaced, owner, &modes).map_err(io)?;
            }
            StepKind::EditDatabase { edit, wal } => {
                if had != Some(EntryKind::File) {
                    return Err(format!("{} is not a database file", target.display()));
                }
                let replaced = fsops::attrs(&target);
                let wal = wal.and_then(|w| self.stashes.get(&w)).map(PathBuf::as_path);
                written =
                    super::dbedit::write_edited_copy(&target, wal, &temp, edit, replaced, &modes)
                        .map_err(io)?;
            }
            StepKind::CopyTree { source } => {
                let like = (had == Some(EntryKind::Dir)).then_some(target.as_path());
                let (n, skipped) = fsops::copy_tree(source, &temp, like, &modes).map_err(io)?;
                written = n;
                self.skipped.extend(skipped);
            }
            StepKind::MoveBack { .. } | StepKind::Stash => {}
        }
        // What lands at the target, recorded before it lands: a rollback removes only that.
        let staged = match &step.kind {
            StepKind::CopyFile { .. }
            | StepKind::CopyTree { .. }
            | StepKind::SyncFile { .. }
            | StepKind::WriteFile { .. }
            | StepKind::EditDatabase { .. } => Some(Some(&temp)),
            StepKind::MoveBack { from } => Some(Some(from)),
            StepKind::Stash => Some(None),
            StepKind::CreateDir => None,
        };
        if let Some(path) = staged {
            // A file copy hashed what it wrote; anything else is read back.
            let hash = match (path, copy.as_ref().and_then(|(_, c)| c.hash.clone())) {
                (_, Some(h)) => Some(h),
                (Some(p), None) => hash::content_hash(p)
                    .map_err(|e| format!("cannot read back {}: {e}", p.display()))?,
                (None, None) => None,
            };
            self.log
                .append(&Record::Staged { step: i, hash })
                .map_err(|e| e.to_string())?;
        }
        if had.is_some() {
            let stash_dir = stash.parent().unwrap_or(self.journal_dir);
            private_dirs(stash_dir).map_err(io)?;
            // A rename, or across file systems (a payload that is its own mount) a durable copy.
            fsops::move_durable(&target, &stash, &fsops::move_partial(&stash)).map_err(io)?;
            self.stashes.insert(i, stash.clone());
        }
        match &step.kind {
            StepKind::CopyFile { .. }
            | StepKind::CopyTree { .. }
            | StepKind::SyncFile { .. }
            | StepKind::WriteFile { .. }
            | StepKind::EditDatabase { .. } => fsops::rename_durable(&temp, &target).map_err(io)?,
            StepKind::MoveBack { from } => fsops::move_durable(from, &target, &temp).map_err(io)?,
            StepKind::Stash | StepKind::CreateDir => {}
        }
        if let Some((source, copied)) = copy {
            self.landed.push(Landed {
                target: step.target.clone(),
                source,
                copied,
                at_rename: stamp_and_mode(&target),
                read_back,
            });
        }
        self.done(i, before.map_or(0, |e| e.bytes), written)
    }

    /// Whether `target` is a database (or its `-wal`) the commit verifies: its copy is read
    /// back while it is made durable (see [`verify_restored`]).
    fn proves(&self, target: &Path) -> bool {
        self.plan
            .verify
            .iter()
            .any(|db| db == target || sqlite::sibling(db, "-wal") == target)
    }

    fn done(&mut self, i: usize, stashed: u64, written: u64) -> Result<(), String> {
        self.written += written;
        self.stashed += stashed;
        self.log
            .append(&Record::Done {
                step: i,
                stashed,
                written,
            })
            .map_err(|e| e.to_string())
    }

    /// The stash must be on the target's file system so moving aside is a rename, never a
    /// copy: the journal's own folder when it is, else a hidden folder at the root (or beside
    /// the target) of that file system.
    /// A payload tree the plan names in `stash_outside` never holds its own stash (clients
    /// would still be served what was moved aside): its stash goes beside the tree instead.
    pub(super) fn stash_dir(&self, parent: &Path) -> PathBuf {
        let dev = |p: &Path| device(p);
        let target_dev = dev(parent);
        if target_dev.is_some() && dev(self.journal_dir) == target_dev {
            return self.dir.join("stash");
        }
        if target_dev.is_some() && dev(&self.plan.root) == target_dev {
            return self.plan.root.join(".drconsole-stash").join(self.txid);
        }
        let beside = self
            .plan
            .stash_outside
            .iter()
            .map(|t| self.plan.abs(t))
            .find(|tree| parent.starts_with(tree))
            .and_then(|tree| tree.parent().map(Path::to_path_buf));
        beside
            .unwrap_or_else(|| parent.to_path_buf())
            .join(".drconsole-stash")
            .join(self.txid)
    }
}

/// The check a restored database gets before the commit. A database whose file (and `-wal`,
/// if one came along) are copies of source versions that passed a full integrity check — the
/// cache remembers the pass, the copy saw the same version from its first read to its last —
/// holds bytes already proven: each landed file is read back and must hash to exactly what
/// its copy hashed (every byte of the write path checked, where a `quick_check` would look at
/// the b-tree pages only, at several times the cost). Anything else gets the full
/// `integrity_check`. A proven database comes back with what the source's check found, for
/// [`remember_verified`].
fn verify_restored(
    cache: &CheckCache,
    plan: &Plan,
    landed: &[Landed],
    db: &Path,
    path: &Path,
) -> Result<Option<(DbFile, Option<FileKey>)>, Vec<String>> {
    let Some(copies) = proven_copy(cache, plan, landed, db) else {
        return integrity::full_check(path).map(|()| None);
    };
    let key = FileKey::of(path);
    for l in &copies {
        let target = plan.abs(&l.target);
        // Read back while it was fsynced, and the same file, unchanged, landed: that reading
        // holds. Else the landed file is read now.
        let back = match &l.read_back {
            Some(b) if l.at_rename.as_ref().is_some_and(|(at, _)| *at == b.stamp) => {
                Ok(Some(b.hash.clone()))
            }
            _ => hash::content_hash(&target),
        };
        match back {
            Ok(Some(h)) if l.copied.hash.as_deref() == Some(h.as_str()) => {}
            Ok(read_back) => {
                return Err(vec![format!(
                    "{} does not hold the bytes copied into it (read back: {}; copied: {})",
                    target.display(),
                    read_back.as_deref().unwrap_or("nothing"),
                    l.copied.hash.as_deref().unwrap_or("no hash")
                )]);
            }
            Err(e) => {
                return Err(vec![format!(
                    "{} cannot be read back: {e}",
                    target.display()
                )]);
            }
        }
    }
    // The same bytes as the source: its full check's findings (page size and count, the
    // `-wal` it read) hold for them. Should the source have changed since it was copied, the
    // cache no longer answers for it, and the restored file gets a quick check of its own.
    match cache.lookup(&sqlite::stat(&copies[0].source), CheckLevel::Full) {
        Some(source) if source.state == DbState::Ok && source.level == CheckLevel::Full => {
            let mut file = sqlite::stat(path);
            file.page_size = source.page_size;
            file.page_count = source.page_count;
            file.wal = source.wal;
            Ok(Some((file, key)))
        }
        _ => {
            let mut file = sqlite::stat(path);
            sqlite::check(&mut file, CheckLevel::Quick, Mutability::Live);
            match file.state {
                DbState::QuickOk => Ok(Some((file, key))),
                DbState::Unverifiable => {
                    Err(vec![crate::inventory::databases::unverifiable_message(
                        &file,
                    )])
                }
                state if file.messages.is_empty() => {
                    Err(vec![format!("state {state:?}").to_lowercase()])
                }
                _ => Err(file.messages),
            }
        }
    }
}

/// The landed copies (the database first, then its `-wal` if one came along) when the
/// database at `db` (root-relative) is, with its `-wal`, a copy of a source version that
/// passed a full integrity check, and unchanged since it landed.
fn proven_copy<'a>(
    cache: &CheckCache,
    plan: &Plan,
    landed: &'a [Landed],
    db: &Path,
) -> Option<Vec<&'a Landed>> {
    let abs = plan.abs(db);
    let landed_at = |target: &Path| {
        landed
            .iter()
            .rev()
            .find(|l| l.target == target)
            .filter(|l| {
                l.at_rename.is_some() && stamp_and_mode(&plan.abs(&l.target)) == l.at_rename
            })
    };
    let main = landed_at(db)?;
    let passed = cache.full_pass(&main.source)?;
    if main.copied.source != Some(passed.stamp()) || main.copied.hash.is_none() {
        return None;
    }
    let wal_target = sqlite::sibling(db, "-wal");
    match (landed_at(&wal_target), passed.wal) {
        // The -wal the check read came along, byte for byte.
        (Some(wal), Some((size, mtime_ns, inode))) => wal
            .copied
            .source
            .is_some_and(|s| {
                (s.size, s.mtime_ns, s.inode) == (size, mtime_ns, inode)
                    && wal.source == sqlite::sibling(&main.source, "-wal")
                    && wal.copied.hash.is_some()
            })
            .then(|| vec![main, wal]),
        // No -wal came along: the check must have read none (or an empty one), and none may be
        // beside the restored file now.
        (None, wal) => (wal.is_none_or(|(size, _, _)| size == 0)
            && std::fs::symlink_metadata(sqlite::sibling(&abs, "-wal")).is_err())
        .then(|| vec![main]),
        (Some(_), None) => None,
    }
}

/// After the commit: a restored database proven good (see [`proven_copy`]) is remembered in the
/// check cache as passing the full check, so the next `check` does not read it again.
fn remember_verified(cache: &CheckCache, proven: Vec<(DbFile, Option<FileKey>)>) {
    if proven.is_empty() {
        return;
    }
    for (mut file, key) in proven {
        file.state = DbState::Ok;
        file.level = CheckLevel::Full;
        file.messages.clear();
        // Stored only when the file is still the version that was checked.
        cache.store(&file, key);
    }
    // Only an optimisation: the next check just reads the files again if this fails.
    let _ = cache.save();
}

/// Create the stash folder and its missing parents, each private (0700) and durable.
pub(super) fn private_dirs(dir: &Path) -> std::io::Result<()> {
    fsops::create_dirs_durable(dir, 0o700)
}

#[cfg(unix)]
fn device(p: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).ok().map(|m| m.dev())
}

#[cfg(not(unix))]
fn device(_p: &Path) -> Option<u64> {
    Some(0)
}
