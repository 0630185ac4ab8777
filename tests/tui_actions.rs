//! The console's mutating and comparing actions on the `corrupt-db` demo (seed 1, fixed
//! clock), driven through the App's actions with the worker jobs run in line: snapshots of the
//! diff view, the restore preview and the journal view at 80×24 and 160×48, and a restore run
//! to completion that must leave the live database byte-identical to the set's copy.

use crossterm::event::KeyCode;
use drconsole::inventory::{self, CheckDepth, DbState, ScanOptions};
use drconsole::tui::app::Overlay;
use drconsole::tui::overlays::restore::Stage;
use drconsole::tui::{Action, App, Effect, jobs};

mod tui_support;

use tui_support::{Demo, demo, keys, screen};

fn scan(d: &Demo) -> drconsole::Inventory {
    inventory::scan(
        &d.ctx,
        &ScanOptions {
            depth: CheckDepth::Standard,
        },
        &(),
    )
}

fn app(d: &Demo, size: (u16, u16)) -> App {
    tui_support::app_on(d, size, scan(d))
}

/// Run every queued job (and scan) in line, as the workers would, until none is left.
fn run_jobs(app: &mut App, d: &Demo) {
    loop {
        let effects = app.take_effects();
        if effects.is_empty() {
            return;
        }
        for e in effects {
            let action = match e {
                Effect::Job(id, job) => jobs::run(&d.ctx, app.inventory(), id, &job, &()),
                Effect::Scan(_) => Action::Scanned(Box::new(scan(d))),
                // What a terminal would take as the clipboard: nothing to feed back.
                Effect::Clipboard(_) => continue,
            };
            app.update(action);
        }
    }
}

/// Focus the databases pane on ServerDatabase: the damaged database is listed first, so the
/// cursor is already on it.
fn select_server_database(app: &mut App) {
    keys(app, &[KeyCode::Char('2')]);
    let row = app.selected_row(drconsole::tui::PaneId::Databases);
    assert_eq!(
        row.and_then(|i| app.inventory().databases.get(i))
            .map(|db| db.name.as_str()),
        Some("ServerDatabase"),
        "the damaged database comes first"
    );
}

const SMALL: (u16, u16) = (80, 24);
const LARGE: (u16, u16) = (160, 48);

#[test]
fn diff_view_of_the_corrupt_database() {
    let d = demo();
    for size in [SMALL, LARGE] {
        let mut a = app(&d, size);
        select_server_database(&mut a);
        keys(&mut a, &[KeyCode::Char('d')]);
        assert!(screen(&a, size, &d.tmp).contains("computing the diff"));
        run_jobs(&mut a, &d);
        assert!(matches!(a.overlay(), Some(Overlay::Diff { .. })));
        insta::assert_snapshot!(
            format!("diff_database_{}x{}", size.0, size.1),
            screen(&a, size, &d.tmp)
        );
    }
}

#[test]
fn restore_preview_of_the_corrupt_database() {
    let d = demo();
    for size in [SMALL, LARGE] {
        let mut a = app(&d, size);
        select_server_database(&mut a);
        keys(&mut a, &[KeyCode::Char('r')]);
        run_jobs(&mut a, &d);
        insta::assert_snapshot!(
            format!("restore_preview_{}x{}", size.0, size.1),
            screen(&a, size, &d.tmp)
        );
    }
}

