//! Durable file operations the journal is built from: copy to a private temporary name,
//! fsync, give the original owner and mode, rename, fsync the folder. Links are never
//! followed: sources are opened with `O_NOFOLLOW`, temporary files are created exclusively.

use super::faults;
use crate::inventory::cache::Stamp;
use crate::plan::hash::FileHasher;
use crate::plan::keyfile::{KeySniffer, is_key_name};
use crate::plan::modes::Modes;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Size of one copy chunk (also one crash point).
const CHUNK: usize = 1 << 20;

/// Owner and mode a new file or folder should get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attrs {
    /// Permission bits.
    pub mode: u32,
    /// Owner and group, when they should be set.
    pub owner: Option<(u32, u32)>,
}

#[cfg(unix)]
fn attrs_of(meta: &std::fs::Metadata) -> Attrs {
    use std::os::unix::fs::MetadataExt;
    Attrs {
        mode: meta.mode() & 0o7777,
        owner: Some((meta.uid(), meta.gid())),
    }
}

#[cfg(not(unix))]
fn attrs_of(_meta: &std::fs::Metadata) -> Attrs {
    Attrs {
        mode: 0o644,
        owner: None,
    }
}

/// The attributes of what is at `path` now (not following links), if anything.
pub fn attrs(path: &Path) -> Option<Attrs> {
    std::fs::symlink_metadata(path)
        .ok()
        .filter(|m| !m.file_type().is_symlink())
        .map(|m| attrs_of(&m))
}

fn open_source(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    o.open(path)
}

fn create_private(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // 0600 from the first byte: key material is never readable by others, not even
        // while it is being written. The final mode is set once the content is durable.
        o.mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    o.open(path)
}

/// Copy `source` to the new file `temp` (which must not exist), fsync it, and give it the
/// attributes of `replaced` (the file it will replace) or else `owner` and the mode `modes`
/// gives a new file of its kind — never the source's mode, never group- or world-writable, and
/// never more than the key mode for private-key material (recognised by content or name).
/// Returns the bytes copied.
pub fn copy_file(
    source: &Path,
    temp: &Path,
    replaced: Option<Attrs>,
    owner: Option<(u32, u32)>,
    modes: &Modes,
) -> io::Result<u64> {
    copy_file_hashed(source, temp, replaced, owner, modes, false).map(|c| c.bytes)
}

/// What one file copy did, learnt while copying (the copy is never read back for it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// Bytes copied.
    pub bytes: u64,
    /// The copy's content hash as `plan::hash::content_hash` would read it back (bytes and
    /// final mode); `None` when the source changed while it was copied.
    pub hash: Option<String>,
    /// The source's identity, the same before the first read and after the last: the copy
    /// holds exactly the bytes of that version. `None` when it changed meanwhile.
    pub source: Option<Stamp>,
}

/// [`copy_file`], hashing the bytes as they are copied and noting which version of the source
/// they came from.
/// `keep_time`: the copy gets the source's modification time (see [`copy_file_timed`]).
pub fn copy_file_hashed(
    source: &Path,
    temp: &Path,
    replaced: Option<Attrs>,
    owner: Option<(u32, u32)>,
    modes: &Modes,
    keep_time: bool,
) -> io::Result<Copied> {
    let src = open_source(source).map_err(|e| annotate(e, "read", source))?;
    copy_open(src, source, temp, replaced, owner, modes, keep_time)
}

/// A copy read back from the system after it was written: what the bytes hash to there,
/// and which file (and version) was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadBack {
    /// The copy's content hash as read back (bytes and mode).
    pub hash: String,
    /// The copy's identity while it was read; renamed into place, the same file keeps it.
    pub stamp: Stamp,
}

/// [`copy_file_hashed`] (modification time not kept) for a copy that must be proven to hold
/// what was copied: it is read back and hashed while it is fsynced, so the read costs no time
/// beside the wait for the disk. The read-back is `None` when the temporary file changed or
/// was replaced meanwhile (the caller reads the landed file instead).
pub fn copy_file_read_back(
    source: &Path,
    temp: &Path,
    replaced: Option<Attrs>,
    owner: Option<(u32, u32)>,
    modes: &Modes,
) -> io::Result<(Copied, Option<ReadBack>)> {
    let src = open_source(source).map_err(|e| annotate(e, "read", source))?;
    let (copied, dst) = copy_open_unsynced(src, source, temp, replaced, owner, modes, false)?;
    let written = Stamp::of_file(&dst.file);
    let (synced, back) = std::thread::scope(|s| {
        let reader = s.spawn(|| read_back(temp, written));
        let synced = dst.sync();
        let back = reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (synced, back)
    });
    synced?;
    Ok((copied, back?))
}

/// Hash the file at `temp` as it reads now, if it is still the file `written` describes.
fn read_back(temp: &Path, written: Option<Stamp>) -> io::Result<Option<ReadBack>> {
    let mut f = open_source(temp).map_err(|e| annotate(e, "read back", temp))?;
    let meta = f.metadata().map_err(|e| annotate(e, "read back", temp))?;
    let stamp = Stamp::of_meta(&meta);
    if written != Some(stamp) {
        return Ok(None);
    }
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o7777
    };
    #[cfg(not(unix))]
    let mode = 0;
    let hash = crate::plan::hash::open_file_hash(&mut f, mode, meta.len())
        .map_err(|e| annotate(e, "read back", temp))?;
    // Changed while it was read: what was hashed proves nothing.
    Ok((Stamp::of_file(&f) == Some(stamp)).then_some(ReadBack { hash, stamp }))
}

