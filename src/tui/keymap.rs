//! The keymap as data: every binding carries its keys, command, description and whether it is
//! dangerous. The help overlay and the footer hints are generated from this table.

use super::action::{Command, PaneId};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key combination.
pub type Key = (KeyCode, KeyModifiers);

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

/// One entry of the keymap.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// Keys that trigger it; the first is shown first.
    pub keys: &'static [Key],
    /// What it does.
    pub command: Command,
    /// Sentence for the help overlay.
    pub description: &'static str,
    /// Writes: hidden in `--read-only` mode (file changes also need confirmation).
    pub dangerous: bool,
    /// Writes only a journal entry (a runbook mark), never the installation's files.
    pub journal_only: bool,
    /// Panes where it applies; `None` means everywhere.
    pub panes: Option<&'static [PaneId]>,
    /// Word shown in the footer hints, when the binding is worth a hint.
    pub hint: Option<&'static str>,
}

const fn b(keys: &'static [Key], command: Command, description: &'static str) -> Binding {
    Binding {
        keys,
        command,
        description,
        dangerous: false,
        journal_only: false,
        panes: None,
        hint: None,
    }
}

impl Binding {
    const fn hint(mut self, word: &'static str) -> Self {
        self.hint = Some(word);
        self
    }
    const fn dangerous(mut self) -> Self {
        self.dangerous = true;
        self
    }
    /// Records in the journal only: hidden in read-only mode like a file change.
    const fn journal_only(mut self) -> Self {
        self.dangerous = true;
        self.journal_only = true;
        self
    }
    const fn only(mut self, panes: &'static [PaneId]) -> Self {
        self.panes = Some(panes);
        self
    }

    /// Whether this binding is offered on `pane`.
    pub fn applies_to(&self, pane: PaneId) -> bool {
        self.panes.is_none_or(|p| p.contains(&pane))
    }

    /// The keys as the operator reads them: `↑/k`.
    pub fn label(&self) -> String {
        self.keys
            .iter()
            .map(|k| key_name(*k))
            .collect::<Vec<_>>()
            .join("/")
    }
}

use PaneId::{Backups, Certificates, Databases, Distribution, Runbook};

