//! Unit tests of the reducer: key handling, scrolling, overlays, filters, and that a slow
//! check in the worker never holds up a key.

use super::*;
use crate::findings::{Code, Finding};
use crate::inventory::{
    BackupMember, BackupSet, Certificate, ChainStatus, DbFile, DbState, DistributionPoint,
    LiveDatabase, SetLayout, Source, TakenFrom, Verdict,
};
use crate::tui::event;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::Duration;

fn t(h: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T08:00:00Z")
        .expect("fixed instant")
        .with_timezone(&Utc)
        - chrono::Duration::hours(h)
}

fn set(id: &str, hours: i64, verdict: Verdict) -> BackupSet {
    BackupSet {
        id: id.into(),
        component: format!("backup:{id}"),
        root: "/srv/root/backups".into(),
        path: format!("/srv/root/backups/{id}").into(),
        layout: SetLayout::Folder,
        taken_at: t(hours),
        taken_from: TakenFrom::Name,
        age_hours: hours as f64,
        verdict,
        recommended: false,
        members: vec![BackupMember {
            database: "ServerDatabase".into(),
            file: DbFile {
                path: format!("/srv/root/backups/{id}/ServerDatabase.dbbackup").into(),
                size: 4096 * 10,
                state: DbState::Ok,
                ..DbFile::default()
            },
            sql: None,
        }],
        missing: vec![],
        extras: vec![],
        bytes: 40960,
    }
}

pub(super) fn inventory(sets: usize) -> Inventory {
    let mut backup_sets: Vec<BackupSet> = (0..sets)
        .map(|i| set(&format!("set-{i:05}"), i as i64 * 24, Verdict::Unverified))
        .collect();
    if let Some(s) = backup_sets.get_mut(1) {
        s.verdict = Verdict::Restorable;
        s.recommended = true;
    }
    let db = |name: &str, state: DbState| LiveDatabase {
        name: name.into(),
        component: format!("database:{name}"),
        file: DbFile {
            path: format!("/srv/root/Server/{name}.db").into(),
            size: 1 << 20,
            state,
            ..DbFile::default()
        },
        leftovers: vec![],
    };
    Inventory {
        profile: "lanrev-macos".into(),
        root: "/srv/root".into(),
        scanned_at: t(0),
        depth: CheckDepth::Standard,
        databases: vec![
            db("ServerDatabase", DbState::Corrupt),
            db("EnumValues", DbState::Ok),
        ],
        backup_sets,
        certificates: vec![Certificate {
            store: "Certificates".into(),
            component: "certificates:Certificates".into(),
            file: "/srv/root/Server/Certificates/server.crt".into(),
            subject: "CN=mdm.example.com".into(),
            common_name: Some("mdm.example.com".into()),
            issuer: "CN=mdm.example.com".into(),
            not_before: Some(t(24 * 400)),
            not_after: Some(t(-24 * 10)),
            chain: ChainStatus::SelfSigned,
            source: Source::Live,
            ..Certificate::default()
        }],
        distribution_points: vec![DistributionPoint {
            id: 1,
            name: "Master".into(),
            is_master: true,
            reachable: true,
            ..DistributionPoint::default()
        }],
        findings: vec![
            Finding::new(
                Code::CertExpiring,
                "certificates:Certificates",
                "expires in 10 days",
            )
            .at("/srv/root/Server/Certificates/server.crt"),
            Finding::new(
                Code::DbCorrupt,
                "database:ServerDatabase",
                "ServerDatabase.db is corrupt",
            ),
        ],
        ..Inventory::default()
    }
}

pub(super) fn options(read_only: bool) -> Options {
    Options {
        profile: "lanrev-macos".into(),
        root: "/srv/root".into(),
        hostname: Some("mdm.example.com".into()),
        fixed_now: Some(t(0)),
        rpo_hours: 26.0,
        read_only,
        mouse: true,
        theme: Theme::default_theme().without_colour(),
        journal: "no journal".into(),
    }
}

pub(super) fn app_with(inv: Inventory, size: (u16, u16)) -> App {
    let mut app = App::new(options(false), size);
    app.update(Action::Scanned(Box::new(inv)));
    app
}

pub(super) fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub(super) fn code(k: KeyCode) -> Action {
    Action::Key(KeyEvent::new(k, KeyModifiers::NONE))
}

