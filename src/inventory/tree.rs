//! Folder trees (script folders, distribution-point payloads) and the one comparison of two of
//! them that `check`, `diff` and restore all use, so they always give the same answer. Both
//! sides are walked through the root-confined layer in path order and merged as streams; links
//! are entries of their own (compared by target), never followed.

use crate::fs::{Confined, FsError, Kind, Root, WalkEntry, Walker};
use crate::inventory::{Progress, ProgressSink};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;
use std::cmp::Ordering as PathOrder;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// What kind of entry a path is (never following symbolic links).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A symbolic link (not followed).
    Symlink,
    /// A device, socket or pipe.
    Other,
}

/// One entry on one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Path relative to the folder (non-UTF-8 bytes shown as U+FFFD).
    pub path: String,
    /// File, symlink or other.
    pub kind: EntryKind,
    /// Size in bytes (of the link itself for symlinks).
    pub size: u64,
    /// Modification time.
    pub mtime: Option<DateTime<Utc>>,
    /// A symlink's target, as stored in the link.
    pub target: Option<String>,
    /// The raw relative path (for acting on it; `path` is for display).
    #[serde(skip)]
    pub rel: PathBuf,
}

/// A path present on both sides whose content, size, kind or link target differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    /// Relative path.
    pub path: String,
    /// The set's entry.
    pub set: Entry,
    /// The live entry.
    pub live: Entry,
    /// xxh3-64 of the set's content (regular files of equal size only).
    pub set_hash: Option<String>,
    /// xxh3-64 of the live content.
    pub live_hash: Option<String>,
    /// Unified diff set → live, when asked for and both sides are text.
    pub unified: Option<String>,
    /// The raw relative path (for reading both sides again).
    #[serde(skip)]
    pub rel: PathBuf,
}

/// Sums over the folder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FolderTotals {
    /// Entries (files, symlinks, others) in the set.
    pub set_files: u64,
    /// Bytes of regular files in the set.
    pub set_bytes: u64,
    /// Entries live.
    pub live_files: u64,
    /// Bytes of regular files live.
    pub live_bytes: u64,
    /// Entries only in the set.
    pub missing: u64,
    /// Their bytes.
    pub missing_bytes: u64,
    /// Entries only live.
    pub extra: u64,
    /// Their bytes.
    pub extra_bytes: u64,
    /// Entries on both sides that differ.
    pub changed: u64,
    /// Files with the same content whose modification time differs (not a difference).
    pub touched: u64,
    /// Entries identical on both sides.
    pub identical: u64,
    /// Symbolic links seen on either side.
    pub symlinks: u64,
}

/// The differences between a reference copy of a folder (the set's, or a master's payload) and
/// another one (live, or a mirror).
#[derive(Debug, Clone, Default, Serialize)]
pub struct FolderDiff {
    /// The reference folder.
    pub set_dir: PathBuf,
    /// The compared folder.
    pub live_dir: PathBuf,
    /// In the reference, not in the other (a restore brings them back).
    pub missing: Vec<Entry>,
    /// In the other, not in the reference (a restore would remove them).
    pub extra: Vec<Entry>,
    /// On both sides, different.
    pub changed: Vec<Changed>,
    /// Every symbolic link on either side: `set` or `live`, and the link.
    pub symlinks: Vec<SymlinkSeen>,
    /// Sums.
    pub totals: FolderTotals,
    /// Entries that could not be read (each names the path and the reason).
    pub problems: Vec<String>,
    /// Folders only in the reference, in path order (outermost first).
    #[serde(skip)]
    pub missing_dirs: Vec<PathBuf>,
    /// Folders only in the other, in path order (outermost first).
    #[serde(skip)]
    pub extra_dirs: Vec<PathBuf>,
    /// Regular files on both sides judged identical, when asked for (`compare_keeping_same`).
    #[serde(skip)]
    pub same: Vec<PathBuf>,
}

/// A symbolic link found while walking (reported, not followed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SymlinkSeen {
    /// `set` or `live`.
    pub side: String,
    /// Relative path of the link.
    pub path: String,
    /// Where it points.
    pub target: String,
}

