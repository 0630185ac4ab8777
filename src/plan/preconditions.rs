//! Checking a plan's preconditions against the machine right now: server processes, databases
//! held open or locked by any process, free space, readable (and intact) sources, targets
//! inside the root, the journal lock. Checked when the plan is shown, and again at the moment
//! of the change (`recheck_at_write`, `check_database_step`): a prompt or a confirmation dialog
//! can wait for minutes while someone starts the server. Nothing here writes.

use super::restore::DB_COMPANIONS;
use super::{Check, Plan, Status, Step, hash, integrity};
use crate::component::Component;
use crate::context::Context;
use crate::inventory::cache::CheckCache;
use std::path::{Component as PathPart, Path, PathBuf};

/// Safety margin on top of the bytes a plan writes, per volume.
const SPACE_MARGIN: u64 = 1 << 20;

/// How much a check does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Depth {
    /// Everything, including a full integrity check of every database source.
    Full,
    /// At the moment of the write: everything but the sources' integrity checks, which the
    /// check of every restored database before the commit covers (a full check, or a quick one
    /// where the copy is proven byte for byte to be a version that passed the full check).
    AtWrite,
}

/// Evaluate every precondition of `plan`. `lock` says whether this process holds the journal
/// lock (`Err` names who does).
pub fn check_preconditions(ctx: &Context, plan: &mut Plan, lock: Result<(), String>) {
    evaluate(ctx, plan, lock, Depth::Full);
}

/// Check `plan`'s preconditions again immediately before its first write, under the journal
/// lock this process holds. `Err` says every one that no longer holds, and why.
pub fn recheck_at_write(ctx: &Context, plan: &Plan) -> Result<(), String> {
    let mut now = plan.clone();
    evaluate(ctx, &mut now, Ok(()), Depth::AtWrite);
    let failed: Vec<String> = now
        .failed()
        .map(|p| format!("{}: {}", p.description, p.detail))
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "no longer true at the moment of the change: {}",
            failed.join("; ")
        ))
    }
}

/// Before a step that writes a database (or its companions): the server is still stopped and
/// no process has any database of the plan open or locked. Steps of other components pass.
pub fn check_database_step(ctx: &Context, plan: &Plan, step: &Step) -> Result<(), String> {
    if !is_database_step(step) {
        return Ok(());
    }
    let required = plan
        .preconditions
        .iter()
        .any(|p| p.check == Check::ServerStopped);
    if required {
        server_stopped(ctx)?;
    }
    databases_not_in_use(plan).map(|_| ())
}

/// Whether a step belongs to a database component.
pub fn is_database_step(step: &Step) -> bool {
    matches!(
        Component::parse(&step.component),
        Ok(Component::Database(_))
    )
}

/// Absolute paths of every database the plan writes, with its `-wal`, `-shm` and `-journal`.
pub fn database_files(plan: &Plan) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for step in plan.steps.iter().filter(|s| is_database_step(s)) {
        let name = step.target.as_os_str().to_string_lossy();
        let base = DB_COMPANIONS
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .map_or_else(|| step.target.clone(), PathBuf::from);
        let files = std::iter::once(base.clone()).chain(
            DB_COMPANIONS
                .iter()
                .map(|s| super::restore::with_suffix(&base, s)),
        );
        for f in files {
            let abs = plan.abs(&f);
            if !out.contains(&abs) {
                out.push(abs);
            }
        }
    }
    out
}

