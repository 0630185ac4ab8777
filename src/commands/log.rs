//! `--log-file`: what drconsole did, with times and durations, appended to a file through
//! `tracing`. Scans, checks and journal steps open spans; their close lines carry how long they
//! took. Only paths, names, states and counts are logged — never file contents or key material.

use crate::cli::GlobalArgs;
use std::path::Path;
use tracing_subscriber::fmt::format::FmtSpan;

/// The plain levels `--log-level` takes; anything else must be a `RUST_LOG`-style filter
/// (`target=level,...`).
const LEVELS: &[&str] = &["off", "error", "warn", "info", "debug", "trace"];

/// Why logging could not start.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The level or filter is not one `tracing` understands.
    #[error(
        "log level '{0}' is not error, warn, info, debug, trace or off, nor a RUST_LOG-style filter such as drconsole=debug"
    )]
    Level(String),
    /// The log file cannot be opened for appending.
    #[error(
        "cannot open the log file {path} for appending: {source} (it must be a regular file, not a link)"
    )]
    Open {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Start logging to `--log-file` when one is given (from the flag or the configuration).
/// The level comes from `--log-level`, else the configuration, else `RUST_LOG`, else `info`.
pub fn init(g: &GlobalArgs) -> Result<(), LogError> {
    let Some(path) = &g.log_file else {
        return Ok(());
    };
    let level = g
        .log_level
        .clone()
        .or_else(|| std::env::var("RUST_LOG").ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "info".to_string());
    let filter = filter(&level)?;
    let file = open_append(path).map_err(|source| LogError::Open {
        path: path.clone(),
        source,
    })?;
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .with_thread_names(true)
        .with_span_events(FmtSpan::CLOSE)
        .finish();
    // A second call (the console re-entering from `demo`) keeps the first subscriber.
    let _ = tracing::subscriber::set_global_default(subscriber);
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        pid = std::process::id(),
        "drconsole started"
    );
    Ok(())
}

/// A `tracing` filter from a plain level or a `RUST_LOG`-style directive list.
pub fn filter(level: &str) -> Result<tracing_subscriber::EnvFilter, LogError> {
    let plain = LEVELS.contains(&level.to_ascii_lowercase().as_str());
    if !plain && !level.contains('=') {
        return Err(LogError::Level(level.to_string()));
    }
    tracing_subscriber::EnvFilter::try_new(level).map_err(|_| LogError::Level(level.to_string()))
}

/// Open `path` for appending, created 0600, never through a symbolic link: drconsole often
/// runs as root, and a link planted at the log's path must not redirect its writes.
fn open_append(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_levels_and_directives_are_accepted_and_typos_are_not() {
        for ok in [
            "info",
            "DEBUG",
            "off",
            "drconsole=debug",
            "warn,drconsole::journal=trace",
        ] {
            assert!(filter(ok).is_ok(), "{ok}");
        }
        for bad in ["inf", "verbose", ""] {
            assert!(filter(bad).is_err(), "{bad}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_log_is_never_opened_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, "x").unwrap();
        let link = dir.path().join("log");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(open_append(&link).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "x");
        let fresh = dir.path().join("fresh.log");
        open_append(&fresh).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
