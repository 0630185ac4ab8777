//! The site and user configuration file (`/etc/drconsole/config.toml`, then
//! `$XDG_CONFIG_HOME/drconsole/config.toml`): defaults for the global options, `read_only`,
//! the certificate expiry window, an RPO override, logging and key bindings. Pure data and
//! parsing; the command line applies it (flags given on it always win).

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Why a configuration file could not be used; every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A syntax error, an unknown key or a value of the wrong type or meaning.
    #[error("invalid configuration {path}, line {line}, column {column}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

/// A value with where it was written, so a later check can still point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// The file it came from.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl<T> Located<T> {
    /// An error about this value, pointing at it.
    pub fn error(&self, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            path: self.file.clone(),
            line: self.line,
            column: self.column,
            message: message.into(),
        }
    }
}

/// One `[keys]` entry: a console command given new keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBinding {
    /// The command's name as `drconsole doctor` and docs/config.md list it (`restore`).
    pub command: Located<String>,
    /// The keys, as written (`"R"`, `"ctrl-r"`, `"F5"`).
    pub keys: Located<Vec<String>>,
}

/// The merged configuration: every field is optional; a later file overrides an earlier one
/// key by key (`[keys]` entry by entry).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The files that were read, in order.
    pub files: Vec<PathBuf>,
    /// Default locations that could not even be looked at (a folder on the way is closed to
    /// this user, e.g. `HOME` still pointing at another user's home after `su`).
    pub unseen: Vec<PathBuf>,
    /// Default `--profile`.
    pub profile: Option<String>,
    /// Default `--root`.
    pub root: Option<PathBuf>,
    /// Default `--backups` folders.
    pub backups: Option<Vec<PathBuf>>,
    /// Default `--state`.
    pub state: Option<PathBuf>,
    /// Default `--theme`.
    pub theme: Option<String>,
    /// When true, nothing changes files unless `--write` is given.
    pub read_only: Option<bool>,
    /// The file `read_only` came from.
    pub read_only_file: Option<PathBuf>,
    /// Certificates expiring within this many days are `CERT_EXPIRING`.
    pub expiry_days: Option<u32>,
    /// Overrides the profile's recovery-point objective.
    pub rpo_hours: Option<u32>,
    /// Default `--log-file`.
    pub log_file: Option<PathBuf>,
    /// Default `--log-level`.
    pub log_level: Option<String>,
    /// Key bindings, in file order (later files after earlier ones).
    pub keys: Vec<KeyBinding>,
}

/// The file's shape; unknown keys are errors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    profile: Option<String>,
    root: Option<Spanned<PathBuf>>,
    backups: Option<Vec<Spanned<PathBuf>>>,
    state: Option<Spanned<PathBuf>>,
    theme: Option<String>,
    read_only: Option<bool>,
    expiry_days: Option<Spanned<u32>>,
    rpo_hours: Option<Spanned<u32>>,
    log_file: Option<Spanned<PathBuf>>,
    log_level: Option<String>,
    #[serde(default)]
    keys: BTreeMap<Spanned<String>, Spanned<OneOrMany>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// The files drconsole reads, in order: the site file, then the user's. Missing ones are
/// skipped; `--config FILE` replaces this list.
pub fn default_files() -> Vec<PathBuf> {
    let mut files = vec![PathBuf::from("/etc/drconsole/config.toml")];
    if let Some(dir) = user_dir() {
        files.push(dir.join("config.toml"));
    }
    files
}

/// The user's drconsole configuration folder: `$XDG_CONFIG_HOME/drconsole`, else
/// `~/.config/drconsole` (`%APPDATA%\drconsole` on Windows).
pub fn user_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("drconsole"));
    }
    if cfg!(windows) {
        return std::env::var_os("APPDATA").map(|d| PathBuf::from(d).join("drconsole"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/drconsole"))
}

/// Read and merge `files`; a file that does not exist is skipped, one that exists must be valid.
pub fn load(files: &[PathBuf], must_exist: bool) -> Result<Config, ConfigError> {
    let mut config = Config::default();
    for path in files {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => continue,
            // Whether a default file exists cannot be known when a folder on the way is closed:
            // that is "no file here", not an unreadable file (which stays an error below).
            Err(e)
                if e.kind() == std::io::ErrorKind::PermissionDenied
                    && !must_exist
                    && std::fs::symlink_metadata(path)
                        .is_err_and(|m| m.kind() == std::io::ErrorKind::PermissionDenied) =>
            {
                config.unseen.push(path.clone());
                continue;
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.clone(),
                    source,
                });
            }
        };
        merge(&mut config, &text, path)?;
        config.files.push(path.clone());
    }
    Ok(config)
}

