//! The one tree walker: handle based (each folder opened with `openat(O_NOFOLLOW)` from its
//! parent's handle, entries looked at with `fstatat` relative to it, names read with `getdents`
//! in batches). Links are yielded as links and never entered, so loops cannot happen; memory is
//! one sorted name list per open level, never the whole tree.

use super::{FsError, Kind, Meta, Root, sys};
use rustix::io::Errno;
use std::ffi::OsString;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// One entry met by the walk.
#[derive(Debug, Clone)]
pub struct WalkEntry {
    /// Path relative to the walked folder.
    pub rel: PathBuf,
    /// What it is (never a link's target).
    pub meta: Meta,
    /// A link's target as stored.
    pub target: Option<OsString>,
}

struct Level {
    dir: OwnedFd,
    rel: PathBuf,
    names: std::vec::IntoIter<OsString>,
}

/// Depth-first walk in path order (names sorted within each folder, a folder's entry before
/// what it holds), yielding files, folders, links and others; problems are yielded as errors
/// and the walk goes on.
pub struct Walker {
    base: PathBuf,
    max_depth: usize,
    stack: Vec<Level>,
    pending: Option<FsError>,
}

impl Walker {
    pub(super) fn new(root: &Root) -> Walker {
        let mut w = Walker {
            base: root.path.clone(),
            max_depth: usize::MAX,
            stack: Vec::new(),
            pending: None,
        };
        match sys::open_beneath(&root.fd, Path::new(""), sys::Open::Dir)
            .and_then(|fd| level(fd, PathBuf::new()))
        {
            Ok(l) => w.stack.push(l),
            Err(e) => w.pending = Some(io(&w.base, Path::new(""), "listed", e)),
        }
        w
    }
}

impl Walker {
    /// Yield entries at most `depth` components deep (1: the folder's own entries only).
    pub fn max_depth(mut self, depth: usize) -> Walker {
        self.max_depth = depth;
        self
    }
}

fn level(fd: OwnedFd, rel: PathBuf) -> Result<Level, Errno> {
    let names = sys::names_of(&fd)?;
    Ok(Level {
        dir: fd,
        rel,
        names: names.into_iter(),
    })
}

fn io(base: &Path, rel: &Path, op: &'static str, e: Errno) -> FsError {
    FsError::Io {
        path: if rel.as_os_str().is_empty() {
            base.to_path_buf()
        } else {
            base.join(rel)
        },
        op,
        source: e.into(),
    }
}

impl Iterator for Walker {
    type Item = Result<WalkEntry, FsError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.pending.take() {
            return Some(Err(e));
        }
        loop {
            let depth = self.stack.len();
            let top = self.stack.last_mut()?;
            let Some(name) = top.names.next() else {
                self.stack.pop();
                continue;
            };
            let rel = top.rel.join(&name);
            let dir = &top.dir;
            let meta = match sys::statat(dir, Path::new(&name)) {
                Ok(m) => m,
                // Removed since the folder was read: not there any more.
                Err(Errno::NOENT) => continue,
                Err(e) => return Some(Err(io(&self.base, &rel, "read", e))),
            };
            let mut target = None;
            match meta.kind {
                Kind::Link => match sys::readlinkat(dir, Path::new(&name)) {
                    Ok(t) => target = Some(t),
                    Err(e) => return Some(Err(io(&self.base, &rel, "read", e))),
                },
                Kind::Dir if depth < self.max_depth => {
                    let opened = sys::open_child_dir(dir, Path::new(&name))
                        .and_then(|fd| level(fd, rel.clone()));
                    match opened {
                        Ok(l) => self.stack.push(l),
                        // Swapped for a link since it was looked at: refused by O_NOFOLLOW.
                        Err(Errno::LOOP) | Err(Errno::NOTDIR) => {
                            self.pending = Some(FsError::Link {
                                path: self.base.join(&rel),
                                target: "(replaced while walking)".into(),
                            })
                        }
                        Err(Errno::NOENT) => {}
                        Err(e) => self.pending = Some(io(&self.base, &rel, "listed", e)),
                    }
                }
                Kind::Dir | Kind::File | Kind::Other => {}
            }
            return Some(Ok(WalkEntry { rel, meta, target }));
        }
    }
}
