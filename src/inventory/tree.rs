//! Folder trees (script folders, distribution-point payloads) and the one comparison of two of
//! them that `check`, `diff` and restore all use, so they always give the same answer. Both
//! sides are walked through the root-confined layer in path order and merged as streams; links
//! are entries of their own (compared by target), never followed.

use crate::fs::{Confined, FsError, Kind, Root, WalkEntry, Walker};
use crate::inventory::{Progress, ProgressSink};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;
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
    compare_one(reference, other, depth, label, progress, false).diff
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
    compare_one(reference, other, depth, label, progress, true).diff
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
    compare_one(reference, other, depth, label, progress, false)
}

/// Compare every folder of `others` with the one `reference`, as [`compare_summarized`] would
/// one by one, but walking the reference once for all of them and, with `Depth::Content`,
/// reading and hashing each reference file once however many of them hold it at the same
/// size. At most `listed` entries of each kind (missing, extra, changed, folders missing or
/// extra) are listed per folder, the first in path order, so memory stays flat however much
/// differs; the totals count every one. One result per folder of `others`, in their order.
pub fn compare_mirrors(
    reference: &Confined,
    others: &[&Confined],
    depth: Depth,
    listed: usize,
    label: &str,
    progress: &dyn ProgressSink,
) -> Vec<Compared> {
    let listing = Listing {
        keep_same: false,
        listed,
    };
    compare_inner(reference, others, depth, label, progress, listing)
}

/// What a comparison lists besides the totals.
#[derive(Debug, Clone, Copy)]
struct Listing {
    /// List the regular files judged identical (`FolderDiff::same`).
    keep_same: bool,
    /// At most this many entries of each kind of difference.
    listed: usize,
}

impl Listing {
    /// Put `item` on `list` unless it is full: entries come in path order.
    fn push<T>(self, list: &mut Vec<T>, item: T) {
        if list.len() < self.listed {
            list.push(item);
        }
    }
}

fn compare_one(
    reference: &Confined,
    other: &Confined,
    depth: Depth,
    label: &str,
    progress: &dyn ProgressSink,
    keep_same: bool,
) -> Compared {
    let listing = Listing {
        keep_same,
        listed: usize::MAX,
    };
    let mut all = compare_inner(reference, &[other], depth, label, progress, listing);
    // One folder in, one result out.
    all.pop().unwrap_or_else(|| Compared {
        diff: FolderDiff::default(),
        reference: None,
        other: None,
    })
}

/// A folder being compared with the reference: its walk, the entry its walk stands at, and
/// its differences so far.
struct Against {
    side: Side,
    at: Option<Item>,
    out: FolderDiff,
}

fn compare_inner(
    reference: &Confined,
    others: &[&Confined],
    depth: Depth,
    label: &str,
    progress: &dyn ProgressSink,
    listing: Listing,
) -> Vec<Compared> {
    let mut problems = Vec::new();
    let mut a = Side::open(reference, "set", &mut problems);
    let mut against: Vec<Against> = others
        .iter()
        .map(|other| {
            // What went wrong with the reference is part of every comparison with it.
            let mut problems = problems.clone();
            let side = Side::open(other, "live", &mut problems);
            Against {
                side,
                at: None,
                out: FolderDiff {
                    set_dir: reference.path(),
                    live_dir: other.path(),
                    problems,
                    ..FolderDiff::default()
                },
            }
        })
        .collect();
    std::thread::scope(|scope| {
        for o in &mut against {
            o.side.walk_in(scope);
        }
        merge(&mut a, &mut against, depth, label, progress, listing);
        // A walk thread still running (the merge stopped early) ends at its next send.
        for o in &mut against {
            o.side.walk = None;
        }
    });
    let summary = a.summary();
    against
        .into_iter()
        .map(|o| {
            let mut diff = o.out;
            diff.changed.sort_by(|p, q| p.rel.cmp(&q.rel));
            diff.changed.truncate(listing.listed);
            Compared {
                diff,
                reference: summary.clone(),
                other: o.side.summary(),
            }
        })
        .collect()
}

/// The reference's next entry; what its walk met on the way (links, unreadable entries) is
/// handed to every comparison.
fn next_reference(a: &mut Side, seen: &mut FolderDiff, against: &mut [Against]) -> Option<Item> {
    let item = a.next(seen);
    if !seen.problems.is_empty() || !seen.symlinks.is_empty() {
        for o in against.iter_mut() {
            o.out.problems.extend(seen.problems.iter().cloned());
            o.out.symlinks.extend(seen.symlinks.iter().cloned());
            o.out.totals.symlinks += seen.totals.symlinks;
        }
        seen.problems.clear();
        seen.symlinks.clear();
        seen.totals.symlinks = 0;
    }
    item
}

