//! The few system calls the layer is made of (through `rustix`): opening beneath a handle
//! without following links, `fstatat` without following, `readlinkat`, and batched `getdents`.

use super::{Kind, Meta};
use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;
use std::ffi::OsString;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// What is being opened beneath a handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Open {
    /// A folder to list or to open further things beneath.
    Dir,
    /// A regular file to read.
    File,
    /// A folder only to look things up in (no read permission needed where the system allows).
    Parent,
}

impl Open {
    fn flags(self) -> OFlags {
        let base = OFlags::CLOEXEC | OFlags::NOFOLLOW | OFlags::NOCTTY;
        match self {
            Open::Dir => base | OFlags::RDONLY | OFlags::DIRECTORY,
            // A FIFO planted where a file is expected must not block the scan.
            Open::File => base | OFlags::RDONLY | OFlags::NONBLOCK,
            // openat2 refuses O_PATH with any flag beyond these (EINVAL).
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Open::Parent => OFlags::CLOEXEC | OFlags::NOFOLLOW | OFlags::PATH | OFlags::DIRECTORY,
            #[cfg(not(any(target_os = "linux", target_os = "android")))]
            Open::Parent => base | OFlags::RDONLY | OFlags::DIRECTORY,
        }
    }
}

/// Open the operator-named base folder; its last component must not be a link.
pub(super) fn open_base(path: &Path) -> Result<OwnedFd, Errno> {
    rustix::fs::open(path, Open::Dir.flags(), Mode::empty())
}

/// Open a folder by name, following links.
pub(super) fn open_base_following(path: &Path) -> Result<OwnedFd, Errno> {
    rustix::fs::open(path, Open::Dir.flags() - OFlags::NOFOLLOW, Mode::empty())
}