/// [`copy_file`] that also gives the copy the source's modification time (set before the
/// fsync, so it is as durable as the bytes): a payload copy compared by size and time must
/// compare equal to its source afterwards.
pub fn copy_file_timed(
    source: &Path,
    temp: &Path,
    replaced: Option<Attrs>,
    owner: Option<(u32, u32)>,
    modes: &Modes,
) -> io::Result<u64> {
    let src = open_source(source).map_err(|e| annotate(e, "read", source))?;
    copy_open(src, source, temp, replaced, owner, modes, true).map(|c| c.bytes)
}

/// Write `bytes` to the new file `temp` (which must not exist) with the attributes
/// [`copy_file`] would give it, and fsync it. Returns the bytes written.
pub fn write_new(
    bytes: &[u8],
    temp: &Path,
    replaced: Option<Attrs>,
    owner: Option<(u32, u32)>,
    modes: &Modes,
) -> io::Result<u64> {
    let mut dst = create_private(temp).map_err(|e| annotate(e, "create", temp))?;
    faults::before_write(bytes.len()).map_err(|e| annotate(e, "write", temp))?;
    dst.write_all(bytes)
        .map_err(|e| annotate(e, "write", temp))?;
    let is_key = modes.keys
        && ({
            let mut k = KeySniffer::default();
            k.feed(bytes);
            k.found()
        } || is_key_name(temp));
    let want = Attrs {
        mode: modes.file_mode(replaced.map(|a| a.mode), is_key),
        owner: replaced.map_or(owner, |a| a.owner),
    };
    set_attrs(&dst, temp, want)?;
    dst.sync_all().map_err(|e| annotate(e, "fsync", temp))?;
    faults::synced(temp);
    faults::point();
    Ok(bytes.len() as u64)
}

/// [`copy_file_hashed`] from a source already opened (beneath a folder handle); `source` names it.
/// `keep_time`: the copy gets the source's modification time.
fn copy_open(
    src: File,
    source: &Path,
    temp: &Path,
    replaced: Option<Attrs>,
    owner: Option<(u32, u32)>,
    modes: &Modes,
    keep_time: bool,
) -> io::Result<Copied> {
    let (copied, dst) = copy_open_unsynced(src, source, temp, replaced, owner, modes, keep_time)?;
    dst.sync()?;
    Ok(copied)
}

/// A file written completely under its temporary name (bytes, mode, owner, time) but not yet
/// durable: [`Unsynced::sync`] makes it so, and nothing may rename it into place before.
#[derive(Debug)]
pub struct Unsynced {
    file: File,
    path: PathBuf,
}

impl Unsynced {
    /// fsync the file: its bytes and attributes survive a power cut from here on.
    pub fn sync(self) -> io::Result<()> {
        self.file
            .sync_all()
            .map_err(|e| annotate(e, "fsync", &self.path))?;
        faults::synced(&self.path);
        faults::point();
        Ok(())
    }
}

/// [`copy_file_hashed`] without the final fsync, for a batch of copies made durable together
/// (each one still fsynced, by [`Unsynced::sync`], before it is renamed into place). The system
/// is asked to start writing the copy out at once, so the fsyncs that follow find the bytes
/// on their way instead of each starting its own write and journal commit.
pub fn copy_file_unsynced(
    source: &Path,
    temp: &Path,
    replaced: Option<Attrs>,
    owner: Option<(u32, u32)>,
    modes: &Modes,
    keep_time: bool,
) -> io::Result<(Copied, Unsynced)> {
    let src = open_source(source).map_err(|e| annotate(e, "read", source))?;
    let (copied, dst) = copy_open_unsynced(src, source, temp, replaced, owner, modes, keep_time)?;
    start_writeback(&dst.file);
    Ok((copied, dst))
}

/// Ask the system to start writing `f`'s dirty pages now, without waiting (only a hint: the
/// fsync that follows is what makes them durable, and reports any error).
fn start_writeback(f: &File) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: a valid open descriptor; the call only schedules writeback of its pages.
        let _ = unsafe { libc::sync_file_range(f.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE) };
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = f;
}