/// Merge the reference's entries in path order with each other folder's. Per folder, its
/// walk advances exactly as in a merge of the two alone; the reference is walked once.
fn merge(
    a: &mut Side,
    against: &mut [Against],
    depth: Depth,
    label: &str,
    progress: &dyn ProgressSink,
    listing: Listing,
) {
    let mut hashing = Hashing::new(listing);
    let mut seen = FolderDiff::default();
    let mut x = next_reference(a, &mut seen, against);
    for o in against.iter_mut() {
        o.at = o.side.next(&mut o.out);
    }
    let mut paired = vec![false; against.len()];
    loop {
        // What a folder holds before the reference's entry (or after its last) is extra there.
        for o in against.iter_mut() {
            while let Some(y) = &o.at {
                if x.as_ref().is_some_and(|x| y.rel() >= x.rel()) {
                    break;
                }
                match o.at.take() {
                    Some(Item::Entry(_, l)) => extra(&mut o.out, l, listing),
                    Some(Item::Dir(rel)) => listing.push(&mut o.out.extra_dirs, rel),
                    None => {}
                }
                o.at = o.side.next(&mut o.out);
            }
        }
        let Some(xi) = x.take() else {
            break;
        };
        let mut queued = None;
        for (i, o) in against.iter_mut().enumerate() {
            paired[i] = o.at.as_ref().is_some_and(|y| y.rel() == xi.rel());
            if !paired[i] {
                match &xi {
                    Item::Entry(_, s) => missing(&mut o.out, s.clone(), listing),
                    Item::Dir(rel) => listing.push(&mut o.out.missing_dirs, rel.clone()),
                }
                continue;
            }
            match (&xi, o.at.take()) {
                (Item::Entry(rel, s), Some(Item::Entry(_, l))) => {
                    count(&mut o.out.totals, Some(s), Some(&l));
                    match decide(s, &l, depth) {
                        Some(differs) => settle(rel, s, l, differs, None, &mut o.out, listing),
                        None => queued.get_or_insert_with(Vec::new).push((i, l)),
                    }
                }
                // A folder on one side and something else on the other: the folder is
                // missing (or extra) as a folder, the other entry as an entry.
                (Item::Dir(rel), Some(Item::Entry(_, l))) => {
                    listing.push(&mut o.out.missing_dirs, rel.clone());
                    extra(&mut o.out, l, listing);
                }
                (Item::Entry(_, s), Some(Item::Dir(rel))) => {
                    missing(&mut o.out, s.clone(), listing);
                    listing.push(&mut o.out.extra_dirs, rel);
                }
                _ => {}
            }
        }
        if let (Some(with), Item::Entry(rel, s)) = (queued, xi) {
            hashing.queue(rel, s, with);
            if hashing.pairs >= HASH_ROUND {
                hashing.round(a, against, label, progress);
            }
        }
        x = next_reference(a, &mut seen, against);
        for (o, &p) in against.iter_mut().zip(&paired) {
            if p {
                o.at = o.side.next(&mut o.out);
            }
        }
    }
    hashing.round(a, against, label, progress);
}

fn missing(out: &mut FolderDiff, s: Entry, listing: Listing) {
    count(&mut out.totals, Some(&s), None);
    out.totals.missing += 1;
    out.totals.missing_bytes += bytes(&s);
    listing.push(&mut out.missing, s);
}

