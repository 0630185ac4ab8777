//! Screen snapshots of the console (ratatui `TestBackend`, colours off) on the `corrupt-db`
//! demo, seed 1, with its fixed clock: every pane, details, help and findings at 80×24 and
//! 160×48 after a full check, and the "too small" message. The temporary folder is replaced by
//! `[TMP]`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use drconsole::inventory::{self, CheckDepth, ScanOptions};
use drconsole::tui::{Action, App, Options, Theme};
use std::path::PathBuf;

mod tui_support;

use tui_support::{keys, screen};

struct Demo {
    _base: tui_support::Demo,
    tmp: PathBuf,
    inv: drconsole::Inventory,
    hostname: String,
    now: chrono::DateTime<chrono::Utc>,
}

fn demo() -> Demo {
    let base = tui_support::demo();
    // Full: every set fully checked, so the backup panes show every verdict.
    let inv = inventory::scan(
        &base.ctx,
        &ScanOptions {
            depth: CheckDepth::Full,
        },
        &(),
    );
    // The host's process table is the machine's, not the demo's: a "LANrev Server" started by
    // another test must not change these screens.
    let mut inv = inv;
    inv.host.running.clear();
    inv.findings
        .retain(|f| f.code != drconsole::findings::Code::ServerRunning);
    Demo {
        tmp: base.tmp.clone(),
        hostname: base.hostname.clone(),
        now: base.now,
        inv,
        _base: base,
    }
}

fn app(d: &Demo, size: (u16, u16)) -> App {
    let opts = Options {
        profile: "lanrev-macos".into(),
        root: d.inv.root.clone(),
        hostname: Some(d.hostname.clone()),
        fixed_now: Some(d.now),
        rpo_hours: 26.0,
        read_only: false,
        mouse: false,
        theme: Theme::default_theme().without_colour(),
        journal: "no transactions".into(),
    };
    let mut app = App::new(opts, size);
    app.update(Action::Scanned(Box::new(d.inv.clone())));
    app.update(Action::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    app
}

const SMALL: (u16, u16) = (80, 24);
const LARGE: (u16, u16) = (160, 48);
use KeyCode::{Char, Enter};

#[test]
fn panes_at_80x24() {
    let d = demo();
    for (n, name) in [
        ('1', "backups"),
        ('2', "databases"),
        ('3', "certificates"),
        ('4', "distribution"),
    ] {
        let mut a = app(&d, SMALL);
        keys(&mut a, &[Char(n)]);
        insta::assert_snapshot!(format!("pane_{name}_80x24"), screen(&a, SMALL, &d.tmp));
    }
}

#[test]
fn panes_at_160x48() {
    let d = demo();
    let a = app(&d, LARGE);
    insta::assert_snapshot!("grid_160x48", screen(&a, LARGE, &d.tmp));
    for (n, name) in [
        ('1', "backups"),
        ('2', "databases"),
        ('3', "certificates"),
        ('4', "distribution"),
    ] {
        let mut a = app(&d, LARGE);
        keys(&mut a, &[Char(n)]);
        // Backup sets open on the recommended set: once one member of the corrupt set fails,
        // the scan stops checking the rest, and how far it got depends on thread timing.
        keys(&mut a, &[Char('z')]);
        insta::assert_snapshot!(
            format!("pane_{name}_zoomed_160x48"),
            screen(&a, LARGE, &d.tmp)
        );
    }
}

#[test]
fn details_of_a_row_in_every_pane() {
    let d = demo();
    for size in [SMALL, LARGE] {
        let tag = format!("{}x{}", size.0, size.1);
        // The cursor starts on the recommended set.
        let mut a = app(&d, size);
        keys(&mut a, &[Enter]);
        insta::assert_snapshot!(format!("details_backup_{tag}"), screen(&a, size, &d.tmp));
        // The damaged database is listed first.
        let mut a = app(&d, size);
        keys(&mut a, &[Char('2'), Enter]);
        insta::assert_snapshot!(format!("details_database_{tag}"), screen(&a, size, &d.tmp));
        let mut a = app(&d, size);
        keys(&mut a, &[Char('3'), Enter]);
        insta::assert_snapshot!(
            format!("details_certificate_{tag}"),
            screen(&a, size, &d.tmp)
        );
        let mut a = app(&d, size);
        keys(&mut a, &[Char('4'), Char('j'), Enter]);
        insta::assert_snapshot!(
            format!("details_distribution_point_{tag}"),
            screen(&a, size, &d.tmp)
        );
    }
}

#[test]
fn help_overlay() {
    let d = demo();
    for size in [SMALL, LARGE] {
        let mut a = app(&d, size);
        keys(&mut a, &[Char('?')]);
        insta::assert_snapshot!(
            format!("help_{}x{}", size.0, size.1),
            screen(&a, size, &d.tmp)
        );
    }
}

#[test]
fn findings_view() {
    let d = demo();
    for size in [SMALL, LARGE] {
        let mut a = app(&d, size);
        keys(&mut a, &[Char('f')]);
        insta::assert_snapshot!(
            format!("findings_{}x{}", size.0, size.1),
            screen(&a, size, &d.tmp)
        );
    }
}

#[test]
fn too_small_terminal() {
    let d = demo();
    let a = app(&d, (50, 12));
    insta::assert_snapshot!("too_small_50x12", screen(&a, (50, 12), &d.tmp));
}