pub(super) fn screen(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    term.draw(|f| app.draw(f)).expect("draw");
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn opening_asks_for_a_quick_scan_then_a_standard_one() {
    let mut app = App::new(options(false), (80, 24));
    assert_eq!(
        app.take_effects(),
        vec![
            Effect::Scan(CheckDepth::Quick),
            Effect::Scan(CheckDepth::Standard)
        ]
    );
    assert!(screen(&app, 80, 24).contains("scanning…"));
}

#[test]
fn tab_number_keys_and_shift_tab_move_the_focus() {
    let mut app = app_with(inventory(3), (80, 24));
    assert_eq!(app.focus(), PaneId::Backups);
    app.update(code(KeyCode::Tab));
    assert_eq!(app.focus(), PaneId::Databases);
    app.update(key('4'));
    assert_eq!(app.focus(), PaneId::Distribution);
    app.update(code(KeyCode::Tab));
    assert_eq!(app.focus(), PaneId::Backups);
    app.update(code(KeyCode::BackTab));
    assert_eq!(app.focus(), PaneId::Distribution);
}

#[test]
fn h_and_l_move_across_the_grid_and_through_tabs() {
    let mut grid = app_with(inventory(3), (160, 48));
    grid.update(key('l'));
    assert_eq!(grid.focus(), PaneId::Databases);
    grid.update(key('l'));
    assert_eq!(grid.focus(), PaneId::Databases, "right edge of the grid");
    let mut tabs = app_with(inventory(3), (80, 24));
    tabs.update(key('h'));
    assert_eq!(tabs.focus(), PaneId::Distribution, "tabs wrap around");
}

#[test]
fn j_and_k_move_the_selection_within_bounds() {
    let mut app = app_with(inventory(3), (80, 24));
    app.update(key('k'));
    assert_eq!(app.pane(PaneId::Backups).selected, 0);
    app.update(key('j'));
    app.update(code(KeyCode::Down));
    app.update(key('j'));
    assert_eq!(app.pane(PaneId::Backups).selected, 2);
    app.update(key('G'));
    app.update(key('g'));
    assert_eq!(app.pane(PaneId::Backups).selected, 0);
}

#[test]
fn ten_thousand_rows_scroll_and_draw_only_what_fits() {
    let mut app = app_with(inventory(10_000), (80, 24));
    app.update(code(KeyCode::End));
    let st = app.pane(PaneId::Backups);
    assert_eq!(st.selected, 9_999);
    let rows = layout::list_rows(layout::pane_rect(
        Rect::new(0, 0, 80, 24),
        PaneId::Backups,
        PaneId::Backups,
        false,
    ));
    assert_eq!(st.offset, 10_000 - rows);
    let text = screen(&app, 80, 24);
    assert!(text.contains("set-09999"), "{text}");
    assert!(text.contains("10000/10000"), "{text}");
    assert!(!text.contains("set-00000"));
    app.update(code(KeyCode::PageUp));
    assert_eq!(app.pane(PaneId::Backups).selected, 9_999 - rows);
    assert!(screen(&app, 80, 24).contains(&format!("set-{:05}", 9_999 - rows)));
}

#[test]
fn enter_opens_details_and_escape_or_q_closes_them() {
    let mut app = app_with(inventory(3), (80, 24));
    // The cursor starts on the recommended set, not the newest.
    assert_eq!(app.selected_row(PaneId::Backups), Some(1));
    app.update(code(KeyCode::Enter));
    assert_eq!(app.overlay(), Some(Overlay::Details { scroll: 0 }));
    let text = screen(&app, 80, 24);
    assert!(text.contains("Backup set set-00001"), "{text}");
    assert!(text.contains("recommended"), "{text}");
    app.update(code(KeyCode::Esc));
    assert_eq!(app.overlay(), None);
    app.update(code(KeyCode::Enter));
    app.update(key('q'));
    assert_eq!(app.overlay(), None);
    assert!(!app.should_quit(), "q closes the overlay first");
    app.update(key('q'));
    assert!(app.should_quit());
}

#[test]
fn escape_and_key_read_together_as_alt_key_still_close_the_overlay() {
    let mut app = app_with(inventory(3), (80, 24));
    app.update(key('?'));
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('2'),
        KeyModifiers::ALT,
    )));
    assert_eq!(app.overlay(), None);
    assert_eq!(app.focus(), PaneId::Databases);
}

