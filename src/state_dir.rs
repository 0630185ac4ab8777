//! The state folder (journal, stash, check cache): trusted only when it and everything in it
//! that drconsole uses is owned by the running user and writable by no one else, because a
//! drconsole running as root acts on what it finds there. Created durably; never "repaired".

use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// Why the state folder (or something in it) cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Owned by someone else, writable by others, a link, or of the wrong kind.
    #[error(
        "refusing to use {path}: {why}. drconsole acts on what it finds in its state folder (as root, too), so it trusts only entries owned by the running user (uid {uid}) that no one else can write; use --state with a folder only you can write, and find out who changed this one (drconsole never repairs it)"
    )]
    Untrusted {
        /// The entry.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
        /// The running user.
        uid: u32,
    },
    /// An I/O error on a state path.
    #[error("cannot {op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
}

/// The effective user id of this process (0 where there are no uids).
pub fn euid() -> u32 {
    #[cfg(unix)]
    {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() }
    }
    #[cfg(not(unix))]
    {
        0
    }
}

/// Judge an entry's metadata: owned by us, not group/world-writable, of the wanted kind.
pub fn judge(path: &Path, meta: &Metadata, want_dir: bool) -> Result<(), StateError> {
    let untrusted = |why: String| StateError::Untrusted {
        path: path.to_path_buf(),
        why,
        uid: euid(),
    };
    let ft = meta.file_type();
    if ft.is_symlink() {
        return Err(untrusted("it is a symbolic link".into()));
    }
    if want_dir && !ft.is_dir() {
        return Err(untrusted("it is not a folder".into()));
    }
    if !want_dir && !ft.is_file() {
        return Err(untrusted("it is not a regular file".into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = euid();
        if meta.uid() != me {
            return Err(untrusted(format!(
                "it is owned by uid {}, not by the running user",
                meta.uid()
            )));
        }
        let mode = meta.mode() & 0o7777;
        if mode & 0o002 != 0 {
            return Err(untrusted(format!(
                "it is writable by everyone (mode {mode:04o})"
            )));
        }
        if mode & 0o020 != 0 {
            return Err(untrusted(format!(
                "it is writable by its group (mode {mode:04o})"
            )));
        }
    }
    Ok(())
}

/// Check the entry at `path` without following a link; `Ok(false)` when nothing is there.
pub fn check(path: &Path, want_dir: bool) -> Result<bool, StateError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) => judge(path, &m, want_dir).map(|()| true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(StateError::Io {
            op: "inspect",
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Check the state folder itself. It may be reached through a link the operator made (e.g.
/// `/var/lib/drconsole` pointing to a data volume): the folder it leads to is judged.
pub fn check_root(state: &Path) -> Result<bool, StateError> {
    match std::fs::metadata(state) {
        Ok(m) => judge(state, &m, true).map(|()| true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(StateError::Io {
            op: "inspect",
            path: state.to_path_buf(),
            source,
        }),
    }
}

/// Check the state folder and the journal and cache folders in it, as far as they exist.
pub fn verify(state: &Path) -> Result<(), StateError> {
    if check_root(state)? {
        check(&state.join("journal"), true)?;
        check(&state.join("cache"), true)?;
    }
    Ok(())
}

/// Make sure `dir` (a folder in, or the, state folder) exists and is trusted: missing folders
/// are created 0700 and made durable (each new folder's parent is fsynced, so a power cut
/// cannot take the folder, and the journal in it, away after the changes it records).
pub fn ensure_dir(state: &Path, dir: &Path) -> Result<(), StateError> {
    let io = |op, source| StateError::Io {
        op,
        path: dir.to_path_buf(),
        source,
    };
    crate::journal::fsops::create_dirs_durable(dir, 0o700)
        .map_err(|e| io("create the state folder", e))?;
    check_root(state)?;
    if dir != state {
        let mut cur = state.to_path_buf();
        if let Ok(rest) = dir.strip_prefix(state) {
            for part in rest.components() {
                cur.push(part);
                check(&cur, true)?;
            }
        }
    }
    Ok(())
}

/// Open an existing state file without following a link and check what was opened.
pub fn open_file(path: &Path, opts: &mut OpenOptions) -> Result<File, StateError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    let file = opts.open(path).map_err(|e| {
        if e.raw_os_error() == Some(libc::ELOOP) {
            StateError::Untrusted {
                path: path.to_path_buf(),
                why: "it is a symbolic link".into(),
                uid: euid(),
            }
        } else {
            StateError::Io {
                op: "open",
                path: path.to_path_buf(),
                source: e,
            }
        }
    })?;
    let meta = file.metadata().map_err(|source| StateError::Io {
        op: "inspect",
        path: path.to_path_buf(),
        source,
    })?;
    judge(path, &meta, false)?;
    Ok(file)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn chmod(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_folder_writable_by_group_or_others_is_refused_and_left_as_it_is() {
        let t = tempfile::tempdir().unwrap();
        let state = t.path().join("state");
        std::fs::create_dir(&state).unwrap();
        for mode in [0o777, 0o775, 0o1777] {
            chmod(&state, mode);
            let err = verify(&state).unwrap_err().to_string();
            assert!(err.contains("writable by"), "{mode:o}: {err}");
            let now = std::fs::metadata(&state).unwrap().permissions().mode() & 0o7777;
            assert_eq!(now, mode, "the mode was changed");
        }
        chmod(&state, 0o755);
        verify(&state).unwrap();
    }

    #[test]
    fn a_planted_link_is_never_opened() {
        let t = tempfile::tempdir().unwrap();
        let victim = t.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        let link = t.path().join("lock");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let err = open_file(&link, OpenOptions::new().read(true).write(true))
            .unwrap_err()
            .to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
    }

    #[test]
    fn missing_state_folders_are_created_private() {
        let t = tempfile::tempdir().unwrap();
        let state = t.path().join("a/state");
        let journal = state.join("journal");
        ensure_dir(&state, &journal).unwrap();
        for p in [&state, &journal] {
            assert_eq!(
                std::fs::metadata(p).unwrap().permissions().mode() & 0o777,
                0o700
            );
        }
    }
}
