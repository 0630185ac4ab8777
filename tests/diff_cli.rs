//! `drconsole diff` end to end: the real binary on a small hand-built LANrev installation
//! (six databases, a backup set, settings, certificates, scripts); exit codes 0/1/2 and JSON.

use rusqlite::Connection;
use serde_json::Value;
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

struct Install {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Install {
    fn server(&self) -> PathBuf {
        self.root.join(SERVER)
    }
    fn set(&self) -> PathBuf {
        self.server().join("Database Backups").join(SET_ID)
    }
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_drconsole"))
            .arg("--root")
            .arg(&self.root)
            .arg("--state")
            .arg(self.root.join("state"))
            .args(["--now", "2026-11-22T08:00:00Z"])
            .arg("diff")
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn make_db(path: &Path, rows: i64) {
    let c = Connection::open(path).unwrap();
    c.execute_batch(&format!(
        "CREATE TABLE computers(id INTEGER PRIMARY KEY, name TEXT);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<{rows})
           INSERT INTO computers SELECT i, 'mac-' || i FROM n;"
    ))
    .unwrap();
}

/// A live server whose every component equals the backup set's copy.
fn install() -> Install {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let inst = Install { _dir: dir, root };
    let (server, set) = (inst.server(), inst.set());
    std::fs::create_dir_all(&set).unwrap();
    for name in DBS {
        let live = server.join(format!("{name}.db"));
        make_db(&live, 50);
        std::fs::copy(&live, set.join(format!("{name}.dbbackup"))).unwrap();
    }
    let prefs = inst.root.join("Library/Preferences");
    std::fs::create_dir_all(&prefs).unwrap();
    let mut d = plist::Dictionary::new();
    d.insert("ServerName".into(), "am.example.com".into());
    plist::Value::Dictionary(d.clone())
        .to_file_xml(prefs.join("com.poleposition-sw.lanrev_server.plist"))
        .unwrap();
    plist::Value::Dictionary(d)
        .to_file_binary(set.join("com.poleposition-sw.lanrev_server.plist"))
        .unwrap();
    for base in [server.clone(), set.clone()] {
        std::fs::create_dir_all(base.join("CustomFieldScriptFiles")).unwrap();
        std::fs::write(base.join("CustomFieldScriptFiles/disk.sh"), "df -h\n").unwrap();
    }
    let cert = rcgen::generate_simple_self_signed(vec!["am.example.com".into()]).unwrap();
    for base in [server.clone(), set.clone()] {
        std::fs::create_dir_all(base.join("Certificates")).unwrap();
        std::fs::write(base.join("Certificates/server.crt"), cert.cert.pem()).unwrap();
    }
    inst
}

#[test]
fn identical_components_exit_0() {
    let inst = install();
    let (code, out, err) = inst.run(&["databases", "settings:lanrev_server", "folders"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains(SET_ID), "{out}");
    assert!(out.contains("Result: identical"), "{out}");
}

#[test]
fn a_changed_database_exits_1_and_the_json_has_the_counts() {
    let inst = install();
    let live = inst.server().join("ServerDatabase.db");
    let c = Connection::open(&live).unwrap();
    c.execute_batch(
        "UPDATE computers SET name = 'renamed' WHERE id = 7;
         INSERT INTO computers VALUES (51, 'new'); DELETE FROM computers WHERE id = 1;",
    )
    .unwrap();
    drop(c);
    std::fs::write(
        inst.server().join("CustomFieldScriptFiles/disk.sh"),
        "df -k\n",
    )
    .unwrap();

    let (code, out, err) = inst.run(&[
        "database:ServerDatabase",
        "folder:CustomFieldScriptFiles",
        "certificates:Certificates",
        "--set",
        SET_ID,
        "--json",
    ]);
    assert_eq!(code, 1, "{out}\n{err}");
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["set"], SET_ID);
    assert_eq!(j["status"], "different");
    let db = &j["components"][0];
    assert_eq!(db["component"], "database:ServerDatabase");
    assert_eq!(db["kind"], "database");
    assert_eq!(db["status"], "different");
    let t = &db["database"]["tables"][0];
    assert_eq!(t["name"], "computers");
    assert_eq!(
        (&t["rows_added"], &t["rows_removed"], &t["rows_changed"]),
        (&Value::from(1), &Value::from(1), &Value::from(1))
    );
    assert_eq!(
        t["sample_changed"][0],
        serde_json::json!({"key": "id=7", "columns": [{"column": "name", "set": "'mac-7'", "live": "'renamed'"}]})
    );
    let folder = &j["components"][1];
    assert_eq!(folder["kind"], "folder");
    assert_eq!(folder["folder"]["totals"]["changed"], 1);
    assert_eq!(folder["folder"]["changed"][0]["path"], "disk.sh");
    let certs = &j["components"][2];
    assert_eq!(certs["status"], "identical");
    assert_eq!(certs["certificates"]["identity"]["same"], true);
}

#[test]
fn an_unknown_set_exits_2_naming_the_known_sets() {
    let inst = install();
    let (code, out, err) = inst.run(&["database:ServerDatabase", "--set", "nope"]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("nope") && err.contains(SET_ID), "{err}");
    let (code, _, err) = inst.run(&["database:Nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("ServerDatabase"), "{err}");
}

#[test]
fn a_corrupt_live_database_exits_2_with_what_could_be_compared() {
    let inst = install();
    let live = inst.server().join("EnumValues.db");
    std::fs::write(&live, b"garbage, not a database".repeat(300)).unwrap();
    let (code, out, _) = inst.run(&["database:EnumValues", "database:ServerDatabase", "--json"]);
    assert_eq!(code, 2, "{out}");
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["components"][0]["status"], "error");
    let e = j["components"][0]["errors"][0].as_str().unwrap();
    assert!(e.contains("EnumValues.db"), "{e}");
    assert_eq!(j["components"][1]["status"], "identical");
}