/// Every binding of the console, in the order the help overlay lists them.
pub const KEYMAP: &[Binding] = &[
    b(
        &[(KeyCode::Up, NONE), (KeyCode::Char('k'), NONE)],
        Command::Up,
        "Previous row",
    ),
    b(
        &[(KeyCode::Down, NONE), (KeyCode::Char('j'), NONE)],
        Command::Down,
        "Next row",
    ),
    b(
        &[(KeyCode::Left, NONE), (KeyCode::Char('h'), NONE)],
        Command::Left,
        "Pane to the left (previous tab on small terminals)",
    ),
    b(
        &[(KeyCode::Right, NONE), (KeyCode::Char('l'), NONE)],
        Command::Right,
        "Pane to the right (next tab on small terminals)",
    ),
    b(&[(KeyCode::PageUp, NONE)], Command::PageUp, "One page up"),
    b(
        &[(KeyCode::PageDown, NONE)],
        Command::PageDown,
        "One page down",
    ),
    b(
        &[(KeyCode::Home, NONE), (KeyCode::Char('g'), NONE)],
        Command::Home,
        "First row",
    ),
    b(
        &[(KeyCode::End, NONE), (KeyCode::Char('G'), NONE)],
        Command::End,
        "Last row",
    ),
    b(&[(KeyCode::Tab, NONE)], Command::NextPane, "Next pane").hint("pane"),
    b(
        &[(KeyCode::BackTab, NONE)],
        Command::PrevPane,
        "Previous pane",
    ),
    b(
        &[(KeyCode::Char('1'), NONE)],
        Command::FocusPane(Backups),
        "Backup sets pane",
    ),
    b(
        &[(KeyCode::Char('2'), NONE)],
        Command::FocusPane(Databases),
        "Databases pane",
    ),
    b(
        &[(KeyCode::Char('3'), NONE)],
        Command::FocusPane(Certificates),
        "Certificates pane",
    ),
    b(
        &[(KeyCode::Char('4'), NONE)],
        Command::FocusPane(Distribution),
        "Distribution points pane",
    ),
    b(
        &[(KeyCode::Char('5'), NONE)],
        Command::FocusPane(Runbook),
        "Runbook pane: the recovery steps in the vendor's order",
    ),
    b(
        &[(KeyCode::Enter, NONE)],
        Command::Details,
        "Details of the selected row; in the findings view, jump to its row",
    )
    .hint("details"),
    b(
        &[(KeyCode::Char('z'), NONE)],
        Command::Zoom,
        "Zoom the pane with a details panel",
    )
    .hint("zoom"),
    b(
        &[(KeyCode::Char(']'), NONE)],
        Command::PanelDown,
        "Scroll the zoom details panel down",
    ),
    b(
        &[(KeyCode::Char('['), NONE)],
        Command::PanelUp,
        "Scroll the zoom details panel up",
    ),
    b(
        &[(KeyCode::Char('f'), NONE)],
        Command::Findings,
        "All findings, worst first",
    )
    .hint("findings"),
    b(
        &[(KeyCode::Char('/'), NONE)],
        Command::Filter,
        "Filter the list by text",
    )
    .hint("filter"),
    b(
        &[(KeyCode::Char('c'), NONE)],
        Command::Recheck,
        "Run full integrity checks again in the background",
    )
    .hint("check"),
    b(
        &[(KeyCode::Char('d'), NONE)],
        Command::Diff,
        "Diff the selected component with a backup set",
    )
    .only(&[Backups, Databases, Certificates])
    .hint("diff"),
    b(
        &[(KeyCode::Char('r'), NONE)],
        Command::Restore,
        "Restore from the selected backup set",
    )
    .only(&[Backups, Databases, Certificates])
    .dangerous()
    .hint("restore"),
    b(
        &[(KeyCode::Char('p'), NONE)],
        Command::Promote,
        "Promote the selected distribution point to the only master",
    )
    .only(&[Distribution])
    .dangerous()
    .hint("promote"),
    b(
        &[(KeyCode::Char('s'), NONE)],
        Command::Sync,
        "Sync the marked (or the selected) mirrors from the master",
    )
    .only(&[Distribution])
    .dangerous()
    .hint("sync"),
    b(
        &[(KeyCode::Char(' '), NONE)],
        Command::Mark,
        "Mark or unmark the selected distribution point for a sync",
    )
    .only(&[Distribution])
    .hint("mark"),
    b(
        &[(KeyCode::Char('u'), NONE)],
        Command::Undo,
        "Undo the last transaction under this root",
    )
    .dangerous()
    .hint("undo"),
    b(
        &[(KeyCode::Char('m'), NONE)],
        Command::RunbookDone,
        "Mark the selected runbook step done (type a note, Enter records it in the journal)",
    )
    .only(&[Runbook])
    .journal_only()
    .hint("done"),
    b(
        &[(KeyCode::Char('x'), NONE)],
        Command::RunbookSkip,
        "Mark the selected runbook step skipped (type why, Enter records it in the journal)",
    )
    .only(&[Runbook])
    .journal_only()
    .hint("skip"),
    b(
        &[(KeyCode::Char('M'), NONE)],
        Command::RunbookClear,
        "Clear the mark of the selected runbook step (recorded in the journal)",
    )
    .only(&[Runbook])
    .journal_only(),
    b(
        &[(KeyCode::Char('y'), NONE)],
        Command::Copy,
        "Copy the selected row's command, path or finding to your clipboard (OSC 52, also over SSH)",
    )
    .hint("copy"),
    b(
        &[(KeyCode::Char('J'), NONE)],
        Command::JournalView,
        "The journal: every restore and undo with its state",
    )
    .hint("journal"),
    b(
        &[(KeyCode::Char('n'), NONE)],
        Command::NextChange,
        "In the diff view: next change (next match after a search)",
    ),
    b(
        &[(KeyCode::Char('N'), NONE)],
        Command::PrevChange,
        "In the diff view: previous change (previous match after a search)",
    ),
    b(&[(KeyCode::Char('?'), NONE)], Command::Help, "This help").hint("help"),
    b(
        &[(KeyCode::Esc, NONE)],
        Command::Back,
        "Close the overlay, leave zoom or clear the filter",
    ),
    b(
        &[(KeyCode::Char('q'), NONE), (KeyCode::Char('c'), CTRL)],
        Command::Quit,
        "Quit (q closes an open overlay first; Ctrl-c quits from anywhere)",
    )
    .hint("quit"),
];