#[test]
fn zoom_shows_the_details_panel_beside_the_list() {
    let mut app = app_with(inventory(3), (160, 48));
    app.update(key('2'));
    app.update(key('z'));
    assert!(app.zoomed());
    let text = screen(&app, 160, 48);
    assert!(text.contains("Details"), "{text}");
    assert!(text.contains("Database ServerDatabase"), "{text}");
    app.update(code(KeyCode::Esc));
    assert!(!app.zoomed());
}

#[test]
fn findings_view_lists_worst_first_and_enter_jumps_to_the_row() {
    let mut app = app_with(inventory(3), (80, 24));
    app.update(key('f'));
    let text = screen(&app, 80, 24);
    let corrupt = text.find("DB_CORRUPT").expect("listed");
    let expiring = text.find("CERT_EXPIRING").expect("listed");
    assert!(corrupt < expiring, "worst first:\n{text}");
    app.update(key('j'));
    app.update(code(KeyCode::Enter));
    assert_eq!(app.overlay(), None);
    assert_eq!(app.focus(), PaneId::Certificates);
    assert_eq!(app.selected_row(PaneId::Certificates), Some(0));
    app.update(key('f'));
    app.update(code(KeyCode::Enter));
    assert_eq!(app.focus(), PaneId::Databases);
    assert_eq!(app.selected_row(PaneId::Databases), Some(0));
}

#[test]
fn filter_narrows_the_list_as_you_type_and_escape_clears_it() {
    let mut app = app_with(inventory(300), (80, 24));
    app.update(key('/'));
    for c in "set-0029".chars() {
        app.update(key(c));
    }
    assert_eq!(app.pane(PaneId::Backups).visible.len(), 10);
    assert!(!app.should_quit());
    app.update(code(KeyCode::Enter));
    assert!(screen(&app, 80, 24).contains("/set-0029"));
    app.update(key('j'));
    assert_eq!(app.selected_row(PaneId::Backups), Some(291));
    app.update(key('/'));
    app.update(code(KeyCode::Esc));
    assert_eq!(app.pane(PaneId::Backups).visible.len(), 300);
    assert_eq!(app.pane(PaneId::Backups).filter, "");
}

#[test]
fn ctrl_c_quits_from_an_overlay_and_while_typing_a_filter() {
    let ctrl_c = Action::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    for opening in ['?', 'f', '/'] {
        let mut app = app_with(inventory(3), (80, 24));
        app.update(key(opening));
        app.update(ctrl_c.clone());
        assert!(app.should_quit(), "after {opening}");
    }
    let mut app = app_with(inventory(3), (80, 24));
    app.update(key('?'));
    app.update(code(KeyCode::Esc));
    assert_eq!(app.overlay(), None);
    assert!(!app.should_quit());
}

fn with_mirrors() -> Inventory {
    let mut inv = inventory(3);
    for (id, name) in [(2, "Mirror A"), (3, "Mirror B")] {
        inv.distribution_points.push(DistributionPoint {
            id,
            name: name.into(),
            reachable: true,
            ..DistributionPoint::default()
        });
    }
    inv
}

fn queued(app: &mut App) -> Vec<Job> {
    app.take_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Job(_, job) => Some(job),
            Effect::Scan(_) => None,
        })
        .collect()
}

#[test]
fn p_previews_a_promotion_of_the_selected_point_and_only_on_its_pane() {
    let mut app = app_with(with_mirrors(), (80, 24));
    app.take_effects();
    app.update(key('p'));
    assert!(queued(&mut app).is_empty());
    assert!(
        app.status().is_some_and(|s| s.contains("press 4")),
        "{:?}",
        app.status()
    );
    app.update(key('4'));
    app.update(code(KeyCode::Down));
    app.update(key('p'));
    assert_eq!(
        queued(&mut app),
        vec![Job::PromotePreview {
            name: "Mirror A".into()
        }]
    );
    assert_eq!(app.overlay(), Some(Overlay::Plan { scroll: 0 }));
    assert!(screen(&app, 80, 24).contains("Promote Mirror A"));
}