/// Parse one file's text and lay it over `config`.
pub fn merge(config: &mut Config, text: &str, path: &Path) -> Result<(), ConfigError> {
    let at = |offset: usize| {
        let (line, column) = crate::profile::line_col(text, offset);
        (line, column)
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| at(s.start)).unwrap_or((0, 0));
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })?;
    let locate = |value: &Spanned<PathBuf>, key: &str| -> Result<PathBuf, ConfigError> {
        let (line, column) = at(value.span().start);
        if !value.get_ref().is_absolute() {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message: format!(
                    "{key} must be an absolute path, not '{}'",
                    value.get_ref().display()
                ),
            });
        }
        Ok(value.get_ref().clone())
    };
    let positive = |value: &Spanned<u32>, key: &str| -> Result<u32, ConfigError> {
        if *value.get_ref() == 0 {
            let (line, column) = at(value.span().start);
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message: format!("{key} must be at least 1"),
            });
        }
        Ok(*value.get_ref())
    };
    if let Some(v) = raw.profile {
        config.profile = Some(v);
    }
    if let Some(v) = &raw.root {
        config.root = Some(locate(v, "root")?);
    }
    if let Some(list) = &raw.backups {
        config.backups = Some(
            list.iter()
                .map(|v| locate(v, "backups"))
                .collect::<Result<_, _>>()?,
        );
    }
    if let Some(v) = &raw.state {
        config.state = Some(locate(v, "state")?);
    }
    if let Some(v) = raw.theme {
        config.theme = Some(v);
    }
    if let Some(v) = raw.read_only {
        config.read_only = Some(v);
        config.read_only_file = Some(path.to_path_buf());
    }
    if let Some(v) = &raw.expiry_days {
        config.expiry_days = Some(positive(v, "expiry_days")?);
    }
    if let Some(v) = &raw.rpo_hours {
        config.rpo_hours = Some(positive(v, "rpo_hours")?);
    }
    if let Some(v) = &raw.log_file {
        config.log_file = Some(locate(v, "log_file")?);
    }
    if let Some(v) = raw.log_level {
        config.log_level = Some(v);
    }
    for (command, keys) in &raw.keys {
        let located = |span: std::ops::Range<usize>| {
            let (line, column) = at(span.start);
            (line, column)
        };
        let (cl, cc) = located(command.span());
        let (kl, kc) = located(keys.span());
        let list = match keys.get_ref() {
            OneOrMany::One(k) => vec![k.clone()],
            OneOrMany::Many(ks) => ks.clone(),
        };
        let binding = KeyBinding {
            command: Located {
                value: command.get_ref().clone(),
                file: path.to_path_buf(),
                line: cl,
                column: cc,
            },
            keys: Located {
                value: list,
                file: path.to_path_buf(),
                line: kl,
                column: kc,
            },
        };
        // A later file's entry for the same command replaces the earlier one.
        config
            .keys
            .retain(|k| k.command.value != binding.command.value);
        config.keys.push(binding);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        merge(&mut c, text, Path::new("/etc/drconsole/config.toml"))?;
        Ok(c)
    }

    #[test]
    fn every_documented_key_is_read() {
        let c = parse(
            "profile = \"lanrev-windows\"\nroot = \"/mnt/old\"\nbackups = [\"/srv/b\"]\n\
             state = \"/var/lib/x\"\ntheme = \"mono\"\nread_only = true\nexpiry_days = 45\n\
             rpo_hours = 48\nlog_file = \"/var/log/drconsole.log\"\nlog_level = \"debug\"\n\
             [keys]\nrestore = \"R\"\nquit = [\"q\", \"ctrl-c\"]\n",
        )
        .unwrap();
        assert_eq!(c.profile.as_deref(), Some("lanrev-windows"));
        assert_eq!(c.root, Some(PathBuf::from("/mnt/old")));
        assert_eq!(c.backups, Some(vec![PathBuf::from("/srv/b")]));
        assert_eq!(c.read_only, Some(true));
        assert_eq!(c.expiry_days, Some(45));
        assert_eq!(c.rpo_hours, Some(48));
        assert_eq!(c.log_level.as_deref(), Some("debug"));
        assert_eq!(c.keys.len(), 2);
        let quit = c.keys.iter().find(|k| k.command.value == "quit").unwrap();
        assert_eq!(quit.keys.value, vec!["q", "ctrl-c"]);
        assert_eq!((quit.command.line, quit.command.column), (13, 1));
    }

    #[test]
    fn unknown_key_names_file_line_and_column() {
        let err = parse("theme = \"mono\"\n  read_onyl = true\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("/etc/drconsole/config.toml"), "{err}");
        assert!(err.contains("line 2, column 3"), "{err}");
        assert!(err.contains("read_onyl"), "{err}");
    }

    #[test]
    fn wrong_type_and_relative_path_are_errors_with_position() {
        let err = parse("expiry_days = \"soon\"\n").unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
        let err = parse("\nroot = \"mnt/old\"\n").unwrap_err().to_string();
        assert!(err.contains("line 2, column 8"), "{err}");
        assert!(err.contains("absolute"), "{err}");
        let err = parse("rpo_hours = 0\n").unwrap_err().to_string();
        assert!(err.contains("at least 1"), "{err}");
    }

    #[test]
    fn a_later_file_overrides_an_earlier_one_key_by_key() {
        let mut c = Config::default();
        merge(
            &mut c,
            "read_only = true\ntheme = \"mono\"\n[keys]\nrestore = \"R\"\n",
            Path::new("/etc/a.toml"),
        )
        .unwrap();
        merge(
            &mut c,
            "theme = \"light\"\n[keys]\nrestore = \"X\"\n",
            Path::new("/home/a.toml"),
        )
        .unwrap();
        assert_eq!(c.read_only, Some(true));
        assert_eq!(c.theme.as_deref(), Some("light"));
        assert_eq!(c.keys.len(), 1);
        assert_eq!(c.keys[0].keys.value, vec!["X"]);
        assert_eq!(c.keys[0].keys.file, PathBuf::from("/home/a.toml"));
    }

    #[test]
    fn a_missing_file_is_skipped_unless_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.toml");
        assert!(
            load(std::slice::from_ref(&missing), false)
                .unwrap()
                .files
                .is_empty()
        );
        assert!(matches!(
            load(&[missing], true),
            Err(ConfigError::Read { .. })
        ));
    }
}