/// The binding a key triggers, if any. Shift is part of the character itself (`G`, `?`),
/// so only Control and Alt are compared.
pub fn lookup(key: KeyEvent) -> Option<&'static Binding> {
    lookup_in(super::remap::active(), key)
}

/// [`lookup`] in a given keymap (the built-in one or one remapped by the configuration).
pub fn lookup_in(map: &'static [Binding], key: KeyEvent) -> Option<&'static Binding> {
    let mods = key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
    map.iter().find(|b| {
        b.keys
            .iter()
            .any(|(code, m)| *code == key.code && *m == mods)
    })
}

/// Bindings the operator is offered: dangerous ones disappear in read-only mode.
pub fn offered(read_only: bool) -> impl Iterator<Item = &'static Binding> {
    offered_in(super::remap::active(), read_only)
}

/// [`offered`] from a given keymap.
pub fn offered_in(
    map: &'static [Binding],
    read_only: bool,
) -> impl Iterator<Item = &'static Binding> {
    map.iter().filter(move |b| !(read_only && b.dangerous))
}

/// The order hints are offered in: a narrow footer drops them from the end, so help and quit
/// come first, then the pane's own actions, then moving around.
const HINT_ORDER: &[Command] = &[
    Command::Help,
    Command::Quit,
    Command::Diff,
    Command::Restore,
    Command::Promote,
    Command::Sync,
    Command::Mark,
    Command::RunbookDone,
    Command::RunbookSkip,
    Command::Undo,
    Command::JournalView,
    Command::Findings,
    Command::Copy,
    Command::Filter,
    Command::Recheck,
    Command::Details,
    Command::Zoom,
    Command::NextPane,
];

/// Footer hints for a pane: `(keys, word)`, in [`HINT_ORDER`].
pub fn hints(pane: PaneId, read_only: bool) -> Vec<(String, &'static str)> {
    hints_in(super::remap::active(), pane, read_only)
}

/// [`hints`] from a given keymap.
pub fn hints_in(
    map: &'static [Binding],
    pane: PaneId,
    read_only: bool,
) -> Vec<(String, &'static str)> {
    let mut bindings: Vec<&Binding> = offered_in(map, read_only)
        .filter(|b| b.applies_to(pane) && b.hint.is_some())
        .collect();
    bindings.sort_by_key(|b| {
        HINT_ORDER
            .iter()
            .position(|c| *c == b.command)
            .unwrap_or(HINT_ORDER.len())
    });
    bindings
        .into_iter()
        .filter_map(|b| {
            b.hint
                .map(|word| (b.keys.first().map_or(String::new(), |k| key_name(*k)), word))
        })
        .collect()
}

