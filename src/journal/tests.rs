//! Engine tests on temporary folders: execute, roll back, undo, redo, recover, prune.

use super::*;
use crate::plan::{self, Action, Check, DiskProbe, Precondition, Status, Step, StepKind};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    src: PathBuf,
    ctx: Context,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let src = tmp.path().join("set");
    std::fs::create_dir_all(root.join("srv/Certs")).unwrap();
    std::fs::create_dir_all(src.join("Certs")).unwrap();
    std::fs::write(root.join("srv/Main.db"), b"old database").unwrap();
    std::fs::write(root.join("srv/Main.db-wal"), b"stale wal").unwrap();
    std::fs::write(root.join("srv/Certs/server.crt"), b"old cert").unwrap();
    std::fs::write(root.join("srv/Certs/server.key"), b"old key").unwrap();
    std::fs::set_permissions(
        root.join("srv/Certs/server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    std::fs::write(src.join("Main.dbbackup"), b"new database bytes").unwrap();
    std::fs::write(src.join("Certs/server.crt"), b"new cert").unwrap();
    std::fs::write(
        src.join("Certs/server.key"),
        b"-----BEGIN PRIVATE KEY-----\nnew\n",
    )
    .unwrap();
    std::fs::set_permissions(
        src.join("Certs/server.key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let mut ctx = Context::new(crate::profile::load("lanrev-macos").unwrap(), &root);
    ctx.state_dir = tmp.path().join("state");
    ctx.clock = crate::Clock::parse_fixed("2026-11-22T08:00:00Z").unwrap();
    Fixture {
        _tmp: tmp,
        root,
        src,
        ctx,
    }
}

fn step(target: &str, kind: StepKind) -> Step {
    Step {
        component: "test:x".into(),
        target: target.into(),
        kind,
        bytes: 0,
        replaces: None,
    }
}

fn plan(f: &Fixture, steps: Vec<Step>) -> Plan {
    let mut p = Plan::new(Action::Restore { set: "s1".into() }, &f.root);
    p.components = vec!["test:x".into()];
    p.steps = steps;
    p.preconditions
        .push(Precondition::pending(Check::TargetsInsideRoot, "inside"));
    p
}

fn restore_plan(f: &Fixture) -> Plan {
    plan(
        f,
        vec![
            step("srv/Main.db-wal", StepKind::Stash),
            step(
                "srv/Main.db",
                StepKind::CopyFile {
                    source: f.src.join("Main.dbbackup"),
                },
            ),
            step(
                "srv/Certs",
                StepKind::CopyTree {
                    source: f.src.join("Certs"),
                },
            ),
            step("srv/New", StepKind::CreateDir),
            step(
                "srv/New/copy.crt",
                StepKind::CopyFile {
                    source: f.src.join("Certs/server.crt"),
                },
            ),
        ],
    )
}

/// Every path under `dir` with its bytes (or link target) and mode.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>, u32)> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.unwrap();
        let m = std::fs::symlink_metadata(e.path()).unwrap();
        let bytes = if m.is_file() {
            std::fs::read(e.path()).unwrap()
        } else if m.file_type().is_symlink() {
            std::fs::read_link(e.path())
                .unwrap()
                .into_os_string()
                .into_encoded_bytes()
        } else {
            Vec::new()
        };
        let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
        // The stash lives outside the root here (same file system as the journal).
        out.push((rel, bytes, m.permissions().mode() & 0o7777));
    }
    out
}

fn run(f: &Fixture, mut p: Plan) -> Result<Committed, ExecError> {
    let lock = Journal::of(&f.ctx).lock(Duration::ZERO).unwrap();
    plan::check_preconditions(&f.ctx, &mut p, Ok(()));
    assert!(p.ready(), "{p}");
    execute(&f.ctx, &lock, &p, &())
}

fn undo(f: &Fixture, force: bool) -> Result<Committed, String> {
    let journal = Journal::of(&f.ctx);
    let tx = default_undo_target(&journal).map_err(|e| e.to_string())?;
    let mut p =
        build_undo_plan(&journal, &tx, &f.root, force, &DiskProbe).map_err(|e| e.to_string())?;
    let lock = journal.lock(Duration::ZERO).unwrap();
    plan::check_preconditions(&f.ctx, &mut p, Ok(()));
    if !p.ready() {
        return Err(p.to_string());
    }
    execute(&f.ctx, &lock, &p, &()).map_err(|e| e.to_string())
}

#[test]
fn restore_then_undo_then_redo_round_trips_every_byte_and_mode() {
    let f = fixture();
    let before = snapshot(&f.root);
    let done = run(&f, restore_plan(&f)).unwrap();
    assert_eq!(
        std::fs::read(f.root.join("srv/Main.db")).unwrap(),
        b"new database bytes"
    );
    assert!(
        !f.root.join("srv/Main.db-wal").exists(),
        "stale wal left beside the database"
    );
    let key = f.root.join("srv/Certs/server.key");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::read(f.root.join("srv/New/copy.crt")).unwrap(),
        b"new cert"
    );
    let after = snapshot(&f.root);
    assert!(done.bytes_stashed > 0);

    undo(&f, false).unwrap();
    assert_eq!(snapshot(&f.root), before);
    // Undoing the undo redoes.
    undo(&f, false).unwrap();
    assert_eq!(snapshot(&f.root), after);

    let states: Vec<_> = list(&Journal::of(&f.ctx))
        .unwrap()
        .into_iter()
        .map(|s| (s.action, s.state))
        .collect();
    assert_eq!(
        states,
        vec![
            ("undo".to_string(), TxState::Committed),
            ("undo".to_string(), TxState::Undone),
            ("restore".to_string(), TxState::Committed),
        ]
    );
}

