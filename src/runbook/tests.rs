use super::*;
use crate::findings::{Code, Finding};
use crate::inventory::{DbFile, DbState, LiveDatabase};
use crate::journal::MarkSummary;

fn profile() -> Profile {
    crate::profile::load("lanrev-windows").unwrap()
}

fn root() -> PathBuf {
    PathBuf::from("/srv/old")
}

/// A scan where every database passes its full check and nothing is wrong.
fn clean() -> Inventory {
    let p = profile();
    Inventory {
        profile: p.name.clone(),
        root: root(),
        databases: p
            .databases
            .iter()
            .map(|d| LiveDatabase {
                name: d.name.clone(),
                component: format!("database:{}", d.name),
                file: DbFile {
                    state: DbState::Ok,
                    ..DbFile::default()
                },
                leftovers: Vec::new(),
            })
            .collect(),
        ..Inventory::default()
    }
}

fn tx(seq: u32, action: &str, components: &[&str], state: TxState) -> TxSummary {
    TxSummary {
        id: format!("{seq:04}-20261122T080000Z"),
        at: chrono::DateTime::UNIX_EPOCH,
        origin: crate::journal::record::Origin {
            wall_clock: None,
            user: Some("alice".into()),
            host: Some("rescue".into()),
        },
        action: action.into(),
        set: (action == "restore").then(|| "2026-11-21".to_string()),
        undoes: None,
        components: components.iter().map(|c| c.to_string()).collect(),
        root: root(),
        state,
        undone_by: None,
        steps: 0,
        bytes_written: 0,
        bytes_stashed: 0,
        pruned: false,
        reason: None,
        damage: None,
        mark: None,
    }
}

fn mark(seq: u32, step: &str, kind: MarkKind, note: &str) -> TxSummary {
    let mut t = tx(
        seq,
        "mark",
        &[&format!("runbook:{step}")],
        TxState::Committed,
    );
    t.mark = Some(MarkSummary {
        profile: "lanrev-windows".into(),
        step: step.into(),
        mark: kind,
        note: note.into(),
    });
    t
}

fn state(rb: &Runbook, id: &str) -> StepState {
    rb.step(id).unwrap().state
}

#[test]
fn a_running_server_keeps_the_stop_step_open_and_says_why() {
    let mut inv = clean();
    inv.findings.push(Finding::new(
        Code::ServerRunning,
        "host",
        "LANrev Server.exe (pid 42) is running",
    ));
    let rb = evaluate(&profile(), &root(), Some(&inv), &[]);
    assert_eq!(state(&rb, "stop-server"), StepState::Open);
    assert_eq!(state(&rb, "start-server"), StepState::Done);
    let ev = &rb.step("stop-server").unwrap().evidence;
    assert!(
        ev[0].contains("SERVER_RUNNING") && ev[0].contains("pid 42"),
        "{ev:?}"
    );
    assert_eq!(rb.next.as_deref(), Some("stop-server"));
}

#[test]
fn a_stopped_server_ticks_the_stop_step_and_leaves_start_open() {
    let rb = evaluate(&profile(), &root(), Some(&clean()), &[]);
    assert_eq!(state(&rb, "stop-server"), StepState::Done);
    assert_eq!(state(&rb, "start-server"), StepState::Open);
    // A step by hand is open until marked.
    assert_eq!(state(&rb, "keep-broken-databases"), StepState::Open);
    assert_eq!(rb.next.as_deref(), Some("keep-broken-databases"));
}

#[test]
fn before_the_first_scan_nothing_automatic_is_done() {
    let rb = evaluate(&profile(), &root(), None, &[]);
    for s in rb.steps.iter().filter(|s| s.step.automatic()) {
        assert_eq!(s.state, StepState::CannotVerify, "{}", s.step.id);
        assert!(
            s.evidence[0].contains("not checked yet"),
            "{:?}",
            s.evidence
        );
    }
}

#[test]
fn integrity_is_not_proven_by_a_quick_check() {
    let mut inv = clean();
    inv.databases[2].file.state = DbState::QuickOk;
    let rb = evaluate(&profile(), &root(), Some(&inv), &[]);
    let s = rb.step("verify-integrity").unwrap();
    assert_eq!(s.state, StepState::CannotVerify);
    let all = s.evidence.join(" | ");
    assert!(
        all.contains("AgentRequestCache") && all.contains("full"),
        "{all}"
    );
}

#[test]
fn an_unverifiable_database_makes_absence_of_damage_unprovable() {
    let mut inv = clean();
    inv.findings.push(Finding::new(
        Code::DbUnverifiable,
        "database:ServerDatabase",
        "permission denied",
    ));
    let rb = evaluate(&profile(), &root(), Some(&inv), &[]);
    let s = rb.step("verify-integrity").unwrap();
    assert_eq!(s.state, StepState::CannotVerify, "{:?}", s.evidence);
    assert!(s.evidence.iter().any(|e| e.contains("DB_UNVERIFIABLE")));
}

