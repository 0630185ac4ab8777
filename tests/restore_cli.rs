//! Restore, undo and the journal through the real binary on an installation on disk.

mod journal_support;

use drconsole::demo::Scenario;
use journal_support::*;
use std::os::unix::fs::PermissionsExt;

const NEW: &str = "2026-11-21 02-00-00";

fn ok(o: &std::process::Output) {
    assert_eq!(o.status.code(), Some(0), "{}", text(o));
}

fn demo(s: Scenario) -> Install {
    demo_install(s, None)
}

/// (target, source) of every file copy in a plan.
fn copies(plan: &serde_json::Value) -> Vec<(String, String)> {
    plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"]["op"] == "copy_file")
        .map(|s| {
            (
                s["target"].as_str().unwrap().to_string(),
                s["kind"]["source"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn restore_of_databases_makes_every_live_database_identical_to_the_recommended_sets_copy() {
    let inst = demo(Scenario::CorruptDb);
    // A stale -wal of the damaged database must not stay beside the restored one.
    std::fs::write(inst.live("ServerDatabase.db-wal"), vec![0u8; 4096]).unwrap();
    let plan = inst.plan(&["databases"]);
    // The newest set fails only the full check: the one before is recommended.
    assert_eq!(plan["action"]["set"], NEW, "{plan:#}");
    let copies = copies(&plan);
    assert_eq!(copies.len(), 6);
    ok(&inst.run(&["restore", "databases", "--yes"], &[]));
    for (target, source) in &copies {
        let live = std::fs::read(inst.root.join(target)).unwrap();
        let set = std::fs::read(source).unwrap();
        assert!(live == set, "{target} differs from {source}");
    }
    assert!(!inst.live("ServerDatabase.db-wal").exists());
    let check = inst.run(&["check", "--json"], &[]);
    let v: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(!codes.contains(&"DB_CORRUPT"), "{codes:?}");
}

#[test]
fn undo_makes_every_touched_path_byte_identical_to_before_with_mode() {
    let inst = demo(Scenario::CorruptDb);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // Owners other than ours, so putting them back is tested too.
        std::os::unix::fs::chown(inst.live("ServerDatabase.db"), Some(501), Some(20)).unwrap();
        std::os::unix::fs::chown(inst.live("Certificates/server.key"), Some(502), Some(20))
            .unwrap();
    }
    let before = inst.settled();
    ok(&inst.run(&["restore", "all", "--yes"], &[]));
    let after = inst.snapshot();
    assert!(!differences(&before, &after).is_empty());
    ok(&inst.run(&["undo", "--yes"], &[]));
    assert_eq!(
        differences(&before, &inst.snapshot()),
        Vec::<std::path::PathBuf>::new()
    );
    // Undoing the undo redoes.
    ok(&inst.run(&["undo", "--yes"], &[]));
    assert_eq!(
        differences(&after, &inst.snapshot()),
        Vec::<std::path::PathBuf>::new()
    );
    let list = inst.run(&["journal", "--json"], &[]);
    ok(&list);
    let v: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let states: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["committed", "undone", "committed"]);
}

#[test]
fn restore_of_certificates_keeps_private_keys_0600() {
    let inst = demo(Scenario::NewServer);
    let plan = inst.plan(&["certificates"]);
    ok(&inst.run(&["restore", "certificates", "--yes"], &[]));
    let set = std::path::PathBuf::from(
        copies(&plan)[0]
            .1
            .rsplit_once("/MDM/")
            .unwrap()
            .0
            .to_string(),
    );
    let mut keys = 0;
    for (live, backup) in [
        (
            inst.live("Certificates/server.key"),
            set.join("Certificates/server.key"),
        ),
        (
            inst.root.join("etc/lighttpd/certs/lighttpd.pem"),
            set.join("MDM/lighttpd.pem"),
        ),
    ] {
        assert_eq!(
            std::fs::read(&live).unwrap(),
            std::fs::read(&backup).unwrap()
        );
        let mode = std::fs::metadata(&live).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", live.display());
        keys += 1;
    }
    assert_eq!(keys, 2);
}

#[test]
fn a_key_readable_by_others_in_the_set_is_restored_0600() {
    let inst = install(16, false);
    ok(&inst.run(&["restore", "certificates:Certificates", "--yes"], &[]));
    let key = inst.live("Certificates/server.key");
    assert_eq!(
        std::fs::read_to_string(&key).unwrap(),
        "-----BEGIN PRIVATE KEY-----\nnew\n"
    );
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn a_planted_symlink_in_a_target_folder_is_not_followed() {
    let inst = demo(Scenario::CorruptDb);
    let outside = inst.tmp.path().join("outside-secret");
    std::fs::write(&outside, b"do not touch").unwrap();
    std::fs::set_permissions(&outside, std::fs::Permissions::from_mode(0o640)).unwrap();
    // In the live folder (replaced) and in the set (copied): neither may be followed.
    std::os::unix::fs::symlink(&outside, inst.live("Certificates/server.crt.link")).unwrap();
    std::fs::remove_file(inst.live("Certificates/server.crt")).unwrap();
    std::os::unix::fs::symlink(&outside, inst.live("Certificates/server.crt")).unwrap();
    std::os::unix::fs::symlink(&outside, inst.set_dir(NEW).join("Certificates/evil")).unwrap();
    let before = inst.settled();
    let plan = inst.plan(&["certificates:Certificates"]);
    assert!(
        plan["notes"][0].as_str().unwrap().contains("evil"),
        "{plan:#}"
    );
    let o = inst.run(&["restore", "certificates:Certificates", "--yes"], &[]);
    ok(&o);
    assert!(text(&o).contains("Not copied"), "{}", text(&o));
    assert_eq!(std::fs::read(&outside).unwrap(), b"do not touch");
    let meta = std::fs::metadata(&outside).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert!(!inst.live("Certificates/evil").exists());
    assert!(
        std::fs::symlink_metadata(inst.live("Certificates/server.crt"))
            .unwrap()
            .is_file()
    );
    ok(&inst.run(&["undo", "--yes"], &[]));
    assert!(differences(&before, &inst.snapshot()).is_empty());
}

#[test]
fn a_target_folder_that_is_a_symlink_is_moved_aside_not_written_through() {
    let inst = install(16, false);
    let elsewhere = inst.tmp.path().join("elsewhere");
    std::fs::rename(inst.live("Certificates"), &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, inst.live("Certificates")).unwrap();
    // The folder itself is a link: it is moved aside, never written through.
    let before = snapshot(&elsewhere, &[]);
    ok(&inst.run(&["restore", "certificates:Certificates", "--yes"], &[]));
    assert!(differences(&before, &snapshot(&elsewhere, &[])).is_empty());
}

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    let inst = demo(Scenario::CorruptDb);
    std::fs::write(inst.live("ServerDatabase.db-wal"), vec![0u8; 4096]).unwrap();
    let before = inst.settled();
    let o = inst.run(&["restore", "databases", "--dry-run"], &[]);
    ok(&o);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("Restore database:ServerCommandDatabase"),
        "{out}"
    );
    assert!(out.contains("move aside"), "{out}");
    assert!(out.contains("ServerDatabase.db-wal"), "{out}");
    assert!(out.contains("[ ok ] no server process running"), "{out}");
    assert!(differences(&before, &inst.snapshot()).is_empty());
    assert!(!inst.state.join("journal").exists());
    let json = inst.run(&["restore", "databases", "--dry-run", "--json"], &[]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["status"], "dry_run");
    assert_eq!(v["plan"]["action"]["set"], NEW);
}

#[test]
fn without_yes_and_without_a_terminal_restore_refuses() {
    let inst = demo(Scenario::CorruptDb);
    let before = inst.settled();
    let o = inst.run(&["restore", "databases"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("--yes"), "{}", text(&o));
    assert!(differences(&before, &inst.snapshot()).is_empty());
}

#[test]
fn a_write_failure_mid_restore_rolls_back_cleanly_with_a_clear_error() {
    let inst = demo(Scenario::CorruptDb);
    let before = inst.settled();
    let o = inst.run(
        &["restore", "all", "--yes"],
        &[("DRCONSOLE_FAIL_WRITE_AFTER_BYTES", "200000".into())],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no space left on device"), "{err}");
    assert!(err.contains("rolled back"), "{err}");
    assert!(err.contains("cannot write"), "{err}");
    assert!(differences(&before, &inst.snapshot()).is_empty());
    let list = inst.run(&["journal"], &[]);
    assert!(
        String::from_utf8_lossy(&list.stdout).contains("rolled back"),
        "{}",
        text(&list)
    );
}

/// The same with databases large enough (12 MB) to be hashed on a second thread while the
/// kernel copies them: the failure stops both, and nothing is left behind.
#[test]
fn a_write_failure_in_a_large_copy_rolls_back_cleanly() {
    let inst = demo_install(Scenario::CorruptDb, Some(12));
    let before = inst.settled();
    let o = inst.run(
        &["restore", "database:ServerDatabase", "--yes"],
        &[("DRCONSOLE_FAIL_WRITE_AFTER_BYTES", "5000000".into())],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no space left on device"), "{err}");
    assert!(err.contains("rolled back"), "{err}");
    assert!(differences(&before, &inst.snapshot()).is_empty());
    // Room again: the same restore commits the set's bytes, proven by reading them back.
    ok(&inst.run(&["restore", "database:ServerDatabase", "--yes"], &[]));
}

/// A database copied from bytes a cached full check passed is read back before the commit: a
/// write path that changed one byte per chunk (a byte `quick_check` does not look at) is
/// caught and the transaction rolled back.
#[test]
fn a_restored_database_that_does_not_read_back_as_copied_is_rolled_back() {
    let inst = demo(Scenario::CorruptDb);
    let before = inst.settled();
    let o = inst.run(
        &["restore", "database:ServerDatabase", "--yes"],
        &[("DRCONSOLE_GARBLE_COPIES", "1".into())],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("does not hold the bytes copied into it"),
        "{err}"
    );
    assert!(err.contains("rolled back"), "{err}");
    assert!(differences(&before, &inst.snapshot()).is_empty());
    // The same restore with a sound write path commits the set's bytes.
    ok(&inst.run(&["restore", "database:ServerDatabase", "--yes"], &[]));
    assert_eq!(
        std::fs::read(inst.live("ServerDatabase.db")).unwrap(),
        std::fs::read(inst.set_dir(NEW).join("ServerDatabase.dbbackup")).unwrap()
    );
}

#[test]
fn undo_refuses_a_file_changed_since_the_commit_naming_it_unless_forced() {
    let inst = demo(Scenario::CorruptDb);
    ok(&inst.run(&["restore", "database:EnumValues", "--yes"], &[]));
    write_db(
        &inst.live("EnumValues.db"),
        "written by the server later",
        16,
    );
    let o = inst.run(&["undo", "--yes"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("EnumValues.db changed since the commit"),
        "{}",
        text(&o)
    );
    ok(&inst.run(&["undo", "--yes", "--force"], &[]));
}

#[test]
fn a_corrupt_set_is_refused_with_why() {
    let inst = demo(Scenario::CorruptDb);
    let p = inst
        .set_dir("2026-11-20 02-00-00")
        .join("ServerDatabase.dbbackup");
    std::fs::write(&p, b"this is not a database at all").unwrap();
    let o = inst.run(
        &[
            "restore",
            "database:ServerDatabase",
            "--set",
            "2026-11-20 02-00-00",
            "--yes",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("ServerDatabase.dbbackup"), "{}", text(&o));
    // The newest set of the scenario fails only the full integrity check.
    let o = inst.run(
        &[
            "restore",
            "databases",
            "--set",
            "2026-11-22 02-00-00",
            "--yes",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("integrity"), "{}", text(&o));
}

#[test]
fn journal_prune_frees_old_stashes_after_confirmation() {
    let inst = demo(Scenario::CorruptDb);
    ok(&inst.run(&["restore", "database:EnumValues", "--yes"], &[]));
    ok(&inst.run(&["restore", "database:MobileDevices", "--yes"], &[]));
    let o = inst.run(&["journal", "prune", "--keep", "1"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    ok(&inst.run(&["journal", "prune", "--keep", "1", "--yes"], &[]));
    let list = String::from_utf8_lossy(&inst.run(&["journal"], &[]).stdout).to_string();
    assert!(list.contains("committed (pruned)"), "{list}");
}

#[test]
fn a_state_folder_on_another_file_system_keeps_the_stash_beside_the_root() {
    let Ok(shm) = tempfile::tempdir_in("/dev/shm") else {
        eprintln!("no /dev/shm: skipped");
        return;
    };
    let mut inst = demo(Scenario::CorruptDb);
    inst.state = shm.path().join("state");
    let before = inst.settled();
    ok(&inst.run(&["restore", "databases", "--yes"], &[]));
    // Moving aside must stay a rename: the stash is on the root's file system, not in /dev/shm.
    let stash = inst.root.join(".drconsole-stash");
    assert!(stash.is_dir());
    let mode = std::fs::metadata(&stash).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    ok(&inst.run(&["undo", "--yes"], &[]));
    assert!(differences(&before, &inst.snapshot()).is_empty());
    ok(&inst.run(&["journal", "prune", "--keep", "0", "--yes"], &[]));
    let left: Vec<_> = walkdir::WalkDir::new(&stash)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().to_path_buf())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn an_unknown_component_is_a_usage_error_naming_the_known_ones() {
    let inst = demo(Scenario::Healthy);
    let o = inst.run(&["restore", "database:Nope", "--yes"], &[]);
    assert_eq!(o.status.code(), Some(64), "{}", text(&o));
    assert!(text(&o).contains("ServerDatabase"), "{}", text(&o));
}

#[test]
fn restored_files_get_the_owner_and_mode_of_the_files_they_replace() {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("not root: owners cannot be given away, skipped");
        return;
    }
    let inst = demo(Scenario::CorruptDb);
    let db = inst.live("EnumValues.db");
    std::os::unix::fs::chown(&db, Some(4321), Some(4322)).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o640)).unwrap();
    ok(&inst.run(&["restore", "database:EnumValues", "--yes"], &[]));
    let meta = std::fs::metadata(&db).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (4321, 4322));
    assert_eq!(meta.permissions().mode() & 0o7777, 0o640);
}

#[test]
fn a_second_drconsole_waits_then_refuses_while_the_journal_is_locked() {
    let inst = demo(Scenario::CorruptDb);
    let journal = inst.state.join("journal");
    std::fs::create_dir_all(&journal).unwrap();
    std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o700)).unwrap();
    let lock = std::fs::File::create(journal.join("lock")).unwrap();
    lock.try_lock().unwrap();
    let before = inst.settled();
    let o = inst.run(&["restore", "databases", "--yes"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("holds the journal lock"), "{}", text(&o));
    assert!(differences(&before, &inst.snapshot()).is_empty());
    drop(lock);
    ok(&inst.run(&["restore", "databases", "--yes"], &[]));
}

#[test]
fn undo_dry_run_warns_that_it_would_put_back_a_corrupt_database() {
    let inst = demo(Scenario::CorruptDb);
    ok(&inst.run(&["restore", "databases", "--yes"], &[]));
    let o = inst.run(&["undo", "--dry-run"], &[]);
    ok(&o);
    let out = text(&o);
    assert!(
        out.contains("ServerDatabase.db would be put back, and it fails its integrity check"),
        "{out}"
    );
    // The JSON plan carries the same warning; a healthy database an undo puts back has none.
    let o = inst.run(&["undo", "--dry-run", "--json"], &[]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let notes: Vec<&str> = v["plan"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .filter(|n| n.contains("would be put back"))
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("ServerDatabase.db"), "{notes:?}");
}
