//! The console's state and its reducer: `update` is the only place state changes; the drawing
//! (`draw`, which only reads) is in `view.rs`. Side effects (starting a scan) are queued as
//! `Effect`s for the event loop to run.

use super::action::{Action, Command, PaneId};
use super::jobs::Job;
use super::keymap;
use super::layout::{self, Mode};
use super::overlays::diff::DiffState;
use super::overlays::journal::JournalState;
use super::overlays::restore::{PlanState, Stage};
use super::overlays::{self, filter::Edit};
use super::panes::{self, View};
use super::theme::Theme;
use super::widgets::{self, Status};
use crate::inventory::{CheckDepth, Inventory, Progress, Source};
use chrono::{DateTime, Utc};
use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;
use std::path::PathBuf;

/// Work the event loop must do on the app's behalf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Run a scan of this depth in the background.
    Scan(CheckDepth),
    /// Run a job on a worker thread; its result action carries the same id.
    Job(u64, Job),
    /// Write these bytes to the terminal: an OSC 52 sequence putting text on the clipboard.
    Clipboard(Vec<u8>),
}

/// What the console is opened with.
#[derive(Debug, Clone)]
pub struct Options {
    /// Profile name for the header.
    pub profile: String,
    /// Root shown in the header.
    pub root: PathBuf,
    /// Host name from `--hostname`, until the scan says.
    pub hostname: Option<String>,
    /// The fixed clock (`--now`), shown in the header.
    pub fixed_now: Option<DateTime<Utc>>,
    /// The profile's recovery-point objective.
    pub rpo_hours: f64,
    /// Hide dangerous actions.
    pub read_only: bool,
    /// Mouse events are handled.
    pub mouse: bool,
    /// Styles.
    pub theme: Theme,
    /// Journal state for the header (`no journal`, or the last transaction and whether it can
    /// be undone); `Action::Journal` updates it later.
    pub journal: String,
}

/// How the console presents itself to viewers of a demo or a recording (none of it changes
/// what the console does).
#[derive(Debug, Clone, Default)]
pub struct Presentation {
    /// Draw the last keys pressed in a corner box (`--show-keys`).
    pub show_keys: bool,
    /// Demo mode, with the instant the demo installation was built for: a file modified after
    /// it was written during the demo and shows as "new", never by the wall-clock time of the take.
    pub demo: Option<DateTime<Utc>>,
    /// Demo mode: the temporary folder the demo lives in, shown as `demo:` wherever a path
    /// under it reaches the screen (it differs on every run and every machine).
    pub demo_folder: Option<PathBuf>,
}

impl Presentation {
    /// `text` with the demo folder's path shown as `demo:`.
    pub fn alias(&self, text: &str) -> String {
        match &self.demo_folder {
            Some(dir) => widgets::demo_alias(text, dir),
            None => text.to_string(),
        }
    }

    /// Lines with the demo folder's path shown as `demo:`, span by span.
    pub fn alias_lines(&self, lines: Vec<Line<'static>>) -> Vec<Line<'static>> {
        if self.demo_folder.is_none() {
            return lines;
        }
        lines
            .into_iter()
            .map(|mut l| {
                for s in &mut l.spans {
                    if let Some(dir) = &self.demo_folder
                        && s.content.contains(&*dir.display().to_string())
                    {
                        s.content = self.alias(&s.content).into();
                    }
                }
                l
            })
            .collect()
    }
}

/// An overlay over the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    /// Details of the focused pane's selected row.
    Details {
        /// First line shown.
        scroll: usize,
    },
    /// The keymap.
    Help {
        /// First line shown.
        scroll: usize,
    },
    /// All findings, worst first.
    Findings {
        /// Selected position in the worst-first order.
        selected: usize,
        /// First position shown.
        offset: usize,
    },
    /// The diff of a set (or component) against live.
    Diff {
        /// First row shown.
        scroll: usize,
    },
    /// A restore or undo plan preview.
    Plan {
        /// First row shown.
        scroll: usize,
    },
    /// The journal's transactions.
    Journal {
        /// First row shown.
        scroll: usize,
    },
    /// Text to copy by hand, where the terminal has no clipboard (OSC 52).
    Copy {
        /// First row shown.
        scroll: usize,
    },
}

/// One pane's list state.
#[derive(Debug, Clone, Default)]
pub struct PaneState {
    /// Selected position within `visible`.
    pub selected: usize,
    /// First position drawn.
    pub offset: usize,
    /// Filter text (case-insensitive substring).
    pub filter: String,
    /// Inventory indices that pass the filter, in inventory order.
    pub visible: Vec<usize>,
}

/// The console state.
#[derive(Debug, Clone)]
pub struct App {
    opts: Options,
    inv: Inventory,
    loaded: bool,
    scanning: Option<CheckDepth>,
    progress: Option<Progress>,
    journal: String,
    focus: PaneId,
    panes: [PaneState; 5],
    overlay: Option<Overlay>,
    zoom: bool,
    side_scroll: usize,
    editing_filter: bool,
    findings_order: Vec<usize>,
    /// Worst row status per pane, for the tab bar (computed once per scan, not per frame).
    pane_worst: [Option<Status>; 5],
    /// Findings about rows, per pane (computed once per scan).
    flags: [panes::Flags; 5],
    /// The console's part of the terminal: all of it, less the caption band of a key script.
    size: Rect,
    /// The whole terminal.
    screen: Rect,
    status: Option<String>,
    diff: Option<DiffState>,
    plan: Option<PlanState>,
    journal_view: Option<JournalState>,
    /// Distribution points marked (Space) for a sync, by name.
    marked: std::collections::BTreeSet<String>,
    /// Typing a search in the diff view.
    searching: bool,
    next_job: u64,
    /// Panes whose selection the operator moved: a new scan keeps it; an untouched pane
    /// starts on its safest row (the recommended set, the most damaged database).
    pinned: [bool; 5],
    /// The scan depth a status message waits for, to say "done" when it lands.
    awaiting: Option<(CheckDepth, String)>,
    effects: Vec<Effect>,
    quit: bool,
    fatal: Option<String>,
    /// The runbook pane's state: the last judgement, the job asking for the next, the note
    /// being typed for a mark, the clipboard and what `y` last showed to copy by hand.
    rb: runbook_state::RunbookState,
    presentation: Presentation,
    keycast: overlays::training::KeyCast,
    caption: Option<String>,
    paused: bool,
}

