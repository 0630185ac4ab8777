//! The `itms-windows` profile end to end: the demo scenarios through `check`, `diff` and
//! `backups`, SQL Server backup sets judged offline (never `restorable`), the KMS key backup,
//! CoreSettings.config, the Software Library against its backup copy, and bad input in the
//! backup folder: every one a finding, never a panic.

mod common;

use common::{Demo, codes, drconsole, sets, with_code};
use drconsole::demo::Scenario;
use drconsole::mssql::writer::{self, SetSpec};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

const PROFILE: &str = "itms-windows";
const BACKUP: &str = "Program Files/Altiris/Backup";
const CORE_SETTINGS: &str = "Program Files/Altiris/Notification Server/Config/CoreSettings.config";

fn demo(scenario: Scenario) -> Demo {
    Demo::with_profile(scenario, PROFILE)
}

fn run(d: &Demo, extra: &[&str]) -> Output {
    let mut args = vec!["--profile".to_string(), PROFILE.to_string()];
    args.extend(d.args());
    args.extend(extra.iter().map(|s| s.to_string()));
    drconsole(&args)
}

fn check(d: &Demo) -> (i32, Value) {
    let out = run(d, &["check", "--json"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

fn backup(d: &Demo) -> PathBuf {
    d.root().join(BACKUP)
}

/// The backup files of the demo's CMDB, newest first.
fn cmdb_files(d: &Demo) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(backup(d))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "bak"))
        .collect();
    v.sort();
    v.reverse();
    v
}

fn set_spec(data: &[u8]) -> SetSpec<'_> {
    let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
    SetSpec {
        database: "Symantec_CMDB",
        server: "SQL01",
        type_letter: b'D',
        copy_only: false,
        started: at("2026-11-22 07:00:00"),
        finished: at("2026-11-22 07:02:00"),
        data,
    }
}

#[test]
fn healthy_demo_has_only_the_unverified_pages_note() {
    let d = demo(Scenario::Healthy);
    let (code, json) = check(&d);
    assert_eq!(codes(&json), vec!["SQL_BACKUP_UNVERIFIED"], "{json:#}");
    assert_eq!(code, 0);
    let all = sets(&json);
    assert_eq!(
        all.len(),
        4,
        "three nightly backups and the off-server copy"
    );
    for s in &all {
        // An offline reader never proves pages: the best a SQL Server set gets is unverified.
        assert_eq!(s["verdict"], "unverified", "{s:#}");
        assert_eq!(s["taken_from"], "header");
        let sql = &s["members"][0]["sql"];
        assert_eq!(sql["database"], "Symantec_CMDB");
        assert_eq!(sql["type"], "full");
        assert_eq!(sql["file_verdict"], "complete");
    }
    assert!(
        all.iter()
            .any(|s| s["members"][0]["sql"]["compressed"] == true)
    );
    assert!(all.iter().all(|s| s["recommended"] == false));
    let unverified = &with_code(&json, "SQL_BACKUP_UNVERIFIED")[0];
    assert!(
        unverified["hint"]
            .as_str()
            .unwrap()
            .contains("RESTORE VERIFYONLY FROM DISK"),
        "{unverified:#}"
    );
    let items: Vec<&str> = json["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| !a["found"].as_array().unwrap().is_empty())
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        items,
        vec![
            "ns_configuration",
            "kms_keys",
            "sim_package",
            "patch_packages"
        ]
    );
    let settings = &json["settings"][0];
    assert_eq!(settings["format"], "core-settings");
    assert_eq!(settings["keys"], 15);
    assert_eq!(settings["differs_from_set"], 0);
}

