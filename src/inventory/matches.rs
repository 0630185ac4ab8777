//! Finding files and folders by a profile's `NamePattern` beneath a backup root, through the
//! root-confined listing of `safepath` (links are findings, never followed).

use super::safepath::{self, Entry, EntryKind};
use crate::findings::Finding;
use crate::profile::NamePattern;
use std::path::Path;

/// What a match must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// A regular file.
    File,
    /// A folder.
    Folder,
}

/// Every entry beneath `root` (itself beneath `boundary`) matching `pattern`, in name order.
/// A missing root or intermediate folder matches nothing; unreadable ones add findings.
pub fn find(
    root: &Path,
    boundary: &Path,
    pattern: &NamePattern,
    want: Want,
    component: &str,
    findings: &mut Vec<Finding>,
) -> Vec<Entry> {
    match safepath::resolve(root, boundary, component) {
        safepath::Resolved::Ok(m) if m.is_dir() => {}
        safepath::Resolved::Ok(_) | safepath::Resolved::Missing => return Vec::new(),
        safepath::Resolved::Problem(f) => {
            findings.push(f);
            return Vec::new();
        }
    }
    let parts = pattern.parts();
    let mut dirs = vec![root.to_path_buf()];
    let mut out = Vec::new();
    for (depth, part) in parts.iter().enumerate() {
        let last = depth + 1 == parts.len();
        let mut next = Vec::new();
        for dir in &dirs {
            let entries = match safepath::list_dir(dir, boundary, component, findings) {
                Ok(e) => e,
                Err(f) => {
                    findings.push(f);
                    continue;
                }
            };
            for e in entries {
                if !NamePattern::component_matches(part, &e.name_lossy) {
                    continue;
                }
                match (&e.kind, last, want) {
                    (EntryKind::Dir, false, _) => next.push(e.path),
                    (EntryKind::Dir, true, Want::Folder)
                    | (EntryKind::File(_), true, Want::File) => out.push(e),
                    _ => {}
                }
            }
        }
        dirs = next;
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_files_by_pattern_in_sub_folders_ignoring_case() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("KMS")).unwrap();
        std::fs::write(root.join("KMS/keys-2026.KMS"), b"x").unwrap();
        std::fs::write(root.join("KMS/readme.txt"), b"x").unwrap();
        std::fs::create_dir(root.join("KMS/old.kms")).unwrap();
        let p = NamePattern::parse("kms/*.kms").unwrap();
        let mut findings = Vec::new();
        let found = find(&root, &root, &p, Want::File, "artifact:k", &mut findings);
        let names: Vec<_> = found.iter().map(|e| e.name_lossy.clone()).collect();
        assert_eq!(names, vec!["keys-2026.KMS"]);
        let folders = find(&root, &root, &p, Want::Folder, "artifact:k", &mut findings);
        assert_eq!(folders.len(), 1);
        assert!(findings.is_empty());
    }

    #[test]
    fn a_missing_root_matches_nothing_quietly() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let p = NamePattern::parse("*.bak").unwrap();
        let mut findings = Vec::new();
        assert!(
            find(
                &root.join("nope"),
                &root,
                &p,
                Want::File,
                "x",
                &mut findings
            )
            .is_empty()
        );
        assert!(findings.is_empty());
    }
}
