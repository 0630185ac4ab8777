//! Benchmark: one console frame at 200×60 with 10,000 rows in every pane (target < 5 ms), and
//! the time from start to the first frame on a cached installation (scan with a warm cache,
//! build the console, draw; target < 50 ms; process start-up is not included). Run with
//! `cargo bench --bench frame`; not a test, nothing is asserted.

use drconsole::Context;
use drconsole::clock::Clock;
use drconsole::demo::{self, DemoOptions, Scenario};
use drconsole::inventory::{self, CheckDepth, Inventory, ScanOptions};
use drconsole::tui::app::Options;
use drconsole::tui::theme::Theme;
use drconsole::tui::{Action, App};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};

const SIZE: (u16, u16) = (200, 60);
const ROWS: usize = 10_000;
const FRAMES: usize = 200;

fn options(inv: &Inventory, now: chrono::DateTime<chrono::Utc>) -> Options {
    Options {
        profile: inv.profile.clone(),
        root: inv.root.clone(),
        hostname: Some(demo::DEMO_HOSTNAME.into()),
        fixed_now: Some(now),
        rpo_hours: 26.0,
        read_only: false,
        mouse: false,
        theme: Theme::default_theme(),
        journal: "no transactions".into(),
    }
}

/// Every pane's list grown to `ROWS` rows by repeating what the demo has, names made unique.
fn grow(inv: &mut Inventory) {
    fn fill<T: Clone>(v: &mut Vec<T>, rename: impl Fn(&mut T, usize)) {
        let base = v.clone();
        if base.is_empty() {
            return;
        }
        for i in v.len()..ROWS {
            let mut item = base[i % base.len()].clone();
            rename(&mut item, i);
            v.push(item);
        }
    }
    fill(&mut inv.backup_sets, |s, i| s.id = format!("{} #{i}", s.id));
    fill(&mut inv.databases, |d, i| {
        d.name = format!("{} #{i}", d.name)
    });
    fill(&mut inv.certificates, |c, i| {
        c.subject = format!("{} #{i}", c.subject)
    });
    fill(&mut inv.distribution_points, |p, i| {
        p.name = format!("{} #{i}", p.name)
    });
}

/// CPU time (user + system) of this process so far, all threads: on a shared machine the
/// fair reading next to wall time.
#[cfg(unix)]
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return Duration::ZERO;
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

#[cfg(not(unix))]
fn cpu_time() -> Duration {
    Duration::ZERO
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let profile = drconsole::profile::load("lanrev-macos").expect("built-in profile");
    let inst = demo::generate(
        &dir.path().join("root"),
        &profile,
        &DemoOptions {
            scenario: Scenario::CorruptDb,
            seed: 1,
            db_size_mb: None,
        },
    )
    .expect("demo installation");
    let mut ctx = Context::new(profile, inst.root.clone());
    ctx.extra_backup_roots = inst.backup_roots.clone();
    ctx.state_dir = dir.path().join("state");
    ctx.clock = Clock::fixed(inst.now);
    let opts = ScanOptions {
        depth: CheckDepth::Standard,
    };
    // The cold scan fills the cache; the timed start is the operator's second start.
    let _ = inventory::scan(&ctx, &opts, &());
    let mut starts = Vec::new();
    let mut cpu = Vec::new();
    for _ in 0..9 {
        let t = Instant::now();
        let c = cpu_time();
        let inv = inventory::scan(&ctx, &opts, &());
        let mut app = App::new(options(&inv, inst.now), SIZE);
        app.update(Action::Scanned(Box::new(inv)));
        let mut term = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("backend");
        term.draw(|f| app.draw(f)).expect("draw");
        starts.push(t.elapsed());
        cpu.push(cpu_time().saturating_sub(c));
    }

    let mut inv = inventory::scan(&ctx, &opts, &());
    grow(&mut inv);
    let mut app = App::new(options(&inv, inst.now), SIZE);
    app.update(Action::Scanned(Box::new(inv)));
    let mut term = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("backend");
    let mut frames = Vec::with_capacity(FRAMES);
    for i in 0..FRAMES {
        // Move the selection so each frame differs from the last, as scrolling does.
        let key = if i % 2 == 0 { 'j' } else { 'k' };
        app.update(Action::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(key),
            crossterm::event::KeyModifiers::NONE,
        )));
        let t = Instant::now();
        term.draw(|f| app.draw(f)).expect("draw");
        frames.push(t.elapsed());
    }
    let worst = frames.iter().max().copied().unwrap_or_default();
    println!(
        "frame at {}x{} with {ROWS} rows per pane: median {:.2} ms, worst {:.2} ms over {FRAMES} frames (target < 5 ms)",
        SIZE.0,
        SIZE.1,
        median(frames).as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3
    );
    println!(
        "start to first frame, cached installation (scan + console + draw, no process start): median {:.1} ms (target < 50 ms), CPU {:.1} ms",
        median(starts).as_secs_f64() * 1e3,
        median(cpu).as_secs_f64() * 1e3
    );
}
