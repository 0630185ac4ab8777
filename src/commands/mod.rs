//! The command-line face: one file per command, each turning arguments into a core call and
//! a rendering, and returning the process exit code.

mod backups;
mod check;
pub mod config;
pub mod console;
mod demo;
mod diff;
mod doctor;
pub mod dp;
mod fleet;
mod inspect;
mod journal;
pub mod log;
mod man;
mod output;
mod profiles;
mod restore;
mod runbook;
pub mod training;
mod undo;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::clock::Clock;
use crate::context::{Context, default_state_dir};
use anyhow::{Context as _, bail};

/// Exit code for usage errors (BSD sysexits `EX_USAGE`).
pub const EXIT_USAGE: i32 = 64;
/// Exit code when a check could not run (Nagios UNKNOWN).
pub const EXIT_UNKNOWN: i32 = 3;

/// Run the parsed command line and return the exit code.
pub fn run(mut cli: Cli) -> i32 {
    if !matches!(
        cli.command,
        Some(Command::Completions(_) | Command::Man | Command::Doctor(_))
    ) && let Err(e) = config::apply(&mut cli)
    {
        eprintln!("drconsole: {}", crate::escape::escape(&e.to_string()));
        return EXIT_USAGE;
    }
    if let Err(e) = log::init(&cli.global) {
        eprintln!("drconsole: {}", crate::escape::escape(&e.to_string()));
        return match e {
            log::LogError::Level(_) => EXIT_USAGE,
            log::LogError::Open { .. } => EXIT_UNKNOWN,
        };
    }
    let command = cli
        .command
        .as_ref()
        .map_or_else(|| "console".to_string(), command_name);
    let _span = tracing::info_span!("command", name = %command).entered();
    let result = match &cli.command {
        Some(Command::Check(args)) => check::run(&cli.global, args),
        Some(Command::Backups(args)) => backups::run(&cli.global, args),
        Some(Command::Diff(args)) => diff::run(&cli.global, args),
        Some(Command::Demo(args)) => demo::run(&cli.global, args),
        Some(Command::Profiles(args)) => profiles::run(args),
        Some(Command::Restore(args)) => restore::run(&cli.global, args),
        Some(Command::Undo(args)) => undo::run(&cli.global, args),
        Some(Command::Dp(args)) => dp::run(&cli.global, args),
        Some(Command::Journal(args)) => journal::run(&cli.global, args),
        Some(Command::Inspect(args)) => inspect::run(&cli.global, args),
        Some(Command::Runbook(args)) => runbook::run(&cli.global, args),
        Some(Command::Completions(args)) => man::completions(args.shell),
        Some(Command::Man) => man::page(),
        Some(Command::Fleet(args)) => fleet::run(&cli.global, args),
        Some(Command::Doctor(args)) => doctor::run(&cli, args),
        None => console::run(&cli.global),
    };
    if let Ok(code) = &result {
        tracing::info!(exit_code = *code, "finished");
    }
    match result {
        Ok(code) => code,
        Err(err) => {
            tracing::error!(error = %crate::escape::escape(&format!("{err:#}")), "failed");
            eprintln!("drconsole: {}", crate::escape::escape(&format!("{err:#}")));
            if err.downcast_ref::<UsageError>().is_some() {
                EXIT_USAGE
            } else {
                EXIT_UNKNOWN
            }
        }
    }
}

/// Why this run may not change files (for the refusal of a mutating command).
pub fn read_only_reason(g: &GlobalArgs) -> String {
    match &g.settings.read_only_from {
        Some(file) => format!(
            "the configuration {} sets read_only = true: add --write to change files",
            file.display()
        ),
        None => "--read-only refuses every action that changes files".to_string(),
    }
}