impl FolderDiff {
    /// Whether the folders differ.
    pub fn differs(&self) -> bool {
        !self.missing.is_empty() || !self.extra.is_empty() || !self.changed.is_empty()
    }

    /// Number of differing entries.
    pub fn total(&self) -> u64 {
        (self.missing.len() + self.extra.len() + self.changed.len()) as u64
    }

    /// Up to `n` example paths, missing first.
    pub fn samples(&self, n: usize) -> Vec<String> {
        self.missing
            .iter()
            .map(|e| format!("missing {}", e.path))
            .chain(self.extra.iter().map(|e| format!("extra {}", e.path)))
            .chain(self.changed.iter().map(|c| format!("changed {}", c.path)))
            .take(n)
            .collect()
    }
}

/// How closely equal-size files are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// By size and modification time.
    SizeAndTime,
    /// By size and content (xxh3); a new time alone is "touched", not a difference.
    Content,
}

/// Regular files and their bytes under a folder (links and others not counted), and the
/// links whose target leads out of it (listed, never followed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Regular files.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Links leading out of the folder: (full path, target).
    pub links_out: Vec<(PathBuf, String)>,
    /// Modification time of the newest regular file.
    pub newest: Option<DateTime<Utc>>,
}

/// Count the regular files under `dir`; fails when `dir` itself cannot be opened.
pub fn summarize(dir: &Confined) -> Result<Summary, FsError> {
    let root = dir.open_dir()?;
    let mut s = Summary::default();
    for e in root.walk().flatten() {
        s.add(&root, &e);
    }
    Ok(s)
}

impl Summary {
    /// Count one walked entry.
    fn add(&mut self, root: &Root, e: &WalkEntry) {
        match (e.meta.kind, &e.target) {
            (Kind::File, _) => {
                self.files += 1;
                self.bytes += e.meta.size;
                self.newest = self.newest.max(e.meta.modified());
            }
            (Kind::Link, Some(t)) if crate::fs::link_leaves(&e.rel, Path::new(t)) => self
                .links_out
                .push((root.display(&e.rel), t.to_string_lossy().into_owned())),
            _ => {}
        }
    }
}

/// Walk items handed from a side's walking thread to the merge, in batches (one channel
/// message per few hundred entries, not per entry).
type Batch = Vec<Result<WalkEntry, FsError>>;

/// Entries per batch.
const BATCH: usize = 512;

/// Equal-size pairs hashed per round of `--full` work: memory stays bounded on a payload of
/// millions of files, while every round still keeps every core busy.
const HASH_ROUND: usize = 4096;

/// Where a side's walk items come from: its own walk, or a thread walking it.
enum Source {
    Here(Walker),
    Thread(
        std::sync::mpsc::Receiver<Batch>,
        std::vec::IntoIter<Result<WalkEntry, FsError>>,
    ),
}

impl Source {
    fn next(&mut self) -> Option<Result<WalkEntry, FsError>> {
        match self {
            Source::Here(w) => w.next(),
            Source::Thread(rx, batch) => loop {
                if let Some(item) = batch.next() {
                    return Some(item);
                }
                *batch = rx.recv().ok()?.into_iter();
            },
        }
    }
}

/// One side of a comparison: its walk (none when the folder is absent or refused), what
/// could not be read on it, and its summary.
struct Side {
    name: &'static str,
    root: Option<Root>,
    walk: Option<Source>,
    summary: Summary,
}

impl Side {
    fn open(dir: &Confined, name: &'static str, problems: &mut Vec<String>) -> Side {
        let root = match dir.open_dir() {
            Ok(r) => Some(r),
            // A side that does not exist is an empty side: every entry is missing or extra.
            Err(FsError::NotFound { .. }) => None,
            Err(e) => {
                problems.push(e.to_string());
                None
            }
        };
        let walk = root.as_ref().map(|r| Source::Here(r.walk()));
        Side {
            name,
            root,
            walk,
            summary: Summary::default(),
        }
    }

