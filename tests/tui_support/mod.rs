//! Shared by the console tests: a demo scenario (seed 1, fixed clock) in a short
//! temporary path, with the context the console would build for it.
#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use drconsole::Context;
use drconsole::clock::Clock;
use drconsole::demo::{self, DemoOptions, Scenario};
use drconsole::tui::{Action, App, Options, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::{Path, PathBuf};

/// A demo installation and the context pointing at it.
pub struct Demo {
    pub _dir: tempfile::TempDir,
    pub tmp: PathBuf,
    pub ctx: Context,
    pub hostname: String,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// Generate the `corrupt-db` demo and build its context.
pub fn demo() -> Demo {
    demo_of(Scenario::CorruptDb)
}

/// Generate a demo scenario (seed 1) and build its context.
pub fn demo_of(scenario: Scenario) -> Demo {
    // A short temporary path, so the header shows it whole and the filter can replace it.
    let base = if cfg!(unix) {
        PathBuf::from("/tmp")
    } else {
        std::env::temp_dir()
    };
    let dir = tempfile::Builder::new()
        .prefix("drc")
        .tempdir_in(base)
        .expect("temp dir");
    let tmp = dir.path().canonicalize().expect("canonical temp dir");
    let profile = drconsole::profile::load("lanrev-macos").expect("built-in profile");
    let opts = DemoOptions {
        scenario,
        seed: 1,
        db_size_mb: None,
    };
    let inst = demo::generate(&tmp.join("root"), &profile, &opts).expect("demo installation");
    let mut ctx = Context::new(profile, inst.root.clone());
    ctx.extra_backup_roots = inst.backup_roots.clone();
    ctx.state_dir = tmp.join("state");
    ctx.clock = Clock::fixed(inst.now);
    ctx.hostname = Some(inst.hostname.clone());
    Demo {
        _dir: dir,
        tmp,
        ctx,
        hostname: inst.hostname,
        now: inst.now,
    }
}

/// Press each key once.
pub fn keys(app: &mut App, keys: &[KeyCode]) {
    for k in keys {
        app.update(Action::Key(KeyEvent::new(*k, KeyModifiers::NONE)));
    }
}

/// The screen as text, colours off, the temporary folder shown as `[TMP]`.
pub fn screen(app: &App, (w, h): (u16, u16), tmp: &Path) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    term.draw(|f| app.draw(f)).expect("draw");
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.replace(&tmp.display().to_string(), "[TMP]")
}

/// The console on demo `d` at `size`, without colour, its start-up effects taken and `inv` as
/// the finished scan: the App the action tests drive.
pub fn app_on(d: &Demo, size: (u16, u16), inv: drconsole::Inventory) -> App {
    let opts = Options {
        profile: "lanrev-macos".into(),
        root: d.ctx.root.clone(),
        hostname: Some(d.hostname.clone()),
        fixed_now: Some(d.now),
        rpo_hours: 26.0,
        read_only: false,
        mouse: false,
        theme: Theme::default_theme().without_colour(),
        journal: "no transactions".into(),
    };
    let mut app = App::new(opts, size);
    app.take_effects();
    app.update(Action::Scanned(Box::new(inv)));
    app
}
