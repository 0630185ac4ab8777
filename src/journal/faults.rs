//! Test hooks for crash and fault testing, driven by environment variables:
//! `DRCONSOLE_CRASH_AFTER=N` kills the process (SIGKILL) at the Nth durability point (journal
//! record, fsync, rename, copied chunk); `DRCONSOLE_FAIL_WRITE_AFTER_BYTES=N` makes content
//! writes fail like a full disk once N bytes were written. Unset, they cost one atomic add.

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