/// Run `sync` (an fsync) on every item from a few threads at once: a journaling file system
/// folds fsyncs that arrive together into one commit, where one after another each waits for
/// a commit of its own. Every item is synced even after a failure; the first error is returned.
pub fn sync_together<T: Send>(
    items: Vec<T>,
    sync: impl Fn(T) -> io::Result<()> + Sync,
) -> io::Result<()> {
    const THREADS: usize = 8;
    let n = items.len();
    if n <= 1 {
        return items.into_iter().try_for_each(sync);
    }
    let queue = std::sync::Mutex::new(items.into_iter());
    let first_error: std::sync::Mutex<Option<io::Error>> = std::sync::Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..THREADS.min(n) {
            s.spawn(|| {
                loop {
                    // A poisoned lock still holds the queue: every item is synced or the
                    // panic ends the process, never an item silently skipped.
                    let next = queue
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .next();
                    let Some(item) = next else { break };
                    if let Err(e) = sync(item) {
                        first_error
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .get_or_insert(e);
                    }
                }
            });
        }
    });
    match first_error
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// [`copy_open`] without the final fsync.
fn copy_open_unsynced(
    mut src: File,
    source: &Path,
    temp: &Path,
    replaced: Option<Attrs>,
    owner: Option<(u32, u32)>,
    modes: &Modes,
    keep_time: bool,
) -> io::Result<(Copied, Unsynced)> {
    let before = Stamp::of_file(&src);
    let mut dst = create_private(temp).map_err(|e| annotate(e, "create", temp))?;
    let size = before.map_or(0, |s| s.size);
    let mut digest = Digest::new(modes, replaced, size);
    #[cfg(unix)]
    let total = if size >= HASH_ASIDE_FROM && !faults::garbling() {
        copy_hashing_aside(&src, source, &mut dst, temp, size, &mut digest)?
    } else {
        copy_hashing_inline(&mut src, source, &mut dst, temp, &mut digest)?
    };
    #[cfg(not(unix))]
    let total = copy_hashing_inline(&mut src, source, &mut dst, temp, &mut digest)?;
    let is_key =
        digest.key.as_ref().is_some_and(KeySniffer::found) || (modes.keys && is_key_name(source));
    let want = Attrs {
        mode: modes.file_mode(replaced.map(|a| a.mode), is_key),
        owner: replaced.map_or(owner, |a| a.owner),
    };
    set_attrs(&dst, temp, want)?;
    if keep_time {
        let meta = src.metadata().map_err(|e| annotate(e, "stat", source))?;
        let mtime = filetime::FileTime::from_last_modification_time(&meta);
        filetime::set_file_handle_times(&dst, None, Some(mtime))
            .map_err(|e| annotate(e, "set the time of", temp))?;
    }
    // Unchanged from the first read to the last (and every byte read, by the copy and by the
    // hash): what was hashed is what was written, and it is that version of the source.
    let stable = before.is_some()
        && Stamp::of_file(&src) == before
        && total == size
        && digest.hashed == size;
    let hash = stable.then(|| digest.finish(is_key));
    Ok((
        Copied {
            bytes: total,
            hash,
            source: before.filter(|_| stable),
        },
        Unsynced {
            file: dst,
            path: temp.to_path_buf(),
        },
    ))
}

/// Files from this size on are hashed on a second thread while this one copies: the hash
/// then costs no time beside the copy. Smaller ones are not worth a thread.
#[cfg_attr(not(unix), allow(dead_code))]
const HASH_ASIDE_FROM: u64 = 8 << 20;

/// What a copy learns of the bytes it copies: their hash (for each final mode the copy may
/// get) and whether they are private-key material.
struct Digest {
    key: Option<KeySniffer>,
    plain: FileHasher,
    keyed: Option<FileHasher>,
    hashed: u64,
}

impl Digest {
    fn new(modes: &Modes, replaced: Option<Attrs>, size: u64) -> Digest {
        // The final mode is part of the hash and, for key material, known only at the end:
        // hash for both candidate modes (only key stores have two, and they are small).
        let plain_mode = modes.file_mode(replaced.map(|a| a.mode), false);
        let key_mode = modes.file_mode(replaced.map(|a| a.mode), true);
        Digest {
            key: modes.keys.then(KeySniffer::default),
            plain: FileHasher::new(plain_mode, size),
            keyed: (modes.keys && key_mode != plain_mode).then(|| FileHasher::new(key_mode, size)),
            hashed: 0,
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        if let Some(k) = self.key.as_mut() {
            k.feed(bytes);
        }
        self.plain.update(bytes);
        if let Some(h) = self.keyed.as_mut() {
            h.update(bytes);
        }
        self.hashed += bytes.len() as u64;
    }

    fn finish(self, is_key: bool) -> String {
        match self.keyed {
            Some(h) if is_key => h.finish(),
            _ => self.plain.finish(),
        }
    }
}

/// Copy chunk by chunk, each chunk read once, hashed, then written (one crash point each).
fn copy_hashing_inline(
    src: &mut File,
    source: &Path,
    dst: &mut File,
    temp: &Path,
    digest: &mut Digest,
) -> io::Result<u64> {
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = src
            .read(&mut buf)
            .map_err(|e| annotate(e, "read", source))?;
        if n == 0 {
            break;
        }
        digest.feed(&buf[..n]);
        faults::before_write(n).map_err(|e| annotate(e, "write", temp))?;
        match faults::garbled(&buf[..n]) {
            Some(bad) => dst.write_all(&bad),
            None => write_chunk(src, dst, total, &buf[..n]),
        }
        .map_err(|e| annotate(e, "write", temp))?;
        total += n as u64;
        faults::point();
    }
    Ok(total)
}

/// Copy a large file by the kernel (`copy_file_range`, one chunk and one crash point at a
/// time) while a second thread reads the source on its own and hashes it. Both read the same
/// version or the source's stamp tells otherwise (see [`copy_open_unsynced`]).
#[cfg(unix)]
fn copy_hashing_aside(
    src: &File,
    source: &Path,
    dst: &mut File,
    temp: &Path,
    size: u64,
    digest: &mut Digest,
) -> io::Result<u64> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let hasher = s.spawn(|| hash_source(src, source, digest, &stop));
        let copied = copy_by_range(src, source, dst, temp, size);
        // A failed copy needs no hash: the hasher stops at its next chunk.
        stop.store(copied.is_err(), Ordering::Relaxed);
        let hashed = hasher
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let total = copied?;
        hashed?;
        Ok(total)
    })
}

