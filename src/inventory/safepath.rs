//! Root-confined file access: listing folders and resolving links without ever following a
//! link out of the root, hanging on a loop, or panicking on unreadable or non-UTF-8 names.

use crate::findings::{Code, Finding};
use std::ffi::OsString;
use std::fs::Metadata;
use std::path::{Path, PathBuf};

/// What an entry turned out to be after (safely) resolving links.
#[derive(Debug, Clone)]
pub enum EntryKind {
    /// A regular file (or a link to one inside the boundary).
    File(Metadata),
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

/// Resolve `path` (which may be or pass through links) and make sure it stays inside `boundary`.
/// `component` names what the path belongs to, for findings.
pub fn resolve(path: &Path, boundary: &Path, component: &str) -> Resolved {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A parent may itself be a dangling or looping link: canonicalize tells.
            return match std::fs::canonicalize(path) {
                Err(e) if is_loop(&e) => Resolved::Problem(loop_finding(path, component)),
                _ => Resolved::Missing,
            };
        }
        Err(e) => return Resolved::Problem(unreadable(path, component, &e)),
        Ok(_) => {}
    }
    let real = match std::fs::canonicalize(path) {
        Ok(r) => r,
        Err(e) if is_loop(&e) => return Resolved::Problem(loop_finding(path, component)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A dangling link: there is nothing to read.
            return Resolved::Missing;
        }
        Err(e) => return Resolved::Problem(unreadable(path, component, &e)),
    };
    if !real.starts_with(boundary) {
        return Resolved::Problem(
            Finding::new(
                Code::PathUnsafe,
                component,
                format!(
                    "{} leads to {}, outside {}: skipped",
                    path.display(),
                    real.display(),
                    boundary.display()
                ),
            )
            .at(path),
        );
    }
    match std::fs::metadata(&real) {
        Ok(m) => Resolved::Ok(m),
        Err(e) => Resolved::Problem(unreadable(path, component, &e)),
    }
}

/// List a folder's entries, resolving links safely. Problems (unsafe links, loops, unreadable
/// entries, non-UTF-8 names) are pushed to `findings`; such entries are skipped except
/// non-UTF-8 ones, which are still listed.
pub fn list_dir(
    dir: &Path,
    boundary: &Path,
    component: &str,
    findings: &mut Vec<Finding>,
) -> Result<Vec<Entry>, Finding> {
    let rd = std::fs::read_dir(dir).map_err(|e| unreadable(dir, component, &e))?;
    let mut out = Vec::new();
    for item in rd {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                findings.push(unreadable(dir, component, &e));
                continue;
            }
        };
        let path = item.path();
        let name = item.file_name();
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
        let kind = match resolve(&path, boundary, component) {
            Resolved::Ok(m) if m.is_file() => EntryKind::File(m),
            Resolved::Ok(m) if m.is_dir() => EntryKind::Dir,
            Resolved::Ok(_) => EntryKind::Other,
            Resolved::Missing => continue,
            Resolved::Problem(f) => {
                findings.push(f);
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
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn is_loop(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

fn loop_finding(path: &Path, component: &str) -> Finding {
    Finding::new(
        Code::PathLoop,
        component,
        format!("{} is a symbolic link loop: skipped", path.display()),
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
    fn links_inside_the_boundary_are_followed() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().canonicalize().unwrap();
        std::fs::write(root.join("real"), b"x").unwrap();
        symlink(root.join("real"), root.join("alias")).unwrap();
        let mut findings = Vec::new();
        let entries = list_dir(&root, &root, "x", &mut findings).unwrap();
        assert_eq!(entries.len(), 2);
        assert!(findings.is_empty());
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