#[test]
fn a_failing_step_rolls_back_every_earlier_step() {
    let f = fixture();
    let before = snapshot(&f.root);
    let mut p = restore_plan(&f);
    p.steps.push(step(
        "srv/Other.db",
        StepKind::CopyFile {
            source: f.src.join("does-not-exist"),
        },
    ));
    let err = run(&f, p).unwrap_err().to_string();
    assert!(err.contains("does-not-exist"), "{err}");
    assert!(err.contains("rolled back"), "{err}");
    assert_eq!(snapshot(&f.root), before);
    let s = &list(&Journal::of(&f.ctx)).unwrap()[0];
    assert_eq!(s.state, TxState::RolledBack);
}

#[test]
fn a_database_that_fails_its_check_after_the_restore_rolls_everything_back() {
    let f = fixture();
    let before = snapshot(&f.root);
    let mut p = restore_plan(&f);
    // "new database bytes" is not SQLite.
    p.verify.push("srv/Main.db".into());
    match run(&f, p) {
        Err(ExecError::VerifyFailed { database, .. }) => {
            assert!(database.ends_with("srv/Main.db"))
        }
        other => panic!("expected a failed check, got {other:?}"),
    }
    assert_eq!(snapshot(&f.root), before);
}

#[test]
fn undo_refuses_a_file_changed_since_the_commit_unless_forced() {
    let f = fixture();
    run(&f, restore_plan(&f)).unwrap();
    std::fs::write(f.root.join("srv/Main.db"), b"the server wrote since").unwrap();
    let err = undo(&f, false).unwrap_err();
    assert!(
        err.contains("srv/Main.db changed since the commit"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    undo(&f, true).unwrap();
    assert_eq!(
        std::fs::read(f.root.join("srv/Main.db")).unwrap(),
        b"old database"
    );
}

/// Rewrite the log of the newest transaction keeping only the records `keep` accepts.
fn rewrite_log(f: &Fixture, keep: impl Fn(&record::Record) -> bool) -> Transaction {
    let journal = Journal::of(&f.ctx);
    let tx = journal.transactions().unwrap().pop().unwrap();
    let log = tx.dir.join("log");
    let (records, _, _) = record::decode(&std::fs::read(&log).unwrap());
    let mut kept = Vec::new();
    for r in records.iter().filter(|r| keep(r)) {
        kept.extend(record::encode(r).unwrap());
    }
    std::fs::write(&log, kept).unwrap();
    tx
}

/// Make the committed restore look killed before its last step finished.
fn interrupt_last_step(f: &Fixture) -> Transaction {
    let last = restore_plan(f).steps.len() - 1;
    rewrite_log(f, |r| {
        !matches!(r, record::Record::Commit { .. })
            && !matches!(r, record::Record::Done { step, .. } if *step == last)
    })
}

#[test]
fn recovery_rolls_back_an_unfinished_transaction_and_is_idempotent() {
    let f = fixture();
    let before = snapshot(&f.root);
    run(&f, restore_plan(&f)).unwrap();
    let tx = interrupt_last_step(&f);
    // Plus a torn half-record at the end, as a crash mid-append leaves.
    let log = tx.dir.join("log");
    let mut bytes = std::fs::read(&log).unwrap();
    bytes.extend_from_slice(b"0000004f 12");
    std::fs::write(&log, bytes).unwrap();
    let report = recover(&f.ctx).unwrap();
    assert_eq!(report.rolled_back, vec![tx.txid.clone()]);
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    assert_eq!(snapshot(&f.root), before);
    assert!(recover(&f.ctx).unwrap().rolled_back.is_empty());
    assert_eq!(
        list(&Journal::of(&f.ctx)).unwrap()[0].state,
        TxState::RolledBack
    );
}

#[test]
fn a_damaged_commit_record_is_never_rolled_back_and_undo_still_works() {
    for damage in ["flip", "cut"] {
        let f = fixture();
        let before = snapshot(&f.root);
        run(&f, restore_plan(&f)).unwrap();
        let after = snapshot(&f.root);
        let journal = Journal::of(&f.ctx);
        let log = journal.transactions().unwrap()[0].dir.join("log");
        let mut bytes = std::fs::read(&log).unwrap();
        let n = bytes.len();
        match damage {
            "flip" => bytes[n - 20] ^= 0x01,
            _ => bytes.truncate(n - 30),
        }
        std::fs::write(&log, &bytes).unwrap();
        // The server writes to a restored file after the damage: that must survive.
        std::fs::write(f.root.join("srv/New/copy.crt"), b"written since").unwrap();
        let report = recover(&f.ctx).unwrap();
        assert!(report.rolled_back.is_empty(), "{damage}: {report:?}");
        assert_eq!(report.damaged.len(), 1, "{damage}: {report:?}");
        assert_eq!(
            std::fs::read(f.root.join("srv/New/copy.crt")).unwrap(),
            b"written since"
        );
        std::fs::write(f.root.join("srv/New/copy.crt"), b"new cert").unwrap();
        assert_eq!(snapshot(&f.root), after, "{damage}");
        let s = &list(&journal).unwrap()[0];
        assert_eq!(s.state, TxState::Damaged, "{damage}");
        assert!(s.damage.as_deref().unwrap().contains("undo"), "{s:?}");
        let found = findings(&journal);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, crate::findings::Code::JournalDamaged);
        // The damaged bytes are left for the operator, not cut off.
        assert_eq!(std::fs::read(&log).unwrap(), bytes);
        undo(&f, false).unwrap();
        assert_eq!(snapshot(&f.root), before, "{damage}");
        assert_eq!(list(&journal).unwrap()[1].state, TxState::Undone);
    }
}

#[test]
fn a_file_placed_at_a_target_after_a_crash_survives_in_the_stash() {
    let f = fixture();
    let before = snapshot(&f.root);
    run(&f, restore_plan(&f)).unwrap();
    let tx = interrupt_last_step(&f);
    // After the crash, an admin copies a database into place by hand.
    std::fs::write(f.root.join("srv/Main.db"), b"placed by hand").unwrap();
    let report = recover(&f.ctx).unwrap();
    assert_eq!(report.rolled_back, vec![tx.txid.clone()]);
    assert_eq!(snapshot(&f.root), before);
    let note = report.notes.join("\n");
    assert!(note.contains("srv/Main.db"), "{note}");
    let kept: Vec<_> = walkdir::WalkDir::new(&tx.dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| std::fs::read(e.path()).unwrap() == b"placed by hand")
        .collect();
    assert_eq!(kept.len(), 1, "the hand-placed file is not in the stash");
    assert!(
        note.contains(&kept[0].path().display().to_string()),
        "{note}"
    );
    let reason = list(&Journal::of(&f.ctx)).unwrap()[0]
        .reason
        .clone()
        .unwrap();
    assert!(reason.contains("placed there after"), "{reason}");
}

#[test]
fn with_its_stash_gone_recovery_says_what_could_not_be_put_back() {
    let f = fixture();
    run(&f, restore_plan(&f)).unwrap();
    let tx = interrupt_last_step(&f);
    std::fs::remove_dir_all(tx.dir.join("stash")).unwrap();
    let report = recover(&f.ctx).unwrap();
    let note = report.notes.join("\n");
    assert!(note.contains("NOT everything could be put back"), "{note}");
    assert!(
        !note.contains("every path holds what it held before"),
        "{note}"
    );
    for path in ["srv/Main.db ", "srv/Certs ", "srv/Main.db-wal "] {
        assert!(note.contains(path), "{path} missing from: {note}");
    }
    let reason = list(&Journal::of(&f.ctx)).unwrap()[0]
        .reason
        .clone()
        .unwrap();
    assert!(reason.contains("NOT everything"), "{reason}");
}

#[test]
fn a_second_process_cannot_take_the_lock_and_recovery_skips() {
    let f = fixture();
    let journal = Journal::of(&f.ctx);
    let _held = journal.lock(Duration::ZERO).unwrap();
    // flock is per open file: a second open in this process conflicts like another process.
    let err = journal.lock(Duration::ZERO).unwrap_err().to_string();
    assert!(err.contains("holds the journal lock"), "{err}");
}

#[test]
fn a_planted_symlink_at_the_target_is_moved_aside_not_written_through() {
    let f = fixture();
    let outside = f._tmp.path().join("outside.txt");
    std::fs::write(&outside, b"secret").unwrap();
    std::fs::remove_file(f.root.join("srv/Main.db")).unwrap();
    std::os::unix::fs::symlink(&outside, f.root.join("srv/Main.db")).unwrap();
    run(&f, restore_plan(&f)).unwrap();
    assert_eq!(std::fs::read(&outside).unwrap(), b"secret");
    let meta = std::fs::symlink_metadata(f.root.join("srv/Main.db")).unwrap();
    assert!(meta.is_file());
    undo(&f, false).unwrap();
    assert!(
        std::fs::symlink_metadata(f.root.join("srv/Main.db"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn a_symlinked_folder_on_the_way_refuses_the_step() {
    let f = fixture();
    let outside = f._tmp.path().join("elsewhere");
    std::fs::create_dir(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, f.root.join("linked")).unwrap();
    let mut p = plan(
        &f,
        vec![step(
            "linked/Main.db",
            StepKind::CopyFile {
                source: f.src.join("Main.dbbackup"),
            },
        )],
    );
    plan::check_preconditions(&f.ctx, &mut p, Ok(()));
    assert!(!p.ready());
    assert_eq!(p.preconditions[0].status, Status::Fail);
    assert!(std::fs::read_dir(&outside).unwrap().next().is_none());
}

#[test]
fn prune_frees_old_stashes_and_then_undo_is_refused() {
    let f = fixture();
    run(&f, restore_plan(&f)).unwrap();
    let journal = Journal::of(&f.ctx);
    let lock = journal.lock(Duration::ZERO).unwrap();
    let report = prune(&lock, 0, f.ctx.clock.now()).unwrap();
    drop(lock);
    assert_eq!(report.pruned.len(), 1);
    assert!(report.freed_bytes > 0);
    let s = &list(&journal).unwrap()[0];
    assert!(s.pruned);
    assert_eq!(s.bytes_stashed, 0);
    let err = undo(&f, false).unwrap_err();
    assert!(err.contains("pruned"), "{err}");
}

#[test]
fn the_journal_folder_is_private() {
    let f = fixture();
    run(&f, restore_plan(&f)).unwrap();
    let mode = std::fs::metadata(f.ctx.journal_dir())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);
}

#[test]
fn a_transaction_folder_with_an_empty_log_never_began_and_is_ignored() {
    let f = fixture();
    run(&f, restore_plan(&f)).unwrap();
    let journal = Journal::of(&f.ctx);
    let dir = journal.dir().join("0002-20261122T080000Z");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("log"), b"").unwrap();
    assert_eq!(journal.transactions().unwrap().len(), 1);
    assert!(recover(&f.ctx).unwrap().rolled_back.is_empty());
    // The next transaction does not reuse the id.
    undo(&f, false).unwrap();
    assert_eq!(list(&journal).unwrap()[0].id, "0003-20261122T080000Z");
}

#[test]
fn undo_refuses_a_transaction_made_under_another_root() {
    let f = fixture();
    run(&f, restore_plan(&f)).unwrap();
    let journal = Journal::of(&f.ctx);
    let tx = default_undo_target(&journal).unwrap();
    let err = build_undo_plan(&journal, &tx, Path::new("/elsewhere"), false, &DiskProbe)
        .unwrap_err()
        .to_string();
    assert!(err.contains("--root"), "{err}");
}

/// Write a transaction log by hand, as someone who could write the journal would.
fn plant(f: &Fixture, records: &[record::Record]) -> PathBuf {
    let journal = Journal::of(&f.ctx);
    journal.ensure().unwrap();
    let dir = journal.dir().join("0001-20261122T080000Z");
    std::fs::create_dir(&dir).unwrap();
    let mut bytes = Vec::new();
    for r in records {
        bytes.extend(record::encode(r).unwrap());
    }
    std::fs::write(dir.join("log"), bytes).unwrap();
    std::fs::set_permissions(dir.join("log"), std::fs::Permissions::from_mode(0o600)).unwrap();
    dir
}

#[test]
fn a_planted_transaction_naming_paths_outside_its_root_is_never_acted_on() {
    let f = fixture();
    let victim = f._tmp.path().join("etc");
    std::fs::create_dir(&victim).unwrap();
    std::fs::write(victim.join("passwd"), b"root:x:0:0").unwrap();
    let stash_outside = f._tmp.path().join("stolen");
    std::fs::write(&stash_outside, b"attacker's file").unwrap();
    let begin = |target: &str| record::Record::Begin {
        txid: "0001-20261122T080000Z".into(),
        at: f.ctx.clock.now(),
        plan: plan(
            &f,
            vec![step(
                target,
                StepKind::CopyFile {
                    source: f.src.join("Main.dbbackup"),
                },
            )],
        ),
        origin: record::Origin::default(),
    };
    let cases = [
        // A target that climbs out of the root: its removal would take the victim folder.
        ("../etc", None),
        // A plain target whose "stash" lies outside: rollback would move it over the target.
        ("srv/Main.db", Some(stash_outside.clone())),
    ];
    for (target, stash) in cases {
        let abs = f.root.join(target);
        let parent = abs.parent().unwrap();
        let name = abs.file_name().unwrap().to_string_lossy().into_owned();
        let intent = record::Record::Intent {
            step: 0,
            had: stash.as_ref().map(|_| crate::plan::EntryKind::File),
            stash: stash.clone().unwrap_or_else(|| victim.join("x")),
            temp: parent.join(format!(".{name}.drconsole-0001-20261122T080000Z-0.tmp")),
        };
        let dir = plant(&f, &[begin(target), intent]);
        // The lock file is the only thing recovery may create.
        drop(Journal::of(&f.ctx).lock(Duration::ZERO).unwrap());
        let before = snapshot(f._tmp.path());
        let report = recover(&f.ctx).unwrap();
        assert!(report.rolled_back.is_empty(), "{target}: {report:?}");
        assert_eq!(report.failed.len(), 1, "{target}: {report:?}");
        assert!(
            report.failed[0].1.contains("not written by drconsole"),
            "{report:?}"
        );
        assert_eq!(
            snapshot(f._tmp.path()),
            before,
            "{target}: something was touched"
        );
        assert_eq!(std::fs::read(victim.join("passwd")).unwrap(), b"root:x:0:0");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn a_planted_symlink_lock_is_refused_and_its_target_never_truncated() {
    let f = fixture();
    let journal = Journal::of(&f.ctx);
    journal.ensure().unwrap();
    let victim = f._tmp.path().join("shadow");
    std::fs::write(&victim, b"root:$6$secret").unwrap();
    std::os::unix::fs::symlink(&victim, journal.dir().join("lock")).unwrap();
    let err = journal.lock(Duration::ZERO).unwrap_err().to_string();
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read(&victim).unwrap(), b"root:$6$secret");
    let mut p = restore_plan(&f);
    let err = prepare(&f.ctx, &mut p, false).unwrap_err().to_string();
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read(&victim).unwrap(), b"root:$6$secret");
}

#[test]
fn a_journal_others_can_write_is_refused_not_repaired() {
    for mode in [0o777, 0o775] {
        let f = fixture();
        run(&f, restore_plan(&f)).unwrap();
        let dir = f.ctx.journal_dir();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).unwrap();
        let err = recover(&f.ctx).unwrap_err().to_string();
        assert!(err.contains("writable by"), "{err}");
        assert!(undo(&f, false).unwrap_err().contains("writable by"));
        let now = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o7777;
        assert_eq!(now, mode, "the journal's mode was changed");
    }
}

#[test]
fn a_journal_owned_by_another_user_is_refused() {
    if crate::state_dir::euid() != 0 {
        eprintln!("skipped: giving a folder to another user needs root");
        return;
    }
    let f = fixture();
    run(&f, restore_plan(&f)).unwrap();
    let tx = Journal::of(&f.ctx).transactions().unwrap().remove(0);
    for path in [tx.dir.join("log"), tx.dir.clone(), f.ctx.journal_dir()] {
        std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
        let err = recover(&f.ctx).unwrap_err().to_string();
        assert!(
            err.contains("owned by uid 65534"),
            "{}: {err}",
            path.display()
        );
        std::os::unix::fs::chown(&path, Some(0), Some(0)).unwrap();
    }
    recover(&f.ctx).unwrap();
}

#[test]
fn a_rolled_back_transaction_leaves_no_stash_folder_in_the_root() {
    // The stash goes under the root only when the state folder is on another file system.
    let Ok(other) = tempfile::tempdir_in("/dev/shm") else {
        eprintln!("skipped: no /dev/shm for a state folder on another file system");
        return;
    };
    let mut f = fixture();
    let dev = |p: &Path| std::os::unix::fs::MetadataExt::dev(&std::fs::metadata(p).unwrap());
    if dev(other.path()) == dev(&f.root) {
        eprintln!("skipped: /dev/shm is on the same file system as the temporary folder");
        return;
    }
    f.ctx.state_dir = other.path().join("state");
    let before = snapshot(&f.root);
    let mut p = restore_plan(&f);
    p.steps.push(step(
        "srv/Other.db",
        StepKind::CopyFile {
            source: f.src.join("does-not-exist"),
        },
    ));
    let err = run(&f, p).unwrap_err().to_string();
    assert!(
        err.contains("every path holds what it held before"),
        "{err}"
    );
    assert_eq!(snapshot(&f.root), before);
    assert!(!f.root.join(".drconsole-stash").exists());
}

/// A database whose pages are all well-formed but whose index no longer matches its table:
/// `quick_check` passes it, only the full `integrity_check` finds the damage.
fn index_mismatch_db(path: &Path) {
    let _ = std::fs::remove_file(path);
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode=DELETE; CREATE TABLE t(a, b); CREATE INDEX ta ON t(a);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<300)
           INSERT INTO t SELECT i, 1000 - i FROM n;
         PRAGMA writable_schema=ON;
         UPDATE sqlite_master SET sql = 'CREATE INDEX ta ON t(b)' WHERE name = 'ta';
         PRAGMA writable_schema=OFF;",
    )
    .unwrap();
    drop(conn);
    let mut quick = crate::inventory::sqlite::stat(path);
    crate::inventory::sqlite::check(
        &mut quick,
        crate::inventory::CheckLevel::Quick,
        crate::inventory::sqlite::Mutability::Frozen,
    );
    assert_eq!(quick.state, crate::inventory::DbState::QuickOk);
    assert!(plan::integrity::full_check(path).is_err());
}

