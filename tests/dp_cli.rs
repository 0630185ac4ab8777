//! `drconsole dp` end to end on the dp-failover demo (a dead master, a healthy second master,
//! a stale mirror, a lost one): the guide's whole procedure — promote, retire, add, sync — each
//! one journaled transaction; the database passes `integrity_check` after every edit, the
//! mirror equals the master afterwards, and undoing everything gives the tree back byte for byte.

mod journal_support;

use journal_support::*;
use rusqlite::Connection;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// One test at a time: the fake server of one test would make another's change refuse.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn db(inst: &Install) -> std::path::PathBuf {
    inst.live("ServerDatabase.db")
}

fn points(inst: &Install) -> Vec<(i64, String, String, i64)> {
    let conn = Connection::open(db(inst)).unwrap();
    conn.prepare("SELECT id, name, path, is_master FROM distribution_points ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn integrity(inst: &Install) -> String {
    let conn = Connection::open(db(inst)).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

fn ok(inst: &Install, args: &[&str]) -> String {
    let o = inst.run(args, &[]);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(inst: &Install, args: &[&str]) -> (i32, serde_json::Value) {
    let o = inst.run(args, &[]);
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    (o.status.code().unwrap_or(-1), v)
}

/// Path → bytes and mtime of every file beneath a payload folder.
fn payload(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>, i64)> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let m = e.metadata().unwrap();
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
                filetime::FileTime::from_last_modification_time(&m).unix_seconds(),
            )
        })
        .collect()
}

#[test]
fn list_names_the_best_master_and_the_broken_invariant() {
    let _one = one_at_a_time();
    let inst = demo_install(drconsole::demo::Scenario::DpFailover, None);
    let (code, v) = json(&inst, &["dp", "list", "--json"]);
    assert_eq!(code, 2, "{v:#}");
    assert_eq!(v["masters"], 2);
    assert_eq!(v["exactly_one_master"], false);
    // The dead master is unreadable; the healthy second master holds everything.
    assert_eq!(v["best_master"], "Mirror London");
    let dead = &v["points"][0];
    assert_eq!(
        (dead["name"].as_str(), dead["reachable"].as_bool()),
        (Some("Master DP"), Some(false))
    );
    let text = ok_or_any(&inst, &["dp", "list"]);
    assert!(text.contains("Best master: Mirror London"), "{text}");
}

fn ok_or_any(inst: &Install, args: &[&str]) -> String {
    String::from_utf8_lossy(&inst.run(args, &[]).stdout).into_owned()
}

#[test]
fn the_whole_failover_procedure_is_undoable_byte_for_byte() {
    let _one = one_at_a_time();
    let inst = demo_install(drconsole::demo::Scenario::DpFailover, None);
    let before = inst.settled();

    // Promote the healthy mirror: exactly one master, the database whole.
    ok(&inst, &["dp", "promote", "Mirror London", "--yes"]);
    let masters: Vec<String> = points(&inst)
        .into_iter()
        .filter(|p| p.3 != 0)
        .map(|p| p.1)
        .collect();
    assert_eq!(masters, ["Mirror London"]);
    assert_eq!(integrity(&inst), "ok");

    // Retire the dead master, define its replacement, fill it and the stale mirror.
    ok(&inst, &["dp", "retire", "Master DP", "--yes"]);
    ok(
        &inst,
        &[
            "dp",
            "add",
            "Mirror Paris",
            "--address",
            "dp-par.example.com",
            "--path",
            "srv/dp/mirror-paris",
            "--yes",
        ],
    );
    assert_eq!(integrity(&inst), "ok");
    let names: Vec<String> = points(&inst).into_iter().map(|p| p.1).collect();
    assert_eq!(
        names,
        [
            "Mirror London",
            "Mirror Sydney",
            "Mirror Tokyo",
            "Mirror Paris"
        ]
    );
    ok(
        &inst,
        &["dp", "sync", "Mirror Sydney", "Mirror Paris", "--yes"],
    );
    let master = payload(&inst.root.join("srv/dp/mirror-london"));
    assert_eq!(payload(&inst.root.join("srv/dp/mirror-sydney")), master);
    assert_eq!(payload(&inst.root.join("srv/dp/mirror-paris")), master);
    // Content agrees too, and nothing is left to do.
    let (code, v) = json(
        &inst,
        &[
            "dp",
            "sync",
            "Mirror Sydney",
            "Mirror Paris",
            "--full",
            "--dry-run",
            "--json",
        ],
    );
    assert_eq!((code, v["status"].as_str()), (0, Some("in_sync")), "{v:#}");
    // Clients never see a stash inside a payload folder.
    for dir in ["srv/dp/mirror-sydney", "srv/dp/mirror-paris"] {
        assert!(!inst.root.join(dir).join(".drconsole-stash").exists());
    }

    for tx in ["4", "3", "2", "1"] {
        ok(&inst, &["undo", tx, "--yes"]);
    }
    assert_eq!(
        differences(&before, &inst.snapshot()),
        Vec::<std::path::PathBuf>::new()
    );
}

