//! Ordering the integrity checks so the operator's answer comes first. Files are checked by a
//! small pool of workers pulling from one ordered queue (live databases, then sets newest
//! first, biggest file first within a set), so a big file never leaves a core idle while the
//! next set waits; the queue stops handing out set files once the newest restorable set is known.

use super::backups;
use super::cache::{CheckCache, FileKey};
use super::model::{
    BackupSet, CheckDepth, CheckLevel, DbFile, DbState, Inventory, LiveDatabase, Verdict,
};
use super::progress::{Progress, ProgressSink};
use super::sqlite::{self, Mutability};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// One file to check, where its result goes, and which candidate set (if any) it belongs to.
struct Job<'a> {
    file: &'a mut DbFile,
    mutability: Mutability,
    set: Option<usize>,
}

/// Run the integrity checks: quick everywhere, then full on live databases and on sets newest
/// first until one is restorable (all candidate sets with `CheckDepth::Full`).
pub(super) fn check_databases(
    inv: &mut Inventory,
    depth: CheckDepth,
    cache: &CheckCache,
    progress: &dyn ProgressSink,
) {
    // Live databases get a full check below anyway, so a quick pass over them is only worth
    // its time when it is all that was asked for.
    let live: &mut [LiveDatabase] = if depth == CheckDepth::Quick {
        &mut inv.databases[..]
    } else {
        &mut []
    };
    let jobs: Vec<Job> = live_jobs(live)
        .chain(inv.backup_sets.iter_mut().flat_map(|s| set_jobs(s, None)))
        .collect();
    run(
        jobs,
        CheckLevel::Quick,
        "quick check",
        0,
        false,
        cache,
        progress,
    );
    if depth == CheckDepth::Quick {
        return;
    }
    let candidates: Vec<usize> = (0..inv.backup_sets.len())
        .filter(|&i| backups::is_candidate(&inv.backup_sets[i]))
        .collect();
    // Workers may start an older set while a newer one's big file is still being checked.
    // Such speculative results are put back afterwards (the cache keeps them), so a report
    // depends only on the files and the cache, never on which thread finished first.
    let before: Vec<Vec<DbFile>> = candidates
        .iter()
        .map(|&i| {
            inv.backup_sets[i]
                .members
                .iter()
                .map(|m| m.file.clone())
                .collect()
        })
        .collect();
    let sets = candidates.len();
    let mut jobs: Vec<Job> = live_jobs(&mut inv.databases).collect();
    for (k, set) in inv
        .backup_sets
        .iter_mut()
        .enumerate()
        .filter(|(i, _)| candidates.contains(i))
        .map(|(_, s)| s)
        .enumerate()
    {
        jobs.extend(set_jobs(set, Some(k)));
    }
    let stop_early = depth != CheckDepth::Full;
    let label = "integrity check";
    run(
        jobs,
        CheckLevel::Full,
        label,
        sets,
        stop_early,
        cache,
        progress,
    );
    if stop_early {
        let restorable = candidates
            .iter()
            .position(|&i| backups::verdict(&inv.backup_sets[i]) == Verdict::Restorable);
        let first_beyond = restorable.map_or(sets, |r| r + 1);
        for (k, &i) in candidates.iter().enumerate().skip(first_beyond) {
            for (m, file) in inv.backup_sets[i].members.iter_mut().zip(&before[k]) {
                m.file = file.clone();
            }
        }
    }
}

fn live_jobs(dbs: &mut [LiveDatabase]) -> impl Iterator<Item = Job<'_>> {
    let mut jobs: Vec<Job> = dbs
        .iter_mut()
        .map(|d| Job {
            file: &mut d.file,
            mutability: Mutability::Live,
            set: None,
        })
        .collect();
    jobs.sort_by_key(|j| std::cmp::Reverse(j.file.size));
    jobs.into_iter()
}

fn set_jobs(set: &mut BackupSet, index: Option<usize>) -> impl Iterator<Item = Job<'_>> {
    let mut jobs: Vec<Job> = set
        .members
        .iter_mut()
        .map(|m| Job {
            file: &mut m.file,
            mutability: Mutability::Frozen,
            set: index,
        })
        .collect();
    jobs.sort_by_key(|j| std::cmp::Reverse(j.file.size));
    jobs.into_iter()
}

/// Shared state of one run: the queue, per-set outcomes and progress counters.
struct Run<'a> {
    queue: Mutex<VecDeque<Job<'a>>>,
    /// Checks of set members in flight: (set, job number, handle to interrupt them).
    running: Mutex<Vec<(usize, u64, rusqlite::InterruptHandle)>>,
    tickets: AtomicU64,
    remaining: Vec<AtomicUsize>,
    failed: Vec<AtomicBool>,
    stop: AtomicBool,
    done: AtomicU64,
    bytes_done: AtomicU64,
}

