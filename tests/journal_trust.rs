//! The journal trusts only itself, through the real binary: a state folder someone else could
//! write is refused (never repaired), a damaged commit is left for the operator, a file placed
//! by hand after a crash survives the rollback, and mount points and `--backups FILE` get
//! answers in words.

mod journal_support;

use journal_support::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn ok(o: &std::process::Output) {
    assert_eq!(o.status.code(), Some(0), "{}", text(o));
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The log of the newest transaction.
fn newest_log(inst: &Install) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(inst.state.join("journal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.pop().unwrap().join("log")
}

fn journal_json(inst: &Install) -> serde_json::Value {
    let o = inst.run(&["journal", "--json"], &[]);
    ok(&o);
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn a_state_folder_others_can_write_is_refused_and_left_as_it_is() {
    for m in [0o777, 0o775] {
        let inst = install(64, true);
        std::fs::create_dir(&inst.state).unwrap();
        std::fs::set_permissions(&inst.state, std::fs::Permissions::from_mode(m)).unwrap();
        let before = inst.snapshot();
        for args in [&["check"][..], &["restore", "all", "--yes"], &["journal"]] {
            let o = inst.run(args, &[]);
            assert_eq!(o.status.code(), Some(3), "{args:?} {m:o}: {}", text(&o));
            let err = stderr(&o);
            assert!(err.contains("writable by"), "{err}");
            assert!(err.contains(&inst.state.display().to_string()), "{err}");
        }
        assert_eq!(mode(&inst.state), m, "the mode was repaired");
        assert_eq!(
            differences(&before, &inst.snapshot()),
            Vec::<PathBuf>::new(),
            "something changed under the root"
        );
        assert!(!inst.state.join("journal").exists());
    }
}

#[test]
fn a_state_folder_owned_by_another_user_is_refused() {
    if !is_root() {
        eprintln!("skipped: handing a folder to another user (uid 65534) needs root");
        return;
    }
    let inst = install(64, true);
    ok(&inst.run(&["restore", "all", "--yes"], &[]));
    let after = inst.snapshot();
    // Another user could have planted an "unfinished" transaction: nothing may be rolled back.
    for path in [inst.state.clone(), inst.state.join("journal")] {
        std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
        let o = inst.run(&["check"], &[]);
        assert_eq!(o.status.code(), Some(3), "{}", text(&o));
        assert!(stderr(&o).contains("owned by uid 65534"), "{}", text(&o));
        assert_eq!(differences(&after, &inst.snapshot()), Vec::<PathBuf>::new());
        std::os::unix::fs::chown(&path, Some(0), Some(0)).unwrap();
    }
    ok(&inst.run(&["journal"], &[]));
}

#[test]
fn a_planted_lock_link_never_makes_the_restore_truncate_its_target() {
    let inst = install(64, true);
    let journal = inst.state.join("journal");
    std::fs::create_dir_all(&journal).unwrap();
    std::fs::set_permissions(&inst.state, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o700)).unwrap();
    let victim = inst.tmp.path().join("shadow");
    std::fs::write(&victim, b"root:$6$keep").unwrap();
    std::os::unix::fs::symlink(&victim, journal.join("lock")).unwrap();
    let before = inst.settled();
    let o = inst.run(&["restore", "all", "--yes"], &[]);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("symbolic link"), "{}", text(&o));
    assert_eq!(std::fs::read(&victim).unwrap(), b"root:$6$keep");
    assert_eq!(
        differences(&before, &inst.snapshot()),
        Vec::<PathBuf>::new()
    );
}

#[test]
fn a_damaged_commit_record_is_reported_not_rolled_back_and_undo_still_works() {
    for damage in ["flip", "cut"] {
        let inst = install(64, true);
        let before = inst.settled();
        ok(&inst.run(&["restore", "all", "--yes"], &[]));
        let after = inst.snapshot();
        let log = newest_log(&inst);
        let mut bytes = std::fs::read(&log).unwrap();
        let n = bytes.len();
        match damage {
            "flip" => bytes[n - 40] ^= 0x20,
            _ => bytes.truncate(n - 25),
        }
        std::fs::write(&log, &bytes).unwrap();
        // Any command first runs recovery: none may roll the restore back.
        let o = inst.run(&["check", "--json"], &[]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let codes: Vec<&str> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&"JOURNAL_DAMAGED"), "{damage}: {codes:?}");
        assert!(stderr(&o).contains("needs you"), "{}", text(&o));
        assert_eq!(
            differences(&after, &inst.snapshot()),
            Vec::<PathBuf>::new(),
            "{damage}: the committed restore was touched"
        );
        let j = journal_json(&inst);
        assert_eq!(j[0]["state"], "damaged", "{damage}: {j}");
        let o = inst.run(&["journal"], &[]);
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("drconsole undo"),
            "{}",
            text(&o)
        );
        assert_eq!(
            std::fs::read(&log).unwrap(),
            bytes,
            "the damage was cut off"
        );
        ok(&inst.run(&["undo", "--yes"], &[]));
        assert_eq!(
            differences(&before, &inst.snapshot()),
            Vec::<PathBuf>::new(),
            "{damage}: undo did not bring back the before-state"
        );
    }
}