/// Open `rel` (relative, no `..`, checked by the caller) beneath `dir`, following no link.
pub(super) fn open_beneath(dir: &OwnedFd, rel: &Path, how: Open) -> Result<OwnedFd, Errno> {
    let rel = if rel.as_os_str().is_empty() {
        Path::new(".")
    } else {
        rel
    };
    // A file keeps the non-blocking flag it was opened with (only so a FIFO planted where a
    // file is expected cannot block the open): reads of a regular file ignore it, and the
    // layer hands out regular files only (`Root::open_file` refuses anything else). Two
    // `fcntl` calls per file saved, on payloads of millions of files.
    open_beneath_raw(dir, rel, how)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn open_beneath_raw(dir: &OwnedFd, rel: &Path, how: Open) -> Result<OwnedFd, Errno> {
    use rustix::fs::ResolveFlags;
    use std::sync::atomic::{AtomicBool, Ordering};
    // Set once openat2 turned out to be missing (kernel before 5.6, or a seccomp filter).
    static NO_OPENAT2: AtomicBool = AtomicBool::new(false);
    if !NO_OPENAT2.load(Ordering::Relaxed) {
        let resolve =
            ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
        match rustix::fs::openat2(dir, rel, how.flags(), Mode::empty(), resolve) {
            Err(Errno::NOSYS) | Err(Errno::PERM) => NO_OPENAT2.store(true, Ordering::Relaxed),
            // A rename elsewhere raced the lookup: the component walk below is just as safe.
            Err(Errno::AGAIN) => {}
            other => return other,
        }
    }
    walk_components(dir, rel, how)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn open_beneath_raw(dir: &OwnedFd, rel: &Path, how: Open) -> Result<OwnedFd, Errno> {
    walk_components(dir, rel, how)
}

/// One `openat(O_NOFOLLOW)` per component: a link anywhere fails with `ELOOP`/`ENOTDIR`.
pub(super) fn walk_components(dir: &OwnedFd, rel: &Path, how: Open) -> Result<OwnedFd, Errno> {
    let parts: Vec<_> = rel.iter().collect();
    let Some((last, parents)) = parts.split_last() else {
        return rustix::fs::openat(dir, ".", how.flags(), Mode::empty());
    };
    let mut cur: Option<OwnedFd> = None;
    for p in parents {
        let from = cur.as_ref().map_or(dir.as_fd(), |f| f.as_fd());
        if p.as_bytes() == b".." {
            return Err(Errno::XDEV);
        }
        cur = Some(rustix::fs::openat(
            from,
            Path::new(p),
            Open::Parent.flags(),
            Mode::empty(),
        )?);
    }
    if last.as_bytes() == b".." {
        return Err(Errno::XDEV);
    }
    let from = cur.as_ref().map_or(dir.as_fd(), |f| f.as_fd());
    rustix::fs::openat(from, Path::new(last), how.flags(), Mode::empty())
}

/// `fstat` of an open handle.
pub(super) fn fstat(fd: &OwnedFd) -> Result<Meta, Errno> {
    rustix::fs::fstat(fd).map(meta)
}

/// `fstatat(AT_SYMLINK_NOFOLLOW)`: the entry itself, never a link's target.
pub(super) fn statat<Fd: AsFd>(dir: Fd, name: &Path) -> Result<Meta, Errno> {
    rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW).map(meta)
}

/// Where a link points, as stored.
pub(super) fn readlinkat<Fd: AsFd>(dir: Fd, name: &Path) -> Result<OsString, Errno> {
    use std::os::unix::ffi::OsStringExt;
    rustix::fs::readlinkat(dir, name, Vec::new()).map(|c| OsString::from_vec(c.into_bytes()))
}

/// Every name in an open folder (`getdents` in batches), sorted, without `.` and `..`.
pub(super) fn read_names(dir: &OwnedFd) -> Result<Vec<OsString>, Errno> {
    let fd = rustix::fs::openat(dir, ".", Open::Dir.flags(), Mode::empty())?;
    names_of(&fd)
}

/// Open the folder `name` in `dir` (one component) without following a link.
pub(super) fn open_child_dir<Fd: AsFd>(dir: Fd, name: &Path) -> Result<OwnedFd, Errno> {
    rustix::fs::openat(dir, name, Open::Dir.flags(), Mode::empty())
}

/// The sorted names of a folder just opened (its read position at the start); the handle
/// stays open for the lookups beneath it.
pub(super) fn names_of(fd: &OwnedFd) -> Result<Vec<OsString>, Errno> {
    let mut names = Vec::new();
    each_name(fd, |name| {
        if name != b"." && name != b".." {
            names.push(std::ffi::OsStr::from_bytes(name).to_os_string());
        }
    })?;
    names.sort_unstable();
    Ok(names)
}

/// Bytes asked of each `getdents`: a folder of a few thousand entries in one call, as `ls`
/// and rsync do, instead of the growing small reads of a `Dir`.
#[cfg(any(target_os = "linux", target_os = "android"))]
const GETDENTS_BUFFER: usize = 64 * 1024;

#[cfg(any(target_os = "linux", target_os = "android"))]
fn each_name(fd: &OwnedFd, mut f: impl FnMut(&[u8])) -> Result<(), Errno> {
    use std::cell::RefCell;
    use std::mem::MaybeUninit;
    thread_local! {
        static BUF: RefCell<Vec<MaybeUninit<u8>>> =
            RefCell::new(vec![MaybeUninit::uninit(); GETDENTS_BUFFER]);
    }
    BUF.with(|buf| {
        let mut fresh;
        let mut borrowed = buf.try_borrow_mut();
        // Re-entered on this thread (never today): a buffer of its own.
        let buf: &mut [MaybeUninit<u8>] = match borrowed.as_mut() {
            Ok(b) => b,
            Err(_) => {
                fresh = vec![MaybeUninit::uninit(); GETDENTS_BUFFER];
                &mut fresh
            }
        };
        let mut dir = rustix::fs::RawDir::new(fd, buf);
        while let Some(entry) = dir.next() {
            f(entry?.file_name().to_bytes());
        }
        Ok(())
    })
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn each_name(fd: &OwnedFd, mut f: impl FnMut(&[u8])) -> Result<(), Errno> {
    let mut dir = rustix::fs::Dir::read_from(fd)?;
    while let Some(entry) = dir.read() {
        f(entry?.file_name().to_bytes());
    }
    Ok(())
}

// The stat field types differ between systems; the casts are needed on some of them.
#[allow(clippy::unnecessary_cast)]
fn meta(st: rustix::fs::Stat) -> Meta {
    let kind = match FileType::from_raw_mode(st.st_mode as _) {
        FileType::RegularFile => Kind::File,
        FileType::Directory => Kind::Dir,
        FileType::Symlink => Kind::Link,
        _ => Kind::Other,
    };
    Meta {
        kind,
        size: st.st_size as u64,
        mtime_secs: st.st_mtime as i64,
        mtime_nsec: st.st_mtime_nsec as u32,
        mode: st.st_mode as u32 & 0o7777,
        uid: st.st_uid as u32,
        inode: st.st_ino as u64,
        dev: st.st_dev as u64,
    }
}
