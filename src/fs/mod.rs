//! The one root-confined file layer: every read, stat, listing and walk is made relative to a
//! directory handle of a trusted base (the root, a backup set), links are never followed and
//! `..` never leaves the base. `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)` does the work
//! where the kernel has it; elsewhere each component is opened with `O_NOFOLLOW` from its parent.

mod sys;
pub mod walk;

pub use walk::{WalkEntry, Walker};

use chrono::{DateTime, Utc};
use std::ffi::OsString;
use std::fs::File;
use std::os::fd::OwnedFd;
use std::path::{Component, Path, PathBuf};

/// Why something beneath a base could not be opened, read or listed.
#[derive(Debug, thiserror::Error)]
pub enum FsError {
    /// A component of the path is a symbolic link; it is reported, never followed.
    #[error("{path} is a symbolic link to {target}: not followed")]
    Link {
        /// The link (full path, for display).
        path: PathBuf,
        /// Where it points, as stored.
        target: String,
    },
    /// The path is absolute, climbs with `..`, or names the base itself where that is refused.
    #[error("{path} leads outside {base}: refused")]
    Escape {
        /// The path as given.
        path: PathBuf,
        /// The base it must stay beneath.
        base: PathBuf,
    },
    /// Nothing there.
    #[error("{path} does not exist")]
    NotFound {
        /// Full path, for display.
        path: PathBuf,
    },
    /// A folder was expected.
    #[error("{path} is not a folder")]
    NotDir {
        /// Full path, for display.
        path: PathBuf,
    },
    /// A regular file was expected.
    #[error("{path} is not a regular file")]
    NotFile {
        /// Full path, for display.
        path: PathBuf,
    },
    /// Any other I/O error.
    #[error("{path} cannot be {op}: {source}")]
    Io {
        /// Full path, for display.
        path: PathBuf,
        /// What was attempted ("opened", "read", "listed").
        op: &'static str,
        /// The system's reason.
        source: std::io::Error,
    },
}

impl FsError {
    /// Whether the error only says the path is absent.
    pub fn is_not_found(&self) -> bool {
        matches!(self, FsError::NotFound { .. })
    }

    /// Whether the error is a link met on the way (a candidate for `PATH_UNSAFE`).
    pub fn is_link(&self) -> bool {
        matches!(self, FsError::Link { .. } | FsError::Escape { .. })
    }
}

/// What an entry is, seen without following links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file.
    File,
    /// A folder.
    Dir,
    /// A symbolic link (never followed).
    Link,
    /// A device, socket or pipe.
    Other,
}

/// What `stat` says about an entry (the entry itself, never a link's target).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// File, folder, link or other.
    pub kind: Kind,
    /// Size in bytes (of the link itself for links).
    pub size: u64,
    /// Modification time, seconds since the epoch.
    pub mtime_secs: i64,
    /// Nanoseconds within that second.
    pub mtime_nsec: u32,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Inode number.
    pub inode: u64,
    /// Device number.
    pub dev: u64,
}

impl Meta {
    /// The modification time as a date.
    pub fn modified(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(self.mtime_secs, self.mtime_nsec)
    }
}

/// One entry of a folder listing.
#[derive(Debug, Clone)]
pub struct DirEntry {
    /// The raw name (may be non-UTF-8).
    pub name: OsString,
    /// What it is, its size and time.
    pub meta: Meta,
}

/// A path beneath a trusted base: the base is a name the operator gave (`--root`, a backup
/// root, a set folder found by listing one) and is opened as it is; `rel` is checked and opened
/// beneath it without following links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confined {
    /// The trusted base.
    pub base: PathBuf,
    /// The path beneath it (relative, no `..`).
    pub rel: PathBuf,
}

impl Confined {
    /// `rel` beneath `base`; refused when `rel` is absolute or climbs out with `..`.
    pub fn new(base: impl Into<PathBuf>, rel: impl AsRef<Path>) -> Result<Self, FsError> {
        let base = base.into();
        let rel = check_rel(&base, rel.as_ref())?;
        Ok(Confined { base, rel })
    }

    /// An absolute `path` known to lie beneath `base` (for example `ctx.live(..)`), split again.
    pub fn within(base: impl Into<PathBuf>, path: &Path) -> Result<Self, FsError> {
        let base = base.into();
        match path.strip_prefix(&base) {
            Ok(rel) => Confined::new(base, rel),
            Err(_) => Err(FsError::Escape {
                path: path.to_path_buf(),
                base,
            }),
        }
    }

