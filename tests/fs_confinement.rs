//! The root-confined layer end to end: nothing outside the root is read or printed through a
//! link or a stored path, and `check` and `diff` give one answer about a folder.
#![cfg(unix)]

use rusqlite::Connection;
use serde_json::Value;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

const SERVER: &str = "Library/Application Support/LANrev Server";
const DBS: [&str; 6] = [
    "ServerCommandDatabase",
    "ServerDatabase",
    "AgentRequestCache",
    "SoftwareLicenseControl",
    "MobileDevices",
    "EnumValues",
];
const SET_ID: &str = "2026-11-21 02-00-00";
const PLIST: &str = "com.poleposition-sw.lanrev_server.plist";

struct Install {
    dir: tempfile::TempDir,
    root: PathBuf,
}

impl Install {
    fn server(&self) -> PathBuf {
        self.root.join(SERVER)
    }
    fn set(&self) -> PathBuf {
        self.server().join("Database Backups").join(SET_ID)
    }
    /// A folder beside the root (outside it), holding a root-only file.
    fn outside(&self, rel: &str, body: &str) -> PathBuf {
        let p = self.dir.path().join("outside").join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        p
    }
    fn run(&self, args: &[&str]) -> (i32, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_drconsole"))
            .arg("--root")
            .arg(&self.root)
            .arg("--state")
            .arg(self.dir.path().join("state"))
            .args(["--now", "2026-11-22T08:00:00Z"])
            .args(args)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    }
    fn json(&self, args: &[&str]) -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_drconsole"))
            .arg("--root")
            .arg(&self.root)
            .arg("--state")
            .arg(self.dir.path().join("state"))
            .args(["--now", "2026-11-22T08:00:00Z"])
            .args(args)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }
    /// Distribution points as (name, stored path, is_master).
    fn points(&self, points: &[(&str, &str, bool)]) {
        let c = Connection::open(self.server().join("ServerDatabase.db")).unwrap();
        c.execute_batch(
            "CREATE TABLE distribution_points(id INTEGER PRIMARY KEY, name TEXT, address TEXT, path TEXT, is_master INTEGER);",
        )
        .unwrap();
        for (name, path, master) in points {
            c.execute(
                "INSERT INTO distribution_points(name, address, path, is_master) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![name, "dp.example.com", path, *master as i64],
            )
            .unwrap();
        }
    }
}

fn plist(path: &Path, pairs: &[(&str, &str)]) {
    let mut d = plist::Dictionary::new();
    for (k, v) in pairs {
        d.insert((*k).into(), (*v).into());
    }
    plist::Value::Dictionary(d).to_file_xml(path).unwrap();
}

/// A live server whose every component equals the backup set's copy; `before_backup` runs on
/// the live tree before the set's databases are copied.
fn install(before_backup: impl FnOnce(&Install)) -> Install {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let inst = Install { dir, root };
    let (server, set) = (inst.server(), inst.set());
    std::fs::create_dir_all(&set).unwrap();
    for name in DBS {
        let c = Connection::open(server.join(format!("{name}.db"))).unwrap();
        c.execute_batch(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'x');",
        )
        .unwrap();
    }
    before_backup(&inst);
    for name in DBS {
        std::fs::copy(
            server.join(format!("{name}.db")),
            set.join(format!("{name}.dbbackup")),
        )
        .unwrap();
    }
    let prefs = inst.root.join("Library/Preferences");
    std::fs::create_dir_all(&prefs).unwrap();
    plist(&prefs.join(PLIST), &[("ServerName", "am.example.com")]);
    plist(&set.join(PLIST), &[("ServerName", "am.example.com")]);
    for base in [server.clone(), set.clone()] {
        std::fs::create_dir_all(base.join("CustomFieldScriptFiles")).unwrap();
        std::fs::write(base.join("CustomFieldScriptFiles/disk.sh"), "df -h\n").unwrap();
    }
    inst
}

#[test]
fn diff_settings_never_prints_a_plist_reached_through_a_link() {
    let inst = install(|_| {});
    let secret = inst.outside("root-only.plist", "");
    plist(&secret, &[("ServerName", "TOPSECRET-VALUE")]);
    for side in [
        inst.set().join(PLIST),
        inst.root.join("Library/Preferences").join(PLIST),
    ] {
        let saved = side.with_extension("saved");
        std::fs::rename(&side, &saved).unwrap();
        symlink(&secret, &side).unwrap();
        let (code, out) = inst.run(&["diff", "settings:lanrev_server", "--set", SET_ID]);
        assert!(!out.contains("TOPSECRET"), "{out}");
        assert_eq!(code, 2, "a link is an error, not a difference: {out}");
        assert!(out.contains("not followed"), "{out}");
        std::fs::remove_file(&side).unwrap();
        std::fs::rename(&saved, &side).unwrap();
    }
}