#[test]
fn restore_through_the_console_makes_the_live_database_the_sets_copy() {
    let d = demo();
    let mut a = app(&d, LARGE);
    let set = a
        .inventory()
        .recommended_set()
        .expect("a recommended set")
        .clone();
    let copy = set
        .members
        .iter()
        .find(|m| m.database == "ServerDatabase")
        .expect("the set holds ServerDatabase")
        .file
        .path
        .clone();
    let live = d.ctx.root.join("Server/ServerDatabase.db");
    let live = a
        .inventory()
        .databases
        .iter()
        .find(|db| db.name == "ServerDatabase")
        .map_or(live, |db| db.file.path.clone());
    let before = std::fs::read(&live).expect("live database");
    assert_ne!(before, std::fs::read(&copy).expect("set copy"));

    select_server_database(&mut a);
    keys(&mut a, &[KeyCode::Char('r')]);
    run_jobs(&mut a, &d);
    let ready = a
        .plan()
        .and_then(|p| p.preview())
        .is_some_and(|p| p.plan.ready());
    assert!(ready, "{}", screen(&a, LARGE, &d.tmp));
    // Choose "Restore" (the default is Cancel) and confirm.
    keys(&mut a, &[KeyCode::Right, KeyCode::Enter]);
    run_jobs(&mut a, &d);
    let Some(Stage::Done(_, outcome)) = a.plan().map(|p| &p.stage) else {
        panic!("not finished: {}", screen(&a, LARGE, &d.tmp));
    };
    let committed = outcome.result.as_ref().expect("committed");
    assert_eq!(
        std::fs::read(&live).expect("live database"),
        std::fs::read(&copy).expect("set copy"),
        "the live database is the set's copy"
    );
    let txid = committed.txid.clone();
    let list = jobs::journal_list(&d.ctx).expect("journal");
    assert!(list.iter().any(|t| t.id == txid), "{list:?}");
    assert!(
        a.journal_line().contains("undo available"),
        "{}",
        a.journal_line()
    );
    // The panes were checked again and show the database as fine.
    let db = a
        .inventory()
        .databases
        .iter()
        .find(|db| db.name == "ServerDatabase")
        .expect("ServerDatabase");
    assert_eq!(db.file.state, DbState::Ok);

    // The journal view lists the new transaction. Drawn over the zoomed backup sets on the
    // recommended set: the restored file's age in the databases pane follows the wall clock,
    // not `--now`, and the corrupt set's partial checks depend on timing.
    keys(&mut a, &[KeyCode::Enter, KeyCode::Char('1')]);
    assert!(
        a.selected_row(drconsole::tui::PaneId::Backups)
            .and_then(|i| a.inventory().backup_sets.get(i))
            .is_some_and(|s| s.recommended),
        "the cursor starts on the recommended set"
    );
    keys(&mut a, &[KeyCode::Char('z'), KeyCode::Char('J')]);
    run_jobs(&mut a, &d);
    // The journal records the real wall-clock time beside the fixed clock, and who ran it
    // where: true values, checked here, then masked so the snapshots repeat.
    let tx = list.iter().find(|t| t.id == txid).expect("the transaction");
    let wall = tx.origin.wall_clock.expect("wall-clock time recorded");
    assert!(
        (chrono::Utc::now() - wall).num_minutes().abs() < 60,
        "{wall} is the real time"
    );
    assert_eq!(tx.at, d.now, "the fixed clock is kept beside it");
    assert!(
        tx.when().contains("(--now 2026-11-22 08:00:00 UTC)"),
        "{}",
        tx.when()
    );
    assert!(tx.origin.host.is_some(), "the host is recorded");
    for size in [SMALL, LARGE] {
        a.update(Action::Resize(size.0, size.1));
        let s = screen(&a, size, &d.tmp)
            .replace(&tx.when(), "[WALL CLOCK] (--now 2026-11-22 08:00:00 UTC)")
            .replace(&tx.who(), "[USER@HOST]");
        assert!(
            s.contains("at [WALL CLOCK]") && s.contains("by [USER@HOST]"),
            "{s}"
        );
        insta::assert_snapshot!(format!("journal_{}x{}", size.0, size.1), s);
    }

    // `u` undoes it: the preview warns that the corrupt original would come back.
    keys(&mut a, &[KeyCode::Esc, KeyCode::Char('u')]);
    run_jobs(&mut a, &d);
    let preview = a
        .plan()
        .and_then(|p| p.preview())
        .expect("the undo preview")
        .clone();
    assert!(
        preview
            .warnings
            .iter()
            .any(|w| w.contains("ServerDatabase.db") && w.contains("fails its integrity check")),
        "{:?}",
        preview.warnings
    );
    assert!(
        screen(&a, LARGE, &d.tmp).contains("Warning: "),
        "{}",
        screen(&a, LARGE, &d.tmp)
    );
    // Cross-check with the sqlite3 tool: the stashed copy really fails.
    let stash = preview
        .plan
        .steps
        .iter()
        .find_map(|s| match &s.kind {
            drconsole::plan::StepKind::MoveBack { from }
                if s.target.to_string_lossy().ends_with("ServerDatabase.db") =>
            {
                Some(from.clone())
            }
            _ => None,
        })
        .expect("the database is put back from the stash");
    match std::process::Command::new("sqlite3")
        .arg(&stash)
        .arg("PRAGMA integrity_check;")
        .output()
    {
        Ok(out) => assert_ne!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "ok",
            "sqlite3 agrees the stashed copy is damaged"
        ),
        Err(_) => eprintln!("note: sqlite3 is not installed; skipping the cross-check"),
    }
    keys(&mut a, &[KeyCode::Right, KeyCode::Enter]);
    run_jobs(&mut a, &d);
    assert!(
        matches!(a.plan().map(|p| &p.stage), Some(Stage::Done(_, o)) if o.result.is_ok()),
        "{}",
        screen(&a, LARGE, &d.tmp)
    );
    assert_eq!(std::fs::read(&live).expect("live database"), before);
}

#[test]
fn a_database_opened_while_the_confirmation_waits_makes_the_console_refuse() {
    let d = demo();
    let mut a = app(&d, LARGE);
    let live = a
        .inventory()
        .databases
        .iter()
        .find(|db| db.name == "ServerDatabase")
        .map(|db| db.file.path.clone())
        .expect("ServerDatabase");
    let before = std::fs::read(&live).expect("live database");
    select_server_database(&mut a);
    keys(&mut a, &[KeyCode::Char('r')]);
    run_jobs(&mut a, &d);
    let ready = a
        .plan()
        .and_then(|p| p.preview())
        .is_some_and(|p| p.plan.ready());
    assert!(ready, "{}", screen(&a, LARGE, &d.tmp));
    // While the dialog waits, something opens the live database (`sleep 60 < db`).
    let mut holder = std::process::Command::new("sleep")
        .arg("60")
        .stdin(std::fs::File::open(&live).expect("open the live database"))
        .spawn()
        .expect("sleep runs");
    keys(&mut a, &[KeyCode::Right, KeyCode::Enter]);
    run_jobs(&mut a, &d);
    let pid = holder.id();
    let _ = holder.kill();
    let _ = holder.wait();
    let Some(Stage::Done(_, outcome)) = a.plan().map(|p| &p.stage) else {
        panic!("not finished: {}", screen(&a, LARGE, &d.tmp));
    };
    let why = outcome
        .result
        .as_ref()
        .expect_err("the restore must refuse");
    assert!(why.contains(&format!("sleep (pid {pid}) has ")), "{why}");
    assert!(why.contains("nothing changed"), "{why}");
    assert_eq!(std::fs::read(&live).expect("live database"), before);
}