#[test]
fn space_marks_points_and_s_syncs_the_marked_ones_else_the_selected_one() {
    let mut app = app_with(with_mirrors(), (80, 24));
    app.update(key('4'));
    app.take_effects();
    app.update(key('s'));
    assert_eq!(
        queued(&mut app),
        vec![Job::SyncPreview {
            names: vec!["Master".into()]
        }]
    );
    app.update(code(KeyCode::Esc));
    for _ in 0..2 {
        app.update(code(KeyCode::Down));
        app.update(key(' '));
    }
    assert!(
        app.status().is_some_and(|s| s.starts_with("2 marked")),
        "{:?}",
        app.status()
    );
    let s = screen(&app, 120, 40);
    assert!(s.contains("+ Mirror A") && s.contains("+ Mirror B"), "{s}");
    app.update(key('s'));
    assert_eq!(
        queued(&mut app),
        vec![Job::SyncPreview {
            names: vec!["Mirror A".into(), "Mirror B".into()]
        }]
    );
    app.update(code(KeyCode::Esc));
    app.update(key(' '));
    assert!(!screen(&app, 120, 40).contains("+ Mirror B"));
}

#[test]
fn read_only_refuses_and_hides_dangerous_actions() {
    let mut app = App::new(options(true), (80, 24));
    app.update(Action::Scanned(Box::new(inventory(3))));
    app.update(key('r'));
    assert!(
        app.status().is_some_and(|s| s.contains("read-only")),
        "{:?}",
        app.status()
    );
    app.update(key('4'));
    let text = screen(&app, 160, 48);
    assert!(!text.contains("promote"), "{text}");
    app.update(key('?'));
    let help = screen(&app, 160, 48);
    assert!(help.contains("Read-only mode"), "{help}");
    assert!(!help.contains("Restore from"), "{help}");
}

#[test]
fn c_queues_a_full_check() {
    let mut app = app_with(inventory(3), (80, 24));
    app.take_effects();
    app.update(key('c'));
    assert_eq!(app.take_effects(), vec![Effect::Scan(CheckDepth::Full)]);
}

#[test]
fn a_new_scan_keeps_the_selected_row() {
    let mut app = app_with(inventory(5), (80, 24));
    app.update(key('g'));
    app.update(key('j'));
    app.update(key('j'));
    let mut inv = inventory(5);
    inv.backup_sets
        .insert(0, set("set-newer", 0, Verdict::Restorable));
    app.update(Action::Scanned(Box::new(inv)));
    assert_eq!(app.selected_row(PaneId::Backups), Some(3));
}

#[test]
fn resizing_switches_between_tabs_and_grid() {
    let mut app = app_with(inventory(3), (80, 24));
    let small = screen(&app, 80, 24);
    assert!(small.contains("1 Backups"), "{small}");
    assert!(!small.contains("2 Databases ──"), "{small}");
    app.update(Action::Resize(200, 50));
    let big = screen(&app, 200, 50);
    for title in [
        "1 Backup sets",
        "2 Databases",
        "3 Certificates",
        "4 Distribution points",
    ] {
        assert!(big.contains(title), "{title}:\n{big}");
    }
}

#[test]
fn too_small_terminal_says_what_it_needs() {
    let app = app_with(inventory(3), (40, 10));
    let text = screen(&app, 40, 10);
    assert!(text.contains("terminal too small (need 60×16)"), "{text}");
}

#[test]
fn mouse_click_selects_the_row_under_it() {
    let mut app = app_with(inventory(10), (80, 24));
    // Header 2 + tabs 1 + border 1 + headings 1: the first row is on line 5.
    let click = |row| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 10,
        row,
        modifiers: KeyModifiers::NONE,
    };
    app.update(Action::Mouse(click(8)));
    assert_eq!(app.selected_row(PaneId::Backups), Some(3));
    let mut off = App::new(
        Options {
            mouse: false,
            ..options(false)
        },
        (80, 24),
    );
    off.update(Action::Scanned(Box::new(inventory(10))));
    off.update(Action::Mouse(click(8)));
    assert_eq!(
        off.selected_row(PaneId::Backups),
        Some(1),
        "still the recommended set"
    );
}