#[test]
fn diff_dp_refuses_payload_paths_outside_the_root_and_prints_nothing_from_there() {
    let inst = install(|i| {
        i.points(&[
            ("m", "dp/m", true),
            ("up", "../outside", false),
            ("etc", "/etc", false),
            ("host", "/", false),
        ])
    });
    let m = inst.root.join("dp/m");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(m.join("Office.pkg"), "office payload\n").unwrap();
    std::fs::write(m.join("passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    inst.outside("Office.pkg", "OUTSIDE-SECRET payload\n");
    for name in ["up", "etc", "host"] {
        let (code, out) = inst.run(&["diff", &format!("dp:{name}"), "--unified", "--set", SET_ID]);
        assert_eq!(code, 2, "{out}");
        assert!(out.contains("DP_PATH_UNSAFE"), "{out}");
        assert!(!out.contains("OUTSIDE-SECRET"), "{out}");
        assert!(!out.contains("root:x:0:0:root"), "{out}");
        // Nothing was listed on either side: no file names, no totals from a walk.
        assert!(
            !out.contains("Office.pkg") && !out.contains("missing live"),
            "{out}"
        );
    }
    let j = inst.json(&["diff", "dp:host", "--set", SET_ID, "--json"]);
    let c = &j["components"][0];
    assert_eq!(c["status"], "error");
    assert_eq!(c["findings"][0]["code"], "DP_PATH_UNSAFE");
    assert!(c.get("dp").is_none(), "{c:#}");

    let check = inst.json(&["check", "--json"]);
    let mut refused: Vec<&str> = check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "DP_PATH_UNSAFE")
        .map(|f| f["component"].as_str().unwrap())
        .collect();
    refused.sort();
    assert_eq!(refused, vec!["dp:etc", "dp:host", "dp:up"]);
}

/// The FOLDER_DIFFERS counts `check` gives, and the folder totals `diff` gives.
fn check_and_diff(inst: &Install) -> (Option<u64>, Value, Value) {
    let check = inst.json(&["check", "--json"]);
    let folder = check["folders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "CustomFieldScriptFiles")
        .unwrap()
        .clone();
    let diff = inst.json(&[
        "diff",
        "folder:CustomFieldScriptFiles",
        "--set",
        SET_ID,
        "--json",
    ]);
    let totals = diff["components"][0]["folder"]["totals"].clone();
    (folder["differs_from_set"].as_u64(), check, totals)
}

#[test]
fn check_and_diff_agree_about_a_link_in_a_folder() {
    let inst = install(|_| {});
    let (differs, _, totals) = check_and_diff(&inst);
    assert_eq!(differs, Some(0));
    assert_eq!(totals["extra"], 0);

    symlink("/etc", inst.server().join("CustomFieldScriptFiles/escape")).unwrap();
    let (differs, check, totals) = check_and_diff(&inst);
    assert_eq!(totals["extra"], 1, "{totals:#}");
    assert_eq!(differs, Some(1));
    let f: Vec<&Value> = check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "FOLDER_DIFFERS")
        .collect();
    assert_eq!(f.len(), 1);
    let msg = f[0]["message"].as_str().unwrap();
    assert!(msg.contains("0 missing, 1 extra, 0 changed"), "{msg}");
    let (_, text) = inst.run(&["diff", "folder:CustomFieldScriptFiles", "--set", SET_ID]);
    assert!(
        text.contains("extra live:   escape -> /etc") || text.contains("escape"),
        "{text}"
    );
}

#[test]
fn a_live_folder_swapped_for_a_link_is_refused_by_check_and_diff_alike() {
    let inst = install(|_| {});
    let live = inst.server().join("CustomFieldScriptFiles");
    std::fs::remove_dir_all(&live).unwrap();
    inst.outside("scripts/disk.sh", "echo OUTSIDE-SECRET\n");
    symlink(inst.dir.path().join("outside/scripts"), &live).unwrap();
    let (differs, check, totals) = check_and_diff(&inst);
    // Neither walks through the link: the live side is empty, the set's file is missing.
    assert_eq!(totals["missing"], 1, "{totals:#}");
    assert_eq!(totals["live_files"], 0);
    assert_eq!(differs, Some(1));
    assert!(
        check["findings"].as_array().unwrap().iter().any(
            |f| f["code"] == "PATH_UNSAFE" && f["component"] == "folder:CustomFieldScriptFiles"
        ),
        "{:#}",
        check["findings"]
    );
    let (_, text) = inst.run(&[
        "diff",
        "folder:CustomFieldScriptFiles",
        "--unified",
        "--set",
        SET_ID,
    ]);
    assert!(!text.contains("OUTSIDE-SECRET"), "{text}");
}

#[test]
fn diff_database_refuses_a_live_database_that_is_a_link() {
    let inst = install(|_| {});
    let outside = inst.dir.path().join("outside/root-only.db");
    std::fs::create_dir_all(outside.parent().unwrap()).unwrap();
    let c = Connection::open(&outside).unwrap();
    c.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'OUTSIDE-SECRET');")
        .unwrap();
    drop(c);
    let live = inst.server().join("EnumValues.db");
    std::fs::remove_file(&live).unwrap();
    symlink(&outside, &live).unwrap();
    let (code, out) = inst.run(&["diff", "database:EnumValues", "--set", SET_ID]);
    assert_eq!(code, 2, "{out}");
    assert!(!out.contains("OUTSIDE-SECRET"), "{out}");
    assert!(out.contains("not followed"), "{out}");
}
