//! The full-screen console: app state, actions, event loop, keymap, theme, panes and overlays.
//! It renders snapshots of the core's `Inventory`; scans run on a worker thread and report back
//! through the same channel as the keys, so the screen never waits for a check.

pub mod action;
pub mod app;
pub mod ascii;
pub mod event;
pub mod headless;
pub mod jobs;
pub mod keymap;
pub mod layout;
pub mod overlays;
pub mod panes;
pub mod playback;
pub mod record;
pub mod remap;
pub mod script;
pub mod terminal;
pub mod theme;
pub mod widgets;

pub use action::{Action, Command, PaneId};
pub use app::{App, Effect, Options, Presentation};
pub use theme::Theme;

use crate::context::Context;
use crate::inventory::{self, ScanOptions};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use record::{Capture, Cast, Tee, Timeline};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};

/// What a console run adds for demos and recordings; the default adds nothing.
#[derive(Debug, Default)]
pub struct Show {
    /// Key-cast box and demo-mode display.
    pub presentation: Presentation,
    /// A key script to play first.
    pub script: Option<script::Script>,
    /// Quit when the script ends (always so headless).
    pub exit_after_keys: bool,
    /// Record the frames into this cast.
    pub cast: Option<Cast>,
    /// Run on an in-memory terminal of this size instead of the real one.
    pub headless: Option<(u16, u16)>,
}

/// Open the console on `ctx` until the operator quits (or the key script ends, when it is to);
/// returns the exit code.
pub fn run(ctx: Context, opts: Options, show: Show) -> anyhow::Result<i32> {
    let signal = terminal::watch_signals()?;
    if let Some((cols, rows)) = show.headless {
        let backend = headless::HeadlessBackend::new(cols, rows);
        let capture = backend.capture();
        let mut term = Terminal::new(backend)?;
        return drive(&mut term, ctx, opts, show, capture, &signal);
    }
    let guard = terminal::Guard::enter(opts.mouse)?;
    let capture = Capture::default();
    let copy = show.cast.is_some().then(|| capture.clone());
    let mut term = Terminal::new(CrosstermBackend::new(Tee::new(std::io::stdout(), copy)))?;
    let result = drive(&mut term, ctx, opts, show, capture, &signal);
    drop(guard);
    result
}

/// Start the workers and run the event loop on `term`.
fn drive<B: Backend + playback::Resize>(
    term: &mut Terminal<B>,
    ctx: Context,
    opts: Options,
    show: Show,
    capture: Capture,
    signal: &AtomicUsize,
) -> anyhow::Result<i32>
where
    B::Error: Send + Sync + 'static,
{
    let live = show.headless.is_none();
    let size = term.size()?;
    let mut app = App::new(opts, (size.width, size.height)).present(show.presentation);
    let (tx, rx) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    if live {
        event::spawn_input(tx.clone(), Arc::clone(&stop));
    }
    let ctx = Arc::new(ctx);
    let jobs = event::Jobs::new(Arc::clone(&ctx), tx.clone());
    let scan_ctx = Arc::clone(&ctx);
    let scans = event::spawn_scanner(
        // The struct update keeps this compiling when the scan grows options.
        #[allow(clippy::needless_update)]
        Box::new(move |depth, sink| {
            inventory::scan(
                &scan_ctx,
                &ScanOptions {
                    depth,
                    ..ScanOptions::default()
                },
                sink,
            )
        }),
        tx,
    );
    let mut session = playback::Session::new(&rx, &scans, &jobs, signal);
    session.live = live;
    if !live {
        // Headless, frame times come from the script, never from the machine's speed.
        session.timeline = Timeline::Script(0);
    }
    session.player = show
        .script
        .as_ref()
        .map(|s| playback::Player::new(s, show.exit_after_keys || !live));
    session.recording = show.cast.map(|cast| playback::Recording {
        cast,
        capture,
        size: (size.width, size.height),
    });
    let result = event::run_loop(term, &mut app, &mut session);
    stop.store(true, Ordering::SeqCst);
    result
}