impl App {
    /// A console of `size` cells, asking for a quick scan then a standard one.
    pub fn new(opts: Options, size: (u16, u16)) -> App {
        let inv = Inventory {
            profile: opts.profile.clone(),
            root: opts.root.clone(),
            ..Inventory::default()
        };
        let journal = opts.journal.clone();
        App {
            opts,
            inv,
            loaded: false,
            scanning: None,
            progress: None,
            journal,
            focus: PaneId::Backups,
            panes: Default::default(),
            overlay: None,
            zoom: false,
            side_scroll: 0,
            editing_filter: false,
            findings_order: Vec::new(),
            pane_worst: [None; 5],
            flags: Default::default(),
            size: Rect::new(0, 0, size.0, size.1),
            screen: Rect::new(0, 0, size.0, size.1),
            status: None,
            diff: None,
            plan: None,
            journal_view: None,
            marked: Default::default(),
            searching: false,
            next_job: 0,
            pinned: [false; 5],
            awaiting: None,
            effects: vec![
                Effect::Scan(CheckDepth::Quick),
                Effect::Scan(CheckDepth::Standard),
            ],
            quit: false,
            fatal: None,
            rb: runbook_state::RunbookState::default(),
            presentation: Presentation::default(),
            keycast: Default::default(),
            caption: None,
            paused: false,
        }
    }

    /// The same console presented for a demo or a recording.
    pub fn present(mut self, p: Presentation) -> App {
        self.presentation = p;
        self
    }

    /// The caption a key script shows now.
    pub fn caption(&self) -> Option<&str> {
        self.caption.as_deref()
    }

    /// The part of a terminal of `screen` the console draws in: a caption takes a band at the
    /// bottom (so it never hides an overlay's buttons) when the rest still fits the minimum.
    fn console_rect(&self, screen: Rect) -> Rect {
        let band = overlays::training::CAPTION_ROWS;
        if self.caption.is_some() && screen.height >= layout::MIN_HEIGHT + band {
            Rect::new(screen.x, screen.y, screen.width, screen.height - band)
        } else {
            screen
        }
    }

    /// Whether the operator asked to leave.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Why the console had to stop, when it was not the operator's choice.
    pub fn fatal(&self) -> Option<&str> {
        self.fatal.as_deref()
    }

    /// Effects queued since the last call.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// The focused pane.
    pub fn focus(&self) -> PaneId {
        self.focus
    }

    /// The open overlay.
    pub fn overlay(&self) -> Option<Overlay> {
        self.overlay
    }

    /// Whether the focused pane is zoomed.
    pub fn zoomed(&self) -> bool {
        self.zoom
    }

    /// The status line message.
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    /// A pane's list state.
    pub fn pane(&self, p: PaneId) -> &PaneState {
        &self.panes[p.index()]
    }

    /// The inventory shown.
    pub fn inventory(&self) -> &Inventory {
        &self.inv
    }

    /// The diff view's state, once `d` was pressed.
    pub fn diff(&self) -> Option<&DiffState> {
        self.diff.as_ref()
    }

    /// The plan preview's state, once `r` or `u` was pressed.
    pub fn plan(&self) -> Option<&PlanState> {
        self.plan.as_ref()
    }

    /// The journal view's state, once `J` was pressed.
    pub fn journal_view(&self) -> Option<&JournalState> {
        self.journal_view.as_ref()
    }

    /// The header's journal line.
    pub fn journal_line(&self) -> &str {
        &self.journal
    }

    /// The scan running now, if any.
    pub fn scanning(&self) -> Option<CheckDepth> {
        self.scanning
    }

    /// Inventory index of the focused pane's selected row.
    pub fn selected_row(&self, p: PaneId) -> Option<usize> {
        let st = &self.panes[p.index()];
        st.visible.get(st.selected).copied()
    }