    /// A path stored by the product itself (a distribution point's payload folder): absolute
    /// ones must lie beneath `base`, relative ones are taken beneath it, and neither may climb
    /// out or name the base itself.
    pub fn stored(base: impl Into<PathBuf>, stored: &Path) -> Result<Self, FsError> {
        let base = base.into();
        let escape = || FsError::Escape {
            path: stored.to_path_buf(),
            base: base.clone(),
        };
        let rel = if stored.has_root() {
            stored.strip_prefix(&base).map_err(|_| escape())?
        } else {
            stored
        };
        let rel = check_rel(&base, rel)?;
        if rel.as_os_str().is_empty() {
            return Err(escape());
        }
        Ok(Confined { base, rel })
    }

    /// The full path, for display and for tools that need a name.
    pub fn path(&self) -> PathBuf {
        if self.rel.as_os_str().is_empty() {
            self.base.clone()
        } else {
            self.base.join(&self.rel)
        }
    }

    /// A path further down.
    pub fn join(&self, rel: impl AsRef<Path>) -> Result<Self, FsError> {
        Confined::new(self.base.clone(), self.rel.join(rel.as_ref()))
    }

    /// Open the folder as a root of its own.
    pub fn open_dir(&self) -> Result<Root, FsError> {
        Root::open(&self.base)?.open_dir(&self.rel)
    }

    /// Open the file for reading.
    pub fn open_file(&self) -> Result<(File, std::fs::Metadata), FsError> {
        Root::open(&self.base)?.open_file(&self.rel)
    }

    /// Read the whole file.
    pub fn read(&self) -> Result<Vec<u8>, FsError> {
        Root::open(&self.base)?.read(&self.rel)
    }

    /// What the entry is, without following links; `None` when absent.
    pub fn stat(&self) -> Result<Option<Meta>, FsError> {
        Root::open(&self.base)?.stat(&self.rel)
    }
}

/// An open directory handle everything else is opened beneath.
#[derive(Debug)]
pub struct Root {
    fd: OwnedFd,
    path: PathBuf,
}

impl Root {
    /// Open `path` as a base. Its last component must not be a link; earlier ones are the
    /// operator's own name for the place (`/tmp` may be a link to `/private/tmp`).
    pub fn open(path: &Path) -> Result<Root, FsError> {
        match sys::open_base(path) {
            Ok(fd) => Ok(Root {
                fd,
                path: path.to_path_buf(),
            }),
            Err(e) => Err(explain_base(path, e)),
        }
    }

    /// Open `path` as a base, following links in every component of it (for a name the
    /// product itself built and checked, such as a restore target's folder).
    pub fn open_following(path: &Path) -> Result<Root, FsError> {
        match sys::open_base_following(path) {
            Ok(fd) => Ok(Root {
                fd,
                path: path.to_path_buf(),
            }),
            Err(e) => Err(explain_base(path, e)),
        }
    }

    /// The base's name.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The full name of `rel`, for display.
    pub fn display(&self, rel: &Path) -> PathBuf {
        if rel.as_os_str().is_empty() {
            self.path.clone()
        } else {
            self.path.join(rel)
        }
    }

    /// Open a folder beneath this one as a root of its own.
    pub fn open_dir(&self, rel: &Path) -> Result<Root, FsError> {
        let rel = check_rel(&self.path, rel)?;
        let fd = self.open_beneath(&rel, sys::Open::Dir)?;
        Ok(Root {
            fd,
            path: self.display(&rel),
        })
    }

    /// Open a regular file beneath this folder for reading.
    pub fn open_file(&self, rel: &Path) -> Result<(File, std::fs::Metadata), FsError> {
        let rel = check_rel(&self.path, rel)?;
        let fd = self.open_beneath(&rel, sys::Open::File)?;
        let file = File::from(fd);
        let meta = file.metadata().map_err(|e| FsError::Io {
            path: self.display(&rel),
            op: "read",
            source: e,
        })?;
        if !meta.is_file() {
            return Err(FsError::NotFile {
                path: self.display(&rel),
            });
        }
        Ok((file, meta))
    }

    /// Open `rel` beneath this folder for reading without the `fstat` [`Root::open_file`]
    /// makes, for a caller that knows it from a walk as a regular file of some size and checks
    /// what it reads against that (`inventory::tree::hash_walked`). Opened like every file of
    /// the layer: non-blocking, following no link.
    pub fn open_file_walked(&self, rel: &Path) -> Result<File, FsError> {
        let rel = check_rel(&self.path, rel)?;
        Ok(File::from(self.open_beneath(&rel, sys::Open::File)?))
    }