#[test]
fn broken_backups_demo_gives_the_planted_findings() {
    let d = demo(Scenario::BrokenBackups);
    let (code, json) = check(&d);
    assert_eq!(code, 2);
    let newest = cmdb_files(&d)[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let corrupt = with_code(&json, "BACKUP_CORRUPT");
    assert_eq!(corrupt.len(), 1, "{json:#}");
    assert_eq!(corrupt[0]["component"], format!("backup:{newest}"));
    assert!(
        corrupt[0]["message"]
            .as_str()
            .unwrap()
            .contains("the file ends"),
        "{:#}",
        corrupt[0]
    );
    let kms = with_code(&json, "ITMS_KMS_KEYS_STALE");
    assert_eq!(kms.len(), 1);
    assert_eq!(kms[0]["severity"], "critical");
    let lib = with_code(&json, "ITMS_SOFTWARE_LIBRARY_BACKUP_INCOMPLETE");
    assert_eq!(lib.len(), 1, "{json:#}");
    assert!(
        lib[0]["message"]
            .as_str()
            .unwrap()
            .contains("lacks 6 files")
    );
    assert_eq!(with_code(&json, "SETTINGS_DIFFER").len(), 1);
    // The truncated set is corrupt; the one before it is what an operator would restore.
    let all = sets(&json);
    assert_eq!(all[0]["verdict"], "corrupt");
    assert_eq!(all[0]["members"][0]["sql"]["file_verdict"], "damaged");
    assert_eq!(all[1]["verdict"], "unverified");
    assert_eq!(
        with_code(&json, "SQL_BACKUP_UNVERIFIED")[0]["component"],
        all[1]["component"]
    );
    for planted in &d.install.expected {
        let code = planted
            .rsplit('(')
            .next()
            .and_then(|c| c.split([')', ',']).next())
            .unwrap();
        assert!(
            codes(&json).iter().any(|c| c == code),
            "planted {planted} but no {code}"
        );
    }
}

#[test]
fn diff_shows_the_changed_core_settings_and_the_packages_the_backup_lacks() {
    let d = demo(Scenario::BrokenBackups);
    let out = run(&d, &["diff", "settings:CoreSettings", "--json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("MaxConcurrentTaskInstances"), "{text}");
    assert!(text.contains("PurgeMaintenanceDays"), "{text}");
    assert!(!text.contains("NSHttpPort"), "{text}");
    let out = run(&d, &["diff", "folder:SoftwareLibrary"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("setup.msi"), "{text}");
}

#[test]
fn missing_kms_and_configuration_backups_are_named() {
    let d = demo(Scenario::Healthy);
    fs::remove_dir_all(backup(&d).join("KMS")).unwrap();
    for b in &d.install.backup_roots {
        let _ = fs::remove_dir_all(b.join("KMS"));
    }
    fs::remove_file(backup(&d).join("NSConfiguration/NSConfiguration_2026-11-16.xml")).unwrap();
    fs::remove_dir_all(backup(&d).join("SIMInstallationPackage")).unwrap();
    let (code, json) = check(&d);
    assert_eq!(code, 2);
    let kms = with_code(&json, "ITMS_KMS_KEYS_MISSING");
    assert_eq!(kms.len(), 1, "{json:#}");
    assert_eq!(kms[0]["severity"], "critical");
    assert_eq!(with_code(&json, "ITMS_NS_CONFIG_BACKUP_MISSING").len(), 1);
    assert_eq!(with_code(&json, "ITMS_SIM_PACKAGE_MISSING").len(), 1);
    assert!(with_code(&json, "ITMS_PATCH_PACKAGES_MISSING").is_empty());
}

#[test]
fn an_old_configuration_backup_is_stale() {
    let d = demo(Scenario::Healthy);
    let f = backup(&d).join("NSConfiguration/NSConfiguration_2026-11-16.xml");
    let old = filetime::FileTime::from_unix_time(d.install.now.timestamp() - 20 * 86400, 0);
    filetime::set_file_mtime(&f, old).unwrap();
    let (_, json) = check(&d);
    let stale = with_code(&json, "ITMS_NS_CONFIG_BACKUP_STALE");
    assert_eq!(stale.len(), 1, "{json:#}");
    assert!(
        stale[0]["message"]
            .as_str()
            .unwrap()
            .contains("192 h limit")
    );
}

#[test]
fn a_missing_software_library_and_its_backup_are_errors() {
    let d = demo(Scenario::Healthy);
    fs::remove_dir_all(backup(&d).join("SoftwareLibrary")).unwrap();
    fs::remove_dir_all(d.root().join("Program Files/Altiris/Packages")).unwrap();
    let (_, json) = check(&d);
    let lib = with_code(&json, "ITMS_SOFTWARE_LIBRARY_BACKUP_INCOMPLETE");
    assert_eq!(lib.len(), 1, "{json:#}");
    assert!(
        lib[0]["message"]
            .as_str()
            .unwrap()
            .contains("no backup copy")
    );
    assert_eq!(with_code(&json, "ITMS_PACKAGE_SHARE_MISSING").len(), 1);
}

#[test]
fn malformed_core_settings_name_the_file_and_the_line() {
    let d = demo(Scenario::Healthy);
    let live = d.root().join(CORE_SETTINGS);
    let text = fs::read_to_string(&live).unwrap();
    let cut = text.find("NSHttpPort").unwrap();
    fs::write(&live, &text[..cut]).unwrap();
    let (code, json) = check(&d);
    assert_eq!(code, 2);
    let f = with_code(&json, "SETTINGS_UNREADABLE");
    assert_eq!(f.len(), 1, "{json:#}");
    let msg = f[0]["message"].as_str().unwrap();
    assert!(msg.contains("CoreSettings.config"), "{msg}");
    assert!(msg.contains("line "), "{msg}");
    // The diff refuses with the same reason instead of inventing one.
    let out = run(&d, &["diff", "settings:CoreSettings"]);
    assert_ne!(out.status.code(), Some(101));
}

#[test]
fn bad_bak_files_are_findings_never_panics() {
    let d = demo(Scenario::Healthy);
    let dir = backup(&d);
    let good = fs::read(&cmdb_files(&d)[0]).unwrap();
    fs::write(dir.join("Symantec_CMDB_empty.bak"), b"").unwrap();
    fs::write(
        dir.join("Symantec_CMDB_sqlite.bak"),
        b"SQLite format 3\0rest",
    )
    .unwrap();
    fs::write(
        dir.join("Symantec_CMDB_lfs.bak"),
        b"version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 1460736\n",
    )
    .unwrap();
    // Huge declared lengths everywhere after the media header.
    let mut hostile = good[..2048].to_vec();
    hostile.extend(std::iter::repeat_n(0xFFu8, 4096));
    fs::write(dir.join("Symantec_CMDB_hostile.bak"), &hostile).unwrap();
    // A stripe of a three-file media set, alone.
    let mut striped = writer::tape(3, 2);
    striped.extend(writer::sfmb());
    striped.extend(writer::backup_set(&set_spec(&[7u8; 600])));
    fs::write(dir.join("Symantec_CMDB_stripe2.bak"), &striped).unwrap();
    // A backup of another database under the CMDB's name.
    let other = writer::backup_file(&[SetSpec {
        database: "master",
        ..set_spec(&[1u8; 600])
    }]);
    fs::write(dir.join("Symantec_CMDB_master.bak"), &other).unwrap();
    // A link is never followed.
    std::os::unix::fs::symlink("/etc/passwd", dir.join("Symantec_CMDB_link.bak")).unwrap();
    let (code, json) = check(&d);
    // Damaged sets are warnings while a readable backup remains.
    assert_eq!(code, 1, "{json:#}");
    let by_id = |id: &str| -> Value {
        sets(&json)
            .into_iter()
            .find(|s| s["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no set {id}: {json:#}"))
    };
    for (id, verdict) in [
        ("Symantec_CMDB_empty.bak", "corrupt"),
        ("Symantec_CMDB_sqlite.bak", "corrupt"),
        ("Symantec_CMDB_lfs.bak", "corrupt"),
        ("Symantec_CMDB_hostile.bak", "corrupt"),
        ("Symantec_CMDB_stripe2.bak", "incomplete"),
        ("Symantec_CMDB_master.bak", "incomplete"),
    ] {
        assert_eq!(by_id(id)["verdict"], verdict, "{id}: {:#}", by_id(id));
    }
    assert_eq!(
        by_id("Symantec_CMDB_lfs.bak")["members"][0]["sql"]["file_verdict"],
        "not_a_backup"
    );
    assert!(
        by_id("Symantec_CMDB_stripe2.bak")["missing"][0]
            .as_str()
            .unwrap()
            .contains("other than 2 of 3")
    );
    assert!(
        with_code(&json, "PATH_UNSAFE").iter().any(|f| f["message"]
            .as_str()
            .unwrap()
            .contains("Symantec_CMDB_link.bak")),
        "{json:#}"
    );
    assert!(
        !sets(&json)
            .iter()
            .any(|s| s["id"] == "Symantec_CMDB_link.bak")
    );
}

#[test]
fn appended_sets_are_one_set_each_and_the_newest_is_named() {
    let d = demo(Scenario::Healthy);
    let data = [3u8; 700];
    let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
    let second = SetSpec {
        type_letter: b'D',
        copy_only: true,
        started: at("2026-11-22 07:30:00"),
        finished: at("2026-11-22 07:31:00"),
        ..set_spec(&data)
    };
    let file = writer::backup_file(&[set_spec(&data), second]);
    fs::write(backup(&d).join("Symantec_CMDB.bak"), &file).unwrap();
    let (_, json) = check(&d);
    let all = sets(&json);
    assert_eq!(all[0]["id"], "Symantec_CMDB.bak@2", "{json:#}");
    assert_eq!(all[0]["members"][0]["sql"]["copy_only"], true);
    assert_eq!(all[0]["members"][0]["sql"]["position"], 2);
    assert_eq!(all[1]["id"], "Symantec_CMDB.bak@1");
    let named = with_code(&json, "SQL_BACKUP_UNVERIFIED");
    assert_eq!(named[0]["component"], "backup:Symantec_CMDB.bak@2");
    assert!(named[0]["hint"].as_str().unwrap().contains("WITH FILE = 2"));
}

#[test]
fn the_demo_is_identical_for_the_same_seed() {
    let snapshot = |root: &Path| -> Vec<(PathBuf, Vec<u8>, i64)> {
        let mut out = Vec::new();
        for e in walkdir::WalkDir::new(root).sort_by_file_name() {
            let e = e.unwrap();
            if e.file_type().is_file() {
                let m = e.metadata().unwrap();
                out.push((
                    e.path().strip_prefix(root).unwrap().to_path_buf(),
                    fs::read(e.path()).unwrap(),
                    filetime::FileTime::from_last_modification_time(&m).unix_seconds(),
                ));
            }
        }
        out
    };
    for scenario in [Scenario::Healthy, Scenario::BrokenBackups] {
        let (a, b) = (demo(scenario), demo(scenario));
        assert!(
            snapshot(a.root()) == snapshot(b.root()),
            "{scenario} differs between runs"
        );
    }
}

#[test]
fn lanrev_scenarios_are_refused_for_itms_and_back() {
    let tmp = tempfile::tempdir().unwrap();
    let out = drconsole(&[
        "--profile",
        PROFILE,
        "demo",
        "init",
        tmp.path().join("a").to_str().unwrap(),
        "--scenario",
        "corrupt-db",
    ]);
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken-backups"));
    let out = drconsole(&[
        "demo",
        "init",
        tmp.path().join("b").to_str().unwrap(),
        "--scenario",
        "broken-backups",
    ]);
    assert_eq!(out.status.code(), Some(64));
}

#[test]
fn profile_errors_name_the_unknown_code_and_database() {
    let dir = tempfile::tempdir().unwrap();
    let write = |text: &str| {
        let p = dir.path().join("p.toml");
        fs::write(&p, text).unwrap();
        drconsole::profile::load(p.to_str().unwrap())
            .unwrap_err()
            .to_string()
    };
    let err = write(
        "name = \"x\"\n[[artifacts]]\nname = \"k\"\ntitle = \"Keys\"\npattern = \"*.kms\"\nmissing = \"ITMS_NO_SUCH_CODE\"\n",
    );
    assert!(err.contains("line 6"), "{err}");
    let err = write(
        "name = \"x\"\n[[artifacts]]\nname = \"k\"\ntitle = \"Keys\"\npattern = \"*.kms\"\nstale = \"ITMS_KMS_KEYS_STALE\"\nnot_older_than = \"CMDB\"\n",
    );
    assert!(
        err.contains("not_older_than") && err.contains("CMDB"),
        "{err}"
    );
    let err = write("name = \"x\"\n[[sql_databases]]\nname = \"CMDB\"\nbackups = \"../*.bak\"\n");
    assert!(err.contains("'..'"), "{err}");
}

#[test]
fn inspect_does_not_call_checksums_absent_when_reading_stopped_before_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let whole = writer::backup_file(&[set_spec(&[9u8; 4000])]);
    let good = dir.path().join("good.bak");
    fs::write(&good, &whole).unwrap();
    let cut = dir.path().join("cut.bak");
    fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let r = drconsole::inspect::inspect(&good, None);
    assert_eq!(r.verdict, "complete");
    assert_eq!(r.checksums, Some(true));
    let r = drconsole::inspect::inspect(&cut, None);
    assert_eq!(r.verdict, "damaged");
    assert_eq!(r.checksums, None, "{r:#?}");
    assert!(r.details.iter().any(|d| d.contains("not known")));
    let empty = dir.path().join("empty.bak");
    fs::write(&empty, b"").unwrap();
    assert_eq!(drconsole::inspect::inspect(&empty, None).checksums, None);
}

#[test]
fn real_backups_read_as_sets_through_check() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/mssql");
    let corpus = if corpus.is_dir() {
        corpus
    } else {
        PathBuf::from("/work/shared/corpora/mssql")
    };
    if !corpus.join("ok_sql2008r2_dborphanusers_full.bak").is_file() {
        eprintln!(
            "skipped: the SQL Server backup corpus is not at {}",
            corpus.display()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("sql.toml");
    fs::write(
        &profile,
        "name = \"sql-corpus\"\n\
         [[sql_databases]]\nname = \"dbOrphanUsers\"\nbackups = \"*dborphanusers*\"\n\
         [[sql_databases]]\nname = \"TestDb\"\nbackups = \"*testdb*.bak\"\n",
    )
    .unwrap();
    let root = dir.path().join("root");
    fs::create_dir(&root).unwrap();
    let out = drconsole(&[
        "--profile",
        profile.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
        "--backups",
        corpus.to_str().unwrap(),
        "--state",
        dir.path().join("state").to_str().unwrap(),
        "--now",
        "2026-11-22T08:00:00Z",
        "check",
        "--json",
    ]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let all = sets(&json);
    let summary: Vec<(String, String, String, String)> = all
        .iter()
        .map(|s| {
            let sql = &s["members"][0]["sql"];
            (
                s["id"].as_str().unwrap().to_string(),
                s["verdict"].as_str().unwrap().to_string(),
                sql["type"].as_str().unwrap().to_string(),
                s["taken_at"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let row = |id: &str, ty: &str, at: &str| {
        (
            id.to_string(),
            "unverified".to_string(),
            ty.to_string(),
            at.to_string(),
        )
    };
    assert_eq!(
        summary,
        vec![
            row(
                "ok_sql2016_testdb_full_compressed.bak",
                "full",
                "2020-06-28T19:06:42Z"
            ),
            row(
                "ok_sql2008r2_dborphanusers_log.trn",
                "log",
                "2017-05-18T04:18:31Z"
            ),
            row(
                "ok_sql2008r2_dborphanusers_diff.bak",
                "differential",
                "2017-05-18T04:18:19Z"
            ),
            row(
                "ok_sql2008r2_dborphanusers_full.bak",
                "full",
                "2017-05-18T04:17:41Z"
            ),
        ],
        "{json:#}"
    );
    let named = with_code(&json, "SQL_BACKUP_UNVERIFIED");
    let components: Vec<&str> = named
        .iter()
        .map(|f| f["component"].as_str().unwrap())
        .collect();
    assert_eq!(
        components,
        vec![
            "backup:ok_sql2008r2_dborphanusers_full.bak",
            "backup:ok_sql2016_testdb_full_compressed.bak"
        ]
    );
    assert!(
        named[0]["message"]
            .as_str()
            .unwrap()
            .contains("2 newer differential or log backups"),
        "{:#}",
        named[0]
    );
    // Years old: beyond the RPO, a warning; never restorable, never recommended.
    assert_eq!(out.status.code(), Some(1));
    assert!(json["summary"]["recommended_set"].is_null());
}

/// The runbook's states after a scan of `d` (no journal: nothing marked by hand).
fn runbook_states(d: &Demo) -> Vec<(String, &'static str)> {
    let profile = drconsole::profile::load(PROFILE).unwrap();
    let mut ctx = drconsole::context::Context::new(profile.clone(), d.root());
    ctx.extra_backup_roots = d.install.backup_roots.clone();
    ctx.state_dir = d.state.clone();
    ctx.clock = drconsole::clock::Clock::fixed(d.install.now);
    let inv = drconsole::inventory::scan(&ctx, &Default::default(), &());
    let rb = drconsole::runbook::evaluate(&profile, d.root(), Some(&inv), &[]);
    rb.steps
        .iter()
        .map(|s| (s.step.id.clone(), s.state.as_str()))
        .collect()
}

#[test]
fn runbook_follows_the_guides_three_steps_ticked_by_the_scan() {
    let profile = drconsole::profile::load(PROFILE).unwrap();
    let ids: Vec<&str> = profile.runbook.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "backups-ready",
            "rename-clean-cmdb",
            "restore-cmdb",
            "cancel-tasks",
            "reinstall-ns",
            "cloud-enabled-management",
            "restore-ns-configuration",
            "core-settings",
            "software-library"
        ]
    );
    // The task-cancel SQL of the guide, ready to copy.
    let cancel = profile
        .runbook
        .iter()
        .find(|s| s.id == "cancel-tasks")
        .unwrap();
    let sql = cancel.copy_text().unwrap();
    for table in [
        "TRUNCATE TABLE ServerTaskInstanceRequests;",
        "TRUNCATE TABLE ServerTaskInstanceStates;",
        "TRUNCATE TABLE ClientTaskInstanceRequests;",
        "UPDATE TaskInstanceStatus SET InstanceStatus = 3 WHERE InstanceStatus <= 1;",
    ] {
        assert!(sql.contains(table), "{sql}");
    }
    let state = |states: &[(String, &'static str)], id: &str| {
        states.iter().find(|(s, _)| s == id).unwrap().1
    };
    let healthy = runbook_states(&demo(Scenario::Healthy));
    assert_eq!(state(&healthy, "backups-ready"), "done", "{healthy:?}");
    assert_eq!(state(&healthy, "core-settings"), "done");
    assert_eq!(state(&healthy, "software-library"), "done");
    assert_eq!(state(&healthy, "cancel-tasks"), "open");
    let broken = runbook_states(&demo(Scenario::BrokenBackups));
    assert_eq!(state(&broken, "backups-ready"), "open", "{broken:?}");
    assert_eq!(state(&broken, "core-settings"), "open");
    assert_eq!(state(&broken, "software-library"), "open");
}

#[test]
fn a_date_in_the_file_name_never_overrides_the_header() {
    let d = demo(Scenario::Healthy);
    // A name claiming a day the header contradicts: the header dates the set, and the name is
    // not called suspect (it dates nothing).
    let file = writer::backup_file(&[set_spec(&[5u8; 500])]);
    fs::write(backup(&d).join("Symantec_CMDB_2026-12-30_0200.bak"), &file).unwrap();
    let (_, json) = check(&d);
    let set = sets(&json)
        .into_iter()
        .find(|s| s["id"] == "Symantec_CMDB_2026-12-30_0200.bak")
        .unwrap();
    assert_eq!(set["taken_at"], "2026-11-22T07:02:00Z");
    assert!(
        with_code(&json, "BACKUP_DATE_SUSPECT").is_empty(),
        "{json:#}"
    );
}

#[test]
fn a_server_under_program_files_x86_is_found_and_said() {
    let d = demo(Scenario::Healthy);
    fs::rename(
        d.root().join("Program Files"),
        d.root().join("Program Files (x86)"),
    )
    .unwrap();
    let (code, json) = check(&d);
    assert_eq!(codes(&json), vec!["SQL_BACKUP_UNVERIFIED"], "{json:#}");
    assert_eq!(code, 0);
    let layout = json["layout"].as_array().expect("layout in check --json");
    assert!(
        layout
            .iter()
            .all(|l| l["found"] == true && l["label"] == "Program Files (x86)"),
        "{layout:#?}"
    );
    let out = run(&d, &["check"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Program Files (x86)"));
}
