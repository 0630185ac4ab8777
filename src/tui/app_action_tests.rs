//! Unit tests of the reducer for the diff view, the plan preview with its confirmation, the
//! journal view and undo: actions in, state and queued jobs out, no terminal and no disk.

use super::tests::{app_with, code, inventory, key, options, screen};
use super::*;
use crate::diff::report::{Line as DiffLine, LineKind};
use crate::journal::{Committed, TxState, TxSummary};
use crate::plan::{Check, Plan, Precondition, Status as PreStatus, Step, StepKind};
use crate::tui::jobs::{Outcome, Preview};
use crossterm::event::KeyCode;

fn jobs(app: &mut App) -> Vec<(u64, Job)> {
    app.take_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Job(id, job) => Some((id, job)),
            Effect::Scan(_) | Effect::Clipboard(_) => None,
        })
        .collect()
}

fn only_job(app: &mut App) -> (u64, Job) {
    let mut j = jobs(app);
    assert_eq!(j.len(), 1, "{j:?}");
    j.remove(0)
}

fn diff_line(kind: LineKind, text: &str) -> DiffLine {
    DiffLine {
        kind,
        text: text.into(),
    }
}

fn diff_result() -> Vec<DiffLine> {
    let mut lines = vec![
        diff_line(LineKind::Heading, "== database:ServerDatabase [different]"),
        diff_line(LineKind::Info, "  table computers"),
    ];
    for i in 0..30 {
        lines.push(diff_line(LineKind::Info, &format!("  same row {i}")));
    }
    lines.push(diff_line(LineKind::Changed, "  ~ row 7 name: old → new"));
    for i in 0..30 {
        lines.push(diff_line(LineKind::Info, &format!("  same row {i}")));
    }
    lines.push(diff_line(LineKind::Added, "  + row 99 laptop-42"));
    lines
}

fn plan(ready: bool) -> Plan {
    let mut plan = Plan::new(
        crate::plan::Action::Restore {
            set: "set-00001".into(),
        },
        "/srv/root",
    );
    plan.components = vec!["database:ServerDatabase".into()];
    plan.steps = vec![Step {
        component: "database:ServerDatabase".into(),
        target: "Server/ServerDatabase.db".into(),
        kind: StepKind::CopyFile {
            source: "/srv/root/backups/set-00001/ServerDatabase.dbbackup".into(),
        },
        bytes: 4096,
        replaces: None,
    }];
    let mut stopped = Precondition::pending(Check::ServerStopped, "the server is not running");
    stopped.status = if ready {
        PreStatus::Pass
    } else {
        PreStatus::Fail
    };
    if !ready {
        stopped.detail = "LANrev Server (pid 42) is running: stop it first".into();
    }
    plan.preconditions = vec![stopped];
    plan
}

fn preview(ready: bool) -> Result<Box<Preview>, String> {
    Ok(Box::new(Preview {
        plan: plan(ready),
        summary: vec!["database:ServerDatabase: 3 rows changed".into()],
        warnings: vec![],
    }))
}

fn committed() -> Box<Outcome> {
    Box::new(Outcome {
        result: Ok(Committed {
            txid: "0001-20261122T080000Z".into(),
            steps: 1,
            bytes_written: 4096,
            bytes_stashed: 4096,
            skipped: vec![],
        }),
        journal: "#0001 restore from set-00001 committed, undo available".into(),
    })
}

#[test]
fn d_on_a_backup_set_computes_its_diff_in_the_background() {
    let mut app = app_with(inventory(3), (80, 24));
    app.take_effects();
    // The cursor starts on the recommended set: `d` right away acts on it.
    app.update(key('d'));
    let (id, job) = only_job(&mut app);
    assert_eq!(
        job,
        Job::Diff {
            set: "set-00001".into(),
            selectors: vec!["all".into()]
        }
    );
    assert!(matches!(app.overlay(), Some(Overlay::Diff { scroll: 0 })));
    assert!(screen(&app, 80, 24).contains("computing the diff"));
    // A result for an older request is not shown.
    app.update(Action::Diffed(id + 7, Ok(vec![])));
    assert!(app.diff().is_some_and(|d| d.lines.is_none()));
    app.update(Action::Diffed(id, Ok(diff_result())));
    let s = screen(&app, 80, 24);
    assert!(s.contains("database:ServerDatabase [different]"), "{s}");
    app.update(code(KeyCode::Esc));
    assert_eq!(app.overlay(), None);
}

