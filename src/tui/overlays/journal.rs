//! The journal view (`J`): every transaction, newest first, with its time, action, components,
//! state and the bytes its stash holds.

use crate::journal::{TxState, TxSummary};
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets;
use ratatui::text::{Line, Span};
use std::path::Path;

/// The journal overlay's state.
#[derive(Debug, Clone)]
pub struct JournalState {
    /// Job reading it; older results are ignored.
    pub job: u64,
    /// `None` while reading.
    pub list: Option<Result<Vec<TxSummary>, String>>,
}

/// The view's lines: one heading line, then two lines per transaction; transactions of
/// another root than `root` are marked, since `u` never undoes them from here.
pub fn lines(state: &JournalState, root: &Path, theme: &Theme) -> Vec<Line<'static>> {
    let list = match &state.list {
        None => {
            return vec![Line::styled(
                "reading the journal…",
                theme.style(Role::Pending),
            )];
        }
        Some(Err(e)) => {
            return vec![Line::styled(
                format!("the journal cannot be read: {e}"),
                theme.style(Role::SeverityError),
            )];
        }
        Some(Ok(l)) => l,
    };
    if list.is_empty() {
        return vec![Line::styled(
            "no transactions: nothing was restored or undone under this state folder",
            theme.style(Role::Muted),
        )];
    }
    let mine = crate::report::journal_line::of_root(list, root).len();
    let mut head = format!(
        "{} for this root, newest first · u undoes the newest committed one",
        widgets::count(mine, "transaction")
    );
    if mine < list.len() {
        head.push_str(&format!(
            " · {} of other roots marked",
            widgets::count(list.len() - mine, "transaction")
        ));
    }
    let mut out = vec![Line::styled(head, theme.style(Role::Muted))];
    for tx in list {
        let (state, role) = match tx.state {
            TxState::Committed => ("committed", Role::SeverityOk),
            TxState::RolledBack => ("rolled back", Role::SeverityWarning),
            TxState::Undone => ("undone", Role::Muted),
            TxState::Unfinished => ("unfinished", Role::SeverityError),
            TxState::Damaged => ("damaged", Role::SeverityError),
        };
        let what = match (&tx.set, &tx.undoes) {
            (Some(set), _) => format!("{} from {set}", tx.action),
            (None, Some(u)) => format!("{} of {u}", tx.action),
            _ => tx.action.clone(),
        };
        let mut extra = String::new();
        if let Some(by) = &tx.undone_by {
            extra.push_str(&format!(" by {by}"));
        }
        if tx.pruned {
            extra.push_str(" (pruned)");
        }
        out.push(Line::from(vec![
            Span::styled(tx.id.clone(), theme.style(Role::Title)),
            Span::raw("  "),
            Span::styled(format!("{state}{extra}"), theme.style(role)),
        ]));
        // Each on its own line, so a narrow terminal never breaks a time in two.
        out.push(Line::styled(
            format!("    at {}", tx.when()),
            theme.style(Role::Muted),
        ));
        out.push(Line::styled(
            format!("    by {}", tx.who()),
            theme.style(Role::Muted),
        ));
        // An undo moved the stash back into place: its bytes are no longer held.
        let stash = match (&tx.state, &tx.undone_by) {
            (TxState::Undone, Some(by)) => format!("stash put back by {by}"),
            (TxState::Undone, None) => "stash put back".to_string(),
            _ if tx.pruned => "stash freed".to_string(),
            _ => format!("{} stashed", widgets::bytes(tx.bytes_stashed)),
        };
        out.push(Line::styled(
            format!(
                "    {what} · {} · {} · {} written · {stash}",
                tx.components.join(", "),
                widgets::count(tx.steps, "step"),
                widgets::bytes(tx.bytes_written),
            ),
            theme.style(Role::Text),
        ));
        if tx.root != root {
            out.push(Line::styled(
                format!(
                    "    another root: {} (open the console with --root {} to undo it)",
                    tx.root.display(),
                    tx.root.display()
                ),
                theme.style(Role::SeverityWarning),
            ));
        }
        if let Some(why) = &tx.reason {
            out.push(Line::styled(format!("    {why}"), theme.style(Role::Muted)));
        }
    }
    out
}
