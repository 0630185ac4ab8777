//! The terminal: raw mode and the alternate screen on entry, and a restore that always runs —
//! on drop, on panic (hook), and after Ctrl-C, SIGTERM or SIGHUP (flags the loop watches).
//! Nothing here queries the terminal, so tmux and screen cannot make start-up hang.

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::thread::ThreadId;

static ACTIVE: AtomicBool = AtomicBool::new(false);
static MOUSE: AtomicBool = AtomicBool::new(false);
static UI_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);
static HOOK: Once = Once::new();

/// Whether stdin and stdout are both terminals.
pub fn has_tty() -> bool {
    io::stdin().is_terminal() && io::stdout().is_terminal()
}

/// Restores the terminal when dropped.
#[derive(Debug)]
pub struct Guard(());

impl Guard {
    /// Enter raw mode and the alternate screen (and mouse capture with `mouse`).
    pub fn enter(mouse: bool) -> io::Result<Guard> {
        install_panic_hook();
        if let Ok(mut t) = UI_THREAD.lock() {
            *t = Some(std::thread::current().id());
        }
        MOUSE.store(mouse, Ordering::SeqCst);
        ACTIVE.store(true, Ordering::SeqCst);
        let guard = Guard(());
        enable_raw_mode()?;
        let mut out = io::stdout();
        execute!(out, EnterAlternateScreen, crossterm::cursor::Hide)?;
        if mouse {
            execute!(out, EnableMouseCapture)?;
        }
        Ok(guard)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Leave the alternate screen and raw mode; safe to call more than once.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    if MOUSE.load(Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(out, LeaveAlternateScreen, crossterm::cursor::Show);
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// A panic on the UI thread restores the terminal before the message is printed; a panic in a
/// worker must not tear the screen down under a running console, so it is only recorded.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let ui = UI_THREAD.lock().ok().and_then(|t| *t);
            let on_ui = ui.is_none_or(|id| id == std::thread::current().id());
            if on_ui || !ACTIVE.load(Ordering::SeqCst) {
                restore();
                previous(info);
            } else if let Ok(mut last) = WORKER_PANIC.lock() {
                *last = Some(info.to_string());
            }
        }));
    });
}

/// The message of the last worker panic, for the status line.
pub static WORKER_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Watch SIGINT, SIGTERM and SIGHUP: the returned number becomes the signal's when one arrives.
pub fn watch_signals() -> io::Result<Arc<AtomicUsize>> {
    let flag = Arc::new(AtomicUsize::new(0));
    #[cfg(unix)]
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register_usize(sig, Arc::clone(&flag), sig as usize)?;
    }
    #[cfg(not(unix))]
    signal_hook::flag::register_usize(signal_hook::consts::SIGINT, Arc::clone(&flag), 2)?;
    Ok(flag)
}
