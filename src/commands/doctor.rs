//! `drconsole doctor`: every path drconsole uses, the profile it resolves, terminal facts, the
//! server's process state, free space, the state folder's permissions and the problems found —
//! what a bug report needs. It reads and reports; it never creates or repairs anything, and it
//! runs even when the configuration is broken (that is one of the problems it reports).

use crate::cli::{Cli, JsonArg};
use crate::escape::{escape, path};
use crate::units::bytes;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One section of the report: labelled facts in order.
#[derive(Debug, Serialize)]
struct Section {
    name: &'static str,
    facts: Vec<(String, String)>,
}

/// The whole report.
#[derive(Debug, Serialize)]
struct Report {
    version: &'static str,
    commit: &'static str,
    target: &'static str,
    sections: Vec<Section>,
    problems: Vec<String>,
}

impl Report {
    fn section(&mut self, name: &'static str) -> &mut Vec<(String, String)> {
        self.sections.push(Section {
            name,
            facts: Vec::new(),
        });
        &mut self.sections.last_mut().expect("just pushed").facts
    }
}

fn fact(facts: &mut Vec<(String, String)>, label: &str, value: impl Into<String>) {
    facts.push((label.to_string(), value.into()));
}

/// Run `doctor`: exit 0 when no problem was found, 1 otherwise.
pub fn run(cli: &Cli, args: &JsonArg) -> anyhow::Result<i32> {
    let mut report = Report {
        version: env!("CARGO_PKG_VERSION"),
        commit: env!("DRCONSOLE_COMMIT"),
        target: env!("DRCONSOLE_TARGET"),
        sections: Vec::new(),
        problems: Vec::new(),
    };
    let mut problems = Vec::new();

    // Configuration: every file looked at, then the options as they come out of it.
    let mut cli_after = Cli {
        global: cli.global.clone(),
        command: None,
    };
    let (files, must_exist) = super::config::files(cli);
    let facts = report.section("configuration");
    for file in &files {
        let state = match std::fs::symlink_metadata(file) {
            Ok(_) => "read",
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => "not present",
            Err(_) => "cannot be read",
        };
        fact(facts, "file", format!("{} ({state})", path(file)));
    }
    if let Err(e) = super::config::apply(&mut cli_after) {
        problems.push(format!("configuration: {e}"));
    }
    let g = &cli_after.global;
    if g.read_only {
        let why = match &g.settings.read_only_from {
            Some(file) => format!("yes (read_only = true in {})", path(file)),
            None => "yes (--read-only)".into(),
        };
        fact(facts, "read-only", why);
    }

    // Paths.
    let state = g
        .state
        .clone()
        .unwrap_or_else(crate::context::default_state_dir);
    let facts = report.section("paths");
    fact(facts, "state", path(&state));
    fact(facts, "journal", path(&state.join("journal")));
    fact(facts, "cache", path(&state.join("cache")));
    fact(
        facts,
        "user config",
        crate::config::user_dir().map_or("(no HOME)".into(), |d| path(&d)),
    );
    fact(
        facts,
        "themes",
        crate::tui::theme::user_dir().map_or("(no HOME)".into(), |d| path(&d)),
    );
    fact(
        facts,
        "log file",
        g.log_file.as_deref().map_or("(none)".into(), path),
    );
    let root = g.root.clone().unwrap_or_else(|| PathBuf::from("/"));
    fact(facts, "root", path(&root));
    if !root.is_dir() {
        problems.push(format!("root {} is not a folder", path(&root)));
    }

    // Profile.
    let facts = report.section("profile");
    let profile = super::profile(g);
    match &profile {
        Ok(p) => {
            fact(facts, "name", p.name.clone());
            fact(facts, "product", format!("{} ({})", p.product, p.platform));
            fact(facts, "rpo", format!("{} h", p.rpo_hours));
            fact(
                facts,
                "certificate expiry window",
                format!("{} days", p.expiry_days),
            );
            fact(facts, "server processes", p.processes.join(", "));
        }
        Err(e) => problems.push(format!("profile: {e:#}")),
    }
    if let Ok(p) = &profile {
        let mut roots: Vec<PathBuf> = p.backups.roots.iter().map(|r| root.join(r)).collect();
        roots.extend(g.backups.iter().cloned());
        for r in roots {
            let there = if r.is_dir() { "" } else { " (missing)" };
            fact(facts, "backup root", format!("{}{there}", path(&r)));
        }
    }

    // The server.
    let facts = report.section("server");
    fact(
        facts,
        "host name",
        g.hostname
            .clone()
            .or_else(|| sysinfo::System::host_name().ok())
            .map_or("(unknown)".into(), |h| escape(&h).into_owned()),
    );
    if let Ok(p) = &profile {
        let running = crate::inventory::host::running_processes(&p.processes);
        fact(
            facts,
            "process",
            if running.is_empty() {
                "not running".to_string()
            } else {
                running
                    .iter()
                    .map(|r| format!("{} (pid {})", escape(&r.name), r.pid))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        );
    }
    for (label, at) in [("free space (root)", &root), ("free space (state)", &state)] {
        let probe = nearest_existing(at);
        fact(
            facts,
            label,
            crate::inventory::host::free_space(&probe).map_or("unknown".into(), |n| {
                format!("{} on {}", bytes(n), path(&probe))
            }),
        );
    }

    // The state folder: it must be trusted, or every command refuses.
    let facts = report.section("state folder");
    for dir in [state.clone(), state.join("journal"), state.join("cache")] {
        fact(facts, &path(&dir), describe_entry(&dir));
    }
    if let Err(e) = crate::state_dir::verify(&state) {
        problems.push(format!("state folder: {e}"));
    }

    // Terminal.
    let env = |k: &str| std::env::var(k).ok();
    let facts = report.section("terminal");
    for var in [
        "TERM",
        "COLORTERM",
        "LANG",
        "LC_ALL",
        "LC_CTYPE",
        "NO_COLOR",
        "TMUX",
    ] {
        if let Some(v) = env(var) {
            fact(facts, var, escape(&v).into_owned());
        }
    }
    let tty = crate::tui::terminal::has_tty();
    fact(
        facts,
        "terminal",
        if tty {
            "yes"
        } else {
            "no (stdin or stdout is not one)"
        },
    );
    if tty && let Ok((w, h)) = crossterm::terminal::size() {
        fact(facts, "size", format!("{w}×{h}"));
        if w < 60 || h < 16 {
            problems.push(format!("the terminal is {w}×{h}; the console needs 60×16"));
        }
    }
    let colours = if g.no_color || env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        "none (NO_COLOR or --no-color)"
    } else if crate::tui::theme::has_256_colours(&env) {
        "256 or true colour"
    } else {
        "16 ANSI colours"
    };
    fact(facts, "colours", colours);
    let ascii = crate::tui::ascii::wanted(g.ascii, &env);
    fact(
        facts,
        "UTF-8",
        if ascii {
            "no: the console draws with ASCII"
        } else {
            "yes"
        },
    );
    if env("TERM").as_deref() == Some("dumb") {
        problems.push("TERM=dumb cannot draw the console; use drconsole check".into());
    }
    if let Err(e) = crate::tui::theme::load(g.theme.as_deref(), false) {
        problems.push(format!("theme: {e}"));
    }

    report.problems = problems;
    if args.json {
        println!("{}", crate::escape::json(&report)?);
    } else {
        print!("{}", text(&report));
    }
    Ok(if report.problems.is_empty() { 0 } else { 1 })
}