fn evaluate(ctx: &Context, plan: &mut Plan, lock: Result<(), String>, depth: Depth) {
    let root = plan.root.clone();
    let targets: Vec<PathBuf> = plan.steps.iter().map(|s| s.target.clone()).collect();
    let in_use = plan
        .preconditions
        .iter()
        .any(|p| p.check == Check::DatabasesNotInUse)
        .then(|| databases_not_in_use(plan));
    let mut volumes: Vec<(u64, u64, PathBuf)> = Vec::new(); // (device, needed, folder)
    // Loaded once, only when a database source is to be checked.
    let mut cache: Option<CheckCache> = None;
    for p in plan.preconditions.iter_mut() {
        let result = match &p.check {
            Check::ServerStopped => server_stopped(ctx),
            Check::DatabasesNotInUse => match in_use.clone().unwrap_or(Ok(None)) {
                // Passes, saying what could not be seen: a pass is only as good as the look.
                Ok(Some(note)) => {
                    p.status = Status::Pass;
                    p.detail = note;
                    continue;
                }
                Ok(None) => Ok(()),
                Err(e) => Err(e),
            },
            Check::JournalLock => lock.clone(),
            // Decided when the plan was built; kept as it is.
            Check::Decided { .. } => continue,
            Check::TargetsInsideRoot => {
                check_all_inside_root(&root, targets.iter().map(PathBuf::as_path))
            }
            Check::FreeSpace { folder, needed } => {
                match volume_of(&root, folder) {
                    Ok((dev, at)) => {
                        match volumes.iter_mut().find(|(d, _, _)| *d == dev) {
                            Some(v) => v.1 += needed,
                            None => volumes.push((dev, *needed, at)),
                        }
                        // Judged per volume below, once every folder is counted.
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            }
            Check::SourceReadable { source, database } => {
                let check = *database && depth == Depth::Full;
                let cache = check.then(|| {
                    cache.get_or_insert_with(|| CheckCache::load(&ctx.cache_dir(), !ctx.no_cache))
                });
                source_ok(source, cache.map(|c| &*c))
            }
            Check::StashPresent { path } => match std::fs::symlink_metadata(path) {
                Ok(_) => Ok(()),
                Err(e) => Err(format!(
                    "{} is gone ({e}): the stash was pruned or removed, so this cannot be put back",
                    path.display()
                )),
            },
            Check::UnchangedSinceCommit {
                target,
                hash: expected,
                force,
            } => match unchanged(&root, target, expected) {
                Ok(()) => Ok(()),
                Err(why) if *force => {
                    p.status = Status::Overridden;
                    p.detail = format!("{why} (overridden by --force)");
                    continue;
                }
                Err(why) => Err(format!(
                    "{why}; undo would throw that change away: pass --force to undo anyway (the current content is stashed, not deleted)"
                )),
            },
        };
        match result {
            Ok(()) => {
                p.status = Status::Pass;
                p.detail.clear();
            }
            Err(why) => {
                p.status = Status::Fail;
                p.detail = why;
            }
        }
    }
    // Free space is a property of the volume: sum every folder on it, then judge once.
    for (dev, needed, at) in volumes {
        let available = fs4::available_space(&at).unwrap_or(0);
        if available < needed + SPACE_MARGIN {
            let detail = format!(
                "only {} free on the volume of {}, {} needed: free some space or restore fewer components",
                super::text::bytes(available),
                at.display(),
                super::text::bytes(needed + SPACE_MARGIN)
            );
            for p in plan.preconditions.iter_mut() {
                if let Check::FreeSpace { folder, .. } = &p.check
                    && volume_of(&root, folder).is_ok_and(|(d, _)| d == dev)
                {
                    p.status = Status::Fail;
                    p.detail = detail.clone();
                }
            }
        }
    }
}

fn server_stopped(ctx: &Context) -> Result<(), String> {
    // A demo tree's server is never running; a same-named process here is not its.
    if ctx.demo {
        return Ok(());
    }
    // Asked now, not taken from the scan: the server may have been started since.
    let running = crate::inventory::host::running_processes(&ctx.profile.processes);
    if running.is_empty() {
        return Ok(());
    }
    let list = running
        .iter()
        .map(|r| format!("{} (pid {})", r.name, r.pid))
        .collect::<Vec<_>>()
        .join(", ");
    let hint = if ctx.profile.stop_hint.is_empty() {
        "Stop the server first".to_string()
    } else {
        ctx.profile.stop_hint.clone()
    };
    Err(format!("the server is running: {list}. {hint}"))
}

/// No other process has a database of the plan (or a companion file) open or locked. Asked
/// now: a backup agent, an `sqlite3` shell or a half-stopped server may hold one. `Ok` carries
/// what could not be seen, if anything.
fn databases_not_in_use(plan: &Plan) -> Result<Option<String>, String> {
    let seen = crate::inventory::openfiles::holders(&database_files(plan));
    if seen.found.is_empty() {
        return Ok(seen.blind);
    }
    let list = seen
        .found
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    Err(format!(
        "a database being replaced is in use: {list}. Stop that process (or close that sqlite3 shell), then try again"
    ))
}

/// [`check_inside_root`] for every target, the way to each folder looked at once however many
/// targets it holds (a sync has a step per file).
pub fn check_all_inside_root<'a>(
    root: &Path,
    targets: impl IntoIterator<Item = &'a Path>,
) -> Result<(), String> {
    let mut folders: std::collections::HashSet<&Path> = std::collections::HashSet::new();
    for t in targets {
        // The way to a target is its folders: one already walked is not walked again.
        let folder = t.parent().unwrap_or(Path::new(""));
        if !super::is_plain_relative(t) || folders.insert(folder) {
            check_inside_root(root, t)?;
        }
    }
    Ok(())
}

/// `rel` is a plain relative path, and every folder on the way from `root` to it is a real
/// folder (or not there yet), never a symbolic link that could lead outside the root.
pub fn check_inside_root(root: &Path, rel: &Path) -> Result<(), String> {
    if !super::is_plain_relative(rel) {
        return Err(format!(
            "{} is not a path inside the root {}",
            rel.display(),
            root.display()
        ));
    }
    let mut cur = root.to_path_buf();
    let parts: Vec<_> = rel.components().collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        if let PathPart::Normal(name) = part {
            cur.push(name);
        }
        match std::fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(format!(
                    "{} is a symbolic link: drconsole does not write through links (it could lead outside {}); replace it with the real folder",
                    cur.display(),
                    root.display()
                ));
            }
            Ok(m) if !m.is_dir() => {
                return Err(format!("{} is not a folder", cur.display()));
            }
            Ok(_) => {}
            // Missing folders are created by the plan itself.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(format!("cannot inspect {}: {e}", cur.display())),
        }
    }
    Ok(())
}

