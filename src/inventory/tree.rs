//! Payload trees: the files under a folder (distribution-point payloads, script folders), listed
//! without following links out of the folder, and compared by size and time or by content
//! (xxh3, hashed in parallel, streaming in constant memory).

use crate::findings::Finding;
use crate::inventory::safepath::{self, EntryKind};
use crate::inventory::{Progress, ProgressSink};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// One regular file of a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMeta {
    /// Absolute path.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time in whole seconds since the epoch.
    pub mtime: Option<i64>,
}

/// The files under a folder, by path relative to it.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// Files by relative path.
    pub files: BTreeMap<PathBuf, FileMeta>,
    /// Total bytes.
    pub bytes: u64,
}

/// How two trees differ (relative paths).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeDiff {
    /// In the reference, not in the copy.
    pub missing: Vec<PathBuf>,
    /// In the copy, not in the reference.
    pub extra: Vec<PathBuf>,
    /// In both but different.
    pub changed: Vec<PathBuf>,
}

impl TreeDiff {
    /// Number of differing files.
    pub fn total(&self) -> u64 {
        (self.missing.len() + self.extra.len() + self.changed.len()) as u64
    }

    /// Up to `n` example paths, missing first.
    pub fn samples(&self, n: usize) -> Vec<String> {
        let tag = |t: &'static str| move |p: &PathBuf| format!("{t} {}", p.display());
        self.missing
            .iter()
            .map(tag("missing"))
            .chain(self.extra.iter().map(tag("extra")))
            .chain(self.changed.iter().map(tag("changed")))
            .take(n)
            .collect()
    }
}

/// List every regular file under `root`. Links are followed only while they stay inside
/// `root`; links out, loops and unreadable entries become findings. Fails when `root` itself
/// cannot be listed.
pub fn list(root: &Path, component: &str, findings: &mut Vec<Finding>) -> Result<Tree, Finding> {
    let boundary =
        std::fs::canonicalize(root).map_err(|e| safepath::unreadable(root, component, &e))?;
    let mut tree = Tree::default();
    let mut visited = BTreeSet::new();
    let mut stack = vec![(root.to_path_buf(), PathBuf::new())];
    let mut first = true;
    while let Some((dir, rel)) = stack.pop() {
        // A link to a folder inside the tree would otherwise be walked twice or forever.
        if let Ok(real) = std::fs::canonicalize(&dir)
            && !visited.insert(real)
        {
            continue;
        }
        let entries = match safepath::list_dir(&dir, &boundary, component, findings) {
            Ok(e) => e,
            Err(f) if first => return Err(f),
            Err(f) => {
                findings.push(f);
                continue;
            }
        };
        first = false;
        for e in entries {
            let rel_path = rel.join(&e.name);
            match e.kind {
                EntryKind::File(meta) => {
                    let mtime = meta
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map(|d| d.as_secs() as i64);
                    tree.bytes += meta.len();
                    tree.files.insert(
                        rel_path,
                        FileMeta {
                            path: e.path,
                            size: meta.len(),
                            mtime,
                        },
                    );
                }
                EntryKind::Dir => stack.push((e.path, rel_path)),
                EntryKind::Other => {}
            }
        }
    }
    Ok(tree)
}

/// Compare `copy` with `reference`: by size and modification time, or by size and content
/// when `content` is set. Files that cannot be read count as changed.
pub fn diff(
    reference: &Tree,
    copy: &Tree,
    content: bool,
    label: &str,
    progress: &dyn ProgressSink,
) -> TreeDiff {
    let mut out = TreeDiff::default();
    let mut same_size = Vec::new();
    for (rel, r) in &reference.files {
        match copy.files.get(rel) {
            None => out.missing.push(rel.clone()),
            Some(c) if c.size != r.size => out.changed.push(rel.clone()),
            Some(c) if content => same_size.push((rel, r, c)),
            Some(c) if c.mtime != r.mtime => out.changed.push(rel.clone()),
            Some(_) => {}
        }
    }
    out.extra = copy
        .files
        .keys()
        .filter(|k| !reference.files.contains_key(*k))
        .cloned()
        .collect();
    if !same_size.is_empty() {
        let total = same_size.len() as u64;
        let bytes_total: u64 = same_size.iter().map(|(_, r, _)| r.size * 2).sum();
        let done = AtomicU64::new(0);
        let bytes_done = AtomicU64::new(0);
        let mut changed: Vec<PathBuf> = same_size
            .par_iter()
            .filter_map(|(rel, r, c)| {
                let differs = match (hash_file(&r.path), hash_file(&c.path)) {
                    (Ok(a), Ok(b)) => a != b,
                    _ => true,
                };
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                let b = bytes_done.fetch_add(r.size * 2, Ordering::Relaxed) + r.size * 2;
                progress.report(Progress {
                    job: "hashing".into(),
                    label: format!("{label}: {}", rel.display()),
                    done: n,
                    total,
                    bytes_done: b,
                    bytes_total,
                    finished: n == total,
                });
                differs.then(|| (*rel).clone())
            })
            .collect();
        changed.sort();
        out.changed.extend(changed);
        out.changed.sort();
    }
    out
}

/// xxh3-64 of a file's content, read in fixed-size chunks.
pub fn hash_file(path: &Path) -> std::io::Result<u64> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
    }
    Ok(hasher.digest())
}
