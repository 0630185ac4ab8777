//! Lays the configuration files over the parsed command line: a flag given always wins, the
//! files fill in what was not given. A malformed file stops every command (exit 64) except
//! `doctor`, which reports it.

use crate::cli::{Cli, Command, Settings};
use crate::config::{self, Config, ConfigError};
use crate::tui::keymap::Binding;

/// The configuration files this command line reads, and whether they must exist.
pub fn files(cli: &Cli) -> (Vec<std::path::PathBuf>, bool) {
    match &cli.global.config {
        Some(file) => (vec![file.clone()], true),
        None => (config::default_files(), false),
    }
}

/// Read the configuration and fill in what the command line left out.
pub fn apply(cli: &mut Cli) -> Result<(), ConfigError> {
    let (files, must_exist) = files(cli);
    let config = config::load(&files, must_exist)?;
    let keymap = keymap(&config)?;
    // A demo builds its own installation: the site's root, backups and state are not its own.
    let demo = matches!(cli.command, Some(Command::Demo(_)));
    let g = &mut cli.global;
    if !demo {
        if g.profile.is_none() {
            g.profile = config.profile.clone();
        }
        if g.root.is_none() {
            g.root = config.root.clone();
        }
        if g.backups.is_empty()
            && let Some(backups) = &config.backups
        {
            g.backups = backups.clone();
        }
        if g.state.is_none() {
            g.state = config.state.clone();
        }
    }
    if g.theme.is_none() {
        g.theme = config.theme.clone();
    }
    let mut read_only_from = None;
    if config.read_only == Some(true) && !g.write && !g.read_only {
        g.read_only = true;
        read_only_from = config.read_only_file.clone();
    }
    if g.log_file.is_none() {
        g.log_file = config.log_file.clone();
    }
    if g.log_level.is_none() {
        g.log_level = config.log_level.clone();
    }
    g.settings = Settings {
        files: config.files,
        expiry_days: config.expiry_days,
        rpo_hours: config.rpo_hours,
        read_only_from,
        keymap,
    };
    Ok(())
}

/// The console keymap with the configuration's `[keys]` applied; an error points at the entry.
pub fn keymap(config: &Config) -> Result<Option<&'static [Binding]>, ConfigError> {
    if config.keys.is_empty() {
        return Ok(None);
    }
    let entries: Vec<(String, Vec<String>)> = config
        .keys
        .iter()
        .map(|k| (k.command.value.clone(), k.keys.value.clone()))
        .collect();
    crate::tui::remap::remap(&entries).map(Some).map_err(|e| {
        let entry = &config.keys[e.entry];
        if e.about_command {
            entry.command.error(e.message)
        } else {
            entry.keys.error(e.message)
        }
    })
}
