//! Checking a plan's preconditions against the machine right now: server processes, free
//! space, readable (and intact) sources, targets inside the root, the journal lock.
//! Nothing here writes; a failed precondition says what is wrong and what to do.

use super::{Check, Plan, Status, hash, integrity};
use crate::context::Context;
use std::path::{Component as PathPart, Path, PathBuf};

/// Safety margin on top of the bytes a plan writes, per volume.
const SPACE_MARGIN: u64 = 1 << 20;

/// Evaluate every precondition of `plan`. `lock` says whether this process holds the journal
/// lock (`Err` names who does).
pub fn check_preconditions(ctx: &Context, plan: &mut Plan, lock: Result<(), String>) {
    let root = plan.root.clone();
    let targets: Vec<PathBuf> = plan.steps.iter().map(|s| s.target.clone()).collect();
    let mut volumes: Vec<(u64, u64, PathBuf)> = Vec::new(); // (device, needed, folder)
    for p in plan.preconditions.iter_mut() {
        let result = match &p.check {
            Check::ServerStopped => server_stopped(ctx),
            Check::JournalLock => lock.clone(),
            Check::TargetsInsideRoot => {
                targets.iter().try_for_each(|t| check_inside_root(&root, t))
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
            Check::SourceReadable { source, database } => source_ok(source, *database),
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

fn source_ok(source: &Path, database: bool) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(source)
        .map_err(|e| format!("cannot read {}: {e}", source.display()))?;
    if meta.is_dir() {
        std::fs::read_dir(source)
            .map(|_| ())
            .map_err(|e| format!("cannot read the folder {}: {e}", source.display()))?;
        // Every file inside must be readable too, or the copy would stop half way.
        for entry in walkdir::WalkDir::new(source).follow_links(false) {
            let entry = entry.map_err(|e| format!("cannot read {}: {e}", source.display()))?;
            if entry.file_type().is_file() {
                std::fs::File::open(entry.path())
                    .map_err(|e| format!("cannot read {}: {e}", entry.path().display()))?;
            }
        }
        return Ok(());
    }
    std::fs::File::open(source).map_err(|e| format!("cannot read {}: {e}", source.display()))?;
    if database {
        integrity::full_check(source).map_err(|msgs| {
            format!(
                "{} fails a full integrity check now: {}; pick an older set with --set",
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
