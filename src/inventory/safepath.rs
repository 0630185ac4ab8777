//! Backup roots and live database paths seen through the root-confined layer (`crate::fs`):
//! listing folders and looking at paths without ever following a link, hanging on a loop, or
//! panicking on unreadable or non-UTF-8 names. Links become findings.

use crate::findings::{Code, Finding};
use crate::fs::{Confined, FsError, Kind, Meta, Root};
use std::ffi::OsString;
use std::fs::Metadata;
use std::path::{Component, Path, PathBuf};

/// What an entry turned out to be after (safely) resolving links.
#[derive(Debug, Clone)]
pub enum EntryKind {
    /// A regular file, with what the listing's stat said of it.
    File(Meta),
    /// A folder (or a link to one inside the boundary).
    Dir,
    /// Anything else (sockets, devices): ignored.
    Other,
}

/// One entry of a folder.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Full path as found (not resolved).
    pub path: PathBuf,
    /// The raw name.
    pub name: OsString,
    /// The name as text (lossy for non-UTF-8 names, which also produce a finding).
    pub name_lossy: String,
    /// What it is.
    pub kind: EntryKind,
}

/// The result of resolving one path against a boundary.
#[derive(Debug)]
pub enum Resolved {
    /// Safe to read; the metadata of the final target.
    Ok(Metadata),
    /// Nothing there.
    Missing,
    /// A problem, as a finding.
    Problem(Finding),
}

/// Look at `path` (beneath `boundary`) through the root-confined layer without following any
/// link. A link is never resolved for reading: it becomes a finding (`PATH_LOOP` for a chain
/// that loops or leads back to a folder above it, `PATH_UNSAFE` otherwise), a dangling one is
/// missing. `component` names what the path belongs to, for findings.
pub fn resolve(path: &Path, boundary: &Path, component: &str) -> Resolved {
    let rel = match Confined::within(boundary, path) {
        Ok(c) => c.rel,
        Err(e) => return Resolved::Problem(unsafe_finding(path, component, &e.to_string())),
    };
    let root = match Root::open(boundary) {
        Ok(r) => r,
        Err(e) => return Resolved::Problem(fs_unreadable(path, component, &e)),
    };
    match root.stat(&rel) {
        Ok(None) | Err(FsError::NotFound { .. }) | Err(FsError::NotDir { .. }) => Resolved::Missing,
        Ok(Some(m)) if m.kind == Kind::Link => match link_finding(&root, &rel, component) {
            Some(f) => Resolved::Problem(f),
            None => Resolved::Missing,
        },
        // The layer saw no link anywhere beneath the boundary; the metadata is the entry's own.
        Ok(Some(_)) => match std::fs::symlink_metadata(path) {
            Ok(m) => Resolved::Ok(m),
            Err(e) => Resolved::Problem(unreadable(path, component, &e)),
        },
        Err(e @ FsError::Link { .. }) => {
            Resolved::Problem(unsafe_finding(path, component, &e.to_string()))
        }
        Err(e) => Resolved::Problem(fs_unreadable(path, component, &e)),
    }
}

/// List a folder's entries through the root-confined layer. Links are never followed: each one
/// becomes a finding (see [`resolve`]) and is skipped, a dangling one silently. Unreadable
/// entries and non-UTF-8 names also produce findings; non-UTF-8 entries are still listed.
pub fn list_dir(
    dir: &Path,
    boundary: &Path,
    component: &str,
    findings: &mut Vec<Finding>,
) -> Result<Vec<Entry>, Finding> {
    Confined::within(boundary, dir).map_err(|e| unsafe_finding(dir, component, &e.to_string()))?;
    let root = Root::open(boundary).map_err(|e| fs_unreadable(dir, component, &e))?;
    list_dir_in(&root, dir, boundary, component, findings)
}

/// [`list_dir`] through `root`, the boundary already opened (a long history lists thousands
/// of folders beneath one boundary: it is opened once).
pub fn list_dir_in(
    root: &Root,
    dir: &Path,
    boundary: &Path,
    component: &str,
    findings: &mut Vec<Finding>,
) -> Result<Vec<Entry>, Finding> {
    let rel = Confined::within(boundary, dir)
        .map_err(|e| unsafe_finding(dir, component, &e.to_string()))?
        .rel;
    let listed = root.list(&rel).map_err(|e| match e {
        FsError::Link { .. } => unsafe_finding(dir, component, &e.to_string()),
        e => fs_unreadable(dir, component, &e),
    })?;
    let mut out = Vec::new();
    for item in listed {
        let path = dir.join(&item.name);
        let name = item.name;
        let name_lossy = match name.to_str() {
            Some(s) => s.to_string(),
            None => {
                let lossy = name.to_string_lossy().into_owned();
                findings.push(
                    Finding::new(
                        Code::PathNotUtf8,
                        component,
                        format!("{} has a name that is not valid UTF-8", path.display()),
                    )
                    .at(&path),
                );
                lossy
            }
        };
        let kind = match item.meta.kind {
            Kind::Dir => EntryKind::Dir,
            Kind::Other => EntryKind::Other,
            Kind::File => EntryKind::File(item.meta),
            Kind::Link => {
                findings.extend(link_finding(root, &rel.join(&name), component));
                continue;
            }
        };
        out.push(Entry {
            path,
            name,
            name_lossy,
            kind,
        });
    }
    Ok(out)
}