#[test]
fn a_corrupt_database_keeps_verification_open() {
    let mut inv = clean();
    inv.databases[1].file.state = DbState::Corrupt;
    inv.findings.push(Finding::new(
        Code::DbCorrupt,
        "database:ServerDatabase",
        "page 3 is never used",
    ));
    let rb = evaluate(&profile(), &root(), Some(&inv), &[]);
    assert_eq!(state(&rb, "verify-integrity"), StepState::Open);
}

#[test]
fn a_committed_restore_of_every_database_ticks_the_restore_step() {
    let dbs: Vec<String> = profile()
        .databases
        .iter()
        .map(|d| format!("database:{}", d.name))
        .collect();
    let refs: Vec<&str> = dbs.iter().map(String::as_str).collect();
    let partial = [tx(1, "restore", &refs[..3], TxState::Committed)];
    let rb = evaluate(&profile(), &root(), Some(&clean()), &partial);
    let s = rb.step("restore-databases").unwrap();
    assert_eq!(s.state, StepState::Open);
    assert!(
        s.evidence[0].contains("database:SoftwareLicenseControl"),
        "{:?}",
        s.evidence
    );

    let whole = [tx(2, "restore", &refs, TxState::Committed)];
    let rb = evaluate(&profile(), &root(), Some(&clean()), &whole);
    let s = rb.step("restore-databases").unwrap();
    assert_eq!(s.state, StepState::Done, "{:?}", s.evidence);
    assert!(
        s.evidence[0].contains("#0002 from set 2026-11-21"),
        "{:?}",
        s.evidence
    );

    // Undone, rolled back, or under another root: not a restore that holds.
    for st in [TxState::Undone, TxState::RolledBack] {
        let rb = evaluate(
            &profile(),
            &root(),
            Some(&clean()),
            &[tx(2, "restore", &refs, st)],
        );
        assert_eq!(state(&rb, "restore-databases"), StepState::Open, "{st:?}");
    }
    let mut elsewhere = tx(2, "restore", &refs, TxState::Committed);
    elsewhere.root = PathBuf::from("/mnt/other");
    let rb = evaluate(&profile(), &root(), Some(&clean()), &[elsewhere]);
    assert_eq!(state(&rb, "restore-databases"), StepState::Open);
}

#[test]
fn marks_tick_manual_steps_and_the_latest_mark_wins() {
    let j = [mark(
        1,
        "import-settings",
        MarkKind::Done,
        "imported from USB",
    )];
    let rb = evaluate(&profile(), &root(), Some(&clean()), &j);
    let s = rb.step("import-settings").unwrap();
    assert_eq!(s.state, StepState::MarkedDone);
    let m = s.mark.as_ref().unwrap();
    assert_eq!(m.note, "imported from USB");
    assert!(m.describe().contains("alice@rescue"), "{}", m.describe());

    let j = [
        mark(1, "import-settings", MarkKind::Done, "imported"),
        mark(2, "import-settings", MarkKind::Cleared, "wrong file"),
    ];
    let rb = evaluate(&profile(), &root(), Some(&clean()), &j);
    assert_eq!(state(&rb, "import-settings"), StepState::Open);
    assert!(rb.step("import-settings").unwrap().mark.is_none());

    let j = [mark(
        3,
        "mdm-server",
        MarkKind::Skipped,
        "no mobile devices",
    )];
    let rb = evaluate(&profile(), &root(), Some(&clean()), &j);
    assert_eq!(state(&rb, "mdm-server"), StepState::Skipped);
}

#[test]
fn the_scan_outweighs_a_done_mark_it_contradicts() {
    let mut inv = clean();
    inv.findings
        .push(Finding::new(Code::ServerRunning, "host", "running again"));
    let j = [mark(1, "stop-server", MarkKind::Done, "stopped it")];
    let rb = evaluate(&profile(), &root(), Some(&inv), &j);
    let s = rb.step("stop-server").unwrap();
    assert_eq!(s.state, StepState::Open);
    assert!(
        s.evidence.iter().any(|e| e.contains("marked done")),
        "{:?}",
        s.evidence
    );
}

#[test]
fn marks_of_another_profile_or_root_are_ignored() {
    let mut other_root = mark(1, "import-settings", MarkKind::Done, "x");
    other_root.root = PathBuf::from("/mnt/other");
    let mut other_profile = mark(2, "import-settings", MarkKind::Done, "x");
    if let Some(m) = other_profile.mark.as_mut() {
        m.profile = "lanrev-macos".into();
    }
    let rb = evaluate(
        &profile(),
        &root(),
        Some(&clean()),
        &[other_root, other_profile],
    );
    assert_eq!(state(&rb, "import-settings"), StepState::Open);
}
