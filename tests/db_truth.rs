//! Truthful database verdicts (issue 9, items 1–3): WAL content is part of every check and
//! nothing is written beside a live file; "could not read" is never "corrupt"; a set whose name
//! lies about its date is dated by its files.

mod common;

use common::{Demo, codes, sets, with_code};
use drconsole::demo::Scenario;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn set_dir(d: &Demo, id: &str) -> PathBuf {
    d.server().join("Database Backups").join(id)
}

/// Replace `target` (and its -wal) with a WAL-mode copy of `source` whose committed WAL frames
/// drop index `victim` from the schema, orphaning its pages: corrupt to anyone reading the WAL,
/// clean to anyone who ignores it. `damage = false` commits a harmless new table instead.
fn plant_wal(source: &Path, target: &Path, damage: bool) {
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("w.db");
    std::fs::copy(source, &db).unwrap();
    let c = Connection::open(&db).unwrap();
    c.execute_batch("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;")
        .unwrap();
    if damage {
        let victim: String = c
            .query_row(
                "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL LIMIT 1",
                [],
                |r| r.get(0),
            )
            .expect("the database has an index");
        c.execute_batch("PRAGMA writable_schema=ON;").unwrap();
        c.execute("DELETE FROM sqlite_schema WHERE name = ?1", [victim])
            .unwrap();
    } else {
        c.execute_batch(
            "CREATE TABLE from_the_wal(x); INSERT INTO from_the_wal VALUES (1), (2), (3);",
        )
        .unwrap();
    }
    // Copied while open: the WAL is not checkpointed into the copy.
    std::fs::copy(&db, target).unwrap();
    std::fs::copy(with_suffix(&db, "-wal"), with_suffix(target, "-wal")).unwrap();
    drop(c);
    let _ = std::fs::remove_file(with_suffix(target, "-shm"));
}

/// Names, bytes and modification times of every file in `dir`.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>, std::time::SystemTime)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| {
            let p = e.path();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
                std::fs::metadata(&p).unwrap().modified().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// What `sqlite3 FILE 'PRAGMA integrity_check'` says about a copy of `db` and its -wal.
fn sqlite3_verdict(db: &Path) -> Option<String> {
    let t = tempfile::tempdir().unwrap();
    let copy = t.path().join("x.db");
    std::fs::copy(db, &copy).unwrap();
    let _ = std::fs::copy(with_suffix(db, "-wal"), with_suffix(&copy, "-wal"));
    match std::process::Command::new("sqlite3")
        .arg(&copy)
        .arg("PRAGMA integrity_check;")
        .output()
    {
        Ok(o) => Some(String::from_utf8_lossy(&o.stdout).trim().to_string()),
        Err(e) => {
            eprintln!("sqlite3 cross-check skipped: {e}");
            None
        }
    }
}

