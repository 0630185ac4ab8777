//! The `Context`: where and when the core works, built once from the command line.

use crate::clock::Clock;
use crate::profile::Profile;
use std::path::{Path, PathBuf};

/// Everything the core needs to know about this run; nothing else is global.
#[derive(Debug, Clone)]
pub struct Context {
    /// The product layout.
    pub profile: Profile,
    /// The root every profile path is relative to (absolute, canonical).
    pub root: PathBuf,
    /// Extra backup roots from `--backups` (absolute), searched after the profile's own.
    pub extra_backup_roots: Vec<PathBuf>,
    /// Where the cache, journal and logs live.
    pub state_dir: PathBuf,
    /// Source of "now".
    pub clock: Clock,
    /// Host name override (`--hostname`); `None` means ask the system.
    pub hostname: Option<String>,
    /// Password for PKCS#12 files (`--pfx-password-file`), overriding the profile's.
    pub pfx_password: Option<String>,
    /// Ignore cached check results.
    pub no_cache: bool,
    /// Repositories given with `--repo NAME=DIR` (DIR absolute), in order.
    pub repos: Vec<(String, PathBuf)>,
    /// A demo installation in a temporary folder: facts of the machine it runs on (server
    /// processes, free space, the journal's user and wall clock) are left out, so every take
    /// of a recording is the same.
    pub demo: bool,
}

impl Context {
    /// A context with default state folder and system clock. Where the profile lists candidate
    /// locations, the first that exists under `root` is used (see `Profile::locate`).
    pub fn new(profile: Profile, root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        let profile = profile.locate(&|rel: &Path| exists_beneath(&root, rel));
        Context {
            profile,
            root,
            extra_backup_roots: Vec::new(),
            state_dir: default_state_dir(),
            clock: Clock::system(),
            hostname: None,
            pfx_password: None,
            no_cache: false,
            repos: Vec::new(),
            demo: false,
        }
    }

    /// Absolute path of a root-relative profile path.
    pub fn live(&self, rel: &Path) -> PathBuf {
        self.root.join(rel)
    }

    /// All backup roots: the profile's (under the root) then `--backups` ones.
    pub fn backup_roots(&self) -> Vec<PathBuf> {
        let mut roots: Vec<PathBuf> = self
            .profile
            .backups
            .roots
            .iter()
            .map(|r| self.live(r))
            .collect();
        for r in &self.extra_backup_roots {
            if !roots.contains(r) {
                roots.push(r.clone());
            }
        }
        roots
    }

    /// The PKCS#12 password: command line first, then the profile.
    pub fn pfx_password(&self) -> Option<&str> {
        self.pfx_password
            .as_deref()
            .or(self.profile.pfx_password.as_deref())
    }

    /// Folder for cached check results.
    pub fn cache_dir(&self) -> PathBuf {
        self.state_dir.join("cache")
    }

    /// Folder for the undo journal.
    pub fn journal_dir(&self) -> PathBuf {
        self.state_dir.join("journal")
    }
}

/// Whether `rel` is a folder or file beneath `root`, seen without following any link (a link
/// where a server folder should be is no layout to adopt).
fn exists_beneath(root: &Path, rel: &Path) -> bool {
    crate::fs::Confined::new(root, rel)
        .and_then(|c| c.stat())
        .is_ok_and(|m| {
            m.is_some_and(|m| matches!(m.kind, crate::fs::Kind::Dir | crate::fs::Kind::File))
        })
}

/// The platform's state folder: `/var/lib/drconsole` for root, else the user's data folder.
pub fn default_state_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("DRCONSOLE_STATE") {
        return PathBuf::from(dir);
    }
    #[cfg(unix)]
    {
        // Root on a server: the system location. Anyone else: their own data folder.
        if is_root() {
            return PathBuf::from("/var/lib/drconsole");
        }
        if let Some(home) = std::env::var_os("XDG_STATE_HOME") {
            return PathBuf::from(home).join("drconsole");
        }
        if let Some(home) = std::env::var_os("HOME") {
            return PathBuf::from(home).join(".local/state/drconsole");
        }
        PathBuf::from("/var/lib/drconsole")
    }
    #[cfg(windows)]
    {
        std::env::var_os("ProgramData")
            .map(|p| PathBuf::from(p).join("drconsole"))
            .unwrap_or_else(|| PathBuf::from(r"C:\ProgramData\drconsole"))
    }
}

#[cfg(unix)]
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}
