//! `drconsole inspect FILE... [--json]`: what each file is, judged by the reader of its kind,
//! in the JSON shape of issue 14 and in escaped text. Files are made here (SQLite through
//! rusqlite, a certificate through rcgen, a plist through the plist crate, copies of the real
//! backups truncated); the real-backup corpus parts skip with a reason when it is absent.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn inspect(files: &[&Path], json: bool) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_drconsole"));
    cmd.arg("inspect");
    if json {
        cmd.arg("--json");
    }
    let out = cmd.args(files).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn json_of(files: &[&Path]) -> (i32, Value) {
    let (code, text) = inspect(files, true);
    (code, serde_json::from_str(&text).unwrap())
}

fn corpus_file(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from("/work/shared/corpora/mssql").join(name);
    let alt = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpora/mssql")
        .join(name);
    for c in [alt, p] {
        if c.is_file() {
            return Some(c);
        }
    }
    eprintln!("skipped: the SQL Server backup corpus (../shared/corpora/mssql) is absent");
    None
}

#[test]
fn json_shape_of_a_real_full_backup() {
    let Some(bak) = corpus_file("ok_sql2008r2_dborphanusers_full.bak") else {
        return;
    };
    let (code, v) = json_of(&[&bak]);
    assert_eq!(code, 0);
    let f = &v["files"][0];
    assert_eq!(f["kind"], "sql_server_backup");
    assert_eq!(f["verdict"], "complete");
    assert_eq!(f["problems"], serde_json::json!([]));
    let s = &f["backup_sets"][0];
    assert_eq!(s["database"], "dbOrphanUsers");
    assert_eq!(s["server"], "SQL2008");
    assert_eq!(s["type"], "full");
    assert_eq!(s["copy_only"], false);
    assert_eq!(s["started"], "2017-05-18T04:17:40");
    assert_eq!(s["finished"], "2017-05-18T04:17:41");
    assert_eq!(s["compressed"], false);
    assert_eq!(s["family"], 1);
    assert_eq!(s["families"], 1);
    // Page checksums cannot be checked offline: the set is never more than unverified.
    assert_eq!(s["verdict"], "unverified");
}

#[test]
fn truncated_copy_of_a_real_backup_is_damaged_with_exit_2() {
    let Some(bak) = corpus_file("ok_sql2016_testdb_full_compressed.bak") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::read(&bak).unwrap();
    let cut = dir.path().join("cut.bak");
    std::fs::write(&cut, &data[..data.len() / 2]).unwrap();
    let (code, v) = json_of(&[&cut]);
    assert_eq!(code, 2);
    assert_eq!(v["files"][0]["verdict"], "damaged");
    assert!(!v["files"][0]["problems"].as_array().unwrap().is_empty());
}

#[test]
fn other_formats_are_named_and_judged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let lfs = d.join("CMDB.bak");
    std::fs::write(
        &lfs,
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 1460736\n",
    )
    .unwrap();
    let empty = d.join("empty.bak");
    std::fs::write(&empty, b"").unwrap();
    let text = d.join("notes.bak");
    std::fs::write(&text, b"just some notes\n").unwrap();
    let db = d.join("ServerDatabase.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    let cert = d.join("server.crt");
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["mdm.example.com".to_string()]).unwrap();
    std::fs::write(&cert, params.self_signed(&key).unwrap().pem()).unwrap();
    let plist = d.join("settings.plist");
    let mut dict = plist::Dictionary::new();
    dict.insert("Port".into(), plist::Value::Integer(3971.into()));
    plist::Value::Dictionary(dict).to_file_xml(&plist).unwrap();

    let (code, v) = json_of(&[&lfs, &empty, &text, &db, &cert, &plist]);
    let kinds: Vec<(&str, &str)> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap(), f["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("git_lfs_pointer", "not_a_backup"),
            ("empty", "not_a_backup"),
            ("unknown", "not_a_backup"),
            ("sqlite_database", "ok"),
            ("certificate", "readable"),
            ("plist", "readable"),
        ]
    );
    assert_eq!(code, 1);
}

#[test]
fn text_output_escapes_names_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = dir.path().join("evil\x1b[2Jname.bak");
    std::fs::write(&hostile, b"not a backup").unwrap();
    let (code, text) = inspect(&[&hostile], false);
    assert_eq!(code, 1);
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(text.contains("evil\\x1b[2Jname.bak"), "{text}");
    assert!(text.contains("not a backup"));
}

#[test]
fn a_fifo_is_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.bak");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    // Reading a FIFO with no writer would block forever; inspect must not open it.
    let (code, v) = json_of(&[&fifo]);
    assert_eq!(code, 1);
    assert_eq!(v["files"][0]["verdict"], "not_a_file");
}