/// The hasher's side of [`copy_hashing_aside`]: read `src` from its start by positioned
/// reads (the copier's offset is its own) and feed every byte to `digest`.
#[cfg(unix)]
fn hash_source(
    src: &File,
    source: &Path,
    digest: &mut Digest,
    stop: &std::sync::atomic::AtomicBool,
) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; CHUNK];
    let mut offset = 0u64;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let n = match src.read_at(&mut buf, offset) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(annotate(e, "read", source)),
        };
        digest.feed(&buf[..n]);
        offset += n as u64;
    }
    Ok(())
}

/// The copier's side of [`copy_hashing_aside`]: chunk after chunk to the end of `src`, the
/// kernel moving the bytes where it can. Returns the bytes copied.
#[cfg(unix)]
fn copy_by_range(
    src: &File,
    source: &Path,
    dst: &mut File,
    temp: &Path,
    size: u64,
) -> io::Result<u64> {
    let mut spare = Vec::new();
    let mut total = 0u64;
    loop {
        // The chunk the inline copy would read here: the same fault accounting and the same
        // crash points. Past the expected end only a source that grew has more.
        let expected = (size - total.min(size)).min(CHUNK as u64) as usize;
        if expected > 0 {
            faults::before_write(expected).map_err(|e| annotate(e, "write", temp))?;
        }
        let len = if expected > 0 { expected } else { CHUNK };
        let n = copy_range(src, source, dst, temp, total, len, &mut spare)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        faults::point();
    }
    Ok(total)
}

/// Copy up to `len` bytes of `src` from `offset` to the end of `dst`: by `copy_file_range`
/// where the system has it, else (or for what it left) by a read into `spare` and a write.
/// Returns the bytes copied, 0 at the end of the source.
#[cfg(unix)]
fn copy_range(
    src: &File,
    source: &Path,
    dst: &mut File,
    temp: &Path,
    offset: u64,
    len: usize,
    spare: &mut Vec<u8>,
) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    let mut done = by_kernel(src, dst, offset, len);
    if done.at_end {
        return Ok(done.copied);
    }
    if done.copied < len {
        spare.resize(len - done.copied, 0);
        let mut got = 0;
        while got < spare.len() {
            match src.read_at(&mut spare[got..], offset + (done.copied + got) as u64) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(annotate(e, "read", source)),
            }
        }
        dst.write_all(&spare[..got])
            .map_err(|e| annotate(e, "write", temp))?;
        done.copied += got;
    }
    Ok(done.copied)
}

/// What [`by_kernel`] managed.
struct KernelCopy {
    copied: usize,
    /// The source ended before `len` bytes.
    at_end: bool,
}

/// `copy_file_range` of up to `len` bytes from `offset` of `src` to the end of `dst` (the
/// kernel moves the bytes, or shares them on a file system with reflinks). Stops short, for
/// the caller to write the rest, where the system or the file system refuses it.
fn by_kernel(src: &File, dst: &File, offset: u64, len: usize) -> KernelCopy {
    let mut done = KernelCopy {
        copied: 0,
        at_end: false,
    };
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use std::sync::atomic::{AtomicBool, Ordering};
        // Set once the system or a file system refused it: plain writes from then on.
        static UNSUPPORTED: AtomicBool = AtomicBool::new(false);
        while done.copied < len && !UNSUPPORTED.load(Ordering::Relaxed) {
            let mut off_in = offset + done.copied as u64;
            match rustix::fs::copy_file_range(src, Some(&mut off_in), dst, None, len - done.copied)
            {
                Ok(0) => {
                    done.at_end = true;
                    break;
                }
                Ok(n) => done.copied += n,
                Err(rustix::io::Errno::INTR) => {}
                Err(_) if done.copied == 0 => UNSUPPORTED.store(true, Ordering::Relaxed),
                Err(_) => break,
            }
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = (src, dst, offset, len);
    done
}

/// Write `chunk`, just read from `src` at `offset`, to the end of `dst`: by `copy_file_range`
/// where the system has it (the kernel moves the bytes, or shares them on a file system with
/// reflinks), else by an ordinary write. A source changed meanwhile is caught by its stamp.
fn write_chunk(src: &File, dst: &mut File, offset: u64, chunk: &[u8]) -> io::Result<()> {
    let done = by_kernel(src, dst, offset, chunk.len());
    // The source ended early (it shrank): the bytes read before are still what is written.
    dst.write_all(&chunk[done.copied..])
}

/// Copy the folder `source` to the new folder `temp`, files and folders only: symbolic links
/// and special files are skipped (returned) so nothing outside the set is ever read through
/// them. The source is walked and read through one handle of `source` (the product's one
/// walker), so a folder swapped for a link while copying is refused, never followed. An entry
/// that exists at the same place under `like` (the folder being replaced) keeps its
/// attributes; a new one gets the owner of `like` and the mode `modes` gives its kind.
/// Returns the bytes copied and the skipped paths.
pub fn copy_tree(
    source: &Path,
    temp: &Path,
    like: Option<&Path>,
    modes: &Modes,
) -> io::Result<(u64, Vec<PathBuf>)> {
    use crate::fs::{Kind, Root};
    let confined = |e: crate::fs::FsError| {
        let kind = if e.is_not_found() {
            io::ErrorKind::NotFound
        } else {
            io::ErrorKind::Other
        };
        io::Error::new(kind, e.to_string())
    };
    let root = Root::open(source).map_err(confined)?;
    let mut total = 0u64;
    let mut skipped = Vec::new();
    let owner = like.and_then(attrs).and_then(|a| a.owner);
    let reference = |rel: &Path, dir: bool| {
        like.map(|l| l.join(rel)).and_then(|p| {
            std::fs::symlink_metadata(&p)
                .ok()
                .filter(|m| m.is_dir() == dir && (dir || m.is_file()))
                .map(|m| attrs_of(&m))
        })
    };
    let top = reference(Path::new(""), true);
    create_dir_private(temp)?;
    let mut dirs: Vec<(PathBuf, Attrs)> = vec![(
        temp.to_path_buf(),
        Attrs {
            mode: modes.dir_mode(top.map(|a| a.mode)),
            owner: top.map_or(owner, |a| a.owner),
        },
    )];
    for entry in root.walk() {
        let entry = entry.map_err(confined)?;
        let dst = temp.join(&entry.rel);
        match entry.meta.kind {
            Kind::Dir => {
                create_dir_private(&dst)?;
                let r = reference(&entry.rel, true);
                let want = Attrs {
                    mode: modes.dir_mode(r.map(|a| a.mode)),
                    owner: r.map_or(owner, |a| a.owner),
                };
                dirs.push((dst, want));
            }
            Kind::File => {
                let (file, _) = root.open_file(&entry.rel).map_err(confined)?;
                let name = root.display(&entry.rel);
                let r = reference(&entry.rel, false);
                total += copy_open(file, &name, &dst, r, owner, modes, false)?.bytes;
            }
            Kind::Link | Kind::Other => skipped.push(root.display(&entry.rel)),
        }
    }
    seal_dirs(&dirs, |f, dir, want| set_attrs(f, dir, *want))?;
    Ok((total, skipped))
}

/// Give each folder of a copied tree (listed parents first) its final attributes with `set`
/// and fsync it — deepest first, so a folder's final (possibly read-only) mode never blocks
/// its children.
fn seal_dirs<T>(
    dirs: &[(PathBuf, T)],
    set: impl Fn(&File, &Path, &T) -> io::Result<()>,
) -> io::Result<()> {
    for (dir, want) in dirs.iter().rev() {
        let f = File::open(dir).map_err(|e| annotate(e, "open", dir))?;
        set(&f, dir, want)?;
        f.sync_all().map_err(|e| annotate(e, "fsync", dir))?;
        faults::synced(dir);
        faults::point();
    }
    Ok(())
}

/// Create a folder readable only by its owner until its final mode is set.
pub fn create_dir_private(path: &Path) -> io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(path)
        .map_err(|e| annotate(e, "create folder", path))
}

