//! The console's demo and recording options (`--keys`, `--record`, `--show-keys`, `--size`,
//! `--exit-after-keys`, a tour's script): checked before the console starts, so a bad script
//! line, a size below the minimum or a cast that cannot be written is a usage error (exit 64)
//! and never a half-drawn screen.

use super::EXIT_USAGE;
use crate::cli::GlobalArgs;
use crate::tui::layout::{MIN_HEIGHT, MIN_WIDTH};
use crate::tui::record::Cast;
use crate::tui::script::{self, Script};
use crate::tui::{self, Show};

/// The in-memory terminal's size when `--size` is not given.
pub const DEFAULT_SIZE: (u16, u16) = (100, 30);

/// A key script from somewhere: a file (`--keys`) or a built-in tour.
pub struct ScriptSource<'a> {
    /// What to call it in messages (`key script x.keys`, `tour corrupt-db`).
    pub name: String,
    /// Its text.
    pub text: std::borrow::Cow<'a, str>,
}

/// Read and parse the options into a `Show`; `Err` carries the exit code after the message
/// was printed. `tour` is a built-in script (it cannot be combined with `--keys`).
pub fn prepare(g: &GlobalArgs, tour: Option<ScriptSource>, title: &str) -> Result<Show, i32> {
    let fail = |msg: String| {
        eprintln!("drconsole: {}", crate::escape::escape(&msg));
        EXIT_USAGE
    };
    let source = match (tour, &g.keys) {
        (Some(_), Some(_)) => {
            return Err(fail(
                "--keys and --tour both give a key script: choose one".into(),
            ));
        }
        (Some(t), None) => Some(t),
        (None, Some(path)) => Some(ScriptSource {
            name: format!("key script {}", path.display()),
            text: std::fs::read_to_string(path)
                .map_err(|e| {
                    fail(format!(
                        "cannot read the key script {}: {e}; give --keys a readable text file",
                        path.display()
                    ))
                })?
                .into(),
        }),
        (None, None) => None,
    };
    let script = source
        .map(|s| Script::parse(&s.text).map_err(|e| fail(format!("{}: {e}", s.name))))
        .transpose()?;
    let size = g
        .size
        .as_deref()
        .map(|s| {
            let (c, r) = script::parse_size(s).map_err(|e| fail(format!("--size {e}")))?;
            if c < MIN_WIDTH || r < MIN_HEIGHT {
                return Err(fail(format!(
                    "--size {c}x{r} is below the console's minimum of {MIN_WIDTH}x{MIN_HEIGHT}"
                )));
            }
            Ok((c, r))
        })
        .transpose()?;
    let tty = tui::terminal::has_tty();
    if size.is_some() && script.is_none() {
        return Err(fail(
            "--size sets the in-memory terminal a key script plays on: give --keys FILE (or demo --tour NAME)".into(),
        ));
    }
    // No terminal, or a size asked for: the script plays on an in-memory terminal.
    let headless = match &script {
        Some(_) if !tty || size.is_some() => Some(size.unwrap_or(DEFAULT_SIZE)),
        _ => None,
    };
    if g.record.is_some() && !tty && script.is_none() {
        return Err(fail(
            "--record without a terminal needs a key script to play: give --keys FILE (or demo --tour NAME)".into(),
        ));
    }
    let cast = match &g.record {
        None => None,
        Some(path) => {
            let (cols, rows) = match headless {
                Some(s) => s,
                None => crossterm::terminal::size().unwrap_or(DEFAULT_SIZE),
            };
            Some(Cast::create(path, cols, rows, title).map_err(|e| fail(e.to_string()))?)
        }
    };
    Ok(Show {
        presentation: tui::Presentation {
            show_keys: g.show_keys,
            ..Default::default()
        },
        script,
        exit_after_keys: g.exit_after_keys,
        cast,
        headless,
    })
}

/// The theme of a headless run: what the viewer's player draws, not what this machine's
/// `TERM` or locale say (so two machines record the same bytes). `--no-color`, `NO_COLOR`,
/// `--theme` and `--ascii` still apply.
pub fn headless_theme(g: &GlobalArgs) -> Result<tui::Theme, i32> {
    let no_colour = g.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = tui::theme::load(g.theme.as_deref(), no_colour).map_err(|e| {
        eprintln!("drconsole: {e}");
        EXIT_USAGE
    })?;
    Ok(theme.with_ascii(g.ascii))
}
