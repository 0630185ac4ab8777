//! The runbook pane's side of the reducer: asking a worker to judge the runbook, marking a
//! step (a note typed on the footer line, then a journal entry written by a worker), and `y`,
//! which copies the selected row's path, finding or command through the clipboard module.

use super::{App, Effect, Overlay};
use crate::plan::MarkKind;
use crate::runbook::Runbook;
use crate::tui::action::{Command, PaneId};
use crate::tui::clipboard::{self, Target};
use crate::tui::jobs::Job;
use crate::tui::overlays::filter::Edit;
use crate::tui::panes;
use crate::tui::theme::Role;
use ratatui::text::{Line, Span};

/// A mark being given its note on the footer line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteState {
    /// The step's id.
    pub step: String,
    /// Done or skipped.
    pub mark: MarkKind,
    /// The note typed so far.
    pub text: String,
}

/// What the console keeps for the runbook pane and the clipboard.
#[derive(Debug, Clone)]
pub struct RunbookState {
    /// The runbook as last judged.
    pub runbook: Option<Runbook>,
    /// The judging job in flight.
    pub job: Option<u64>,
    /// The note being typed for a mark.
    pub note: Option<NoteState>,
    /// How the clipboard is reached.
    pub clipboard: Target,
    /// What `y` last showed to copy by hand: (what, text).
    pub copied: Option<(String, String)>,
}

impl Default for RunbookState {
    fn default() -> Self {
        RunbookState {
            runbook: None,
            job: None,
            note: None,
            clipboard: Target::Osc52,
            copied: None,
        }
    }
}

impl App {
    /// Say how the clipboard is reached (the event loop detects it from the environment).
    pub fn set_clipboard(&mut self, target: Target) {
        self.rb.clipboard = target;
    }

    /// The runbook as last judged, once it was.
    pub fn runbook(&self) -> Option<&Runbook> {
        self.rb.runbook.as_ref()
    }

    /// The mark whose note is being typed.
    pub fn note(&self) -> Option<&NoteState> {
        self.rb.note.as_ref()
    }

    /// Ask a worker to judge the runbook against the inventory shown and the journal.
    pub(super) fn request_runbook(&mut self) {
        if !self.loaded {
            return;
        }
        let job = self.job(Job::Runbook);
        self.rb.job = Some(job);
    }

    /// Judge the runbook when it is shown and was never judged (nor is being).
    pub(super) fn ensure_runbook(&mut self) {
        if self.rb.runbook.is_none() && self.rb.job.is_none() {
            self.request_runbook();
        }
    }

    pub(super) fn runbook_ready(&mut self, id: u64, result: Result<Box<Runbook>, String>) {
        if self.rb.job != Some(id) {
            return;
        }
        self.rb.job = None;
        let p = PaneId::Runbook;
        let key = self.selected_row(p).map(|i| panes::key(p, self.view(), i));
        match result {
            Ok(rb) => self.rb.runbook = Some(*rb),
            Err(e) => {
                self.status = Some(format!("the runbook cannot be judged: {e}"));
                return;
            }
        }
        let flags = panes::flags(p, self.view());
        self.pane_worst[p.index()] = (0..panes::len(p, self.view()))
            .map(|i| panes::status(p, self.view(), i, &flags))
            .max();
        self.flags[p.index()] = flags;
        self.refilter(p);
        let found = key.and_then(|key| {
            self.panes[p.index()]
                .visible
                .iter()
                .position(|&i| panes::key(p, self.view(), i) == key)
        });
        match found {
            Some(pos) if self.pinned[p.index()] => self.panes[p.index()].selected = pos,
            _ => self.panes[p.index()].selected = self.safest_row(p),
        }
        self.clamp_all();
    }

    pub(super) fn marked(&mut self, _id: u64, result: Result<String, String>) {
        self.status = Some(match result {
            Ok(txid) => format!("mark recorded in the journal ({txid})"),
            Err(e) => format!("mark not recorded: {e}"),
        });
        self.request_runbook();
    }

    /// The selected runbook step, or a status saying why there is none.
    fn selected_step(&mut self) -> Option<crate::runbook::StepStatus> {
        if self.focus != PaneId::Runbook {
            self.status = Some("m, x and M mark steps in the runbook pane (5)".into());
            return None;
        }
        let step = self
            .selected_row(PaneId::Runbook)
            .and_then(|i| self.rb.runbook.as_ref()?.steps.get(i).cloned());
        if step.is_none() {
            self.status = Some("no runbook step is selected".into());
        }
        step
    }

    /// `m`, `x` or `M` on the runbook pane: done and skipped ask for a note first.
    pub(super) fn start_mark(&mut self, c: Command) {
        let Some(step) = self.selected_step() else {
            return;
        };
        let id = step.step.id.clone();
        match c {
            Command::RunbookClear if step.mark.is_none() => {
                self.status = Some(format!("step {id} has no mark to clear"));
            }
            Command::RunbookClear => {
                self.job(Job::Mark {
                    step: id.clone(),
                    mark: MarkKind::Cleared,
                    note: String::new(),
                });
                self.status = Some(format!("clearing the mark of {id}…"));
            }
            _ => {
                let mark = if c == Command::RunbookSkip {
                    MarkKind::Skipped
                } else {
                    MarkKind::Done
                };
                self.rb.note = Some(NoteState {
                    step: id,
                    mark,
                    text: String::new(),
                });
            }
        }
    }