/// Create a folder with `mode` and fsync its parent.
pub fn create_dir_durable(path: &Path, mode: u32) -> io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    b.create(path)
        .map_err(|e| annotate(e, "create folder", path))?;
    fsync_parent(path)?;
    faults::point();
    Ok(())
}

/// Create `path` and its missing parents with `mode`, fsyncing each new one's parent.
pub fn create_dirs_durable(path: &Path, mode: u32) -> io::Result<()> {
    if path.as_os_str().is_empty() {
        // The parent of a relative name: the current folder, which exists.
        return Ok(());
    }
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => return Ok(()),
        // A planted link here could carry the stash outside the root: never go through it.
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} is in the way (not a real folder); move it away and try again",
                    path.display()
                ),
            ));
        }
        Err(_) => {}
    }
    if let Some(parent) = path.parent() {
        create_dirs_durable(parent, mode)?;
    }
    create_dir_durable(path, mode)
}

#[cfg(unix)]
fn set_attrs(f: &File, path: &Path, want: Attrs) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta = f.metadata().map_err(|e| annotate(e, "stat", path))?;
    if let Some((uid, gid)) = want.owner
        && (meta.uid() != uid || meta.gid() != gid)
    {
        std::os::unix::fs::fchown(f, Some(uid), Some(gid)).map_err(|e| {
            annotate(
                e,
                &format!("give owner {uid}:{gid} (run as root to keep owners) to"),
                path,
            )
        })?;
    }
    f.set_permissions(std::fs::Permissions::from_mode(want.mode))
        .map_err(|e| annotate(e, "set the mode of", path))
}

#[cfg(not(unix))]
fn set_attrs(_f: &File, _path: &Path, _want: Attrs) -> io::Result<()> {
    Ok(())
}

/// fsync a folder so a rename or creation inside it survives a power cut.
pub fn fsync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|f| f.sync_all())
            .map_err(|e| annotate(e, "fsync", dir))?;
        faults::synced(dir);
        Ok(())
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

fn fsync_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => fsync_dir(p),
        _ => Ok(()),
    }
}

/// Rename `from` to `to` and fsync both folders.
pub fn rename_durable(from: &Path, to: &Path) -> io::Result<()> {
    rename(from, to)?;
    fsync_parent(to)?;
    if from.parent() != to.parent() {
        fsync_parent(from)?;
    }
    faults::point();
    Ok(())
}

/// Rename `from` to `to`, nothing more: the caller fsyncs both folders before relying on it
/// (a batch renames many entries, then fsyncs each folder once).
pub fn rename(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::rename(from, to).map_err(|e| {
        let busy = if e.raw_os_error() == Some(libc::EBUSY) {
            // The kernel's "Device or resource busy" says nothing an operator can act on.
            let mount = if is_mount_point(to) { to } else { from };
            format!(
                ": {} is a mount point (another file system is mounted on it), and drconsole replaces a file or folder by renaming it, which the system refuses for a mount point; unmount it, or restore what is inside it instead, then try again",
                mount.display()
            )
        } else {
            String::new()
        };
        io::Error::new(
            e.kind(),
            format!(
                "cannot rename {} to {}: {e}{busy}",
                from.display(),
                to.display()
            ),
        )
    })
}

