//! Folder diff (folders and distribution-point payloads): files missing from live, extra
//! live, and changed (size, mtime, xxh3 content hash), with totals. The comparison itself is
//! `inventory::tree::compare`, the same one `check` uses; this adds line diffs on request.

use super::text;
use crate::fs::{Confined, Root};
use crate::inventory::tree::{self, Depth};
use std::path::Path;

pub use crate::inventory::tree::{
    Changed, Entry, EntryKind, FolderDiff, FolderTotals, SymlinkSeen,
};

/// Compare the set's folder with the live one, each opened as a base of its own (its last
/// component must not be a link). `unified` adds line diffs of changed text files.
/// A side that does not exist is an empty side (so every file is missing or extra).
pub fn diff_folders(set_dir: &Path, live_dir: &Path, unified: bool) -> FolderDiff {
    let side = |p: &Path| Confined {
        base: p.to_path_buf(),
        rel: Default::default(),
    };
    diff_confined(&side(set_dir), &side(live_dir), unified)
}

/// Compare two folders beneath their bases (the set's folder, the live one under the root).
pub fn diff_confined(set: &Confined, live: &Confined, unified: bool) -> FolderDiff {
    let mut d = tree::compare(set, live, Depth::Content, "diff", &());
    if unified {
        add_unified(set, live, &mut d);
    }
    d
}

/// Line diffs of changed text files, read through the layer (links never followed).
fn add_unified(set: &Confined, live: &Confined, d: &mut FolderDiff) {
    let (Ok(s), Ok(l)) = (set.open_dir(), live.open_dir()) else {
        return;
    };
    for c in &mut d.changed {
        if c.set.kind != EntryKind::File || c.live.kind != EntryKind::File {
            continue;
        }
        if let (Some(a), Some(b)) = (read_text(&s, &c.rel), read_text(&l, &c.rel)) {
            c.unified = Some(text::unified(
                &a,
                &b,
                &format!("set/{}", c.set.path),
                &format!("live/{}", c.live.path),
            ));
        }
    }
}

/// A file's text, or `None` when it cannot be read, is binary (NUL bytes, invalid UTF-8) or
/// larger than [`text::MAX_TEXT_BYTES`].
fn read_text(root: &Root, rel: &Path) -> Option<String> {
    let (file, meta) = root.open_file(rel).ok()?;
    if meta.len() > text::MAX_TEXT_BYTES {
        return None;
    }
    let mut bytes = Vec::new();
    use std::io::Read;
    file.take(text::MAX_TEXT_BYTES + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    if bytes.contains(&0) {
        return None;
    }
    String::from_utf8(bytes).ok()
}
