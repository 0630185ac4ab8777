//! Playing a key script into the console, through the same event loop, keymap and reducer as
//! a person's keys. While a script plays, results of background work are held back and applied
//! only when the script waits for them (`wait-for job`, and before every key), so the screen at
//! every step is the same on a fast machine and a slow one.

use super::action::Action;
use super::app::App;
use super::event::{self, Jobs};
use super::headless::HeadlessBackend;
use super::record::{Capture, Cast, RecordError, Timeline};
use super::script::{Script, Step};
use crate::inventory::CheckDepth;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::{Backend, CrosstermBackend, TestBackend};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

/// Milliseconds between the characters of a `type` line.
pub const TYPE_MS: u64 = 80;

/// A backend the script's `resize` can act on: the in-memory terminal can; a person's real
/// terminal keeps the size the person gave it.
pub trait Resize {
    /// Become `cols` × `rows`; `false` when this terminal cannot be resized from here.
    fn resize_to(&mut self, cols: u16, rows: u16) -> bool;
}

impl Resize for HeadlessBackend {
    fn resize_to(&mut self, cols: u16, rows: u16) -> bool {
        self.resize(cols, rows);
        true
    }
}

impl Resize for TestBackend {
    fn resize_to(&mut self, cols: u16, rows: u16) -> bool {
        self.resize(cols, rows);
        true
    }
}

impl<W: std::io::Write> Resize for CrosstermBackend<W> {
    fn resize_to(&mut self, _cols: u16, _rows: u16) -> bool {
        false
    }
}

/// One thing the player does next.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Play {
    /// A script step.
    Step(Step),
    /// Show or hide the pause prompt.
    Prompt(bool),
    /// Wait for the trainee (live) or let this many milliseconds pass (headless).
    AwaitSpace(u64),
}

/// A key script being played.
#[derive(Debug, Clone)]
pub struct Player {
    queue: VecDeque<Play>,
    /// Quit when the script ends instead of handing the console to the person.
    pub exit_after: bool,
}

impl Player {
    /// Play `script`; the console opens on finished scans, so it starts by waiting for them.
    pub fn new(script: &Script, exit_after: bool) -> Player {
        let mut queue = VecDeque::from([Play::Step(Step::WaitForJob)]);
        queue.extend(script.steps.iter().map(|(_, s)| Play::Step(s.clone())));
        Player { queue, exit_after }
    }

    /// The next thing to do, with `type` and `pause` taken apart into keys, waits and prompts.
    fn next(&mut self, live: bool) -> Option<Play> {
        let play = self.queue.pop_front()?;
        match play {
            Play::Step(Step::Type(text)) => {
                let mut parts = Vec::new();
                for (i, c) in text.chars().enumerate() {
                    if i > 0 {
                        parts.push(Play::Step(Step::Wait(TYPE_MS)));
                    }
                    parts.push(Play::Step(Step::Key(char_key(c))));
                }
                for p in parts.into_iter().rev() {
                    self.queue.push_front(p);
                }
                self.next(live)
            }
            // Headless there is nobody to press Space: the pause is a wait without a prompt.
            Play::Step(Step::Pause(ms)) if !live => Some(Play::AwaitSpace(ms)),
            Play::Step(Step::Pause(ms)) => {
                self.queue.push_front(Play::Prompt(false));
                self.queue.push_front(Play::AwaitSpace(ms));
                Some(Play::Prompt(true))
            }
            other => Some(other),
        }
    }
}

/// The key a typed character is.
fn char_key(c: char) -> KeyEvent {
    let mods = if c.is_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    KeyEvent::new(KeyCode::Char(c), mods)
}

/// A recording in progress: the cast and the bytes the backend wrote since the last frame.
#[derive(Debug)]
pub struct Recording {
    /// The cast file.
    pub cast: Cast,
    /// What the backend wrote.
    pub capture: Capture,
    /// The terminal size the cast last said, columns × rows.
    pub size: (u16, u16),
}