/// Whether a folder is a mount point: on another device than its parent.
pub fn is_mount_point(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let dev = |p: &Path| std::fs::symlink_metadata(p).ok().map(|m| m.dev());
        match (dev(p), p.parent().and_then(dev)) {
            (Some(a), Some(b)) => a != b,
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = p;
        false
    }
}

/// Remove a file, link or whole folder (links are removed, never followed), then fsync the
/// parent. Absent is fine.
pub fn remove_durable(path: &Path) -> io::Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(annotate(e, "inspect", path)),
    };
    if meta.is_dir() {
        make_writable(path);
        std::fs::remove_dir_all(path).map_err(|e| annotate(e, "remove", path))?;
    } else {
        std::fs::remove_file(path).map_err(|e| annotate(e, "remove", path))?;
    }
    fsync_parent(path)?;
    faults::point();
    Ok(())
}

/// Folders copied read-only must become writable again before they can be removed.
fn make_writable(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let fix = |path: &Path, mode: u32| {
            if mode & 0o700 != 0o700 {
                let _ =
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode | 0o700));
            }
        };
        match std::fs::symlink_metadata(dir) {
            Ok(m) if m.is_dir() => fix(dir, m.permissions().mode() & 0o7777),
            _ => return,
        }
        let Ok(root) = crate::fs::Root::open(dir) else {
            return;
        };
        for entry in root.walk().filter_map(Result::ok) {
            if entry.meta.kind == crate::fs::Kind::Dir {
                fix(&root.display(&entry.rel), entry.meta.mode);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Whether anything (even a dangling link) is at `path`.
pub fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// An I/O error that names the operation and the path.
pub fn annotate(e: io::Error, op: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("cannot {op} {}: {e}", path.display()))
}

/// Move `from` to the new name `to` and make it durable: a rename where both lie on one file
/// system; across file systems (a payload folder that is its own mount, its stash beside it)
/// an exact copy — content, folders, links, mode, owner, times — made durable under the
/// temporary name `partial`, renamed to `to`, and only then the original removed. A crash
/// leaves the original, or both, never neither.
pub fn move_durable(from: &Path, to: &Path, partial: &Path) -> io::Result<()> {
    match rename_durable(from, to) {
        Err(e) if e.kind() == io::ErrorKind::CrossesDevices => {
            // A copy an earlier crash interrupted: ours (a name only the journal gives), and
            // never the only copy of anything while the original is still in place.
            remove_durable(partial)?;
            if let Err(e) = copy_exact(from, partial) {
                let _ = remove_durable(partial);
                return Err(e);
            }
            rename_durable(partial, to)?;
            remove_durable(from)
        }
        other => other,
    }
}

/// The temporary name [`move_durable`] copies to when `to` is on another file system: a hidden
/// name beside `to`.
pub fn move_partial(to: &Path) -> PathBuf {
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    to.with_file_name(format!(".{name}.drconsole-move"))
}

/// Copy the file, link or folder `from` to the new name `to` exactly (mode, times, and owner
/// when run as root) and fsync it. Special files are refused: they cannot be copied.
fn copy_exact(from: &Path, to: &Path) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(from).map_err(|e| annotate(e, "inspect", from))?;
    if meta.is_dir() {
        use crate::fs::{Kind, Root};
        let confined = |e: crate::fs::FsError| io::Error::other(e.to_string());
        let root = Root::open(from).map_err(confined)?;
        create_dir_private(to)?;
        let mut dirs = vec![(to.to_path_buf(), meta)];
        for entry in root.walk() {
            let entry = entry.map_err(confined)?;
            let dst = to.join(&entry.rel);
            let src = root.display(&entry.rel);
            match entry.meta.kind {
                Kind::Dir => {
                    create_dir_private(&dst)?;
                    let m = std::fs::symlink_metadata(&src)
                        .map_err(|e| annotate(e, "inspect", &src))?;
                    dirs.push((dst, m));
                }
                Kind::File => {
                    let (file, m) = root.open_file(&entry.rel).map_err(confined)?;
                    copy_file_exact(file, &src, &dst, &m)?;
                }
                Kind::Link => {
                    let target = root.read_link(&entry.rel).map_err(confined)?;
                    copy_link_exact(&target, &src, &dst)?;
                }
                Kind::Other => return Err(special(&src)),
            }
        }
        seal_dirs(&dirs, set_exact)?;
        fsync_parent(to)
    } else if meta.is_file() {
        let file = open_source(from).map_err(|e| annotate(e, "read", from))?;
        copy_file_exact(file, from, to, &meta)?;
        fsync_parent(to)
    } else if meta.file_type().is_symlink() {
        let target = std::fs::read_link(from).map_err(|e| annotate(e, "read the link", from))?;
        copy_link_exact(target.as_os_str(), from, to)?;
        fsync_parent(to)
    } else {
        Err(special(from))
    }
}

fn special(path: &Path) -> io::Error {
    io::Error::other(format!(
        "cannot move {} to another file system: it is a special file (device, socket or pipe), which cannot be copied; move it out of the way by hand, then try again",
        path.display()
    ))
}

