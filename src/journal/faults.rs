//! Test hooks for crash and fault testing, driven by environment variables:
//! `DRCONSOLE_CRASH_AFTER=N` kills the process (SIGKILL) at the Nth durability point (journal
//! record, fsync, rename, copied chunk); `DRCONSOLE_FAIL_WRITE_AFTER_BYTES=N` makes content
//! writes fail like a full disk once N bytes were written; `DRCONSOLE_POWERLOSS_LOG=DIR` records
//! every fsync (a file's bytes, or a folder's entries) so a test can rebuild what a power cut
//! after any fsync would leave; `DRCONSOLE_GARBLE_COPIES=1` makes every chunk a copy writes
//! land with its last byte flipped after it was hashed, as a bad write path would leave it.
//! Unset, they cost one atomic add or one lookup.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

static POINTS: AtomicU64 = AtomicU64::new(0);
static WRITTEN: AtomicU64 = AtomicU64::new(0);

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.trim().parse().ok()
}

fn crash_after() -> Option<u64> {
    static V: OnceLock<Option<u64>> = OnceLock::new();
    *V.get_or_init(|| env_u64("DRCONSOLE_CRASH_AFTER"))
}

fn fail_after() -> Option<u64> {
    static V: OnceLock<Option<u64>> = OnceLock::new();
    *V.get_or_init(|| env_u64("DRCONSOLE_FAIL_WRITE_AFTER_BYTES"))
}

/// A durability point was passed: die here if the crash hook says so.
pub fn point() {
    let n = POINTS.fetch_add(1, Ordering::SeqCst) + 1;
    if crash_after() == Some(n) {
        die();
    }
}

/// Durability points passed so far in this process.
pub fn points() -> u64 {
    POINTS.load(Ordering::SeqCst)
}

/// About to write `len` bytes of content: fail like a full disk if the fault hook says so.
pub fn before_write(len: usize) -> std::io::Result<()> {
    let Some(limit) = fail_after() else {
        return Ok(());
    };
    let before = WRITTEN.fetch_add(len as u64, Ordering::SeqCst);
    if before + len as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            "no space left on device (injected by DRCONSOLE_FAIL_WRITE_AFTER_BYTES)",
        ));
    }
    Ok(())
}

/// Whether the garbling hook is on: copies then write every chunk themselves.
pub fn garbling() -> bool {
    static V: OnceLock<bool> = OnceLock::new();
    *V.get_or_init(|| env_u64("DRCONSOLE_GARBLE_COPIES") == Some(1))
}

/// The bytes to write for `chunk` when the garbling hook is on (its last byte flipped).
pub fn garbled(chunk: &[u8]) -> Option<Vec<u8>> {
    if !garbling() {
        return None;
    }
    let mut bad = chunk.to_vec();
    if let Some(last) = bad.last_mut() {
        *last ^= 0x01;
    }
    Some(bad)
}

fn powerloss_dir() -> Option<&'static std::path::Path> {
    static V: OnceLock<Option<std::path::PathBuf>> = OnceLock::new();
    V.get_or_init(|| std::env::var_os("DRCONSOLE_POWERLOSS_LOG").map(Into::into))
        .as_deref()
}

/// `path` was just fsynced: with the power-loss recorder on, write down what is now durable
/// there (a file's bytes and mode; a folder's entries, each with its inode, kind and mode).
pub fn synced(path: &std::path::Path) {
    if let Some(dir) = powerloss_dir() {
        // A recorder that cannot record must not change what the program does.
        let _ = record_sync(dir, path);
    }
}

#[cfg(unix)]
fn record_sync(dir: &std::path::Path, path: &std::path::Path) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::MetadataExt;
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let n = SEQ.fetch_add(1, Ordering::SeqCst) + 1;
    let meta = std::fs::symlink_metadata(path)?;
    let mut event = serde_json::json!({
        "n": n,
        "path": path.to_string_lossy(),
        "ino": meta.ino(),
        "born": born(&meta),
        "mode": meta.mode() & 0o7777,
    });
    if meta.is_dir() {
        let mut entries = Vec::new();
        for e in std::fs::read_dir(path)? {
            let e = e?;
            let m = std::fs::symlink_metadata(e.path())?;
            let ft = m.file_type();
            let kind = if ft.is_dir() {
                "d"
            } else if ft.is_symlink() {
                "l"
            } else {
                "f"
            };
            let link = ft
                .is_symlink()
                .then(|| std::fs::read_link(e.path()).ok())
                .flatten()
                .map(|l| l.to_string_lossy().into_owned());
            entries.push(serde_json::json!([
                e.file_name().to_string_lossy(),
                m.ino(),
                kind,
                m.mode() & 0o7777,
                link,
                born(&m)
            ]));
        }
        event["entries"] = entries.into();
    } else {
        let blob = dir.join(format!("blob-{n}"));
        std::fs::copy(path, &blob)?;
        event["blob"] = blob.to_string_lossy().into();
    }
    let mut line = serde_json::to_vec(&event)?;
    line.push(b'\n');
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("events"))?
        .write_all(&line)
}

/// When the inode was created (nanoseconds; 0 where the file system does not say): inode
/// numbers are reused once freed, so the number alone does not name one file over a run.
#[cfg(unix)]
fn born(meta: &std::fs::Metadata) -> u64 {
    meta.created()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

#[cfg(not(unix))]
fn record_sync(_dir: &std::path::Path, _path: &std::path::Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn die() -> ! {
    // SIGKILL, not abort: nothing runs after it, exactly like a power cut for this process.
    // SAFETY: kill and getpid have no memory-safety preconditions.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    std::process::abort()
}

#[cfg(not(unix))]
fn die() -> ! {
    std::process::abort()
}
