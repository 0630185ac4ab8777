//! `drconsole` with no command: open the full-screen console (also used by `demo`).
//! Checks the terminal and the theme first, so every refusal is a clear message, not a mess.

use super::EXIT_USAGE;
use crate::cli::GlobalArgs;
use crate::context::Context;
use crate::tui;

/// Open the console on the installation the global options describe.
pub fn run(g: &GlobalArgs) -> anyhow::Result<i32> {
    let show = match super::training::prepare(g, None, "drconsole") {
        Ok(show) => show,
        Err(code) => return Ok(code),
    };
    let theme = if show.headless.is_some() {
        super::training::headless_theme(g)
    } else {
        preflight(g)
    };
    let theme = match theme {
        Ok(theme) => theme,
        Err(code) => return Ok(code),
    };
    let ctx = super::context(g)?;
    open(ctx, g, theme, show)
}

/// What must hold before anything is built or scanned: a loadable theme and a terminal.
/// `Err` carries the exit code after the message was printed.
pub fn preflight(g: &GlobalArgs) -> Result<tui::Theme, i32> {
    let env = |k: &str| std::env::var(k).ok();
    if env("TERM").as_deref() == Some("dumb") {
        eprintln!(
            "drconsole: TERM=dumb cannot draw the console (no cursor movement); \
             for a report use `drconsole check` (or `drconsole check --json`)"
        );
        return Err(EXIT_USAGE);
    }
    let no_colour = g.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = tui::theme::load(g.theme.as_deref(), no_colour).map_err(|e| {
        eprintln!("drconsole: {e}");
        EXIT_USAGE
    })?;
    let theme = if tui::theme::has_256_colours(&env) {
        theme
    } else {
        theme.with_16_colours()
    };
    let theme = theme.with_ascii(tui::ascii::wanted(g.ascii, &env));
    if !tui::terminal::has_tty() {
        eprintln!(
            "drconsole: the console needs a terminal, and stdin or stdout is not one; \
             for a report use `drconsole check` (or `drconsole check --json`)"
        );
        return Err(EXIT_USAGE);
    }
    Ok(theme)
}

/// Open the console on `ctx`, styled and restricted by the global options, with what `show`
/// adds for demos and recordings.
pub fn open(
    ctx: Context,
    g: &GlobalArgs,
    theme: tui::Theme,
    show: tui::Show,
) -> anyhow::Result<i32> {
    if let Some(map) = g.settings.keymap {
        tui::remap::install(map);
    }
    let opts = tui::Options {
        profile: ctx.profile.name.clone(),
        root: ctx.root.clone(),
        hostname: ctx.hostname.clone(),
        fixed_now: ctx.clock.fixed_at(),
        rpo_hours: f64::from(ctx.profile.rpo_hours),
        read_only: g.read_only,
        mouse: g.mouse,
        theme,
        journal: crate::report::journal_line::journal_state(&ctx),
    };
    tui::run(ctx, opts, show)
}