#[test]
fn a_wide_diff_table_scrolls_sideways_at_80_columns_instead_of_wrapping() {
    let mut app = app_with(inventory(3), (80, 24));
    app.take_effects();
    app.update(key('d'));
    let (id, _) = only_job(&mut app);
    let row = format!(
        "    {:<30} {:>9} {:>10} {:>8} {:>8} {:>8} {:>9} TAIL",
        "computers", 63, 64, 1, 0, 0, 64
    );
    app.update(Action::Diffed(
        id,
        Ok(vec![
            diff_line(LineKind::Heading, "== database:ServerDatabase [different]"),
            diff_line(LineKind::Info, &row),
        ]),
    ));
    let s = screen(&app, 80, 24);
    let table = s
        .lines()
        .find(|l| l.contains("computers"))
        .expect("the row");
    assert!(
        !table.contains("TAIL"),
        "cut at the edge, not wrapped:\n{s}"
    );
    assert!(
        !s.lines()
            .any(|l| l.trim_start_matches('│').trim_start().starts_with("TAIL"))
    );
    assert!(s.contains("←→ sideways"), "{s}");
    app.update(code(KeyCode::Right));
    assert!(
        matches!(app.overlay(), Some(Overlay::Diff { .. })),
        "still open"
    );
    let s = screen(&app, 80, 24);
    assert!(s.contains("TAIL"), "scrolled sideways:\n{s}");
    app.update(code(KeyCode::Left));
    assert_eq!(app.diff().map(|d| d.hscroll), Some(0));
}

#[test]
fn d_on_a_database_row_diffs_that_component_against_the_recommended_set() {
    let mut app = app_with(inventory(3), (80, 24));
    app.take_effects();
    app.update(key('2'));
    app.update(key('d'));
    let (_, job) = only_job(&mut app);
    assert_eq!(
        job,
        Job::Diff {
            set: "set-00001".into(),
            selectors: vec!["database:ServerDatabase".into()]
        }
    );
}

#[test]
fn n_and_shift_n_jump_between_changes_and_search_moves_to_matches() {
    let mut app = app_with(inventory(3), (80, 24));
    app.take_effects();
    app.update(key('d'));
    let (id, _) = only_job(&mut app);
    app.update(Action::Diffed(id, Ok(diff_result())));
    app.update(key('n'));
    let Some(Overlay::Diff { scroll }) = app.overlay() else {
        panic!("diff view closed");
    };
    assert_eq!(scroll, 32, "the first change is line 32");
    assert!(screen(&app, 80, 24).contains("~ row 7 name"));
    app.update(key('n'));
    assert_eq!(app.overlay(), Some(Overlay::Diff { scroll: 63 }));
    app.update(key('n'));
    assert!(app.status().is_some_and(|s| s.contains("no later change")));
    app.update(key('N'));
    assert_eq!(app.overlay(), Some(Overlay::Diff { scroll: 32 }));
    // `/` searches; n then moves between matches instead of changes.
    app.update(key('g'));
    app.update(key('/'));
    for c in "laptop".chars() {
        app.update(key(c));
    }
    app.update(code(KeyCode::Enter));
    assert_eq!(app.overlay(), Some(Overlay::Diff { scroll: 63 }));
    assert_eq!(app.diff().map(|d| d.search.as_str()), Some("laptop"));
}

#[test]
fn restore_waits_for_an_explicit_confirmation_that_starts_on_cancel() {
    let mut app = app_with(inventory(3), (80, 24));
    app.take_effects();
    app.update(key('r'));
    let (id, job) = only_job(&mut app);
    assert_eq!(
        job,
        Job::RestorePreview {
            set: "set-00001".into(),
            selectors: vec!["all".into()]
        }
    );
    app.update(Action::Previewed(id, preview(true)));
    let s = screen(&app, 80, 24);
    assert!(s.contains("[ Cancel ]") && s.contains("[ Restore ]"), "{s}");
    assert!(s.contains("✓ the server is not running"), "{s}");
    // Enter on the default button cancels: nothing is run.
    app.update(code(KeyCode::Enter));
    assert_eq!(app.overlay(), None);
    assert!(jobs(&mut app).is_empty());
    assert!(
        app.status()
            .is_some_and(|s| s.contains("nothing was changed"))
    );
    // Again, this time choosing Restore.
    app.update(key('r'));
    let (id, _) = only_job(&mut app);
    app.update(Action::Previewed(id, preview(true)));
    app.update(code(KeyCode::Right));
    app.update(code(KeyCode::Enter));
    let (run_id, job) = only_job(&mut app);
    assert_eq!(job, Job::Execute(Box::new(plan(true))));
    assert!(matches!(
        app.plan().map(|p| &p.stage),
        Some(Stage::Running(_))
    ));
    // Running: Esc does not close it.
    app.update(code(KeyCode::Esc));
    assert!(matches!(app.overlay(), Some(Overlay::Plan { .. })));
    assert!(app.status().is_some_and(|s| s.contains("running")));
    app.update(Action::Executed(run_id, committed()));
    assert!(matches!(
        app.plan().map(|p| &p.stage),
        Some(Stage::Done(..))
    ));
    assert!(app.journal_line().starts_with("#0001 restore"));
    assert!(
        app.take_effects()
            .contains(&Effect::Scan(CheckDepth::Standard)),
        "the panes are checked again"
    );
    assert!(screen(&app, 80, 24).contains("Committed transaction 0001-20261122T080000Z"));
    app.update(code(KeyCode::Enter));
    assert_eq!(app.overlay(), None);
}