    /// A key while the note is typed: Enter records the mark, Esc cancels it.
    pub(super) fn edit_note(&mut self, e: Edit) {
        let Some(n) = self.rb.note.as_mut() else {
            return;
        };
        match e {
            Edit::Insert(c) => n.text.push(c),
            Edit::Delete => {
                n.text.pop();
            }
            Edit::Accept if n.mark == MarkKind::Skipped && n.text.trim().is_empty() => {
                self.status = Some(
                    "a skipped step needs its reason: type it, Enter records, Esc cancels".into(),
                );
            }
            Edit::Accept => {
                let n = self.rb.note.take().unwrap_or_else(|| NoteState {
                    step: String::new(),
                    mark: MarkKind::Done,
                    text: String::new(),
                });
                self.status = Some(format!("recording {} {}…", n.step, n.mark.as_str()));
                self.job(Job::Mark {
                    step: n.step,
                    mark: n.mark,
                    note: n.text.trim().to_string(),
                });
            }
            Edit::Cancel => {
                self.rb.note = None;
                self.status = Some("mark cancelled; nothing was recorded".into());
            }
            Edit::Move(_) => {}
        }
    }

    /// `y`: the selected row's command (backup set: its restore command line; runbook step:
    /// its command or SQL) or path (database, certificate, distribution point).
    pub(super) fn copy_selected(&mut self) {
        let Some(i) = self.selected_row(self.focus) else {
            self.status = Some(format!("{} has no row selected", self.focus.title()));
            return;
        };
        let v = self.view();
        let copied = match self.focus {
            PaneId::Backups => v.inv.backup_sets.get(i).map(|s| {
                let mut cmd = vec!["drconsole".to_string()];
                if self.opts.profile != crate::profile::DEFAULT_PROFILE {
                    cmd.push(format!(
                        "--profile {}",
                        crate::escape::shell_quote(&self.opts.profile)
                    ));
                }
                if self.opts.root != std::path::Path::new("/") {
                    let root = self.opts.root.display().to_string();
                    cmd.push(format!("--root {}", crate::escape::shell_quote(&root)));
                }
                cmd.push(format!(
                    "restore all --set {}",
                    crate::escape::shell_quote(&s.id)
                ));
                Ok(("the restore command".to_string(), cmd.join(" ")))
            }),
            PaneId::Databases => v
                .inv
                .databases
                .get(i)
                .map(|d| Ok(("the path".into(), d.file.path.display().to_string()))),
            PaneId::Certificates => v
                .inv
                .certificates
                .get(i)
                .map(|c| Ok(("the path".into(), c.file.display().to_string()))),
            PaneId::Distribution => v
                .inv
                .distribution_points
                .get(i)
                .map(|d| Ok(("the path".into(), d.path.display().to_string()))),
            PaneId::Runbook => Some(
                panes::runbook::copy_text(&v, i).map(|t| ("the step's command".to_string(), t)),
            ),
        };
        match copied {
            None => self.status = Some("the selected row is gone".into()),
            Some(Err(e)) => self.status = Some(e),
            Some(Ok((what, text))) => {
                let lines = self.focus == PaneId::Runbook;
                self.send_copy(&what, &text, lines);
            }
        }
    }

    /// `y` in the findings view: the finding as one line.
    pub(super) fn copy_finding(&mut self, pos: usize) {
        let Some(f) = self
            .findings_order
            .get(pos)
            .and_then(|&i| self.inv.findings.get(i))
        else {
            return;
        };
        let text = format!("{} {}: {}", f.code.as_str(), f.component, f.message);
        self.send_copy("the finding", &text, false);
    }

    /// Put `text` on the clipboard, or show it where the terminal has none.
    fn send_copy(&mut self, what: &str, text: &str, lines: bool) {
        let (text, escaped) = clipboard::pasteable(text, lines);
        let note = if escaped {
            " (control characters written escaped)"
        } else {
            ""
        };
        match clipboard::sequence(&self.rb.clipboard, &text) {
            Some(bytes) => {
                self.effects.push(Effect::Clipboard(bytes));
                let via = match self.rb.clipboard {
                    Target::Tmux => "OSC 52 through tmux",
                    Target::Screen => "OSC 52 through screen",
                    _ => "OSC 52",
                };
                let first = text.lines().next().unwrap_or_default();
                self.status = Some(format!(
                    "sent {what} to the clipboard ({via}, {} bytes){note}: {first}",
                    text.len()
                ));
            }
            None => {
                let why = match &self.rb.clipboard {
                    Target::Unsupported(why) => why.clone(),
                    _ => format!("the text is longer than {} bytes", clipboard::MAX_BYTES),
                };
                self.status = Some(format!("{why}: {what} is shown to copy by hand{note}"));
                self.rb.copied = Some((what.to_string(), text));
                self.overlay = Some(Overlay::Copy { scroll: 0 });
            }
        }
    }

    /// The copy-by-hand view's lines: the text alone, so a mouse selection takes only it.
    pub(super) fn copy_lines(&self) -> Vec<Line<'static>> {
        let Some((_, text)) = &self.rb.copied else {
            return Vec::new();
        };
        text.lines()
            .map(|l| {
                Line::from(Span::styled(
                    l.to_string(),
                    self.opts.theme.style(Role::Text),
                ))
            })
            .collect()
    }
}