fn extra(out: &mut FolderDiff, l: Entry, listing: Listing) {
    count(&mut out.totals, None, Some(&l));
    out.totals.extra += 1;
    out.totals.extra_bytes += bytes(&l);
    listing.push(&mut out.extra, l);
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

/// Whether a pair differs, or `None` when only their contents can tell (equal-size regular
/// files compared by content): sizes that differ are a difference without reading a byte.
fn decide(s: &Entry, l: &Entry, depth: Depth) -> Option<bool> {
    if s.kind != l.kind {
        return Some(true);
    }
    Some(match s.kind {
        EntryKind::Symlink => s.target != l.target,
        EntryKind::Other => false,
        EntryKind::File if s.size != l.size => true,
        EntryKind::File if depth == Depth::Content => return None,
        EntryKind::File => s.mtime.map(|t| t.timestamp()) != l.mtime.map(|t| t.timestamp()),
    })
}

fn settle(
    rel: &Path,
    s: &Entry,
    l: Entry,
    differs: bool,
    hashes: Option<(String, String)>,
    out: &mut FolderDiff,
    listing: Listing,
) {
    if !differs {
        if s.kind == EntryKind::File && s.mtime != l.mtime {
            out.totals.touched += 1;
        }
        if listing.keep_same && s.kind == EntryKind::File {
            out.same.push(rel.to_path_buf());
        }
        out.totals.identical += 1;
        return;
    }
    let (set_hash, live_hash) = hashes.unzip();
    out.totals.changed += 1;
    // Settled out of path order (hashed pairs later): a short list keeps its first by path.
    if out.changed.len() >= listing.listed.saturating_mul(2) {
        out.changed.sort_by(|p, q| p.rel.cmp(&q.rel));
        out.changed.truncate(listing.listed);
    }
    out.changed.push(Changed {
        path: s.path.clone(),
        set: s.clone(),
        live: l,
        set_hash,
        live_hash,
        unified: None,
        rel: rel.to_path_buf(),
    });
}

/// A reference file to be compared by content with the equal-size files of the same path in
/// some of the compared folders (their index, their entry).
struct Queued {
    rel: PathBuf,
    s: Entry,
    with: Vec<(usize, Entry)>,
}

/// Files waiting to be compared by content, and the progress of that work.
struct Hashing {
    queue: Vec<Queued>,
    /// Pairs (reference file, compared file) in the queue.
    pairs: usize,
    listing: Listing,
    done: u64,
    bytes_done: u64,
}

impl Hashing {
    fn new(listing: Listing) -> Hashing {
        Hashing {
            queue: Vec::new(),
            pairs: 0,
            listing,
            done: 0,
            bytes_done: 0,
        }
    }

    fn queue(&mut self, rel: PathBuf, s: Entry, with: Vec<(usize, Entry)>) {
        self.pairs += with.len();
        self.queue.push(Queued { rel, s, with });
    }

    /// Hash the queued files on every core, each reference file once for all the folders
    /// that hold it at its size; a file that cannot be read is a problem (the pair is neither
    /// "same" nor "changed": it could not be verified).
    fn round(
        &mut self,
        a: &Side,
        against: &mut [Against],
        label: &str,
        progress: &dyn ProgressSink,
    ) {
        let queue = std::mem::take(&mut self.queue);
        self.pairs = 0;
        // Pairs exist only where both walks do, so both roots are open.
        let Some(ra) = &a.root else {
            return;
        };
        if queue.is_empty() {
            return;
        }
        // Known so far: the walk is still going, so the totals grow round by round.
        let files = |q: &Queued| 1 + q.with.len() as u64;
        let size = |q: &Queued| q.s.size * files(q);
        let total = self.done + queue.iter().map(files).sum::<u64>();
        let bytes_total = self.bytes_done + queue.iter().map(size).sum::<u64>();
        let done = AtomicU64::new(self.done);
        let bytes_done = AtomicU64::new(self.bytes_done);
        let roots: Vec<Option<&Root>> = against.iter().map(|o| o.side.root.as_ref()).collect();
        let hash_with = |q: &Queued| -> Vec<Result<String, FsError>> {
            q.with
                .par_iter()
                .map(|(i, l)| match roots[*i] {
                    Some(r) => hash_walked(r, &q.rel, l.size),
                    // Not reached: a folder with no open root has no walk, hence no pairs.
                    None => Err(FsError::NotFound {
                        path: q.rel.clone(),
                    }),
                })
                .collect()
        };
        let hashed: Vec<_> = queue
            .into_par_iter()
            .map(|q| {
                // The reference file and its counterparts side by side: one large file is
                // read on as many cores as there are copies of it.
                let (own, theirs) =
                    rayon::join(|| hash_walked(ra, &q.rel, q.s.size), || hash_with(&q));
                let n = done.fetch_add(files(&q), Ordering::Relaxed) + files(&q);
                let b = bytes_done.fetch_add(size(&q), Ordering::Relaxed) + size(&q);
                progress.report(Progress {
                    job: "hashing".into(),
                    label: format!("{label}: {}", q.rel.display()),
                    done: n,
                    total,
                    bytes_done: b,
                    bytes_total,
                    finished: n == total,
                });
                (q, own, theirs)
            })
            .collect();
        self.done = done.into_inner();
        self.bytes_done = bytes_done.into_inner();
        for (q, own, theirs) in hashed {
            for ((i, l), h) in q.with.into_iter().zip(theirs) {
                let out = &mut against[i].out;
                match (&own, h) {
                    (Ok(a), Ok(b)) => {
                        let differs = *a != b;
                        settle(
                            &q.rel,
                            &q.s,
                            l,
                            differs,
                            Some((a.clone(), b)),
                            out,
                            self.listing,
                        );
                    }
                    (a, b) => {
                        if let Err(e) = a {
                            out.problems.push(e.to_string());
                        }
                        if let Err(e) = b {
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
    let (file, meta) = root.open_file(rel)?;
    // As rsync does, the bytes the file had when it was opened: no extra read to meet its end.
    let mut file = file.take(meta.len());
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    with_buffer(|buf| stream(&mut file, buf, &mut h, root, rel))?;
    Ok(format!("{:016x}", h.digest()))
}

/// Run `f` with this thread's read buffer: a fresh 256 KiB buffer per file would be an mmap
/// and a munmap per file on a payload of many small ones.
fn with_buffer<T>(f: impl FnOnce(&mut [u8]) -> T) -> T {
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; 256 * 1024]);
    }
    BUF.with(|buf| match buf.try_borrow_mut() {
        Ok(mut buf) => f(&mut buf),
        Err(_) => f(&mut vec![0u8; 256 * 1024]),
    })
}

/// [`hash`] of a file the walk saw as a regular file of `size` bytes, without asking the
/// system again what it is (one system call per file fewer, as rsync makes none either): the
/// bytes read must come to `size` and end there (a regular file's read comes up short only at
/// its end). A file that ends elsewhere changed since the walk, or is no longer a regular file:
/// it is looked at again, and only a regular file's bytes are hashed.
pub fn hash_walked(root: &Root, rel: &Path, size: u64) -> Result<String, FsError> {
    if size == 0 {
        return hash(root, rel);
    }
    let mut file = root.open_file_walked(rel)?;
    let io = |e: std::io::Error| FsError::Io {
        path: root.display(rel),
        op: "read",
        source: e,
    };
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let total = with_buffer(|buf| -> Result<u64, FsError> {
        let mut total = 0u64;
        loop {
            let n = match file.read(buf) {
                Ok(0) => return Ok(total),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io(e)),
            };
            h.update(&buf[..n]);
            total += n as u64;
            if total == size && n < buf.len() {
                return Ok(total);
            }
        }
    })?;
    if total != size && !file.metadata().map_err(io)?.is_file() {
        return Err(FsError::NotFile {
            path: root.display(rel),
        });
    }
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

    #[test]
    fn a_walked_file_hashes_as_a_looked_at_one_and_a_change_since_the_walk_is_seen() {
        let t = tempfile::tempdir().unwrap();
        let root = Root::open(t.path()).unwrap();
        for size in [0usize, 1, 4096, 256 * 1024, 256 * 1024 + 1, 1_000_003] {
            let bytes: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            std::fs::write(t.path().join("f"), &bytes).unwrap();
            let rel = Path::new("f");
            assert_eq!(
                hash_walked(&root, rel, size as u64).unwrap(),
                hash(&root, rel).unwrap(),
                "size {size}"
            );
            // Grown or shrunk since the walk: what the file holds now is hashed, all of it.
            if size > 0 {
                assert_eq!(
                    hash_walked(&root, rel, size as u64 - 1).unwrap(),
                    hash(&root, rel).unwrap()
                );
                assert_eq!(
                    hash_walked(&root, rel, size as u64 + 7).unwrap(),
                    hash(&root, rel).unwrap()
                );
            }
        }
        // No longer a regular file: a FIFO (which must not block) or a folder is an error.
        crate::fs::tests::make_fifo(&t.path().join("p"));
        assert!(hash_walked(&root, Path::new("p"), 5).is_err());
        std::fs::create_dir(t.path().join("d")).unwrap();
        assert!(hash_walked(&root, Path::new("d"), 5).is_err());
    }

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

    #[test]
    fn mirrors_compared_together_get_what_each_gets_compared_alone() {
        let t = tempfile::tempdir().unwrap();
        let n = HASH_ROUND + BATCH + 5;
        grow(&t.path().join("m"), n);
        std::os::unix::fs::symlink("pkg00", t.path().join("m/link")).unwrap();
        for name in ["equal", "content", "mixed"] {
            grow(&t.path().join(name), n);
            std::os::unix::fs::symlink("pkg00", t.path().join(name).join("link")).unwrap();
        }
        // Only in content: same size, same time.
        let f = t.path().join("content/pkg01/f00900");
        let old = std::fs::metadata(&f).unwrap();
        std::fs::write(&f, b"content 9o0").unwrap();
        filetime::set_file_mtime(&f, filetime::FileTime::from_last_modification_time(&old))
            .unwrap();
        // Gone, extra, grown, a folder where a file was, a file where a folder was.
        let mixed = t.path().join("mixed");
        std::fs::remove_file(mixed.join("pkg00/f00001")).unwrap();
        std::fs::write(mixed.join("pkg02/zz-extra"), b"x").unwrap();
        std::fs::write(mixed.join("pkg03/f02222"), b"longer than it was").unwrap();
        // Changed files settled out of path order: by size at once, by content a round later.
        for i in 10..16 {
            let body = if i % 2 == 0 {
                format!("grown {i:05}")
            } else {
                format!("CONTENT {i}")
            };
            std::fs::write(mixed.join(format!("pkg00/f{i:05}")), body).unwrap();
        }
        std::fs::remove_file(mixed.join("pkg04/f03000")).unwrap();
        std::fs::create_dir(mixed.join("pkg04/f03000")).unwrap();
        std::fs::remove_dir_all(mixed.join("pkg05")).unwrap();
        std::fs::write(mixed.join("pkg05"), b"not a folder").unwrap();
        let c = |name: &str| Confined::new(t.path(), name).unwrap();
        let (m, names) = (c("m"), ["equal", "content", "mixed", "absent"]);
        let others: Vec<Confined> = names.iter().map(|n| c(n)).collect();
        let refs: Vec<&Confined> = others.iter().collect();
        for depth in [Depth::SizeAndTime, Depth::Content] {
            let together = compare_mirrors(&m, &refs, depth, usize::MAX, "t", &());
            assert_eq!(together.len(), names.len());
            for ((name, other), got) in names.iter().zip(&others).zip(&together) {
                let alone = compare_summarized(&m, other, depth, "t", &());
                assert_eq!(format!("{got:?}"), format!("{alone:?}"), "{name} {depth:?}");
            }
            let changed = |i: usize| -> Vec<&str> {
                together[i]
                    .diff
                    .changed
                    .iter()
                    .map(|c| c.path.as_str())
                    .collect()
            };
            assert!(!together[0].diff.differs(), "{depth:?}");
            assert!(together[0].diff.problems.is_empty());
            assert_eq!(together[0].diff.totals.symlinks, 2);
            if depth == Depth::Content {
                assert_eq!(changed(1), ["pkg01/f00900"]);
            } else {
                assert!(changed(1).is_empty());
            }
            assert_eq!(changed(2).len(), 7, "{depth:?}");
            assert_eq!(changed(2)[6], "pkg03/f02222", "{depth:?}");
            let d = &together[2].diff;
            assert_eq!(d.missing.len(), 1 + 1 + 700);
            assert_eq!(d.extra.len(), 2);
            assert_eq!(d.extra_dirs, [PathBuf::from("pkg04/f03000")]);
            assert_eq!(d.missing_dirs, [PathBuf::from("pkg05")]);
            // An absent folder: everything is missing from it.
            assert_eq!(together[3].diff.missing.len(), n + 1);
            assert_eq!(together[3].other, None);
            // A short listing: the same totals, the first of each kind by path.
            let short = compare_mirrors(&m, &refs, depth, 2, "t", &());
            for (full, short) in together.iter().zip(&short) {
                let (f, s) = (&full.diff, &short.diff);
                assert_eq!(f.totals, s.totals);
                assert_eq!(full.other, short.other);
                let first =
                    |v: &[Entry]| v.iter().take(2).map(|e| e.path.clone()).collect::<Vec<_>>();
                assert_eq!(first(&f.missing), first(&s.missing));
                assert_eq!(first(&f.extra), first(&s.extra));
                assert_eq!(s.missing.len(), f.missing.len().min(2));
                let changed =
                    |v: &[Changed]| v.iter().take(2).map(|c| c.path.clone()).collect::<Vec<_>>();
                assert_eq!(changed(&f.changed), changed(&s.changed));
                assert_eq!(s.changed.len(), f.changed.len().min(2));
            }
        }
    }
}
