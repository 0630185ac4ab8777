//! What can happen in the console: commands from the keymap, input events, worker results.
//! `App::update` is the only consumer; everything that changes state arrives as an `Action`.

use super::jobs::{Outcome, Preview};
use crate::inventory::{CheckDepth, Inventory, Progress};
use crossterm::event::{KeyEvent, MouseEvent};

/// The five panes, in the order of the keys `1`–`5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PaneId {
    /// Backup sets with their verdicts.
    Backups,
    /// Live databases with their integrity.
    Databases,
    /// Certificates, live and in backup sets.
    Certificates,
    /// Distribution points, master and mirrors.
    Distribution,
    /// The recovery runbook: the product's steps in the vendor's order, ticked or marked.
    Runbook,
}

impl PaneId {
    /// Every pane, in tab order.
    pub const ALL: [PaneId; 5] = [
        PaneId::Backups,
        PaneId::Databases,
        PaneId::Certificates,
        PaneId::Distribution,
        PaneId::Runbook,
    ];

    /// Position in `ALL` (0–4).
    pub fn index(self) -> usize {
        match self {
            PaneId::Backups => 0,
            PaneId::Databases => 1,
            PaneId::Certificates => 2,
            PaneId::Distribution => 3,
            PaneId::Runbook => 4,
        }
    }

    /// The pane at a position, wrapping around.
    pub fn from_index(i: usize) -> PaneId {
        PaneId::ALL[i % PaneId::ALL.len()]
    }

    /// Title shown on the pane border and the tab bar.
    pub fn title(self) -> &'static str {
        match self {
            PaneId::Backups => "Backup sets",
            PaneId::Databases => "Databases",
            PaneId::Certificates => "Certificates",
            PaneId::Distribution => "Distribution points",
            PaneId::Runbook => "Runbook",
        }
    }

    /// Short title for narrow tab bars.
    pub fn short_title(self) -> &'static str {
        match self {
            PaneId::Backups => "Backups",
            PaneId::Databases => "Databases",
            PaneId::Certificates => "Certs",
            PaneId::Distribution => "DPs",
            PaneId::Runbook => "Runbook",
        }
    }
}

/// What a key binding asks for; the keymap maps keys to these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Leave the console (closes an overlay first when one is open).
    Quit,
    /// Close the overlay, leave zoom or clear the filter.
    Back,
    /// Previous row.
    Up,
    /// Next row.
    Down,
    /// Pane to the left (grid) or previous tab.
    Left,
    /// Pane to the right (grid) or next tab.
    Right,
    /// One page up.
    PageUp,
    /// One page down.
    PageDown,
    /// First row.
    Home,
    /// Last row.
    End,
    /// Next pane.
    NextPane,
    /// Previous pane.
    PrevPane,
    /// Focus one pane.
    FocusPane(PaneId),
    /// Details of the selected row (or jump to a finding's row in the findings view).
    Details,
    /// Zoom the focused pane with a details side panel.
    Zoom,
    /// Scroll the zoom details panel down.
    PanelDown,
    /// Scroll the zoom details panel up.
    PanelUp,
    /// The findings view.
    Findings,
    /// Filter the focused list by text.
    Filter,
    /// The help overlay.
    Help,
    /// Run full checks again.
    Recheck,
    /// Compare with a backup set.
    Diff,
    /// Restore from a backup set.
    Restore,
    /// Undo the last transaction.
    Undo,
    /// Promote a distribution point to master.
    Promote,
    /// Synchronise a distribution point.
    Sync,
    /// Mark the row for a batch action.
    Mark,
    /// The journal view.
    JournalView,
    /// Next change (or search match) in the diff view.
    NextChange,
    /// Previous change (or search match) in the diff view.
    PrevChange,
    /// Mark the selected runbook step done (asks for a note).
    RunbookDone,
    /// Mark the selected runbook step skipped (asks for the reason).
    RunbookSkip,
    /// Clear the mark of the selected runbook step.
    RunbookClear,
    /// Copy the selected row's path, finding or command to the clipboard (OSC 52).
    Copy,
}

/// Everything that can happen to the console.
#[derive(Debug, Clone)]
pub enum Action {
    /// A key was pressed; the keymap (and the open overlay) decide what it means.
    Key(KeyEvent),
    /// A mouse event (only with `--mouse`).
    Mouse(MouseEvent),
    /// A command, already resolved (tests and mouse use this).
    Command(Command),
    /// The terminal has a new size.
    Resize(u16, u16),
    /// A scan began in the worker.
    ScanStarted(CheckDepth),
    /// Progress of a background check.
    Progress(Progress),
    /// A scan finished with this inventory.
    Scanned(Box<Inventory>),
    /// The journal's state changed (shown in the header).
    Journal(String),
    /// A scan could not finish (its worker failed); the last inventory stays.
    ScanFailed(String),
    /// Reading the terminal failed; the console cannot go on.
    InputFailed(String),
    /// A diff job finished (job id, classified lines or why not).
    Diffed(u64, Result<Vec<crate::diff::report::Line>, String>),
    /// A restore or undo preview was built (job id, the checked plan or why not).
    Previewed(u64, Result<Box<Preview>, String>),
    /// A confirmed plan ran (job id, what it came to).
    Executed(u64, Box<Outcome>),
    /// The journal was read (job id, transactions newest first or why not).
    JournalListed(u64, Result<Vec<crate::journal::TxSummary>, String>),
    /// The runbook was judged against the inventory and the journal (job id, result).
    RunbookReady(u64, Result<Box<crate::runbook::Runbook>, String>),
    /// A runbook mark was recorded (job id, its transaction id or why not).
    Marked(u64, Result<String, String>),
    /// A key script's caption for viewers (`None` clears it).
    Caption(Option<String>),
    /// A key script waits for the trainee's Space (`false` when it goes on).
    Paused(bool),
}

impl Action {
    /// Whether this is the result that ends a scan or a job started by the console: a key
    /// script's `wait-for job` counts them. Every result variant must be listed here.
    pub fn ends_work(&self) -> bool {
        match self {
            Action::Scanned(_)
            | Action::ScanFailed(_)
            | Action::Diffed(..)
            | Action::Previewed(..)
            | Action::Executed(..)
            | Action::JournalListed(..)
            | Action::RunbookReady(..)
            | Action::Marked(..) => true,
            Action::Key(_)
            | Action::Mouse(_)
            | Action::Command(_)
            | Action::Resize(..)
            | Action::ScanStarted(_)
            | Action::Progress(_)
            | Action::Journal(_)
            | Action::InputFailed(_)
            | Action::Caption(_)
            | Action::Paused(_) => false,
        }
    }
}