    fn view(&self) -> View<'_> {
        View {
            inv: &self.inv,
            rpo_hours: self.opts.rpo_hours,
            runbook: self.rb.runbook.as_ref(),
            marked: &self.marked,
            written_since: self.presentation.demo,
            demo_folder: self.presentation.demo_folder.as_deref(),
        }
    }

    /// Apply one action. The only place state changes.
    pub fn update(&mut self, action: Action) {
        if let Action::Key(key) = &action
            && self.presentation.show_keys
        {
            self.cast_key(key);
        }
        match action {
            Action::Key(key)
                if key.code == crossterm::event::KeyCode::Char('c')
                    && key.modifiers.contains(KeyModifiers::CONTROL) =>
            {
                self.interrupt();
            }
            Action::Key(key) => {
                if self.rb.note.is_some() {
                    if let Some(e) = overlays::filter::edit(key) {
                        self.edit_note(e);
                    }
                    return;
                }
                if self.searching {
                    if let Some(e) = overlays::filter::edit(key) {
                        self.edit_search(e);
                    }
                    return;
                }
                if self.editing_filter {
                    if let Some(e) = overlays::filter::edit(key) {
                        self.edit_filter(e);
                    }
                    return;
                }
                self.status = None;
                match keymap::lookup(key) {
                    Some(b) if b.dangerous && self.opts.read_only => {
                        self.status = Some(format!(
                            "{} is disabled in read-only mode",
                            b.description.to_lowercase()
                        ));
                    }
                    Some(b) => self.command(b.command),
                    // Over slow links Esc and the next key can arrive together and read as Alt-key.
                    None if key.modifiers.contains(KeyModifiers::ALT) => {
                        self.command(Command::Back);
                        let mut plain = key;
                        plain.modifiers.remove(KeyModifiers::ALT);
                        if let Some(b) =
                            keymap::lookup(plain).filter(|b| !(b.dangerous && self.opts.read_only))
                        {
                            self.command(b.command);
                        }
                    }
                    None => {}
                }
            }
            Action::Command(c) => self.command(c),
            Action::Mouse(m) => {
                if self.opts.mouse {
                    self.mouse(m);
                }
            }
            Action::Resize(w, h) => {
                self.screen = Rect::new(0, 0, w, h);
                self.size = self.console_rect(self.screen);
                self.clamp_all();
            }
            Action::ScanStarted(depth) => {
                self.scanning = Some(depth);
                self.progress = None;
            }
            Action::Progress(p) => {
                self.progress = if p.finished { None } else { Some(p) };
            }
            Action::Scanned(inv) => self.apply_inventory(*inv),
            Action::Journal(state) => self.journal = state,
            Action::ScanFailed(msg) => {
                self.scanning = None;
                self.progress = None;
                self.status = Some(msg);
            }
            Action::InputFailed(msg) => {
                self.fatal = Some(format!("cannot read the terminal: {msg}"));
                self.quit = true;
            }
            Action::Diffed(id, result) => {
                if let Some(d) = self.diff.as_mut().filter(|d| d.job == id) {
                    d.lines = Some(result);
                }
            }
            Action::Previewed(id, result) => {
                if let Some(p) = self.plan.as_mut().filter(|p| p.job == id) {
                    p.stage = match result {
                        Ok(preview) => Stage::Ready(preview),
                        Err(e) => Stage::Failed(e),
                    };
                    p.confirm = false;
                }
            }
            Action::Executed(id, outcome) => self.executed(id, *outcome),
            Action::JournalListed(id, result) => {
                if let Some(j) = self.journal_view.as_mut().filter(|j| j.job == id) {
                    j.list = Some(result);
                }
            }
            Action::RunbookReady(id, result) => self.runbook_ready(id, result),
            Action::Marked(id, result) => self.marked(id, result),
            Action::Caption(text) => {
                self.caption = text;
                self.size = self.console_rect(self.screen);
                self.clamp_all();
            }
            Action::Paused(p) => self.paused = p,
        }
    }

    /// Note a key for the key-cast box: characters typed into a filter or search join into
    /// one word, as the viewer reads them.
    fn cast_key(&mut self, key: &crossterm::event::KeyEvent) {
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match key.code {
            crossterm::event::KeyCode::Char(c)
                if plain && c != ' ' && (self.editing_filter || self.searching) =>
            {
                self.keycast.typed(c);
            }
            _ => self.keycast.key(super::script::label(key)),
        }
    }

    /// Ctrl-C quits from anywhere: a filter being typed, any overlay. Only a running plan
    /// asks for a second press, since the journal then rolls it back at the next start.
    fn interrupt(&mut self) {
        let running = self
            .plan
            .as_ref()
            .is_some_and(|p| matches!(p.stage, Stage::Running(_)));
        let warned = self
            .status
            .as_deref()
            .is_some_and(|s| s.starts_with("Ctrl-C again"));
        if running && !warned {
            self.status = Some(
                "Ctrl-C again quits; the running change is then rolled back at the next start"
                    .into(),
            );
            return;
        }
        self.quit = true;
    }

    fn job(&mut self, job: Job) -> u64 {
        self.next_job += 1;
        self.effects.push(Effect::Job(self.next_job, job));
        self.next_job
    }

    fn executed(&mut self, id: u64, outcome: super::jobs::Outcome) {
        self.journal = outcome.journal.clone();
        self.progress = None;
        self.status = Some(match &outcome.result {
            Ok(c) => {
                let msg = format!("committed transaction {}", c.txid);
                self.awaiting = Some((CheckDepth::Standard, msg.clone()));
                format!("{msg}; checking again")
            }
            Err(e) => e.clone(),
        });
        // The result heads the preview: show it, not the scroll position of the plan.
        if let Some(Overlay::Plan { .. }) = self.overlay {
            self.overlay = Some(Overlay::Plan { scroll: 0 });
        }
        // Whatever happened, the files may differ from what the panes show.
        self.effects.push(Effect::Scan(CheckDepth::Standard));
        if let Some(p) = self.plan.as_mut().filter(|p| p.job == id) {
            let stage = std::mem::replace(&mut p.stage, Stage::Building);
            p.stage = match stage {
                Stage::Running(preview) | Stage::Ready(preview) => {
                    Stage::Done(preview, Box::new(outcome))
                }
                other => other,
            };
            p.confirm = false;
        }
        if self.journal_view.is_some() {
            let job = self.job(Job::Journal);
            self.journal_view = Some(JournalState { job, list: None });
        }
    }

    fn edit_search(&mut self, e: Edit) {
        let Some(d) = self.diff.as_mut() else {
            self.searching = false;
            return;
        };
        match e {
            Edit::Insert(c) => d.search.push(c),
            Edit::Delete => {
                d.search.pop();
            }
            Edit::Accept => {
                self.searching = false;
                if !d.search.is_empty() {
                    self.jump_change(true, true);
                }
            }
            Edit::Cancel => {
                self.searching = false;
                d.search.clear();
            }
            Edit::Move(_) => {}
        }
    }

    /// What `d` and `r` act on: the set, the component selectors and a title.
    fn target(&self) -> Result<(String, Vec<String>, String), String> {
        let row = self.selected_row(self.focus);
        // A component row is compared with the recommended set, or the set selected in the
        // backup sets pane when none is recommended.
        let fallback_set = || {
            self.inv
                .recommended_set()
                .or_else(|| {
                    self.selected_row(PaneId::Backups)
                        .and_then(|i| self.inv.backup_sets.get(i))
                })
                .map(|s| s.id.clone())
                .ok_or_else(|| {
                    "no restorable backup set to use: select one in the backup sets pane"
                        .to_string()
                })
        };
        match (self.focus, row) {
            (_, None) => Err(format!("{} has no row selected", self.focus.title())),
            (PaneId::Backups, Some(i)) => {
                let set = self
                    .inv
                    .backup_sets
                    .get(i)
                    .ok_or("the selected backup set is gone")?;
                Ok((set.id.clone(), vec!["all".into()], "every component".into()))
            }
            (PaneId::Databases, Some(i)) => {
                let db = self
                    .inv
                    .databases
                    .get(i)
                    .ok_or("the selected database is gone")?;
                Ok((
                    fallback_set()?,
                    vec![db.component.clone()],
                    db.component.clone(),
                ))
            }
            (PaneId::Certificates, Some(i)) => {
                let c = self
                    .inv
                    .certificates
                    .get(i)
                    .ok_or("the selected certificate is gone")?;
                let set = match &c.source {
                    Source::Set(id) => id.clone(),
                    Source::Live => fallback_set()?,
                };
                Ok((set, vec![c.component.clone()], c.component.clone()))
            }
            (PaneId::Distribution, Some(_)) => {
                Err("distribution points are compared and restored from their own actions".into())
            }
            (PaneId::Runbook, Some(_)) => Err(
                "the runbook is not restored itself: its restore steps name the command (y copies it)"
                    .into(),
            ),
        }
    }

    fn open_diff(&mut self) {
        match self.target() {
            Err(e) => self.status = Some(e),
            Ok((set, selectors, what)) => {
                let title = format!("Diff · {what} · set {set} → live");
                let job = self.job(Job::Diff { set, selectors });
                self.diff = Some(DiffState {
                    title,
                    job,
                    lines: None,
                    search: String::new(),
                    hscroll: 0,
                });
                self.overlay = Some(Overlay::Diff { scroll: 0 });
            }
        }
    }

    fn open_restore(&mut self) {
        match self.target() {
            Err(e) => self.status = Some(e),
            Ok((set, selectors, what)) => {
                let title = format!("Restore {what} from set {set}");
                let job = self.job(Job::RestorePreview { set, selectors });
                self.open_plan("Restore", title, job);
            }
        }
    }

    /// The distribution point selected in its pane, or why there is none.
    fn selected_point(&self) -> Result<&crate::inventory::DistributionPoint, String> {
        if self.focus != PaneId::Distribution {
            return Err("promote, sync and marks act on distribution points: press 4".into());
        }
        self.selected_row(PaneId::Distribution)
            .and_then(|i| self.inv.distribution_points.get(i))
            .ok_or_else(|| "no distribution point is selected".into())
    }

    fn open_promote(&mut self) {
        match self.selected_point() {
            Err(e) => self.status = Some(e),
            Ok(p) => {
                let name = p.name.clone();
                let title = format!("Promote {name} to the only master");
                let job = self.job(Job::PromotePreview { name });
                self.open_plan("Promote", title, job);
            }
        }
    }

    /// Sync the marked points still defined, else the selected one.
    fn open_sync(&mut self) {
        let defined: Vec<String> = self
            .inv
            .distribution_points
            .iter()
            .filter(|p| self.marked.contains(&p.name))
            .map(|p| p.name.clone())
            .collect();
        let names = if defined.is_empty() {
            match self.selected_point() {
                Err(e) => {
                    self.status = Some(e);
                    return;
                }
                Ok(p) => vec![p.name.clone()],
            }
        } else {
            defined
        };
        let title = format!("Sync {} from the master", names.join(", "));
        let job = self.job(Job::SyncPreview { names });
        self.open_plan("Sync", title, job);
    }

    fn toggle_mark(&mut self) {
        let name = match self.selected_point() {
            Err(e) => {
                self.status = Some(e);
                return;
            }
            Ok(p) => p.name.clone(),
        };
        if !self.marked.remove(&name) {
            self.marked.insert(name);
        }
        self.status = Some(match self.marked.len() {
            0 => "no point marked: s syncs the selected one".into(),
            n => format!("{n} marked: s syncs them from the master"),
        });
    }

    fn open_plan(&mut self, verb: &'static str, title: String, job: u64) {
        self.plan = Some(PlanState {
            verb,
            title,
            job,
            stage: Stage::Building,
            confirm: false,
        });
        self.overlay = Some(Overlay::Plan { scroll: 0 });
    }

    /// Move the diff view to the next (or previous) stop after the top line shown; with
    /// `from_top` the line at the top counts too (a fresh search).
    fn jump_change(&mut self, forward: bool, from_top: bool) {
        let Some(Overlay::Diff { scroll }) = self.overlay else {
            return;
        };
        let Some(d) = &self.diff else { return };
        // One row per line: the row shown at the top is the line index.
        let top = scroll;
        let n = d.len();
        let found = if forward {
            let start = if from_top { top } else { top + 1 };
            (start..n).find(|&i| d.is_stop(i))
        } else {
            (0..top).rev().find(|&i| d.is_stop(i))
        };
        match found {
            Some(i) => {
                self.overlay = Some(Overlay::Diff { scroll: i });
            }
            None => {
                let what = if d.search.is_empty() {
                    "change".to_string()
                } else {
                    format!("match for '{}'", d.search)
                };
                self.status = Some(format!(
                    "no {} {what}",
                    if forward { "later" } else { "earlier" }
                ));
            }
        }
    }

    fn overlay_inner_width(&self) -> u16 {
        let s = layout::screen(self.size, layout::mode(self.size), self.zoom);
        layout::overlay(s.body).width.saturating_sub(4)
    }

    fn apply_inventory(&mut self, inv: Inventory) {
        let keys: Vec<Option<String>> = PaneId::ALL
            .iter()
            .map(|p| {
                self.selected_row(*p)
                    .map(|i| panes::key(*p, self.view(), i))
            })
            .collect();
        self.inv = inv;
        self.loaded = true;
        self.scanning = None;
        self.progress = None;
        if let Some((depth, msg)) = &self.awaiting
            && self.inv.depth >= *depth
        {
            self.status = Some(format!(
                "{msg}: done, {} check found {}",
                depth_name(self.inv.depth),
                widgets::count(self.inv.findings.len(), "finding")
            ));
            self.awaiting = None;
        }
        let mut order: Vec<usize> = (0..self.inv.findings.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(self.inv.findings[i].severity));
        self.findings_order = order;
        for p in PaneId::ALL {
            let flags = panes::flags(p, self.view());
            self.pane_worst[p.index()] = (0..panes::len(p, self.view()))
                .map(|i| panes::status(p, self.view(), i, &flags))
                .max();
            self.flags[p.index()] = flags;
        }
        for p in PaneId::ALL {
            self.refilter(p);
            if !self.pinned[p.index()] {
                self.panes[p.index()].selected = self.safest_row(p);
                continue;
            }
            if let Some(Some(key)) = keys.get(p.index()) {
                let st = &self.panes[p.index()];
                if let Some(pos) = st
                    .visible
                    .iter()
                    .position(|&i| panes::key(p, self.view(), i) == *key)
                {
                    self.panes[p.index()].selected = pos;
                }
            }
        }
        self.clamp_all();
        if let Some(Overlay::Findings { selected, .. }) = &mut self.overlay {
            *selected = (*selected).min(self.findings_order.len().saturating_sub(1));
        }
        // The runbook is judged against this scan as soon as it is on screen (or was).
        if self.focus == PaneId::Runbook || self.rb.runbook.is_some() {
            self.request_runbook();
        }
    }

    /// Where an untouched pane's cursor starts: on the recommended set (the newest set is
    /// often the broken one, and `d` or `r` must not act on it by accident); elsewhere on the
    /// first row, which for databases is the most damaged one.
    fn safest_row(&self, p: PaneId) -> usize {
        let st = &self.panes[p.index()];
        match p {
            PaneId::Backups => st
                .visible
                .iter()
                .position(|&i| self.inv.backup_sets.get(i).is_some_and(|s| s.recommended))
                .unwrap_or(0),
            // The runbook starts on the next step to do.
            PaneId::Runbook => self
                .rb
                .runbook
                .as_ref()
                .and_then(|r| {
                    let next = r.next.as_deref()?;
                    let i = r.steps.iter().position(|s| s.step.id == next)?;
                    st.visible.iter().position(|&v| v == i)
                })
                .unwrap_or(0),
            _ => 0,
        }
    }

    fn refilter(&mut self, p: PaneId) {
        let needle = self.panes[p.index()].filter.to_lowercase();
        let n = panes::len(p, self.view());
        let mut visible: Vec<usize> = if needle.is_empty() {
            (0..n).collect()
        } else {
            (0..n)
                .filter(|&i| panes::haystack(p, self.view(), i).contains(&needle))
                .collect()
        };
        if p == PaneId::Databases {
            // Damaged databases first, so the first row is the one that needs the restore.
            let flags = &self.flags[p.index()];
            let view = self.view();
            visible.sort_by_key(|&i| std::cmp::Reverse(panes::status(p, view, i, flags)));
        }
        let st = &mut self.panes[p.index()];
        st.visible = visible;
        st.selected = st.selected.min(st.visible.len().saturating_sub(1));
    }

    fn edit_filter(&mut self, e: Edit) {
        let p = self.focus;
        match e {
            Edit::Insert(c) => {
                self.panes[p.index()].filter.push(c);
                self.panes[p.index()].selected = 0;
                self.refilter(p);
            }
            Edit::Delete => {
                self.panes[p.index()].filter.pop();
                self.refilter(p);
            }
            Edit::Accept => self.editing_filter = false,
            Edit::Cancel => {
                self.editing_filter = false;
                self.panes[p.index()].filter.clear();
                self.refilter(p);
            }
            Edit::Move(c) => self.move_selection(c),
        }
        self.clamp_all();
    }

    fn command(&mut self, c: Command) {
        if let Some(ov) = self.overlay {
            if self.overlay_command(ov, c) {
                return;
            }
            self.overlay = None;
        }
        match c {
            Command::Quit => self.quit = true,
            Command::Back => {
                if self.zoom {
                    self.zoom = false;
                } else if !self.panes[self.focus.index()].filter.is_empty() {
                    self.panes[self.focus.index()].filter.clear();
                    self.refilter(self.focus);
                } else {
                    self.status = Some("press q to quit".into());
                }
            }
            Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::Home
            | Command::End => self.move_selection(c),
            Command::Left | Command::Right => {
                let dx = if c == Command::Left { -1 } else { 1 };
                // The runbook is not on the grid: from it, left and right go round the tabs.
                let grid = layout::mode(self.size) == Mode::Grid
                    && !self.zoom
                    && self.focus != PaneId::Runbook;
                self.focus = if grid {
                    layout::grid_neighbour(self.focus, dx)
                } else {
                    PaneId::from_index(
                        (self.focus.index() as i32 + dx as i32).rem_euclid(PaneId::ALL.len() as i32)
                            as usize,
                    )
                };
                self.side_scroll = 0;
            }
            Command::NextPane => self.focus_pane(PaneId::from_index(self.focus.index() + 1)),
            Command::PrevPane => self.focus_pane(PaneId::from_index(
                self.focus.index() + PaneId::ALL.len() - 1,
            )),
            Command::FocusPane(p) => self.focus_pane(p),
            Command::Details => {
                if self.selected_row(self.focus).is_some() {
                    self.overlay = Some(Overlay::Details { scroll: 0 });
                } else {
                    self.status = Some(format!("{} has no row selected", self.focus.title()));
                }
            }
            Command::PanelDown | Command::PanelUp if self.zoom => {
                let max = self.panel_overflow();
                self.side_scroll = if c == Command::PanelDown {
                    (self.side_scroll + 1).min(max)
                } else {
                    self.side_scroll.saturating_sub(1)
                };
            }
            Command::PanelDown | Command::PanelUp => {
                self.status = Some("] and [ scroll the details panel of a zoomed pane (z)".into());
            }
            Command::Zoom => {
                self.zoom = !self.zoom;
                self.side_scroll = 0;
            }
            Command::Findings => {
                self.overlay = Some(Overlay::Findings {
                    selected: 0,
                    offset: 0,
                })
            }
            Command::Filter => self.editing_filter = true,
            Command::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Command::Recheck => {
                self.effects.push(Effect::Scan(CheckDepth::Full));
                self.awaiting = Some((CheckDepth::Full, "full integrity checks".into()));
                self.status = Some("full integrity checks running for everything…".into());
            }
            Command::Diff => self.open_diff(),
            Command::Restore => self.open_restore(),
            Command::Undo => {
                let job = self.job(Job::UndoPreview);
                self.open_plan("Undo", "Undo the last transaction".into(), job);
            }
            Command::JournalView => {
                let job = self.job(Job::Journal);
                self.journal_view = Some(JournalState { job, list: None });
                self.overlay = Some(Overlay::Journal { scroll: 0 });
            }
            Command::NextChange | Command::PrevChange => {
                self.status = Some("n and N move between changes in the diff view (d)".into());
            }
            Command::RunbookDone | Command::RunbookSkip | Command::RunbookClear => {
                self.start_mark(c)
            }
            Command::Copy => self.copy_selected(),
            Command::Promote => self.open_promote(),
            Command::Sync => self.open_sync(),
            Command::Mark => self.toggle_mark(),
        }
        if self.focus == PaneId::Runbook {
            self.ensure_runbook();
        }
        self.clamp_all();
    }

    /// Handle a command inside an overlay; `false` means "close it and treat it normally".
    fn overlay_command(&mut self, ov: Overlay, c: Command) -> bool {
        let page = layout::overlay_rows(self.size, self.zoom).max(1);
        let step = |pos: usize, c: Command, len: usize, page: usize| -> usize {
            let last = len.saturating_sub(1);
            match c {
                Command::Up => pos.saturating_sub(1),
                Command::Down => (pos + 1).min(last),
                Command::PageUp => pos.saturating_sub(page),
                Command::PageDown => (pos + page).min(last),
                Command::Home => 0,
                _ => last,
            }
        };
        let moving = matches!(
            c,
            Command::Up
                | Command::Down
                | Command::PageUp
                | Command::PageDown
                | Command::Home
                | Command::End
        );
        match ov {
            Overlay::Details { .. } if c == Command::Copy => {
                // Copy what the details are about, and keep reading them.
                self.copy_selected();
                true
            }
            Overlay::Details { scroll } | Overlay::Help { scroll } => {
                let closing = matches!(c, Command::Back | Command::Quit)
                    || (c == Command::Details && matches!(ov, Overlay::Details { .. }))
                    || (c == Command::Help && matches!(ov, Overlay::Help { .. }));
                if closing {
                    self.overlay = None;
                    return true;
                }
                if !moving {
                    return false;
                }
                let len = self.overlay_len(ov);
                let max = len.saturating_sub(page);
                let new = step(scroll, c, max + 1, page);
                self.overlay = Some(match ov {
                    Overlay::Details { .. } => Overlay::Details { scroll: new },
                    _ => Overlay::Help { scroll: new },
                });
                true
            }
            Overlay::Diff { scroll } => {
                match c {
                    Command::Back | Command::Quit | Command::Diff => self.overlay = None,
                    Command::NextChange => self.jump_change(true, false),
                    Command::Left | Command::Right => {
                        let width = self.overlay_inner_width() as usize;
                        let max = overlays::diff::max_hscroll(&self.diff_lines(), width);
                        if let Some(d) = self.diff.as_mut() {
                            // Half a view at a time: the eye keeps its place.
                            let step = (width / 2).max(4);
                            d.hscroll = if c == Command::Left {
                                d.hscroll.min(max).saturating_sub(step)
                            } else {
                                (d.hscroll + step).min(max)
                            };
                        }
                    }
                    Command::PrevChange => self.jump_change(false, false),
                    Command::Filter => {
                        if let Some(d) = self.diff.as_mut() {
                            d.search.clear();
                            self.searching = true;
                        }
                    }
                    _ if moving => {
                        let max = self.overlay_len(ov).saturating_sub(page);
                        self.overlay = Some(Overlay::Diff {
                            scroll: step(scroll, c, max + 1, page),
                        });
                    }
                    _ => return false,
                }
                true
            }
            Overlay::Plan { scroll } => self.plan_command(scroll, c, moving, page),
            Overlay::Copy { scroll } => {
                match c {
                    Command::Back | Command::Quit | Command::Copy | Command::Details => {
                        self.overlay = None
                    }
                    _ if moving => {
                        let max = self.overlay_len(ov).saturating_sub(page);
                        self.overlay = Some(Overlay::Copy {
                            scroll: step(scroll, c, max + 1, page),
                        });
                    }
                    _ => return false,
                }
                true
            }
            Overlay::Journal { scroll } => {
                match c {
                    Command::Back | Command::Quit | Command::JournalView => self.overlay = None,
                    _ if moving => {
                        let max = self.overlay_len(ov).saturating_sub(page);
                        self.overlay = Some(Overlay::Journal {
                            scroll: step(scroll, c, max + 1, page),
                        });
                    }
                    _ => return false,
                }
                true
            }
            Overlay::Findings { selected, offset } => {
                match c {
                    Command::Back | Command::Quit | Command::Findings => {
                        self.overlay = None;
                    }
                    Command::Details => self.jump_to_finding(selected),
                    Command::Copy => self.copy_finding(selected),
                    _ if moving => {
                        let rows = overlays::findings::list_rows(page).max(1);
                        let sel = step(selected, c, self.findings_order.len(), rows);
                        let off = scroll_into_view(sel, offset, rows);
                        self.overlay = Some(Overlay::Findings {
                            selected: sel,
                            offset: off,
                        });
                    }
                    _ => return false,
                }
                true
            }
        }
    }

    /// Keys inside the plan preview: it only closes or confirms on purpose, and never while
    /// the plan runs (the worker cannot be stopped halfway; the journal would roll it back).
    fn plan_command(&mut self, scroll: usize, c: Command, moving: bool, page: usize) -> bool {
        let Some(p) = self.plan.as_mut() else {
            self.overlay = None;
            return true;
        };
        let running = matches!(p.stage, Stage::Running(_));
        let ready = matches!(&p.stage, Stage::Ready(pr) if pr.plan.ready());
        match c {
            _ if moving => {
                let max = self
                    .overlay_len(Overlay::Plan { scroll })
                    .saturating_sub(page.saturating_sub(2));
                self.overlay = Some(Overlay::Plan {
                    scroll: (match c {
                        Command::Up => scroll.saturating_sub(1),
                        Command::Down => scroll + 1,
                        Command::PageUp => scroll.saturating_sub(page),
                        Command::PageDown => scroll + page,
                        Command::Home => 0,
                        _ => max,
                    })
                    .min(max),
                });
            }
            _ if running => {
                self.status = Some(format!(
                    "{} is running; wait for it to finish",
                    p.verb.to_lowercase()
                ));
            }
            Command::Left | Command::Right | Command::NextPane | Command::PrevPane if ready => {
                p.confirm = !p.confirm;
            }
            Command::Details if ready && p.confirm => {
                if let Stage::Ready(preview) = std::mem::replace(&mut p.stage, Stage::Building) {
                    let plan = Box::new(preview.plan.clone());
                    p.stage = Stage::Running(preview);
                    p.confirm = false;
                    let job = self.job(Job::Execute(plan));
                    if let Some(p) = self.plan.as_mut() {
                        p.job = job;
                    }
                    self.overlay = Some(Overlay::Plan { scroll: 0 });
                }
            }
            Command::Details | Command::Back | Command::Quit => {
                let cancelled = matches!(p.stage, Stage::Ready(_) | Stage::Building);
                if cancelled {
                    self.status = Some(format!(
                        "{} cancelled; nothing was changed",
                        p.verb.to_lowercase()
                    ));
                }
                self.overlay = None;
            }
            _ => {}
        }
        true
    }

    fn overlay_len(&self, ov: Overlay) -> usize {
        let inner_w = {
            let s = layout::screen(self.size, layout::mode(self.size), self.zoom);
            layout::overlay(s.body).width.saturating_sub(2)
        };
        let lines = match ov {
            Overlay::Details { .. } => self.details_lines(),
            Overlay::Help { .. } => overlays::help::lines(self.opts.read_only, &self.opts.theme),
            Overlay::Findings { .. } => return self.findings_order.len(),
            Overlay::Diff { .. } => return self.diff_lines().len(),
            Overlay::Plan { .. } => self.plan_lines(),
            Overlay::Journal { .. } => self.journal_lines(),
            Overlay::Copy { .. } => self.copy_lines(),
        };
        overlays::wrapped_height(&lines, inner_w)
    }

    /// How far the zoom details panel can scroll: wrapped lines beyond what it shows.
    fn panel_overflow(&self) -> usize {
        let m = layout::mode(self.size);
        let s = layout::screen(self.size, m, true);
        let side = layout::body(s.body, m, self.focus, true)
            .side
            .unwrap_or_default();
        let lines = widgets::wrap(&self.details_lines(), side.width.saturating_sub(4) as usize);
        lines
            .len()
            .saturating_sub(side.height.saturating_sub(2) as usize)
    }

    fn diff_lines(&self) -> Vec<Line<'static>> {
        let lines = self
            .diff
            .as_ref()
            .map(|d| overlays::diff::lines(d, &self.inv.root, &self.opts.theme))
            .unwrap_or_default();
        self.presentation.alias_lines(lines)
    }

    fn plan_lines(&self) -> Vec<Line<'static>> {
        let lines = self
            .plan
            .as_ref()
            .map(|p| {
                overlays::restore::lines(
                    p,
                    self.progress.as_ref(),
                    &self.inv.root,
                    &self.opts.theme,
                )
            })
            .unwrap_or_default();
        self.presentation.alias_lines(lines)
    }

    fn journal_lines(&self) -> Vec<Line<'static>> {
        let lines = self
            .journal_view
            .as_ref()
            .map(|j| overlays::journal::lines(j, &self.opts.root, &self.opts.theme))
            .unwrap_or_default();
        self.presentation.alias_lines(lines)
    }

    fn details_lines(&self) -> Vec<Line<'static>> {
        let lines = match self.selected_row(self.focus) {
            Some(i) => panes::details(self.focus, self.view(), i, &self.opts.theme),
            None => Vec::new(),
        };
        self.presentation.alias_lines(lines)
    }

    fn jump_to_finding(&mut self, pos: usize) {
        let Some(f) = self
            .findings_order
            .get(pos)
            .and_then(|&i| self.inv.findings.get(i))
            .cloned()
        else {
            return;
        };
        for p in PaneId::ALL {
            if let Some(row) = panes::locate(p, &self.inv, &f) {
                if !self.panes[p.index()].visible.contains(&row) {
                    self.panes[p.index()].filter.clear();
                    self.refilter(p);
                }
                if let Some(at) = self.panes[p.index()].visible.iter().position(|&i| i == row) {
                    self.panes[p.index()].selected = at;
                    self.pinned[p.index()] = true;
                }
                self.focus = p;
                self.overlay = None;
                self.clamp_all();
                self.status = Some(format!("{}: {}", f.code.as_str(), f.component));
                return;
            }
        }
        self.status = Some(format!(
            "{} is not shown in a pane; its hint is below the list",
            f.component
        ));
    }

    fn focus_pane(&mut self, p: PaneId) {
        self.focus = p;
        self.side_scroll = 0;
    }

    fn move_selection(&mut self, c: Command) {
        self.pinned[self.focus.index()] = true;
        let rows = layout::list_rows(layout::pane_rect(
            self.size, self.focus, self.focus, self.zoom,
        ))
        .max(1);
        let st = &mut self.panes[self.focus.index()];
        let last = st.visible.len().saturating_sub(1);
        st.selected = match c {
            Command::Up => st.selected.saturating_sub(1),
            Command::Down => (st.selected + 1).min(last),
            Command::PageUp => st.selected.saturating_sub(rows),
            Command::PageDown => (st.selected + rows).min(last),
            Command::Home => 0,
            _ => last,
        };
        self.side_scroll = 0;
    }

    /// Keep every selection inside its list and every list scrolled so the selection shows.
    fn clamp_all(&mut self) {
        for p in PaneId::ALL {
            let rows =
                layout::list_rows(layout::pane_rect(self.size, p, self.focus, self.zoom)).max(1);
            let st = &mut self.panes[p.index()];
            st.selected = st.selected.min(st.visible.len().saturating_sub(1));
            st.offset = scroll_into_view(st.selected, st.offset, rows);
            // After a resize or filter the list may end above the bottom: show as much as fits.
            st.offset = st.offset.min(st.visible.len().saturating_sub(rows));
        }
        if let Some(Overlay::Findings { selected, offset }) = self.overlay {
            let rows =
                overlays::findings::list_rows(layout::overlay_rows(self.size, self.zoom)).max(1);
            self.overlay = Some(Overlay::Findings {
                selected,
                offset: scroll_into_view(selected, offset, rows),
            });
        }
    }

    fn mouse(&mut self, m: MouseEvent) {
        let mode = layout::mode(self.size);
        if mode == Mode::TooSmall || self.overlay.is_some() {
            return;
        }
        let s = layout::screen(self.size, mode, self.zoom);
        let body = layout::body(s.body, mode, self.focus, self.zoom);
        let at = Position::new(m.column, m.row);
        let Some((p, rect)) = body.panes.iter().find(|(_, r)| r.contains(at)).copied() else {
            return;
        };
        match m.kind {
            MouseEventKind::ScrollDown => {
                self.focus = p;
                self.move_selection(Command::Down);
            }
            MouseEventKind::ScrollUp => {
                self.focus = p;
                self.move_selection(Command::Up);
            }
            MouseEventKind::Down(MouseButton::Left) => {
                self.focus = p;
                // Border and column headings take the first two rows.
                let first = rect.y + 2;
                if m.row >= first && m.row < rect.bottom().saturating_sub(1) {
                    let st = &mut self.panes[p.index()];
                    let pos = st.offset + (m.row - first) as usize;
                    if pos < st.visible.len() {
                        st.selected = pos;
                        self.pinned[p.index()] = true;
                    }
                }
            }
            _ => {}
        }
        self.clamp_all();
    }
}

fn depth_name(d: CheckDepth) -> &'static str {
    match d {
        CheckDepth::Quick => "quick",
        CheckDepth::Standard => "standard",
        CheckDepth::Full => "full",
    }
}

/// The offset that keeps `selected` inside a window of `rows` starting near `offset`.
pub fn scroll_into_view(selected: usize, offset: usize, rows: usize) -> usize {
    if selected < offset {
        selected
    } else if selected >= offset + rows {
        selected + 1 - rows
    } else {
        offset
    }
}

// The runbook pane's marks and the clipboard (`y`): a child module, like the drawing.
#[path = "app_runbook.rs"]
pub mod runbook_state;

// The drawing: a child module, so it reads the state without widening its visibility.
#[path = "view.rs"]
mod view;

#[cfg(test)]
#[path = "app_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "app_action_tests.rs"]
mod action_tests;

#[cfg(test)]
#[path = "app_runbook_tests.rs"]
mod runbook_tests;