#[test]
fn a_plan_with_a_failed_precondition_cannot_be_confirmed() {
    let mut app = app_with(inventory(3), (80, 24));
    app.take_effects();
    app.update(key('2'));
    app.update(key('r'));
    let (id, job) = only_job(&mut app);
    assert_eq!(
        job,
        Job::RestorePreview {
            set: "set-00001".into(),
            selectors: vec!["database:ServerDatabase".into()]
        }
    );
    app.update(Action::Previewed(id, preview(false)));
    app.update(code(KeyCode::Right));
    app.update(code(KeyCode::Enter));
    assert!(jobs(&mut app).is_empty(), "nothing runs");
    assert_eq!(app.overlay(), None);
    let mut app = app_with(inventory(3), (80, 24));
    app.take_effects();
    app.update(key('r'));
    let (id, _) = only_job(&mut app);
    app.update(Action::Previewed(id, preview(false)));
    let s = screen(&app, 80, 24);
    assert!(s.contains("✗ the server is not running"), "{s}");
    assert!(s.contains("Preconditions failed"), "{s}");
}

#[test]
fn a_plan_that_cannot_be_built_says_why() {
    let mut app = app_with(inventory(3), (80, 24));
    app.take_effects();
    app.update(key('u'));
    let (id, job) = only_job(&mut app);
    assert_eq!(job, Job::UndoPreview);
    app.update(Action::Previewed(
        id,
        Err("nothing to undo: the journal holds no committed transaction".into()),
    ));
    let s = screen(&app, 80, 24);
    assert!(s.contains("No plan: nothing to undo"), "{s}");
    app.update(code(KeyCode::Enter));
    assert_eq!(app.overlay(), None);
}

#[test]
fn read_only_refuses_restore_and_undo_but_shows_diff_and_journal() {
    let mut app = App::new(options(true), (80, 24));
    app.update(Action::Scanned(Box::new(inventory(3))));
    app.take_effects();
    for c in ['r', 'u'] {
        app.update(key(c));
        assert!(jobs(&mut app).is_empty());
        assert!(app.status().is_some_and(|s| s.contains("read-only")));
    }
    app.update(key('d'));
    assert_eq!(jobs(&mut app).len(), 1);
    app.update(code(KeyCode::Esc));
    app.update(key('J'));
    assert_eq!(only_job(&mut app).1, Job::Journal);
}

#[test]
fn j_lists_transactions_newest_first() {
    let mut app = app_with(inventory(3), (80, 24));
    app.take_effects();
    app.update(key('J'));
    let (id, _) = only_job(&mut app);
    assert!(screen(&app, 80, 24).contains("reading the journal"));
    let tx = TxSummary {
        id: "0001-20261122T080000Z".into(),
        at: chrono::DateTime::UNIX_EPOCH,
        origin: Default::default(),
        action: "restore".into(),
        set: Some("set-00001".into()),
        undoes: None,
        components: vec!["database:ServerDatabase".into()],
        root: "/srv/root".into(),
        state: TxState::Committed,
        undone_by: None,
        steps: 1,
        bytes_written: 4096,
        bytes_stashed: 2048,
        pruned: false,
        reason: None,
        damage: None,
        mark: None,
    };
    app.update(Action::JournalListed(id, Ok(vec![tx])));
    let s = screen(&app, 80, 24);
    assert!(s.contains("0001-20261122T080000Z"), "{s}");
    assert!(s.contains("committed"), "{s}");
    assert!(s.contains("2.0 KiB stashed"), "{s}");
    app.update(key('J'));
    assert_eq!(app.overlay(), None);
}

#[test]
fn jobs_run_on_a_worker_thread_and_answer_on_the_channel() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = crate::profile::load("lanrev-macos").expect("built-in profile");
    let mut ctx = crate::Context::new(profile, dir.path().join("root"));
    ctx.state_dir = dir.path().join("state");
    let (tx, rx) = std::sync::mpsc::channel();
    let runner = crate::tui::event::Jobs::new(std::sync::Arc::new(ctx), tx);
    let mut app = app_with(inventory(3), (80, 24));
    app.take_effects();
    app.update(key('J'));
    for e in app.take_effects() {
        if let Effect::Job(id, job) = e {
            runner.start(id, job, app.inventory().clone());
        }
    }
    let answer = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the worker answers");
    app.update(answer);
    let list = app.journal_view().and_then(|j| j.list.as_ref());
    assert!(
        matches!(list, Some(Ok(l)) if l.is_empty()),
        "an empty state folder has no transactions: {list:?}"
    );
    assert!(screen(&app, 80, 24).contains("no transactions"));
}
