//! Unit tests of the runbook pane and `y`: judging, marks typed with a note and handed to a
//! worker, and the clipboard (OSC 52, or the text shown where the terminal has none).

use super::tests::{app_with, code, inventory, key, options, screen};
use super::*;
use crate::plan::MarkKind;
use crate::tui::clipboard::Target;
use crossterm::event::KeyCode;

fn jobs(app: &mut App) -> Vec<(u64, Job)> {
    app.take_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Job(id, job) => Some((id, job)),
            _ => None,
        })
        .collect()
}

fn clipboard(app: &mut App) -> Vec<Vec<u8>> {
    app.take_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Clipboard(b) => Some(b),
            _ => None,
        })
        .collect()
}

/// The macOS runbook judged against the test inventory, as the worker would.
fn judged(app: &App) -> Box<crate::runbook::Runbook> {
    let profile = crate::profile::load("lanrev-macos").unwrap();
    Box::new(crate::runbook::evaluate(
        &profile,
        &app.inventory().root,
        Some(app.inventory()),
        &[],
    ))
}

/// An app on the runbook pane with its runbook judged.
fn on_runbook(size: (u16, u16)) -> App {
    let mut app = app_with(inventory(3), size);
    app.take_effects();
    app.update(key('5'));
    let j = jobs(&mut app);
    assert!(matches!(j.as_slice(), [(_, Job::Runbook)]), "{j:?}");
    let rb = judged(&app);
    app.update(Action::RunbookReady(j[0].0, Ok(rb)));
    app
}

#[test]
fn five_opens_the_runbook_on_the_next_step_to_do() {
    let app = on_runbook((80, 24));
    assert_eq!(app.focus(), PaneId::Runbook);
    let s = screen(&app, 80, 24);
    assert!(s.contains("5 Runbook"), "{s}");
    assert!(s.contains("Stop the LANrev server"), "{s}");
    assert!(s.contains("Keep the broken databases"), "{s}");
    // The test inventory has a corrupt database and no SERVER_RUNNING: step 1 is done, the
    // cursor waits on step 2, the first one to do.
    let rb = app.runbook().unwrap();
    assert_eq!(rb.next.as_deref(), Some("keep-broken-databases"));
    let sel = app.selected_row(PaneId::Runbook).unwrap();
    assert_eq!(rb.steps[sel].step.id, "keep-broken-databases");
    assert!(s.contains("done") && s.contains("open"), "{s}");
}

#[test]
fn m_asks_for_a_note_and_enter_hands_the_mark_to_a_worker() {
    let mut app = on_runbook((80, 24));
    app.update(key('m'));
    assert!(screen(&app, 80, 24).contains("done keep-broken-databases, note:"));
    // Keys are text while the note is typed: q does not quit.
    for c in "copied to usb".chars() {
        app.update(key(c));
    }
    assert!(!app.should_quit());
    app.update(code(KeyCode::Enter));
    let j = jobs(&mut app);
    match j.as_slice() {
        [(id, Job::Mark { step, mark, note })] => {
            assert_eq!(step, "keep-broken-databases");
            assert_eq!(*mark, MarkKind::Done);
            assert_eq!(note, "copied to usb");
            app.update(Action::Marked(*id, Ok("0004-20261122T080000Z".into())));
        }
        other => panic!("{other:?}"),
    }
    assert!(app.status().unwrap().contains("0004-20261122T080000Z"));
    // The runbook is judged again with the new mark.
    assert!(matches!(jobs(&mut app).as_slice(), [(_, Job::Runbook)]));
}

#[test]
fn a_skip_needs_its_reason_and_esc_records_nothing() {
    let mut app = on_runbook((80, 24));
    app.update(key('x'));
    app.update(code(KeyCode::Enter));
    assert!(app.status().unwrap().contains("needs its reason"));
    assert!(jobs(&mut app).is_empty());
    app.update(code(KeyCode::Esc));
    assert!(app.note().is_none());
    assert!(jobs(&mut app).is_empty());
    assert!(app.status().unwrap().contains("nothing was recorded"));
}

#[test]
fn marking_is_refused_in_read_only_mode_and_outside_the_runbook() {
    let mut app = App::new(options(true), (80, 24));
    app.update(Action::Scanned(Box::new(inventory(3))));
    app.update(key('m'));
    assert!(app.note().is_none());
    assert!(
        app.status().unwrap().contains("read-only"),
        "{:?}",
        app.status()
    );
    let mut app = app_with(inventory(3), (80, 24));
    app.update(key('m'));
    assert!(app.note().is_none());
    assert!(app.status().unwrap().contains("runbook pane"));
}