#[test]
fn a_file_placed_by_hand_after_a_crash_survives_the_rollback_in_the_stash() {
    let inst = install(64, true);
    let before = inst.settled();
    let db = inst.live("ServerDatabase.db");
    let original = std::fs::read(&db).unwrap();
    // Find a kill point after the database was replaced but before the commit.
    let mut n = 1;
    loop {
        let _ = std::fs::remove_dir_all(&inst.state);
        let o = inst.run(
            &["restore", "all", "--yes"],
            &[("DRCONSOLE_CRASH_AFTER", n.to_string())],
        );
        assert!(
            o.status.code() != Some(0),
            "no kill point replaced the database"
        );
        if std::fs::read(&db).is_ok_and(|b| b != original) {
            break;
        }
        let _ = inst.run(&["journal"], &[]); // roll back before the next try
        n += 1;
    }
    // The operator copies a database into place by hand before running drconsole again.
    std::fs::write(&db, b"placed by hand").unwrap();
    let o = inst.run(&["journal"], &[]);
    ok(&o);
    let err = stderr(&o);
    assert!(err.contains("did not write"), "{err}");
    assert_eq!(
        differences(&before, &inst.snapshot()),
        Vec::<PathBuf>::new(),
        "not rolled back to the before-state"
    );
    let kept: Vec<PathBuf> = walkdir::WalkDir::new(&inst.state)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| std::fs::read(e.path()).unwrap() == b"placed by hand")
        .map(|e| e.path().to_path_buf())
        .collect();
    assert_eq!(kept.len(), 1, "the hand-placed file is gone");
    assert!(err.contains(&kept[0].display().to_string()), "{err}");
}

#[test]
fn backups_given_as_a_file_is_a_usage_error() {
    let inst = install(64, true);
    let file = inst.tmp.path().join("not-a-folder.dbbackup");
    std::fs::write(&file, b"x").unwrap();
    let o = inst.run(&["--backups", file.to_str().unwrap(), "check"], &[]);
    assert_eq!(o.status.code(), Some(64), "{}", text(&o));
    assert!(stderr(&o).contains("not a folder"), "{}", text(&o));
}

#[test]
fn a_restore_onto_a_mount_point_explains_it_in_words() {
    if !is_root() || !Path::new("/usr/bin/unshare").exists() {
        eprintln!("skipped: mounting a file system on a target needs root and unshare");
        return;
    }
    let inst = install(64, true);
    let certs = inst.live("Certificates");
    // A private mount namespace: the mount dies with the process, even if the test fails.
    let mut cmd = std::process::Command::new("unshare");
    cmd.arg("-m")
        .arg("sh")
        .arg("-c")
        .arg("mount -t tmpfs none \"$1\" && shift && exec \"$@\"")
        .arg("sh")
        .arg(&certs)
        .arg(env!("CARGO_BIN_EXE_drconsole"))
        .arg("--root")
        .arg(&inst.root)
        .arg("--state")
        .arg(&inst.state)
        .arg("--now")
        .arg(&inst.now)
        .args(["restore", "certificates", "--yes"])
        .stdin(std::process::Stdio::null());
    let o = cmd.output().unwrap();
    if stderr(&o).contains("mount:") || stderr(&o).starts_with("unshare:") {
        eprintln!("skipped: cannot mount here: {}", stderr(&o));
        return;
    }
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    let all = text(&o);
    assert!(all.contains("is a mount point"), "{all}");
    assert!(all.contains(&certs.display().to_string()), "{all}");
}

#[test]
fn a_relative_state_folder_is_journaled_with_absolute_paths_and_undo_works() {
    let inst = install(64, true);
    let before = inst.settled();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_drconsole"))
            .current_dir(inst.tmp.path())
            .arg("--root")
            .arg(&inst.root)
            .args(["--state", "relative-state", "--now", &inst.now])
            .args(args)
            .env_remove("DRCONSOLE_CRASH_AFTER")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    ok(&run(&["restore", "all", "--yes"]));
    assert!(inst.tmp.path().join("relative-state/journal").is_dir());
    ok(&run(&["undo", "--yes"]));
    assert_eq!(
        differences(&before, &inst.snapshot()),
        Vec::<PathBuf>::new()
    );
}
