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
    // Runbook marks are this root's too, but change no file and are never what `u` undoes.
    let here = list.iter().filter(|t| t.root == root).count();
    let changes = crate::report::journal_line::of_root(list, root).len();
    let mut head = format!("{} for this root", widgets::count(changes, "transaction"));
    if here > changes {
        head.push_str(&format!(
            " and {}",
            widgets::count(here - changes, "runbook mark")
        ));
    }
    head.push_str(", newest first · u undoes the newest committed transaction");
    if here < list.len() {
        head.push_str(&format!(
            " · {} of other roots, flagged below",
            widgets::count(list.len() - here, "transaction")
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
        let detail = match &tx.mark {
            // A mark writes no file: its step, what it says and the operator's note.
            Some(m) => format!(
                "    {what} {} · {} · {}",
                m.mark.as_str(),
                crate::escape::escape(&m.step),
                if m.note.is_empty() {
                    "no note".into()
                } else {
                    crate::escape::escape(&m.note)
                }
            ),
            None => format!(
                "    {what} · {} · {} · {} written · {stash}",
                tx.components.join(", "),
                widgets::count(tx.steps, "step"),
                widgets::bytes(tx.bytes_written),
            ),
        };
        out.push(Line::styled(detail, theme.style(Role::Text)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::MarkSummary;
    use crate::plan::MarkKind;

    fn tx(id: &str, root: &str, mark: Option<MarkSummary>) -> TxSummary {
        TxSummary {
            id: id.into(),
            at: chrono::DateTime::UNIX_EPOCH,
            origin: Default::default(),
            action: if mark.is_some() { "mark" } else { "restore" }.into(),
            set: mark.is_none().then(|| "2026-11-21 02-00-00".into()),
            undoes: None,
            components: vec!["database:ServerDatabase".into()],
            root: root.into(),
            state: TxState::Committed,
            undone_by: None,
            steps: 3,
            bytes_written: 0,
            bytes_stashed: 0,
            pruned: false,
            reason: None,
            damage: None,
            mark,
        }
    }

    #[test]
    fn a_runbook_mark_counts_for_its_root_and_shows_its_note() {
        let mark = MarkSummary {
            profile: "itms-windows".into(),
            step: "rename-clean-cmdb".into(),
            mark: MarkKind::Done,
            note: "renamed in SSMS".into(),
        };
        let state = JournalState {
            job: 1,
            list: Some(Ok(vec![
                tx("0003-x", "/srv", Some(mark)),
                tx("0002-x", "/other", None),
                tx("0001-x", "/srv", None),
            ])),
        };
        let text: Vec<String> = lines(&state, Path::new("/srv"), &Theme::default_theme())
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        assert!(
            text[0].starts_with("1 transaction for this root and 1 runbook mark,"),
            "{text:?}"
        );
        assert!(text[0].contains("1 transaction of other roots"), "{text:?}");
        assert!(
            text.iter()
                .any(|l| l.contains("mark done · rename-clean-cmdb · renamed in SSMS")),
            "{text:?}"
        );
    }
}