    /// Walk this side on a thread of `scope` from now on, handing entries over in batches, so
    /// the two trees are read at the same time.
    fn walk_in<'scope>(&mut self, scope: &'scope std::thread::Scope<'scope, '_>) {
        let Some(Source::Here(walk)) = self.walk.take() else {
            return;
        };
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(8);
        scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            for item in walk {
                batch.push(item);
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    // The merge stopped listening: nothing more is wanted.
                    if tx.send(full).is_err() {
                        return;
                    }
                }
            }
            let _ = tx.send(batch);
        });
        self.walk = Some(Source::Thread(rx, Vec::new().into_iter()));
    }

    /// The next entry (folders as `Item::Dir`), problems pushed on the way.
    fn next(&mut self, out: &mut FolderDiff) -> Option<Item> {
        let walk = self.walk.as_mut()?;
        while let Some(item) = walk.next() {
            match item {
                Ok(e) if e.meta.kind == Kind::Dir => return Some(Item::Dir(e.rel)),
                Ok(e) => {
                    if let Some(root) = &self.root {
                        self.summary.add(root, &e);
                    }
                    let (rel, entry) = entry(e, self.name, out);
                    return Some(Item::Entry(rel, entry));
                }
                Err(e) => out.problems.push(e.to_string()),
            }
        }
        None
    }

    /// The summary, when the side's folder could be opened.
    fn summary(self) -> Option<Summary> {
        self.root.map(|_| self.summary)
    }
}

/// One entry of a side's walk: a folder, or anything else.
enum Item {
    Dir(PathBuf),
    Entry(PathBuf, Entry),
}

impl Item {
    fn rel(&self) -> &Path {
        match self {
            Item::Dir(r) | Item::Entry(r, _) => r,
        }
    }
}

fn entry(e: WalkEntry, side: &str, out: &mut FolderDiff) -> (PathBuf, Entry) {
    let path = e.rel.to_string_lossy().into_owned();
    let target = e.target.map(|t| t.to_string_lossy().into_owned());
    let kind = match e.meta.kind {
        Kind::File => EntryKind::File,
        Kind::Link => EntryKind::Symlink,
        Kind::Dir | Kind::Other => EntryKind::Other,
    };
    if kind == EntryKind::Symlink {
        out.totals.symlinks += 1;
        out.symlinks.push(SymlinkSeen {
            side: side.into(),
            path: path.clone(),
            target: target.clone().unwrap_or_default(),
        });
    }
    let entry = Entry {
        path,
        kind,
        size: e.meta.size,
        mtime: e.meta.modified(),
        target,
        rel: e.rel.clone(),
    };
    (e.rel, entry)
}

fn bytes(e: &Entry) -> u64 {
    if e.kind == EntryKind::File { e.size } else { 0 }
}

/// Compare `other` with the reference `reference`: the one folder comparison of the product.
/// `label` names the component in progress reports.
pub fn compare(
    reference: &Confined,
    other: &Confined,
    depth: Depth,
    label: &str,
    progress: &dyn ProgressSink,
) -> FolderDiff {
    compare_inner(reference, other, depth, label, progress, false).diff
}

/// [`compare`], also listing the regular files judged identical (`FolderDiff::same`), for a
/// caller that checks them further (a sync against expected content hashes).
pub fn compare_keeping_same(
    reference: &Confined,
    other: &Confined,
    depth: Depth,
    label: &str,
    progress: &dyn ProgressSink,
) -> FolderDiff {
    compare_inner(reference, other, depth, label, progress, true).diff
}

/// A comparison and, from the same walks, the summary of each side that could be opened.
#[derive(Debug, Clone)]
pub struct Compared {
    /// The differences.
    pub diff: FolderDiff,
    /// What the reference holds.
    pub reference: Option<Summary>,
    /// What the other folder holds.
    pub other: Option<Summary>,
}

/// [`compare`], summarizing both sides on the way (no second walk for the counts). The two
/// trees are walked at the same time, one on a thread of its own; with `Depth::Content`,
/// equal-size pairs are hashed on every core in rounds.
pub fn compare_summarized(
    reference: &Confined,
    other: &Confined,
    depth: Depth,
    label: &str,
    progress: &dyn ProgressSink,
) -> Compared {
    compare_inner(reference, other, depth, label, progress, false)
}

