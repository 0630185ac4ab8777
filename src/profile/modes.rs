//! The `[modes]` table of a profile: the modes a restore gives what it creates, by purpose,
//! and which folders are key stores. A restored file never inherits the backup set's modes
//! (a FAT or SMB volume reports 0666/0777 for everything).

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Modes for new files and folders, by purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileModes {
    /// A new certificate file (in a certificate store): 0644.
    pub certificate: u32,
    /// A private key, recognised by content or name: 0600. Also the most a replaced key keeps.
    pub key: u32,
    /// Any other new file (databases, settings, scripts): 0644.
    pub file: u32,
    /// A new folder: 0755.
    pub folder: u32,
    /// A new folder that is, or is inside, a key store: 0700.
    pub key_store: u32,
    /// Root-relative folders that hold private keys.
    pub key_stores: Vec<PathBuf>,
}

impl Default for FileModes {
    fn default() -> Self {
        FileModes {
            certificate: 0o644,
            key: 0o600,
            file: 0o644,
            folder: 0o755,
            key_store: 0o700,
            key_stores: Vec::new(),
        }
    }
}

/// `[modes]` as written; every key optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawModes {
    certificate: Option<u32>,
    key: Option<u32>,
    file: Option<u32>,
    folder: Option<u32>,
    key_store: Option<u32>,
    #[serde(default)]
    key_stores: Vec<String>,
}

impl RawModes {
    /// Validate, turning `key_stores` into root-relative paths with `path`.
    pub(super) fn resolve(
        self,
        path: impl Fn(&str, &str) -> Result<PathBuf, String>,
    ) -> Result<FileModes, String> {
        let d = FileModes::default();
        let m = FileModes {
            certificate: self.certificate.unwrap_or(d.certificate),
            key: self.key.unwrap_or(d.key),
            file: self.file.unwrap_or(d.file),
            folder: self.folder.unwrap_or(d.folder),
            key_store: self.key_store.unwrap_or(d.key_store),
            key_stores: self
                .key_stores
                .iter()
                .map(|s| path("modes key_stores", s))
                .collect::<Result<_, _>>()?,
        };
        for (name, mode, private) in [
            ("certificate", m.certificate, false),
            ("key", m.key, true),
            ("file", m.file, false),
            ("folder", m.folder, false),
            ("key_store", m.key_store, true),
        ] {
            if mode > 0o777 {
                return Err(format!(
                    "modes {name} = {mode:#o} is not a permission mode (0o000 to 0o777)"
                ));
            }
            if private && mode & 0o077 != 0 {
                return Err(format!(
                    "modes {name} = {mode:#o} lets others reach private keys: use 0o600 (0o700 for folders) or narrower"
                ));
            }
            if mode & 0o022 != 0 {
                return Err(format!(
                    "modes {name} = {mode:#o} is group- or world-writable: drconsole never restores that (use 0o644 or 0o755)"
                ));
            }
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    fn parse(modes: &str) -> Result<super::FileModes, String> {
        let text = format!("name = \"t\"\n[vars]\nserver = \"srv\"\n[modes]\n{modes}\n");
        crate::profile::parse(&text, "test")
            .map(|p| p.modes)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn modes_default_and_take_octal_overrides_and_key_stores() {
        let m = parse("").unwrap();
        assert_eq!(m, super::FileModes::default());
        let m = parse("key = 0o400\nfile = 0o640\nkey_stores = [\"{server}/Keys\"]").unwrap();
        assert_eq!((m.key, m.file, m.certificate), (0o400, 0o640, 0o644));
        assert_eq!(m.key_stores, vec![std::path::PathBuf::from("srv/Keys")]);
    }

    #[test]
    fn shared_write_and_readable_keys_are_rejected() {
        for (bad, says) in [
            ("key = 0o640", "private keys"),
            ("key_store = 0o750", "private keys"),
            ("file = 0o666", "world-writable"),
            ("folder = 0o775", "world-writable"),
            ("certificate = 0o1644", "not a permission mode"),
            ("key_stores = [\"../x\"]", "relative to the root"),
            ("keys = 0o600", "unknown field"),
        ] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