/// How a key is written in hints and help.
pub fn key_name((code, mods): Key) -> String {
    let base = match code {
        KeyCode::Up => "↑".to_string(),
        KeyCode::Down => "↓".to_string(),
        KeyCode::Left => "←".to_string(),
        KeyCode::Right => "→".to_string(),
        KeyCode::PageUp => "PgUp".to_string(),
        KeyCode::PageDown => "PgDn".to_string(),
        KeyCode::Home => "Home".to_string(),
        KeyCode::End => "End".to_string(),
        KeyCode::Tab => "Tab".to_string(),
        KeyCode::BackTab => "S-Tab".to_string(),
        KeyCode::Enter => "Enter".to_string(),
        KeyCode::Esc => "Esc".to_string(),
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        other => format!("{other:?}"),
    };
    if mods.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{base}")
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn arrows_and_vi_keys_move_the_same_way() {
        assert_eq!(
            lookup(key(KeyCode::Char('j'))).map(|b| b.command),
            Some(Command::Down)
        );
        assert_eq!(
            lookup(key(KeyCode::Down)).map(|b| b.command),
            Some(Command::Down)
        );
        assert_eq!(
            lookup(key(KeyCode::Char('k'))).map(|b| b.command),
            Some(Command::Up)
        );
        assert_eq!(
            lookup(key(KeyCode::Char('l'))).map(|b| b.command),
            Some(Command::Right)
        );
    }

    #[test]
    fn shifted_characters_match_without_comparing_shift() {
        let g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(lookup(g).map(|b| b.command), Some(Command::End));
        let help = KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(lookup(help).map(|b| b.command), Some(Command::Help));
    }

    #[test]
    fn ctrl_c_quits_but_plain_c_rechecks() {
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(lookup(ctrl_c).map(|b| b.command), Some(Command::Quit));
        assert_eq!(
            lookup(key(KeyCode::Char('c'))).map(|b| b.command),
            Some(Command::Recheck)
        );
    }

    #[test]
    fn every_key_is_bound_once() {
        let mut seen = std::collections::HashSet::new();
        for b in KEYMAP {
            for k in b.keys {
                assert!(seen.insert(*k), "{} bound twice", key_name(*k));
            }
        }
    }

    #[test]
    fn read_only_hides_every_dangerous_binding() {
        assert!(offered(false).any(|b| b.command == Command::Restore));
        assert!(offered(true).all(|b| !b.dangerous));
        let hints = hints(PaneId::Backups, true);
        assert!(hints.iter().all(|(_, w)| *w != "restore" && *w != "undo"));
        assert!(hints.iter().any(|(_, w)| *w == "diff"));
    }

    #[test]
    fn promote_sync_and_mark_are_offered_only_on_the_distribution_points_pane() {
        for pane in PaneId::ALL {
            let keys: Vec<String> = hints(pane, false).into_iter().map(|(k, _)| k).collect();
            let here = pane == PaneId::Distribution;
            for k in ["p", "s", "Space"] {
                assert_eq!(keys.iter().any(|x| x == k), here, "{k} on {pane:?}");
            }
        }
        // Promote and sync change files: gone in read-only mode; marking stays.
        let ro: Vec<&str> = hints(PaneId::Distribution, true)
            .into_iter()
            .map(|(_, w)| w)
            .collect();
        assert!(!ro.contains(&"promote") && !ro.contains(&"sync"), "{ro:?}");
        assert!(ro.contains(&"mark"), "{ro:?}");
    }

    #[test]
    fn the_panes_own_actions_come_right_after_help_and_quit() {
        let words: Vec<&str> = hints(PaneId::Backups, false)
            .into_iter()
            .map(|(_, w)| w)
            .collect();
        assert_eq!(&words[..4], &["help", "quit", "diff", "restore"]);
    }

    #[test]
    fn pane_specific_hints_follow_the_focused_pane() {
        let backups = hints(PaneId::Backups, false);
        assert!(backups.iter().any(|(_, w)| *w == "restore"));
        assert!(backups.iter().all(|(_, w)| *w != "promote"));
        let dps = hints(PaneId::Distribution, false);
        assert!(dps.iter().all(|(_, w)| *w != "restore"));
    }

    #[test]
    fn working_actions_have_their_keys() {
        for c in [Command::Diff, Command::Restore, Command::Undo] {
            assert!(KEYMAP.iter().any(|b| b.command == c), "{c:?} has no key");
        }
    }
}
