//! The journal's state in one line for the console's header, limited to the root being
//! inspected: a state folder shared by several roots must never offer another root's undo.

use crate::context::Context;
use crate::journal::{self, Journal, TxState, TxSummary};
use std::path::Path;

/// The newest transaction under `ctx.root` and whether it can be undone; other roots'
/// transactions are counted, never offered.
pub fn journal_state(ctx: &Context) -> String {
    match journal::list(&Journal::of(ctx)) {
        Err(e) => format!("unreadable: {e}"),
        Ok(list) => describe_for_root(&list, &ctx.root),
    }
}

/// The transactions of `list` that changed files under `root`, newest first (runbook marks
/// change none, and are never what `u` undoes).
pub fn of_root<'a>(list: &'a [TxSummary], root: &Path) -> Vec<&'a TxSummary> {
    list.iter()
        .filter(|tx| tx.root == root && tx.changes_files())
        .collect()
}

/// The header line for `root` out of every transaction in the state folder.
pub fn describe_for_root(list: &[TxSummary], root: &Path) -> String {
    let mine = of_root(list, root);
    let others = list.iter().filter(|t| t.changes_files()).count() - mine.len();
    let elsewhere = match others {
        0 => String::new(),
        1 => " (1 more for another root)".into(),
        n => format!(" ({n} more for other roots)"),
    };
    match mine.first() {
        None if others > 0 => format!("no transactions for this root{elsewhere}"),
        None => "no transactions".into(),
        Some(tx) => format!("{}{elsewhere}", describe(tx)),
    }
}

/// One transaction as the header says it: `#0003 restore from SET committed, undo available`.
pub fn describe(tx: &TxSummary) -> String {
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

    fn tx(state: TxState, pruned: bool, root: &str) -> TxSummary {
        TxSummary {
            id: "0003-20261122T080000Z".into(),
            at: chrono::DateTime::UNIX_EPOCH,
            origin: Default::default(),
            action: "restore".into(),
            set: Some("2026-11-21 02-00-00".into()),
            undoes: None,
            components: vec!["database:ServerDatabase".into()],
            root: root.into(),
            state,
            undone_by: None,
            steps: 3,
            bytes_written: 0,
            bytes_stashed: 0,
            pruned,
            reason: None,
            damage: None,
            mark: None,
        }
    }

    #[test]
    fn header_says_the_last_transaction_and_whether_it_can_be_undone() {
        assert_eq!(
            describe(&tx(TxState::Committed, false, "/")),
            "#0003 restore from 2026-11-21 02-00-00 committed, undo available"
        );
        assert_eq!(
            describe(&tx(TxState::Committed, true, "/")),
            "#0003 restore from 2026-11-21 02-00-00 committed"
        );
        assert_eq!(
            describe(&tx(TxState::RolledBack, false, "/")),
            "#0003 restore from 2026-11-21 02-00-00 rolled back"
        );
    }

    #[test]
    fn another_roots_transaction_is_never_offered_for_undo() {
        let list = vec![tx(TxState::Committed, false, "/mnt/old")];
        let line = describe_for_root(&list, Path::new("/srv/new"));
        assert_eq!(
            line,
            "no transactions for this root (1 more for another root)"
        );
        assert!(!line.contains("undo available"));
        let line = describe_for_root(&list, Path::new("/mnt/old"));
        assert!(line.ends_with("undo available"), "{line}");
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
