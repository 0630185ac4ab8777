//! The tree being written: every file goes through here so its modification time is recorded,
//! and `finish` stamps every file and folder, which is what makes two runs byte- and
//! time-identical. Private files are created 0600 so no moment exists where others can read them.

use super::DemoError;
use chrono::{DateTime, Utc};
use filetime::FileTime;
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A demo tree under construction.
pub(crate) struct Tree {
    root: PathBuf,
    times: BTreeMap<PathBuf, DateTime<Utc>>,
    default_time: DateTime<Utc>,
}

impl Tree {
    /// Start a tree at `root` (which must exist); files without a recorded time get `default_time`.
    pub(crate) fn new(root: PathBuf, default_time: DateTime<Utc>) -> Self {
        Tree {
            root,
            times: BTreeMap::new(),
            default_time,
        }
    }

    /// Absolute path of a root-relative one.
    pub(crate) fn abs(&self, rel: &Path) -> PathBuf {
        self.root.join(rel)
    }

    /// Create the folder (and its parents).
    pub(crate) fn mkdir(&self, rel: &Path) -> Result<PathBuf, DemoError> {
        let path = self.abs(rel);
        fs::create_dir_all(&path).map_err(|e| DemoError::io("create folder", &path, e))?;
        Ok(path)
    }

    /// Write a file readable by everyone (mode from the umask), timed `at`.
    pub(crate) fn write(
        &mut self,
        rel: &Path,
        bytes: &[u8],
        at: DateTime<Utc>,
    ) -> Result<PathBuf, DemoError> {
        self.write_mode(rel, bytes, at, None)
    }

    /// Write a file only its owner can read (0600 from creation), timed `at`.
    pub(crate) fn write_private(
        &mut self,
        rel: &Path,
        bytes: &[u8],
        at: DateTime<Utc>,
    ) -> Result<PathBuf, DemoError> {
        self.write_mode(rel, bytes, at, Some(0o600))
    }

    /// Write an executable script (0755 on Unix), timed `at`.
    pub(crate) fn write_executable(
        &mut self,
        rel: &Path,
        bytes: &[u8],
        at: DateTime<Utc>,
    ) -> Result<PathBuf, DemoError> {
        self.write_mode(rel, bytes, at, Some(0o755))
    }

    fn write_mode(
        &mut self,
        rel: &Path,
        bytes: &[u8],
        at: DateTime<Utc>,
        mode: Option<u32>,
    ) -> Result<PathBuf, DemoError> {
        let path = self.abs(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| DemoError::io("create folder", parent, e))?;
        }
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if let Some(mode) = mode {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(mode);
        }
        #[cfg(not(unix))]
        let _ = mode;
        let mut file = options
            .open(&path)
            .map_err(|e| DemoError::io("create", &path, e))?;
        file.write_all(bytes)
            .map_err(|e| DemoError::io("write", &path, e))?;
        // The umask may have narrowed an executable's mode; private modes are only ever narrower.
        #[cfg(unix)]
        if let Some(mode) = mode {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(fs::Permissions::from_mode(mode))
                .map_err(|e| DemoError::io("set the mode of", &path, e))?;
        }
        self.times.insert(path.clone(), at);
        Ok(path)
    }

    /// Copy a file within the tree (same mode), timed `at`.
    pub(crate) fn copy(
        &mut self,
        from: &Path,
        to: &Path,
        at: DateTime<Utc>,
    ) -> Result<PathBuf, DemoError> {
        let (src, dst) = (self.abs(from), self.abs(to));
        if let Some(parent) = dst.parent() {
            fs::create_dir_all(parent).map_err(|e| DemoError::io("create folder", parent, e))?;
        }
        fs::copy(&src, &dst).map_err(|e| DemoError::io("copy to", &dst, e))?;
        self.times.insert(dst.clone(), at);
        Ok(dst)
    }

    /// Record the time of a file written by someone else (SQLite).
    pub(crate) fn stamp(&mut self, rel: &Path, at: DateTime<Utc>) {
        let path = self.abs(rel);
        self.times.insert(path, at);
    }

    /// Set every file's time (recorded or default) and every folder's (its newest entry's),
    /// deepest first so stamping a child never disturbs its already-stamped parent.
    pub(crate) fn finish(self) -> Result<(), DemoError> {
        self.stamp_dir(&self.root)?;
        Ok(())
    }

    fn stamp_dir(&self, dir: &Path) -> Result<DateTime<Utc>, DemoError> {
        let mut newest: Option<DateTime<Utc>> = None;
        let entries = fs::read_dir(dir).map_err(|e| DemoError::io("read folder", dir, e))?;
        let mut paths = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| DemoError::io("read folder", dir, e))?;
            paths.push(entry.path());
        }
        paths.sort();
        for path in paths {
            let meta =
                fs::symlink_metadata(&path).map_err(|e| DemoError::io("inspect", &path, e))?;
            let at = if meta.is_dir() {
                self.stamp_dir(&path)?
            } else {
                let at = self.times.get(&path).copied().unwrap_or(self.default_time);
                set_time(&path, at)?;
                at
            };
            newest = Some(newest.map_or(at, |n| n.max(at)));
        }
        let at = newest.unwrap_or(self.default_time);
        set_time(dir, at)?;
        Ok(at)
    }
}

fn set_time(path: &Path, at: DateTime<Utc>) -> Result<(), DemoError> {
    let t = FileTime::from_unix_time(at.timestamp(), at.timestamp_subsec_nanos());
    filetime::set_symlink_file_times(path, t, t)
        .map_err(|e| DemoError::io("set the time of", path, e))
}