/// Hops after which a chain of links is called a loop (the kernel's own limit).
const MAX_HOPS: usize = 40;

/// What to say about the link at `rel`: its chain is read link by link through the layer (each
/// target taken as text, nothing opened through it). `None` for a dangling link.
fn link_finding(root: &Root, rel: &Path, component: &str) -> Option<Finding> {
    let shown = root.display(rel);
    let not_followed = |target: &str, why: &str| {
        unsafe_finding(
            &shown,
            component,
            &format!(
                "{} is a symbolic link to {target} ({why}): not followed",
                shown.display()
            ),
        )
    };
    let mut cur = rel.to_path_buf();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..MAX_HOPS {
        if !seen.insert(cur.clone()) {
            break;
        }
        let target = match root.read_link(&cur) {
            Ok(t) => PathBuf::from(t),
            Err(e) => return Some(fs_unreadable(&shown, component, &e)),
        };
        let text = target.display().to_string();
        let joined = if target.has_root() {
            match target.strip_prefix(root.path()) {
                Ok(r) => r.to_path_buf(),
                Err(_) => return Some(not_followed(&text, "outside the boundary")),
            }
        } else {
            cur.parent().unwrap_or(Path::new("")).join(&target)
        };
        let Some(next) = normalize(&joined) else {
            return Some(not_followed(&text, "outside the boundary"));
        };
        if rel.starts_with(&next) {
            return Some(loop_finding(&shown, component));
        }
        match root.stat(&next) {
            Ok(Some(m)) if m.kind == Kind::Link => cur = next,
            Ok(None) | Err(FsError::NotFound { .. }) => return None,
            _ => return Some(not_followed(&text, "links are listed, never followed")),
        }
    }
    Some(loop_finding(&shown, component))
}

/// `..` and `.` taken out as text; `None` when the path climbs above its start.
fn normalize(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

fn unsafe_finding(path: &Path, component: &str, why: &str) -> Finding {
    Finding::new(Code::PathUnsafe, component, format!("{why}: skipped")).at(path)
}

fn fs_unreadable(path: &Path, component: &str, e: &FsError) -> Finding {
    Finding::new(
        Code::PathUnreadable,
        component,
        format!("{} cannot be read: {e}", path.display()),
    )
    .at(path)
}

fn loop_finding(path: &Path, component: &str) -> Finding {
    Finding::new(
        Code::PathLoop,
        component,
        format!(
            "{} is a symbolic link that loops or leads back above itself: skipped",
            path.display()
        ),
    )
    .at(path)
}

/// A `PATH_UNREADABLE` finding for an I/O error on `path`.
pub fn unreadable(path: &Path, component: &str, e: &std::io::Error) -> Finding {
    Finding::new(
        Code::PathUnreadable,
        component,
        format!("{} cannot be read: {e}", path.display()),
    )
    .at(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_out_of_the_boundary_are_unsafe() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().canonicalize().unwrap();
        symlink("/etc", root.join("etc-link")).unwrap();
        match resolve(&root.join("etc-link"), &root, "x") {
            Resolved::Problem(f) => assert_eq!(f.code, Code::PathUnsafe),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn link_loops_are_reported_not_followed() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().canonicalize().unwrap();
        symlink(root.join("b"), root.join("a")).unwrap();
        symlink(root.join("a"), root.join("b")).unwrap();
        let mut findings = Vec::new();
        let entries = list_dir(&root, &root, "x", &mut findings).unwrap();
        assert!(entries.is_empty());
        assert_eq!(findings.len(), 2);
        assert!(findings.iter().all(|f| f.code == Code::PathLoop));
    }

    #[test]
    fn links_inside_the_boundary_are_reported_not_followed() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().canonicalize().unwrap();
        std::fs::write(root.join("real"), b"x").unwrap();
        symlink(root.join("real"), root.join("alias")).unwrap();
        symlink("nowhere", root.join("dangling")).unwrap();
        let mut findings = Vec::new();
        let entries = list_dir(&root, &root, "x", &mut findings).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].name_lossy, "real");
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].code, Code::PathUnsafe);
        match resolve(&root.join("alias"), &root, "x") {
            Resolved::Problem(f) => assert_eq!(f.code, Code::PathUnsafe),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_link_back_to_a_folder_above_it_is_a_loop() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("sets")).unwrap();
        symlink(root.join("sets"), root.join("sets/again")).unwrap();
        symlink("..", root.join("sets/up")).unwrap();
        let mut findings = Vec::new();
        list_dir(&root.join("sets"), &root, "x", &mut findings).unwrap();
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(findings.iter().all(|f| f.code == Code::PathLoop));
    }

    #[test]
    fn non_utf8_names_are_listed_with_a_finding() {
        use std::os::unix::ffi::OsStrExt;
        let t = tempfile::tempdir().unwrap();
        let root = t.path().canonicalize().unwrap();
        let name = std::ffi::OsStr::from_bytes(b"bad\xffname");
        std::fs::write(root.join(name), b"x").unwrap();
        let mut findings = Vec::new();
        let entries = list_dir(&root, &root, "x", &mut findings).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(findings[0].code, Code::PathNotUtf8);
    }
}