#[test]
fn a_slow_check_does_not_block_a_key() {
    use std::sync::mpsc;
    let (tx, rx) = mpsc::channel();
    let (release, hold) = mpsc::channel::<()>();
    let hold = std::sync::Mutex::new(hold);
    // The worker reports progress, then sits on a "large database" until released.
    let scans = event::spawn_scanner(
        Box::new(move |depth, sink| {
            sink.report(Progress {
                job: "integrity".into(),
                label: "/srv/root/Server/ServerDatabase.db".into(),
                done: 0,
                total: 6,
                bytes_done: 0,
                bytes_total: 8 << 30,
                finished: false,
            });
            let _ = hold.lock().map(|h| h.recv());
            Inventory {
                depth,
                ..inventory(3)
            }
        }),
        tx.clone(),
    );
    let mut app = App::new(options(false), (80, 24));
    let profile = crate::profile::load("lanrev-macos").expect("built-in profile");
    let jobs = event::Jobs::new(
        std::sync::Arc::new(crate::Context::new(profile, "/srv/root")),
        tx.clone(),
    );
    event::run_effects(&mut app, &scans, &jobs);
    // Wait until the worker is inside the check (its progress has arrived).
    for _ in 0..100 {
        event::pump(&mut app, &rx, Duration::from_millis(50));
        if app.progress.is_some() {
            break;
        }
    }
    assert_eq!(app.scanning(), Some(CheckDepth::Quick));
    tx.send(key('3')).expect("channel open");
    event::pump(&mut app, &rx, Duration::from_secs(5));
    assert_eq!(app.focus(), PaneId::Certificates, "the key was handled");
    assert_eq!(
        app.scanning(),
        Some(CheckDepth::Quick),
        "while the check still runs"
    );
    assert!(screen(&app, 80, 24).contains("integrity 0/6"));
    release.send(()).expect("worker waiting");
    for _ in 0..100 {
        event::pump(&mut app, &rx, Duration::from_millis(50));
        if app.inventory().depth == CheckDepth::Quick && app.scanning() != Some(CheckDepth::Quick) {
            break;
        }
    }
    assert_eq!(
        app.inventory().backup_sets.len(),
        3,
        "the result arrived afterwards"
    );
    drop(release);
}

#[test]
fn journal_state_reaches_the_header() {
    let mut app = app_with(inventory(1), (80, 24));
    assert!(screen(&app, 80, 24).contains("journal no journal"));
    app.update(Action::Journal("tx 3 committed, undo available".into()));
    assert!(screen(&app, 80, 24).contains("journal tx 3 committed, undo available"));
}

#[test]
fn the_smallest_usable_terminal_still_shows_every_tab_and_the_help_hint() {
    let mut inv = inventory(10_000);
    inv.certificates = (0..120).map(|_| inv.certificates[0].clone()).collect();
    let app = app_with(inv, (layout::MIN_WIDTH, layout::MIN_HEIGHT));
    let text = screen(&app, layout::MIN_WIDTH, layout::MIN_HEIGHT);
    for tab in ["1 Backups", "2 Databases", "3 Certs", "4 DPs"] {
        assert!(text.contains(tab), "{tab}:\n{text}");
    }
    assert!(text.contains("? help"), "{text}");
    assert!(text.contains("q quit"), "{text}");
}

#[test]
fn findings_raise_the_status_of_the_rows_they_are_about() {
    let mut inv = inventory(3);
    inv.findings.push(
        Finding::new(
            Code::CertKeyMismatch,
            "certificates:Certificates",
            "key does not match",
        )
        .at("/srv/root/Server/Certificates/server.crt"),
    );
    let mut app = app_with(inv, (80, 24));
    app.update(key('3'));
    let text = screen(&app, 80, 24);
    assert!(text.contains("✗ mdm.example.com"), "{text}");
    assert!(text.contains("3 Certs (1) ✗"), "{text}");
    app.update(code(KeyCode::Enter));
    assert!(screen(&app, 80, 24).contains("CERT_KEY_MISMATCH"));
}

#[test]
fn losing_the_terminal_stops_the_console_with_a_reason() {
    let mut app = app_with(inventory(1), (80, 24));
    app.update(Action::InputFailed("Input/output error".into()));
    assert!(app.should_quit());
    assert_eq!(
        app.fatal(),
        Some("cannot read the terminal: Input/output error")
    );
}