/// Make the check cache say `path`, as it is now, passed the full integrity check.
fn cache_full_pass(f: &Fixture, path: &Path) {
    use crate::inventory::cache::{CheckCache, FileKey};
    let cache = CheckCache::load(&f.ctx.cache_dir(), true);
    let mut file = crate::inventory::sqlite::stat(path);
    file.state = crate::inventory::DbState::Ok;
    file.level = crate::inventory::CheckLevel::Full;
    cache.store(&file, FileKey::of(path));
    cache.save().unwrap();
}

fn database_plan(f: &Fixture) -> Plan {
    let mut p = plan(
        f,
        vec![
            step("srv/Main.db-wal", StepKind::Stash),
            step(
                "srv/Main.db",
                StepKind::CopyFile {
                    source: f.src.join("Main.dbbackup"),
                },
            ),
        ],
    );
    p.components = vec!["database:ServerDatabase".into()];
    for s in &mut p.steps {
        s.component = "database:ServerDatabase".into();
    }
    p.verify.push("srv/Main.db".into());
    p
}

#[test]
fn a_copy_of_the_bytes_a_cached_full_check_passed_is_read_back_not_checked_again_and_remembered() {
    // The cache's word is taken for the source's version (an index mismatch that only the
    // full check sees is planted to show which check ran on the copy).
    let f = fixture();
    let src = f.src.join("Main.dbbackup");
    index_mismatch_db(&src);
    cache_full_pass(&f, &src);
    run(&f, database_plan(&f)).unwrap();
    assert_eq!(
        std::fs::read(f.root.join("srv/Main.db")).unwrap(),
        std::fs::read(&src).unwrap()
    );
    // The next check does not read the restored file again.
    let cache = crate::inventory::cache::CheckCache::load(&f.ctx.cache_dir(), true);
    assert!(cache.full_pass(&f.root.join("srv/Main.db")).is_some());
}