#[test]
fn y_sends_the_steps_command_by_osc52_and_says_it_was_sent() {
    let mut app = on_runbook((80, 24));
    // Step 3 restores the databases.
    app.update(key('g'));
    app.update(key('j'));
    app.update(key('j'));
    app.take_effects();
    app.update(key('y'));
    let sent = clipboard(&mut app);
    assert_eq!(sent.len(), 1);
    let seq = String::from_utf8(sent[0].clone()).unwrap();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode("drconsole restore databases");
    assert_eq!(seq, format!("\x1b]52;c;{b64}\x07"));
    assert!(app.status().unwrap().starts_with("sent the step's command"));
}

#[test]
fn without_a_clipboard_the_text_is_shown_to_copy_by_hand() {
    let mut app = on_runbook((80, 24));
    app.set_clipboard(Target::Unsupported(
        "TERM=linux (the Linux console) has no clipboard".into(),
    ));
    app.update(key('g'));
    app.update(key('y'));
    assert!(clipboard(&mut app).is_empty());
    assert_eq!(app.overlay(), Some(Overlay::Copy { scroll: 0 }));
    let s = screen(&app, 80, 24);
    assert!(s.contains("Copy by hand"), "{s}");
    assert!(s.contains("launchctl bootout"), "{s}");
    assert!(app.status().unwrap().contains("TERM=linux"));
    app.update(code(KeyCode::Esc));
    assert_eq!(app.overlay(), None);
}

#[test]
fn y_copies_a_restore_command_a_path_and_a_finding() {
    let mut app = app_with(inventory(3), (80, 24));
    app.take_effects();
    app.update(key('y'));
    let seq = String::from_utf8(clipboard(&mut app).remove(0)).unwrap();
    let text = decode(&seq);
    assert_eq!(
        text,
        "drconsole --root /srv/root restore all --set set-00001"
    );
    app.update(key('2'));
    app.update(key('y'));
    let text = decode(&String::from_utf8(clipboard(&mut app).remove(0)).unwrap());
    assert_eq!(text, "/srv/root/Server/ServerDatabase.db");
    app.update(key('f'));
    app.update(key('y'));
    let text = decode(&String::from_utf8(clipboard(&mut app).remove(0)).unwrap());
    assert!(
        text.starts_with("DB_CORRUPT database:ServerDatabase"),
        "{text}"
    );
    // y copies; the findings view stays open.
    assert!(matches!(app.overlay(), Some(Overlay::Findings { .. })));
}

fn decode(seq: &str) -> String {
    use base64::Engine as _;
    let b64 = seq
        .strip_prefix("\x1b]52;c;")
        .and_then(|s| s.strip_suffix('\x07'))
        .unwrap_or_else(|| panic!("not an OSC 52 sequence: {seq:?}"));
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn the_header_says_which_layout_was_found() {
    let mut inv = inventory(3);
    inv.layout = vec![crate::profile::LayoutChoice {
        var: "server".into(),
        path:
            "Documents and Settings/All Users/Application Data/Pole Position Software/LANrev Server"
                .into(),
        label: Some("XP/2003".into()),
        found: true,
        candidates: Vec::new(),
    }];
    let app = app_with(inv, (120, 24));
    let s = screen(&app, 120, 24);
    assert!(s.contains("layout XP/2003"), "{s}");
}

#[test]
fn a_layout_shared_by_every_variable_is_named_once_and_a_mixed_one_per_variable() {
    let choice = |var: &str, label: &str| crate::profile::LayoutChoice {
        var: var.into(),
        path: format!("{label}/Altiris").into(),
        label: Some(label.into()),
        found: true,
        candidates: Vec::new(),
    };
    let mut inv = inventory(3);
    inv.layout = vec![
        choice("altiris", "Program Files"),
        choice("ns", "Program Files"),
    ];
    let s = screen(&app_with(inv.clone(), (120, 24)), 120, 24);
    assert!(s.contains("layout Program Files │"), "{s}");
    inv.layout[1] = choice("ns", "Program Files (x86)");
    let s = screen(&app_with(inv, (160, 24)), 160, 24);
    assert!(
        s.contains("layout altiris Program Files, ns Program Files (x86)"),
        "{s}"
    );
}