fn live_db(d: &Demo, name: &str) -> Option<serde_json::Value> {
    let (_, json) = d.check_json(&["--full"]);
    json["databases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|db| db["name"] == name)
        .cloned()
}

#[test]
fn check_full_reads_committed_wal_frames_and_writes_nothing_beside_the_live_file() {
    let d = Demo::new(Scenario::Healthy);
    let live = d.server().join("EnumValues.db");
    let pristine = d.dir.path().join("pristine.db");
    std::fs::copy(&live, &pristine).unwrap();
    plant_wal(&pristine, &live, true);
    if let Some(v) = sqlite3_verdict(&live) {
        assert_ne!(v, "ok", "sqlite3 must see the damage too");
    }
    let before = snapshot(&d.server());
    for args in [&["--full"][..], &["--full", "--read-only"][..], &[][..]] {
        let mut a = vec!["--no-cache"];
        a.extend_from_slice(args);
        let (_, json) = d.check_json(&a);
        let f = with_code(&json, "DB_CORRUPT");
        assert!(
            f.iter().any(|f| f["component"] == "database:EnumValues"),
            "{args:?}: {:?}",
            codes(&json)
        );
        let db = json["databases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|db| db["name"] == "EnumValues")
            .unwrap();
        assert!(db["file"]["wal"]["frames"].as_u64().unwrap() > 0, "{db}");
        assert_eq!(
            snapshot(&d.server()),
            before,
            "{args:?} changed the live folder"
        );
    }
    // The text report says the WAL was included.
    let out = d.run(&["--read-only", "check", "--full"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("WAL"), "{text}");
    assert_eq!(snapshot(&d.server()), before);
}

#[test]
fn diff_and_check_read_the_same_wal_and_leave_no_shm() {
    let d = Demo::new(Scenario::Healthy);
    let live = d.server().join("EnumValues.db");
    let pristine = d.dir.path().join("pristine.db");
    std::fs::copy(&live, &pristine).unwrap();
    plant_wal(&pristine, &live, false);
    let before = snapshot(&d.server());
    let db = live_db(&d, "EnumValues").unwrap();
    assert_eq!(db["file"]["state"], "ok", "{db}");
    assert!(db["file"]["wal"]["frames"].as_u64().unwrap() > 0);
    let out = d.run(&["--read-only", "diff", "database:EnumValues", "--json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("from_the_wal"),
        "the diff sees the table committed in the WAL: {text}"
    );
    assert_eq!(
        snapshot(&d.server()),
        before,
        "diff wrote beside the live file"
    );
}

#[test]
fn a_set_member_whose_wal_is_corrupt_is_corrupt_and_is_not_restored() {
    let d = Demo::new(Scenario::Healthy);
    let (_, json) = d.check_json(&[]);
    let newest = sets(&json)[0]["id"].as_str().unwrap().to_string();
    let member = set_dir(&d, &newest).join("EnumValues.dbbackup");
    let pristine = d.dir.path().join("pristine.db");
    std::fs::copy(&member, &pristine).unwrap();
    plant_wal(&pristine, &member, true);
    if let Some(v) = sqlite3_verdict(&member) {
        assert_ne!(v, "ok");
    }
    let set_before = snapshot(&set_dir(&d, &newest));
    let (_, json) = d.check_json(&["--no-cache"]);
    let s = sets(&json)
        .into_iter()
        .find(|s| s["id"] == newest.as_str())
        .unwrap();
    assert_eq!(s["verdict"], "corrupt", "{s}");
    assert_eq!(s["recommended"], false);
    assert_eq!(snapshot(&set_dir(&d, &newest)), set_before);
    // A restore from it is refused before anything is written.
    let live = d.server().join("EnumValues.db");
    let live_before = std::fs::read(&live).unwrap();
    let out = d.run(&["restore", "database:EnumValues", "--set", &newest, "--yes"]);
    assert_ne!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(std::fs::read(&live).unwrap(), live_before);
    assert!(!with_suffix(&live, "-wal").exists());
}

#[test]
fn the_post_restore_check_reads_a_restored_wal_and_creates_no_shm() {
    // The check before the restore and the one after read the same bytes the same way; this
    // pins the one after: its own function must see a restored -wal.
    let t = tempfile::tempdir().unwrap();
    let d = Demo::new(Scenario::Healthy);
    let db = t.path().join("restored.db");
    plant_wal(&d.server().join("EnumValues.db"), &db, true);
    assert!(drconsole::plan::integrity::full_check(&db).is_err());
    assert!(!with_suffix(&db, "-shm").exists());
    let ok = t.path().join("ok.db");
    plant_wal(&d.server().join("EnumValues.db"), &ok, false);
    assert_eq!(drconsole::plan::integrity::full_check(&ok), Ok(()));
}

#[test]
fn an_application_collation_is_unverifiable_not_corrupt() {
    let d = Demo::new(Scenario::Healthy);
    let live = d.server().join("EnumValues.db");
    {
        let c = Connection::open(&live).unwrap();
        c.execute_batch(
            "CREATE TABLE app_t(a TEXT); CREATE INDEX app_i ON app_t(a);
             INSERT INTO app_t VALUES ('b'), ('a');
             PRAGMA writable_schema=ON;
             UPDATE sqlite_schema SET sql = 'CREATE INDEX app_i ON app_t(a COLLATE app_nocase)'
              WHERE name = 'app_i';",
        )
        .unwrap();
    }
    let (_, json) = d.check_json(&["--full"]);
    assert!(
        with_code(&json, "DB_CORRUPT").is_empty(),
        "{:?}",
        codes(&json)
    );
    let f = with_code(&json, "DB_UNVERIFIABLE");
    assert_eq!(f.len(), 1, "{:?}", codes(&json));
    assert!(
        f[0]["message"].as_str().unwrap().contains("app_nocase"),
        "{}",
        f[0]
    );
    let db = live_db(&d, "EnumValues").unwrap();
    assert_eq!(db["file"]["state"], "unverifiable");
    assert_eq!(db["file"]["unverifiable"]["reason"], "collation");
    // Never cached as a verdict: the next run checks again and says the same.
    let (_, again) = d.check_json(&["--full"]);
    assert_eq!(with_code(&again, "DB_UNVERIFIABLE").len(), 1);
}

/// Run the binary as user `nobody` (via setpriv), or `None` with a printed reason.
fn as_nobody(d: &Demo, extra: &[&str]) -> Option<std::process::Output> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("skipped: needs root to switch to another user");
            return None;
        }
        let probe = std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
            .status();
        if !probe.is_ok_and(|s| s.success()) {
            eprintln!("skipped: setpriv cannot switch to nobody here");
            return None;
        }
        // The test folder is 0700; nobody needs to reach the tree, and a state folder of its
        // own (drconsole trusts only a state folder the running user owns).
        std::fs::set_permissions(d.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let state = d.dir.path().join("state-nobody");
        std::fs::create_dir_all(&state).unwrap();
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&state, Some(65534), Some(65534)).unwrap();
        let mut args: Vec<String> = d.args();
        let i = args.iter().position(|a| a == "--state").unwrap();
        args[i + 1] = state.display().to_string();
        args.extend(extra.iter().map(|s| s.to_string()));
        let out = std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_drconsole"))
            .args(&args)
            .output()
            .unwrap();
        Some(out)
    }
    #[cfg(not(unix))]
    {
        let _ = (d, extra);
        None
    }
}

#[cfg(unix)]
#[test]
fn an_unreadable_member_keeps_its_set_unverified_and_no_older_set_is_recommended_past_it() {
    use std::os::unix::fs::PermissionsExt;
    let d = Demo::new(Scenario::Healthy);
    let (_, json) = d.check_json(&[]);
    let all: Vec<String> = sets(&json)
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    let newest = all[0].clone();
    assert_eq!(sets(&json)[0]["recommended"], true);
    let member = set_dir(&d, &newest).join("ServerDatabase.dbbackup");
    std::fs::set_permissions(&member, std::fs::Permissions::from_mode(0o600)).unwrap();
    let Some(out) = as_nobody(&d, &["check", "--json"]) else {
        return;
    };
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    let s = sets(&json)
        .into_iter()
        .find(|s| s["id"] == newest.as_str())
        .unwrap();
    assert_eq!(s["verdict"], "unverified", "{s}");
    let corrupt: Vec<_> = with_code(&json, "BACKUP_CORRUPT")
        .into_iter()
        .filter(|f| f["component"] == format!("backup:{newest}"))
        .collect();
    assert!(corrupt.is_empty(), "{corrupt:?}");
    let f = with_code(&json, "BACKUP_UNVERIFIABLE");
    assert_eq!(f.len(), 1, "{:?}", codes(&json));
    let msg = f[0]["message"].as_str().unwrap();
    assert!(msg.contains("ermission denied"), "{msg}");
    assert!(msg.contains("no set is recommended"), "{msg}");
    assert!(
        sets(&json).iter().all(|s| s["recommended"] == false),
        "no older set is recommended past an unreadable newer one"
    );
}

/// Copy set `from` as `to`, keeping every file's modification time.
fn copy_set(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_set(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
        let m = std::fs::metadata(e.path()).unwrap();
        let t = filetime::FileTime::from_last_modification_time(&m);
        filetime::set_file_mtime(&target, t).unwrap();
    }
    let m = std::fs::metadata(from).unwrap();
    filetime::set_file_mtime(to, filetime::FileTime::from_last_modification_time(&m)).unwrap();
}

#[test]
fn a_set_named_in_the_future_is_dated_by_its_files_and_hides_nothing() {
    // Corrupt-db demo: the newest set (2026-11-22) fails only a full check; 2026-11-21 is
    // recommended and beyond the RPO. A copy of the three-day-old 2026-11-19 set named 2099
    // must not jump ahead of them.
    let d = Demo::new(Scenario::CorruptDb);
    let root = d.server().join("Database Backups");
    copy_set(
        &root.join("2026-11-19 02-00-00"),
        &root.join("2099-01-01 02-00-00"),
    );
    let (_, json) = d.check_json(&[]);
    let f = with_code(&json, "BACKUP_DATE_SUSPECT");
    assert_eq!(f.len(), 1, "{:?}", codes(&json));
    assert_eq!(f[0]["component"], "backup:2099-01-01 02-00-00");
    assert!(
        f[0]["message"].as_str().unwrap().contains("future"),
        "{}",
        f[0]
    );
    let recommended: Vec<_> = sets(&json)
        .into_iter()
        .filter(|s| s["recommended"] == true)
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(recommended, vec!["2026-11-21 02-00-00".to_string()]);
    assert!(
        with_code(&json, "BACKUP_CORRUPT")
            .iter()
            .any(|f| f["component"] == "backup:2026-11-22 02-00-00"),
        "{:?}",
        codes(&json)
    );
    assert!(codes(&json).contains(&"BACKUP_STALE".to_string()));
    let s = sets(&json)
        .into_iter()
        .find(|s| s["id"] == "2099-01-01 02-00-00")
        .unwrap();
    assert_eq!(s["taken_from"], "mtime_over_name");
    assert!(
        s["taken_at"].as_str().unwrap().starts_with("2026-11-19"),
        "{s}"
    );
    // Ordered by that evidence: after the 2026-11-20 set, before nothing newer.
    let order: Vec<&str> = sets(&json)
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    let pos = |id: &str| order.iter().position(|o| *o == id).unwrap();
    assert!(
        pos("2099-01-01 02-00-00") > pos("2026-11-20 02-00-00"),
        "{order:?}"
    );
}

#[test]
fn a_name_later_than_its_files_by_days_is_suspect_but_a_copied_set_is_not() {
    let d = Demo::new(Scenario::Healthy);
    let root = d.server().join("Database Backups");
    // Renamed to a later day than its data (name - files > 1 day): not believed.
    copy_set(
        &root.join("2026-11-19 02-00-00"),
        &root.join("2026-11-21 23-00-00"),
    );
    // Copied without keeping times (files newer than the name): the name still stands.
    let copied = root.join("2026-11-18 02-00-00");
    std::fs::create_dir(&copied).unwrap();
    for e in std::fs::read_dir(root.join("2026-11-19 02-00-00")).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), copied.join(e.file_name())).unwrap();
        }
    }
    let (_, json) = d.check_json(&[]);
    let f = with_code(&json, "BACKUP_DATE_SUSPECT");
    assert_eq!(f.len(), 1, "{:?}", codes(&json));
    assert_eq!(f[0]["component"], "backup:2026-11-21 23-00-00");
    let s = sets(&json)
        .into_iter()
        .find(|s| s["id"] == "2026-11-18 02-00-00")
        .unwrap();
    assert_eq!(s["taken_from"], "name");
}

#[test]
fn check_read_only_creates_no_shm_beside_a_live_wal_mode_database() {
    // A WAL-mode database the server closed cleanly: no -wal, no -shm beside it. The
    // distribution points are read from it, as is every integrity check.
    let d = Demo::new(Scenario::Healthy);
    let live = d.server().join("ServerDatabase.db");
    {
        let c = Connection::open(&live).unwrap();
        let mode: String = c
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
    assert!(!with_suffix(&live, "-shm").exists());
    assert!(!with_suffix(&live, "-wal").exists());
    let before = snapshot(&d.server());
    for args in [
        &["--read-only", "check", "--json"][..],
        &["--read-only", "check", "--full", "--json"][..],
        &["--read-only", "diff", "database:ServerDatabase", "--json"][..],
        &["--read-only", "dp", "list"][..],
    ] {
        let _ = d.run(args);
        assert_eq!(
            snapshot(&d.server()),
            before,
            "{args:?} wrote beside the live file"
        );
    }
    let db = live_db(&d, "ServerDatabase").unwrap();
    assert_eq!(db["file"]["state"], "ok", "{db}");
}