#[allow(clippy::too_many_arguments)]
fn run(
    jobs: Vec<Job>,
    level: CheckLevel,
    name: &str,
    sets: usize,
    stop_early: bool,
    cache: &CheckCache,
    progress: &dyn ProgressSink,
) {
    if jobs.is_empty() {
        return;
    }
    let total = jobs.len() as u64;
    let bytes_total: u64 = jobs.iter().map(|j| j.file.size).sum();
    let mut remaining: Vec<AtomicUsize> = (0..sets).map(|_| AtomicUsize::new(0)).collect();
    for j in &jobs {
        if let Some(s) = j.set {
            *remaining[s].get_mut() += 1;
        }
    }
    let state = Run {
        queue: Mutex::new(jobs.into()),
        running: Mutex::new(Vec::new()),
        tickets: AtomicU64::new(0),
        remaining,
        failed: (0..sets).map(|_| AtomicBool::new(false)).collect(),
        stop: AtomicBool::new(false),
        done: AtomicU64::new(0),
        bytes_done: AtomicU64::new(0),
    };
    let report = |label: String, finished: bool| {
        progress.report(Progress {
            job: name.to_string(),
            label,
            done: state.done.load(Ordering::Relaxed),
            total,
            bytes_done: state.bytes_done.load(Ordering::Relaxed),
            bytes_total,
            finished,
        })
    };
    report(String::new(), false);
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(total as usize);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let next = state.queue.lock().ok().and_then(|mut q| q.pop_front());
                    let Some(job) = next else { break };
                    // Every member of a set before the stop point is checked, even once the set
                    // is known to fail: which member failed first is a matter of timing, and
                    // the report must not be.
                    let skip = job.set.is_some() && state.stop.load(Ordering::Relaxed);
                    let ticket = state.tickets.fetch_add(1, Ordering::Relaxed);
                    let finished = if skip {
                        sqlite::Finished::Interrupted
                    } else {
                        let mut register = |h: rusqlite::InterruptHandle| {
                            if let (Some(s), Ok(mut r)) = (job.set, state.running.lock()) {
                                r.push((s, ticket, h));
                            }
                        };
                        check_one(
                            job.file,
                            level,
                            job.mutability,
                            cache,
                            &report,
                            &mut register,
                        )
                    };
                    if let Ok(mut r) = state.running.lock() {
                        r.retain(|(_, t, _)| *t != ticket);
                    }
                    if let (Some(s), sqlite::Finished::Yes) = (job.set, finished) {
                        if has_failed(job.file) {
                            state.failed[s].store(true, Ordering::Relaxed);
                        }
                        state.remaining[s].fetch_sub(1, Ordering::AcqRel);
                        if stop_early && let Some(resolved) = newest_candidate_resolved(&state) {
                            state.stop.store(true, Ordering::Relaxed);
                            // Older sets' checks still running are no longer needed.
                            if let Ok(r) = state.running.lock() {
                                r.iter()
                                    .filter(|(set, _, _)| *set > resolved)
                                    .for_each(|(_, _, h)| h.interrupt());
                            }
                        }
                    }
                    state.done.fetch_add(1, Ordering::Relaxed);
                    state.bytes_done.fetch_add(job.file.size, Ordering::Relaxed);
                    report(job.file.path.display().to_string(), false);
                }
            });
        }
    });
    report(String::new(), true);
}

/// The newest set not known to fail, once every one of its members has passed.
fn newest_candidate_resolved(state: &Run) -> Option<usize> {
    for (i, (failed, remaining)) in state.failed.iter().zip(&state.remaining).enumerate() {
        if failed.load(Ordering::Relaxed) {
            continue;
        }
        return (remaining.load(Ordering::Acquire) == 0).then_some(i);
    }
    None
}

fn check_one(
    file: &mut DbFile,
    level: CheckLevel,
    mutability: Mutability,
    cache: &CheckCache,
    report: &dyn Fn(String, bool),
    register: &mut dyn FnMut(rusqlite::InterruptHandle),
) -> sqlite::Finished {
    if file.level >= level || has_failed(file) {
        return sqlite::Finished::Yes;
    }
    if let Some(hit) = cache.lookup(file, level) {
        *file = hit;
        return sqlite::Finished::Yes;
    }
    report(file.path.display().to_string(), false);
    let _check =
        tracing::info_span!("check", path = %crate::escape::path(&file.path), level = ?level)
            .entered();
    let key = FileKey::of(&file.path);
    let finished = sqlite::check_interruptible(file, level, mutability, register);
    tracing::debug!(state = ?file.state, finished = ?finished, "checked");
    if finished == sqlite::Finished::Yes {
        cache.store(file, key);
    }
    finished
}

/// A file that already failed (or could not be read or checked) needs no deeper check, and
/// its set cannot be the restorable one: the search goes on to older sets, and `backups::judge`
/// says whether an unverifiable newer set stands in the way of recommending one.
fn has_failed(f: &DbFile) -> bool {
    matches!(
        f.state,
        DbState::Missing
            | DbState::Empty
            | DbState::Unreadable
            | DbState::NotSqlite
            | DbState::Corrupt
            | DbState::Unverifiable
    )
}