/// What the event loop runs with: the channel, the workers, the signal flag, and for demos a
/// key script and a recording. It counts the background work it started, so `wait-for job`
/// knows when everything has finished.
pub struct Session<'a> {
    rx: &'a Receiver<Action>,
    scans: &'a Sender<CheckDepth>,
    jobs: &'a Jobs,
    signal: &'a AtomicUsize,
    /// The key script, while it plays.
    pub player: Option<Player>,
    /// The recording, when one was asked for.
    pub recording: Option<Recording>,
    /// Where frame times come from.
    pub timeline: Timeline,
    /// A person is at a real terminal (pauses wait for Space, waits take real time).
    pub live: bool,
    /// Scans and jobs started and not yet finished.
    pending: usize,
    /// Worker results that arrived while the script did not wait for them.
    held: VecDeque<Action>,
    /// The script ended at a terminal with its caption still shown: the person's first key
    /// clears it.
    lingering: bool,
}

impl<'a> Session<'a> {
    /// A session over these workers; no script, no recording, wall-clock time, live.
    pub fn new(
        rx: &'a Receiver<Action>,
        scans: &'a Sender<CheckDepth>,
        jobs: &'a Jobs,
        signal: &'a AtomicUsize,
    ) -> Session<'a> {
        Session {
            rx,
            scans,
            jobs,
            signal,
            player: None,
            recording: None,
            timeline: Timeline::Wall(std::time::Instant::now()),
            live: true,
            pending: 0,
            held: VecDeque::new(),
            lingering: false,
        }
    }

    /// The signal that arrived, if any (0 = none).
    pub fn signal(&self) -> usize {
        self.signal.load(Ordering::SeqCst)
    }

    /// Hand queued effects to the workers, counting them.
    pub fn dispatch(&mut self, app: &mut App) {
        self.pending += event::run_effects(app, self.scans, self.jobs);
    }

    /// Write what the last draw sent to a terminal of `size` into the recording; a new size
    /// (a `resize` step, or the person's terminal resized) is recorded first.
    pub fn record_frame(&mut self, size: (u16, u16)) -> Result<(), RecordError> {
        let ms = self.timeline.now_ms();
        if let Some(r) = &mut self.recording {
            if size != r.size {
                r.cast.resize(ms, size.0, size.1)?;
                r.size = size;
            }
            let bytes = r.capture.take();
            if !bytes.is_empty() {
                r.cast.output(ms, &bytes)?;
            }
        }
        Ok(())
    }

    /// End the recording: the last frame stays until the script's time ran out.
    pub fn finish(&mut self) -> Result<(), RecordError> {
        let ms = self.timeline.now_ms();
        if let Some(r) = &mut self.recording {
            r.cast.hold_until(ms)?;
        }
        Ok(())
    }

    /// Wait for the next action without a script: the ordinary live loop.
    pub fn pump(&mut self, app: &mut App, timeout: Duration) -> bool {
        // Results held back while a script played come first, in the order they arrived.
        while let Some(a) = self.held.pop_front() {
            app.update(a);
        }
        if self.lingering && app.caption().is_some() {
            return match self.rx.recv_timeout(timeout) {
                Ok(a) => {
                    if matches!(a, Action::Key(_)) {
                        self.lingering = false;
                        app.update(Action::Caption(None));
                    }
                    app.update(a);
                    true
                }
                Err(RecvTimeoutError::Timeout) => true,
                Err(RecvTimeoutError::Disconnected) => false,
            };
        }
        event::pump(app, self.rx, timeout)
    }

    /// Play the script's next step; `None` when the script has ended (or there is none).
    pub fn step<B: Backend + Resize>(
        &mut self,
        term: &mut ratatui::Terminal<B>,
        app: &mut App,
    ) -> Option<()> {
        let play = self.player.as_mut()?.next(self.live);
        let Some(play) = play else {
            self.player = None;
            self.lingering = self.live;
            return None;
        };
        match play {
            Play::Step(Step::Key(k)) => {
                // Every key meets a finished screen: what it acts on never depends on speed.
                self.settle(app);
                app.update(Action::Key(k));
            }
            Play::Step(Step::Wait(ms)) => self.wait(app, ms),
            Play::Step(Step::WaitForJob) => self.settle(app),
            Play::Step(Step::Caption(text)) => app.update(Action::Caption(text)),
            Play::Step(Step::Resize(cols, rows)) => {
                if term.backend_mut().resize_to(cols, rows) {
                    app.update(Action::Resize(cols, rows));
                }
            }
            Play::Prompt(on) => app.update(Action::Paused(on)),
            Play::AwaitSpace(ms) if !self.live => self.timeline.advance(ms),
            Play::AwaitSpace(_) => self.await_space(app),
            // Taken apart by `Player::next`.
            Play::Step(Step::Type(_) | Step::Pause(_)) => {}
        }
        Some(())
    }

    /// Apply held results, then wait until every scan and job started has finished.
    fn settle(&mut self, app: &mut App) {
        while let Some(a) = self.held.pop_front() {
            self.apply(app, a);
        }
        self.dispatch(app);
        while self.pending > 0 && !app.should_quit() && self.signal() == 0 {
            match self.rx.recv_timeout(Duration::from_millis(100)) {
                Ok(a) => {
                    self.apply(app, a);
                    self.dispatch(app);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    self.pending = 0;
                }
            }
        }
    }

    /// Apply one action during playback: a worker's result counts down the pending work; a
    /// person's key only stops the script (Ctrl-C quits, Esc hands over the console).
    fn apply(&mut self, app: &mut App, a: Action) {
        match a {
            Action::Key(k) => self.person_key(app, k),
            Action::Mouse(_) => {}
            other => {
                if other.ends_work() {
                    self.pending = self.pending.saturating_sub(1);
                }
                app.update(other);
            }
        }
    }

    fn person_key(&mut self, app: &mut App, k: KeyEvent) {
        let ctrl_c = k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl_c || k.code == KeyCode::Char('q') {
            app.update(Action::Key(KeyEvent::new(
                KeyCode::Char('c'),
                KeyModifiers::CONTROL,
            )));
        } else if k.code == KeyCode::Esc {
            self.hand_over(app);
        }
    }

    /// Stop the script and give the console to the person.
    fn hand_over(&mut self, app: &mut App) {
        self.player = None;
        app.update(Action::Paused(false));
        app.update(Action::Caption(None));
    }

    /// Let `ms` pass: script time headless; real time at a terminal, watching for the
    /// person's Ctrl-C or Esc and holding back results for the next wait.
    fn wait(&mut self, app: &mut App, ms: u64) {
        if !self.live {
            self.timeline.advance(ms);
            return;
        }
        let end = std::time::Instant::now() + Duration::from_millis(ms);
        while self.player.is_some() && !app.should_quit() && self.signal() == 0 {
            let left = end.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            match self.rx.recv_timeout(left.min(Duration::from_millis(100))) {
                Ok(a) => self.hold(app, a),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
    }

    /// A `pause` at a terminal: Space or Enter goes on, Esc hands over, q or Ctrl-C quits.
    fn await_space(&mut self, app: &mut App) {
        while self.player.is_some() && !app.should_quit() && self.signal() == 0 {
            match self.rx.recv_timeout(Duration::from_millis(100)) {
                // Space goes on without reaching the keymap (where it may mean something).
                Ok(Action::Key(k)) if matches!(k.code, KeyCode::Char(' ') | KeyCode::Enter) => {
                    return;
                }
                Ok(a) => self.hold(app, a),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// While the script is not waiting for results: a person's keys and resizes act now,
    /// workers' results wait.
    fn hold(&mut self, app: &mut App, a: Action) {
        match a {
            Action::Key(k) => self.person_key(app, k),
            Action::Resize(..) | Action::InputFailed(_) => app.update(a),
            Action::Mouse(_) => {}
            other => self.held.push_back(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn played(script: &str, live: bool) -> Vec<Play> {
        let mut p = Player::new(&Script::parse(script).expect("script"), true);
        std::iter::from_fn(|| p.next(live)).collect()
    }

    #[test]
    fn a_script_starts_on_finished_scans() {
        assert_eq!(played("", false), vec![Play::Step(Step::WaitForJob)]);
    }

    #[test]
    fn typed_text_is_keys_a_fixed_time_apart() {
        let p = played("type Ab", false);
        assert_eq!(
            p[1..],
            [
                Play::Step(Step::Key(KeyEvent::new(
                    KeyCode::Char('A'),
                    KeyModifiers::SHIFT
                ))),
                Play::Step(Step::Wait(TYPE_MS)),
                Play::Step(Step::Key(KeyEvent::new(
                    KeyCode::Char('b'),
                    KeyModifiers::NONE
                ))),
            ]
        );
    }

    #[test]
    fn a_pause_prompts_at_a_terminal_and_only_waits_headless() {
        assert_eq!(
            played("pause 1500", true)[1..],
            [
                Play::Prompt(true),
                Play::AwaitSpace(1500),
                Play::Prompt(false)
            ]
        );
        assert_eq!(played("pause 1500", false)[1..], [Play::AwaitSpace(1500)]);
    }
}