#[test]
fn brackets_scroll_the_zoom_panel_only_in_zoom() {
    let mut inv = inventory(3);
    inv.backup_sets[0].members = (0..40)
        .map(|_| inv.backup_sets[0].members[0].clone())
        .collect();
    let mut app = app_with(inv, (80, 24));
    app.update(key('g'));
    app.update(key(']'));
    assert!(app.status().is_some_and(|s| s.contains("zoom")));
    app.update(key('z'));
    let before = screen(&app, 80, 24);
    assert!(before.contains("Backup set set-00000"), "{before}");
    for _ in 0..5 {
        app.update(key(']'));
    }
    let after = screen(&app, 80, 24);
    assert!(
        !after.contains("Backup set set-00000"),
        "scrolled:\n{after}"
    );
    assert_eq!(
        app.selected_row(PaneId::Backups),
        Some(0),
        "the list did not move"
    );
    for _ in 0..5 {
        app.update(key('['));
    }
    assert!(screen(&app, 80, 24).contains("Backup set set-00000"));
}

#[test]
fn a_running_server_stays_in_the_header_at_80_columns() {
    let mut inv = inventory(3);
    inv.host.hostname = "mdm-replacement.corp.example.com".into();
    inv.host.running = vec![
        crate::inventory::RunningProcess {
            name: "LANrev Server".into(),
            pid: 4242,
        },
        crate::inventory::RunningProcess {
            name: "LANrev MDM Server".into(),
            pid: 4243,
        },
    ];
    let app = app_with(inv, (80, 24));
    let header = screen(&app, 80, 24)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    assert!(header.contains("RUNNING pid 4242, 4243"), "{header}");
    // Wide enough, everything is there.
    let wide = screen(&app, 200, 50)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    assert!(wide.contains("mdm-replacement.corp.example.com"), "{wide}");
    assert!(
        wide.contains("RUNNING LANrev Server (4242), LANrev MDM Server (4243)"),
        "{wide}"
    );
}

fn screen_text(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| app.draw(f)).expect("draw");
    let b = term.backend().buffer();
    (0..h)
        .map(|y| (0..w).map(|x| b[(x, y)].symbol()).collect::<String>() + "\n")
        .collect()
}

#[test]
fn a_caption_takes_a_band_under_the_console_and_the_keys_ride_on_its_border() {
    let mut app = app_with(inventory(3), (100, 30)).present(Presentation {
        show_keys: true,
        ..Presentation::default()
    });
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('2'),
        KeyModifiers::NONE,
    )));
    app.update(Action::Caption(Some("The newest set is corrupt".into())));
    let s = screen_text(&app, 100, 30);
    let rows: Vec<&str> = s.lines().collect();
    // The footer moved up by the band; the band holds the caption, the keys on its border.
    assert!(rows[24].contains("? help"), "{s}");
    assert!(rows[25].contains("keys 2"), "{s}");
    assert!(rows[26].contains("The newest set is corrupt"), "{s}");
    app.update(Action::Paused(true));
    let s = screen_text(&app, 100, 30);
    assert!(
        s.lines()
            .nth(29)
            .is_some_and(|l| l.contains("Space continue")),
        "{s}"
    );
    // No caption, no band: the console has the whole terminal again.
    app.update(Action::Paused(false));
    app.update(Action::Caption(None));
    let s = screen_text(&app, 100, 30);
    assert!(
        s.lines().nth(29).is_some_and(|l| l.contains("? help")),
        "{s}"
    );
}

#[test]
fn without_show_keys_no_key_is_drawn() {
    let mut app = app_with(inventory(3), (100, 30));
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('2'),
        KeyModifiers::NONE,
    )));
    app.update(Action::Caption(Some("x".into())));
    assert!(!screen_text(&app, 100, 30).contains("keys"));
}

#[test]
fn demo_mode_shows_the_temporary_folder_as_demo() {
    let opts = Options {
        root: "/tmp/drconsole-demo-AbC123/root".into(),
        ..options(false)
    };
    let app = App::new(opts.clone(), (100, 30)).present(Presentation {
        demo: Some(t(0)),
        demo_folder: Some("/tmp/drconsole-demo-AbC123".into()),
        ..Presentation::default()
    });
    let s = screen_text(&app, 100, 30);
    assert!(s.contains("root demo:/root"), "{s}");
    assert!(!s.contains("AbC123"), "{s}");
    // Outside demo mode the real path is shown.
    let s = screen_text(&App::new(opts, (100, 30)), 100, 30);
    assert!(s.contains("/tmp/drconsole-demo-AbC123/root"), "{s}");
}