/// Copy the open `file` (at `from`) to the new file `to` with `meta`'s mode, times and owner.
fn copy_file_exact(
    mut file: File,
    from: &Path,
    to: &Path,
    meta: &std::fs::Metadata,
) -> io::Result<()> {
    let mut dst = create_private(to).map_err(|e| annotate(e, "create", to))?;
    faults::before_write(usize::try_from(meta.len()).unwrap_or(usize::MAX))
        .map_err(|e| annotate(e, "write", to))?;
    // `io::copy` between two files uses `copy_file_range` where the system has it.
    io::copy(&mut file, &mut dst)
        .map_err(|e| annotate(e, &format!("copy {} to", from.display()), to))?;
    set_exact(&dst, to, meta)?;
    dst.sync_all().map_err(|e| annotate(e, "fsync", to))?;
    faults::synced(to);
    faults::point();
    Ok(())
}

fn copy_link_exact(target: &std::ffi::OsStr, from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(target, to).map_err(|e| annotate(e, "create the link", to))?;
        if let Ok(m) = std::fs::symlink_metadata(from) {
            use std::os::unix::fs::MetadataExt;
            // SAFETY: geteuid has no preconditions.
            if unsafe { libc::geteuid() } == 0 {
                std::os::unix::fs::lchown(to, Some(m.uid()), Some(m.gid()))
                    .map_err(|e| annotate(e, "give the owner of the link to", to))?;
            }
            let mtime = filetime::FileTime::from_last_modification_time(&m);
            let atime = filetime::FileTime::from_last_access_time(&m);
            let _ = filetime::set_symlink_file_times(to, atime, mtime);
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        let _ = (target, from);
        Err(special(to))
    }
}

