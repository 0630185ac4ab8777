//! What a planner may ask about the disk: does a path exist, what is it, how big. Behind a
//! trait so plans are built and tested without touching the disk; `DiskProbe` is the real one.

use crate::fs::{Kind, Root, WalkEntry};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What kind of thing sits at a path (symbolic links are never followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A folder.
    Dir,
    /// A symbolic link (not followed).
    Symlink,
    /// Something else (socket, device, fifo).
    Other,
}

/// A path's kind and size (a folder's size is the sum of its regular files).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// What it is.
    pub kind: EntryKind,
    /// Bytes (files) or total bytes of regular files inside (folders).
    pub bytes: u64,
}

/// Read-only questions a planner asks about absolute paths.
pub trait Probe {
    /// The entry at `path`, without following a final symbolic link; `None` when absent.
    fn entry(&self, path: &Path) -> Option<Entry>;

    /// Symbolic links and special files inside the folder `dir` (a copy skips them).
    fn skipped_inside(&self, _dir: &Path) -> Vec<std::path::PathBuf> {
        Vec::new()
    }
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiskProbe;

impl Probe for DiskProbe {
    fn entry(&self, path: &Path) -> Option<Entry> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        let ft = meta.file_type();
        Some(if ft.is_symlink() {
            Entry {
                kind: EntryKind::Symlink,
                bytes: 0,
            }
        } else if ft.is_dir() {
            Entry {
                kind: EntryKind::Dir,
                bytes: tree_bytes(path),
            }
        } else if ft.is_file() {
            Entry {
                kind: EntryKind::File,
                bytes: meta.len(),
            }
        } else {
            Entry {
                kind: EntryKind::Other,
                bytes: 0,
            }
        })
    }

    fn skipped_inside(&self, dir: &Path) -> Vec<std::path::PathBuf> {
        walk(dir)
            .filter(|(_, e)| !matches!(e.meta.kind, Kind::File | Kind::Dir))
            .map(|(base, e)| base.join(e.rel))
            .collect()
    }
}

/// Everything under `dir` through the root-confined walker (links listed, never followed);
/// unreadable parts are left out. `dir` itself must not be a link.
fn walk(dir: &Path) -> impl Iterator<Item = (PathBuf, WalkEntry)> {
    let root = Root::open(dir).ok();
    let base = dir.to_path_buf();
    root.map(|r| r.walk())
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(move |e| (base.clone(), e))
}

/// Sum of regular files under `dir`, never following links; unreadable parts count zero.
fn tree_bytes(dir: &Path) -> u64 {
    walk(dir)
        .filter(|(_, e)| e.meta.kind == Kind::File)
        .map(|(_, e)| e.meta.size)
        .sum()
}

/// A probe over a fixed map of paths, for tests and previews.
#[derive(Debug, Clone, Default)]
pub struct MapProbe(pub std::collections::BTreeMap<std::path::PathBuf, Entry>);

impl MapProbe {
    /// Add a regular file of `bytes`.
    pub fn file(mut self, path: impl Into<std::path::PathBuf>, bytes: u64) -> Self {
        self.0.insert(
            path.into(),
            Entry {
                kind: EntryKind::File,
                bytes,
            },
        );
        self
    }

    /// Add a folder holding `bytes`.
    pub fn dir(mut self, path: impl Into<std::path::PathBuf>, bytes: u64) -> Self {
        self.0.insert(
            path.into(),
            Entry {
                kind: EntryKind::Dir,
                bytes,
            },
        );
        self
    }
}

impl Probe for MapProbe {
    fn entry(&self, path: &Path) -> Option<Entry> {
        self.0.get(path).copied()
    }
}
