//! What a planner may ask about the disk: does a path exist, what is it, how big. Behind a
//! trait so plans are built and tested without touching the disk; `DiskProbe` is the real one.

use serde::{Deserialize, Serialize};
use std::path::Path;

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
        Self::walk(dir)
            .filter(|e| !e.file_type().is_file() && !e.file_type().is_dir())
            .map(|e| e.path().to_path_buf())
            .collect()
    }
}

impl DiskProbe {
    fn walk(dir: &Path) -> impl Iterator<Item = walkdir::DirEntry> {
        walkdir::WalkDir::new(dir)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
    }
}

/// Sum of regular files under `dir`, never following links; unreadable parts count zero.
fn tree_bytes(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
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