/// Give the open `f` (at `path`) the mode, times and — when run as root — owner of `meta`.
fn set_exact(f: &File, path: &Path, meta: &std::fs::Metadata) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        // SAFETY: geteuid has no preconditions.
        let owner = (unsafe { libc::geteuid() } == 0).then(|| (meta.uid(), meta.gid()));
        set_attrs(
            f,
            path,
            Attrs {
                mode: meta.permissions().mode() & 0o7777,
                owner,
            },
        )?;
    }
    let mtime = filetime::FileTime::from_last_modification_time(meta);
    let atime = filetime::FileTime::from_last_access_time(meta);
    filetime::set_file_handle_times(f, Some(atime), Some(mtime))
        .map_err(|e| annotate(e, "set the times of", path))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn copied_private_keys_never_get_more_than_0600() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("server.pem");
        std::fs::write(&src, b"-----BEGIN PRIVATE KEY-----\nxx\n").unwrap();
        std::fs::set_permissions(&src, std::fs::Permissions::from_mode(0o644)).unwrap();
        let dst = dir.path().join("tmp");
        copy_file(&src, &dst, None, None, &Modes::default()).unwrap();
        assert_eq!(mode(&dst), 0o600);
        assert_eq!(std::fs::read(&dst).unwrap(), std::fs::read(&src).unwrap());
    }

    #[test]
    fn a_hashed_copy_knows_the_hash_a_read_back_would_give() {
        let dir = tempfile::tempdir().unwrap();
        let modes = Modes::default();
        assert!(modes.keys);
        // A private key (mode decided by content at the end), and a plain file over 1 MiB.
        let key = dir.path().join("server.pem");
        std::fs::write(&key, b"-----BEGIN PRIVATE KEY-----\nxx\n").unwrap();
        let big = dir.path().join("big.bin");
        let bytes: Vec<u8> = (0..3_500_000u32).map(|i| (i % 253) as u8).collect();
        std::fs::write(&big, &bytes).unwrap();
        // And one hashed on a second thread while the kernel copies it, ending mid-chunk.
        let huge = dir.path().join("huge.bin");
        let size = HASH_ASIDE_FROM as usize + CHUNK / 2 + 17;
        let bytes: Vec<u8> = (0..size)
            .map(|i| (i % 251) as u8 ^ (i >> 20) as u8)
            .collect();
        std::fs::write(&huge, &bytes).unwrap();
        for (n, src) in [key, big, huge].iter().enumerate() {
            let dst = dir.path().join(format!("tmp{n}"));
            let c = copy_file_hashed(src, &dst, None, None, &modes, false).unwrap();
            assert_eq!(c.bytes, std::fs::metadata(src).unwrap().len());
            assert_eq!(std::fs::read(&dst).unwrap(), std::fs::read(src).unwrap());
            assert_eq!(
                c.hash,
                crate::plan::hash::content_hash(&dst).unwrap(),
                "{}",
                src.display()
            );
            let meta = std::fs::metadata(src).unwrap();
            assert_eq!(c.source, Some(Stamp::of_meta(&meta)));
        }
    }

    #[test]
    fn a_copy_read_back_while_it_is_fsynced_hashes_as_copied() {
        let dir = tempfile::tempdir().unwrap();
        let modes = Modes::default();
        for (n, size) in [0usize, 5000, HASH_ASIDE_FROM as usize + 3]
            .into_iter()
            .enumerate()
        {
            let src = dir.path().join(format!("db{n}"));
            let bytes: Vec<u8> = (0..size).map(|i| (i % 241) as u8).collect();
            std::fs::write(&src, &bytes).unwrap();
            let dst = dir.path().join(format!("tmp{n}"));
            let (c, back) = copy_file_read_back(&src, &dst, None, None, &modes).unwrap();
            let back = back.expect("nothing changed the copy while it was read");
            assert_eq!(c.hash.as_deref(), Some(back.hash.as_str()), "size {size}");
            assert_eq!(
                Some(back.hash),
                crate::plan::hash::content_hash(&dst).unwrap()
            );
            assert_eq!(Some(back.stamp), Stamp::of_file(&File::open(&dst).unwrap()));
            assert_eq!(std::fs::read(&dst).unwrap(), bytes);
        }
    }

    #[test]
    fn tree_copy_skips_links_and_keeps_the_replaced_files_modes() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(src.join("sub")).unwrap();
        std::fs::write(src.join("sub/a.crt"), b"cert").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", src.join("evil")).unwrap();
        let old = dir.path().join("old");
        std::fs::create_dir_all(old.join("sub")).unwrap();
        std::fs::write(old.join("sub/a.crt"), b"old").unwrap();
        std::fs::set_permissions(
            old.join("sub/a.crt"),
            std::fs::Permissions::from_mode(0o640),
        )
        .unwrap();
        let dst = dir.path().join("tmp");
        let (bytes, skipped) = copy_tree(&src, &dst, Some(&old), &Modes::default()).unwrap();
        assert_eq!(bytes, 4);
        assert_eq!(skipped, vec![src.join("evil")]);
        assert!(!exists(&dst.join("evil")));
        assert_eq!(mode(&dst.join("sub/a.crt")), 0o640);
    }

    #[test]
    fn a_tree_source_that_is_a_link_is_refused_and_nothing_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("secret"), b"not in the set").unwrap();
        let src = dir.path().join("src");
        std::os::unix::fs::symlink(&elsewhere, &src).unwrap();
        let dst = dir.path().join("tmp");
        let err = copy_tree(&src, &dst, None, &Modes::default()).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(!exists(&dst));
    }

    #[test]
    fn a_temp_name_that_exists_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        std::fs::write(&outside, b"keep").unwrap();
        let temp = dir.path().join("tmp");
        std::os::unix::fs::symlink(&outside, &temp).unwrap();
        let src = dir.path().join("src");
        std::fs::write(&src, b"new").unwrap();
        assert!(copy_file(&src, &temp, None, None, &Modes::default()).is_err());
        assert_eq!(std::fs::read(&outside).unwrap(), b"keep");
    }

    /// A folder in the temporary directory and one on another file system (`/dev/shm`), or
    /// `None` where this machine has no second file system to move across.
    fn two_file_systems() -> Option<(tempfile::TempDir, tempfile::TempDir)> {
        use std::os::unix::fs::MetadataExt;
        let here = tempfile::tempdir().ok()?;
        let there = tempfile::tempdir_in("/dev/shm").ok()?;
        let dev = |p: &Path| std::fs::metadata(p).map(|m| m.dev()).ok();
        if dev(here.path()) == dev(there.path()) {
            eprintln!("skipped: /dev/shm is on the same file system as the temporary folder");
            return None;
        }
        Some((here, there))
    }

    #[test]
    fn a_move_across_file_systems_is_an_exact_copy_then_the_original_goes() {
        let Some((here, there)) = two_file_systems() else {
            return;
        };
        let from = here.path().join("Retired");
        std::fs::create_dir_all(from.join("Old")).unwrap();
        std::fs::write(from.join("Old/gone.pkg"), b"an old package").unwrap();
        std::fs::set_permissions(
            from.join("Old/gone.pkg"),
            std::fs::Permissions::from_mode(0o640),
        )
        .unwrap();
        std::os::unix::fs::symlink("Old/gone.pkg", from.join("latest")).unwrap();
        let old = filetime::FileTime::from_unix_time(1_700_000_000, 0);
        filetime::set_file_mtime(from.join("Old/gone.pkg"), old).unwrap();
        std::fs::set_permissions(from.join("Old"), std::fs::Permissions::from_mode(0o555)).unwrap();
        let to = there.path().join("0001-Retired");
        // A copy a crash left behind is replaced, never mistaken for the moved entry.
        let partial = move_partial(&to);
        std::fs::write(&partial, b"half").unwrap();

        move_durable(&from, &to, &partial).unwrap();
        assert!(!exists(&from) && !exists(&partial));
        assert_eq!(
            std::fs::read(to.join("Old/gone.pkg")).unwrap(),
            b"an old package"
        );
        assert_eq!(mode(&to.join("Old/gone.pkg")), 0o640);
        assert_eq!(mode(&to.join("Old")), 0o555);
        let m = std::fs::metadata(to.join("Old/gone.pkg")).unwrap();
        assert_eq!(filetime::FileTime::from_last_modification_time(&m), old);
        assert_eq!(
            std::fs::read_link(to.join("latest")).unwrap(),
            Path::new("Old/gone.pkg")
        );
        std::fs::set_permissions(to.join("Old"), std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn a_special_file_cannot_move_across_file_systems_and_stays() {
        let Some((here, there)) = two_file_systems() else {
            return;
        };
        let from = here.path().join("Old");
        std::fs::create_dir(&from).unwrap();
        std::fs::write(from.join("a.pkg"), b"a").unwrap();
        let fifo = std::ffi::CString::new(from.join("pipe").into_os_string().into_encoded_bytes())
            .unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let to = there.path().join("0001-Old");
        let partial = move_partial(&to);
        let err = move_durable(&from, &to, &partial).unwrap_err().to_string();
        assert!(
            err.contains("special file") && err.contains("pipe"),
            "{err}"
        );
        assert!(from.join("a.pkg").exists() && from.join("pipe").exists());
        assert!(!exists(&to) && !exists(&partial));
    }
}
