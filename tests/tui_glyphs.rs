//! A row's glyph is the worst finding about that row, and only that: every rule checked on the
//! planted demo scenarios (full check, fixed clock) at 80×24 and 200×50, with snapshots, and
//! the same screens in ASCII mode holding nothing but ASCII.

use crossterm::event::KeyCode::{self, Char};
use drconsole::demo::Scenario;
use drconsole::inventory::{self, CheckDepth, ScanOptions};
use drconsole::tui::{Action, App, Options, Theme};

mod tui_support;

use tui_support::{demo_of, keys, screen};

const SMALL: (u16, u16) = (80, 24);
const HUGE: (u16, u16) = (200, 50);

struct Scene {
    d: tui_support::Demo,
    inv: drconsole::Inventory,
}

fn scene(s: Scenario) -> Scene {
    let d = demo_of(s);
    let inv = inventory::scan(
        &d.ctx,
        &ScanOptions {
            depth: CheckDepth::Full,
        },
        &(),
    );
    Scene {
        d,
        inv: without_other_processes(inv),
    }
}

/// The host's process table is the machine's, not the demo's: a "LANrev Server" started by
/// another test (or another checkout) must not change these screens.
fn without_other_processes(mut inv: drconsole::Inventory) -> drconsole::Inventory {
    inv.host.running.clear();
    inv.findings
        .retain(|f| f.code != drconsole::findings::Code::ServerRunning);
    inv
}

fn app(sc: &Scene, size: (u16, u16), ascii: bool) -> App {
    let opts = Options {
        profile: "lanrev-macos".into(),
        root: sc.inv.root.clone(),
        hostname: Some(sc.d.hostname.clone()),
        fixed_now: Some(sc.d.now),
        rpo_hours: 26.0,
        read_only: false,
        mouse: false,
        theme: Theme::default_theme().without_colour().with_ascii(ascii),
        journal: "no transactions".into(),
    };
    let mut app = App::new(opts, size);
    app.update(Action::Scanned(Box::new(sc.inv.clone())));
    app
}

/// The glyph of the first list row (`│G name…`) whose text contains every needle.
fn glyph(screen: &str, needles: &[&str]) -> String {
    let row = screen
        .lines()
        .map(|l| l.trim_start_matches(['│', '|']))
        .find(|r| {
            let mut c = r.chars();
            let g = c.next();
            g.is_some_and(|g| g != ' ')
                && c.next() == Some(' ')
                && needles.iter().all(|n| r.contains(n))
        })
        .unwrap_or_else(|| panic!("no row with {needles:?} in\n{screen}"));
    row.chars().next().map(String::from).unwrap_or_default()
}

fn shot(sc: &Scene, size: (u16, u16), pane: char, ascii: bool) -> String {
    let mut a = app(sc, size, ascii);
    keys(&mut a, &[Char(pane)]);
    if size == HUGE {
        keys(&mut a, &[Char('z')]);
    }
    screen(&a, size, &sc.d.tmp)
}

#[test]
fn backup_sets_show_their_findings_severity_not_their_verdict() {
    let sc = scene(Scenario::CorruptDb);
    for size in [SMALL, HUGE] {
        let s = shot(&sc, size, '1', false);
        // BACKUP_CORRUPT and BACKUP_INCOMPLETE are warnings; BACKUP_STALE (a warning) is about
        // the recommended set; older restorable sets have no finding.
        assert_eq!(glyph(&s, &["2026-11-22 02-00-00", "corrupt"]), "!");
        assert_eq!(glyph(&s, &["2026-11-20 02-00-00", "incomplete"]), "!");
        assert_eq!(glyph(&s, &["2026-11-21 02-00-00", "★"]), "!");
        assert_eq!(glyph(&s, &["2026-11-19 02-00-00"]), "✓");
        insta::assert_snapshot!(format!("corrupt_db_backups_{}x{}", size.0, size.1), s);
    }
}

#[test]
fn the_live_identity_carries_the_backup_mismatch_and_a_wrong_key_says_mismatch() {
    let sc = scene(Scenario::NewServer);
    for size in [SMALL, HUGE] {
        let s = shot(&sc, size, '3', false);
        // CERT_BACKUP_MISMATCH (critical) is about the live identity and the set's copy.
        assert_eq!(
            glyph(&s, &["lanrev.example.com", "Certificates", "live"]),
            "‼"
        );
        // CERT_KEY_MISMATCH (error) on lighttpd: the Key column says so.
        let lighttpd = s
            .lines()
            .find(|l| l.contains("lighttpd") && l.contains("live"))
            .expect("live lighttpd row");
        assert!(lighttpd.contains("mismatch"), "{lighttpd}");
        assert_eq!(glyph(&s, &["lighttpd", "live"]), "✗");
        insta::assert_snapshot!(format!("new_server_certificates_{}x{}", size.0, size.1), s);
    }
}

#[test]
fn both_masters_carry_the_multiple_masters_error() {
    let sc = scene(Scenario::DpFailover);
    for size in [SMALL, HUGE] {
        let s = shot(&sc, size, '4', false);
        assert_eq!(glyph(&s, &["Master DP"]), "✗");
        assert_eq!(glyph(&s, &["Mirror London"]), "✗");
        assert_eq!(glyph(&s, &["Mirror Tokyo"]), "✗");
        let sydney = s
            .lines()
            .find(|l| l.contains("Mirror Sydney"))
            .expect("Sydney row");
        assert!(sydney.contains("2 missing"), "{sydney}");
        assert_eq!(glyph(&s, &["Mirror Sydney"]), "!");
        // The tab bar agrees with the worst row.
        if size == SMALL {
            assert!(s.contains("4 DPs (4) ✗"), "{s}");
        }
        insta::assert_snapshot!(format!("dp_failover_points_{}x{}", size.0, size.1), s);
    }
}

#[test]
fn the_help_legend_says_what_each_glyph_means() {
    let sc = scene(Scenario::CorruptDb);
    let mut a = app(&sc, HUGE, false);
    keys(&mut a, &[Char('?'), KeyCode::End]);
    let s = screen(&a, HUGE, &sc.d.tmp);
    assert!(s.contains("‼  critical"), "{s}");
    assert!(!s.contains("missing or empty"), "{s}");
    assert!(s.contains("worst finding"), "{s}");
}

#[test]
fn ascii_mode_draws_only_ascii() {
    let sc = scene(Scenario::NewServer);
    for size in [SMALL, HUGE] {
        for pane in ['1', '2', '3', '4'] {
            let s = shot(&sc, size, pane, true);
            assert!(s.is_ascii(), "pane {pane}:\n{s}");
            assert!(s.contains("+-"), "{s}");
        }
        let mut a = app(&sc, size, true);
        keys(&mut a, &[Char('?')]);
        let help = screen(&a, size, &sc.d.tmp);
        assert!(help.is_ascii(), "{help}");
    }
    let s = shot(&sc, SMALL, '3', true);
    assert_eq!(
        glyph(&s, &["lanrev.example.com", "Certificates", "live"]),
        "X"
    );
    insta::assert_snapshot!("ascii_new_server_certificates_80x24", s);
    let sc = scene(Scenario::CorruptDb);
    let s = shot(&sc, SMALL, '1', true);
    assert!(s.contains("restorable *"), "{s}");
    insta::assert_snapshot!("ascii_corrupt_db_backups_80x24", s);
}
