//! Profiles: the TOML description of one product's layout on one platform.
//! Built-in profiles are embedded from `profiles/`; users may load their own file.
//! Loading validates everything up front so scanning code can trust a `Profile`.

mod modes;
pub mod runbook;
mod schema;

pub use modes::FileModes;
pub use runbook::{DoneWhen, RunbookStep};

pub use schema::{
    ArtifactKind, ArtifactSpec, BackupLayout, CertStoreKind, CertificateStore, DatabaseSpec,
    DistributionPointSource, FolderSpec, LayoutChoice, NamePattern, Profile, RepositoryLayout,
    SettingsFormat, SettingsSpec, SqlDatabaseSpec,
};

use std::path::{Path, PathBuf};

/// Built-in profiles: (name, TOML text), embedded at compile time.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "lanrev-macos",
        include_str!("../../profiles/lanrev-macos.toml"),
    ),
    (
        "lanrev-windows",
        include_str!("../../profiles/lanrev-windows.toml"),
    ),
    (
        "epo-windows",
        include_str!("../../profiles/epo-windows.toml"),
    ),
    (
        "itms-windows",
        include_str!("../../profiles/itms-windows.toml"),
    ),
];

/// The profile used when none is given.
pub const DEFAULT_PROFILE: &str = "lanrev-macos";

/// Why a profile could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The name is neither a built-in profile nor an existing file.
    #[error("unknown profile '{name}': not a built-in profile ({known}) and no such file")]
    Unknown { name: String, known: String },
    /// The file exists but could not be read.
    #[error("cannot read profile {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// TOML syntax or schema error, with line and column.
    #[error("invalid profile {origin}, line {line}, column {column}: {message}")]
    Parse {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// Well-formed TOML whose content makes no sense.
    #[error("invalid profile {origin}: {message}")]
    Invalid { origin: String, message: String },
}

/// Load a profile by built-in name or by file path.
pub fn load(name_or_path: &str) -> Result<Profile, ProfileError> {
    if let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
        return parse(text, &format!("built-in '{name_or_path}'"));
    }
    let path = Path::new(name_or_path);
    if path.exists() || name_or_path.contains('/') || name_or_path.ends_with(".toml") {
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        return parse(&text, &path.display().to_string());
    }
    Err(ProfileError::Unknown {
        name: name_or_path.to_string(),
        known: BUILTIN
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// Parse and validate profile text; `origin` names the file in errors.
pub fn parse(text: &str, origin: &str) -> Result<Profile, ProfileError> {
    let raw: schema::RawProfile = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
        ProfileError::Parse {
            origin: origin.to_string(),
            line,
            column,
            message: e.message().to_string(),
        }
    })?;
    raw.resolve().map_err(|message| ProfileError::Invalid {
        origin: origin.to_string(),
        message,
    })
}

/// All built-in profiles, parsed.
pub fn builtins() -> Vec<Profile> {
    BUILTIN
        .iter()
        .filter_map(|(name, text)| parse(text, name).ok())
        .collect()
}

/// 1-based line and column of a byte offset in `text` (for TOML error positions).
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_all_parse() {
        for (name, text) in BUILTIN {
            let p = parse(text, name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(&p.name, name);
            if name.starts_with("lanrev") {
                assert_eq!(p.databases.len(), 6);
            }
        }
    }

    #[test]
    fn macos_profile_expands_server_folder() {
        let p = load("lanrev-macos").unwrap();
        let db = p.database("ServerDatabase").unwrap();
        assert_eq!(
            db.path,
            Path::new("Library/Application Support/LANrev Server/ServerDatabase.db")
        );
        assert_eq!(p.rpo_hours, 26);
        assert!(p.processes.iter().any(|n| n == "LANrev MDM Server"));
        let s = p
            .settings
            .iter()
            .find(|s| s.name == "lanrev_server")
            .unwrap();
        assert_eq!(s.paths.len(), 2);
    }

    #[test]
    fn malformed_profile_names_line_and_problem() {
        let text = "name = \"x\"\nrpo_hours = \"soon\"\n";
        let err = parse(text, "my.toml").unwrap_err().to_string();
        assert!(err.contains("my.toml"), "{err}");
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn unknown_template_variable_is_rejected() {
        let text = "name = \"x\"\n[[databases]]\nname = \"A\"\npath = \"{nowhere}/A.db\"\n";
        let err = parse(text, "p.toml").unwrap_err().to_string();
        assert!(err.contains("nowhere"), "{err}");
    }

    #[test]
    fn the_first_candidate_that_exists_under_the_root_wins() {
        let p = load("lanrev-windows").unwrap();
        // Before a root is known: the first candidate, not found.
        let server = &p.layout[1];
        assert_eq!(server.var, "server");
        assert!(!server.found);
        assert!(p.databases[0].path.starts_with("ProgramData"));
        let xp = Path::new(
            "Documents and Settings/All Users/Application Data/Pole Position Software/LANrev Server",
        );
        let located = p.locate(&|rel: &Path| rel == xp);
        let server = located.layout.iter().find(|c| c.var == "server").unwrap();
        assert!(server.found);
        assert_eq!(server.path, xp);
        assert!(
            server.describe().contains("XP/2003"),
            "{}",
            server.describe()
        );
        assert!(located.databases[0].path.starts_with(xp));
        assert!(located.backups.roots[0].starts_with(xp));
        let scripts = located
            .folders
            .iter()
            .find(|f| f.name == "CustomFieldScriptFiles")
            .unwrap();
        assert_eq!(scripts.path, xp.join("CustomFieldScriptFiles"));
        // Located again against another disk, it follows that one.
        let again = located.locate(&|_: &Path| false);
        assert!(again.databases[0].path.starts_with("ProgramData"));
        let program = again.layout.iter().find(|c| c.var == "program").unwrap();
        assert!(!program.found);
        assert!(
            program.describe().contains("none found"),
            "{}",
            program.describe()
        );
    }

    #[test]
    fn candidate_lists_are_checked_like_paths() {
        for bad in ["[]", "[\"/abs\"]", "[\"a/../../b\"]"] {
            let text = format!("name = \"x\"\n[vars]\nserver = {bad}\n");
            assert!(parse(&text, "p.toml").is_err(), "{bad} accepted");
        }
        let text = "name = \"x\"\n[vars]\nserver = [\"a\", { path = \"b\", label = \"B\" }]\n[[databases]]\nname = \"A\"\npath = \"{server}/A.db\"\n";
        let p = parse(text, "p.toml").unwrap();
        let b = p.locate(&|rel: &Path| rel == Path::new("b"));
        assert_eq!(b.databases[0].path, Path::new("b/A.db"));
        assert_eq!(b.layout[0].label.as_deref(), Some("B"));
    }

    #[test]
    fn absolute_or_escaping_paths_are_rejected() {
        for bad in ["/etc/passwd", "../up.db", "a/../../b.db"] {
            let text = format!("name = \"x\"\n[[databases]]\nname = \"A\"\npath = \"{bad}\"\n");
            assert!(parse(&text, "p.toml").is_err(), "{bad} accepted");
        }
    }
}
