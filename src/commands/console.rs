//! `drconsole` with no command: open the full-screen console (also used by `demo`).
//! Checks the terminal and the theme first, so every refusal is a clear message, not a mess.

use super::EXIT_USAGE;
use crate::cli::GlobalArgs;
use crate::context::Context;
use crate::tui;

/// Open the console on the installation the global options describe.
pub fn run(g: &GlobalArgs) -> anyhow::Result<i32> {
    let theme = match preflight(g) {
        Ok(theme) => theme,
        Err(code) => return Ok(code),
    };
    let ctx = super::context(g)?;
    open(ctx, g, theme)
}

/// What must hold before anything is built or scanned: a loadable theme and a terminal.
/// `Err` carries the exit code after the message was printed.
pub fn preflight(g: &GlobalArgs) -> Result<tui::Theme, i32> {
    let no_colour = g.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = tui::theme::load(g.theme.as_deref(), no_colour).map_err(|e| {
        eprintln!("drconsole: {e}");
        EXIT_USAGE
    })?;
    if !tui::terminal::has_tty() {
        eprintln!(
            "drconsole: the console needs a terminal, and stdin or stdout is not one; \
             for a report use `drconsole check` (or `drconsole check --json`)"
        );
        return Err(EXIT_USAGE);
    }
    Ok(theme)
}

/// Open the console on `ctx`, styled and restricted by the global options.
pub fn open(ctx: Context, g: &GlobalArgs, theme: tui::Theme) -> anyhow::Result<i32> {
    let opts = tui::Options {
        profile: ctx.profile.name.clone(),
        root: ctx.root.clone(),
        hostname: ctx.hostname.clone(),
        fixed_now: ctx.clock.fixed_at(),
        rpo_hours: f64::from(ctx.profile.rpo_hours),
        read_only: g.read_only,
        mouse: g.mouse,
        theme,
        journal: journal_state(&ctx),
    };
    tui::run(ctx, opts)
}

/// The journal line of the header: the newest transaction and whether it can be undone.
/// Read here, before the screen opens, so the console itself never touches the disk.
pub fn journal_state(ctx: &Context) -> String {
    let journal = crate::journal::Journal::of(ctx);
    match crate::journal::list(&journal) {
        Err(e) => format!("unreadable: {e}"),
        Ok(list) => match list.first() {
            None => "no transactions".into(),
            Some(tx) => describe(tx),
        },
    }
}

fn describe(tx: &crate::journal::TxSummary) -> String {
    use crate::journal::TxState;
    let seq = tx.id.split('-').next().unwrap_or(&tx.id);
    let what = match (&tx.set, &tx.undoes) {
        (Some(set), _) => format!("{} from {set}", tx.action),
        (None, Some(undone)) => format!(
            "{} of {}",
            tx.action,
            undone.split('-').next().unwrap_or(undone)
        ),
        _ => tx.action.clone(),
    };
    let undo = if matches!(tx.state, TxState::Committed | TxState::Damaged) && !tx.pruned {
        ", undo available"
    } else {
        ""
    };
    format!("#{seq} {what} {}{undo}", tx.state.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{TxState, TxSummary};

    fn tx(state: TxState, pruned: bool) -> TxSummary {
        TxSummary {
            id: "0003-20261122T080000Z".into(),
            at: chrono::DateTime::UNIX_EPOCH,
            action: "restore".into(),
            set: Some("2026-11-21 02-00-00".into()),
            undoes: None,
            components: vec!["database:ServerDatabase".into()],
            root: "/".into(),
            state,
            undone_by: None,
            steps: 3,
            bytes_written: 0,
            bytes_stashed: 0,
            pruned,
            reason: None,
            damage: None,
        }
    }

    #[test]
    fn header_says_the_last_transaction_and_whether_it_can_be_undone() {
        assert_eq!(
            describe(&tx(TxState::Committed, false)),
            "#0003 restore from 2026-11-21 02-00-00 committed, undo available"
        );
        assert_eq!(
            describe(&tx(TxState::Committed, true)),
            "#0003 restore from 2026-11-21 02-00-00 committed"
        );
        assert_eq!(
            describe(&tx(TxState::RolledBack, false)),
            "#0003 restore from 2026-11-21 02-00-00 rolled back"
        );
    }

    #[test]
    fn an_empty_state_folder_has_no_transactions() {
        let dir = tempfile::tempdir().expect("temp dir");
        let profile = crate::profile::load("lanrev-macos").expect("built-in profile");
        let mut ctx = Context::new(profile, dir.path());
        ctx.state_dir = dir.path().join("state");
        assert_eq!(journal_state(&ctx), "no transactions");
    }
}
