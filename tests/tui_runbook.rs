//! The runbook pane on the `corrupt-db` demo (seed 1, fixed clock), its jobs run in line as
//! the workers would: snapshots at 80×24 and 160×48 and of a step's details, and a mark typed
//! in the console that lands in the journal and ticks the step.

use crossterm::event::KeyCode;
use drconsole::inventory::{self, CheckDepth, ScanOptions};
use drconsole::tui::{App, Effect, jobs};

mod tui_support;

use tui_support::{Demo, demo, keys, screen};

fn scan(d: &Demo) -> drconsole::Inventory {
    let mut inv = inventory::scan(
        &d.ctx,
        &ScanOptions {
            depth: CheckDepth::Standard,
        },
        &(),
    );
    // The machine's own process table must not change the screens.
    inv.host.running.clear();
    inv.findings
        .retain(|f| f.code != drconsole::findings::Code::ServerRunning);
    inv
}

fn app(d: &Demo, size: (u16, u16)) -> App {
    tui_support::app_on(d, size, scan(d))
}

/// Run every queued job in line until none is left; scans and the clipboard are dropped.
fn run_jobs(app: &mut App, d: &Demo) {
    loop {
        let effects = app.take_effects();
        if effects.is_empty() {
            return;
        }
        for e in effects {
            if let Effect::Job(id, job) = e {
                let action = jobs::run(&d.ctx, app.inventory(), id, &job, &());
                app.update(action);
            }
        }
    }
}

#[test]
fn runbook_pane_at_80x24_and_160x48() {
    let d = demo();
    for size in [(80, 24), (160, 48)] {
        let mut a = app(&d, size);
        keys(&mut a, &[KeyCode::Char('5')]);
        run_jobs(&mut a, &d);
        insta::assert_snapshot!(
            format!("runbook_{}x{}", size.0, size.1),
            screen(&a, size, &d.tmp)
        );
    }
    let mut a = app(&d, (80, 24));
    keys(&mut a, &[KeyCode::Char('5')]);
    run_jobs(&mut a, &d);
    keys(&mut a, &[KeyCode::Char('j'), KeyCode::Enter]);
    insta::assert_snapshot!("runbook_details_80x24", screen(&a, (80, 24), &d.tmp));
}

#[test]
fn a_mark_typed_in_the_console_lands_in_the_journal_and_ticks_the_step() {
    let d = demo();
    let mut a = app(&d, (100, 30));
    keys(&mut a, &[KeyCode::Char('5')]);
    run_jobs(&mut a, &d);
    let rb = a.runbook().expect("judged");
    assert_eq!(rb.next.as_deref(), Some("keep-broken-databases"));
    keys(&mut a, &[KeyCode::Char('m')]);
    for c in "copied to /var/tmp".chars() {
        keys(&mut a, &[KeyCode::Char(c)]);
    }
    keys(&mut a, &[KeyCode::Enter]);
    run_jobs(&mut a, &d);
    let rb = a.runbook().expect("judged again");
    let step = rb.step("keep-broken-databases").unwrap();
    assert_eq!(step.state, drconsole::runbook::StepState::MarkedDone);
    assert_eq!(step.mark.as_ref().unwrap().note, "copied to /var/tmp");
    assert_eq!(rb.next.as_deref(), Some("restore-databases"));
    let list = drconsole::journal::list(&drconsole::journal::Journal::of(&d.ctx)).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].action, "mark");
    assert!(
        a.status().unwrap().contains(&list[0].id),
        "{:?}",
        a.status()
    );
}