#[test]
fn promote_refuses_an_incomplete_or_unreachable_point_and_force_is_journaled() {
    let _one = one_at_a_time();
    let inst = demo_install(drconsole::demo::Scenario::DpFailover, None);
    let before = inst.settled();
    let o = inst.run(&["dp", "promote", "Mirror Tokyo", "--yes"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("cannot be read"), "{}", text(&o));
    let o = inst.run(&["dp", "promote", "Mirror Sydney", "--yes"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("LANrevAgent-7.5.0.4.pkg"), "{}", text(&o));
    assert!(differences(&before, &inst.snapshot()).is_empty());
    let o = inst.run(&["dp", "promote", "Nowhere"], &[]);
    assert_eq!(o.status.code(), Some(64), "{}", text(&o));

    ok(
        &inst,
        &["dp", "promote", "Mirror Sydney", "--force", "--yes"],
    );
    let (_, list) = json(&inst, &["journal", "--json"]);
    let tx = &list[0]["id"];
    let log = std::fs::read_to_string(
        inst.state
            .join("journal")
            .join(tx.as_str().unwrap())
            .join("log"),
    )
    .unwrap();
    assert!(
        log.contains("overridden")
            || log.contains("Overridden")
            || log.contains("\"status\":\"overridden\""),
        "{log}"
    );
}

#[test]
fn a_running_server_refuses_every_definition_change() {
    let _one = one_at_a_time();
    let inst = demo_install(drconsole::demo::Scenario::DpFailover, None);
    let before = inst.settled();
    // A copy of `sleep` named like the profile's server process.
    let fake = inst.tmp.path().join(server_process());
    std::fs::copy("/bin/sleep", &fake).unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut server = std::process::Command::new(&fake).arg("60").spawn().unwrap();
    let o = inst.run(&["dp", "promote", "Mirror London", "--yes"], &[]);
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("the server is running"), "{}", text(&o));
    assert!(differences(&before, &inst.snapshot()).is_empty());
}

#[test]
fn bad_definitions_are_findings_and_refusals_that_name_the_row() {
    let _one = one_at_a_time();
    let inst = demo_install(drconsole::demo::Scenario::Healthy, None);
    {
        let conn = Connection::open(db(&inst)).unwrap();
        conn.execute_batch(
            "INSERT INTO distribution_points(id, name, address, path, is_master)
                 VALUES (7, 'Mirror London', 'x', 'srv/dp/twin', 0);
             INSERT INTO distribution_points(id, name, address, path, is_master)
                 VALUES (8, 'Escape', 'x', '../../etc', 0);
             INSERT INTO distribution_points(id, name, address, path, is_master)
                 VALUES (9, 'Empty', 'x', '', 0);",
        )
        .unwrap();
    }
    let (_, v) = json(&inst, &["dp", "list", "--json"]);
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"DP_DUPLICATE"), "{codes:?}");
    assert_eq!(
        codes.iter().filter(|c| **c == "DP_PATH_UNSAFE").count(),
        2,
        "{codes:?}"
    );
    let o = inst.run(&["dp", "sync", "Mirror London", "--yes"], &[]);
    assert!(text(&o).contains("ids 2, 7"), "{}", text(&o));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let o = inst.run(&["dp", "promote", "Escape", "--yes"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("refused"), "{}", text(&o));
    let o = inst.run(
        &[
            "dp",
            "add",
            "Out",
            "--address",
            "x",
            "--path",
            "/etc",
            "--yes",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    // No definitions table at all: a finding, and every change refused.
    Connection::open(db(&inst))
        .unwrap()
        .execute_batch("DROP TABLE distribution_points")
        .unwrap();
    let (_, v) = json(&inst, &["dp", "list", "--json"]);
    assert_eq!(
        v["findings"][0]["code"], "DP_DEFINITIONS_UNREADABLE",
        "{v:#}"
    );
    let o = inst.run(&["dp", "retire", "Mirror London", "--yes"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("distribution_points"), "{}", text(&o));
}

#[test]
fn an_edit_carries_the_wal_content_into_the_new_database() {
    let _one = one_at_a_time();
    let inst = demo_install(drconsole::demo::Scenario::DpFailover, None);
    // A committed row that lives only in the -wal (the server died before a checkpoint).
    let keep = Connection::open(db(&inst)).unwrap();
    keep.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
         INSERT INTO distribution_points(id, name, address, path, is_master)
             VALUES (9, 'Mirror Oslo', 'dp-osl.example.com', 'srv/dp/oslo', 0);",
    )
    .unwrap();
    // Copy the three files as a crash would leave them, then let the connection go.
    let wal = std::fs::read(inst.live("ServerDatabase.db-wal")).unwrap();
    let main = std::fs::read(db(&inst)).unwrap();
    drop(keep);
    std::fs::write(db(&inst), &main).unwrap();
    std::fs::write(inst.live("ServerDatabase.db-wal"), &wal).unwrap();
    let before = inst.settled();
    ok(&inst, &["dp", "retire", "Mirror Tokyo", "--yes"]);
    let names: Vec<String> = points(&inst).into_iter().map(|p| p.1).collect();
    assert!(names.contains(&"Mirror Oslo".to_string()), "{names:?}");
    assert!(!names.contains(&"Mirror Tokyo".to_string()), "{names:?}");
    assert!(
        !inst.live("ServerDatabase.db-wal").exists()
            || std::fs::metadata(inst.live("ServerDatabase.db-wal"))
                .unwrap()
                .len()
                == 0
    );
    assert_eq!(integrity(&inst), "ok");
    ok(&inst, &["undo", "--yes"]);
    assert_eq!(
        differences(&before, &inst.snapshot()),
        Vec::<std::path::PathBuf>::new()
    );
}

#[test]
fn a_mirror_on_its_own_file_system_syncs_and_undoes_byte_for_byte() {
    let _one = one_at_a_time();
    let inst = demo_install(drconsole::demo::Scenario::DpFailover, None);
    let sydney = inst.root.join("srv/dp/mirror-sydney");
    let _mount = match Mount::tmpfs_keeping(&sydney) {
        Ok(m) => m,
        Err(why) => {
            eprintln!("skipped: a payload folder on its own file system needs a mount ({why})");
            return;
        }
    };
    // What the master lacks: a file, and a folder with a link in it.
    std::fs::write(sydney.join("stray.pkg"), vec![5u8; 3000]).unwrap();
    std::fs::create_dir_all(sydney.join("Retired/Old")).unwrap();
    std::fs::write(sydney.join("Retired/Old/gone.pkg"), b"an old package").unwrap();
    std::os::unix::fs::symlink("../stray.pkg", sydney.join("Retired/latest")).unwrap();
    std::fs::set_permissions(
        sydney.join("stray.pkg"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let before = snapshot(&sydney, &[]);
    let before_times = payload(&sydney);

    let out = ok(
        &inst,
        &[
            "dp",
            "sync",
            "Mirror Sydney",
            "--from",
            "Mirror London",
            "--yes",
        ],
    );
    assert!(out.contains("is its own file system"), "{out}");
    assert_eq!(
        payload(&sydney),
        payload(&inst.root.join("srv/dp/mirror-london"))
    );
    assert!(!sydney.join(".drconsole-stash").exists());

    ok(&inst, &["undo", "--yes"]);
    let after_undo = snapshot(&sydney, &[]);
    // Folder times change with their entries; everything else is back as it was.
    assert_eq!(
        differences(&before, &after_undo),
        Vec::<std::path::PathBuf>::new()
    );
    assert_eq!(payload(&sydney), before_times);
    // The undo's own stash (the sync's copies) is outside the payload too.
    let inside: Vec<_> = walkdir::WalkDir::new(&sydney)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("drconsole"))
        .map(|e| e.path().to_path_buf())
        .collect();
    assert!(inside.is_empty(), "{inside:?}");
}
