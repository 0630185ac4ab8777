//! Bad input never crashes a check: each planted fault gives its finding and the scan finishes.

mod common;

use common::{Demo, codes, sets, with_code};
use drconsole::demo::Scenario;
use std::path::PathBuf;

fn backups_dir(d: &Demo) -> PathBuf {
    d.server().join("Database Backups")
}

fn newest_set_dir(d: &Demo) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(backups_dir(d))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.pop().unwrap()
}

#[test]
fn an_empty_live_database_is_not_sqlite() {
    let d = Demo::new(Scenario::Healthy);
    std::fs::write(d.server().join("MobileDevices.db"), b"").unwrap();
    let (code, json) = d.check_json(&[]);
    assert_eq!(code, 2);
    let f = with_code(&json, "DB_NOT_SQLITE");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["component"], "database:MobileDevices");
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .contains("MobileDevices.db")
    );
}

#[test]
fn an_empty_backup_member_makes_the_set_incomplete() {
    let d = Demo::new(Scenario::Healthy);
    let set = newest_set_dir(&d);
    let member = std::fs::read_dir(&set)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().contains("EnumValues"))
        .unwrap();
    std::fs::write(&member, b"").unwrap();
    let (_, json) = d.check_json(&[]);
    assert_eq!(sets(&json)[0]["verdict"], "incomplete");
    assert_eq!(sets(&json)[0]["recommended"], false);
    assert!(codes(&json).contains(&"BACKUP_INCOMPLETE".into()));
}

#[test]
fn a_text_file_named_db_is_not_sqlite() {
    let d = Demo::new(Scenario::Healthy);
    std::fs::write(
        d.server().join("EnumValues.db"),
        "# exported enum values\nOS=macOS\n",
    )
    .unwrap();
    let (_, json) = d.check_json(&[]);
    let f = with_code(&json, "DB_NOT_SQLITE");
    assert_eq!(f[0]["component"], "database:EnumValues");
}

#[test]
fn a_truncated_database_is_corrupt() {
    let d = Demo::new(Scenario::Healthy);
    let p = d.server().join("ServerDatabase.db");
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() / 3]).unwrap();
    let (code, json) = d.check_json(&[]);
    assert_eq!(code, 2);
    let f = with_code(&json, "DB_CORRUPT");
    assert_eq!(f.len(), 1, "{:#}", json["findings"]);
    assert_eq!(f[0]["component"], "database:ServerDatabase");
}

#[test]
fn a_hot_journal_beside_a_live_database_is_reported() {
    let d = Demo::new(Scenario::Healthy);
    std::fs::write(
        d.server().join("ServerDatabase.db-journal"),
        vec![7u8; 1024],
    )
    .unwrap();
    let (_, json) = d.check_json(&[]);
    let f = with_code(&json, "DB_HOT_JOURNAL");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["severity"], "warning");
}