#[test]
fn a_source_changed_since_its_cached_pass_gets_the_full_check_after_the_copy() {
    let f = fixture();
    let src = f.src.join("Main.dbbackup");
    index_mismatch_db(&src);
    cache_full_pass(&f, &src);
    // Same bytes, another version as far as the cache can tell: nothing is taken on trust.
    let t = filetime::FileTime::from_unix_time(1_700_000_000, 0);
    filetime::set_file_mtime(&src, t).unwrap();
    let before = snapshot(&f.root);
    match run(&f, database_plan(&f)) {
        Err(ExecError::VerifyFailed { database, .. }) => {
            assert!(database.ends_with("srv/Main.db"))
        }
        other => panic!("expected the full check to fail, got {other:?}"),
    }
    assert_eq!(snapshot(&f.root), before);
}

#[test]
fn a_restored_wal_the_cached_check_never_read_means_a_full_check() {
    let f = fixture();
    let src = f.src.join("Main.dbbackup");
    index_mismatch_db(&src);
    cache_full_pass(&f, &src);
    // A -wal travels with the database, but the pass in the cache was for the file alone.
    let wal = f.src.join("Main.dbbackup-wal");
    std::fs::write(&wal, b"").unwrap();
    let mut p = database_plan(&f);
    p.steps.retain(|s| s.kind != StepKind::Stash);
    p.steps.push(step(
        "srv/Main.db-wal",
        StepKind::CopyFile {
            source: wal.clone(),
        },
    ));
    match run(&f, p) {
        Err(ExecError::VerifyFailed { .. }) => {}
        other => panic!("expected the full check to fail, got {other:?}"),
    }
}
