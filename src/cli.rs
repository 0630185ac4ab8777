//! The command-line contract (clap definitions). Flags here are public API: change them
//! only on purpose and record it in CHANGELOG.md.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Disaster-recovery console for LANrev / Absolute Manage servers (macOS and Windows profiles;
/// `drconsole profiles` lists them).
#[derive(Debug, Parser)]
#[command(name = "drconsole", version = env!("DRCONSOLE_VERSION"), long_about = None)]
pub struct Cli {
    /// Options shared by every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command; none opens the full-screen console.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options that say where and when drconsole works.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Built-in profile name or a profile TOML file [default: lanrev-macos]
    #[arg(long, global = true, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// Root the profile's paths are relative to (a live server is `/`, a mounted disk `/mnt/old`) [default: /]
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Another folder holding backup sets (repeatable)
    #[arg(long = "backups", global = true, value_name = "DIR")]
    pub backups: Vec<PathBuf>,
    /// State folder for the cache and the undo journal [default: /var/lib/drconsole as root]
    #[arg(long, global = true, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Console theme: built-in name or a theme TOML file
    #[arg(long, global = true, value_name = "NAME|FILE")]
    pub theme: Option<String>,
    /// Fix the clock for every age and expiry (RFC 3339, e.g. 2026-11-22T08:00:00Z)
    #[arg(long, global = true, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Host name to compare with the server certificate instead of this machine's
    #[arg(long, global = true, value_name = "NAME")]
    pub hostname: Option<String>,
    /// File holding the password of PKCS#12 (.pfx/.p12) files
    #[arg(long, global = true, value_name = "FILE")]
    pub pfx_password_file: Option<PathBuf>,
    /// Hide and refuse every action that changes files
    #[arg(long, global = true)]
    pub read_only: bool,
    /// No colours (also when NO_COLOR is set)
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Ignore cached check results and check everything again
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// Console: enable mouse (click to select, wheel to scroll)
    #[arg(long, global = true)]
    pub mouse: bool,
    /// Console: draw with ASCII only (also with LANG=C, a non-UTF-8 locale, TERM=vt100 or linux)
    #[arg(long, global = true)]
    pub ascii: bool,
    /// Read only this configuration file [default: /etc/drconsole/config.toml, then $XDG_CONFIG_HOME/drconsole/config.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Allow changes when the configuration sets read_only = true
    #[arg(long, global = true, conflicts_with = "read_only")]
    pub write: bool,
    /// Append a log of what drconsole does (with times and durations) to FILE
    #[arg(long, global = true, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
    /// Log level for --log-file: error, warn, info, debug, trace, or a RUST_LOG-style filter [default: info]
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// What the configuration files add (filled in after parsing, never from the command line).
    #[arg(skip)]
    pub settings: Settings,
}

/// What the configuration files say beyond defaults for the flags above.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The configuration files that were read.
    pub files: Vec<PathBuf>,
    /// Certificates expiring within this many days are `CERT_EXPIRING` (default 30).
    pub expiry_days: Option<u32>,
    /// Overrides the profile's recovery-point objective.
    pub rpo_hours: Option<u32>,
    /// The configuration file whose `read_only = true` made this run read-only (no `--write`).
    pub read_only_from: Option<PathBuf>,
    /// The console's keymap with the configuration's `[keys]` applied, when it has any.
    pub keymap: Option<&'static [crate::tui::keymap::Binding]>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan everything and print findings (exit 0 ok, 1 warning, 2 error, 3 could not run)
    Check(CheckArgs),
    /// List backup sets with verdicts, newest first, the recommended one marked
    Backups(JsonArg),
    /// Compare a backup set with the live server, component by component (exit 0 identical, 1 different, 2 error)
    Diff(DiffArgs),
    /// Build a demo installation (and open the console on it)
    Demo(DemoArgs),
    /// List the built-in profiles
    Profiles(JsonArg),
    /// Restore components from a backup set as one journaled, undoable transaction
    Restore(RestoreArgs),
    /// Revert the last (or given) committed transaction; undoing an undo redoes
    Undo(UndoArgs),
    /// List the undo journal's transactions, or free old stashes
    Journal(JournalArgs),
    /// Say what files are (SQL Server backup, SQLite, PKCS#12, certificate, key, plist) and whether they are whole (exit 0 whole, 1 not a backup/unverified, 2 damaged)
    Inspect(InspectArgs),
    /// Print a shell completion script (bash, zsh or fish) to stdout
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to stdout
    Man,
    /// One table of many servers' `check --json` reports: host, worst finding, recommended set age, certificates expiring
    Fleet(FleetArgs),
    /// Print every path drconsole uses, the profile, terminal, server and state-folder facts, and problems found (for bug reports)
    Doctor(JsonArg),
}