fn compare_inner(
    reference: &Confined,
    other: &Confined,
    depth: Depth,
    label: &str,
    progress: &dyn ProgressSink,
    keep_same: bool,
) -> Compared {
    let mut out = FolderDiff {
        set_dir: reference.path(),
        live_dir: other.path(),
        ..FolderDiff::default()
    };
    let mut problems = Vec::new();
    let mut a = Side::open(reference, "set", &mut problems);
    let mut b = Side::open(other, "live", &mut problems);
    out.problems = problems;
    std::thread::scope(|scope| {
        b.walk_in(scope);
        merge(&mut a, &mut b, depth, label, progress, keep_same, &mut out);
        // A walk thread still running (the merge stopped early) ends at its next send.
        b.walk = None;
    });
    out.changed.sort_by(|p, q| p.rel.cmp(&q.rel));
    Compared {
        diff: out,
        reference: a.summary(),
        other: b.summary(),
    }
}

/// Merge the two sides' entries in path order into `out`.
fn merge(
    a: &mut Side,
    b: &mut Side,
    depth: Depth,
    label: &str,
    progress: &dyn ProgressSink,
    keep_same: bool,
    out: &mut FolderDiff,
) {
    let mut hashing = Hashing {
        keep_same,
        ..Hashing::default()
    };
    let mut x = a.next(out);
    let mut y = b.next(out);
    loop {
        let order = match (&x, &y) {
            (None, None) => break,
            (Some(_), None) => PathOrder::Less,
            (None, Some(_)) => PathOrder::Greater,
            (Some(s), Some(l)) => s.rel().cmp(l.rel()),
        };
        match order {
            PathOrder::Less => {
                match x.take() {
                    Some(Item::Entry(_, s)) => missing(out, s),
                    Some(Item::Dir(rel)) => out.missing_dirs.push(rel),
                    None => {}
                }
                x = a.next(out);
            }
            PathOrder::Greater => {
                match y.take() {
                    Some(Item::Entry(_, l)) => extra(out, l),
                    Some(Item::Dir(rel)) => out.extra_dirs.push(rel),
                    None => {}
                }
                y = b.next(out);
            }
            PathOrder::Equal => {
                match (x.take(), y.take()) {
                    (Some(Item::Entry(rel, s)), Some(Item::Entry(_, l))) => {
                        count(&mut out.totals, Some(&s), Some(&l));
                        pair(rel, s, l, depth, out, &mut hashing.queue, keep_same);
                        if hashing.queue.len() >= HASH_ROUND
                            && let (Some(ra), Some(rb)) = (&a.root, &b.root)
                        {
                            hashing.round(ra, rb, label, progress, out);
                        }
                    }
                    // A folder on one side and something else on the other: the folder is
                    // missing (or extra) as a folder, the other entry as an entry.
                    (Some(Item::Dir(rel)), Some(Item::Entry(_, l))) => {
                        out.missing_dirs.push(rel);
                        extra(out, l);
                    }
                    (Some(Item::Entry(_, s)), Some(Item::Dir(rel))) => {
                        missing(out, s);
                        out.extra_dirs.push(rel);
                    }
                    _ => {}
                }
                x = a.next(out);
                y = b.next(out);
            }
        }
    }
    if let (Some(ra), Some(rb)) = (&a.root, &b.root) {
        hashing.round(ra, rb, label, progress, out);
    }
}

fn missing(out: &mut FolderDiff, s: Entry) {
    count(&mut out.totals, Some(&s), None);
    out.totals.missing += 1;
    out.totals.missing_bytes += bytes(&s);
    out.missing.push(s);
}

fn extra(out: &mut FolderDiff, l: Entry) {
    count(&mut out.totals, None, Some(&l));
    out.totals.extra += 1;
    out.totals.extra_bytes += bytes(&l);
    out.extra.push(l);
}

fn count(t: &mut FolderTotals, s: Option<&Entry>, l: Option<&Entry>) {
    if let Some(s) = s {
        t.set_files += 1;
        t.set_bytes += bytes(s);
    }
    if let Some(l) = l {
        t.live_files += 1;
        t.live_bytes += bytes(l);
    }
}

