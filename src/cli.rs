//! The command-line contract (clap definitions). Flags here are public API: change them
//! only on purpose and record it in CHANGELOG.md.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Disaster-recovery console for LANrev / Absolute Manage and McAfee ePO servers
/// (`drconsole profiles` lists the built-in profiles).
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
    /// A repository to verify and sync (ePO): NAME=DIR, DIR absolute or relative to --root (repeatable)
    #[arg(long = "repo", global = true, value_name = "NAME=DIR", value_parser = parse_repo)]
    pub repos: Vec<(String, PathBuf)>,
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
    /// Console: play a key script first (see docs/training.md); headless without a terminal
    #[arg(long, global = true, value_name = "FILE")]
    pub keys: Option<PathBuf>,
    /// Console: quit when the key script ends (the default without a terminal)
    #[arg(long, global = true)]
    pub exit_after_keys: bool,
    /// Console: record the frames as an asciicast v2 file (asciinema, agg)
    #[arg(long, global = true, value_name = "FILE.cast")]
    pub record: Option<PathBuf>,
    /// Console: show the last keys pressed in a corner box
    #[arg(long, global = true)]
    pub show_keys: bool,
    /// Console: play the key script headless on an in-memory terminal of this size [default: 100x30]
    #[arg(long, global = true, value_name = "COLSxROWS")]
    pub size: Option<String>,
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

/// `NAME=DIR` of `--repo`: a plain name (no `/`, `\\`, `:`) and a non-empty folder.
fn parse_repo(s: &str) -> Result<(String, PathBuf), String> {
    let (name, dir) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}' is not NAME=DIR"))?;
    let name = name.trim();
    if !crate::epo::replica::is_plain_name(name) {
        return Err(format!(
            "repository name '{name}' must be non-empty, without '/', '\\' or ':'"
        ));
    }
    if dir.is_empty() {
        return Err(format!("repository {name} has no folder: give NAME=DIR"));
    }
    Ok((name.to_string(), PathBuf::from(dir)))
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
    /// Distribution points: list, promote, retire, add, sync (each change journaled and undoable)
    Dp(DpArgs),
    /// List the undo journal's transactions, or free old stashes
    Journal(JournalArgs),
    /// Say what files are (SQL Server backup, SQLite, PKCS#12, certificate, key, plist) and whether they are whole (exit 0 whole, 1 not a backup/unverified, 2 damaged)
    Inspect(InspectArgs),
    /// The product's recovery steps in the vendor's order and their state; mark steps done or skipped
    Runbook(RunbookArgs),
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

/// Options of `dp`.
#[derive(Debug, Clone, Args)]
pub struct DpArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: DpCommand,
}

/// Options shared by the `dp` commands that change something.
#[derive(Debug, Clone, Args)]
pub struct DpChangeArgs {
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

/// The `dp` commands.
#[derive(Debug, Clone, Subcommand)]
pub enum DpCommand {
    /// Every definition with role, address, payload folder, reachability and sync state, and the best master
    List(JsonArg),
    /// Make NAME the only master (the server must be stopped)
    Promote {
        /// The point to promote
        #[arg(value_name = "NAME")]
        name: String,
        /// Promote even when its payload lacks files other points hold (recorded in the journal)
        #[arg(long)]
        force: bool,
        /// Dry run, confirmation, output
        #[command(flatten)]
        change: DpChangeArgs,
    },
    /// Delete a dead point's definition (its files are not touched)
    Retire {
        /// The point to retire
        #[arg(value_name = "NAME")]
        name: String,
        /// Retire even the only master
        #[arg(long)]
        force: bool,
        /// Dry run, confirmation, output
        #[command(flatten)]
        change: DpChangeArgs,
    },
    /// Define a new point (a replacement mirror, or with --master the new master)
    Add {
        /// The new point's name
        #[arg(value_name = "NAME")]
        name: String,
        /// Its network address
        #[arg(long, value_name = "A")]
        address: String,
        /// Its payload folder as reachable from this machine (beneath the root)
        #[arg(long, value_name = "P")]
        path: PathBuf,
        /// Make it the only master
        #[arg(long)]
        master: bool,
        /// Dry run, confirmation, output
        #[command(flatten)]
        change: DpChangeArgs,
    },
    /// Bring mirrors' payload folders up to the master (or --from): copy missing or changed files, stash the rest
    Sync {
        /// The points to bring up to date
        #[arg(required = true, value_name = "NAME")]
        names: Vec<String>,
        /// Source: a point's name or a folder [default: the master]
        #[arg(long, value_name = "NAME|DIR")]
        from: Option<String>,
        /// Compare files by content, not by size and time
        #[arg(long)]
        full: bool,
        /// Dry run, confirmation, output
        #[command(flatten)]
        change: DpChangeArgs,
    },
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

/// Options of `runbook`.
#[derive(Debug, Clone, Args)]
pub struct RunbookArgs {
    /// What to do; none prints the steps with their state
    #[command(subcommand)]
    pub action: Option<RunbookAction>,
    /// Print JSON instead of text
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print a Markdown check list (for the incident ticket)
    #[arg(long)]
    pub markdown: bool,
    /// Completeness and quick checks only (no full integrity check)
    #[arg(long, conflicts_with = "full")]
    pub quick: bool,
    /// Full integrity check of every database and set
    #[arg(long)]
    pub full: bool,
}

/// Sub-actions of `runbook`.
#[derive(Debug, Clone, Subcommand)]
pub enum RunbookAction {
    /// Record that a step was done or skipped (or clear the mark), as a journal entry
    Mark {
        /// The step's id (see `drconsole runbook`)
        #[arg(value_name = "ID")]
        id: String,
        /// The step was done
        #[arg(long, group = "mark", required_unless_present_any = ["skip", "clear"])]
        done: bool,
        /// The step was deliberately not done (needs --note saying why)
        #[arg(long, group = "mark")]
        skip: bool,
        /// The earlier mark no longer holds
        #[arg(long, group = "mark")]
        clear: bool,
        /// What was done, or why it was skipped
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Print a step's command or SQL alone (or write it to a file)
    Show {
        /// The step's id
        #[arg(value_name = "ID")]
        id: String,
        /// Write it to FILE (atomically; an existing file is never replaced)
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
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
    /// Play a guided tour of its scenario (`--tour list` lists them)
    #[arg(long, value_name = "NAME")]
    pub tour: Option<String>,
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