fn text(report: &Report) -> String {
    let mut out = format!(
        "drconsole {} (commit {}, {})\n",
        report.version, report.commit, report.target
    );
    for s in &report.sections {
        out.push_str(&format!("\n{}\n", s.name));
        let width = s
            .facts
            .iter()
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0);
        for (label, value) in &s.facts {
            let pad = width - label.chars().count();
            out.push_str(&format!("  {label}{}  {value}\n", " ".repeat(pad)));
        }
    }
    out.push_str("\nproblems\n");
    if report.problems.is_empty() {
        out.push_str("  none found\n");
    }
    for p in &report.problems {
        out.push_str(&format!("  - {}\n", escape(p)));
    }
    out
}

/// Owner, mode and kind of an entry, without following a link.
fn describe_entry(p: &Path) -> String {
    match std::fs::symlink_metadata(p) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            "missing (created 0700 on first use)".into()
        }
        Err(e) => format!("cannot be inspected: {e}"),
        Ok(m) => {
            let kind = if m.file_type().is_symlink() {
                "link"
            } else if m.is_dir() {
                "folder"
            } else {
                "file"
            };
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                format!(
                    "{kind}, owner uid {}, mode {:04o}",
                    m.uid(),
                    m.mode() & 0o7777
                )
            }
            #[cfg(not(unix))]
            {
                kind.to_string()
            }
        }
    }
}

/// The path itself or its nearest existing ancestor (free space of a folder not made yet).
fn nearest_existing(p: &Path) -> PathBuf {
    let mut at = p.to_path_buf();
    while !at.exists() {
        match at.parent() {
            Some(parent) => at = parent.to_path_buf(),
            None => break,
        }
    }
    at
}