/// Decide a pair now, or queue it for hashing (equal-size regular files compared by content).
fn pair(
    rel: PathBuf,
    s: Entry,
    l: Entry,
    depth: Depth,
    out: &mut FolderDiff,
    to_hash: &mut Vec<(PathBuf, Entry, Entry)>,
    keep_same: bool,
) {
    let differs = if s.kind != l.kind {
        true
    } else {
        match s.kind {
            EntryKind::Symlink => s.target != l.target,
            EntryKind::Other => false,
            EntryKind::File if s.size != l.size => true,
            EntryKind::File if depth == Depth::Content => {
                to_hash.push((rel, s, l));
                return;
            }
            EntryKind::File => s.mtime.map(|t| t.timestamp()) != l.mtime.map(|t| t.timestamp()),
        }
    };
    settle(rel, s, l, differs, None, out, keep_same);
}

fn settle(
    rel: PathBuf,
    s: Entry,
    l: Entry,
    differs: bool,
    hashes: Option<(String, String)>,
    out: &mut FolderDiff,
    keep_same: bool,
) {
    if !differs {
        if s.kind == EntryKind::File && s.mtime != l.mtime {
            out.totals.touched += 1;
        }
        if keep_same && s.kind == EntryKind::File {
            out.same.push(rel);
        }
        out.totals.identical += 1;
        return;
    }
    let (set_hash, live_hash) = hashes.unzip();
    out.totals.changed += 1;
    out.changed.push(Changed {
        path: s.path.clone(),
        set: s,
        live: l,
        set_hash,
        live_hash,
        unified: None,
        rel,
    });
}

/// Equal-size pairs waiting to be compared by content, and the progress of that work.
#[derive(Default)]
struct Hashing {
    queue: Vec<(PathBuf, Entry, Entry)>,
    keep_same: bool,
    done: u64,
    bytes_done: u64,
}

impl Hashing {
    /// Hash the queued pairs in parallel; a file that cannot be read is a problem (the pair is
    /// neither "same" nor "changed": it could not be verified).
    fn round(
        &mut self,
        ra: &Root,
        rb: &Root,
        label: &str,
        progress: &dyn ProgressSink,
        out: &mut FolderDiff,
    ) {
        if self.queue.is_empty() {
            return;
        }
        let pairs = std::mem::take(&mut self.queue);
        // Known so far: the walk is still going, so the totals grow round by round.
        let total = self.done + pairs.len() as u64;
        let bytes_total = self.bytes_done + pairs.iter().map(|(_, s, _)| s.size * 2).sum::<u64>();
        let done = AtomicU64::new(self.done);
        let bytes_done = AtomicU64::new(self.bytes_done);
        let hashed: Vec<_> = pairs
            .into_par_iter()
            .map(|(rel, s, l)| {
                let h = (hash(ra, &rel), hash(rb, &rel));
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                let b = bytes_done.fetch_add(s.size * 2, Ordering::Relaxed) + s.size * 2;
                progress.report(Progress {
                    job: "hashing".into(),
                    label: format!("{label}: {}", rel.display()),
                    done: n,
                    total,
                    bytes_done: b,
                    bytes_total,
                    finished: n == total,
                });
                (rel, s, l, h)
            })
            .collect();
        self.done = done.into_inner();
        self.bytes_done = bytes_done.into_inner();
        for (rel, s, l, h) in hashed {
            match h {
                (Ok(a), Ok(b)) => {
                    let differs = a != b;
                    settle(rel, s, l, differs, Some((a, b)), out, self.keep_same);
                }
                (a, b) => {
                    for r in [a, b] {
                        if let Err(e) = r {
                            out.problems.push(e.to_string());
                        }
                    }
                }
            }
        }
    }
}

