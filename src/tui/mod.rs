//! The full-screen console: app state, actions, event loop, keymap, theme, panes and overlays.
//! It renders snapshots of the core's `Inventory`; scans run on a worker thread and report back
//! through the same channel as the keys, so the screen never waits for a check.

pub mod action;
pub mod app;
pub mod ascii;
pub mod clipboard;
pub mod event;
pub mod jobs;
pub mod keymap;
pub mod layout;
pub mod overlays;
pub mod panes;
pub mod terminal;
pub mod theme;
pub mod widgets;

pub use action::{Action, Command, PaneId};
pub use app::{App, Effect, Options};
pub use theme::Theme;

use crate::context::Context;
use crate::inventory::{self, ScanOptions};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};

/// Open the console on `ctx` until the operator quits; returns the exit code.
pub fn run(ctx: Context, opts: Options) -> anyhow::Result<i32> {
    let signal = terminal::watch_signals()?;
    let guard = terminal::Guard::enter(opts.mouse)?;
    let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    let size = term.size()?;
    let mut app = App::new(opts, (size.width, size.height));
    app.set_clipboard(clipboard::detect(&|k| std::env::var(k).ok()));
    let (tx, rx) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    event::spawn_input(tx.clone(), Arc::clone(&stop));
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
    let result = event::run_loop(&mut term, &mut app, &rx, &scans, &jobs, &signal);
    stop.store(true, Ordering::SeqCst);
    drop(guard);
    result
}