/// Options of `fleet`.
#[derive(Debug, Clone, Args)]
pub struct FleetArgs {
    /// `check --json` reports, one per server
    #[arg(value_name = "REPORT.json", required = true)]
    pub reports: Vec<PathBuf>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// Options of `completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Shells `completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// GNU Bash
    Bash,
    /// Z shell
    Zsh,
    /// fish
    Fish,
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum CheckFormat {
    /// The human report
    #[default]
    Text,
    /// One JSON object (same as --json)
    Json,
    /// One Nagios/Icinga plugin status line with perfdata
    Nagios,
    /// OpenMetrics text for the Prometheus textfile collector
    Openmetrics,
}

/// Options of `inspect`.
#[derive(Debug, Clone, Args)]
pub struct InspectArgs {
    /// Files to inspect
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<std::path::PathBuf>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// Options of `restore`.
#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// Components: database:NAME, certificates:NAME, settings:NAME, folder:NAME, or the groups
    /// databases, certificates, settings, folders, all
    #[arg(required = true, value_name = "COMPONENT")]
    pub components: Vec<String>,
    /// Backup set to restore from [default: the recommended set]
    #[arg(long, value_name = "ID")]
    pub set: Option<String>,
    /// Print the plan and its preconditions; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (required without a terminal)
    #[arg(long)]
    pub yes: bool,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// Options of `undo`.
#[derive(Debug, Clone, Args)]
pub struct UndoArgs {
    /// Transaction id or number [default: the last committed one]
    #[arg(value_name = "TXID")]
    pub txid: Option<String>,
    /// Print the plan and its preconditions; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (required without a terminal)
    #[arg(long)]
    pub yes: bool,
    /// Undo even over files changed since the commit (their content is stashed, not lost)
    #[arg(long)]
    pub force: bool,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// Options of `journal`.
#[derive(Debug, Clone, Args)]
pub struct JournalArgs {
    /// What to do; none lists the transactions
    #[command(subcommand)]
    pub action: Option<JournalAction>,
    /// Print JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,
}

/// Sub-actions of `journal`.
#[derive(Debug, Clone, Subcommand)]
pub enum JournalAction {
    /// Free the stashes of all but the newest N transactions (they can no longer be undone)
    Prune {
        /// How many of the newest transactions stay undoable
        #[arg(long, value_name = "N")]
        keep: usize,
        /// Do not ask for confirmation (required without a terminal)
        #[arg(long)]
        yes: bool,
    },
}

/// `--json`.
#[derive(Debug, Clone, Args)]
pub struct JsonArg {
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// Options of `check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Print one JSON object instead of text (same as --format json)
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Output format
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<CheckFormat>,
    /// Write the report to FILE atomically (temporary file in the same folder, then rename)
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Completeness and quick checks only (no full integrity check)
    #[arg(long, conflicts_with = "full")]
    pub quick: bool,
    /// Full integrity check of every database and set, content hashes of payloads
    #[arg(long)]
    pub full: bool,
}

impl CheckArgs {
    /// The format asked for: `--json` is a synonym of `--format json`.
    pub fn format(&self) -> CheckFormat {
        if self.json {
            CheckFormat::Json
        } else {
            self.format.unwrap_or_default()
        }
    }
}

/// Options of `diff`.
#[derive(Debug, Clone, Args)]
pub struct DiffArgs {
    /// Components: database:NAME, settings:NAME, certificates:NAME, folder:NAME, dp:NAME, or a group (databases, certificates, settings, folders, all)
    #[arg(required = true, value_name = "COMPONENT")]
    pub components: Vec<String>,
    /// Backup set id to compare with [default: the recommended set]
    #[arg(long, value_name = "ID")]
    pub set: Option<String>,
    /// Print one JSON object instead of text
    #[arg(long)]
    pub json: bool,
    /// Changed, added and removed rows shown per table
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub sample: usize,
    /// Show changed text files (scripts) as unified line diffs
    #[arg(long)]
    pub unified: bool,
}

/// Options of `demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// What to do; none builds a demo in a temporary folder and opens the console on it
    #[command(subcommand)]
    pub action: Option<DemoAction>,
    /// Scenario to build (see `drconsole demo list`)
    #[arg(long, global = true, default_value = "corrupt-db")]
    pub scenario: String,
    /// Seed for the generator (same seed, same bytes)
    #[arg(long, global = true, default_value_t = 1)]
    pub seed: u64,
    /// Approximate size in MiB of the big databases (for benchmarks)
    #[arg(long, global = true, value_name = "N")]
    pub db_size_mb: Option<u64>,
}

/// Sub-actions of `demo`.
#[derive(Debug, Clone, Subcommand)]
pub enum DemoAction {
    /// Write a demo installation into DIR (created if missing, must be empty)
    Init {
        /// Target folder
        dir: PathBuf,
    },
    /// List the scenarios
    List,
}