/// The device and nearest existing folder at or above `root/folder`.
fn volume_of(root: &Path, folder: &Path) -> Result<(u64, PathBuf), String> {
    let mut at = root.join(folder);
    loop {
        if let Ok(m) = std::fs::metadata(&at) {
            return Ok((device(&m), at));
        }
        if at == root || !at.pop() {
            return Err(format!("cannot find the volume of {}", folder.display()));
        }
    }
}

#[cfg(unix)]
fn device(m: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::dev(m)
}

#[cfg(not(unix))]
fn device(_: &std::fs::Metadata) -> u64 {
    0
}

/// A readable source; a database source (`cache` given) must also pass a full integrity
/// check — taken from the cache when it remembers one of exactly these bytes.
fn source_ok(source: &Path, cache: Option<&CheckCache>) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(source)
        .map_err(|e| format!("cannot read {}: {e}", source.display()))?;
    if meta.is_dir() {
        let root = crate::fs::Root::open(source).map_err(|e| e.to_string())?;
        // Every file inside must be readable too, or the copy would stop half way; walked and
        // opened through the folder's handle, as the copy itself will.
        for entry in root.walk() {
            let entry = entry.map_err(|e| e.to_string())?;
            if entry.meta.kind == crate::fs::Kind::File {
                root.open_file(&entry.rel).map_err(|e| e.to_string())?;
            }
        }
        return Ok(());
    }
    std::fs::File::open(source).map_err(|e| format!("cannot read {}: {e}", source.display()))?;
    if let Some(cache) = cache {
        integrity::full_check_cached(source, cache).map_err(|msgs| {
            format!(
                "{} does not pass a full integrity check now: {}; pick an older set with --set",
                source.display(),
                msgs.join("; ")
            )
        })?;
    }
    Ok(())
}

fn unchanged(root: &Path, target: &Path, expected: &Option<String>) -> Result<(), String> {
    let path = root.join(target);
    let now =
        hash::content_hash(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if &now == expected {
        return Ok(());
    }
    Err(match (expected, now) {
        (Some(_), None) => format!("{} was removed since the commit", path.display()),
        (None, Some(_)) => format!("{} appeared since the commit", path.display()),
        _ => format!("{} changed since the commit", path.display()),
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_symlinked_folder_on_the_way_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        let err = check_inside_root(dir.path(), Path::new("link/file")).unwrap_err();
        assert!(err.contains("symbolic link"), "{err}");
        std::fs::create_dir(dir.path().join("real")).unwrap();
        assert!(check_inside_root(dir.path(), Path::new("real/file")).is_ok());
        assert!(check_inside_root(dir.path(), Path::new("real/new/file")).is_ok());
        assert!(check_inside_root(dir.path(), Path::new("../etc/passwd")).is_err());
    }
}