/// The command's name, for the log (`Check(..)` is `check`): no list to keep up to date.
fn command_name(command: &Command) -> String {
    let debug = format!("{command:?}");
    debug
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// A command line that cannot mean anything (exit 64), found after parsing.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The profile the global options name (the default one when none is given).
pub fn profile(g: &GlobalArgs) -> anyhow::Result<crate::profile::Profile> {
    let name = g
        .profile
        .as_deref()
        .unwrap_or(crate::profile::DEFAULT_PROFILE);
    let mut profile = crate::profile::load(name)?;
    if let Some(hours) = g.settings.rpo_hours {
        profile.rpo_hours = hours;
    }
    if let Some(days) = g.settings.expiry_days {
        profile.expiry_days = days;
    }
    Ok(profile)
}

/// Build the core's `Context` from the global options.
pub fn context(g: &GlobalArgs) -> anyhow::Result<Context> {
    let profile = profile(g)?;
    let given_root = g
        .root
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from("/"));
    let root = given_root.canonicalize().with_context(|| {
        format!(
            "root {} cannot be opened: give the folder the server's files are under with --root DIR",
            given_root.display()
        )
    })?;
    if !root.is_dir() {
        bail!("root {} is not a folder", root.display());
    }
    let mut ctx = Context::new(profile, root);
    for dir in &g.backups {
        let abs = dir.canonicalize().with_context(|| {
            format!(
                "backup folder {} cannot be opened: check the path given with --backups",
                dir.display()
            )
        })?;
        if !abs.is_dir() {
            return Err(UsageError(format!(
                "--backups {} is a file, not a folder: give the folder that holds the backup sets",
                dir.display()
            ))
            .into());
        }
        ctx.extra_backup_roots.push(abs);
    }
    // Absolute: the journal records its stash paths, and recovery trusts only absolute ones.
    let state = g.state.clone().unwrap_or_else(default_state_dir);
    ctx.state_dir = std::path::absolute(&state).with_context(|| {
        format!(
            "state folder {} cannot be located: give it with --state DIR",
            state.display()
        )
    })?;
    // Before anything reads the journal or the cache: never act on a state folder someone
    // else could have written.
    crate::state_dir::verify(&ctx.state_dir)?;
    if let Some(now) = &g.now {
        ctx.clock = Clock::parse_fixed(now).with_context(|| {
            format!("--now '{now}' is not an RFC 3339 instant such as 2026-11-22T08:00:00Z")
        })?;
    }
    ctx.hostname = g.hostname.clone();
    for (name, dir) in &g.repos {
        if ctx.repos.iter().any(|(n, _)| n == name) {
            return Err(UsageError(format!("--repo {name} is given twice")).into());
        }
        // Not canonicalised: a folder that is missing is a dead share, reported by the scan.
        let abs = if dir.is_absolute() {
            dir.clone()
        } else {
            ctx.root.join(dir)
        };
        ctx.repos.push((name.clone(), abs));
    }
    if let Some(file) = &g.pfx_password_file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the PKCS#12 password file {}", file.display()))?;
        ctx.pfx_password = Some(text.trim_end_matches(['\r', '\n']).to_string());
    }
    ctx.no_cache = g.no_cache;
    recover_at_startup(&ctx, g.read_only);
    Ok(ctx)
}

/// A progress sink for command-line runs: one self-overwriting line on stderr when stderr is a
/// terminal (never in JSON mode, never when piped, so logs and tests stay clean).
pub fn stderr_progress(quiet: bool) -> impl crate::inventory::ProgressSink {
    use std::io::{IsTerminal, Write};
    let live = !quiet && std::io::stderr().is_terminal();
    move |p: crate::inventory::Progress| {
        if !live {
            return;
        }
        let mut err = std::io::stderr().lock();
        if p.finished {
            let _ = write!(err, "\r\x1b[2K");
        } else {
            let label: String = p
                .label
                .chars()
                .rev()
                .take(60)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let _ = write!(
                err,
                "\r\x1b[2K{} {}/{} {} of {} {}",
                p.job,
                p.done,
                p.total,
                crate::report::format::bytes(p.bytes_done),
                crate::report::format::bytes(p.bytes_total),
                crate::escape::escape(&label)
            );
        }
        let _ = err.flush();
    }
}

/// Start-up recovery: roll back any transaction a crash left unfinished, before anything else
/// looks at the files. Never fails the command; what it did goes to stderr.
pub fn recover_at_startup(ctx: &Context, read_only: bool) {
    if read_only {
        // Recovery writes; in read-only mode only say that it is pending.
        let pending = crate::journal::Journal::of(ctx)
            .transactions()
            .map(|t| t.iter().filter(|t| t.unfinished()).count())
            .unwrap_or(0);
        if pending > 0 {
            eprintln!(
                "drconsole: {pending} interrupted transaction(s) wait to be rolled back; run without --read-only to recover"
            );
        }
        return;
    }
    match crate::journal::recover(ctx) {
        Ok(report) => {
            for line in report.lines() {
                eprintln!("drconsole: {}", crate::escape::escape(&line));
            }
        }
        Err(e) => eprintln!(
            "drconsole: start-up recovery could not read the journal: {}",
            crate::escape::escape(&e.to_string())
        ),
    }
}
