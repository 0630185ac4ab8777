//! Folder diff (folders and distribution-point payloads): files missing from live, extra
//! live, and changed (size, mtime, xxh3 content hash), with totals. Symbolic links are
//! reported with their targets and never followed; unreadable entries become problems.

use super::text;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

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

/// The differences between the set's copy of a folder and the live one.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FolderDiff {
    /// The set's folder.
    pub set_dir: PathBuf,
    /// The live folder.
    pub live_dir: PathBuf,
    /// In the set, not live (a restore brings them back).
    pub missing: Vec<Entry>,
    /// Live, not in the set (a restore would remove them).
    pub extra: Vec<Entry>,
    /// On both sides, different.
    pub changed: Vec<Changed>,
    /// Every symbolic link on either side: `set` or `live`, and the link.
    pub symlinks: Vec<SymlinkSeen>,
    /// Sums.
    pub totals: FolderTotals,
    /// Entries that could not be read (each names the path and the reason).
    pub problems: Vec<String>,
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
}

/// Compare the set's folder with the live one. `unified` adds line diffs of changed text files.
/// A side that does not exist is an empty side (so every file is missing or extra).
pub fn diff_folders(set_dir: &Path, live_dir: &Path, unified: bool) -> FolderDiff {
    let mut out = FolderDiff {
        set_dir: set_dir.to_path_buf(),
        live_dir: live_dir.to_path_buf(),
        ..FolderDiff::default()
    };
    let set = list(set_dir, "set", &mut out);
    let live = list(live_dir, "live", &mut out);
    let t = &mut out.totals;
    for e in set.values() {
        t.set_files += 1;
        t.set_bytes += bytes(e);
    }
    for e in live.values() {
        t.live_files += 1;
        t.live_bytes += bytes(e);
    }
    let mut keys: Vec<&PathBuf> = set.keys().chain(live.keys()).collect();
    keys.sort();
    keys.dedup();
    for rel in keys {
        match (set.get(rel), live.get(rel)) {
            (Some(s), None) => {
                out.totals.missing += 1;
                out.totals.missing_bytes += bytes(s);
                out.missing.push(s.clone());
            }
            (None, Some(l)) => {
                out.totals.extra += 1;
                out.totals.extra_bytes += bytes(l);
                out.extra.push(l.clone());
            }
            (Some(s), Some(l)) => compare(rel, s, l, unified, &mut out),
            (None, None) => {}
        }
    }
    out
}

fn bytes(e: &Entry) -> u64 {
    if e.kind == EntryKind::File { e.size } else { 0 }
}

fn compare(rel: &Path, s: &Entry, l: &Entry, unified: bool, out: &mut FolderDiff) {
    let mut changed = Changed {
        path: s.path.clone(),
        set: s.clone(),
        live: l.clone(),
        set_hash: None,
        live_hash: None,
        unified: None,
    };
    let differs = if s.kind != l.kind {
        true
    } else {
        match s.kind {
            EntryKind::Symlink => s.target != l.target,
            EntryKind::Other => false,
            EntryKind::File if s.size != l.size => true,
            EntryKind::File => {
                let sp = out.set_dir.join(rel);
                let lp = out.live_dir.join(rel);
                match (hash_file(&sp), hash_file(&lp)) {
                    (Ok(a), Ok(b)) => {
                        let differ = a != b;
                        changed.set_hash = Some(a);
                        changed.live_hash = Some(b);
                        differ
                    }
                    (a, b) => {
                        for (r, p) in [(a, sp), (b, lp)] {
                            if let Err(e) = r {
                                out.problems
                                    .push(format!("{}: cannot read: {e}", p.display()));
                            }
                        }
                        return;
                    }
                }
            }
        }
    };
    if !differs {
        if s.kind == EntryKind::File && s.mtime != l.mtime {
            out.totals.touched += 1;
        }
        out.totals.identical += 1;
        return;
    }
    if unified && s.kind == EntryKind::File && l.kind == EntryKind::File {
        changed.unified = text::unified_files(
            &out.set_dir.join(rel),
            &out.live_dir.join(rel),
            &format!("set/{}", s.path),
            &format!("live/{}", l.path),
        )
        .ok()
        .flatten();
    }
    out.totals.changed += 1;
    out.changed.push(changed);
}

/// Every file, symlink and special entry under `dir`, keyed by relative path.
fn list(dir: &Path, side: &str, out: &mut FolderDiff) -> BTreeMap<PathBuf, Entry> {
    let mut entries = BTreeMap::new();
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return entries,
        Err(e) => {
            out.problems
                .push(format!("{}: cannot read: {e}", dir.display()));
            return entries;
        }
        Ok(m) if m.file_type().is_symlink() => {
            let target = std::fs::read_link(dir)
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.problems.push(format!(
                "{} is a symbolic link to {target}: not followed",
                dir.display()
            ));
            return entries;
        }
        Ok(m) if !m.is_dir() => {
            out.problems
                .push(format!("{} is not a folder", dir.display()));
            return entries;
        }
        Ok(_) => {}
    }
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .follow_root_links(false)
        .sort_by_file_name();
    for item in walker {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                out.problems.push(format!("{path}: cannot read: {e}"));
                continue;
            }
        };
        let ft = item.file_type();
        if ft.is_dir() {
            continue;
        }
        let Ok(rel) = item.path().strip_prefix(dir) else {
            continue;
        };
        let meta = match item.metadata() {
            Ok(m) => m,
            Err(e) => {
                out.problems
                    .push(format!("{}: cannot read: {e}", item.path().display()));
                continue;
            }
        };
        let rel_text = rel.to_string_lossy().replace('\\', "/");
        let (kind, target) = if ft.is_symlink() {
            let target = std::fs::read_link(item.path())
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_else(|e| format!("(unreadable: {e})"));
            out.totals.symlinks += 1;
            out.symlinks.push(SymlinkSeen {
                side: side.into(),
                path: rel_text.clone(),
                target: target.clone(),
            });
            (EntryKind::Symlink, Some(target))
        } else if ft.is_file() {
            (EntryKind::File, None)
        } else {
            (EntryKind::Other, None)
        };
        entries.insert(
            rel.to_path_buf(),
            Entry {
                path: rel_text,
                kind,
                size: meta.len(),
                mtime: meta.modified().ok().map(DateTime::<Utc>::from),
                target,
            },
        );
    }
    entries
}

/// xxh3-64 of a file's content as 16 hex digits, streamed in 256 KiB blocks.
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("{:016x}", h.digest()))
}
