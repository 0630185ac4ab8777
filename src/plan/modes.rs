//! The mode a restored file or folder gets. Never the backup set's (a FAT or SMB volume reports
//! 0666/0777 for everything): a replaced entry keeps the original's mode, a new one gets the
//! mode the profile gives its kind; nothing is left group- or world-writable, and private keys
//! (recognised by content) never get more than the profile's key mode (0600).

use crate::component::Component;
use crate::profile::{FileModes, Profile};
use std::path::Path;

/// Group and world write: never on anything a restore writes.
const SHARED_WRITE: u32 = 0o022;

/// The modes for the new content of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Modes {
    /// A new regular file of the step's kind (0644).
    pub file: u32,
    /// The most a private key gets (0600).
    pub key: u32,
    /// A new folder (0755, or 0700 in a key store).
    pub folder: u32,
}

impl Default for Modes {
    fn default() -> Self {
        Modes::from_profile(&FileModes::default(), "", Path::new(""))
    }
}

impl Modes {
    /// The modes for what a step of `component` writes at the root-relative `target`.
    pub fn for_step(profile: &Profile, component: &str, target: &Path) -> Modes {
        Modes::from_profile(&profile.modes, component, target)
    }

    fn from_profile(modes: &FileModes, component: &str, target: &Path) -> Modes {
        let file = match Component::parse(component) {
            Ok(Component::Certificates(_)) => modes.certificate,
            _ => modes.file,
        };
        Modes {
            file,
            key: modes.key,
            folder: folder_mode(modes, target),
        }
    }

    /// A restored file's mode: the replaced file's (`replaced`) or else the kind's, without
    /// group or world write; a private key never more than the key mode.
    pub fn file_mode(&self, replaced: Option<u32>, key: bool) -> u32 {
        let mode = replaced.unwrap_or(self.file) & 0o7777 & !SHARED_WRITE;
        if key { mode & self.key } else { mode }
    }

    /// A restored folder's mode: the replaced folder's or else the new-folder mode, without
    /// group or world write.
    pub fn dir_mode(&self, replaced: Option<u32>) -> u32 {
        replaced.unwrap_or(self.folder) & 0o7777 & !SHARED_WRITE
    }
}

/// The mode of a folder drconsole creates at the root-relative `dir`: the key-store mode for
/// a key store and anything inside one, else the folder mode.
pub fn folder_mode(modes: &FileModes, dir: &Path) -> u32 {
    if modes.key_stores.iter().any(|k| dir.starts_with(k)) {
        modes.key_store
    } else {
        modes.folder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        crate::profile::load("lanrev-macos").unwrap()
    }

    const CERTS: &str = "Library/Application Support/LANrev Server/Certificates";

    #[test]
    fn new_entries_get_their_kinds_mode_and_key_stores_are_private() {
        let p = profile();
        let store = Modes::for_step(&p, "certificates:Certificates", Path::new(CERTS));
        assert_eq!(store.file_mode(None, false), 0o644);
        assert_eq!(store.file_mode(None, true), 0o600);
        assert_eq!(store.dir_mode(None), 0o700);
        let nested = format!("{CERTS}/sub");
        assert_eq!(folder_mode(&p.modes, Path::new(&nested)), 0o700);
        let scripts = Modes::for_step(&p, "folder:CustomFieldScriptFiles", Path::new("x/y"));
        assert_eq!(scripts.dir_mode(None), 0o755);
        assert_eq!(scripts.file_mode(None, false), 0o644);
    }

    #[test]
    fn replaced_entries_keep_their_mode_but_never_shared_write_and_keys_never_wider() {
        let m = Modes::default();
        assert_eq!(m.file_mode(Some(0o600), false), 0o600);
        assert_eq!(m.file_mode(Some(0o666), false), 0o644);
        assert_eq!(m.file_mode(Some(0o640), true), 0o600);
        assert_eq!(m.file_mode(Some(0o400), true), 0o400);
        assert_eq!(m.file_mode(Some(0o100644), false), 0o644);
        assert_eq!(m.dir_mode(Some(0o777)), 0o755);
        assert_eq!(m.dir_mode(Some(0o700)), 0o700);
    }
}