    /// Read a whole regular file beneath this folder.
    pub fn read(&self, rel: &Path) -> Result<Vec<u8>, FsError> {
        use std::io::Read;
        let (mut file, meta) = self.open_file(rel)?;
        let mut out = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        file.read_to_end(&mut out).map_err(|e| FsError::Io {
            path: self.display(rel),
            op: "read",
            source: e,
        })?;
        Ok(out)
    }

    /// What the entry at `rel` is, without following a link there; `None` when absent.
    /// Links on the way to it are refused.
    pub fn stat(&self, rel: &Path) -> Result<Option<Meta>, FsError> {
        let rel = check_rel(&self.path, rel)?;
        let (parent, name) = match (rel.parent(), rel.file_name()) {
            (Some(p), Some(n)) => (p, n),
            _ => {
                return sys::fstat(&self.fd).map(Some).map_err(|e| FsError::Io {
                    path: self.path.clone(),
                    op: "read",
                    source: e.into(),
                });
            }
        };
        let dir = match self.open_beneath(parent, sys::Open::Parent) {
            Ok(d) => d,
            Err(FsError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        match sys::statat(&dir, Path::new(name)) {
            Ok(m) => Ok(Some(m)),
            Err(e) if e == rustix::io::Errno::NOENT => Ok(None),
            Err(e) => Err(FsError::Io {
                path: self.display(&rel),
                op: "read",
                source: e.into(),
            }),
        }
    }

    /// Where the link at `rel` points, as stored (never resolved).
    pub fn read_link(&self, rel: &Path) -> Result<OsString, FsError> {
        let rel = check_rel(&self.path, rel)?;
        let (parent, name) = match (rel.parent(), rel.file_name()) {
            (Some(p), Some(n)) => (p, n),
            _ => {
                return Err(FsError::NotFound {
                    path: self.path.clone(),
                });
            }
        };
        let dir = self.open_beneath(parent, sys::Open::Parent)?;
        sys::readlinkat(&dir, Path::new(name)).map_err(|e| FsError::Io {
            path: self.display(&rel),
            op: "read",
            source: e.into(),
        })
    }

    /// The entries of the folder at `rel` (empty for this one), sorted by name, each with what
    /// it is. Links are listed as links.
    pub fn list(&self, rel: &Path) -> Result<Vec<DirEntry>, FsError> {
        let dir = self.open_dir(rel)?;
        let names = sys::read_names(&dir.fd).map_err(|e| FsError::Io {
            path: dir.path.clone(),
            op: "listed",
            source: e.into(),
        })?;
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            match sys::statat(&dir.fd, Path::new(&name)) {
                Ok(meta) => out.push(DirEntry { name, meta }),
                // Removed between listing and looking: it is not there any more.
                Err(e) if e == rustix::io::Errno::NOENT => {}
                Err(e) => {
                    return Err(FsError::Io {
                        path: dir.path.join(&name),
                        op: "read",
                        source: e.into(),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Walk everything beneath this folder, depth first in path order, links listed, never
    /// followed.
    pub fn walk(&self) -> Walker {
        Walker::new(self)
    }

    /// Open `rel` (already checked) beneath this folder without following any link.
    fn open_beneath(&self, rel: &Path, how: sys::Open) -> Result<OwnedFd, FsError> {
        sys::open_beneath(&self.fd, rel, how).map_err(|e| self.explain(rel, e))
    }

    /// Turn a failed open into words: which component is a link and where it points.
    fn explain(&self, rel: &Path, e: rustix::io::Errno) -> FsError {
        use rustix::io::Errno;
        let full = self.display(rel);
        if e == Errno::NOENT {
            return FsError::NotFound { path: full };
        }
        if e == Errno::LOOP || e == Errno::NOTDIR || e == Errno::XDEV {
            // Find the first component that is a link (the kernel only says "a link").
            let mut prefix = PathBuf::new();
            for c in rel.components() {
                prefix.push(c);
                if let Ok(m) = sys::statat(&self.fd, &prefix)
                    && m.kind == Kind::Link
                {
                    // Read it through its (checked) parent so this lookup follows nothing either.
                    let target = self
                        .read_link(&prefix)
                        .map(|t| t.to_string_lossy().into_owned())
                        .unwrap_or_else(|_| "(unreadable)".into());
                    return FsError::Link {
                        path: self.display(&prefix),
                        target,
                    };
                }
                if let Ok(m) = sys::statat(&self.fd, &prefix)
                    && m.kind != Kind::Dir
                    && prefix.as_path() != rel
                {
                    return FsError::NotDir {
                        path: self.display(&prefix),
                    };
                }
            }
            if e == Errno::NOTDIR {
                return FsError::NotDir { path: full };
            }
            if e == Errno::XDEV {
                return FsError::Escape {
                    path: rel.to_path_buf(),
                    base: self.path.clone(),
                };
            }
        }
        FsError::Io {
            path: full,
            op: "opened",
            source: e.into(),
        }
    }
}

/// Check, through the layer, that `path` (beneath `base`) is a regular file reached without
/// any link, for tools that must open it by name (SQLite resolves names itself; handing it
/// `/proc/self/fd/N` does not help: it resolves that link back to the name and opens the name).
pub fn checked_file(base: &Path, path: &Path) -> Result<(), FsError> {
    let c = Confined::within(base, path)?;
    match c.stat()? {
        None => Err(FsError::NotFound { path: c.path() }),
        Some(m) if m.kind == Kind::File => Ok(()),
        Some(m) if m.kind == Kind::Link => Err(FsError::Link {
            path: c.path(),
            target: Root::open(&c.base)
                .and_then(|r| r.read_link(&c.rel))
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_else(|_| "(unreadable)".into()),
        }),
        Some(_) => Err(FsError::NotFile { path: c.path() }),
    }
}

/// Why [`read_limited`] read nothing.
#[derive(Debug, thiserror::Error)]
pub enum LimitedError {
    /// The path is a folder.
    #[error("is a folder")]
    Folder,
    /// The file is larger than the limit (its size).
    #[error("{0} bytes is too large")]
    TooLarge(u64),
    /// It could not be opened or read.
    #[error(transparent)]
    Fs(#[from] FsError),
}

/// Read a whole regular file beneath its base, refusing folders and files over `limit` bytes
/// (a file that grows while read is cut at `limit + 1` bytes and refused too).
pub fn read_limited(file: &Confined, limit: u64) -> Result<Vec<u8>, LimitedError> {
    use std::io::Read;
    let (f, meta) = match file.open_file() {
        Ok(x) => x,
        Err(FsError::NotFile { .. }) if matches!(file.stat(), Ok(Some(m)) if m.kind == Kind::Dir) =>
        {
            return Err(LimitedError::Folder);
        }
        Err(e) => return Err(e.into()),
    };
    if meta.len() > limit {
        return Err(LimitedError::TooLarge(meta.len()));
    }
    let mut data = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    f.take(limit + 1)
        .read_to_end(&mut data)
        .map_err(|e| FsError::Io {
            path: file.path(),
            op: "read",
            source: e,
        })?;
    if data.len() as u64 > limit {
        return Err(LimitedError::TooLarge(data.len() as u64));
    }
    Ok(data)
}

/// Whether a link at `link` (relative to a base) with `target` points outside the base,
/// judged from the text of the target alone (nothing is resolved).
pub fn link_leaves(link: &Path, target: &Path) -> bool {
    let mut depth = link.components().count() as i64 - 1;
    for c in target.components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            Component::RootDir | Component::Prefix(_) => return true,
        }
    }
    false
}

/// A relative path without `.`; absolute paths and `..` are refused before the kernel sees them.
fn check_rel(base: &Path, rel: &Path) -> Result<PathBuf, FsError> {
    let mut out = PathBuf::new();
    for c in rel.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(FsError::Escape {
                    path: rel.to_path_buf(),
                    base: base.to_path_buf(),
                });
            }
        }
    }
    Ok(out)
}

fn explain_base(path: &Path, e: rustix::io::Errno) -> FsError {
    use rustix::io::Errno;
    if e == Errno::NOENT {
        return FsError::NotFound {
            path: path.to_path_buf(),
        };
    }
    if e == Errno::LOOP || e == Errno::NOTDIR {
        if let Ok(t) = std::fs::read_link(path) {
            return FsError::Link {
                path: path.to_path_buf(),
                target: t.to_string_lossy().into_owned(),
            };
        }
        if e == Errno::NOTDIR {
            return FsError::NotDir {
                path: path.to_path_buf(),
            };
        }
    }
    FsError::Io {
        path: path.to_path_buf(),
        op: "opened",
        source: e.into(),
    }
}

#[cfg(test)]
pub(crate) mod tests;