/// xxh3-64 of a file beneath `root`, as 16 hex digits, streamed in 256 KiB blocks.
pub fn hash(root: &Root, rel: &Path) -> Result<String, FsError> {
    thread_local! {
        // One buffer per thread for every file it hashes: a fresh 256 KiB buffer per file
        // would be an mmap and a munmap per file on a payload of many small ones.
        static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; 256 * 1024]);
    }
    let (file, meta) = root.open_file(rel)?;
    // As rsync does, the bytes the file had when it was opened: no extra read to meet its end.
    let mut file = file.take(meta.len());
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    BUF.with(|buf| match buf.try_borrow_mut() {
        Ok(mut buf) => stream(&mut file, &mut buf, &mut h, root, rel),
        Err(_) => stream(&mut file, &mut vec![0u8; 256 * 1024], &mut h, root, rel),
    })?;
    Ok(format!("{:016x}", h.digest()))
}

fn stream(
    file: &mut impl Read,
    buf: &mut [u8],
    h: &mut xxhash_rust::xxh3::Xxh3,
    root: &Root,
    rel: &Path,
) -> Result<(), FsError> {
    loop {
        let n = match file.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(FsError::Io {
                    path: root.display(rel),
                    op: "read",
                    source: e,
                });
            }
        };
        h.update(&buf[..n]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` files spread over folders, each named and filled after its number.
    fn grow(dir: &Path, n: usize) {
        for i in 0..n {
            let d = dir.join(format!("pkg{:02}", i / 700));
            std::fs::create_dir_all(&d).unwrap();
            let f = d.join(format!("f{i:05}"));
            std::fs::write(&f, format!("content {i}")).unwrap();
            let t = filetime::FileTime::from_unix_time(1_700_000_000 + i as i64, 0);
            filetime::set_file_mtime(&f, t).unwrap();
        }
    }

    #[test]
    fn trees_larger_than_a_batch_and_a_hash_round_compare_and_count_exactly() {
        let t = tempfile::tempdir().unwrap();
        let (a, b) = (t.path().join("a"), t.path().join("b"));
        let n = HASH_ROUND + 3 * BATCH + 17;
        grow(&a, n);
        grow(&b, n);
        // One file gone, one extra, one changed in place (same size), one grown.
        std::fs::remove_file(b.join("pkg00/f00003")).unwrap();
        std::fs::write(b.join("pkg01/extra"), b"x").unwrap();
        std::fs::write(b.join("pkg02/f01500"), b"content 1599").unwrap();
        std::fs::write(b.join("pkg06/f04444"), b"content 4444 and more").unwrap();
        std::os::unix::fs::symlink("../../outside", b.join("pkg03/out")).unwrap();
        let (ca, cb) = (
            Confined::new(t.path(), "a").unwrap(),
            Confined::new(t.path(), "b").unwrap(),
        );
        for (depth, changed) in [(Depth::SizeAndTime, 2), (Depth::Content, 2)] {
            let c = compare_summarized(&ca, &cb, depth, "t", &());
            let d = &c.diff;
            assert_eq!(
                d.missing
                    .iter()
                    .map(|e| e.path.as_str())
                    .collect::<Vec<_>>(),
                ["pkg00/f00003"]
            );
            assert_eq!(
                d.extra.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
                ["pkg01/extra", "pkg03/out"]
            );
            assert_eq!(d.changed.len(), changed, "{depth:?}");
            assert_eq!(d.totals.set_files, n as u64);
            assert!(d.problems.is_empty(), "{:?}", d.problems);
            // The summaries from the comparing walk are the ones a walk of its own gives.
            assert_eq!(c.reference, Some(summarize(&ca).unwrap()));
            assert_eq!(c.other, Some(summarize(&cb).unwrap()));
            assert_eq!(c.other.as_ref().unwrap().links_out.len(), 1);
        }
        // By content, the in-place change is found even with size and time put back.
        let old = std::fs::metadata(a.join("pkg02/f01500")).unwrap();
        filetime::set_file_mtime(
            b.join("pkg02/f01500"),
            filetime::FileTime::from_last_modification_time(&old),
        )
        .unwrap();
        let quick = compare(&ca, &cb, Depth::SizeAndTime, "t", &());
        let full = compare(&ca, &cb, Depth::Content, "t", &());
        assert_eq!(quick.changed.len(), 1);
        assert_eq!(
            full.changed
                .iter()
                .map(|c| c.path.as_str())
                .collect::<Vec<_>>(),
            ["pkg02/f01500", "pkg06/f04444"]
        );
    }
}