#[test]
fn a_missing_live_database_is_critical() {
    let d = Demo::new(Scenario::Healthy);
    std::fs::remove_file(d.server().join("AgentRequestCache.db")).unwrap();
    let (code, json) = d.check_json(&[]);
    assert_eq!(code, 2);
    assert_eq!(with_code(&json, "DB_MISSING")[0]["severity"], "critical");
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_in_the_backup_root_is_skipped_not_followed() {
    let d = Demo::new(Scenario::Healthy);
    let b = backups_dir(&d);
    std::os::unix::fs::symlink(b.join("loop-b"), b.join("loop-a")).unwrap();
    std::os::unix::fs::symlink(b.join("loop-a"), b.join("loop-b")).unwrap();
    // A folder link back to its parent would loop a naive recursive walk.
    std::os::unix::fs::symlink(&b, b.join("2026-01-01 00-00-00")).unwrap();
    let (_, json) = d.check_json(&[]);
    // Two links that point at each other, and one folder link back to its own backup root.
    assert_eq!(
        with_code(&json, "PATH_LOOP").len(),
        3,
        "{:#}",
        json["findings"]
    );
    assert!(json["summary"]["recommended_set"].is_string());
}

#[cfg(unix)]
#[test]
fn a_link_to_etc_is_never_followed_out_of_the_root() {
    let d = Demo::new(Scenario::Healthy);
    std::os::unix::fs::symlink("/etc", backups_dir(&d).join("2026-11-22 01-00-00")).unwrap();
    let live = d.server().join("EnumValues.db");
    std::fs::remove_file(&live).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", &live).unwrap();
    let (_, json) = d.check_json(&[]);
    let unsafe_paths = with_code(&json, "PATH_UNSAFE");
    assert_eq!(unsafe_paths.len(), 2, "{unsafe_paths:#?}");
    assert!(
        sets(&json)
            .iter()
            .all(|s| !s["path"].as_str().unwrap().starts_with("/etc"))
    );
    let db = &json["databases"].as_array().unwrap()[5];
    assert_eq!(db["name"], "EnumValues");
    assert_eq!(db["file"]["state"], "unreadable");
}

#[test]
fn a_folder_where_a_database_should_be_is_unreadable() {
    let d = Demo::new(Scenario::Healthy);
    let p = d.server().join("SoftwareLicenseControl.db");
    std::fs::remove_file(&p).unwrap();
    std::fs::create_dir(&p).unwrap();
    let (code, json) = d.check_json(&[]);
    assert_eq!(code, 2);
    let f = with_code(&json, "DB_UNREADABLE");
    assert_eq!(f[0]["component"], "database:SoftwareLicenseControl");
}

#[cfg(unix)]
#[test]
fn a_set_with_a_non_utf8_name_is_still_checked() {
    use std::os::unix::ffi::OsStrExt;
    let d = Demo::new(Scenario::Healthy);
    let src = newest_set_dir(&d);
    let name = std::ffi::OsStr::from_bytes(b"2026-11-22 07-00-00 caf\xe9");
    let dst = backups_dir(&d).join(name);
    std::fs::create_dir(&dst).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        if e.path().is_file() {
            std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
        }
    }
    let (_, json) = d.check_json(&[]);
    assert_eq!(with_code(&json, "PATH_NOT_UTF8").len(), 1);
    let newest = sets(&json)[0];
    assert!(
        newest["id"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-22 07-00-00")
    );
    assert_eq!(newest["verdict"], "restorable");
}

#[test]
fn a_backups_folder_that_is_one_set_is_recognised() {
    let d = Demo::new(Scenario::Healthy);
    let set = newest_set_dir(&d);
    let (_, json) = d.check_json(&["--no-cache"]);
    let before = sets(&json).len();
    let out = d.run(&["--backups", set.to_str().unwrap(), "check", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sets(&json).len(), before + 1);
}

#[test]
fn flat_time_stamped_backups_are_grouped_into_sets() {
    let d = Demo::new(Scenario::Healthy);
    let flat = d.dir.path().join("flat");
    std::fs::create_dir(&flat).unwrap();
    let src = newest_set_dir(&d);
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".dbbackup") {
            let stem = stem.trim_end_matches(".db");
            for stamp in ["2026-11-10_020000", "2026-11-11_020000"] {
                std::fs::copy(e.path(), flat.join(format!("{stem}_{stamp}.dbbackup"))).unwrap();
            }
        }
    }
    let out = d.run(&["--backups", flat.to_str().unwrap(), "backups", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let flat_sets: Vec<_> = json["backup_sets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["layout"] == "flat" && s["root"] == flat.to_str().unwrap())
        .collect();
    assert_eq!(flat_sets.len(), 2);
    assert_eq!(flat_sets[0]["id"], "2026-11-11_020000");
    assert_eq!(flat_sets[0]["members"].as_array().unwrap().len(), 6);
}
