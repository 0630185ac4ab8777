//! The event loop: one channel carries keys, resizes, progress and scan results as `Action`s.
//! Input and scans run on their own threads, so the UI thread never waits on a check.

use super::action::Action;
use super::app::{App, Effect};
use super::jobs::{self, Job};
use super::playback::{Resize, Session};
use super::terminal;
use crate::context::Context;
use crate::inventory::{CheckDepth, Inventory, Progress, ProgressSink};
use crossterm::event::{self, Event, KeyEventKind};
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::Duration;

/// A scan the worker runs: depth in, inventory out, progress along the way.
pub type ScanFn = dyn Fn(CheckDepth, &dyn ProgressSink) -> Inventory + Send + Sync;

/// Start the scan worker; send it depths, it answers with `ScanStarted`, `Progress` and
/// `Scanned` actions on `tx`, one scan at a time in the order asked.
pub fn spawn_scanner(scan: Box<ScanFn>, tx: Sender<Action>) -> Sender<CheckDepth> {
    let (jobs, queue) = mpsc::channel::<CheckDepth>();
    let report = tx.clone();
    let spawned = thread::Builder::new()
        .name("drconsole-scan".into())
        .spawn(move || {
            for depth in queue {
                if tx.send(Action::ScanStarted(depth)).is_err() {
                    return;
                }
                let progress_tx = tx.clone();
                let sink = move |p: Progress| {
                    let _ = progress_tx.send(Action::Progress(p));
                };
                let result =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scan(depth, &sink)));
                let action = match result {
                    Ok(inv) => Action::Scanned(Box::new(inv)),
                    Err(_) => {
                        let msg = terminal::WORKER_PANIC
                            .lock()
                            .ok()
                            .and_then(|mut m| m.take());
                        Action::ScanFailed(format!(
                            "the scan failed: {}",
                            msg.unwrap_or_else(|| "unknown error".into())
                        ))
                    }
                };
                if tx.send(action).is_err() {
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        // Without a worker nothing fills in; say so rather than show empty panes forever.
        let _ = report.send(Action::ScanFailed(format!(
            "cannot start the scan thread: {e}"
        )));
    }
    jobs
}

/// Starts jobs on worker threads (one thread per job); results come back on the channel.
pub struct Jobs {
    ctx: Arc<Context>,
    tx: Sender<Action>,
}

impl Jobs {
    /// A job runner answering on `tx`.
    pub fn new(ctx: Arc<Context>, tx: Sender<Action>) -> Jobs {
        Jobs { ctx, tx }
    }

    /// Run `job` on its own thread against a snapshot of the console's inventory.
    pub fn start(&self, id: u64, job: Job, inv: Inventory) {
        let ctx = Arc::clone(&self.ctx);
        let tx = self.tx.clone();
        let report = self.tx.clone();
        let spawned = thread::Builder::new()
            .name("drconsole-job".into())
            .spawn(move || {
                let progress_tx = tx.clone();
                let sink = move |p: Progress| {
                    let _ = progress_tx.send(Action::Progress(p));
                };
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    jobs::run(&ctx, &inv, id, &job, &sink)
                }));
                let action = result.unwrap_or_else(|_| {
                    let msg = terminal::WORKER_PANIC
                        .lock()
                        .ok()
                        .and_then(|mut m| m.take())
                        .unwrap_or_else(|| "unknown error".into());
                    jobs::failed(id, &job, format!("the worker failed: {msg}"), &ctx)
                });
                let _ = tx.send(action);
            });
        if let Err(e) = spawned {
            let _ = report.send(Action::ScanFailed(format!(
                "cannot start a worker thread: {e}"
            )));
        }
    }
}

/// Read terminal events on a thread until `stop` is set or the channel closes.
pub fn spawn_input(tx: Sender<Action>, stop: Arc<AtomicBool>) {
    let _ = thread::Builder::new()
        .name("drconsole-input".into())
        .spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match event::poll(Duration::from_millis(100)) {
                    Ok(false) => continue,
                    Ok(true) => {}
                    Err(e) => {
                        let _ = tx.send(Action::InputFailed(e.to_string()));
                        return;
                    }
                }
                let action = match event::read() {
                    Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => Action::Key(k),
                    Ok(Event::Resize(w, h)) => Action::Resize(w, h),
                    Ok(Event::Mouse(m)) => Action::Mouse(m),
                    Ok(_) => continue,
                    Err(e) => Action::InputFailed(e.to_string()),
                };
                if tx.send(action).is_err() {
                    return;
                }
            }
        });
}

/// Wait up to `timeout` for an action, then apply it and every other one already waiting (so
/// a burst of progress costs one redraw). Returns false when every sender is gone.
pub fn pump(app: &mut App, rx: &Receiver<Action>, timeout: Duration) -> bool {
    match rx.recv_timeout(timeout) {
        Ok(a) => app.update(a),
        Err(RecvTimeoutError::Timeout) => return true,
        Err(RecvTimeoutError::Disconnected) => return false,
    }
    while let Ok(a) = rx.try_recv() {
        app.update(a);
    }
    true
}

/// Hand queued effects to the workers; returns how many were started.
pub fn run_effects(app: &mut App, scans: &Sender<CheckDepth>, jobs: &Jobs) -> usize {
    let effects = app.take_effects();
    let n = effects.len();
    for e in effects {
        match e {
            Effect::Scan(depth) => {
                let _ = scans.send(depth);
            }
            Effect::Job(id, job) => jobs.start(id, job, app.inventory().clone()),
        }
    }
    n
}

/// Run the console until the operator quits, a signal arrives or (with `--exit-after-keys`)
/// the key script ends; returns the exit code. A key script plays through here too, so a
/// scripted key is handled exactly as a typed one.
pub fn run_loop<B: Backend + Resize>(
    term: &mut Terminal<B>,
    app: &mut App,
    session: &mut Session,
) -> anyhow::Result<i32>
where
    B::Error: Send + Sync + 'static,
{
    loop {
        session.dispatch(app);
        let frame = term.draw(|f| app.draw(f))?;
        let size = (frame.area.width, frame.area.height);
        session.record_frame(size)?;
        if app.should_quit() {
            session.finish()?;
            // Said after the terminal is restored, by the caller, so it can be read.
            if let Some(why) = app.fatal() {
                anyhow::bail!("{why}");
            }
            return Ok(0);
        }
        let sig = session.signal();
        if sig != 0 {
            session.finish()?;
            return Ok(128 + sig as i32);
        }
        if session.player.is_some() {
            let exit_after = session.player.as_ref().is_some_and(|p| p.exit_after);
            if session.step(term, app).is_some() {
                continue;
            }
            if exit_after {
                session.finish()?;
                return Ok(0);
            }
        }
        if !session.pump(app, Duration::from_millis(200)) {
            session.finish()?;
            return Ok(0);
        }
    }
}
